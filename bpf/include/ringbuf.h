/* Shared ring-buffer plumbing for every tool's BPF object.
 *
 * Why batched wake-ups: libbpf's default (adaptive) notification wakes the consumer almost
 * every few records; on our 2-vCPU machines that made the traced process 3x slower than the
 * hook alone (see shared/reference/node-bpf-runtime.md §D). We submit with BPF_RB_NO_WAKEUP
 * and force a wake-up only when pending data CROSSES rb_wake_threshold; user space also
 * drains on a short timer, so nothing waits long.
 *
 * Every object that includes this header gets:
 *   - the ring buffer map `events` (size set from user space before load),
 *   - `lost_events`: one u64 counter per event class, bumped when a reservation fails,
 *   - `rb_wake_threshold`: a const volatile global set before load.
 */
#pragma once

#ifndef LOST_SLOTS
#define LOST_SLOTS 16
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LOST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

const volatile __u64 rb_wake_threshold = 256 * 1024;

static __always_inline void count_lost(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&lost_events, &slot);
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* Flags for a record of `size` bytes about to be committed: wake the consumer only when this
 * record makes the pending data cross the threshold (forcing while above it would wake per
 * record whenever the consumer lags). */
static __always_inline __u64 wake_flags(__u64 size)
{
	__u64 pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	if (pending >= rb_wake_threshold && pending < rb_wake_threshold + size + 8)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Commit a record obtained with bpf_ringbuf_reserve(). The reservation already counts in
 * AVAIL_DATA, hence the check above includes it. */
static __always_inline void submit_batched(void *rec, __u64 size)
{
	bpf_ringbuf_submit(rec, wake_flags(size));
}

/* Copy `size` bytes from `data` into the ring; counts a loss in `slot` on failure. */
static __always_inline int output_batched(void *data, __u64 size, __u32 slot)
{
	__u64 pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + size + 8;
	__u64 flags = (pending >= rb_wake_threshold && pending < rb_wake_threshold + size + 8)
			      ? BPF_RB_FORCE_WAKEUP
			      : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, data, size, flags)) {
		count_lost(slot);
		return -1;
	}
	return 0;
}
