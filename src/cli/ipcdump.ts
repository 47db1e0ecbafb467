#!/usr/bin/env node
/**
 * The `ipcdump` command: a thin layer over IpcTrace (src/ipcdump/tracer.ts) or, with -r, a
 * recording (src/ipcdump/recording/), fanned out to the consumers the flags ask for: the
 * printed stream, a recording (-w), the summary (--summary) and the live map (--map).
 * Flags and output are compatible with guardicore/ipcdump; see README for what we fixed.
 */
import * as os from 'node:os';
import { parseArgs, printsStream, USAGE } from './args';
import type { IpcdumpArgs } from './args';
import { FatalError, UsageError, exitWithError, setProgramName } from './errors';
import { planTypes } from '../ipcdump/types';
import { IpcTrace, MAX_CAPTURE_BYTES } from '../ipcdump/tracer';
import { makeFormatter } from '../output';
import { OutputSink } from '../output/sink';
import type { IpcType, OutputRecord } from '../ipcdump/event';
import type { EventConsumer } from '../ipcdump/consumer';
import { ProcInfoCache, type ProcEvent } from '../ipcdump/proc-info';
import { openRecordingWriter } from '../ipcdump/recording/writer';
import { replayRecording, type Replay } from '../ipcdump/recording/reader';
import { createSummaryConsumer } from '../ipcdump/summary';
import { startMapServer } from '../map/server';
import { runDoctor } from './doctor';
import { ipcdumpDoctor } from './ipcdump-doctor';
import { installLifecycle } from './lifecycle';
import { requireTracingSupport } from './preflight';
import { missedRunsLine } from './missed';
import { versionString } from './version';

setProgramName('ipcdump');

/** The printed event stream: -f format to stdout or -o. */
function streamConsumer(args: IpcdumpArgs, sink: OutputSink): EventConsumer {
  const formatter = makeFormatter(args.format, { showBytes: args.dumpBytes });
  if (formatter.header) sink.write(formatter.header);
  return {
    record: (rec) => sink.write(formatter.format(rec)),
    batchEnd: () => sink.flush(),
    close: async () => sink.flush(),
  };
}

async function openConsumers(args: IpcdumpArgs, sink: OutputSink, procs: ProcInfoCache, types: ReadonlySet<IpcType>): Promise<EventConsumer[]> {
  const consumers: EventConsumer[] = [];
  try {
    if (printsStream(args)) consumers.push(streamConsumer(args, sink));
    if (args.recordPath !== null) {
      consumers.push(
        await openRecordingWriter(args.recordPath, {
          procs,
          meta: {
            writer: versionString(),
            hostname: os.hostname(),
            kernel: os.release(),
            startNs: BigInt(Date.now()) * 1_000_000n,
            types: [...types],
            captureBytes: args.dumpBytes,
            byteLimit: args.bytesLimit,
            argv: process.argv.slice(2),
          },
        }),
      );
    }
    if (args.summary) consumers.push(createSummaryConsumer({ format: args.format, sink, everySec: args.summaryEverySec }));
    if (args.map) {
      const map = await startMapServer({ port: args.mapPort, procs, types, captureBytes: args.dumpBytes, source: args.replayPath ?? 'live' });
      consumers.push(map);
      process.stderr.write(`ipcdump: IPC map at ${map.url}\n`);
    }
  } catch (err) {
    await Promise.allSettled(consumers.map((c) => c.close()));
    throw err;
  }
  return consumers;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.version) {
    process.stdout.write(versionString() + '\n');
    return;
  }
  if (args.doctor) {
    process.exitCode = runDoctor(ipcdumpDoctor());
    return;
  }
  for (const w of args.warnings) process.stderr.write(`ipcdump: warning: ${w}\n`);

  const replaying = args.replayPath !== null;
  const plan = planTypes(args.types);
  if (!replaying && plan.unsupported.length > 0) {
    throw new UsageError(
      `type${plan.unsupported.length > 1 ? 's' : ''} ${plan.unsupported.join(', ')} not available yet in this version (available: ${[...plan.enabled].join(', ') || 'signal, pipe'})`,
    );
  }
  if (!replaying) requireTracingSupport();
  if (args.bytesLimit > MAX_CAPTURE_BYTES) {
    process.stderr.write(`ipcdump: warning: -B ${args.bytesLimit} is above the per-event maximum; capturing at most ${MAX_CAPTURE_BYTES} bytes per event\n`);
  }

  const sink = new OutputSink({ path: args.outputPath });
  // Replaying never reads /proc: the recording's processes are not this machine's now.
  const procs = new ProcInfoCache(replaying ? null : '/proc');
  let consumers: EventConsumer[];
  try {
    consumers = await openConsumers(args, sink, procs, plan.enabled);
  } catch (err) {
    sink.close();
    throw new FatalError((err as Error).message, { cause: err });
  }

  let remaining = args.count; // 0 = unlimited
  let trace: IpcTrace | undefined;
  let replay: Replay | undefined;
  let stopped = false;
  // Ctrl-C, SIGTERM, `ipcdump | head` (EPIPE), output errors, -c and the end of a replay all
  // end here; stopping drains the ring, so what the kernel saw still reaches every consumer.
  const finish = installLifecycle({
    program: 'ipcdump',
    sink,
    stop: async () => {
      stopped = true;
      replay?.stop();
      await trace?.stop();
      const results = await Promise.allSettled(consumers.map((c) => c.close()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  });

  const onRecord = (rec: OutputRecord): void => {
    if (rec.kind === 'lost' && args.noLost) return;
    if (args.count > 0) {
      if (remaining === 0) return;
      remaining--;
    }
    for (let i = 0; i < consumers.length; i++) consumers[i].record(rec);
    if (args.count > 0 && remaining === 0) {
      for (let i = 0; i < consumers.length; i++) consumers[i].batchEnd?.();
      void finish(0); // -c N: exit 0 right after the N-th record
    }
  };
  const onBatchEnd = (): void => {
    for (let i = 0; i < consumers.length; i++) consumers[i].batchEnd?.();
  };
  const onProc = (ev: ProcEvent): void => {
    procs.onProcEvent(ev);
    for (let i = 0; i < consumers.length; i++) consumers[i].procEvent?.(ev);
  };

  if (replaying) {
    try {
      replay = await replayRecording(args.replayPath!, {
        types: plan.enabled,
        filters: args.filter,
        captureBytes: args.dumpBytes,
        byteLimit: args.bytesLimit,
        procs,
        onRecord,
        onProc,
        onBatchEnd,
      });
    } catch (err) {
      await Promise.allSettled(consumers.map((c) => c.close()));
      sink.close();
      throw new FatalError((err as Error).message, { cause: err });
    }
    let stats;
    try {
      stats = await replay.done;
    } catch (err) {
      // A damaged entry: what came before it was delivered; say where it broke, exit 1.
      process.stderr.write(`ipcdump: ${(err as Error).message}\n`);
      await finish(1);
      return;
    }
    if (stats.truncatedBytes > 0) {
      process.stderr.write(`ipcdump: ${args.replayPath}: the recording ends in the middle of an entry (${stats.truncatedBytes} bytes ignored); it was cut off, everything before was read\n`);
    }
    if (stopped) return;
    if (args.map) {
      // The page stays useful after the last event: keep serving until Ctrl-C.
      process.stderr.write(`ipcdump: replayed ${stats.events} events; the map stays up, press Ctrl-C to stop\n`);
      return;
    }
    await finish(0);
    return;
  }

  try {
    trace = await IpcTrace.start({
      types: plan.enabled,
      filters: args.filter,
      captureBytes: args.dumpBytes,
      byteLimit: args.bytesLimit,
      onRecord,
      onBatchEnd,
      // Process lifecycle records matter only to the consumers that group or keep processes.
      onProc: args.map || args.recordPath !== null ? onProc : undefined,
      onMissed: (n) => process.stderr.write(missedRunsLine('ipcdump', n, true)),
      onBytesCut: (n) => process.stderr.write(`ipcdump: the captured bytes of ${n} events were cut short (ring buffer full); each event's bytes field holds what fit\n`),
    });
  } catch (err) {
    await Promise.allSettled(consumers.map((c) => c.close()));
    sink.close();
    throw new FatalError(`failed to start tracing: ${(err as Error).message}`, { cause: err });
  }
  process.stderr.write(`ipcdump: tracing ${[...trace.types].join(', ')}; press Ctrl-C to stop\n`);
}

// Every failure ends as one line on stderr and a non-zero exit (2 for usage errors).
main(process.argv.slice(2)).catch(exitWithError);
