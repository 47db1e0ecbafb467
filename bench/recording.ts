/**
 * Throughput of the recording writer (-w), the reader (-r) and the summary's aggregation, on
 * synthetic events (no kernel needed):
 *
 *   node dist/bench/recording.js [EVENTS]        (default 1,000,000)
 *
 * The events cycle through a pool of 4,096 prebuilt ones (pipe, unix-stream, signal,
 * loopback-tcp, with their real metadata keys) across 512 pids, so the numbers measure the
 * recording code, not the generator. With bytes, each event carries 64 bytes (-x). The
 * writer flushes every 1,000 events, as it would at the end of a ring-buffer batch; replay
 * delivers into a counter (no formatting), and once more through `ipcdump -r -o /dev/null`
 * (text and JSON, one run each) for the end-to-end figure a user sees. Each in-process figure
 * is the best of three runs, with the median beside it: on a shared machine the best run is
 * the one least disturbed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { openRecordingWriter } from '../src/ipcdump/recording/writer';
import { replayRecording } from '../src/ipcdump/recording/reader';
import { ProcInfoCache } from '../src/ipcdump/proc-info';
import { emptyFilterOptions } from '../src/ipcdump/filter';
import { ALL_TYPES } from '../src/ipcdump/types';
import { TalkerTable } from '../src/ipcdump/talkers';
import type { IpcEvent, OutputRecord } from '../src/ipcdump/event';

const EVENTS = Number(process.argv[2]) || 1_000_000;
const BATCH = 1000;
const CLI = path.resolve(__dirname, '..', 'src', 'cli', 'ipcdump.js');
const T0 = BigInt(Date.now()) * 1_000_000n;

function pool(withBytes: boolean): OutputRecord[] {
  const out: OutputRecord[] = [];
  const payload = Buffer.alloc(64, 0x61);
  for (let i = 0; i < 4096; i++) {
    const src = 1000 + (i % 512);
    const dst = 2000 + ((i * 7) % 512);
    // comms as the decoder makes them: strings cut out of a buffer, not literals
    const comm = (pid: number) => Buffer.from(`proc-${pid % 97}`).toString('latin1');
    let e: IpcEvent;
    switch (i % 4) {
      case 0:
        e = { type: 'pipe', src: { pid: src, comm: comm(src) }, dst: { pid: dst, comm: comm(dst) }, timeNs: 0n, metadata: [['pipe_name', '<anonymous>'], ['pipe_inode', 40000 + i], ['count', 64]] };
        break;
      case 1:
        e = { type: 'unix-stream', src: { pid: src, comm: comm(src) }, dst: { pid: dst, comm: comm(dst) }, timeNs: 0n, metadata: [['path', '/run/app.sock'], ['count', 64]] };
        break;
      case 2:
        e = { type: 'signal', src: { pid: src, comm: comm(src) }, dst: { pid: dst, comm: comm(dst) }, timeNs: 0n, metadata: [['num', 10], ['name', 'user defined signal 1']] };
        break;
      default:
        e = {
          type: 'loopback-tcp',
          src: { pid: src, comm: comm(src) },
          dst: { pid: dst, comm: comm(dst) },
          timeNs: 0n,
          metadata: [['src_port', 33000 + i], ['src_serv', `${33000 + i}/tcp`], ['dst_port', 5432], ['dst_serv', 'postgresql'], ['dst_inode', 900000 + i], ['count', 64]],
        };
    }
    if (withBytes && e.type !== 'signal') e.bytes = payload;
    out.push({ kind: 'event', event: e });
  }
  return out;
}

function rate(n: number, ms: number): string {
  return `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} events/s`;
}

/** Best and median of RUNS timings, ms: the machine may be busy with other work. */
const RUNS = 3;
async function timed(fn: () => Promise<void> | void): Promise<{ best: number; median: number }> {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { best: ms[0], median: ms[Math.floor(RUNS / 2)] };
}

function line(what: string, t: { best: number; median: number }, n = EVENTS): void {
  console.log(`  ${what.padEnd(40)} ${rate(n, t.best).padStart(20)}  (median ${rate(n, t.median)})`);
}

async function run(withBytes: boolean, dir: string): Promise<void> {
  const file = path.join(dir, withBytes ? 'bytes.ipcd' : 'plain.ipcd');
  const recs = pool(withBytes);
  const times = Array.from({ length: 4096 }, (_, i) => T0 + BigInt(i) * 1000n);
  const write = await timed(async () => {
    const w = await openRecordingWriter(file, {
      procs: new ProcInfoCache(null),
      meta: { writer: 'bench', hostname: os.hostname(), kernel: os.release(), startNs: T0, types: [...ALL_TYPES], captureBytes: withBytes, byteLimit: 0, argv: [] },
    });
    for (let i = 0; i < EVENTS; i++) {
      const r = recs[i & 4095];
      // another time per event, as the tracer's (made outside the timed work as far as possible)
      (r as { event: IpcEvent }).event.timeNs = times[(i * 7) & 4095];
      w.record(r);
      if (i % BATCH === BATCH - 1) w.batchEnd();
    }
    await w.close();
  });
  const size = fs.statSync(file).size;
  console.log(`${withBytes ? 'with 64 bytes per event' : 'without bytes'}: file ${(size / 1e6).toFixed(1)} MB (${(size / EVENTS).toFixed(1)} bytes per event)`);
  line('write (-w)', write);

  for (const keep of withBytes ? [false, true] : [false]) {
    const read = await timed(async () => {
      let n = 0;
      const r = await replayRecording(file, {
        types: new Set(ALL_TYPES),
        filters: emptyFilterOptions(),
        captureBytes: keep,
        byteLimit: 0,
        procs: new ProcInfoCache(null),
        onRecord: () => n++,
      });
      await r.done;
      if (n !== EVENTS) throw new Error(`replayed ${n} of ${EVENTS}`);
    });
    line(`replay (-r${keep ? ' -x' : ''}), records only`, read);
  }
  for (const f of ['text', 'json']) {
    const args = ['-r', file, '-f', f, ...(withBytes ? ['-x'] : []), '-o', '/dev/null'];
    const t = performance.now();
    const p = spawnSync(process.execPath, [CLI, ...args], { stdio: 'inherit' });
    const ms = performance.now() - t;
    if (p.status !== 0) throw new Error(`ipcdump -r exited ${p.status}`);
    line(`ipcdump ${args.join(' ').replace(file, 'FILE')}`, { best: ms, median: ms });
  }
  fs.rmSync(file);
}

async function summary(): Promise<void> {
  const recs = pool(false);
  let size = 0;
  const t = await timed(() => {
    const table = new TalkerTable();
    for (let i = 0; i < EVENTS; i++) table.add((recs[i & 4095] as { event: IpcEvent }).event);
    size = table.size;
  });
  console.log(`summary (--summary)`);
  line(`aggregation, ${size} talkers`, t);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcdump-bench-rec-'));
  try {
    console.log(`${EVENTS.toLocaleString('en-US')} synthetic events, best of ${RUNS} runs, node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu?'}, load ${os.loadavg()[0].toFixed(2)}`);
    await run(false, dir);
    await run(true, dir);
    await summary();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
