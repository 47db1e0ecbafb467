// SPDX-License-Identifier: GPL-2.0
/* Benchmark floor: do-nothing programs on exactly the hooks ipcdump uses. The slowdown they
 * cause is the least any tracer on these hooks can cost; bench/ reports ipcdump against it. */
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
