// SPDX-License-Identifier: GPL-2.0
/* ebpftracer's kernel half: records any syscall, driven by the `schema` map (see ebpftracer.h).
 *
 * Hooks: tp_btf/sys_enter and tp_btf/sys_exit (the raw syscall tracepoints). Unlike the
 * per-syscall `syscalls:sys_enter_*` events ebpfpub used, they also fire for ia32 (`int 0x80`)
 * calls, which we recognise by TS_COMPAT and decode with the i386 register set. An untraced
 * syscall costs one array lookup.
 *
 * Entry: filters (self, pid/comm/uid), save the arguments in `inflight` keyed by thread id, and
 * if the schema reads input memory (paths, sockaddr, argv, write buffers) emit an ENTER record
 * right away: those values are what the kernel used (no TOCTOU) and survive a successful execve.
 * Exit: pair by thread id (an exit without an entry, e.g. a seccomp denial, is rebuilt from
 * pt_regs), read output memory sized by the return value, emit an EXIT record. User space joins
 * ENTER and EXIT by (tid, ts).
 *
 * All staging is in a scratch slot the thread owns while its program runs (include/scratch.h):
 * records are up to 64 KiB, the stack is 512 bytes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#define LOST_SLOTS 4
#include "ebpftracer.h"
#include "ringbuf.h"
#include "legacy.h"
#include "scratch.h"
#include "backup_hooks.h"

char LICENSE[] SEC("license") = "GPL";

/* lost_events slots */
#define LOST_RING 0      /* ring buffer full */
#define LOST_NO_ENTER 1  /* not a loss: exits seen without an entry */
#define LOST_INFLIGHT 2  /* inflight map update failed */

const volatile __u32 self_tgid = 0;
const volatile bool filter_pid_on = false;
const volatile bool filter_comm_on = false;
const volatile bool filter_uid_on = false;
const volatile bool failed_only = false;
const volatile bool follow_children = false;

#define TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SC_MAX_NR);
	__type(key, __u32);
	__type(value, struct sc_schema);
} schema SEC(".maps");

/* i386 syscall number -> x86-64 number with the same argument meaning (0xFFFF: none). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SC_MAX_NR);
	__type(key, __u32);
	__type(value, __u16);
} ia32_to_64 SEC(".maps");

struct sc_inflight {
	__u64 ts;
	__u64 args[SC_NARGS];
	__u32 uid;
	__u32 gid;
	__u16 nr;
	__u16 native_nr;
	__u8 compat;
	__u8 retry;     /* bit i: entry read of arg i faulted, read it again at exit */
	__u8 enter_rec; /* an ENTER record was emitted */
	__u8 pad;
};

/* LRU: a thread killed mid-call or an exit we never see cannot leak entries. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct sc_inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

struct comm_key {
	char comm[16];
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct comm_key);
	__type(value, __u8);
} filter_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} filter_uids SEC(".maps");

/* Staging area. `rec` is large enough that every masked write offset stays inside it:
 * a capture starts below SC_REC_MAX (mask) and is at most SC_ARG_MAX long. */
#define REC_MASK (SC_REC_MAX - 1)
#define ARG_MASK (SC_ARG_MAX - 1)
struct sc_scratch {
	__u64 owner;      /* the thread holding this slot (include/scratch.h); kept first, as in ipcdump */
	struct sc_inflight c;
	struct sc_schema sch;
	__u32 off;        /* write offset in rec */
	__u32 loop_i;     /* loop state (bpf_loop, or the legacy build's loop; kept here, not on the stack: see ipcdump.bpf.c) */
	__u64 loop_base;  /* array being walked */
	__u32 loop_used;  /* bytes captured so far */
	__u32 loop_max;   /* byte limit */
	__u32 loop_n;     /* elements read */
	__u8 loop_psize;  /* pointer size of the caller (4 for ia32) */
	__u8 loop_fault;
	__u8 loop_trunc;
	__u8 any_fault;   /* some capture of this record faulted */
	__u8 any_trunc;   /* some capture was cut or left out */
	__u8 rec[SC_REC_MAX + SC_ARG_MAX + 64];
};

/* A plain ARRAY of slots, each owned by one thread at a time (include/scratch.h; PERCPU_ARRAY
 * values are limited to 32 KiB anyway). max_entries and scratch_mask are set by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sc_scratch);
} scratch SEC(".maps");

/* Keep the shared structs in BTF for the layout generator. */
struct sc_hdr *unused_sc_hdr __attribute__((unused));
struct sc_cap *unused_sc_cap __attribute__((unused));
struct sc_schema *unused_sc_schema __attribute__((unused));
enum sc_rec_kind *unused_sc_rec_kind __attribute__((unused));
enum sc_rec_flags *unused_sc_rec_flags __attribute__((unused));
enum sc_cap_kind *unused_sc_cap_kind __attribute__((unused));
enum sc_len_src *unused_sc_len_src __attribute__((unused));
enum sc_when *unused_sc_when __attribute__((unused));
enum sc_cap_status *unused_sc_cap_status __attribute__((unused));
enum sc_schema_flags *unused_sc_schema_flags __attribute__((unused));

DEFINE_SCRATCH(scratch, struct sc_scratch)

static __always_inline bool is_compat(void)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *t = CURRENT_TASK();
	return TASK_READ(t, thread_info.status) & TS_COMPAT;
#else
	return false;
#endif
}

/* The syscall's arguments from the user registers of the caller's ABI. For ia32 they are in
 * bx, cx, dx, si, di, bp (32 bits each); di etc. may hold stale 64-bit values then. */
static __always_inline void read_args(struct pt_regs *regs, bool compat, __u64 *a)
{
#if defined(__TARGET_ARCH_x86)
	if (compat) {
		a[0] = (__u32)regs->bx;
		a[1] = (__u32)regs->cx;
		a[2] = (__u32)regs->dx;
		a[3] = (__u32)regs->si;
		a[4] = (__u32)regs->di;
		a[5] = (__u32)regs->bp;
		return;
	}
	a[0] = regs->di;
	a[1] = regs->si;
	a[2] = regs->dx;
	a[3] = regs->r10;
	a[4] = regs->r8;
	a[5] = regs->r9;
#else
	a[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	a[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	a[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	a[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
	a[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
	a[5] = BPF_CORE_READ(regs, regs[5]);
#endif
}

/* The x86-64 number for this call, or -1 when it cannot be recorded. */
static __always_inline long native_to_64(long nr, bool compat)
{
	if (nr < 0 || nr >= SC_MAX_NR)
		return -1;
	if (!compat)
		return nr;
	__u32 k = nr;
	__u16 *m = bpf_map_lookup_elem(&ia32_to_64, &k);
	if (!m || *m == 0xFFFF)
		return -1;
	return *m;
}

static __always_inline bool pass_filters(__u32 tgid)
{
	if (filter_pid_on && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return false;
	if (filter_uid_on) {
		__u32 uid = (__u32)bpf_get_current_uid_gid();
		if (!bpf_map_lookup_elem(&filter_uids, &uid))
			return false;
	}
	if (filter_comm_on) {
		struct comm_key k = {};
		bpf_get_current_comm(k.comm, sizeof(k.comm));
		if (!bpf_map_lookup_elem(&filter_comms, &k))
			return false;
	}
	return true;
}

/* ---- captures ------------------------------------------------------------------------- */

/* bpf_loop step for SC_CAP_ARGV: read pointer i, then its string. */
static long argv_step(__u32 i, void *unused)
{
	struct sc_scratch *s = get_scratch();
	if (!s)
		return 1;
	__u64 p = 0;
	__u64 at = s->loop_base + (__u64)i * s->loop_psize;
	if (bpf_probe_read_user(&p, s->loop_psize == 4 ? 4 : 8, (void *)at)) {
		s->loop_fault = 1;
		return 1;
	}
	if (!p)
		return 1;
	if (s->loop_used >= s->loop_max) {
		s->loop_trunc = 1;
		return 1;
	}
	__u32 room = s->loop_max - s->loop_used;
	__u32 off = s->off + sizeof(struct sc_cap) + s->loop_used;
	long n = bpf_probe_read_user_str(&s->rec[off & REC_MASK], room & ARG_MASK, (void *)p);
	if (n < 0) {
		s->loop_fault = 1;
		return 1;
	}
	s->loop_used += n;
	s->loop_n++;
	if (n >= room) {
		s->loop_trunc = 1;
		return 1;
	}
	return 0;
}

/* bpf_loop step for SC_CAP_IOV: copy iovec i's data until loop_max bytes. */
static long iov_step(__u32 i, void *unused)
{
	struct sc_scratch *s = get_scratch();
	if (!s)
		return 1;
	if (i >= s->loop_n || s->loop_used >= s->loop_max)
		return 1;
	__u64 v[2] = {};
	if (s->loop_psize == 4) {
		__u32 v32[2] = {};
		if (bpf_probe_read_user(v32, sizeof(v32), (void *)(s->loop_base + (__u64)i * 8))) {
			s->loop_fault = 1;
			return 1;
		}
		v[0] = v32[0];
		v[1] = v32[1];
	} else if (bpf_probe_read_user(v, sizeof(v), (void *)(s->loop_base + (__u64)i * 16))) {
		s->loop_fault = 1;
		return 1;
	}
	__u32 room = s->loop_max - s->loop_used;
	__u64 n = v[1] < room ? v[1] : room;
	__u32 off = s->off + sizeof(struct sc_cap) + s->loop_used;
	if (n && bpf_probe_read_user(&s->rec[off & REC_MASK], n & ARG_MASK, (void *)v[0])) {
		s->loop_fault = 1;
		return 1;
	}
	s->loop_used += n;
	s->loop_i = i + 1;
	return 0;
}

LOOP_STEP(argv_step)
LOOP_STEP(iov_step)

/* Read one argument's memory into the record at s->off. Returns 1 when a capture was added. */
static __noinline int capture(struct sc_scratch *s, __u32 i, long ret, __u32 phase)
{
	if (i >= SC_NARGS)
		return 0;
	struct sc_arg_spec *spec = &s->sch.args[i];
	__u8 kind = spec->kind;
	if (kind == SC_CAP_NONE)
		return 0;
	bool retry = phase == SC_AT_EXIT && (s->c.retry & (1 << i));
	if (spec->when != phase && !retry)
		return 0;
	/* Output memory of a failed call holds nothing the call wrote. */
	if (phase == SC_AT_EXIT && spec->when == SC_AT_EXIT && ret < 0)
		return 0;

	__u32 off = s->off;
	if (off > SC_REC_MAX - sizeof(struct sc_cap) - 8) {
		s->any_trunc = 1; /* record full: the argument is left out */
		return 0;
	}
	__u32 room = SC_REC_MAX - sizeof(struct sc_cap) - off;
	__u32 max = spec->max;
	if (max > room)
		max = room;
	if (max > SC_ARG_MAX - 8)
		max = SC_ARG_MAX - 8;

	struct sc_cap *cap = (struct sc_cap *)&s->rec[off & REC_MASK];
	__u64 ptr = s->c.args[i];
	__u8 status = SC_ST_OK;
	__u32 len = 0;
	__u16 count = 0;
	void *dst = &s->rec[(off + sizeof(struct sc_cap)) & REC_MASK];

	if (!ptr) {
		status = SC_ST_NULL;
		goto done;
	}
	if (kind == SC_CAP_STR) {
		long n = bpf_probe_read_user_str(dst, max & ARG_MASK, (void *)ptr);
		if (n < 0) {
			status = SC_ST_FAULT;
		} else {
			len = n;
			if (n >= max)
				status = SC_ST_TRUNC;
		}
		goto done;
	}
	if (kind == SC_CAP_ARGV) {
		s->loop_base = ptr;
		s->loop_used = 0;
		s->loop_max = max;
		s->loop_n = 0;
		s->loop_psize = s->c.compat ? 4 : 8;
		s->loop_fault = 0;
		s->loop_trunc = 0;
		RUN_LOOP(SC_ARGV_MAX, argv_step);
		len = s->loop_used;
		count = s->loop_n;
		status = s->loop_fault ? SC_ST_FAULT : s->loop_trunc ? SC_ST_TRUNC : SC_ST_OK;
		if (count == SC_ARGV_MAX)
			status = SC_ST_TRUNC;
		goto done;
	}

	/* SC_CAP_BYTES / SC_CAP_IOV: how many bytes? */
	__u64 want = max;
	__u8 src = spec->len_src;
	__u32 la = spec->len_arg;
	if (src == SC_LEN_ARG) {
		want = la < SC_NARGS ? s->c.args[la & 7] : 0;
	} else if (src == SC_LEN_RET) {
		want = ret > 0 ? ret : 0;
	} else if (src == SC_LEN_ARGPTR) {
		__u32 v = 0;
		__u64 p = la < SC_NARGS ? s->c.args[la & 7] : 0;
		if (!p || bpf_probe_read_user(&v, sizeof(v), (void *)p)) {
			status = p ? SC_ST_FAULT : SC_ST_NULL;
			goto done;
		}
		want = v;
	}
	if (kind == SC_CAP_IOV) {
		/* len_arg names the iovec count; the byte total is the return value (readv) or the
		 * sum of the iovec lengths (writev, bounded by max). */
		s->loop_base = ptr;
		s->loop_used = 0;
		s->loop_max = src == SC_LEN_RET ? (want < max ? want : max) : max;
		__u64 cnt = la < SC_NARGS ? s->c.args[la & 7] : 0;
		s->loop_n = cnt < SC_IOV_MAX ? cnt : SC_IOV_MAX;
		s->loop_i = 0;
		s->loop_psize = s->c.compat ? 4 : 8;
		s->loop_fault = 0;
		if (src == SC_LEN_RET && want == 0) {
			status = SC_ST_EMPTY;
			goto done;
		}
		RUN_LOOP(SC_IOV_MAX, iov_step);
		len = s->loop_used;
		count = s->loop_i;
		if (s->loop_fault)
			status = SC_ST_FAULT;
		else if (s->loop_used >= s->loop_max && (src != SC_LEN_RET || want > max))
			status = SC_ST_TRUNC;
		goto done;
	}
	if (want == 0) {
		status = SC_ST_EMPTY;
		goto done;
	}
	len = want < max ? want : max;
	/* Keep the mask in the code: clang proves len <= max and drops it, and older verifiers
	 * (6.1) cannot follow that bound, refusing the read ("R2 min value is negative"). */
	barrier_var(len);
	if (bpf_probe_read_user(dst, len & ARG_MASK, (void *)ptr)) {
		status = SC_ST_FAULT;
		len = 0;
	} else if (want > len) {
		status = SC_ST_TRUNC;
	}
done:
	len &= ARG_MASK;
	cap->index = i;
	cap->status = status;
	cap->count = count;
	cap->len = len;
	s->off = off + sizeof(struct sc_cap) + ((len + 7) & ~7);
	if (status == SC_ST_FAULT) {
		s->any_fault = 1;
		if (phase == SC_AT_ENTER)
			s->c.retry |= 1 << i;
	}
	if (status == SC_ST_TRUNC)
		s->any_trunc = 1;
	return 1;
}

#ifdef BPF_LEGACY
/* Kernels before 5.17 (include/legacy.h): their verifier re-walks a static function at every
 * call, and six calls of capture() with its loops inside exceed the 1M-instruction budget.
 * A global function is verified once; it finds the scratch itself (5.10 global functions
 * take scalars only). */
__noinline int capture_g(__u32 i, long ret, __u32 phase)
{
	struct sc_scratch *s = get_scratch();
	return s ? capture(s, i, ret, phase) : 0;
}
#define CAPTURE(s, i, ret, phase) capture_g(i, ret, phase)
#else
#define CAPTURE(s, i, ret, phase) capture(s, i, ret, phase)
#endif

/* Fill the header at rec[0] and append the captures of `phase`. Returns the record size. */
static __always_inline __u32 build_record(struct sc_scratch *s, __u16 kind, __u16 flags, long ret,
					  __u64 now, __u32 phase)
{
	struct sc_hdr *h = (struct sc_hdr *)s->rec;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	s->off = sizeof(struct sc_hdr);
	s->any_fault = 0;
	s->any_trunc = 0;
	__u16 ncap = 0;
	for (__u32 i = 0; i < SC_NARGS; i++)
		ncap += CAPTURE(s, i, ret, phase);

	h->kind = kind;
	h->ts = s->c.ts;
	h->duration = kind == SC_REC_EXIT && !(flags & SC_F_NO_ENTER) ? now - s->c.ts : 0;
	h->tgid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->uid = s->c.uid;
	h->gid = s->c.gid;
	h->nr = s->c.nr;
	h->native_nr = s->c.native_nr;
	h->ncap = ncap;
	h->pad = 0;
	h->ret = ret;
	for (int i = 0; i < SC_NARGS; i++)
		h->args[i] = s->c.args[i];
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	if (s->c.compat)
		flags |= SC_F_COMPAT;
	if (s->any_fault)
		flags |= SC_F_FAULT;
	if (s->any_trunc)
		flags |= SC_F_TRUNC;
	h->flags = flags;
	__u32 size = s->off;
	if (size > SC_REC_MAX)
		size = SC_REC_MAX;
	h->size = size;
	return size;
}

static __always_inline void emit(struct sc_scratch *s, __u32 size)
{
	if (size < sizeof(struct sc_hdr) || size > SC_REC_MAX)
		return;
	output_batched(s->rec, size, LOST_RING);
}

/* The enabled schema for native syscall `id` of the current task, or NULL when untraced. */
static __always_inline struct sc_schema *traced_schema(long id, bool compat, long *nr64)
{
	*nr64 = native_to_64(id, compat);
	if (*nr64 < 0)
		return NULL;
	__u32 key = *nr64;
	struct sc_schema *sch = bpf_map_lookup_elem(&schema, &key);
	return sch && sch->enabled ? sch : NULL;
}

/* Start a call record in scratch: arguments from the registers, identity of the caller. */
static __always_inline void begin_call(struct sc_scratch *s, struct sc_schema *sch, struct pt_regs *regs,
				       long id, long nr64, bool compat, __u64 ts)
{
	__u64 ug = bpf_get_current_uid_gid();
	s->sch = *sch;
	s->c.ts = ts;
	read_args(regs, compat, s->c.args);
	s->c.uid = (__u32)ug;
	s->c.gid = ug >> 32;
	s->c.nr = nr64;
	s->c.native_nr = id;
	s->c.compat = compat;
	s->c.retry = 0;
	s->c.enter_rec = 0;
}

/* ---- hooks ------------------------------------------------------------------------------ */

static __always_inline int sc_enter_body(struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (tgid == self_tgid)
		return 0;
	bool compat = is_compat();
	long nr64;
	struct sc_schema *sch = traced_schema(id, compat, &nr64);
	if (!sch || !pass_filters(tgid))
		return 0;
	struct sc_scratch *s = get_scratch();
	if (!s)
		return SCRATCH_USED;
	begin_call(s, sch, regs, id, nr64, compat, bpf_ktime_get_ns());

	if (s->sch.flags & SC_S_NO_RETURN) {
		emit(s, build_record(s, SC_REC_SINGLE, 0, 0, s->c.ts, SC_AT_ENTER));
		return SCRATCH_USED;
	}
	if (s->sch.enter_caps) {
		emit(s, build_record(s, SC_REC_ENTER, 0, 0, s->c.ts, SC_AT_ENTER));
		s->c.enter_rec = 1;
	}
	__u32 tid = (__u32)pid_tgid;
	if (bpf_map_update_elem(&inflight, &tid, &s->c, BPF_ANY))
		count_lost(LOST_INFLIGHT);
	return SCRATCH_USED;
}

static __always_inline int sc_exit_body(struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (tgid == self_tgid)
		return 0;
#if defined(__TARGET_ARCH_arm64)
	long id = regs->syscallno;
#else
	long id = regs->orig_ax;
#endif
	if (id < 0)
		return 0; /* not a syscall (e.g. a signal-return path) */
	__u32 tid = (__u32)pid_tgid;
	struct sc_inflight *c = bpf_map_lookup_elem(&inflight, &tid);
	struct sc_scratch *s;
	__u16 flags = 0;
	__u64 now = bpf_ktime_get_ns();

	if (c && c->native_nr == (__u16)id) {
		s = get_scratch();
		if (!s)
			return SCRATCH_USED;
		s->c = *c;
		bpf_map_delete_elem(&inflight, &tid);
		__u32 key = s->c.nr;
		struct sc_schema *sch = bpf_map_lookup_elem(&schema, &key);
		if (!sch)
			return SCRATCH_USED;
		s->sch = *sch;
		if (s->c.enter_rec)
			flags |= SC_F_ENTER_REC;
	} else {
		/* No entry for this call: a seccomp denial (no sys_enter at all), a call that was
		 * running when we attached, or a clone child's first return. Rebuild from pt_regs. */
		if (c)
			bpf_map_delete_elem(&inflight, &tid); /* stale: its exit was missed */
		bool compat = is_compat();
		long nr64;
		struct sc_schema *sch = traced_schema(id, compat, &nr64);
		if (!sch)
			return 0;
		if ((sch->flags & SC_S_SKIP_ORPHAN_OK) && ret == 0)
			return 0;
		if (!pass_filters(tgid))
			return 0;
		s = get_scratch();
		if (!s)
			return SCRATCH_USED;
		begin_call(s, sch, regs, id, nr64, compat, now);
		/* Entry-time captures were never taken: take them now. */
		__u8 retry = 0;
		for (int i = 0; i < SC_NARGS; i++)
			if (sch->args[i].when == SC_AT_ENTER)
				retry |= 1 << i;
		s->c.retry = retry;
		flags |= SC_F_NO_ENTER;
		count_lost(LOST_NO_ENTER);
	}
	if (failed_only && ret >= 0)
		return SCRATCH_USED;
	emit(s, build_record(s, SC_REC_EXIT, flags, ret, now, SC_AT_EXIT));
	return SCRATCH_USED;
}

/* --follow: children of traced processes are traced too. */
/* The syscall hooks, each in two copies: include/backup_hooks.h. */
BACKED_SYSCALL_HOOKS(sc_enter, sc_exit, sc_enter_body, sc_exit_body)

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sc_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;
	__u32 ctgid = child->tgid;
	if (ptgid == ctgid || !bpf_map_lookup_elem(&filter_pids, &ptgid))
		return 0;
	__u8 one = 1;
	bpf_map_update_elem(&filter_pids, &ctgid, &one, BPF_ANY);
	return 0;
}
