/* Function hooks: fentry/fexit on the kernel functions that move IPC data, in place of the
 * raw sys_enter/sys_exit tracepoints, on kernels that allow fentry (stock kernels; ours
 * refuses it). Opt-in (IPCDUMP_HOOKS=function; src/ipcdump/hooks.ts): an fexit hook does not
 * see a call that was already running when it was attached, so a read or receive waiting
 * when tracing starts would end unseen, where the syscall hooks report it.
 *
 * Why: sys_enter/sys_exit run for every syscall of every process; a write() to /dev/null or
 * a file pays for our fd lookup. These run only inside pipe_write(), unix_stream_sendmsg()
 * and the like, so unrelated work pays nothing.
 *
 * How: they run the syscall hooks' own bodies (sys_enter_body, sys_exit_common) with the
 * syscall's registers (bpf_task_pt_regs), so the attribution logic is one and the same:
 *   - fentry on a send function = sys_enter: it runs before the data can reach a reader;
 *   - fexit on a send or receive function = sys_exit, with the function's return value
 *     (what the syscall returns: read(), write(), send*() and recv*() return it unchanged).
 * Syscalls that call these functions several times or not at all (sendmmsg, recvmmsg,
 * splice, tee, vmsplice, sendfile) are hooked on their syscall function instead
 * (__x64_sys_*), and the function hooks step aside for them.
 *
 * Kernel threads (NFS, the in-kernel socket users) have no syscall registers: skipped, as
 * the syscall hooks never see them either.
 *
 * Each program has a backup copy for kernels whose scheduler preempts BPF programs half-way
 * (include/backup_hooks.h: a thread hitting a program that another thread's preempted run
 * holds on this CPU is skipped by the kernel). fentry programs are preemptible under full
 * preemption on every kernel, so the choice differs from the syscall hooks'. */
#pragma once

#define PF_KTHREAD_ 0x00200000 /* include/linux/sched.h */
#define FN_STR_(x) #x
#define FN_STR(x) FN_STR_(x) /* (expands SYS_FN() first) */

#if defined(__TARGET_ARCH_x86)
#define SYS_FN(name) __x64_sys_##name
#elif defined(__TARGET_ARCH_arm64)
#define SYS_FN(name) __arm64_sys_##name
#endif

/* Syscalls handled on their own syscall function; the send/receive function hooks skip them. */
static __always_inline bool fn_by_syscall(long nr)
{
	return nr == NR_sendmmsg || nr == NR_recvmmsg || nr == NR_splice || nr == NR_tee ||
	       nr == NR_vmsplice || nr == NR_sendfile;
}

/* `exit`: sys_exit_common with `ret` (and `kmsg`), else sys_enter_only. `by_syscall`: a hook
 * on a syscall function itself. `only`: the one kind of file the function serves (FD_ANY on
 * syscall functions). Returns non-zero when a scratch slot may be held. */
static __always_inline int fn_body(bool exit, bool by_syscall, long ret, struct msghdr *kmsg, int only)
{
	struct task_struct *t = bpf_get_current_task_btf();
	if (t->flags & PF_KTHREAD_)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!regs)
		return 0;
	long nr = SC_NR(regs);
	if (!by_syscall && fn_by_syscall(nr))
		return 0;
	return exit ? sys_exit_common(regs, ret, kmsg, only) : sys_enter_only(regs, nr, only);
}

#define FN_RUN(exit, by_syscall, ret, kmsg, only)                                                \
	({                                                                                       \
		if (fn_body((exit), (by_syscall), (ret), (kmsg), (only)))                        \
			SCRATCH_RELEASE();                                                       \
		0;                                                                               \
	})

/* fentry on FN as NAME (and NAME_backup): the write side, before the data moves. SKIP: an
 * expression of the arguments (...) under which this hook leaves the call to another. */
#define FN_ENTRY(fn, name, by_syscall, only, skip, ...)                                          \
	SEC("?fentry/" FN_STR(fn))                                                               \
	int BPF_PROG(name, __VA_ARGS__)                                                          \
	{                                                                                        \
		if (skip)                                                                        \
			return 0;                                                                \
		HOOK_RAN(0);                                                                     \
		return FN_RUN(false, (by_syscall), 0, NULL, (only));                             \
	}                                                                                        \
	SEC("?fentry/" FN_STR(fn))                                                               \
	int BPF_PROG(name##_backup, __VA_ARGS__)                                                 \
	{                                                                                        \
		if (skip)                                                                        \
			return 0;                                                                \
		return HOOK_DONE(0) ? 0 : FN_RUN(false, (by_syscall), 0, NULL, (only));          \
	}

/* fexit on FN as NAME (and NAME_backup); the argument list (...) names the return `ret`. */
#define FN_EXIT(fn, name, by_syscall, only, kmsg, skip, ...)                                     \
	SEC("?fexit/" FN_STR(fn))                                                                \
	int BPF_PROG(name, __VA_ARGS__)                                                          \
	{                                                                                        \
		if (skip)                                                                        \
			return 0;                                                                \
		HOOK_RAN(1);                                                                     \
		return FN_RUN(true, (by_syscall), ret, (kmsg), (only));                          \
	}                                                                                        \
	SEC("?fexit/" FN_STR(fn))                                                                \
	int BPF_PROG(name##_backup, __VA_ARGS__)                                                 \
	{                                                                                        \
		if (skip)                                                                        \
			return 0;                                                                \
		return HOOK_DONE(1) ? 0 : FN_RUN(true, (by_syscall), ret, (kmsg), (only));       \
	}

/* unix_seqpacket_*msg call unix_dgram_*msg, or have them inlined, depending on the compiler:
 * the dgram hooks leave seqpacket sockets to the seqpacket hooks, so each message is seen
 * once either way. */
#define SEQPACKET(sock) ((sock)->type == SOCK_SEQPACKET_)

#define ITER_IN struct kiocb *iocb, struct iov_iter *iter
#define ITER_ARGS ITER_IN, ssize_t ret
#define SEND_IN struct socket *sock, struct msghdr *msg, size_t len
#define SEND_ARGS SEND_IN, int ret
#define RECV_ARGS struct socket *sock, struct msghdr *msg, size_t len, int flags, int ret
#define SYS_IN const struct pt_regs *sys_regs
#define SYS_ARGS SYS_IN, long ret

/* Pipes and FIFOs (fs/pipe.c: pipefifo_fops) */
FN_ENTRY(pipe_write, fn_pipe_write_in, false, FD_PIPE, 0, ITER_IN)
FN_EXIT(pipe_write, fn_pipe_write_out, false, FD_PIPE, NULL, 0, ITER_ARGS)
FN_EXIT(pipe_read, fn_pipe_read_out, false, FD_PIPE, NULL, 0, ITER_ARGS)

/* Pseudoterminals, both ends (drivers/tty/tty_io.c: tty_fops, ptmx_fops) */
FN_ENTRY(tty_write, fn_tty_write_in, false, FD_PTY, 0, ITER_IN)
FN_EXIT(tty_write, fn_tty_write_out, false, FD_PTY, NULL, 0, ITER_ARGS)
FN_EXIT(tty_read, fn_tty_read_out, false, FD_PTY, NULL, 0, ITER_ARGS)

/* Unix sockets (net/unix/af_unix.c; unix_seqpacket_* call the dgram functions) */
FN_ENTRY(unix_stream_sendmsg, fn_unix_stream_send_in, false, FD_UNIX, 0, SEND_IN)
FN_EXIT(unix_stream_sendmsg, fn_unix_stream_send_out, false, FD_UNIX, NULL, 0, SEND_ARGS)
FN_ENTRY(unix_dgram_sendmsg, fn_unix_dgram_send_in, false, FD_UNIX, SEQPACKET(sock), SEND_IN)
FN_EXIT(unix_dgram_sendmsg, fn_unix_dgram_send_out, false, FD_UNIX, NULL, SEQPACKET(sock), SEND_ARGS)
FN_EXIT(unix_stream_recvmsg, fn_unix_stream_recv_out, false, FD_UNIX, msg, 0, RECV_ARGS)
FN_EXIT(unix_dgram_recvmsg, fn_unix_dgram_recv_out, false, FD_UNIX, msg, SEQPACKET(sock), RECV_ARGS)
FN_ENTRY(unix_seqpacket_sendmsg, fn_unix_seqpacket_send_in, false, FD_UNIX, 0, SEND_IN)
FN_EXIT(unix_seqpacket_sendmsg, fn_unix_seqpacket_send_out, false, FD_UNIX, NULL, 0, SEND_ARGS)
FN_EXIT(unix_seqpacket_recvmsg, fn_unix_seqpacket_recv_out, false, FD_UNIX, msg, 0, RECV_ARGS)

/* TCP and UDP over IPv4 and IPv6 (net/ipv4/af_inet.c, net/ipv6/af_inet6.c) */
FN_ENTRY(inet_sendmsg, fn_inet_send_in, false, FD_INET, 0, SEND_IN)
FN_EXIT(inet_sendmsg, fn_inet_send_out, false, FD_INET, NULL, 0, SEND_ARGS)
FN_ENTRY(inet6_sendmsg, fn_inet6_send_in, false, FD_INET, 0, SEND_IN)
FN_EXIT(inet6_sendmsg, fn_inet6_send_out, false, FD_INET, NULL, 0, SEND_ARGS)
FN_EXIT(inet_recvmsg, fn_inet_recv_out, false, FD_INET, msg, 0, RECV_ARGS)
FN_EXIT(inet6_recvmsg, fn_inet6_recv_out, false, FD_INET, msg, 0, RECV_ARGS)

/* The syscalls that move data without, or with several, calls of the functions above */
FN_ENTRY(SYS_FN(splice), fn_sys_splice_in, true, FD_ANY, 0, SYS_IN)
FN_EXIT(SYS_FN(splice), fn_sys_splice_out, true, FD_ANY, NULL, 0, SYS_ARGS)
FN_ENTRY(SYS_FN(tee), fn_sys_tee_in, true, FD_ANY, 0, SYS_IN)
FN_EXIT(SYS_FN(tee), fn_sys_tee_out, true, FD_ANY, NULL, 0, SYS_ARGS)
FN_ENTRY(SYS_FN(vmsplice), fn_sys_vmsplice_in, true, FD_ANY, 0, SYS_IN)
FN_EXIT(SYS_FN(vmsplice), fn_sys_vmsplice_out, true, FD_ANY, NULL, 0, SYS_ARGS)
FN_ENTRY(SYS_FN(sendfile64), fn_sys_sendfile_in, true, FD_ANY, 0, SYS_IN)
FN_EXIT(SYS_FN(sendfile64), fn_sys_sendfile_out, true, FD_ANY, NULL, 0, SYS_ARGS)
FN_ENTRY(SYS_FN(sendmmsg), fn_sys_sendmmsg_in, true, FD_ANY, 0, SYS_IN)
FN_EXIT(SYS_FN(recvmmsg), fn_sys_recvmmsg_out, true, FD_ANY, NULL, 0, SYS_ARGS)
