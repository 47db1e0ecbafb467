/**
 * `--summary -f json`: one object per summary line (an interval, or the run's total), every
 * talker in `rows`, most events first:
 *
 *   {"summary":"interval","interval":2,"last_interval":2,"start":"…","end":"…","seconds":10,
 *    "events":1203,"bytes":4800,"lost":{"pipe":12},"talkers":2,
 *    "rows":[{"type":"pipe","src_pid":1234,"src_comm":"bash","dst_pid":1235,"dst_comm":"cat",
 *             "events":1200,"bytes":4800,"events_per_sec":116.129,"bytes_per_sec":464.516,
 *             "first":"…","last":"…"}]}
 *
 * Times are RFC 3339 with nanoseconds as in the event JSON; unknown pids are -1. `bytes` is
 * null for signals (they move none), rates are null for an interval of no length and are
 * rounded to 3 decimals. A total has "interval":null.
 */
import { formatRfc3339Nano } from './time';
import { perSec, seconds, type SummaryReport } from './summary-report';

function round3(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1000) / 1000;
}

export function formatSummaryJson(r: SummaryReport): string {
  const sec = seconds(r);
  const obj = {
    summary: r.kind,
    interval: r.kind === 'total' ? null : r.index,
    last_interval: r.kind === 'total' ? null : r.lastIndex,
    start: formatRfc3339Nano(r.startNs),
    end: formatRfc3339Nano(r.endNs),
    seconds: round3(sec),
    events: r.events,
    bytes: r.bytes,
    lost: Object.fromEntries(r.lost),
    talkers: r.rows.length,
    rows: r.rows.map((row) => ({
      type: row.type,
      src_pid: row.srcPid,
      src_comm: row.srcComm,
      dst_pid: row.dstPid,
      dst_comm: row.dstComm,
      events: row.events,
      bytes: row.bytes,
      events_per_sec: round3(perSec(row.events, sec)),
      bytes_per_sec: row.bytes === null ? null : round3(perSec(row.bytes, sec)),
      first: formatRfc3339Nano(row.firstNs),
      last: formatRfc3339Nano(row.lastNs),
    })),
  };
  return JSON.stringify(obj) + '\n';
}
