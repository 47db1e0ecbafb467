/**
 * PacketTracer: ipftrace as a library. Loads bpf/ipftrace.bpf.c, attaches it to the hooks the
 * kernel offers (plan.ts), and turns its records into PacketTraces (assembler.ts).
 *
 *   const t = await PacketTracer.open({ filter: { proto: 1 }, onTrace: (tr) => ... });
 *   ...
 *   await t.stop();   // detaches, drains, flushes what is still open ("end not observed")
 */

import { BpfObject, RingBuffer, forEachRecord } from '../runtime';
import { bpfObjectPath } from '../runtime/objects';
import { Btf, enumByValue } from '../runtime/btf';
import { MonotonicToWall } from '../runtime/clock';
import { BatchQueue } from '../runtime/batch-queue';
import { LostCounters, drainAndClose } from '../runtime/lost-counters';
import { TraceAssembler } from './assembler';
import type { PacketEvent, PacketTrace } from './event';
import { compileField, fieldsConfig, formatFieldValue, MAX_FIELDS, type CompiledField } from './fields';
import { KernelSymbols } from './kallsyms';
import type { Manifest } from './manifest';
import { planHooks, type Backend, type BackendChoice, type HookPlan } from './plan';
import { decodeEvent, type DecodeContext } from './records';
import { IPFT_SLOT } from './layout.generated';
import { ARG_NONE, SLOT_COUNT } from './hooks';
import { parseAddress, type FlowFilter } from './filter';
import type { IpftModule } from './modules';

export const DEFAULT_LENGTH = 80;
export const DEFAULT_IDLE_MS = 1000;
export const DEFAULT_GRACE_MS = 200;
/** Bursts of hops are buffered here while the consumer catches up: ~200 B per hop, so 64 MiB
 * holds ~330k hops (the benchmark's 50k packets in 0.1 s are 400k). */
export const DEFAULT_RING_BYTES = 64 * 1024 * 1024;

export class TracerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TracerError';
  }
}

export interface PacketTracerOptions {
  filter?: FlowFilter;
  /** auto (default): kernel functions when kprobes work, plus tracepoints; else tracepoints. */
  backend?: Backend;
  /** v1 manifest: an allow-list of hooks; `egress: true` ends a list. */
  manifest?: Manifest;
  manifestFile?: string;
  /** v1 -r: hooks whose name matches (anchored at the start, as Python's re.match). */
  regex?: RegExp;
  /** -l: hops per printed list (default 80, 0 = unlimited). */
  length?: number;
  /** A packet with no hop for this long is printed as "end not observed" (default 1000). */
  idleMs?: number;
  /** BTF field paths recorded at every hop (skb->mark, shinfo->gso_size, ...). */
  fields?: string[];
  module?: IpftModule;
  /** Receive each finished trace; without it, iterate the tracer. */
  onTrace?(trace: PacketTrace): void;
  onLost?(n: number): void;
  /** Hook runs the kernel skipped (a preempted program; see LostCounters.pollMisses). */
  onMissed?(n: number): void;
  /** Non-fatal notes (hooks that could not be attached, manifest entries skipped). */
  onWarning?(message: string): void;
  objectPath?: string;
  ringBytes?: number;
}

export interface TracerStats {
  events: number;
  traces: number;
  lost: number;
  /** Hook runs the kernel skipped (a preempted program): their hops are missing. */
  missed: number;
}

/** Constant name -> value of the (usually anonymous) enum that defines `member`. */
function enumContaining(btf: Btf, member: string): Map<bigint, string> {
  for (let id = 1; id < btf.typeCount; id++) {
    if (btf.kind(id) !== 'enum') continue;
    const vals = btf.enumValues(id);
    if (vals.some((v) => v.name === member)) return new Map(vals.map((v) => [v.value, v.name]));
  }
  return new Map();
}

function defaultObjectPath(): string {
  return bpfObjectPath('ipftrace');
}

function slotConfig(plan: HookPlan): Buffer {
  const buf = Buffer.alloc(IPFT_SLOT.SIZE * SLOT_COUNT, 0);
  for (let i = 0; i < SLOT_COUNT; i++) {
    const o = i * IPFT_SLOT.SIZE;
    const h = plan.tracepoints[i];
    buf[o + IPFT_SLOT.skb_arg] = h ? h.skbArg : ARG_NONE;
    buf[o + IPFT_SLOT.a_arg] = h ? h.aArg : ARG_NONE;
    buf[o + IPFT_SLOT.b_arg] = h ? h.bArg : ARG_NONE;
    buf[o + IPFT_SLOT.dev_arg] = h ? h.devArg : ARG_NONE;
    buf[o + IPFT_SLOT.flags] = h ? h.flags : 0;
  }
  return buf;
}

export class PacketTracer implements AsyncIterable<PacketTrace> {
  private readonly obj: BpfObject;
  private readonly ring: RingBuffer;
  private readonly assembler: TraceAssembler;
  private readonly ctx: DecodeContext;
  private readonly clock = new MonotonicToWall();
  private readonly timer: NodeJS.Timeout;
  private readonly queue = new BatchQueue<PacketTrace>();
  private readonly lost: LostCounters;
  private stopped = false;
  readonly stats: TracerStats = { events: 0, traces: 0, lost: 0, missed: 0 };
  /** What was attached, and why this backend. */
  readonly plan: HookPlan;
  readonly fields: readonly CompiledField[];
  private readonly moduleFieldCount: number;

  private constructor(private readonly opts: PacketTracerOptions) {
    const btf = Btf.vmlinux();
    const warn = (m: string) => opts.onWarning?.(m);
    const length = opts.length ?? DEFAULT_LENGTH;
    if (!Number.isInteger(length) || length < 0) throw new TracerError(`length ${length} must be a whole number >= 0`);
    const idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    if (!(idleMs > 0)) throw new TracerError(`idle timeout ${idleMs} ms must be > 0`);

    const fieldSpecs = [...(opts.module?.fields ?? []), ...(opts.fields ?? [])];
    if (fieldSpecs.length > MAX_FIELDS) throw new TracerError(`at most ${MAX_FIELDS} fields can be recorded (got ${fieldSpecs.length})`);
    this.fields = fieldSpecs.map((f) => compileField(btf, f));
    this.moduleFieldCount = opts.module?.fields?.length ?? 0;

    this.plan = planHooks(btf, { backend: opts.backend ?? 'auto', manifest: opts.manifest, manifestFile: opts.manifestFile, regex: opts.regex, warn });

    const syms = KernelSymbols.shared();
    const reasons = enumByValue(btf, 'skb_drop_reason') ?? new Map<bigint, string>();
    const tcpStates = enumContaining(btf, 'TCP_ESTABLISHED');
    const enumCache = new Map<number, Map<bigint, string> | null>();
    const fields = this.fields;
    this.ctx = {
      slots: this.plan.tracepoints,
      functionAt: (ip) => syms.lookupExact(ip) ?? syms.resolve(ip),
      symbol: (a) => syms.resolve(a),
      dropReason: (code) => {
        const name = reasons.get(BigInt(code));
        if (name) return name.replace(/^SKB_DROP_REASON_/, '');
        // Subsystem reasons carry the subsystem in the upper 16 bits (SKB_DROP_REASON_SUBSYS_SHIFT).
        return code >>> 16 ? `subsystem ${code >>> 16} reason ${code & 0xffff}` : `reason ${code}`;
      },
      enumName: (typeId, v) => {
        let m = enumCache.get(typeId);
        if (m === undefined) {
          const r = btf.resolve(typeId);
          const k = btf.kind(r);
          m = k === 'enum' || k === 'enum64' ? new Map(btf.enumValues(r).map((e) => [e.value, e.name])) : null;
          enumCache.set(typeId, m);
        }
        return m?.get(v);
      },
      tcpState: (v) => tcpStates.get(BigInt(v)),
      fields,
      toWallMs: (ns) => Number(this.clock.toWallNs(ns) / 1000000n),
    };

    this.assembler = new TraceAssembler({
      length,
      idleNs: BigInt(Math.round(idleMs * 1e6)),
      graceNs: BigInt(DEFAULT_GRACE_MS * 1e6),
      egress: this.plan.egress,
      onTrace: (t) => this.deliver(t),
    });

    const f = opts.filter ?? {};
    const obj = BpfObject.open(opts.objectPath ?? defaultObjectPath());
    try {
      obj.setGlobal('slots', slotConfig(this.plan));
      obj.setGlobal('fields_cfg', fieldsConfig(this.fields));
      obj.setGlobalU32('nfields', this.fields.length);
      obj.setGlobalU64('idle_ns', BigInt(Math.round(idleMs * 1e6)));
      obj.setGlobalBool('func_ip_helper', this.plan.funcIpHelper);
      for (const [name, slot] of Object.entries(this.plan.globals)) obj.setGlobalU32(name, slot);
      if (f.ipVersion) obj.setGlobal('f_ipver', Buffer.from([f.ipVersion]));
      if (f.saddr) {
        obj.setGlobalBool('f_saddr_on', true);
        obj.setGlobal('f_saddr', parseAddress(f.saddr).bytes);
      }
      if (f.daddr) {
        obj.setGlobalBool('f_daddr_on', true);
        obj.setGlobal('f_daddr', parseAddress(f.daddr).bytes);
      }
      const s32 = (name: string, v: number | undefined) => {
        if (v === undefined) return;
        const b = Buffer.alloc(4);
        b.writeInt32LE(v);
        obj.setGlobal(name, b);
      };
      s32('f_proto', f.proto);
      s32('f_sport', f.sport);
      s32('f_dport', f.dport);
      obj.setMapMaxEntries('events', opts.ringBytes ?? DEFAULT_RING_BYTES);
      const used = new Set(this.plan.programs);
      for (const p of obj.programNames()) obj.setAutoload(p, used.has(p));
      obj.load();
      this.ring = new RingBuffer(obj, 'events', (batch) => this.onBatch(batch));
      this.plan.attach(obj, warn);
    } catch (err) {
      obj.close();
      throw err;
    }
    this.obj = obj;
    this.lost = new LostCounters(obj);
    this.timer = setInterval(() => this.onTick(), 100);
    this.timer.unref();
  }

  static async open(opts: PacketTracerOptions = {}): Promise<PacketTracer> {
    return new PacketTracer(opts);
  }

  private onBatch(batch: Buffer): void {
    forEachRecord(batch, (off, len) => {
      const r = decodeEvent(batch, off, len, this.ctx);
      if (!r) return;
      this.stats.events++;
      this.decorate(r.event);
      this.assembler.add(r);
    });
    if (!this.opts.onTrace && this.queue.length > 0) this.queue.wake();
  }

  /** Module output and field values into the Custom Data text: a module's format() shows its
   * own fields its way; every other field is shown as "path: value". */
  private decorate(ev: PacketEvent): void {
    const mod = this.opts.module;
    if (!mod?.format && !ev.fields) return; // the common case: nothing to add
    const parts: string[] = [];
    if (mod?.format) parts.push(mod.format(ev));
    if (ev.fields) {
      this.fields.forEach((f, i) => {
        if (mod?.format && i < this.moduleFieldCount) return;
        parts.push(`${f.path}: ${formatFieldValue(f, ev.fields![f.path])}`);
      });
    }
    if (parts.length) ev.custom = parts.join('  ');
  }

  private deliver(t: PacketTrace): void {
    this.stats.traces++;
    if (this.opts.onTrace) this.opts.onTrace(t);
    else this.queue.push(t);
  }

  private pollLost(): void {
    const missed = this.lost.pollMisses();
    if (missed > 0) {
      this.stats.missed += missed;
      this.opts.onMissed?.(missed);
    }
    for (const { count } of this.lost.poll([0])) {
      this.stats.lost += count;
      this.opts.onLost?.(count);
    }
  }


  private onTick(): void {
    this.pollLost();
    this.assembler.tick(process.hrtime.bigint());
    if (!this.opts.onTrace && this.queue.length > 0) this.queue.wake();
  }

  /** Detach, deliver what is still in the ring, print every open trace, release the kernel objects. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    drainAndClose(this.ring, this.obj, () => this.pollLost());
    this.assembler.flushAll();
    this.queue.end();
  }

  get openTraces(): number {
    return this.assembler.openTraces;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<PacketTrace> {
    if (this.opts.onTrace) throw new Error('this tracer delivers traces to onTrace');
    yield* this.queue.drain();
  }
}

export type { BackendChoice };
