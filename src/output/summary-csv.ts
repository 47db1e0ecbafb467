/**
 * `--summary -f csv`: one header, then one row per talker of each summary. The `window`
 * column says which summary a row belongs to: the interval number, or `total`.
 *
 *   window,start,end,type,src_pid,src_comm,dst_pid,dst_comm,events,bytes,events_per_sec,bytes_per_sec,first,last,lost
 *   1,2026-…,2026-…,pipe,1234,bash,1235,cat,1200,4800,116.129,464.516,2026-…,2026-…,
 *   1,2026-…,2026-…,pipe,,,,,,,,,,,12          (lost events of a type: only `lost` is set)
 *
 * Pids print as in the event CSV (`<unknown>` for -1); bytes and rates are empty where JSON
 * has null; an interval without IPC has no rows. Fields are quoted per RFC 4180.
 */
import { csvField } from './csv';
import { pidText } from './text';
import { formatRfc3339Nano } from './time';
import { perSec, seconds, type SummaryReport } from './summary-report';

export const SUMMARY_CSV_HEADER =
  'window,start,end,type,src_pid,src_comm,dst_pid,dst_comm,events,bytes,events_per_sec,bytes_per_sec,first,last,lost\n';

function num(x: number | null): string {
  return x === null ? '' : '' + Math.round(x * 1000) / 1000;
}

export function formatSummaryCsv(r: SummaryReport): string {
  const sec = seconds(r);
  const win = (r.kind === 'total' ? 'total' : r.index === r.lastIndex ? '' + r.index : `${r.index}-${r.lastIndex}`) + ',' + formatRfc3339Nano(r.startNs) + ',' + formatRfc3339Nano(r.endNs) + ',';
  let out = '';
  for (const row of r.rows) {
    out +=
      win +
      [
        row.type,
        pidText(row.srcPid),
        csvField(row.srcComm),
        pidText(row.dstPid),
        csvField(row.dstComm),
        '' + row.events,
        row.bytes === null ? '' : '' + row.bytes,
        num(perSec(row.events, sec)),
        row.bytes === null ? '' : num(perSec(row.bytes, sec)),
        formatRfc3339Nano(row.firstNs),
        formatRfc3339Nano(row.lastNs),
        '',
      ].join(',') +
      '\n';
  }
  for (const [type, n] of r.lost) out += win + type + ',,,,,,,,,,,' + n + '\n';
  return out;
}
