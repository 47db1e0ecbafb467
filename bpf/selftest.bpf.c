// SPDX-License-Identifier: GPL-2.0
/* A tiny BPF object used only by the runtime's own tests (test/integration/runtime.test.ts).
 *
 * selftest_ppid: for every syscall `target_syscall` (default getppid) made by `target_tgid`,
 * emit one record through the shared batched ring buffer (include/ringbuf.h). The record's
 * `arg` is the syscall's first argument register plus `arg_bias`, so a test can issue
 * syscall(SYS_getppid, i) and check that record i arrived exactly once and in order.
 *
 * percpu_hits counts matched syscalls per CPU (exercises per-CPU map lookups).
 *
 * selftest_ppid_b: its backup copy for preemptible syscall tracepoints (off by default).
 *
 * selftest_bad: deliberately rejected by the verifier (it dereferences a map lookup result
 * without a NULL check). The `?` prefix turns autoload off, so the object loads normally
 * unless a test calls setAutoload('selftest_bad', true) to exercise verifier-error reporting.
 *
 * selftest_noatt: loads fine but cannot attach (its tracepoint does not exist); also off by
 * default, for attach-error reporting.
 *
 * Program names stay within 15 characters: the kernel (and so bpftool) truncates longer ones.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ringbuf.h"

char LICENSE[] SEC("license") = "GPL";

struct selftest_record {
	__u64 seq;
	__u32 tgid;
	__u32 arg;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} percpu_hits SEC(".maps");

/* .rodata: frozen at load, patched by BpfObject.setGlobal*() before load. */
const volatile __u32 target_tgid = 0;
const volatile __u32 target_syscall = 110; /* __NR_getppid on x86_64 */
const volatile bool enabled = true;
/* Submit with libbpf's default adaptive notification (the kernel wakes the consumer when it
 * has caught up) instead of submit_batched(): lets tests run the consumer without its drain
 * timer. */
const volatile bool adaptive_wakeup = false;

/* .data (forced; a zero-initialised global would land in .bss): added to every `arg`. */
__u32 arg_bias SEC(".data") = 0;

/* .bss: running sequence number shared by all CPUs; a test may patch its start value. */
__u64 next_seq;

/* Backup copy (selftest_ppid_b, autoload off): on kernels that run syscall-tracepoint
 * programs preemptibly (6.13+), the kernel skips selftest_ppid for a hit while another
 * thread's run of it is preempted on the CPU; the production tools load a second copy for
 * that (include/backup_hooks.h), and so can a test that counts every call. `first_ran` is the
 * mark: only the target thread passes the filters, so one variable serves. */
const volatile bool backup = false;
__u32 first_ran;

static __always_inline int record_call(struct pt_regs *regs)
{
	struct selftest_record *rec;
	__u32 zero = 0, *hits;

	hits = bpf_map_lookup_elem(&percpu_hits, &zero);
	if (hits)
		*hits += 1;

	rec = bpf_ringbuf_reserve(&events, sizeof(*rec), 0);
	if (!rec) {
		count_lost(0);
		return 0;
	}
	/* A plain increment: the traced calls come from one thread, one after another. (An
	 * atomic fetch-add would need Linux 5.12; the runtime tests run on 5.10 too.) */
	rec->seq = next_seq++;
	rec->tgid = target_tgid;
	rec->arg = (__u32)BPF_CORE_READ(regs, di) + arg_bias;
	if (adaptive_wakeup)
		bpf_ringbuf_submit(rec, 0);
	else
		submit_batched(rec, sizeof(*rec));
	return 0;
}

static __always_inline bool is_target(long id)
{
	return enabled && id == target_syscall && (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(selftest_ppid, struct pt_regs *regs, long id)
{
	if (!is_target(id))
		return 0;
	if (backup)
		first_ran = 1;
	return record_call(regs);
}

SEC("?tp_btf/sys_enter")
int BPF_PROG(selftest_ppid_b, struct pt_regs *regs, long id)
{
	if (!is_target(id))
		return 0;
	if (first_ran) {
		first_ran = 0;
		return 0;
	}
	return record_call(regs);
}

SEC("?tp_btf/sys_enter")
int BPF_PROG(selftest_bad, struct pt_regs *regs, long id)
{
	/* A key the verifier cannot bound (with a constant in-range key, recent kernels know an
	 * array lookup cannot fail). */
	__u32 key = bpf_get_prandom_u32();
	__u64 *counter = bpf_map_lookup_elem(&lost_events, &key);

	/* Invalid on purpose: `counter` may be NULL and the verifier must say so. */
	return *counter == 42;
}

SEC("?tracepoint/ipcdump_selftest/no_such_event")
int selftest_noatt(void *ctx)
{
	return 0;
}
