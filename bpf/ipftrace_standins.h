/* Kprobe stand-ins for what older kernels' networking tracepoints lack, so a packet's list looks
 * the same as on new kernels (user space, src/ipftrace/stand-ins.ts, attaches them only where
 * the gap exists and kprobes work). Included by ipftrace.bpf.c after on_skb().
 *
 *   kp_consume_loc         consume_skb before 6.3: its tracepoint has no location. The kprobe
 *                          notes the caller (the return address, the word at the stack pointer
 *                          on function entry on x86-64: the value the 6.3+ tracepoint passes,
 *                          __builtin_return_address(0)) for the consume_skb tracepoint that
 *                          follows on this CPU, which stays the hop (it also fires from
 *                          __consume_stateless_skb and napi_consume_skb).
 *   kp_standin_icmp_send   no icmp_send tracepoint before 6.6: __icmp_send(skb_in, type, code,
 *                          ...) becomes the icmp_send hop, in the slot user space set up for it.
 *   kp_standin_tcp_reset   tcp_send_reset fired only for resets of a full socket before 6.10:
 *                          tcp_v4_send_reset / tcp_v6_send_reset(sk, skb) (sk may be NULL)
 *                          become the tcp_send_reset hop for every reset; the tracepoint is then
 *                          not attached, so no reset is shown twice.
 */
#pragma once

const volatile __u32 standin_icmp_slot = 0;   /* slot (hook id) of the icmp_send stand-in */
const volatile __u32 standin_reset_slot = 0;  /* slot of tcp_send_reset */

/* The last few consume_skb callers on this CPU. The tracepoint follows its kprobe within the
 * same call; an interrupt in between can add its own pair, hence a few entries, matched by skb. */
#define CONSUME_LOC_N 4
#define CONSUME_LOC_NS 10000000ULL  /* an older note is stale (consume_skb of a shared skb
				     * returns without the tracepoint) */

struct ipft_consume_loc {
	__u64 skb[CONSUME_LOC_N];
	__u64 loc[CONSUME_LOC_N];
	__u64 ns[CONSUME_LOC_N];
	__u32 next;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipft_consume_loc);
} consume_loc SEC(".maps");

SEC("kprobe")
int kp_consume_loc(struct pt_regs *ctx)
{
	__u64 skb = PT_REGS_PARM1(ctx);
	__u64 ret = 0;
	__u32 zero = 0;
	if (!skb || bpf_probe_read_kernel(&ret, sizeof(ret), (void *)PT_REGS_SP(ctx)))
		return 0;
	struct ipft_consume_loc *c = bpf_map_lookup_elem(&consume_loc, &zero);
	if (!c)
		return 0;
	__u32 i = c->next++ & (CONSUME_LOC_N - 1);
	c->skb[i] = skb;
	c->loc[i] = ret;
	c->ns[i] = bpf_ktime_get_ns();
	return 0;
}

/* The caller kp_consume_loc noted for this skb (and forget it), or 0. */
static __always_inline __u64 consume_loc_take(__u64 skb)
{
	__u32 zero = 0;
	struct ipft_consume_loc *c = bpf_map_lookup_elem(&consume_loc, &zero);
	if (!c || !skb)
		return 0;
	__u64 now = bpf_ktime_get_ns();
#pragma unroll
	for (int i = 0; i < CONSUME_LOC_N; i++) {
		if (c->skb[i] != skb)
			continue;
		c->skb[i] = 0;
		if (now - c->ns[i] > CONSUME_LOC_NS)
			return 0;
		return c->loc[i];
	}
	return 0;
}

/* int arguments arrive in 64-bit registers whose upper half is undefined; the raw tracepoint
 * passes them sign-extended. */
#define INT_ARG(v) ((__u64)(__s64)(__s32)(v))

SEC("kprobe")
int kp_standin_icmp_send(struct pt_regs *ctx)
{
	return on_skb(standin_icmp_slot, (struct sk_buff *)PT_REGS_PARM1(ctx), 0, NULL,
		      INT_ARG(PT_REGS_PARM2(ctx)), INT_ARG(PT_REGS_PARM3(ctx)));
}

#define TCP_FLAG_RST_BYTE 0x04  /* in byte 13 of the TCP header */

SEC("kprobe")
int kp_standin_tcp_reset(struct pt_regs *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)PT_REGS_PARM2(ctx);
	if (!skb)
		return 0;
	/* The function returns at once for a reset answering a reset (the 6.10+ tracepoint, placed
	 * after that check, does not fire then): skip those too. */
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 th = BPF_CORE_READ(skb, transport_header);
	__u8 fl = 0;
	if (head && th != 0xffff && !bpf_probe_read_kernel(&fl, 1, head + th + 13) && (fl & TCP_FLAG_RST_BYTE))
		return 0;
	return on_skb(standin_reset_slot, skb, 0, NULL, 0, 0);
}
