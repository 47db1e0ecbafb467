/**
 * `ipcdump -r FILE`: read a recording (layout: format.ts) and deliver its records as the
 * tracer would have, with the same filters, -x and -B semantics.
 *
 * - Streaming: the file is read in READ_CHUNK pieces (recordings can be GBs), never whole.
 *   Each chunk is decoded synchronously, then onBatchEnd runs (the consumers flush) and the
 *   next read is awaited, which lets the event loop run in between: Ctrl-C, -c and the map's
 *   server stay responsive during a long replay. Reads are sequential (no offsets), so a pipe
 *   works too (`-r /dev/stdin`).
 * - An entry cut in two by a chunk boundary is moved to the front of the next chunk. When
 *   bytes are kept (-x), every chunk is a new Buffer, because events carry views into it;
 *   otherwise one buffer is reused.
 * - Ends: the file's end after a whole entry (fine); a tail shorter than its entry's size (a
 *   recording cut off by SIGKILL or `head -c`: not an error, ReplayStats.truncatedBytes says
 *   how much was ignored); damage (a size or field that makes no sense): `done` rejects with
 *   one line naming the byte offset, after everything before it was delivered.
 * - Errors before the first entry (missing file, no permission, not a recording, a newer
 *   format, a header cut short) make openRecording/replayRecording throw one line.
 */
import * as fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { IpcType, OutputRecord } from '../event';
import { makeEventFilter, type FilterOptions } from '../filter';
import type { ProcEvent, ProcInfoCache } from '../proc-info';
import { DamagedEntry, EntryDecoder } from './decode';
import { errnoReason } from './errno';
import { FORMAT_VERSION, FRAME_SIZE, MAGIC, MAX_ENTRY_SIZE, MAX_HEADER_SIZE, PREAMBLE_SIZE, decodeHeaderJson, type RecordingMeta } from './format';

export interface ReplayOptions {
  types: ReadonlySet<IpcType>;
  filters: FilterOptions;
  /** -x: keep the recorded bytes (cut to byteLimit); without it events carry no bytes. */
  captureBytes: boolean;
  byteLimit: number;
  /** Filled from the recording's process-info entries before the events that need them. */
  procs: ProcInfoCache;
  onRecord(rec: OutputRecord): void;
  onProc?(ev: ProcEvent): void;
  onBatchEnd?(): void;
  /** Bytes read at a time (tests use tiny chunks to cut entries everywhere). */
  chunkBytes?: number;
}

export interface ReplayStats {
  /** Events delivered (after filters). */
  events: number;
  /** Event entries in the part of the file read, filtered out or not. */
  eventsRead: number;
  /** Bytes at the end that did not form a whole entry (a recording cut off by SIGKILL). */
  truncatedBytes: number;
  /** The recording was closed properly (it ends with its end marker). */
  complete: boolean;
  /** When the recording ended: its end marker's time, else the last time read, else its start. */
  endNs: bigint;
}

export interface Replay {
  meta: RecordingMeta;
  /** Stop early (-c reached, Ctrl-C): no record is delivered after this returns. */
  stop(): void;
  /** Resolves at the end of the file; rejects with a clear message on a damaged file. */
  done: Promise<ReplayStats>;
  /** Like ReplayStats.endNs, so far (what a replay stopped early has reached). */
  readonly endNs: bigint;
}

/** 1 MiB: about 15k events without bytes, decoded in a few milliseconds. */
export const READ_CHUNK = 1 << 20;
/** Start a new buffer when less than this is free in the current one (a pipe gives 64 KiB a read). */
const MIN_READ = 64 << 10;

/** A recording whose header has been read: replay() streams its entries once. */
export interface Recording {
  path: string;
  meta: RecordingMeta;
  replay(opts: ReplayOptions): Replay;
  /** Release the file without replaying (replay() closes it at its end). */
  close(): Promise<void>;
}

/** Read until `len` bytes are in or the file ends; returns how many were read. */
async function readFully(fh: FileHandle, buf: Buffer, off: number, len: number): Promise<number> {
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, off + got, len - got, null);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** Open `path` and check its magic, version and header; throws one line. */
export async function openRecording(path: string): Promise<Recording> {
  const label = `recording "${path}"`;
  let fh: FileHandle;
  try {
    fh = await fs.promises.open(path, 'r');
  } catch (err) {
    throw new Error(`cannot read ${label}: ${errnoReason(err)}`, { cause: err });
  }
  try {
    const pre = Buffer.alloc(PREAMBLE_SIZE);
    let n: number;
    try {
      n = await readFully(fh, pre, 0, PREAMBLE_SIZE);
    } catch (err) {
      throw new Error(`cannot read ${label}: ${errnoReason(err)}`, { cause: err });
    }
    if (n === 0) throw new Error(`${label} is empty: not an ipcdump recording, or ipcdump was killed before it wrote anything`);
    const magicLen = Math.min(n, MAGIC.length);
    if (!pre.subarray(0, magicLen).equals(MAGIC.subarray(0, magicLen))) {
      throw new Error(`${path} is not an ipcdump recording (it does not start with the recording signature; make one with ipcdump -w)`);
    }
    if (n < PREAMBLE_SIZE) throw headerCut(label, n, PREAMBLE_SIZE);
    const version = pre.readUInt16LE(8);
    if (version > FORMAT_VERSION) {
      throw new Error(`${label} was made by a newer ipcdump (format ${version}, this one reads up to ${FORMAT_VERSION}); upgrade ipcdump`);
    }
    if (version === 0) throw new Error(`${label} has a damaged header (format version 0)`);
    const headerLen = pre.readUInt32LE(12);
    if (headerLen > MAX_HEADER_SIZE) throw new Error(`${label} has a damaged header (header size ${headerLen})`);
    const json = Buffer.alloc(headerLen);
    const got = await readFully(fh, json, 0, headerLen);
    if (got < headerLen) throw headerCut(label, PREAMBLE_SIZE + got, PREAMBLE_SIZE + headerLen);
    let meta: RecordingMeta;
    try {
      meta = decodeHeaderJson(json);
    } catch (err) {
      throw new Error(`${label}: ${(err as Error).message}`);
    }
    let used = false;
    return {
      path,
      meta,
      replay: (opts) => {
        if (used) throw new Error(`${label} is already being replayed`);
        used = true;
        return startReplay(fh, label, meta, PREAMBLE_SIZE + headerLen, opts);
      },
      close: async () => {
        if (!used) await fh.close();
      },
    };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

function headerCut(label: string, have: number, need: number): Error {
  return new Error(`${label} was cut off inside its header (${have} of ${need} bytes): it holds no events`);
}

/** `ipcdump -r FILE`: open, check the header, and start delivering. */
export async function replayRecording(path: string, opts: ReplayOptions): Promise<Replay> {
  return (await openRecording(path)).replay(opts);
}

function startReplay(fh: FileHandle, label: string, meta: RecordingMeta, firstEntry: number, opts: ReplayOptions): Replay {
  let stopped = false;
  const decoder = new EntryDecoder({
    types: opts.types,
    filter: makeEventFilter(opts.filters),
    captureBytes: opts.captureBytes,
    byteLimit: opts.byteLimit,
    onRecord: opts.onRecord,
    onProcInfo: (info) => opts.procs.set(info),
    onProc: opts.onProc,
  });
  const chunk = opts.chunkBytes ?? READ_CHUNK;
  const endNs = (): bigint => decoder.lastNs ?? meta.startNs;

  const run = async (): Promise<ReplayStats> => {
    let buf = Buffer.allocUnsafe(chunk);
    let start = 0; // first unread byte in buf
    let end = 0; // end of the data in buf
    let fileOff = firstEntry; // file offset of buf[start]
    let eof = false;
    let want = 0; // bytes from `start` that the entry being waited for needs (0: unknown)
    while (!stopped) {
      // Out of room (or the waited-for entry will not fit): move the unread tail, part of an
      // entry, to the front of a new buffer (or of this one, when no views into it are out).
      if (buf.length - end < MIN_READ || start + want > buf.length) {
        const left = end - start;
        // (always room for at least one more byte: a read of 0 bytes would look like the end)
        const size = Math.max(chunk, want, left + 1);
        const next = opts.captureBytes || size > buf.length ? Buffer.allocUnsafe(size) : buf;
        buf.copy(next, 0, start, end);
        buf = next;
        start = 0;
        end = left;
      }
      let got: number;
      try {
        ({ bytesRead: got } = await fh.read(buf, end, buf.length - end, null));
      } catch (err) {
        throw new Error(`cannot read ${label}: ${errnoReason(err)}`, { cause: err });
      }
      if (stopped) break;
      if (got === 0) eof = true;
      end += got;

      let p = start;
      let entries = 0;
      want = 0;
      while (!stopped && end - p >= 4) {
        const size = buf.readUInt32LE(p);
        if (size < 1 || size > MAX_ENTRY_SIZE) throw damaged(label, fileOff + (p - start), `entry size ${size}`, decoder.delivered);
        if (end - p < 4 + size) {
          want = 4 + size;
          break;
        }
        try {
          decoder.entry(buf[p + 4], buf, p + FRAME_SIZE, p + 4 + size);
        } catch (err) {
          if (err instanceof DamagedEntry) throw damaged(label, fileOff + (p - start), err.message, decoder.delivered);
          throw err;
        }
        p += 4 + size;
        entries++;
      }
      fileOff += p - start;
      start = p;
      if (entries > 0) opts.onBatchEnd?.();
      if (eof) break;
    }
    if (!stopped && decoder.ended && end > start) throw damaged(label, fileOff, 'data after the end marker', decoder.delivered);
    return {
      events: decoder.delivered,
      eventsRead: decoder.read,
      truncatedBytes: stopped ? 0 : end - start,
      complete: decoder.ended,
      endNs: endNs(),
    };
  };

  const done = run().finally(() => fh.close().catch(() => undefined));
  // The caller may stop before awaiting done; never let a rejection go unhandled meanwhile.
  done.catch(() => undefined);
  return {
    meta,
    stop: () => {
      stopped = true;
    },
    done,
    get endNs() {
      return endNs();
    },
  };
}

function damaged(label: string, offset: number, why: string, delivered: number): Error {
  return new Error(`${label} is damaged at byte offset ${offset} (${why}); the ${delivered} events before it were replayed`);
}
