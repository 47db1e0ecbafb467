/**
 * The recording format (src/ipcdump/recording): what goes in comes out exactly (every field,
 * number vs string metadata, bytes, lost records, process info and events, in order), and
 * every way a file can be wrong ends in one clear message: cut anywhere, a newer format, not
 * a recording, a damaged size or field, missing or unreadable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openRecordingWriter } from '../../src/ipcdump/recording/writer';
import { openRecording, replayRecording, type ReplayOptions, type ReplayStats } from '../../src/ipcdump/recording/reader';
import { FORMAT_VERSION, PREAMBLE_SIZE, type RecordingMeta } from '../../src/ipcdump/recording/format';
import { ProcInfoCache, type ProcEvent, type ProcInfo } from '../../src/ipcdump/proc-info';
import { emptyFilterOptions, type FilterOptions } from '../../src/ipcdump/filter';
import { ALL_TYPES } from '../../src/ipcdump/types';
import { makeFormatter } from '../../src/output/index';
import { resetTimeCache } from '../../src/output/time';
import type { IpcEvent, IpcType, OutputRecord } from '../../src/ipcdump/event';

process.env.TZ = 'UTC';
resetTimeCache();

const T = 1_763_000_000_123_456_789n;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcdump-rec-test-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tmp = (): string => path.join(dir, `r${fileNo++}.ipcd`);

const META: RecordingMeta = {
  writer: 'ipcdump test',
  hostname: 'host',
  kernel: '6.18.0',
  startNs: T - 5_000_000_000n,
  types: [...ALL_TYPES],
  captureBytes: true,
  byteLimit: 0,
  argv: ['-x', '-w', 'x'],
};

function ev(type: IpcType, srcPid: number, srcComm: string, dstPid: number, dstComm: string, dt: number, metadata: IpcEvent['metadata'], bytes?: Buffer): OutputRecord {
  const event: IpcEvent = { type, src: { pid: srcPid, comm: srcComm }, dst: { pid: dstPid, comm: dstComm }, timeNs: T + BigInt(dt), metadata };
  if (bytes !== undefined) event.bytes = bytes;
  return { kind: 'event', event };
}

/** One of everything a recording holds, interleaved as a trace delivers it. */
type Item = { rec: OutputRecord } | { proc: ProcEvent };
const PROCS: ProcInfo[] = [
  { pid: 100, ppid: 1, comm: 'writer', cgroup: '/system.slice/demo.service', group: 'demo.service' },
  { pid: 101, ppid: 100, comm: 'reader', cgroup: '/system.slice/docker-0123456789abcdef0123.scope', group: 'docker:0123456789ab' },
  { pid: 200, ppid: -1, comm: 'caf\u00e9\u00ff', cgroup: '', group: '' },
];
const ITEMS: Item[] = [
  { proc: { kind: 'fork', pid: 101, ppid: 100, comm: 'writer', timeNs: T - 10n } },
  { proc: { kind: 'comm', pid: 101, ppid: -1, comm: 'reader', timeNs: T - 5n } },
  { rec: ev('signal', 100, 'writer', 101, 'reader', 0, [['num', 10], ['name', 'user defined signal 1']]) },
  { rec: ev('pipe', 100, 'writer', 101, 'reader', 1, [['pipe_name', '<anonymous>'], ['pipe_inode', 44640], ['count', 5]], Buffer.from('hello')) },
  // numbers that are not u32: negative, fractional, beyond 2^32, -0; strings that look like numbers
  { rec: ev('pty', 200, 'caf\u00e9\u00ff', 101, 'reader', 2, [['tty_name', 'pts0'], ['dst_sid', -1], ['count', 2 ** 40 + 3], ['x', 1.5], ['z', -0], ['s', '42']], Buffer.alloc(0)) },
  { rec: { kind: 'lost', lost: { lostType: 'pipe', count: 17, timeNs: T + 3n } } },
  // unknown endpoints, control characters, a long (inline) string value, no metadata
  { rec: ev('unix-dgram', -1, '<unknown>', 101, 'a\nb\x1b[1m', 4, [['path', '/tmp/' + 'p'.repeat(200)], ['count', 3], ['src_inode', 99]], Buffer.from([0, 1, 2])) },
  { rec: ev('loopback-udp', 100, 'writer', -1, '<unknown>', 5, []) },
  { rec: ev('unix-stream', 101, 'reader', 100, 'writer', 6, [['path', '@abstract'], ['count', 1 << 20]], Buffer.alloc(1 << 20, 7)) },
  { proc: { kind: 'exit', pid: 200, ppid: -1, comm: 'caf\u00e9\u00ff', timeNs: T + 7n } },
  { rec: ev('loopback-tcp', 100, 'writer', 101, 'reader', 8, [['src_port', 33158], ['src_serv', '33158/tcp'], ['dst_port', 5666], ['dst_serv', 'nrpe'], ['dst_inode', 104467], ['count', 9]], Buffer.from('123456789')) },
  { rec: ev('unix-seqpacket', 101, 'reader', 100, 'writer', 9, [['path', '<anonymous>'], ['count', 4], ['src_inode', 5], ['fds', 'pipe,file:/etc/hosts']]) },
];

function procsWith(infos: ProcInfo[]): ProcInfoCache {
  const c = new ProcInfoCache(null);
  for (const i of infos) c.set({ ...i });
  return c;
}

async function write(items: Item[], file = tmp(), extra: Partial<Parameters<typeof openRecordingWriter>[1]> = {}, close = true): Promise<string> {
  const w = await openRecordingWriter(file, { meta: META, procs: procsWith(PROCS), ...extra });
  for (const it of items) {
    if ('rec' in it) w.record(it.rec);
    else w.procEvent(it.proc);
  }
  w.batchEnd();
  if (close) await w.close();
  return file;
}

interface Replayed {
  items: Item[];
  /** ProcInfo known when each event was delivered, per endpoint pid. */
  infoAtEvent: Array<ProcInfo | undefined>;
  procs: ProcInfoCache;
  stats: ReplayStats;
  batches: number;
}

async function replay(file: string, opts: Partial<ReplayOptions> & { filters?: FilterOptions } = {}): Promise<Replayed> {
  const procs = new ProcInfoCache(null);
  const items: Item[] = [];
  const infoAtEvent: Array<ProcInfo | undefined> = [];
  let batches = 0;
  const r = await replayRecording(file, {
    types: new Set(ALL_TYPES),
    filters: emptyFilterOptions(),
    captureBytes: true,
    byteLimit: 0,
    procs,
    onRecord: (rec) => {
      items.push({ rec });
      if (rec.kind === 'event') infoAtEvent.push(procs.get(rec.event.src.pid));
    },
    onProc: (proc) => items.push({ proc }),
    onBatchEnd: () => batches++,
    ...opts,
  });
  const stats = await r.done;
  return { items, infoAtEvent, procs, stats, batches };
}

/** Offsets of each entry's size field, from the file itself. */
function entryOffsets(buf: Buffer): number[] {
  const out: number[] = [];
  let o = PREAMBLE_SIZE + buf.readUInt32LE(12);
  while (o < buf.length) {
    out.push(o);
    o += 4 + buf.readUInt32LE(o);
  }
  return out;
}

async function rejects(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('expected an error');
}

test('round trip: every field, number vs string metadata, bytes, lost, process info and events, in order', async () => {
  const file = await write(ITEMS);
  const r = await replay(file);
  assert.deepStrictEqual(r.items, ITEMS);
  // Each value keeps its JS type: '42' stays a string, -0 stays -0, 2^40+3 stays exact.
  const pty = (r.items[4] as { rec: { kind: 'event'; event: IpcEvent } }).rec.event;
  assert.equal(typeof pty.metadata[5][1], 'string');
  assert.ok(Object.is(pty.metadata[4][1], -0));
  assert.equal(pty.metadata[2][1], 2 ** 40 + 3);
  // Process info arrived before the first event that names the pid.
  assert.deepStrictEqual(r.infoAtEvent[0], PROCS[0]);
  assert.deepStrictEqual(r.procs.get(101), PROCS[1]);
  assert.deepStrictEqual(r.procs.get(200), PROCS[2]);
  assert.equal(r.procs.get(-1), undefined, 'no info for unknown endpoints');
  assert.deepStrictEqual(
    { ...r.stats, endNs: undefined },
    { events: 8, eventsRead: 8, truncatedBytes: 0, complete: true, endNs: undefined },
  );
  assert.ok(r.stats.endNs > T, 'the end marker time');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});

test('the header round-trips; begin() sets the start and writes it at once', async () => {
  const rec = await openRecording(await write([]));
  assert.deepStrictEqual(rec.meta, META);
  await rec.close();
  const f = tmp();
  const w = await openRecordingWriter(f, { meta: META, procs: procsWith([]) });
  assert.equal(fs.statSync(f).size, 0, 'nothing before begin()');
  w.begin(T + 42n);
  const early = await openRecording(f); // killed right after tracing started: valid, empty
  assert.deepStrictEqual(early.meta, { ...META, startNs: T + 42n });
  await early.close();
  await w.close();
  assert.deepStrictEqual((await replay(f)).items, []);
});

test('replayed output is byte for byte what the live formatters print (text, json, csv; with and without -x)', async () => {
  const file = await write(ITEMS);
  const live = ITEMS.flatMap((i) => ('rec' in i ? [i.rec] : []));
  for (const format of ['text', 'json', 'csv'] as const) {
    for (const x of [false, true]) {
      const f = makeFormatter(format, { showBytes: x });
      // A live run without -x has no bytes in its events: drop them for the reference.
      const want = live.map((r) => f.format(x || r.kind !== 'event' ? r : { kind: 'event', event: { ...r.event, bytes: undefined } })).join('');
      const got = (await replay(file, { captureBytes: x })).items.map((i) => ('rec' in i ? f.format(i.rec) : '')).join('');
      assert.equal(got, want, `${format} -x=${x}`);
    }
  }
});

test('without -x replayed events carry no bytes; -B cuts them', async () => {
  const file = await write(ITEMS);
  const events = (r: Replayed) => r.items.flatMap((i) => ('rec' in i && i.rec.kind === 'event' ? [i.rec.event] : []));
  assert.ok(events(await replay(file, { captureBytes: false })).every((e) => e.bytes === undefined));
  const cut = events(await replay(file, { byteLimit: 3 }));
  assert.equal(cut[1].bytes!.toString(), 'hel');
  assert.equal(cut[2].bytes!.length, 0, 'empty bytes stay empty, not absent');
  assert.equal(cut[5].bytes!.length, 3);
  assert.equal(cut[4].bytes, undefined, 'absent bytes stay absent');
});

test('filters: types (events and lost), pids, comms', async () => {
  const file = await write(ITEMS);
  const kinds = (r: Replayed) => r.items.map((i) => ('rec' in i ? (i.rec.kind === 'event' ? i.rec.event.type : 'lost:' + i.rec.lost.lostType) : 'proc'));
  assert.deepEqual(kinds(await replay(file, { types: new Set<IpcType>(['signal']) })), ['proc', 'proc', 'signal', 'proc']);
  assert.deepEqual(kinds(await replay(file, { types: new Set<IpcType>(['pipe']) })), ['proc', 'proc', 'pipe', 'lost:pipe', 'proc']);
  const byPid = emptyFilterOptions();
  byPid.pids.src.push(200);
  assert.deepEqual(kinds(await replay(file, { filters: byPid })), ['proc', 'proc', 'pty', 'lost:pipe', 'proc']);
  const byComm = emptyFilterOptions();
  byComm.comms.any.push('<unknown>');
  const r = await replay(file, { filters: byComm });
  assert.deepEqual(kinds(r), ['proc', 'proc', 'lost:pipe', 'unix-dgram', 'loopback-udp', 'proc']);
  assert.equal(r.stats.events, 2);
  assert.equal(r.stats.eventsRead, 8);
});

test('every chunk size, including entries split across chunks, gives the same records', async () => {
  const small = ITEMS.filter((i) => !('rec' in i && i.rec.kind === 'event' && (i.rec.event.bytes?.length ?? 0) > 1000));
  const file = await write(small);
  const want = (await replay(file)).items;
  for (let chunk = 1; chunk <= 70; chunk++) {
    const r = await replay(file, { chunkBytes: chunk });
    assert.deepStrictEqual(r.items, want, `chunk ${chunk}`);
    assert.ok(r.batches > 1, 'onBatchEnd per chunk');
  }
  // without -x the reader reuses one buffer: the records must not change under it
  const noBytes = await replay(file, { chunkBytes: 16, captureBytes: false });
  assert.equal(noBytes.items.length, want.length);
});

test('a recording cut at every byte of its last entries replays everything before and reports the cut', async () => {
  // ends with the unix-dgram event: bytes, an inline string, unknown pid, control characters
  const file = await write(ITEMS.slice(0, 7));
  const whole = fs.readFileSync(file);
  const offs = entryOffsets(whole);
  const lastEvent = offs[offs.length - 2]; // the last entry is the end marker; cut both
  const full = await replay(file);
  for (let cut = lastEvent; cut < whole.length; cut++) {
    const f = tmp();
    fs.writeFileSync(f, whole.subarray(0, cut));
    const r = await replay(f, { chunkBytes: cut % 2 ? 4096 : 100 });
    if (cut < offs[offs.length - 1]) {
      // up to the last event's entry: everything before it, and the cut tail is reported
      assert.deepStrictEqual(r.items, full.items.slice(0, full.items.length - 1), `cut at ${cut}`);
      assert.equal(r.stats.truncatedBytes, cut - lastEvent, `cut at ${cut}`);
    } else {
      assert.deepStrictEqual(r.items, full.items, `cut at ${cut}`);
      assert.equal(r.stats.truncatedBytes, cut - offs[offs.length - 1], `cut at ${cut}`);
    }
    assert.equal(r.stats.complete, false);
    fs.rmSync(f);
  }
});

test('a recording killed between entries (no end marker) replays whole and says it is not complete', async () => {
  const file = await write(ITEMS.slice(0, 5), tmp(), {}, false); // never closed, like SIGKILL
  const r = await replay(file);
  assert.equal(r.items.length, 5);
  assert.deepStrictEqual([r.stats.truncatedBytes, r.stats.complete], [0, false]);
  assert.equal(r.stats.endNs, T + 2n, 'ends at the last time read');
});

test('a header cut anywhere is one clear error', async () => {
  const whole = fs.readFileSync(await write(ITEMS));
  const headerEnd = PREAMBLE_SIZE + whole.readUInt32LE(12);
  for (let cut = 0; cut < headerEnd; cut++) {
    const f = tmp();
    fs.writeFileSync(f, whole.subarray(0, cut));
    const msg = await rejects(openRecording(f));
    if (cut === 0) assert.match(msg, /^recording ".*" is empty: not an ipcdump recording, or ipcdump was killed before it wrote anything$/);
    else assert.match(msg, new RegExp(`^recording ".*" was cut off inside its header \\(${cut} of ${cut < PREAMBLE_SIZE ? PREAMBLE_SIZE : headerEnd} bytes\\): it holds no events$`), `cut at ${cut}`);
    fs.rmSync(f);
  }
  // right after the header: a valid, empty recording
  const f = tmp();
  fs.writeFileSync(f, whole.subarray(0, headerEnd));
  const r = await replay(f);
  assert.deepStrictEqual([r.items.length, r.stats.truncatedBytes, r.stats.complete], [0, 0, false]);
});

test('a newer format version is refused with both versions named', async () => {
  const whole = fs.readFileSync(await write(ITEMS));
  whole.writeUInt16LE(FORMAT_VERSION + 1, 8);
  const f = tmp();
  fs.writeFileSync(f, whole);
  assert.equal(
    await rejects(openRecording(f)),
    `recording "${f}" was made by a newer ipcdump (format ${FORMAT_VERSION + 1}, this one reads up to ${FORMAT_VERSION}); upgrade ipcdump`,
  );
});

test('not a recording: text, another binary, JSON lines', async () => {
  for (const content of ['hello world\n', '\x7fELF\x02\x01\x01', '{"src_pid":1}\n']) {
    const f = tmp();
    fs.writeFileSync(f, content);
    assert.equal(await rejects(openRecording(f)), `${f} is not an ipcdump recording (it does not start with the recording signature; make one with ipcdump -w)`);
  }
});

test('a damaged header JSON or header size', async () => {
  const whole = fs.readFileSync(await write([]));
  const bad = Buffer.from(whole);
  bad[PREAMBLE_SIZE] = 0x7e; // '{' -> '~': not JSON any more
  let f = tmp();
  fs.writeFileSync(f, bad);
  assert.equal(await rejects(openRecording(f)), `recording "${f}": its header is damaged (not valid JSON)`);
  const huge = Buffer.from(whole);
  huge.writeUInt32LE(0xfffffff0, 12);
  f = tmp();
  fs.writeFileSync(f, huge);
  assert.equal(await rejects(openRecording(f)), `recording "${f}" has a damaged header (header size 4294967280)`);
});

test('a damaged entry size, kind or field: the entries before it are delivered, the message names the offset', async () => {
  const file = await write(ITEMS.slice(0, 5));
  const whole = fs.readFileSync(file);
  const offs = entryOffsets(whole);
  const full = await replay(file);
  // Find the entry of the third delivered item (the signal event) and break it in several ways.
  let target = -1;
  let before = 0;
  for (const o of offs) {
    if (whole[o + 4] === 3 /* EVENT */ && whole[o + 5] === 1 /* pipe */) {
      target = o;
      break;
    }
  }
  assert.ok(target > 0);
  before = full.items.findIndex((i) => 'rec' in i && i.rec.kind === 'event' && i.rec.event.type === 'pipe');
  const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
    ['size 0', (b) => b.writeUInt32LE(0, target), /\(entry size 0\)/],
    ['size huge', (b) => b.writeUInt32LE(0xffffffff, target), /\(entry size 4294967295\)/],
    ['size one short', (b) => b.writeUInt32LE(b.readUInt32LE(target) - 1, target), /\(bytes run past the entry\)|\(the entry is longer than its event\)|\(unknown/],
    ['unknown kind', (b) => (b[target + 4] = 99), /\(unknown entry kind 99\)/],
    ['unknown type', (b) => (b[target + 5] = 77), /\(unknown IPC type id 77\)/],
    ['undefined string', (b) => b.writeUInt32LE(123456, target + 5 + 12), /\(string id 123456 was never defined\)/],
    ['bad tag', (b) => (b[target + 5 + 28 + 4] = 9), /\(unknown metadata tag 9\)/],
  ];
  for (const [what, damage, why] of cases) {
    const b = Buffer.from(whole);
    damage(b);
    const f = tmp();
    fs.writeFileSync(f, b);
    const got: Item[] = [];
    const r = await replayRecording(f, {
      types: new Set(ALL_TYPES),
      filters: emptyFilterOptions(),
      captureBytes: true,
      byteLimit: 0,
      procs: new ProcInfoCache(null),
      onRecord: (rec) => got.push({ rec }),
      onProc: (proc) => got.push({ proc }),
    });
    const msg = await rejects(r.done);
    assert.match(msg, new RegExp(`^recording ".*" is damaged at byte offset ${target} `), what);
    assert.match(msg, why, what);
    assert.match(msg, /; the 1 events before it were replayed$/, what);
    assert.deepStrictEqual(got, full.items.slice(0, before), what);
  }
});

test('an optional entry kind from a newer writer is skipped', async () => {
  const file = await write(ITEMS.slice(0, 4));
  const whole = fs.readFileSync(file);
  const offs = entryOffsets(whole);
  const at = offs[offs.length - 1];
  const extra = Buffer.from([4, 0, 0, 0, 200, 1, 2, 3]); // size 4: kind 200 + 3 bytes
  fs.writeFileSync(file, Buffer.concat([whole.subarray(0, at), extra, whole.subarray(at)]));
  const r = await replay(file);
  assert.equal(r.items.length, 4);
  assert.equal(r.stats.complete, true);
});

test('data after the end marker is damage', async () => {
  const file = await write(ITEMS.slice(0, 3));
  fs.appendFileSync(file, Buffer.from([1, 0, 0, 0, 2]));
  assert.match(await rejects(replay(file)), /is damaged at byte offset \d+ \(an entry follows the end marker\); the 1 events before it were replayed$/);
});

test('missing file, a directory, a missing directory for -w: one line each', async () => {
  const missing = path.join(dir, 'nope.ipcd');
  assert.equal(await rejects(openRecording(missing)), `cannot read recording "${missing}": no such file or directory`);
  assert.equal(await rejects(openRecording(dir)), `cannot read recording "${dir}": it is a directory`);
  assert.equal(await rejects(openRecordingWriter(path.join(dir, 'no', 'such', 'dir.ipcd'), { meta: META, procs: procsWith([]) })), `cannot create recording "${path.join(dir, 'no', 'such', 'dir.ipcd')}": no such file or directory`);
});

test('the writer truncates an existing file and sets mode 0600', async () => {
  const f = tmp();
  fs.writeFileSync(f, 'x'.repeat(100000), { mode: 0o644 });
  fs.chmodSync(f, 0o644);
  await write(ITEMS.slice(0, 3), f);
  assert.equal(fs.statSync(f).mode & 0o777, 0o600);
  assert.equal((await replay(f)).items.length, 3);
});

test('a write error (disk full) is reported once through onError', async () => {
  const errors: string[] = [];
  const w = await openRecordingWriter('/dev/full', { meta: META, procs: procsWith([]), onError: (e) => errors.push(e.message) });
  w.record((ITEMS[2] as { rec: OutputRecord }).rec);
  w.batchEnd();
  await w.close();
  assert.deepEqual(errors, ['failed to write recording "/dev/full": no space left on device']);
  // without onError the failure is thrown (here: by the header write)
  const w2 = await openRecordingWriter('/dev/full', { meta: META, procs: procsWith([]) });
  assert.throws(() => w2.begin(), /failed to write recording "\/dev\/full": no space left on device/);
});

test('the string table is reset when full and comms stay right across resets', async () => {
  const items: Item[] = [];
  for (let i = 0; i < 50; i++) {
    items.push({ rec: ev('pipe', 1000 + i, `comm-${i}`, 2000 + (i % 3), `r-${i % 7}`, i, [['pipe_name', `fifo-${i}`], ['pipe_inode', i], ['count', i]]) });
    if (i % 10 === 0) items.push({ proc: { kind: 'comm', pid: 1000 + i, ppid: -1, comm: `renamed-${i}`, timeNs: T + BigInt(i) } });
  }
  const file = await write(items, tmp(), { stringTableMax: 9 });
  assert.deepStrictEqual((await replay(file)).items, items);
});

test('stop() ends delivery at once; the stats say how far it got', async () => {
  const file = await write(ITEMS);
  let n = 0;
  const r = await replayRecording(file, {
    types: new Set(ALL_TYPES),
    filters: emptyFilterOptions(),
    captureBytes: false,
    byteLimit: 0,
    procs: new ProcInfoCache(null),
    onRecord: () => {
      if (++n === 2) r.stop();
    },
  });
  const stats = await r.done;
  assert.equal(n, 2);
  assert.equal(stats.truncatedBytes, 0);
  assert.equal(r.endNs, T + 1n, 'where it stopped: the second event');
});
