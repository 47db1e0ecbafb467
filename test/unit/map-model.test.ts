/**
 * The --map aggregation (src/map/graph-model.ts), its recent-events ring and its access
 * checks (src/map/auth.ts), without a kernel or a browser: synthetic events with chosen
 * timestamps, a fake clock, a fake process table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { IpcEvent, IpcType } from '../../src/ipcdump/event';
import type { ProcInfo } from '../../src/ipcdump/proc-info';
import { ProcInfoCache } from '../../src/ipcdump/proc-info';
import { GraphModel, type GraphModelOptions } from '../../src/map/graph-model';
import { eventBytes, roundRate, windowRate } from '../../src/map/rates';
import { MAP_TYPES } from '../../src/map/protocol';
import { RECENT_BYTES, RECENT_EVENTS } from '../../src/map/recent-events';
import { allowedHosts, hostAllowed, newToken, originAllowed, pathOf, tokenMatches, tokenOf } from '../../src/map/auth';
import { startMapServer } from '../../src/map/server';

const SEC = 1_000_000_000n;
const T0 = 1_800_000_000n * SEC; // a wall time in ns

function ev(type: IpcType, src: number, dst: number, atNs: bigint, count?: number, bytes?: Buffer): IpcEvent {
  const e: IpcEvent = {
    type,
    src: { pid: src, comm: `p${src}` },
    dst: { pid: dst, comm: `p${dst}` },
    timeNs: atNs,
    metadata: count === undefined ? [['num', 10]] : [['path', '/x'], ['count', count]],
  };
  if (bytes) e.bytes = bytes;
  return e;
}

/** A process table that counts lookups (the model must ask once per pid). */
function fakeProcs(infos: Partial<Record<number, Partial<ProcInfo>>> = {}): { lookup(pid: number, comm?: string): ProcInfo; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    lookup(pid: number, comm?: string): ProcInfo {
      calls.push(pid);
      return { pid, ppid: -1, comm: comm ?? '', cgroup: '', group: '', ...infos[pid] };
    },
  };
}

function model(o: Partial<GraphModelOptions> = {}, now = { ms: Number(T0 / 1_000_000n) }): GraphModel {
  return new GraphModel({ procs: fakeProcs(), clock: 'events', now: () => now.ms, ...o });
}

const typeIdx = (t: IpcType): number => MAP_TYPES.indexOf(t);

test('aggregation: one edge per (src, dst, type) with event and byte totals; one lookup per pid', () => {
  const procs = fakeProcs({ 10: { ppid: 1, group: 'ssh.service', cgroup: '/system.slice/ssh.service' } });
  const m = new GraphModel({ procs, clock: 'events' });
  m.recordEvent(ev('pipe', 10, 20, T0, 100));
  m.recordEvent(ev('pipe', 10, 20, T0 + 1n, 50));
  m.recordEvent(ev('unix-stream', 10, 20, T0 + 2n, 7));
  m.recordEvent(ev('signal', 20, 10, T0 + 3n));
  m.record({ kind: 'lost', lost: { lostType: 'pipe', count: 4, timeNs: T0 } });
  assert.deepEqual(procs.calls.sort(), [10, 20]);
  const d = m.tick();
  assert.deepEqual(
    d.nodes.map((n) => [n.id, n.pid, n.comm, n.ppid, n.group]),
    [
      [10, 10, 'p10', 1, 'ssh.service'],
      [20, 20, 'p20', -1, ''],
    ],
  );
  assert.deepEqual(
    d.edges.map((e) => [e.s, e.d, MAP_TYPES[e.t]]),
    [
      [10, 20, 'pipe'],
      [10, 20, 'unix-stream'],
      [20, 10, 'signal'],
    ],
  );
  const byKey = new Map(d.stats.map((s) => [s[0], s]));
  const [pipe, unix, sig] = d.edges.map((e) => byKey.get(e.k)!);
  assert.deepEqual([pipe[1], pipe[2]], [2, 150]);
  assert.deepEqual([unix[1], unix[2]], [1, 7]);
  assert.deepEqual([sig[1], sig[2]], [1, 0]);
  assert.equal(d.totals.events, 4);
  assert.equal(d.totals.bytes, 157);
  assert.deepEqual(d.totals.lost, { pipe: 4 });
  assert.equal(d.totals.nodes, 2);
  assert.equal(d.totals.edges, 3);
});

test('the unknown endpoint (pid -1) is one node, never looked up', () => {
  const procs = fakeProcs();
  const m = new GraphModel({ procs, clock: 'events' });
  m.recordEvent(ev('pipe', -1, 20, T0, 5));
  assert.deepEqual(procs.calls, [20]);
  const d = m.tick();
  assert.deepEqual(
    d.nodes.find((n) => n.pid === -1),
    { id: -1, pid: -1, comm: '<unknown>', ppid: -1, parent: -1, group: '', cgroup: '', exited: false },
  );
});

test('rates come from event timestamps: a recording replayed at once shows the rate it had', () => {
  const m = model();
  // 200 events spread evenly over 2 s of event time, 10 bytes each, delivered "instantly"
  for (let i = 0; i < 200; i++) m.recordEvent(ev('pipe', 1, 2, T0 + (BigInt(i) * 2n * SEC) / 200n, 10));
  const d = m.tick();
  const [, events, bytes, rate, byteRate] = d.stats[0];
  assert.equal(events, 200);
  assert.equal(bytes, 2000);
  assert.ok(rate >= 90 && rate <= 110, `~100 events/s, got ${rate}`);
  assert.ok(byteRate >= 900 && byteRate <= 1100, `~1000 B/s, got ${byteRate}`);
  assert.ok(d.totals.eventRate >= 90 && d.totals.eventRate <= 110);
  // the clock is the newest event's time (ms, from ns: a double)
  assert.ok(Math.abs(d.totals.clockMs - Number((T0 + 2n * SEC - (2n * SEC) / 200n) / 1_000_000n)) < 0.01);
});

test('live: rates are read at the wall clock, so a talker that went quiet fades to 0', () => {
  const now = { ms: Number(T0 / 1_000_000n) };
  const m = model({ clock: 'wall' }, now);
  for (let i = 0; i < 50; i++) m.recordEvent(ev('pipe', 1, 2, T0 + (BigInt(i) * SEC) / 50n, 1));
  now.ms += 1000;
  const r1 = m.tick().stats[0][3];
  assert.ok(r1 >= 40 && r1 <= 55, `~50/s right after, got ${r1}`);
  now.ms += 500;
  const r2 = m.tick().stats[0][3];
  assert.ok(r2 > 0 && r2 < r1, `fading: ${r2}`);
  now.ms += 1000;
  const d = m.tick();
  assert.equal(d.stats[0][3], 0);
  assert.equal(d.stats[0][1], 50, 'the total stays');
  assert.equal(m.tick().stats.length, 0, 'nothing changes any more: nothing sent');
});

test('windowRate: two buckets give the events of the last second', () => {
  // bucket 10 (10.000-10.999 s) holds 30 events, bucket 9 held 100
  assert.equal(windowRate(10, 30, 100, 10_000), 130); // start of bucket 10: all of bucket 9 counts
  assert.equal(windowRate(10, 30, 100, 10_500), 80); // half of it
  assert.equal(windowRate(10, 30, 100, 11_250), 22.5); // next bucket: 3/4 of bucket 10
  assert.equal(windowRate(10, 30, 100, 12_000), 0);
  assert.equal(windowRate(10, 30, 100, 9_500), 130, 'events ahead of the clock count whole');
});

test('roundRate and eventBytes', () => {
  assert.equal(roundRate(0.04), 0);
  assert.equal(roundRate(3.14159), 3.1);
  assert.equal(roundRate(12.6), 13);
  assert.equal(roundRate(48_321), 48_000);
  assert.equal(eventBytes([['path', '/x'], ['count', 42]]), 42);
  assert.equal(eventBytes([['count', '17']]), 17);
  assert.equal(eventBytes([['num', 10]]), 0);
});

test('deltas carry only what changed; a snapshot repeats exactly what the deltas said', () => {
  const m = model();
  m.recordEvent(ev('pipe', 1, 2, T0, 1));
  m.recordEvent(ev('pipe', 3, 4, T0, 1));
  const d1 = m.tick();
  assert.equal(d1.nodes.length, 4);
  assert.equal(d1.edges.length, 2);
  assert.equal(d1.stats.length, 2);
  const d2 = m.tick();
  assert.deepEqual([d2.nodes, d2.edges, d2.stats, d2.goneNodes, d2.goneEdges], [[], [], [], [], []]);
  m.recordEvent(ev('pipe', 3, 4, T0 + 1n, 5));
  const d3 = m.tick();
  assert.deepEqual([d3.nodes.length, d3.edges.length], [0, 0]);
  assert.equal(d3.stats.length, 1);
  assert.equal(d3.stats[0][0], d1.edges[1].k);
  assert.deepEqual([d3.stats[0][1], d3.stats[0][2]], [2, 6]);
  // an event after the tick is not in the snapshot yet: the snapshot is what pages were told
  m.recordEvent(ev('pipe', 5, 6, T0 + 2n, 1));
  const snap = m.snapshot(d3.totals);
  assert.equal(snap.nodes.length, 4);
  assert.deepEqual(
    snap.stats.map((s) => [s[1], s[2]]),
    [
      [1, 1],
      [2, 6],
    ],
  );
  const d4 = m.tick();
  assert.deepEqual(
    d4.nodes.map((n) => n.pid),
    [5, 6],
  );
  assert.equal(m.snapshot(d4.totals).edges.length, 3);
});

test('aging: an exited process is marked, then removed with its edges after ageMs (live)', () => {
  const now = { ms: Number(T0 / 1_000_000n) };
  const m = model({ clock: 'wall', ageMs: 10_000 }, now);
  m.recordEvent(ev('pipe', 1, 2, T0, 1));
  m.recordEvent(ev('signal', 3, 2, T0));
  const d1 = m.tick();
  m.procEvent({ kind: 'exit', pid: 1, ppid: -1, comm: 'p1', timeNs: T0 + SEC });
  now.ms += 2000;
  const d2 = m.tick();
  assert.deepEqual(
    d2.nodes.map((n) => [n.pid, n.exited]),
    [[1, true]],
  );
  now.ms += 5000;
  assert.deepEqual(m.tick().goneNodes, []);
  now.ms += 5000; // 11 s after the exit
  const d3 = m.tick();
  assert.deepEqual(d3.goneNodes, [1]);
  assert.deepEqual(d3.goneEdges, [d1.edges[0].k]);
  assert.equal(d3.totals.nodes, 2);
  assert.equal(d3.totals.edges, 1);
  assert.equal(m.nodeDetails(1), null);
});

test('a recording keeps its exited processes (no aging by default)', () => {
  const m = model({ clock: 'events' });
  m.recordEvent(ev('pipe', 1, 2, T0, 1));
  m.procEvent({ kind: 'exit', pid: 1, ppid: -1, comm: 'p1', timeNs: T0 + SEC });
  m.recordEvent(ev('pipe', 3, 4, T0 + 3600n * SEC, 1)); // an hour later in the recording
  const d = m.tick();
  assert.deepEqual(d.goneNodes, []);
  assert.equal(d.nodes.find((n) => n.pid === 1)!.exited, true);
});

test('live: a quiet process found gone (its exit record lost) is marked exited', () => {
  const now = { ms: Number(T0 / 1_000_000n) };
  const alive = new Set([2]);
  const m = model({ clock: 'wall', isAlive: (pid) => alive.has(pid) }, now);
  m.recordEvent(ev('pipe', 1, 2, T0, 1));
  m.tick();
  now.ms += 20_000;
  let exited: number[] = [];
  for (let i = 0; i < 40; i++) exited = exited.concat(m.tick().nodes.filter((n) => n.exited).map((n) => n.pid));
  assert.deepEqual(exited, [1]);
});

test('pid reuse: the old process is retired to an id above any pid, with its edges; the new one starts clean', () => {
  const m = model();
  m.recordEvent(ev('pipe', 100, 200, T0, 3));
  const d1 = m.tick();
  m.procEvent({ kind: 'exit', pid: 100, ppid: -1, comm: 'p100', timeNs: T0 + SEC });
  m.procEvent({ kind: 'fork', pid: 100, ppid: 1, comm: 'newproc', timeNs: T0 + 2n * SEC });
  m.recordEvent({ ...ev('pipe', 100, 200, T0 + 3n * SEC, 8), src: { pid: 100, comm: 'newproc' } });
  const d2 = m.tick();
  assert.deepEqual(d2.goneNodes, [100]);
  assert.deepEqual(d2.goneEdges, [d1.edges[0].k]);
  const retired = d2.nodes.find((n) => n.pid === 100 && n.comm === 'p100')!;
  assert.ok(retired.id >= 1 << 22, `retired id ${retired.id}`);
  assert.equal(retired.exited, true);
  const fresh = d2.nodes.find((n) => n.pid === 100 && n.comm === 'newproc')!;
  assert.equal(fresh.id, 100);
  assert.equal(fresh.exited, false);
  const stats = new Map(d2.stats.map((s) => [s[0], s]));
  const oldEdge = d2.edges.find((e) => e.s === retired.id)!;
  const newEdge = d2.edges.find((e) => e.s === 100)!;
  assert.deepEqual([stats.get(oldEdge.k)![1], stats.get(oldEdge.k)![2]], [1, 3]);
  assert.deepEqual([stats.get(newEdge.k)![1], stats.get(newEdge.k)![2]], [1, 8]);
  assert.equal(m.nodeDetails(retired.id)!.recent.length, 1);
});

test('pid reuse without a fork record: talk well after the exit is a new process', () => {
  const m = model();
  m.recordEvent(ev('signal', 7, 8, T0));
  m.procEvent({ kind: 'exit', pid: 7, ppid: -1, comm: 'p7', timeNs: T0 });
  m.recordEvent(ev('signal', 7, 8, T0 + 100_000_000n)); // its last words (0.1 s later): same process
  m.tick();
  m.recordEvent(ev('signal', 7, 8, T0 + 5n * SEC));
  const d = m.tick();
  assert.deepEqual(d.goneNodes, [7]);
  assert.equal(d.nodes.filter((n) => n.pid === 7).length, 2);
});

test('process tree: a parent that arrives after its child adopts it', () => {
  const procs = fakeProcs({ 11: { ppid: 10 }, 10: { ppid: 1 } });
  const m = new GraphModel({ procs, clock: 'events' });
  m.recordEvent(ev('pipe', 11, 20, T0, 1));
  assert.equal(m.tick().nodes.find((n) => n.pid === 11)!.parent, -1);
  m.recordEvent(ev('pipe', 10, 20, T0, 1));
  const d = m.tick();
  assert.equal(d.nodes.find((n) => n.pid === 11)!.parent, 10);
  assert.equal(d.nodes.find((n) => n.pid === 10)!.parent, -1);
});

test('caps: past maxNodes / maxEdges new talkers are counted, not shown', () => {
  const m = model({ maxNodes: 3, maxEdges: 2 });
  m.recordEvent(ev('pipe', 1, 2, T0, 1));
  m.recordEvent(ev('pipe', 2, 1, T0, 1));
  m.recordEvent(ev('pipe', 1, 3, T0, 1)); // third edge: over the edge cap
  m.recordEvent(ev('pipe', 4, 5, T0, 1)); // new nodes: over the node cap
  m.recordEvent(ev('pipe', 1, 2, T0, 1)); // known edge: counted
  const d = m.tick();
  assert.equal(d.totals.overCap, 2);
  assert.equal(d.totals.edges, 2);
  assert.ok(d.totals.nodes <= 3);
  assert.equal(d.totals.events, 3);
});

test('recent events: the last RECENT_EVENTS per edge, bytes copied and cut, node view merged newest first', () => {
  const m = model();
  const big = Buffer.alloc(RECENT_BYTES + 100, 0x41);
  for (let i = 0; i < RECENT_EVENTS + 5; i++) m.recordEvent(ev('pipe', 1, 2, T0 + BigInt(i), 1, Buffer.from([i])));
  const shared = Buffer.from('hello');
  m.recordEvent(ev('unix-stream', 2, 1, T0 + 1000n, 5, shared));
  shared.write('XXXXX'); // the batch buffer is reused: the map kept its own copy
  m.recordEvent(ev('unix-stream', 2, 1, T0 + 1001n, big.length, big));
  m.recordEvent(ev('signal', 3, 1, T0 + 500n));
  const d = m.tick();
  const pipeKey = d.edges.find((e) => e.t === typeIdx('pipe'))!.k;
  const pipe = m.edgeDetails(pipeKey)!;
  assert.equal(pipe.recent.length, RECENT_EVENTS);
  assert.equal(pipe.recent[0].ns, (T0 + BigInt(RECENT_EVENTS + 4)).toString(), 'newest first');
  assert.equal(Buffer.from(pipe.recent[0].b!, 'base64')[0], RECENT_EVENTS + 4);
  assert.equal(pipe.firstNs, T0.toString());
  const unix = m.edgeDetails(d.edges.find((e) => e.t === typeIdx('unix-stream'))!.k)!;
  assert.equal(Buffer.from(unix.recent[1].b!, 'base64').toString(), 'hello');
  assert.equal(Buffer.from(unix.recent[0].b!, 'base64').length, RECENT_BYTES);
  assert.equal(unix.recent[0].bl, RECENT_BYTES + 100);
  const sig = m.edgeDetails(d.edges.find((e) => e.t === typeIdx('signal'))!.k)!;
  assert.equal(sig.recent[0].b, undefined);
  const node = m.nodeDetails(1)!;
  assert.equal(node.recent.length, RECENT_EVENTS);
  const times = node.recent.map((r) => BigInt(r.ns));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)),
  );
  assert.equal(node.recent[0].t, typeIdx('unix-stream'));
  assert.equal(node.edges.length, 3);
  assert.equal(m.edgeDetails(12345), null);
});

test('auth: 128-bit tokens compared in constant time; Host and Origin must name this server', () => {
  const t = newToken();
  assert.match(t, /^[0-9a-f]{32}$/);
  assert.notEqual(newToken(), t);
  assert.equal(tokenMatches(t, t), true);
  assert.equal(tokenMatches(t.toUpperCase() === t ? t + 'x' : t.toUpperCase(), t), false);
  assert.equal(tokenMatches(t.slice(1), t), false);
  assert.equal(tokenMatches(null, t), false);
  assert.equal(tokenMatches(undefined, t), false);
  assert.equal(tokenMatches('', t), false);

  assert.deepEqual([...allowedHosts(8080)], ['127.0.0.1:8080', 'localhost:8080']);
  assert.equal(hostAllowed('127.0.0.1:8080', 8080), true);
  assert.equal(hostAllowed('LOCALHOST:8080', 8080), true);
  assert.equal(hostAllowed('127.0.0.1:8081', 8080), false);
  assert.equal(hostAllowed('127.0.0.1', 8080), false);
  assert.equal(hostAllowed('evil.example:8080', 8080), false, 'DNS rebinding');
  assert.equal(hostAllowed('[::1]:8080', 8080), false, 'we do not listen there');
  assert.equal(hostAllowed(undefined, 8080), false);
  assert.equal(hostAllowed('localhost', 80), true, 'no port in Host for port 80');

  assert.equal(originAllowed(undefined, 8080), true, 'not a browser: the token decides');
  assert.equal(originAllowed('http://127.0.0.1:8080', 8080), true);
  assert.equal(originAllowed('http://localhost:8080', 8080), true);
  assert.equal(originAllowed('http://evil.example', 8080), false);
  assert.equal(originAllowed('null', 8080), false);
  assert.equal(originAllowed('http://127.0.0.1:9999', 8080), false);

  assert.equal(tokenOf('/?token=abc&x=1'), 'abc');
  assert.equal(tokenOf('/app.js'), null);
  assert.equal(pathOf('/app.js?token=abc'), '/app.js');
});

function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject);
  });
}

test('server: 127.0.0.1 only, every request needs the token and our Host; a taken port is one clear message', async () => {
  const s = await startMapServer({ port: 0, procs: new ProcInfoCache(null), types: new Set(MAP_TYPES), captureBytes: false, source: 'live' });
  try {
    assert.match(s.url, new RegExp(`^http://127\\.0\\.0\\.1:${s.port}/\\?token=${s.token}$`));
    assert.equal(await get(s.port, `/?token=${s.token}`), 200);
    assert.equal(await get(s.port, `/style.css?token=${s.token}`), 200);
    assert.equal(await get(s.port, `/vendor/cytoscape-fcose.js?token=${s.token}`), 200);
    assert.equal(await get(s.port, `/nothing?token=${s.token}`), 404);
    assert.equal(await get(s.port, '/'), 403);
    assert.equal(await get(s.port, `/?token=${newToken()}`), 403);
    assert.equal(await get(s.port, `/?token=${s.token}`, `evil.example:${s.port}`), 403);
    await assert.rejects(startMapServer({ port: s.port, procs: new ProcInfoCache(null), types: new Set(MAP_TYPES), captureBytes: false, source: 'live' }), {
      message: `--map: port ${s.port} on 127.0.0.1 is already in use (choose another with --map PORT, or --map alone for a free one)`,
    });
  } finally {
    await s.close();
  }
});
