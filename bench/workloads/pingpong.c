/* bench_pingpong N: two processes exchange 1-byte messages over two pipes, N round trips.
 * Expected ipcdump events: 2N pipe reads. Prints the elapsed seconds of the exchange. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "clock.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	int a[2], b[2];
	char c = 'x';
	if (pipe(a) || pipe(b))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		for (long i = 0; i < n; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	double t0 = now();
	for (long i = 0; i < n; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			return 1;
	double t1 = now();
	waitpid(pid, NULL, 0);
	printf("%.6f\n", t1 - t0);
	return 0;
}
