/* Two builds of the same source, chosen by user space at start-up (src/runtime/features.ts):
 *
 *   X.bpf.o         Linux >= 5.17: bpf_loop (5.17), bpf_task_pt_regs (5.15),
 *                   bpf_get_current_task_btf (5.11) with BTF-typed task loads.
 *   X.legacy.bpf.o  built with -DBPF_LEGACY, for 5.10 .. 5.16: none of the above.
 *
 * Why two objects and not one with CO-RE feature checks: the 5.10 verifier refuses a whole
 * program that merely *contains* a bpf_loop callback reference (an ld_imm64 BPF_PSEUDO_FUNC,
 * understood from 5.13: "number of funcs in func_info doesn't match number of subprogs"),
 * even in a branch that bpf_core_enum_value_exists() turned dead: subprograms are counted
 * before the verifier walks any branch. (A helper the kernel lacks would be harmless in a dead
 * branch; the callback reference is not.) So the new path must not be in the old object.
 *
 * The loop replacement: a bounded loop (5.3+) whose body calls a *global* function. The
 * verifier checks a global function once, on its own, with unknown scalar arguments, so the
 * loop costs a few instructions per iteration to verify instead of the whole step each time
 * (static callees are re-verified per call, which blew the 1M-instruction budget). */
#pragma once

#ifdef BPF_LEGACY

/* Defines NAME_g(i), the global wrapper of a `static long NAME(__u32 i, void *ctx)` step. */
#define LOOP_STEP(name)                                                                          \
	__noinline long name##_g(__u32 i)                                                        \
	{                                                                                        \
		return name(i, NULL);                                                            \
	}
/* Run NAME for i = 0 .. n-1 until it returns non-zero (bpf_loop semantics). */
#define RUN_LOOP(n, name)                                                                        \
	do {                                                                                     \
		for (__u32 _i = 0; _i < (n); _i++)                                               \
			if (name##_g(_i))                                                        \
				break;                                                           \
	} while (0)

/* The current task as an untyped pointer: every load through it must be a CO-RE read. */
#define CURRENT_TASK() ((struct task_struct *)bpf_get_current_task())
#define TASK_READ(...) BPF_CORE_READ(__VA_ARGS__)

/* task_pt_regs() of arch/x86/include/asm/processor.h: the user registers sit at the top of
 * the task's kernel stack (THREAD_SIZE 16 KiB, no top padding on x86-64). */
static __always_inline struct pt_regs *current_user_regs(void)
{
	void *stack = BPF_CORE_READ(CURRENT_TASK(), stack);
	return (struct pt_regs *)(stack + 16384) - 1;
}

#else

#define LOOP_STEP(name)
#define RUN_LOOP(n, name) bpf_loop((n), name, NULL, 0)
#define CURRENT_TASK() bpf_get_current_task_btf()
/* BTF-typed loads compile to plain (fault-handled) memory loads: no helper call. */
#define TASK_READ(t, ...) ((t)->__VA_ARGS__)

static __always_inline struct pt_regs *current_user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

#endif
