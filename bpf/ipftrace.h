/* Records and configuration shared by ipftrace.bpf.c and its TypeScript reader
 * (src/ipftrace/layout.generated.ts is generated from the object's BTF, and a unit test checks
 * the reader against it).
 *
 * The BPF side knows nothing about individual tracepoints: user space discovers from BTF every
 * tracepoint whose prototype carries a `struct sk_buff *` and gives each one a generic program
 * ("slot") plus a description of where its arguments are (struct ipft_slot, a const volatile
 * array, so the verifier sees constants and prunes what a slot does not use).
 */
#pragma once

#define IPFT_SLOTS 48        /* generic tracepoint programs (this kernel has 30 skb tracepoints) */
#define IPFT_FIELDS 8        /* user BTF field paths (-f) */
#define IPFT_FIELD_STEPS 4   /* pointer hops per field path */
#define IPFT_FIELD_BYTES 16  /* bytes captured per field */
#define IPFT_ARG_NONE 0xff

enum ipft_slot_flags {
	IPFT_SLOT_EOL = 1,       /* the skb's life ends here (kfree_skb, consume_skb): stop tracking it */
	IPFT_SLOT_NODEREF = 2,   /* the skb may already be gone (net_dev_xmit): use the pointer only */
	IPFT_SLOT_SOCK = 4,      /* socket hook: the arg is a struct sock *, joined to the packet it got
				  * (by flow for a connected socket, else the packet on this CPU) */
	IPFT_SLOT_SOCK_LATER = 8,/* socket hook in process context (sock_recv_length): joined by socket */
	IPFT_SLOT_SOCK_STATE = 16,/* with SOCK: b is the new TCP state (inet_sock_set_state) */
	IPFT_SLOT_KPROBE_LOC = 32,/* a = the caller noted by kp_consume_loc for this skb (consume_skb
				   * before Linux 6.3 has no location argument; ipftrace_standins.h) */
};

/* Where a slot finds its arguments; indexes into the tracepoint's args, IPFT_ARG_NONE = absent. */
struct ipft_slot {
	__u8 skb_arg;  /* struct sk_buff * (or struct sock * for IPFT_SLOT_SOCK*) */
	__u8 a_arg;    /* two scalar args recorded as they are (location, reason, rc, type...) */
	__u8 b_arg;
	__u8 dev_arg;  /* struct net_device *, when the tracepoint passes one */
	__u8 flags;    /* enum ipft_slot_flags */
	__u8 pad[3];
};

/* A user field path such as skb->dev->mtu, compiled by user space from BTF: start at `base`,
 * follow the pointers at off[0..nsteps-2], then read `size` bytes at off[nsteps-1]. */
enum ipft_field_base { IPFT_BASE_SKB = 0, IPFT_BASE_SHINFO = 1, IPFT_BASE_SK = 2, IPFT_BASE_DEV = 3 };

struct ipft_field {
	__u8 base;
	__u8 nsteps;
	__u8 size;
	__u8 pad;
	__u32 off[IPFT_FIELD_STEPS];
};

enum ipft_hook_id {
	IPFT_HOOK_FUNC = 0xfffe,  /* a kernel function: see func_ip */
};

enum ipft_ev_flags {
	IPFT_EV_NEW = 1,        /* first event of a trace (the filter matched here) */
	IPFT_EV_CLONE = 2,      /* first event of a clone of trace parent_id (shares its data) */
	IPFT_EV_REUSE = 4,      /* the pointer belonged to another packet before (that trace ended) */
	IPFT_EV_PARSED = 8,     /* flow holds headers parsed at this hop */
	IPFT_EV_NONLINEAR = 16, /* L4 header not in the linear area: no ports */
	IPFT_EV_EOL = 32,       /* the skb was freed here */
	IPFT_EV_DEV = 64,       /* ifindex/ifname/dev_flags are valid */
	IPFT_EV_CLONED = 128,   /* skb->cloned was set */
	IPFT_EV_LOOPBACK = 256, /* the device is a loopback (IFF_LOOPBACK) */
	IPFT_EV_VIRTUAL = 512,  /* the device has a link kind (veth, bridge, vxlan, tun...): its
				 * transmissions come back into the stack or go to user space */
};

struct ipft_flow {
	__u8 saddr[16];  /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u16 sport;     /* host order; ICMP: 0 */
	__u16 dport;
	__u8 l3;         /* 4, 6, or 0 when not parsed */
	__u8 proto;
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 pad[3];
	/* Packet signature: IPv4 id and length, TCP seq/ack, ICMP id/seq, IPv6 flow label and
	 * length. Stable along the path, different for the next packet: tells a reused skb pointer
	 * (or a recycled data buffer) from the packet we followed. */
	__u32 sig;
};

/* One hop. Kept small (168 bytes without fields): a burst of hops has to fit in the ring while
 * the consumer catches up. */
struct ipft_event {
	__u64 ts;
	__u64 trace_id;
	__u64 parent_id;
	__u64 skb;
	__u64 a;         /* slot's a_arg value (kfree_skb: location; net_dev_xmit: rc); function
			  * hooks: the function's address */
	__u64 b;         /* slot's b_arg value (kfree_skb: reason) */
	__u32 hook;      /* slot index, or IPFT_HOOK_FUNC */
	__u32 flags;     /* enum ipft_ev_flags */
	__u32 len;
	__u32 ifindex;
	__u32 netns;
	__u32 mark;
	__u32 pid;
	__u16 cpu;
	__u16 gso_size;
	__u32 gso_type;
	__u16 gso_segs;
	__u16 pad;
	char comm[16];
	char ifname[16];
	struct ipft_flow flow;
	__u8 fields[IPFT_FIELDS * IPFT_FIELD_BYTES]; /* only sent when fields are configured */
};
