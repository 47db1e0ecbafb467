/**
 * Benchmark: what tracing costs the traced workload, side by side with the peers, in one run.
 *
 *   bench/run.sh [--runs N] [--scale F] [--only pingpong,signals,devnull] [--tools floor,ipcdump,bpftrace,strace]
 *
 * Each workload is a small C program with a fixed amount of work that times its own loop. It
 * runs pinned to CPU 1, tracers on CPU 0 (unpinned ping-pong varies 10x on these VMs). For each
 * tool we report the median/min/max slowdown against the untraced run, events delivered /
 * expected, events lost, and the tracer's CPU time per event. Results: printed table +
 * bench/results/latest.json.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BpfObject } from '../src/runtime';

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD = path.join(ROOT, 'bench', '.build');
const RESULTS = path.join(ROOT, 'bench', 'results');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'ipcdump.js');

interface Workload {
  name: string;
  binary: string; // also the comm
  n: number;
  /** events a complete tracer reports */
  expected: (n: number) => number;
  /** bpftrace script with equivalent hooks and output */
  bpftrace: string;
  /** strace syscall set */
  strace: string;
  /** does an output line count as one of this workload's events? */
  ipcdumpLine: RegExp;
  /** 'ipc' workloads are for ipcdump, 'syscalls' for ebpftracer, 'packets' for ipftrace. */
  kind: 'ipc' | 'syscalls' | 'packets';
  /** which bpftrace output lines count as events (default: every line of this workload) */
  bpftraceLine?: RegExp;
}

// bpftrace equivalent of ipftrace -p UDP -dp 9: the same tracepoints, the same header parse
// through the skb (IPv4 protocol 17, UDP destination port 9 = 0x0900 in network order), one
// line per hop. It has no packet identity (no grouping, clones or pointer reuse).
const BPFTRACE_UDP =
  'tracepoint:net:net_dev_queue,tracepoint:net:net_dev_start_xmit,tracepoint:net:netif_rx_entry,tracepoint:net:netif_rx,' +
  'tracepoint:net:netif_receive_skb,tracepoint:icmp:icmp_send,tracepoint:skb:kfree_skb,tracepoint:skb:consume_skb ' +
  '{ $skb = (struct sk_buff *)args->skbaddr; $ip = (struct iphdr *)($skb->head + $skb->network_header); ' +
  '$udp = (struct udphdr *)($skb->head + $skb->network_header + 20); ' +
  'if ($ip->protocol == 17 && $udp->dest == 2304) { printf("%d bench_udp %llx %s %d\\n", nsecs, args->skbaddr, probe, $skb->len); } }';

const FILE_SYSCALLS = 'openat,read,close,newfstatat';
// bpftrace equivalent of ebpftracer's record: each call with its path/fd and return value.
const BPFTRACE_FILES =
  'tracepoint:syscalls:sys_enter_openat { @p[tid] = args->filename; } ' +
  'tracepoint:syscalls:sys_exit_openat { printf("%d %s openat %s = %d\\n", pid, comm, str(@p[tid]), args->ret); delete(@p[tid]); } ' +
  'tracepoint:syscalls:sys_enter_newfstatat { @s[tid] = args->filename; } ' +
  'tracepoint:syscalls:sys_exit_newfstatat { printf("%d %s newfstatat %s = %d\\n", pid, comm, str(@s[tid]), args->ret); delete(@s[tid]); } ' +
  'tracepoint:syscalls:sys_enter_read { @r[tid] = args->fd; } ' +
  'tracepoint:syscalls:sys_exit_read { printf("%d %s read %d = %d\\n", pid, comm, @r[tid], args->ret); delete(@r[tid]); } ' +
  'tracepoint:syscalls:sys_enter_close { printf("%d %s close %d\\n", pid, comm, args->fd); }';

const BPFTRACE_PIPE =
  'tracepoint:syscalls:sys_enter_write { @writer[pid] = tid; } ' +
  'tracepoint:syscalls:sys_exit_read /args->ret > 0/ { printf("%d %s read %d\\n", pid, comm, args->ret); }';

const WORKLOADS: Workload[] = [
  {
    name: 'pipe ping-pong (1-byte messages)',
    binary: 'bench_pingpong',
    n: 200_000,
    expected: (n) => 2 * n,
    // ipcdump reports each successful pipe read with both ends. The closest bpftrace script
    // hooks the same syscalls: it remembers the last writer per process and prints every
    // successful read (same hooks, less information: no pipe identity, no exact writer).
    bpftrace: BPFTRACE_PIPE,
    strace: 'read,write',
    ipcdumpLine: / pipe \d+\(bench_pingpong\) > \d+\(bench_pingpong\)/,
    kind: 'ipc',
  },
  {
    name: 'signal ping-pong (SIGUSR1/SIGUSR2)',
    binary: 'bench_signals',
    n: 100_000,
    expected: (n) => 2 * n,
    bpftrace:
      'tracepoint:signal:signal_generate /args->result == 0/ { printf("%d %s > %d %s sig %d\\n", pid, comm, args->pid, args->comm, args->sig); }',
    strace: 'kill',
    ipcdumpLine: / signal \d+\(bench_signals\) > \d+\(bench_signals\)/,
    kind: 'ipc',
  },
  {
    name: 'unrelated syscalls (1-byte writes to /dev/null)',
    binary: 'bench_devnull',
    n: 2_000_000,
    expected: () => 0,
    bpftrace: BPFTRACE_PIPE,
    strace: 'read,write',
    ipcdumpLine: /\(bench_devnull\)/,
    kind: 'ipc',
  },
  {
    name: 'syscall recording (open/read/close/stat loop)',
    binary: 'bench_files',
    n: 50_000,
    expected: (n) => 4 * n,
    bpftrace: BPFTRACE_FILES,
    strace: FILE_SYSCALLS,
    ipcdumpLine: /bench_files/,
    kind: 'syscalls',
  },
  {
    name: 'packet journeys (UDP to a closed port on lo)',
    binary: 'bench_udp',
    n: 50_000,
    expected: (n) => n,
    bpftrace: BPFTRACE_UDP,
    bpftraceLine: /^\d+ bench_udp [0-9a-f]+ tracepoint:skb:kfree_skb /,
    strace: '',
    ipcdumpLine: /^UDP\t127\.0\.0\.1:\d+\t->\t127\.0\.0\.1:9$/,
    kind: 'packets',
  },
];

interface Tool {
  name: string;
  /** workload kinds it applies to; default: all */
  kinds?: Workload['kind'][];
  available: () => boolean;
  run: (w: Workload, n: number, out: string) => Promise<RunResult>;
}

interface RunResult {
  seconds: number;
  events: number;
  lost: number;
  tracerCpuSec: number;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function has(cmd: string): boolean {
  try {
    sh('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

function buildWorkloads(): void {
  fs.mkdirSync(BUILD, { recursive: true });
  for (const [src, bin] of [
    ['pingpong.c', 'bench_pingpong'],
    ['sigpingpong.c', 'bench_signals'],
    ['devnull.c', 'bench_devnull'],
    ['files.c', 'bench_files'],
    ['udp.c', 'bench_udp'],
  ]) {
    const out = path.join(BUILD, bin);
    const s = path.join(ROOT, 'bench', 'workloads', src);
    if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(s).mtimeMs) sh('gcc', ['-O2', '-o', out, s]);
  }
}

/** Run the workload pinned to CPU 1; it prints its own loop time in seconds. */
function runWorkload(w: Workload, n: number, prefix: string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = [...prefix, 'taskset', '-c', '1', path.join(BUILD, w.binary), String(n)];
    const child = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('exit', (code) => {
      const secs = parseFloat(out.trim().split('\n').pop() ?? '');
      if (code !== 0 || !isFinite(secs)) reject(new Error(`${w.binary} failed (${code}): ${out}`));
      else resolve(secs);
    });
  });
}

const CLK_TCK = Number(sh('getconf', ['CLK_TCK']).trim()) || 100;

/** utime + stime of a process (fields 14 and 15 of /proc/PID/stat), in seconds. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Wait until `file` stops growing (the tracer has caught up). */
async function settle(file: string, quietMs = 400, maxMs = 60_000): Promise<void> {
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

function waitForText(child: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp, file?: string, ms = 30000): Promise<void> {
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

function stopChild(child: ChildProcess, sig: NodeJS.Signals = 'SIGINT'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(sig);
  });
}

function countLines(file: string, re: RegExp): { events: number; lost: number } {
  let events = 0;
  let lost = 0;
  const text = fs.readFileSync(file, 'utf8');
  for (const line of text.split('\n')) {
    if (re.test(line)) events++;
    const m = / lost (\d+) events/.exec(line) ?? /"lost_type":"[^"]+","count":(\d+)/.exec(line);
    if (m) lost += Number(m[1]);
  }
  return { events, lost };
}

const EBPFTRACER = path.join(ROOT, 'dist', 'src', 'cli', 'ebpftracer.js');
const IPFTRACE = path.join(ROOT, 'dist', 'src', 'cli', 'ipftrace.js');

/** ipftrace following the workload's packets (or, with `miss`, a filter nothing matches: the
 * cost of the hooks and the header parse alone) to a file. Events = packets printed. */
function ipftraceTool(name: string, format: 'text' | 'json', miss = false): Tool {
  return {
    name,
    kinds: ['packets'],
    available: () => fs.existsSync(IPFTRACE),
    async run(w, n, out) {
      const args = ['-p', 'UDP', '-dp', miss ? '10' : '9', '--format', format, '-o', out];
      const tracer = spawn('taskset', ['-c', '0', process.execPath, IPFTRACE, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      tracer.stderr!.on('data', (d) => (stderr += d));
      await waitForText(tracer, 'stderr', /Trace ready!/);
      const cpu0 = cpuSeconds(tracer.pid!);
      const seconds = await runWorkload(w, n);
      await settle(out, 1500);
      const cpu1 = cpuSeconds(tracer.pid!);
      await stopChild(tracer);
      const { events } = countLines(out, format === 'json' ? /^\{"v":1,"type":"trace".*"tuple":\{[^}]*"dport":9\}/ : w.ipcdumpLine);
      const lost = [...stderr.matchAll(/(\d+) hops lost/g)].reduce((a, m) => a + Number(m[1]), 0);
      return { seconds, events, lost, tracerCpuSec: cpu1 - cpu0 };
    },
  };
}

/** ebpftracer recording the workload's syscalls (comm filter in the kernel) to a file. */
function ebpftracerTool(name: string, format: string): Tool {
  return {
    name,
    kinds: ['syscalls'],
    available: () => fs.existsSync(EBPFTRACER),
    async run(w, n, out) {
      const tracer = spawn('taskset', ['-c', '0', process.execPath, EBPFTRACER, '-t', FILE_SYSCALLS, '--comm', w.binary, '--format', format, '-o', out], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      tracer.stderr!.on('data', (d) => (stderr += d));
      await waitForText(tracer, 'stderr', /recording .*Ctrl-C/);
      const cpu0 = cpuSeconds(tracer.pid!);
      const seconds = await runWorkload(w, n);
      await settle(out);
      const cpu1 = cpuSeconds(tracer.pid!);
      await stopChild(tracer);
      const { events } = countLines(out, format === 'json' ? /"comm":"bench_files"/ : /^\[pid/);
      const lost = [...stderr.matchAll(/(\d+) events lost/g)].reduce((a, m) => a + Number(m[1]), 0);
      return { seconds, events, lost, tracerCpuSec: cpu1 - cpu0 };
    },
  };
}

function ipcdumpTool(name: string, flags: string[], jsonLine = false): Tool {
  return {
    name,
    kinds: ['ipc'],
    available: () => fs.existsSync(CLI),
    async run(w, n, out) {
      const tracer = spawn('taskset', ['-c', '0', process.execPath, CLI, ...flags, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
      await waitForText(tracer, 'stderr', /tracing .*Ctrl-C/);
      const cpu0 = cpuSeconds(tracer.pid!);
      const seconds = await runWorkload(w, n);
      await settle(out);
      const cpu1 = cpuSeconds(tracer.pid!);
      await stopChild(tracer);
      const re = jsonLine ? new RegExp(`"src_comm":"${w.binary}","dst_pid":\\d+,"dst_comm":"${w.binary}"`) : w.ipcdumpLine;
      const { events, lost } = countLines(out, w.binary === 'bench_devnull' ? /bench_devnull/ : re);
      return { seconds, events, lost, tracerCpuSec: cpu1 - cpu0 };
    },
  };
}

const TOOLS: Tool[] = [
  {
    name: 'untraced',
    available: () => true,
    async run(w, n) {
      return { seconds: await runWorkload(w, n), events: 0, lost: 0, tracerCpuSec: 0 };
    },
  },
  {
    name: 'floor (do-nothing BPF on the same hooks)',
    kinds: ['ipc', 'syscalls'],
    available: () => fs.existsSync(path.join(ROOT, 'build', 'bpf', 'bench_floor.bpf.o')),
    async run(w, n) {
      const obj = BpfObject.open(path.join(ROOT, 'build', 'bpf', 'bench_floor.bpf.o'));
      try {
        obj.load();
        obj.attachAll();
        return { seconds: await runWorkload(w, n), events: 0, lost: 0, tracerCpuSec: 0 };
      } finally {
        obj.close();
      }
    },
  },
  ipcdumpTool('ipcdump (text)', ['-t', 'signal', '-t', 'pipe']),
  ipcdumpTool('ipcdump, all types (default)', []),
  ipcdumpTool('ipcdump -x (text + bytes)', ['-t', 'signal', '-t', 'pipe', '-x']),
  ipcdumpTool('ipcdump -f json', ['-t', 'signal', '-t', 'pipe', '-f', 'json'], true),
  ebpftracerTool('ebpftracer --format strace', 'strace'),
  ebpftracerTool('ebpftracer --format json', 'json'),
  ipftraceTool('ipftrace (text)', 'text'),
  ipftraceTool('ipftrace --format json', 'json'),
  ipftraceTool('ipftrace, filter matching nothing', 'text', true),
  {
    name: 'bpftrace 0.17 (same tracepoints)',
    available: () => has('bpftrace'),
    async run(w, n, out) {
      ensureDebugfsTracing();
      const tracer = spawn('taskset', ['-c', '0', 'bpftrace', '-o', out, '-e', w.bpftrace], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      tracer.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      await waitForText(tracer, 'stdout', /Attaching \d+ probe/, out);
      const cpu0 = cpuSeconds(tracer.pid!);
      const seconds = await runWorkload(w, n);
      await settle(out);
      const cpu1 = cpuSeconds(tracer.pid!);
      await stopChild(tracer);
      const { events } = countLines(out, w.bpftraceLine ?? new RegExp(`\\d+ ${w.binary} `));
      // bpftrace reports perf-buffer loss as "Lost N events" (in the output file or on stderr)
      const lost = [...(fs.readFileSync(out, 'utf8') + stderr).matchAll(/Lost (\d+) events/g)].reduce((s, m) => s + Number(m[1]), 0);
      return { seconds, events, lost, tracerCpuSec: cpu1 - cpu0 };
    },
  },
  {
    name: 'strace -f (same syscalls)',
    kinds: ['ipc', 'syscalls'],
    available: () => has('strace'),
    async run(w, n, out) {
      // --seccomp-bpf: strace stops only on the traced syscalls (its fastest mode)
      const seconds = await runWorkload(w, n, ['strace', '-f', '-qq', '--seccomp-bpf', '-e', `trace=${w.strace}`, '-o', out]);
      const text = fs.readFileSync(out, 'utf8');
      // with -f, calls interrupted by a task switch are split into `<unfinished ...>` and `<... read resumed>` lines
      const re = w.kind === 'syscalls' ? /= -?\d+/ : w.strace === 'kill' ? /kill\(.*= 0$|<\.\.\. kill resumed>.*= 0$/ : /read\(.*= 1$|<\.\.\. read resumed>.*= 1$/;
      const events = w.binary === 'bench_devnull' ? 0 : text.split('\n').filter((l) => re.test(l)).length;
      return { seconds, events, lost: 0, tracerCpuSec: NaN };
    },
  },
];

/** bpftrace 0.17 finds tracepoints under /sys/kernel/debug/tracing only. */
function ensureDebugfsTracing(): void {
  if (fs.existsSync('/sys/kernel/debug/tracing/events')) return;
  try {
    if (!fs.existsSync('/sys/kernel/debug/tracing')) sh('mount', ['-t', 'debugfs', 'debugfs', '/sys/kernel/debug']);
    if (!fs.existsSync('/sys/kernel/debug/tracing/events')) sh('mount', ['-t', 'tracefs', 'tracefs', '/sys/kernel/debug/tracing']);
  } catch {
    /* bpftrace will say what is missing */
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : def;
  };
  const runs = Number(opt('--runs', '5'));
  const scale = Number(opt('--scale', '1'));
  const only = opt('--only', '');
  const toolFilter = opt('--tools', '');
  buildWorkloads();
  fs.mkdirSync(RESULTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcdump-bench-'));
  const results: unknown[] = [];
  const lines: string[] = [];
  const header = `| workload | tool | slowdown median (min-max) [runs] | events delivered / expected | lost | tracer CPU µs/event |`;
  lines.push(header, '|---|---|---|---|---|---|');

  for (const w of WORKLOADS) {
    if (only && !only.split(',').some((o) => w.binary.includes(o))) continue;
    const n = Math.max(1, Math.round(w.n * scale));
    const tools = TOOLS.filter(
      (t) => t.available() && (!t.kinds || t.kinds.includes(w.kind)) && (t.name === 'untraced' || !toolFilter || toolFilter.split(',').some((f) => t.name.includes(f))),
    );
    const samples = new Map<string, RunResult[]>();
    // Interleave tools run by run so drift on the machine affects all alike. A tool whose run
    // took over a minute (strace on the syscall-heavy workloads) is run only once.
    const slow = new Set<string>();
    for (let r = 0; r < runs; r++) {
      for (const t of tools) {
        if (slow.has(t.name)) continue;
        const started = Date.now();
        const out = path.join(tmp, `${w.binary}-${r}.out`);
        fs.rmSync(out, { force: true });
        try {
          const res = await t.run(w, n, out);
          samples.set(t.name, [...(samples.get(t.name) ?? []), res]);
          if (Date.now() - started > 60_000) slow.add(t.name);
        } catch (err) {
          process.stderr.write(`bench: ${t.name} on ${w.binary}: ${(err as Error).message.split('\n')[0]}\n`);
        }
        fs.rmSync(out, { force: true });
      }
    }
    const base = median((samples.get('untraced') ?? []).map((s) => s.seconds));
    for (const t of tools) {
      const ss = samples.get(t.name);
      if (!ss || ss.length === 0) continue;
      const ratios = ss.map((s) => s.seconds / base);
      const expected = w.expected(n);
      const ev = median(ss.map((s) => s.events));
      const lost = Math.max(...ss.map((s) => s.lost));
      const cpu = median(ss.map((s) => s.tracerCpuSec));
      const perEvent = ev > 0 && isFinite(cpu) ? ((cpu / ev) * 1e6).toFixed(2) : '-';
      const tracerRow = t.name !== 'untraced' && !t.name.startsWith('floor');
      lines.push(
        `| ${w.name} | ${t.name} | ${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) [${ratios.length}] | ${tracerRow ? `${ev} / ${expected}` : '-'} | ${tracerRow ? lost : '-'} | ${tracerRow ? perEvent : '-'} |`,
      );
      results.push({ workload: w.binary, n, tool: t.name, baselineSeconds: base, ratios, events: ev, expected, lost, tracerCpuSec: cpu });
    }
    process.stderr.write(`bench: ${w.binary} done\n`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}`;
  const table = lines.join('\n');
  process.stdout.write(`Machine: ${machine}\nRuns per tool: ${runs}, workload pinned to CPU 1, tracer on CPU 0\n\n${table}\n`);
  // A partial run (--only) keeps the full run's files.
  const stem = only ? `latest-${only.replace(/[^a-z0-9,]/gi, '').replace(/,/g, '-')}` : 'latest';
  fs.writeFileSync(
    path.join(RESULTS, `${stem}.json`),
    JSON.stringify({ date: new Date().toISOString(), machine, runs, scale, results }, null, 2) + '\n',
  );
  fs.writeFileSync(path.join(RESULTS, `${stem}.md`), `Machine: ${machine}\n\n${table}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
