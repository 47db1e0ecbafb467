/* loopback-tcp and loopback-udp collectors (included by ipcdump.bpf.c).
 *
 * Like pipes and unix streams, sends are queued before their data can be received, and a
 * receive takes its bytes off the front of the queue, so src and dst are the processes that
 * really sent and received (not whoever runs the softirq, which may be ksoftirqd or the
 * receiver processing its backlog):
 *  - TCP: one queue per flow, keyed by a hash of (netns, family, local addr:port, remote
 *    addr:port) of the sending socket; the receiver looks up the mirrored tuple. A flow has a
 *    queue only if a local process sent on it, which is what makes it "loopback": lo, the
 *    host's own non-127 addresses, and other network namespaces all qualify, remote peers don't.
 *  - UDP: one queue per (netns, destination port), fed by connected and unconnected
 *    (sendto/sendmsg with an address) senders; a receive on that local port takes one message.
 * Connections opened before ipcdump started are attributed from their first send on.
 * Mirrors include/net/sock.h (struct sock_common). */
#pragma once

#define AF_INET_ 2
#define AF_INET6_ 10
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

const volatile bool trace_loopback = false;
const volatile __u8 loopback_types = 0; /* bit (1 << IPC_LOOPBACK_*) per enabled type */

struct flow_key {
	__u32 netns;
	__u16 family;
	__u16 proto;
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 lport; /* host order */
	__u16 rport; /* host order */
	/* Always 0. Makes the size a multiple of 8, so flow_hash's 64-bit words cover the ports:
	 * at 44 bytes its last word was cut off, and every flow between the same two addresses
	 * (TCP) or every port of a netns (UDP) hashed to one queue. */
	__u32 pad;
};
_Static_assert(sizeof(struct flow_key) % 8 == 0, "flow_hash hashes whole 64-bit words");

static __always_inline __u64 flow_hash(struct flow_key *k)
{
	/* FNV-1a over the key's 64-bit words: a map key for the shared queue map (`pipes`);
	 * collisions would need 2^32 concurrent flows to become likely. */
	__u64 h = 0xcbf29ce484222325ULL;
	__u64 *w = (__u64 *)k;
	for (int i = 0; i < sizeof(*k) / 8; i++) {
		h ^= w[i];
		h *= 0x100000001b3ULL;
	}
	return h | 1; /* never 0 */
}

static __always_inline __u32 sk_netns(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* The flow of a TCP socket as seen from its side (local = this socket). */
static __always_inline void tcp_flow(struct sock *sk, struct flow_key *k, bool mirror)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->netns = sk_netns(sk);
	k->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	k->proto = IPPROTO_TCP_;
	__u8 *l = mirror ? k->raddr : k->laddr, *r = mirror ? k->laddr : k->raddr;
	if (k->family == AF_INET_) {
		BPF_CORE_READ_INTO(l, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO(r, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(l, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(r, sk, __sk_common.skc_v6_daddr);
	}
	__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	k->lport = mirror ? rport : lport;
	k->rport = mirror ? lport : rport;
}

static __always_inline __u64 udp_dest_key(__u32 netns, __u16 port)
{
	struct flow_key k = {};
	k.netns = netns;
	k.proto = IPPROTO_UDP_;
	k.rport = port;
	return flow_hash(&k);
}

/* Destination port of a UDP send: the user's sockaddr if given, else the connected peer. */
static __always_inline __u16 udp_dest_port(struct sock *sk, __u64 uaddr)
{
	if (uaddr) {
		struct sockaddr_in6 a; /* sin_port and sin6_port are at the same offset */
		if (bpf_probe_read_user(&a, sizeof(__u32), (void *)uaddr) == 0 &&
		    (a.sin6_family == AF_INET_ || a.sin6_family == AF_INET6_))
			return bpf_ntohs(a.sin6_port);
		return 0;
	}
	return bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

static __always_inline __u16 loopback_ipc_type(__u16 proto)
{
	return proto == IPPROTO_TCP_ ? IPC_LOOPBACK_TCP : IPC_LOOPBACK_UDP;
}
