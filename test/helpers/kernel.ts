/**
 * What the running kernel's tracepoints carry, for tests that run under every kernel of the
 * matrix (scripts/vm-test.sh): read from the kernel's BTF and release, the facts that
 * src/ipftrace/kernel-gaps.ts reports to users.
 */
import * as os from 'node:os';
import { Btf, tracepointArgs } from '../../src/runtime/btf';

const btf = Btf.vmlinux();
const hasArg = (tp: string, arg: string) => tracepointArgs(btf, tp)?.some((a) => a.name === arg) ?? false;
const [major, minor] = (/^(\d+)\.(\d+)/.exec(os.release()) ?? ['', '0', '0']).slice(1).map(Number);

/** kfree_skb has a drop reason (Linux >= 5.17). */
export const DROP_REASONS = hasArg('kfree_skb', 'reason');
/** consume_skb has the caller's location (Linux >= 6.3). */
export const CONSUME_LOCATION = hasArg('consume_skb', 'location');
/** tcp_send_reset fires for a reset without a socket, e.g. a SYN to a closed port (Linux >= 6.10). */
export const RESET_WITHOUT_SOCKET = major > 6 || (major === 6 && minor >= 10);
/** The icmp_send tracepoint (Linux >= 6.6): an ICMP error sent about a packet is a hop. */
export const ICMP_SEND = tracepointArgs(btf, 'icmp_send') !== undefined;
