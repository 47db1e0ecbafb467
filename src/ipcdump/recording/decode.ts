/**
 * Decodes the entries of a recording (layout: format.ts) into the records, process info and
 * process events the tracer would have delivered. Pure and synchronous: the streaming, the
 * file and the error messages with file offsets are reader.ts's job.
 *
 * Every field is bounds-checked against its entry's size, and an entry must be used up exactly,
 * so a damaged size or field is reported as damage instead of decoding garbage.
 * Filters run here, as early as possible: an event of a type not asked for is skipped after
 * reading one byte, with nothing allocated.
 */
import type { Endpoint, IpcEvent, IpcType, Metadata, OutputRecord } from '../event';
import type { ProcEvent, ProcInfo } from '../proc-info';
import { readI64 } from './le';
import { EVENT_FIXED, FIRST_OPTIONAL_KIND, F_BYTES, Kind, PROC_KINDS, Tag, TYPE_TABLE } from './format';

/** A field or size that makes no sense; reader.ts adds the file and the offset. */
export class DamagedEntry extends Error {}

/** Far above the writer's cap (format.ts STRING_TABLE_MAX): only damage gets here. */
const MAX_STRINGS = 1 << 20;

export interface DecodeOptions {
  /** Event and lost-record types to deliver. */
  types: ReadonlySet<IpcType>;
  /** Pid/comm filter (makeEventFilter). */
  filter: (e: IpcEvent) => boolean;
  /** Keep the recorded bytes; without it events carry none (as a live run without -x). */
  captureBytes: boolean;
  /** Cut the bytes to this many (-B); 0 = no cut. */
  byteLimit: number;
  onRecord(rec: OutputRecord): void;
  onProcInfo?(info: ProcInfo): void;
  onProc?(ev: ProcEvent): void;
}

export class EntryDecoder {
  private readonly strings: string[] = [];
  private readonly wanted: boolean[];
  /** Event entries read, delivered (after filters). */
  read = 0;
  delivered = 0;
  /** Time of the last entry that carries one; the END entry's time once read. */
  lastNs: bigint | undefined;
  /** An END entry was read: nothing may follow. */
  ended = false;

  constructor(private readonly o: DecodeOptions) {
    this.wanted = TYPE_TABLE.map((t) => o.types.has(t));
  }

  /** Decode the entry of `kind` whose payload is b[start, end). */
  entry(kind: number, b: Buffer, start: number, end: number): void {
    if (this.ended) throw new DamagedEntry('an entry follows the end marker');
    switch (kind) {
      case Kind.EVENT:
        this.event(b, start, end);
        return;
      case Kind.STRING: {
        need(end - start >= 4, 'string entry too short');
        const id = b.readUInt32LE(start);
        if (id !== this.strings.length || id >= MAX_STRINGS) throw new DamagedEntry(`string id ${id} out of sequence (expected ${this.strings.length})`);
        this.strings.push(b.toString('utf8', start + 4, end));
        return;
      }
      case Kind.STRING_RESET:
        need(end === start, 'string table reset with a payload');
        this.strings.length = 0;
        return;
      case Kind.LOST:
        this.lost(b, start, end);
        return;
      case Kind.PROC_INFO:
        this.procInfo(b, start, end);
        return;
      case Kind.PROC_EVENT:
        this.procEvent(b, start, end);
        return;
      case Kind.END:
        need(end - start === 16, 'end marker of the wrong size');
        this.lastNs = readI64(b, start);
        this.ended = true;
        return;
      default:
        // Optional kinds from a newer writer carry nothing this reader needs.
        if (kind < FIRST_OPTIONAL_KIND) throw new DamagedEntry(`unknown entry kind ${kind}`);
    }
  }

  private str(id: number): string {
    const s = this.strings[id];
    if (s === undefined) throw new DamagedEntry(`string id ${id} was never defined`);
    return s;
  }

  private event(b: Buffer, o: number, end: number): void {
    need(end - o >= EVENT_FIXED, 'event entry too short');
    const typeId = b[o];
    const type = TYPE_TABLE[typeId];
    if (type === undefined) throw new DamagedEntry(`unknown IPC type id ${typeId}`);
    this.read++;
    if (!this.wanted[typeId]) {
      this.lastNs = readI64(b, o + 20);
      return;
    }
    const flags = b[o + 1];
    const n = b.readUInt16LE(o + 2);
    const src: Endpoint = { pid: b.readInt32LE(o + 4), comm: this.str(b.readUInt32LE(o + 12)) };
    const dst: Endpoint = { pid: b.readInt32LE(o + 8), comm: this.str(b.readUInt32LE(o + 16)) };
    const timeNs = readI64(b, o + 20);
    this.lastNs = timeNs;
    o += EVENT_FIXED;
    const metadata: Array<readonly [string, string | number]> = new Array(n);
    for (let i = 0; i < n; i++) {
      need(end - o >= 9, 'metadata runs past the entry');
      const key = this.str(b.readUInt32LE(o));
      const tag = b[o + 4];
      o += 5;
      let v: string | number;
      switch (tag) {
        case Tag.REF:
          v = this.str(b.readUInt32LE(o));
          o += 4;
          break;
        case Tag.INLINE: {
          const len = b.readUInt32LE(o);
          need(end - o - 4 >= len, 'metadata string runs past the entry');
          v = b.toString('utf8', o + 4, o + 4 + len);
          o += 4 + len;
          break;
        }
        case Tag.U32:
          v = b.readUInt32LE(o);
          o += 4;
          break;
        case Tag.F64:
          need(end - o >= 8, 'metadata number runs past the entry');
          v = b.readDoubleLE(o);
          o += 8;
          break;
        default:
          throw new DamagedEntry(`unknown metadata tag ${tag}`);
      }
      metadata[i] = [key, v];
    }
    let bytes: Buffer | undefined;
    if (flags & F_BYTES) {
      need(end - o >= 4, 'bytes length runs past the entry');
      const len = b.readUInt32LE(o);
      o += 4;
      need(end - o >= len, 'bytes run past the entry');
      // A view, not a copy: reader.ts gives each chunk its own Buffer when bytes are kept.
      if (this.o.captureBytes) bytes = b.subarray(o, o + (this.o.byteLimit > 0 && len > this.o.byteLimit ? this.o.byteLimit : len));
      o += len;
    }
    need(o === end, 'the entry is longer than its event');
    const event: IpcEvent = { type, src, dst, timeNs, metadata: metadata as Metadata };
    if (bytes !== undefined) event.bytes = bytes;
    if (!this.o.filter(event)) return;
    this.delivered++;
    this.o.onRecord({ kind: 'event', event });
  }

  private lost(b: Buffer, o: number, end: number): void {
    need(end - o === 17, 'lost record of the wrong size');
    const lostType = TYPE_TABLE[b[o]];
    if (lostType === undefined) throw new DamagedEntry(`unknown IPC type id ${b[o]}`);
    const timeNs = readI64(b, o + 9);
    this.lastNs = timeNs;
    // Pid and comm filters do not apply: a live run reports the losses of every traced type.
    if (!this.wanted[b[o]]) return;
    this.o.onRecord({ kind: 'lost', lost: { lostType, count: b.readDoubleLE(o + 1), timeNs } });
  }

  private procInfo(b: Buffer, o: number, end: number): void {
    need(end - o >= 14, 'process info too short');
    const pid = b.readInt32LE(o);
    const ppid = b.readInt32LE(o + 4);
    o += 8;
    const parts: string[] = [];
    for (let i = 0; i < 3; i++) {
      need(end - o >= 2, 'process info too short');
      const len = b.readUInt16LE(o);
      need(end - o - 2 >= len, 'process info string runs past the entry');
      parts.push(b.toString('utf8', o + 2, o + 2 + len));
      o += 2 + len;
    }
    need(o === end, 'the entry is longer than its process info');
    this.o.onProcInfo?.({ pid, ppid, comm: parts[0], cgroup: parts[1], group: parts[2] });
  }

  private procEvent(b: Buffer, o: number, end: number): void {
    need(end - o === 21, 'process event of the wrong size');
    const kind = PROC_KINDS[b[o]];
    if (kind === undefined) throw new DamagedEntry(`unknown process event kind ${b[o]}`);
    const timeNs = readI64(b, o + 9);
    this.lastNs = timeNs;
    const ev: ProcEvent = { kind, pid: b.readInt32LE(o + 1), ppid: b.readInt32LE(o + 5), comm: this.str(b.readUInt32LE(o + 17)), timeNs };
    this.o.onProc?.(ev);
  }
}

/** A check with a constant message (messages with values are built only when thrown). */
function need(ok: boolean, why: string): asserts ok {
  if (!ok) throw new DamagedEntry(why);
}
