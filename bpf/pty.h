/* pty collector (included by ipcdump.bpf.c): writes into either side of a pseudoterminal.
 *
 *  - a write to the MASTER (keystrokes from a terminal emulator, sshd, tmux, script) goes to
 *    the process that reads the slave;
 *  - a write to the SLAVE (program output) goes to the process that reads the master.
 * "The process that reads" is the last process whose read() on that side completed (recorded
 * at sys_exit of reads on pty fds). Before any such read was seen, a master write falls back
 * to the slave's foreground process group leader (what the original reported); a slave write
 * to an unknown reader stays <unknown>.
 * tty_name and dst_sid are the slave's (`pts3`, its session). Mirrors drivers/tty/pty.c. */
#pragma once

const volatile bool trace_pty = false;

#define PTY_SLAVE_MAJOR_FIRST 136
#define PTY_SLAVE_MAJOR_LAST 143
#define TTYAUX_MAJOR 5 /* /dev/ptmx is 5:2 */
#define MINORBITS 20

/* Kernels before 5.17 kept pgrp/session directly in tty_struct (now in tty->ctrl). */
struct tty_struct___old {
	struct pid *pgrp;
	struct pid *session;
} __attribute__((preserve_access_index));

struct reader {
	__s32 tgid;
	__s32 tid;
	char comm[TASK_COMM_LEN];
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64); /* struct tty_struct * */
	__type(value, struct reader);
} pty_reader SEC(".maps");

/* Is this inode a pty master or slave? Checked by device number BEFORE trusting
 * file->private_data to be a struct tty_file_private. Returns 1 master, 2 slave, 0 no. */
static __always_inline int pty_side(struct inode *inode)
{
	dev_t rdev = BPF_CORE_READ(inode, i_rdev);
	__u32 major = rdev >> MINORBITS, minor = rdev & ((1U << MINORBITS) - 1);
	if (major >= PTY_SLAVE_MAJOR_FIRST && major <= PTY_SLAVE_MAJOR_LAST)
		return 2;
	if (major == TTYAUX_MAJOR && minor == 2)
		return 1;
	return 0;
}

static __always_inline __s32 pid_nr(struct pid *p)
{
	return p ? BPF_CORE_READ(p, numbers[0].nr) : -1;
}

static __always_inline struct pid *tty_pgrp(struct tty_struct *t)
{
	if (bpf_core_field_exists(t->ctrl))
		return BPF_CORE_READ(t, ctrl.pgrp);
	return BPF_CORE_READ((struct tty_struct___old *)t, pgrp);
}

static __always_inline struct pid *tty_session(struct tty_struct *t)
{
	if (bpf_core_field_exists(t->ctrl))
		return BPF_CORE_READ(t, ctrl.session);
	return BPF_CORE_READ((struct tty_struct___old *)t, session);
}

/* The comm of the leader of a struct pid (the first task attached as PIDTYPE_PID). */
static __always_inline void pid_comm(struct pid *p, char *comm)
{
	struct hlist_node *first = BPF_CORE_READ(p, tasks[PIDTYPE_PID].first);
	if (!first)
		return;
	struct task_struct *t = (void *)first - bpf_core_field_offset(struct task_struct, pid_links);
	BPF_CORE_READ_STR_INTO(comm, t, comm);
}

/* A read on a pty fd completed: remember who reads that side. */
static __always_inline void pty_read_exit(__u64 pid_tgid, struct inflight *c)
{
	struct reader r = { .tgid = pid_tgid >> 32, .tid = (__u32)pid_tgid };
	bpf_get_current_comm(r.comm, sizeof(r.comm));
	bpf_map_update_elem(&pty_reader, &c->obj, &r, BPF_ANY);
}
