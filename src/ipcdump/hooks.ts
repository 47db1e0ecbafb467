/**
 * Which BPF programs serve each ipcdump collector on the running kernel, and why. Shared by
 * the tracer (what to load) and `ipcdump --doctor` (what to report), so the two cannot
 * disagree. Most collectors use tracepoints every supported kernel has; the one hook that
 * varies is the per-message receive of recvmmsg (see mmsg_message() in bpf/ipcdump.bpf.c).
 */
import type { IpcType } from './event';
import { kernelHasBtfTracepoint, probeObjectPath, tryProgram } from '../runtime/capabilities';
import { backupHooks } from '../runtime/backup-hooks';

export { backupHooks };

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

const SYSCALL_HOOKS = ['on_sys_enter', 'on_sys_exit'] as const;
const SYSCALL_BACKUPS = ['on_sys_enter_backup', 'on_sys_exit_backup'] as const;
const SYSCALLS: readonly string[] = backupHooks() ? [...SYSCALL_HOOKS, ...SYSCALL_BACKUPS] : SYSCALL_HOOKS;

/** Programs each IPC type needs (the lifecycle programs are always loaded). */
export function programsFor(type: IpcType): readonly string[] {
  switch (type) {
    case 'signal':
      return ['on_signal_generate'];
    case 'pipe':
    case 'pty':
      return SYSCALLS;
    case 'unix-stream':
    case 'loopback-tcp':
    case 'loopback-udp':
      return [...SYSCALLS, ...recvmmsgHook().progs];
    case 'unix-dgram':
    case 'unix-seqpacket':
      return [...SYSCALLS, 'on_skb_copy_datagram', ...recvmmsgHook().progs];
  }
}

/** Process names and lifetimes: fork, exec, rename, exit. */
export const LIFECYCLE_PROGRAMS: readonly string[] = ['on_fork', 'on_exec', 'on_rename', 'on_exit'];
