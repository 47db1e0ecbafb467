/**
 * Kprobe stand-ins for what older kernels' tracepoints lack (kernel-gaps.ts), so that where
 * kprobes work a packet's list has the same hops and fields as on a new kernel:
 *
 *   consume_skb location (< 6.3)   a kprobe on consume_skb notes the caller; the tracepoint
 *                                  stays the hop and takes that location (bpf/ipftrace_standins.h)
 *   icmp_send hop (< 6.6)          a kprobe on __icmp_send(skb_in, type, code, ...) is the hop,
 *                                  in a slot of its own, named and shown like the tracepoint
 *   tcp_send_reset hop (< 6.10)    kprobes on tcp_v4_send_reset / tcp_v6_send_reset(sk, skb) are
 *                                  the hop for every reset; the tracepoint, which fired only for
 *                                  a full socket's resets, is attached only if they fail
 *
 * Chosen by probing (a do-nothing kprobe) and by the functions' prototypes in BTF, never by
 * version alone. The drop-reason gap (< 5.17) has no stand-in: the kernel has no reason then.
 * IPFTRACE_STAND_INS=0 turns them off (the lists are then what the tracepoints carry).
 */
import type { Btf } from '../runtime/btf';
import { probeObjectPath, tryProgram } from '../runtime/capabilities';
import { ARG_NONE, type HookCatalog, type TracepointHook } from './hooks';
import { IPFT_SLOT_FLAGS } from './layout.generated';
import type { GapId, TracepointGap } from './kernel-gaps';

export interface StandIn {
  /** location: the tracepoint stays and gets its location from the kprobe; hook: the kprobe is
   * the hop (no tracepoint); replace: the kprobe is the hop instead of the tracepoint. */
  mode: 'location' | 'hook' | 'replace';
  /** BPF program (bpf/ipftrace_standins.h) and the functions it is attached to. */
  program: string;
  functions: string[];
  /** .rodata global that receives the hook's slot index (hook and replace). */
  slotGlobal?: string;
  /** What it gives, for --doctor. */
  gives: string;
}

export interface GapStatus {
  gap: TracepointGap;
  /** The stand-in serving this gap, when there is one. */
  standIn?: StandIn;
  /** Why the gap remains (no stand-in possible, kprobes unavailable, attach failed...). */
  remains?: string;
}

/** Whether plain kprobes attach here, and if not, why (the probe's own words). */
export interface KprobeStatus {
  works: boolean;
  why?: string;
}

export function probeKprobes(): KprobeStatus {
  const err = tryProgram(probeObjectPath(), 'probe_kprobe');
  if (!err) return { works: true };
  return { works: false, why: /ENOENT|No such file/i.test(err) ? 'kprobes unavailable (kernel built without CONFIG_KPROBES)' : `kprobes unavailable: ${err.split('\n')[0]}` };
}

/** Parameters of a kernel function from BTF, or undefined when BTF has no such function. */
function funcParams(btf: Btf, name: string): { name: string; type: string; typeId: number }[] | undefined {
  const id = btf.findByName(name, 'func')[0];
  if (id === undefined) return undefined;
  return btf.params(id).map((p) => ({ name: p.name, type: btf.typeString(p.type), typeId: p.type }));
}

const isSkb = (t: string | undefined) => t !== undefined && /struct sk_buff \*/.test(t);

const CONSUME_FUNCTIONS = ['consume_skb', '__consume_stateless_skb', 'napi_consume_skb'];

type Maker = (btf: Btf, catalog: HookCatalog) => { hook: TracepointHook; standIn: StandIn; replaces?: string } | string;

const MAKERS: Partial<Record<GapId, Maker>> = {
  'consume-location': (btf, catalog) => {
    const tp = catalog.tracepoints.find((t) => t.name === 'consume_skb');
    if (!tp) return 'no consume_skb tracepoint';
    // Every function that fires the tracepoint for its caller (6.3+ passes each one's
    // __builtin_return_address(0)); net_tx_action's own tracepoint call has no kprobe before it.
    const fns = CONSUME_FUNCTIONS.filter((f) => isSkb(funcParams(btf, f)?.[0]?.type));
    if (!fns.includes('consume_skb')) return 'consume_skb(skb) not found in BTF';
    return {
      hook: { ...tp, flags: tp.flags | IPFT_SLOT_FLAGS.IPFT_SLOT_KPROBE_LOC },
      replaces: tp.name,
      standIn: { mode: 'location', program: 'kp_consume_loc', functions: fns, gives: "the caller's return address as the location" },
    };
  },
  'icmp-send': (btf) => {
    const ps = funcParams(btf, '__icmp_send');
    if (!ps) return '__icmp_send not found in BTF';
    if (!isSkb(ps[0]?.type) || ps[1]?.name !== 'type' || ps[2]?.name !== 'code') return `__icmp_send has an unexpected prototype (${ps.map((p) => p.name).join(', ')})`;
    // The 6.6+ tracepoint's arguments: (skb, type, code), shown as "type: 3  code: 3".
    const args = [{ ...ps[0], name: 'skb' }, ps[1], ps[2]];
    return {
      hook: { kind: 'tracepoint', name: 'icmp_send', skbArg: 0, aArg: 1, bArg: 2, devArg: ARG_NONE, flags: 0, role: 'hop', args, socket: false },
      standIn: { mode: 'hook', program: 'kp_standin_icmp_send', functions: ['__icmp_send'], slotGlobal: 'standin_icmp_slot', gives: 'the icmp_send hop (type, code)' },
    };
  },
  'reset-without-socket': (btf, catalog) => {
    const tp = catalog.tracepoints.find((t) => t.name === 'tcp_send_reset');
    if (!tp) return 'no tcp_send_reset tracepoint';
    // (sk, skb): the BPF program reads the skb from the second argument.
    const fns = ['tcp_v4_send_reset', 'tcp_v6_send_reset'].filter((f) => isSkb(funcParams(btf, f)?.[1]?.type));
    if (!fns.includes('tcp_v4_send_reset')) return 'tcp_v4_send_reset(sk, skb) not found in BTF';
    return {
      hook: tp,
      replaces: tp.name,
      standIn: { mode: 'replace', program: 'kp_standin_tcp_reset', functions: fns, slotGlobal: 'standin_reset_slot', gives: 'the tcp_send_reset hop for every reset (the tracepoint is not attached)' },
    };
  },
};

/**
 * The catalog with the stand-ins this kernel can use applied to its hooks (TracepointHook.standIn
 * marks them), and what happens to each gap. `kprobes` is asked only when a gap can be filled.
 */
export function applyStandIns(btf: Btf, catalog: HookCatalog, gaps: readonly TracepointGap[], kprobes: () => KprobeStatus, env = process.env): { catalog: HookCatalog; status: GapStatus[] } {
  const status: GapStatus[] = gaps.map((gap) => ({ gap }));
  const fillable = status.filter((s) => MAKERS[s.gap.id]);
  for (const s of status) if (!MAKERS[s.gap.id]) s.remains = 'no stand-in: the kernel has no drop reason to read';
  if (fillable.length === 0) return { catalog, status };
  let why: string | undefined;
  if (env.IPFTRACE_STAND_INS === '0') why = 'stand-ins turned off (IPFTRACE_STAND_INS=0)';
  else {
    const k = kprobes();
    if (!k.works) why = k.why ?? 'kprobes unavailable';
  }
  if (why) {
    for (const s of fillable) s.remains = why;
    return { catalog, status };
  }
  const tracepoints = [...catalog.tracepoints];
  for (const s of fillable) {
    const made = MAKERS[s.gap.id]!(btf, catalog);
    if (typeof made === 'string') {
      s.remains = made;
      continue;
    }
    s.standIn = made.standIn;
    const hook: TracepointHook = { ...made.hook, standIn: made.standIn };
    const i = tracepoints.findIndex((t) => t.name === (made.replaces ?? hook.name));
    if (i >= 0) tracepoints[i] = hook;
    else tracepoints.push(hook);
  }
  tracepoints.sort((x, y) => x.name.localeCompare(y.name));
  return { catalog: { ...catalog, tracepoints }, status };
}

/** One line per gap: what is missing and what serves it (or why it remains). */
export function gapLines(status: readonly GapStatus[], traced: (hook: string) => boolean): string[] {
  return status.map((s) => {
    if (s.standIn && !traced(s.gap.hook)) return `${s.gap.text}; stand-in not used (${s.gap.hook} is not traced)`;
    if (s.standIn) return `${s.gap.text}; stand-in: kprobe on ${s.standIn.functions.join(', ')} gives ${s.standIn.gives}${s.remains ? `; ${s.remains}` : ''}`;
    return `${s.gap.text}; remains: ${s.remains ?? 'no stand-in'}`;
  });
}
