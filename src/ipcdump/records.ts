/**
 * Decodes ring-buffer batches from bpf/ipcdump.bpf.c into IpcEvents.
 *
 * Offsets come from layout.generated.ts (generated from the object's BTF), never typed by hand.
 * Bytes of an event arrive as REC_DATA records BEFORE the event record with the same id;
 * they are collected here and attached when the event arrives.
 */
import { DATA_REC, IPC_FLAGS, IPC_REC, IPC_TYPE, PROC_REC, REC_HDR, REC_KIND, SCM_KIND } from './layout.generated';
import * as fs from 'node:fs';
import type { IpcEvent, IpcType, Metadata } from './event';
import { UNKNOWN_COMM, UNKNOWN_PID } from './event';
import type { ProcTable } from './proc-table';
import type { MonotonicToWall } from '../runtime/clock';
import type { ProcEvent } from './proc-info';
import { signalName } from './signals';
import { syscallName } from './syscall-names';
import { serviceName } from './services';

/** enum ipc_type value -> output type name. */
export const TYPE_NAMES: Record<number, IpcType> = {
  [IPC_TYPE.IPC_SIGNAL]: 'signal',
  [IPC_TYPE.IPC_PIPE]: 'pipe',
  [IPC_TYPE.IPC_UNIX_STREAM]: 'unix-stream',
  [IPC_TYPE.IPC_UNIX_DGRAM]: 'unix-dgram',
  [IPC_TYPE.IPC_UNIX_SEQPACKET]: 'unix-seqpacket',
  [IPC_TYPE.IPC_PTY]: 'pty',
  [IPC_TYPE.IPC_LOOPBACK_TCP]: 'loopback-tcp',
  [IPC_TYPE.IPC_LOOPBACK_UDP]: 'loopback-udp',
};

export const TYPE_IDS: Record<IpcType, number> = Object.fromEntries(
  Object.entries(TYPE_NAMES).map(([id, name]) => [name, Number(id)]),
) as Record<IpcType, number>;

/** Reads a NUL-terminated string out of a fixed-size char array. */
function cstr(buf: Buffer, off: number, max: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('latin1', off, end < 0 || end > off + max ? off + max : end);
}

function u64(view: Buffer, off: number): number {
  // exact below 2^53, which covers inode numbers and byte counts in practice
  return view.readUInt32LE(off) + view.readUInt32LE(off + 4) * 0x1_0000_0000;
}

/**
 * A sun_path as the original prints it: a filesystem path up to its first NUL; an abstract
 * name (leading NUL) as `@` + the bytes up to the next NUL; nothing bound: `<anonymous>`.
 */
export function unixPath(buf: Buffer, start: number, end: number): string {
  if (end <= start) return '<anonymous>';
  const abstract = buf[start] === 0;
  const from = abstract ? start + 1 : start;
  let stop = buf.indexOf(0, from);
  if (stop < 0 || stop > end) stop = end;
  const name = buf.toString('utf8', from, stop);
  return abstract ? '@' + name : name || '<anonymous>';
}

/** Kinds of descriptors passed with SCM_RIGHTS, as printed in the `fds` metadata. */
const SCM_NAMES: Record<number, string> = {
  [SCM_KIND.SCM_K_OTHER]: 'other',
  [SCM_KIND.SCM_K_PIPE]: 'pipe',
  [SCM_KIND.SCM_K_FIFO]: 'fifo',
  [SCM_KIND.SCM_K_UNIX_SOCKET]: 'unix-socket',
  [SCM_KIND.SCM_K_INET_SOCKET]: 'inet-socket',
  [SCM_KIND.SCM_K_SOCKET]: 'socket',
  [SCM_KIND.SCM_K_FILE]: 'file',
  [SCM_KIND.SCM_K_DIR]: 'dir',
  [SCM_KIND.SCM_K_CHARDEV]: 'chardev',
};
/** The path behind a process's descriptor, or undefined once it is closed. */
function fdPath(pid: number, fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** bpf/ipcdump.h SCM_MAX_FDS: kinds recorded per message. */
const SCM_SHOWN = IPC_REC.scm_fds - IPC_REC.scm_kinds;

const SENT_BEFORE = 'sender unknown (sent before tracing started)';

/**
 * Beyond the original: say when the src column is shared (the bytes read came from several
 * writers) or unknown (they were written before tracing started), so nobody is misled by it.
 */
function attributionNotes(flags: number, meta: Array<readonly [string, string | number]>, unknownNote: string): void {
  if (flags & IPC_FLAGS.IPC_F_MULTI_WRITER) meta.push(['writers', 'several']);
  if (flags & IPC_FLAGS.IPC_F_SRC_UNKNOWN_DATA) meta.push(['src_note', unknownNote]);
}

interface PendingData {
  chunks: Buffer[];
  age: number;
}

export class RecordDecoder {
  /** Event id -> bytes received so far; ids of events whose record was lost age out. */
  private readonly pending = new Map<number, PendingData>();
  private batchNo = 0;

  constructor(
    private readonly procs: ProcTable,
    private readonly clock: MonotonicToWall,
    private readonly wantBytes: boolean,
    /** Fork/exec/exit as the kernel reported them (the live map and recordings want ppid). */
    private readonly onProc?: (ev: ProcEvent) => void,
  ) {}

  /** Decode one record; returns an event for REC_IPC, undefined otherwise. */
  decode(buf: Buffer, off: number, len: number): IpcEvent | undefined {
    if (len < REC_HDR.SIZE) return undefined;
    const kind = buf.readUInt16LE(off + REC_HDR.kind);
    switch (kind) {
      case REC_KIND.REC_IPC:
        return this.decodeIpc(buf, off, len);
      case REC_KIND.REC_DATA:
        if (this.wantBytes) this.collectData(buf, off, len);
        return undefined;
      case REC_KIND.REC_PROC_FORK:
      case REC_KIND.REC_PROC_COMM: {
        const pid = buf.readInt32LE(off + PROC_REC.pid);
        const comm = cstr(buf, off + PROC_REC.comm, 16);
        this.procs.set(pid, comm);
        if (this.onProc) this.reportProc(kind === REC_KIND.REC_PROC_FORK ? 'fork' : 'comm', buf, off, pid, comm);
        return undefined;
      }
      case REC_KIND.REC_PROC_EXIT: {
        const pid = buf.readInt32LE(off + PROC_REC.pid);
        const comm = cstr(buf, off + PROC_REC.comm, 16);
        this.procs.exit(pid, comm);
        if (this.onProc) this.reportProc('exit', buf, off, pid, comm);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private reportProc(kind: ProcEvent['kind'], buf: Buffer, off: number, pid: number, comm: string): void {
    const ppid = kind === 'fork' ? buf.readInt32LE(off + PROC_REC.ppid) : -1;
    const timeNs = this.clock.toWallNs(buf.readBigUInt64LE(off + REC_HDR.ts));
    this.onProc!({ kind, pid, ppid, comm, timeNs });
  }

  /** Call after each batch: forgets bytes whose event record never came (it was lost). */
  endBatch(): void {
    this.batchNo++;
    if (this.lastChunk !== undefined) {
      // its event may come in the next batch (a batch can end between them)
      this.pending.set(this.lastId, { chunks: [this.lastChunk], age: this.batchNo });
      this.lastChunk = undefined;
    }
    if (this.pending.size === 0) return;
    for (const [id, p] of this.pending) {
      if (this.batchNo - p.age > 2) this.pending.delete(id);
    }
  }

  private idAt(buf: Buffer, off: number): number {
    return u64(buf, off);
  }

  /**
   * Bytes of one event usually arrive as one chunk right before the event record (the BPF
   * program emits them back to back), so keep that case in a single slot; chunks of several
   * events interleaved (other CPUs) go to the map. Chunks are views into the batch Buffer,
   * which the addon allocates afresh for every batch, so no copy is needed.
   */
  private lastId = -1;
  private lastChunk: Buffer | undefined;

  private collectData(buf: Buffer, off: number, len: number): void {
    const id = this.idAt(buf, off + DATA_REC.id);
    const n = buf.readUInt32LE(off + DATA_REC.len);
    const start = off + DATA_REC.data;
    const chunk = buf.subarray(start, Math.min(start + n, off + len));
    if (this.lastChunk === undefined && this.pending.size === 0) {
      this.lastId = id;
      this.lastChunk = chunk;
      return;
    }
    if (this.lastChunk !== undefined) {
      // a second chunk: move the slot into the map to keep chunk order per id
      this.pending.set(this.lastId, { chunks: [this.lastChunk], age: this.batchNo });
      this.lastChunk = undefined;
    }
    const p = this.pending.get(id);
    if (p) p.chunks.push(chunk);
    else this.pending.set(id, { chunks: [chunk], age: this.batchNo });
  }

  private takeData(id: number): Buffer | undefined {
    if (this.lastChunk !== undefined && this.lastId === id) {
      const c = this.lastChunk;
      this.lastChunk = undefined;
      return c;
    }
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    return p.chunks.length === 1 ? p.chunks[0] : Buffer.concat(p.chunks);
  }

  private comm(pid: number, buf: Buffer, off: number): string {
    if (pid < 0) return UNKNOWN_COMM;
    if (buf[off] !== 0) return cstr(buf, off, 16);
    return this.procs.get(pid) ?? UNKNOWN_COMM;
  }

  private decodeIpc(buf: Buffer, off: number, len: number): IpcEvent | undefined {
    const typeId = buf.readUInt16LE(off + IPC_REC.h_type);
    const type = TYPE_NAMES[typeId];
    if (!type) return undefined;
    const ts = buf.readBigUInt64LE(off + IPC_REC.h_ts);
    let srcPid = buf.readInt32LE(off + IPC_REC.src_pid);
    const dstPid = buf.readInt32LE(off + IPC_REC.dst_pid);
    if (srcPid <= 0) srcPid = UNKNOWN_PID;
    const event: IpcEvent = {
      type,
      src: { pid: srcPid, comm: this.comm(srcPid, buf, off + IPC_REC.src_comm) },
      dst: { pid: dstPid <= 0 ? UNKNOWN_PID : dstPid, comm: this.comm(dstPid, buf, off + IPC_REC.dst_comm) },
      timeNs: this.clock.toWallNs(ts),
      metadata: this.metadata(type, buf, off, len),
    };
    const dataLen = buf.readUInt32LE(off + IPC_REC.data_len);
    if (dataLen > 0 && this.wantBytes) {
      const bytes = this.takeData(this.idAt(buf, off + IPC_REC.id));
      if (bytes) event.bytes = bytes;
    }
    return event;
  }

  private metadata(type: IpcType, buf: Buffer, off: number, len: number): Metadata {
    if (type === 'signal') {
      const sig = buf.readInt32LE(off + IPC_REC.sig);
      return [
        ['num', sig],
        ['name', signalName(sig)],
      ];
    }
    if (type === 'loopback-tcp' || type === 'loopback-udp') {
      const proto = type === 'loopback-tcp' ? 'tcp' : 'udp';
      const sp = buf.readUInt16LE(off + IPC_REC.src_port);
      const dp = buf.readUInt16LE(off + IPC_REC.dst_port);
      const meta: Array<readonly [string, string | number]> = [
        ['src_port', sp],
        ['src_serv', serviceName(sp, proto)],
        ['dst_port', dp],
        ['dst_serv', serviceName(dp, proto)],
        ['dst_inode', u64(buf, off + IPC_REC.inode)],
        ['count', u64(buf, off + IPC_REC.count)],
      ];
      attributionNotes(buf.readUInt32LE(off + IPC_REC.flags), meta, SENT_BEFORE);
      return meta;
    }
    if (type === 'pty') {
      const nameLen = buf.readUInt16LE(off + IPC_REC.name_len);
      const start = off + IPC_REC.name;
      return [
        ['tty_name', buf.toString('utf8', start, Math.min(start + nameLen, off + len))],
        ['dst_sid', buf.readInt32LE(off + IPC_REC.inode)],
        ['count', u64(buf, off + IPC_REC.count)],
      ];
    }
    if (type === 'unix-stream' || type === 'unix-dgram' || type === 'unix-seqpacket') {
      return this.unixMetadata(type, buf, off, len);
    }
    // pipe
    const nameLen = buf.readUInt16LE(off + IPC_REC.name_len);
    const nameEnd = Math.min(off + IPC_REC.name + nameLen, off + len);
    const name = nameLen > 0 ? buf.toString('utf8', off + IPC_REC.name, nameEnd) : '<anonymous>';
    const meta: Array<readonly [string, string | number]> = [
      ['pipe_name', name],
      ['pipe_inode', u64(buf, off + IPC_REC.inode)],
      ['count', u64(buf, off + IPC_REC.count)],
    ];
    // Beyond the original: say how the data moved when it was not a plain read(), and when
    // the attribution is shared or unknown, so nobody is misled by the src column.
    const nr = buf.readUInt32LE(off + IPC_REC.syscall);
    const sc = syscallName(nr);
    if (sc !== 'read') meta.push(['syscall', sc]);
    attributionNotes(buf.readUInt32LE(off + IPC_REC.flags), meta, 'written before tracing started');
    return meta;
  }

  /** unix sockets: `path` as the original (`@name` for abstract names), count, src_inode. */
  private unixMetadata(type: IpcType, buf: Buffer, off: number, len: number): Metadata {
    const nameLen = buf.readUInt16LE(off + IPC_REC.name_len);
    const start = off + IPC_REC.name;
    const end = Math.min(start + nameLen, off + len);
    const meta: Array<readonly [string, string | number]> = [
      ['path', unixPath(buf, start, end)],
      ['count', u64(buf, off + IPC_REC.count)],
    ];
    if (type !== 'unix-stream') meta.push(['src_inode', u64(buf, off + IPC_REC.src_inode)]);
    const flags = buf.readUInt32LE(off + IPC_REC.flags);
    // Beyond the original: descriptors and credentials passed with the data.
    const nfds = buf.readUInt32LE(off + IPC_REC.scm_nfds);
    if (nfds > 0) {
      const kinds: string[] = [];
      const dst = buf.readInt32LE(off + IPC_REC.dst_pid);
      for (let i = 0; i < Math.min(nfds, SCM_SHOWN); i++) {
        const kind = buf[off + IPC_REC.scm_kinds + i];
        const name = SCM_NAMES[kind] ?? 'other';
        // files: name them by the receiver's new descriptor, while it still has it open
        if (kind === SCM_KIND.SCM_K_FILE || kind === SCM_KIND.SCM_K_DIR || kind === SCM_KIND.SCM_K_FIFO) {
          const path = fdPath(dst, buf.readInt32LE(off + IPC_REC.scm_fds + 4 * i));
          kinds.push(path ? `${name}:${path}` : name);
        } else {
          kinds.push(name);
        }
      }
      if (nfds > SCM_SHOWN) kinds.push(`+${nfds - SCM_SHOWN} more`);
      meta.push(['fds', kinds.join(',')]);
    }
    if (flags & IPC_FLAGS.IPC_F_CREDS) {
      const pid = buf.readInt32LE(off + IPC_REC.cred_pid);
      meta.push(['creds', `pid=${pid} uid=${buf.readUInt32LE(off + IPC_REC.cred_uid)} gid=${buf.readUInt32LE(off + IPC_REC.cred_gid)}`]);
    }
    attributionNotes(flags, meta, SENT_BEFORE);
    return meta;
  }
}
