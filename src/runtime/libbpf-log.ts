/**
 * Reading libbpf's log output (what its libbpf_set_print callback receives).
 *
 * libbpf reports the reasons for a failure only as log text: which program failed
 * ("prog 'x': failed to load: -13"), and for a program the kernel verifier rejected, the
 * verifier's own log wrapped in "-- BEGIN PROG LOAD LOG --" / "-- END PROG LOAD LOG --".
 * These helpers turn the messages captured during one call into the pieces an error message
 * needs. They are pure so they can be unit-tested against recorded libbpf output.
 */
import type { LibbpfLogEntry } from './native';

/** "libbpf: prog 'x': failed to load: -13\n" -> "prog 'x': failed to load: -13". */
export function stripLibbpfPrefix(message: string): string {
  return message.replace(/^libbpf: /, '').replace(/\s+$/, '');
}

const BEGIN_LOG = '-- BEGIN PROG LOAD LOG --';
const END_LOG = '-- END PROG LOAD LOG --';
const PROG_PREFIX = /^(?:libbpf: )?prog '([^']+)': /;

/** Program named at the start of a libbpf message ("prog 'x': ..."), if any. */
export function programOf(message: string): string | undefined {
  const m = PROG_PREFIX.exec(message);
  return m === null ? undefined : m[1];
}

/**
 * Programs libbpf reported as failing, in order of first report. A program counts when a
 * warning names it and says it failed, or comes with a verifier log.
 */
export function failedPrograms(log: readonly LibbpfLogEntry[]): string[] {
  const out: string[] = [];
  for (const entry of log) {
    if (entry.level !== 'warn') continue;
    const prog = programOf(entry.message);
    if (prog === undefined || out.includes(prog)) continue;
    if (/fail|BEGIN PROG LOAD LOG|error|invalid|bad /i.test(entry.message)) out.push(prog);
  }
  return out;
}

/** The verifier log of each program that has a non-empty one, as lines (trailing blank lines dropped). */
export function verifierLogs(log: readonly LibbpfLogEntry[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const entry of log) {
    const begin = entry.message.indexOf(BEGIN_LOG);
    if (begin < 0) continue;
    const prog = programOf(entry.message) ?? '?';
    let body = entry.message.slice(begin + BEGIN_LOG.length);
    const end = body.lastIndexOf(END_LOG);
    if (end >= 0) body = body.slice(0, end);
    const lines = body.replace(/^\n/, '').split('\n');
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    if (lines.length > 0) out.set(prog, lines);
  }
  return out;
}

/** The last `n` elements. */
export function tail<T>(items: readonly T[], n: number): T[] {
  return n <= 0 ? [] : items.slice(Math.max(0, items.length - n));
}

/**
 * libbpf warnings worth showing a user, prefix stripped, verifier logs and libbpf's generic
 * "failed to load object" summary left out (the caller says that in its own words).
 */
export function warnings(log: readonly LibbpfLogEntry[]): string[] {
  const out: string[] = [];
  for (const entry of log) {
    if (entry.level !== 'warn' || entry.message.includes(BEGIN_LOG)) continue;
    const text = stripLibbpfPrefix(entry.message);
    if (text === '' || /^failed to load object '/.test(text)) continue;
    out.push(text);
  }
  return out;
}
