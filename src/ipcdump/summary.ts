/**
 * `ipcdump --summary [N]`: the top talkers (talkers.ts) printed at exit for the whole run
 * and, with N > 0, every N seconds for that interval, in the -f format.
 *
 * Intervals follow the clock of the source:
 *  - live ('wall'): a timer prints every N seconds of real time, whatever arrived in between,
 *    also when nothing did (a line saying so shows the tracer is alive);
 *  - replay ('recording'): event timestamps decide. Interval k covers
 *    [start + kN, start + (k+1)N) of the recording's own time, so a replay prints the same
 *    intervals however fast it runs. A stretch of empty intervals is printed as one line: a
 *    quiet night in a recording is not worth thousands of "no IPC" lines.
 * Rates are per second of the interval (of the whole run for the total), not of the span
 * between a talker's first and last event, which says nothing for a talker seen once.
 *
 * Hot path: record() is one table lookup and a few additions (see TalkerTable.add). A
 * closed interval is merged into the run's totals, so each event is counted once.
 */
import type { EventConsumer } from './consumer';
import type { OutputRecord } from './event';
import type { OutputFormat } from '../output/index';
import type { OutputSink } from '../output/sink';
import { TalkerTable } from './talkers';
import type { SummaryReport } from '../output/summary-report';
import { DEFAULT_TOP, formatSummaryText } from '../output/summary-text';
import { formatSummaryJson } from '../output/summary-json';
import { SUMMARY_CSV_HEADER, formatSummaryCsv } from '../output/summary-csv';

export interface SummaryOptions {
  format: OutputFormat;
  sink: OutputSink;
  /** Also print every N seconds; 0 = only at exit. */
  everySec: number;
  /** 'wall' (live, the default): intervals by a timer; 'recording' (replay): by event time. */
  clock?: 'wall' | 'recording';
  /** Start of the run (live) or of the recording (its header), ns since the epoch; default now. */
  startNs?: bigint;
  /**
   * End of the run, asked at close. Default: now when live; on replay the last record's time
   * (the CLI passes the recording's end marker instead).
   */
  endNs?: () => bigint;
  /** Rows shown per text table (JSON and CSV show all); default 20. */
  top?: number;
  /** Current wall time, ns (tests). */
  nowNs?: () => bigint;
}

const wallNow = (): bigint => BigInt(Date.now()) * 1_000_000n;

export class SummaryConsumer implements EventConsumer {
  private readonly total = new TalkerTable();
  private window = new TalkerTable();
  private readonly periodNs: bigint;
  private startNs: bigint;
  private readonly now: () => bigint;
  private readonly byEventTime: boolean;
  /** Current interval: [winStart, winEnd), number winIndex (from 1). */
  private winStart: bigint;
  private winEnd: bigint;
  private winIndex = 1;
  /** A run of empty intervals not printed yet (replay): first index and start. */
  private emptyFrom: { index: number; startNs: bigint } | undefined;
  private lastNs: bigint | undefined;
  private timer: NodeJS.Timeout | undefined;
  private headerDone = false;
  private closed = false;

  constructor(private readonly opts: SummaryOptions) {
    this.now = opts.nowNs ?? wallNow;
    this.startNs = opts.startNs ?? this.now();
    this.byEventTime = opts.clock === 'recording';
    this.periodNs = BigInt(opts.everySec) * 1_000_000_000n;
    this.winStart = this.startNs;
    this.winEnd = this.startNs + this.periodNs;
    this.startTimer();
  }

  /**
   * Live: the run starts now (tracing is attached; loading the BPF programs can take a
   * second, which must not count in the rates). Intervals are timed from here.
   */
  begin(startNs: bigint): void {
    this.startNs = startNs;
    this.winStart = startNs;
    this.winEnd = startNs + this.periodNs;
    this.startTimer();
  }

  private startTimer(): void {
    if (this.opts.everySec === 0 || this.byEventTime) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => this.tick(), this.opts.everySec * 1000);
    this.timer.unref();
  }

  record(rec: OutputRecord): void {
    const t = rec.kind === 'event' ? rec.event.timeNs : rec.lost.timeNs;
    if (this.byEventTime) {
      if (this.periodNs > 0n && t >= this.winEnd) this.advanceTo(t);
      this.lastNs = t;
    }
    if (rec.kind === 'event') this.window.add(rec.event);
    else this.window.addLost(rec.lost);
  }

  /** Live: the timer closes the interval at the current time. */
  tick(): void {
    if (this.closed) return;
    const end = this.now();
    this.closeWindow(end);
    this.winStart = end;
    this.opts.sink.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const end = this.opts.endNs?.() ?? (this.byEventTime ? this.lastNs ?? this.startNs : this.now());
    if (this.periodNs > 0n) {
      if (this.byEventTime && end > this.winEnd) this.advanceTo(end);
      if (!this.window.empty) {
        this.closeWindow(end);
      } else if (this.byEventTime) {
        // The recording ends in a quiet stretch: say so once, as far as it went.
        this.emptyFrom ??= { index: this.winIndex, startNs: this.winStart };
        this.flushEmpty(this.winIndex, end);
      }
    }
    this.total.merge(this.window);
    this.print({
      kind: 'total',
      index: 0,
      lastIndex: 0,
      startNs: this.startNs,
      endNs: end,
      rows: this.total.sorted(),
      events: this.total.events,
      bytes: this.total.bytes,
      lost: this.total.lostByType(),
    });
    this.opts.sink.flush();
  }

  /** Replay: close intervals up to the one holding time t (which becomes current). */
  private advanceTo(t: bigint): void {
    this.closeWindow(this.winEnd);
    // Skip straight over intervals nothing happened in (one division, not one step each).
    const k = (t - this.startNs) / this.periodNs;
    const index = Number(k) + 1;
    if (index > this.winIndex + 1) this.emptyFrom ??= { index: this.winIndex + 1, startNs: this.winEnd };
    this.winIndex = index;
    this.winStart = this.startNs + k * this.periodNs;
    this.winEnd = this.winStart + this.periodNs;
  }

  /** Print the current interval (ending at `end`) and fold it into the totals. */
  private closeWindow(end: bigint): void {
    const w = this.window;
    if (w.empty && this.byEventTime) {
      this.emptyFrom ??= { index: this.winIndex, startNs: this.winStart };
    } else {
      if (this.emptyFrom) this.flushEmpty(this.winIndex - 1, this.winStart);
      this.print(this.report(w, this.winIndex, this.winIndex, this.winStart, end));
      this.total.merge(w);
      this.window = new TalkerTable();
    }
    if (!this.byEventTime) this.winIndex++;
  }

  private flushEmpty(lastIndex: number, end: bigint): void {
    const e = this.emptyFrom!;
    this.emptyFrom = undefined;
    this.print(this.report(new TalkerTable(), e.index, lastIndex, e.startNs, end));
  }

  private report(t: TalkerTable, index: number, lastIndex: number, startNs: bigint, endNs: bigint): SummaryReport {
    return { kind: 'interval', index, lastIndex, startNs, endNs, rows: t.sorted(), events: t.events, bytes: t.bytes, lost: t.lostByType() };
  }

  private print(r: SummaryReport): void {
    const sink = this.opts.sink;
    switch (this.opts.format) {
      case 'text':
        sink.write(formatSummaryText(r, this.opts.top ?? DEFAULT_TOP));
        return;
      case 'json':
        sink.write(formatSummaryJson(r));
        return;
      case 'csv':
        if (!this.headerDone) sink.write(SUMMARY_CSV_HEADER);
        this.headerDone = true;
        sink.write(formatSummaryCsv(r));
        return;
    }
  }
}

export function createSummaryConsumer(opts: SummaryOptions): SummaryConsumer {
  return new SummaryConsumer(opts);
}
