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
 * Needs get_scratch() returning the thread's scratch slot (include/scratch.h) with a
 * `__u8 ran[8]` member. */
#pragma once

const volatile bool backup_hooks = false;

/* In the first copy: mark that it ran for this hit. */
#define HOOK_RAN(which)                                                                          \
	do {                                                                                     \
		if (backup_hooks) {                                                              \
			__auto_type _s = get_scratch();                                          \
			if (_s)                                                                  \
				_s->ran[(which)] = 1;                                            \
		}                                                                                \
	} while (0)

/* In the backup: did the first copy run for this hit? Clears the mark. */
#define HOOK_DONE(which)                                                                         \
	({                                                                                       \
		__auto_type _s = get_scratch();                                                  \
		bool _done = true;                                                               \
		if (_s) {                                                                        \
			_done = _s->ran[(which)];                                                \
			_s->ran[(which)] = 0;                                                    \
		}                                                                                \
		_done;                                                                           \
	})

/* The four syscall-hook programs: NAME_enter/NAME_exit and their ?-sections backups
 * NAME_enter_backup/NAME_exit_backup, around ENTER_BODY(regs, id) and EXIT_BODY(regs, ret). */
#define BACKED_SYSCALL_HOOKS(enter, exit, enter_body, exit_body)                               \
	SEC("tp_btf/sys_enter")                                                                  \
	int BPF_PROG(enter, struct pt_regs *regs, long id)                                       \
	{                                                                                        \
		HOOK_RAN(0);                                                                     \
		return enter_body(regs, id);                                                     \
	}                                                                                        \
	SEC("?tp_btf/sys_enter")                                                                 \
	int BPF_PROG(enter##_backup, struct pt_regs *regs, long id)                              \
	{                                                                                        \
		return HOOK_DONE(0) ? 0 : enter_body(regs, id);                                  \
	}                                                                                        \
	SEC("tp_btf/sys_exit")                                                                   \
	int BPF_PROG(exit, struct pt_regs *regs, long ret)                                       \
	{                                                                                        \
		HOOK_RAN(1);                                                                     \
		return exit_body(regs, ret);                                                     \
	}                                                                                        \
	SEC("?tp_btf/sys_exit")                                                                  \
	int BPF_PROG(exit##_backup, struct pt_regs *regs, long ret)                              \
	{                                                                                        \
		return HOOK_DONE(1) ? 0 : exit_body(regs, ret);                                  \
	}
