/**
 * Benchmark: what tracing costs the traced workload, side by side with the peers, in one run.
 *
 *   bench/run.sh [--runs N] [--scale F] [--only pingpong,signals,devnull,unixbulk,tcprr] [--tools floor,ipcdump,bpftrace,strace]
 *   bench/run.sh --only maxrate [...]   (maximum sustained events/s per output format: bench/maxrate.ts;
 *                                       a run without --only does this too, after the workloads)
 *
 * Workloads and the peers' scripts: bench/workloads.ts; the floor row: bench/floor.ts.
 * Each workload is a small C program with a fixed amount of work that times its own loop. It
 * runs pinned to CPU 1, tracers on CPU 0 (unpinned ping-pong varies 10x on these VMs). For each
 * tool we report the median/min/max slowdown against the untraced run, events delivered /
 * expected, events lost, and the tracer's CPU time per event. Results: printed table +
 * bench/results/latest.json.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BUILD, CLI, RESULTS, ROOT, buildWorkloads, countLines, cpuSeconds, ensureDebugfsTracing, forEachLine, has, median, settle, stopChild, waitForText,
} from './common';
import { FILE_SYSCALLS, WORKLOADS, type Workload } from './workloads';
import { FLOOR_OBJECT, attachFloor, floorProgramsFor } from './floor';
import { runMaxrate } from './maxrate';

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

/** ipcdump tracing the workload's types (`allTypes`: every type, the default) with `flags`. */
function ipcdumpTool(name: string, flags: string[], jsonLine = false, allTypes = false): Tool {
  return {
    name,
    kinds: ['ipc'],
    available: () => fs.existsSync(CLI),
    async run(w, n, out) {
      const types = allTypes ? [] : (w.ipcTypes ?? []).flatMap((t) => ['-t', t]);
      const tracer = spawn('taskset', ['-c', '0', process.execPath, CLI, ...types, ...flags, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      tracer.stderr!.on('data', (d) => (stderr += d));
      await waitForText(tracer, 'stderr', /tracing .*Ctrl-C/);
      const cpu0 = cpuSeconds(tracer.pid!);
      const seconds = await runWorkload(w, n);
      await settle(out);
      const cpu1 = cpuSeconds(tracer.pid!);
      await stopChild(tracer);
      const re = jsonLine ? new RegExp(`"src_comm":"${w.binary}","dst_pid":\\d+,"dst_comm":"${w.binary}"`) : w.ipcdumpLine;
      const { events, lost } = countLines(out, w.binary === 'bench_devnull' ? /bench_devnull/ : re);
      // hook runs the kernel skipped (a preempted program) lose events too: ipcdump says so on stderr
      const missed = [...stderr.matchAll(/(\d+) runs of our kernel hooks were skipped/g)].reduce((a, m) => a + Number(m[1]), 0);
      return { seconds, events, lost: lost + missed, tracerCpuSec: cpu1 - cpu0 };
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
    available: () => fs.existsSync(FLOOR_OBJECT),
    async run(w, n) {
      // ipc workloads: the hooks `ipcdump -t <w.ipcTypes>` loads; syscall recording: the default set
      const obj = attachFloor(w.kind === 'ipc' ? floorProgramsFor(w.ipcTypes ?? []) : undefined);
      try {
        return { seconds: await runWorkload(w, n), events: 0, lost: 0, tracerCpuSec: 0 };
      } finally {
        obj.close();
      }
    },
  },
  ipcdumpTool('ipcdump (text)', []),
  ipcdumpTool('ipcdump, all types (default)', [], false, true),
  ipcdumpTool('ipcdump -x (text + bytes)', ['-x']),
  ipcdumpTool('ipcdump -f json', ['-f', 'json'], true),
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
      let lost = [...stderr.matchAll(/Lost (\d+) events/g)].reduce((s, m) => s + Number(m[1]), 0);
      forEachLine(out, (l) => {
        const m = /Lost (\d+) events/.exec(l);
        if (m) lost += Number(m[1]);
      });
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
      // with -f, calls interrupted by a task switch are split into `<unfinished ...>` and `<... read resumed>` lines
      let events = 0;
      const re = w.straceLine ?? /$^/;
      forEachLine(out, (l) => {
        if (re.test(l)) events++;
      });
      return { seconds, events, lost: 0, tracerCpuSec: NaN };
    },
  },
];

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
  if (only === 'maxrate') return runMaxrate(argv);
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
      results.push({ workload: w.binary, n, ipcTypes: w.ipcTypes, tool: t.name, baselineSeconds: base, ratios, events: ev, expected, lost, tracerCpuSec: cpu });
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
  // The whole suite also finds each output format's highest zero-loss rate (the issue's
  // second figure), so one command gives both tables.
  if (!only) {
    process.stdout.write('\n');
    await runMaxrate(argv);
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
