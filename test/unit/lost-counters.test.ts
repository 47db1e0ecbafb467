import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LostCounters } from '../../src/runtime/lost-counters';
import type { BpfObject } from '../../src/runtime/bpf-object';

test('pollMisses reports the kernel-skipped hook runs that are new since the last poll', () => {
  let total = 0;
  let closed = false;
  const obj = {
    totalMisses: () => {
      if (closed) throw new Error('closed');
      return total;
    },
  } as unknown as BpfObject;
  const c = new LostCounters(obj);
  assert.equal(c.pollMisses(), 0);
  total = 5;
  assert.equal(c.pollMisses(), 5);
  assert.equal(c.pollMisses(), 0);
  total = 12;
  assert.equal(c.pollMisses(), 7);
  closed = true;
  assert.equal(c.pollMisses(), 0); // a closing object reports nothing rather than throwing
});
