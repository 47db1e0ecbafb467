/* pipeloop N: waits for one byte on stdin, then N times writes one byte into its own pipe and
 * reads it back (N pipe events, src = dst = this process), then prints "done". A C program so
 * the event count is exact (no interpreter start-up reading pipes of its own). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	int p[2];
	char c;
	if (pipe(p) || read(0, &c, 1) != 1)
		return 1;
	for (long i = 0; i < n; i++) {
		if (write(p[1], "x", 1) != 1 || read(p[0], &c, 1) != 1)
			return 1;
	}
	printf("done\n");
	fflush(stdout);
	return 0;
}
