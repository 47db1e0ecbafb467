/**
 * The ipcdump library API: start a trace, receive typed events, stop it.
 *
 *   const trace = await IpcTrace.start({ types: ['signal', 'pipe'], captureBytes: true });
 *   for await (const rec of trace) { ... }        // or: IpcTrace.start({ onRecord })
 *   await trace.stop();
 *
 * Pid and type filtering happens in the kernel (filtered-out IPC costs little); comm filters
 * run here. The CLI (src/cli/ipcdump.ts) is a thin layer over this class.
 */
import * as os from 'node:os';
import { BpfLoadError, BpfObject, RingBuffer, forEachRecord } from '../runtime';
import { bpfObjectPath } from '../runtime/objects';
import { configureScratch, possibleCpus } from '../runtime/scratch-slots';
import type { IpcEvent, IpcType, LostRecord, OutputRecord } from './event';
import { IMPLEMENTED_TYPES } from './types';
import { makeEventFilter, emptyFilterOptions, type FilterOptions } from './filter';
import { RecordDecoder, TYPE_IDS, TYPE_NAMES } from './records';
import { ProcTable } from './proc-table';
import type { ProcEvent } from './proc-info';
import { MonotonicToWall } from '../runtime/clock';
import { BatchQueue } from '../runtime/batch-queue';
import { LostCounters, drainAndClose } from '../runtime/lost-counters';
import { IPC_TYPE } from './layout.generated';
import { LIFECYCLE_PROGRAMS, hookBackups, programsFor, retargetedPrograms } from './hooks';

export interface TraceOptions {
  /** IPC types to trace; default: every implemented type. */
  types?: Iterable<IpcType>;
  /** Pid/comm filters: OR within a class, AND across classes (see filter.ts). */
  filters?: Partial<FilterOptions>;
  /** Capture the bytes moved (ipcdump -x). */
  captureBytes?: boolean;
  /** Bytes captured per event; 0 = the maximum (1 MiB). ipcdump -B. */
  byteLimit?: number;
  /** Ring buffer size in bytes (power of two, multiple of the page size). Default 64 MiB. */
  ringBytes?: number;
  /** How often lost-event counters are read, ms. Default 250. */
  lostPollMs?: number;
  /** Receive records through a callback instead of the async iterator. */
  onRecord?: (rec: OutputRecord) => void;
  /** Called after each ring-buffer batch has been delivered (e.g. to flush output). */
  onBatchEnd?: () => void;
  /** Path of the compiled BPF object; default: build/bpf/ipcdump.bpf.o of this package. */
  objectPath?: string;
  /** Hook runs the kernel skipped (a preempted program; see LostCounters.pollMisses). */
  onMissed?: (count: number) => void;
  /** Events whose captured bytes were cut short because the ring was full (-x). */
  onBytesCut?: (count: number) => void;
  /**
   * Processes forked, renamed (exec, prctl) or exited while tracing, in ring order with the
   * events (a fork comes before the child's first event). For process trees and recordings.
   */
  onProc?: (ev: ProcEvent) => void;
}

/**
 * Default ring size: 64 MiB absorbs a ~2 s burst at 400k events/s with bytes, while the
 * consumer formats output (measured: a 16 MiB ring lost events to a 1-byte pipe ping-pong
 * traced with -x). It is kernel memory for the life of the trace; TraceOptions.ringBytes
 * changes it.
 */
export const DEFAULT_RING_BYTES = 64 * 1024 * 1024;

/** Bytes captured per event at most: MAX_DATA_CHUNKS x DATA_CHUNK in bpf/ipcdump.h. */
export const MAX_CAPTURE_BYTES = 64 * 16384;

const UNIX_TYPES: readonly IpcType[] = ['unix-stream', 'unix-dgram', 'unix-seqpacket'];

export function defaultObjectPath(): string {
  // dist/src/ipcdump/tracer.js -> <package root>/build/bpf/ipcdump.bpf.o
  return bpfObjectPath('ipcdump');
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/**
 * A program the kernel refused becomes "the pipe, pty collectors cannot run on this kernel":
 * the user picked types, not programs. The libbpf detail stays in the message.
 */
function nameCollectors(err: unknown, types: ReadonlySet<IpcType>): unknown {
  if (!(err instanceof BpfLoadError) || err.programs.length === 0) return err;
  const failed = new Set(err.programs);
  const hit = [...types].filter((t) => programsFor(t).some((p) => failed.has(p)));
  const who = hit.length > 0 ? `the ${hit.join(', ')} collector${hit.length > 1 ? 's' : ''}` : 'process tracking';
  return new Error(`${who} cannot run on this kernel (Linux ${os.release()}): ${err.message}; \`ipcdump --doctor\` shows what it offers`, { cause: err });
}

export interface TraceStats {
  events: number;
  lost: Partial<Record<IpcType, number>>;
  /** Hook runs the kernel skipped; their events are lost, of unknown type. */
  missed: number;
  /** Events delivered with fewer captured bytes than they carried: the ring was full. */
  bytesCut: number;
}

export class IpcTrace implements AsyncIterable<OutputRecord> {
  private readonly obj: BpfObject;
  private readonly ring: RingBuffer;
  private readonly decoder: RecordDecoder;
  private readonly clock = new MonotonicToWall();
  private readonly commFilter: (e: IpcEvent) => boolean;
  private readonly lost: LostCounters;
  private readonly lostTimer: NodeJS.Timeout;
  /** Records waiting for the async iterator. */
  private readonly queue = new BatchQueue<OutputRecord>();
  private stopped = false;
  /** true while stop() empties the ring: batches are still decoded then. */
  private draining = false;
  readonly stats: TraceStats = { events: 0, lost: {}, missed: 0, bytesCut: 0 };
  readonly types: ReadonlySet<IpcType>;

  private constructor(private readonly opts: TraceOptions) {
    const types = new Set(opts.types ?? IMPLEMENTED_TYPES);
    for (const t of types) {
      if (!IMPLEMENTED_TYPES.has(t)) throw new Error(`IPC type ${t} is not available in this version`);
    }
    if (types.size === 0) throw new Error('no IPC type selected');
    this.types = types;

    const filters: FilterOptions = { ...emptyFilterOptions(), ...opts.filters };
    // Pids are filtered in the kernel; only comms are left for here.
    this.commFilter = makeEventFilter({ pids: { any: [], src: [], dst: [] }, comms: filters.comms });

    const procs = new ProcTable();
    procs.seedFromProc();
    this.decoder = new RecordDecoder(procs, this.clock, !!opts.captureBytes, opts.onProc);

    const obj = BpfObject.open(opts.objectPath ?? defaultObjectPath());
    try {
      obj.setGlobalU32('self_tgid', process.pid);
      const cap = opts.captureBytes ? opts.byteLimit || MAX_CAPTURE_BYTES : 0;
      obj.setGlobalU32('byte_cap', Math.min(cap, MAX_CAPTURE_BYTES));
      obj.setGlobalBool('filter_any_on', filters.pids.any.length > 0);
      obj.setGlobalBool('filter_src_on', filters.pids.src.length > 0);
      obj.setGlobalBool('filter_dst_on', filters.pids.dst.length > 0);
      const unixBits = UNIX_TYPES.filter((t) => types.has(t)).reduce((b, t) => b | (1 << TYPE_IDS[t]), 0);
      obj.setGlobalBool('trace_unix', unixBits !== 0);
      obj.setGlobalBool('trace_pipe', types.has('pipe'));
      obj.setGlobalBool('trace_pty', types.has('pty'));
      const loBits = (['loopback-tcp', 'loopback-udp'] as const).filter((t) => types.has(t)).reduce((b, t) => b | (1 << TYPE_IDS[t]), 0);
      obj.setGlobalBool('trace_loopback', loBits !== 0);
      obj.setGlobal('loopback_types', Buffer.from([loBits]));
      obj.setGlobal('unix_types', Buffer.from([unixBits]));
      obj.setMapMaxEntries('events', opts.ringBytes ?? DEFAULT_RING_BYTES);
      configureScratch(obj, 'scratch_map', possibleCpus());
      obj.setGlobalBool('backup_hooks', hookBackups());
      // Which hooks serve each type on this kernel: hooks.ts (shared with --doctor).
      const wanted = new Set<string>(LIFECYCLE_PROGRAMS);
      for (const t of types) for (const p of programsFor(t)) wanted.add(p);
      for (const p of obj.programNames()) obj.setAutoload(p, wanted.has(p));
      for (const [p, fn] of retargetedPrograms()) if (wanted.has(p)) obj.setAttachTarget(p, fn);
      obj.load();
      const one = Buffer.from([1]);
      for (const pid of filters.pids.any) obj.mapUpdate('filter_any', u32(pid), one);
      for (const pid of filters.pids.src) obj.mapUpdate('filter_src', u32(pid), one);
      for (const pid of filters.pids.dst) obj.mapUpdate('filter_dst', u32(pid), one);
      // The ring buffer consumer starts before the hooks so nothing is missed.
      this.ring = new RingBuffer(obj, 'events', (batch) => this.onBatch(batch));
      obj.attachAll();
    } catch (err) {
      obj.close();
      throw nameCollectors(err, types);
    }
    this.obj = obj;
    this.lost = new LostCounters(obj);
    this.lostTimer = setInterval(() => this.pollLost(), opts.lostPollMs ?? 250);
    this.lostTimer.unref();
  }

  /** Load, configure and attach the BPF programs; events flow from now on. */
  static async start(opts: TraceOptions = {}): Promise<IpcTrace> {
    return new IpcTrace(opts);
  }

  private deliver(rec: OutputRecord): void {
    if (this.opts.onRecord) {
      this.opts.onRecord(rec);
      return;
    }
    this.queue.push(rec);
    this.queue.wake();
  }

  private onBatch(batch: Buffer): void {
    if (this.stopped && !this.draining) return;
    forEachRecord(batch, (off, len) => {
      const ev = this.decoder.decode(batch, off, len);
      if (ev && this.commFilter(ev)) {
        this.stats.events++;
        this.deliver({ kind: 'event', event: ev });
      }
    });
    this.decoder.endBatch();
    this.opts.onBatchEnd?.();
  }

  /** Read the in-kernel per-type loss counters and report what is new. */
  private pollLost(): void {
    const missed = this.lost.pollMisses();
    if (missed > 0) {
      this.stats.missed += missed;
      this.opts.onMissed?.(missed);
    }
    for (const { slot, count } of this.lost.poll()) {
      if (slot === IPC_TYPE.IPC_BYTES_CUT) {
        this.stats.bytesCut += count;
        this.opts.onBytesCut?.(count);
        continue;
      }
      const lostType = slot === IPC_TYPE.IPC_PROC ? undefined : TYPE_NAMES[slot];
      if (!lostType) continue; // lifecycle records: only comms of new processes suffer
      this.stats.lost[lostType] = (this.stats.lost[lostType] ?? 0) + count;
      const lost: LostRecord = { lostType, count, timeNs: this.clock.nowWallNs() };
      this.deliver({ kind: 'lost', lost });
    }
  }


  /** Detach, deliver everything still in the ring, report final losses, release the kernel objects. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.lostTimer);
    this.draining = true;
    try {
      drainAndClose(this.ring, this.obj, () => this.pollLost());
    } finally {
      this.draining = false;
    }
    this.queue.end();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<OutputRecord> {
    if (this.opts.onRecord) throw new Error('this trace delivers records to onRecord');
    yield* this.queue.drain();
  }
}

export { TYPE_IDS };
