/* bench_udp N: N one-byte UDP datagrams from 127.0.0.1 to a closed port (9, discard, unbound
 * here). Each one makes a full journey through the stack: the device steps on lo, icmp_send
 * (port unreachable; loopback is exempt from ICMP rate limits) and the drop. Expected packets
 * for a flow tracer filtering UDP to port 9: N. Prints elapsed s. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9) };
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	if (fd < 0)
		return 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		/* unconnected: the ICMP error does not make the next send fail */
		if (sendto(fd, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst)) != 1)
			return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.6f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
