/* unix-stream, unix-dgram, unix-seqpacket collectors (included by ipcdump.bpf.c).
 *
 * Endpoints are the processes that really send and receive, not peer credentials:
 *  - stream: like pipes, a queue of sends per RECEIVING socket. A send is queued at sys_enter
 *    on the peer socket (unix_sk(sk)->peer) before its data can be read; a receive takes its
 *    bytes off the front. Exact for socketpairs shared across fork and for passed sockets.
 *  - dgram/seqpacket: every message is an skb owned by the SENDING socket. When a receiver
 *    copies it out (tracepoint skb_copy_datagram_iovec, in the receiver's context) we note
 *    skb->sk; the sender is the process that last sent on that socket (recorded at send).
 *    This also covers unconnected senders (sendto with an address).
 * Mirrors net/unix/af_unix.c. */
#pragma once

#define AF_UNIX_ 1
#define SOCK_STREAM_ 1
#define SOCK_DGRAM_ 2
#define SOCK_SEQPACKET_ 5
#define MSG_PEEK_ 2

const volatile bool trace_unix = false;
const volatile __u8 unix_types = 0; /* bit (1 << IPC_UNIX_*) per enabled type */

/* Last process that sent on a dgram/seqpacket socket. */
struct sender {
	__s32 tgid;
	__s32 tid;
	__u64 ino;
	char comm[TASK_COMM_LEN];
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct sock * */
	__type(value, struct sender);
} sock_sender SEC(".maps");

/* The sending socket of the datagram a thread is receiving (set by skb_copy_datagram_iovec,
 * taken at sys_exit). */
struct dgram_src {
	__u64 sk;
	__u64 ino;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct dgram_src);
} dgram_src SEC(".maps");

static __always_inline __u16 unix_ipc_type(__u16 sk_type)
{
	if (sk_type == SOCK_STREAM_)
		return IPC_UNIX_STREAM;
	if (sk_type == SOCK_SEQPACKET_)
		return IPC_UNIX_SEQPACKET;
	return IPC_UNIX_DGRAM;
}

static __always_inline __u64 sock_ino(struct sock *sk)
{
	struct socket *sock = BPF_CORE_READ(sk, sk_socket);
	if (!sock)
		return 0; /* the socket was closed (skb still holds the sock) */
	return BPF_CORE_READ((struct socket_alloc *)sock, vfs_inode.i_ino);
}

/* The bound address of sk, else its peer's: into c->name (raw sun_path bytes). */
static __always_inline void unix_path(struct sock *sk, struct inflight *c)
{
	struct unix_address *a = BPF_CORE_READ((struct unix_sock *)sk, addr);
	if (!a) {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		if (peer)
			a = BPF_CORE_READ((struct unix_sock *)peer, addr);
	}
	c->name_len = 0;
	if (!a)
		return;
	int len = BPF_CORE_READ(a, len) - (int)sizeof(__kernel_sa_family_t);
	if (len <= 0)
		return;
	if (len > 108)
		len = 108;
	if (bpf_probe_read_kernel(c->name, len & 127, (void *)a->name + sizeof(__kernel_sa_family_t)) == 0)
		c->name_len = len;
}

/* A send on a unix socket, at sys_enter. */
static __always_inline void unix_send_enter(__u64 pid_tgid, __u32 nr, struct inflight *c, __u64 len)
{
	struct sock *sk = (struct sock *)c->obj;
	if (c->sk_type == SOCK_STREAM_) {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		if (!peer)
			return;
		/* Keyed by the peer sock alone: before accept() the peer is an embryo socket with no
		 * file, so no inode can serve as a generation check. */
		c->ino = 0;
		queue_write_enter(pid_tgid, nr, c, (__u64)peer, len, false);
		return;
	}
	struct sender snd = { .tgid = pid_tgid >> 32, .tid = (__u32)pid_tgid, .ino = c->ino };
	bpf_get_current_comm(snd.comm, sizeof(snd.comm));
	__u64 key = (__u64)sk;
	bpf_map_update_elem(&sock_sender, &key, &snd, BPF_ANY);
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(on_skb_copy_datagram, const struct sk_buff *skb, int len)
{
	struct sock *sk = skb->sk;
	if (!sk || sk->__sk_common.skc_family != AF_UNIX_ || sk->sk_type == SOCK_STREAM_)
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct dgram_src d = { .sk = (__u64)sk, .ino = sock_ino(sk) };
	bpf_map_update_elem(&dgram_src, &pid_tgid, &d, BPF_ANY);
	return 0;
}

/* Sender of a datagram this thread just received. */
static __always_inline void unix_dgram_source(__u64 pid_tgid, struct ipc_rec *ev)
{
	struct dgram_src *d = bpf_map_lookup_elem(&dgram_src, &pid_tgid);
	if (!d)
		return;
	ev->src_inode = d->ino;
	struct sender *snd = bpf_map_lookup_elem(&sock_sender, &d->sk);
	if (snd) {
		if (!ev->src_inode) /* the sender closed its socket since: use the inode seen at send */
			ev->src_inode = snd->ino;
		ev->src_pid = snd->tgid;
		ev->src_tid = snd->tid;
		__builtin_memcpy(ev->src_comm, snd->comm, TASK_COMM_LEN);
	}
	bpf_map_delete_elem(&dgram_src, &pid_tgid);
}

/* Kind of a file the receiver just got through SCM_RIGHTS (it is in its fd table now). */
static __always_inline __u8 scm_fd_kind(int fd)
{
	struct file *f = fd_to_file(fd);
	if (!f)
		return SCM_K_OTHER;
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	umode_t mode = BPF_CORE_READ(inode, i_mode) & S_IFMT_;
	switch (mode) {
	case S_IFIFO_:
		return BPF_CORE_READ(inode, i_sb, s_magic) == PIPEFS_MAGIC_ ? SCM_K_PIPE : SCM_K_FIFO;
	case S_IFSOCK_: {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		__u16 family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
		return family == AF_UNIX_ ? SCM_K_UNIX_SOCKET
		       : (family == 2 || family == 10) ? SCM_K_INET_SOCKET : SCM_K_SOCKET;
	}
	case 0100000: /* S_IFREG */
		return SCM_K_FILE;
	case 0040000: /* S_IFDIR */
		return SCM_K_DIR;
	case S_IFCHR_:
		return SCM_K_CHARDEV;
	}
	return SCM_K_OTHER;
}

/* Control messages a recvmsg() returned: SCM_RIGHTS fds and SCM_CREDENTIALS. */
static __always_inline void unix_scm(__u64 ctrl, __u64 ctrllen, struct ipc_rec *ev)
{
	ev->scm_nfds = 0;
	__u64 off = 0;
	for (int i = 0; i < 4; i++) { /* a few control messages at most */
		struct { __u64 len; __s32 level; __s32 type; } h;
		if (off + sizeof(h) > ctrllen || bpf_probe_read_user(&h, sizeof(h), (void *)(ctrl + off)))
			break;
		if (h.len < sizeof(h))
			break;
		if (h.level == 1 /* SOL_SOCKET */ && h.type == 1 /* SCM_RIGHTS */) {
			__u32 n = (h.len - sizeof(h)) / sizeof(int);
			ev->scm_nfds += n;
			for (int j = 0; j < SCM_MAX_FDS; j++) {
				int fd;
				if (j >= n || bpf_probe_read_user(&fd, sizeof(fd), (void *)(ctrl + off + sizeof(h) + j * sizeof(int))))
					break;
				ev->scm_kinds[j] = scm_fd_kind(fd);
				ev->scm_fds[j] = fd;
			}
		} else if (h.level == 1 && h.type == 2 /* SCM_CREDENTIALS */) {
			struct { __s32 pid; __u32 uid; __u32 gid; } cr;
			if (bpf_probe_read_user(&cr, sizeof(cr), (void *)(ctrl + off + sizeof(h))) == 0) {
				ev->cred_pid = cr.pid;
				ev->cred_uid = cr.uid;
				ev->cred_gid = cr.gid;
				ev->flags |= IPC_F_CREDS;
			}
		}
		off += (h.len + 7) & ~7ULL; /* CMSG_ALIGN */
	}
}
