/** The stderr line for hook runs the kernel skipped (LostCounters.pollMisses), shared by the CLIs. */
import { backupHooks } from '../runtime/backup-hooks';

export function missedRunsLine(tool: string, n: number, syscallHooks: boolean): string {
  // Without backups (backup-hooks.ts judged the kernel's preemption mode safe, or the user
  // turned them off) a skipped syscall-hook run means that judgement was wrong here: say how to
  // turn them on.
  const hint = syscallHooks && !backupHooks() ? '; IPCDUMP_BACKUP_HOOKS=1 adds backup copies of the syscall hooks that stand in for skipped runs' : '';
  return `${tool}: ${n} runs of our kernel hooks were skipped by the kernel (a hook was already running on that CPU, preempted): their events are lost${hint}\n`;
}
