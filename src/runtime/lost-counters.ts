/**
 * The `lost_events` counters every tool's BPF object has (bpf/include/ringbuf.h): one u64 per
 * slot, bumped in the kernel when a ring-buffer reservation fails. User space polls them and
 * reports what is new since the last poll; this is that bookkeeping, shared by IpcTrace,
 * SyscallRecorder and PacketTracer.
 */
import type { BpfObject } from './bpf-object';
import type { RingBuffer } from './ring-buffer';

export class LostCounters {
  private readonly seen = new Map<number, bigint>();
  private missesSeen = 0;

  constructor(
    private readonly obj: BpfObject,
    private readonly map = 'lost_events',
  ) {}

  /** The kernel's running total of one slot (0 when the slot was never bumped). */
  total(slot: number): bigint {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(slot);
    const v = this.obj.mapLookup(this.map, key);
    return v ? v.readBigUInt64LE(0) : 0n;
  }

  /**
   * What each slot lost since the last poll (slots with nothing new are left out). `slots`
   * limits the poll to those slots; otherwise every slot present in the map is read. A failed
   * map read (the object is closing) reports nothing rather than throwing from a timer.
   */
  poll(slots?: readonly number[]): Array<{ slot: number; count: number }> {
    const out: Array<{ slot: number; count: number }> = [];
    try {
      const list = slots ?? this.obj.mapKeys(this.map).map((k) => k.readUInt32LE(0));
      for (const slot of list) {
        const total = this.total(slot);
        const prev = this.seen.get(slot) ?? 0n;
        if (total === prev) continue;
        this.seen.set(slot, total);
        out.push({ slot, count: Number(total - prev) });
      }
    } catch {
      /* map gone: nothing to report */
    }
    return out;
  }

  /**
   * Hook runs the kernel skipped since the last call, over all programs (BpfObject.
   * totalMisses: a program already running on that CPU, which happens where tracepoint
   * programs are preemptible). Events those runs would have produced are lost.
   */
  pollMisses(): number {
    let total: number;
    try {
      total = this.obj.totalMisses();
    } catch {
      return 0;
    }
    const n = total - this.missesSeen;
    this.missesSeen = total;
    return n > 0 ? n : 0;
  }
}

/**
 * The end of a tracing session: deliver what is still in the ring (the programs stay attached
 * until the object closes, so nothing they saw is dropped), run `afterDrain` (a last loss
 * poll), then detach and release the kernel objects, even if a step failed.
 */
export function drainAndClose(ring: RingBuffer, obj: BpfObject, afterDrain?: () => void): void {
  try {
    ring.drain();
    afterDrain?.();
  } finally {
    ring.close();
    obj.close();
  }
}
