/**
 * Whether to load the backup copies of the syscall hooks (bpf/include/backup_hooks.h). On
 * kernels that run syscall-tracepoint programs preemptibly (Linux 6.13 made those tracepoints
 * faultable) and whose scheduler does preempt them (mode full, lazy or RT), a run is skipped
 * by the kernel while another thread's run of the same program is preempted on that CPU, and
 * the backup copy stands in. Elsewhere the backups would only double the programs every
 * syscall runs (bench devnull: 1.95x instead of 1.67x on a 6.18 kernel in mode `none`), so
 * they are left out; skipped runs are still counted and reported as lost events.
 * IPCDUMP_BACKUP_HOOKS=0|1 overrides the choice.
 */
import * as os from 'node:os';
import { preemptible, preemptionMode, type PreemptionInfo } from './preemption';

export interface BackupHooksChoice {
  on: boolean;
  /** one line for --doctor */
  why: string;
}

function faultableSyscallTracepoints(release: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 6 || (major === 6 && minor >= 13);
}

export function backupHooksChoice(release = os.release(), preemption: () => PreemptionInfo = preemptionMode): BackupHooksChoice {
  const forced = process.env.IPCDUMP_BACKUP_HOOKS;
  if (forced === '0' || forced === '1') return { on: forced === '1', why: `IPCDUMP_BACKUP_HOOKS=${forced}` };
  if (!faultableSyscallTracepoints(release)) return { on: false, why: 'syscall tracepoints are not preemptible before Linux 6.13' };
  const p = preemption();
  const mode = p.mode ? `preemption mode ${p.mode} (${p.source})` : `preemption mode ${p.source}`;
  return preemptible(p.mode)
    ? { on: true, why: `Linux 6.13+ with ${mode} can preempt them half-way` }
    : { on: false, why: `${mode} never preempts them` };
}

export function backupHooks(release = os.release()): boolean {
  return backupHooksChoice(release).on;
}

/**
 * The same choice for ipcdump's function hooks (bpf/include/function_hooks.h): fentry/fexit
 * programs run preemptibly under full preemption on every kernel version, so only the
 * scheduler's mode decides.
 */
export function functionBackupsChoice(preemption: () => PreemptionInfo = preemptionMode): BackupHooksChoice {
  const forced = process.env.IPCDUMP_BACKUP_HOOKS;
  if (forced === '0' || forced === '1') return { on: forced === '1', why: `IPCDUMP_BACKUP_HOOKS=${forced}` };
  const p = preemption();
  const mode = p.mode ? `preemption mode ${p.mode} (${p.source})` : `preemption mode ${p.source}`;
  return preemptible(p.mode) ? { on: true, why: `${mode} can preempt them half-way` } : { on: false, why: `${mode} never preempts them` };
}

/** The --doctor line on the syscall hooks: whether they have backups, and why. */
export function backupHooksNote(): string {
  const c = backupHooksChoice();
  return `Backup syscall hooks: ${c.on ? 'yes' : 'no'}; ${c.why}`;
}
