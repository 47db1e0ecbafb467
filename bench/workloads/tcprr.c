/* bench_tcprr N: TCP request/response over 127.0.0.1 between two processes: the client sends a
 * 64-byte request, the server reads it and sends a 64-byte response, N round trips. Nodelay,
 * one segment per message and each read returns exactly 64 bytes (checked): expected ipcdump
 * events = 2N receives. Prints the elapsed seconds of the exchange (connection set-up is not
 * timed). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"

#define MSG 64

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	char buf[MSG];
	int one = 1;
	memset(buf, 'x', sizeof(buf));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
	socklen_t alen = sizeof(a);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen))
		return 1;
	pid_t pid = fork();
	if (pid == 0) { /* server */
		int s = accept(ls, NULL, NULL);
		if (s < 0 || setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
			_exit(1);
		for (long i = 0; i < n; i++)
			if (read(s, buf, MSG) != MSG || write(s, buf, MSG) != MSG)
				_exit(1);
		_exit(0);
	}
	close(ls);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    connect(s, (struct sockaddr *)&a, sizeof(a)))
		return 1;
	double t0 = now();
	for (long i = 0; i < n; i++)
		if (write(s, buf, MSG) != MSG || read(s, buf, MSG) != MSG)
			return 1;
	double t1 = now();
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return 2;
	printf("%.6f\n", t1 - t0);
	return 0;
}
