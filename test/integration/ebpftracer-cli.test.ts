/**
 * The `ebpftracer` command as a user runs it, against the live kernel: the original's start-up
 * report and record layout, strace and JSON formats, ia32 (`int 0x80`) calls, an exit without
 * an entry (seccomp), in-kernel filters, and clear one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { IpcdumpProcess, ROOT } from '../helpers/ipcdump-process';
import { cHelper, sleep, tmpDir } from '../helpers/workloads';
import { scaled } from '../helpers/slow';

const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'ebpftracer.js');
const READY = /Entering main loop|recording \d+ syscalls? .*Ctrl-C/;

async function start(args: string[]): Promise<IpcdumpProcess> {
  const p = new IpcdumpProcess(args, { cli: CLI, readyPattern: READY });
  await p.ready();
  return p;
}

interface JsonEvent {
  syscall: string;
  process_id: number;
  thread_id: number;
  comm: string;
  arch: string;
  ret: number;
  errno?: string;
  exit_code: string;
  duration_ns: number;
  no_enter?: boolean;
  params: Record<string, unknown>;
  decoded?: Record<string, string>;
}

function jsonLines(text: string): JsonEvent[] {
  // complete lines only: the last one may still be being written
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonEvent);
}

function sh(script: string, cwd: string): void {
  execFileSync('sh', ['-c', script], { cwd, stdio: 'ignore' });
}

test('default format: the original start-up report and records for mkdir x; mv x y; rmdir y', { timeout: scaled(30000) }, async () => {
  const dir = tmpDir('ebpftracer-cli-');
  const p = await start(['-t', 'mkdir,rmdir,renameat2']);
  sh('mkdir x && mv x y && rmdir y', dir);
  await p.waitUntil(() => /syscall: rmdir pathname: 'y'/.test(p.stdout), 10000, 'the rmdir record');
  const exit = await p.stop('SIGINT');
  assert.equal(exit.code, 0);
  const out = p.stdout;
  assert.match(out, /^Memory usage\n\n > Buffer storage: \d+ bytes\n > Perf output: \d+ bytes\n/);
  assert.match(out, / > mkdir \(serializer: table\)\n > rmdir \(serializer: table\)\n > renameat2 \(serializer: table\)\n/);
  assert.match(out, /\nEntering main loop\.\.\.\n/);
  const header = /timestamp: \d+ process_id: (\d+) thread_id: (\d+) user_id: 0 group_id: 0 exit_code: 0 probe_error: 0\n/;
  assert.match(out, new RegExp(header.source + "syscall: mkdir pathname: 'x' mode: 511 \\n"));
  assert.match(out, new RegExp(header.source + "syscall: renameat2 olddfd: -100 oldname: 'x' newdfd: -100 newname: 'y' flags: 1 \\n"));
  assert.match(out, new RegExp(header.source + "syscall: rmdir pathname: 'y' \\n"));
  assert.match(out, /Terminating\.\.\.\n$/);
});

test('--format strace reads like strace for the same commands', { timeout: scaled(30000) }, async () => {
  const dir = tmpDir('ebpftracer-cli-');
  const p = await start(['-t', 'mkdir,rmdir,renameat2', '--format', 'strace']);
  sh('mkdir x && mv x y && rmdir y && rmdir no-such-dir 2>/dev/null; true', dir);
  await p.waitUntil(() => /rmdir\("no-such-dir"\)/.test(p.stdout), 10000, 'the failing rmdir');
  await p.stop();
  assert.match(p.stdout, /^\[pid +\d+\] mkdir\("x", 0777\) += 0$/m);
  assert.match(p.stdout, /^\[pid +\d+\] renameat2\(AT_FDCWD, "x", AT_FDCWD, "y", RENAME_NOREPLACE\) += 0$/m);
  assert.match(p.stdout, /^\[pid +\d+\] rmdir\("y"\) += 0$/m);
  assert.match(p.stdout, /^\[pid +\d+\] rmdir\("no-such-dir"\) += -1 ENOENT \(No such file or directory\)$/m);
});

test('--format json to a file, with in-kernel comm and failed-only filters', { timeout: scaled(30000) }, async () => {
  const dir = tmpDir('ebpftracer-cli-');
  const out = path.join(dir, 'events.jsonl');
  const corpus = cHelper('syscall_corpus');
  const p = await start(['-t', '%file,%network', '--format', 'json', '-o', out, '--comm', 'syscall_corpus', '-Z']);
  execFileSync(corpus, [dir, '9'], { stdio: 'ignore' });
  await p.waitUntil(() => fs.existsSync(out) && /"connect"/.test(fs.readFileSync(out, 'utf8')), 10000, 'the connect event');
  await p.stop();
  assert.equal((fs.statSync(out).mode & 0o777).toString(8), '600');
  const evs = jsonLines(fs.readFileSync(out, 'utf8'));
  assert.ok(evs.length >= 2);
  for (const e of evs) {
    assert.equal(e.comm, 'syscall_corpus');
    assert.ok(e.ret < 0, `failed-only: ${e.syscall} returned ${e.ret}`);
  }
  const missing = evs.find((e) => e.syscall === 'openat' && String(e.params.filename).endsWith('/no-such-file'));
  assert.ok(missing, 'the failing openat');
  assert.equal(missing.errno, 'ENOENT');
  assert.equal(missing.exit_code, '18446744073709551614'); // ebpfpub's raw u64
  const conn = evs.find((e) => e.syscall === 'connect')!;
  assert.equal(conn.errno, 'ECONNREFUSED');
  assert.deepEqual(conn.params.uservaddr, { family: 'AF_INET', address: '127.0.0.1', port: 9 });
  assert.ok(!evs.some((e) => e.syscall === 'write'), 'successful calls are filtered out');
});

test('ia32 syscalls made with int 0x80 are decoded with their i386 names and registers', { timeout: scaled(30000) }, async () => {
  const dir = tmpDir('ebpftracer-cli-');
  const prog = cHelper('int80');
  const p = await start(['-t', 'mkdir,rmdir,write', '--format', 'json', '--comm', 'int80']);
  const target = path.join(dir, 'made-by-int80');
  const r = spawnSync(prog, [target], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await p.waitUntil(() => jsonLines(p.stdout).filter((e) => e.arch === 'i386').length >= 3, 10000, 'three i386 events');
  await p.stop();
  const evs = jsonLines(p.stdout).filter((e) => e.arch === 'i386');
  const mk = evs.find((e) => e.syscall === 'mkdir')!;
  assert.equal(mk.params.pathname, target);
  assert.equal(mk.params.mode, 0o755);
  assert.equal(mk.ret, 0);
  const rm = evs.find((e) => e.syscall === 'rmdir')!;
  assert.equal(rm.params.pathname, target);
  const wr = evs.find((e) => e.syscall === 'write')!;
  assert.equal(wr.params.fd, 1);
  assert.deepEqual(wr.params.buf, { len: 6, hex: Buffer.from('int80\n').toString('hex') });
  assert.equal(wr.ret, 6);
});

test('a seccomp-denied call (exit without entry) is recorded and does not break pairing', { timeout: scaled(30000) }, async () => {
  const dir = tmpDir('ebpftracer-cli-');
  const prog = cHelper('seccomp_deny');
  const denied = path.join(dir, 'denied');
  const real = path.join(dir, 'real');
  fs.mkdirSync(real);
  const p = await start(['-t', 'mkdir,rmdir', '--format', 'json', '--comm', 'seccomp_deny']);
  const r = spawnSync(prog, [denied, real], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await p.waitUntil(() => jsonLines(p.stdout).some((e) => e.syscall === 'rmdir'), 10000, 'the rmdir');
  await p.stop();
  const evs = jsonLines(p.stdout);
  const mk = evs.find((e) => e.syscall === 'mkdir')!;
  assert.equal(mk.no_enter, true);
  assert.equal(mk.errno, 'EPERM');
  assert.equal(mk.params.pathname, denied); // rebuilt from the registers at exit
  assert.equal(mk.params.mode, 0o700);
  const rm = evs.find((e) => e.syscall === 'rmdir')!;
  assert.equal(rm.no_enter, undefined);
  assert.equal(rm.params.pathname, real);
  assert.equal(rm.ret, 0);
  assert.ok(rm.duration_ns > 0);
  assert.equal(fs.existsSync(real), false);
});

test('--pid --follow records a process and the children it starts later, nothing else', { timeout: scaled(30000) }, async () => {
  const dir = tmpDir('ebpftracer-cli-');
  const gate = spawnSyncLater(`read _; mkdir ${dir}/a; sh -c 'mkdir ${dir}/b'`);
  const p = await start(['-t', 'mkdir', '--format', 'json', '--pid', String(gate.pid), '--follow']);
  sh(`mkdir ${dir}/outsider`, dir);
  gate.release();
  await gate.done;
  await p.waitUntil(() => jsonLines(p.stdout).length >= 2, 10000, 'two mkdirs');
  await sleep(200);
  await p.stop();
  const paths = jsonLines(p.stdout).map((e) => e.params.pathname);
  assert.deepEqual(paths.sort(), [`${dir}/a`, `${dir}/b`]);
});

/** A shell that waits on stdin before running `script` (so its pid is known before it acts). */
function spawnSyncLater(script: string): { pid: number; release: () => void; done: Promise<number | null> } {
  const c = spawn('sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'] });
  return { pid: c.pid!, release: () => c.stdin!.end('go\n'), done: new Promise((r) => c.on('exit', (code) => r(code))) };
}

for (const [args, re] of [
  [['-t', 'nosuchcall'], /^ebpftracer: unknown syscall "nosuchcall" \(this kernel traces \d+ syscalls/],
  [['-t', 'mkdir,bogus,rmdir'], /^ebpftracer: unknown syscall "bogus"/],
  [['-t', ''], /^ebpftracer: -t\/--tracepoint_list is empty/],
  [['-t', ',,'], /^ebpftracer: -t\/--tracepoint_list is empty/],
  [[], /^ebpftracer: -t\/--tracepoint_list is required/],
  [['-t', '%nonsense'], /^ebpftracer: unknown syscall class "%nonsense"/],
  [['-t', 'mkdir', '-b', 'abc'], /^ebpftracer: invalid value "abc" for -b\/--buffer_size: not a number/],
  [['-t', 'mkdir', '-b', '0'], /^ebpftracer: invalid value "0" for -b\/--buffer_size: must be between 1 and/],
  [['-t', 'mkdir', '-p', '99'], /^ebpftracer: invalid value "99" for -p\/--perf_size/],
  [['-t', 'mkdir', '-e', '-5'], /^ebpftracer: .*-e/],
  [['-t', 'mkdir', '--format', 'xml'], /^ebpftracer: invalid value "xml" for --format/],
  [['-t', 'mkdir', '--bogus'], /^ebpftracer: Unknown option '--bogus'/],
  [['-t', 'mkdir', '--follow'], /^ebpftracer: --follow needs --pid/],
] as const) {
  test(`bad input ${JSON.stringify(args)} gives one clear line and a non-zero exit`, () => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], re);
  });
}

test('--help documents the original flags', () => {
  const r = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  for (const f of ['--tracepoint_list', '--buffer_size', '--buffer_count', '--perf_size', '--event_map_size', '--verbose', '--format', '--failed-only']) {
    assert.ok(r.stdout.includes(f), f);
  }
});

test('--version names ebpftracer, its version and commit', () => {
  const r = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^ebpftracer \d+\.\d+\.\d+ \(/);
});

test('curated decoders: writev/readv data, pipe2 fds, sendto/recvfrom data and addresses, stat', { timeout: scaled(30000) }, async () => {
  const p = await start(['-t', 'readv,writev,pipe2,sendto,recvfrom,newfstatat', '--format', 'json', '--comm', 'python3']);
  const script = [
    'import os, socket',
    'r, w = os.pipe2(0)',
    "os.writev(w, [b'abc', b'defg'])",
    'os.readv(r, [bytearray(2), bytearray(10)])',
    "os.stat('/etc/hostname')",
    's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    "s.bind(('127.0.0.1', 0))",
    "s.sendto(b'ping', s.getsockname())",
    's.recvfrom(100)',
    'print(r, w, s.getsockname()[1])',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [rfd, wfd, port] = r.stdout.trim().split(' ').map(Number);
  await p.waitUntil(() => jsonLines(p.stdout).some((e) => e.syscall === 'recvfrom'), 10000, 'the recvfrom');
  await p.stop();
  const evs = jsonLines(p.stdout);
  const hex = (s: string) => ({ len: s.length, hex: Buffer.from(s).toString('hex') });
  assert.deepEqual(evs.find((e) => e.syscall === 'pipe2')!.params.fildes, [rfd, wfd]);
  assert.deepEqual(evs.find((e) => e.syscall === 'writev')!.params.vec, hex('abcdefg'));
  assert.deepEqual(evs.find((e) => e.syscall === 'readv')!.params.vec, hex('abcdefg'));
  const st = evs.find((e) => e.syscall === 'newfstatat' && e.params.filename === '/etc/hostname')!;
  assert.equal((st.params.statbuf as { st_size: number }).st_size, fs.statSync('/etc/hostname').size);
  const to = evs.find((e) => e.syscall === 'sendto')!;
  assert.deepEqual(to.params.buff, hex('ping'));
  assert.deepEqual(to.params.addr, { family: 'AF_INET', address: '127.0.0.1', port });
  const from = evs.find((e) => e.syscall === 'recvfrom')!;
  assert.deepEqual(from.params.ubuf, hex('ping'));
  assert.deepEqual(from.params.addr, { family: 'AF_INET', address: '127.0.0.1', port });
});
