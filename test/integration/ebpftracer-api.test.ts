/**
 * The syscall-recording library as a TypeScript user sees it: the README's example program,
 * the async iterator with a strace class, typed values, memory accounting, and that stopping
 * (or SIGKILL of the CLI) leaves no BPF programs behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { SyscallRecorder, RecorderError } from '../../src/ebpftracer/recorder';
import type { SyscallEvent } from '../../src/ebpftracer/event';
import { IpcdumpProcess, ROOT } from '../helpers/ipcdump-process';
import { sleep, tmpDir } from '../helpers/workloads';
import { scaled } from '../helpers/slow';

const OUR_PROGS = ['sc_enter', 'sc_exit', 'sc_fork'];

/** Programs are freed by the kernel shortly after their last fd/link goes (deferred work). */
async function settle(want: (n: number) => boolean): Promise<number> {
  let n = ourPrograms().length;
  for (let i = 0; i < 50 && !want(n); i++) {
    await sleep(100);
    n = ourPrograms().length;
  }
  return n;
}

function ourPrograms(): number[] {
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show']).toString() || '[]') as { id: number; name?: string }[];
  return progs.filter((p) => OUR_PROGS.includes(p.name ?? '')).map((p) => p.id);
}

test('the README example records the files a command opens', { timeout: scaled(30000) }, () => {
  const example = path.join(ROOT, 'dist', 'examples', 'record-files.js');
  const r = spawnSync(process.execPath, [example, 'cat', '/etc/hostname', '/no/such/file'], { encoding: 'utf8' });
  const lines = r.stdout.split('\n');
  assert.ok(lines.some((l) => /^\d+ \/etc\/hostname fd \d+$/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^\d+ \/no\/such\/file ENOENT$/.test(l)), r.stdout);
});

test('async iterator with %file: typed parameters, header and memory report', { timeout: scaled(30000) }, async () => {
  const dir = tmpDir('ebpftracer-api-');
  const before = await settle((n) => n === 0);
  const rec = await SyscallRecorder.open({ syscalls: ['%file'], filters: { comms: ['mkdir'] } });
  assert.ok(rec.schemas.some((s) => s.name === 'mkdir') && rec.schemas.some((s) => s.name === 'openat'));
  assert.ok(!rec.schemas.some((s) => s.name === 'read'), '%file has no read');
  const mem = rec.memoryUsage();
  assert.equal(mem.ringBuffer, 64 * 1024 * 1024);
  assert.ok(mem.scratch > 0 && mem.inflight > 0 && mem.tables > 0);
  assert.equal(mem.total, mem.ringBuffer + mem.scratch + mem.inflight + mem.tables);
  assert.ok(ourPrograms().length >= before + 2, 'programs attached');

  execFileSync('mkdir', ['-m', '0750', path.join(dir, 'typed')]);
  let found: SyscallEvent | undefined;
  const timer = setTimeout(() => void rec.stop(), 10000);
  for await (const ev of rec) {
    if (ev.syscall === 'mkdir' && ev.params.pathname === path.join(dir, 'typed')) {
      found = ev;
      break;
    }
  }
  clearTimeout(timer);
  await rec.stop();
  assert.ok(found, 'mkdir event');
  assert.equal(found.comm, 'mkdir');
  assert.equal(found.arch, 'x86_64');
  assert.equal(found.ret, 0n);
  assert.equal(found.header.exit_code, 0n);
  assert.equal(found.header.probe_error, false);
  assert.equal(found.header.user_id, 0);
  assert.ok(found.header.duration > 0n);
  assert.equal(typeof found.params.mode, 'number'); // umode_t: 32-bit unsigned -> number
  // coreutils mkdir -m creates with the mode then chmods; mode is what mkdir(2) got
  assert.ok((found.params.mode as number) >= 0);
  assert.equal(await settle((n) => n === before), before, 'stop() detached and freed every program');
});

test('callback form, comm filter, and 64-bit signed values', { timeout: scaled(30000) }, async () => {
  const events: SyscallEvent[] = [];
  const rec = await SyscallRecorder.open({ syscalls: ['lseek'], onEvent: (e) => events.push(e), filters: { comms: ['python3'] } });
  spawnSync('/usr/bin/python3', ['-c', 'import os; fd=os.open("/etc/hostname", os.O_RDONLY); os.lseek(fd, -1, os.SEEK_END)']);
  await sleep(300);
  await rec.stop();
  const ls = events.find((e) => e.params.offset === -1n);
  assert.ok(ls, `lseek with offset -1 (off_t is signed 64-bit): ${events.map((e) => String(e.params.offset)).join(',')}`);
  assert.equal(ls.params.whence, 2);
});

test('bad options are RecorderErrors with one-line messages', async () => {
  await assert.rejects(SyscallRecorder.open({ syscalls: [] }), (e: Error) => e instanceof RecorderError && /no syscall given/.test(e.message));
  await assert.rejects(SyscallRecorder.open({ syscalls: ['mkdir'], ringBytes: 1000 }), /power of two/);
  await assert.rejects(SyscallRecorder.open({ syscalls: ['mkdir'], captureBytes: 0 }), /out of range/);
  await assert.rejects(SyscallRecorder.open({ syscalls: ['mkdir', 'nope'] }), /unknown syscall "nope"/);
});

test('SIGKILL of the CLI leaves no programs behind', { timeout: scaled(30000) }, async () => {
  const before = await settle((n) => n === 0);
  const p = new IpcdumpProcess(['-t', 'mkdir', '--format', 'json'], { cli: path.join(ROOT, 'dist', 'src', 'cli', 'ebpftracer.js'), readyPattern: /recording/ });
  try {
    await p.ready();
    assert.ok(ourPrograms().length > before);
  } finally {
    await p.stop('SIGKILL');
  }
  assert.equal(await settle((n) => n === before), before);
});
