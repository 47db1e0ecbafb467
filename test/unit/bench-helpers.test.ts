// The benchmark's line counting (bench/common.ts, bench/workloads.ts, bench/maxrate.ts) against
// the real formatters: a regex that drifts from the output format would silently count 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeTextFormatter } from '../../src/output/text';
import { makeJsonFormatter } from '../../src/output/json';
import { makeCsvFormatter } from '../../src/output/csv';
import type { IpcEvent, OutputRecord } from '../../src/ipcdump/event';
import { countLines, forEachLine, lostInLine } from '../../bench/common';
import { WORKLOADS } from '../../bench/workloads';
import { eventLine } from '../../bench/maxrate';

const T = 1616172683000123456n;

function ev(over: Partial<IpcEvent>): OutputRecord {
  return { kind: 'event', event: { type: 'pipe', src: { pid: 1, comm: 'a' }, dst: { pid: 2, comm: 'b' }, timeNs: T, metadata: [], ...over } };
}

const text = makeTextFormatter({ showBytes: false });
const textX = makeTextFormatter({ showBytes: true });
const json = makeJsonFormatter({ showBytes: false });
const csv = makeCsvFormatter({ showBytes: false });
const LOST: OutputRecord = { kind: 'lost', lost: { lostType: 'unix-stream', count: 17, timeNs: T } };

test('bench: unix stream bulk and TCP rows count exactly their events, with and without -x', () => {
  const bulk = WORKLOADS.find((w) => w.binary === 'bench_unixbulk')!;
  const tcp = WORKLOADS.find((w) => w.binary === 'bench_tcprr')!;
  const us = ev({
    type: 'unix-stream',
    src: { pid: 10, comm: 'bench_unixbulk' },
    dst: { pid: 11, comm: 'bench_unixbulk' },
    metadata: [['path', '<anonymous>'], ['count', 4096]],
    bytes: Buffer.alloc(4096, 'x'),
  });
  const lt = ev({
    type: 'loopback-tcp',
    src: { pid: 10, comm: 'bench_tcprr' },
    dst: { pid: 11, comm: 'bench_tcprr' },
    metadata: [['src_port', 40000], ['src_serv', '40000/tcp'], ['dst_port', 41000], ['dst_serv', '41000/tcp'], ['dst_inode', 5], ['count', 64]],
  });
  for (const [w, rec] of [[bulk, us], [tcp, lt]] as const) {
    assert.equal(text(rec).split('\n').filter((l) => w.ipcdumpLine.test(l)).length, 1, w.binary);
    assert.equal(textX(rec).split('\n').filter((l) => w.ipcdumpLine.test(l)).length, 1, `${w.binary} -x`);
    assert.match(json(rec), new RegExp(`"src_comm":"${w.binary}","dst_pid":\\d+,"dst_comm":"${w.binary}"`));
    // another process's event of the same type is not counted
    const other = { ...rec, event: { ...(rec as { event: IpcEvent }).event, dst: { pid: 3, comm: 'node' } } } as OutputRecord;
    assert.equal(text(other).split('\n').filter((l) => w.ipcdumpLine.test(l)).length, 0);
  }
});

test('bench: lost records are recognized in each format, hex dumps never', () => {
  assert.equal(lostInLine(text(LOST).trimEnd()), 17);
  assert.equal(lostInLine(json(LOST).trimEnd()), 17);
  assert.equal(lostInLine(csv(LOST).trimEnd()), 1); // CSV carries no count
  const sneaky = ev({ type: 'pipe', metadata: [['count', 32]], bytes: Buffer.from('00:00:00.1 x: lost 99 events\n...') });
  for (const l of textX(sneaky).split('\n')) assert.equal(lostInLine(l), 0, l);
});

test('bench: maxrate counts the generator\'s events in text, JSON and CSV', () => {
  for (const type of ['pipe', 'unix-dgram'] as const) {
    const rec = ev({ type, src: { pid: 5, comm: 'bench_rate' }, dst: { pid: 5, comm: 'bench_rate' }, metadata: [['count', 1]] });
    const other = ev({ type, src: { pid: 5, comm: 'bench_rate' }, dst: { pid: 6, comm: 'sh' }, metadata: [['count', 1]] });
    for (const [fmt, f] of [['text', text], ['json', json], ['csv', csv]] as const) {
      assert.match(f(rec).trimEnd(), eventLine(fmt, type), `${fmt} ${type}`);
      assert.doesNotMatch(f(other).trimEnd(), eventLine(fmt, type), `${fmt} ${type} other`);
      assert.doesNotMatch(f(LOST).trimEnd(), eventLine(fmt, type));
    }
  }
});

test('bench: forEachLine and countLines read a file larger than one chunk, lines split across chunks', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
  const file = path.join(dir, 'out');
  const line = 'y'.repeat(999) + '\n'; // 1000 bytes: chunk boundaries (16 MiB) fall inside lines
  const n = 20_000;
  fs.writeFileSync(file, line.repeat(n) + 'last');
  let count = 0;
  let last = '';
  forEachLine(file, (l) => {
    count++;
    last = l;
    assert.ok(l === 'last' || l.length === 999);
  });
  assert.equal(count, n + 1);
  assert.equal(last, 'last');
  assert.deepEqual(countLines(file, /^y+$/), { events: n, lost: 0 });
  fs.rmSync(dir, { recursive: true });
});
