/** Helpers shared by the benchmark runner (bench/run.ts) and the maxrate mode (bench/maxrate.ts). */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BUILD = path.join(ROOT, 'bench', '.build');
export const RESULTS = path.join(ROOT, 'bench', 'results');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'ipcdump.js');

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

export function has(cmd: string): boolean {
  try {
    sh('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

/** The C workloads under bench/workloads: source file -> binary name (also its comm). */
export const WORKLOAD_SOURCES: readonly (readonly [string, string])[] = [
  ['pingpong.c', 'bench_pingpong'],
  ['sigpingpong.c', 'bench_signals'],
  ['devnull.c', 'bench_devnull'],
  ['files.c', 'bench_files'],
  ['udp.c', 'bench_udp'],
  ['unixbulk.c', 'bench_unixbulk'],
  ['tcprr.c', 'bench_tcprr'],
  ['rate.c', 'bench_rate'],
];

/** Compile the workloads that are missing or older than their source. */
export function buildWorkloads(): void {
  fs.mkdirSync(BUILD, { recursive: true });
  for (const [src, bin] of WORKLOAD_SOURCES) {
    const out = path.join(BUILD, bin);
    const s = path.join(ROOT, 'bench', 'workloads', src);
    if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(s).mtimeMs) sh('gcc', ['-O2', '-Wall', '-o', out, s]);
  }
}

const CLK_TCK = Number(sh('getconf', ['CLK_TCK']).trim()) || 100;

/** utime + stime of a process (fields 14 and 15 of /proc/PID/stat), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Wait until `file` stops growing (the tracer has caught up). */
export async function settle(file: string, quietMs = 400, maxMs = 60_000): Promise<void> {
  const end = Date.now() + maxMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < end) {
    const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    if (size !== last) {
      last = size;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
    await sleep(50);
  }
}

export function waitForText(child: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp, file?: string, ms = 30000): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`tracer did not start: ${buf}`)), ms);
    const check = () => {
      if (re.test(buf) || (file && fs.existsSync(file) && re.test(fs.readFileSync(file, 'utf8').slice(0, 4096)))) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }
    };
    const poll = setInterval(check, 50);
    child[stream]?.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      check();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`tracer exited (${code}): ${buf}`));
    });
  });
}

export function stopChild(child: ChildProcess, sig: NodeJS.Signals = 'SIGINT'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(sig);
  });
}

/** Call `fn` for each line of `file`, reading it in chunks (the -x outputs of the bulk
 * workloads are gigabytes, more than one JavaScript string can hold). */
export function forEachLine(file: string, fn: (line: string) => void): void {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(16 << 20);
  let rest = '';
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const text = rest + chunk.toString('utf8', 0, n);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) fn(l);
    }
  } finally {
    fs.closeSync(fd);
  }
  if (rest) fn(rest);
}

/** ipcdump's lost-event records: text `HH:MM:SS.n TYPE: lost N events`, JSON
 * `{"lost_type":"pipe","count":N,...}`, CSV `HH:MM:SS.n,TYPE,-,-,-,-` (no count: counted as 1,
 * a lower bound). Anchored, so the ASCII column of a -x hex dump cannot match. */
export function lostInLine(line: string): number {
  const m = /^\d\d:\d\d:\d\d\.\d+ [a-z-]+: lost (\d+) events$/.exec(line) ?? /^\{"lost_type":"[^"]+","count":(\d+)/.exec(line);
  if (m) return Number(m[1]);
  return /^\d\d:\d\d:\d\d\.\d+,[a-z-]+,-,-,-,-$/.test(line) ? 1 : 0;
}

export function countLines(file: string, re: RegExp): { events: number; lost: number } {
  let events = 0;
  let lost = 0;
  forEachLine(file, (line) => {
    if (re.test(line)) events++;
    lost += lostInLine(line);
  });
  return { events, lost };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** bpftrace 0.17 finds tracepoints under /sys/kernel/debug/tracing only. */
export function ensureDebugfsTracing(): void {
  if (fs.existsSync('/sys/kernel/debug/tracing/events')) return;
  try {
    if (!fs.existsSync('/sys/kernel/debug/tracing')) sh('mount', ['-t', 'debugfs', 'debugfs', '/sys/kernel/debug']);
    if (!fs.existsSync('/sys/kernel/debug/tracing/events')) sh('mount', ['-t', 'tracefs', 'tracefs', '/sys/kernel/debug/tracing']);
  } catch {
    /* bpftrace will say what is missing */
  }
}

export { spawn };
