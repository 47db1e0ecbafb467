/**
 * Command-line parsing for ipcdump, compatible with the Go `flag` package the original used:
 *  - `-x` and `--x` are the same; values as `-B 64`, `-B=64` or `--B=64`;
 *  - a value-taking flag consumes the next argument even if it starts with '-' (`-o -x` writes to
 *    a file named "-x"), bool flags never consume one (`-x=false` is allowed);
 *  - parsing stops at `--` or at the first argument that is not a flag (`-` alone is not a flag);
 *    ipcdump takes no positional arguments, so anything left over is an error;
 *  - numbers use Go's base auto-detection: 0x/0X hex, 0b binary, 0o or a leading 0 octal, `_`
 *    digit separators; no sign.
 * Error messages follow Go's wording (`flag provided but not defined: -z`,
 * `invalid value "abc" for flag -p: parse error`, ...) on a single line; the caller prints them
 * as `ipcdump: <message>` and exits 2.
 *
 * Differences from the original, on purpose:
 *  - -B accepts up to 16777216 (the original failed above 65535); 0 = unlimited;
 *  - bad -f / -t values are usage errors (exit 2) detected while parsing;
 *  - `-t all` may be combined with other types, and includes pipes (see ipcdump/types.ts);
 *  - comm filters longer than 15 bytes are truncated to 15 bytes (the kernel's TASK_COMM_LEN - 1:
 *    a longer comm can never be observed, so the filter would silently match nothing); a warning
 *    is returned in `warnings` for the CLI to print;
 *  - --doctor and --version.
 */

import { UsageError } from './errors';
import { emptyFilterOptions } from '../ipcdump/filter';
import type { FilterOptions } from '../ipcdump/filter';
import { IMPLEMENTED_TYPES, TYPE_NAMES, resolveTypes } from '../ipcdump/types';
import { isOutputFormat } from '../output/index';
import type { OutputFormat } from '../output/index';

/** Largest -B value: a capture cap, not a buffer size; 16 MiB is far above any single IPC event. */
export const MAX_BYTES_LIMIT = 16 * 1024 * 1024;
/** The kernel's TASK_COMM_LEN (16) minus the terminating NUL. */
export const MAX_COMM_BYTES = 15;

export interface IpcdumpArgs {
  /** -h / --help: print USAGE to stdout and exit 0 (nothing else is validated after it). */
  help: boolean;
  version: boolean;
  doctor: boolean;
  /** Raw -t values, already validated (resolve with planTypes). Empty = default (all). */
  types: string[];
  filter: FilterOptions;
  /** -x */
  dumpBytes: boolean;
  /** -B; 0 = unlimited. */
  bytesLimit: number;
  /** -c; 0 = unlimited. */
  count: number;
  /** -f */
  format: OutputFormat;
  /** -L */
  noLost: boolean;
  /** -o; null = stdout. */
  outputPath: string | null;
  /** -w FILE: write every event to a recording (replaces the printed stream unless --print). */
  recordPath: string | null;
  /** -r FILE: read events from a recording instead of the kernel (no root needed). */
  replayPath: string | null;
  /** --summary [N]: a top-talkers table at exit and, with N > 0, every N seconds. */
  summary: boolean;
  summaryEverySec: number;
  /** --map [PORT]: serve the live IPC map on 127.0.0.1:PORT (0 = any free port). */
  map: boolean;
  mapPort: number;
  /** --print: print the event stream even with -w, --summary or --map. */
  print: boolean;
  /** Non-fatal notes for stderr (e.g. truncated comm filters). */
  warnings: string[];
}

/**
 * Whether the per-event stream goes to stdout (or -o): yes by default; -w, --summary and --map
 * each replace it (like tcpdump -w), --print brings it back.
 */
export function printsStream(a: IpcdumpArgs): boolean {
  return a.print || !(a.recordPath !== null || a.summary || a.map);
}

type FlagName =
  | 'x' | 'B' | 'c' | 'o' | 'f' | 'L' | 'p' | 's' | 'd' | 'P' | 'S' | 'D' | 't' | 'w' | 'r'
  | 'summary' | 'map' | 'print' | 'doctor' | 'version';

const BOOL_FLAGS: ReadonlySet<string> = new Set(['x', 'L', 'print', 'doctor', 'version']);
const VALUE_FLAGS: ReadonlySet<string> = new Set(['B', 'c', 'o', 'f', 'p', 's', 'd', 'P', 'S', 'D', 't', 'w', 'r']);
/**
 * Flags whose value is optional (`--map`, `--map 8080`, `--map=8080`): a following argument is
 * taken only when it is all digits. Unambiguous because ipcdump takes no positional arguments.
 */
const OPTIONAL_VALUE_FLAGS: ReadonlySet<string> = new Set(['summary', 'map']);

/** Largest --summary interval, seconds (a day). */
export const MAX_SUMMARY_EVERY = 86400;

// ---------------------------------------------------------------------------------------------
// Go-compatible number and bool parsing

class NumError extends Error {
  constructor(readonly kind: 'parse error' | 'value out of range') {
    super(kind);
  }
}

/** Go's underscoreOK: '_' only between digits (a base prefix counts as a digit). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(s[1].toLowerCase())) {
    i = 2;
    saw = '0';
    hex = s[1].toLowerCase() === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i].toLowerCase();
    if ((c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseUint(s, 0, ...) with an explicit maximum. */
export function parseGoUint(s0: string, max: bigint): bigint {
  if (s0.length === 0) throw new NumError('parse error');
  let s = s0;
  let base = 10n;
  if (s[0] === '0') {
    const p = s.length >= 3 ? s[1].toLowerCase() : '';
    if (p === 'b') [base, s] = [2n, s.slice(2)];
    else if (p === 'o') [base, s] = [8n, s.slice(2)];
    else if (p === 'x') [base, s] = [16n, s.slice(2)];
    else [base, s] = [8n, s.slice(1)];
  }
  let n = 0n;
  let underscores = false;
  for (const ch of s) {
    if (ch === '_') {
      underscores = true;
      continue;
    }
    const d = parseInt(ch, 36);
    if (Number.isNaN(d) || BigInt(d) >= base) throw new NumError('parse error');
    n = n * base + BigInt(d);
    if (n > max) throw new NumError('value out of range');
  }
  if (underscores && !underscoreOK(s0)) throw new NumError('parse error');
  return n;
}

/** strconv.ParseBool. */
function parseGoBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new NumError('parse error');
}

// ---------------------------------------------------------------------------------------------

function truncateComm(comm: string, flag: string, warnings: string[]): string {
  const bytes = Buffer.from(comm, 'utf8');
  if (bytes.length <= MAX_COMM_BYTES) return comm;
  // Same decoding the tracer applies to the kernel's 15 comm bytes, so a multi-byte character cut
  // in half compares equal to what the tracer will report.
  const cut = bytes.subarray(0, MAX_COMM_BYTES).toString('utf8');
  warnings.push(
    `comm ${JSON.stringify(comm)} given to -${flag} is longer than ${MAX_COMM_BYTES} bytes; ` +
      `matching the kernel's truncated name ${JSON.stringify(cut)}`,
  );
  return cut;
}

export function parseArgs(argv: readonly string[]): IpcdumpArgs {
  const a: IpcdumpArgs = {
    help: false,
    version: false,
    doctor: false,
    types: [],
    filter: emptyFilterOptions(),
    dumpBytes: false,
    bytesLimit: 0,
    count: 0,
    format: 'text',
    noLost: false,
    outputPath: null,
    recordPath: null,
    replayPath: null,
    summary: false,
    summaryEverySec: 0,
    map: false,
    mapPort: 0,
    print: false,
    warnings: [],
  };

  const invalid = (name: string, value: string, why: string): UsageError =>
    new UsageError(`invalid value ${JSON.stringify(value)} for flag -${name}: ${why}`);

  const num = (name: string, value: string, max: bigint, maxNote = ''): number => {
    try {
      return Number(parseGoUint(value, max));
    } catch (e) {
      if (e instanceof NumError) {
        throw invalid(name, value, e.kind === 'value out of range' ? e.kind + maxNote : e.kind);
      }
      throw e;
    }
  };

  const setValue = (name: FlagName, value: string): void => {
    switch (name) {
      case 'B':
        a.bytesLimit = num(name, value, BigInt(MAX_BYTES_LIMIT), ` (max ${MAX_BYTES_LIMIT})`);
        return;
      case 'c':
        a.count = num(name, value, BigInt(Number.MAX_SAFE_INTEGER));
        return;
      case 'p':
        a.filter.pids.any.push(num(name, value, 0xffffffffn));
        return;
      case 's':
        a.filter.pids.src.push(num(name, value, 0xffffffffn));
        return;
      case 'd':
        a.filter.pids.dst.push(num(name, value, 0xffffffffn));
        return;
      case 'P':
        a.filter.comms.any.push(truncateComm(value, name, a.warnings));
        return;
      case 'S':
        a.filter.comms.src.push(truncateComm(value, name, a.warnings));
        return;
      case 'D':
        a.filter.comms.dst.push(truncateComm(value, name, a.warnings));
        return;
      case 't':
        resolveTypes([value]); // throws UsageError: unrecognized type "X" (valid: ...)
        a.types.push(value);
        return;
      case 'f':
        if (!isOutputFormat(value)) throw new UsageError(`unrecognized output format ${JSON.stringify(value)}`);
        a.format = value;
        return;
      case 'o':
        a.outputPath = value === '' ? null : value;
        return;
      case 'w':
        if (value === '') throw invalid(name, value, 'empty file name');
        a.recordPath = value;
        return;
      case 'r':
        if (value === '') throw invalid(name, value, 'empty file name');
        a.replayPath = value;
        return;
      case 'summary':
        a.summary = true;
        a.summaryEverySec = value === '' ? 0 : num(name, value, BigInt(MAX_SUMMARY_EVERY), ` (max ${MAX_SUMMARY_EVERY} seconds)`);
        return;
      case 'map':
        a.map = true;
        a.mapPort = value === '' ? 0 : num(name, value, 65535n, ' (max 65535)');
        return;
      default:
        throw new Error(`internal: flag -${name} has no value handler`);
    }
  };

  const setBool = (name: FlagName, v: boolean): void => {
    if (name === 'x') a.dumpBytes = v;
    else if (name === 'L') a.noLost = v;
    else if (name === 'doctor') a.doctor = v;
    else if (name === 'version') a.version = v;
    else if (name === 'print') a.print = v;
  };

  let i = 0;
  while (i < argv.length) {
    const s = argv[i];
    if (s.length < 2 || s[0] !== '-') break; // first non-flag
    let minuses = 1;
    if (s[1] === '-') {
      minuses = 2;
      if (s.length === 2) {
        i++; // "--" terminates the flags
        break;
      }
    }
    let name = s.slice(minuses);
    if (name.length === 0 || name[0] === '-' || name[0] === '=') {
      throw new UsageError(`bad flag syntax: ${s}`);
    }
    i++;
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (BOOL_FLAGS.has(name)) {
      let v = true;
      if (value !== undefined) {
        try {
          v = parseGoBool(value);
        } catch {
          throw new UsageError(`invalid boolean value ${JSON.stringify(value)} for -${name}: parse error`);
        }
      }
      setBool(name as FlagName, v);
      continue;
    }
    if (VALUE_FLAGS.has(name)) {
      if (value === undefined) {
        if (i >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
        value = argv[i++];
      }
      setValue(name as FlagName, value);
      continue;
    }
    if (OPTIONAL_VALUE_FLAGS.has(name)) {
      if (value === undefined && i < argv.length && /^[0-9]+$/.test(argv[i])) value = argv[i++];
      setValue(name as FlagName, value ?? '');
      continue;
    }
    if (name === 'h' || name === 'help') {
      a.help = true;
      return a; // like Go's flag.ErrHelp: stop here, ignore the rest
    }
    throw new UsageError(`flag provided but not defined: -${name}`);
  }
  if (i < argv.length) throw new UsageError(`unexpected argument ${JSON.stringify(argv[i])}`);

  if (a.bytesLimit !== 0 && !a.dumpBytes) {
    throw new UsageError('cannot set output bytes limit if -x is not specified');
  }
  if (a.replayPath !== null && a.recordPath !== null && a.replayPath === a.recordPath) {
    throw new UsageError('-r and -w name the same file; write the filtered copy elsewhere');
  }
  return a;
}

// ---------------------------------------------------------------------------------------------

const typeName = (t: (typeof TYPE_NAMES)[number]): string => `${t.short}|${t.long}`;
// The second line starts at the tab like the first: help2man (the .deb's man pages) joins
// lines of one indentation into a paragraph, and would make a deeper one a separate item.
const TYPE_LINES =
  TYPE_NAMES.slice(0, 6).map(typeName).join('  ') + '\n    \t' + TYPE_NAMES.slice(6).map(typeName).join('  ');

// help2man turns this text into the .deb's man page: no double quotes in a heading line (it
// quotes headings in .SS).
export const USAGE = `Usage: ipcdump [flags]

Trace inter-process communication on this machine with eBPF and print who talks to whom.
Needs root (CAP_BPF and CAP_PERFMON). Stop with Ctrl-C.

Flags (-flag and --flag are the same; give values as -B 64 or -B=64):
  -t TYPE
    \ttrace only this IPC type (repeatable). Default: every type available in this build
    \t(currently: ${[...IMPLEMENTED_TYPES].join(', ')}).
    \tTYPE: ${TYPE_LINES}
    \t(u = unix-stream + unix-dgram + unix-seqpacket; lo = loopback-tcp + loopback-udp;
    \tall may be combined with other types; naming a type this build cannot trace is an error)
  -p PID
    \tkeep events whose source OR destination pid is PID (repeatable)
  -s PID
    \tkeep events whose source pid is PID (repeatable)
  -d PID
    \tkeep events whose destination pid is PID (repeatable)
  -P COMM
    \tkeep events whose source OR destination comm is COMM (repeatable; exact match;
    \tat most 15 bytes, longer values are truncated like the kernel does; '<unknown>' matches
    \tendpoints whose name could not be resolved)
  -S COMM
    \tkeep events whose source comm is COMM (repeatable)
  -D COMM
    \tkeep events whose destination comm is COMM (repeatable)
  -x\tcapture and print the IPC bytes where available (hex dump; base64 in json)
  -B N
    \tcapture and print at most N bytes per event (needs -x; 0 = no limit, max ${MAX_BYTES_LIMIT})
  -c N
    \texit after N output records, lost-event records included (0 = no limit)
  -f FORMAT
    \toutput format: text (default), json (one object per line) or csv
  -L\tdo not output lost-event records
  -o FILE
    \twrite output to FILE (created or truncated, mode 0600) instead of standard output
  -w FILE
    \trecord every event (all fields, captured bytes, process info) to FILE instead of
    \tprinting it; replay with -r. Combine with -x to record bytes
  -r FILE
    \tread events from a recording made with -w instead of tracing (no root needed);
    \tfilters, -c, -f, --summary and --map apply as when tracing
  --summary [N]
    \tinstead of each event, print a table of the top talkers (src -> dst, type, events,
    \tbytes, rate) at exit, and every N seconds when N is given
  --map [PORT]
    \tserve a live graph of who talks to whom on http://127.0.0.1:PORT (default: a free
    \tport); the URL, with its access token, is printed at start
  --print
    \tprint the event stream too when -w, --summary or --map is given
  -h, --help
    \tshow this help
  --version
    \tprint the version
  --doctor
    \tcheck whether this system can run ipcdump and explain what is missing

Filters: values of the same flag are alternatives (OR); different flags must all match (AND).
  -s 10 -d 20          events from pid 10 to pid 20
  -p 10 -p 11          events involving pid 10 or pid 11
  -P bash -t signal    signals sent or received by a process named bash
PIDs accept 0x (hex), 0b (binary) and 0/0o (octal) prefixes. Unknown endpoints (pid -1,
comm <unknown>) never match a pid filter.

Examples:
  ipcdump -t signal
  ipcdump -t pipe -x -B 64 -f json -o /tmp/ipc.jsonl
  ipcdump -p 1234 -S nginx -c 100
  ipcdump -x -w /tmp/ipc.ipcd        then: ipcdump -r /tmp/ipc.ipcd --summary
  ipcdump --map
`;
