/**
 * The kernel's preemption mode: can a BPF program on a syscall tracepoint be preempted half-way?
 *
 * Since Linux 6.13 (a3c6c8a2c0a4, "tracing: Allow system call tracepoints to handle page
 * faults") syscall-tracepoint programs run with preemption enabled. Whether the scheduler then
 * actually preempts them depends on the mode (kernel/sched/core.c, preempt_dynamic_mode):
 * `none` and `voluntary` only switch at explicit scheduling points, which BPF programs never
 * reach; `full`, `lazy` and PREEMPT_RT preempt anywhere. Sources, most direct first:
 *   1. /sys/kernel/debug/sched/preempt, e.g. "none voluntary (full) lazy" (debugfs; may be
 *      unmounted or refused);
 *   2. `preempt=` on the kernel command line (dynamic kernels);
 *   3. the build configuration (/proc/config.gz, /boot/config-RELEASE): the chosen
 *      CONFIG_PREEMPT_* default;
 *   4. `uname -v`, which names PREEMPT / PREEMPT_RT / PREEMPT_LAZY builds (but only says
 *      PREEMPT_DYNAMIC for dynamic ones).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as zlib from 'node:zlib';

export type PreemptMode = 'none' | 'voluntary' | 'full' | 'lazy' | 'rt';

export interface PreemptionInfo {
  /** undefined when no source could tell */
  mode?: PreemptMode;
  /** where the answer came from, for --doctor */
  source: string;
}

const MODES: readonly PreemptMode[] = ['none', 'voluntary', 'full', 'lazy', 'rt'];

/** true when programs can be preempted half-way; an unknown mode counts as preemptible. */
export function preemptible(mode: PreemptMode | undefined): boolean {
  return mode !== 'none' && mode !== 'voluntary';
}

/** "none voluntary (full) lazy" -> full */
export function parseSchedPreempt(text: string): PreemptMode | undefined {
  const m = /\((\w+)\)/.exec(text);
  return m && (MODES as readonly string[]).includes(m[1]) ? (m[1] as PreemptMode) : undefined;
}

/** The last `preempt=MODE` of a kernel command line. */
export function parseCmdline(cmdline: string): PreemptMode | undefined {
  let mode: PreemptMode | undefined;
  for (const m of cmdline.matchAll(/(?:^|\s)preempt=(\w+)/g)) {
    if ((MODES as readonly string[]).includes(m[1])) mode = m[1] as PreemptMode;
  }
  return mode;
}

/** The default mode a kernel configuration (.config text) boots with. */
export function parseConfig(config: string): PreemptMode | undefined {
  const on = (sym: string): boolean => new RegExp(`^CONFIG_${sym}=y$`, 'm').test(config);
  if (on('PREEMPT_RT')) return 'rt';
  if (on('PREEMPT_LAZY')) return 'lazy';
  if (on('PREEMPT')) return 'full';
  if (on('PREEMPT_VOLUNTARY')) return 'voluntary';
  if (on('PREEMPT_NONE')) return 'none';
  return undefined;
}

/** What `uname -v` tells, e.g. "#1 SMP PREEMPT_DYNAMIC Debian 6.1.x" tells nothing. */
export function parseUnameVersion(version: string): PreemptMode | undefined {
  if (/\bPREEMPT_DYNAMIC\b/.test(version)) return undefined;
  if (/\bPREEMPT_RT\b/.test(version)) return 'rt';
  if (/\bPREEMPT_LAZY\b/.test(version)) return 'lazy';
  if (/\bPREEMPT\b/.test(version)) return 'full';
  // A non-preemptible build prints no PREEMPT word at all; none and voluntary look alike and
  // behave alike here.
  return /\bSMP\b/.test(version) ? 'voluntary' : undefined;
}

function read(path: string, gzip = false): string | undefined {
  try {
    const data = fs.readFileSync(path);
    return gzip ? zlib.gunzipSync(data).toString() : data.toString();
  } catch {
    return undefined;
  }
}

let cached: PreemptionInfo | undefined;

/** The running kernel's preemption mode (cached). */
export function preemptionMode(): PreemptionInfo {
  if (cached) return cached;
  const sched = read('/sys/kernel/debug/sched/preempt');
  const fromSched = sched === undefined ? undefined : parseSchedPreempt(sched);
  if (fromSched) return (cached = { mode: fromSched, source: 'debugfs sched/preempt' });

  const config = read('/proc/config.gz', true) ?? read(`/boot/config-${os.release()}`);
  const dynamic = config !== undefined && /^CONFIG_PREEMPT_DYNAMIC=y$/m.test(config);
  if (dynamic || config === undefined) {
    const fromCmdline = parseCmdline(read('/proc/cmdline') ?? '');
    if (fromCmdline) return (cached = { mode: fromCmdline, source: 'kernel command line' });
  }
  const fromConfig = config === undefined ? undefined : parseConfig(config);
  if (fromConfig) return (cached = { mode: fromConfig, source: dynamic ? 'kernel config default' : 'kernel config' });

  const fromUname = parseUnameVersion(os.version());
  if (fromUname) return (cached = { mode: fromUname, source: 'uname -v' });
  return (cached = { source: 'unknown: no readable sched/preempt, preempt= or kernel config' });
}
