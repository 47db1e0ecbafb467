/* A 64-bit program making i386 syscalls with `int $0x80` (no gcc -m32 needed): mkdir and rmdir
 * of argv[1] (i386 numbers 39 and 40; x86-64 would be 83 and 84), then a write of "int80\n"
 * (i386 4) to stdout. The path must sit below 4 GiB for a 32-bit pointer: MAP_32BIT. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED)
		return 3;
	strncpy(low, argv[1], 2000);
	strcpy(low + 2048, "int80\n");
	long r1 = int80(39, (long)low, 0755, 0);
	long r2 = int80(40, (long)low, 0, 0);
	long r3 = int80(4, 1, (long)(low + 2048), 6);
	fprintf(stderr, "mkdir=%ld rmdir=%ld write=%ld\n", r1, r2, r3);
	return r1 == 0 && r2 == 0 && r3 == 6 ? 0 : 1;
}
