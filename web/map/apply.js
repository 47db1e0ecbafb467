/*
 * Applying the server's state messages (protocol: src/map/protocol.ts), and the status line.
 */
'use strict';


/**
 * State messages are queued and applied together, no sooner than the last application plus
 * twice its cost (script and the redraw it caused): on a graph too big for this machine,
 * updates slow down instead of the page freezing. Structure (new and gone elements) is applied in
 * order; stats are absolute, so only the newest per edge is applied.
 */
var queue = [];
var applyTimer = null;
var measuring = false;
var lastApplyEnd = 0;
var lastCost = 0;

function schedule() {
  if (applyTimer !== null || measuring || queue.length === 0) return;
  // twice the cost: updates take at most a third of the main thread, clicks stay quick
  var wait = Math.max(0, lastApplyEnd + Math.min(3000, 2 * lastCost) - performance.now());
  applyTimer = setTimeout(function () {
    applyTimer = null;
    applyQueued();
  }, wait);
}

function applyQueued() {
  var msgs = queue;
  queue = [];
  var t0 = performance.now();
  var added = [];
  var structural = false;
  var stats = new Map();
  cy.batch(function () {
    msgs.forEach(function (m) {
      if (m.full) {
        structural = true;
        stats.clear();
        var keepN = new Set(
          m.nodes.map(function (n) {
            return n.id;
          }),
        );
        var keepE = new Set(
          m.edges.map(function (e) {
            return e.k;
          }),
        );
        Array.from(edges.keys()).forEach(function (k) {
          if (!keepE.has(k)) removeEdge(k);
        });
        Array.from(nodes.keys()).forEach(function (id) {
          if (!keepN.has(id)) removeNode(id);
        });
      }
      if (m.goneEdges.length || m.goneNodes.length || m.edges.length) structural = true;
      m.goneEdges.forEach(removeEdge);
      m.goneNodes.forEach(function (id) {
        removeNode(id);
        var i = added.indexOf(id);
        if (i >= 0) added.splice(i, 1);
      });
      var before = added.length;
      m.nodes.forEach(function (n) {
        upsertNode(n, added);
      });
      if (S.groupBy === 'tree' && added.length > before) {
        // children that arrived before their parent move inside it now
        var fresh = new Set(added.slice(before));
        nodes.forEach(function (n) {
          if (fresh.has(n.parent)) moveTo(cy.getElementById(nodeId(n.id)), parentOf(n));
        });
      }
      m.edges.forEach(addEdge);
      m.stats.forEach(function (st) {
        stats.set(st[0], st);
      });
      S.totals = m.totals;
    });
    stats.forEach(updateStats);
    if (structural || added.length > 0) {
      if (filtering()) applyFilters();
      removeEmptyGroups();
    }
    placeNew(added);
  });
  S.stateMessages += msgs.length;
  if (added.length > 0) maybeAutoLayout();
  renderStatus();
  var t1 = performance.now();
  perf.applyMs.push(t1 - t0);
  if (perf.applyMs.length > 2000) perf.applyMs.splice(0, 1000);
  // cytoscape redraws in its next animation frame; a task queued from that frame runs after it.
  measuring = true;
  requestAnimationFrame(function () {
    setTimeout(function () {
      var t2 = performance.now();
      perf.renderMs.push(t2 - t1);
      if (perf.renderMs.length > 2000) perf.renderMs.splice(0, 1000);
      lastApplyEnd = t2;
      lastCost = t2 - t0;
      measuring = false;
      schedule();
    }, 0);
  });
}

/** Labels follow the zoom: shown (and kept current) only when legible. */
function refreshLabels(force) {
  var shown = S.edgeLabels && cy.zoom() * EDGE_FONT >= MIN_FONT;
  if (shown === S.labelsShown && !force) return;
  S.labelsShown = shown;
  cy.batch(function () {
    edges.forEach(function (e) {
      var label = shown ? edgeLabel(e) : '';
      if (label === e.label) return;
      e.label = label;
      cy.getElementById(edgeId(e.k)).data('label', label);
    });
  });
}
cy.on('zoom', function () {
  refreshLabels(false);
});


function renderStatus() {
  var st = $('status');
  var parts = [];
  if (!S.connected) parts.push('disconnected, retrying…');
  else parts.push(S.paused ? 'paused' : 'connected');
  var t = S.totals;
  if (t) {
    parts.push(fmtNum(t.eventRate) + ' events/s');
    parts.push(fmtBytes(t.byteRate) + '/s');
    parts.push(fmtNum(t.events) + ' events');
    parts.push(t.nodes + ' processes');
    parts.push(t.edges + ' edges');
    var lost = 0;
    for (var k in t.lost) lost += t.lost[k];
    if (lost > 0) parts.push(fmtNum(lost) + ' lost');
    if (t.overCap > 0) parts.push(fmtNum(t.overCap) + ' events beyond the ' + S.maxNodes + '-process cap');
    if (S.source !== 'live') parts.push('at ' + new Date(t.clockMs).toLocaleString());
  }
  st.textContent = parts.join(' · ');
  st.classList.toggle('bad', !S.connected);
}
