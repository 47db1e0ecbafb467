/*
 * Filters by type, pid and command name, applied in the page (instant, no round trip):
 * visibility is recomputed in plain JS and only the elements that flip are touched.
 */
'use strict';


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
