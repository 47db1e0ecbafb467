// SPDX-License-Identifier: GPL-2.0
/* ipcdump's kernel half: signal, pipe/FIFO and process-lifecycle collectors.
 *
 * Hooks are BTF tracepoints only (tp_btf), so this works on kernels without kprobes and with
 * fentry refused, and needs no tracefs. Configuration is `const volatile` globals set by user
 * space before load (bcc libbpf-tools style); disabled collectors are simply not loaded.
 *
 * Records go to one ring buffer so process lifecycle and IPC events stay in order.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#define LOST_SLOTS (IPC_BYTES_CUT + 1)
#include "ipcdump.h"
#include "ringbuf.h"
#include "fdfile.h"
#include "scratch.h"
#include "syscall_nr.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- configuration (set before load) ---- */
const volatile __u32 self_tgid = 0;      /* our own process: never reported (no feedback loops) */
const volatile __u32 byte_cap = 0;       /* 0 = do not capture bytes; else max bytes per event */
const volatile bool filter_any_on = false; /* -p: src or dst in filter_any */
const volatile bool filter_src_on = false; /* -s */
const volatile bool filter_dst_on = false; /* -d */
const volatile bool trace_pipe = true;     /* the pipe type is selected */

/* ---- maps ---- */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} filter_any SEC(".maps"), filter_src SEC(".maps"), filter_dst SEC(".maps");

/* Per-pipe queue of pending writes, so a read is attributed to the process whose bytes it
 * actually returns (pipes are FIFO byte queues), not merely to the last writer. Each entry
 * holds the bytes of one write that are still unread. Key: struct pipe_inode_info pointer;
 * `ino` guards against the pointer being reused by a new pipe.
 *
 * Several writers and readers of one pipe run our programs at once (other CPUs, or a
 * preempted program on kernels that preempt syscall-tracepoint programs), so no update is a
 * plain read-modify-write: a writer reserves its slot with an atomic increment of `head` and
 * publishes it by setting `gen` last; bytes are taken off an entry with compare-and-swap
 * (entry_take). A reader that meets a reserved but unpublished slot leaves `tail` there (the
 * write's bytes are not in the pipe yet) and takes the bytes of later writes. The legacy
 * build (no atomic fetch before 5.12; syscall tracepoints not preemptible there) does the
 * same steps with plain loads and stores. */
#define WQ_LEN 16
struct wq_entry {
	__s32 tgid; /* -1: bytes already in the pipe when we first saw it */
	__s32 tid;
	__u64 bytes;
	char comm[TASK_COMM_LEN];
	__u32 port; /* loopback: the sender's local port */
	__u32 gen;  /* slot index + 1 once the entry is filled in (see above) */
	__u64 fp;   /* the write's first fp_len bytes (its fingerprint; see pipe_consume) */
	__u32 len;  /* bytes queued: `bytes` below this means a reader took some */
	__u8 fp_len;
	__u8 pad[3];
};
struct pipe_state {
	__u64 ino;
	__u64 head; /* 64-bit: the BPF target has atomic fetch-add on 32-bit words only with alu32 */
	__u64 tail;
	/* Bytes of writes pushed out of a full queue, still unread: the oldest in the pipe, of
	 * no known writer. Readers take them first, so later reads stay aligned with the writes
	 * that queued them instead of being pinned on whoever wrote last. */
	__u64 overflow;
	struct wq_entry q[WQ_LEN];
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pipe_state);
} pipes SEC(".maps");

/* A pipe syscall in flight on one thread (sys_enter -> sys_exit). */
enum { BUF_NONE = 0, BUF_PLAIN = 1, BUF_IOV = 2 };
/* A write into a pipe in flight on one thread (sys_enter -> sys_exit), plus scratch fields
 * filled by fd_classify(). */
struct inflight {
	__u8 has_write;
	__u8 fifo;      /* fd_classify() result */
	__u16 name_len; /* fd_classify() result */
	__u32 nr;
	__u64 ino;      /* fd_classify() result: inode of the pipe or socket */
	__u64 obj;      /* fd_classify() result: struct pipe_inode_info * or struct sock * */
	__u16 sk_type;  /* fd_classify() result for sockets */
	__u8 pty_master;/* fd_classify() result for ptys */
	__u8 wkind;     /* FD_* of the write in flight */
	__u8 pad[4];
	char name[PIPE_NAME_LEN]; /* fd_classify() result */
	__u64 wpipe;
	__u64 wino;
	__u64 requested; /* bytes the writer asked to write */
	__u32 slot;      /* queue slot used */
	__u32 slot_head; /* head value when the slot was taken (detects overwrite) */
	__u64 wfp;       /* the write's first bytes, for its queue entry (0 .. 8 of them) */
	__u8 wfp_len;
	__u8 pad2[7];
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct inflight);
} inflight SEC(".maps");

/* Pipe writes between their sys_enter and sys_exit, machine-wide. Lets every other write()'s
 * sys_exit skip the inflight hash lookup (measured: ~40 ns of a ~60 ns program). */
volatile __s64 pipe_writes_inflight = 0;

struct copy_state {
	__u64 id;
	__u64 buf;      /* BUF_IOV: the iovec array */
	__u64 iovcnt;
	__u64 seg_base;
	__u64 seg_len;
	__u64 seg_off;
	__u32 iov_i;
	__u32 off;      /* bytes emitted so far */
	__u32 total;    /* bytes to emit */
	__u16 type;
	__u8 kind;
	__u8 failed;
};

/* A read's walk over a pipe queue (pipe_consume), kept in scratch like copy_state. */
struct consume_state {
	__u64 key;      /* the queue's key in `pipes` */
	__u64 n;        /* bytes still to attribute */
	__u64 tail;
	__u64 head;
	__u64 new_tail;
	__u64 rfp;      /* the read's first bytes (0 .. 8 of them) */
	__u64 pick;     /* match_step's result: the queue index to take from first, or NO_PICK */
	__u8 consume;
	__u8 message;
	__u8 hold;
	__u8 found;
	__u8 rfp_len;
	__u8 pad[3];
};

/* Scratch space: records are larger than the 512-byte BPF stack. The copy state lives here,
 * not on the stack, so the verifier sees its fields as unknown values and checks the
 * bpf_loop callback once instead of iterating it with precise counters (kernels >= 6.7
 * otherwise exceed the 1M-instruction budget). */
struct scratch {
	__u64 owner;    /* the thread holding this slot (include/scratch.h); first: a test reads it there */
	struct ipc_rec ev;
	struct inflight ctx;
	struct copy_state copy;
	struct consume_state cons;
	struct data_rec data;
};
/* Slots owned by one thread at a time (include/scratch.h), sized by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

#ifdef BPF_LEGACY
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} event_seq SEC(".maps");
#else
__u64 event_seq_all;
#endif

static __always_inline void queue_write_enter(__u64 pid_tgid, __u32 nr, struct inflight *c,
					      __u64 pipe, __u64 requested, bool is_pipe);
#include "unix.h"
#include "pty.h"
#include "loopback.h"

/* A syscall's arguments in the sys_enter/sys_exit programs, whose `regs` is a BTF pointer:
 * plain loads, where PT_REGS_PARMn_CORE_SYSCALL() makes a bpf_probe_read_kernel() call each
 * (on the /dev/null bench those were the last probe reads on every write()). Only for that
 * `regs`: the legacy build's current_user_regs() is not BTF-typed. */
#if defined(__TARGET_ARCH_x86)
#define SC_ARG1(regs) ((regs)->di)
#define SC_ARG2(regs) ((regs)->si)
#define SC_ARG3(regs) ((regs)->dx)
#define SC_ARG4(regs) ((regs)->r10)
#define SC_ARG5(regs) ((regs)->r8)
#define SC_ARG6(regs) ((regs)->r9)
#else
#define SC_ARG1(regs) PT_REGS_PARM1_CORE_SYSCALL(regs)
#define SC_ARG2(regs) PT_REGS_PARM2_CORE_SYSCALL(regs)
#define SC_ARG3(regs) PT_REGS_PARM3_CORE_SYSCALL(regs)
#define SC_ARG4(regs) PT_REGS_PARM4_CORE_SYSCALL(regs)
#define SC_ARG5(regs) PT_REGS_PARM5_CORE_SYSCALL(regs)
#define SC_ARG6(regs) PT_REGS_PARM6_CORE_SYSCALL(regs)
#endif
/* The syscall number (a BTF pointer: a direct load, no helper call). */
#if defined(__TARGET_ARCH_arm64)
#define SC_NR(regs) ((regs)->syscallno)
#else
#define SC_NR(regs) ((regs)->orig_ax)
#endif

/* Keep the record structs in the object's BTF for the layout generator. */
struct rec_hdr *unused_rec_hdr __attribute__((unused));
struct proc_rec *unused_proc_rec __attribute__((unused));
enum rec_kind *unused_rec_kind __attribute__((unused));
enum ipc_type *unused_ipc_type __attribute__((unused));
enum ipc_flags *unused_ipc_flags __attribute__((unused));
enum scm_kind *unused_scm_kind __attribute__((unused));

DEFINE_SCRATCH(scratch_map, struct scratch)

/* Unique event id (it joins an event to its data records). One atomic counter: a per-CPU
 * one could hand the same value to two programs when one is preempted (include/scratch.h).
 * The legacy build (kernels before 5.12 have no atomic fetch-add) keeps a per-CPU sequence
 * with the CPU in the low byte; those kernels' syscall tracepoints are not preemptible. */
static __always_inline __u64 next_event_id(void)
{
#ifdef BPF_LEGACY
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&event_seq, &zero);
	if (!seq)
		return 0;
	*seq += 1;
	return (*seq << 8) | (bpf_get_smp_processor_id() & 0xff);
#else
	return __sync_fetch_and_add(&event_seq_all, 1) + 1;
#endif
}

static __always_inline bool in_set(void *map, __s32 pid)
{
	if (pid <= 0)
		return false; /* unknown endpoints never match a pid filter */
	__u32 k = pid;
	return bpf_map_lookup_elem(map, &k) != NULL;
}

/* -p: OR of src/dst; -s, -d: each must hold. Classes combine with AND. */
static __always_inline bool pid_filter_pass(__s32 src, __s32 dst)
{
	if ((__u32)src == self_tgid || (__u32)dst == self_tgid)
		return false;
	if (filter_src_on && !in_set(&filter_src, src))
		return false;
	if (filter_dst_on && !in_set(&filter_dst, dst))
		return false;
	if (filter_any_on && !in_set(&filter_any, src) && !in_set(&filter_any, dst))
		return false;
	return true;
}

static __always_inline void fill_hdr(struct rec_hdr *h, __u16 kind, __u16 type)
{
	h->kind = kind;
	h->type = type;
	h->cpu = bpf_get_smp_processor_id();
	h->ts = bpf_ktime_get_ns();
}

static __always_inline __u64 ipc_rec_size(struct ipc_rec *ev)
{
	__u64 n = ev->name_len;
	if (n > PIPE_NAME_LEN)
		n = PIPE_NAME_LEN;
	return offsetof(struct ipc_rec, name) + n;
}

/* =====================================================================================
 * signal: tp_btf/signal_generate fires when a signal is queued to a task.
 * Kept when result == TRACE_SIGNAL_DELIVERED (0) and the signal was sent by a process
 * (SI_USER 0, SI_QUEUE -1, SI_TKILL -6), matching the original tool (reference §2.1).
 * ===================================================================================== */
SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	if (result != 0)
		return 0;
	int code;
	if ((unsigned long)info == 0) /* SEND_SIG_NOINFO: a user signal without info */
		code = 0;
	else if ((unsigned long)info == 1) /* SEND_SIG_PRIV: from the kernel */
		return 0;
	else
		code = BPF_CORE_READ(info, si_code);
	if (code != 0 && code != -1 && code != -6)
		return 0;

	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__s32 src = pid_tgid >> 32;
	__s32 dst = BPF_CORE_READ(task, tgid);
	if (!pid_filter_pass(src, dst))
		return 0;

	/* signal_generate also fires from interrupts, possibly inside one of this thread's
	 * programs: a slot of its own, never the interrupted program's (include/scratch.h) */
	__u64 tag = SCRATCH_TAG_NESTED(pid_tgid);
	struct scratch *s = get_scratch_as(tag);
	if (!s)
		return 0;
	struct ipc_rec *ev = &s->ev;
	fill_hdr(&ev->h, REC_IPC, IPC_SIGNAL);
	ev->id = next_event_id();
	ev->src_pid = src;
	ev->src_tid = (__u32)pid_tgid;
	ev->dst_pid = dst;
	ev->dst_tid = BPF_CORE_READ(task, pid);
	bpf_get_current_comm(ev->src_comm, sizeof(ev->src_comm));
	BPF_CORE_READ_STR_INTO(&ev->dst_comm, task, comm);
	ev->count = 0;
	ev->data_len = 0;
	ev->flags = 0;
	ev->inode = 0;
	ev->sig = sig;
	ev->sig_code = code;
	ev->syscall = (__u32)-1;
	ev->name_len = 0;
	output_batched(ev, ipc_rec_size(ev), IPC_SIGNAL);
	scratch_release_as(tag);
	return 0;
}

/* =====================================================================================
 * pipe / FIFO: syscall level. Writes push onto the pipe's queue at sys_enter (before the
 * data can reach a reader), reads pop at sys_exit once the byte count is known.
 * ===================================================================================== */

/* The pipe behind fd, or 0. Fills ino/fifo/name when `want_name`. */
enum { FD_OTHER = 0, FD_PIPE = 1, FD_UNIX = 2, FD_PTY = 3, FD_INET = 4 };
/* `only` of the bodies below: FD_ANY, or the one kind a function hook can see (a constant,
 * so the compiler drops every other kind's code from that program: less to verify). */
#define FD_ANY (-1)
#define FD_ONLY(only, kind) ((only) == FD_ANY || (only) == (kind))

/* A socket we trace: a unix socket of an enabled type (FD_UNIX, c->sk_type = its type), or a
 * TCP/UDP socket when that loopback type is enabled (FD_INET, c->sk_type = the protocol). */
static __always_inline int sk_classify(struct sock *sk, struct inflight *c)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	c->obj = (__u64)sk;
	if (trace_unix && family == AF_UNIX_) {
		c->sk_type = BPF_CORE_READ(sk, sk_type);
		return unix_types & (1 << unix_ipc_type(c->sk_type)) ? FD_UNIX : FD_OTHER;
	}
	if (trace_loopback && (family == AF_INET_ || family == AF_INET6_)) {
		c->sk_type = BPF_CORE_READ(sk, sk_protocol);
		if (c->sk_type != IPPROTO_TCP_ && c->sk_type != IPPROTO_UDP_)
			return FD_OTHER;
		return loopback_types & (1 << loopback_ipc_type(c->sk_type)) ? FD_INET : FD_OTHER;
	}
	return FD_OTHER;
}

/* The file behind fd when its type is one an enabled collector traces (pipe/FIFO, socket,
 * character device), else NULL. Runs on every read()/write() before anything else, so the
 * common "something else" case costs the fd lookup and two probe reads, and claims no scratch
 * slot (a compare-and-swap and its release). */
struct traced_file {
	struct file *f;
	struct inode *inode;
	umode_t mode;
};
static __always_inline bool fd_traced_file(int fd, struct traced_file *t)
{
	/* locals, not t->...: BPF_CORE_READ would relocate the access to our own struct too */
	struct file *f = fd_to_file(fd);
	if (!f)
		return false;
	struct inode *inode = FILE_READ(f, f_inode);
	umode_t mode = FILE_READ(inode, i_mode) & S_IFMT_;
	t->f = f;
	t->inode = inode;
	t->mode = mode;
	return (trace_pipe && mode == S_IFIFO_) || ((trace_unix || trace_loopback) && mode == S_IFSOCK_) ||
	       (trace_pty && mode == S_IFCHR_);
}

/* What a traced file (fd_traced_file) is: a pipe/FIFO, a socket of an enabled type, a pty,
 * or something else. Fills c->obj (the pipe, the sock or the tty), c->ino, and for FIFOs
 * the name. */
static __always_inline int fd_classify(const struct traced_file *t, struct inflight *c, int only)
{
	struct file *f = t->f;
	struct inode *inode = t->inode;
	umode_t mode = t->mode;
	if (FD_ONLY(only, FD_PIPE) && trace_pipe && mode == S_IFIFO_) {
		c->ino = BPF_CORE_READ(inode, i_ino);
		c->fifo = BPF_CORE_READ(inode, i_sb, s_magic) != PIPEFS_MAGIC_;
		c->name_len = 0;
		if (c->fifo) {
			const unsigned char *name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
			long n = bpf_probe_read_kernel_str(c->name, sizeof(c->name), name);
			if (n > 1)
				c->name_len = n - 1;
		}
		c->obj = (__u64)BPF_CORE_READ(f, private_data);
		return FD_PIPE;
	}
	if ((FD_ONLY(only, FD_UNIX) || FD_ONLY(only, FD_INET)) && (trace_unix || trace_loopback) && mode == S_IFSOCK_) {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		struct sock *sk = BPF_CORE_READ(sock, sk);
		if (!sk)
			return FD_OTHER;
		c->ino = BPF_CORE_READ(inode, i_ino);
		int k = sk_classify(sk, c);
		return FD_ONLY(only, k) ? k : FD_OTHER;
	}
	if (FD_ONLY(only, FD_PTY) && trace_pty && mode == S_IFCHR_) {
		int side = pty_side(inode);
		if (!side)
			return FD_OTHER;
		struct tty_file_private *tfp = BPF_CORE_READ(f, private_data);
		c->obj = (__u64)BPF_CORE_READ(tfp, tty);
		c->pty_master = side == 1;
		return c->obj ? FD_PTY : FD_OTHER;
	}
	return FD_OTHER;
}

/* The write queue of a pipe or of a stream socket's receiving end (keyed by the
 * pipe_inode_info or sock pointer; `ino` guards against pointer reuse). */
static __always_inline struct pipe_state *pipe_state_get(__u64 pipe, __u64 ino, bool is_pipe)
{
	struct pipe_state *ps = bpf_map_lookup_elem(&pipes, &pipe);
	if (ps && ps->ino == ino)
		return ps;
	/* First sight (or a reused pointer): start a fresh queue. Whatever is already in the
	 * pipe was written before we could see it; account it to an unknown writer so it is
	 * not mistaken for the next write's bytes. */
	__u64 pending = 0;
	if (is_pipe) {
		struct pipe_inode_info *pi = (struct pipe_inode_info *)pipe;
		__u32 head = BPF_CORE_READ(pi, head);
		__u32 tail = BPF_CORE_READ(pi, tail);
		__u32 ring = BPF_CORE_READ(pi, ring_size);
		struct pipe_buffer *bufs = BPF_CORE_READ(pi, bufs);
		for (int i = 0; i < 16; i++) {
			if (tail + i == head || !ring)
				break;
			struct pipe_buffer *b = &bufs[(tail + i) & (ring - 1)];
			pending += BPF_CORE_READ(b, len);
		}
	}
	/* (a stream socket's already-queued bytes are not counted: they show as unknown-source
	 * only when no later send is queued; see README limitations) */
	struct scratch *s = get_scratch();
	if (!s)
		return NULL;
	/* Build the initial state in scratch (it is too big for the stack). */
	struct pipe_state *init = (struct pipe_state *)&s->data.data;
	__builtin_memset(init, 0, sizeof(*init));
	init->ino = ino;
	if (pending) {
		init->q[0].tgid = -1;
		init->q[0].tid = -1;
		init->q[0].bytes = pending;
		init->q[0].gen = 1;
		init->head = 1;
	}
	/* First sight: NOEXIST, so a second thread seeing the new pipe at the same moment keeps
	 * the first one's queue (and its reserved slot) instead of replacing it. */
	bpf_map_update_elem(&pipes, &pipe, init, ps ? BPF_ANY : BPF_NOEXIST);
	return bpf_map_lookup_elem(&pipes, &pipe);
}

static __always_inline __u64 iov_total(__u64 iov, __u64 cnt)
{
	__u64 total = 0;
	for (int i = 0; i < 64; i++) {
		if (i >= cnt)
			break;
		struct iovec v;
		if (bpf_probe_read_user(&v, sizeof(v), (void *)(iov + i * sizeof(struct iovec))))
			break;
		total += v.iov_len;
	}
	return total;
}

/* Take up to `want` bytes off a byte counter; returns how many were taken (0: none left). */
static __always_inline __u64 bytes_take(__u64 *bytes, __u64 want)
{
#ifdef BPF_LEGACY
	__u64 b = *bytes;
	__u64 t = b < want ? b : want;
	*bytes = b - t;
	return t;
#else
	/* Atomic: another reader of the pipe, or the writer's own correction at its sys_exit,
	 * may take from the same entry at the same time. (A fetch-and-subtract with a repair:
	 * no compare-and-swap retry loop inside pipe_consume()'s loop.) */
	__u64 b = *bytes;
	if ((__s64)b <= 0) /* empty (negative: for an instant, inside another take's repair) */
		return 0;
	__u64 t = b < want ? b : want;
	__u64 old = __sync_fetch_and_sub(bytes, t);
	if (old >= t)
		return t;
	/* someone took bytes since we looked: we got only `old`; give back the rest */
	__sync_fetch_and_add(bytes, t - old);
	return old;
#endif
}

/* Take up to `want` bytes off a queue entry. */
static __always_inline __u64 entry_take(struct wq_entry *e, __u64 want)
{
	return bytes_take(&e->bytes, want);
}

/* The first bytes (up to 8) of user memory at addr: a write's or a read's fingerprint. */
static __always_inline void user_fingerprint(__u64 addr, __u64 len, __u64 *fp, __u8 *fp_len)
{
	__u64 v = 0;
	__u32 l = len < 8 ? len : 8;
	*fp_len = 0;
	if (!addr || !l || bpf_probe_read_user(&v, l, (void *)addr))
		return;
	*fp = v;
	*fp_len = l;
}

/* The first buffer of a syscall's data: the buffer itself, or its first iovec. */
static __always_inline void first_buffer(__u8 kind, __u64 buf, __u64 cnt, __u64 len, __u64 *fp, __u8 *fp_len)
{
	*fp_len = 0;
	if (kind == BUF_IOV) {
		struct iovec v;
		if (!cnt || bpf_probe_read_user(&v, sizeof(v), (void *)buf))
			return;
		buf = (__u64)v.iov_base;
		len = v.iov_len < len ? v.iov_len : len;
	} else if (kind != BUF_PLAIN) {
		return;
	}
	user_fingerprint(buf, len, fp, fp_len);
}

/* A writer that floods a pipe writes far more often than 16 times per read: its writes, one
 * entry each, would overflow the queue and the oldest (still unread) would be forgotten, so
 * later reads would be pinned on whoever wrote last. So a write joins the queue's last entry
 * when that entry is this thread's own earlier write (one thread's writes reach the pipe in
 * order) and is still unread, except while it is the entry at `tail`, where readers are taking
 * bytes (one that emptied it may be about to move `tail` past it). Not for datagrams: a
 * receive takes exactly one queued send. Returns true when merged (c->slot*: that entry). */
static __always_inline bool queue_merge(__u64 pid_tgid, struct inflight *c, struct pipe_state *ps, __u64 requested)
{
	if (c->wkind == FD_INET && c->sk_type != IPPROTO_TCP_)
		return false;
	__u64 head = ps->head;
	if (head - ps->tail < 2)
		return false;
	__u64 last = head - 1;
	struct wq_entry *e = &ps->q[last & (WQ_LEN - 1)];
	if (e->gen != (__u32)(last + 1) || e->tid != (__u32)pid_tgid || e->tgid != (__s32)(pid_tgid >> 32) ||
	    (__s64)e->bytes <= 0)
		return false;
	__sync_fetch_and_add(&e->bytes, requested); /* lock add: the legacy build has it too */
	e->len += requested;
	c->slot = last & (WQ_LEN - 1);
	c->slot_head = last;
	return true;
}

/* A write-like syscall into a pipe or stream socket: reserve a queue slot for its bytes. */
static __always_inline void queue_write_enter(__u64 pid_tgid, __u32 nr, struct inflight *c,
					      __u64 pipe, __u64 requested, bool is_pipe)
{
	if (!requested)
		return;
	struct pipe_state *ps = pipe_state_get(pipe, c->ino, is_pipe);
	if (!ps)
		return;
	c->has_write = 1;
	c->nr = nr;
	c->wpipe = pipe;
	c->wino = c->ino;
	c->requested = requested;
	if (queue_merge(pid_tgid, c, ps, requested))
		return;
#ifdef BPF_LEGACY
	__u64 head = ps->head;
	ps->head = head + 1;
#else
	__u64 head = __sync_fetch_and_add(&ps->head, 1);
#endif
	__u32 slot = head & (WQ_LEN - 1);
	struct wq_entry *e = &ps->q[slot];
	if (head - ps->tail >= WQ_LEN) {
		/* full: the oldest write's slot is reused; its unread bytes become overflow */
		if (e->gen == (__u32)(head - WQ_LEN + 1)) {
			__u64 left = entry_take(e, ~0ULL >> 1);
			if (left)
				__sync_fetch_and_add(&ps->overflow, left); /* (lock add: no fetch, so the legacy build has it too) */
		}
		ps->tail = head - WQ_LEN + 1;
	}
	e->tgid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->bytes = requested;
	e->len = requested > 0xffffffffULL ? 0xffffffff : requested;
	e->fp = c->wfp;
	e->fp_len = c->wfp_len;
	e->port = 0;
	if (c->wkind == FD_INET) {
		/* (through a local: CO-RE must not relocate the access to our own struct inflight) */
		struct sock *sk = (struct sock *)c->obj;
		e->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	}
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* publish: every field above is written before gen (x86-64 keeps stores in order; the
	 * barrier keeps the compiler from moving them) */
	asm volatile("" ::: "memory");
	e->gen = head + 1;
	c->slot = slot;
	c->slot_head = head;
}

#define MMSG_MAX 8 /* messages of one sendmmsg/recvmmsg handled */

/* sendmmsg: streams get one queue entry for all the bytes (one sender, one peer); UDP gets
 * one entry per message, each to its own destination port. No sys_exit correction: its return
 * value counts messages, not bytes. */
static __always_inline void sendmmsg_enter(__u64 pid_tgid, struct pt_regs *regs, int kind,
					   struct inflight *c)
{
	__u64 vec = PT_REGS_PARM2_CORE_SYSCALL(regs);
	__u32 vlen = PT_REGS_PARM3_CORE_SYSCALL(regs);
	struct sock *sk = (struct sock *)c->obj;
	c->wkind = kind;
	if (kind == FD_UNIX && c->sk_type != SOCK_STREAM_) {
		unix_send_enter(pid_tgid, NR_sendmmsg, c, 1);
		return;
	}
	bool udp = kind == FD_INET && c->sk_type == IPPROTO_UDP_;
	__u64 total = 0;
	for (int i = 0; i < MMSG_MAX; i++) {
		if (i >= vlen)
			break;
		struct mmsghdr m;
		if (bpf_probe_read_user(&m, sizeof(m), (void *)(vec + i * sizeof(struct mmsghdr))))
			break;
		__u64 len = iov_total((__u64)m.msg_hdr.msg_iov, m.msg_hdr.msg_iovlen);
		if (!udp) {
			total += len;
			continue;
		}
		__u16 port = udp_dest_port(sk, (__u64)m.msg_hdr.msg_name);
		if (!port)
			continue;
		c->ino = 0;
		queue_write_enter(pid_tgid, NR_sendmmsg, c, udp_dest_key(sk_netns(sk), port), len, false);
	}
	if (udp || !total)
		return;
	__u64 key;
	if (kind == FD_UNIX) {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		if (!peer)
			return;
		key = (__u64)peer;
	} else {
		struct flow_key fk;
		tcp_flow(sk, &fk, false);
		key = flow_hash(&fk);
	}
	c->ino = 0;
	queue_write_enter(pid_tgid, NR_sendmmsg, c, key, total, false);
}

/* Write side (see on_sys_enter): queue the write BEFORE its data can reach a reader. */
static __always_inline int sys_enter_only(struct pt_regs *regs, long id, int only)
{
	int out_fd;
	__u64 iov = 0, cnt = 0, wlen = 0, uaddr = 0;

	/* Decode only the syscalls that put data into pipes or sockets; others return here. */
	switch (id) {
	case NR_write:
		out_fd = SC_ARG1(regs);
		wlen = SC_ARG3(regs);
		break;
	case NR_sendto: /* sendto(fd, buf, len, flags, addr, addrlen) */
		out_fd = SC_ARG1(regs);
		wlen = SC_ARG3(regs);
		uaddr = SC_ARG5(regs);
		break;
	case NR_writev:
	case NR_pwritev2:
	case NR_vmsplice: /* vmsplice(fd, iov, n): into a pipe opened for writing */
		out_fd = SC_ARG1(regs);
		iov = SC_ARG2(regs);
		cnt = SC_ARG3(regs);
		break;
	case NR_sendmsg: { /* sendmsg(fd, msghdr, flags): the iovecs are in the user msghdr */
		if (!trace_unix && !trace_loopback)
			return 0;
		out_fd = SC_ARG1(regs);
		struct user_msghdr m;
		if (bpf_probe_read_user(&m, sizeof(m), (void *)SC_ARG2(regs)))
			return 0;
		iov = (__u64)m.msg_iov;
		cnt = m.msg_iovlen;
		uaddr = (__u64)m.msg_name;
		break;
	}
	case NR_sendmmsg: /* sendmmsg(fd, mmsghdr vec, vlen, flags): queued per message below */
		if (!trace_unix && !trace_loopback)
			return 0;
		out_fd = SC_ARG1(regs);
		break;
	case NR_splice: /* splice(fd_in, off_in, fd_out, off_out, len, flags) */
		out_fd = SC_ARG3(regs);
		wlen = SC_ARG5(regs);
		break;
	case NR_tee: /* tee(fd_in, fd_out, len, flags) */
		out_fd = SC_ARG2(regs);
		wlen = SC_ARG3(regs);
		break;
	case NR_sendfile: /* sendfile(out_fd, in_fd, offset, count): a pipe can be the target */
		out_fd = SC_ARG1(regs);
		wlen = SC_ARG4(regs);
		break;
	default:
		return 0;
	}

	/* (Our own writes are queued too: a reader of our output must find them, attributed to
	 * us, and drop them; otherwise it would report them, and we would print that, forever.) */
	struct traced_file tf;
	if (!fd_traced_file(out_fd, &tf))
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return SCRATCH_USED;
	struct inflight *c = &s->ctx;
	int kind = fd_classify(&tf, c, only);
	if (kind == FD_OTHER)
		return SCRATCH_USED;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	c->wfp_len = 0;
	c->wkind = kind;
	if (id == NR_sendmmsg) {
		sendmmsg_enter(pid_tgid, regs, kind, c);
		return SCRATCH_USED;
	}
	if (iov)
		wlen = iov_total(iov, cnt); /* writev/vmsplice/sendmsg */
	if (kind != FD_PTY) {
		if (iov)
			first_buffer(BUF_IOV, iov, cnt, wlen, &c->wfp, &c->wfp_len);
		else if (id == NR_write || id == NR_sendto)
			first_buffer(BUF_PLAIN, SC_ARG2(regs), 0, wlen, &c->wfp, &c->wfp_len);
	}
	c->has_write = 0;
	c->wkind = kind;
	if (kind == FD_PIPE) {
		queue_write_enter(pid_tgid, id, c, c->obj, wlen, true);
	} else if (kind == FD_UNIX) {
		unix_send_enter(pid_tgid, id, c, wlen);
	} else if (kind == FD_INET) {
		struct sock *sk = (struct sock *)c->obj;
		__u64 key;
		if (c->sk_type == IPPROTO_TCP_) {
			struct flow_key fk;
			tcp_flow(sk, &fk, false);
			key = flow_hash(&fk);
		} else {
			__u16 port = udp_dest_port(sk, uaddr);
			if (!port)
				return SCRATCH_USED;
			key = udp_dest_key(sk_netns(sk), port);
		}
		c->ino = 0;
		queue_write_enter(pid_tgid, id, c, key, wlen, false);
	} else if (id == NR_write || id == NR_writev || id == NR_pwritev2) {
		/* pty: reported at sys_exit once the byte count is known */
		c->has_write = 1;
		c->nr = id;
		c->wpipe = 0;
	}
	if (c->has_write && bpf_map_update_elem(&inflight, &pid_tgid, c, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&pipe_writes_inflight, 1);
	else if (c->has_write)
		bpf_map_update_elem(&inflight, &pid_tgid, c, BPF_ANY); /* stale entry of this thread */
	return SCRATCH_USED;
}

/* Copying user bytes as REC_DATA records, one chunk (or one step to the next iovec) per loop
 * iteration. Run under bpf_loop() (legacy build: RUN_LOOP in include/legacy.h) so the verifier checks the step once instead of unrolling
 * MAX_DATA_CHUNKS iterations (which exceeds its 1M-instruction budget). */

static long copy_step(__u32 index, void *unused)
{
	struct scratch *s = get_scratch();
	if (!s)
		return 1;
	struct copy_state *c = &s->copy;
	if (c->off >= c->total)
		return 1;
	if (c->seg_off >= c->seg_len) {
		if (c->kind != BUF_IOV || c->iov_i >= c->iovcnt)
			return 1;
		struct iovec v;
		if (bpf_probe_read_user(&v, sizeof(v), (void *)(c->buf + c->iov_i * sizeof(struct iovec))))
			return 1;
		c->iov_i++;
		c->seg_base = (__u64)v.iov_base;
		c->seg_len = v.iov_len;
		c->seg_off = 0;
		return 0;
	}
	struct data_rec *d = &s->data;
	__u64 n = c->seg_len - c->seg_off;
	if (n > c->total - c->off)
		n = c->total - c->off;
	if (n > DATA_CHUNK)
		n = DATA_CHUNK;
	if (bpf_probe_read_user(d->data, n, (void *)(c->seg_base + c->seg_off)))
		return 1;
	fill_hdr(&d->h, REC_DATA, c->type);
	d->id = c->id;
	d->offset = c->off;
	d->len = n;
	/* (a failure here cuts this event's bytes short; the loop stops, so one count per event) */
	if (output_batched(d, offsetof(struct data_rec, data) + n, IPC_BYTES_CUT))
		return 1;
	c->off += n;
	c->seg_off += n;
	return 0;
}

LOOP_STEP(copy_step)

/* Copy up to `total` bytes of the user buffer(s) as REC_DATA records. Returns bytes sent. */
static __always_inline __u32 emit_user_bytes(__u64 id, __u16 type, __u8 kind, __u64 buf,
					     __u64 iovcnt, __u32 total)
{
	struct scratch *s = get_scratch();
	if (!s)
		return 0;
	struct copy_state *c = &s->copy;
	c->id = id;
	c->buf = buf;
	c->iovcnt = iovcnt;
	c->seg_base = kind == BUF_PLAIN ? buf : 0;
	c->seg_len = kind == BUF_PLAIN ? total : 0;
	c->seg_off = 0;
	c->iov_i = 0;
	c->off = 0;
	c->total = total;
	c->type = type;
	c->kind = kind;
	c->failed = 0;
	/* enough steps for MAX_DATA_CHUNKS chunks plus one step per iovec (the legacy build's
	 * loop, verified per iteration, stops at 64 iovecs) */
#ifdef BPF_LEGACY
	RUN_LOOP(MAX_DATA_CHUNKS + 64, copy_step);
#else
	RUN_LOOP(MAX_DATA_CHUNKS + 1024, copy_step);
#endif
	return c->off;
}


/* One queue entry of a read's walk (pipe_consume); returns 1 to stop. A loop step (bpf_loop,
 * or a global function in the legacy build) is verified once: unrolled inline, the walk's
 * branches multiplied past the verifier's budget. */
static long consume_step(__u32 i, void *ctx)
{
	/* (uses `i`: the legacy build's caller must keep passing it; clang dropped the argument
	 * set-up of an unused one and the verifier refused the call) */
	if (i >= WQ_LEN)
		return 1;
	struct scratch *s = get_scratch();
	if (!s)
		return 1;
	struct consume_state *cs = &s->cons;
	if (cs->tail == cs->head || !cs->n)
		return 1;
	struct pipe_state *ps = bpf_map_lookup_elem(&pipes, &cs->key);
	if (!ps)
		return 1;
	struct wq_entry *e = &ps->q[cs->tail & (WQ_LEN - 1)];
	if (e->gen != (__u32)(cs->tail + 1)) {
		/* reserved, not yet filled in: that write's bytes are not in the pipe yet */
		cs->hold = 1;
		cs->tail++;
		return 0;
	}
	__u64 avail = e->bytes;
	if ((__s64)avail < 0) /* see entry_take() */
		avail = 0;
	__u64 got;
	if (!cs->consume)
		got = avail < cs->n ? avail : cs->n;
	else
		got = entry_take(e, cs->message ? avail : cs->n);
	if (!got) { /* failed or fully read write */
		cs->tail++;
		if (!cs->hold)
			cs->new_tail = cs->tail;
		return 0;
	}
	struct ipc_rec *ev = &s->ev;
	if (!cs->found) {
		cs->found = 1;
		ev->src_pid = e->tgid;
		ev->src_tid = e->tid;
		ev->src_port = e->port;
		__builtin_memcpy(ev->src_comm, e->comm, TASK_COMM_LEN);
		if (e->tgid < 0)
			ev->flags |= IPC_F_SRC_UNKNOWN_DATA;
		if (cs->message) {
			cs->tail++;
			if (!cs->hold)
				cs->new_tail = cs->tail;
			return 1;
		}
	} else if (e->tgid != ev->src_pid) {
		ev->flags |= IPC_F_MULTI_WRITER;
	}
	if (got < cs->n) { /* this write is used up: go on with the next */
		cs->n -= got;
		cs->tail++;
		if (!cs->hold)
			cs->new_tail = cs->tail;
		return 0;
	}
	cs->n = 0;
	if (cs->consume && (__s64)e->bytes <= 0) {
		cs->tail++;
		if (!cs->hold)
			cs->new_tail = cs->tail;
	}
	return 1;
}

LOOP_STEP(consume_step)

#define NO_PICK (~0ULL)

/* Which queued write does a read's data start with? Writers that race into one pipe (or one
 * stream socket) are queued in the order their sys_enter ran, not the order they got the
 * pipe's mutex, so the write at the queue's head may not be the one whose bytes the read
 * returns. Each entry keeps its write's first bytes: when the head entry (unread so far)
 * does not begin with the read's first bytes and a later unread entry does, that entry is
 * taken first. Writes with equal first bytes cannot be told apart this way. One step per
 * queue index from tail; sets cs->pick and returns 1 to stop. */
static long match_step(__u32 i, void *ctx)
{
	if (i >= WQ_LEN)
		return 1;
	struct scratch *s = get_scratch();
	if (!s)
		return 1;
	struct consume_state *cs = &s->cons;
	__u64 idx = cs->tail + i;
	if (idx == cs->head)
		return 1;
	struct pipe_state *ps = bpf_map_lookup_elem(&pipes, &cs->key);
	if (!ps)
		return 1;
	struct wq_entry *e = &ps->q[idx & (WQ_LEN - 1)];
	__u64 bytes = e->bytes;
	if (e->gen != (__u32)(idx + 1) || (__s64)bytes <= 0)
		return 0; /* unpublished (its bytes are not in the pipe yet), or used up */
	bool unread = bytes == e->len;
	__u8 l = e->fp_len < cs->rfp_len ? e->fp_len : cs->rfp_len;
	__u64 mask = l >= 8 ? ~0ULL : (1ULL << (l * 8)) - 1;
	bool match = l && !((e->fp ^ cs->rfp) & mask);
	if (!cs->found) {
		/* the first entry with bytes left: the one a FIFO order would take */
		cs->found = 1;
		return !unread || !l || match; /* a read that continues a write, or the order is right */
	}
	if (unread && match) {
		cs->pick = idx;
		return 1;
	}
	return 0;
}

LOOP_STEP(match_step)

/* Take the read's first bytes from the entry match_step picked, out of queue order (tail
 * stays: the entries before it still hold their bytes; consume_step skips used-up entries). */
static __always_inline void take_picked(struct scratch *s, struct pipe_state *ps, struct consume_state *cs)
{
	struct wq_entry *e = &ps->q[cs->pick & (WQ_LEN - 1)];
	__u64 avail = e->bytes;
	if ((__s64)avail <= 0)
		return;
	__u64 got = !cs->consume ? (avail < cs->n ? avail : cs->n) : entry_take(e, cs->message ? avail : cs->n);
	if (!got)
		return;
	struct ipc_rec *ev = &s->ev;
	cs->found = 1;
	ev->src_pid = e->tgid;
	ev->src_tid = e->tid;
	ev->src_port = e->port;
	__builtin_memcpy(ev->src_comm, e->comm, TASK_COMM_LEN);
	cs->n = got < cs->n ? cs->n - got : 0;
}

/* Attribute `n` bytes just read from the queue `key` (ps) to the writes that queued them,
 * into the scratch event. `message`: datagram semantics, one receive takes exactly one
 * queued send, whatever its length (a short buffer truncates the datagram; the rest is
 * discarded by the kernel). `consume` false (MSG_PEEK): attribute without taking. */
static __always_inline void pipe_consume(struct pipe_state *ps, __u64 key, __u64 n, bool consume,
					 bool message, __u64 rfp, __u8 rfp_len)
{
	struct scratch *s = get_scratch();
	if (!s)
		return;
	struct consume_state *cs = &s->cons;
	cs->key = key;
	cs->n = n;
	cs->tail = ps->tail;
	cs->head = ps->head;
	cs->new_tail = cs->tail;
	cs->consume = consume;
	cs->message = message;
	cs->hold = 0;
	cs->found = 0;
	cs->pick = NO_PICK;
	cs->rfp = rfp;
	cs->rfp_len = rfp_len;
	if ((__s64)ps->overflow > 0) {
		/* the oldest bytes in the pipe are those of writes the full queue pushed out */
		__u64 got = consume ? bytes_take(&ps->overflow, n) : (ps->overflow < n ? ps->overflow : n);
		if (got) {
			cs->found = 1; /* ev->src_pid stays -1: unknown writer */
			cs->n = got < n ? n - got : 0;
			if (message || !cs->n)
				return;
			rfp_len = 0; /* the read does not begin at a queued write */
		}
	}
	if (rfp_len) {
		RUN_LOOP(WQ_LEN, match_step);
		cs->found = 0;
	}
	if (cs->pick != NO_PICK)
		take_picked(s, ps, cs);
	if (cs->n && !(cs->found && message))
		RUN_LOOP(WQ_LEN, consume_step);
	/* tail stops at the first slot still reserved by a running write */
	if (consume && cs->new_tail != ps->tail)
		ps->tail = cs->new_tail;
}

/* A write into a pty completed: report it to the reader of the other side. */
static __always_inline void pty_write_exit(__u64 pid_tgid, struct pt_regs *regs, long nr, long ret,
					   __u64 tty_ptr, bool master)
{
	struct tty_struct *tty = (struct tty_struct *)tty_ptr;
	struct tty_struct *other = BPF_CORE_READ(tty, link);
	struct tty_struct *slave = master ? other : tty;
	if (!other || !slave)
		return;
	struct scratch *s = get_scratch();
	if (!s)
		return;
	struct ipc_rec *ev = &s->ev;
	__builtin_memset(ev->dst_comm, 0, TASK_COMM_LEN);
	ev->dst_pid = -1;
	ev->dst_tid = -1;
	__u64 key = (__u64)other;
	struct reader *r = bpf_map_lookup_elem(&pty_reader, &key);
	if (r) {
		ev->dst_pid = r->tgid;
		ev->dst_tid = r->tid;
		__builtin_memcpy(ev->dst_comm, r->comm, TASK_COMM_LEN);
	} else if (master) {
		/* nobody seen reading the slave yet: its foreground process group leader */
		struct pid *pgrp = tty_pgrp(slave);
		ev->dst_pid = pid_nr(pgrp);
		if (pgrp)
			pid_comm(pgrp, ev->dst_comm);
	}
	__s32 src = pid_tgid >> 32;
	if (!pid_filter_pass(src, ev->dst_pid))
		return;
	fill_hdr(&ev->h, REC_IPC, IPC_PTY);
	ev->id = next_event_id();
	ev->src_pid = src;
	ev->src_tid = (__u32)pid_tgid;
	bpf_get_current_comm(ev->src_comm, sizeof(ev->src_comm));
	ev->count = ret;
	ev->flags = master ? IPC_F_PTY_MASTER : 0;
	ev->inode = pid_nr(tty_session(slave)); /* dst_sid */
	ev->src_inode = 0;
	ev->sig = 0;
	ev->sig_code = 0;
	ev->syscall = nr;
	long n = bpf_probe_read_kernel_str(ev->name, sizeof(ev->name), slave->name);
	ev->name_len = n > 1 ? n - 1 : 0;
	ev->data_len = 0;
	if (byte_cap) {
		__u32 want = ret < byte_cap ? ret : byte_cap;
		bool iov = nr != NR_write;
		ev->data_len = emit_user_bytes(ev->id, IPC_PTY, iov ? BUF_IOV : BUF_PLAIN,
					       PT_REGS_PARM2_CORE_SYSCALL(regs),
					       iov ? PT_REGS_PARM3_CORE_SYSCALL(regs) : 0, want);
	}
	output_batched(ev, ipc_rec_size(ev), IPC_PTY);
}

/* One receive from a pipe, unix socket or loopback socket, by the current thread: find its
 * source, then emit the event (and bytes). Shared by sys_exit and the per-message recvmmsg
 * path. */
static __always_inline int emit_receive(struct scratch *s, struct inflight *c, int kind,
					__u64 pid_tgid, long nr, long ret, __u8 buf_kind, __u64 buf,
					__u64 cnt, __u64 flags, __u64 raddr, __u64 ctrl, __u64 ctrllen,
					bool consume)
{
	__s32 dst = pid_tgid >> 32;
	struct ipc_rec *ev = &s->ev;
	/* the read's first bytes, for pipe_consume's match against the queued writes */
	__u64 rfp = 0;
	__u8 rfp_len = 0;
	if (kind != FD_UNIX || c->sk_type == SOCK_STREAM_)
		first_buffer(buf_kind, buf, cnt, ret, &rfp, &rfp_len);
	ev->src_pid = -1;
	ev->src_tid = -1;
	ev->src_inode = 0;
	ev->src_port = 0;
	ev->dst_port = 0;
	ev->scm_nfds = 0;
	__builtin_memset(ev->src_comm, 0, TASK_COMM_LEN);
	c->name_len = kind == FD_PIPE ? c->name_len : 0;
	__u16 type = IPC_PIPE;
	if (kind == FD_INET) {
		if (flags & MSG_PEEK_)
			return 0;
		struct sock *sk = (struct sock *)c->obj;
		bool tcp = c->sk_type == IPPROTO_TCP_;
		type = loopback_ipc_type(c->sk_type);
		__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		__u64 key;
		if (tcp) {
			struct flow_key fk;
			tcp_flow(sk, &fk, true); /* the sender's view of this connection */
			key = flow_hash(&fk);
		} else {
			key = udp_dest_key(sk_netns(sk), lport);
		}
		/* no queue: no local process sent on this flow, so it is not loopback traffic */
		struct pipe_state *ps = bpf_map_lookup_elem(&pipes, &key);
		if (!ps)
			return 0;
		ev->flags = 0;
		pipe_consume(ps, key, ret, true, !tcp, rfp, rfp_len);
		if (tcp) {
			ev->src_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		} else if (raddr) {
			/* the kernel wrote the datagram's source address for the caller: exact */
			struct sockaddr_in6 a;
			if (bpf_probe_read_user(&a, sizeof(__u32), (void *)raddr) == 0 &&
			    (a.sin6_family == AF_INET_ || a.sin6_family == AF_INET6_))
				ev->src_port = bpf_ntohs(a.sin6_port);
		}
		ev->dst_port = lport;
	} else if (kind == FD_PIPE) {
		struct pipe_state *ps = pipe_state_get(c->obj, c->ino, true);
		if (!ps)
			return 0;
		ev->flags = c->fifo ? IPC_F_FIFO : 0;
		pipe_consume(ps, c->obj, ret, consume, false, rfp, rfp_len);
	} else {
		if (flags & MSG_PEEK_) /* the data stays queued: report it when really read */
			return 0;
		type = unix_ipc_type(c->sk_type);
		ev->flags = 0;
		if (c->sk_type == SOCK_STREAM_) {
			struct pipe_state *ps = pipe_state_get(c->obj, 0, false);
			if (ps)
				pipe_consume(ps, c->obj, ret, true, false, rfp, rfp_len);
		} else {
			unix_dgram_source(pid_tgid, ev);
		}
		unix_path((struct sock *)c->obj, c);
		if (ctrl && ctrllen)
			unix_scm(ctrl, ctrllen, ev);
	}
	if (ev->src_pid < 0)
		ev->flags |= IPC_F_SRC_UNKNOWN_DATA;

	if (!pid_filter_pass(ev->src_pid, dst))
		return 0;

	fill_hdr(&ev->h, REC_IPC, type);
	ev->id = next_event_id();
	ev->dst_pid = dst;
	ev->dst_tid = (__u32)pid_tgid;
	bpf_get_current_comm(ev->dst_comm, sizeof(ev->dst_comm));
	ev->count = ret;
	ev->inode = c->ino;
	ev->sig = 0;
	ev->sig_code = 0;
	ev->syscall = nr;
	ev->name_len = c->name_len;
	bpf_probe_read_kernel(ev->name, sizeof(ev->name), c->name);
	ev->data_len = 0;
	if (buf_kind == BUF_NONE) {
		ev->flags |= IPC_F_NO_USER_BUF;
	} else if (byte_cap) {
		__u32 want = ret < byte_cap ? ret : byte_cap;
		ev->data_len = emit_user_bytes(ev->id, type, buf_kind, buf, cnt, want);
	}
	output_batched(ev, ipc_rec_size(ev), type);
	return 0;
}

/* recvmmsg: each message becomes its own event with its own bytes (mmsghdr[i]), reported
 * right after skb_copy_datagram_iovec named that message's sender. The per-message hook is
 * the socket layer's sock_recv_length tracepoint (Linux >= 6.3); older kernels get the same
 * events from fexit on the protocol recvmsg functions it sits behind, when fentry works
 * there (user space chooses: src/ipcdump/tracer.ts). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);  /* pid_tgid */
	__type(value, __u32); /* index of the next message */
} mmsg_index SEC(".maps");

static __always_inline int mmsg_message_body(struct sock *sk, int ret, int flags)
{
	struct pt_regs *regs = current_user_regs();
#if defined(__TARGET_ARCH_arm64)
	long nr = BPF_CORE_READ(regs, syscallno);
#else
	long nr = BPF_CORE_READ(regs, orig_ax);
#endif
	if (nr != NR_recvmmsg)
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 *idx = bpf_map_lookup_elem(&mmsg_index, &pid_tgid);
	__u32 i = idx ? *idx : 0, next = i + 1;
	bpf_map_update_elem(&mmsg_index, &pid_tgid, &next, BPF_ANY);
	if (ret <= 0 || i >= 1024)
		return 0;
	__s32 dst = pid_tgid >> 32;
	if ((__u32)dst == self_tgid || (filter_dst_on && !in_set(&filter_dst, dst)))
		return 0;

	struct scratch *s = get_scratch();
	if (!s)
		return 0;
	struct inflight *c = &s->ctx;
	int kind = sk_classify(sk, c);
	if (kind == FD_OTHER)
		return 0;
	c->ino = sock_ino(sk);
	c->name_len = 0;
	struct mmsghdr m;
	__u64 vec = PT_REGS_PARM2_CORE_SYSCALL(regs);
	if (bpf_probe_read_user(&m, sizeof(m), (void *)(vec + i * sizeof(struct mmsghdr))))
		return 0;
	/* (msg_controllen is updated only when recvmmsg returns: no SCM metadata here) */
	emit_receive(s, c, kind, pid_tgid, nr, ret, BUF_IOV, (__u64)m.msg_hdr.msg_iov,
		     m.msg_hdr.msg_iovlen, flags, (__u64)m.msg_hdr.msg_name, 0, 0, true);
	return 0;
}

/* Releases the scratch slot the message took (include/scratch.h). */
static __always_inline int mmsg_message(struct sock *sk, int ret, int flags)
{
	int r = mmsg_message_body(sk, ret, flags);
	SCRATCH_RELEASE();
	return r;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv_length, struct sock *sk, int ret, int flags)
{
	return mmsg_message(sk, ret, flags);
}

/* Before 6.3: the functions sock_recvmsg_nosec() calls, where 6.3 placed the tracepoint.
 * (sock_recvmsg itself is skipped for every message after the first of a recvmmsg.)
 * unix_seqpacket_recvmsg calls unix_dgram_recvmsg, so seqpacket is covered too. */
SEC("?fexit/inet_recvmsg")
int BPF_PROG(on_inet_recvmsg, struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret)
{
	return mmsg_message(sock->sk, ret, flags);
}

SEC("?fexit/inet6_recvmsg")
int BPF_PROG(on_inet6_recvmsg, struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret)
{
	return mmsg_message(sock->sk, ret, flags);
}

SEC("?fexit/unix_dgram_recvmsg")
int BPF_PROG(on_unix_dgram_recvmsg, struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret)
{
	return mmsg_message(sock->sk, ret, flags);
}

SEC("?fexit/unix_stream_recvmsg")
int BPF_PROG(on_unix_stream_recvmsg, struct socket *sock, struct msghdr *msg, size_t size, int flags, int ret)
{
	return mmsg_message(sock->sk, ret, flags);
}

/* Read side, at sys_exit: the syscall's arguments are still in the user registers (x86-64
 * preserves them; arm64 keeps arg0 in orig_x0), so reads need no sys_enter state. That also
 * catches a read that was already blocked when ipcdump attached. */
/* `kmsg`: the kernel's msghdr when called from the return of a socket's recvmsg function
 * (function hooks, below), where the user msghdr's msg_controllen is not yet updated. */
static __always_inline int sys_exit_common(struct pt_regs *regs, long ret, struct msghdr *kmsg, int only)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	long nr = SC_NR(regs);
	int in_fd = -1;
	__u8 buf_kind = BUF_NONE;
	__u64 buf = 0, cnt = 0, flags = 0, raddr = 0, ctrl = 0, ctrllen = 0;
	bool consume = true;

	switch (nr) {
	case NR_read:
		buf_kind = BUF_PLAIN;
		buf = SC_ARG2(regs);
		break;
	case NR_recvfrom: /* recvfrom(fd, buf, len, flags, addr, addrlen) */
		if (!trace_unix && !trace_loopback)
			return 0;
		buf_kind = BUF_PLAIN;
		buf = SC_ARG2(regs);
		flags = SC_ARG4(regs);
		raddr = SC_ARG5(regs);
		break;
	case NR_recvmsg: { /* recvmsg(fd, msghdr, flags) */
		if (!trace_unix && !trace_loopback)
			return 0;
		struct user_msghdr m;
		if (bpf_probe_read_user(&m, sizeof(m), (void *)SC_ARG2(regs)))
			return 0;
		buf_kind = BUF_IOV;
		buf = (__u64)m.msg_iov;
		cnt = m.msg_iovlen;
		flags = SC_ARG3(regs);
		raddr = (__u64)m.msg_name;
		ctrl = (__u64)m.msg_control;
		ctrllen = m.msg_controllen; /* as updated by the kernel at sys_exit */
#ifndef BPF_LEGACY
		if (kmsg && ctrl) /* not yet updated: what put_cmsg() wrote is up to its cursor */
			ctrllen = (__u64)kmsg->msg_control_user - ctrl;
#endif
		break;
	}
	case NR_readv:
	case NR_preadv2: /* pipes accept preadv2 only with offset -1 */
	case NR_vmsplice: /* vmsplice on a pipe's read end copies its data out */
		buf_kind = BUF_IOV;
		buf = SC_ARG2(regs);
		cnt = SC_ARG3(regs);
		break;
	case NR_splice:
		break;
	case NR_tee:
		consume = false; /* tee duplicates pipe data without removing it */
		break;
	case NR_write:
	case NR_writev:
	case NR_pwritev2:
	case NR_sendfile:
	case NR_sendto:
	case NR_sendmsg:
		goto write_done;
	case NR_recvmmsg: /* its messages were reported by mmsg_message() */
		bpf_map_delete_elem(&mmsg_index, &pid_tgid);
		return 0;
	default:
		return 0;
	}
	in_fd = SC_ARG1(regs);

write_done:;
	/* Write side: give back the part of the reservation that was not written, unless the slot
	 * was since recycled (more than WQ_LEN later writes) or already fully consumed. */
	struct inflight *w = pipe_writes_inflight > 0 ? bpf_map_lookup_elem(&inflight, &pid_tgid) : NULL;
	__u64 pty_tty = 0;
	bool pty_master = false;
	if (w && w->nr != nr) {
		/* Not this call's: a write whose exit we never saw (its thread died in it). Drop it
		 * rather than report this call as that write. */
		if (bpf_map_delete_elem(&inflight, &pid_tgid) == 0)
			__sync_fetch_and_add(&pipe_writes_inflight, -1);
		w = NULL;
	}
	if (w && w->wkind == FD_PTY) {
		pty_tty = w->obj;
		pty_master = w->pty_master;
	}
	if (w) {
		struct pipe_state *wps = bpf_map_lookup_elem(&pipes, &w->wpipe);
		__u64 written = ret > 0 ? ret : 0;
		/* still our entry: published with our slot index, not since reused */
		struct wq_entry *e = wps && wps->ino == w->wino ? &wps->q[w->slot & (WQ_LEN - 1)] : NULL;
		if (e && e->gen != w->slot_head + 1)
			e = NULL;
		if (e && written < w->requested && (__s32)(w->slot_head - (__u32)wps->tail) >= 0) {
			entry_take(e, w->requested - written); /* the bytes that never reached the pipe */
			e->len -= w->requested - written; /* (only pipe_consume's fingerprint match reads it) */
		}
		if (e && w->wkind == FD_INET) {
			/* an unbound UDP socket got its port during the send (autobind) */
			struct sock *wsk = (struct sock *)w->obj;
			e->port = BPF_CORE_READ(wsk, __sk_common.skc_num);
		}
		if (bpf_map_delete_elem(&inflight, &pid_tgid) == 0)
			__sync_fetch_and_add(&pipe_writes_inflight, -1);
	}
	if (pty_tty && ret > 0) {
		pty_write_exit(pid_tgid, regs, nr, ret, pty_tty, pty_master);
		return SCRATCH_USED;
	}
	if (in_fd < 0 || ret <= 0)
		return 0;

	/* Cheap early exits: the reader is the destination. */
	__s32 dst = pid_tgid >> 32;
	if ((__u32)dst == self_tgid)
		return 0;
	if (filter_dst_on && !in_set(&filter_dst, dst))
		return 0;

	struct traced_file tf;
	if (!fd_traced_file(in_fd, &tf))
		return 0;
	struct scratch *s = get_scratch();
	if (!s)
		return SCRATCH_USED;
	struct inflight *c = &s->ctx;
	int kind = fd_classify(&tf, c, only);
	if (kind == FD_OTHER)
		return SCRATCH_USED;
	if (kind == FD_PTY) {
		pty_read_exit(pid_tgid, c);
		return SCRATCH_USED;
	}
	emit_receive(s, c, kind, pid_tgid, nr, ret, buf_kind, buf, cnt, flags, raddr, ctrl, ctrllen, consume);
	return SCRATCH_USED;
}

static __always_inline int sys_enter_body(struct pt_regs *regs, long id)
{
	return sys_enter_only(regs, id, FD_ANY);
}

static __always_inline int sys_exit_body(struct pt_regs *regs, long ret)
{
	return sys_exit_common(regs, ret, NULL, FD_ANY);
}

/* The syscall hooks, each in two copies: include/backup_hooks.h. */
#include "backup_hooks.h"

/* Write side, at sys_enter: queue the write BEFORE its data can reach a reader. */
BACKED_SYSCALL_HOOKS(on_sys_enter, on_sys_exit, sys_enter_body, sys_exit_body)

#ifndef BPF_LEGACY
/* Function hooks: the same bodies, run only where IPC data moves (include/function_hooks.h). */
#include "function_hooks.h"
#endif

/* =====================================================================================
 * Process lifecycle, on the same ring so comms of short-lived processes resolve in order.
 * Only whole processes (thread-group leaders) are reported; thread events are noise here.
 * ===================================================================================== */
static __always_inline void emit_proc(__u16 kind, __s32 pid, __s32 ppid, const char *comm)
{
	struct proc_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_lost(IPC_PROC);
		return;
	}
	fill_hdr(&r->h, kind, IPC_PROC);
	r->pid = pid;
	r->ppid = ppid;
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), comm);
	submit_batched(r, sizeof(*r));
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0; /* a new thread */
	emit_proc(REC_PROC_FORK, BPF_CORE_READ(child, tgid), BPF_CORE_READ(parent, tgid), child->comm);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	emit_proc(REC_PROC_COMM, BPF_CORE_READ(p, tgid), -1, p->comm);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(on_rename, struct task_struct *task, const char *comm)
{
	if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
		return 0;
	emit_proc(REC_PROC_COMM, BPF_CORE_READ(task, tgid), -1, comm);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0;
	emit_proc(REC_PROC_EXIT, BPF_CORE_READ(p, tgid), -1, p->comm);
	return 0;
}
