/** What `ebpftracer --doctor` checks: the syscall catalog and each program of the recorder. */
import type { BpfObject } from '../runtime';
import type { Check } from '../runtime/capabilities';
import { defaultObjectPath } from '../ebpftracer/recorder';
import { configureScratch, possibleCpus } from '../runtime/scratch-slots';
import { backupHooks, backupHooksNote } from '../runtime/backup-hooks';
import { SyscallCatalog } from '../ebpftracer/catalog';
import type { DoctorCollector, DoctorSpec } from './doctor';

/** Argument layouts come from tracefs format files: without them nothing can be decoded. */
function catalogCheck(): Check {
  try {
    const c = SyscallCatalog.load();
    return { name: 'syscall catalog', ok: true, detail: `${c.size} syscalls with format files in tracefs events/syscalls` };
  } catch (err) {
    return { name: 'syscall catalog', ok: false, detail: `${(err as Error).message} (the kernel needs CONFIG_FTRACE_SYSCALLS)` };
  }
}

/** Every code path on: filters, and the scratch map sized as a trace sizes it. */
function configure(o: BpfObject): void {
  o.setGlobalBool('filter_pid_on', true);
  o.setGlobalBool('filter_comm_on', true);
  o.setGlobalBool('filter_uid_on', true);
  configureScratch(o, 'scratch', possibleCpus());
  o.setGlobalBool('backup_hooks', backupHooks());
}

function collectors(): DoctorCollector[] {
  return [
    {
      name: 'syscalls (64-bit and ia32)',
      hooks: 'tp_btf/sys_enter + tp_btf/sys_exit, arguments from the caller\'s registers',
      progs: backupHooks() ? ['sc_enter', 'sc_exit', 'sc_enter_backup', 'sc_exit_backup'] : ['sc_enter', 'sc_exit'],
      configure,
    },
    { name: 'children (--follow)', hooks: 'tp_btf/sched_process_fork', progs: ['sc_fork'], configure },
  ];
}

export function ebpftracerDoctor(): DoctorSpec {
  return { tool: 'ebpftracer', objectPath: defaultObjectPath(), collectors, checks: () => [catalogCheck()], notes: () => [backupHooksNote()] };
}
