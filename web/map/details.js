/*
 * The details panel: a clicked process, edge or group, its recent events (fetched from the
 * server on demand) and the hex dump of their bytes.
 */
'use strict';


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
