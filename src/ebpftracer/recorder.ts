/**
 * The syscall-recording library (what trailofbits' ebpfpub offers in C++, as a TypeScript API):
 *
 *   const rec = await SyscallRecorder.open({ syscalls: ['openat', '%network'] });
 *   for await (const ev of rec) console.log(ev.syscall, ev.params, ev.ret);
 *   await rec.stop();
 *
 * One precompiled BPF object (build/bpf/ebpftracer.bpf.o) records any syscall the kernel lists
 * in tracefs: the traced set is a table in a BPF map, compiled here from the kernel's format
 * files (schema.ts). Filters on pid (optionally with children), comm and uid, and failed-only,
 * run in the kernel. The recorder's own process is never recorded.
 */
import * as os from 'node:os';
import { BpfLoadError, BpfObject, RingBuffer, forEachRecord } from '../runtime';
import { bpfObjectPath } from '../runtime/objects';
import { configureScratch, possibleCpus, scratchSlots } from '../runtime/scratch-slots';
import { backupHooks } from '../runtime/backup-hooks';

export { possibleCpus };
import { MonotonicToWall } from '../runtime/clock';
import { BatchQueue } from '../runtime/batch-queue';
import { LostCounters, drainAndClose } from '../runtime/lost-counters';
import { SyscallCatalog, CatalogError } from './catalog';
import { compileSchema, DEFAULT_CAPTURE_BYTES, MAX_CAPTURE_BYTES } from './schema';
import { SyscallDecoder } from './records';
import type { SyscallEvent, SyscallSchema } from './event';
import { eventNameToNr, buildIa32Map } from './syscall-numbers';
import { expandSyscallList } from './syscall-classes';
import { SC_SCHEMA } from './layout.generated';

export interface RecorderFilters {
  /** Only these processes (tgids). */
  pids?: number[];
  /** With `pids`: also their descendants created after the start. */
  followChildren?: boolean;
  /** Only processes with these comms (exact, at most 15 bytes as the kernel keeps them). */
  comms?: string[];
  /** Only these real uids. */
  uids?: number[];
  /** Only calls that returned an error. */
  failedOnly?: boolean;
}

export interface RecorderOptions {
  /** Syscall names as in tracefs (`openat`, `newstat`) and strace classes (`%file`, `%network`). */
  syscalls: readonly string[];
  /** Bytes read per string/buffer argument (ebpftracer -b). Default 4096, at most 32760. */
  captureBytes?: number;
  /** Ring buffer bytes: a power of two, at least one page. Default 32 MiB. */
  ringBytes?: number;
  /** Calls in flight tracked at once (threads inside a traced syscall). Default 65536. */
  inflightEntries?: number;
  filters?: RecorderFilters;
  /** Receive events through a callback instead of the async iterator. */
  onEvent?: (ev: SyscallEvent) => void;
  /** Called after each ring-buffer batch (e.g. to flush output). */
  onBatchEnd?: () => void;
  /** Called when the kernel dropped events because the ring buffer was full. */
  onLost?: (count: number) => void;
  /** Hook runs the kernel skipped (a preempted program; see LostCounters.pollMisses). */
  onMissed?: (count: number) => void;
  /** Path of the compiled BPF object; default build/bpf/ebpftracer.bpf.o of this package. */
  objectPath?: string;
  /** tracefs `events/syscalls` directory (tests). */
  tracefsSyscalls?: string;
}

/** Kernel memory the recorder holds, by component (bytes), like ebpfpub's memoryUsage(). */
export interface MemoryUsage {
  /** Ring buffer shared by all CPUs (ebpfpub: "Perf output"). */
  ringBuffer: number;
  /** Per-CPU staging area for records (ebpfpub: "Buffer storage"). */
  scratch: number;
  /** Calls in flight, keyed by thread (ebpfpub: per-syscall event maps, not counted there). */
  inflight: number;
  /** Capture tables and the i386 number map. */
  tables: number;
  total: number;
}

export interface RecorderStats {
  events: number;
  /** Events the kernel could not queue (ring buffer full). */
  lost: number;
  /** Exits seen without their entry (seccomp denials, calls running at start). */
  noEnter: number;
  /** Hook runs the kernel skipped (a preempted program): their calls are not recorded. */
  missed: number;
}

/** Like ipcdump's. The consumer handles about 4 us per event, so a fast producer is absorbed by
 * the ring: the open/read/close/stat benchmark (50k loops, ~1 KiB of records per loop, 0.5 s)
 * lost events with 32 MiB and none with 64 MiB. */
export const DEFAULT_RING_BYTES = 64 * 1024 * 1024;
export const DEFAULT_INFLIGHT = 65536;
const SCRATCH_VALUE_BYTES = 120 + 56 + 40 + 65536 + 32768 + 64; // struct sc_scratch, rounded below
const INFLIGHT_VALUE_BYTES = 80;
const LOST_RING = 0;
const LOST_NO_ENTER = 1;

export class RecorderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecorderError';
  }
}

export function defaultObjectPath(): string {
  return bpfObjectPath('ebpftracer');
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Resolves names and classes against the running kernel's catalogue; one-line errors. */
export function resolveSyscalls(catalog: SyscallCatalog, items: readonly string[]): string[] {
  const list = items.map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new RecorderError('no syscall given (e.g. -t mkdir,rmdir or -t %file)');
  const { names, unknownClasses } = expandSyscallList(list, (n) => catalog.get(n) !== undefined);
  if (unknownClasses.length > 0) throw new RecorderError(`unknown syscall class ${unknownClasses.map((c) => `"${c}"`).join(', ')} (known: %file, %network, %process, %signal, %ipc, %desc, %memory, %creds, %clock, %stat, ...)`);
  try {
    return catalog.resolve(names).map((i) => i.name);
  } catch (err) {
    if (err instanceof CatalogError) throw new RecorderError(err.message);
    throw err;
  }
}

export class SyscallRecorder implements AsyncIterable<SyscallEvent> {
  private readonly obj: BpfObject;
  private readonly ring: RingBuffer;
  private readonly decoder: SyscallDecoder;
  private readonly clock = new MonotonicToWall();
  private readonly lostTimer: NodeJS.Timeout;
  private readonly lost: LostCounters;
  private readonly queue = new BatchQueue<SyscallEvent>();
  private stopped = false;
  private draining = false;
  readonly stats: RecorderStats = { events: 0, lost: 0, noEnter: 0, missed: 0 };
  /** The traced syscalls with their decoding schema, in the order given. */
  readonly schemas: readonly SyscallSchema[];
  private readonly memory: MemoryUsage;

  private constructor(private readonly opts: RecorderOptions) {
    const catalog = SyscallCatalog.load(opts.tracefsSyscalls);
    const names = resolveSyscalls(catalog, opts.syscalls);
    const captureBytes = opts.captureBytes ?? DEFAULT_CAPTURE_BYTES;
    if (!Number.isInteger(captureBytes) || captureBytes < 1 || captureBytes > MAX_CAPTURE_BYTES) {
      throw new RecorderError(`capture size ${captureBytes} is out of range (1..${MAX_CAPTURE_BYTES} bytes)`);
    }
    const ringBytes = opts.ringBytes ?? DEFAULT_RING_BYTES;
    if (!isPow2(ringBytes) || ringBytes < 4096) throw new RecorderError(`ring buffer size ${ringBytes} must be a power of two of at least 4096 bytes`);
    const inflightEntries = opts.inflightEntries ?? DEFAULT_INFLIGHT;
    if (!Number.isInteger(inflightEntries) || inflightEntries < 1 || inflightEntries > 1 << 22) {
      throw new RecorderError(`in-flight map size ${inflightEntries} is out of range (1..${1 << 22})`);
    }

    const byNr = new Map<number, SyscallSchema>();
    const compiled: { nr: number; bpf: Buffer }[] = [];
    const schemas: SyscallSchema[] = [];
    for (const name of names) {
      const nr = eventNameToNr('x86_64', name);
      if (nr === undefined) throw new RecorderError(`syscall "${name}" has no x86-64 number in ebpftracer's table (kernel newer than the table?)`);
      const c = compileSchema(catalog.get(name)!, captureBytes);
      byNr.set(nr, c.schema);
      compiled.push({ nr, bpf: c.bpf });
      schemas.push(c.schema);
    }
    this.schemas = schemas;
    this.decoder = new SyscallDecoder({ byNr: (nr) => byNr.get(nr) }, this.clock);

    const f = opts.filters ?? {};
    const cpus = possibleCpus();
    this.memory = {
      ringBuffer: ringBytes,
      scratch: scratchSlots(cpus) * SCRATCH_VALUE_BYTES,
      inflight: inflightEntries * (INFLIGHT_VALUE_BYTES + 4),
      tables: 512 * SC_SCHEMA.SIZE + 512 * 2,
      total: 0,
    };
    this.memory.total = this.memory.ringBuffer + this.memory.scratch + this.memory.inflight + this.memory.tables;

    const obj = BpfObject.open(opts.objectPath ?? defaultObjectPath());
    try {
      obj.setGlobalU32('self_tgid', process.pid);
      obj.setGlobalBool('filter_pid_on', (f.pids?.length ?? 0) > 0);
      obj.setGlobalBool('filter_comm_on', (f.comms?.length ?? 0) > 0);
      obj.setGlobalBool('filter_uid_on', (f.uids?.length ?? 0) > 0);
      obj.setGlobalBool('failed_only', !!f.failedOnly);
      obj.setMapMaxEntries('events', ringBytes);
      configureScratch(obj, 'scratch', cpus);
      obj.setMapMaxEntries('inflight', inflightEntries);
      obj.setAutoload('sc_fork', !!f.followChildren && (f.pids?.length ?? 0) > 0);
      // backup copies of the syscall hooks where the kernel may skip a run (backup-hooks.ts)
      const backups = backupHooks();
      obj.setGlobalBool('backup_hooks', backups);
      obj.setAutoload('sc_enter_backup', backups);
      obj.setAutoload('sc_exit_backup', backups);
      obj.load();
      for (const c of compiled) obj.mapUpdate('schema', u32(c.nr), c.bpf);
      const ia32 = buildIa32Map();
      for (let i = 0; i < ia32.length; i++) {
        if (ia32[i] === 0xffff || !byNr.has(ia32[i])) continue; // untraced: the default 0 slot is disabled anyway
        const v = Buffer.alloc(2);
        v.writeUInt16LE(ia32[i]);
        obj.mapUpdate('ia32_to_64', u32(i), v);
      }
      // Slots never written hold 0 (= x86-64 `read`): mark every other i386 number unsupported.
      const none = Buffer.from([0xff, 0xff]);
      for (let i = 0; i < ia32.length; i++) {
        if (ia32[i] === 0xffff || !byNr.has(ia32[i])) obj.mapUpdate('ia32_to_64', u32(i), none);
      }
      const one = Buffer.from([1]);
      for (const pid of f.pids ?? []) obj.mapUpdate('filter_pids', u32(pid), one);
      for (const uid of f.uids ?? []) obj.mapUpdate('filter_uids', u32(uid), one);
      for (const comm of f.comms ?? []) {
        const k = Buffer.alloc(16);
        k.write(comm.slice(0, 15), 'utf8');
        obj.mapUpdate('filter_comms', k, one);
      }
      this.ring = new RingBuffer(obj, 'events', (batch) => this.onBatch(batch));
      obj.attachAll();
    } catch (err) {
      obj.close();
      if (err instanceof BpfLoadError && err.programs.length > 0) {
        const what = err.programs.includes('sc_fork') ? 'following children (--follow)' : 'syscall recording';
        throw new RecorderError(`${what} cannot run on this kernel (Linux ${os.release()}): ${err.message}; \`ebpftracer --doctor\` shows what it offers`);
      }
      throw err;
    }
    this.obj = obj;
    this.lost = new LostCounters(obj);
    this.lostTimer = setInterval(() => this.pollLost(), 250);
    this.lostTimer.unref();
  }

  /** Load, configure and attach; events flow from now on. */
  static async open(opts: RecorderOptions): Promise<SyscallRecorder> {
    return new SyscallRecorder(opts);
  }

  /** What the recorder's kernel objects use, by component. */
  memoryUsage(): MemoryUsage {
    return { ...this.memory };
  }

  private onBatch(batch: Buffer): void {
    if (this.stopped && !this.draining) return;
    forEachRecord(batch, (off, len) => {
      const ev = this.decoder.decode(batch, off, len);
      if (!ev) return;
      this.stats.events++;
      if (this.opts.onEvent) this.opts.onEvent(ev);
      else this.queue.push(ev);
    });
    if (!this.opts.onEvent && this.queue.length > 0) this.queue.wake();
    this.opts.onBatchEnd?.();
  }

  private pollLost(): void {
    try {
      this.stats.noEnter = Number(this.lost.total(LOST_NO_ENTER)); // not a loss: a running count
    } catch {
      return;
    }
    const missed = this.lost.pollMisses();
    if (missed > 0) {
      this.stats.missed += missed;
      this.opts.onMissed?.(missed);
    }
    for (const { count } of this.lost.poll([LOST_RING])) {
      this.stats.lost += count;
      this.opts.onLost?.(count);
    }
  }

  /** Detach, deliver everything still in the ring, release the kernel objects. */
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

  async *[Symbol.asyncIterator](): AsyncIterator<SyscallEvent> {
    if (this.opts.onEvent) throw new Error('this recorder delivers events to onEvent');
    yield* this.queue.drain();
  }
}
