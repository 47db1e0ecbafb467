/**
 * Which backend and which hooks: decided at start-up by probing what the kernel allows.
 *
 *   function backend   kernel functions taking an skb (v1's kprobes, ipftrace2/pwru), where
 *                      kprobe.multi (one link per skb position) or plain kprobes work; the
 *                      tracepoints are added too (they carry drop reasons and devices).
 *   tracepoint backend the skb tracepoints found from BTF plus socket hooks; works where
 *                      kprobes are compiled out and fentry is refused (our machines).
 *
 * A v1 manifest is an allow-list over both kinds of hook: each entry's skb_pos is checked
 * against BTF, names this kernel cannot trace are reported and skipped (v1 skipped them
 * silently), and `egress: true` entries end a list.
 */
import * as fs from 'node:fs';

import type { BpfObject } from '../runtime/bpf-object';
import { probeObjectPath, tryProgram } from '../runtime/capabilities';
import type { Btf } from '../runtime/btf';
import { availableFilterFunctions, discoverHooks, GENERIC_FUNCTIONS, SLOT_COUNT, type FunctionHook, type HookCatalog, type TracepointHook } from './hooks';
import { checkManifest, ManifestError, type Manifest } from './manifest';
import { tracepointGaps, type TracepointGap } from './kernel-gaps';
import { applyStandIns, probeKprobes, type GapStatus, type KprobeStatus } from './stand-ins';

export type Backend = 'auto' | 'tracepoint' | 'function';
export type FunctionAttach = 'kprobe.multi' | 'kprobe';

export interface BackendChoice {
  /** What is used. */
  backend: 'tracepoint' | 'function';
  /** For the function backend: how functions are attached. */
  via?: FunctionAttach;
  /** Why, one line per probe ("kprobe.multi: not supported by this kernel (EOPNOTSUPP)"). */
  reasons: string[];
}

export interface HookPlan {
  choice: BackendChoice;
  /** Slot i serves tracepoints[i]. */
  tracepoints: TracepointHook[];
  functions: FunctionHook[];
  /** Program names to load. */
  programs: string[];
  egress: Set<string>;
  funcIpHelper: boolean;
  /** What this kernel's tracepoints lack and which kprobe stand-in serves each gap (updated by
   * attach() when a stand-in cannot be attached). */
  gaps: GapStatus[];
  /** .rodata globals to set before load: the slots of the stand-in hooks. */
  globals: Record<string, number>;
  /** Attach everything; per-hook failures are warnings, none attached is an error. */
  attach(obj: BpfObject, warn: (m: string) => void): void;
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

/** Probe kprobe.multi, then kprobes, with do-nothing programs (bpf/probe.bpf.c). */
export function probeFunctionBackend(): { via?: FunctionAttach; reasons: string[] } {
  const reasons: string[] = [];
  const obj = probeObjectPath();
  const multi = tryProgram(obj, 'probe_kprobe_multi');
  if (!multi) return { via: 'kprobe.multi', reasons: ['kprobe.multi: works'] };
  reasons.push(`kprobe.multi: ${/EOPNOTSUPP|ENOTSUP|not supported|EINVAL|Invalid argument/i.test(multi) ? 'not supported by this kernel' : firstLine(multi)}`);
  const kp = tryProgram(obj, 'probe_kprobe');
  if (!kp) return { via: 'kprobe', reasons: [...reasons, 'kprobe: works'] };
  reasons.push(`kprobe: ${/ENOENT|No such file/i.test(kp) ? 'not available (kernel built without CONFIG_KPROBES)' : firstLine(kp)}`);
  return { reasons };
}

export function chooseBackend(want: Backend): BackendChoice {
  if (want === 'tracepoint') return { backend: 'tracepoint', reasons: ['tracepoint backend requested'] };
  const probe = probeFunctionBackend();
  if (probe.via) return { backend: 'function', via: probe.via, reasons: probe.reasons };
  if (want === 'function') {
    throw new PlanError(`the function backend needs kprobes, which this kernel does not allow (${probe.reasons.join('; ')}); use --backend tracepoint (the default picks it automatically)`);
  }
  return { backend: 'tracepoint', reasons: probe.reasons };
}

/** v1's -r: Python re.match, i.e. anchored at the start of the name. */
function nameMatches(re: RegExp | undefined, name: string): boolean {
  if (!re) return true;
  const m = re.exec(name);
  return m !== null && m.index === 0;
}

export interface PlanOptions {
  backend: Backend;
  manifest?: Manifest;
  /** For messages. */
  manifestFile?: string;
  regex?: RegExp;
  warn(m: string): void;
  /** Tests: skip probing. */
  choice?: BackendChoice;
  catalog?: HookCatalog;
  gaps?: TracepointGap[];
  kprobes?: () => KprobeStatus;
}

export function planHooks(btf: Btf, o: PlanOptions): HookPlan {
  const choice = o.choice ?? chooseBackend(o.backend);
  // Stand-ins whatever the backend: they give tracepoint hops, the same as a newer kernel's.
  const kprobes = o.kprobes ?? ((): KprobeStatus => (choice.via === 'kprobe' ? { works: true } : probeKprobes()));
  const { catalog, status: gaps } = applyStandIns(btf, o.catalog ?? discoverHooks(btf), o.gaps ?? tracepointGaps(btf), kprobes);
  let tracepoints = catalog.tracepoints.filter((h) => nameMatches(o.regex, h.name));
  let functions: FunctionHook[] = [];
  if (choice.backend === 'function') {
    const avail = availableFilterFunctions((p) => fs.readFileSync(p, 'utf8'));
    // A function that is also a tracepoint's name (consume_skb, kfree_skb...) is seen through the
    // tracepoint, which carries more (reason, location); hooking both would show it twice.
    const tpNames = new Set(catalog.tracepoints.map((t) => t.name));
    functions = catalog.functions.filter((f) => (!avail || avail.has(f.name)) && !tpNames.has(f.name) && nameMatches(o.regex, f.name));
    // Thousands of plain kprobes take minutes to attach: without a manifest or -r, hook v1's
    // generic set. kprobe.multi attaches them all in one link per position.
    if (choice.via === 'kprobe' && !o.manifest && !o.regex) functions = functions.filter((f) => GENERIC_FUNCTIONS.includes(f.name));
  }

  const egress = new Set<string>();
  if (o.manifest) {
    const byName = new Map<string, { skbPos: number }>();
    for (const f of catalog.functions) if (choice.backend === 'function') byName.set(f.name, { skbPos: f.skbPos });
    for (const t of catalog.tracepoints) byName.set(t.name, { skbPos: t.skbArg + 1 });
    const check = checkManifest(o.manifest, (n) => byName.get(n));
    const mismatched = check.problems.filter((p) => /skb_pos/.test(p));
    if (mismatched.length) throw new ManifestError(o.manifestFile ?? '(given)', mismatched[0]);
    const wanted = new Set(o.manifest.functions.map((f) => f.name));
    for (const f of o.manifest.functions) if (f.egress) egress.add(f.name);
    tracepoints = tracepoints.filter((h) => wanted.has(h.name));
    functions = functions.filter((h) => wanted.has(h.name));
    if (tracepoints.length + functions.length === 0) {
      throw new ManifestError(
        o.manifestFile ?? '(given)',
        `none of its ${o.manifest.functions.length} entries can be traced on this kernel with the ${choice.backend} backend (${check.problems[0] ?? 'filtered out by -r'}; see ipftrace -ls)`,
      );
    }
    for (const p of check.problems) o.warn(`manifest ${o.manifestFile ?? ''}: ${p}; skipped`);
  }
  if (tracepoints.length + functions.length === 0) {
    throw new PlanError(o.regex ? `no hook matches -r ${o.regex.source} (see ipftrace -ls)` : 'this kernel offers no hook that carries a packet');
  }
  if (tracepoints.length > SLOT_COUNT) {
    o.warn(`${tracepoints.length} skb tracepoints found; only the first ${SLOT_COUNT} are used`);
    tracepoints = tracepoints.slice(0, SLOT_COUNT);
  }

  const programs: string[] = [];
  const globals: Record<string, number> = {};
  tracepoints.forEach((h, i) => {
    // A `replace` stand-in keeps its slot program loaded: the tracepoint is the fallback.
    if (h.standIn?.mode !== 'hook') programs.push(`tp_slot_${i}`);
    if (h.standIn && !programs.includes(h.standIn.program)) programs.push(h.standIn.program);
    if (h.standIn?.slotGlobal) globals[h.standIn.slotGlobal] = i;
  });
  const positions = [...new Set(functions.map((f) => f.skbPos))].sort();
  for (const pos of positions) programs.push(choice.via === 'kprobe.multi' ? `kpm_skb${pos}` : `kp_skb${pos}`);

  return {
    choice,
    tracepoints,
    functions,
    programs,
    egress,
    // bpf_get_func_ip for kprobes came in 5.15; before that the ip comes from pt_regs.
    funcIpHelper: choice.via === 'kprobe' ? btfHasFuncIpForKprobe(btf) : false,
    gaps,
    globals,
    attach(obj, warn) {
      let ok = 0;
      const failed: string[] = [];
      tracepoints.forEach((h, i) => {
        if (h.standIn) {
          const n = attachStandIn(obj, h.standIn, gaps, failed);
          ok += n;
          if (h.standIn.mode === 'hook' || (h.standIn.mode === 'replace' && n > 0)) return;
        }
        try {
          obj.attachRawTracepoint(`tp_slot_${i}`, h.name);
          ok++;
        } catch (err) {
          failed.push(`${h.name}: ${firstLine((err as Error).message)}`);
        }
      });
      for (const pos of positions) {
        const names = functions.filter((f) => f.skbPos === pos).map((f) => f.name);
        if (choice.via === 'kprobe.multi') {
          try {
            obj.attachKprobeMulti(`kpm_skb${pos}`, names);
            ok += names.length;
          } catch (err) {
            failed.push(`${names.length} functions with the skb at position ${pos}: ${firstLine((err as Error).message)}`);
          }
        } else {
          for (const n of names) {
            try {
              obj.attachKprobe(`kp_skb${pos}`, n);
              ok++;
            } catch (err) {
              failed.push(`${n}: ${firstLine((err as Error).message)}`);
            }
          }
        }
      }
      for (const f of failed) warn(`could not attach ${f}`);
      if (ok === 0) throw new PlanError(`no hook could be attached (${failed.length} failed; first: ${failed[0]})`);
    },
  };
}

/** Attach a stand-in's kprobes; the gap's status says what could not be attached. */
function attachStandIn(obj: BpfObject, s: NonNullable<TracepointHook['standIn']>, gaps: GapStatus[], failed: string[]): number {
  const attached: string[] = [];
  const errors: string[] = [];
  for (const f of s.functions) {
    try {
      obj.attachKprobe(s.program, f);
      attached.push(f);
    } catch (err) {
      errors.push(`${f}: ${firstLine((err as Error).message)}`);
    }
  }
  failed.push(...errors.map((e) => `stand-in kprobe ${e}`));
  const st = gaps.find((g) => g.standIn === s);
  if (st && errors.length) {
    st.remains = `the kprobe could not be attached (${errors.join('; ')})`;
    if (attached.length) st.standIn = { ...s, functions: attached };
    else st.standIn = undefined;
  }
  return attached.length;
}

/** The kernel knows BPF_FUNC_get_func_ip for kprobes since 5.15, when bpf_get_func_ip_kprobe appeared. */
function btfHasFuncIpForKprobe(btf: Btf): boolean {
  return btf.findByName('bpf_get_func_ip_kprobe', 'func').length > 0 || btf.findByName('bpf_get_func_ip_kprobe_multi', 'func').length > 0;
}
