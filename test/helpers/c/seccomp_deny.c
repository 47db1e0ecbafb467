/* Installs a seccomp filter that fails mkdir with EPERM (the kernel then skips sys_enter but
 * still runs sys_exit), calls mkdir(argv[1]) and then rmdir(argv[2]) normally. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdir, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 3;
	int r1 = syscall(SYS_mkdir, argv[1], 0700);
	int e1 = errno;
	int r2 = syscall(SYS_rmdir, argv[2]);
	fprintf(stderr, "mkdir=%d errno=%d rmdir=%d\n", r1, e1, r2);
	return r1 == -1 && e1 == EPERM ? 0 : 1;
}
