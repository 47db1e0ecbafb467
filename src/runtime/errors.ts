/**
 * Typed errors of the kernel runtime.
 *
 * Like cilium/ebpf's VerifierError or libbpf-rs's Error, every error carries the context a
 * user needs to act on it: the object/program/map involved, the errno, and the libbpf log of
 * the failing call. The first line of `message` is a self-contained sentence ("cannot load
 * BPF object x: program 'p' rejected by the kernel verifier (Permission denied)"); only a
 * verifier rejection adds further lines (the tail of the verifier log), because without it
 * the rejection cannot be understood.
 */
import * as os from 'node:os';

import { failedPrograms, tail, verifierLogs, warnings } from './libbpf-log';
import type { LibbpfLogEntry } from './native';

/** How many trailing verifier-log lines a BpfLoadError message includes. */
export const VERIFIER_LOG_TAIL_LINES = 40;

/** Facts attached by the addon to the errors it throws (see native/src/native_error.h). */
export interface NativeErrorInfo {
  /** The libbpf/system call that failed, or "usage" for a misuse the addon caught. */
  op: string;
  /** Positive errno value. */
  errno: number;
  /** strerror(errno). */
  strerror: string;
  /** libbpf messages printed during the failing call. */
  libbpfLog: LibbpfLogEntry[];
  message: string;
}

function isLogEntry(v: unknown): v is LibbpfLogEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as { level?: unknown; message?: unknown };
  return (e.level === 'warn' || e.level === 'info' || e.level === 'debug') && typeof e.message === 'string';
}

/** The addon's facts if `err` was thrown by the addon, else undefined. */
export function nativeErrorInfo(err: unknown): NativeErrorInfo | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & { op?: unknown; errno?: unknown; strerror?: unknown; libbpfLog?: unknown };
  if (typeof e.op !== 'string' || typeof e.errno !== 'number') return undefined;
  const log = Array.isArray(e.libbpfLog) ? e.libbpfLog.filter(isLogEntry) : [];
  const strerror = typeof e.strerror === 'string' ? e.strerror : `errno ${e.errno}`;
  return { op: e.op, errno: e.errno, strerror, libbpfLog: log, message: e.message };
}

const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(os.constants.errno)) {
  if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
}

/** errno number -> symbolic name ("EACCES"), as Node's system errors use in `code`. */
export function errnoName(errno: number): string | undefined {
  return ERRNO_NAMES.get(errno);
}

export interface BpfErrorDetails {
  errno?: number;
  libbpfLog?: readonly LibbpfLogEntry[];
  cause?: unknown;
}

/** Base class: everything the runtime throws on purpose is a BpfError. */
export class BpfError extends Error {
  /** Positive errno of the failing call, when a kernel/libbpf call failed. */
  readonly errno: number | undefined;
  /** Symbolic errno ("EPERM"), like Node's system errors. */
  readonly code: string | undefined;
  /** libbpf's messages during the failing call (all levels). */
  readonly libbpfLog: readonly LibbpfLogEntry[];

  constructor(message: string, details: BpfErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.errno = details.errno;
    this.code = details.errno === undefined ? undefined : errnoName(details.errno);
    this.libbpfLog = details.libbpfLog ?? [];
  }
}

/** The last libbpf warning, as " (libbpf: ...)", when it says more than the errno does. */
function libbpfHint(info: NativeErrorInfo): string {
  const last = tail(warnings(info.libbpfLog), 1)[0];
  return last === undefined || last.endsWith(info.strerror) ? '' : ` (libbpf: ${last})`;
}

function details(info: NativeErrorInfo, cause: unknown): BpfErrorDetails {
  return { errno: info.errno, libbpfLog: info.libbpfLog, cause };
}

/** bpf_object__open_file failed: missing file, not an ELF BPF object, bad BTF, ... */
export class BpfOpenError extends BpfError {
  constructor(
    readonly path: string,
    info: NativeErrorInfo,
    cause?: unknown,
  ) {
    super(`cannot open BPF object ${path}: ${info.strerror}${libbpfHint(info)}`, details(info, cause));
  }
}

/**
 * bpf_object__load failed: a map could not be created, a CO-RE relocation did not resolve,
 * or the kernel verifier rejected a program (then `verifierLog` holds its log).
 */
export class BpfLoadError extends BpfError {
  /** Programs libbpf reported as failing (normally one: libbpf stops at the first). */
  readonly programs: readonly string[];
  /** The complete verifier log of the first failing program that has one. */
  readonly verifierLog: readonly string[];

  constructor(
    readonly path: string,
    info: NativeErrorInfo,
    cause?: unknown,
  ) {
    const programs = failedPrograms(info.libbpfLog);
    const logs = verifierLogs(info.libbpfLog);
    const withLog = [...programs, ...logs.keys()].find((p) => logs.has(p));
    const verifierLog = withLog === undefined ? [] : (logs.get(withLog) ?? []);
    const code = errnoName(info.errno);
    const reason = code === undefined ? info.strerror : `${info.strerror}, ${code}`;

    let message = `cannot load BPF object ${path}: `;
    if (programs.length > 0) {
      const names = programs.map((p) => `'${p}'`).join(', ');
      const what = withLog !== undefined ? 'rejected by the kernel verifier' : 'failed to load';
      message += `program${programs.length > 1 ? 's' : ''} ${names} ${what} (${reason})`;
    } else {
      const last = tail(warnings(info.libbpfLog), 1)[0];
      message += last !== undefined ? `${last} (${reason})` : reason;
    }
    if (withLog !== undefined) {
      const shown = tail(verifierLog, VERIFIER_LOG_TAIL_LINES);
      const count = shown.length < verifierLog.length ? `last ${shown.length} of ${verifierLog.length} lines` : `${verifierLog.length} lines`;
      message += `\nverifier log of '${withLog}' (${count}):\n${shown.map((l) => `  ${l}`).join('\n')}`;
    } else if (programs.length > 0) {
      const said = tail(warnings(info.libbpfLog), 5);
      if (said.length > 0) message += `: ${said.join('; ')}`;
    }
    super(message, details(info, cause));
    this.programs = programs;
    this.verifierLog = verifierLog;
  }
}

/** bpf_program__attach failed (no such tracepoint, hook not supported by this kernel, ...). */
export class BpfAttachError extends BpfError {
  constructor(
    readonly program: string,
    readonly section: string,
    info: NativeErrorInfo,
    cause?: unknown,
  ) {
    // libbpf's first warning names the root cause ("failed to determine tracepoint 'a/b'
    // perf event ID"); its generic "prog 'p': failed to attach: <errno text>" adds nothing.
    const cause0 = warnings(info.libbpfLog).find((w) => !/^prog '[^']*': failed to attach: [^:]*$/.test(w));
    super(
      `cannot attach BPF program '${program}' (SEC("${section}")): ${info.strerror}${cause0 === undefined ? '' : ` (libbpf: ${cause0})`}`,
      details(info, cause),
    );
  }
}

/** A map syscall (lookup/update/delete/get_next_key) failed. */
export class BpfMapError extends BpfError {
  constructor(
    readonly map: string,
    readonly operation: string,
    info: NativeErrorInfo,
    cause?: unknown,
  ) {
    super(`BPF map '${map}': ${operation} failed: ${info.strerror}`, details(info, cause));
  }
}

/** Setting up a ring-buffer consumer failed. */
export class RingBufferError extends BpfError {
  constructor(
    readonly map: string,
    info: NativeErrorInfo,
    cause?: unknown,
  ) {
    super(`cannot consume ring buffer '${map}': ${info.op} failed: ${info.strerror}`, details(info, cause));
  }
}

/** The API was used wrongly: wrong lifecycle state, wrong sizes, out-of-range values. */
export class BpfUsageError extends BpfError {}

export type BpfNameKind = 'program' | 'map' | 'global variable';

/** A program, map or global variable name the object does not have. */
export class BpfUnknownNameError extends BpfUsageError {
  constructor(
    readonly kind: BpfNameKind,
    readonly unknownName: string,
    readonly object: string,
    readonly known: readonly string[],
  ) {
    const list = known.length > 0 ? known.join(', ') : 'none';
    super(`BPF object ${object} has no ${kind} named '${unknownName}' (${kind}s: ${list})`);
  }
}
