/**
 * Signal number -> name, exactly as the original ipcdump printed it (Go's syscall.Signal.String()
 * table for linux/amd64, lower case). Kept verbatim for output compatibility, so e.g. SIGTERM is
 * `terminated` and real-time signals are `signal N`.
 */

const NAMES: readonly string[] = [
  '', // 0: never reaches the signal_generate tracepoint
  'hangup',
  'interrupt',
  'quit',
  'illegal instruction',
  'trace/breakpoint trap',
  'aborted',
  'bus error',
  'floating point exception',
  'killed',
  'user defined signal 1',
  'segmentation fault',
  'user defined signal 2',
  'broken pipe',
  'alarm clock',
  'terminated',
  'stack fault',
  'child exited',
  'continued',
  'stopped (signal)',
  'stopped',
  'stopped (tty input)',
  'stopped (tty output)',
  'urgent I/O condition',
  'CPU time limit exceeded',
  'file size limit exceeded',
  'virtual timer expired',
  'profiling timer expired',
  'window changed',
  'I/O possible',
  'power failure',
  'bad system call',
];

export function signalName(n: number): string {
  if (Number.isInteger(n) && n >= 1 && n < NAMES.length) return NAMES[n];
  return `signal ${n}`;
}
