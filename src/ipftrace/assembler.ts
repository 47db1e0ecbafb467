/**
 * Groups hops into traces (one per followed packet) and decides when a trace's list is
 * printed. Unlike ipftrace v1, which dropped every pending flow on perf loss and at exit,
 * nothing is thrown away: whatever is open at exit is printed as "end not observed".
 *
 * Ends, in order of certainty:
 *   kfree_skb -> dropped, consume_skb -> consumed, a manifest `egress` hop -> egress,
 *   -l hops -> length (later hops follow as a continuation list), all immediately;
 *   delivery to a socket -> delivered, transmission on a device that does not loop back ->
 *   sent: both wait a short grace period, because the kernel often frees such packets with
 *   no tracepoint at all (TCP data, UDP), yet sometimes a free or a reader follows;
 *   nothing for the idle timeout -> idle ("end not observed").
 */
import type { PacketEvent, PacketTrace, TraceEnd } from './event';
import type { RawPacketEvent } from './records';
import { leavesHost } from './records';
import { IPFT_EV_FLAGS } from './layout.generated';

export interface AssemblerOptions {
  /** -l: hops per printed list; 0 = no limit. */
  length: number;
  /** Flush a trace with no hop for this long (ns) as "end not observed". */
  idleNs: bigint;
  /** After a delivery or a transmission, wait this long (ns) for more hops. */
  graceNs: bigint;
  /** Hooks that end a list (manifest `egress: true`). */
  egress: ReadonlySet<string>;
  onTrace(trace: PacketTrace): void;
}

interface OpenTrace {
  id: bigint;
  parentId?: bigint;
  events: PacketEvent[];
  /** A likely end seen (delivered/sent), confirmed when nothing follows within the grace. */
  hint?: TraceEnd;
  /** Monotonic time (ns) of the last and the first hop. */
  last: bigint;
  first: bigint;
  chunk: number;
}

/** How many ended trace ids to remember, to tell late hops (continuations) from new traces. */
const CLOSED_MEMORY = 4096;

export class TraceAssembler {
  private readonly open = new Map<bigint, OpenTrace>();
  /** Ended trace id -> chunks printed so far, how the last one ended, its parent. */
  private readonly closed = new Map<bigint, { chunks: number; end: TraceEnd; parentId?: bigint }>();
  /** Socket hops that arrived after their trace ended (not shown). */
  lateSocketHops = 0;

  constructor(private readonly opts: AssemblerOptions) {}

  get openTraces(): number {
    return this.open.size;
  }

  add(r: RawPacketEvent): void {
    const ev = r.event;
    let t = this.open.get(ev.traceId);
    if (!t) {
      const prev = this.closed.get(ev.traceId);
      // A socket hop after the packet's end (a reader long after delivery) is not a new list;
      // after a -l cut it is simply the next hop.
      if (prev !== undefined && prev.end !== 'length' && ev.hookKind === 'socket') {
        this.lateSocketHops++;
        return;
      }
      t = { id: ev.traceId, events: [], last: ev.ts, first: ev.ts, chunk: prev?.chunks ?? 0, parentId: prev?.parentId };
      if (prev !== undefined) this.closed.delete(ev.traceId);
      if (r.flags & IPFT_EV_FLAGS.IPFT_EV_CLONE && r.parentId) t.parentId = r.parentId;
      this.open.set(ev.traceId, t);
    }
    t.events.push(ev);
    if (ev.ts > t.last) t.last = ev.ts;
    if (ev.ts < t.first) t.first = ev.ts;
    const hint = t.hint;
    t.hint = undefined;

    if (r.flags & IPFT_EV_FLAGS.IPFT_EV_EOL) {
      // A consume after a transmission or a delivery is the driver's TX completion or the
      // reader freeing its copy: the packet was sent / delivered, not just consumed.
      this.flush(t, r.role === 'drop' ? 'dropped' : hint ?? 'consumed');
    } else if (this.opts.egress.has(ev.hook)) {
      this.flush(t, 'egress');
    } else if (this.opts.length > 0 && t.events.length >= this.opts.length) {
      this.flush(t, 'length');
    } else if (r.role === 'deliver') {
      t.hint = 'delivered';
    } else if (r.role === 'xmit' && ev.rc === 0 && leavesHost(r)) {
      t.hint = 'sent';
    }
  }

  /** Flush what went quiet; `now` is CLOCK_MONOTONIC in ns (the clock of the events). */
  tick(now: bigint): void {
    // A short --idle also shortens the wait after a delivery or a transmission.
    const grace = this.opts.graceNs < this.opts.idleNs ? this.opts.graceNs : this.opts.idleNs;
    for (const t of this.open.values()) {
      const quiet = now - t.last;
      if (t.hint) {
        if (quiet >= grace) this.flush(t, t.hint);
      } else if (quiet >= this.opts.idleNs) this.flush(t, 'idle');
    }
  }

  /** Tracing stopped: print everything still open, oldest first. */
  flushAll(): void {
    const rest = [...this.open.values()].sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
    for (const t of rest) this.flush(t, t.hint ?? 'exit');
  }

  private flush(t: OpenTrace, end: TraceEnd): void {
    this.open.delete(t.id);
    // One ring buffer serves all CPUs; reservation order can differ slightly from time order.
    const events = t.events.slice().sort((x, y) => (x.ts < y.ts ? -1 : x.ts > y.ts ? 1 : 0));
    for (let i = 0; i < events.length; i++) events[i].deltaNs = i === 0 ? 0n : events[i].ts - events[i - 1].ts;
    const trace: PacketTrace = { id: t.id, events, end, tuple: events.find((e) => e.tuple)?.tuple };
    if (t.parentId) trace.parentId = t.parentId;
    if (t.chunk > 0) trace.continuation = t.chunk;
    this.closed.set(t.id, { chunks: t.chunk + 1, end, parentId: t.parentId });
    if (this.closed.size > CLOSED_MEMORY) this.closed.delete(this.closed.keys().next().value as bigint);
    this.opts.onTrace(trace);
  }
}
