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
import { openRecording, type Recording, type Replay } from '../ipcdump/recording/reader';
import type { RecordingMeta } from '../ipcdump/recording/format';
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

/** -B values combined: the smaller cut wins; 0 = no cut. */
function tighterLimit(a: number, b: number): number {
  return a === 0 ? b : b === 0 ? a : Math.min(a, b);
}

/**
 * The header of a -w recording. Live: this machine, now. A filtered copy (-r A -w B) keeps
 * A's host, kernel and start (the events happened there and then) and names A's writer.
 */
function recordingMeta(args: IpcdumpArgs, types: ReadonlySet<IpcType>, startNs: bigint, source: RecordingMeta | undefined): RecordingMeta {
  const argv = process.argv.slice(2);
  if (!source) {
    return { writer: versionString(), hostname: os.hostname(), kernel: os.release(), startNs, types: [...types], captureBytes: args.dumpBytes, byteLimit: args.bytesLimit, argv };
  }
  return {
    writer: versionString(),
    hostname: source.hostname,
    kernel: source.kernel,
    startNs: source.startNs,
    types: source.types.filter((t) => types.has(t)),
    captureBytes: source.captureBytes && args.dumpBytes,
    byteLimit: args.dumpBytes ? tighterLimit(source.byteLimit, args.bytesLimit) : 0,
    argv,
    copiedFrom: { writer: source.writer, argv: source.argv },
  };
}

interface SourceInfo {
  /** Live: when tracing started; replay: the recording's start. */
  startNs: bigint;
  /** Replay only: the recording's header. */
  recording?: RecordingMeta;
  /** When the run ended, asked at close: live, when tracing stopped; replay, where the recording ended. */
  endNs: () => bigint;
  /** A consumer failed after start (disk full under -w): print one line, stop, exit 1. */
  fail(err: Error): void;
}

interface Consumers {
  all: EventConsumer[];
  /** Live: tell the consumers that keep time (-w, --summary) when tracing really started. */
  begin(startNs: bigint): void;
}

async function openConsumers(args: IpcdumpArgs, sink: OutputSink, procs: ProcInfoCache, types: ReadonlySet<IpcType>, src: SourceInfo): Promise<Consumers> {
  const consumers: EventConsumer[] = [];
  const timed: Array<{ begin(ns: bigint): void }> = [];
  try {
    if (printsStream(args)) consumers.push(streamConsumer(args, sink));
    if (args.recordPath !== null) {
      const writer = await openRecordingWriter(args.recordPath, {
        procs,
        meta: recordingMeta(args, types, src.startNs, src.recording),
        endNs: src.endNs,
        onError: (err) => src.fail(err),
      });
      consumers.push(writer);
      timed.push(writer);
    }
    if (args.summary) {
      const summary = createSummaryConsumer({
        format: args.format,
        sink,
        everySec: args.summaryEverySec,
        clock: src.recording ? 'recording' : 'wall',
        startNs: src.startNs,
        endNs: src.endNs,
      });
      consumers.push(summary);
      timed.push(summary);
    }
    if (args.map) {
      const map = await startMapServer({ port: args.mapPort, procs, types, captureBytes: args.dumpBytes, source: args.replayPath ?? 'live' });
      consumers.push(map);
      process.stderr.write(`ipcdump: IPC map at ${map.url}\n`);
    }
  } catch (err) {
    await Promise.allSettled(consumers.map((c) => c.close()));
    throw err;
  }
  return { all: consumers, begin: (ns) => timed.forEach((c) => c.begin(ns)) };
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

  // A recording is opened (header checked) before any output file is created or truncated:
  // `-r garbage -w out` must not clobber out.
  let recording: Recording | undefined;
  if (replaying) {
    try {
      recording = await openRecording(args.replayPath!);
    } catch (err) {
      throw new FatalError((err as Error).message, { cause: err });
    }
  }
  let sink: OutputSink;
  try {
    sink = new OutputSink({ path: args.outputPath });
  } catch (err) {
    await recording?.close();
    throw err;
  }
  // Replaying never reads /proc: the recording's processes are not this machine's now.
  const procs = new ProcInfoCache(replaying ? null : '/proc');
  let replay: Replay | undefined;
  /** Live: when tracing stopped (the ring drained), set at the first ask. */
  let stopNs: bigint | undefined;
  let fail = (err: Error): void => {
    throw err;
  };
  let opened: Consumers;
  try {
    opened = await openConsumers(args, sink, procs, plan.enabled, {
      startNs: recording ? recording.meta.startNs : BigInt(Date.now()) * 1_000_000n,
      recording: recording?.meta,
      // One end time for the recording's end marker and the summary, so a replay's summary
      // covers exactly the live one's interval.
      endNs: recording ? () => replay?.endNs ?? recording!.meta.startNs : () => (stopNs ??= BigInt(Date.now()) * 1_000_000n),
      fail: (err) => fail(err),
    });
  } catch (err) {
    await recording?.close();
    sink.close();
    throw new FatalError((err as Error).message, { cause: err });
  }
  const consumers = opened.all;

  let remaining = args.count; // 0 = unlimited
  let trace: IpcTrace | undefined;
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
  fail = (err) => {
    process.stderr.write(`ipcdump: ${err.message}\n`);
    void finish(1);
  };

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

  if (recording) {
    replay = recording.replay({
      types: plan.enabled,
      filters: args.filter,
      captureBytes: args.dumpBytes,
      byteLimit: args.bytesLimit,
      procs,
      onRecord,
      onProc,
      onBatchEnd,
    });
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
      process.stderr.write(`ipcdump: note: ${args.replayPath} ends in the middle of an entry (the recording was cut off); replayed everything before it, ignored the last ${stats.truncatedBytes} bytes\n`);
    } else if (!stats.complete && !stopped) {
      process.stderr.write(`ipcdump: note: ${args.replayPath} has no end marker (ipcdump was killed while recording); replayed all of it\n`);
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
  // The recording's header and the summary's rates start now, not before the BPF load.
  opened.begin(BigInt(Date.now()) * 1_000_000n);
  process.stderr.write(`ipcdump: tracing ${[...trace.types].join(', ')}; press Ctrl-C to stop\n`);
}

// Every failure ends as one line on stderr and a non-zero exit (2 for usage errors).
main(process.argv.slice(2)).catch(exitWithError);
