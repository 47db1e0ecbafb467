/**
 * `ipcdump -w FILE`: an EventConsumer that writes every record, with the process info and
 * lifecycle events a replay needs, to a recording (layout: format.ts).
 *
 * - Entries are encoded straight into one reusable buffer and written with one write() per
 *   batch (batchEnd) or when the buffer passes FLUSH_AT: a few large writes, not one per event.
 *   Writes are synchronous, like the printed stream's (output/sink.ts): a slow disk then slows
 *   the consumer and the kernel reports lost events, instead of ipcdump buffering without
 *   bound. Whatever reached the file survives a SIGKILL; the reader stops at the last whole
 *   entry.
 * - The file is created or truncated with mode 0600 (captured bytes can be secrets).
 * - ProcInfo (ppid, cgroup) is written the first time a pid appears in an event, before that
 *   event, so a replay can group by process tree or container long after the processes died.
 *   A pid that exits (or is reused by a new fork) is forgotten, so its next owner is written
 *   again.
 * - Hot path: no allocation per event. Comms, metadata keys and short metadata values go
 *   through the string table (a Map lookup each); ids are kept in a preallocated array between
 *   the pass that defines new strings and the pass that writes the event.
 */
import * as fs from 'node:fs';
import { errnoReason as reason } from './errno';
import { writeI64, writeU32 } from './le';
import { writeAllSync } from '../../output/write-all';
import type { EventConsumer } from '../consumer';
import type { IpcEvent, LostRecord, OutputRecord } from '../event';
import type { ProcEvent, ProcInfo, ProcInfoCache } from '../proc-info';
import {
  EVENT_FIXED,
  FRAME_SIZE,
  F_BYTES,
  Kind,
  MAX_TABLE_STRING,
  PROC_KINDS,
  STRING_TABLE_MAX,
  Tag,
  TYPE_ID,
  encodeHeader,
  type RecordingMeta,
} from './format';

export interface RecordingWriterOptions {
  meta: RecordingMeta;
  /** Process info written at the first sight of each pid (ppid, cgroup) for grouping on replay. */
  procs: ProcInfoCache;
  /**
   * A write failed (disk full, I/O error): called once with a one-line message; the writer
   * drops everything after it. Without it the error is thrown out of record/batchEnd/close.
   */
  onError?: (err: Error) => void;
  /** Time written into the END entry at close; default now. A filtered copy passes the original's. */
  endNs?: () => bigint;
  /** Strings kept in the table before it is reset (tests use a small one); default STRING_TABLE_MAX. */
  stringTableMax?: number;
}

/** Write when this much is buffered, even mid-batch. */
export const FLUSH_AT = 1 << 20;


/** Create or truncate `path` with mode 0600 (also when it existed with another mode). */
function createRecordingFile(path: string): number {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC, 0o600);
  } catch (err) {
    throw new Error(`cannot create recording "${path}": ${reason(err)}`, { cause: err });
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isFile() && (st.mode & 0o7777) !== 0o600) fs.fchmodSync(fd, 0o600);
  } catch (err) {
    fs.closeSync(fd);
    throw new Error(`cannot set the permissions of recording "${path}": ${reason(err)}`, { cause: err });
  }
  return fd;
}

export class RecordingWriter implements EventConsumer {
  private buf = Buffer.allocUnsafe(FLUSH_AT + (64 << 10));
  private len = 0;
  private readonly strings = new Map<string, number>();
  /** pids whose ProcInfo is in the file already. */
  private readonly seen = new Set<number>();
  /** Per metadata pair of the event being written: key id, value id (-1: not a table string). */
  private ids = new Int32Array(64);
  private events = 0;
  private failed = false;
  private closed = false;
  private begun = false;

  constructor(
    private readonly fd: number,
    private readonly label: string,
    private readonly opts: RecordingWriterOptions,
  ) {}

  /**
   * Write the header now, with the time tracing started (the CLI calls this once the BPF
   * programs are attached, which can take a second: the recording, and the rates of a
   * summary made from it, start then, as the live summary does). Without a call, the header
   * goes out before the first entry, with the meta's own start.
   */
  begin(startNs?: bigint): void {
    if (this.begun || this.failed || this.closed) return;
    this.begun = true;
    this.put(encodeHeader(startNs === undefined ? this.opts.meta : { ...this.opts.meta, startNs }));
    // At once: a recording killed before its first batch is still valid (and empty).
    this.flush();
  }

  // --- EventConsumer -------------------------------------------------------------------------

  record(rec: OutputRecord): void {
    if (this.failed || this.closed) return;
    if (!this.begun) this.begin();
    if (rec.kind === 'event') this.writeEvent(rec.event);
    else this.writeLost(rec.lost);
    if (this.len >= FLUSH_AT) this.flush();
  }

  procEvent(ev: ProcEvent): void {
    if (this.failed || this.closed) return;
    if (!this.begun) this.begin();
    // A new process (fork) or a gone one (exit) may bring a pid back with another owner.
    if (ev.kind !== 'comm') this.seen.delete(ev.pid);
    this.roomForStrings(1);
    const comm = this.stringId(ev.comm);
    this.ensure(FRAME_SIZE + 21);
    let o = this.frame(Kind.PROC_EVENT, 21);
    o = this.buf.writeUInt8(PROC_KINDS.indexOf(ev.kind), o);
    o = this.buf.writeInt32LE(ev.pid, o);
    o = this.buf.writeInt32LE(ev.ppid, o);
    o = writeI64(this.buf, ev.timeNs, o);
    this.len = this.buf.writeUInt32LE(comm, o);
  }

  batchEnd(): void {
    this.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.begin();
    if (!this.failed) {
      this.ensure(FRAME_SIZE + 16);
      let o = this.frame(Kind.END, 16);
      o = writeI64(this.buf, this.opts.endNs ? this.opts.endNs() : BigInt(Date.now()) * 1_000_000n, o);
      this.len = this.buf.writeDoubleLE(this.events, o);
      this.flush();
    }
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch (err) {
      this.fail(err);
    }
  }

  // --- entries ---------------------------------------------------------------------------------

  private writeEvent(e: IpcEvent): void {
    this.events++;
    if (e.src.pid > 0 && !this.seen.has(e.src.pid)) this.writeProcInfo(e.src.pid, e.src.comm);
    if (e.dst.pid > 0 && !this.seen.has(e.dst.pid)) this.writeProcInfo(e.dst.pid, e.dst.comm);

    // Pass 1: make sure every string the event refers to is in the table (this may write
    // STRING entries, so it must happen before the event's own entry is started), and size it.
    const md = e.metadata;
    const n = md.length;
    this.roomForStrings(2 + 2 * n);
    if (this.ids.length < n * 2) this.ids = new Int32Array(n * 2);
    const srcComm = this.stringId(e.src.comm);
    const dstComm = this.stringId(e.dst.comm);
    let size = EVENT_FIXED;
    for (let i = 0; i < n; i++) {
      const v = md[i][1];
      this.ids[i * 2] = this.stringId(md[i][0]);
      if (typeof v === 'string') {
        if (v.length <= MAX_TABLE_STRING) {
          this.ids[i * 2 + 1] = this.stringId(v);
          size += 9;
        } else {
          this.ids[i * 2 + 1] = -1;
          size += 9 + Buffer.byteLength(v, 'utf8');
        }
      } else {
        this.ids[i * 2 + 1] = -1;
        size += isU32(v) ? 9 : 13;
      }
    }
    const bytes = e.bytes;
    if (bytes !== undefined) size += 4 + bytes.length;

    // Pass 2: the entry.
    this.ensure(FRAME_SIZE + size);
    const b = this.buf;
    let o = this.frame(Kind.EVENT, size);
    b[o++] = TYPE_ID[e.type];
    b[o++] = bytes !== undefined ? F_BYTES : 0;
    b[o++] = n;
    b[o++] = n >>> 8;
    o = writeU32(b, e.src.pid, o);
    o = writeU32(b, e.dst.pid, o);
    o = writeU32(b, srcComm, o);
    o = writeU32(b, dstComm, o);
    o = writeI64(b, e.timeNs, o);
    for (let i = 0; i < n; i++) {
      o = writeU32(b, this.ids[i * 2], o);
      const v = md[i][1];
      const ref = this.ids[i * 2 + 1];
      if (ref >= 0) {
        b[o++] = Tag.REF;
        o = writeU32(b, ref, o);
      } else if (typeof v === 'string') {
        b[o++] = Tag.INLINE;
        const w = b.write(v, o + 4, 'utf8');
        writeU32(b, w, o);
        o += 4 + w;
      } else if (isU32(v)) {
        b[o++] = Tag.U32;
        o = writeU32(b, v, o);
      } else {
        b[o++] = Tag.F64;
        o = b.writeDoubleLE(v, o);
      }
    }
    if (bytes !== undefined) {
      o = writeU32(b, bytes.length, o);
      o += bytes.copy(b, o);
    }
    this.len = o;
  }

  private writeLost(l: LostRecord): void {
    this.ensure(FRAME_SIZE + 17);
    let o = this.frame(Kind.LOST, 17);
    o = this.buf.writeUInt8(TYPE_ID[l.lostType], o);
    o = this.buf.writeDoubleLE(l.count, o);
    this.len = writeI64(this.buf, l.timeNs, o);
  }

  private writeProcInfo(pid: number, comm: string): void {
    this.seen.add(pid);
    const info: ProcInfo = this.opts.procs.lookup(pid, comm);
    const parts = [info.comm, info.cgroup, info.group].map((s) => {
      const b = Buffer.from(s, 'utf8');
      return b.length > 0xffff ? b.subarray(0, 0xffff) : b;
    });
    const size = 8 + parts.reduce((a, p) => a + 2 + p.length, 0);
    this.ensure(FRAME_SIZE + size);
    let o = this.frame(Kind.PROC_INFO, size);
    o = this.buf.writeInt32LE(pid, o);
    o = this.buf.writeInt32LE(info.ppid, o);
    for (const p of parts) {
      o = this.buf.writeUInt16LE(p.length, o);
      o += p.copy(this.buf, o);
    }
    this.len = o;
  }

  /**
   * Start a new string table when `k` more strings might not fit. Called before an entry's
   * ids are looked up, so a reset never invalidates ids of the entry being written.
   */
  private roomForStrings(k: number): void {
    if (this.strings.size + k <= (this.opts.stringTableMax ?? STRING_TABLE_MAX)) return;
    this.ensure(FRAME_SIZE);
    this.len = this.frame(Kind.STRING_RESET, 0);
    this.strings.clear();
  }

  /** The table id of `s`, defining it (a STRING entry) on first use. */
  private stringId(s: string): number {
    const id = this.strings.get(s);
    if (id !== undefined) return id;
    const next = this.strings.size;
    this.ensure(FRAME_SIZE + 4 + s.length * 3);
    const start = this.len;
    const w = this.buf.write(s, start + FRAME_SIZE + 4, 'utf8');
    this.frame(Kind.STRING, 4 + w);
    this.buf.writeUInt32LE(next, start + FRAME_SIZE);
    this.len = start + FRAME_SIZE + 4 + w;
    this.strings.set(s, next);
    return next;
  }

  // --- buffer ----------------------------------------------------------------------------------

  /** Writes the frame header of a `payload`-byte entry at the end; returns where the payload goes. */
  private frame(kind: Kind, payload: number): number {
    const o = writeU32(this.buf, payload + 1, this.len);
    this.buf[o] = kind;
    return o + 1;
  }

  /** Room for `n` more bytes: flush first when they do not fit, grow for one huge entry. */
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  private put(b: Buffer): void {
    this.ensure(b.length);
    this.len += b.copy(this.buf, this.len);
  }

  private flush(): void {
    const end = this.len;
    this.len = 0;
    if (end === 0 || this.failed) return;
    try {
      writeAllSync(this.fd, this.buf, end);
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const e = new Error(`failed to write ${this.label}: ${reason(err)}`, { cause: err });
    if (!this.opts.onError) throw e;
    this.opts.onError(e);
  }
}

/** Fits the 4-byte tag exactly (-0 does not: it goes as f64, so it comes back as -0). */
function isU32(v: number): boolean {
  return v >>> 0 === v && (v !== 0 || 1 / v > 0);
}

/**
 * Create (or truncate) `path`, so a bad path fails before tracing starts; the returned
 * consumer writes the header at begin() or before its first entry.
 */
export async function openRecordingWriter(path: string, opts: RecordingWriterOptions): Promise<RecordingWriter> {
  return new RecordingWriter(createRecordingFile(path), `recording "${path}"`, opts);
}
