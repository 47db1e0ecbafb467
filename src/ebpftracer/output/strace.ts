/**
 * strace-style lines, as `strace -f` 6.1 prints them (checked against the strace installed here):
 *
 *   [pid  1234] openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3
 *   [pid  1234] connect(3, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)
 *   [pid  1234] exit_group(0)               = ?
 *
 * Layout rules copied from strace: the `[pid %5u] ` prefix (always, since we trace the whole
 * system; the number is the thread id, like strace's); `-tt` time after it; `= ` starts at column
 * 40 (`-a 40`) when the call is shorter, else one space separates it; `-T` appends ` <s.usec>`.
 *
 * Values: strings and buffers are quoted and escaped byte by byte like strace (\t \n \v \f \r
 * \" \\, other bytes octal, 3 digits when an octal digit follows) and cut at `stringLimit`
 * (-s, default 32) with `...` after the quote; path arguments are not cut (strace prints paths
 * whole, up to PATH_MAX). argv shows at most `stringLimit` items, envp only its count. A NULL
 * pointer prints `NULL`; memory we could not read prints the raw address, as strace does.
 *
 * Per-syscall details strace has and we mirror: open/openat omit the mode unless the flags can
 * create a file; mknod(at) prints dev only for character/block devices, as makedev(); a few
 * tracefs names are shown under strace's name (newstat -> stat, ...).
 *
 * Known differences: sin6_scope_id is numeric (strace resolves link-local scopes to
 * if_nametoindex("eth0")); families other than unix/inet/inet6/netlink print sa_data raw;
 * arguments are positional (no `child_stack=`/`flags=` labels as strace prints for clone).
 */
import type { ParamSpec, ParamValue, SockAddr, StructValue, SyscallEvent } from '../event';
import { errnoMessage, errnoName, errnoOf, isRestartErrno } from './errno';
import { formatClock } from '../../output/time';
import {
  familyName,
  fileType,
  formatHint,
  hexC,
  makedev,
  openFlags,
  openFlagsCreate,
  octalMode,
  resolveFlags,
  symbolicMode,
} from './xlat';

export interface StraceOptions {
  /** strace -s: bytes shown of a string or buffer before `...` (default 32). */
  stringLimit?: number;
  /** 'wall' (or true): strace -tt `HH:MM:SS.uuuuuu` (local time) of the syscall entry. */
  timestamps?: 'none' | 'wall' | boolean;
  /** strace -T: time spent in the call, ` <0.000087>`. */
  durations?: boolean;
  /** strace -a: column at which `= ret` is aligned (default 40; 0 disables). */
  alignColumn?: number;
}

const DEFAULT_STRING_LIMIT = 32;
const DEFAULT_ALIGN = 40;
/** strace prints paths up to PATH_MAX regardless of -s. */
const PATH_LIMIT = 4096;

/** Format-file names of path arguments (not cut at -s). */
const PATH_PARAMS = new Set([
  'filename', 'pathname', 'oldname', 'newname', 'path', 'oldpath', 'newpath', 'specialfile', 'special',
  'to_pathname', 'from_pathname', 'put_old', 'new_root', 'dir_name', 'dev_name', 'library',
]);
/** `name` is a path only for these (elsewhere it is an xattr or host name). */
const NAME_IS_PATH = new Set(['acct', 'umount']);

/** Integer arguments that hold addresses (strace prints 0 as NULL). */
const ADDRESS_PARAMS = new Set(['addr', 'start', 'brk', 'new_addr', 'shmaddr']);

/** tracefs event name -> the name strace prints. */
const STRACE_NAMES: ReadonlyMap<string, string> = new Map([
  ['newstat', 'stat'],
  ['newlstat', 'lstat'],
  ['newfstat', 'fstat'],
  ['newuname', 'uname'],
]);

// ------------------------------------------------------------------------------------ quoting

/** 1 for bytes printed as themselves inside quotes. */
const PLAIN = new Uint8Array(256);
/** Escape of each byte when no octal digit follows, and when one does (3-digit octal). */
const ESC_SHORT: string[] = [];
const ESC_LONG: string[] = [];
for (let b = 0; b < 256; b++) {
  PLAIN[b] = b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? 1 : 0;
  const oct = b.toString(8);
  ESC_SHORT[b] = '\\' + oct;
  ESC_LONG[b] = '\\' + '00'.slice(0, 3 - oct.length) + oct;
}
for (const [b, e] of [[0x09, '\\t'], [0x0a, '\\n'], [0x0b, '\\v'], [0x0c, '\\f'], [0x0d, '\\r'], [0x22, '\\"'], [0x5c, '\\\\']] as const) {
  ESC_SHORT[b] = e;
  ESC_LONG[b] = e;
}

/** strace's quoting of `buf` cut at `limit` bytes; `more`: the data continues beyond `buf`. */
export function quoteBytes(buf: Buffer, limit: number, more = false): string {
  const n = buf.length > limit ? limit : buf.length;
  let s = '"';
  let run = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i];
    if (PLAIN[b] === 1) continue;
    if (i > run) s += buf.toString('latin1', run, i);
    const next = i + 1 < n ? buf[i + 1] : 0;
    s += next >= 0x30 && next <= 0x37 ? ESC_LONG[b] : ESC_SHORT[b];
    run = i + 1;
  }
  if (n > run) s += buf.toString('latin1', run, n);
  return more || buf.length > limit ? s + '"...' : s + '"';
}

/** Same for a decoded string: printable ASCII is wrapped directly, anything else goes byte-wise (UTF-8). */
export function quoteString(str: string, limit: number, more = false): string {
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c >= 0x80 || PLAIN[c] === 0) return quoteBytes(Buffer.from(str, 'utf8'), limit, more);
  }
  if (str.length > limit) return '"' + str.slice(0, limit) + '"...';
  return more ? '"' + str + '"...' : '"' + str + '"';
}

// ----------------------------------------------------------------------------------- values

function isSockAddr(v: object): v is SockAddr {
  return 'familyName' in v && 'raw' in v && Buffer.isBuffer((v as SockAddr).raw);
}

/** C's `%#08x` (netlink groups): `00000000` for 0, else `0x` and 6+ hex digits. */
function hex08(n: number): string {
  if (n === 0) return '00000000';
  const h = (n >>> 0).toString(16);
  return '0x' + (h.length >= 6 ? h : '000000'.slice(h.length) + h);
}

function sockaddr(sa: SockAddr, limit: number): string {
  switch (sa.family) {
    case 1:
      if (sa.path === undefined || sa.path === '') return '{sa_family=AF_UNIX}';
      if (sa.path.charCodeAt(0) === 0x40 /* @ */ && sa.raw.length > 2 && sa.raw[2] === 0) {
        // abstract: every byte after the leading NUL, straight from the raw address
        return '{sa_family=AF_UNIX, sun_path=@' + quoteBytes(sa.raw.subarray(3), PATH_LIMIT) + '}';
      }
      return '{sa_family=AF_UNIX, sun_path=' + quoteString(sa.path, PATH_LIMIT) + '}';
    case 2:
      if (sa.address === undefined) break;
      return '{sa_family=AF_INET, sin_port=htons(' + (sa.port ?? 0) + '), sin_addr=inet_addr("' + sa.address + '")}';
    case 10:
      if (sa.address === undefined) break;
      return (
        '{sa_family=AF_INET6, sin6_port=htons(' + (sa.port ?? 0) + '), sin6_flowinfo=htonl(' + (sa.flowinfo ?? 0) +
        '), inet_pton(AF_INET6, "' + sa.address + '", &sin6_addr)' +
        (sa.scopeId === undefined ? '}' : ', sin6_scope_id=' + sa.scopeId + '}')
      );
    case 16:
      if (sa.nlPid === undefined) break;
      return '{sa_family=AF_NETLINK, nl_pid=' + sa.nlPid + ', nl_groups=' + hex08(sa.nlGroups ?? 0) + '}';
  }
  const fam = '{sa_family=' + familyName(sa.family);
  return sa.raw.length > 2 ? fam + ', sa_data=' + quoteBytes(sa.raw.subarray(2), limit) + '}' : fam + '}';
}

function structField(v: number | bigint | string, limit: number): string {
  return typeof v === 'string' ? quoteString(v, limit) : '' + v;
}

function structValue(spec: ParamSpec, v: StructValue, limit: number): string {
  if (spec.struct === 'stat' && v.st_mode !== undefined && typeof v.st_mode !== 'string') {
    // strace's abbreviated stat: type and size, or the device numbers for device nodes.
    const t = fileType(v.st_mode);
    const mode = '{st_mode=' + symbolicMode(v.st_mode);
    if ((t === 0o20000 || t === 0o60000) && v.st_rdev !== undefined && typeof v.st_rdev !== 'string') {
      return mode + ', st_rdev=' + makedev(v.st_rdev) + ', ...}';
    }
    return mode + ', st_size=' + structField(v.st_size ?? 0, limit) + ', ...}';
  }
  if (spec.struct === 'open_how' && typeof v.flags !== 'string' && v.flags !== undefined) {
    let s = '{flags=' + openFlags(v.flags);
    const mode = v.mode;
    if (mode !== undefined && typeof mode !== 'string' && (openFlagsCreate(v.flags) || mode != 0)) s += ', mode=' + octalMode(mode);
    const res = v.resolve;
    return s + ', resolve=' + (res === undefined || typeof res === 'string' ? '0' : resolveFlags(res)) + '}';
  }
  if (spec.struct === 'int') {
    const only = Object.values(v);
    if (only.length === 1) return '[' + structField(only[0], limit) + ']';
  }
  let s = '{';
  let first = true;
  for (const k in v) {
    s += (first ? '' : ', ') + k + '=' + structField(v[k], limit);
    first = false;
  }
  return s + '}';
}

function address(ev: SyscallEvent, spec: ParamSpec): bigint | undefined {
  return ev.args[spec.index];
}

function argvValue(ev: SyscallEvent, spec: ParamSpec, items: string[], limit: number, truncated: boolean): string {
  if (spec.name === 'envp') {
    const a = address(ev, spec);
    const count = '/* ' + items.length + (items.length === 1 ? ' var' : ' vars') + (truncated ? ' or more' : '') + ' */';
    return a !== undefined && a !== 0n ? '0x' + a.toString(16) + ' ' + count : '[' + count + ']';
  }
  const n = items.length > limit ? limit : items.length;
  let s = '[';
  for (let i = 0; i < n; i++) s += (i === 0 ? '' : ', ') + quoteString(items[i], limit);
  if (n < items.length || truncated) s += n === 0 ? '...' : ', ...';
  return s + ']';
}

function paramValue(ev: SyscallEvent, spec: ParamSpec, value: ParamValue | undefined, limit: number): string {
  if (ev.faulted.length !== 0 && ev.faulted.includes(spec.name)) {
    const a = address(ev, spec);
    return a === undefined ? '?' : hexC(a);
  }
  if (value === undefined) return '?';
  if (value === null) {
    // Not read (NULL, or an out-buffer of a failed call): strace shows NULL or the address.
    const a = address(ev, spec);
    return a === undefined || a === 0n ? 'NULL' : '0x' + a.toString(16);
  }
  const more = ev.truncated.length !== 0 && ev.truncated.includes(spec.name);
  switch (typeof value) {
    case 'string': {
      const isPath = PATH_PARAMS.has(spec.name) || (spec.name === 'name' && NAME_IS_PATH.has(ev.syscall));
      return quoteString(value, isPath ? PATH_LIMIT : limit, more);
    }
    case 'number':
    case 'bigint':
      if (spec.kind === 'int') {
        if (spec.hint === undefined) return '' + value;
        // The schema hints addresses (mmap addr, brk) as 'hex': strace prints 0 there as NULL.
        if (spec.hint === 'hex' && value == 0 && ADDRESS_PARAMS.has(spec.name)) return 'NULL';
        return formatHint(spec.hint, value, ev.syscall);
      }
      // A decoded `int *` out-value (accept's addrlen): strace's `[16]`.
      if (spec.kind === 'struct' && typeof value === 'number') return '[' + value + ']';
      // Otherwise a pointer, or memory that was not read (failed call): the address.
      return value == 0 ? 'NULL' : hexC(value);
  }
  if (Buffer.isBuffer(value)) return quoteBytes(value, limit, more);
  if (Array.isArray(value)) {
    if (spec.kind === 'argv' || typeof value[0] === 'string') return argvValue(ev, spec, value as string[], limit, more);
    return '[' + value.join(', ') + ']';
  }
  if (isSockAddr(value)) return sockaddr(value, limit);
  return structValue(spec, value, limit);
}

// ----------------------------------------------------------------------------------- return

function returnValue(ev: SyscallEvent): string {
  const r = ev.ret;
  if (r === undefined) return '?';
  const e = errnoOf(r);
  if (e !== 0) {
    const name = errnoName(e);
    if (isRestartErrno(e)) return '? ' + name + ' (' + errnoMessage(e) + ')';
    return '-1 ' + (name ?? e) + ' (' + errnoMessage(e) + ')';
  }
  if (ev.schema.retHint === 'hex') return hexC(r);
  return r.toString();
}

/** ` <1.000087>` from nanoseconds (truncated to microseconds like strace). */
function duration(ns: bigint): string {
  const us = Number(ns / 1000n);
  const sec = Math.floor(us / 1e6);
  const frac = '' + (us - sec * 1e6);
  return ' <' + sec + '.' + '000000'.slice(frac.length) + frac + '>';
}

// ------------------------------------------------------------------------------------- line

export function makeStraceFormatter(opts: StraceOptions = {}): (ev: SyscallEvent) => string {
  const limit = opts.stringLimit ?? DEFAULT_STRING_LIMIT;
  const align = opts.alignColumn ?? DEFAULT_ALIGN;
  const wall = opts.timestamps === 'wall' || opts.timestamps === true;
  const durations = opts.durations === true;
  const pad = ' '.repeat(align);

  return (ev) => {
    const tid = '' + ev.header.thread_id;
    let line = tid.length >= 5 ? '[pid ' + tid + '] ' : '[pid ' + '     '.slice(tid.length) + tid + '] ';
    if (wall) line += formatClock(ev.wallNs).slice(0, 15) + ' ';
    line += (STRACE_NAMES.get(ev.syscall) ?? ev.syscall) + '(';

    const specs = ev.schema.params;
    let openFlagsValue: number | bigint | undefined;
    let modeValue: number | bigint | undefined;
    let first = true;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      const value = ev.params[spec.name];
      if (typeof value === 'number' || typeof value === 'bigint') {
        if (spec.hint === 'open_flags') openFlagsValue = value;
        else if (spec.hint === 'mode') {
          modeValue = value;
          if (openFlagsValue !== undefined && !openFlagsCreate(openFlagsValue)) continue;
        } else if (spec.name === 'dev' && (ev.syscall === 'mknod' || ev.syscall === 'mknodat')) {
          const t = modeValue === undefined ? 0 : fileType(modeValue);
          if (t !== 0o20000 && t !== 0o60000) continue;
          line += (first ? '' : ', ') + makedev(value);
          first = false;
          continue;
        }
      }
      line += (first ? '' : ', ') + paramValue(ev, spec, value, limit);
      first = false;
    }
    line += ')';

    if (align > 0 && line.length < align) line += pad.slice(line.length);
    else line += ' ';
    line += '= ' + returnValue(ev);
    if (durations && ev.ret !== undefined) line += duration(ev.header.duration);
    return line + '\n';
  };
}
