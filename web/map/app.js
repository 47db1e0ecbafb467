/*
 * The ipcdump map page: a cytoscape graph fed by the server's WebSocket (protocol in
 * src/map/protocol.ts). Plain browser JS, no build step.
 *
 * Why it is built this way:
 *  - The server aggregates and pushes only changes a few times a second; this page applies a
 *    delta in one cy.batch() and touches an element only when what it shows changed.
 *  - Positions are stable: a full layout runs at start (a few times while the graph is
 *    still growing fast and nobody has moved a node) and on "Re-layout"; otherwise a new
 *    node is placed next to a sibling in its group or a process it talks to.
 *  - Filters are applied here (instant, no round trip) and only flip elements whose
 *    visibility changed.
 *  - Everything from the traced machine (command names, paths, bytes) is attacker-chosen
 *    text: it only ever reaches the DOM through textContent, and the graph draws on canvas.
 *  - window.ipcmap exposes read-only views of what is drawn, for tests and the bench.
 */
(function () {
  'use strict';

  var token = new URLSearchParams(location.search).get('token') || '';
  var HAVE_FCOSE = typeof cytoscapeFcose !== 'undefined';
  if (HAVE_FCOSE) cytoscape.use(cytoscapeFcose);
  /** Edge label font size, and the smallest rendered size worth drawing (and updating). */
  var EDGE_FONT = 8;
  var MIN_FONT = 6;
  var TYPE_COLORS = {
    signal: '#d62728',
    pipe: '#1f77b4',
    'unix-stream': '#2ca02c',
    'unix-dgram': '#7fbf3f',
    'unix-seqpacket': '#17becf',
    pty: '#9467bd',
    'loopback-tcp': '#ff7f0e',
    'loopback-udp': '#c9a400',
  };
  /** Types whose events move bytes (signals do not). */
  var NO_BYTES = { signal: true };

  var S = {
    source: '',
    types: [],
    traced: [],
    captureBytes: false,
    connected: false,
    paused: false,
    totals: null,
    groupBy: 'cgroup',
    stateMessages: 0,
    layouts: 0,
    lastLayoutAt: 0,
    lastLayoutNodes: 0,
    userMoved: false,
    userViewport: false,
    edgeLabels: true,
    /** Edge labels are legible at this zoom: only then are they kept up to date. */
    labelsShown: true,
  };
  /**
   * Node id -> {id, pid, comm, ppid, parent, group, cgroup, exited, vis}. The id is the pid
   * while the process lives; a process whose pid was reused moves to an id above any pid.
   */
  var nodes = new Map();
  /** key -> {k, s, d, t, n, b, r, br, label, w, idle, vis} */
  var edges = new Map();
  /** node id -> Set of edge keys */
  var adj = new Map();
  var F = { types: new Set(), pids: null, comm: '', showExited: true };
  var perf = { applyMs: [], renderMs: [], stateBytes: 0, lastDetailsMs: null, detailsShown: 0, layoutMs: [] };

  var $ = function (id) {
    return document.getElementById(id);
  };

  // ---------- formatting ----------

  function fmtNum(x) {
    if (x >= 1e9) return (x / 1e9).toFixed(x >= 1e10 ? 0 : 1) + 'G';
    if (x >= 1e6) return (x / 1e6).toFixed(x >= 1e7 ? 0 : 1) + 'M';
    if (x >= 1e3) return (x / 1e3).toFixed(x >= 1e4 ? 0 : 1) + 'k';
    if (x >= 10 || x === Math.round(x)) return String(Math.round(x));
    return x.toFixed(1);
  }
  function fmtBytes(x) {
    if (x >= 1 << 30) return (x / (1 << 30)).toFixed(1) + ' GiB';
    if (x >= 1 << 20) return (x / (1 << 20)).toFixed(1) + ' MiB';
    if (x >= 1 << 10) return (x / (1 << 10)).toFixed(1) + ' KiB';
    return Math.round(x) + ' B';
  }
  function fmtTime(ns) {
    // ns is a decimal string (beyond 2^53): milliseconds from its head, the rest as digits.
    var ms = Number(ns.slice(0, -6));
    var d = new Date(ms);
    var p = function (v, n) {
      return String(v).padStart(n || 2, '0');
    };
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3) + ns.slice(-6, -3);
  }
  function procLabel(pid, comm) {
    return pid < 0 ? '<unknown>' : comm + ' (' + pid + ')';
  }
  function typeName(t) {
    return S.types[t] || '?';
  }
  function edgeLabel(e) {
    if (e.r > 0) return fmtNum(e.r) + '/s' + (NO_BYTES[typeName(e.t)] ? '' : ' · ' + fmtBytes(e.br) + '/s');
    return fmtNum(e.n) + ' ev';
  }
  /** Whole steps on a log scale: a width changes (and costs a restyle) only when the rate
   *  moves by about 3x, not at every push. */
  function edgeWidth(r) {
    return 1 + Math.round(Math.min(8, Math.log10(1 + r) * 2));
  }

  /** DOM building with text only (never innerHTML: names and bytes come from the traced machine). */
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]);
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // ---------- the graph ----------

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

  // ---------- filters ----------

  function filtering() {
    return F.types.size !== S.types.length || F.pids !== null || F.comm !== '' || !F.showExited;
  }

  function commMatches(id) {
    var n = nodes.get(id);
    return !!n && n.comm.toLowerCase().indexOf(F.comm) >= 0;
  }
  function pidMatches(id) {
    var n = nodes.get(id);
    return !!n && F.pids.has(n.pid);
  }

  function edgeVisible(e) {
    if (!F.types.has(e.t)) return false;
    if (F.pids !== null && !pidMatches(e.s) && !pidMatches(e.d)) return false;
    if (F.comm !== '' && !commMatches(e.s) && !commMatches(e.d)) return false;
    if (!F.showExited) {
      var a = nodes.get(e.s);
      var b = nodes.get(e.d);
      if ((a && a.exited) || (b && b.exited)) return false;
    }
    return true;
  }

  function setVis(ele, rec, vis) {
    if (rec.vis === vis) return;
    rec.vis = vis;
    ele.toggleClass('hidden', !vis);
  }

  /** Recomputes every element's visibility; touches only those that flip. O(nodes + edges). */
  function applyFilters() {
    var active = filtering();
    var visNodes = new Set();
    edges.forEach(function (e) {
      var v = !active || edgeVisible(e);
      if (v) {
        visNodes.add(e.s);
        visNodes.add(e.d);
      }
      var ele = cy.getElementById(edgeId(e.k));
      if (ele.nonempty()) setVis(ele, e, v);
      else e.vis = v;
    });
    // A process with children on the map (tree grouping) stays while any child shows.
    if (active && S.groupBy === 'tree') {
      visNodes.forEach(function (id) {
        for (var n = nodes.get(id), depth = 0; n && n.parent >= 0 && depth < 256; depth++) {
          if (!nodes.has(n.parent) || visNodes.has(n.parent)) break;
          visNodes.add(n.parent);
          n = nodes.get(n.parent);
        }
      });
    }
    nodes.forEach(function (n) {
      var v = !active || visNodes.has(n.id);
      setVis(cy.getElementById(nodeId(n.id)), n, v);
    });
    cy.nodes('.group').forEach(function (g) {
      var v = g.children().some(function (c) {
        return !c.hasClass('hidden');
      });
      g.toggleClass('hidden', !v);
    });
  }

  function readFilters() {
    var pids = $('filter-pid')
      .value.split(/[\s,]+/)
      .filter(Boolean)
      .map(Number)
      .filter(function (p) {
        return Number.isInteger(p);
      });
    F.pids = pids.length ? new Set(pids) : null;
    F.comm = $('filter-comm').value.trim().toLowerCase();
    F.showExited = $('show-exited').checked;
    F.types = new Set();
    document.querySelectorAll('#type-filters input').forEach(function (cb) {
      if (cb.checked) F.types.add(Number(cb.value));
    });
    cy.batch(applyFilters);
  }

  function buildTypeFilters() {
    var box = $('type-filters');
    box.textContent = '';
    S.types.forEach(function (t, i) {
      var traced = S.traced.indexOf(t) >= 0;
      var cb = el('input', { type: 'checkbox', value: String(i), 'data-type': t });
      cb.checked = true;
      cb.addEventListener('change', readFilters);
      box.appendChild(el('label', { class: traced ? null : 'untraced', title: traced ? null : 'not traced' }, cb, el('span', { class: 'swatch', style: 'background:' + TYPE_COLORS[t] }), t));
    });
    F.types = new Set(
      S.types.map(function (_t, i) {
        return i;
      }),
    );
  }

  // ---------- placement and layout ----------

  function positioned(id, pending) {
    return !pending.has(id) && nodes.has(id) && cy.getElementById(nodeId(id)).nonempty();
  }

  /** A node already on the map that a new node should sit next to, or null. */
  function anchorOf(id, pending) {
    var n = nodes.get(id);
    var parent = parentOf(n);
    if (parent !== null) {
      var sib = cy
        .getElementById(parent)
        .children()
        .filter(function (c) {
          return c.hasClass('proc') && !pending.has(c.data('nid'));
        });
      if (sib.nonempty()) return sib[sib.length - 1];
      if (S.groupBy === 'tree' && positioned(n.parent, pending)) return cy.getElementById(nodeId(n.parent));
    }
    var keys = adj.get(id);
    var found = null;
    if (keys)
      keys.forEach(function (k) {
        if (found) return;
        var e = edges.get(k);
        var other = e.s === id ? e.d : e.s;
        if (other !== id && positioned(other, pending)) found = cy.getElementById(nodeId(other));
      });
    return found;
  }

  /** A top-level node placed inside a group's box it does not belong to moves beside it. */
  function outOfForeignBoxes(ele, groupBoxes) {
    if (ele.isChild()) return;
    for (var i = 0; i < groupBoxes.length; i++) {
      var b = groupBoxes[i];
      var p = ele.position();
      if (p.x > b.x1 - 20 && p.x < b.x2 + 20 && p.y > b.y1 - 20 && p.y < b.y2 + 20) ele.position({ x: b.x2 + 50 + Math.random() * 40, y: p.y });
    }
  }

  var freeSlot = 0;
  /** Places nodes added by one message next to their anchors; the rest in a row below. */
  function placeNew(added) {
    if (added.length === 0) return;
    var pending = new Set(added);
    var bb = null;
    var groupBoxes = cy.nodes('.group').map(function (g) {
      return g.boundingBox();
    });
    while (pending.size > 0) {
      var progress = false;
      pending.forEach(function (id) {
        var a = anchorOf(id, pending);
        if (!a) return;
        var ele = cy.getElementById(nodeId(id));
        // An anchor in another group's box: go beside that box, not into it.
        var box = a;
        while (box.isChild() && box.parent().id() !== (ele.isChild() ? ele.parent().id() : null)) box = box.parent();
        if (box !== a) {
          var b = box.boundingBox();
          ele.position({ x: b.x2 + 50 + Math.random() * 40, y: b.y1 + Math.random() * (b.y2 - b.y1) });
        } else {
          var p = a.position();
          var ang = Math.random() * 2 * Math.PI;
          var rad = 60 + Math.random() * 50;
          ele.position({ x: p.x + rad * Math.cos(ang), y: p.y + rad * Math.sin(ang) });
        }
        outOfForeignBoxes(ele, groupBoxes);
        pending.delete(id);
        progress = true;
      });
      if (progress) continue;
      var first = pending.values().next().value;
      if (bb === null) {
        var placed = cy.nodes('.proc').filter(function (c) {
          return !pending.has(c.data('nid'));
        });
        bb = placed.nonempty() ? placed.boundingBox() : { x1: 0, y2: -80 };
        freeSlot = 0;
      }
      cy.getElementById(nodeId(first)).position({ x: bb.x1 + (freeSlot % 10) * 90, y: bb.y2 + 80 + Math.floor(freeSlot / 10) * 70 });
      freeSlot++;
      pending.delete(first);
    }
  }

  /**
   * A full layout starts afresh (randomize): starting from positions that placement chose
   * leaves fcose stuck with groups stretched across the map.
   */
  function layoutOptions(animate, fit) {
    var n = nodes.size;
    var base = { animate: animate && n < 200, animationDuration: 400, fit: fit, padding: 30 };
    if (HAVE_FCOSE) {
      return Object.assign(base, {
        name: 'fcose',
        quality: 'default', // 'draft' (spectral only) piles compound groups on top of each other
        randomize: true,
        nodeRepulsion: 6000,
        idealEdgeLength: 70,
        nodeSeparation: 70,
        // labels ("comm (pid)") are wider than the dots: keep them apart too
        nodeDimensionsIncludeLabels: true,
        tile: true,
      });
    }
    return Object.assign(base, { name: 'cose', randomize: true, nodeRepulsion: 8000, idealEdgeLength: 60, nodeOverlap: 10, numIter: n > 300 ? 300 : 1000, componentSpacing: 60 });
  }

  /** A handful of processes fitted to the screen would be drawn huge: cap the zoom a fit picks. */
  var FIT_MAX_ZOOM = 1.6;
  function capZoom() {
    if (cy.zoom() <= FIT_MAX_ZOOM) return;
    cy.zoom({ level: FIT_MAX_ZOOM, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
    cy.center();
  }

  /** fit: zoom to the result (an automatic layout does not touch a view the user chose). */
  function runLayout(animate, fit) {
    var t0 = performance.now();
    var eles = cy.elements().not('.hidden');
    if (eles.empty()) return;
    var layout = eles.layout(layoutOptions(animate, fit));
    layout.one('layoutstop', function () {
      if (fit) capZoom();
    });
    layout.run();
    S.layouts++;
    S.lastLayoutAt = Date.now();
    S.lastLayoutNodes = nodes.size;
    perf.layoutMs.push(Math.round(performance.now() - t0));
  }

  /**
   * Until the user moves a node, pans or zooms, the whole graph is laid out again when it
   * grew by a fifth since the last layout (at most every 3 s): a live start sees processes
   * trickle in, and placement alone leaves them strewn. Once the user has taken over the
   * view, positions only change for new nodes (and on "Re-layout").
   */
  var autoTimer = null;
  var AUTO_LAYOUT_MAX = 300;
  function maybeAutoLayout() {
    if (S.userMoved || S.userViewport || nodes.size === 0 || autoTimer !== null) return;
    // Past a few hundred processes a layout is a pause of a second or more: after the first,
    // placement only (the user can still ask with "Re-layout").
    if (S.layouts > 0 && (nodes.size < S.lastLayoutNodes * 1.2 || nodes.size > AUTO_LAYOUT_MAX)) return;
    var wait = S.layouts === 0 ? 0 : S.lastLayoutAt + 3000 - Date.now();
    if (wait <= 0) return runLayout(true, true);
    autoTimer = setTimeout(function () {
      autoTimer = null;
      if (!S.userMoved && !S.userViewport) runLayout(true, true);
    }, wait);
  }

  // ---------- applying server state ----------

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

  // ---------- status line ----------

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

  // ---------- details panel ----------

  var selection = null; // {kind:'node', id} | {kind:'edge', k} | {kind:'group', id}
  var detailsReq = 0;
  var detailsT0 = 0;
  var hexPick = null; // ns + index of the event whose bytes are shown

  function typeBadge(type) {
    return el('span', { class: 'type', style: 'background:' + (TYPE_COLORS[type] || '#666') }, type);
  }

  function kv(rows) {
    var t = el('table');
    rows.forEach(function (r) {
      if (r) t.appendChild(el('tr', null, el('th', null, r[0]), el('td', null, r[1])));
    });
    return t;
  }

  function metaText(meta) {
    return meta
      .filter(function (m) {
        return m[0] !== 'count';
      })
      .map(function (m) {
        return m[0] + ' ' + m[1];
      })
      .join(', ');
  }

  function hexdump(b64) {
    var bin = atob(b64);
    var lines = [];
    for (var off = 0; off < bin.length; off += 16) {
      var hex = '';
      var asc = '';
      for (var i = 0; i < 16; i++) {
        if (off + i < bin.length) {
          var c = bin.charCodeAt(off + i);
          hex += (c < 16 ? '0' : '') + c.toString(16) + ' ';
          asc += c >= 32 && c < 127 ? bin.charAt(off + i) : '.';
        } else hex += '   ';
        if (i === 7) hex += ' ';
      }
      lines.push(off.toString(16).padStart(8, '0') + '  ' + hex + ' |' + asc + '|');
    }
    return lines.join('\n');
  }

  function recentTable(recent, box) {
    if (recent.length === 0) {
      box.appendChild(el('p', { class: 'muted' }, 'No events kept.'));
      return;
    }
    var t = el('table', { class: 'recent' }, el('tr', null, el('th', null, 'time'), el('th', null, 'type'), el('th', null, 'from → to'), el('th', null, 'bytes')));
    var hex = el('pre', { class: 'hex', id: 'hexview' });
    var showHex = function (ev, row) {
      t.querySelectorAll('tr.sel').forEach(function (r) {
        r.classList.remove('sel');
      });
      row.classList.add('sel');
      hexPick = ev.ns;
      if (ev.b === undefined) hex.textContent = S.captureBytes ? 'No bytes were captured for this event.' : 'Bytes are captured with -x (ipcdump -x --map).';
      else {
        var kept = atob(ev.b).length;
        hex.textContent = hexdump(ev.b) + (ev.bl > kept ? '\n… ' + (ev.bl - kept) + ' more bytes not kept' : '');
      }
    };
    var pickRow = null;
    var pickEv = null;
    recent.forEach(function (ev) {
      var type = typeName(ev.t);
      var count = '';
      ev.meta.forEach(function (m) {
        if (m[0] === 'count') count = String(m[1]);
      });
      var row = el(
        'tr',
        { class: 'pick', 'data-ns': ev.ns },
        el('td', { class: 'num' }, fmtTime(ev.ns)),
        el('td', null, typeBadge(type)),
        el('td', null, procLabel(ev.s, ev.sc) + ' → ' + procLabel(ev.d, ev.dc), el('div', { class: 'meta' }, metaText(ev.meta))),
        el('td', { class: 'num' }, count),
      );
      row.addEventListener('click', function () {
        showHex(ev, row);
      });
      t.appendChild(row);
      if (ev.ns === hexPick || (pickRow === null && ev.b !== undefined && hexPick === null)) {
        pickRow = row;
        pickEv = ev;
      }
    });
    box.appendChild(t);
    box.appendChild(el('h3', null, 'Bytes'));
    box.appendChild(hex);
    if (pickRow) showHex(pickEv, pickRow);
    else hex.textContent = S.captureBytes ? 'Click an event to see its bytes.' : 'Bytes are captured with -x (ipcdump -x --map).';
  }
  function edgeRows(list, id) {
    var t = el('table', null, el('tr', null, el('th', null, ''), el('th', null, 'type'), el('th', null, 'peer'), el('th', null, 'events'), el('th', null, 'ev/s'), el('th', null, 'B/s')));
    list.sort(function (a, b) {
      return b.stats[3] - a.stats[3] || b.stats[1] - a.stats[1];
    });
    list.slice(0, 100).forEach(function (x) {
      var e = x.edge;
      var out = e.s === id;
      var peer = out ? e.d : e.s;
      var pn = nodes.get(peer);
      var row = el(
        'tr',
        { class: 'pick' },
        el('td', null, out ? '→' : '←'),
        el('td', null, typeBadge(typeName(e.t))),
        el('td', null, procLabel(peer, pn ? pn.comm : '?')),
        el('td', { class: 'num' }, fmtNum(x.stats[1])),
        el('td', { class: 'num' }, fmtNum(x.stats[3])),
        el('td', { class: 'num' }, fmtBytes(x.stats[4])),
      );
      row.addEventListener('click', function () {
        select({ kind: 'edge', k: e.k }, true);
      });
      t.appendChild(row);
    });
    return t;
  }

  function renderDetails(d) {
    var box = $('details');
    box.textContent = '';
    if (!selection) {
      box.appendChild(el('p', { class: 'hint' }, 'Click a process or an edge to see its recent events.'));
      return;
    }
    if (selection.kind === 'group') {
      var g = cy.getElementById(selection.id);
      box.appendChild(el('h2', null, selection.id.slice(2)));
      var procs = g.children('.proc');
      box.appendChild(el('p', null, procs.length + ' processes on the map in this group.'));
      var t = el('table');
      procs.forEach(function (c) {
        var row = el('tr', { class: 'pick' }, el('td', null, procLabel(c.data('pid'), c.data('comm'))));
        row.addEventListener('click', function () {
          select({ kind: 'node', id: c.data('nid') }, true);
        });
        t.appendChild(row);
      });
      box.appendChild(t);
      return;
    }
    if (!d) {
      box.appendChild(el('p', { class: 'muted' }, 'Loading…'));
      return;
    }
    if (d === 'gone') {
      box.appendChild(el('p', { class: 'muted' }, 'No longer on the map.'));
      return;
    }
    if (d.kind === 'node') {
      var n = d.node;
      var evIn = 0,
        evOut = 0,
        bIn = 0,
        bOut = 0,
        rIn = 0,
        rOut = 0;
      d.edges.forEach(function (x) {
        if (x.edge.s === n.id) {
          evOut += x.stats[1];
          bOut += x.stats[2];
          rOut += x.stats[3];
        }
        if (x.edge.d === n.id) {
          evIn += x.stats[1];
          bIn += x.stats[2];
          rIn += x.stats[3];
        }
      });
      box.appendChild(el('h2', { id: 'details-title' }, procLabel(n.pid, n.comm)));
      box.appendChild(
        kv([
          ['pid', n.pid < 0 ? 'unknown' : String(n.pid)],
          ['command', n.comm],
          ['parent', n.parent >= 0 && nodes.has(n.parent) ? procLabel(n.ppid, nodes.get(n.parent).comm) : n.ppid > 0 ? 'pid ' + n.ppid : 'unknown'],
          ['group', n.group || '—'],
          n.cgroup ? ['cgroup', n.cgroup] : null,
          ['state', n.exited ? 'exited' : 'running'],
          ['sent', fmtNum(evOut) + ' events, ' + fmtBytes(bOut) + ' (' + fmtNum(rOut) + '/s now)'],
          ['received', fmtNum(evIn) + ' events, ' + fmtBytes(bIn) + ' (' + fmtNum(rIn) + '/s now)'],
        ]),
      );
      box.appendChild(el('h3', null, 'Talks with'));
      box.appendChild(edgeRows(d.edges, n.id));
    } else {
      var e = d.edge;
      var type = typeName(e.t);
      box.appendChild(el('h2', { id: 'details-title' }, procLabel(d.src.pid, d.src.comm) + ' → ' + procLabel(d.dst.pid, d.dst.comm)));
      box.appendChild(
        kv([
          ['type', typeBadge(type)],
          ['events', fmtNum(d.stats[1]) + ' (' + d.stats[1] + ')'],
          NO_BYTES[type] ? null : ['bytes', fmtBytes(d.stats[2]) + ' (' + d.stats[2] + ')'],
          ['rate now', fmtNum(d.stats[3]) + ' events/s' + (NO_BYTES[type] ? '' : ', ' + fmtBytes(d.stats[4]) + '/s')],
          ['average', fmtNum(d.avgEventRate) + ' events/s from first to last'],
          ['first', fmtTime(d.firstNs)],
          ['last', fmtTime(d.lastNs)],
        ]),
      );
    }
    box.appendChild(el('h3', null, 'Recent events (newest first)'));
    recentTable(d.recent, box);
    perf.detailsShown++;
    if (detailsT0 > 0) {
      perf.lastDetailsMs = performance.now() - detailsT0;
      detailsT0 = 0;
    }
  }

  function requestDetails() {
    if (!selection || selection.kind === 'group' || !S.connected) return;
    detailsReq++;
    var msg = { t: 'details', id: detailsReq };
    if (selection.kind === 'node') msg.node = selection.id;
    else msg.edge = selection.k;
    send(msg);
  }

  function select(sel, fromPanel) {
    selection = sel;
    hexPick = null;
    detailsT0 = performance.now();
    if (fromPanel) {
      cy.elements(':selected').unselect();
      var id = sel.kind === 'node' ? nodeId(sel.id) : sel.kind === 'edge' ? edgeId(sel.k) : sel.id;
      cy.getElementById(id).select();
    }
    renderDetails(null);
    if (sel && sel.kind === 'group') {
      perf.lastDetailsMs = performance.now() - detailsT0;
      detailsT0 = 0;
    }
    requestDetails();
  }

  cy.on('tap', 'node.proc', function (evt) {
    select({ kind: 'node', id: evt.target.data('nid') });
  });
  cy.on('tap', 'node.group', function (evt) {
    select({ kind: 'group', id: evt.target.id() });
  });
  cy.on('tap', 'edge.ipc', function (evt) {
    select({ kind: 'edge', k: evt.target.data('key') });
  });
  cy.on('tap', function (evt) {
    if (evt.target === cy) {
      selection = null;
      renderDetails(null);
    }
  });
  cy.on('dragfree', 'node', function () {
    S.userMoved = true;
  });
  // Once the user works with the graph (zooms, pans, clicks), automatic layouts stop: the
  // node they are about to click must not move away.
  cy.on('scrollzoom pinchzoom dragpan tapstart', function () {
    S.userViewport = true;
  });
  // Details follow the live data while shown (not while paused: the user is reading).
  setInterval(function () {
    if (!S.paused && selection && selection.kind !== 'group') requestDetails();
  }, 2000);

  // ---------- connection ----------

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

  // ---------- controls ----------

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

  // ---------- read-only views for tests and the bench ----------

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
})();
