/**
 * signal collector against the live kernel: real senders (the shell's kill, sigqueue(3)) and
 * real targets; every assertion checks both endpoints' pids and comms.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startIpcdump, type IpcdumpProcess } from '../helpers/ipcdump-process';
import { cHelper, sh } from '../helpers/workloads';

let tracer: IpcdumpProcess;

before(async () => {
  tracer = await startIpcdump(['-t', 'signal', '-f', 'json']);
});

after(async () => {
  await tracer.stop();
});

test('kill -USR1 to a sleeping process: sender and target, num and name', async () => {
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  const target = sleeper.pid!;
  const run = await sh(`echo SHELL=$$ >&2; kill -USR1 ${target}`);
  assert.equal(run.code, 0);
  const rec = await tracer.waitForRecord((r) => r.type === 'signal' && r.dst_pid === target, 10000, 'the SIGUSR1 event');
  assert.equal(rec.src_pid, run.pids.SHELL);
  assert.equal(rec.src_comm, 'sh');
  assert.equal(rec.dst_comm, 'sleep');
  assert.deepEqual(rec.meta, { num: 10, name: 'user defined signal 1' });
  assert.match(rec.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  sleeper.kill('SIGKILL');
});

test('a real-time signal sent with sigqueue(3)', async () => {
  const sigq = cHelper('sigq');
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  const target = sleeper.pid!;
  const run = await sh(`${sigq} ${target} 35 7`);
  assert.equal(run.code, 0, run.stderr);
  const rec = await tracer.waitForRecord((r) => r.type === 'signal' && r.dst_pid === target, 10000, 'the RT signal event');
  assert.equal(rec.src_pid, run.pids.SENDER);
  assert.equal(rec.src_comm, 'sigq');
  assert.equal(rec.dst_comm, 'sleep');
  assert.deepEqual(rec.meta, { num: 35, name: 'signal 35' });
  sleeper.kill('SIGKILL');
});

test('ignored signals are not reported (they are never queued)', async () => {
  // SIGCHLD to a process that keeps the default (ignore) disposition: result != delivered.
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  const target = sleeper.pid!;
  await sh(`kill -CHLD ${target}; kill -TERM ${target}`);
  await tracer.waitForRecord((r) => r.dst_pid === target && r.meta?.num === 15, 10000, 'the SIGTERM event');
  assert.equal(tracer.records().filter((r) => r.dst_pid === target && r.meta?.num === 17).length, 0);
});
