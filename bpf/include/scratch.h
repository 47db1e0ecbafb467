/* Scratch space for records too big for the 512-byte BPF stack: one slot per thread hash,
 * not one per CPU.
 *
 * Why: a per-CPU buffer is only private while a program cannot be preempted. Kernels that
 * run syscall-tracepoint programs preemptibly (Debian's 7.x, "full (lazy)" preemption, and
 * fentry/fexit programs on any preemptible kernel) let a program stop half-way while
 * another thread's program on the same CPU overwrites its state; under QEMU that dropped or
 * garbled ipcdump's pty and loopback events every time. A slot chosen by thread id keeps
 * threads apart: a thread runs one of our programs at a time, and two threads collide only
 * when their ids agree in the low bits AND their programs overlap in time.
 *
 * User space sizes the map (a power of two, several slots per CPU; see
 * src/runtime/scratch-slots.ts) and sets scratch_mask to size - 1 before load. */
#pragma once

const volatile __u32 scratch_mask = 0;

static __always_inline __u32 scratch_slot(void)
{
	return (__u32)bpf_get_current_pid_tgid() & scratch_mask;
}
