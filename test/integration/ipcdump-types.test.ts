/**
 * Each type selected alone with -t shows only that type, while every kind of IPC happens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startIpcdump, ROOT } from '../helpers/ipcdump-process';
import { sh, signalTarget } from '../helpers/workloads';

const PY = '/usr/bin/python3';

/** One of every IPC type, from real processes. */
async function everything(): Promise<void> {
  const target = await signalTarget();
  try {
    await sh(`kill -USR1 ${target.pid}; echo hi | cat`);
    for (const kind of ['stream', 'dgram', 'seqpacket']) {
      await sh(`exec ${PY} ${path.join(ROOT, 'test', 'helpers', 'unix_workload.py')} ${kind} socketpair /tmp`);
    }
    await sh(`exec ${PY} ${path.join(ROOT, 'test', 'helpers', 'loopback_workload.py')} tcp 4 14150`);
    await sh(`exec ${PY} ${path.join(ROOT, 'test', 'helpers', 'loopback_workload.py')} udp 4 14151`);
    await sh(`exec ${PY} ${path.join(ROOT, 'test', 'helpers', 'pty_workload.py')}`);
  } finally {
    target.kill('SIGKILL');
  }
}

const TYPES: Array<[string, string]> = [
  ['k', 'signal'],
  ['p', 'pipe'],
  ['us', 'unix-stream'],
  ['ud', 'unix-dgram'],
  ['usp', 'unix-seqpacket'],
  ['lt', 'loopback-tcp'],
  ['lu', 'loopback-udp'],
  ['t', 'pty'],
];

test('-t X alone shows only X, and X does show up', async (t) => {
  // One tracer at a time, each with the whole workload. Eight tracers at once made every
  // syscall run every tracer's syscall hooks: on a one-vCPU 7.3 guest (backup copies, so four
  // programs per tracer per syscall) the last tracers took up to 6 minutes to start, and on
  // CI's slower host one went past its limit.
  for (const [alias, type] of TYPES) {
    const t0 = Date.now();
    const tracer = await startIpcdump(['-t', alias, '-f', 'json'], 60000);
    try {
      t.diagnostic(`-t ${alias}: attached after ${Date.now() - t0} ms`);
      await everything();
      await tracer.waitForRecord((r) => r.type === type, 10000, `a ${type} event`);
      await new Promise((r) => setTimeout(r, 300));
      const other = tracer.records().filter((r) => r.type !== type && !r.lost_type);
      assert.equal(other.length, 0, `-t ${alias} also showed ${other.map((r) => r.type).join(', ')}`);
    } finally {
      await tracer.stop();
    }
  }
});
