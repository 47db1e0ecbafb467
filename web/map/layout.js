/*
 * Positions. A full fcose layout runs at start, again while the graph is young and grows
 * (until the user clicks, pans or zooms) and on "Re-layout"; otherwise positions stay put and
 * a new process is placed next to a sibling in its group or a process it talks to, so the
 * picture does not shuffle under the user's eyes.
 */
'use strict';


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
