/**
 * --summary: aggregation per (src, dst, type) with bytes from `count`, sorting, periodic
 * intervals by event time (replay) and by timer (live), and the three output formats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TalkerTable } from '../../src/ipcdump/talkers';
import { createSummaryConsumer, type SummaryOptions } from '../../src/ipcdump/summary';
import { SUMMARY_CSV_HEADER } from '../../src/output/summary-csv';
import { resetTimeCache } from '../../src/output/time';
import type { OutputSink } from '../../src/output/sink';
import type { IpcEvent, IpcType, OutputRecord } from '../../src/ipcdump/event';

process.env.TZ = 'UTC';
resetTimeCache();

const S = 1_000_000_000n;
// 2025-11-13T02:13:20Z
const T0 = 1_763_000_000n * S;

function ev(type: IpcType, src: [number, string], dst: [number, string], atNs: bigint, count?: number): OutputRecord {
  const metadata: IpcEvent['metadata'] =
    type === 'signal' ? [['num', 10], ['name', 'user defined signal 1']] : [['pipe_name', '<anonymous>'], ['pipe_inode', 1], ['count', count ?? 0]];
  return { kind: 'event', event: { type, src: { pid: src[0], comm: src[1] }, dst: { pid: dst[0], comm: dst[1] }, timeNs: atNs, metadata } };
}
const lost = (type: IpcType, count: number, atNs: bigint): OutputRecord => ({ kind: 'lost', lost: { lostType: type, count, timeNs: atNs } });
const add = (t: TalkerTable, r: OutputRecord): void => (r.kind === 'event' ? t.add(r.event) : t.addLost(r.lost));

function fakeSink(): OutputSink & { out: string; flushes: number } {
  const s = { out: '', flushes: 0, write(x: string) { s.out += x; }, flush() { s.flushes++; } };
  return s as unknown as OutputSink & { out: string; flushes: number };
}

async function summarize(records: OutputRecord[], opts: Partial<SummaryOptions>): Promise<string> {
  const sink = fakeSink();
  const c = createSummaryConsumer({ format: 'text', sink, everySec: 0, clock: 'recording', startNs: T0, ...opts });
  for (const r of records) c.record(r);
  await c.close();
  return sink.out;
}

test('aggregation: events, bytes from count, first/last, comms and unknown endpoints apart, signals without bytes', () => {
  const t = new TalkerTable();
  add(t, ev('pipe', [10, 'sh'], [11, 'cat'], T0 + 3n, 5));
  add(t, ev('pipe', [10, 'sh'], [11, 'cat'], T0 + 1n, 7)); // earlier, out of order
  add(t, ev('pipe', [10, 'sh'], [11, 'cat'], T0 + 9n, 0));
  add(t, ev('pipe', [10, 'printf'], [11, 'cat'], T0 + 4n, 100)); // same pids, exec'd: a row of its own
  add(t, ev('unix-stream', [10, 'sh'], [11, 'cat'], T0 + 4n, 1)); // same pids, another type
  add(t, ev('pipe', [-1, '<unknown>'], [11, 'cat'], T0 + 5n, 50));
  add(t, ev('signal', [10, 'sh'], [-1, '<unknown>'], T0 + 6n));
  add(t, ev('signal', [10, 'sh'], [-1, '<unknown>'], T0 + 7n));
  add(t, lost('pipe', 3, T0));
  add(t, lost('pipe', 4, T0));
  add(t, lost('signal', 1, T0));
  const rows = t.sorted();
  assert.deepStrictEqual(
    rows.map((r) => [r.type, r.srcPid, r.srcComm, r.dstPid, r.dstComm, r.events, r.bytes, r.firstNs - T0, r.lastNs - T0]),
    [
      ['pipe', 10, 'sh', 11, 'cat', 3, 12, 1n, 9n],
      ['signal', 10, 'sh', -1, '<unknown>', 2, null, 6n, 7n],
      ['pipe', 10, 'printf', 11, 'cat', 1, 100, 4n, 4n], // ties on events: more bytes first
      ['pipe', -1, '<unknown>', 11, 'cat', 1, 50, 5n, 5n],
      ['unix-stream', 10, 'sh', 11, 'cat', 1, 1, 4n, 4n],
    ],
  );
  assert.equal(t.events, 8);
  assert.equal(t.bytes, 163);
  assert.deepEqual(t.lostByType(), [['signal', 1], ['pipe', 7]]);
});

test('merge adds intervals into totals', () => {
  const a = new TalkerTable();
  const b = new TalkerTable();
  add(a, ev('pipe', [1, 'a'], [2, 'b'], T0 + 5n, 10));
  add(b, ev('pipe', [1, 'a'], [2, 'b'], T0 + 2n, 1));
  add(b, ev('pipe', [1, 'a'], [2, 'b'], T0 + 8n, 1));
  add(b, ev('signal', [2, 'b'], [1, 'a'], T0 + 8n));
  add(b, lost('pty', 2, T0));
  const total = new TalkerTable();
  total.merge(a);
  total.merge(b);
  assert.deepStrictEqual(
    total.sorted().map((r) => [r.type, r.events, r.bytes, r.firstNs - T0, r.lastNs - T0]),
    [
      ['pipe', 3, 12, 2n, 8n],
      ['signal', 1, null, 8n, 8n],
    ],
  );
  assert.deepEqual([total.events, total.bytes, total.lostByType()], [4, 12, [['pty', 2]]]);
  assert.equal(a.sorted()[0].events, 1, 'the merged table is not changed');
});

test('text: an aligned table with totals, like strace -c', async () => {
  const out = await summarize(
    [
      ev('pipe', [12560, 'bash'], [12561, 'cat'], T0 + 1n * S, 4800),
      ...Array.from({ length: 1199 }, (_, i) => ev('pipe', [12560, 'bash'], [12561, 'cat'], T0 + 2n * S + BigInt(i), 0)),
      ev('signal', [12560, 'bash'], [99, 'sle\x1bep'], T0 + 3n * S),
      ev('pipe', [-1, '<unknown>'], [12561, 'cat'], T0 + 4n * S, 7),
      lost('pipe', 12, T0 + 5n * S),
    ],
    { endNs: () => T0 + 10n * S },
  );
  assert.equal(
    out,
    [
      'ipcdump summary: total, 02:13:20.000000000 .. 02:13:30.000000000 (10.000 s)',
      'events  events/s  bytes  bytes/s  type    source                destination',
      '------  --------  -----  -------  ------  --------------------  -------------',
      '  1200     120.0   4800    480.0  pipe    12560(bash)           12561(cat)',
      '     1       0.1      7      0.7  pipe    <unknown>(<unknown>)  12561(cat)',
      '     1       0.1      -        -  signal  12560(bash)           99(sle\\x1bep)',
      '------  --------  -----  -------  ------  --------------------  -------------',
      '  1202     120.2   4807    480.7  total   3 talkers',
      'lost: 12 pipe events',
      '',
      '',
    ].join('\n'),
  );
});

test('text: the top 20 rows, and how many more were hidden', async () => {
  const recs: OutputRecord[] = [];
  for (let i = 0; i < 25; i++) for (let k = 0; k <= i; k++) recs.push(ev('pipe', [100 + i, 'w'], [200, 'r'], T0 + BigInt(k), 2));
  const out = await summarize(recs, { endNs: () => T0 + S });
  const lines = out.split('\n');
  assert.equal(lines.filter((l) => / pipe +\d+\(w\)/.test(l)).length, 20);
  assert.match(lines[3], /^ +25 .* 124\(w\) +200\(r\)$/, 'most events first');
  assert.ok(lines.includes('(5 more talkers not shown: 15 events, 30 bytes; -f json or -f csv lists all)'), out);
  assert.ok(lines.some((l) => /^ +325 .* total +25 talkers$/.test(l)), 'the total counts hidden rows too');
  const top3 = await summarize(recs, { endNs: () => T0 + S, top: 3 });
  assert.match(top3, /\(22 more talkers not shown: /);
});

test('replay intervals follow event time; a quiet stretch is one line; then the total', async () => {
  const out = await summarize(
    [
      ev('pipe', [1, 'a'], [2, 'b'], T0 + 1n * S, 10),
      ev('pipe', [1, 'a'], [2, 'b'], T0 + 2n * S, 10),
      ev('signal', [1, 'a'], [2, 'b'], T0 + 35n * S),
      ev('pipe', [3, 'c'], [2, 'b'], T0 + 36n * S, 5),
    ],
    { everySec: 10, endNs: () => T0 + 45n * S },
  );
  const titles = out.split('\n').filter((l) => l.startsWith('ipcdump summary'));
  assert.deepEqual(titles, [
    'ipcdump summary: interval 1, 02:13:20.000000000 .. 02:13:30.000000000 (10.000 s)',
    'ipcdump summary: intervals 2-3, 02:13:30.000000000 .. 02:13:50.000000000 (20.000 s): no IPC',
    'ipcdump summary: interval 4, 02:13:50.000000000 .. 02:14:00.000000000 (10.000 s)',
    'ipcdump summary: interval 5, 02:14:00.000000000 .. 02:14:05.000000000 (5.000 s): no IPC',
    'ipcdump summary: total, 02:13:20.000000000 .. 02:14:05.000000000 (45.000 s)',
  ]);
  const blocks = out.split(/\n(?=ipcdump summary)/);
  assert.match(blocks[0], /\n +2 +0\.2 +20 +2\.0 +pipe +1\(a\) +2\(b\)\n/);
  assert.match(blocks[2], /\n +1 +0\.1 +5 +0\.5 +pipe +3\(c\) +2\(b\)\n/);
  assert.match(blocks[4], /\n +2 +0\.0 +20 +0\.4 +pipe +1\(a\) +2\(b\)\n/);
  assert.match(blocks[4], /\n +4 +0\.1 +25 +0\.6 +total +3 talkers\n/);
});

test('replay intervals: an event exactly on a boundary opens the next one; without an end, the last record ends it', async () => {
  const out = await summarize([ev('pipe', [1, 'a'], [2, 'b'], T0, 1), ev('pipe', [1, 'a'], [2, 'b'], T0 + 5n * S, 1), lost('pipe', 2, T0 + 7n * S)], { everySec: 5 });
  const titles = out.split('\n').filter((l) => l.startsWith('ipcdump summary'));
  assert.deepEqual(titles, [
    'ipcdump summary: interval 1, 02:13:20.000000000 .. 02:13:25.000000000 (5.000 s)',
    'ipcdump summary: interval 2, 02:13:25.000000000 .. 02:13:27.000000000 (2.000 s)',
    'ipcdump summary: total, 02:13:20.000000000 .. 02:13:27.000000000 (7.000 s)',
  ]);
  assert.match(out.split(/\n(?=ipcdump summary)/)[1], /lost: 2 pipe events/);
});

test('live intervals: by the timer, empty ones included, the last partial one only when it has events', async () => {
  const sink = fakeSink();
  let now = T0;
  const c = createSummaryConsumer({ format: 'text', sink, everySec: 3600, startNs: T0, nowNs: () => now });
  c.record(ev('pipe', [1, 'a'], [2, 'b'], T0 + 99n * S, 3)); // event time does not matter live
  now = T0 + 2n * S;
  c.tick();
  assert.equal(sink.flushes, 1, 'each interval is flushed at once');
  now = T0 + 4n * S;
  c.tick();
  c.record(ev('pipe', [1, 'a'], [2, 'b'], T0, 3));
  now = T0 + 5n * S;
  await c.close();
  const titles = sink.out.split('\n').filter((l) => l.startsWith('ipcdump summary'));
  assert.deepEqual(titles, [
    'ipcdump summary: interval 1, 02:13:20.000000000 .. 02:13:22.000000000 (2.000 s)',
    'ipcdump summary: interval 2, 02:13:22.000000000 .. 02:13:24.000000000 (2.000 s): no IPC',
    'ipcdump summary: interval 3, 02:13:24.000000000 .. 02:13:25.000000000 (1.000 s)',
    'ipcdump summary: total, 02:13:20.000000000 .. 02:13:25.000000000 (5.000 s)',
  ]);
  const quiet = fakeSink();
  const q = createSummaryConsumer({ format: 'text', sink: quiet, everySec: 3600, startNs: T0, nowNs: () => now });
  await q.close();
  assert.equal(quiet.out, 'ipcdump summary: total, 02:13:20.000000000 .. 02:13:25.000000000 (5.000 s): no IPC\n');
});

test('json: one object per summary, every row, window and lost fields', async () => {
  const recs: OutputRecord[] = [];
  for (let i = 0; i < 30; i++) recs.push(ev('pipe', [100 + i, 'w'], [-1, '<unknown>'], T0 + BigInt(i) * 100_000_000n, i));
  recs.push(ev('signal', [1, 'a"b'], [2, 'b'], T0 + 7n * S), lost('unix-dgram', 4, T0 + 7n * S));
  const out = await summarize(recs, { format: 'json', everySec: 2, endNs: () => T0 + 8n * S });
  const objs = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(objs.map((o) => [o.summary, o.interval, o.last_interval, o.talkers, o.events]), [
    ['interval', 1, 1, 20, 20],
    ['interval', 2, 2, 10, 10],
    ['interval', 3, 3, 0, 0],
    ['interval', 4, 4, 1, 1],
    ['total', null, null, 31, 31],
  ]);
  assert.deepEqual(objs[0].rows[0], {
    type: 'pipe',
    src_pid: 119,
    src_comm: 'w',
    dst_pid: -1,
    dst_comm: '<unknown>',
    events: 1,
    bytes: 19,
    events_per_sec: 0.5,
    bytes_per_sec: 9.5,
    first: '2025-11-13T02:13:21.9Z',
    last: '2025-11-13T02:13:21.9Z',
  });
  assert.deepEqual([objs[0].start, objs[0].end, objs[0].seconds], ['2025-11-13T02:13:20Z', '2025-11-13T02:13:22Z', 2]);
  assert.deepEqual(objs[3].lost, { 'unix-dgram': 4 });
  assert.deepEqual(objs[3].rows[0].bytes, null, 'signals move no bytes');
  assert.equal(objs[3].rows[0].src_comm, 'a"b');
  assert.deepEqual([objs[4].bytes, objs[4].lost, objs[4].seconds], [435, { 'unix-dgram': 4 }, 8]);
});

test('csv: one header, a window column, lost rows, quoting, empty intervals without rows', async () => {
  const out = await summarize(
    [
      ev('pipe', [1, 'a,b'], [2, 'b'], T0 + 1n * S, 3),
      ev('signal', [-1, '<unknown>'], [2, 'b'], T0 + 1n * S),
      ev('pipe', [1, 'a,b'], [2, 'b'], T0 + 5n * S, 4),
      lost('pipe', 9, T0 + 5n * S),
    ],
    { format: 'csv', everySec: 2, endNs: () => T0 + 6n * S },
  );
  assert.equal(
    out,
    SUMMARY_CSV_HEADER +
      [
        '1,2025-11-13T02:13:20Z,2025-11-13T02:13:22Z,pipe,1,"a,b",2,b,1,3,0.5,1.5,2025-11-13T02:13:21Z,2025-11-13T02:13:21Z,',
        '1,2025-11-13T02:13:20Z,2025-11-13T02:13:22Z,signal,<unknown>,<unknown>,2,b,1,,0.5,,2025-11-13T02:13:21Z,2025-11-13T02:13:21Z,',
        '3,2025-11-13T02:13:24Z,2025-11-13T02:13:26Z,pipe,1,"a,b",2,b,1,4,0.5,2,2025-11-13T02:13:25Z,2025-11-13T02:13:25Z,',
        '3,2025-11-13T02:13:24Z,2025-11-13T02:13:26Z,pipe,,,,,,,,,,,9',
        'total,2025-11-13T02:13:20Z,2025-11-13T02:13:26Z,pipe,1,"a,b",2,b,2,7,0.333,1.167,2025-11-13T02:13:21Z,2025-11-13T02:13:25Z,',
        'total,2025-11-13T02:13:20Z,2025-11-13T02:13:26Z,signal,<unknown>,<unknown>,2,b,1,,0.167,,2025-11-13T02:13:21Z,2025-11-13T02:13:21Z,',
        'total,2025-11-13T02:13:20Z,2025-11-13T02:13:26Z,pipe,,,,,,,,,,,9',
        '',
      ].join('\n'),
  );
  const header = SUMMARY_CSV_HEADER.trim().split(',');
  for (const line of out.trim().split('\n')) assert.equal(line.replace(/"[^"]*"/g, 'q').split(',').length, header.length, line);
});

test('an interval of no length has no rates', async () => {
  const out = await summarize([ev('pipe', [1, 'a'], [2, 'b'], T0, 3)], { format: 'json', endNs: () => T0 });
  const o = JSON.parse(out);
  assert.deepEqual([o.seconds, o.rows[0].events_per_sec, o.rows[0].bytes_per_sec], [0, null, null]);
  const text = await summarize([ev('pipe', [1, 'a'], [2, 'b'], T0, 3)], { endNs: () => T0 });
  assert.match(text, /\n +1 +- +3 +- +pipe/);
});

test('live: begin() moves the start to when tracing attached (the BPF load does not count)', async () => {
  const sink = fakeSink();
  let now = T0 + 3n * S;
  const c = createSummaryConsumer({ format: 'json', sink, everySec: 3600, startNs: T0, nowNs: () => now });
  c.begin(T0 + 2n * S);
  c.record(ev('pipe', [1, 'a'], [2, 'b'], T0 + 3n * S, 8));
  now = T0 + 6n * S;
  c.tick();
  now = T0 + 10n * S;
  await c.close();
  const objs = sink.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(objs.map((o) => [o.summary, o.start, o.end, o.seconds]), [
    ['interval', '2025-11-13T02:13:22Z', '2025-11-13T02:13:26Z', 4],
    ['total', '2025-11-13T02:13:22Z', '2025-11-13T02:13:30Z', 8],
  ]);
  assert.equal(objs[1].rows[0].bytes_per_sec, 1);
});
