/**
 * Maximum sustained events per second each output format handles with zero loss.
 *
 *   bench/run.sh --only maxrate [--seconds S] [--gen pipe|dgram] [--formats capture,text,json,csv]
 *                [--start R] [--max R] [--step F] [--refine K] [--gen-cpus 1,2,...] [--scale F]
 *
 * A rate-controlled generator (bench/workloads/rate.c, one process per generator CPU, each at
 * its share of the target rate) produces pipe events (a 1-byte write and read) or unix datagram
 * events (16 messages per sendmmsg/recvmmsg) for S seconds while ipcdump (tracer on CPU 0)
 * traces that one type and writes the format to a file; "capture" is the library API counting
 * records without formatting them (bench/maxrate-capture.ts).
 *
 * One trial at an offered rate R passes when
 *  - every generated event is in the output (delivered = generated, counted by comm), and
 *    ipcdump reported no lost records and no skipped hook runs;
 *  - the tracer kept up: its last event was written at most max(0.25 s, 5% of S) after the
 *    generator stopped (a 64 MiB ring can hide a few seconds of backlog; a growing backlog is
 *    not a sustained rate).
 * The rate reported for a trial is honest wall-clock throughput: events delivered / (time of
 * the last event written - generator start). The search goes up geometrically from --start
 * until a trial fails (or the generator falls short of the offered rate twice in a row: the
 * result is then marked generator-limited), then bisects --refine times
 * between the last pass and the first failure. Each format's result is the highest delivered
 * rate among its passing trials. Results: printed table + bench/results/latest-maxrate.json.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILD, CLI, RESULTS, ROOT, countLines, cpuSeconds, settle, sleep, stopChild, waitForText } from './common';

type Format = 'capture' | 'text' | 'json' | 'csv';
type Gen = 'pipe' | 'dgram';

const CAPTURE = path.join(ROOT, 'dist', 'bench', 'maxrate-capture.js');
const COMM = 'bench_rate';

/** The issue's targets (events/s), printed next to the results. */
const TARGETS: Partial<Record<Format, number>> = { capture: 1_000_000, json: 300_000 };

interface Trial {
  format: Format;
  offered: number;
  /** generated / generator run time */
  achieved: number;
  generated: number;
  delivered: number;
  lost: number;
  missed: number;
  /** last event written - generator end, s */
  lagSec: number;
  /** delivered / (last event written - generator start) */
  rate: number;
  tracerCpuUsPerEvent: number;
  pass: boolean;
  why: string;
}

/** Lines of the generator's events in ipcdump's output (exported for the unit test). */
export function eventLine(format: Format, type: string): RegExp {
  switch (format) {
    case 'json':
      return new RegExp(`^\\{"src_pid":\\d+,"src_comm":"${COMM}","dst_pid":\\d+,"dst_comm":"${COMM}","type":"${type}"`);
    case 'csv':
      return new RegExp(`^[\\d:.]+,${type},\\d+,${COMM},\\d+,${COMM}$`);
    default:
      return new RegExp(`^[\\d:.]+ ${type} \\d+\\(${COMM}\\) > \\d+\\(${COMM}\\): `);
  }
}

interface GenResult {
  events: number;
  start: number;
  end: number;
}

interface Generators {
  pids: number[];
  /** sends SIGUSR1 (start) to every generator; resolves when all have exited */
  go(): Promise<GenResult[]>;
  /** on failure: SIGKILL them */
  kill(): void;
}

/** One generator per CPU in `cpus`, each at rate/cpus.length, started but waiting for go(). */
async function startGenerators(gen: Gen, rate: number, seconds: number, cpus: number[]): Promise<Generators> {
  const children = cpus.map((cpu) =>
    spawn('taskset', ['-c', String(cpu), path.join(BUILD, COMM), gen, String(rate / cpus.length), String(seconds), 'wait'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const results = children.map(
    (child) =>
      new Promise<GenResult>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.on('exit', (code) => {
          const [events, start, end] = out.trim().split('\n').pop()!.split(/\s+/).map(Number);
          if (code !== 0 || !(events >= 0) || !isFinite(start) || !isFinite(end)) reject(new Error(`${COMM} failed (${code}): ${out}`));
          else resolve({ events, start, end });
        });
      }),
  );
  // taskset execs the generator: the pid is the generator's once it says "ready"
  await Promise.all(children.map((c) => waitForText(c, 'stdout', /^ready$/m, undefined, 10_000)));
  return {
    pids: children.map((c) => c.pid!),
    go() {
      for (const c of children) c.kill('SIGUSR1');
      return Promise.all(results);
    },
    kill() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      results.forEach((r) => r.catch(() => undefined));
    },
  };
}

async function trial(format: Format, gen: Gen, offered: number, seconds: number, cpus: number[], tmp: string): Promise<Trial> {
  const type = gen === 'pipe' ? 'pipe' : 'unix-dgram';
  const out = path.join(tmp, `maxrate.${format}`);
  fs.rmSync(out, { force: true });
  // the generators first, so the tracer can filter on their pids in the kernel: the machine's
  // other IPC of this type stays out of the file and of the last-write time
  const gens = await startGenerators(gen, offered, seconds, cpus);
  const pidArgs = gens.pids.flatMap((p) => ['-p', String(p)]);
  const args =
    format === 'capture'
      ? [CAPTURE, type, COMM, gens.pids.join(',')]
      : [CLI, '-t', type, ...pidArgs, ...(format === 'text' ? [] : ['-f', format]), '-o', out];
  const tracer = spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  tracer.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  tracer.stderr!.on('data', (d) => (stderr += d));
  try {
    await waitForText(tracer, 'stderr', /tracing .*/);
  } catch (err) {
    gens.kill();
    throw err;
  }
  await sleep(200);
  const cpu0 = cpuSeconds(tracer.pid!);
  const done = await gens.go();
  const generated = done.reduce((s, g) => s + g.events, 0);
  const start = Math.min(...done.map((g) => g.start));
  const end = Math.max(...done.map((g) => g.end));
  let delivered = 0;
  let lost = 0;
  let lastSec = end;
  /** events that reached the file only when the tracer was stopped (not counted as delivered) */
  let atExit = 0;
  let cpu1: number;
  if (format === 'capture') {
    // the consumer counts as it goes: wait until it is idle (under 2 ticks of CPU in 250 ms),
    // then stop it (stop() drains whatever is left, so the count is complete either way)
    let prev = cpuSeconds(tracer.pid!);
    for (let i = 0; i < 1200; i++) {
      await sleep(250);
      const c = cpuSeconds(tracer.pid!);
      if (c - prev < 0.02) break;
      prev = c;
    }
    cpu1 = cpuSeconds(tracer.pid!);
    await stopChild(tracer);
    const r = JSON.parse(stdout.trim().split('\n').pop() || '{}') as { events: number; lost: number; missed: number; lastEventMs: number };
    delivered = r.events;
    lost = r.lost;
    if (r.missed) stderr += `\nmissed ${r.missed}`;
    lastSec = r.lastEventMs / 1000;
  } else {
    await settle(out, 1000, 300_000);
    // the time the last byte reached the file, and what it held then (nothing may wait for exit)
    lastSec = Number(fs.statSync(out, { bigint: true }).mtimeNs) / 1e9;
    cpu1 = cpuSeconds(tracer.pid!);
    const before = countLines(out, eventLine(format, type));
    await stopChild(tracer);
    const after = countLines(out, eventLine(format, type));
    delivered = before.events;
    lost = after.lost;
    atExit = after.events - before.events;
  }
  fs.rmSync(out, { force: true });
  const missed = [...stderr.matchAll(/(\d+) runs of our kernel hooks were skipped|missed (\d+)/g)].reduce((s, m) => s + Number(m[1] ?? m[2]), 0);
  const lagSec = Math.max(0, lastSec - end);
  const rate = delivered / Math.max(lastSec - start, end - start);
  const maxLag = Math.max(0.25, 0.05 * seconds);
  const why =
    delivered !== generated
      ? `delivered ${delivered} of ${generated}${atExit ? `, ${atExit} more only at exit` : ''}`
      : lost > 0
        ? `${lost} lost`
        : missed > 0
          ? `${missed} hook runs skipped`
          : lagSec > maxLag
            ? `fell behind: last event ${lagSec.toFixed(2)} s after the generator stopped`
            : '';
  return {
    format,
    offered,
    achieved: generated / (end - start),
    generated,
    delivered,
    lost,
    missed,
    lagSec,
    rate,
    tracerCpuUsPerEvent: delivered > 0 ? ((cpu1 - cpu0) / delivered) * 1e6 : NaN,
    pass: why === '',
    why,
  };
}

const k = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${Math.round(n / 1e3)}k`);

export async function runMaxrate(argv: string[]): Promise<void> {
  const opt = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : def;
  };
  const scale = Number(opt('--scale', '1'));
  const seconds = Number(opt('--seconds', String(Math.max(0.5, 5 * scale))));
  const gen = opt('--gen', 'pipe') as Gen;
  if (gen !== 'pipe' && gen !== 'dgram') throw new Error(`--gen: pipe or dgram, not ${gen}`);
  const formats = opt('--formats', 'capture,text,json,csv').split(',') as Format[];
  for (const f of formats) if (!['capture', 'text', 'json', 'csv'].includes(f)) throw new Error(`--formats: unknown format ${f}`);
  const startRate = Number(opt('--start', '50000'));
  const maxRate = Number(opt('--max', '4000000'));
  const step = Number(opt('--step', '1.5'));
  const refine = Number(opt('--refine', '3'));
  const ncpu = os.cpus().length;
  const cpus = opt('--gen-cpus', ncpu > 1 ? Array.from({ length: ncpu - 1 }, (_, i) => i + 1).join(',') : '0').split(',').map(Number);
  if (formats.includes('capture') && !fs.existsSync(CAPTURE)) throw new Error(`${CAPTURE} missing: npm run build`);
  fs.mkdirSync(RESULTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcdump-maxrate-'));
  const trials: Trial[] = [];
  const log = (t: Trial) => {
    trials.push(t);
    process.stderr.write(
      `maxrate: ${t.format} offered ${k(t.offered)}/s (generator reached ${k(t.achieved)}/s): ${t.delivered}/${t.generated} delivered, ` +
        `${k(t.rate)}/s, lag ${t.lagSec.toFixed(2)} s: ${t.pass ? 'pass' : `FAIL (${t.why})`}\n`,
    );
    return t;
  };
  const rows: string[] = [
    '| format | max sustained events/s, zero loss | at offered rate | first failing offered rate (why) | tracer CPU µs/event | target |',
    '|---|---|---|---|---|---|',
  ];
  const summary: unknown[] = [];
  try {
    for (const format of formats) {
      let pass: Trial | undefined;
      let fail: Trial | undefined;
      let genLimited = false;
      // up until the first failure, or until the generator fell short of the offered rate on
      // two steps in a row (it cannot offer more; once could be a noisy neighbour)
      let short = 0;
      for (let r = startRate; r <= maxRate; r *= step) {
        const t = log(await trial(format, gen, r, seconds, cpus, tmp));
        if (!t.pass) {
          fail = t;
          break;
        }
        pass = t;
        short = t.achieved < 0.97 * r ? short + 1 : 0;
        if (short === 2) {
          genLimited = true;
          break;
        }
      }
      // below the start rate when even that failed
      for (let r = startRate / 2; !pass && r >= 1000; r /= 2) {
        const t = log(await trial(format, gen, r, seconds, cpus, tmp));
        if (t.pass) pass = t;
        else fail = t;
      }
      // bisect (geometrically) between the last pass and the first failure
      for (let i = 0; i < refine && pass && fail && !genLimited; i++) {
        const t = log(await trial(format, gen, Math.sqrt(pass.offered * fail.offered), seconds, cpus, tmp));
        if (t.pass) pass = t;
        else fail = t;
      }
      const passes = trials.filter((t) => t.format === format && t.pass);
      const best = passes.reduce<Trial | undefined>((b, t) => (!b || t.rate > b.rate ? t : b), undefined);
      const target = TARGETS[format];
      rows.push(
        `| ${format === 'capture' ? 'capture only (library API, not rendered)' : `${format} to a file`} | ${best ? Math.round(best.rate).toLocaleString('en-US') : 'none'}` +
          `${genLimited ? ' (generator-limited)' : ''} | ${best ? k(best.offered) : '-'} | ${fail ? `${k(fail.offered)} (${fail.why})` : 'none'} | ` +
          `${best ? best.tracerCpuUsPerEvent.toFixed(2) : '-'} | ${target ? `>= ${k(target)}: ${best && best.rate >= target ? 'met' : 'not met'}` : '-'} |`,
      );
      summary.push({ format, maxSustainedRate: best?.rate ?? 0, atOffered: best?.offered, generatorLimited: genLimited, firstFailure: fail, target });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}`;
  const head = `Machine: ${machine}\nmaxrate: ${gen === 'pipe' ? 'pipe events (1-byte write + read)' : 'unix datagram events (16 per sendmmsg/recvmmsg)'}, ${seconds} s per trial, generator on CPU ${cpus.join(',')}, tracer on CPU 0`;
  const table = rows.join('\n');
  process.stdout.write(`${head}\n\n${table}\n`);
  fs.writeFileSync(
    path.join(RESULTS, 'latest-maxrate.json'),
    JSON.stringify({ date: new Date().toISOString(), machine, gen, seconds, generatorCpus: cpus, summary, trials }, null, 2) + '\n',
  );
  fs.writeFileSync(path.join(RESULTS, 'latest-maxrate.md'), `${head}\n\n${table}\n`);
}
