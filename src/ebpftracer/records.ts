/**
 * Decodes ebpftracer's ring-buffer records (struct sc_hdr + struct sc_cap list, see
 * bpf/ebpftracer.h) into SyscallEvents, and joins each call's ENTER record (entry-time
 * captures) with its EXIT record by thread id and entry timestamp.
 */
import type { Arch, ParamSpec, ParamValue, SyscallEvent, SyscallSchema } from './event';
import { SC_CAP, SC_CAP_STATUS, SC_HDR, SC_REC_FLAGS, SC_REC_KIND } from './layout.generated';
import { decodeSockaddr, decodeStruct } from './decode-values';
import { errnoName } from './output/errno';

interface Capture {
  status: number;
  count: number;
  data: Buffer;
  atExit: boolean;
}

interface PendingEnter {
  ts: bigint;
  caps: (Capture | undefined)[];
}

/** Maps a monotonic (boot-relative) timestamp to wall-clock ns. */
export interface Clock {
  toWallNs(monoNs: bigint): bigint;
}

export interface SchemaLookup {
  /** Schema for an x86-64 syscall number, if traced. */
  byNr(nr: number): SyscallSchema | undefined;
}

const MAX_PENDING = 65536;

export class SyscallDecoder {
  /** ENTER records waiting for their EXIT, by thread id. */
  private readonly pending = new Map<number, PendingEnter>();

  constructor(
    private readonly schemas: SchemaLookup,
    private readonly clock: Clock,
  ) {}

  /** Returns the finished event for EXIT/SINGLE records, undefined for ENTER records. */
  decode(buf: Buffer, off: number, len: number): SyscallEvent | undefined {
    if (len < SC_HDR.SIZE) return undefined;
    const kind = buf.readUInt16LE(off + SC_HDR.kind);
    const flags = buf.readUInt16LE(off + SC_HDR.flags);
    const tid = buf.readUInt32LE(off + SC_HDR.tid);
    const ts = buf.readBigUInt64LE(off + SC_HDR.ts);
    const ncap = buf.readUInt16LE(off + SC_HDR.ncap);
    const caps = this.readCaps(buf, off, len, ncap, kind === SC_REC_KIND.SC_REC_EXIT);

    if (kind === SC_REC_KIND.SC_REC_ENTER) {
      if (this.pending.size >= MAX_PENDING) this.pending.clear(); // exits lost: forget, don't grow
      this.pending.set(tid, { ts, caps });
      return undefined;
    }
    if (kind === SC_REC_KIND.SC_REC_EXIT && flags & SC_REC_FLAGS.SC_F_ENTER_REC) {
      const p = this.pending.get(tid);
      if (p && p.ts === ts) {
        this.pending.delete(tid);
        // an exit-time capture of the same argument (a retry after an entry fault) wins
        for (let i = 0; i < 6; i++) if (!caps[i] && p.caps[i]) caps[i] = p.caps[i];
      }
    }
    const nr = buf.readUInt16LE(off + SC_HDR.nr);
    const schema = this.schemas.byNr(nr);
    if (!schema) return undefined;
    return this.build(buf, off, kind, flags, ts, schema, caps);
  }

  private readCaps(buf: Buffer, off: number, len: number, ncap: number, atExit: boolean): (Capture | undefined)[] {
    const caps: (Capture | undefined)[] = [];
    let p = off + SC_HDR.SIZE;
    const end = off + len;
    for (let k = 0; k < ncap && p + SC_CAP.SIZE <= end; k++) {
      const index = buf[p + SC_CAP.index];
      const clen = buf.readUInt32LE(p + SC_CAP.len);
      const dataStart = p + SC_CAP.SIZE;
      if (dataStart + clen > end || index > 5) break;
      caps[index] = {
        status: buf[p + SC_CAP.status],
        count: buf.readUInt16LE(p + SC_CAP.count),
        // a copy: the batch buffer is released after decoding
        data: Buffer.from(buf.subarray(dataStart, dataStart + clen)),
        atExit,
      };
      p = dataStart + ((clen + 7) & ~7);
    }
    return caps;
  }

  private build(buf: Buffer, off: number, kind: number, flags: number, ts: bigint, schema: SyscallSchema, caps: (Capture | undefined)[]): SyscallEvent {
    const args: bigint[] = [];
    for (let i = 0; i < 6; i++) args.push(buf.readBigUInt64LE(off + SC_HDR.args + i * 8));
    const compat = (flags & SC_REC_FLAGS.SC_F_COMPAT) !== 0;
    const arch: Arch = compat ? 'i386' : 'x86_64';
    const rawRet = buf.readBigInt64LE(off + SC_HDR.ret);
    const single = kind === SC_REC_KIND.SC_REC_SINGLE;
    const ret = single ? undefined : compat ? BigInt.asIntN(32, rawRet) : rawRet;

    const params: Record<string, ParamValue> = {};
    const faulted: string[] = [];
    const truncated: string[] = [];
    const readAtExit: string[] = [];
    for (const p of schema.params) {
      params[p.name] = this.param(p, args[p.index], caps[p.index], compat, faulted, truncated, readAtExit);
    }
    const commEnd = buf.indexOf(0, off + SC_HDR.comm);
    const comm = buf.toString('utf8', off + SC_HDR.comm, commEnd >= 0 && commEnd < off + SC_HDR.comm + 16 ? commEnd : off + SC_HDR.comm + 16);
    const ev: SyscallEvent = {
      syscall: schema.name,
      header: {
        timestamp: ts,
        process_id: buf.readUInt32LE(off + SC_HDR.tgid),
        thread_id: buf.readUInt32LE(off + SC_HDR.tid),
        user_id: buf.readUInt32LE(off + SC_HDR.uid),
        group_id: buf.readUInt32LE(off + SC_HDR.gid),
        exit_code: ret === undefined ? 0n : BigInt.asUintN(64, ret),
        probe_error: faulted.length > 0,
        duration: buf.readBigUInt64LE(off + SC_HDR.duration),
      },
      comm,
      arch,
      nativeNr: buf.readUInt16LE(off + SC_HDR.native_nr),
      args,
      params,
      schema,
      faulted,
      truncated,
      readAtExit,
      noEnter: (flags & SC_REC_FLAGS.SC_F_NO_ENTER) !== 0,
      wallNs: this.clock.toWallNs(ts),
    };
    if (ret !== undefined) {
      ev.ret = ret;
      if (ret < 0n && ret >= -4095n) {
        const name = errnoName(Number(-ret));
        if (name) ev.errno = name;
      }
    }
    return ev;
  }

  private param(p: ParamSpec, raw: bigint, cap: Capture | undefined, compat: boolean, faulted: string[], truncated: string[], readAtExit: string[]): ParamValue {
    if (p.kind === 'int') {
      if (p.width === 4 || compat) return p.signed ? Number(BigInt.asIntN(32, raw)) : Number(BigInt.asUintN(32, raw));
      return p.signed ? BigInt.asIntN(64, raw) : raw;
    }
    if (raw === 0n) return null;
    if (p.kind === 'pointer' || !cap) return raw; // not read (e.g. the call failed): the address
    if (cap.status === SC_CAP_STATUS.SC_ST_NULL) return null;
    if (cap.status === SC_CAP_STATUS.SC_ST_FAULT) {
      faulted.push(p.name);
      return raw;
    }
    if (cap.status === SC_CAP_STATUS.SC_ST_TRUNC) truncated.push(p.name);
    if (cap.atExit && p.when === 'enter') readAtExit.push(p.name);
    const d = cap.data;
    switch (p.kind) {
      case 'string': {
        const nul = d.indexOf(0);
        return d.toString('utf8', 0, nul >= 0 ? nul : d.length);
      }
      case 'bytes':
        return d;
      case 'sockaddr':
        return decodeSockaddr(d);
      case 'argv': {
        const out: string[] = [];
        let s = 0;
        for (let i = 0; i < cap.count && s < d.length; i++) {
          const nul = d.indexOf(0, s);
          const e = nul >= 0 ? nul : d.length;
          out.push(d.toString('utf8', s, e));
          s = e + 1;
        }
        return out;
      }
      case 'struct':
        // i386 structs have other layouts: raw bytes
        return compat ? d : decodeStruct(p.struct!, d);
    }
  }
}
