// SPDX-License-Identifier: GPL-2.0
/* Benchmark floor: do-nothing programs on exactly the hooks ipcdump uses. The slowdown they
 * cause is the least any tracer on these hooks can cost; bench/ reports ipcdump against it.
 *
 * The three programs without "?" are the original floor (bench/ loads them for the syscall
 * recording workload). For an ipcdump workload bench/floor.ts turns on, for each program
 * `ipcdump -t TYPE...` loads (src/ipcdump/hooks.ts programsFor() plus the lifecycle
 * programs), one program here with the same section: a second copy on sys_enter/sys_exit where
 * ipcdump loads its backup hooks, the per-message receive hook, the datagram sender hook and
 * the process lifecycle tracepoints. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id) { return 0; }

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret) { return 0; }

SEC("tp_btf/signal_generate")
int BPF_PROG(floor_signal_generate, int sig) { return 0; }

/* ---- loaded only on request (bench/floor.ts) ---- */

SEC("?tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter_backup, struct pt_regs *regs, long id) { return 0; }

SEC("?tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit_backup, struct pt_regs *regs, long ret) { return 0; }

SEC("?tp_btf/sock_recv_length")
int BPF_PROG(floor_sock_recv_length, struct sock *sk, int ret, int flags) { return 0; }

SEC("?tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(floor_skb_copy_datagram, const struct sk_buff *skb, int len) { return 0; }

SEC("?fexit/inet_recvmsg")
int BPF_PROG(floor_inet_recvmsg, struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret) { return 0; }

SEC("?fexit/inet6_recvmsg")
int BPF_PROG(floor_inet6_recvmsg, struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret) { return 0; }

SEC("?fexit/unix_dgram_recvmsg")
int BPF_PROG(floor_unix_dgram_recvmsg, struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret) { return 0; }

SEC("?fexit/unix_stream_recvmsg")
int BPF_PROG(floor_unix_stream_recvmsg, struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret) { return 0; }

SEC("?tp_btf/sched_process_fork")
int BPF_PROG(floor_fork, struct task_struct *parent, struct task_struct *child) { return 0; }

SEC("?tp_btf/sched_process_exec")
int BPF_PROG(floor_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) { return 0; }

SEC("?tp_btf/task_rename")
int BPF_PROG(floor_rename, struct task_struct *task, const char *comm) { return 0; }

SEC("?tp_btf/sched_process_exit")
int BPF_PROG(floor_exit, struct task_struct *p) { return 0; }

/* Function hooks (fentry/fexit, bpf/include/function_hooks.h): generic do-nothing programs,
 * each given its target function at run time (bench/floor.ts: setAttachTarget), enough for
 * every function hook ipcdump has, backups included. */
#define FLOOR_FN(n)                                                                              \
	SEC("?fentry")                                                                           \
	int BPF_PROG(floor_fentry_##n) { return 0; }                                             \
	SEC("?fexit")                                                                            \
	int BPF_PROG(floor_fexit_##n) { return 0; }
#define FLOOR_FN8(n)                                                                             \
	FLOOR_FN(n##0) FLOOR_FN(n##1) FLOOR_FN(n##2) FLOOR_FN(n##3)                              \
	FLOOR_FN(n##4) FLOOR_FN(n##5) FLOOR_FN(n##6) FLOOR_FN(n##7)
FLOOR_FN8(0) FLOOR_FN8(1) FLOOR_FN8(2) FLOOR_FN8(3) FLOOR_FN8(4)
