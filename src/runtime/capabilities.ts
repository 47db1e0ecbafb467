/**
 * Start-up capability probe: what this machine lets us do, checked by doing it.
 *
 * Privileges and BTF are read from the system; hook types are probed by loading and attaching
 * one do-nothing program each (bpf/probe.bpf.c), because kernel config and lockdown decide
 * (here kprobes are compiled out and fentry is refused), not the kernel version.
 * Mirrors cilium/ebpf's `features` package in spirit: every answer carries its reason.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BpfObject } from './bpf-object';
import { bpfObjectPath } from './objects';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Capabilities {
  kernel: string;
  privileges: Check;
  btf: Check;
  lockdown: Check;
  tracefs: Check;
  hooks: Check[];
}

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

function effectiveCaps(): bigint {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const m = /^CapEff:\s*([0-9a-f]+)/m.exec(status);
    return m ? BigInt('0x' + m[1]) : 0n;
  } catch {
    return 0n;
  }
}

export function checkPrivileges(): Check {
  const caps = effectiveCaps();
  const has = (c: bigint) => (caps >> c) & 1n;
  const uid = process.getuid?.() ?? -1;
  if (has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON))) {
    return { name: 'privileges', ok: true, detail: uid === 0 ? 'root' : 'CAP_BPF + CAP_PERFMON' };
  }
  let unpriv = '';
  try {
    unpriv = fs.readFileSync('/proc/sys/kernel/unprivileged_bpf_disabled', 'utf8').trim();
  } catch {
    /* not readable: irrelevant */
  }
  return {
    name: 'privileges',
    ok: false,
    detail:
      `running as uid ${uid} without CAP_BPF/CAP_PERFMON` +
      (unpriv && unpriv !== '0' ? ` (unprivileged BPF is disabled: ${unpriv})` : '') +
      (uid === 0 ? '; give it CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN)' : '; run as root (sudo)'),
  };
}

export function checkBtf(): Check {
  const p = '/sys/kernel/btf/vmlinux';
  if (fs.existsSync(p)) return { name: 'kernel BTF', ok: true, detail: p };
  return {
    name: 'kernel BTF',
    ok: false,
    detail: `${p} is missing: this kernel was built without CONFIG_DEBUG_INFO_BTF, which CO-RE programs need`,
  };
}

function lockdownCheck(text: string): Check {
  const mode = /\[(\w+)\]/.exec(text)?.[1] ?? text.trim();
  if (mode === 'confidentiality') {
    return {
      name: 'lockdown',
      ok: false,
      detail: 'confidentiality: reading kernel memory from BPF is refused; boot with lockdown=integrity or none',
    };
  }
  return { name: 'lockdown', ok: true, detail: `${mode} (BPF may read kernel memory)` };
}

/**
 * The lockdown mode lives in securityfs. When securityfs is not mounted, mount it on a
 * private temporary directory just long enough to read the mode, so nothing is left behind.
 */
export function checkLockdown(): Check {
  const file = '/sys/kernel/security/lockdown';
  try {
    return lockdownCheck(fs.readFileSync(file, 'utf8'));
  } catch {
    /* not mounted: try a temporary mount below */
  }
  let dir: string | undefined;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcdump-securityfs-'));
    execFileSync('mount', ['-t', 'securityfs', 'securityfs', dir], { stdio: 'pipe' });
    try {
      return lockdownCheck(fs.readFileSync(path.join(dir, 'lockdown'), 'utf8'));
    } finally {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    }
  } catch {
    return { name: 'lockdown', ok: true, detail: 'not reported (no lockdown LSM, or securityfs unavailable)' };
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const TRACEFS = '/sys/kernel/tracing';

function tracefsMounted(): boolean {
  try {
    return fs.readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === TRACEFS);
  } catch {
    return false;
  }
}

/** Classic tracepoints and syscall format files need tracefs; mount it when it is missing. */
export function ensureTracefs(): Check {
  if (tracefsMounted()) return { name: 'tracefs', ok: true, detail: `mounted at ${TRACEFS}` };
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { stdio: 'pipe' });
    return { name: 'tracefs', ok: true, detail: `was not mounted; mounted it at ${TRACEFS}` };
  } catch (err) {
    const msg = (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err);
    return { name: 'tracefs', ok: false, detail: `not mounted, and mounting failed: ${msg}` };
  }
}

/** Hook types, the probe program for each, and what a user gets from it. */
const HOOK_PROBES: ReadonlyArray<[string, string]> = [
  ['tp_btf (BTF tracepoints)', 'probe_tp_btf'],
  ['raw_tp (raw tracepoints)', 'probe_raw_tp'],
  ['tracepoint (classic, via tracefs)', 'probe_tracepoint'],
  ['kprobe', 'probe_kprobe'],
  ['kprobe.multi', 'probe_kprobe_multi'],
  ['fentry', 'probe_fentry'],
  ['iter (BPF iterators)', 'probe_iter'],
];

export function probeObjectPath(): string {
  return bpfObjectPath('probe');
}

/** Load and attach one program of `objPath` alone; returns why it failed, or undefined. */
export function tryProgram(objPath: string, prog: string | readonly string[], configure?: (o: BpfObject) => void): string | undefined {
  const progs = typeof prog === 'string' ? [prog] : prog;
  let obj: BpfObject | undefined;
  try {
    obj = BpfObject.open(objPath);
    configure?.(obj);
    for (const p of obj.programNames()) obj.setAutoload(p, progs.includes(p));
    obj.load();
    for (const p of progs) obj.attach(p);
    return undefined;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  } finally {
    obj?.close();
  }
}

/** What a failed probe means for a user, by hook and errno; the raw libbpf text follows. */
function explainHookFailure(prog: string, why: string): string {
  const code = /\b(E[A-Z]+)\b/.exec(why)?.[1] ?? (/No such file or directory/.test(why) ? 'ENOENT' : /Operation not supported/.test(why) ? 'EOPNOTSUPP' : /Operation not permitted/.test(why) ? 'EPERM' : undefined);
  let meaning: string | undefined;
  if (prog === 'probe_kprobe' && code === 'ENOENT') meaning = 'kprobes are not available (kernel built without CONFIG_KPROBES)';
  else if (prog === 'probe_kprobe_multi' && code === 'EOPNOTSUPP') meaning = 'kprobe.multi is not supported by this kernel';
  else if (prog === 'probe_fentry' && code === 'EPERM') meaning = 'fentry/fexit programs are refused here (kernel policy or lockdown)';
  else if (prog === 'probe_tracepoint' && code === 'ENOENT') meaning = 'classic tracepoints need tracefs mounted';
  return meaning ? `${meaning}; ${code}` : why;
}

export function probeHooks(objPath = probeObjectPath()): Check[] {
  return HOOK_PROBES.map(([name, prog]) => {
    const why = tryProgram(objPath, prog);
    return { name, ok: !why, detail: why ? explainHookFailure(prog, why) : 'works' };
  });
}

export function probeCapabilities(): Capabilities {
  const privileges = checkPrivileges();
  const btf = checkBtf();
  const tracefs = privileges.ok ? ensureTracefs() : { name: 'tracefs', ok: tracefsMounted(), detail: 'not checked (no privileges)' };
  return {
    kernel: `${os.release()} ${os.arch()}`,
    privileges,
    btf,
    lockdown: checkLockdown(),
    tracefs,
    hooks: privileges.ok && btf.ok ? probeHooks() : [],
  };
}

let vmlinuxBtf: Buffer | null | undefined;

/** The raw kernel BTF blob, read once (null when the kernel has none). */
function kernelBtf(): Buffer | null {
  if (vmlinuxBtf === undefined) {
    try {
      vmlinuxBtf = fs.readFileSync('/sys/kernel/btf/vmlinux');
    } catch {
      vmlinuxBtf = null;
    }
  }
  return vmlinuxBtf;
}

/** Is `name` one of the strings of the kernel's BTF (a type, member or enumerator name)? */
function btfHasName(name: string): boolean {
  const btf = kernelBtf();
  return !!btf && btf.indexOf(Buffer.from(`\0${name}\0`, 'latin1')) >= 0;
}

/**
 * Does the running kernel have the BTF tracepoint `name` (tp_btf/<name>)? Each one has a
 * `btf_trace_<name>` typedef in the kernel's BTF; a tp_btf program for a missing tracepoint
 * would make the whole object fail to load, so optional hooks are checked first.
 */
export function kernelHasBtfTracepoint(name: string): boolean {
  return btfHasName(`btf_trace_${name}`);
}

/**
 * Does the running kernel's verifier know the BPF helper `name` (e.g. "loop" for bpf_loop)?
 * Every helper is an enumerator BPF_FUNC_<name> of `enum bpf_func_id` in the kernel's BTF
 * (the check bpf_core_enum_value_exists() makes in BPF code).
 */
export function kernelHasHelper(name: string): boolean {
  return btfHasName(`BPF_FUNC_${name}`);
}

/** Is `name` a function in the running kernel's BTF (an fentry/fexit target, e.g. pipe_write)? */
export function kernelHasFunction(name: string): boolean {
  return btfHasName(name);
}

/** Does the running kernel have the kfunc `name` (a function in its BTF, e.g. bpf_rdonly_cast)? */
export function kernelHasKfunc(name: string): boolean {
  return btfHasName(name);
}
