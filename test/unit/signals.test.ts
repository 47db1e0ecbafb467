import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signalName } from '../../src/ipcdump/signals';

test('Go signal names', () => {
  const expected = [
    'hangup', 'interrupt', 'quit', 'illegal instruction', 'trace/breakpoint trap', 'aborted', 'bus error',
    'floating point exception', 'killed', 'user defined signal 1', 'segmentation fault', 'user defined signal 2',
    'broken pipe', 'alarm clock', 'terminated', 'stack fault', 'child exited', 'continued', 'stopped (signal)',
    'stopped', 'stopped (tty input)', 'stopped (tty output)', 'urgent I/O condition', 'CPU time limit exceeded',
    'file size limit exceeded', 'virtual timer expired', 'profiling timer expired', 'window changed', 'I/O possible',
    'power failure', 'bad system call',
  ];
  for (let i = 1; i <= 31; i++) assert.equal(signalName(i), expected[i - 1], `signal ${i}`);
});

test('others are "signal N"', () => {
  assert.equal(signalName(0), 'signal 0');
  assert.equal(signalName(32), 'signal 32');
  assert.equal(signalName(34), 'signal 34');
  assert.equal(signalName(64), 'signal 64');
  assert.equal(signalName(-1), 'signal -1');
});
