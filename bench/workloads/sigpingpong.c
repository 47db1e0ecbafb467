/* bench_signals N: a parent sends SIGUSR1 to a child that waits for it (sigwaitinfo) and
 * answers with SIGUSR2: 2N signals, each queued before the next is sent, so none coalesce.
 * Expected ipcdump events: 2N. Prints the elapsed seconds. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "clock.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL); /* blocked signals are queued and taken by sigwaitinfo */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		for (long i = 0; i < n; i++) {
			siginfo_t si;
			if (sigwaitinfo(&set, &si) < 0 || kill(parent, SIGUSR2))
				_exit(1);
		}
		_exit(0);
	}
	double t0 = now();
	for (long i = 0; i < n; i++) {
		siginfo_t si;
		if (kill(pid, SIGUSR1) || sigwaitinfo(&set, &si) < 0)
			return 1;
	}
	double t1 = now();
	waitpid(pid, NULL, 0);
	printf("%.6f\n", t1 - t0);
	return 0;
}
