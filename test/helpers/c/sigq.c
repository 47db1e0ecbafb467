/* sigq PID SIG VALUE: send SIG to PID with sigqueue(3) (si_code SI_QUEUE), e.g. a real-time
 * signal with a payload. Prints its own pid as `SENDER=<pid>` on stderr first. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: sigq PID SIG VALUE\n");
		return 2;
	}
	fprintf(stderr, "SENDER=%d\n", (int)getpid());
	union sigval v = { .sival_int = atoi(argv[3]) };
	if (sigqueue(atoi(argv[1]), atoi(argv[2]), v) != 0) {
		perror("sigqueue");
		return 1;
	}
	return 0;
}
