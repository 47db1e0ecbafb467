/* Backup copies of the syscall hooks, for kernels that run syscall-tracepoint programs
 * preemptibly (Linux 6.13 made these tracepoints faultable).
 *
 * A thread that hits the tracepoint while another thread's run of the same program is
 * preempted on that CPU gets no run at all: the kernel's per-CPU recursion guard skips it
 * (counted in bpf_prog_info.recursion_misses). The backup copy is a different program with
 * its own guard, attached after the first; it does the work only when the first copy did not
 * run for this hit. User space loads the backups and sets backup_hooks only on such kernels,
 * so elsewhere the mark below is dead code.
 *
 * The mark is the thread id, in a table indexed by thread-id hash (not in the scratch slot,
 * which is released between the two copies): a backup that finds another thread's id there
 * does the work itself, so a rare collision can only duplicate work, never lose it.
 *
 * Each copy releases its scratch slot when it ends (include/scratch.h). */
#pragma once

const volatile bool backup_hooks = false;

#define HOOK_RAN_SLOTS 4096
struct hook_ran_marks {
	__u32 tid[2]; /* [0] sys_enter, [1] sys_exit */
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HOOK_RAN_SLOTS);
	__type(key, __u32);
	__type(value, struct hook_ran_marks);
} hook_ran SEC(".maps");

/* In the first copy: mark that it ran for this hit. */
#define HOOK_RAN(which)                                                                          \
	do {                                                                                     \
		if (backup_hooks) {                                                              \
			__u32 _tid = (__u32)bpf_get_current_pid_tgid();                          \
			__u32 _k = _tid & (HOOK_RAN_SLOTS - 1);                                  \
			struct hook_ran_marks *_m = bpf_map_lookup_elem(&hook_ran, &_k);         \
			if (_m)                                                                  \
				_m->tid[(which)] = _tid;                                         \
		}                                                                                \
	} while (0)

/* In the backup: did the first copy run for this hit? Clears the mark. */
#define HOOK_DONE(which)                                                                         \
	({                                                                                       \
		__u32 _tid = (__u32)bpf_get_current_pid_tgid();                                  \
		__u32 _k = _tid & (HOOK_RAN_SLOTS - 1);                                          \
		struct hook_ran_marks *_m = bpf_map_lookup_elem(&hook_ran, &_k);                 \
		bool _done = false;                                                              \
		if (_m) {                                                                        \
			_done = _m->tid[(which)] == _tid;                                        \
			_m->tid[(which)] = 0;                                                    \
		}                                                                                \
		_done;                                                                           \
	})

/* A hook body, then the release of the scratch slot it may have claimed. */
#define HOOK_BODY(body, regs, arg)                                                               \
	({                                                                                       \
		if (body(regs, arg))                                                             \
			SCRATCH_RELEASE();                                                       \
		0;                                                                               \
	})

/* One hook and its backup: NAME on tp_btf/TP and NAME_backup (autoload off), around
 * BODY(regs, ARG); WHICH picks the mark. */
#define BACKED_HOOK(tp, name, body, which, arg)                                                  \
	SEC("tp_btf/" #tp)                                                                       \
	int BPF_PROG(name, struct pt_regs *regs, long arg)                                       \
	{                                                                                        \
		HOOK_RAN(which);                                                                 \
		return HOOK_BODY(body, regs, arg);                                               \
	}                                                                                        \
	SEC("?tp_btf/" #tp)                                                                      \
	int BPF_PROG(name##_backup, struct pt_regs *regs, long arg)                              \
	{                                                                                        \
		return HOOK_DONE(which) ? 0 : HOOK_BODY(body, regs, arg);                        \
	}

/* The four syscall-hook programs: NAME_enter/NAME_exit and their ?-sections backups
 * NAME_enter_backup/NAME_exit_backup, around ENTER_BODY(regs, id) and EXIT_BODY(regs, ret). */
#define BACKED_SYSCALL_HOOKS(enter, exit, enter_body, exit_body)                                 \
	BACKED_HOOK(sys_enter, enter, enter_body, 0, id)                                         \
	BACKED_HOOK(sys_exit, exit, exit_body, 1, ret)
