/* bench_unixbulk N: bulk transfer over a unix stream socketpair between two processes: the
 * parent writes N x 4 KiB (1 GiB for N = 262144), the child reads it all with a 4 KiB buffer.
 * Each 4 KiB write is one skb on the receiving socket and a 4 KiB read takes exactly one skb,
 * so every read returns 4096 bytes (the child checks this and fails otherwise): expected
 * ipcdump events = N receives. Prints the elapsed seconds (first write to last byte read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"

#define MSG 4096

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 262144;
	int sv[2], done[2];
	static char buf[MSG];
	memset(buf, 'x', sizeof(buf));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(done))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		for (long i = 0; i < n; i++)
			if (read(sv[1], buf, MSG) != MSG)
				_exit(1);
		/* tell the parent the last byte arrived (a pipe, not traced with -t unix-stream) */
		if (write(done[1], "k", 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	double t0 = now();
	for (long i = 0; i < n; i++)
		if (write(sv[0], buf, MSG) != MSG)
			return 1;
	char c;
	if (read(done[0], &c, 1) != 1)
		return 1;
	double t1 = now();
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return 2;
	printf("%.6f\n", t1 - t0);
	return 0;
}
