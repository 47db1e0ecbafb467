/**
 * One printed summary (`--summary`): the talkers of an interval, or the totals of the run,
 * as the three formats (summary-text.ts, summary-json.ts, summary-csv.ts) receive it. Rates
 * are computed here once, so every format shows the same figures.
 */
import type { IpcType } from '../ipcdump/event';
import type { TalkerRow } from '../ipcdump/talkers';

export interface SummaryReport {
  /** 'interval': one --summary N period (or a run of empty ones); 'total': the whole run. */
  kind: 'interval' | 'total';
  /** Interval number, counted from 1 at the start of the run; for a run of empty intervals, the first. */
  index: number;
  /** The last interval of a run of empty ones (replay merges them); else index. */
  lastIndex: number;
  startNs: bigint;
  endNs: bigint;
  /** Sorted: most events first. */
  rows: TalkerRow[];
  events: number;
  bytes: number;
  lost: Array<[IpcType, number]>;
}

/** Length of the covered interval in seconds (0 when it has none). */
export function seconds(r: SummaryReport): number {
  const ns = r.endNs - r.startNs;
  return ns > 0n ? Number(ns) / 1e9 : 0;
}

/** n per second over `sec`, or null when the interval has no length. */
export function perSec(n: number, sec: number): number | null {
  return sec > 0 ? n / sec : null;
}

export function lostTotal(r: SummaryReport): number {
  let n = 0;
  for (const [, c] of r.lost) n += c;
  return n;
}
