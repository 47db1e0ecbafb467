/**
 * pty collector against the live kernel: a shell in a pseudoterminal (python's pty module as
 * the terminal emulator). Both directions, pids, comms, tty name, session and bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startIpcdump, ROOT, type JsonRecord } from '../helpers/ipcdump-process';
import { sh } from '../helpers/workloads';

const bytesOf = (r: JsonRecord) => Buffer.from(r.bytes ?? '', 'base64').toString('latin1');

test('a shell in a pty: keystrokes to the shell, output to the terminal', async () => {
  const t = await startIpcdump(['-t', 'pty', '-x', '-f', 'json']);
  try {
    const run = await sh(`exec /usr/bin/python3 ${path.join(ROOT, 'test', 'helpers', 'pty_workload.py')}`);
    assert.equal(run.code, 0, run.stderr);
    const m = /PARENT=(\d+) CHILD=(\d+)/.exec(run.stderr);
    assert.ok(m, run.stderr);
    const [parent, child] = [Number(m[1]), Number(m[2])];
    // keystrokes: the terminal writes to the master; the shell (reading the slave) receives
    const keys = await t.waitForRecord((r) => r.type === 'pty' && r.src_pid === parent && bytesOf(r) === 'hello\n', 10000, 'the keystrokes');
    assert.equal(keys.src_comm, 'python3');
    assert.equal(keys.dst_pid, child);
    assert.equal(keys.dst_comm, 'sh');
    assert.match(String(keys.meta?.tty_name), /^pts\d+$/);
    assert.equal(keys.meta?.dst_sid, child); // the shell leads its session
    assert.equal(keys.meta?.count, 6);
    // output: the shell writes to the slave; the terminal (reading the master) receives
    const out = await t.waitForRecord((r) => r.type === 'pty' && r.src_pid === child && bytesOf(r) === 'got:hello\n', 10000, 'the output');
    assert.equal(out.src_comm, 'sh');
    assert.equal(out.dst_pid, parent);
    assert.equal(out.dst_comm, 'python3');
    assert.equal(out.meta?.tty_name, keys.meta?.tty_name);

  } finally {
    await t.stop();
  }
});
