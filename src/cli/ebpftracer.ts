#!/usr/bin/env node
/**
 * The `ebpftracer` command: a thin layer over SyscallRecorder (src/ebpftracer/recorder.ts).
 * Flags, start-up report and default record layout follow trailofbits' ebpftracer.
 */
import { parseArgs, USAGE } from './ebpftracer-args';
import { FatalError, exitWithError, setProgramName } from './errors';
import { SyscallRecorder, RecorderError, possibleCpus, type MemoryUsage } from '../ebpftracer/recorder';
import { makeFormatter } from '../ebpftracer/output';
import type { SyscallSchema } from '../ebpftracer/event';
import { OutputSink } from '../output/sink';
import { CatalogError } from '../ebpftracer/catalog';
import { missedRunsLine } from './missed';
import { versionString } from './version';
import { installLifecycle } from './lifecycle';
import { requireTracingSupport } from './preflight';
import { runDoctor } from './doctor';
import { ebpftracerDoctor } from './ebpftracer-doctor';

setProgramName('ebpftracer');

function describeSchema(s: SyscallSchema): string {
  return s.params
    .map((p) => {
      let t: string = p.kind;
      if (p.kind === 'int') t = `${p.signed ? 's' : 'u'}${p.width! * 8}${p.hint ? ` ${p.hint}` : ''}`;
      else if (p.kind === 'struct') t = `struct ${p.struct}`;
      else if (p.hint) t += ` ${p.hint}`;
      if (p.when) t += ` @${p.when}`;
      return `${p.name}: ${t}`;
    })
    .join(', ');
}

function banner(mem: MemoryUsage, schemas: readonly SyscallSchema[], verbose: boolean): string {
  const lines = [
    'Memory usage',
    '',
    ` > Buffer storage: ${mem.scratch} bytes`,
    ` > Perf output: ${mem.ringBuffer} bytes`,
    ` > In-flight calls: ${mem.inflight} bytes`,
    ` > Syscall tables: ${mem.tables} bytes`,
    '',
    'Loading the syscall table into the BPF program...',
    '',
  ];
  for (const s of schemas) {
    lines.push(` > ${s.name} (serializer: table)`);
    if (verbose) lines.push(`     ${describeSchema(s) || '(no arguments)'}`);
  }
  lines.push('', 'Entering main loop...', '', '');
  return lines.join('\n');
}

/** -p N: 2^N pages per possible CPU, as one ring rounded up to a power of two. */
function ringBytesFor(perfSize: number | undefined): number | undefined {
  if (perfSize === undefined) return undefined;
  const want = 2 ** perfSize * 4096 * possibleCpus();
  return 2 ** Math.ceil(Math.log2(want));
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.version) {
    process.stdout.write(versionString('ebpftracer') + '\n');
    return;
  }
  if (args.doctor) {
    process.exitCode = runDoctor(ebpftracerDoctor());
    return;
  }
  requireTracingSupport();

  const sink = new OutputSink({ path: args.output });
  const format = makeFormatter(args.format, { stringLimit: args.stringLimit, durations: args.durations, timestamps: args.timestamps });
  const original = args.format === 'ebpftracer';
  let recorder: SyscallRecorder | undefined;
  let remaining = args.count;
  const finish = installLifecycle({
    program: 'ebpftracer',
    sink,
    stop: async () => {
      await recorder?.stop();
      if (recorder && recorder.stats.lost > 0) process.stderr.write(`ebpftracer: ${recorder.stats.lost} lost in total\n`);
    },
    after: () => {
      if (original && !args.output) process.stdout.write('Terminating...\n');
    },
  });

  try {
    recorder = await SyscallRecorder.open({
      syscalls: args.syscalls,
      captureBytes: args.bufferSize,
      ringBytes: ringBytesFor(args.perfSize),
      inflightEntries: args.eventMapSize,
      filters: { pids: args.pids, followChildren: args.follow, comms: args.comms, uids: args.uids, failedOnly: args.failedOnly },
      onEvent: (ev) => {
        if (args.count > 0) {
          if (remaining === 0) return;
          remaining--;
        }
        sink.write(format(ev));
        if (args.count > 0 && remaining === 0) {
          sink.flush();
          void finish(0);
        }
      },
      onBatchEnd: () => sink.flush(),
      onLost: (n) => process.stderr.write(`ebpftracer: ${n} events lost (ring buffer full: raise -p)\n`),
      onMissed: (n) => process.stderr.write(missedRunsLine('ebpftracer', n, true)),
    });
  } catch (err) {
    sink.close();
    if (err instanceof RecorderError || err instanceof CatalogError) throw new FatalError(err.message);
    throw new FatalError(`failed to start recording: ${(err as Error).message}`, { cause: err });
  }
  const mem = recorder.memoryUsage();
  if (original) {
    process.stdout.write(banner(mem, recorder.schemas, args.verbose));
  } else {
    if (args.verbose) for (const s of recorder.schemas) process.stderr.write(`ebpftracer: ${s.name}(${describeSchema(s)})\n`);
    process.stderr.write(`ebpftracer: recording ${recorder.schemas.length} syscall${recorder.schemas.length > 1 ? 's' : ''} (kernel memory ${(mem.total / 1048576).toFixed(1)} MiB); press Ctrl-C to stop\n`);
  }
}

main(process.argv.slice(2)).catch(exitWithError);
