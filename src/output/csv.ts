/**
 * CSV output (`-f csv`), same columns and row layout as the original:
 *
 *   timestamp,type,src_pid,src_comm,dst_pid,dst_comm
 *   12:01:02.000123456,signal,812,bash,901,sleep
 *   12:01:03.000000000,signal,-,-,-,-            (lost record)
 *
 * No metadata and no bytes, as in the original (`-x` has no effect here).
 * Fixes (reference §3.4, §6 item 4): the header ends with a newline and is written to the same
 * destination as the rows (CSV_HEADER, written once by the caller); fields containing a comma,
 * double quote, CR or LF are quoted per RFC 4180 (comms can contain any byte).
 */

import type { OutputRecord } from '../ipcdump/event';
import type { FormatOptions, RecordFormatter } from './text';
import { pidText } from './text';
import { formatClock } from './time';

export const CSV_HEADER = 'timestamp,type,src_pid,src_comm,dst_pid,dst_comm\n';

/** RFC 4180 field: returned unchanged (no allocation) unless it needs quoting. */
export function csvField(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2c /* , */ || c === 0x22 /* " */ || c === 0x0a || c === 0x0d) {
      return '"' + s.replace(/"/g, '""') + '"';
    }
  }
  return s;
}

export function makeCsvFormatter(_opts: FormatOptions): RecordFormatter {
  return (rec: OutputRecord) => {
    if (rec.kind === 'lost') {
      return formatClock(rec.lost.timeNs) + ',' + rec.lost.lostType + ',-,-,-,-\n';
    }
    const e = rec.event;
    return (
      formatClock(e.timeNs) +
      ',' +
      e.type +
      ',' +
      pidText(e.src.pid) +
      ',' +
      csvField(e.src.comm) +
      ',' +
      pidText(e.dst.pid) +
      ',' +
      csvField(e.dst.comm) +
      '\n'
    );
  };
}
