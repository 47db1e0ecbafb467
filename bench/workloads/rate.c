/* bench_rate MODE RATE SECONDS: a rate-controlled IPC event generator for the maxrate bench.
 * It produces RATE events per second for SECONDS (RATE 0: as fast as it can), in one process:
 *   dgram: 1-byte messages over a unix datagram socketpair, BATCH (16) per sendmmsg and per
 *          recvmmsg: ipcdump reports each message received (type unix-dgram), so an event
 *          costs the generator a sixteenth of two syscalls;
 *   pipe:  a 1-byte write and a 1-byte read on a pipe: one event (type pipe) per read.
 * Pacing: batch k is sent no earlier than start + k * BATCH / RATE (absolute-time sleeps with
 * 1 ns timer slack; a generator behind schedule does not sleep, so the mean rate is exact and
 * a slow generator shows as a lower achieved rate). Every message is checked.
 * With a 4th argument "wait" it prints "ready" and starts only when it receives SIGUSR1, so
 * the tracer can be started with a filter on its pid (the bench does, to keep the machine's
 * other IPC out of the timing).
 * Prints one line: events start_realtime_s end_realtime_s (CLOCK_REALTIME, to compare with
 * the output file's modification time). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 16

static double rt(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_rate dgram|pipe RATE SECONDS [wait]\n");
		return 2;
	}
	int dgram = strcmp(argv[1], "pipe") != 0;
	double rate = atof(argv[2]), secs = atof(argv[3]);
	int fd[2];
	if (dgram ? socketpair(AF_UNIX, SOCK_DGRAM, 0, fd) : pipe(fd))
		return 1;
	prctl(PR_SET_TIMERSLACK, 1UL);
	if (argc > 4 && !strcmp(argv[4], "wait")) {
		sigset_t set;
		int sig;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		printf("ready\n");
		fflush(stdout);
		if (sigwait(&set, &sig))
			return 1;
	}
	int per = dgram ? BATCH : 1; /* events per step */
	char sbuf[BATCH], rbuf[BATCH];
	struct iovec siov[BATCH], riov[BATCH];
	struct mmsghdr smsg[BATCH], rmsg[BATCH];
	memset(smsg, 0, sizeof(smsg));
	memset(rmsg, 0, sizeof(rmsg));
	for (int i = 0; i < BATCH; i++) {
		sbuf[i] = 'x';
		siov[i] = (struct iovec){ &sbuf[i], 1 };
		riov[i] = (struct iovec){ &rbuf[i], 1 };
		smsg[i].msg_hdr.msg_iov = &siov[i];
		smsg[i].msg_hdr.msg_iovlen = 1;
		rmsg[i].msg_hdr.msg_iov = &riov[i];
		rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	double start = rt();
	long events = 0;
	for (long k = 0;; k++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		double el = (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
		if (el >= secs)
			break;
		if (rate > 0) {
			double due = (double)k * per / rate;
			if (due >= secs)
				break;
			if (due > el) {
				double at = t0.tv_sec + t0.tv_nsec / 1e9 + due;
				struct timespec ts = { (time_t)at, (long)((at - (time_t)at) * 1e9) };
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			}
		}
		if (dgram) {
			if (sendmmsg(fd[0], smsg, BATCH, 0) != BATCH)
				return 3;
			int got = 0;
			while (got < BATCH) {
				int r = recvmmsg(fd[1], rmsg + got, BATCH - got, 0, NULL);
				if (r <= 0)
					return 4;
				for (int i = got; i < got + r; i++)
					if (rmsg[i].msg_len != 1)
						return 5;
				got += r;
			}
		} else {
			char c = 'x';
			if (write(fd[1], &c, 1) != 1 || read(fd[0], &c, 1) != 1)
				return 3;
		}
		events += per;
	}
	double end = rt();
	printf("%ld %.6f %.6f\n", events, start, end);
	return 0;
}
