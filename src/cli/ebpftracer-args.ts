/**
 * Command line of `ebpftracer`, compatible with trailofbits' ebpftracer (CLI11 style:
 * `-t mkdir,rmdir`, `--tracepoint_list=mkdir,rmdir`, `-b 4096`, ...) plus our own options.
 *
 * Meaning of the original's sizing flags here (one ring buffer and self-contained records
 * instead of per-CPU perf buffers and a side buffer storage):
 *   -b  bytes read per string/buffer argument (the original's buffer size did the same job);
 *   -p  ring buffer of 2^N pages per possible CPU, rounded up to a power of two in total;
 *   -e  calls in flight tracked at once (the original: per-syscall event map size);
 *   -c  accepted for compatibility; there is no separate buffer storage to size.
 */
import { parseArgs as nodeParseArgs } from 'node:util';
import { UsageError } from './errors';
import { MAX_CAPTURE_BYTES } from '../ebpftracer/schema';
import { FORMATS, type EbpftracerFormat } from '../ebpftracer/output';

export interface EbpftracerArgs {
  help: boolean;
  version: boolean;
  doctor: boolean;
  syscalls: string[];
  bufferSize: number;
  bufferCount: number;
  /** -p exponent, undefined = default ring size. */
  perfSize?: number;
  eventMapSize: number;
  verbose: boolean;
  format: EbpftracerFormat;
  output: string | null;
  pids: number[];
  follow: boolean;
  comms: string[];
  uids: number[];
  failedOnly: boolean;
  stringLimit: number;
  count: number;
  durations: boolean;
  timestamps: boolean;
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  doctor: { type: 'boolean' },
  tracepoint_list: { type: 'string', short: 't' },
  buffer_size: { type: 'string', short: 'b' },
  buffer_count: { type: 'string', short: 'c' },
  perf_size: { type: 'string', short: 'p' },
  event_map_size: { type: 'string', short: 'e' },
  verbose: { type: 'boolean', short: 'v' },
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  pid: { type: 'string', multiple: true },
  follow: { type: 'boolean', short: 'F' },
  comm: { type: 'string', multiple: true },
  uid: { type: 'string', multiple: true },
  'failed-only': { type: 'boolean', short: 'Z' },
  'string-limit': { type: 'string', short: 's' },
  count: { type: 'string', short: 'n' },
  durations: { type: 'boolean', short: 'T' },
  timestamps: { type: 'boolean' },
} as const;

/** A non-negative integer in decimal or 0x hex, within [min, max]. */
export function parseCount(flag: string, v: string, min: number, max: number): number {
  const s = v.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) throw new UsageError(`invalid value "${v}" for ${flag}: not a number`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`invalid value "${v}" for ${flag}: must be between ${min} and ${max}`);
  return n;
}

function list(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function parseArgs(argv: readonly string[]): EbpftracerArgs {
  let parsed: ReturnType<typeof nodeParseArgs<{ options: typeof OPTIONS; args: string[]; allowPositionals: true; strict: true }>>;
  try {
    parsed = nodeParseArgs({ options: OPTIONS, args: [...argv], allowPositionals: true, strict: true });
  } catch (err) {
    // Node's messages carry a long hint after the first sentence; keep the first line.
    throw new UsageError(((err as Error).message.split(/\. (?:To specify|Did you)/)[0] || 'bad arguments') + ' (see --help)');
  }
  const v = parsed.values;
  const base = {
    help: !!v.help,
    version: !!v.version,
    doctor: !!v.doctor,
  };
  if (base.help || base.version || base.doctor) return { ...defaults(), ...base };
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}" (syscalls go in -t, e.g. -t mkdir,rmdir)`);
  if (v.tracepoint_list === undefined) throw new UsageError('-t/--tracepoint_list is required (e.g. -t mkdir,rmdir,renameat2 or -t %file)');
  const syscalls = v.tracepoint_list.split(',').map((s) => s.trim()).filter(Boolean);
  if (syscalls.length === 0) throw new UsageError('-t/--tracepoint_list is empty (e.g. -t mkdir,rmdir)');
  const format = (v.format ?? 'ebpftracer') as EbpftracerFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`invalid value "${v.format}" for --format: use ${FORMATS.join(', ')}`);
  const follow = !!v.follow;
  const pids = list(v.pid).map((p) => parseCount('--pid', p, 1, 0x3fffffff));
  if (follow && pids.length === 0) throw new UsageError('--follow needs --pid');
  return {
    ...base,
    syscalls,
    bufferSize: v.buffer_size === undefined ? 4096 : parseCount('-b/--buffer_size', v.buffer_size, 1, MAX_CAPTURE_BYTES),
    bufferCount: v.buffer_count === undefined ? 4096 : parseCount('-c/--buffer_count', v.buffer_count, 1, 1 << 20),
    perfSize: v.perf_size === undefined ? undefined : parseCount('-p/--perf_size', v.perf_size, 0, 16),
    eventMapSize: v.event_map_size === undefined ? 65536 : parseCount('-e/--event_map_size', v.event_map_size, 1, 1 << 22),
    verbose: !!v.verbose,
    format,
    output: v.output ?? null,
    pids,
    follow,
    comms: list(v.comm),
    uids: list(v.uid).map((u) => parseCount('--uid', u, 0, 0xfffffffe)),
    failedOnly: !!v['failed-only'],
    stringLimit: v['string-limit'] === undefined ? 32 : parseCount('-s/--string-limit', v['string-limit'], 0, 1 << 20),
    count: v.count === undefined ? 0 : parseCount('-n/--count', v.count, 1, Number.MAX_SAFE_INTEGER),
    durations: !!v.durations,
    timestamps: !!v.timestamps,
  };
}

function defaults(): EbpftracerArgs {
  return {
    help: false,
    version: false,
    doctor: false,
    syscalls: [],
    bufferSize: 4096,
    bufferCount: 4096,
    eventMapSize: 65536,
    verbose: false,
    format: 'ebpftracer',
    output: null,
    pids: [],
    follow: false,
    comms: [],
    uids: [],
    failedOnly: false,
    stringLimit: 32,
    count: 0,
    durations: false,
    timestamps: false,
  };
}

export const USAGE = `Usage: ebpftracer -t SYSCALLS [options]

Records system calls with eBPF, system-wide, with their arguments decoded from the kernel's
tracepoint format files. Needs root.

Options (compatible with trailofbits' ebpftracer):
  -t, --tracepoint_list LIST  syscalls to record, comma-separated: names as in
                              /sys/kernel/tracing/events/syscalls (mkdir, openat, newstat, ...)
                              and strace classes (%file, %network, %process, %signal, %ipc,
                              %desc, %memory, %creds, %clock, %stat, ...)   (required)
  -b, --buffer_size N         bytes read per string or buffer argument (default 4096, max ${MAX_CAPTURE_BYTES})
  -c, --buffer_count N        accepted for compatibility; no effect (records carry their data)
  -p, --perf_size N           ring buffer of 2^N pages per CPU (default: 64 MiB in total)
  -e, --event_map_size N      calls in flight tracked at once (default 65536)
  -v, --verbose               print how each syscall's arguments are decoded
      --doctor                check this kernel: hooks, BPF object build, each collector
      --version               print the version
  -h, --help                  this help

Output:
  -f, --format FORMAT         ebpftracer (default: the original's records), strace, json
  -o, --output FILE           write events to FILE (created with mode 0600)
  -s, --string-limit N        strace format: print at most N bytes of each string (default 32)
  -T, --durations             strace format: show time spent in each call
      --timestamps            strace format: prefix wall-clock time (HH:MM:SS.microseconds)
  -n, --count N               exit after N events

Filters (applied in the kernel):
      --pid PID[,PID...]      only these processes
  -F, --follow                with --pid: also their children started later
      --comm NAME[,NAME...]   only processes with this command name (15 bytes max)
      --uid UID[,UID...]      only these user ids
  -Z, --failed-only           only calls that returned an error

Examples:
  ebpftracer -t mkdir,rmdir,renameat2
  ebpftracer -t %file --format strace --comm make
  ebpftracer -t connect,accept4 --format json -o net.jsonl
`;
