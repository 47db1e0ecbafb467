/*
 * The map page's shared state and text formatting. Loaded first: the page's classic scripts
 * (state, graph, filters, layout, apply, details, app, in that order) share their top-level
 * names.
 * Everything from the traced machine (command names, paths, bytes) is attacker-chosen text:
 * el() puts it in the DOM through text nodes only, never as HTML.
 */
'use strict';

var token = new URLSearchParams(location.search).get('token') || '';
var HAVE_FCOSE = typeof cytoscapeFcose !== 'undefined';
if (HAVE_FCOSE) cytoscape.use(cytoscapeFcose);
/** Edge label font size, and the smallest rendered size worth drawing (and updating). */
var EDGE_FONT = 8;
var MIN_FONT = 7.5; // edge labels are drawn (and kept current) from zoom 0.94 on
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
