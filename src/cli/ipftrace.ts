#!/usr/bin/env node
/**
 * The `ipftrace` command: a thin layer over PacketTracer (src/ipftrace/tracer.ts). Flags and the
 * text layout follow ipftrace v1; see ipftrace-args.ts for the differences.
 */
import * as fs from 'node:fs';

import { parseArgs, USAGE, type IpftraceArgs } from './ipftrace-args';
import { FatalError, UsageError, exitWithError, setProgramName } from './errors';
import { installLifecycle } from './lifecycle';
import { requireTracingSupport } from './preflight';
import { missedRunsLine } from './missed';
import { versionString } from './version';
import { gapLines } from '../ipftrace/stand-ins';
import { OutputSink } from '../output/sink';
import { Btf } from '../runtime/btf';
import { PacketTracer, TracerError } from '../ipftrace/tracer';
import { planHooks, PlanError, type HookPlan } from '../ipftrace/plan';
import { loadManifest, ManifestError, writeManifest, type Manifest } from '../ipftrace/manifest';
import { loadModule, ModuleError, type IpftModule } from '../ipftrace/modules';
import { FieldError } from '../ipftrace/fields';
import { formatTraceText } from '../ipftrace/output/text';
import { formatEventJson, formatTraceJson } from '../ipftrace/output/json';
import type { PacketTrace } from '../ipftrace/event';

setProgramName('ipftrace');

const KNOWN_ERRORS = [TracerError, PlanError, ManifestError, ModuleError, FieldError];

function asFatal(err: unknown): never {
  if (KNOWN_ERRORS.some((E) => err instanceof E)) throw new FatalError((err as Error).message);
  throw err;
}

function describeRole(plan: HookPlan, name: string): string {
  const tp = plan.tracepoints.find((t) => t.name === name);
  if (!tp) return '';
  const role = roleText(tp.role);
  if (!tp.standIn) return role;
  const via = `${tp.standIn.mode === 'location' ? 'location from ' : ''}kprobe stand-in on ${tp.standIn.functions.join(', ')}`;
  return role ? `${role}; ${via}` : via;
}

/** The gap lines of --doctor and start-up: what this kernel's tracepoints lack, and what serves it. */
function kernelGapLines(plan: HookPlan): string[] {
  return gapLines(plan.gaps, (hook) => plan.tracepoints.some((t) => t.name === hook));
}

function roleText(role: HookPlan['tracepoints'][number]['role']): string {
  switch (role) {
    case 'drop':
      return 'ends a packet: dropped (with reason)';
    case 'consume':
      return 'ends a packet: consumed';
    case 'xmit':
      return 'transmitted (ends a packet on a real device)';
    case 'deliver':
      return 'delivered to a socket';
    case 'socket':
      return 'socket context';
    default:
      return '';
  }
}

/** -ls: what the chosen backend attaches to, with the skb position of each. */
function listHooks(plan: HookPlan, out: (s: string) => void): void {
  const rows: [string, string, string, string][] = [['KIND', 'NAME', 'SKB_POS', 'NOTE']];
  for (const t of plan.tracepoints) rows.push([t.socket ? 'socket' : 'tracepoint', t.name, t.socket ? `${t.skbArg + 1} (sock)` : String(t.skbArg + 1), describeRole(plan, t.name)]);
  for (const f of plan.functions) rows.push([plan.choice.via ?? 'function', f.name, String(f.skbPos), '']);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) out(`${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padEnd(w[2])}  ${r[3]}`.trimEnd() + '\n');
}

function backendLine(plan: HookPlan): string {
  const n = plan.tracepoints.length;
  if (plan.choice.backend === 'function') {
    return `backend: kernel functions via ${plan.choice.via} (${plan.functions.length} functions) + ${n} tracepoints`;
  }
  if (plan.choice.via === undefined && plan.choice.reasons[0] === 'tracepoint backend requested') return `backend: tracepoints (${n} hooks; requested)`;
  return `backend: tracepoints (${n} hooks; function hooks unavailable: ${plan.choice.reasons.join('; ')})`;
}

function loadInputs(args: IpftraceArgs, btf: Btf): { manifest?: Manifest; module?: IpftModule } {
  try {
    return {
      manifest: args.manifest ? loadManifest(args.manifest) : undefined,
      module: args.module ? loadModule(args.module, btf) : undefined,
    };
  } catch (err) {
    asFatal(err);
  }
}

async function main(argv: string[]): Promise<void> {
  // `ipftrace -ls | head`: a closed pipe ends the listing quietly (tracing output goes through
  // the OutputSink, which handles EPIPE itself).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    exitWithError(err);
  });
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.version) {
    process.stdout.write(versionString('ipftrace') + '\n');
    return;
  }
  requireTracingSupport();
  const btf = Btf.vmlinux();
  const { manifest, module } = loadInputs(args, btf);
  const warn = (m: string) => process.stderr.write(`ipftrace: ${m}\n`);

  if (args.listFunc || args.doctor || args.genManifest) {
    let plan: HookPlan;
    try {
      plan = planHooks(btf, { backend: args.backend, manifest, manifestFile: args.manifest, regex: args.regex, warn });
    } catch (err) {
      asFatal(err);
    }
    if (args.genManifest) {
      const entries = [
        ...plan.tracepoints.map((t) => ({ name: t.name, skbPos: t.skbArg + 1 })),
        ...plan.functions.map((f) => ({ name: f.name, skbPos: f.skbPos })),
      ];
      const text = writeManifest(entries);
      if (args.genManifest.file) {
        try {
          fs.writeFileSync(args.genManifest.file, text);
        } catch (err) {
          throw new FatalError(`cannot write the manifest to ${args.genManifest.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        process.stderr.write(`ipftrace: wrote ${entries.length} hooks to ${args.genManifest.file}\n`);
      } else process.stdout.write(text);
      return;
    }
    if (args.doctor) {
      process.stdout.write(`ipftrace doctor\n  ${backendLine(plan)}\n`);
      for (const r of plan.choice.reasons) process.stdout.write(`  ${r}\n`);
      for (const g of kernelGapLines(plan)) process.stdout.write(`  this kernel: ${g}\n`);
      process.stdout.write('\n');
    }
    listHooks(plan, (s) => process.stdout.write(s));
    return;
  }

  const sink = new OutputSink({ path: args.output });
  let tracer: PacketTracer | undefined;
  let printed = 0;
  const finish = installLifecycle({
    program: 'ipftrace',
    sink,
    stop: async () => {
      if (!tracer) return;
      await tracer.stop(); // flushes open packets through onTrace
      const s = tracer.stats;
      process.stderr.write(`Tracing finished: ${printed} packets printed, ${s.events} hops seen${s.lost ? `, ${s.lost} hops LOST (ring buffer full)` : ', nothing lost'}\n`);
    },
  });

  const write = (t: PacketTrace) => {
    if (args.count > 0 && printed >= args.count) return;
    printed++;
    if (args.format === 'text') sink.write(formatTraceText(t, { latency: args.latency, length: args.length }));
    else if (args.format === 'json') sink.write(formatTraceJson(t));
    else for (const ev of t.events) sink.write(formatEventJson(ev, t));
    sink.flush();
    if (args.count > 0 && printed === args.count) void finish(0);
  };

  process.stderr.write(`Loading module "${module?.name ?? 'Default'}"\n`);
  try {
    tracer = await PacketTracer.open({
      filter: args.filter,
      backend: args.backend,
      manifest,
      manifestFile: args.manifest,
      regex: args.regex,
      length: args.length,
      idleMs: args.idleMs,
      fields: args.fields,
      module,
      onTrace: write,
      onLost: (n) => warn(`${n} hops lost (ring buffer full); the packets they belong to are still printed`),
      onMissed: (n) => process.stderr.write(missedRunsLine('ipftrace', n, false)),
      onWarning: (m) => {
        if (args.verbose || !/^could not attach/.test(m)) warn(m);
      },
    });
  } catch (err) {
    sink.close();
    if (KNOWN_ERRORS.some((E) => err instanceof E) || err instanceof UsageError) throw new FatalError((err as Error).message);
    throw new FatalError(`failed to start tracing: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  warn(backendLine(tracer.plan));
  for (const g of kernelGapLines(tracer.plan)) warn(`this kernel: ${g}`);
  process.stderr.write('Trace ready!\n');
}

main(process.argv.slice(2)).catch(exitWithError);
