/* Records shared by ipcdump.bpf.c and the TypeScript decoder (src/ipcdump/records.ts).
 *
 * The TypeScript offsets are GENERATED from this object's BTF (scripts/gen-layouts.mjs writes
 * src/ipcdump/layout.generated.ts) and a unit test checks they still match, so the two sides
 * cannot drift. Keep every struct referenced from ipcdump.bpf.c so it lands in the BTF.
 *
 * Every record starts with struct rec_hdr; `kind` selects the layout.
 */
#pragma once

#define TASK_COMM_LEN 16
#define PIPE_NAME_LEN 128
#define DATA_CHUNK 16384 /* must be a power of two: used as a mask for the verifier */
#define SCM_MAX_FDS 8
#define MAX_DATA_CHUNKS 64 /* 64 x 16 KiB = 1 MiB of captured bytes per event at most */

enum rec_kind {
	REC_IPC = 1,       /* struct ipc_rec: one IPC event */
	REC_DATA = 2,      /* struct data_rec: bytes of the IPC event with the same id, sent BEFORE it */
	REC_PROC_FORK = 3, /* struct proc_rec: a new process */
	REC_PROC_COMM = 4, /* struct proc_rec: exec or rename changed a process's comm */
	REC_PROC_EXIT = 5, /* struct proc_rec: a process exited */
};

/* IPC types; also the slot of the per-type lost-event counters (lost_events map). */
enum ipc_type {
	IPC_SIGNAL = 0,
	IPC_PIPE = 1,
	IPC_UNIX_STREAM = 2,
	IPC_UNIX_DGRAM = 3,
	IPC_UNIX_SEQPACKET = 4,
	IPC_PTY = 5,
	IPC_LOOPBACK_TCP = 6,
	IPC_LOOPBACK_UDP = 7,
	IPC_PROC = 8, /* process lifecycle records (not IPC; losses still counted) */
	IPC_TYPE_MAX = 9,
	/* lost_events slot only: an event whose bytes (REC_DATA records) did not all fit in the
	 * ring; the event itself went out, with data_len saying how many did */
	IPC_BYTES_CUT = 15,
};

struct rec_hdr {
	__u16 kind;
	__u16 type;   /* enum ipc_type for REC_IPC/REC_DATA */
	__u32 cpu;
	__u64 ts;     /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
};

struct ipc_rec {
	struct rec_hdr h;
	__u64 id;          /* unique per event; REC_DATA records carry the same id */
	__s32 src_pid;     /* tgid; -1 = unknown */
	__s32 dst_pid;
	__s32 src_tid;
	__s32 dst_tid;
	char src_comm[TASK_COMM_LEN];
	char dst_comm[TASK_COMM_LEN];
	__u64 count;       /* bytes moved (pipe), 0 for signals */
	__u32 data_len;    /* captured bytes sent in REC_DATA records before this one */
	__u32 flags;       /* IPC_F_* */
	/* type-specific */
	__u64 inode;       /* pipe: i_ino */
	__s32 sig;         /* signal: number */
	__s32 sig_code;    /* signal: si_code (SI_USER 0, SI_QUEUE -1, SI_TKILL -6) */
	__u32 syscall;     /* syscall that carried the IPC (pipe), -1 if none */
	__u16 name_len;    /* bytes used in name[] (no NUL) */
	__u16 pad;
	__u64 src_inode;   /* unix dgram/seqpacket: inode of the sending socket (0 if closed) */
	__u16 src_port;    /* loopback: host order */
	__u16 dst_port;
	__u32 scm_nfds;    /* unix recvmsg: file descriptors received with SCM_RIGHTS */
	__u8 scm_kinds[SCM_MAX_FDS]; /* enum scm_kind of the first SCM_MAX_FDS of them */
	__s32 scm_fds[SCM_MAX_FDS];  /* their numbers in the receiver (user space names files) */
	__s32 cred_pid;    /* SCM_CREDENTIALS, when received (IPC_F_CREDS) */
	__u32 cred_uid;
	__u32 cred_gid;
	__u32 pad3;
	/* pipe: FIFO basename, empty for anonymous pipes; unix: the socket's bound sun_path
	 * (raw bytes; a leading NUL means an abstract name), empty when unbound */
	char name[PIPE_NAME_LEN];
};

/* ipc_rec.flags */
enum ipc_flags {
	IPC_F_SRC_UNKNOWN_DATA = 1 << 0, /* data predates the tracer (writer unknown) */
	IPC_F_NO_USER_BUF = 1 << 1,      /* splice/tee: no user buffer, so no bytes */
	IPC_F_MULTI_WRITER = 1 << 2,     /* the bytes read came from several writes/writers */
	IPC_F_FIFO = 1 << 3,             /* named pipe */
	IPC_F_PTY_MASTER = 1 << 4,       /* pty: written to the master side (keystrokes) */
	IPC_F_CREDS = 1 << 5,            /* unix: SCM_CREDENTIALS received (cred_*) */
};

/* What a file descriptor passed with SCM_RIGHTS refers to. */
enum scm_kind {
	SCM_K_OTHER = 0,
	SCM_K_PIPE = 1,
	SCM_K_FIFO = 2,
	SCM_K_UNIX_SOCKET = 3,
	SCM_K_INET_SOCKET = 4,
	SCM_K_SOCKET = 5,
	SCM_K_FILE = 6,
	SCM_K_DIR = 7,
	SCM_K_CHARDEV = 8,
};

struct data_rec {
	struct rec_hdr h;
	__u64 id;
	__u32 offset;
	__u32 len;
	__u8 data[DATA_CHUNK];
};

struct proc_rec {
	struct rec_hdr h;
	__s32 pid;
	__s32 ppid;
	char comm[TASK_COMM_LEN];
};
