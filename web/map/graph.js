/*
 * The cytoscape graph: its style, and adding, updating and removing processes and edges.
 * An element is restyled only when what it draws changed (a label, a width step, idle or
 * not): a restyle is what a delta costs on a big graph.
 */
'use strict';


var cy = cytoscape({
  container: $('graph'),
  minZoom: 0.05,
  maxZoom: 4,
  boxSelectionEnabled: false,
  selectionType: 'single',
  // Large graphs: pan and zoom from a cached texture instead of redrawing every frame.
  textureOnViewport: true,
  motionBlur: false,
  style: [
    {
      selector: 'node.proc',
      style: {
        label: 'data(label)',
        width: 16,
        height: 16,
        'background-color': '#4a6fa5',
        'font-size': 10,
        'text-valign': 'bottom',
        'text-margin-y': 2,
        color: '#1d2733',
        'min-zoomed-font-size': 7,
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.75,
        'text-background-padding': 1,
      },
    },
    { selector: 'node.proc.unknown', style: { 'background-color': '#a0a0a0', shape: 'diamond' } },
    { selector: 'node.proc.exited', style: { 'background-color': '#c8ced6', 'border-width': 1, 'border-style': 'dashed', 'border-color': '#7a8a9a', color: '#7a8a9a' } },
    {
      // a process whose children are on the map (process-tree grouping)
      selector: 'node.proc:parent',
      style: {
        shape: 'round-rectangle',
        'background-opacity': 0.08,
        'border-width': 1,
        'border-color': '#4a6fa5',
        'text-valign': 'top',
        'text-margin-y': -2,
        padding: 12,
      },
    },
    {
      selector: 'node.group',
      style: {
        shape: 'round-rectangle',
        'background-color': '#e9eff6',
        'background-opacity': 0.7,
        'border-width': 1,
        'border-color': '#a9bcd0',
        label: 'data(label)',
        'text-valign': 'top',
        'text-halign': 'center',
        // larger than process labels, so a zoomed-out map still names its groups
        'font-size': 16,
        'font-weight': 'bold',
        color: '#3d5470',
        'min-zoomed-font-size': 5,
        padding: 14,
      },
    },
    {
      selector: 'edge.ipc',
      style: {
        'curve-style': 'bezier',
        width: 'data(w)',
        'line-color': 'data(color)',
        'target-arrow-color': 'data(color)',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.8,
        opacity: 0.85,
        label: 'data(label)',
        'font-size': EDGE_FONT,
        'text-rotation': 'autorotate',
        'min-zoomed-font-size': MIN_FONT,
        color: '#1d2733',
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.8,
        'text-background-padding': 1,
        'loop-direction': '-45deg',
        'loop-sweep': '-60deg',
      },
    },
    { selector: 'edge.ipc.idle', style: { 'line-style': 'dashed', opacity: 0.45 } },
    { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#111', 'border-style': 'solid' } },
    { selector: 'edge:selected', style: { opacity: 1, 'line-style': 'solid', 'z-index': 10, 'underlay-color': '#ffd54f', 'underlay-opacity': 0.8, 'underlay-padding': 3 } },
    { selector: '.hidden', style: { display: 'none' } },
  ],
});

function nodeId(id) {
  return 'p' + id;
}
function edgeId(k) {
  return 'e' + k;
}
function groupId(g) {
  return 'g:' + g;
}

/** The compound parent a process belongs in under the current grouping, or null. */
function parentOf(n) {
  if (S.groupBy === 'cgroup') return n.group ? groupId(n.group) : null;
  if (S.groupBy === 'tree') {
    if (n.parent < 0 || !nodes.has(n.parent)) return null;
    // never nest a process inside its own descendant (a stale tree could loop)
    for (var p = n.parent, depth = 0; p >= 0 && depth < 256; depth++) {
      if (p === n.id) return null;
      var pn = nodes.get(p);
      if (!pn) break;
      p = pn.parent;
    }
    return nodeId(n.parent);
  }
  return null;
}

function ensureParent(id) {
  if (id === null || id.charAt(0) !== 'g' || cy.getElementById(id).nonempty()) return;
  cy.add({ group: 'nodes', data: { id: id, label: id.slice(2) }, classes: 'group' });
}

function moveTo(ele, parent) {
  var cur = ele.parent();
  var curId = cur.nonempty() ? cur.id() : null;
  if (curId === parent) return;
  ensureParent(parent);
  ele.move({ parent: parent });
}

function upsertNode(n, added) {
  var old = nodes.get(n.id);
  n.vis = old ? old.vis : true;
  nodes.set(n.id, n);
  if (!adj.has(n.id)) adj.set(n.id, new Set());
  var parent = parentOf(n);
  var ele = cy.getElementById(nodeId(n.id));
  if (ele.empty()) {
    ensureParent(parent);
    cy.add({
      group: 'nodes',
      data: { id: nodeId(n.id), nid: n.id, parent: parent, label: procLabel(n.pid, n.comm), pid: n.pid, comm: n.comm, ppid: n.ppid, group: n.group },
      classes: 'proc' + (n.exited ? ' exited' : '') + (n.pid < 0 ? ' unknown' : ''),
    });
    added.push(n.id);
    return;
  }
  if (!old || old.comm !== n.comm) ele.data({ label: procLabel(n.pid, n.comm), comm: n.comm });
  if (!old || old.parent !== n.parent || old.group !== n.group) {
    ele.data({ ppid: n.ppid, group: n.group });
    moveTo(ele, parent);
  }
  if (!old || old.exited !== n.exited) cy.getElementById(nodeId(n.id)).toggleClass('exited', n.exited);
}

function removeNode(id) {
  var ele = cy.getElementById(nodeId(id));
  if (ele.nonempty()) {
    // removing a compound parent would take its children along: move them out first
    var kids = ele.children();
    if (kids.nonempty()) kids.move({ parent: null });
    ele.remove();
  }
  var keys = adj.get(id);
  if (keys) keys.forEach(removeEdge);
  adj.delete(id);
  nodes.delete(id);
}

function addEdge(e) {
  if (edges.has(e.k)) return;
  var rec = { k: e.k, s: e.s, d: e.d, t: e.t, n: 0, b: 0, r: 0, br: 0, label: '', w: 1, idle: true, vis: true };
  edges.set(e.k, rec);
  (adj.get(e.s) || adj.set(e.s, new Set()).get(e.s)).add(e.k);
  (adj.get(e.d) || adj.set(e.d, new Set()).get(e.d)).add(e.k);
  if (cy.getElementById(nodeId(e.s)).empty() || cy.getElementById(nodeId(e.d)).empty()) return;
  var type = typeName(e.t);
  cy.add({
    group: 'edges',
    data: { id: edgeId(e.k), source: nodeId(e.s), target: nodeId(e.d), key: e.k, type: type, color: TYPE_COLORS[type] || '#666', w: 1, label: '', events: 0, bytes: 0, rate: 0, byteRate: 0 },
    classes: 'ipc idle',
  });
}

function removeEdge(k) {
  var e = edges.get(k);
  if (!e) return;
  edges.delete(k);
  var a = adj.get(e.s);
  if (a) a.delete(k);
  a = adj.get(e.d);
  if (a) a.delete(k);
  cy.getElementById(edgeId(k)).remove();
}

function updateStats(st) {
  var e = edges.get(st[0]);
  if (!e) return;
  e.n = st[1];
  e.b = st[2];
  e.r = st[3];
  e.br = st[4];
  var ele = cy.getElementById(edgeId(e.k));
  if (ele.empty()) return;
  // A label too small to be drawn at this zoom is not kept current: updating a label
  // restyles and re-measures the edge, the main cost of a delta on a big graph.
  var label = S.labelsShown ? edgeLabel(e) : '';
  var w = edgeWidth(e.r);
  // Only what is drawn is worth a style update; the counters ride along then.
  if (label !== e.label || w !== e.w) {
    e.label = label;
    e.w = w;
    ele.data({ label: label, w: w, events: e.n, bytes: e.b, rate: e.r, byteRate: e.br });
  } else {
    var d = ele.data();
    d.events = e.n; // not styled: no need for a style pass
    d.bytes = e.b;
    d.rate = e.r;
    d.byteRate = e.br;
  }
  var idle = e.r === 0;
  if (idle !== e.idle) {
    e.idle = idle;
    ele.toggleClass('idle', idle);
  }
}

function removeEmptyGroups() {
  cy.nodes('.group').forEach(function (g) {
    if (g.children().empty()) g.remove();
  });
}
