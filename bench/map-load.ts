/**
 * Load test of `ipcdump --map`: feeds the MapServer consumer directly with synthetic events
 * (500 processes in 20 groups, ~1,500 edges of every type, 50,000 events/s with bytes) for
 * 20 s while headless Chromium shows the page, and reports what each side pays:
 *  - server: ns of CPU per event in `record`, tick cost, WebSocket bytes/s;
 *  - page: delta apply time, main-thread long tasks (PerformanceObserver), frames/s, and the
 *    time from a click on a node to its details being shown.
 *
 * Run: node dist/bench/map-load.js [--seconds 20] [--rate 50000] [--procs 500] [--json FILE]
 * Needs /usr/bin/chromium (scripts/setup.sh installs it). No root needed: nothing is traced.
 */
import * as fs from 'node:fs';
import { chromium } from 'playwright-core';
import type { IpcEvent, IpcType } from '../src/ipcdump/event';
import { ProcInfoCache } from '../src/ipcdump/proc-info';
import { ALL_TYPES } from '../src/ipcdump/types';
import { startMapServer } from '../src/map/server';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM lib.
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare function requestAnimationFrame(cb: () => void): number;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const SECONDS = arg('seconds', 20);
const RATE = arg('rate', 50_000);
const PROCS = arg('procs', 500);
const jsonIdx = process.argv.indexOf('--json');
const JSON_OUT = jsonIdx >= 0 ? process.argv[jsonIdx + 1] : undefined;
const profIdx = process.argv.indexOf('--profile');
/** --profile FILE: a CPU profile of the page during the measured part (open in Chrome DevTools). */
const PROFILE_OUT = profIdx >= 0 ? process.argv[profIdx + 1] : undefined;

/** Deterministic pseudo-random numbers, so runs compare. */
let seed = 12345;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

function population(procs: ProcInfoCache): { events: IpcEvent[]; sequence: Uint32Array; edges: number } {
  const base = 100_000;
  const groups = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? `docker:${(0xabc000 + i).toString(16)}0000` : `svc${i}.service`));
  for (let i = 0; i < PROCS; i++) {
    const pid = base + i;
    const group = groups[i % groups.length];
    procs.set({ pid, ppid: i < 20 ? 1 : base + (i % 20), comm: `worker-${i}`, cgroup: `/system.slice/${group}`, group });
  }
  // ~3 partners per process, mostly within the group (as services talk), any type.
  const templates: IpcEvent[] = [];
  const weights: number[] = [];
  for (let i = 0; i < PROCS; i++) {
    for (let j = 0; j < 3; j++) {
      const peer = rnd() < 0.7 ? (i + 20 * (1 + Math.floor(rnd() * 5))) % PROCS : Math.floor(rnd() * PROCS);
      const type: IpcType = ALL_TYPES[Math.floor(rnd() * ALL_TYPES.length)];
      const len = type === 'signal' ? 0 : 16 + Math.floor(rnd() * 200);
      const meta: Array<readonly [string, string | number]> = type === 'signal' ? [['num', 10], ['name', 'user defined signal 1']] : [['path', '/run/x.sock'], ['count', len]];
      const ev: IpcEvent = {
        type,
        src: { pid: base + i, comm: `worker-${i}` },
        dst: { pid: base + peer, comm: `worker-${peer}` },
        timeNs: 0n,
        metadata: meta,
      };
      if (len > 0) ev.bytes = Buffer.alloc(len, i & 0xff);
      templates.push(ev);
      weights.push(1 / (1 + templates.length % 97)); // a few busy edges, many quiet ones
    }
  }
  // The order events come in: sampled by weight once, then cycled.
  const total = weights.reduce((a, b) => a + b, 0);
  const cum = weights.map(
    (
      (s) => (w: number) =>
        (s += w / total)
    )(0),
  );
  const sequence = new Uint32Array(RATE);
  for (let i = 0; i < sequence.length; i++) {
    const r = rnd();
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    sequence[i] = lo;
  }
  return { events: templates, sequence, edges: templates.length };
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * `record` alone: the same event mix, 1,000,000 events in a tight loop (event time advancing
 * 50,000/s), CPU time of the loop. The figure during the browser run is wall time and includes
 * whatever preempted us (the browser shares the 2 CPUs).
 */
function recordAlone(server: { record(r: { kind: 'event'; event: IpcEvent }): void }, pop: { events: IpcEvent[]; sequence: Uint32Array }): number {
  const n = 1_000_000;
  const recs = pop.events.map((event) => ({ kind: 'event' as const, event }));
  let ns = BigInt(Date.now()) * 1_000_000n;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const rec = recs[pop.sequence[i % pop.sequence.length]];
    if ((i & 1023) === 0) ns += 20_480_000n; // 1024 events per 20.48 ms: 50,000/s
    rec.event.timeNs = ns;
    server.record(rec);
  }
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / n;
}

async function main(): Promise<void> {
  const procs = new ProcInfoCache(null);
  const pop = population(procs);
  const server = await startMapServer({ port: 0, procs, types: new Set(ALL_TYPES), captureBytes: true, source: 'live' });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
    // Long tasks and frames are counted from the first paint on.
    await page.addInitScript(() => {
      const w = window as { __bench: { longTasks: number[]; frames: number } };
      w.__bench = { longTasks: [], frames: 0 };
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__bench.longTasks.push(e.duration);
      }).observe({ type: 'longtask' as 'mark', buffered: true });
      const frame = (): void => {
        w.__bench.frames++;
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    });
    await page.goto(server.url);
    await page.waitForFunction(() => (window as any).ipcmap?.state().connected);

    // Warm-up: let every process appear and the start-up layouts run, then measure steady state.
    let emitted = 0;
    let recordNs = 0n;
    let seq = 0;
    const t0 = Date.now();
    const feed = (): void => {
      const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
      const n = due - emitted;
      if (n <= 0) return;
      const nowNs = BigInt(Date.now()) * 1_000_000n;
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const ev = pop.events[pop.sequence[seq]];
        seq = seq + 1 === pop.sequence.length ? 0 : seq + 1;
        ev.timeNs = nowNs;
        server.record({ kind: 'event', event: ev });
      }
      recordNs += process.hrtime.bigint() - start;
      emitted = due;
    };
    const feeder = setInterval(feed, 5);
    const warmupMs = 5000;
    await new Promise((r) => setTimeout(r, warmupMs));
    const page0 = await page.evaluate(() => {
      const w = window as any;
      return { longTasks: w.__bench.longTasks.length, frames: w.__bench.frames, applies: w.ipcmap.perf().applyMs.length, bytes: w.ipcmap.perf().stateBytes, nodes: w.ipcmap.nodes().length, edges: w.ipcmap.edges().length, layouts: w.ipcmap.perf().layoutMs };
    });
    const cdp = PROFILE_OUT ? await page.context().newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const s0 = server.stats();
    const cpu0 = process.cpuUsage();
    const rec0 = recordNs;
    const ev0 = emitted;
    const m0 = Date.now();

    // Clicks on nodes while the load runs: time until the details panel shows them.
    const clickMs: number[] = [];
    const inPageMs: number[] = [];
    const box = (await page.locator('#graph').boundingBox())!;
    const clicks = 10;
    for (let i = 0; i < clicks; i++) {
      await new Promise((r) => setTimeout(r, (SECONDS * 1000) / (clicks + 1)));
      const target = await page.evaluate(() => {
        const cy = (window as any).ipcmap.cy;
        const ext = cy.extent();
        const inView = cy.nodes('.proc').filter((n: any) => {
          const p = n.position();
          return p.x > ext.x1 && p.x < ext.x2 && p.y > ext.y1 && p.y < ext.y2 && !n.isParent();
        });
        const n = inView[Math.floor(Math.random() * inView.length)];
        if (!n) return null;
        const rp = n.renderedPosition();
        return { x: rp.x, y: rp.y, pid: n.data('pid'), shown: (window as any).ipcmap.perf().detailsShown };
      });
      if (!target) continue;
      const c0 = Date.now();
      await page.mouse.click(box.x + target.x, box.y + target.y);
      try {
        await page.waitForFunction((n) => (window as any).ipcmap.perf().detailsShown > n, target.shown, { timeout: 5000, polling: 'raf' });
        clickMs.push(Date.now() - c0);
        inPageMs.push(await page.evaluate(() => (window as any).ipcmap.perf().lastDetailsMs));
      } catch {
        process.stderr.write(`click on pid ${target.pid}: no details within 5 s\n`);
      }
    }
    const elapsed = (Date.now() - m0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const s1 = server.stats();
    const recNs = Number(recordNs - rec0);
    const events = emitted - ev0;
    clearInterval(feeder);
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      fs.writeFileSync(PROFILE_OUT!, JSON.stringify(profile));
    }
    const page1 = await page.evaluate(() => {
      const w = window as any;
      const st = w.ipcmap.state();
      return { longTasks: w.__bench.longTasks as number[], frames: w.__bench.frames, applyMs: w.ipcmap.perf().applyMs as number[], bytes: w.ipcmap.perf().stateBytes, nodes: w.ipcmap.nodes().length, edges: w.ipcmap.edges().length, layouts: w.ipcmap.perf().layoutMs, zoom: st.zoom as number, labels: st.labelsShown as boolean, applied: st.stateMessages as number };
    });
    await page.screenshot({ path: 'build/test-artifacts/map-bench.png' });
    const longTasks = page1.longTasks.slice(page0.longTasks);
    const applyMs = page1.applyMs.slice(page0.applies);
    const result = {
      setup: { procs: PROCS, edges: pop.edges, targetRate: RATE, seconds: r1(elapsed), warmupMs, shownNodes: page1.nodes, shownEdges: page1.edges, captureBytes: true },
      server: {
        eventsPerSec: Math.round(events / elapsed),
        recordWallNsPerEvent: r1(recNs / events),
        recordAloneNsPerEvent: r1(recordAlone(server, pop)),
        processCpuNsPerEvent: r1(((cpu.user + cpu.system) * 1000) / events),
        tickMsAvg: r1((s1.tickMs - s0.tickMs) / Math.max(1, s1.ticks - s0.ticks)),
        tickCpuNsPerEvent: r1(((s1.tickMs - s0.tickMs) * 1e6) / events),
        wsBytesPerSec: Math.round((s1.sentBytes - s0.sentBytes) / elapsed),
        wsMessagesPerSec: r1((s1.sentMessages - s0.sentMessages) / elapsed),
        processCpuPercent: r1(((cpu.user + cpu.system) / 1e3 / (elapsed * 1000)) * 100),
      },
      page: {
        deltaApplyMs: { p50: r1(pct(applyMs, 50)), p95: r1(pct(applyMs, 95)), max: r1(pct(applyMs, 100)), count: applyMs.length },
        longTasks: { count: longTasks.length, totalMs: Math.round(longTasks.reduce((a, b) => a + b, 0)), maxMs: Math.round(pct(longTasks, 100)) },
        framesPerSec: r1((page1.frames - page0.frames) / elapsed),
        clickToDetailsMs: { p50: Math.round(pct(clickMs, 50)), max: Math.round(pct(clickMs, 100)), clicks: clickMs.length },
        clickToDetailsInPageMs: { p50: r1(pct(inPageMs, 50)), max: r1(pct(inPageMs, 100)) },
        wsBytesPerSec: Math.round((page1.bytes - page0.bytes) / elapsed),
        startupLayoutsMs: page1.layouts,
        view: { zoom: Math.round(page1.zoom * 100) / 100, edgeLabels: page1.labels },
        /** State messages applied per second (the page coalesces when applying costs much). */
        appliedPerSec: r1(applyMs.length / elapsed),
      },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(result, null, 2) + '\n');
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err) => {
  process.stderr.write(`map-load: ${(err as Error).message}\n`);
  process.exit(1);
});
