/* The workloads' loop timer: CLOCK_MONOTONIC in seconds. */
#pragma once
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}
