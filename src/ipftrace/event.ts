/**
 * What ipftrace hands to output and to library users: one PacketEvent per hop (a tracepoint
 * or kernel function that saw the packet), grouped into a PacketTrace per packet (one skb,
 * followed by pointer with a generation against reuse; clones get their own trace with a
 * parent link).
 */

/** The 5-tuple as parsed from the packet's headers at that hop. */
export interface FlowTuple {
  ipVersion: 4 | 6;
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...). */
  proto: number;
  saddr: string;
  daddr: string;
  /** 0 when the protocol has no ports (ICMP) or this is a non-first fragment. */
  sport: number;
  dport: number;
}

/** Where a hop comes from. */
export type HookKind = 'tracepoint' | 'function' | 'socket';

export interface PacketEvent {
  /** bpf_ktime_get_ns (CLOCK_MONOTONIC), as the original prints it. */
  ts: bigint;
  /** Wall-clock time of `ts`, ms since the epoch. */
  wallMs: number;
  traceId: bigint;
  /** Tracepoint name (net_dev_queue) or kernel function name (ip_rcv). */
  hook: string;
  hookKind: HookKind;
  skb: bigint;
  cpu: number;
  /** The task that was running: the sender on TX; whoever was interrupted in softirq. */
  pid: number;
  comm: string;
  /** skb->len at this hop (for net_dev_xmit the len argument: the skb may be gone). */
  len: number;
  ifindex: number;
  /** Device name when known (resolved in the device's netns). */
  ifname?: string;
  /** Inode of the network namespace of the device (or of the socket when there is no device). */
  netns: number;
  mark: number;
  /** Headers parsed at this hop; undefined when they could not be parsed here. */
  tuple?: FlowTuple;
  tcpFlags?: number;
  icmpType?: number;
  icmpCode?: number;
  gso: { size: number; segs: number; type: number };
  /** kfree_skb: the drop reason, by name without the SKB_DROP_REASON_ prefix. */
  dropReason?: string;
  dropReasonCode?: number;
  /** kfree_skb / consume_skb: where it happened (symbol+offset from /proc/kallsyms). */
  location?: string;
  /** net_dev_xmit: the driver's return code. */
  rc?: number;
  /** Socket hops: extra detail such as "TCP_SYN_SENT -> TCP_ESTABLISHED" or "ret=5". */
  detail?: string;
  /** Values of user-selected BTF fields (-f / modules), by field name. */
  fields?: Record<string, bigint | number | string>;
  /** Formatted custom data (module output). */
  custom?: string;
  /** Nanoseconds since the previous hop of the same trace (0 for the first). */
  deltaNs: bigint;
}

/**
 * Why a trace's list was printed:
 *  dropped    kfree_skb (reason and location on the last hop)
 *  consumed   consume_skb
 *  delivered  reached a socket (sk_data_ready / skb_copy_datagram_iovec) and went quiet
 *  sent       transmitted on a device that does not loop back
 *  egress     reached a hop the manifest marks `egress: true`
 *  length     reached -l/--length hops (the rest follows as a continuation)
 *  idle       nothing seen for the idle timeout: the end was not observed
 *  exit       still open when tracing stopped
 */
export type TraceEnd = 'dropped' | 'consumed' | 'delivered' | 'sent' | 'egress' | 'length' | 'idle' | 'exit';

export interface PacketTrace {
  id: bigint;
  /** The trace this one was cloned from (skb clone sharing the data buffer), if any. */
  parentId?: bigint;
  /** Flow of the first hop whose headers parsed. */
  tuple?: FlowTuple;
  events: PacketEvent[];
  end: TraceEnd;
  /** This list continues an earlier one cut by -l/--length (chunk number, from 1). */
  continuation?: number;
}
