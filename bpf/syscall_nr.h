/* Syscall numbers for the raw sys_enter/sys_exit tracepoints (native ABI only).
 * From arch/x86/entry/syscalls/syscall_64.tbl and include/uapi/asm-generic/unistd.h. */
#pragma once

#if defined(__TARGET_ARCH_x86)
#define NR_read 0
#define NR_write 1
#define NR_readv 19
#define NR_writev 20
#define NR_sendfile 40
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_recvmmsg 299
#define NR_sendmmsg 307
#define NR_splice 275
#define NR_tee 276
#define NR_vmsplice 278
#define NR_preadv2 327
#define NR_pwritev2 328
#elif defined(__TARGET_ARCH_arm64)
#define NR_read 63
#define NR_write 64
#define NR_readv 65
#define NR_writev 66
#define NR_sendfile 71
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_sendmsg 211
#define NR_recvmsg 212
#define NR_recvmmsg 243
#define NR_sendmmsg 269
#define NR_vmsplice 75
#define NR_splice 76
#define NR_tee 77
#define NR_preadv2 286
#define NR_pwritev2 287
#else
#error "unsupported architecture: add its syscall numbers"
#endif
