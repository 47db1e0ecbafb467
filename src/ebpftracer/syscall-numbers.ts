/**
 * Syscall numbers <-> ftrace event names, from the kernel's own tables (syscall-table.generated.ts,
 * made by scripts/gen-syscall-tables.js). Needed because tracefs does not say which number a
 * syscall has: the sys_enter_* format files list the arguments but no number, while the BPF side
 * only sees numbers (raw_syscalls, pt_regs).
 *
 * "Event name" is the name in sys_enter_<name>: the entry point without "sys_", which can differ
 * from the syscall's usual name (stat is traced as newstat, uname as newuname, umount2 as umount,
 * sendfile as sendfile64).
 */
import { I386, X86_64 } from './syscall-table.generated';

/** Only x86_64 so far; the parameter keeps call sites explicit for when a second one comes. */
export type Arch = 'x86_64';

/** Size of the per-number BPF maps; every x86_64 and i386 number must be below it. */
export const MAX_NR = 512;

/** Value of buildIa32Map() for i386 numbers without an x86_64 equivalent. */
export const NO_SYSCALL = 0xffff;

const x64ByEvent = new Map<string, number>();
const x64ByNr = new Map<number, string>();
for (const [nr, , entry] of X86_64) {
  // The BPF maps and the Uint16Array below are indexed by number: a number out of range would
  // be silently dropped there, so fail when this module loads instead.
  if (nr >= MAX_NR) throw new Error(`x86_64 syscall ${entry} = ${nr} does not fit MAX_NR ${MAX_NR}`);
  x64ByEvent.set(entry, nr);
  x64ByNr.set(nr, entry);
}

const i386ByNr = new Map<number, { name: string; nr64: number | undefined }>();
for (const [nr, name, eq] of I386) {
  if (nr >= MAX_NR) throw new Error(`i386 syscall ${name} = ${nr} does not fit MAX_NR ${MAX_NR}`);
  const nr64 = eq === null ? undefined : x64ByEvent.get(eq);
  if (eq !== null && nr64 === undefined) throw new Error(`i386 ${name}: no x86_64 syscall ${eq}`);
  i386ByNr.set(nr, { name, nr64 });
}

/** The x86_64 number of the syscall traced as sys_enter_<eventName> (e.g. 'newstat' -> 4). */
export function eventNameToNr(arch: Arch, eventName: string): number | undefined {
  return x64ByEvent.get(eventName);
}

/** The event name (sys_enter_<name>) of x86_64 syscall `nr`, undefined if not implemented. */
export function nrToEventName(arch: Arch, nr: number): string | undefined {
  return x64ByNr.get(nr);
}

/**
 * The x86_64 number whose argument schema decodes i386 syscall `nr32` (an int 0x80 call from a
 * 32-bit process), or undefined when none takes the same arguments (socketcall, ipc, _llseek,
 * the 16-bit uid calls, ...).
 */
export function i386ToX86_64(nr32: number): number | undefined {
  return i386ByNr.get(nr32)?.nr64;
}

/** The i386 table's name for `nr32` (e.g. 195 -> 'stat64'). */
export function i386Name(nr32: number): string | undefined {
  return i386ByNr.get(nr32)?.name;
}

/** i386 number -> x86_64 number (NO_SYSCALL when none), the contents of the BPF ia32 map. */
export function buildIa32Map(): Uint16Array {
  const map = new Uint16Array(MAX_NR).fill(NO_SYSCALL);
  for (const [nr32, { nr64 }] of i386ByNr) if (nr64 !== undefined) map[nr32] = nr64;
  return map;
}
