/**
 * The recording file format written by `ipcdump -w` and read by `ipcdump -r` (format 1).
 *
 *   file    = magic(8) version(u16) reserved(u16) header_len(u32) header(JSON, header_len bytes)
 *             entry*
 *   entry   = size(u32) kind(u8) payload(size - 1 bytes)
 *
 * All integers are little-endian. The header is RecordingMeta as UTF-8 JSON (startNs as a
 * decimal string: JSON has no 64-bit integers).
 *
 * Entry kinds (payloads; `str` = u16 length + UTF-8, `ref` = u32 id in the string table):
 *   1 STRING      id(u32) utf8...            define string table entry `id` (must be the next one)
 *   2 STRING_RESET                           forget the string table (the writer caps it)
 *   3 EVENT       type(u8) flags(u8) nmeta(u16) src_pid(i32) dst_pid(i32) src_comm(ref)
 *                 dst_comm(ref) time_ns(i64) nmeta x meta [bytes_len(u32) bytes]
 *                 meta = key(ref) tag(u8) value:
 *                   tag 0 ref (string from the table)   tag 1 u32 length + UTF-8 (inline string)
 *                   tag 2 u32 (a number 0..2^32-1)      tag 3 f64 (any other number)
 *                 flags bit 0: the event carries captured bytes (which may be zero long)
 *   4 LOST        type(u8) count(f64) time_ns(i64)
 *   5 PROC_INFO   pid(i32) ppid(i32) comm(str) cgroup(str) group(str)
 *   6 PROC_EVENT  kind(u8: 0 fork, 1 comm, 2 exit) pid(i32) ppid(i32) time_ns(i64) comm(ref)
 *   7 END         time_ns(i64) events(f64)       written by close(); nothing may follow
 *   128..255      optional: a reader that does not know the kind skips it
 *
 * Why this shape:
 *  - Length-prefixed entries: a recording cut off anywhere (SIGKILL, a full disk, `head -c`)
 *    is still readable up to its last whole entry, and the reader can tell a cut tail (the
 *    last size runs past the end of the file) from damage (a size or field that makes no
 *    sense). END tells a recording that was closed from one that was killed.
 *  - Binary, fixed-width fields: decoding a field is one Buffer read, no parsing, and values
 *    come back exactly as they went in: a number stays a number (u32 or f64, never text), a
 *    string stays a string, so every output format prints the same characters on replay.
 *    Strings are UTF-8, which is exact for every string the tracer makes (comms are latin1,
 *    paths are decoded UTF-8: neither has lone surrogates).
 *  - A string table for comms, metadata keys and short metadata values: these repeat on
 *    nearly every event, so an event is a few fixed-width ids (smaller files) and the reader
 *    hands out the same string objects again instead of decoding each one (faster replay,
 *    no per-event string allocation). Ids are defined by STRING entries before first use, so
 *    a cut or filtered recording stays self-contained. The writer resets the table at
 *    STRING_TABLE_MAX entries, so a process renaming itself in a loop cannot grow it forever.
 *  - Our own type ids (TYPE_TABLE), not the BPF object's enum: those may change with the
 *    kernel side, a recording must not.
 *  - The JSON header is small, rare and self-describing, so adding a field needs no new
 *    format version. VERSION changes only when an old reader would misread a file; it refuses
 *    newer versions with a message naming both. Optional kinds (128+) can be added without it.
 */
import type { IpcType } from '../event';

/** What a recording says about itself, in its header. */
export interface RecordingMeta {
  /** ipcdump version and commit that wrote it (versionString()). */
  writer: string;
  hostname: string;
  kernel: string;
  /** Wall-clock start of the recording, ns since the epoch. */
  startNs: bigint;
  types: IpcType[];
  captureBytes: boolean;
  /** -B in effect; 0 = no limit. */
  byteLimit: number;
  /** The command line that made it. */
  argv: string[];
  /**
   * For a filtered copy (`-r A -w B`): who recorded A and how. hostname, kernel and startNs
   * stay those of the original, since the events happened there and then.
   */
  copiedFrom?: { writer: string; argv: string[] };
}

/** 0x89 keeps the file from looking like text; then "IPCDREC". */
export const MAGIC = Buffer.from([0x89, 0x49, 0x50, 0x43, 0x44, 0x52, 0x45, 0x43]);
/** The format this ipcdump writes, and the newest it reads. */
export const FORMAT_VERSION = 1;
/** magic + version + reserved + header length. */
export const PREAMBLE_SIZE = 16;
/** A header is a few hundred bytes; anything this big is not a header. */
export const MAX_HEADER_SIZE = 1 << 20;

/** size(u32) + kind(u8). */
export const FRAME_SIZE = 5;
/**
 * No entry is bigger than this: an event's bytes are at most 16 MiB (-B's maximum; the kernel
 * side captures at most 1 MiB), plus metadata. A larger size field is damage, not a long entry.
 */
export const MAX_ENTRY_SIZE = 32 << 20;

export const enum Kind {
  STRING = 1,
  STRING_RESET = 2,
  EVENT = 3,
  LOST = 4,
  PROC_INFO = 5,
  PROC_EVENT = 6,
  END = 7,
}
/** Kinds from here on may be skipped by a reader that does not know them. */
export const FIRST_OPTIONAL_KIND = 128;

export const enum Tag {
  REF = 0,
  INLINE = 1,
  U32 = 2,
  F64 = 3,
}

/** EVENT flags. */
export const F_BYTES = 1;

/** Fixed part of an EVENT payload: type, flags, nmeta, two pids, two comm refs, time. */
export const EVENT_FIXED = 1 + 1 + 2 + 4 + 4 + 4 + 4 + 8;

/** The writer starts a new table after this many strings (ids fit the reader's array). */
export const STRING_TABLE_MAX = 1 << 16;
/** Metadata strings up to this many UTF-16 units go into the table; longer ones inline. */
export const MAX_TABLE_STRING = 64;

/** Stable type ids of the format. Append new types; never reorder. */
export const TYPE_TABLE: readonly IpcType[] = [
  'signal',
  'pipe',
  'unix-stream',
  'unix-dgram',
  'unix-seqpacket',
  'pty',
  'loopback-tcp',
  'loopback-udp',
];
export const TYPE_ID: Readonly<Record<IpcType, number>> = Object.fromEntries(TYPE_TABLE.map((t, i) => [t, i])) as Record<IpcType, number>;

export const PROC_KINDS = ['fork', 'comm', 'exit'] as const;

/** The file's first bytes: magic, version, the header JSON. */
export function encodeHeader(meta: RecordingMeta): Buffer {
  const json = Buffer.from(JSON.stringify({ ...meta, startNs: meta.startNs.toString() }), 'utf8');
  const pre = Buffer.alloc(PREAMBLE_SIZE);
  MAGIC.copy(pre, 0);
  pre.writeUInt16LE(FORMAT_VERSION, 8);
  pre.writeUInt32LE(json.length, 12);
  return Buffer.concat([pre, json]);
}

/** Header JSON back to RecordingMeta; throws a message (the caller adds the file name). */
export function decodeHeaderJson(json: Buffer): RecordingMeta {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new Error('its header is damaged (not valid JSON)');
  }
  if (typeof raw !== 'object' || raw === null || typeof raw.startNs !== 'string' || !/^-?\d+$/.test(raw.startNs)) {
    throw new Error('its header is damaged (no start time)');
  }
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const meta: RecordingMeta = {
    writer: str(raw.writer),
    hostname: str(raw.hostname),
    kernel: str(raw.kernel),
    startNs: BigInt(raw.startNs),
    types: strs(raw.types).filter((t): t is IpcType => t in TYPE_ID),
    captureBytes: raw.captureBytes === true,
    byteLimit: typeof raw.byteLimit === 'number' ? raw.byteLimit : 0,
    argv: strs(raw.argv),
  };
  const c = raw.copiedFrom as Record<string, unknown> | undefined;
  if (c && typeof c === 'object') meta.copiedFrom = { writer: str(c.writer), argv: strs(c.argv) };
  return meta;
}
