/**
 * Names of the syscalls that ipcdump's pipe collector reports (see bpf/syscall_nr.h, which
 * holds the same numbers for the BPF side).
 */
const X86_64: Record<number, string> = {
  0: 'read', 1: 'write', 19: 'readv', 20: 'writev', 40: 'sendfile', 275: 'splice', 276: 'tee',
  278: 'vmsplice', 327: 'preadv2', 328: 'pwritev2',
};
const ARM64: Record<number, string> = {
  63: 'read', 64: 'write', 65: 'readv', 66: 'writev', 71: 'sendfile', 75: 'vmsplice',
  76: 'splice', 77: 'tee', 286: 'preadv2', 287: 'pwritev2',
};
const TABLE = process.arch === 'arm64' ? ARM64 : X86_64;

export function syscallName(nr: number): string {
  return TABLE[nr] ?? `syscall_${nr}`;
}
