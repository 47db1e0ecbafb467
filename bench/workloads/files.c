/* bench_files N: a file-heavy loop for syscall recorders: N x (openat, read 64 bytes, close,
 * stat) on one file. Expected events: 4 N (plus the loader's few calls at start-up).
 * Prints elapsed s. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PATH "/tmp/bench_files.dat"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	char buf[64];
	struct stat st;
	FILE *f = fopen(PATH, "w");
	if (!f || fputs("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", f) < 0 || fclose(f))
		return 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, PATH, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) != sizeof(buf))
			return 2;
		close(fd);
		if (stat(PATH, &st))
			return 3;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.6f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
