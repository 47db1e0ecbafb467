/* fd -> struct file for the current task, and the few inode constants we classify by.
 * Mirrors fs/file.c (files_lookup_fd_raw); done with CO-RE reads because tracepoint programs
 * cannot call fget(). The fd table is RCU-protected; a racing close() can at worst make us
 * read a stale file pointer, which only mislabels that one syscall. */
#pragma once

#define S_IFMT_ 00170000
#define S_IFIFO_ 0010000
#define S_IFSOCK_ 0140000
#define S_IFCHR_ 0020000
#define PIPEFS_MAGIC_ 0x50495045

static __always_inline struct file *fd_to_file(int fd)
{
	if (fd < 0)
		return NULL;
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return NULL;
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned int)fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}
