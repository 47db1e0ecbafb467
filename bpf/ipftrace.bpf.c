// SPDX-License-Identifier: GPL-2.0
/* ipftrace's kernel half: follows packets (skbs) through the network stack.
 *
 * Hooks, all attached by user space at run time:
 *   - tp_slot_N (raw_tp): one generic program per skb tracepoint discovered from BTF; where
 *     its arguments are is described by slots[N] (see ipftrace.h). Works without kprobes.
 *   - kp_skbN / kpm_skbN: kernel functions whose N-th argument is the skb (kprobe and
 *     kprobe.multi), used where the kernel allows them, as ipftrace v1 and ipftrace2 did.
 *   - kprobe stand-ins for what older kernels' tracepoints lack (ipftrace_standins.h).
 *
 * Identity: a packet is followed by its skb pointer (`tracked`), checked against a packet
 * signature so a reused pointer starts a new trace, and clones (no tracepoint of their own) are
 * recognised when an unknown, cloned skb shares a tracked data buffer (`heads`). The user's
 * flow filter (v1's -s -d -p -sp -dp -iv) is evaluated only when a packet is first seen, so a
 * packet stays followed after NAT or when its headers cannot be parsed at a later hop.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#define LOST_SLOTS 2
#include "ipftrace.h"
#include "ringbuf.h"

char LICENSE[] SEC("license") = "GPL";

#define LOST_RING 0

/* Keep the shared types in BTF for the layout generator (scripts/gen-layouts.js). */
struct ipft_event *unused_ipft_event __attribute__((unused));
enum ipft_slot_flags *unused_ipft_slot_flags __attribute__((unused));
enum ipft_ev_flags *unused_ipft_ev_flags __attribute__((unused));
enum ipft_field_base *unused_ipft_field_base __attribute__((unused));
enum ipft_hook_id *unused_ipft_hook_id __attribute__((unused));

/* ---- configuration (set by user space before load) ---------------------------------------- */
const volatile struct ipft_slot slots[IPFT_SLOTS] = {};
const volatile struct ipft_field fields_cfg[IPFT_FIELDS] = {};
const volatile __u32 nfields = 0;
const volatile __u64 idle_ns = 1000000000ULL;  /* a pointer unseen this long is forgotten */
const volatile bool func_ip_helper = false;     /* kprobes: bpf_get_func_ip exists (5.15+) */

const volatile __u8 f_ipver = 0;   /* 0: both */
const volatile bool f_saddr_on = false;
const volatile bool f_daddr_on = false;
const volatile __u8 f_saddr[16] = {};
const volatile __u8 f_daddr[16] = {};
const volatile __s32 f_proto = -1;
const volatile __s32 f_sport = -1;
const volatile __s32 f_dport = -1;

/* ---- state ---------------------------------------------------------------------------------- */
struct ipft_track {
	__u64 trace_id;
	__u64 last_ns;
	__u64 head;
	__u32 sig;
	__u8 sig_valid;
	__u8 dead;  /* freed: later hops on this pointer belong to no packet until it is reused */
	__u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);  /* skb pointer */
	__type(value, struct ipft_track);
} tracked SEC(".maps");

struct ipft_head {
	__u64 trace_id;
	__u32 sig;
	__u8 sig_valid;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);  /* skb->head of a tracked packet */
	__type(value, struct ipft_head);
} heads SEC(".maps");

/* Last packet event on this CPU, for socket hooks that fire while that packet is processed
 * (sk_data_ready, inet_sock_set_state in softirq). */
struct ipft_cpu_last {
	__u64 trace_id;
	__u64 ns;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipft_cpu_last);
} cpu_last SEC(".maps");

/* A flow as its packets carry it, in the network namespace of the hop: for a connected socket
 * this is (remote -> local), built from the socket alone. */
struct ipft_flow_key {
	__u8 saddr[16];  /* IPv4 in the first 4 bytes, as in struct ipft_flow */
	__u8 daddr[16];
	__u32 netns;
	__u16 sport;     /* host order */
	__u16 dport;
	__u8 l3;
	__u8 proto;
	__u8 pad[2];
};

struct ipft_flow_last {
	__u64 trace_id;
	__u64 ns;
};

/* Flow -> the last followed packet of it and when it was last seen. A socket hook of a connected
 * socket is joined through it, whatever CPU and however late it runs: a socket owned by its
 * process (connect(), recvmsg(), sendmsg() hold the socket lock) gets the packet from its
 * backlog in release_sock(), in process context, after the softirq that received it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ipft_flow_key);
	__type(value, struct ipft_flow_last);
} flow_last SEC(".maps");

/* Socket -> trace of the last packet delivered to it (sock_recv_length in the reader). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} sk_last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} id_counter SEC(".maps");

/* Staging for one event: too big for the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipft_event);
} scratch SEC(".maps");

#define EVENT_SHORT (sizeof(struct ipft_event) - IPFT_FIELDS * IPFT_FIELD_BYTES)

/* ---- header parsing ------------------------------------------------------------------------- */
#define ETH_P_IP_BE 0x0008     /* htons(0x0800) */
#define ETH_P_IPV6_BE 0xdd86   /* htons(0x86dd) */
#define IPPROTO_ICMPV6 58      /* not in vmlinux.h: a #define in uapi/linux/in6.h */

static __always_inline __u32 mix(__u32 h, __u32 v)
{
	return (h ^ v) * 0x9e3779b1;
}

/* Parse L4 at `p` (absolute kernel address); `end` = end of the linear area. */
static __always_inline void parse_l4(struct ipft_flow *f, unsigned char *p, unsigned char *end, __u32 *evflags)
{
	if (f->proto == IPPROTO_TCP) {
		struct tcphdr th;
		if (p + sizeof(th) > end || bpf_probe_read_kernel(&th, sizeof(th), p)) {
			*evflags |= IPFT_EV_NONLINEAR;
			return;
		}
		f->sport = bpf_ntohs(th.source);
		f->dport = bpf_ntohs(th.dest);
		f->tcp_flags = ((__u8 *)&th)[13];
		f->sig = mix(mix(f->sig, th.seq), th.ack_seq);
	} else if (f->proto == IPPROTO_UDP) {
		struct udphdr uh;
		if (p + sizeof(uh) > end || bpf_probe_read_kernel(&uh, sizeof(uh), p)) {
			*evflags |= IPFT_EV_NONLINEAR;
			return;
		}
		f->sport = bpf_ntohs(uh.source);
		f->dport = bpf_ntohs(uh.dest);
		f->sig = mix(f->sig, uh.len);
	} else if (f->proto == IPPROTO_ICMP || f->proto == IPPROTO_ICMPV6) {
		__u8 ih[8];
		if (p + sizeof(ih) > end || bpf_probe_read_kernel(ih, sizeof(ih), p)) {
			*evflags |= IPFT_EV_NONLINEAR;
			return;
		}
		f->icmp_type = ih[0];
		f->icmp_code = ih[1];
		f->sig = mix(f->sig, *(__u32 *)&ih[4] ^ ih[0]);
	}
}

static __always_inline int parse_ipv6(struct ipft_flow *f, unsigned char *p, unsigned char *end, __u32 *evflags)
{
	struct ipv6hdr ip6;
	if (p + sizeof(ip6) > end || bpf_probe_read_kernel(&ip6, sizeof(ip6), p))
		return 0;
	if ((((__u8 *)&ip6)[0] >> 4) != 6)
		return 0;
	f->l3 = 6;
	__builtin_memcpy(f->saddr, &ip6.saddr, 16);
	__builtin_memcpy(f->daddr, &ip6.daddr, 16);
	f->sig = mix(mix(0, *(__u32 *)&ip6 & bpf_htonl(0x000fffff)), ip6.payload_len);
	__u8 nexthdr = ip6.nexthdr;
	p += sizeof(ip6);
	/* Extension headers (RFC 8200): hop-by-hop 0, routing 43, destination 60 are (len+1)*8
	 * bytes, AH 51 is (len+2)*4; a fragment header 44 ends the walk unless offset is 0. */
#pragma unroll
	for (int i = 0; i < 8; i++) {
		if (nexthdr != 0 && nexthdr != 43 && nexthdr != 60 && nexthdr != 51 && nexthdr != 44)
			break;
		__u8 eh[8];
		if (p + 8 > end || bpf_probe_read_kernel(eh, sizeof(eh), p)) {
			*evflags |= IPFT_EV_NONLINEAR;
			f->proto = nexthdr;
			return 1;
		}
		if (nexthdr == 44) {
			__u16 off = ((__u16)eh[2] << 8 | eh[3]) & 0xfff8;
			f->sig = mix(f->sig, *(__u32 *)&eh[4]);
			nexthdr = eh[0];
			p += 8;
			if (off != 0) {
				f->proto = nexthdr;
				return 1; /* not the first fragment: no L4 header here */
			}
			continue;
		}
		__u32 hlen = nexthdr == 51 ? ((__u32)eh[1] + 2) * 4 : ((__u32)eh[1] + 1) * 8;
		nexthdr = eh[0];
		p += hlen;
	}
	f->proto = nexthdr;
	parse_l4(f, p, end, evflags);
	return 1;
}

static __always_inline int parse_ipv4(struct ipft_flow *f, unsigned char *p, unsigned char *end, __u32 *evflags)
{
	struct iphdr ip;
	if (p + sizeof(ip) > end || bpf_probe_read_kernel(&ip, sizeof(ip), p))
		return 0;
	__u8 vihl = ((__u8 *)&ip)[0];
	if ((vihl >> 4) != 4 || (vihl & 0xf) < 5)
		return 0;
	f->l3 = 4;
	__builtin_memcpy(f->saddr, &ip.saddr, 4);
	__builtin_memcpy(f->daddr, &ip.daddr, 4);
	f->proto = ip.protocol;
	f->sig = mix(mix(0, ip.id), ip.tot_len);
	if (bpf_ntohs(ip.frag_off) & 0x1fff)
		return 1; /* not the first fragment */
	parse_l4(f, p + (vihl & 0xf) * 4, end, evflags);
	return 1;
}

/* Headers from skb->head + network_header when that is plausible (it is 0 before IP output and
 * stale on some paths, hence the checks), otherwise from the Ethernet header. */
static __always_inline int parse_skb(struct sk_buff *skb, struct ipft_flow *f, __u32 *evflags)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	unsigned char *data = BPF_CORE_READ(skb, data);
	__u32 len = BPF_CORE_READ(skb, len);
	__u32 data_len = BPF_CORE_READ(skb, data_len);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 mh = BPF_CORE_READ(skb, mac_header);
	__u16 proto = BPF_CORE_READ(skb, protocol);
	if (!head || data_len > len)
		return 0;
	unsigned char *end = data + (len - data_len);

	if (nh != 0 || data == head) {
		if (proto == ETH_P_IP_BE && parse_ipv4(f, head + nh, end, evflags))
			return 1;
		if (proto == ETH_P_IPV6_BE && parse_ipv6(f, head + nh, end, evflags))
			return 1;
	}
	if (mh == 0xffff)
		return 0;
	/* Ethernet, with up to two VLAN tags. */
	unsigned char *p = head + mh;
	__be16 et;
	if (bpf_probe_read_kernel(&et, 2, p + 12))
		return 0;
	p += 14;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (et != bpf_htons(0x8100) && et != bpf_htons(0x88a8))
			break;
		if (bpf_probe_read_kernel(&et, 2, p + 2))
			return 0;
		p += 4;
	}
	if (et == ETH_P_IP_BE)
		return parse_ipv4(f, p, end, evflags);
	if (et == ETH_P_IPV6_BE)
		return parse_ipv6(f, p, end, evflags);
	return 0;
}

/* ---- the user's flow filter ----------------------------------------------------------------- */
static __always_inline bool addr_eq(const __u8 *a, const volatile __u8 *b, __u8 l3)
{
	int n = l3 == 4 ? 4 : 16;
#pragma unroll
	for (int i = 0; i < 16; i++) {
		if (i < n && a[i] != b[i])
			return false;
	}
	return true;
}

static __always_inline bool filter_match(struct ipft_flow *f)
{
	if (f_ipver && f->l3 != f_ipver)
		return false;
	if (f_saddr_on && !addr_eq(f->saddr, f_saddr, f->l3))
		return false;
	if (f_daddr_on && !addr_eq(f->daddr, f_daddr, f->l3))
		return false;
	if (f_proto >= 0 && f->proto != f_proto)
		return false;
	/* Ports select TCP/UDP/SCTP/UDP-Lite flows only (v1 let ICMP through a port filter). */
	bool ports = f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP || f->proto == 132 || f->proto == 136;
	if (f_sport >= 0 && (!ports || f->sport != f_sport))
		return false;
	if (f_dport >= 0 && (!ports || f->dport != f_dport))
		return false;
	return true;
}

/* ---- identity ------------------------------------------------------------------------------- */
static __always_inline __u64 new_trace_id(__u32 cpu)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&id_counter, &zero);
	if (!c)
		return 0;
	*c += 1;
	return ((__u64)(cpu + 1) << 48) | (*c & 0xffffffffffffULL);
}

/* Decides whether this event belongs to a followed packet; fills trace_id/parent_id/flags.
 * Returns false when the packet is not followed. */
static __always_inline bool identify(struct ipft_event *ev, __u64 skbp, __u64 head, bool cloned, bool parsed)
{
	struct ipft_track *t = bpf_map_lookup_elem(&tracked, &skbp);
	if (t) {
		if (ev->ts - t->last_ns > idle_ns) {
			bpf_map_delete_elem(&tracked, &skbp);
			t = NULL;
		} else if (parsed && t->sig_valid && t->sig != ev->flow.sig) {
			/* same pointer, different packet: the old one was freed (maybe without a
			 * tracepoint) and the memory reused */
			if (!t->dead)
				ev->flags |= IPFT_EV_REUSE;
			bpf_map_delete_elem(&tracked, &skbp);
			t = NULL;
		} else if (t->dead) {
			/* the free path after kfree_skb/consume_skb (skb_release_data, kfree_skbmem,
			 * ...): the packet's list has ended; this is not a new packet either */
			return false;
		}
	}
	if (t) {
		ev->trace_id = t->trace_id;
		t->last_ns = ev->ts;
		if (parsed && !t->sig_valid) {
			t->sig = ev->flow.sig;
			t->sig_valid = 1;
		}
		return true;
	}
	if (!head)
		return false;  /* pointer-only hook (net_dev_xmit): nothing to evaluate */

	struct ipft_track nt = { .last_ns = ev->ts, .head = head, .sig = ev->flow.sig, .sig_valid = parsed };
	struct ipft_head *h = cloned ? bpf_map_lookup_elem(&heads, &head) : NULL;
	if (h && (!parsed || !h->sig_valid || h->sig == ev->flow.sig)) {
		ev->parent_id = h->trace_id;
		ev->flags |= IPFT_EV_CLONE;
	} else {
		if (!parsed || !filter_match(&ev->flow))
			return false;
		ev->flags |= IPFT_EV_NEW;
	}
	nt.trace_id = new_trace_id(ev->cpu);
	ev->trace_id = nt.trace_id;
	bpf_map_update_elem(&tracked, &skbp, &nt, BPF_ANY);
	if (!h) {
		struct ipft_head nh = { .trace_id = nt.trace_id, .sig = ev->flow.sig, .sig_valid = parsed };
		bpf_map_update_elem(&heads, &head, &nh, BPF_ANY);
	}
	return true;
}

static __always_inline void forget(__u64 skbp, __u64 head, bool cloned, __u64 now)
{
	struct ipft_track *t = bpf_map_lookup_elem(&tracked, &skbp);
	if (t) {
		t->dead = 1;
		t->last_ns = now;
	}
	/* A clone still holds the data buffer; keep the head so it can be recognised. */
	if (head && !cloned)
		bpf_map_delete_elem(&heads, &head);
}

/* ---- per-event details ---------------------------------------------------------------------- */
#define IFF_LOOPBACK 0x8

static __always_inline void read_dev(struct ipft_event *ev, struct net_device *dev, bool kind)
{
	if (!dev)
		return;
	ev->flags |= IPFT_EV_DEV;
	ev->ifindex = BPF_CORE_READ(dev, ifindex);
	bpf_probe_read_kernel_str(ev->ifname, sizeof(ev->ifname), &dev->name);
	ev->netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	if (kind) {
		if (BPF_CORE_READ(dev, flags) & IFF_LOOPBACK)
			ev->flags |= IPFT_EV_LOOPBACK;
		if (BPF_CORE_READ(dev, rtnl_link_ops))
			ev->flags |= IPFT_EV_VIRTUAL;
	}
}

static __always_inline void read_fields(struct ipft_event *ev, struct sk_buff *skb)
{
#pragma unroll
	for (int i = 0; i < IPFT_FIELDS; i++) {
		if (i >= nfields)
			break;
		__u64 addr = (__u64)skb;
		__u8 base = fields_cfg[i].base;
		if (base == IPFT_BASE_SHINFO)
			addr = (__u64)BPF_CORE_READ(skb, head) + BPF_CORE_READ(skb, end);
		else if (base == IPFT_BASE_SK)
			addr = (__u64)BPF_CORE_READ(skb, sk);
		else if (base == IPFT_BASE_DEV)
			addr = (__u64)BPF_CORE_READ(skb, dev);
		__u8 n = fields_cfg[i].nsteps;
#pragma unroll
		for (int s = 0; s < IPFT_FIELD_STEPS - 1; s++) {
			if (s + 1 >= n || !addr)
				break;
			__u64 next = 0;
			bpf_probe_read_kernel(&next, sizeof(next), (void *)(addr + fields_cfg[i].off[s]));
			addr = next;
		}
		if (!addr || n == 0 || n > IPFT_FIELD_STEPS)
			continue;
		__u32 size = fields_cfg[i].size;
		if (size > IPFT_FIELD_BYTES)
			size = IPFT_FIELD_BYTES;
		bpf_probe_read_kernel(&ev->fields[i * IPFT_FIELD_BYTES], size,
				      (void *)(addr + fields_cfg[i].off[(n - 1) & (IPFT_FIELD_STEPS - 1)]));
	}
}

static __always_inline struct ipft_event *begin_event(__u32 hook)
{
	__u32 zero = 0;
	struct ipft_event *ev = bpf_map_lookup_elem(&scratch, &zero);
	if (!ev)
		return NULL;
	__builtin_memset(ev, 0, EVENT_SHORT);
	ev->ts = bpf_ktime_get_ns();
	ev->hook = hook;
	ev->cpu = bpf_get_smp_processor_id();
	return ev;
}

/* with_fields: the fields area was filled for this event (it holds stale bytes otherwise). */
static __always_inline void emit(struct ipft_event *ev, bool with_fields)
{
	__u64 size = nfields && with_fields ? sizeof(*ev) : EVENT_SHORT;
	ev->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	output_batched(ev, size, LOST_RING);

	__u32 zero = 0;
	struct ipft_cpu_last *last = bpf_map_lookup_elem(&cpu_last, &zero);
	if (last) {
		last->trace_id = ev->trace_id;
		last->ns = ev->ts;
		if (ev->flags & IPFT_EV_PARSED) {
			last->sport = ev->flow.sport;
			last->dport = ev->flow.dport;
			last->proto = ev->flow.proto;
		}
	}
}

/* Remember this packet as the last one of its flow (ports only: what a connected socket has). */
static __always_inline void note_flow(struct ipft_event *ev)
{
	__u8 proto = ev->flow.proto;
	if (!ev->netns || (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_UDPLITE))
		return;
	struct ipft_flow_key k;
	__builtin_memset(&k, 0, sizeof(k));
	__builtin_memcpy(k.saddr, ev->flow.saddr, sizeof(k.saddr));
	__builtin_memcpy(k.daddr, ev->flow.daddr, sizeof(k.daddr));
	k.netns = ev->netns;
	k.sport = ev->flow.sport;
	k.dport = ev->flow.dport;
	k.l3 = ev->flow.l3;
	k.proto = proto;
	struct ipft_flow_last *v = bpf_map_lookup_elem(&flow_last, &k);
	if (v && v->trace_id == ev->trace_id) {
		v->ns = ev->ts;  /* the common case, a later hop of the same packet: no update */
		return;
	}
	struct ipft_flow_last nv = { .trace_id = ev->trace_id, .ns = ev->ts };
	bpf_map_update_elem(&flow_last, &k, &nv, BPF_ANY);
}

/* One skb event: identity, then details, then the ring buffer. */
static __always_inline int on_skb(__u32 hook, struct sk_buff *skb, __u8 slot_flags,
				  struct net_device *dev, __u64 a, __u64 b)
{
	if (!skb)
		return 0;
	struct ipft_event *ev = begin_event(hook);
	if (!ev)
		return 0;
	ev->skb = (__u64)skb;
	ev->a = a;
	ev->b = b;
	if (slot_flags & IPFT_SLOT_NODEREF) {
		if (!identify(ev, ev->skb, 0, false, false))
			return 0;
		read_dev(ev, dev, true);
		emit(ev, false);
		return 0;
	}

	__u64 head = (__u64)BPF_CORE_READ(skb, head);
	bool cloned = BPF_CORE_READ_BITFIELD_PROBED(skb, cloned);
	bool parsed = parse_skb(skb, &ev->flow, &ev->flags);
	if (parsed)
		ev->flags |= IPFT_EV_PARSED;
	if (cloned)
		ev->flags |= IPFT_EV_CLONED;
	if (!parsed) {
		/* Not IP at all (a unix socket's skb has protocol 0): whatever this pointer carried
		 * before, it is another buffer now. Without this, a freed-silently packet's pointer
		 * reused for a local datagram would be taken for the same packet (no signature to
		 * compare). */
		__u16 proto = BPF_CORE_READ(skb, protocol);
		if (proto != ETH_P_IP_BE && proto != ETH_P_IPV6_BE) {
			bpf_map_delete_elem(&tracked, &ev->skb); /* one lookup; a miss is fine */
			return 0;
		}
	}
	if (!identify(ev, ev->skb, head, cloned, parsed))
		return 0;

	ev->len = BPF_CORE_READ(skb, len);
	ev->mark = BPF_CORE_READ(skb, mark);
	if (!dev)
		dev = BPF_CORE_READ(skb, dev);
	read_dev(ev, dev, false);
	if (!ev->netns)
		ev->netns = BPF_CORE_READ(skb, sk, __sk_common.skc_net.net, ns.inum);
	struct skb_shared_info *sh = (void *)(head + BPF_CORE_READ(skb, end));
	ev->gso_size = BPF_CORE_READ(sh, gso_size);
	ev->gso_segs = BPF_CORE_READ(sh, gso_segs);
	ev->gso_type = BPF_CORE_READ(sh, gso_type);
	if (nfields)
		read_fields(ev, skb);

	if (slot_flags & IPFT_SLOT_EOL) {
		ev->flags |= IPFT_EV_EOL;
		forget(ev->skb, head, cloned, ev->ts);
	}
	if (parsed)
		note_flow(ev);
	emit(ev, true);
	return 0;
}

/* Sockets without a peer (unconnected UDP, raw and ping sockets, listeners) are joined to the
 * last packet event on this CPU: their hooks fire in the softirq that delivers the packet,
 * microseconds after its last hop, so the window only keeps a stale entry from matching
 * (ports are checked too). Connected sockets are joined by flow instead (sock_flow). */
#define SOCK_JOIN_NS 10000000ULL

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

/* The flow of the packets a connected socket receives (remote -> local); false when the socket
 * has no peer. An AF_INET6 socket talking to an IPv4-mapped address receives IPv4 packets. */
static __always_inline bool sock_flow(struct sock *sk, __u32 netns, struct ipft_flow_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	__u16 rport = BPF_CORE_READ(sk, __sk_common.skc_dport);
	if (!rport)
		return false;
	k->netns = netns;
	k->sport = bpf_ntohs(rport);
	k->dport = BPF_CORE_READ(sk, __sk_common.skc_num);
	k->proto = BPF_CORE_READ(sk, sk_protocol);
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_INET6 && bpf_core_field_exists(sk->__sk_common.skc_v6_daddr)) {
		struct in6_addr ra = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		if (ra.in6_u.u6_addr32[0] || ra.in6_u.u6_addr32[1] || ra.in6_u.u6_addr32[2] != bpf_htonl(0xffff)) {
			struct in6_addr la = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
			k->l3 = 6;
			__builtin_memcpy(k->saddr, &ra, 16);
			__builtin_memcpy(k->daddr, &la, 16);
			return true;
		}
	} else if (family != AF_INET) {
		return false;
	}
	__be32 ra4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	__be32 la4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
	k->l3 = 4;
	__builtin_memcpy(k->saddr, &ra4, 4);
	__builtin_memcpy(k->daddr, &la4, 4);
	return true;
}

/* TCP states only the socket's owner moves to (connect, close, listen), never a packet. */
static __always_inline bool user_tcp_state(__u64 st)
{
	return st == TCP_SYN_SENT || st == TCP_FIN_WAIT1 || st == TCP_LAST_ACK || st == TCP_LISTEN;
}

/* A socket event, attributed to the packet that caused it: for a connected socket the last
 * followed packet of its flow (exact whatever CPU and delay); otherwise the packet being
 * processed on this CPU (softirq delivery); for the reader's side, the last packet this socket
 * received. */
static __always_inline int on_sock(__u32 hook, struct sock *sk, __u8 slot_flags, __u64 a, __u64 b)
{
	if (!sk)
		return 0;
	__u64 skp = (__u64)sk;
	__u64 now = bpf_ktime_get_ns();
	__u32 netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	__u64 trace_id = 0;
	if (slot_flags & IPFT_SLOT_SOCK_LATER) {
		__u64 *id = bpf_map_lookup_elem(&sk_last, &skp);
		if (!id)
			return 0;
		trace_id = *id;
		bpf_map_delete_elem(&sk_last, &skp);
	} else {
		__u16 proto = BPF_CORE_READ(sk, sk_protocol);
		struct ipft_flow_key k;
		struct ipft_flow_last *fl = NULL;
		if (sock_flow(sk, netns, &k)) {
			if ((slot_flags & IPFT_SLOT_SOCK_STATE) && proto == IPPROTO_TCP && user_tcp_state(b))
				return 0;
			fl = bpf_map_lookup_elem(&flow_last, &k);
			/* older than the idle timeout: that packet's list has ended */
			if (fl && now > fl->ns && now - fl->ns > idle_ns)
				fl = NULL;
		}
		if (fl) {
			trace_id = fl->trace_id;
		} else {
			/* no peer, or a flow we did not see (NAT, a broadcast): the packet on this CPU */
			__u32 zero = 0;
			struct ipft_cpu_last *last = bpf_map_lookup_elem(&cpu_last, &zero);
			if (!last || !last->trace_id || now - last->ns > SOCK_JOIN_NS)
				return 0;
			if (proto != last->proto)
				return 0;
			if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
				__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
				if (lport != last->dport && lport != last->sport)
					return 0;
			}
			trace_id = last->trace_id;
		}
		bpf_map_update_elem(&sk_last, &skp, &trace_id, BPF_ANY);
	}
	struct ipft_event *ev = begin_event(hook);
	if (!ev)
		return 0;
	ev->ts = now;
	ev->trace_id = trace_id;
	ev->a = a;
	ev->b = b;
	ev->netns = netns;
	ev->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	output_batched(ev, EVENT_SHORT, LOST_RING);
	return 0;
}

#include "ipftrace_standins.h"

/* ---- generic tracepoint slots ---------------------------------------------------------------- */
/* raw_tp args are plain u64s. The index is a load-time constant (frozen .rodata), so the
 * verifier keeps only the branch a slot uses, and the attach-time check of the context size
 * sees only the args that tracepoint has. Each read is inline asm with a constant offset:
 * written in C, clang merges the branches into ctx + 8*i, a variable ctx offset the verifier
 * refuses. */
#define CTX_ARG(ctx, i)                                                                   \
	({                                                                                \
		__u64 __v;                                                                \
		asm volatile("%[v] = *(u64 *)(%[c] + " #i " * 8)" : [v] "=r"(__v) : [c] "r"(ctx)); \
		__v;                                                                      \
	})

static __always_inline __u64 raw_arg(struct bpf_raw_tracepoint_args *ctx, __u8 i)
{
	if (i == 0)
		return CTX_ARG(ctx, 0);
	if (i == 1)
		return CTX_ARG(ctx, 1);
	if (i == 2)
		return CTX_ARG(ctx, 2);
	if (i == 3)
		return CTX_ARG(ctx, 3);
	if (i == 4)
		return CTX_ARG(ctx, 4);
	if (i == 5)
		return CTX_ARG(ctx, 5);
	return 0;
}

static __always_inline int on_slot(struct bpf_raw_tracepoint_args *ctx, __u32 n)
{
	__u8 flags = slots[n].flags;
	__u64 a = slots[n].a_arg != IPFT_ARG_NONE ? raw_arg(ctx, slots[n].a_arg) : 0;
	__u64 b = slots[n].b_arg != IPFT_ARG_NONE ? raw_arg(ctx, slots[n].b_arg) : 0;
	if (flags & (IPFT_SLOT_SOCK | IPFT_SLOT_SOCK_LATER))
		return on_sock(n, (struct sock *)raw_arg(ctx, slots[n].skb_arg), flags, a, b);
	struct net_device *dev = slots[n].dev_arg != IPFT_ARG_NONE ? (void *)raw_arg(ctx, slots[n].dev_arg) : NULL;
	struct sk_buff *skb = (struct sk_buff *)raw_arg(ctx, slots[n].skb_arg);
	if (flags & IPFT_SLOT_KPROBE_LOC)
		a = consume_loc_take((__u64)skb);
	return on_skb(n, skb, flags, dev, a, b);
}

#define SLOT(n) \
	SEC("raw_tp") int tp_slot_##n(struct bpf_raw_tracepoint_args *ctx) { return on_slot(ctx, n); }

SLOT(0) SLOT(1) SLOT(2) SLOT(3) SLOT(4) SLOT(5) SLOT(6) SLOT(7)
SLOT(8) SLOT(9) SLOT(10) SLOT(11) SLOT(12) SLOT(13) SLOT(14) SLOT(15)
SLOT(16) SLOT(17) SLOT(18) SLOT(19) SLOT(20) SLOT(21) SLOT(22) SLOT(23)
SLOT(24) SLOT(25) SLOT(26) SLOT(27) SLOT(28) SLOT(29) SLOT(30) SLOT(31)
SLOT(32) SLOT(33) SLOT(34) SLOT(35) SLOT(36) SLOT(37) SLOT(38) SLOT(39)
SLOT(40) SLOT(41) SLOT(42) SLOT(43) SLOT(44) SLOT(45) SLOT(46) SLOT(47)

/* ---- kernel functions (stock kernels: kprobe / kprobe.multi) ----------------------------------- */
static __always_inline __u64 kprobe_ip(struct pt_regs *ctx)
{
	if (func_ip_helper)
		return bpf_get_func_ip(ctx);
	return PT_REGS_IP(ctx) - 1; /* after the int3 of a plain kprobe */
}

#define FUNC_PROGS(pos, reg)                                                                    \
	SEC("kprobe") int kp_skb##pos(struct pt_regs *ctx)                                        \
	{                                                                                         \
		return on_skb(IPFT_HOOK_FUNC, (struct sk_buff *)reg(ctx), 0, NULL, kprobe_ip(ctx), 0);      \
	}                                                                                         \
	SEC("kprobe.multi") int kpm_skb##pos(struct pt_regs *ctx)                                 \
	{                                                                                         \
		return on_skb(IPFT_HOOK_FUNC, (struct sk_buff *)reg(ctx), 0, NULL, bpf_get_func_ip(ctx), 0);      \
	}

FUNC_PROGS(1, PT_REGS_PARM1)
FUNC_PROGS(2, PT_REGS_PARM2)
FUNC_PROGS(3, PT_REGS_PARM3)
FUNC_PROGS(4, PT_REGS_PARM4)
FUNC_PROGS(5, PT_REGS_PARM5)
