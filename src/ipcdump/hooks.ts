/**
 * Which BPF programs serve each ipcdump collector on the running kernel, and why. Shared by
 * the tracer (what to load) and `ipcdump --doctor` (what to report), so the two cannot
 * disagree.
 *
 * The data-moving collectors (pipes, unix sockets, loopback, ptys) have two hook sets with
 * one body (bpf/include/function_hooks.h):
 *   - function hooks: fentry/fexit on pipe_write(), unix_stream_sendmsg() and the like, where
 *     the kernel allows fentry (stock kernels from 5.17): unrelated syscalls run nothing;
 *   - syscall hooks: tp_btf/sys_enter + sys_exit, everywhere else (our hosts refuse fentry;
 *     the legacy build for kernels before 5.17 has no bpf_task_pt_regs to run the bodies).
 * The other hook that varies is the per-message receive of recvmmsg (mmsg_message() in
 * bpf/ipcdump.bpf.c).
 */
import type { IpcType } from './event';
import { kernelHasBtfTracepoint, kernelHasFunction, probeObjectPath, tryProgram } from '../runtime/capabilities';
import { functionBackupsChoice, backupHooksChoice, type BackupHooksChoice } from '../runtime/backup-hooks';
import { objectBuild } from '../runtime/objects';

export interface HookChoice {
  /** BPF programs to load. */
  progs: readonly string[];
  /** The hooks, as a user reads them. */
  via: string;
  /** Why these and not others; empty when there is nothing to explain. */
  why: string;
  /** Set when the kernel offers no hook: what is not reported, and what is missing. */
  missing?: string;
}

/** The fexit programs that stand in for sock_recv_length before Linux 6.3. */
export const RECV_FEXIT_PROGS: readonly string[] = ['on_inet_recvmsg', 'on_inet6_recvmsg', 'on_unix_dgram_recvmsg', 'on_unix_stream_recvmsg'];

let fentryWhy: string | null | undefined;

/** Can this kernel attach fentry/fexit programs? (undefined = yes; otherwise why not) */
function fentryRefusal(): string | undefined {
  if (fentryWhy === undefined) fentryWhy = tryProgram(probeObjectPath(), 'probe_fentry') ?? null;
  return fentryWhy ?? undefined;
}

let recvChoice: HookChoice | undefined;

/** The per-message hook of recvmmsg on this kernel. */
export function recvmmsgHook(): HookChoice {
  if (recvChoice) return recvChoice;
  if (kernelHasBtfTracepoint('sock_recv_length')) {
    recvChoice = { progs: ['on_sock_recv_length'], via: 'tp_btf/sock_recv_length', why: '' };
  } else {
    const refused = fentryRefusal();
    recvChoice = refused
      ? {
          progs: [],
          via: 'none',
          why: 'no sock_recv_length tracepoint (Linux < 6.3)',
          missing: `recvmmsg() messages are not reported: this kernel has no sock_recv_length tracepoint (Linux < 6.3) and fexit is not usable (${refused})`,
        }
      : {
          progs: RECV_FEXIT_PROGS,
          via: 'fexit/inet_recvmsg, inet6_recvmsg, unix_dgram_recvmsg, unix_stream_recvmsg',
          why: 'no sock_recv_length tracepoint (Linux < 6.3)',
        };
  }
  return recvChoice;
}

/** The kernel functions the function hooks' sections name (bpf/include/function_hooks.h). */
const SYS_PREFIX = process.arch === 'arm64' ? '__arm64_sys_' : '__x64_sys_';
export const FUNCTION_HOOK_TARGETS: readonly string[] = [
  'pipe_write', 'pipe_read', 'tty_write', 'tty_read',
  'unix_stream_sendmsg', 'unix_dgram_sendmsg', 'unix_stream_recvmsg', 'unix_dgram_recvmsg',
  'unix_seqpacket_sendmsg', 'unix_seqpacket_recvmsg',
  'inet_sendmsg', 'inet6_sendmsg', 'inet_recvmsg', 'inet6_recvmsg',
  ...['splice', 'tee', 'vmsplice', 'sendfile64', 'sendmmsg', 'recvmmsg'].map((s) => SYS_PREFIX + s),
];

/**
 * Programs whose target is renamed on this kernel: from 6.15 anonymous pipes and FIFOs have
 * file operations of their own (anon_pipe_read/write; fifo_pipe_read/write call them), so
 * the pipe hooks move to anon_pipe_* and still see both.
 */
export function retargetedPrograms(): ReadonlyMap<string, string> {
  const moved = new Map<string, string>();
  if (dataHooks().kind === 'function' && kernelHasFunction('anon_pipe_write') && kernelHasFunction('anon_pipe_read')) {
    for (const p of withBackups(['fn_pipe_write_in', 'fn_pipe_write_out'])) moved.set(p, 'anon_pipe_write');
    for (const p of withBackups(['fn_pipe_read_out'])) moved.set(p, 'anon_pipe_read');
  }
  return moved;
}

/** The functions the function hooks attach to on this kernel. */
function functionHookTargets(): string[] {
  const anon = kernelHasFunction('anon_pipe_write') && kernelHasFunction('anon_pipe_read');
  return FUNCTION_HOOK_TARGETS.map((f) => (anon && (f === 'pipe_write' || f === 'pipe_read') ? `anon_${f}` : f));
}

export interface DataHooksChoice {
  kind: 'function' | 'syscall';
  /** why this set, for --doctor */
  why: string;
  /** whether each program has its backup copy (include/backup_hooks.h), and why */
  backups: BackupHooksChoice;
}

let dataChoice: DataHooksChoice | undefined;

/**
 * The hook set of the data-moving collectors. Syscall hooks unless IPCDUMP_HOOKS=function asks
 * for the function hooks and this kernel and object can run them. Not the default: an fexit
 * hook does not see calls that were already running when it was attached, so a read or
 * receive that was waiting when tracing started ends unseen (with syscall hooks it is
 * reported), and its data is left queued.
 */
export function dataHooks(): DataHooksChoice {
  if (dataChoice) return dataChoice;
  const syscall = (why: string): DataHooksChoice => ({ kind: 'syscall', why, backups: backupHooksChoice() });
  if (process.env.IPCDUMP_HOOKS !== 'function') {
    dataChoice = syscall('the default (function hooks are opt-in: IPCDUMP_HOOKS=function)');
  } else {
    const why = functionHooksRefusal();
    dataChoice = why
      ? syscall(`IPCDUMP_HOOKS=function, but function hooks cannot run here: ${why}`)
      : { kind: 'function', why: 'IPCDUMP_HOOKS=function: only the kernel functions that move IPC data run our programs', backups: functionBackupsChoice() };
  }
  return dataChoice;
}

/** Why the function hooks cannot run on this kernel with this object (undefined: they can). */
export function functionHooksRefusal(): string | undefined {
  if (objectBuild() === 'legacy') return 'the build for kernels before 5.17 has none (no bpf_task_pt_regs)';
  const refused = fentryRefusal();
  if (refused !== undefined) return `fentry is refused (${/\(([^()]*\bE[A-Z]+)\)/.exec(refused)?.[1] ?? refused})`;
  const missing = functionHookTargets().filter((f) => !kernelHasFunction(f));
  return missing.length ? `kernel functions not in its BTF: ${missing.join(', ')}` : undefined;
}

/** Whether the hooks in use load their backup copies (the backup_hooks global). */
export function hookBackups(): boolean {
  return dataHooks().backups.on;
}

const SYSCALL_HOOKS = ['on_sys_enter', 'on_sys_exit'] as const;
const SYSCALL_BACKUPS = ['on_sys_enter_backup', 'on_sys_exit_backup'] as const;

function withBackups(progs: readonly string[]): readonly string[] {
  return hookBackups() ? progs.flatMap((p) => [p, `${p}_backup`]) : progs;
}

/** The function-hook programs of each data-moving type (names from function_hooks.h). */
const FN_SPLICE = ['fn_sys_splice_in', 'fn_sys_splice_out', 'fn_sys_sendfile_in', 'fn_sys_sendfile_out'];
const FN_MMSG = ['fn_sys_sendmmsg_in', 'fn_sys_recvmmsg_out'];
const FN_PROGS: Record<Exclude<IpcType, 'signal'>, readonly string[]> = {
  pipe: ['fn_pipe_write_in', 'fn_pipe_write_out', 'fn_pipe_read_out', ...FN_SPLICE, 'fn_sys_tee_in', 'fn_sys_tee_out', 'fn_sys_vmsplice_in', 'fn_sys_vmsplice_out'],
  pty: ['fn_tty_write_in', 'fn_tty_write_out', 'fn_tty_read_out'],
  'unix-stream': ['fn_unix_stream_send_in', 'fn_unix_stream_send_out', 'fn_unix_stream_recv_out', ...FN_MMSG, ...FN_SPLICE],
  'unix-dgram': ['fn_unix_dgram_send_in', 'fn_unix_dgram_send_out', 'fn_unix_dgram_recv_out', ...FN_MMSG, ...FN_SPLICE],
  'unix-seqpacket': ['fn_unix_seqpacket_send_in', 'fn_unix_seqpacket_send_out', 'fn_unix_seqpacket_recv_out', ...FN_MMSG, ...FN_SPLICE],
  'loopback-tcp': ['fn_inet_send_in', 'fn_inet_send_out', 'fn_inet6_send_in', 'fn_inet6_send_out', 'fn_inet_recv_out', 'fn_inet6_recv_out', ...FN_MMSG, ...FN_SPLICE],
  'loopback-udp': ['fn_inet_send_in', 'fn_inet_send_out', 'fn_inet6_send_in', 'fn_inet6_send_out', 'fn_inet_recv_out', 'fn_inet6_recv_out', ...FN_MMSG, ...FN_SPLICE],
};

/** Every function-hook program of a type, without backups (for the object drift test). */
export function functionHookPrograms(type: Exclude<IpcType, 'signal'>): readonly string[] {
  return FN_PROGS[type];
}

/** The data hooks of one type: its function hooks, or the two syscall hooks. */
function dataProgs(type: Exclude<IpcType, 'signal'>): readonly string[] {
  if (dataHooks().kind === 'function') return withBackups(FN_PROGS[type]);
  return hookBackups() ? [...SYSCALL_HOOKS, ...SYSCALL_BACKUPS] : SYSCALL_HOOKS;
}

/** Programs each IPC type needs (the lifecycle programs are always loaded). */
export function programsFor(type: IpcType): readonly string[] {
  switch (type) {
    case 'signal':
      return ['on_signal_generate'];
    case 'pipe':
    case 'pty':
      return dataProgs(type);
    case 'unix-stream':
    case 'loopback-tcp':
    case 'loopback-udp':
      return [...dataProgs(type), ...recvmmsgHook().progs];
    case 'unix-dgram':
    case 'unix-seqpacket':
      return [...dataProgs(type), 'on_skb_copy_datagram', ...recvmmsgHook().progs];
  }
}

/** How each data-moving type is hooked, as a user reads it (--doctor). */
export function dataHooksVia(...types: Array<Exclude<IpcType, 'signal'>>): string {
  if (dataHooks().kind === 'syscall') return 'tp_btf/sys_enter + tp_btf/sys_exit';
  const fns = new Map<string, string[]>();
  for (const p of new Set(types.flatMap((t) => FN_PROGS[t]))) {
    const m = /^fn_(sys_)?(\w+?)_(in|out)$/.exec(p)!;
    const fn = retargetedPrograms().get(p) ?? (m[1] ? SYS_PREFIX + m[2].replace('sendfile', 'sendfile64') : FN_NAMES[m[2]] ?? m[2]);
    const kinds = fns.get(fn) ?? [];
    kinds.push(m[3] === 'in' ? 'fentry' : 'fexit');
    fns.set(fn, kinds);
  }
  return [...fns].map(([fn, k]) => `${k.join('+')}/${fn}`).join(', ');
}

const FN_NAMES: Record<string, string> = {
  unix_stream_send: 'unix_stream_sendmsg', unix_dgram_send: 'unix_dgram_sendmsg',
  unix_stream_recv: 'unix_stream_recvmsg', unix_dgram_recv: 'unix_dgram_recvmsg',
  unix_seqpacket_send: 'unix_seqpacket_sendmsg', unix_seqpacket_recv: 'unix_seqpacket_recvmsg',
  inet_send: 'inet_sendmsg', inet6_send: 'inet6_sendmsg', inet_recv: 'inet_recvmsg', inet6_recv: 'inet6_recvmsg',
};

/** Process names and lifetimes: fork, exec, rename, exit. */
export const LIFECYCLE_PROGRAMS: readonly string[] = ['on_fork', 'on_exec', 'on_rename', 'on_exit'];
