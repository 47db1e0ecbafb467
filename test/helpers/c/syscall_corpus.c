/* A fixed set of file and network syscalls for comparing ebpftracer with strace:
 *   corpus DIR PORT [extra args, shown in execve's argv]
 * openat (create, O_CLOEXEC, mode 0640), write, read back, a failing openat (ENOENT), and a
 * connect to 127.0.0.1:PORT (a closed port: ECONNREFUSED). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	char path[4096], missing[4096], buf[100];
	snprintf(path, sizeof(path), "%s/corpus-file", argv[1]);
	snprintf(missing, sizeof(missing), "%s/no-such-file", argv[1]);
	int fd = openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || write(fd, "hello ebpftracer\n", 17) != 17)
		return 3;
	close(fd);
	fd = openat(AT_FDCWD, path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) != 17)
		return 4;
	close(fd);
	if (openat(AT_FDCWD, missing, O_RDONLY) != -1)
		return 5;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		return 6;
	close(s);
	return 0;
}
