/* mmsg udp|unix: a child sends three messages with ONE sendmmsg(2); the parent receives them
 * with ONE recvmmsg(2). Prints SENDER=<pid> RECEIVER=<pid> on stderr and the messages. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int udp = argc > 1 && strcmp(argv[1], "udp") == 0;
	int rx, tx, sv[2];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5556) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (udp) {
		rx = socket(AF_INET, SOCK_DGRAM, 0);
		if (bind(rx, (void *)&a, sizeof(a)))
			return perror("bind"), 1;
		tx = socket(AF_INET, SOCK_DGRAM, 0);
	} else {
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
			return 1;
		rx = sv[0];
		tx = sv[1];
	}
	const char *m[3] = { "mm-one", "mm-two", "mm-three" };
	pid_t pid = fork();
	if (pid == 0) {
		struct iovec iov[3];
		struct mmsghdr msgs[3];
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < 3; i++) {
			iov[i].iov_base = (void *)m[i];
			iov[i].iov_len = strlen(m[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			if (udp) {
				msgs[i].msg_hdr.msg_name = &a;
				msgs[i].msg_hdr.msg_namelen = sizeof(a);
			}
		}
		_exit(sendmmsg(tx, msgs, 3, 0) == 3 ? 0 : 1);
	}
	fprintf(stderr, "SENDER=%d\nRECEIVER=%d\n", (int)pid, (int)getpid());
	int status;
	waitpid(pid, &status, 0);
	char bufs[3][32];
	struct iovec iov[3];
	struct mmsghdr msgs[3];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < 3; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	int n = recvmmsg(rx, msgs, 3, 0, NULL);
	for (int i = 0; i < n; i++)
		printf("%.*s\n", (int)msgs[i].msg_len, bufs[i]);
	return n == 3 ? 0 : 1;
}
