/**
 * Per-kernel choices, checked against the kernel version (not against the code that makes
 * them): which BPF object build loads, which hook serves recvmmsg, and that --doctor of each
 * tool reports every collector working. Runs on the host and under every kernel of the VM
 * matrix (scripts/vm-test.sh), where the answers differ.
 */
import { backupHooks } from '../../src/runtime/backup-hooks';
import { preemptible, preemptionMode } from '../../src/runtime/preemption';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers/ipcdump-process';
import { scaled } from '../helpers/slow';

function cli(tool: string, args: string[], env: NodeJS.ProcessEnv = process.env): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli', `${tool}.js`), ...args], { encoding: 'utf8', env, timeout: scaled(120000) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** [major, minor] of the running kernel. */
function kernelVersion(): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(os.release());
  assert.ok(m, `kernel release ${os.release()}`);
  return [Number(m[1]), Number(m[2])];
}
const atLeast = (major: number, minor: number) => {
  const [a, b] = kernelVersion();
  return a > major || (a === major && b >= minor);
};

const { IPCDUMP_BPF_BUILD: _forced, ...cleanEnv } = process.env;

test('ipcdump --doctor: the object build and the recvmmsg hook fit this kernel, every collector loads', () => {
  const r = cli('ipcdump', ['--doctor'], cleanEnv);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // bpf_loop arrived in 5.17: older kernels must get the legacy build; bpf_rdonly_cast in 6.2
  const obj = atLeast(6, 2) ? 'ipcdump.bpf.o' : atLeast(5, 17) ? 'ipcdump.nocast.bpf.o' : 'ipcdump.legacy.bpf.o';
  assert.match(r.stdout, new RegExp(`^BPF object: ${obj.replace(/\./g, '\\.')} \\(`, 'm'));
  // syscall hooks by default; function hooks (opt-in) usable wherever fentry works and the
  // object is not the legacy one (5.17+)
  const usable = /^\s+ok\s+fentry\s/m.test(r.stdout) && atLeast(5, 17);
  const fn = usable && process.env.IPCDUMP_HOOKS === 'function';
  assert.match(r.stdout, new RegExp(`^Data hooks: ${fn ? 'kernel functions' : 'syscalls'} `, 'm'));
  if (!fn) assert.match(r.stdout, new RegExp(`^Function hooks \\(IPCDUMP_HOOKS=function\\): ${usable ? 'usable here' : 'not here: '}`, 'm'));
  if (fn) {
    assert.match(r.stdout, /^\s+ok\s+pipe\s+via fentry\+fexit\/(anon_)?pipe_write, fexit\/(anon_)?pipe_read, /m);
    assert.match(r.stdout, /^\s+ok\s+pty\s+via fentry\+fexit\/tty_write, fexit\/tty_read$/m);
  } else {
    assert.match(r.stdout, /^\s+ok\s+pipe\s+via tp_btf\/sys_enter \+ tp_btf\/sys_exit /m);
  }
  // backups where the scheduler can preempt the hooks: syscall hooks from 6.13 (faultable
  // tracepoints), function hooks on any kernel, both only in mode full/lazy/RT
  const backups = fn ? preemptible(preemptionMode().mode) : backupHooks();
  assert.match(r.stdout, new RegExp(`^Backup ${fn ? 'function' : 'syscall'} hooks: ${backups ? 'yes' : 'no'}; `, 'm'));
  for (const c of ['signal', 'pipe', 'unix sockets', 'loopback tcp/udp', 'pty', 'process names']) {
    assert.match(r.stdout, new RegExp(`^  ok\\s+${c.replace('/', '\\/')}\\s+via `, 'm'), c);
  }
  // sock_recv_length arrived in 6.3; before it, fexit stands in where fentry works
  if (atLeast(6, 3)) assert.match(r.stdout, /recvmmsg: tp_btf\/sock_recv_length/);
  else if (/ok\s+fentry\s/.test(r.stdout)) assert.match(r.stdout, /recvmmsg per message via fexit\/inet_recvmsg/);
  else assert.match(r.stdout, /recvmmsg\(\) messages are not reported: .*no sock_recv_length tracepoint/);
});

test('ebpftracer --doctor: catalog, object build and both collectors', () => {
  const r = cli('ebpftracer', ['--doctor'], cleanEnv);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^  ok\s+syscall catalog\s+\d{3} syscalls/m);
  assert.match(r.stdout, new RegExp(`^BPF object: ${atLeast(5, 17) ? 'ebpftracer\\.bpf\\.o' : 'ebpftracer\\.legacy\\.bpf\\.o'} `, 'm'));
  assert.match(r.stdout, /^  ok\s+syscalls \(64-bit and ia32\)\s+via tp_btf\/sys_enter/m);
  assert.match(r.stdout, /^  ok\s+children \(--follow\)\s+via tp_btf\/sched_process_fork/m);
});

test('IPCDUMP_BPF_BUILD=legacy|nocast forces the older objects, which load here too', () => {
  // (nocast needs bpf_loop: 5.17 and later)
  const forced = atLeast(5, 17) ? [['ipcdump', 'legacy'], ['ebpftracer', 'legacy'], ['ipcdump', 'nocast']] : [['ipcdump', 'legacy'], ['ebpftracer', 'legacy']];
  for (const [tool, build] of forced) {
    const r = cli(tool, ['--doctor'], { ...cleanEnv, IPCDUMP_BPF_BUILD: build });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^BPF object: ${tool}\\.${build}\\.bpf\\.o \\(forced by IPCDUMP_BPF_BUILD=${build}\\)`, 'm'));
    assert.doesNotMatch(r.stdout, /FAIL/);
  }
  // ebpftracer has no nocast build: it keeps its default object
  const r = cli('ebpftracer', ['--doctor'], { ...cleanEnv, IPCDUMP_BPF_BUILD: 'nocast' });
  assert.match(r.stdout, /^BPF object: ebpftracer\.bpf\.o /m);
});

test('--doctor piped into head ends quietly (no EPIPE stack)', () => {
  for (const tool of ['ipcdump', 'ebpftracer', 'ipftrace']) {
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${path.join(ROOT, 'dist', 'src', 'cli', `${tool}.js`)}" --doctor | head -1 >/dev/null`], {
      encoding: 'utf8',
      timeout: scaled(120000),
    });
    assert.equal(r.status, 0);
    assert.doesNotMatch(r.stderr, /EPIPE|at \w+ \(/, `${tool}: ${r.stderr}`);
  }
});

test('without bpf_loop, the default build is refused with a message naming what is missing', { skip: atLeast(5, 17) ? 'this kernel has bpf_loop' : false }, () => {
  const env = { ...cleanEnv, IPCDUMP_BPF_BUILD: 'default' };
  const r = cli('ipcdump', ['-t', 'pipe', '-c', '1'], env);
  assert.equal(r.code, 1, r.stderr);
  // ipcdump's default build also calls bpf_rdonly_cast (6.2): libbpf refuses it before the
  // verifier sees a program, naming the missing kfunc
  assert.match(r.stderr, /^ipcdump: failed to start tracing: cannot load BPF object .*ipcdump\.bpf\.o: extern \(func ksym\) 'bpf_rdonly_cast': not found/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const e = cli('ebpftracer', ['-t', 'mkdir', '-n', '1'], env);
  assert.equal(e.code, 1, e.stderr);
  assert.match(e.stderr, /^ebpftracer: syscall recording cannot run on this kernel .*'sc_e(nter|xit)'.*ebpftracer --doctor/m);
  assert.doesNotMatch(e.stderr, /\n\s+at /);
});

test('without bpf_rdonly_cast (5.17 .. 6.1), ipcdump\'s default build is refused with a clear message', { skip: atLeast(6, 2) || !atLeast(5, 17) ? 'not a 5.17 .. 6.1 kernel' : false }, () => {
  const r = cli('ipcdump', ['-t', 'pipe', '-c', '1'], { ...cleanEnv, IPCDUMP_BPF_BUILD: 'default' });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^ipcdump: failed to start tracing: .*bpf_rdonly_cast/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
