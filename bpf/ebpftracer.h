/* Records and schema shared by bpf/ebpftracer.bpf.c and src/ebpftracer (the TypeScript side
 * reads the offsets from this object's BTF: scripts/gen-layouts.js -> layout.generated.ts).
 *
 * The BPF program is table-driven: user space compiles, per syscall, which arguments to read
 * from user memory, when (entry or exit) and how long (fixed, another argument, the return
 * value or a user-space length pointer), and stores it in the `schema` map keyed by the x86-64
 * syscall number. One precompiled object therefore records any syscall, and changing the
 * traced set is a map update (ebpfpub generated and JIT-compiled LLVM IR per syscall).
 */
#pragma once

#define SC_MAX_NR 512        /* syscall numbers are < 512 on x86-64 and i386 */
#define SC_NARGS 6
#define SC_REC_MAX 65536     /* one record (header + captures) is at most this big */
#define SC_ARG_MAX 32768     /* one argument's capture is at most this big (-b) */
#define SC_ARGV_MAX 256      /* argv/envp entries read at most */
#define SC_IOV_MAX 64        /* iovec entries gathered at most */

enum sc_rec_kind {
	SC_REC_ENTER = 1,    /* entry-time captures of a call still running */
	SC_REC_EXIT = 2,     /* the finished call: return value, duration, exit-time captures */
	SC_REC_SINGLE = 3,   /* a call that never returns (exit, exit_group): entry only */
};

enum sc_rec_flags {
	SC_F_COMPAT = 1,     /* an ia32 (int 0x80) call from a 64-bit kernel */
	SC_F_NO_ENTER = 2,   /* exit seen without its entry (seccomp denial, started mid-call) */
	SC_F_FAULT = 4,      /* some user-memory read failed */
	SC_F_TRUNC = 8,      /* some capture was cut at its limit */
	SC_F_ENTER_REC = 16, /* an SC_REC_ENTER with the same ts precedes this exit */
};

/* What is read behind an argument. */
enum sc_cap_kind {
	SC_CAP_NONE = 0,
	SC_CAP_STR = 1,      /* NUL-terminated string */
	SC_CAP_BYTES = 2,    /* len bytes (len from sc_len_src) */
	SC_CAP_ARGV = 3,     /* NULL-terminated array of string pointers */
	SC_CAP_IOV = 4,      /* data gathered from an iovec array (count = arg len_arg) */
};

/* Where the length of an SC_CAP_BYTES / SC_CAP_IOV capture comes from. */
enum sc_len_src {
	SC_LEN_FIXED = 0,    /* max */
	SC_LEN_ARG = 1,      /* argument len_arg (a count) */
	SC_LEN_RET = 2,      /* the return value (exit only) */
	SC_LEN_ARGPTR = 3,   /* an int in user memory at argument len_arg (socklen_t *) */
};

enum sc_when {
	SC_AT_ENTER = 1,
	SC_AT_EXIT = 2,
};

enum sc_cap_status {
	SC_ST_OK = 0,
	SC_ST_NULL = 1,      /* NULL pointer: nothing read */
	SC_ST_FAULT = 2,     /* bpf_probe_read_user failed (e.g. page not resident) */
	SC_ST_TRUNC = 3,     /* read, but cut at the limit */
	SC_ST_EMPTY = 4,     /* length 0 (e.g. read() returned 0 or an error) */
};

enum sc_schema_flags {
	SC_S_NO_RETURN = 1,      /* exit/exit_group: record at entry, never pair */
	SC_S_SKIP_ORPHAN_OK = 2, /* an exit without entry and ret 0 is a clone child / exec'd image */
};

struct sc_arg_spec {
	__u8 kind;     /* enum sc_cap_kind */
	__u8 when;     /* enum sc_when */
	__u8 len_src;  /* enum sc_len_src */
	__u8 len_arg;  /* argument index for SC_LEN_ARG / SC_LEN_ARGPTR */
	__u32 max;     /* byte limit of the capture */
};

struct sc_schema {
	__u8 enabled;
	__u8 flags;    /* enum sc_schema_flags */
	__u8 enter_caps; /* number of args captured at entry (0: no ENTER record) */
	__u8 pad[5];
	struct sc_arg_spec args[SC_NARGS];
};

struct sc_hdr {
	__u16 kind;     /* enum sc_rec_kind */
	__u16 flags;    /* enum sc_rec_flags */
	__u32 size;     /* whole record, header included, multiple of 8 */
	__u64 ts;       /* bpf_ktime_get_ns() at entry (at exit for SC_F_NO_ENTER) */
	__u64 duration; /* exit - entry, ns */
	__u32 tgid;
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u16 nr;       /* x86-64 number (schema key) */
	__u16 native_nr; /* number in the caller's ABI (i386 for compat) */
	__u16 ncap;     /* captures that follow */
	__u16 pad;
	__s64 ret;
	__u64 args[SC_NARGS];
	char comm[16];
};

/* One capture, followed by `len` bytes, padded to 8. */
struct sc_cap {
	__u8 index;     /* argument 0..5 */
	__u8 status;    /* enum sc_cap_status */
	__u16 count;    /* SC_CAP_ARGV: strings; SC_CAP_IOV: iovecs read */
	__u32 len;
};
