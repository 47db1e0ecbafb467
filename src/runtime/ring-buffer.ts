/**
 * RingBuffer: consumes a BPF_MAP_TYPE_RINGBUF map (libbpf's struct ring_buffer /
 * cilium/ebpf's ringbuf.Reader) and hands records to JS in batches.
 *
 * Why batches: a JS call per record costs ~1-2 µs and cannot keep up with a busy producer;
 * one call per batch of thousands costs ~30 ns per record (shared/reference/
 * node-bpf-runtime.md). Each batch is ONE Buffer, framed as
 *
 *     [u32 len (LE)][u32 0][payload: len bytes][zero padding to a multiple of 8] ...
 *
 * so a reader walks it with forEachRecord() and decodes fields through a DataView at fixed
 * offsets; payloads start 8-byte aligned.
 *
 * When the addon drains (see native/src/ring_buffer.h for the why of each piece):
 *   - on a wake-up from the kernel: the BPF side (bpf/include/ringbuf.h) wakes user space
 *     only when pending data crosses rb_wake_threshold, not per record;
 *   - every `intervalMs` (default 10 ms), to pick up a trickle below the threshold;
 *   - right away (0 ms timer) after a batch that hit `maxBatchBytes`, yielding to the event
 *     loop in between;
 *   - synchronously on drain(), e.g. at shutdown so nothing is lost.
 *
 * While open, the consumer keeps the process alive (a tracer waits for events) and keeps
 * itself, its callback and its BpfObject reachable; unref() opts out of the former. close()
 * releases everything, is idempotent, and may be called from inside onBatch. Close the ring
 * buffer before its BpfObject (the addon holds its own dup of the map fd, so the other order
 * is safe too, but pointless: the programs stop producing).
 *
 * An exception thrown by onBatch during an event-loop drain is reported like any throwing
 * event handler ('uncaughtException'); thrown during drain(), it propagates to the caller.
 */
import { BpfObject } from './bpf-object';
import { BpfUsageError, RingBufferError, nativeErrorInfo } from './errors';
import { loadNative, type NativeRingBuffer } from './native';

export interface RingBufferOptions {
  /**
   * Drain period in ms. Default 10. 0 disables the timer and relies on kernel wake-ups
   * alone: only for producers using libbpf's adaptive notification (bpf_ringbuf_submit(r, 0)).
   * With bpf/include/ringbuf.h's batched wake-ups, records below the wake threshold would
   * wait until enough new data crosses it.
   */
  intervalMs?: number;
  /** Close a batch once it holds this many framed bytes (one record may overshoot). Default 1 MiB. */
  maxBatchBytes?: number;
}

export const DEFAULT_INTERVAL_MS = 10;
export const DEFAULT_MAX_BATCH_BYTES = 1 << 20;

/** Size of the per-record frame header: u32 length + u32 reserved (0). */
export const RECORD_HEADER_BYTES = 8;

export type BatchHandler = (batch: Buffer, nrecords: number) => void;

export class RingBuffer {
  readonly mapName: string;
  /** Referenced so the object (and its attached programs) lives as long as the consumer. */
  private readonly obj: BpfObject;
  private native: NativeRingBuffer | null;

  constructor(obj: BpfObject, mapName: string, onBatch: BatchHandler, opts: RingBufferOptions = {}) {
    const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
    const maxBatchBytes = opts.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    if (!Number.isInteger(intervalMs) || intervalMs < 0 || intervalMs > 0x7fffffff) {
      throw new BpfUsageError(`ring buffer '${mapName}': intervalMs must be a non-negative integer, got ${intervalMs}`);
    }
    if (!Number.isInteger(maxBatchBytes) || maxBatchBytes < RECORD_HEADER_BYTES || maxBatchBytes > 0x7fffffff) {
      throw new BpfUsageError(`ring buffer '${mapName}': maxBatchBytes must be an integer >= ${RECORD_HEADER_BYTES}, got ${maxBatchBytes}`);
    }
    const info = obj.mapInfo(mapName);
    if (info.typeName !== 'ringbuf') {
      throw new BpfUsageError(`map '${mapName}' of BPF object ${obj.path} is not a ring buffer (its type is ${info.typeName})`);
    }
    const fd = obj.mapFd(mapName);
    const addon = loadNative();
    this.mapName = mapName;
    this.obj = obj;
    // The closure is what the addon holds on to while open: it keeps `this` (and this.obj)
    // reachable.
    const deliver: BatchHandler = (batch, nrecords) => onBatch.call(this, batch, nrecords);
    try {
      this.native = new addon.RingBuffer(fd, deliver, intervalMs, maxBatchBytes);
    } catch (err) {
      const e = nativeErrorInfo(err);
      if (e === undefined) throw err;
      throw new RingBufferError(mapName, e, err);
    }
  }

  /** The BpfObject this ring buffer reads from. */
  get object(): BpfObject {
    return this.obj;
  }

  get closed(): boolean {
    return this.native === null;
  }

  /** Synchronously delivers everything pending now (call before close() at shutdown). */
  drain(): void {
    this.native?.drain();
  }

  /** Stops waiting and frees the consumer; no onBatch call happens after this. Idempotent. */
  close(): void {
    if (this.native === null) return;
    const native = this.native;
    this.native = null;
    native.close();
  }

  /** Let the process exit even while this ring buffer is open (like socket.unref()). */
  unref(): this {
    this.native?.unref();
    return this;
  }

  /** Undo unref(): keep the process alive while open (the default). */
  ref(): this {
    this.native?.ref();
    return this;
  }
}

/**
 * Walks a batch's framing, calling fn(offset, len) with the payload's offset in `batch` and
 * its length. Throws on a malformed batch (truncated frame or non-zero reserved word).
 */
export function forEachRecord(batch: Buffer, fn: (offset: number, len: number) => void): void {
  const end = batch.length;
  let off = 0;
  while (off < end) {
    if (off + RECORD_HEADER_BYTES > end) {
      throw new RangeError(`malformed ring-buffer batch: truncated record header at offset ${off} of ${end}`);
    }
    const len = batch.readUInt32LE(off);
    if (batch.readUInt32LE(off + 4) !== 0) {
      throw new RangeError(`malformed ring-buffer batch: reserved word of the record at offset ${off} is not 0`);
    }
    const payload = off + RECORD_HEADER_BYTES;
    const next = payload + ((len + 7) & ~7);
    if (payload + len > end || next > end) {
      throw new RangeError(`malformed ring-buffer batch: record at offset ${off} (${len} bytes) overruns the batch (${end} bytes)`);
    }
    fn(payload, len);
    off = next;
  }
}

/** Number of records in a batch (walks the framing). */
export function countRecords(batch: Buffer): number {
  let n = 0;
  forEachRecord(batch, () => {
    n++;
  });
  return n;
}
