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

/* Runs on every write() and read(), so it is written for speed: in tp_btf programs the task
 * pointer is BTF-typed, and loads through BTF pointers compile to plain (fault-handled) memory
 * loads instead of bpf_probe_read_kernel() helper calls. (The legacy build, for kernels before
 * 5.17, has no BTF-typed task: TASK_READ is a CO-RE read there; include/legacy.h.)
 *
 * The fd array is a pointer to pointers, which BTF loads cannot express. From Linux 6.2
 * bpf_rdonly_cast() gives its slot a type, so fd_to_file() and the FILE_READ()s of its result
 * are plain loads too; the verifier turns the kfunc into a register move. This halved the
 * hook's cost on unrelated writes (bench devnull, 6.18: 1.36x -> 1.20x; the three probe reads
 * were the largest item in a perf profile). Kernels 5.17 .. 6.1 get the `nocast` build
 * (-DBPF_NO_RDONLY_CAST; chosen in src/runtime/objects.ts). */
#if !defined(BPF_LEGACY) && !defined(BPF_NO_RDONLY_CAST)
#define HAVE_RDONLY_CAST 1
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define FILE_READ(f, field) ((f)->field)
#else
#define FILE_READ(f, field) BPF_CORE_READ(f, field)
#endif

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
#ifdef HAVE_RDONLY_CAST
	/* BTF cannot type an element of a pointer array; struct kiocb, whose first member is a
	 * struct file *, lends the slot a type (include/linux/fs.h: ki_filp). */
	struct kiocb *slot = bpf_rdonly_cast(&fds[fd], bpf_core_type_id_kernel(struct kiocb));
	return slot->ki_filp;
#else
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
#endif
}
