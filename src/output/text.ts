/**
 * Text output (default, `-f text`), compatible with the original:
 *
 *   12:01:02.000123456 signal 812(bash) > 901(sleep): num 2, name interrupt
 *   12:01:02.000123456 pipe 10(writer) > 11(reader): pipe_name <anonymous>, pipe_inode 22643, count 10
 *   \t00000000  68 65 6c 6c 6f 2d 70 69  70 65                    |hello-pipe|
 *
 * Fixes relative to the original (reference §3.1, §3.5, §6):
 *  - the header line always ends, even with no metadata (the original glued it to the dump, or
 *    printed nothing at all for an event with neither metadata nor bytes);
 *  - the hex dump's last line is complete (see hexdump.ts) and no extra empty line follows a dump
 *    (the original printed one only when the size was a multiple of 16);
 *  - a lost record is ONE line: `HH:MM:SS.nnnnnnnnn <type>: lost N events`.
 * Kept: only the first dump line is indented with a TAB, as the original did.
 *
 * Decision: comms and string metadata values are printed raw EXCEPT control characters (C0, DEL,
 * C1), which are written as `\xNN`. A process can name itself (prctl PR_SET_NAME) or a FIFO with
 * "\n" or terminal escape sequences; printed raw they would forge output lines or drive the
 * terminal. Printable text, including non-ASCII, is unchanged.
 */

import type { OutputRecord } from '../ipcdump/event';
import { hexDump } from './hexdump';
import { formatClock } from './time';

export interface FormatOptions {
  /** Print captured bytes (`-x`). Events carry bytes only when capture was on. */
  showBytes: boolean;
}

export type RecordFormatter = (rec: OutputRecord) => string;

function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/** Escape control characters as \xNN; returns the input itself (no allocation) in the common case. */
export function escapeControl(s: string): string {
  let i = 0;
  const n = s.length;
  while (i < n && !isControl(s.charCodeAt(i))) i++;
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (isControl(c)) out += (c < 0x10 ? '\\x0' : '\\x') + c.toString(16);
    else out += s[i];
  }
  return out;
}

export function pidText(pid: number): string {
  return pid < 0 ? '<unknown>' : '' + pid;
}

export function makeTextFormatter(opts: FormatOptions): RecordFormatter {
  const showBytes = opts.showBytes;
  return (rec) => {
    if (rec.kind === 'lost') {
      const l = rec.lost;
      return formatClock(l.timeNs) + ' ' + l.lostType + ': lost ' + l.count + ' events\n';
    }
    const e = rec.event;
    let s =
      formatClock(e.timeNs) +
      ' ' +
      e.type +
      ' ' +
      pidText(e.src.pid) +
      '(' +
      escapeControl(e.src.comm) +
      ') > ' +
      pidText(e.dst.pid) +
      '(' +
      escapeControl(e.dst.comm) +
      ')';
    const md = e.metadata;
    for (let i = 0; i < md.length; i++) {
      const v = md[i][1];
      s += (i === 0 ? ': ' : ', ') + md[i][0] + ' ' + (typeof v === 'string' ? escapeControl(v) : '' + v);
    }
    s += '\n';
    if (showBytes) {
      const b = e.bytes;
      if (b !== undefined && b.length > 0) s += '\t' + hexDump(b);
    }
    return s;
  };
}
