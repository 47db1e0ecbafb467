/* Scratch space for records too big for the 512-byte BPF stack: a slot owned by one thread
 * while its program runs, not one per CPU.
 *
 * Why: a per-CPU buffer is only private while a program cannot be preempted. Kernels that
 * run syscall-tracepoint programs preemptibly (Debian's 7.x, "full (lazy)" preemption, and
 * fentry/fexit programs on any preemptible kernel) let a program stop half-way while
 * another thread's program on the same CPU overwrites its state; under QEMU that dropped or
 * garbled ipcdump's pty and loopback events every time. A slot picked by thread-id hash alone
 * still let two threads whose ids agree in the low bits share a slot (seen: a 1 MiB unix
 * stream transfer attributed partly to the wrong process on 7.3).
 *
 * So each slot starts with its owner. get_scratch() returns the slot this thread owns, or
 * claims a free one with compare-and-swap: its home slot (thread-id hash) first, then the
 * next ones; the program releases it when it ends (SCRATCH_RELEASE(): one lookup when the
 * program claimed nothing, the common case of an untraced syscall). A program always runs to its end, so a slot
 * is never leaked. Programs that can run nested inside another program of the same thread
 * (signal_generate fires from interrupts) use a different owner tag, so they never reuse the
 * interrupted program's slot.
 *
 * The legacy build (5.10 .. 5.16: no compare-and-swap before 5.12, and syscall tracepoints
 * are not preemptible there) keeps the plain thread-hash slot; SCRATCH_RELEASE() is empty.
 *
 * User space sizes the map (a power of two, several slots per CPU; see
 * src/runtime/scratch-slots.ts) and sets scratch_mask to size - 1 before load.
 *
 * Use: DEFINE_SCRATCH(map, type) after the map; `type` begins with `__u64 owner` (a test reads
 * it at offset 0). */
#pragma once

const volatile __u32 scratch_mask = 0;

/* Slots tried from the thread's hash before giving up (the program then drops its event;
 * it would take this many threads preempted inside our programs at once). */
#define SCRATCH_PROBES 8

/* Owner tags: never 0 (free), whatever the pid_tgid (the idle task's is 0). */
#define SCRATCH_TAG_THREAD(pid_tgid) ((pid_tgid) | (1ULL << 63))
#define SCRATCH_TAG_NESTED(pid_tgid) ((pid_tgid) | (3ULL << 62))

#ifdef BPF_LEGACY
#define DEFINE_SCRATCH(map, type)                                                                \
	static __always_inline type *get_scratch_as(__u64 tag)                                   \
	{                                                                                        \
		__u32 slot = (__u32)tag & scratch_mask;                                          \
		return bpf_map_lookup_elem(&map, &slot);                                         \
	}                                                                                        \
	static __always_inline void scratch_release_as(__u64 tag) {}
#else
/* Slots held away from their thread's hash position (the home slot was taken): while none
 * are, a thread's slot can only be its home slot and the scans below are skipped. */
volatile __s64 scratch_displaced = 0;

#define DEFINE_SCRATCH(map, type)                                                                \
	static __always_inline type *get_scratch_as(__u64 tag)                                   \
	{                                                                                        \
		__u32 h = (__u32)tag;                                                            \
		__u32 k = h & scratch_mask;                                                      \
		type *s = bpf_map_lookup_elem(&map, &k);                                         \
		if (!s)                                                                          \
			return NULL;                                                             \
		if (s->owner == tag)                                                             \
			return s;                                                                \
		if (!scratch_displaced && __sync_val_compare_and_swap(&s->owner, 0, tag) == 0)   \
			return s;                                                                \
		/* slow path: the home slot is someone else's */                                 \
		for (int i = 1; i < SCRATCH_PROBES; i++) {                                       \
			k = (h + i) & scratch_mask;                                              \
			s = bpf_map_lookup_elem(&map, &k);                                       \
			if (s && s->owner == tag)                                                \
				return s;                                                        \
		}                                                                                \
		for (int i = 0; i < SCRATCH_PROBES; i++) {                                       \
			k = (h + i) & scratch_mask;                                              \
			s = bpf_map_lookup_elem(&map, &k);                                       \
			if (s && __sync_val_compare_and_swap(&s->owner, 0, tag) == 0) {          \
				if (i)                                                           \
					__sync_fetch_and_add(&scratch_displaced, 1);             \
				return s;                                                        \
			}                                                                        \
		}                                                                                \
		return NULL;                                                                     \
	}                                                                                        \
	static __always_inline void scratch_release_as(__u64 tag)                                \
	{                                                                                        \
		__u32 h = (__u32)tag;                                                            \
		__u32 k = h & scratch_mask;                                                      \
		type *s = bpf_map_lookup_elem(&map, &k);                                         \
		if (s && s->owner == tag) {                                                      \
			s->owner = 0;                                                            \
			return;                                                                  \
		}                                                                                \
		if (!scratch_displaced)                                                          \
			return;                                                                  \
		for (int i = 1; i < SCRATCH_PROBES; i++) {                                       \
			k = (h + i) & scratch_mask;                                              \
			s = bpf_map_lookup_elem(&map, &k);                                       \
			if (s && s->owner == tag) {                                              \
				s->owner = 0;                                                    \
				__sync_fetch_and_add(&scratch_displaced, -1);                    \
				return;                                                          \
			}                                                                        \
		}                                                                                \
	}
#endif

/* The calling thread's slot (claimed on first use) and its release at the program's end. */
#define get_scratch() get_scratch_as(SCRATCH_TAG_THREAD(bpf_get_current_pid_tgid()))
#define SCRATCH_RELEASE() scratch_release_as(SCRATCH_TAG_THREAD(bpf_get_current_pid_tgid()))

/* What a hook body returns (include/backup_hooks.h, HOOK_BODY): SCRATCH_USED once it may have
 * claimed a slot, 0 when it returned before: an untraced syscall, most of them, then skips
 * the release and its lookup. */
#define SCRATCH_USED 1
