/**
 * The last few events of one edge, kept for the page's details panel (fetched on demand).
 *
 * Why not just keep the IpcEvent objects: an event's captured bytes are a view into the whole
 * batch buffer the addon filled (several MiB), so one kept event would pin one batch, and a
 * thousand edges would pin gigabytes. So the ring keeps the event's own fields and a copy of
 * at most RECENT_BYTES of its bytes, into a per-slot buffer that is reused while big enough:
 * in the steady state, recording an event allocates nothing.
 */
import type { IpcEvent, Metadata } from '../ipcdump/event';
import type { RecentEventMsg } from './protocol';

/** Events kept per edge. */
export const RECENT_EVENTS = 50;
/** Captured bytes kept per event for the hex view. */
export const RECENT_BYTES = 4096;

export class RecentEvents {
  private next = 0;
  private count = 0;
  private readonly times: bigint[] = [];
  private readonly metas: Metadata[] = [];
  private readonly srcComms: string[] = [];
  private readonly dstComms: string[] = [];
  /** Per-slot byte buffers, reused; only allocated when bytes were captured. */
  private bufs: Buffer[] | undefined;
  private readonly byteLens: number[] = [];

  constructor(private readonly capacity = RECENT_EVENTS) {}

  push(ev: IpcEvent): void {
    const i = this.next;
    this.next = i + 1 === this.capacity ? 0 : i + 1;
    if (this.count < this.capacity) this.count++;
    this.times[i] = ev.timeNs;
    this.metas[i] = ev.metadata;
    this.srcComms[i] = ev.src.comm;
    this.dstComms[i] = ev.dst.comm;
    const b = ev.bytes;
    if (b === undefined) {
      this.byteLens[i] = -1;
      return;
    }
    const keep = b.length < RECENT_BYTES ? b.length : RECENT_BYTES;
    if (this.bufs === undefined) this.bufs = [];
    let buf = this.bufs[i];
    if (buf === undefined || buf.length < keep) {
      // Rounded up so a slot that sees slightly varying sizes is not reallocated each time.
      let size = 64;
      while (size < keep) size *= 2;
      buf = this.bufs[i] = Buffer.allocUnsafe(size);
    }
    b.copy(buf, 0, 0, keep);
    this.byteLens[i] = b.length;
  }

  get size(): number {
    return this.count;
  }

  /** Time of the i-th newest event (0 = newest), for merging the rings of several edges. */
  timeAt(i: number): bigint {
    return this.times[this.slot(i)];
  }

  private slot(i: number): number {
    let s = this.next - 1 - i;
    if (s < 0) s += this.capacity;
    return s;
  }

  /** The i-th newest event (0 = newest) as the page shows it. */
  message(i: number, typeIdx: number, src: number, dst: number): RecentEventMsg {
    const s = this.slot(i);
    const m: RecentEventMsg = {
      ns: this.times[s].toString(),
      t: typeIdx,
      s: src,
      sc: this.srcComms[s],
      d: dst,
      dc: this.dstComms[s],
      meta: this.metas[s],
    };
    const len = this.byteLens[s];
    if (len >= 0 && this.bufs) {
      m.b = this.bufs[s].subarray(0, Math.min(len, RECENT_BYTES)).toString('base64');
      m.bl = len;
    }
    return m;
  }
}
