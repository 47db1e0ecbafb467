/**
 * The ipcdump command as a user runs it: byte caps, -c, every filter flag, text output, and
 * the error paths (not root, bad flag value, unknown type), each one line + non-zero exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { CLI, IpcdumpProcess, startIpcdump, runIpcdump } from '../helpers/ipcdump-process';
import { sh, tmpDir, sleep, signalTarget } from '../helpers/workloads';
import { scaled } from '../helpers/slow';

test('-x -B 4 caps the captured bytes, count stays the real size', async () => {
  const t = await startIpcdump(['-t', 'pipe', '-x', '-B', '4', '-f', 'json']);
  try {
    const run = await sh(`sh -c 'echo W=$$ >&2; exec printf hello-world' | sh -c 'echo R=$$ >&2; exec cat'`);
    const rec = await t.waitForRecord((r) => r.dst_pid === run.pids.R, 10000, 'the capped event');
    assert.equal(Buffer.from(rec.bytes!, 'base64').toString(), 'hell');
    assert.equal(rec.meta?.count, 11);
  } finally {
    await t.stop();
  }
});

test('text output: header line and hex dump with the ASCII column on the last line', async () => {
  const t = await startIpcdump(['-t', 'pipe', '-x']);
  try {
    const run = await sh(`sh -c 'echo W=$$ >&2; exec printf hello-pipe' | sh -c 'echo R=$$ >&2; exec cat'`);
    const header = new RegExp(
      `^\\d\\d:\\d\\d:\\d\\d\\.\\d{9} pipe ${run.pids.W}\\(printf\\) > ${run.pids.R}\\(cat\\): pipe_name <anonymous>, pipe_inode \\d+, count 10$`,
      'm',
    );
    await t.waitUntil(() => header.test(t.stdout), 10000, 'the text event');
    const lines = t.stdout.split('\n');
    const i = lines.findIndex((l) => header.test(l));
    assert.equal(lines[i + 1], '\t00000000  68 65 6c 6c 6f 2d 70 69  70 65                    |hello-pipe|');
  } finally {
    await t.stop();
  }
});

test('-c 3 prints exactly three records and exits 0 right away', async () => {
  const sleeper = await signalTarget();
  const t = await startIpcdump(['-t', 'signal', '-c', '3', '-f', 'json', '-d', String(sleeper.pid)]);
  await sh(`for i in 1 2 3 4 5; do kill -35 ${sleeper.pid}; done`);
  const exit = await Promise.race([t.exited, sleep(10000).then(() => 'timeout' as const)]);
  assert.notEqual(exit, 'timeout', `ipcdump did not exit: ${t.stderr}`);
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.equal(t.records().length, 3);
  sleeper.kill('SIGKILL');
});

test('pid filters: -s and -d combine with AND, -p matches either side', async () => {
  const a = await signalTarget();
  const b = await signalTarget();
  // Two different senders (shells, whose builtin kill sends the signal itself) signal two
  // different targets once both tracers are attached: they wait for a line on stdin, so a
  // slow start (a VM) cannot make them send too early.
  const s1 = spawn('sh', ['-c', `read x; kill -35 ${a.pid}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  const s2 = spawn('sh', ['-c', `read x; kill -35 ${b.pid}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  const byDst = await startIpcdump(['-t', 'signal', '-f', 'json', '-d', String(a.pid)]);
  const byAny = await startIpcdump(['-t', 'signal', '-f', 'json', '-p', String(b.pid)]);
  s1.stdin!.end('go\n');
  s2.stdin!.end('go\n');
  try {
    const rd = await byDst.waitForRecord((r) => r.dst_pid === a.pid, 10000, '-d match');
    assert.equal(rd.src_pid, s1.pid);
    const ra = await byAny.waitForRecord((r) => r.dst_pid === b.pid, 10000, '-p match');
    assert.equal(ra.src_pid, s2.pid);
    await sleep(300);
    assert.ok(byDst.records().every((r) => r.dst_pid === a.pid), 'only events to a with -d');
    assert.ok(byAny.records().every((r) => r.src_pid === b.pid || r.dst_pid === b.pid), 'only events involving b with -p');
  } finally {
    await byDst.stop();
    await byAny.stop();
  }

  // -s X -d Y: from X to Y only. Sender 1 signals a and b; only X->a passes.
  const sender = spawn('sh', ['-c', `read x; kill -35 ${a.pid}; kill -35 ${b.pid}; kill -35 ${a.pid}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  const and = await startIpcdump(['-t', 'signal', '-f', 'json', '-s', String(sender.pid), '-d', String(a.pid)]);
  try {
    sender.stdin!.end('go\n');
    await and.waitUntil(() => and.records().length >= 2, 10000, 'two X->a signals');
    await sleep(300);
    const recs = and.records();
    assert.equal(recs.length, 2);
    assert.ok(recs.every((r) => r.src_pid === sender.pid && r.dst_pid === a.pid));
  } finally {
    await and.stop();
    a.kill('SIGKILL');
    b.kill('SIGKILL');
  }
});

test('comm filters: -S, -D and -P', async () => {
  const dir = tmpDir();
  // Copies of sleep with distinct names make distinct comms; SIGTERM kills them, and a
  // signal that kills is still queued first, so it is reported.
  for (const n of ['tgt-one', 'tgt-two']) fs.copyFileSync('/bin/sleep', path.join(dir, n));
  // (They must outlive three tracer start-ups: 30 s was not enough in a QEMU guest. Killed
  // below in any case.)
  const one = spawn(path.join(dir, 'tgt-one'), ['3600'], { stdio: 'ignore' });
  const two = spawn(path.join(dir, 'tgt-two'), ['3600'], { stdio: 'ignore' });
  await sleep(scaled(100)); // let them exec
  const byD = await startIpcdump(['-t', 'signal', '-f', 'json', '-D', 'tgt-one']);
  const byP = await startIpcdump(['-t', 'signal', '-f', 'json', '-P', 'tgt-two']);
  const byS = await startIpcdump(['-t', 'signal', '-f', 'json', '-S', 'sh', '-D', 'tgt-two']);
  try {
    await sh(`kill -TERM ${one.pid}; kill -TERM ${two.pid}`);
    await byD.waitForRecord((r) => r.dst_pid === one.pid, 10000, '-D match');
    await byP.waitForRecord((r) => r.dst_pid === two.pid, 10000, '-P match');
    const rs = await byS.waitForRecord((r) => r.dst_pid === two.pid, 10000, '-S/-D match');
    assert.equal(rs.src_comm, 'sh');
    await sleep(300);
    assert.ok(byD.records().every((r) => r.dst_comm === 'tgt-one'));
    assert.ok(byP.records().every((r) => r.src_comm === 'tgt-two' || r.dst_comm === 'tgt-two'));
    assert.ok(byS.records().every((r) => r.src_comm === 'sh' && r.dst_comm === 'tgt-two'));
  } finally {
    await Promise.all([byD.stop(), byP.stop(), byS.stop()]);
    one.kill('SIGKILL');
    two.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true });
  }
});

test('-o writes to a file created with mode 0600; JSON honours -o', async () => {
  const dir = tmpDir();
  const out = path.join(dir, 'out.json');
  const sleeper = await signalTarget();
  const t = await startIpcdump(['-t', 'signal', '-f', 'json', '-o', out, '-d', String(sleeper.pid)]);
  await sh(`kill -USR1 ${sleeper.pid}`);
  await t.waitUntil(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('"dst_pid"'), 10000, 'the record in the file');
  const exit = await t.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.equal(t.stdout, '');
  assert.equal(fs.statSync(out).mode & 0o777, 0o600);
  const rec = JSON.parse(fs.readFileSync(out, 'utf8').trim().split('\n')[0]);
  assert.equal(rec.dst_pid, sleeper.pid);
  sleeper.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true });
});

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\bat .*\.js:\d+/, 'no stack trace');
  return lines[0];
}

test('not root: one clear line, non-zero exit', async () => {
  // As user nobody when it can read this checkout (not under /root, say)...
  const readable = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', CLI]).status === 0;
  if (readable) {
    const r = await runIpcdump(['-t', 'signal'], { uid: 65534, gid: 65534 });
    assert.notEqual(r.code, 0);
    assert.match(oneLine(r.stderr), /^ipcdump: insufficient privileges: .*run as root/);
  }
  // ...and always as root stripped of every capability, which is the same to the kernel.
  const r = spawnSync('setpriv', ['--bounding-set=-all', '--inh-caps=-all', process.execPath, CLI, '-t', 'signal'], { encoding: 'utf8', timeout: scaled(30000) });
  assert.notEqual(r.status, 0);
  assert.match(oneLine(r.stderr), /^ipcdump: insufficient privileges: .*without CAP_BPF/);
});

test('bad flag value: one clear line, exit 2', async () => {
  const r = await runIpcdump(['-p', 'abc']);
  assert.equal(r.code, 2);
  assert.match(oneLine(r.stderr), /^ipcdump: invalid value "abc" for flag -p/);
});

test('unknown type: one clear line, exit 2', async () => {
  const r = await runIpcdump(['-t', 'kill']);
  assert.equal(r.code, 2);
  assert.match(oneLine(r.stderr), /^ipcdump: .*"kill"/);
});

test('-B without -x is refused like the original', async () => {
  const r = await runIpcdump(['-B', '4']);
  assert.equal(r.code, 2);
  assert.match(oneLine(r.stderr), /cannot set output bytes limit if -x is not specified/);
});

test('--doctor explains the kernel capabilities', async () => {
  const r = await runIpcdump(['--doctor']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /ok\s+privileges\s+root/);
  assert.match(r.stdout, /ok\s+kernel BTF/);
  assert.match(r.stdout, /tp_btf \(BTF tracepoints\)\s+works/);
  assert.match(r.stdout, /ok\s+signal\s+via tp_btf\/signal_generate/);
  assert.match(r.stdout, /ok\s+pipe\s+via tp_btf\/sys_enter/);
  assert.match(r.stdout, /ok\s+unix sockets\s+via/);
  assert.match(r.stdout, /ok\s+loopback tcp\/udp\s+via/);
  assert.match(r.stdout, /ok\s+pty\s+via/);
  // kprobe is either there or not: the line must exist either way, with a reason when not.
  assert.match(r.stdout, /(ok|no)\s+kprobe\s+\S/);
  assert.match(r.stdout, /ok\s+lockdown\s+\w+/);
});

test('--version and -h', async () => {
  const v = await runIpcdump(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^ipcdump \d+\.\d+\.\d+ \(\S+\)\n$/);
  const h = await runIpcdump(['-h']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /-t TYPE|-t\b/);
});

test('SIGINT and SIGTERM stop cleanly with exit 0', async () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const t = new IpcdumpProcess(['-t', 'signal']);
    await t.ready();
    const exit = await t.stop(sig);
    assert.deepEqual(exit, { code: 0, signal: null }, `${sig}: ${t.stderr}`);
  }
});
