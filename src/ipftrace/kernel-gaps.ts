/**
 * What this kernel's networking tracepoints cannot tell that newer kernels' can. ipftrace
 * shows the same hops on every kernel where the tracepoints fire; these are the differences a
 * user would otherwise mistake for a bug of ours (printed by --doctor and at start-up, with the
 * kprobe stand-in that fills each one where kprobes work: stand-ins.ts).
 */
import * as os from 'node:os';
import { tracepointArgs, type Btf } from '../runtime/btf';

/** [major, minor] of a kernel release string such as "6.1.0-56-amd64". */
export function kernelVersion(release = os.release()): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function hasArg(btf: Btf, tracepoint: string, arg: string): boolean | undefined {
  const args = tracepointArgs(btf, tracepoint);
  return args ? args.some((a) => a.name === arg) : undefined;
}

/** Which gap: drop reasons cannot be filled (the kernel has none); the others have kprobe stand-ins (stand-ins.ts). */
export type GapId = 'drop-reason' | 'consume-location' | 'icmp-send' | 'reset-without-socket';

export interface TracepointGap {
  id: GapId;
  /** The hook whose hops differ from newer kernels'. */
  hook: string;
  text: string;
}

export function tracepointGaps(btf: Btf, release = os.release()): TracepointGap[] {
  const gaps: TracepointGap[] = [];
  if (hasArg(btf, 'kfree_skb', 'reason') === false) gaps.push({ id: 'drop-reason', hook: 'kfree_skb', text: 'kfree_skb carries no drop reason before Linux 5.17: drops show their location only' });
  if (hasArg(btf, 'consume_skb', 'location') === false) gaps.push({ id: 'consume-location', hook: 'consume_skb', text: 'consume_skb carries no location before Linux 6.3' });
  if (!tracepointArgs(btf, 'icmp_send')) gaps.push({ id: 'icmp-send', hook: 'icmp_send', text: 'no icmp_send tracepoint (Linux < 6.6): ICMP errors sent about a packet are not a hop' });
  const [major, minor] = kernelVersion(release);
  // Before 19822a980e19 ("trace: tcp: fully support trace_tcp_send_reset", 6.10) the
  // tracepoint fired only for resets sent on behalf of a full socket.
  if (major < 6 || (major === 6 && minor < 10)) {
    gaps.push({ id: 'reset-without-socket', hook: 'tcp_send_reset', text: 'tcp_send_reset fires only for resets of an existing socket before Linux 6.10 (not for a SYN to a closed port)' });
  }
  return gaps;
}
