/**
 * The maxrate bench's "capture" tracer: ipcdump's library API (IpcTrace) receiving every
 * record through onRecord and counting the generator's events, with no formatting and no
 * output: what the capture path (BPF, ring buffer, decoder, process table) sustains on its own.
 *
 *   node dist/bench/maxrate-capture.js TYPE COMM PID,PID...
 *
 * Prints "tracing" on stderr once attached. On SIGINT it stops (draining the ring) and prints
 * one JSON line on stdout: {events, lost, missed, lastEventMs}, lastEventMs being the wall
 * time (ms since the epoch, sub-ms precision) at which the last of COMM's events was delivered.
 */
import { performance } from 'node:perf_hooks';
import { IpcTrace } from '../src/ipcdump/tracer';
import type { IpcType } from '../src/ipcdump/event';

async function main(): Promise<void> {
  const [type, comm, pids] = process.argv.slice(2);
  let events = 0;
  let lost = 0;
  let missed = 0;
  let lastEventMs = 0;
  const trace = await IpcTrace.start({
    types: [type as IpcType],
    filters: { pids: { any: pids.split(',').map(Number), src: [], dst: [] } },
    onRecord(rec) {
      if (rec.kind === 'lost') lost += rec.lost.count;
      else if (rec.event.src.comm === comm && rec.event.dst.comm === comm) {
        events++;
        lastEventMs = performance.timeOrigin + performance.now();
      }
    },
    onMissed: (n) => (missed += n),
  });
  process.stderr.write(`maxrate-capture: tracing ${type}\n`);
  const stop = async () => {
    await trace.stop();
    process.stdout.write(JSON.stringify({ events, lost, missed, lastEventMs }) + '\n');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`maxrate-capture: ${(err as Error).message}\n`);
  process.exit(1);
});
