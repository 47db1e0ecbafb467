#!/usr/bin/env node
/**
 * The `ipcdump` command: a thin layer over IpcTrace (src/ipcdump/tracer.ts).
 * Flags and output are compatible with guardicore/ipcdump; see README for what we fixed.
 */
import { parseArgs, USAGE } from './args';
import { FatalError, UsageError, exitWithError, setProgramName } from './errors';
import { planTypes } from '../ipcdump/types';
import { IpcTrace, MAX_CAPTURE_BYTES } from '../ipcdump/tracer';
import { makeFormatter } from '../output';
import { OutputSink } from '../output/sink';
import type { OutputRecord } from '../ipcdump/event';
import { runDoctor } from './doctor';
import { ipcdumpDoctor } from './ipcdump-doctor';
import { installLifecycle } from './lifecycle';
import { requireTracingSupport } from './preflight';
import { missedRunsLine } from './missed';
import { versionString } from './version';

setProgramName('ipcdump');

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

  const plan = planTypes(args.types);
  if (plan.unsupported.length > 0) {
    throw new UsageError(
      `type${plan.unsupported.length > 1 ? 's' : ''} ${plan.unsupported.join(', ')} not available yet in this version (available: ${[...plan.enabled].join(', ') || 'signal, pipe'})`,
    );
  }
  requireTracingSupport();
  if (args.bytesLimit > MAX_CAPTURE_BYTES) {
    process.stderr.write(`ipcdump: warning: -B ${args.bytesLimit} is above the per-event maximum; capturing at most ${MAX_CAPTURE_BYTES} bytes per event\n`);
  }

  const sink = new OutputSink({ path: args.outputPath });
  const formatter = makeFormatter(args.format, { showBytes: args.dumpBytes });
  if (formatter.header) sink.write(formatter.header);

  let remaining = args.count; // 0 = unlimited
  let trace: IpcTrace | undefined;
  // Ctrl-C, SIGTERM, `ipcdump | head` (EPIPE), output errors and -c all end here; stopping
  // drains the ring, so what the kernel saw is still printed.
  const finish = installLifecycle({ program: 'ipcdump', sink, stop: async () => trace?.stop() });

  const onRecord = (rec: OutputRecord): void => {
    if (rec.kind === 'lost' && args.noLost) return;
    if (args.count > 0) {
      if (remaining === 0) return;
      remaining--;
    }
    sink.write(formatter.format(rec));
    if (args.count > 0 && remaining === 0) {
      sink.flush();
      void finish(0); // -c N: exit 0 right after the N-th record
    }
  };

  try {
    trace = await IpcTrace.start({
      types: plan.enabled,
      filters: args.filter,
      captureBytes: args.dumpBytes,
      byteLimit: args.bytesLimit,
      onRecord,
      onBatchEnd: () => sink.flush(),
      onMissed: (n) => process.stderr.write(missedRunsLine('ipcdump', n, true)),
      onBytesCut: (n) => process.stderr.write(`ipcdump: the captured bytes of ${n} events were cut short (ring buffer full); each event's bytes field holds what fit\n`),
    });
  } catch (err) {
    sink.close();
    throw new FatalError(`failed to start tracing: ${(err as Error).message}`, { cause: err });
  }
  process.stderr.write(`ipcdump: tracing ${[...trace.types].join(', ')}; press Ctrl-C to stop\n`);
}

// Every failure ends as one line on stderr and a non-zero exit (2 for usage errors).
main(process.argv.slice(2)).catch(exitWithError);
