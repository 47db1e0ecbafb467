/**
 * Whether to load the backup copies of the syscall hooks (bpf/include/backup_hooks.h). On
 * kernels that run syscall-tracepoint programs preemptibly (Linux 6.13 made those tracepoints
 * faultable) and whose scheduler does preempt them (mode full, lazy or RT), a run is skipped
 * by the kernel while another thread's run of the same program is preempted on that CPU, and
 * the backup copy stands in. Elsewhere the backups would only double the programs every
 * syscall runs (bench devnull: 1.95x instead of 1.67x on a 6.18 kernel in mode `none`), so
 * they are left out; skipped runs are still counted and reported as lost events. Where the
 * kernel has bpf_preempt_disable (6.10+), the `preempt` object build (src/runtime/objects.ts)
 * makes them unnecessary: the hooks cannot be preempted half-way at all.
 * IPCDUMP_BACKUP_HOOKS=0|1 overrides the choice.
 */
import * as os from 'node:os';
import { syscallHooksPreemptible, type PreemptionInfo, preemptionMode } from './preemption';
import { objectBuild, type ObjectBuild } from './objects';

export interface BackupHooksChoice {
  on: boolean;
  /** one line for --doctor */
  why: string;
}

export function backupHooksChoice(
  release = os.release(),
  preemption: () => PreemptionInfo = preemptionMode,
  build: () => ObjectBuild = objectBuild,
): BackupHooksChoice {
  const forced = process.env.IPCDUMP_BACKUP_HOOKS;
  if (forced === '0' || forced === '1') return { on: forced === '1', why: `IPCDUMP_BACKUP_HOOKS=${forced}` };
  const p = syscallHooksPreemptible(release, preemption);
  if (!p.on) return { on: false, why: p.why };
  // The preempt build keeps the hooks from being preempted at all (include/backup_hooks.h).
  if (build() === 'preempt') return { on: false, why: `${p.why}, but the hooks turn preemption off (bpf_preempt_disable, the preempt build)` };
  return { on: true, why: p.why };
}
export function backupHooks(release = os.release()): boolean {
  return backupHooksChoice(release).on;
}

/** The --doctor line on the syscall hooks: whether they have backups, and why. */
export function backupHooksNote(): string {
  const c = backupHooksChoice();
  return `Backup syscall hooks: ${c.on ? 'yes' : 'no'}; ${c.why}`;
}
