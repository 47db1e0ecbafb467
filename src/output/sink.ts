/**
 * Where formatted output goes: stdout, or `-o FILE`.
 *
 * - Batching: write() encodes each string straight into one reusable byte buffer; flush() (called
 *   by the tracer once per ring-buffer batch) writes it with one syscall, and a buffer that fills
 *   past ~256 KiB is flushed early. (Appending strings to one chunk and encoding that at flush
 *   cost about a third of the JSON output path: V8 flattened the 256 Ki-character rope and the
 *   += concatenations churned the young generation; measured with perf at 125k events/s.)
 * - Writes are synchronous (fs.writeSync on the fd, not process.stdout): a slow reader then blocks
 *   the tracer, the kernel ring buffer fills up and the loss is reported as "lost" records, instead
 *   of ipcdump buffering without bound in memory (process.stdout is asynchronous for pipes).
 *   EAGAIN (an fd left non-blocking by someone else) is retried after a 1 ms sleep.
 *   Do not mix with process.stdout/console.log for the same stream while tracing.
 * - EPIPE on stdout (`ipcdump | head`): the sink goes quiet, drops further output and emits
 *   'epipe' once, so the CLI can stop and exit 0. Other write errors emit 'error' (a FatalError);
 *   with no 'error' listener that throws out of flush(), as EventEmitter does.
 * - `-o FILE` is created or TRUNCATED (the original did not truncate, leaving a stale tail) with
 *   mode 0600, and an existing regular file is chmod'ed to 0600: captured bytes (-x) can contain
 *   secrets. Non-regular files (/dev/null, a FIFO, a tty) are written to but never chmod'ed.
 */

import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { FatalError } from '../cli/errors';
import { writeAllSync } from './write-all';

export const FLUSH_THRESHOLD = 256 * 1024;

export interface OutputSinkOptions {
  /** Output file (`-o`). Empty/undefined = stdout. */
  path?: string | null;
  /** Write to this already-open fd instead (tests); the sink does not close it. Default 1. */
  fd?: number;
}

export interface OutputSink {
  on(event: 'epipe', listener: () => void): this;
  on(event: 'error', listener: (err: FatalError) => void): this;
  once(event: 'epipe', listener: () => void): this;
  once(event: 'error', listener: (err: FatalError) => void): this;
}

/** "EACCES: permission denied, open '/x'" -> "permission denied". */
function reason(err: unknown): string {
  if (err instanceof Error) {
    const m = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message);
    return m ? m[1] : err.message;
  }
  return String(err);
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
}

/** Open (create/truncate) an output file with mode 0600; throws FatalError. */
export function openOutputFile(path: string): number {
  let fd: number;
  try {
    // (libuv adds O_CLOEXEC itself, so children spawned later never inherit the file.)
    fd = fs.openSync(
      path,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC,
      0o600,
    );
  } catch (err) {
    throw new FatalError(`failed to open output file "${path}": ${reason(err)}`, { cause: err });
  }
  try {
    const st = fs.fstatSync(fd);
    // open()'s mode applies only on creation (and is reduced by umask); force exactly 0600 on a
    // pre-existing regular file too. Never chmod devices/FIFOs (-o /dev/null must keep working).
    if (st.isFile() && (st.mode & 0o7777) !== 0o600) fs.fchmodSync(fd, 0o600);
  } catch (err) {
    fs.closeSync(fd);
    throw new FatalError(`failed to set permissions of output file "${path}": ${reason(err)}`, { cause: err });
  }
  return fd;
}

export class OutputSink extends EventEmitter {
  private readonly fd: number;
  private readonly ownsFd: boolean;
  private readonly label: string;
  /** Encoded output not yet written; grows only for a single string larger than it. */
  private buf = Buffer.allocUnsafe(FLUSH_THRESHOLD + 64 * 1024);
  private len = 0;
  private dead = false;
  private closed = false;

  constructor(opts: OutputSinkOptions = {}) {
    super();
    if (opts.path) {
      this.fd = openOutputFile(opts.path);
      this.ownsFd = true;
      this.label = `output file "${opts.path}"`;
    } else {
      this.fd = opts.fd ?? 1;
      this.ownsFd = false;
      this.label = this.fd === 1 ? 'standard output' : `output fd ${this.fd}`;
    }
  }

  /** True once output is impossible (EPIPE or a write error); further writes are dropped. */
  get broken(): boolean {
    return this.dead;
  }

  /** Append to the pending output (flushed early past FLUSH_THRESHOLD bytes). */
  write(s: string): void {
    if (this.dead || this.closed) return;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.len + s.length * 3 > this.buf.length) {
      this.flush();
      if (s.length * 3 > this.buf.length) this.buf = Buffer.allocUnsafe(s.length * 3);
    }
    this.len += this.buf.write(s, this.len);
    if (this.len >= FLUSH_THRESHOLD) this.flush();
  }

  /** Write the current chunk out, synchronously. */
  flush(): void {
    const buf = this.buf;
    const end = this.len;
    this.len = 0;
    if (end === 0 || this.dead) return;
    try {
      writeAllSync(this.fd, buf, end);
    } catch (err) {
      const code = errCode(err);
      this.dead = true;
      // the reader went away: EPIPE for a pipe, ECONNRESET for a socket (Node's stdio
      // 'pipe' is a unix socketpair, so are many supervisors' log sockets)
      if (code === 'EPIPE' || code === 'ECONNRESET') {
        this.emit('epipe');
      } else {
        this.emit('error', new FatalError(`failed to write ${this.label}: ${reason(err)}`, { cause: err }));
      }
    }
  }

  /** Flush and, for -o files, close the fd. Idempotent. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      if (this.ownsFd) {
        try {
          fs.closeSync(this.fd);
        } catch {
          // The data was already written; a close error is not actionable here.
        }
      }
    }
  }
}
