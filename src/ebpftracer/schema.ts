/**
 * Turns a syscall's format-file arguments into (a) the decoding schema TypeScript uses and
 * (b) the capture table the BPF program follows (struct sc_schema in bpf/ebpftracer.h).
 *
 * Simple rules type most syscalls from the C type and the argument name; a curated override
 * table fixes what they get wrong (output buffers read at exit sized by the return value,
 * binary buffers whose length is another argument, sockaddrs, argv, stat structs, flag
 * arguments). Rules that matter:
 *  - inputs (paths, sockaddrs of connect/bind/sendto, argv, write buffers) are read at entry:
 *    what the kernel used, and still there after a successful execve;
 *  - outputs (read buffers, stat structs, accept's peer address) are read at exit, only when
 *    the call succeeded, sized by the return value or the kernel-written length;
 *  - signedness and width come from the C type (`signed:` in format files is always 0 for
 *    syscall args: the register is an unsigned long).
 */
import type { ParamHint, ParamSpec, StructName, SyscallSchema } from './event';
import type { SyscallInfo } from './catalog';
import { SC_ARG_SPEC, SC_CAP_KIND, SC_LEN_SRC, SC_SCHEMA, SC_SCHEMA_FLAGS, SC_WHEN } from './layout.generated';

/** Byte limit for a string/buffer argument (ebpftracer -b); the kernel object allows 32 KiB - 8. */
export const DEFAULT_CAPTURE_BYTES = 4096;
export const MAX_CAPTURE_BYTES = 32768 - 8;
/** argv/envp: total bytes read (strings + NULs). */
const ARGV_BYTES_FACTOR = 4;

/** x86-64 struct sizes (UAPI ABI). i386 callers get these structs as raw bytes. */
export const STRUCT_SIZES: Record<StructName, number> = {
  stat: 144,
  timespec: 16,
  int_pair: 8,
  int: 4,
  open_how: 24,
};

type LenSrc = { src: 'fixed' } | { src: 'arg'; arg: string } | { src: 'ret' } | { src: 'argptr'; arg: string };

/** A curated decision for one argument. */
interface Override {
  kind?: ParamSpec['kind'];
  when?: 'enter' | 'exit';
  len?: LenSrc;
  struct?: StructName;
  hint?: ParamHint;
  /** iovec array whose count is this argument. */
  iovCount?: string;
}

interface SyscallOverride {
  args?: Record<string, Override>;
  retHint?: SyscallSchema['retHint'];
  noReturn?: boolean;
  /** An exit without entry that returns 0 is a clone child or an exec'd image: not a call. */
  skipOrphanSuccess?: boolean;
}

const OUT_RET: Override = { kind: 'bytes', when: 'exit', len: { src: 'ret' } };
const sockIn = (lenArg: string): Override => ({ kind: 'sockaddr', when: 'enter', len: { src: 'arg', arg: lenArg } });
const sockOut = (lenPtr: string): Override => ({ kind: 'sockaddr', when: 'exit', len: { src: 'argptr', arg: lenPtr } });
const bufIn = (lenArg: string): Override => ({ kind: 'bytes', when: 'enter', len: { src: 'arg', arg: lenArg } });
const structOut = (s: StructName): Override => ({ kind: 'struct', when: 'exit', struct: s });
const structIn = (s: StructName): Override => ({ kind: 'struct', when: 'enter', struct: s });
const hint = (h: ParamHint): Override => ({ hint: h });
const OPEN = { flags: hint('open_flags'), mode: hint('mode') };

/** Curated overrides, keyed by tracefs event name (x86-64 entry point names). */
export const OVERRIDES: Record<string, SyscallOverride> = {
  read: { args: { buf: OUT_RET } },
  pread64: { args: { buf: OUT_RET } },
  write: { args: { buf: bufIn('count') } },
  pwrite64: { args: { buf: bufIn('count') } },
  readv: { args: { vec: { kind: 'bytes', when: 'exit', len: { src: 'ret' }, iovCount: 'vlen' } } },
  preadv: { args: { vec: { kind: 'bytes', when: 'exit', len: { src: 'ret' }, iovCount: 'vlen' } } },
  preadv2: { args: { vec: { kind: 'bytes', when: 'exit', len: { src: 'ret' }, iovCount: 'vlen' } } },
  writev: { args: { vec: { kind: 'bytes', when: 'enter', len: { src: 'fixed' }, iovCount: 'vlen' } } },
  pwritev: { args: { vec: { kind: 'bytes', when: 'enter', len: { src: 'fixed' }, iovCount: 'vlen' } } },
  pwritev2: { args: { vec: { kind: 'bytes', when: 'enter', len: { src: 'fixed' }, iovCount: 'vlen' } } },
  readlink: { args: { buf: OUT_RET } },
  readlinkat: { args: { buf: OUT_RET } },
  getcwd: { args: { buf: OUT_RET } },
  getrandom: { args: { buf: OUT_RET } },
  open: { args: OPEN, retHint: 'fd' },
  openat: { args: OPEN, retHint: 'fd' },
  openat2: { args: { how: structIn('open_how') }, retHint: 'fd' },
  creat: { args: { mode: hint('mode') }, retHint: 'fd' },
  mkdir: { args: { mode: hint('mode') } },
  mkdirat: { args: { mode: hint('mode') } },
  mknod: { args: { mode: hint('mode') } },
  mknodat: { args: { mode: hint('mode') } },
  chmod: { args: { mode: hint('mode') } },
  fchmod: { args: { mode: hint('mode') } },
  fchmodat: { args: { mode: hint('mode') } },
  fchmodat2: { args: { mode: hint('mode'), flags: hint('at_flags') } },
  access: { args: { mode: hint('access_mode') } },
  faccessat: { args: { mode: hint('access_mode') } },
  faccessat2: { args: { mode: hint('access_mode'), flags: hint('at_flags') } },
  renameat2: { args: { flags: hint('rename_flags') } },
  unlinkat: { args: { flag: hint('at_flags') } },
  linkat: { args: { flags: hint('at_flags') } },
  fchownat: { args: { flag: hint('at_flags') } },
  newstat: { args: { statbuf: structOut('stat') } },
  newlstat: { args: { statbuf: structOut('stat') } },
  newfstat: { args: { statbuf: structOut('stat') } },
  newfstatat: { args: { statbuf: structOut('stat'), flag: hint('at_flags') } },
  pipe: { args: { fildes: structOut('int_pair') } },
  pipe2: { args: { fildes: structOut('int_pair'), flags: hint('open_flags') } },
  socketpair: { args: { family: hint('socket_family'), type: hint('socket_type'), usockvec: structOut('int_pair') } },
  socket: { args: { family: hint('socket_family'), type: hint('socket_type') }, retHint: 'fd' },
  connect: { args: { uservaddr: sockIn('addrlen') } },
  bind: { args: { umyaddr: sockIn('addrlen') } },
  sendto: { args: { buff: bufIn('len'), addr: sockIn('addr_len'), flags: hint('msg_flags') } },
  recvfrom: { args: { ubuf: OUT_RET, addr: sockOut('addr_len'), flags: hint('msg_flags') } },
  accept: { args: { upeer_sockaddr: sockOut('upeer_addrlen'), upeer_addrlen: structOut('int') }, retHint: 'fd' },
  accept4: { args: { upeer_sockaddr: sockOut('upeer_addrlen'), upeer_addrlen: structOut('int'), flags: hint('socket_type') }, retHint: 'fd' },
  getsockname: { args: { usockaddr: sockOut('usockaddr_len'), usockaddr_len: structOut('int') } },
  getpeername: { args: { usockaddr: sockOut('usockaddr_len'), usockaddr_len: structOut('int') } },
  sendmsg: { args: { flags: hint('msg_flags') } },
  recvmsg: { args: { flags: hint('msg_flags') } },
  setsockopt: { args: { optval: bufIn('optlen') } },
  sethostname: { args: { name: bufIn('len') } },
  setdomainname: { args: { name: bufIn('len') } },
  mq_timedsend: { args: { u_msg_ptr: bufIn('msg_len') } },
  mq_timedreceive: { args: { u_msg_ptr: OUT_RET } },
  nanosleep: { args: { rqtp: structIn('timespec') } },
  clock_nanosleep: { args: { rqtp: structIn('timespec') } },
  clock_gettime: { args: { tp: structOut('timespec') } },
  execve: { args: { argv: { kind: 'argv' }, envp: { kind: 'argv' } }, skipOrphanSuccess: true },
  execveat: { args: { argv: { kind: 'argv' }, envp: { kind: 'argv' }, flags: hint('at_flags') }, skipOrphanSuccess: true },
  clone: { args: { clone_flags: hint('clone_flags') }, retHint: 'pid', skipOrphanSuccess: true },
  clone3: { retHint: 'pid', skipOrphanSuccess: true },
  fork: { retHint: 'pid', skipOrphanSuccess: true },
  vfork: { retHint: 'pid', skipOrphanSuccess: true },
  exit: { noReturn: true },
  exit_group: { noReturn: true },
  kill: { args: { sig: hint('signal') } },
  tkill: { args: { sig: hint('signal') } },
  tgkill: { args: { sig: hint('signal') } },
  rt_sigqueueinfo: { args: { sig: hint('signal') } },
  rt_sigaction: { args: { sig: hint('signal') } },
  mmap: { args: { prot: hint('prot'), flags: hint('map_flags'), addr: hint('hex'), off: hint('hex') }, retHint: 'hex' },
  mprotect: { args: { prot: hint('prot'), start: hint('hex') } },
  munmap: { args: { addr: hint('hex') } },
  brk: { args: { brk: hint('hex') }, retHint: 'hex' },
  mremap: { retHint: 'hex' },
  shmat: { args: { shmaddr: { kind: 'pointer' } }, retHint: 'hex' },
  shmdt: { args: { shmaddr: { kind: 'pointer' } } },
  lseek: { args: { whence: hint('whence') } },
  dup: { retHint: 'fd' },
  dup2: { retHint: 'fd' },
  dup3: { args: { flags: hint('open_flags') }, retHint: 'fd' },
  eventfd: { retHint: 'fd' },
  eventfd2: { retHint: 'fd' },
  epoll_create: { retHint: 'fd' },
  epoll_create1: { retHint: 'fd' },
  memfd_create: { retHint: 'fd' },
  timerfd_create: { retHint: 'fd' },
  signalfd4: { retHint: 'fd' },
  inotify_init1: { retHint: 'fd' },
  pidfd_open: { retHint: 'fd' },
  userfaultfd: { retHint: 'fd' },
  open_by_handle_at: { retHint: 'fd' },
  getpid: { retHint: 'pid' },
  gettid: { retHint: 'pid' },
  getppid: { retHint: 'pid' },
};

/** Names of fd-valued arguments. */
const FD_NAMES = new Set(['fd', 'oldfd', 'newfd', 'epfd', 'ufd', 'fd_in', 'fd_out', 'out_fd', 'in_fd', 'fdin', 'fdout', 'pidfd']);
const DIRFD_NAMES = new Set(['dfd', 'olddfd', 'newdfd', 'dirfd', 'from_dfd', 'to_dfd']);

/** Integer typedefs that are unsigned; everything else without "unsigned" is signed. */
const UNSIGNED_TYPES = new Set(['size_t', 'umode_t', 'uid_t', 'gid_t', 'qid_t', 'u32', '__u32', 'u64', '__u64', 'u16', 'aio_context_t', 'old_uid_t', 'old_gid_t']);
/** Integer typedefs that are 64-bit on x86-64; plain int-like types are 32-bit. */
const WIDE_TYPES = new Set(['size_t', 'ssize_t', 'off_t', 'loff_t', 'u64', '__u64', 'aio_context_t', 'long', 'unsigned long', 'long long', 'unsigned long long', '__s64', 's64']);
/** Pointer typedefs (no `*` in the format file). */
const POINTER_TYPES = new Set(['cap_user_header_t', 'cap_user_data_t']);

function baseType(cType: string): string {
  return cType.replace(/\bconst\b/g, '').replace(/\s+/g, ' ').trim();
}

/** Width (bytes) and signedness of a scalar argument from its C type. */
export function scalarType(cType: string): { width: 4 | 8; signed: boolean } {
  const t = baseType(cType);
  const unsigned = t.startsWith('unsigned') || UNSIGNED_TYPES.has(t) || t === 'unsigned';
  const wide = WIDE_TYPES.has(t) || /\blong\b/.test(t);
  return { width: wide ? 8 : 4, signed: !unsigned };
}

function isPointer(cType: string): boolean {
  return cType.includes('*') || POINTER_TYPES.has(baseType(cType));
}

/** Default decision from the C type and the name, before overrides. */
function defaultParam(name: string, cType: string, index: number): ParamSpec {
  const t = cType.replace(/\s+/g, ' ').trim();
  if (!isPointer(t)) {
    const { width, signed } = scalarType(t);
    const p: ParamSpec = { name, cType, index, kind: 'int', width, signed };
    if (FD_NAMES.has(name)) p.hint = 'fd';
    else if (DIRFD_NAMES.has(name)) p.hint = 'dirfd';
    return p;
  }
  if (/^const char \*const \*$/.test(t)) return { name, cType, index, kind: 'argv', when: 'enter' };
  // `const char *` inputs are strings (paths, names, key types); buffers with a length
  // argument (write's buf, mq_timedsend's msg) are fixed by overrides.
  if (/^const char \*$/.test(t)) return { name, cType, index, kind: 'string', when: 'enter' };
  // Non-const `char *filename`/`char *name` in old syscalls (e.g. uselib, umount) are input paths too.
  if (/^char \*$/.test(t) && /^(filename|pathname|path|name|dev_name|dir_name|type|target)$/.test(name)) {
    return { name, cType, index, kind: 'string', when: 'enter' };
  }
  return { name, cType, index, kind: 'pointer' };
}

export interface CompiledSchema {
  schema: SyscallSchema;
  /** struct sc_schema bytes for the BPF `schema` map. */
  bpf: Buffer;
}

/** Encodes and validates the BPF capture table for one syscall. */
export function compileSchema(info: SyscallInfo, captureBytes = DEFAULT_CAPTURE_BYTES): CompiledSchema {
  const ov = OVERRIDES[info.name] ?? {};
  const argIndex = new Map(info.args.map((a, i) => [a.name, i]));
  const bpf = Buffer.alloc(SC_SCHEMA.SIZE);
  bpf[SC_SCHEMA.enabled] = 1;
  let flags = 0;
  if (ov.noReturn) flags |= SC_SCHEMA_FLAGS.SC_S_NO_RETURN;
  if (ov.skipOrphanSuccess) flags |= SC_SCHEMA_FLAGS.SC_S_SKIP_ORPHAN_OK;
  bpf[SC_SCHEMA.flags] = flags;
  let enterCaps = 0;
  const cap = Math.max(1, Math.min(captureBytes, MAX_CAPTURE_BYTES));

  const params: ParamSpec[] = info.args.slice(0, 6).map((a, i) => {
    const o = ov.args?.[a.name];
    let p = defaultParam(a.name, a.type, i);
    if (o) {
      p = { ...p };
      if (o.kind) p.kind = o.kind;
      if (o.kind === 'pointer') delete p.when;
      if (o.when) p.when = o.when;
      if (o.struct) p.struct = o.struct;
      if (o.hint) p.hint = o.hint;
      if (p.kind !== 'int') {
        delete p.width;
        delete p.signed;
      }
    }
    // encode the capture
    const off = SC_SCHEMA.args + i * SC_ARG_SPEC.SIZE;
    let kind = 0;
    let lenSrc: number = SC_LEN_SRC.SC_LEN_FIXED;
    let lenArg = 0;
    let max = cap;
    const argOf = (name: string): number => {
      const idx = argIndex.get(name);
      if (idx === undefined) throw new Error(`schema for ${info.name}: no argument "${name}"`);
      return idx;
    };
    switch (p.kind) {
      case 'string':
        kind = SC_CAP_KIND.SC_CAP_STR;
        break;
      case 'argv':
        kind = SC_CAP_KIND.SC_CAP_ARGV;
        max = Math.min(cap * ARGV_BYTES_FACTOR, MAX_CAPTURE_BYTES);
        break;
      case 'struct':
        kind = SC_CAP_KIND.SC_CAP_BYTES;
        max = STRUCT_SIZES[p.struct!];
        break;
      case 'sockaddr':
        kind = SC_CAP_KIND.SC_CAP_BYTES;
        max = 128; // sizeof(struct sockaddr_storage)
        break;
      case 'bytes':
        kind = o?.iovCount ? SC_CAP_KIND.SC_CAP_IOV : SC_CAP_KIND.SC_CAP_BYTES;
        if (o?.iovCount) lenArg = argOf(o.iovCount);
        break;
    }
    const len = o?.len;
    if (len?.src === 'arg') {
      lenSrc = SC_LEN_SRC.SC_LEN_ARG;
      lenArg = argOf(len.arg);
    } else if (len?.src === 'argptr') {
      lenSrc = SC_LEN_SRC.SC_LEN_ARGPTR;
      lenArg = argOf(len.arg);
    } else if (len?.src === 'ret') {
      lenSrc = SC_LEN_SRC.SC_LEN_RET;
    }
    if (kind !== 0) {
      const when = p.when ?? 'enter';
      p.when = when;
      bpf[off + SC_ARG_SPEC.kind] = kind;
      bpf[off + SC_ARG_SPEC.when] = when === 'enter' ? SC_WHEN.SC_AT_ENTER : SC_WHEN.SC_AT_EXIT;
      bpf[off + SC_ARG_SPEC.len_src] = lenSrc;
      bpf[off + SC_ARG_SPEC.len_arg] = lenArg;
      bpf.writeUInt32LE(max, off + SC_ARG_SPEC.max);
      if (when === 'enter') enterCaps++;
    }
    return p;
  });
  bpf[SC_SCHEMA.enter_caps] = enterCaps;
  const schema: SyscallSchema = { name: info.name, params };
  if (ov.retHint) schema.retHint = ov.retHint;
  if (ov.noReturn) schema.noReturn = true;
  return { schema, bpf };
}

/** A schema for an i386 syscall with no x86-64 equivalent: six raw arguments. */
export function rawSchema(name: string): SyscallSchema {
  return {
    name,
    params: Array.from({ length: 6 }, (_, i) => ({ name: `arg${i}`, cType: 'unsigned long', index: i, kind: 'int' as const, width: 8 as const, signed: false })),
  };
}
