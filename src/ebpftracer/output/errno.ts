/**
 * Linux errno names and their glibc strerror() texts (x86_64 numbering), as strace prints them:
 * `= -1 ENOENT (No such file or directory)`.
 *
 * Why a hand-written table: Node's util.getSystemErrorMap() carries libuv's messages, which are
 * lowercase and sometimes worded differently ("no such file or directory", "operation not
 * permitted"), and os.constants.errno has no texts at all. The texts below are glibc 2.36's
 * (checked against strerror() on this machine). Where two names share a number, strace's choice
 * is used (EAGAIN not EWOULDBLOCK, EDEADLK not EDEADLOCK, EOPNOTSUPP not ENOTSUP).
 *
 * 512..531 are kernel-internal codes (include/linux/errno.h) that can leak to tracers: the
 * ERESTART* family shows up when a signal interrupts a blocking call. glibc has no text for
 * them ("Unknown error 512"); strace prints the four restart codes as `= ? ERESTARTSYS (To be
 * restarted if SA_RESTART is set)` with its own texts, kept here in RESTART_MESSAGES.
 */

type Row = readonly [name: string, message: string] | undefined;

/** Index n - 1 describes errno n (1..133). */
const ROWS: readonly Row[] = [
  ['EPERM', 'Operation not permitted'],
  ['ENOENT', 'No such file or directory'],
  ['ESRCH', 'No such process'],
  ['EINTR', 'Interrupted system call'],
  ['EIO', 'Input/output error'],
  ['ENXIO', 'No such device or address'],
  ['E2BIG', 'Argument list too long'],
  ['ENOEXEC', 'Exec format error'],
  ['EBADF', 'Bad file descriptor'],
  ['ECHILD', 'No child processes'],
  ['EAGAIN', 'Resource temporarily unavailable'],
  ['ENOMEM', 'Cannot allocate memory'],
  ['EACCES', 'Permission denied'],
  ['EFAULT', 'Bad address'],
  ['ENOTBLK', 'Block device required'],
  ['EBUSY', 'Device or resource busy'],
  ['EEXIST', 'File exists'],
  ['EXDEV', 'Invalid cross-device link'],
  ['ENODEV', 'No such device'],
  ['ENOTDIR', 'Not a directory'],
  ['EISDIR', 'Is a directory'],
  ['EINVAL', 'Invalid argument'],
  ['ENFILE', 'Too many open files in system'],
  ['EMFILE', 'Too many open files'],
  ['ENOTTY', 'Inappropriate ioctl for device'],
  ['ETXTBSY', 'Text file busy'],
  ['EFBIG', 'File too large'],
  ['ENOSPC', 'No space left on device'],
  ['ESPIPE', 'Illegal seek'],
  ['EROFS', 'Read-only file system'],
  ['EMLINK', 'Too many links'],
  ['EPIPE', 'Broken pipe'],
  ['EDOM', 'Numerical argument out of domain'],
  ['ERANGE', 'Numerical result out of range'],
  ['EDEADLK', 'Resource deadlock avoided'],
  ['ENAMETOOLONG', 'File name too long'],
  ['ENOLCK', 'No locks available'],
  ['ENOSYS', 'Function not implemented'],
  ['ENOTEMPTY', 'Directory not empty'],
  ['ELOOP', 'Too many levels of symbolic links'],
  /* 41 unused on x86_64 */ undefined,
  ['ENOMSG', 'No message of desired type'],
  ['EIDRM', 'Identifier removed'],
  ['ECHRNG', 'Channel number out of range'],
  ['EL2NSYNC', 'Level 2 not synchronized'],
  ['EL3HLT', 'Level 3 halted'],
  ['EL3RST', 'Level 3 reset'],
  ['ELNRNG', 'Link number out of range'],
  ['EUNATCH', 'Protocol driver not attached'],
  ['ENOCSI', 'No CSI structure available'],
  ['EL2HLT', 'Level 2 halted'],
  ['EBADE', 'Invalid exchange'],
  ['EBADR', 'Invalid request descriptor'],
  ['EXFULL', 'Exchange full'],
  ['ENOANO', 'No anode'],
  ['EBADRQC', 'Invalid request code'],
  ['EBADSLT', 'Invalid slot'],
  /* 58 unused on x86_64 */ undefined,
  ['EBFONT', 'Bad font file format'],
  ['ENOSTR', 'Device not a stream'],
  ['ENODATA', 'No data available'],
  ['ETIME', 'Timer expired'],
  ['ENOSR', 'Out of streams resources'],
  ['ENONET', 'Machine is not on the network'],
  ['ENOPKG', 'Package not installed'],
  ['EREMOTE', 'Object is remote'],
  ['ENOLINK', 'Link has been severed'],
  ['EADV', 'Advertise error'],
  ['ESRMNT', 'Srmount error'],
  ['ECOMM', 'Communication error on send'],
  ['EPROTO', 'Protocol error'],
  ['EMULTIHOP', 'Multihop attempted'],
  ['EDOTDOT', 'RFS specific error'],
  ['EBADMSG', 'Bad message'],
  ['EOVERFLOW', 'Value too large for defined data type'],
  ['ENOTUNIQ', 'Name not unique on network'],
  ['EBADFD', 'File descriptor in bad state'],
  ['EREMCHG', 'Remote address changed'],
  ['ELIBACC', 'Can not access a needed shared library'],
  ['ELIBBAD', 'Accessing a corrupted shared library'],
  ['ELIBSCN', '.lib section in a.out corrupted'],
  ['ELIBMAX', 'Attempting to link in too many shared libraries'],
  ['ELIBEXEC', 'Cannot exec a shared library directly'],
  ['EILSEQ', 'Invalid or incomplete multibyte or wide character'],
  ['ERESTART', 'Interrupted system call should be restarted'],
  ['ESTRPIPE', 'Streams pipe error'],
  ['EUSERS', 'Too many users'],
  ['ENOTSOCK', 'Socket operation on non-socket'],
  ['EDESTADDRREQ', 'Destination address required'],
  ['EMSGSIZE', 'Message too long'],
  ['EPROTOTYPE', 'Protocol wrong type for socket'],
  ['ENOPROTOOPT', 'Protocol not available'],
  ['EPROTONOSUPPORT', 'Protocol not supported'],
  ['ESOCKTNOSUPPORT', 'Socket type not supported'],
  ['EOPNOTSUPP', 'Operation not supported'],
  ['EPFNOSUPPORT', 'Protocol family not supported'],
  ['EAFNOSUPPORT', 'Address family not supported by protocol'],
  ['EADDRINUSE', 'Address already in use'],
  ['EADDRNOTAVAIL', 'Cannot assign requested address'],
  ['ENETDOWN', 'Network is down'],
  ['ENETUNREACH', 'Network is unreachable'],
  ['ENETRESET', 'Network dropped connection on reset'],
  ['ECONNABORTED', 'Software caused connection abort'],
  ['ECONNRESET', 'Connection reset by peer'],
  ['ENOBUFS', 'No buffer space available'],
  ['EISCONN', 'Transport endpoint is already connected'],
  ['ENOTCONN', 'Transport endpoint is not connected'],
  ['ESHUTDOWN', 'Cannot send after transport endpoint shutdown'],
  ['ETOOMANYREFS', 'Too many references: cannot splice'],
  ['ETIMEDOUT', 'Connection timed out'],
  ['ECONNREFUSED', 'Connection refused'],
  ['EHOSTDOWN', 'Host is down'],
  ['EHOSTUNREACH', 'No route to host'],
  ['EALREADY', 'Operation already in progress'],
  ['EINPROGRESS', 'Operation now in progress'],
  ['ESTALE', 'Stale file handle'],
  ['EUCLEAN', 'Structure needs cleaning'],
  ['ENOTNAM', 'Not a XENIX named type file'],
  ['ENAVAIL', 'No XENIX semaphores available'],
  ['EISNAM', 'Is a named type file'],
  ['EREMOTEIO', 'Remote I/O error'],
  ['EDQUOT', 'Disk quota exceeded'],
  ['ENOMEDIUM', 'No medium found'],
  ['EMEDIUMTYPE', 'Wrong medium type'],
  ['ECANCELED', 'Operation canceled'],
  ['ENOKEY', 'Required key not available'],
  ['EKEYEXPIRED', 'Key has expired'],
  ['EKEYREVOKED', 'Key has been revoked'],
  ['EKEYREJECTED', 'Key was rejected by service'],
  ['EOWNERDEAD', 'Owner died'],
  ['ENOTRECOVERABLE', 'State not recoverable'],
  ['ERFKILL', 'Operation not possible due to RF-kill'],
  ['EHWPOISON', 'Memory page has hardware error'],];

/** Kernel-internal codes (not visible to user space normally, but tracepoints see them). */
const KERNEL_NAMES: readonly string[] = [
  'ERESTARTSYS', // 512
  'ERESTARTNOINTR', // 513
  'ERESTARTNOHAND', // 514
  'ENOIOCTLCMD', // 515
  'ERESTART_RESTARTBLOCK', // 516
  'EPROBE_DEFER', // 517
  'EOPENSTALE', // 518
  'ENOPARAM', // 519
  '', // 520 unused
  'EBADHANDLE', // 521
  'ENOTSYNC', // 522
  'EBADCOOKIE', // 523
  'ENOTSUPP', // 524
  'ETOOSMALL', // 525
  'ESERVERFAULT', // 526
  'EBADTYPE', // 527
  'EJUKEBOX', // 528
  'EIOCBQUEUED', // 529
  'ERECALLCONFLICT', // 530
  'ENOGRACE', // 531
];

/** strace's texts for the restart codes, which it prints as `= ? NAME (text)`. */
const RESTART_MESSAGES: ReadonlyMap<number, string> = new Map([
  [512, 'To be restarted if SA_RESTART is set'],
  [513, 'To be restarted'],
  [514, 'To be restarted if no handler'],
  [516, 'Interrupted by signal'],
]);

/** Errno name (`ENOENT`), or undefined for numbers Linux does not define. */
export function errnoName(n: number): string | undefined {
  if (n >= 1 && n <= ROWS.length) return ROWS[n - 1]?.[0];
  if (n >= 512 && n < 512 + KERNEL_NAMES.length) return KERNEL_NAMES[n - 512] || undefined;
  return undefined;
}

/**
 * glibc strerror() text (`No such file or directory`), `Unknown error N` like glibc for numbers
 * it does not know, and strace's text for the four ERESTART* codes.
 */
export function errnoMessage(n: number): string {
  if (n >= 1 && n <= ROWS.length) {
    const row = ROWS[n - 1];
    if (row) return row[1];
  }
  return RESTART_MESSAGES.get(n) ?? `Unknown error ${n}`;
}

/** ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK: strace prints `= ?`. */
export function isRestartErrno(n: number): boolean {
  return RESTART_MESSAGES.has(n);
}

/** A syscall return in -4095..-1 (the kernel's MAX_ERRNO range) is an error. */
const MIN_ERROR_RET = -4095n;

/** The errno a raw return value carries, or 0 when it is not an error. */
export function errnoOf(ret: bigint): number {
  return ret < 0n && ret >= MIN_ERROR_RET ? Number(-ret) : 0;
}
