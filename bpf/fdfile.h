/* fd -> struct file for the current task, and the few inode constants we classify by.
 * Mirrors fs/file.c (files_lookup_fd_raw); done with CO-RE reads because tracepoint programs
 * cannot call fget(). The fd table is RCU-protected; a racing close() can at worst make us
 * read a stale file pointer, which only mislabels that one syscall. */
#pragma once

#include "legacy.h"

#define S_IFMT_ 00170000
#define S_IFIFO_ 0010000
#define S_IFSOCK_ 0140000
#define S_IFCHR_ 0020000
#define PIPEFS_MAGIC_ 0x50495045

/* Runs on every write() and read() exit, so it is written for speed: in tp_btf programs the
 * task pointer is BTF-typed, and loads through BTF pointers compile to plain (fault-handled)
 * memory loads instead of bpf_probe_read_kernel() helper calls. Only the fd array, a pointer
 * to pointers that BTF loads cannot express, needs one helper call. (The legacy build, for
 * kernels before 5.11, has no BTF-typed task: TASK_READ is a CO-RE read there; include/legacy.h.) */
static __always_inline struct file *fd_to_file(int fd)
{
	if (fd < 0)
		return NULL;
	struct task_struct *task = CURRENT_TASK();
	struct files_struct *files = TASK_READ(task, files);
	if (!files)
		return NULL;
	struct fdtable *fdt = TASK_READ(files, fdt);
	if (!fdt || (unsigned int)fd >= TASK_READ(fdt, max_fds))
		return NULL;
	struct file **fds = TASK_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}
