/**
 * Whether to load the backup copies of the syscall hooks (bpf/include/backup_hooks.h): on
 * kernels that run syscall-tracepoint programs preemptibly (Linux 6.13 made those
 * tracepoints faultable), a run is skipped by the kernel while another thread's run of the
 * same program is preempted on that CPU, and the backup copy stands in.
 * IPCDUMP_BACKUP_HOOKS=0|1 overrides the choice.
 */
import * as os from 'node:os';

export function backupHooks(release = os.release()): boolean {
  const forced = process.env.IPCDUMP_BACKUP_HOOKS;
  if (forced === '0' || forced === '1') return forced === '1';
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 6 || (major === 6 && minor >= 13);
}
