/*
 * The ipcdump map page, wired together: the WebSocket to the server, the controls, and
 * window.ipcmap, read-only views of what is drawn for tests and the bench. Plain browser JS,
 * no build step; the other scripts (state, format, graph, filters, layout, apply, details)
 * are loaded before this one.
 */
'use strict';


var ws = null;
function send(msg) {
  if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg));
}

function connect() {
  ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws?token=' + encodeURIComponent(token));
  ws.onopen = function () {
    S.connected = true;
    renderStatus();
  };
  ws.onmessage = function (ev) {
    perf.stateBytes += ev.data.length;
    var m = JSON.parse(ev.data);
    if (m.t === 'hello') {
      var first = S.types.length === 0;
      S.source = m.source;
      S.types = m.types;
      S.traced = m.traced;
      S.captureBytes = m.captureBytes;
      S.maxNodes = m.maxNodes;
      $('source').textContent = m.source === 'live' ? 'live' : 'recording ' + m.source;
      document.title = 'ipcdump map — ' + (m.source === 'live' ? 'live' : m.source);
      if (first) buildTypeFilters();
      // the server restarts deltas with a snapshot; a page paused before a reconnect stays paused
      if (S.paused) send({ t: 'pause' });
    } else if (m.t === 'state') {
      queue.push(m);
      schedule();
    } else if (m.t === 'details') {
      if (m.id !== detailsReq || !selection) return;
      renderDetails(m.details || 'gone');
    }
  };
  ws.onclose = function () {
    S.connected = false;
    renderStatus();
    setTimeout(connect, 2000);
  };
}


$('pause').addEventListener('click', function () {
  S.paused = !S.paused;
  send({ t: S.paused ? 'pause' : 'resume' });
  $('pause').textContent = S.paused ? 'Resume' : 'Pause';
  $('pause').classList.toggle('on', S.paused);
  renderStatus();
});
$('relayout').addEventListener('click', function () {
  runLayout(true, true);
});
$('fit').addEventListener('click', function () {
  cy.fit(undefined, 30);
  capZoom();
});
$('group-by').addEventListener('change', function () {
  S.groupBy = $('group-by').value;
  cy.batch(function () {
    // parents first, so a process moves into a compound that already exists
    nodes.forEach(function (n) {
      moveTo(cy.getElementById(nodeId(n.id)), parentOf(n));
    });
    removeEmptyGroups();
    applyFilters();
  });
  runLayout(true, true);
});
$('filter-pid').addEventListener('input', readFilters);
$('filter-comm').addEventListener('input', readFilters);
$('show-exited').addEventListener('change', readFilters);
$('show-labels').addEventListener('change', function () {
  S.edgeLabels = $('show-labels').checked;
  refreshLabels(true);
});


/**
 * Whether an element is drawn, from its computed style (cytoscape's visible() is memoised
 * and lags a class change until the next frame).
 */
function drawn(ele) {
  var displayed = function (x) {
    return x.pstyle('display').value !== 'none';
  };
  if (ele.isEdge()) return displayed(ele) && drawn(ele.source()) && drawn(ele.target());
  return displayed(ele) && ele.ancestors().every(displayed);
}

window.ipcmap = Object.freeze({
  /** The cytoscape instance (read it; changing it desyncs the page). */
  cy: cy,
  /** Process nodes as drawn. */
  nodes: function () {
    return cy.nodes('.proc').map(function (n) {
      return { id: n.data('nid'), pid: n.data('pid'), comm: n.data('comm'), label: n.data('label'), ppid: n.data('ppid'), group: n.data('group'), parent: n.isChild() ? n.parent().id() : null, exited: n.hasClass('exited'), visible: drawn(n) };
    });
  },
  /** IPC edges as drawn. */
  edges: function () {
    return cy.edges('.ipc').map(function (e) {
      var d = e.data();
      return { key: d.key, id: d.id, src: e.source().data('pid'), dst: e.target().data('pid'), srcComm: e.source().data('comm'), dstComm: e.target().data('comm'), type: d.type, events: d.events, bytes: d.bytes, rate: d.rate, byteRate: d.byteRate, label: d.label, width: d.w, visible: drawn(e) };
    });
  },
  groups: function () {
    return cy.nodes('.group').map(function (g) {
      return { id: g.id(), label: g.data('label'), children: g.children().length, visible: drawn(g) };
    });
  },
  state: function () {
    return { zoom: cy.zoom(), labelsShown: S.labelsShown, connected: S.connected, paused: S.paused, source: S.source, captureBytes: S.captureBytes, totals: S.totals, groupBy: S.groupBy, layouts: S.layouts, stateMessages: S.stateMessages, status: $('status').textContent };
  },
  selection: function () {
    return selection ? Object.assign({}, selection) : null;
  },
  perf: function () {
    return { applyMs: perf.applyMs.slice(), renderMs: perf.renderMs.slice(), stateBytes: perf.stateBytes, lastDetailsMs: perf.lastDetailsMs, detailsShown: perf.detailsShown, layoutMs: perf.layoutMs.slice() };
  },
});

connect();
