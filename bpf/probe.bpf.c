// SPDX-License-Identifier: GPL-2.0
/* Capability probe: one do-nothing program per hook type. None loads by default (the `?`
 * prefix); src/runtime/capabilities.ts enables them one at a time, loads, attaches and closes,
 * so the answer is what THIS kernel really allows (e.g. kprobes compiled out, fentry refused
 * under lockdown), not what its version number suggests. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("?tp_btf/sys_enter")
int BPF_PROG(probe_tp_btf, struct pt_regs *regs, long id) { return 0; }

SEC("?raw_tp/sys_enter")
int probe_raw_tp(void *ctx) { return 0; }

SEC("?tracepoint/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx) { return 0; }

SEC("?kprobe/do_sys_openat2")
int BPF_KPROBE(probe_kprobe) { return 0; }

SEC("?kprobe.multi/do_sys_openat2")
int BPF_KPROBE(probe_kprobe_multi) { return 0; }

SEC("?fentry/do_sys_openat2")
int BPF_PROG(probe_fentry) { return 0; }

SEC("?iter/task_file")
int probe_iter(struct bpf_iter__task_file *ctx) { return 0; }

/* Generic bodies with no target in SEC(): attached by name at run time (attachRawTracepoint,
 * attachKprobe, attachKprobeMulti), one program serving many hooks. Not `?`-prefixed, but
 * tryProgram() turns autoload off for every program it does not test, and libbpf does not
 * auto-attach bare SEC("raw_tp")/SEC("kprobe"). Used by the runtime's integration tests. */
SEC("raw_tp")
int probe_raw_tp_generic(void *ctx) { return 0; }

SEC("kprobe")
int probe_kprobe_generic(void *ctx) { return 0; }
