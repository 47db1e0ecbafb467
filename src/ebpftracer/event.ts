/**
 * What a recorded syscall looks like to users of the library and to the output formatters.
 *
 * The header keeps ebpfpub's field names and meanings (timestamp, process_id, thread_id,
 * user_id, group_id, exit_code = the raw u64 return value, probe_error, duration) and adds what
 * a reader needs to make sense of it (signed return value, comm, arch, native number).
 * Parameters are keyed by the kernel's format-file field names, in format order.
 */

export type Arch = 'x86_64' | 'i386';

/** How a parameter is decoded (chosen by schema.ts from the C type, the name and overrides). */
export type ParamKind =
  /** Integer register value: `number` when width <= 4, `bigint` when width 8. */
  | 'int'
  /** Pointer value shown as an address (bigint); nothing is read behind it. */
  | 'pointer'
  /** NUL-terminated string read from user memory. */
  | 'string'
  /** Byte buffer read from user memory (length from another arg, the return value, or fixed). */
  | 'bytes'
  /** struct sockaddr (length from an arg or a user-space length pointer). */
  | 'sockaddr'
  /** NULL-terminated array of string pointers (execve argv/envp). */
  | 'argv'
  /** A fixed-size struct decoded field by field (see `struct`). */
  | 'struct';

/**
 * Extra meaning of a value, for pretty-printing only (strace format): flag/enum tables, octal
 * modes, fds. Unknown hints are printed as plain numbers.
 */
export type ParamHint =
  | 'fd'
  | 'dirfd'
  | 'mode'
  | 'open_flags'
  | 'at_flags'
  | 'rename_flags'
  | 'access_mode'
  | 'signal'
  | 'socket_family'
  | 'socket_type'
  | 'msg_flags'
  | 'prot'
  | 'map_flags'
  | 'clone_flags'
  | 'whence'
  | 'hex';

/** Named fixed-size structs we decode (x86_64 layouts; i386 gets raw bytes). */
export type StructName = 'stat' | 'timespec' | 'int_pair' | 'int' | 'open_how';

export interface ParamSpec {
  /** Kernel format-file field name (`pathname`, `flags`, ...). */
  name: string;
  /** C type from the format file (`const char *`, `umode_t`, ...). */
  cType: string;
  /** Argument position 0..5. */
  index: number;
  kind: ParamKind;
  /** For 'int': width in bytes (4 or 8) and signedness, from the C type. */
  width?: 4 | 8;
  signed?: boolean;
  hint?: ParamHint;
  /** For 'struct'. */
  struct?: StructName;
  /** For 'bytes'/'string'/'sockaddr'/'argv'/'struct': read at syscall entry or exit. */
  when?: 'enter' | 'exit';
}

export interface SyscallSchema {
  /** Event name as in tracefs (`mkdir`, `newstat`, ...). */
  name: string;
  params: ParamSpec[];
  /** Return value meaning, for pretty-printing: 'fd' for open/socket/..., 'hex' for mmap/brk. */
  retHint?: 'fd' | 'hex' | 'pid';
  /** Never returns (exit, exit_group): recorded at entry only. */
  noReturn?: boolean;
}

/** A decoded struct sockaddr. */
export interface SockAddr {
  /** Numeric address family (AF_INET = 2, ...). */
  family: number;
  /** Family name (`AF_INET`, `AF_INET6`, `AF_UNIX`, `AF_NETLINK`, or `AF_<n>`). */
  familyName: string;
  /** AF_INET/AF_INET6: printable address. */
  address?: string;
  port?: number;
  /** AF_UNIX: the path; an abstract name starts with '@'. */
  path?: string;
  /** AF_INET6 */
  flowinfo?: number;
  scopeId?: number;
  /** AF_NETLINK */
  nlPid?: number;
  nlGroups?: number;
  /** The bytes as read (always present). */
  raw: Buffer;
}

export type StructValue = Record<string, number | bigint | string>;

export type ParamValue = number | bigint | string | Buffer | SockAddr | string[] | StructValue | number[] | null;

export interface SyscallHeader {
  /** ebpfpub: monotonic ns since boot, taken at syscall entry. */
  timestamp: bigint;
  process_id: number;
  thread_id: number;
  user_id: number;
  group_id: number;
  /** ebpfpub: the raw `long ret` as an unsigned 64-bit value (-2 -> 18446744073709551614). */
  exit_code: bigint;
  /** A user-memory read failed for at least one parameter (see `SyscallEvent.faulted`). */
  probe_error: boolean;
  /** Entry to exit, ns (0 when the entry was not seen). */
  duration: bigint;
}

export interface SyscallEvent {
  /** Event name as in tracefs. */
  syscall: string;
  header: SyscallHeader;
  /** Signed return value; undefined for a call that never returns (exit_group). */
  ret?: bigint;
  /** Errno name when ret is in -4095..-1 (e.g. 'ENOENT'). */
  errno?: string;
  comm: string;
  arch: Arch;
  /** The syscall number in the caller's ABI (i386 numbers for int 0x80 callers). */
  nativeNr: number;
  /** Raw argument registers. */
  args: bigint[];
  /** Parameters keyed by format-file name, in format order. */
  params: Record<string, ParamValue>;
  schema: SyscallSchema;
  /** Parameters whose user-memory read failed. */
  faulted: string[];
  /** Parameters cut at the capture limit. */
  truncated: string[];
  /** Parameters read at exit because the entry read faulted (not TOCTOU-safe). */
  readAtExit: string[];
  /** The exit was seen without its entry (seccomp denial, tracer started mid-call). */
  noEnter: boolean;
  /** Wall-clock time of entry, ns since the epoch. */
  wallNs: bigint;
}
