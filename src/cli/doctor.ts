/**
 * `--doctor` of ipcdump and ebpftracer: what this kernel and this process allow, checked by
 * doing it, which BPF object build this kernel needs, and which hook serves each collector.
 * Every collector is loaded and attached on its own, so a refusal names the collector.
 * Exit status 0 when the tool can trace, 1 otherwise.
 */
import * as path from 'node:path';
import { probeCapabilities, tryProgram, type Check } from '../runtime/capabilities';
import { objectBuildReason } from '../runtime/objects';
import type { BpfObject } from '../runtime';

export interface DoctorCollector {
  name: string;
  /** The hooks, as a user reads them. */
  hooks: string;
  /** Programs of the object that serve it. */
  progs: readonly string[];
  /** A second line: a fallback in use, or what this kernel cannot report. */
  note?: string;
  /** Configuration that turns the collector's code on, so the verifier checks what a trace loads. */
  configure?: (o: BpfObject) => void;
}

export interface DoctorSpec {
  tool: string;
  objectPath: string;
  collectors: () => DoctorCollector[];
  /** Tool-specific checks after the system ones (e.g. ebpftracer's syscall catalog). */
  checks?: () => Check[];
  /** Lines after the object build that concern every collector (e.g. the backup syscall hooks). */
  notes?: () => string[];
}

/** `optional` checks (hook types other collectors may prefer) print `no`, not FAIL. */
function line(c: Check, optional = false): string {
  const mark = c.ok ? 'ok  ' : optional ? 'no  ' : 'FAIL';
  return `  ${mark}  ${c.name.padEnd(34)} ${c.detail}\n`;
}

export function runDoctor(spec: DoctorSpec, out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const caps = probeCapabilities();
  out(`${spec.tool} doctor: kernel ${caps.kernel}\n\nSystem:\n`);
  const system = [caps.privileges, caps.btf, caps.lockdown, caps.tracefs];
  let ok = caps.privileges.ok && caps.btf.ok;
  if (ok && spec.checks) system.push(...spec.checks());
  for (const c of system) {
    out(line(c));
    if (!c.ok && c.name !== 'lockdown' && c.name !== 'tracefs') ok = false;
  }
  if (caps.hooks.length > 0) {
    out('\nHook types (a do-nothing program of each was loaded and attached; `no` = not usable here):\n');
    for (const c of caps.hooks) out(line(c, true));
    out(`\nBPF object: ${path.basename(spec.objectPath)} (${objectBuildReason(spec.tool)})\n`);
    for (const n of spec.notes?.() ?? []) out(`${n}\n`);
    out('\nCollectors (each loaded and attached on its own):\n');
    for (const col of spec.collectors()) {
      const why = tryProgram(spec.objectPath, col.progs, col.configure);
      if (why) ok = false;
      out(line({ name: col.name, ok: !why, detail: why ?? `via ${col.hooks}` }));
      if (!why && col.note) out(`${' '.repeat(42)}${col.note}\n`);
    }
  } else {
    out('\nHook types and collectors were not probed: fix the failures above first.\n');
  }
  out(ok ? `\n${spec.tool} can trace on this machine.\n` : `\n${spec.tool} cannot trace here until the failures above are fixed.\n`);
  return ok ? 0 : 1;
}
