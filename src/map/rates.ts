/**
 * Rates for the map, computed from the events' own timestamps, never from when they arrived:
 * a recording replayed in a blink shows the rates it had. A one-second sliding window kept as
 * two buckets (this second and the one before), so adding an event is a few additions, with no
 * allocation, and reading the rate at any clock is O(1).
 */
import type { Metadata } from '../ipcdump/event';

/** Width of a rate bucket: rates are events (and bytes) in the last second. */
export const RATE_WINDOW_MS = 1000;

/** Two-bucket sliding window: ~events in the last RATE_WINDOW_MS before `nowMs`, per second. */
export function windowRate(bucket: number, cur: number, prev: number, nowMs: number): number {
  const nb = Math.floor(nowMs / RATE_WINDOW_MS);
  let r: number;
  if (nb === bucket) r = cur + prev * (1 - (nowMs / RATE_WINDOW_MS - nb));
  else if (nb === bucket + 1) r = cur * (1 - (nowMs / RATE_WINDOW_MS - nb));
  else if (nb < bucket) r = cur + prev; // events ahead of the clock (monotonic-to-wall skew): whole
  else r = 0;
  return (r * 1000) / RATE_WINDOW_MS;
}

/**
 * Two significant digits (one decimal below 10): what a label shows, and coarse enough that a
 * steady talker's rate does not change, and cost a push, at every tick.
 */
export function roundRate(x: number): number {
  if (x < 0.05) return 0;
  if (x < 10) return Math.round(x * 10) / 10;
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.round(x / p) * p;
}

/** Bytes moved by one event: its `count` metadata (signals have none). */
export function eventBytes(meta: Metadata): number {
  for (let i = 0; i < meta.length; i++) {
    const kv = meta[i];
    if (kv[0] === 'count') {
      const v = kv[1];
      return typeof v === 'number' ? v : Number(v) || 0;
    }
  }
  return 0;
}

/** Events and bytes per second over the last second of event time. */
export class RateWindow {
  /** The current bucket (index = ms / RATE_WINDOW_MS); the one before holds prev*. */
  private bucket: number;
  private curEvents = 0;
  private curBytes = 0;
  private prevEvents = 0;
  private prevBytes = 0;

  constructor(ms: number) {
    this.bucket = Math.floor(ms / RATE_WINDOW_MS);
  }

  add(ms: number, bytes: number): void {
    const b = Math.floor(ms / RATE_WINDOW_MS);
    if (b === this.bucket) {
      this.curEvents++;
      this.curBytes += bytes;
    } else if (b > this.bucket) {
      if (b === this.bucket + 1) {
        this.prevEvents = this.curEvents;
        this.prevBytes = this.curBytes;
      } else {
        this.prevEvents = 0;
        this.prevBytes = 0;
      }
      this.bucket = b;
      this.curEvents = 1;
      this.curBytes = bytes;
    } else if (b === this.bucket - 1) {
      // slightly out of order (another CPU's events in the same batch)
      this.prevEvents++;
      this.prevBytes += bytes;
    }
  }

  /** Events per second at `nowMs`, rounded as shown. */
  events(nowMs: number): number {
    return roundRate(windowRate(this.bucket, this.curEvents, this.prevEvents, nowMs));
  }

  bytes(nowMs: number): number {
    return roundRate(windowRate(this.bucket, this.curBytes, this.prevBytes, nowMs));
  }
}
