/** What `ipcdump --doctor` checks: each collector with the hooks hooks.ts chose for it. */
import type { BpfObject } from '../runtime';
import { defaultObjectPath } from '../ipcdump/tracer';
import { LIFECYCLE_PROGRAMS, dataHooks, dataHooksVia, functionHooksRefusal, hookBackups, programsFor, recvmmsgHook, retargetedPrograms } from '../ipcdump/hooks';
import type { DoctorCollector, DoctorSpec } from './doctor';
import { configureScratch, possibleCpus } from '../runtime/scratch-slots';

const BYTES = (o: BpfObject) => {
  o.setGlobalU32('byte_cap', 1 << 20);
  configureScratch(o, 'scratch_map', possibleCpus());
  o.setGlobalBool('backup_hooks', hookBackups());
  for (const [p, fn] of retargetedPrograms()) o.setAttachTarget(p, fn);
};

function collectors(): DoctorCollector[] {
  const recv = recvmmsgHook();
  const recvNote = recv.missing ?? (recv.why ? `recvmmsg per message via ${recv.via} (${recv.why})` : undefined);
  // The syscall hooks see every syscall: say which ones they act on.
  const sys = (types: Parameters<typeof dataHooksVia>, calls: string) => (dataHooks().kind === 'syscall' ? `${dataHooksVia(...types)} (${calls})` : dataHooksVia(...types));
  const union = (...types: Parameters<typeof dataHooksVia>) => [...new Set(types.flatMap((t) => programsFor(t)))];
  const notes = (...n: Array<string | undefined>) => n.filter(Boolean).join('; ') || undefined;
  return [
    { name: 'signal', hooks: 'tp_btf/signal_generate', progs: programsFor('signal') },
    { name: 'pipe', hooks: sys(['pipe'], 'read/write/readv/writev/splice/tee/vmsplice/sendfile'), progs: programsFor('pipe'), configure: BYTES },
    {
      name: 'unix sockets',
      hooks: `${sys(['unix-stream', 'unix-dgram', 'unix-seqpacket'], 'send*/recv*/read/write')} + tp_btf/skb_copy_datagram_iovec, recvmmsg: ${recv.via}`,
      progs: union('unix-stream', 'unix-dgram', 'unix-seqpacket'),
      note: notes(recvNote),
      configure: (o) => {
        o.setGlobalBool('trace_unix', true);
        o.setGlobal('unix_types', Buffer.from([0x1c]));
        BYTES(o);
      },
    },
    {
      name: 'loopback tcp/udp',
      hooks: `${sys(['loopback-tcp', 'loopback-udp'], 'send*/recv*/read/write')}, recvmmsg: ${recv.via}`,
      progs: union('loopback-tcp', 'loopback-udp'),
      note: notes(recvNote),
      configure: (o) => {
        o.setGlobalBool('trace_loopback', true);
        o.setGlobal('loopback_types', Buffer.from([0xc0]));
        BYTES(o);
      },
    },
    {
      name: 'pty',
      hooks: sys(['pty'], 'read/write on ptys'),
      progs: programsFor('pty'),
      configure: (o) => {
        o.setGlobalBool('trace_pty', true);
        BYTES(o);
      },
    },
    { name: 'process names', hooks: 'tp_btf/sched_process_fork, sched_process_exec, task_rename, sched_process_exit', progs: LIFECYCLE_PROGRAMS },
  ];
}

export function ipcdumpDoctor(): DoctorSpec {
  return { tool: 'ipcdump', objectPath: defaultObjectPath(), collectors, notes: () => {
      const d = dataHooks();
      const notes = [`Data hooks: ${d.kind === 'function' ? 'kernel functions (fentry/fexit)' : 'syscalls (tp_btf/sys_enter + sys_exit)'}; ${d.why}`];
      if (d.kind === 'syscall' && process.env.IPCDUMP_HOOKS !== 'function') {
        const why = functionHooksRefusal();
        notes.push(`Function hooks (IPCDUMP_HOOKS=function): ${why ? `not here: ${why}` : 'usable here; unrelated syscalls then cost nothing, but a read already waiting when tracing starts ends unseen'}`);
      }
      notes.push(`Backup ${d.kind === 'function' ? 'function' : 'syscall'} hooks: ${d.backups.on ? 'yes' : 'no'}; ${d.backups.why}`);
      return notes;
    },
  };
}
