import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyFilterOptions, hasCommFilters, hasFilters, hasPidFilters, makeEventFilter } from '../../src/ipcdump/filter';
import type { FilterOptions } from '../../src/ipcdump/filter';
import type { IpcEvent } from '../../src/ipcdump/event';

function ev(srcPid: number, srcComm: string, dstPid: number, dstComm: string): IpcEvent {
  return { type: 'signal', src: { pid: srcPid, comm: srcComm }, dst: { pid: dstPid, comm: dstComm }, timeNs: 0n, metadata: [] };
}

function f(p: Partial<FilterOptions['pids']>, c: Partial<FilterOptions['comms']> = {}): (e: IpcEvent) => boolean {
  const o = emptyFilterOptions();
  Object.assign(o.pids, p);
  Object.assign(o.comms, c);
  return makeEventFilter(o);
}

const A = ev(10, 'bash', 20, 'sleep');
const B = ev(20, 'sleep', 10, 'bash');
const C = ev(30, 'cron', 40, 'sshd');
const U = ev(-1, '<unknown>', -1, '<unknown>');

test('no filters: everything passes, constant fast path', () => {
  const o = emptyFilterOptions();
  assert.equal(hasFilters(o), false);
  assert.equal(hasPidFilters(o), false);
  assert.equal(hasCommFilters(o), false);
  const p = makeEventFilter(o);
  assert.equal(p, makeEventFilter(emptyFilterOptions()));
  for (const e of [A, B, C, U]) assert.equal(p(e), true);
});

test('has*Filters', () => {
  const o = emptyFilterOptions();
  o.pids.dst.push(1);
  assert.equal(hasPidFilters(o), true);
  assert.equal(hasCommFilters(o), false);
  const q = emptyFilterOptions();
  q.comms.src.push('x');
  assert.equal(hasPidFilters(q), false);
  assert.equal(hasCommFilters(q), true);
  assert.equal(hasFilters(q), true);
});

test('-p matches src or dst', () => {
  const p = f({ any: [10] });
  assert.deepEqual([A, B, C, U].map(p), [true, true, false, false]);
});

test('-s / -d match their side only', () => {
  assert.deepEqual([A, B, C, U].map(f({ src: [10] })), [true, false, false, false]);
  assert.deepEqual([A, B, C, U].map(f({ dst: [10] })), [false, true, false, false]);
});

test('OR within a class', () => {
  assert.deepEqual([A, B, C, U].map(f({ src: [10, 30] })), [true, false, true, false]);
  assert.deepEqual([A, B, C, U].map(f({}, { any: ['sshd', 'sleep'] })), [true, true, true, false]);
});

test('AND across classes: -s 10 -d 20 = from 10 to 20', () => {
  const p = f({ src: [10], dst: [20] });
  assert.deepEqual([A, B, C, U].map(p), [true, false, false, false]);
  assert.equal(p(ev(10, 'bash', 99, 'x')), false);
  assert.equal(p(ev(99, 'x', 20, 'sleep')), false);
});

test('AND across pid and comm classes', () => {
  assert.deepEqual([A, B, C].map(f({ any: [10] }, { dst: ['sleep'] })), [true, false, false]);
  assert.deepEqual([A, B, C].map(f({ any: [10, 30] }, { any: ['sshd'] })), [false, false, true]);
  // three classes (generic path)
  const p = f({ src: [10], dst: [20] }, { src: ['bash'] });
  assert.deepEqual([A, B, C].map(p), [true, false, false]);
  assert.equal(f({ src: [10], dst: [20] }, { src: ['zsh'] })(A), false);
});

test('-S / -D comm matching is exact', () => {
  assert.deepEqual([A, B, C].map(f({}, { src: ['bash'] })), [true, false, false]);
  assert.deepEqual([A, B, C].map(f({}, { dst: ['bash'] })), [false, true, false]);
  assert.equal(f({}, { src: ['Bash'] })(A), false);
  assert.equal(f({}, { src: ['bas'] })(A), false);
});

test('unknown endpoints never match pid filters', () => {
  assert.equal(f({ src: [10] })(ev(-1, '<unknown>', 20, 'x')), false);
  assert.equal(f({ dst: [10] })(ev(20, 'x', -1, '<unknown>')), false);
  assert.equal(f({ any: [10] })(U), false);
});

test('unknown comms never match real comm filters, empty comm is not a wildcard', () => {
  assert.equal(f({}, { src: ['bash'] })(U), false);
  assert.equal(f({}, { dst: ['bash'] })(ev(1, 'x', 2, '')), false);
});

test("'<unknown>' literally matches the unknown comm", () => {
  assert.equal(f({}, { any: ['<unknown>'] })(U), true);
  assert.equal(f({}, { dst: ['<unknown>'] })(ev(1, 'bash', -1, '<unknown>')), true);
  assert.equal(f({}, { src: ['<unknown>'] })(ev(1, 'bash', -1, '<unknown>')), false);
  assert.equal(f({}, { any: ['<unknown>'] })(A), false);
});
