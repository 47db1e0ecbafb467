/**
 * Flag and enum tables (x86_64 values) and the integer pretty-printers behind `ParamSpec.hint`,
 * shared by the strace format and the JSON `decoded` object.
 *
 * The goal is strace 6.1's exact spelling, so table ORDER matters: strace prints the names of a
 * flag set in the order of its xlat table, not in bit order (e.g. `O_RDONLY|O_NOFOLLOW|O_CLOEXEC|
 * O_DIRECTORY`), and combined values must come before their parts (O_SYNC before O_DSYNC,
 * O_TMPFILE before O_DIRECTORY). The orders below were checked against the strace installed
 * here (strace -e trace=... on a program issuing failing syscalls with every bit set). Quirks
 * kept on purpose because strace prints them: O_ASYNC is spelt `FASYNC`, unknown rename flags
 * get the comment `RENAME_??` (two '?'), unknown access bits `?_OK`.
 *
 * Rendering rules (strace's printflags): known names joined by '|'; leftover bits as `|0x..`;
 * only unknown bits -> `0x.. /* PREFIX_??? *\/`; 0 -> `0` unless the table names zero.
 *
 * Hot path: values are split into two u32 halves once (no BigInt arithmetic per table entry);
 * every table is built at module load.
 */
import * as os from 'node:os';
import type { ParamHint } from '../event';

type FlagTable = readonly (readonly [value: number, name: string])[];

// ------------------------------------------------------------------------------------ helpers

/** Low and high 32 bits of the value being decoded (module scratch: no tuple per call). */
let LO = 0;
let HI = 0;

/**
 * Splits v into LO/HI as an unsigned 64-bit quantity. A negative `number` comes from a signed
 * 32-bit C type, so it is taken as its u32 bit pattern (strace prints int flags that way).
 */
function split(v: number | bigint): void {
  if (typeof v === 'number') {
    LO = v >>> 0;
    HI = v > 0xffffffff ? Math.floor(v / 4294967296) >>> 0 : 0;
  } else {
    const u = v < 0n ? BigInt.asUintN(64, v) : v;
    LO = Number(u & 0xffffffffn);
    HI = Number((u >> 32n) & 0xffffffffn);
  }
}

function hexOf(lo: number, hi: number): string {
  if (hi === 0) return lo.toString(16);
  const l = lo.toString(16);
  return hi.toString(16) + '00000000'.slice(l.length) + l;
}

/** C's `%#x`: `0` for zero, `0x..` otherwise. */
export function hexC(v: number | bigint): string {
  split(v);
  return LO === 0 && HI === 0 ? '0' : '0x' + hexOf(LO, HI);
}

/** The value as a signed 32-bit int (fds, dirfds, signals are C `int`). */
export function signed32(v: number | bigint): number {
  return typeof v === 'number' ? v | 0 : Number(BigInt.asIntN(32, v));
}

/**
 * Appends the names of the bits of LO found in `table` to `out`, then the leftover bits. `label`
 * is the `/* X_??? *\/` comment used when nothing at all was named (null: no comment).
 */
function flagNames(table: FlagTable, out: string, label: string | null): string {
  let lo = LO;
  for (let i = 0; i < table.length; i++) {
    const f = table[i][0];
    if ((lo & f) >>> 0 === f) {
      out = out === '' ? table[i][1] : out + '|' + table[i][1];
      lo = (lo & ~f) >>> 0;
    }
  }
  if (lo === 0 && HI === 0) return out === '' ? '0' : out;
  const rest = '0x' + hexOf(lo, HI);
  if (out !== '') return out + '|' + rest;
  return label === null ? rest : rest + ' /* ' + label + ' */';
}

function enumName(names: ReadonlyMap<number, string>, v: number | bigint, label: string): string {
  split(v);
  const name = HI === 0 ? names.get(LO) : undefined;
  return name ?? '0x' + hexOf(LO, HI) + ' /* ' + label + ' */';
}

// ------------------------------------------------------------------------------------- tables

const ACCESS_MODES = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'];

/** strace's open_mode_flags order (see the file comment). */
const OPEN_FLAGS: FlagTable = [
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o400, 'O_NOCTTY'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'],
  [0o4010000, 'O_SYNC'], // __O_SYNC|O_DSYNC: must precede both
  [0o10000, 'O_DSYNC'],
  [0o4000000, '__O_SYNC'],
  [0o40000, 'O_DIRECT'],
  [0o100000, 'O_LARGEFILE'],
  [0o400000, 'O_NOFOLLOW'],
  [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
  [0o20200000, 'O_TMPFILE'], // __O_TMPFILE|O_DIRECTORY: must precede both
  [0o20000000, '__O_TMPFILE'],
  [0o200000, 'O_DIRECTORY'],
  [0o20000, 'FASYNC'],
];

const O_CREAT = 0o100;
const O_TMPFILE_BIT = 0o20000000; // __O_TMPFILE

/** Syscalls whose flags use O_* names but have no access mode (strace: `pipe2([3, 4], 0)`). */
const NO_ACCMODE = new Set(['pipe2', 'dup3']);

const AT_FLAGS: FlagTable = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'],
  [0x200, 'AT_REMOVEDIR'],
  [0x400, 'AT_SYMLINK_FOLLOW'],
  [0x800, 'AT_NO_AUTOMOUNT'],
  [0x1000, 'AT_EMPTY_PATH'],
  [0x8000, 'AT_RECURSIVE'],
];
/** faccessat2 reuses 0x200 as AT_EACCESS. */
const FACCESSAT_FLAGS: FlagTable = [
  [0x100, 'AT_SYMLINK_NOFOLLOW'],
  [0x200, 'AT_EACCESS'],
  [0x1000, 'AT_EMPTY_PATH'],
];
/** statx: the AT_STATX_* sync type lives in 0x6000 and 0 has a name. */
const STATX_SYNC = ['AT_STATX_SYNC_AS_STAT', 'AT_STATX_FORCE_SYNC', 'AT_STATX_DONT_SYNC', 'AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC'];

const RENAME_FLAGS: FlagTable = [
  [1, 'RENAME_NOREPLACE'],
  [2, 'RENAME_EXCHANGE'],
  [4, 'RENAME_WHITEOUT'],
];

const ACCESS_FLAGS: FlagTable = [
  [4, 'R_OK'],
  [2, 'W_OK'],
  [1, 'X_OK'],
];

const SOCK_TYPES = new Map<number, string>([
  [1, 'SOCK_STREAM'],
  [2, 'SOCK_DGRAM'],
  [3, 'SOCK_RAW'],
  [4, 'SOCK_RDM'],
  [5, 'SOCK_SEQPACKET'],
  [6, 'SOCK_DCCP'],
  [10, 'SOCK_PACKET'],
]);
const SOCK_TYPE_FLAGS: FlagTable = [
  [0o2000000, 'SOCK_CLOEXEC'],
  [0o4000, 'SOCK_NONBLOCK'],
];

const MSG_FLAGS: FlagTable = [
  [0x1, 'MSG_OOB'],
  [0x2, 'MSG_PEEK'],
  [0x4, 'MSG_DONTROUTE'],
  [0x8, 'MSG_CTRUNC'],
  [0x10, 'MSG_PROBE'],
  [0x20, 'MSG_TRUNC'],
  [0x40, 'MSG_DONTWAIT'],
  [0x80, 'MSG_EOR'],
  [0x100, 'MSG_WAITALL'],
  [0x200, 'MSG_FIN'],
  [0x400, 'MSG_SYN'],
  [0x800, 'MSG_CONFIRM'],
  [0x1000, 'MSG_RST'],
  [0x2000, 'MSG_ERRQUEUE'],
  [0x4000, 'MSG_NOSIGNAL'],
  [0x8000, 'MSG_MORE'],
  [0x10000, 'MSG_WAITFORONE'],
  [0x20000, 'MSG_SENDPAGE_NOTLAST'],
  [0x40000, 'MSG_BATCH'],
  [0x80000, 'MSG_NO_SHARED_FRAGS'],
  [0x4000000, 'MSG_ZEROCOPY'],
  [0x20000000, 'MSG_FASTOPEN'],
  [0x40000000, 'MSG_CMSG_CLOEXEC'],
  [0x80000000, 'MSG_CMSG_COMPAT'],
];

const PROT_FLAGS: FlagTable = [
  [0x1, 'PROT_READ'],
  [0x2, 'PROT_WRITE'],
  [0x4, 'PROT_EXEC'],
  [0x8, 'PROT_SEM'],
  [0x01000000, 'PROT_GROWSDOWN'],
  [0x02000000, 'PROT_GROWSUP'],
];

/** mmap: the low nibble is a type (0 is MAP_FILE), bits 26..31 a huge page size. */
const MAP_TYPES = ['MAP_FILE', 'MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE'];
const MAP_FLAGS: FlagTable = [
  [0x10, 'MAP_FIXED'],
  [0x20, 'MAP_ANONYMOUS'],
  [0x40, 'MAP_32BIT'],
  [0x4000, 'MAP_NORESERVE'],
  [0x8000, 'MAP_POPULATE'],
  [0x10000, 'MAP_NONBLOCK'],
  [0x100, 'MAP_GROWSDOWN'],
  [0x800, 'MAP_DENYWRITE'],
  [0x1000, 'MAP_EXECUTABLE'],
  [0x2000, 'MAP_LOCKED'],
  [0x20000, 'MAP_STACK'],
  [0x40000, 'MAP_HUGETLB'],
  [0x80000, 'MAP_SYNC'],
  [0x100000, 'MAP_FIXED_NOREPLACE'],
];

/** Bit order; CSIGNAL (low byte) is the exit signal, CLONE_DETACHED (0x400000) strace leaves raw. */
const CLONE_FLAGS: FlagTable = [
  [0x100, 'CLONE_VM'],
  [0x200, 'CLONE_FS'],
  [0x400, 'CLONE_FILES'],
  [0x800, 'CLONE_SIGHAND'],
  [0x1000, 'CLONE_PIDFD'],
  [0x2000, 'CLONE_PTRACE'],
  [0x4000, 'CLONE_VFORK'],
  [0x8000, 'CLONE_PARENT'],
  [0x10000, 'CLONE_THREAD'],
  [0x20000, 'CLONE_NEWNS'],
  [0x40000, 'CLONE_SYSVSEM'],
  [0x80000, 'CLONE_SETTLS'],
  [0x100000, 'CLONE_PARENT_SETTID'],
  [0x200000, 'CLONE_CHILD_CLEARTID'],
  [0x800000, 'CLONE_UNTRACED'],
  [0x1000000, 'CLONE_CHILD_SETTID'],
  [0x2000000, 'CLONE_NEWCGROUP'],
  [0x4000000, 'CLONE_NEWUTS'],
  [0x8000000, 'CLONE_NEWIPC'],
  [0x10000000, 'CLONE_NEWUSER'],
  [0x20000000, 'CLONE_NEWPID'],
  [0x40000000, 'CLONE_NEWNET'],
  [0x80000000, 'CLONE_IO'],
];

const WHENCE = new Map<number, string>([
  [0, 'SEEK_SET'],
  [1, 'SEEK_CUR'],
  [2, 'SEEK_END'],
  [3, 'SEEK_DATA'],
  [4, 'SEEK_HOLE'],
]);

/** openat2's `struct open_how.resolve`. */
const RESOLVE_FLAGS: FlagTable = [
  [0x1, 'RESOLVE_NO_XDEV'],
  [0x2, 'RESOLVE_NO_MAGICLINKS'],
  [0x4, 'RESOLVE_NO_SYMLINKS'],
  [0x8, 'RESOLVE_BENEATH'],
  [0x10, 'RESOLVE_IN_ROOT'],
  [0x20, 'RESOLVE_CACHED'],
];

/** Address families as strace 6.1 names them (AF_MCTP = 45 is its last). */
const AF_NAMES = [
  'AF_UNSPEC', 'AF_UNIX', 'AF_INET', 'AF_AX25', 'AF_IPX', 'AF_APPLETALK', 'AF_NETROM', 'AF_BRIDGE',
  'AF_ATMPVC', 'AF_X25', 'AF_INET6', 'AF_ROSE', 'AF_DECnet', 'AF_NETBEUI', 'AF_SECURITY', 'AF_KEY',
  'AF_NETLINK', 'AF_PACKET', 'AF_ASH', 'AF_ECONET', 'AF_ATMSVC', 'AF_RDS', 'AF_SNA', 'AF_IRDA',
  'AF_PPPOX', 'AF_WANPIPE', 'AF_LLC', 'AF_IB', 'AF_MPLS', 'AF_CAN', 'AF_TIPC', 'AF_BLUETOOTH',
  'AF_IUCV', 'AF_RXRPC', 'AF_ISDN', 'AF_PHONET', 'AF_IEEE802154', 'AF_CAIF', 'AF_ALG', 'AF_NFC',
  'AF_VSOCK', 'AF_KCM', 'AF_QIPCRTR', 'AF_SMC', 'AF_XDP', 'AF_MCTP',
];
const AF_MAP = new Map<number, string>(AF_NAMES.map((n, i) => [i, n]));

/**
 * Signal names 1..31 from Node (the platform's own numbering), skipping aliases strace does not
 * print (SIGIOT=SIGABRT, SIGPOLL=SIGIO, SIGUNUSED=SIGSYS); 32.. are strace's SIGRTMIN, SIGRT_n.
 */
const SIGNAL_NAMES: readonly string[] = (() => {
  const aliases = new Set(['SIGIOT', 'SIGPOLL', 'SIGUNUSED', 'SIGCLD', 'SIGINFO', 'SIGLOST']);
  const names: string[] = [];
  for (const [name, num] of Object.entries(os.constants.signals)) {
    if (num >= 1 && num < 32 && !aliases.has(name) && names[num] === undefined) names[num] = name;
  }
  names[32] = 'SIGRTMIN';
  for (let n = 33; n <= 64; n++) names[n] = 'SIGRT_' + (n - 32);
  return names;
})();

// -------------------------------------------------------------------------------- public API

/** `SIGKILL`, `SIGRT_2`; 0 and unknown numbers as decimal like strace. */
export function signalName(v: number | bigint): string {
  const n = signed32(v);
  return (n > 0 && SIGNAL_NAMES[n]) || '' + n;
}

/** `AF_INET`, or strace's `0x2e /* AF_??? *\/`. */
export function familyName(v: number | bigint): string {
  return enumName(AF_MAP, v, 'AF_???');
}

/** Address family name without the unknown-value comment (`AF_46`), for JSON. */
export function familyLabel(n: number): string {
  return AF_MAP.get(n) ?? 'AF_' + n;
}

/** C's `%#03o`: `0644`, `000` for 0, `007` for 7 (strace's print_numeric_umode_t). */
export function octalMode(v: number | bigint): string {
  split(v);
  const n = LO;
  if (HI !== 0) return '0' + BigInt.asUintN(64, BigInt(v)).toString(8);
  const s = n === 0 ? '0' : '0' + n.toString(8);
  return s.length >= 3 ? s : '000'.slice(s.length) + s;
}

const S_IFMT = 0o170000;
const FILE_TYPES = new Map<number, string>([
  [0o140000, 'S_IFSOCK'],
  [0o120000, 'S_IFLNK'],
  [0o100000, 'S_IFREG'],
  [0o60000, 'S_IFBLK'],
  [0o40000, 'S_IFDIR'],
  [0o20000, 'S_IFCHR'],
  [0o10000, 'S_IFIFO'],
]);

/** strace's print_symbolic_mode_t (mknod modes, st_mode): `S_IFDIR|S_ISVTX|0777`. */
export function symbolicMode(v: number | bigint): string {
  split(v);
  const m = LO;
  let out = '';
  if ((m & S_IFMT) !== 0) {
    const t = FILE_TYPES.get(m & S_IFMT);
    if (t === undefined) return octalMode(v);
    out = t + '|';
  }
  if (m & 0o4000) out += 'S_ISUID|';
  if (m & 0o2000) out += 'S_ISGID|';
  if (m & 0o1000) out += 'S_ISVTX|';
  return out + octalMode(m & 0o777);
}

/** File type bits of a mode (S_IFCHR = 0o20000, S_IFBLK = 0o60000, ...). */
export function fileType(v: number | bigint): number {
  split(v);
  return LO & S_IFMT;
}

/** Linux dev_t (new_encode_dev layout, as in mknod's dev and stat's st_rdev): `makedev(0x1, 0x3)`. */
export function makedev(v: number | bigint): string {
  split(v);
  const major = ((LO & 0xfff00) >>> 8) | ((HI & 0xfffff000) >>> 0);
  const minor = (LO & 0xff) | ((LO >>> 12) & 0xfff00);
  return 'makedev(' + hexC(major) + ', ' + hexC(minor) + ')';
}

/** `O_WRONLY|O_CREAT|O_TRUNC`; without the access mode for pipe2/dup3-style flags. */
export function openFlags(v: number | bigint, withAccessMode = true): string {
  split(v);
  if (!withAccessMode) return flagNames(OPEN_FLAGS, '', 'O_???');
  const acc = ACCESS_MODES[LO & 3];
  LO = (LO & ~3) >>> 0;
  return flagNames(OPEN_FLAGS, acc, null);
}

/** open/openat/open_how print the mode only when the flags can create a file. */
export function openFlagsCreate(v: number | bigint): boolean {
  split(v);
  return (LO & (O_CREAT | O_TMPFILE_BIT)) !== 0;
}

export function resolveFlags(v: number | bigint): string {
  split(v);
  return flagNames(RESOLVE_FLAGS, '', 'RESOLVE_???');
}

function atFlags(v: number | bigint, syscall: string): string {
  split(v);
  if (syscall === 'statx') {
    const sync = STATX_SYNC[(LO >>> 13) & 3];
    LO = (LO & ~0x6000) >>> 0;
    return flagNames(AT_FLAGS, sync, null);
  }
  return flagNames(syscall === 'faccessat2' ? FACCESSAT_FLAGS : AT_FLAGS, '', 'AT_???');
}

function accessMode(v: number | bigint): string {
  split(v);
  if (LO === 0 && HI === 0) return 'F_OK';
  return flagNames(ACCESS_FLAGS, '', '?_OK');
}

/** strace's tprint_sock_type: a known type then `|flags`, else everything through the flag table. */
function socketType(v: number | bigint): string {
  split(v);
  const t = HI === 0 ? SOCK_TYPES.get(LO & 0xf) : undefined;
  if (t === undefined) return flagNames(SOCK_TYPE_FLAGS, '', 'SOCK_???');
  LO = (LO & ~0xf) >>> 0;
  if (LO === 0 && HI === 0) return t;
  return t + '|' + flagNames(SOCK_TYPE_FLAGS, '', 'SOCK_???');
}

function mapFlags(v: number | bigint): string {
  split(v);
  const type = LO & 0xf;
  const huge = LO >>> 26;
  let out = type < MAP_TYPES.length ? MAP_TYPES[type] : '0x' + type.toString(16) + ' /* MAP_??? */';
  LO = LO & 0x03fffff0;
  if (LO !== 0 || HI !== 0) out = flagNames(MAP_FLAGS, out, null);
  return huge === 0 ? out : out + '|' + huge + '<<MAP_HUGE_SHIFT';
}

/** `CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD`: flags, leftover bits, then the exit signal. */
function cloneFlags(v: number | bigint): string {
  split(v);
  const sig = LO & 0xff;
  LO = (LO & ~0xff) >>> 0;
  let out = LO === 0 && HI === 0 ? '' : flagNames(CLONE_FLAGS, '', null);
  if (sig !== 0) out = out === '' ? signalName(sig) : out + '|' + signalName(sig);
  return out === '' ? '0' : out;
}

/**
 * The strace rendering of an integer parameter with a hint. `syscall` selects the few per-call
 * variants strace has (mknod's symbolic mode, statx/faccessat2 AT_* flags, pipe2/dup3 flags).
 */
export function formatHint(hint: ParamHint, v: number | bigint, syscall: string): string {
  switch (hint) {
    case 'fd':
      return '' + signed32(v);
    case 'dirfd': {
      const n = signed32(v);
      return n === -100 ? 'AT_FDCWD' : '' + n;
    }
    case 'mode':
      return syscall === 'mknod' || syscall === 'mknodat' ? symbolicMode(v) : octalMode(v);
    case 'open_flags':
      return openFlags(v, !NO_ACCMODE.has(syscall));
    case 'at_flags':
      return atFlags(v, syscall);
    case 'rename_flags':
      split(v);
      return flagNames(RENAME_FLAGS, '', 'RENAME_??');
    case 'access_mode':
      return accessMode(v);
    case 'signal':
      return signalName(v);
    case 'socket_family':
      return familyName(v);
    case 'socket_type':
      return socketType(v);
    case 'msg_flags':
      split(v);
      return flagNames(MSG_FLAGS, '', 'MSG_???');
    case 'prot':
      split(v);
      return LO === 0 && HI === 0 ? 'PROT_NONE' : flagNames(PROT_FLAGS, '', 'PROT_???');
    case 'map_flags':
      return mapFlags(v);
    case 'clone_flags':
      return cloneFlags(v);
    case 'whence':
      return enumName(WHENCE, v, 'SEEK_???');
    case 'hex':
      return hexC(v);
    default:
      return '' + v;
  }
}
