/**
 * What ipftrace can show on the running kernel, for tests that run under every kernel of the
 * matrix (scripts/vm-test.sh): read from the kernel's BTF and release, the facts that
 * src/ipftrace/kernel-gaps.ts reports to users, and whether plain kprobes attach here, in which
 * case ipftrace's kprobe stand-ins (src/ipftrace/stand-ins.ts) fill the gaps they can, so the
 * expectations are those of a new kernel.
 */
import * as os from 'node:os';
import { Btf, tracepointArgs } from '../../src/runtime/btf';
import { probeObjectPath, tryProgram } from '../../src/runtime/capabilities';

const btf = Btf.vmlinux();
const hasArg = (tp: string, arg: string) => tracepointArgs(btf, tp)?.some((a) => a.name === arg) ?? false;
const hasFunc = (name: string) => btf.findByName(name, 'func').length > 0;
const [major, minor] = (/^(\d+)\.(\d+)/.exec(os.release()) ?? ['', '0', '0']).slice(1).map(Number);

/** Plain kprobes attach here (stock kernels; not our machines): the stand-ins are used. */
export const KPROBES = tryProgram(probeObjectPath(), 'probe_kprobe') === undefined;

/** kfree_skb has a drop reason (Linux >= 5.17; no stand-in can give one). */
export const DROP_REASONS = hasArg('kfree_skb', 'reason');
/** The consume_skb tracepoint itself has the caller's location (Linux >= 6.3). */
export const CONSUME_LOCATION_TP = hasArg('consume_skb', 'location');
/** consume_skb hops have the caller's location: the tracepoint's, or the kprobe stand-in's. */
export const CONSUME_LOCATION = CONSUME_LOCATION_TP || (KPROBES && hasFunc('consume_skb'));
/** The tracepoint fires for a reset without a socket, e.g. a SYN to a closed port (Linux >= 6.10). */
export const RESET_WITHOUT_SOCKET_TP = major > 6 || (major === 6 && minor >= 10);
/** Such a reset is a tcp_send_reset hop: the tracepoint, or the stand-in on tcp_v4_send_reset. */
export const RESET_WITHOUT_SOCKET = RESET_WITHOUT_SOCKET_TP || (KPROBES && hasFunc('tcp_v4_send_reset'));
/** The icmp_send tracepoint (Linux >= 6.6). */
export const ICMP_SEND_TP = tracepointArgs(btf, 'icmp_send') !== undefined;
/** An ICMP error sent about a packet is an icmp_send hop: the tracepoint, or the stand-in on __icmp_send. */
export const ICMP_SEND = ICMP_SEND_TP || (KPROBES && hasFunc('__icmp_send'));
