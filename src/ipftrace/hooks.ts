/**
 * The hooks ipftrace can attach to on the running kernel, found from BTF (never hard-coded
 * per kernel version):
 *
 *  - skb tracepoints: every `btf_trace_<name>` prototype with a `struct sk_buff *` argument
 *    (net_dev_queue, netif_receive_skb, kfree_skb, qdisc_enqueue, tcp_probe, icmp_send...).
 *    Each gets a generic raw_tp program ("slot", bpf/ipftrace.bpf.c) told where its skb, device
 *    and two interesting scalar arguments are.
 *  - socket tracepoints that show delivery and connection state around a packet
 *    (sk_data_ready, inet_sock_set_state, tcp_receive_reset, sock_recv_length).
 *  - kernel functions taking a `struct sk_buff *` (the function backend, where kprobes work).
 *
 * What a hook means for a trace (its role) is decided here, by name: kfree_skb drops,
 * consume_skb consumes, net_dev_xmit transmits, socket hooks deliver.
 */
import { Btf, skbFunctions, skbTracepoints, tracepointArgs } from '../runtime/btf';
import { IPFT_SLOT_FLAGS } from './layout.generated';
import type { StandIn } from './stand-ins';

export const SLOT_COUNT = 48;
export const ARG_NONE = 0xff;

/** What reaching a hook means for the packet's trace. */
export type HookRole = 'hop' | 'drop' | 'consume' | 'xmit' | 'deliver' | 'socket';

export interface ArgInfo {
  name: string;
  type: string;
  /** BTF type id of the argument (enum decoding). */
  typeId: number;
}

export interface TracepointHook {
  kind: 'tracepoint';
  name: string;
  /** 0-based index of the sk_buff (or sock, for socket hooks) among the tracepoint's args. */
  skbArg: number;
  aArg: number;
  bArg: number;
  devArg: number;
  flags: number;
  role: HookRole;
  args: ArgInfo[];
  /** Socket hook rather than an skb hook. */
  socket: boolean;
  /** Served (or completed) by a kprobe where this kernel's tracepoint falls short (stand-ins.ts). */
  standIn?: StandIn;
}

export interface FunctionHook {
  kind: 'function';
  name: string;
  /** 1-based position of the sk_buff argument. */
  skbPos: number;
}

export type Hook = TracepointHook | FunctionHook;

/**
 * Socket tracepoints joined to the packet that caused them (see on_sock in the BPF side): by
 * flow for a connected socket, else the packet being processed on this CPU; `later` ones by
 * socket. `state`: b is the new TCP state, and states only the socket's owner moves to
 * (SYN_SENT, FIN_WAIT1, LAST_ACK, LISTEN) are not joined to a packet.
 */
const SOCKET_HOOKS: Record<string, { later?: boolean; state?: boolean; args: string[]; role: HookRole }> = {
  sk_data_ready: { args: [], role: 'deliver' },
  inet_sock_set_state: { state: true, args: ['oldstate', 'newstate'], role: 'socket' },
  tcp_receive_reset: { args: [], role: 'deliver' },
  sock_recv_length: { later: true, args: ['ret'], role: 'socket' },
};

const isScalar = (t0: string) => {
  const t = t0.replace(/^(const |volatile )+/, '');
  return /^(enum |(unsigned )?(int|short|char|long)|u(8|16|32|64)|s(8|16|32|64)|__u|__s|bool|_Bool|long|size_t)/.test(t) && !t.includes('*');
};

function argIndex(args: ArgInfo[], ...names: string[]): number {
  for (const n of names) {
    const i = args.findIndex((a) => a.name === n);
    if (i >= 0) return i;
  }
  return ARG_NONE;
}

/** Describe one skb tracepoint: where its args are and what it means. */
function describeSkbTracepoint(name: string, skbArg: number, args: ArgInfo[]): TracepointHook {
  const devArg = args.findIndex((a) => /struct net_device \*/.test(a.type));
  const hook: TracepointHook = {
    kind: 'tracepoint',
    name,
    skbArg,
    aArg: ARG_NONE,
    bArg: ARG_NONE,
    devArg: devArg >= 0 ? devArg : ARG_NONE,
    flags: 0,
    role: 'hop',
    args,
    socket: false,
  };
  switch (name) {
    case 'kfree_skb':
      hook.role = 'drop';
      hook.flags = IPFT_SLOT_FLAGS.IPFT_SLOT_EOL;
      hook.aArg = argIndex(args, 'location');
      hook.bArg = argIndex(args, 'reason');
      break;
    case 'consume_skb':
      hook.role = 'consume';
      hook.flags = IPFT_SLOT_FLAGS.IPFT_SLOT_EOL;
      hook.aArg = argIndex(args, 'location');
      break;
    case 'net_dev_xmit':
      // Fires after the driver took the skb, which may already be freed: pointer only.
      hook.role = 'xmit';
      hook.flags = IPFT_SLOT_FLAGS.IPFT_SLOT_NODEREF;
      hook.aArg = argIndex(args, 'rc');
      hook.bArg = argIndex(args, 'skb_len', 'len');
      break;
    case 'skb_copy_datagram_iovec':
      hook.role = 'deliver';
      hook.aArg = argIndex(args, 'len');
      break;
    default: {
      // Up to two scalar arguments (reasons, types, codes, return values) shown as they are.
      const scalars = args.map((a, i) => ({ a, i })).filter(({ a, i }) => i !== skbArg && isScalar(a.type));
      if (scalars[0]) hook.aArg = scalars[0].i;
      if (scalars[1]) hook.bArg = scalars[1].i;
    }
  }
  return hook;
}

export interface HookCatalog {
  tracepoints: TracepointHook[];
  functions: FunctionHook[];
}

function tpArgs(btf: Btf, name: string): ArgInfo[] | undefined {
  return tracepointArgs(btf, name)?.map((a) => ({ name: a.name, type: a.type, typeId: a.typeId }));
}

/** Everything this kernel offers, from its BTF. */
export function discoverHooks(btf: Btf): HookCatalog {
  const tracepoints: TracepointHook[] = [];
  for (const tp of skbTracepoints(btf)) {
    const args = tpArgs(btf, tp.name);
    if (!args) continue;
    tracepoints.push(describeSkbTracepoint(tp.name, tp.skbArg, args));
  }
  for (const [name, spec] of Object.entries(SOCKET_HOOKS)) {
    const args = tpArgs(btf, name);
    if (!args) continue;
    const skArg = args.findIndex((a) => /struct sock \*/.test(a.type));
    if (skArg < 0) continue;
    const bArg = spec.args[1] ? argIndex(args, spec.args[1]) : ARG_NONE;
    let flags: number = spec.later ? IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK_LATER : IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK;
    if (spec.state && bArg !== ARG_NONE) flags |= IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK_STATE;
    tracepoints.push({
      kind: 'tracepoint',
      name,
      skbArg: skArg,
      aArg: spec.args[0] ? argIndex(args, spec.args[0]) : ARG_NONE,
      bArg,
      devArg: ARG_NONE,
      flags,
      role: spec.role,
      args,
      socket: true,
    });
  }
  tracepoints.sort((x, y) => x.name.localeCompare(y.name));
  const functions = skbFunctions(btf)
    .filter((f) => !f.variadic && f.skbPos <= 5)
    .map((f): FunctionHook => ({ kind: 'function', name: f.name, skbPos: f.skbPos }))
    .sort((x, y) => x.name.localeCompare(y.name));
  return { tracepoints, functions };
}

/**
 * Functions the kernel lets kprobes attach to (`available_filter_functions`), or undefined
 * when the file cannot be read (here it is EPERM; kprobe attach then reports per function).
 */
export function availableFilterFunctions(read: (p: string) => string): Set<string> | undefined {
  for (const p of ['/sys/kernel/tracing/available_filter_functions', '/sys/kernel/debug/tracing/available_filter_functions']) {
    try {
      const set = new Set<string>();
      for (const line of read(p).split('\n')) {
        const name = line.split(/\s/)[0];
        if (name) set.add(name);
      }
      return set;
    } catch {
      /* try the next path */
    }
  }
  return undefined;
}

/**
 * What a default run hooks with plain kprobes (one attachment each, slow to attach by the
 * thousand): the IP-layer functions of ipftrace v1's generic.yaml that exist here.
 */
export const GENERIC_FUNCTIONS = [
  'ip_rcv', 'ip_rcv_finish', 'ip_local_deliver', 'ip_local_deliver_finish', 'ip_local_out', 'ip_output',
  'ip_finish_output', 'ip_finish_output2', '__ip_queue_xmit', 'ip_forward', 'ip_forward_finish',
  'ip_route_input_noref', 'ipv6_rcv', 'ip6_rcv_finish', 'ip6_input', 'ip6_output', 'ip6_finish_output',
  'ip6_finish_output2', 'ip6_forward', 'ip6_xmit', 'validate_xmit_skb', 'dev_hard_start_xmit',
  '__netif_receive_skb_core', 'tcp_v4_rcv', 'tcp_v6_rcv', 'udp_rcv', 'udpv6_rcv', 'icmp_rcv', 'icmpv6_rcv',
  'nf_hook_slow',
];
