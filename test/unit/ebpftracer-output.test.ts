/**
 * ebpftracer's output formats (ebpftracer records, strace lines, JSON Lines), on hand-built
 * events. The strace expectations are lines the real strace 6.1 printed on this machine for the
 * same calls (with its `[pid N] ` prefix), so layout, spacing and spelling match exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ParamKind, ParamSpec, ParamValue, SockAddr, SyscallEvent, SyscallSchema } from '../../src/ebpftracer/event';
import { FORMATS, makeFormatter } from '../../src/ebpftracer/output/index';
import { formatEbpftracerRecord, quoteText } from '../../src/ebpftracer/output/ebpftracer-text';
import { formatJsonRecord } from '../../src/ebpftracer/output/json';
import { makeStraceFormatter, quoteBytes, quoteString } from '../../src/ebpftracer/output/strace';
import { errnoMessage, errnoName, errnoOf } from '../../src/ebpftracer/output/errno';
import { formatHint, makedev, octalMode, openFlags, signalName, symbolicMode } from '../../src/ebpftracer/output/xlat';
import { resetTimeCache } from '../../src/output/time';

process.env.TZ = 'UTC';
resetTimeCache();

// ----------------------------------------------------------------------------------- builders

type Spec = Omit<ParamSpec, 'index'>;

const int = (name: string, cType = 'int', more: Partial<Spec> = {}): Spec => ({ name, cType, kind: 'int', width: 4, signed: true, ...more });
const u64 = (name: string, cType = 'size_t', more: Partial<Spec> = {}): Spec => ({ name, cType, kind: 'int', width: 8, signed: false, ...more });
const ptr = (name: string, kind: ParamKind, cType = 'const char *', more: Partial<Spec> = {}): Spec => ({ name, cType, kind, ...more });

function schema(name: string, params: Spec[], more: Partial<SyscallSchema> = {}): SyscallSchema {
  return { name, params: params.map((p, index) => ({ ...p, index })), ...more };
}

interface EvOpts {
  ret?: bigint;
  tid?: number;
  faulted?: string[];
  truncated?: string[];
  args?: Record<number, bigint>;
  noEnter?: boolean;
}

/** A user-space address for each pointer argument (so NULL and "not read" are distinguishable). */
const addr = (i: number): bigint => 0x7ffd5e0c1a10n + BigInt(i) * 0x100n;

function ev(s: SyscallSchema, values: Record<string, ParamValue>, o: EvOpts = {}): SyscallEvent {
  const args = s.params.map((p) => {
    const v = values[p.name];
    if (typeof v === 'number' || typeof v === 'bigint') return BigInt.asUintN(64, BigInt(v));
    return v === null ? 0n : addr(p.index);
  });
  for (const [i, a] of Object.entries(o.args ?? {})) args[Number(i)] = a;
  const faulted = o.faulted ?? [];
  return {
    syscall: s.name,
    header: {
      timestamp: 2139458231000n,
      process_id: o.tid ?? 1234,
      thread_id: o.tid ?? 1234,
      user_id: 1000,
      group_id: 1000,
      exit_code: o.ret === undefined ? 0n : BigInt.asUintN(64, o.ret),
      probe_error: faulted.length > 0,
      duration: 87000n,
    },
    ret: o.ret,
    comm: s.name,
    arch: 'x86_64',
    nativeNr: 0,
    args,
    params: values,
    schema: s,
    faulted,
    truncated: o.truncated ?? [],
    readAtExit: [],
    noEnter: o.noEnter ?? false,
    // 2021-03-19T16:51:23.000123456Z
    wallNs: 1616172683000123456n,
  };
}

function inet(address: string, port: number): SockAddr {
  const raw = Buffer.alloc(16);
  raw.writeUInt16LE(2, 0);
  raw.writeUInt16BE(port, 2);
  address.split('.').forEach((o, i) => (raw[4 + i] = Number(o)));
  return { family: 2, familyName: 'AF_INET', address, port, raw };
}

function unixAbstract(name: string): SockAddr {
  const raw = Buffer.concat([Buffer.from([1, 0, 0]), Buffer.from(name, 'latin1')]);
  return { family: 1, familyName: 'AF_UNIX', path: '@' + name, raw };
}

// -------------------------------------------------------------------------------- the events

const MKDIR = schema('mkdir', [ptr('pathname', 'string'), int('mode', 'umode_t', { signed: false, hint: 'mode' })]);
const RENAMEAT2 = schema('renameat2', [
  int('olddfd', 'int', { hint: 'dirfd' }),
  ptr('oldname', 'string'),
  int('newdfd', 'int', { hint: 'dirfd' }),
  ptr('newname', 'string'),
  int('flags', 'unsigned int', { signed: false, hint: 'rename_flags' }),
]);
const OPENAT = schema(
  'openat',
  [int('dfd', 'int', { hint: 'dirfd' }), ptr('filename', 'string'), int('flags', 'int', { hint: 'open_flags' }), int('mode', 'umode_t', { signed: false, hint: 'mode' })],
  { retHint: 'fd' },
);
const CONNECT = schema('connect', [int('fd', 'int', { hint: 'fd' }), ptr('uservaddr', 'sockaddr', 'struct sockaddr *'), int('addrlen')]);
const READ = schema('read', [int('fd', 'unsigned int', { signed: false, hint: 'fd' }), ptr('buf', 'bytes', 'char *', { when: 'exit' }), u64('count')]);
const WRITE = schema('write', [int('fd', 'unsigned int', { signed: false, hint: 'fd' }), ptr('buf', 'bytes'), u64('count')]);
const EXECVE = schema('execve', [ptr('filename', 'string'), ptr('argv', 'argv', 'const char *const *'), ptr('envp', 'argv', 'const char *const *')]);
const EXIT_GROUP = schema('exit_group', [int('error_code')], { noReturn: true });

const mkdirEv = ev(MKDIR, { pathname: '/tmp/q1', mode: 0o777 }, { ret: 0n });
const renameEv = ev(RENAMEAT2, { olddfd: -100, oldname: '/tmp/q1', newdfd: -100, newname: '/tmp/q2', flags: 1 }, { ret: 0n });
const openEv = ev(OPENAT, { dfd: -100, filename: '/tmp/q3', flags: 0o1 | 0o100 | 0o1000 | 0o2000000, mode: 0o644 }, { ret: 3n });
const openFailEv = ev(OPENAT, { dfd: -100, filename: '/nonexistent', flags: 0o2000000, mode: 0 }, { ret: -2n });
const connectEv = ev(CONNECT, { fd: 3, uservaddr: inet('127.0.0.1', 9), addrlen: 16 }, { ret: -111n });
const connectUnixEv = ev(CONNECT, { fd: 3, uservaddr: unixAbstract('abstr'), addrlen: 8 }, { ret: -111n });
const readEv = ev(READ, { fd: 0, buf: Buffer.from('hi\n'), count: 1024n }, { ret: 3n });
const execveEv = ev(EXECVE, { filename: '/usr/bin/ls', argv: ['ls', '-l'], envp: ['A=1', 'B=2'] }, { ret: 0n });
const exitEv = ev(EXIT_GROUP, { error_code: 0 });
// The decoder keeps the address of memory it could not read.
const faultedEv = ev(OPENAT, { dfd: -100, filename: 0x10n, flags: 0, mode: 0 }, { ret: -14n, faulted: ['filename'], args: { 1: 0x10n } });
const nullEv = ev(EXECVE, { filename: '/nonexistent/x', argv: null, envp: null }, { ret: -2n });

// ---------------------------------------------------------------------------------- ebpftracer

const HDR = (exit: string, probeError = 0): string =>
  `timestamp: 2139458231000 process_id: 1234 thread_id: 1234 user_id: 1000 group_id: 1000 exit_code: ${exit} probe_error: ${probeError}\n`;

test('ebpftracer: record layout (header line, syscall line with trailing space, empty line)', () => {
  assert.equal(formatEbpftracerRecord(mkdirEv), HDR('0') + "syscall: mkdir pathname: '/tmp/q1' mode: 511 \n\n");
  assert.equal(
    formatEbpftracerRecord(renameEv),
    HDR('0') + "syscall: renameat2 olddfd: -100 oldname: '/tmp/q1' newdfd: -100 newname: '/tmp/q2' flags: 1 \n\n",
  );
  assert.equal(formatEbpftracerRecord(openEv), HDR('3') + "syscall: openat dfd: -100 filename: '/tmp/q3' flags: 524865 mode: 420 \n\n");
});

test('ebpftracer: exit_code is the raw u64; probe_error and faulted addresses', () => {
  assert.equal(
    formatEbpftracerRecord(openFailEv),
    HDR('18446744073709551614') + "syscall: openat dfd: -100 filename: '/nonexistent' flags: 524288 mode: 0 \n\n",
  );
  assert.equal(formatEbpftracerRecord(faultedEv), HDR('18446744073709551602', 1) + 'syscall: openat dfd: -100 filename: 0x10 flags: 0 mode: 0 \n\n');
});

test('ebpftracer: sockaddrs, buffers, argv, NULL, never-returning calls', () => {
  assert.equal(formatEbpftracerRecord(connectEv), HDR('18446744073709551505') + "syscall: connect fd: 3 uservaddr: '127.0.0.1, port 9' addrlen: 16 \n\n");
  assert.equal(formatEbpftracerRecord(connectUnixEv), HDR('18446744073709551505') + "syscall: connect fd: 3 uservaddr: '@abstr' addrlen: 8 \n\n");
  assert.equal(formatEbpftracerRecord(readEv), HDR('3') + 'syscall: read fd: 0 buf: <buffer of 3 bytes> count: 1024 \n\n');
  assert.equal(
    formatEbpftracerRecord(execveEv),
    HDR('0') + "syscall: execve filename: '/usr/bin/ls' argv: ['ls', '-l'] envp: ['A=1', 'B=2'] \n\n",
  );
  assert.equal(formatEbpftracerRecord(nullEv), HDR('18446744073709551614') + "syscall: execve filename: '/nonexistent/x' argv: <NULL> envp: <NULL> \n\n");
  assert.equal(formatEbpftracerRecord(exitEv), HDR('0') + 'syscall: exit_group error_code: 0 \n\n');
});

test('ebpftracer: strings are escaped so a record stays on its lines', () => {
  assert.equal(quoteText('plain /path'), "'plain /path'");
  assert.equal(quoteText("a\nb'c\\d\te\x01\x7f é"), "'a\\nb\\'c\\\\d\\te\\001\\177 é'");
  const nl = ev(MKDIR, { pathname: 'x\ny', mode: 0 }, { ret: 0n });
  assert.equal(formatEbpftracerRecord(nl).split('\n').length, 4);
});

test('ebpftracer: structs, int pairs, IPv6 and other families', () => {
  const PIPE2 = schema('pipe2', [ptr('fildes', 'struct', 'int *', { struct: 'int_pair' }), int('flags', 'int', { hint: 'open_flags' })]);
  assert.match(formatEbpftracerRecord(ev(PIPE2, { fildes: [3, 4], flags: 0 }, { ret: 0n })), /syscall: pipe2 fildes: \[3, 4\] flags: 0 \n/);
  const NS = schema('nanosleep', [ptr('rqtp', 'struct', 'struct __kernel_timespec *', { struct: 'timespec' }), ptr('rmtp', 'pointer')]);
  assert.match(formatEbpftracerRecord(ev(NS, { rqtp: { tv_sec: 1n, tv_nsec: 500n }, rmtp: null }, { ret: 0n })), /rqtp: \{tv_sec: 1, tv_nsec: 500\} rmtp: <NULL> \n/);
  const in6: SockAddr = { family: 10, familyName: 'AF_INET6', address: '::1', port: 9, flowinfo: 0, scopeId: 0, raw: Buffer.alloc(28) };
  assert.match(formatEbpftracerRecord(ev(CONNECT, { fd: 4, uservaddr: in6, addrlen: 28 }, { ret: 0n })), / uservaddr: '::1, port 9' /);
  const nl: SockAddr = { family: 16, familyName: 'AF_NETLINK', nlPid: 0, nlGroups: 0, raw: Buffer.alloc(12) };
  assert.match(formatEbpftracerRecord(ev(CONNECT, { fd: 4, uservaddr: nl, addrlen: 12 }, { ret: 0n })), / uservaddr: <buffer of 12 bytes> /);
});

// ------------------------------------------------------------------------------------- strace

const strace = makeStraceFormatter();

test('strace: lines as strace -f 6.1 prints them (column 40 alignment, [pid %5u])', () => {
  assert.equal(strace(mkdirEv), '[pid  1234] mkdir("/tmp/q1", 0777)      = 0\n');
  assert.equal(strace(renameEv), '[pid  1234] renameat2(AT_FDCWD, "/tmp/q1", AT_FDCWD, "/tmp/q2", RENAME_NOREPLACE) = 0\n');
  assert.equal(strace(openEv), '[pid  1234] openat(AT_FDCWD, "/tmp/q3", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) = 3\n');
  assert.equal(strace(openFailEv), '[pid  1234] openat(AT_FDCWD, "/nonexistent", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)\n');
  assert.equal(strace(exitEv), '[pid  1234] exit_group(0)               = ?\n');
  assert.equal(strace(ev(MKDIR, { pathname: '/tmp/q1', mode: 0o777 }, { ret: 0n, tid: 4194303 })), '[pid 4194303] mkdir("/tmp/q1", 0777)    = 0\n');
});

test('strace: sockaddrs', () => {
  assert.equal(
    strace(connectEv),
    '[pid  1234] connect(3, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)\n',
  );
  assert.equal(strace(connectUnixEv), '[pid  1234] connect(3, {sa_family=AF_UNIX, sun_path=@"abstr"}, 8) = -1 ECONNREFUSED (Connection refused)\n');
  const in6: SockAddr = { family: 10, familyName: 'AF_INET6', address: '::1', port: 9, flowinfo: 0, scopeId: 0, raw: Buffer.alloc(28) };
  assert.equal(
    strace(ev(CONNECT, { fd: 4, uservaddr: in6, addrlen: 28 }, { ret: -111n })),
    '[pid  1234] connect(4, {sa_family=AF_INET6, sin6_port=htons(9), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ECONNREFUSED (Connection refused)\n',
  );
  const path: SockAddr = { family: 1, familyName: 'AF_UNIX', path: '/tmp/s', raw: Buffer.from('\x01\x00/tmp/s\x00', 'latin1') };
  assert.equal(strace(ev(CONNECT, { fd: -1, uservaddr: path, addrlen: 9 }, { ret: -9n })), '[pid  1234] connect(-1, {sa_family=AF_UNIX, sun_path="/tmp/s"}, 9) = -1 EBADF (Bad file descriptor)\n');
  const nl: SockAddr = { family: 16, familyName: 'AF_NETLINK', nlPid: 12345, nlGroups: 5, raw: Buffer.alloc(12) };
  assert.match(strace(ev(CONNECT, { fd: -1, uservaddr: nl, addrlen: 12 }, { ret: -9n })), /\{sa_family=AF_NETLINK, nl_pid=12345, nl_groups=0x000005\}/);
  const nl0: SockAddr = { ...nl, nlPid: 0, nlGroups: 0 };
  assert.match(strace(ev(CONNECT, { fd: -1, uservaddr: nl0, addrlen: 12 }, { ret: -9n })), /\{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000\}/);
  const mctp: SockAddr = { family: 45, familyName: 'AF_45', raw: Buffer.from([45, 0, 1, 2, 3, 4, 5, 6]) };
  assert.match(strace(ev(CONNECT, { fd: -1, uservaddr: mctp, addrlen: 8 }, { ret: -9n })), /\{sa_family=AF_MCTP, sa_data="\\1\\2\\3\\4\\5\\6"\}/);
});

test('strace: buffers, argv/envp, NULL and unreadable memory', () => {
  assert.equal(strace(readEv), '[pid  1234] read(0, "hi\\n", 1024)       = 3\n');
  assert.equal(strace(execveEv), '[pid  1234] execve("/usr/bin/ls", ["ls", "-l"], 0x7ffd5e0c1c10 /* 2 vars */) = 0\n');
  assert.equal(strace(nullEv), '[pid  1234] execve("/nonexistent/x", NULL, NULL) = -1 ENOENT (No such file or directory)\n');
  assert.equal(strace(faultedEv), '[pid  1234] openat(AT_FDCWD, 0x10, O_RDONLY) = -1 EFAULT (Bad address)\n');
  // strace: execve("/nonexistent/x", ["01234567890123456789012345678901"..., "b\n"], 0x7ffdfa639250 /* 2 vars */)
  const long = ev(EXECVE, { filename: '/nonexistent/x', argv: ['0123456789'.repeat(6), 'b\n'], envp: ['A=1', 'B=2'] }, { ret: -2n, args: { 2: 0x7ffdfa639250n } });
  assert.equal(
    strace(long),
    '[pid  1234] execve("/nonexistent/x", ["01234567890123456789012345678901"..., "b\\n"], 0x7ffdfa639250 /* 2 vars */) = -1 ENOENT (No such file or directory)\n',
  );
  // more than -s items: the first 32 and `...`
  const many = ev(EXECVE, { filename: '/x', argv: Array.from({ length: 40 }, (_, i) => 'a' + i), envp: null }, { ret: -2n });
  assert.match(strace(many), /"a30", "a31", \.\.\.\], NULL\)/);
  // an out-buffer of a failed read was not read: its address, like strace
  assert.equal(strace(ev(READ, { fd: 3, buf: 0x7ffd00001000n, count: 832n }, { ret: -9n })), '[pid  1234] read(3, 0x7ffd00001000, 832) = -1 EBADF (Bad file descriptor)\n');
});

test('strace: string quoting and -s truncation match strace', () => {
  // write(-1, "\7\10\t\n\v\f\r\33\177 ~\"\\\0010\18\200\0", 19)
  const tricky = Buffer.from([7, 8, 9, 10, 11, 12, 13, 0x1b, 0x7f, 0x20, 0x7e, 0x22, 0x5c, 1, 0x30, 1, 0x38, 0x80, 0]);
  assert.equal(quoteBytes(tricky, 32), '"\\7\\10\\t\\n\\v\\f\\r\\33\\177 ~\\"\\\\\\0010\\18\\200\\0"');
  assert.equal(quoteBytes(Buffer.from([1, 0x37, 1, 0x38, 0x1f, 0x31]), 32), '"\\0017\\18\\0371"');
  assert.equal(quoteString('é café\0', 32), '"\\303\\251 caf\\303\\251\\0"');
  const digits = '0123456789'.repeat(4);
  assert.equal(quoteBytes(Buffer.from(digits.slice(0, 32)), 32), '"01234567890123456789012345678901"');
  assert.equal(quoteBytes(Buffer.from(digits.slice(0, 33)), 32), '"01234567890123456789012345678901"...');
  assert.equal(quoteBytes(Buffer.alloc(0), 32), '""');
  const high = Buffer.from(Array.from({ length: 80 }, (_, i) => i + 200));
  assert.equal(
    strace(ev(WRITE, { fd: -1, buf: high, count: 80n }, { ret: -9n })),
    '[pid  1234] write(-1, "\\310\\311\\312\\313\\314\\315\\316\\317\\320\\321\\322\\323\\324\\325\\326\\327\\330\\331\\332\\333\\334\\335\\336\\337\\340\\341\\342\\343\\344\\345\\346\\347"..., 80) = -1 EBADF (Bad file descriptor)\n',
  );
  // paths are not cut at -s; other strings are (strace: chdir vs getxattr's name)
  const CHDIR = schema('chdir', [ptr('filename', 'string')]);
  const p = '/nonexistent/' + '0123456789'.repeat(5);
  assert.equal(strace(ev(CHDIR, { filename: p }, { ret: -2n })), `[pid  1234] chdir("${p}") = -1 ENOENT (No such file or directory)\n`);
  const GETXATTR = schema('getxattr', [ptr('pathname', 'string'), ptr('name', 'string'), ptr('value', 'pointer', 'void *'), u64('size')]);
  assert.equal(
    strace(ev(GETXATTR, { pathname: '/nonexistent', name: 'user.' + '0123456789'.repeat(5), value: null, size: 0n }, { ret: -2n })),
    '[pid  1234] getxattr("/nonexistent", "user.012345678901234567890123456"..., NULL, 0) = -1 ENOENT (No such file or directory)\n',
  );
  // a string cut at the capture limit also gets `...`; -s is configurable
  const cut = ev(MKDIR, { pathname: '/tmp/abc', mode: 0o755 }, { ret: 0n, truncated: ['pathname'] });
  assert.equal(strace(cut), '[pid  1234] mkdir("/tmp/abc"..., 0755)  = 0\n');
  const s4 = makeStraceFormatter({ stringLimit: 4 });
  assert.equal(s4(readEv), '[pid  1234] read(0, "hi\\n", 1024)       = 3\n');
  assert.equal(s4(ev(WRITE, { fd: 1, buf: Buffer.from('hello'), count: 5n }, { ret: 5n })), '[pid  1234] write(1, "hell"..., 5)      = 5\n');
});

test('strace: return values, errno texts and kernel-internal restart codes', () => {
  const r = (ret: bigint): string => strace(ev(READ, { fd: 3, buf: null, count: 10n }, { ret, args: { 1: 0x1000n } }));
  assert.equal(r(-512n), '[pid  1234] read(3, 0x1000, 10)         = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n');
  assert.match(r(-513n), /= \? ERESTARTNOINTR \(To be restarted\)\n$/);
  assert.match(r(-514n), /= \? ERESTARTNOHAND \(To be restarted if no handler\)\n$/);
  assert.match(r(-516n), /= \? ERESTART_RESTARTBLOCK \(Interrupted by signal\)\n$/);
  assert.match(r(-515n), /= -1 ENOIOCTLCMD \(Unknown error 515\)\n$/);
  assert.match(r(-41n), /= -1 41 \(Unknown error 41\)\n$/);
  assert.match(r(-4096n), /= -4096\n$/);
  assert.match(r(-11n), /= -1 EAGAIN \(Resource temporarily unavailable\)\n$/);
  const MMAP = schema(
    'mmap',
    [u64('addr', 'unsigned long', { hint: 'hex' }), u64('len', 'unsigned long'), u64('prot', 'unsigned long', { hint: 'prot' }), u64('flags', 'unsigned long', { hint: 'map_flags' }), u64('fd', 'unsigned long', { hint: 'fd' }), u64('off', 'unsigned long')],
    { retHint: 'hex' },
  );
  // strace: mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fe58f8fe000
  const mm = ev(MMAP, { addr: 0n, len: 8192n, prot: 3n, flags: 0x22n, fd: 0xffffffffffffffffn, off: 0n }, { ret: 0x7fe58f8fe000n });
  assert.equal(strace(mm), '[pid  1234] mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fe58f8fe000\n');
  const mmFail = ev(MMAP, { addr: 0x7fe58f739000n, len: 0n, prot: 0n, flags: 0n, fd: 3n, off: 0n }, { ret: -12n });
  assert.equal(strace(mmFail), '[pid  1234] mmap(0x7fe58f739000, 0, PROT_NONE, MAP_FILE, 3, 0) = -1 ENOMEM (Cannot allocate memory)\n');
});

test('strace: -tt timestamps and -T durations', () => {
  const f = makeStraceFormatter({ timestamps: 'wall', durations: true });
  assert.equal(f(mkdirEv), '[pid  1234] 16:51:23.000123 mkdir("/tmp/q1", 0777) = 0 <0.000087>\n');
  assert.equal(f(exitEv), '[pid  1234] 16:51:23.000123 exit_group(0) = ?\n');
  const slow = ev(MKDIR, { pathname: '/', mode: 0 }, { ret: -17n });
  slow.header.duration = 2_000_123_999n;
  assert.equal(f(slow), '[pid  1234] 16:51:23.000123 mkdir("/", 000) = -1 EEXIST (File exists) <2.000123>\n');
  // the CLI passes a boolean
  assert.equal(makeStraceFormatter({ timestamps: true })(mkdirEv), '[pid  1234] 16:51:23.000123 mkdir("/tmp/q1", 0777) = 0\n');
});

test('strace: per-syscall details (mknod modes and dev, stat, pipe2, accept4, clone)', () => {
  const MKNODAT = schema('mknodat', [int('dfd', 'int', { hint: 'dirfd' }), ptr('filename', 'string'), int('mode', 'umode_t', { signed: false, hint: 'mode' }), int('dev', 'unsigned int', { signed: false })]);
  assert.equal(strace(ev(MKNODAT, { dfd: -100, filename: '/tmp/zz_node', mode: 0o10600, dev: 0 }, { ret: 0n })), '[pid  1234] mknodat(AT_FDCWD, "/tmp/zz_node", S_IFIFO|0600) = 0\n');
  assert.equal(
    strace(ev(MKNODAT, { dfd: -100, filename: '/tmp/zz_none/x', mode: 0o20644, dev: 0x103 }, { ret: -2n })),
    '[pid  1234] mknodat(AT_FDCWD, "/tmp/zz_none/x", S_IFCHR|0644, makedev(0x1, 0x3)) = -1 ENOENT (No such file or directory)\n',
  );
  const STAT = schema('newfstatat', [int('dfd', 'int', { hint: 'dirfd' }), ptr('filename', 'string'), ptr('statbuf', 'struct', 'struct stat *', { struct: 'stat', when: 'exit' }), int('flag', 'int', { hint: 'at_flags' })]);
  const st = { st_dev: 2049n, st_ino: 5n, st_nlink: 1n, st_mode: 0o100644, st_uid: 0, st_gid: 0, st_rdev: 0n, st_size: 36407n };
  assert.equal(strace(ev(STAT, { dfd: 3, filename: '', statbuf: st, flag: 0x1000 }, { ret: 0n })), '[pid  1234] newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=36407, ...}, AT_EMPTY_PATH) = 0\n');
  const chr = { ...st, st_mode: 0o20666, st_rdev: 0x103n };
  assert.equal(strace(ev(STAT, { dfd: 1, filename: '', statbuf: chr, flag: 0x1000 }, { ret: 0n })), '[pid  1234] newfstatat(1, "", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, AT_EMPTY_PATH) = 0\n');
  assert.equal(
    strace(ev(STAT, { dfd: -100, filename: '/root/.cargo/bin/mkdir', statbuf: 0x7ffdb8700bf0n, flag: 0 }, { ret: -2n })),
    '[pid  1234] newfstatat(AT_FDCWD, "/root/.cargo/bin/mkdir", 0x7ffdb8700bf0, 0) = -1 ENOENT (No such file or directory)\n',
  );
  const PIPE2 = schema('pipe2', [ptr('fildes', 'struct', 'int *', { struct: 'int_pair', when: 'exit' }), int('flags', 'int', { hint: 'open_flags' })]);
  assert.equal(strace(ev(PIPE2, { fildes: [3, 4], flags: 0o2000000 }, { ret: 0n })), '[pid  1234] pipe2([3, 4], O_CLOEXEC)    = 0\n');
  assert.equal(strace(ev(PIPE2, { fildes: [5, 6], flags: 0 }, { ret: 0n })), '[pid  1234] pipe2([5, 6], 0)            = 0\n');
  const ACCEPT4 = schema(
    'accept4',
    [int('fd', 'int', { hint: 'fd' }), ptr('upeer_sockaddr', 'sockaddr', 'struct sockaddr *'), ptr('upeer_addrlen', 'struct', 'int *', { struct: 'int' }), int('flags', 'int', { hint: 'socket_type' })],
    { retHint: 'fd' },
  );
  assert.equal(
    strace(ev(ACCEPT4, { fd: 3, upeer_sockaddr: inet('10.1.2.3', 8080), upeer_addrlen: 16, flags: 0o2000000 }, { ret: 4n })),
    '[pid  1234] accept4(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("10.1.2.3")}, [16], SOCK_CLOEXEC) = 4\n',
  );
  const CLONE = schema('clone', [u64('clone_flags', 'unsigned long', { hint: 'clone_flags' }), u64('newsp', 'unsigned long'), ptr('parent_tidptr', 'pointer', 'int *'), ptr('child_tidptr', 'pointer', 'int *'), u64('tls', 'unsigned long')], { retHint: 'pid' });
  assert.equal(
    strace(ev(CLONE, { clone_flags: 0x1200011n, newsp: 0n, parent_tidptr: null, child_tidptr: 0x7fc3ff6d3a10n, tls: 0n }, { ret: 21698n })),
    '[pid  1234] clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, 0, NULL, 0x7fc3ff6d3a10, 0) = 21698\n',
  );
  const OPENAT2 = schema('openat2', [int('dfd', 'int', { hint: 'dirfd' }), ptr('filename', 'string'), ptr('how', 'struct', 'struct open_how *', { struct: 'open_how' }), u64('usize')], { retHint: 'fd' });
  assert.equal(
    strace(ev(OPENAT2, { dfd: -100, filename: '/nonexistent/zz', how: { flags: 0o101n, mode: 0o644n, resolve: 12n }, usize: 24n }, { ret: -18n })),
    '[pid  1234] openat2(AT_FDCWD, "/nonexistent/zz", {flags=O_WRONLY|O_CREAT, mode=0644, resolve=RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH}, 24) = -1 EXDEV (Invalid cross-device link)\n',
  );
  const NS = schema('nanosleep', [ptr('rqtp', 'struct', 'struct __kernel_timespec *', { struct: 'timespec' }), ptr('rmtp', 'pointer', 'struct __kernel_timespec *')]);
  assert.equal(strace(ev(NS, { rqtp: { tv_sec: 1n, tv_nsec: 500n }, rmtp: null }, { ret: 0n })), '[pid  1234] nanosleep({tv_sec=1, tv_nsec=500}, NULL) = 0\n');
  const NEWSTAT = schema('newstat', [ptr('filename', 'string'), ptr('statbuf', 'struct', 'struct stat *', { struct: 'stat' })]);
  assert.match(strace(ev(NEWSTAT, { filename: '/', statbuf: { ...st, st_mode: 0o40755, st_size: 4096n } }, { ret: 0n })), /\] stat\("\/", \{st_mode=S_IFDIR\|0755, st_size=4096, \.\.\.\}\) = 0\n$/);
});

// -------------------------------------------------------------------------------------- xlat

test('xlat: flag sets in strace 6.1 order, as printed by the installed strace', () => {
  const all = 0o1 | 0o100 | 0o200 | 0o400 | 0o1000 | 0o2000 | 0o4000 | 0o4010000 | 0o20000 | 0o40000 | 0o100000 | 0o200000 | 0o400000 | 0o1000000 | 0o2000000 | 0o10000000 | 0o20000000;
  assert.equal(openFlags(all), 'O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_LARGEFILE|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_PATH|O_TMPFILE|FASYNC');
  assert.equal(openFlags(0o20000000 | 2), 'O_RDWR|__O_TMPFILE');
  assert.equal(openFlags(0o4000000 | 0o40000 | 0o2000 | 0o2000000), 'O_RDONLY|O_APPEND|__O_SYNC|O_DIRECT|O_CLOEXEC');
  assert.equal(openFlags(0o200000 | 0o10000000 | 0o20000), 'O_RDONLY|O_PATH|O_DIRECTORY|FASYNC');
  assert.equal(openFlags(0o2000000 | 0x40000000), 'O_RDONLY|O_CLOEXEC|0x40000000');
  assert.equal(openFlags(3 | 0x80000000), 'O_ACCMODE|0x80000000');
  assert.equal(openFlags(-2147483645), 'O_ACCMODE|0x80000000'); // the same bits as a signed int
  assert.equal(formatHint('open_flags', 0, 'openat'), 'O_RDONLY');

  assert.equal(formatHint('at_flags', 0x100 | 0x400 | 0x800 | 0x1000 | 0x200 | 0x6000 | 0x8000 | 0x10000, 'unlinkat'), 'AT_SYMLINK_NOFOLLOW|AT_REMOVEDIR|AT_SYMLINK_FOLLOW|AT_NO_AUTOMOUNT|AT_EMPTY_PATH|AT_RECURSIVE|0x16000');
  assert.equal(formatHint('at_flags', 0x200, 'unlinkat'), 'AT_REMOVEDIR');
  assert.equal(formatHint('at_flags', 0, 'newfstatat'), '0');
  assert.equal(formatHint('at_flags', 0x300, 'faccessat2'), 'AT_SYMLINK_NOFOLLOW|AT_EACCESS');
  assert.equal(formatHint('at_flags', 0x900, 'statx'), 'AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT');
  assert.equal(formatHint('at_flags', 0x6000, 'statx'), 'AT_STATX_FORCE_SYNC|AT_STATX_DONT_SYNC');
  assert.equal(formatHint('rename_flags', 7, 'renameat2'), 'RENAME_NOREPLACE|RENAME_EXCHANGE|RENAME_WHITEOUT');
  assert.equal(formatHint('rename_flags', 9, 'renameat2'), 'RENAME_NOREPLACE|0x8');
  assert.equal(formatHint('rename_flags', 8, 'renameat2'), '0x8 /* RENAME_?? */');
  assert.equal(formatHint('rename_flags', 0, 'renameat2'), '0');
  assert.equal(formatHint('access_mode', 0, 'access'), 'F_OK');
  assert.equal(formatHint('access_mode', 6, 'access'), 'R_OK|W_OK');
  assert.equal(formatHint('access_mode', 9, 'faccessat'), 'X_OK|0x8');
  assert.equal(formatHint('access_mode', 8, 'faccessat'), '0x8 /* ?_OK */');

  assert.equal(formatHint('msg_flags', 0xffffffff, 'sendto'), 'MSG_OOB|MSG_PEEK|MSG_DONTROUTE|MSG_CTRUNC|MSG_PROBE|MSG_TRUNC|MSG_DONTWAIT|MSG_EOR|MSG_WAITALL|MSG_FIN|MSG_SYN|MSG_CONFIRM|MSG_RST|MSG_ERRQUEUE|MSG_NOSIGNAL|MSG_MORE|MSG_WAITFORONE|MSG_SENDPAGE_NOTLAST|MSG_BATCH|MSG_NO_SHARED_FRAGS|MSG_ZEROCOPY|MSG_FASTOPEN|MSG_CMSG_CLOEXEC|MSG_CMSG_COMPAT|0x1bf00000');
  assert.equal(formatHint('msg_flags', 0x8000000, 'sendto'), '0x8000000 /* MSG_??? */');
  assert.equal(formatHint('msg_flags', 0x62, 'recvfrom'), 'MSG_PEEK|MSG_TRUNC|MSG_DONTWAIT');

  assert.equal(formatHint('prot', 0, 'mmap'), 'PROT_NONE');
  assert.equal(formatHint('prot', 0x7 | 0x8 | 0x01000000 | 0x02000000 | 0x10, 'mmap'), 'PROT_READ|PROT_WRITE|PROT_EXEC|PROT_SEM|PROT_GROWSDOWN|PROT_GROWSUP|0x10');
  assert.equal(formatHint('prot', 0x10, 'mmap'), '0x10 /* PROT_??? */');
  const mapAll = 0x3 | 0x10 | 0x20 | 0x40 | 0x100 | 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000 | 0x20000 | 0x40000 | 0x80000 | 0x100000 | (21 << 26);
  assert.equal(
    formatHint('map_flags', BigInt(mapAll >>> 0), 'mmap'),
    'MAP_SHARED_VALIDATE|MAP_FIXED|MAP_ANONYMOUS|MAP_32BIT|MAP_NORESERVE|MAP_POPULATE|MAP_NONBLOCK|MAP_GROWSDOWN|MAP_DENYWRITE|MAP_EXECUTABLE|MAP_LOCKED|MAP_STACK|MAP_HUGETLB|MAP_SYNC|MAP_FIXED_NOREPLACE|21<<MAP_HUGE_SHIFT',
  );
  assert.equal(formatHint('map_flags', 0n, 'mmap'), 'MAP_FILE');
  assert.equal(formatHint('map_flags', BigInt(2 | 0x200 | (21 << 26)), 'mmap'), 'MAP_PRIVATE|0x200|21<<MAP_HUGE_SHIFT');
  assert.equal(formatHint('map_flags', 0x24n, 'mmap'), '0x4 /* MAP_??? */|MAP_ANONYMOUS');
  assert.equal(formatHint('map_flags', 0x40000000n, 'mmap'), 'MAP_FILE|16<<MAP_HUGE_SHIFT');

  const cloneNoVm = (0x800 | 0xffffff00) & ~0x100 & ~0x1000 & ~0x100000;
  assert.equal(
    formatHint('clone_flags', BigInt(cloneNoVm >>> 0), 'clone'),
    'CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_PTRACE|CLONE_VFORK|CLONE_PARENT|CLONE_THREAD|CLONE_NEWNS|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_CHILD_CLEARTID|CLONE_UNTRACED|CLONE_CHILD_SETTID|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_IO|0x400000',
  );
  assert.equal(formatHint('clone_flags', 0x800n | 0x1000n | 0x100000n | 64n | 0x100000000n, 'clone'), 'CLONE_SIGHAND|CLONE_PIDFD|CLONE_PARENT_SETTID|0x100000000|SIGRT_32');
  assert.equal(formatHint('clone_flags', 0x800n | 65n, 'clone'), 'CLONE_SIGHAND|65');
  assert.equal(formatHint('clone_flags', 0x400800n | 17n, 'clone'), 'CLONE_SIGHAND|0x400000|SIGCHLD');
  assert.equal(formatHint('clone_flags', 17n, 'clone'), 'SIGCHLD');
  assert.equal(formatHint('clone_flags', 0n, 'clone'), '0');

  assert.equal(formatHint('socket_type', 3 | 0o2000000 | 0o4000, 'socket'), 'SOCK_RAW|SOCK_CLOEXEC|SOCK_NONBLOCK');
  assert.equal(formatHint('socket_type', 10 | 0o4000 | 0x100, 'socket'), 'SOCK_PACKET|SOCK_NONBLOCK|0x100');
  assert.equal(formatHint('socket_type', 6 | 0x80000000, 'socket'), 'SOCK_DCCP|0x80000000 /* SOCK_??? */');
  assert.equal(formatHint('socket_type', 0x7f, 'socket'), '0x7f /* SOCK_??? */');
  assert.equal(formatHint('socket_type', 0, 'socket'), '0');
  assert.equal(formatHint('socket_family', 45, 'socket'), 'AF_MCTP');
  assert.equal(formatHint('socket_family', 12, 'socket'), 'AF_DECnet');
  assert.equal(formatHint('socket_family', 46, 'socket'), '0x2e /* AF_??? */');
  assert.equal(formatHint('whence', 4, 'lseek'), 'SEEK_HOLE');
  assert.equal(formatHint('whence', 5, 'lseek'), '0x5 /* SEEK_??? */');
  assert.equal(formatHint('dirfd', -100, 'openat'), 'AT_FDCWD');
  assert.equal(formatHint('dirfd', 4294967196, 'openat'), 'AT_FDCWD');
  assert.equal(formatHint('fd', 0xffffffffffffffffn, 'mmap'), '-1');
  assert.equal(formatHint('hex', 0x26000n, 'mmap'), '0x26000');
  assert.equal(formatHint('hex', 0n, 'mmap'), '0');
});

test('xlat: modes, signals, devices', () => {
  assert.equal(octalMode(0), '000');
  assert.equal(octalMode(0o7), '007');
  assert.equal(octalMode(0o644), '0644');
  assert.equal(octalMode(0o1777), '01777');
  assert.equal(octalMode(0o170755), '0170755');
  assert.equal(symbolicMode(0o140000 | 0o7777), 'S_IFSOCK|S_ISUID|S_ISGID|S_ISVTX|0777');
  assert.equal(symbolicMode(0), '000');
  assert.equal(symbolicMode(0o100644), 'S_IFREG|0644');
  assert.equal(symbolicMode(0o4755), 'S_ISUID|0755');
  assert.equal(symbolicMode(0o170644), '0170644');
  assert.equal(symbolicMode(0o41777), 'S_IFDIR|S_ISVTX|0777');
  assert.equal(formatHint('mode', 0o20644, 'mknodat'), 'S_IFCHR|0644');
  assert.equal(formatHint('mode', 0o170755, 'mkdir'), '0170755');
  assert.equal(makedev(0x801), 'makedev(0x8, 0x1)');
  assert.equal(makedev(0), 'makedev(0, 0)');
  const sigs: [number, string][] = [[9, 'SIGKILL'], [6, 'SIGABRT'], [29, 'SIGIO'], [16, 'SIGSTKFLT'], [30, 'SIGPWR'], [31, 'SIGSYS'], [17, 'SIGCHLD'], [32, 'SIGRTMIN'], [33, 'SIGRT_1'], [34, 'SIGRT_2'], [64, 'SIGRT_32'], [65, '65'], [0, '0'], [-3, '-3']];
  for (const [n, name] of sigs) assert.equal(signalName(n), name, `signal ${n}`);
});

test('errno: names and glibc texts', () => {
  assert.equal(errnoName(2), 'ENOENT');
  assert.equal(errnoMessage(2), 'No such file or directory');
  assert.equal(errnoName(11), 'EAGAIN');
  assert.equal(errnoName(35), 'EDEADLK');
  assert.equal(errnoName(95), 'EOPNOTSUPP');
  assert.equal(errnoMessage(95), 'Operation not supported');
  assert.equal(errnoName(111), 'ECONNREFUSED');
  assert.equal(errnoMessage(111), 'Connection refused');
  assert.equal(errnoMessage(17), 'File exists');
  assert.equal(errnoMessage(1), 'Operation not permitted');
  assert.equal(errnoName(133), 'EHWPOISON');
  assert.equal(errnoMessage(133), 'Memory page has hardware error');
  assert.equal(errnoName(41), undefined);
  assert.equal(errnoMessage(41), 'Unknown error 41');
  assert.equal(errnoName(134), undefined);
  assert.equal(errnoName(512), 'ERESTARTSYS');
  assert.equal(errnoName(516), 'ERESTART_RESTARTBLOCK');
  assert.equal(errnoName(520), undefined);
  assert.equal(errnoName(531), 'ENOGRACE');
  assert.equal(errnoMessage(512), 'To be restarted if SA_RESTART is set');
  assert.equal(errnoMessage(515), 'Unknown error 515');
  assert.equal(errnoOf(-2n), 2);
  assert.equal(errnoOf(-4095n), 4095);
  assert.equal(errnoOf(-4096n), 0);
  assert.equal(errnoOf(3n), 0);
  // every defined number has a name and a message, and names are unique
  const names = new Set<string>();
  for (let n = 1; n <= 133; n++) {
    const name = errnoName(n);
    if (n === 41 || n === 58) continue;
    assert.ok(name && !names.has(name), `errno ${n}`);
    names.add(name);
    assert.doesNotMatch(errnoMessage(n), /^Unknown/);
  }
});

// --------------------------------------------------------------------------------------- json

test('json: one line, key order and types', () => {
  assert.equal(
    formatJsonRecord(mkdirEv),
    '{"syscall":"mkdir","timestamp":"2139458231000","wall_time":"2021-03-19T16:51:23.000Z","wall_ns":"1616172683000123456",' +
      '"process_id":1234,"thread_id":1234,"user_id":1000,"group_id":1000,"comm":"mkdir","arch":"x86_64","exit_code":"0","ret":0,' +
      '"probe_error":false,"duration_ns":87000,"params":{"pathname":"/tmp/q1","mode":511},"decoded":{"mode":"0777"}}\n',
  );
  assert.equal(
    formatJsonRecord(openFailEv),
    '{"syscall":"openat","timestamp":"2139458231000","wall_time":"2021-03-19T16:51:23.000Z","wall_ns":"1616172683000123456",' +
      '"process_id":1234,"thread_id":1234,"user_id":1000,"group_id":1000,"comm":"openat","arch":"x86_64","exit_code":"18446744073709551614",' +
      '"ret":-2,"errno":"ENOENT","probe_error":false,"duration_ns":87000,"params":{"dfd":-100,"filename":"/nonexistent","flags":524288,"mode":0},' +
      '"decoded":{"dfd":"AT_FDCWD","flags":"O_RDONLY|O_CLOEXEC","mode":"000"}}\n',
  );
});

test('json: decoded flags, sockaddrs, buffers, argv, faults, never-returning calls', () => {
  const j = (e: SyscallEvent) => {
    const line = formatJsonRecord(e);
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
    return JSON.parse(line);
  };
  assert.deepEqual(j(renameEv).decoded, { olddfd: 'AT_FDCWD', newdfd: 'AT_FDCWD', flags: 'RENAME_NOREPLACE' });
  assert.deepEqual(j(openEv).decoded, { dfd: 'AT_FDCWD', flags: 'O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC', mode: '0644' });
  const c = j(connectEv);
  assert.deepEqual(c.params, { fd: 3, uservaddr: { family: 'AF_INET', address: '127.0.0.1', port: 9 }, addrlen: 16 });
  assert.equal(c.errno, 'ECONNREFUSED');
  assert.equal(c.ret, -111);
  assert.equal(c.decoded, undefined); // fd hints add nothing
  assert.deepEqual(j(connectUnixEv).params.uservaddr, { family: 'AF_UNIX', path: '@abstr' });
  const mctp: SockAddr = { family: 45, familyName: 'AF_45', raw: Buffer.from([45, 0, 1, 2]) };
  assert.deepEqual(j(ev(CONNECT, { fd: 3, uservaddr: mctp, addrlen: 4 }, { ret: 0n })).params.uservaddr, { family: 'AF_MCTP', raw_hex: '2d000102' });
  assert.deepEqual(j(readEv).params, { fd: 0, buf: { len: 3, hex: '68690a' }, count: 1024 });
  assert.deepEqual(j(execveEv).params, { filename: '/usr/bin/ls', argv: ['ls', '-l'], envp: ['A=1', 'B=2'] });
  assert.deepEqual(j(nullEv).params, { filename: '/nonexistent/x', argv: null, envp: null });
  const f = j(faultedEv);
  assert.equal(f.params.filename, '0x10');
  assert.deepEqual(f.faulted, ['filename']);
  assert.equal(f.probe_error, true);
  assert.equal(f.errno, 'EFAULT');
  const x = j(exitEv);
  assert.equal(x.ret, null);
  assert.equal(x.exit_code, '0');
  assert.equal('errno' in x, false);
  assert.equal('faulted' in x, false);
  assert.equal('no_enter' in x, false);
  const t = j(ev(MKDIR, { pathname: '/tmp/abc', mode: 0o755 }, { ret: 0n, truncated: ['pathname'], noEnter: true }));
  assert.deepEqual(t.truncated, ['pathname']);
  assert.equal(t.no_enter, true);
  // 64-bit values beyond 2^53 become strings; structs convert their bigints
  const U = schema('lseek', [int('fd', 'unsigned int', { signed: false, hint: 'fd' }), u64('offset', 'off_t', { signed: true }), int('whence', 'unsigned int', { signed: false, hint: 'whence' })]);
  const big = j(ev(U, { fd: 3, offset: 2n ** 60n, whence: 2 }, { ret: 2n ** 60n }));
  assert.equal(big.params.offset, '1152921504606846976');
  assert.equal(big.ret, '1152921504606846976');
  assert.deepEqual(big.decoded, { whence: 'SEEK_END' });
  const NS = schema('nanosleep', [ptr('rqtp', 'struct', 'struct __kernel_timespec *', { struct: 'timespec' }), ptr('rmtp', 'pointer')]);
  assert.deepEqual(j(ev(NS, { rqtp: { tv_sec: 1n, tv_nsec: 500n }, rmtp: 0x7ffe0000n }, { ret: 0n })).params, { rqtp: { tv_sec: 1, tv_nsec: 500 }, rmtp: '0x7ffe0000' });
});

// -------------------------------------------------------------------------------------- index

test('makeFormatter: the three formats', () => {
  assert.deepEqual([...FORMATS], ['ebpftracer', 'strace', 'json']);
  assert.equal(makeFormatter('ebpftracer')(mkdirEv), formatEbpftracerRecord(mkdirEv));
  assert.equal(makeFormatter('json')(mkdirEv), formatJsonRecord(mkdirEv));
  assert.equal(makeFormatter('strace', { durations: true })(mkdirEv), '[pid  1234] mkdir("/tmp/q1", 0777)      = 0 <0.000087>\n');
  assert.equal(makeFormatter('strace', { alignColumn: 0 })(mkdirEv), '[pid  1234] mkdir("/tmp/q1", 0777) = 0\n');
});
