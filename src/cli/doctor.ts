/**
 * `ipcdump --doctor`: what this kernel and this process allow, checked by doing it, and which
 * hook serves each collector. Exit status 0 when ipcdump can trace, 1 otherwise.
 */
import { kernelHasBtfTracepoint, probeCapabilities, tryProgram, type Check } from '../runtime/capabilities';
import { defaultObjectPath } from '../ipcdump/tracer';

import type { BpfObject } from '../runtime';

/** Each collector, the hooks it uses, the BPF programs to load for it, and the configuration
 * that turns its code on (so the verifier checks exactly what a trace would load). */
const COLLECTORS: ReadonlyArray<{ name: string; hooks: string; progs: readonly string[]; configure?: (o: BpfObject) => void }> = [
  { name: 'signal', hooks: 'tp_btf/signal_generate', progs: ['on_signal_generate'] },
  { name: 'pipe', hooks: 'tp_btf/sys_enter + tp_btf/sys_exit (read/write/readv/writev/splice/tee/vmsplice/sendfile)', progs: ['on_sys_enter', 'on_sys_exit'], configure: (o) => o.setGlobalU32('byte_cap', 1 << 20) },
  { name: 'unix sockets', hooks: 'tp_btf/sys_enter + sys_exit (send*/recv*/read/write) + tp_btf/skb_copy_datagram_iovec, sock_recv_length (recvmmsg)', progs: ['on_sys_enter', 'on_sys_exit', 'on_skb_copy_datagram', ...(kernelHasBtfTracepoint('sock_recv_length') ? ['on_sock_recv_length'] : [])], configure: (o) => { o.setGlobalBool('trace_unix', true); o.setGlobal('unix_types', Buffer.from([0x1c])); o.setGlobalU32('byte_cap', 1 << 20); } },
  { name: 'loopback tcp/udp', hooks: 'tp_btf/sys_enter + tp_btf/sys_exit (send*/recv*/read/write)', progs: ['on_sys_enter', 'on_sys_exit'], configure: (o) => { o.setGlobalBool('trace_loopback', true); o.setGlobal('loopback_types', Buffer.from([0xc0])); o.setGlobalU32('byte_cap', 1 << 20); } },
  { name: 'pty', hooks: 'tp_btf/sys_enter + tp_btf/sys_exit (read/write on ptys)', progs: ['on_sys_enter', 'on_sys_exit'], configure: (o) => { o.setGlobalBool('trace_pty', true); o.setGlobalU32('byte_cap', 1 << 20); } },
  { name: 'process names', hooks: 'tp_btf/sched_process_fork, sched_process_exec, task_rename, sched_process_exit', progs: ['on_fork', 'on_exec', 'on_rename', 'on_exit'] },
];

/** `optional` checks (hook types other collectors may prefer) print `no`, not FAIL. */
function line(c: Check, optional = false): string {
  const mark = c.ok ? 'ok  ' : optional ? 'no  ' : 'FAIL';
  return `  ${mark}  ${c.name.padEnd(34)} ${c.detail}\n`;
}

export function runDoctor(out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const caps = probeCapabilities();
  out(`ipcdump doctor: kernel ${caps.kernel}\n\nSystem:\n`);
  for (const c of [caps.privileges, caps.btf, caps.lockdown, caps.tracefs]) out(line(c));
  let ok = caps.privileges.ok && caps.btf.ok;
  if (caps.hooks.length > 0) {
    out('\nHook types (a do-nothing program of each was loaded and attached; `no` = not usable here):\n');
    for (const c of caps.hooks) out(line(c, true));
    out('\nCollectors:\n');
    for (const col of COLLECTORS) {
      const why = tryProgram(defaultObjectPath(), col.progs, col.configure);
      if (why) ok = false;
      out(line({ name: col.name, ok: !why, detail: why ?? `via ${col.hooks}` }));
    }
  } else {
    out('\nHook types and collectors were not probed: fix the failures above first.\n');
  }
  out(ok ? '\nipcdump can trace on this machine.\n' : '\nipcdump cannot trace here until the failures above are fixed.\n');
  return ok ? 0 : 1;
}
