/**
 * `--summary` as text: a table like `strace -c`, one per interval and one for the run.
 *
 *   ipcdump summary: total, 12:38:50.123456789 .. 12:39:00.456789012 (10.333 s)
 *    events  events/s  bytes  bytes/s  type    source      destination
 *   ------- --------- ------ -------- ------- ----------- -----------
 *      1200     116.1   4800    464.5  pipe    1234(bash)  1235(cat)
 *         3       0.3      -        -  signal  1234(bash)  99(sleep)
 *   ------- --------- ------ -------- ------- ----------- -----------
 *      1203     116.4   4800    464.5  total   2 talkers
 *   lost: 12 pipe events
 *   (a blank line)
 *
 * Numbers are exact (events, bytes) or rounded to one decimal (rates), never abbreviated, so
 * a glance and a grep agree. Columns are as wide as their widest cell. Only the `top` rows
 * are shown; a line says how many more there were (JSON and CSV list every row). Comms are
 * escaped as in the event output, so a process cannot forge lines.
 */
import { escapeControl, pidText } from './text';
import { formatClock } from './time';
import { lostTotal, perSec, seconds, type SummaryReport } from './summary-report';

export const DEFAULT_TOP = 20;

function rate(n: number | null, sec: number): string {
  const r = n === null ? null : perSec(n, sec);
  return r === null ? '-' : r.toFixed(1);
}

function endpoint(pid: number, comm: string): string {
  return `${pidText(pid)}(${escapeControl(comm)})`;
}

function title(r: SummaryReport): string {
  const span = `${formatClock(r.startNs)} .. ${formatClock(r.endNs)} (${seconds(r).toFixed(3)} s)`;
  if (r.kind === 'total') return `ipcdump summary: total, ${span}`;
  if (r.lastIndex !== r.index) return `ipcdump summary: intervals ${r.index}-${r.lastIndex}, ${span}`;
  return `ipcdump summary: interval ${r.index}, ${span}`;
}

export function formatSummaryText(r: SummaryReport, top = DEFAULT_TOP): string {
  const sec = seconds(r);
  const lost = r.lost.length > 0 ? `lost: ${r.lost.map(([t, n]) => `${n} ${t}`).join(', ')} events\n` : '';
  if (r.rows.length === 0) return `${title(r)}: no IPC\n${lost}`;

  const shown = r.rows.slice(0, top);
  const cells: string[][] = [['events', 'events/s', 'bytes', 'bytes/s', 'type', 'source', 'destination']];
  for (const row of shown) {
    cells.push([
      '' + row.events,
      rate(row.events, sec),
      row.bytes === null ? '-' : '' + row.bytes,
      rate(row.bytes, sec),
      row.type,
      endpoint(row.srcPid, row.srcComm),
      endpoint(row.dstPid, row.dstComm),
    ]);
  }
  const hasBytes = r.rows.some((row) => row.bytes !== null);
  const total = [
    '' + r.events,
    rate(r.events, sec),
    hasBytes ? '' + r.bytes : '-',
    hasBytes ? rate(r.bytes, sec) : '-',
    'total',
    `${r.rows.length} talker${r.rows.length === 1 ? '' : 's'}`,
    '',
  ];
  const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => c[i].length), total[i].length));
  const NUMERIC = 4; // the first four columns are right-aligned
  const line = (c: string[]): string =>
    c
      .map((s, i) => (i < NUMERIC ? s.padStart(widths[i]) : i === c.length - 1 ? s : s.padEnd(widths[i])))
      .join('  ')
      .trimEnd() + '\n';
  const rule = widths.map((w) => '-'.repeat(w)).join('  ') + '\n';

  let out = title(r) + '\n' + line(cells[0]) + rule;
  for (let i = 1; i < cells.length; i++) out += line(cells[i]);
  const hidden = r.rows.length - shown.length;
  if (hidden > 0) {
    let ev = 0;
    let by = 0;
    for (let i = shown.length; i < r.rows.length; i++) {
      ev += r.rows[i].events;
      by += r.rows[i].bytes ?? 0;
    }
    out += `(${hidden} more talker${hidden === 1 ? '' : 's'} not shown: ${ev} events, ${by} bytes; -f json or -f csv lists all)\n`;
  }
  out += rule + line(total);
  if (lostTotal(r) > 0) out += lost;
  // A blank line ends a table, so consecutive ones (--summary N) read as separate blocks.
  return out + '\n';
}
