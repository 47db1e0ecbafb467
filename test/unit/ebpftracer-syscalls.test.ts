/** Syscall numbers (kernel tables) and strace's syscall classes for ebpftracer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  MAX_NR,
  NO_SYSCALL,
  buildIa32Map,
  eventNameToNr,
  i386Name,
  i386ToX86_64,
  nrToEventName,
} from '../../src/ebpftracer/syscall-numbers';
import { CLASS_NAMES, expandSyscallList } from '../../src/ebpftracer/syscall-classes';
import { I386, X86_64 } from '../../src/ebpftracer/syscall-table.generated';

const ROOT = path.resolve(__dirname, '..', '..', '..');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { generate } = require(path.join(ROOT, 'scripts', 'gen-syscall-tables.js')) as {
  generate: () => Record<string, string>;
};

const all = () => true;

test('the generated files are what scripts/gen-syscall-tables.js makes from scripts/data/', () => {
  for (const [rel, text] of Object.entries(generate())) {
    assert.equal(fs.readFileSync(path.join(ROOT, rel), 'utf8'), text, `${rel} is stale`);
  }
});

test('well-known x86_64 numbers, by event (entry) name', () => {
  const expected: Record<string, number> = {
    read: 0, mkdir: 83, openat: 257, execve: 59, connect: 42, renameat2: 316,
    newstat: 4, newfstatat: 262, newuname: 63, umount: 166, sendfile64: 40, exit_group: 231,
    cachestat: 451, fchmodat2: 452, statmount: 457, listmount: 458, lsm_get_self_attr: 459,
    mseal: 462, uretprobe: 335, uprobe: 336, setxattrat: 463, open_tree_attr: 467,
    file_getattr: 468, file_setattr: 469, listns: 470,
  };
  for (const [name, nr] of Object.entries(expected)) {
    assert.equal(eventNameToNr('x86_64', name), nr, name);
    assert.equal(nrToEventName('x86_64', nr), name, String(nr));
  }
  // Table names that are not event names, and reserved numbers, resolve to nothing.
  assert.equal(eventNameToNr('x86_64', 'stat'), undefined);
  assert.equal(eventNameToNr('x86_64', 'sys_enter_openat'), undefined);
  assert.equal(nrToEventName('x86_64', 156), undefined); // _sysctl: sys_ni_syscall
  assert.equal(nrToEventName('x86_64', 134), undefined); // uselib: no entry point
  assert.equal(nrToEventName('x86_64', 400), undefined); // never assigned
});

test('the x86_64 table: unique numbers and event names, all below MAX_NR', () => {
  assert.equal(new Set(X86_64.map(([nr]) => nr)).size, X86_64.length);
  assert.equal(new Set(X86_64.map(([, , entry]) => entry)).size, X86_64.length);
  assert.ok(X86_64.every(([nr]) => nr >= 0 && nr < MAX_NR));
  assert.ok(I386.every(([nr]) => nr >= 0 && nr < MAX_NR));
  assert.deepEqual(X86_64.find(([nr]) => nr === 4), [4, 'stat', 'newstat']);
});

test('i386 numbers map to the x86_64 syscall with the same arguments', () => {
  const nr = (name: string) => eventNameToNr('x86_64', name);
  assert.equal(i386ToX86_64(39), 83); // mkdir
  assert.equal(i386ToX86_64(11), 59); // execve
  assert.equal(i386ToX86_64(5), 2); // open
  assert.equal(i386ToX86_64(195), 4); // stat64 -> newstat
  assert.equal(i386ToX86_64(106), 4); // stat (sys_newstat) -> newstat
  assert.equal(i386ToX86_64(212), nr('chown')); // chown32
  assert.equal(i386ToX86_64(221), nr('fcntl')); // fcntl64
  assert.equal(i386ToX86_64(192), nr('mmap')); // mmap2
  assert.equal(i386ToX86_64(142), nr('select')); // _newselect
  assert.equal(i386ToX86_64(265), nr('clock_gettime')); // clock_gettime with 32-bit timespec
  assert.equal(i386ToX86_64(403), nr('clock_gettime')); // clock_gettime64
  assert.equal(i386ToX86_64(362), 42); // connect
  // No equivalent: multiplexers, split 64-bit arguments, 16-bit ids, different argument order.
  for (const n of [102, 117, 140, 182, 24, 120, 90, 82]) {
    assert.equal(i386ToX86_64(n), undefined, `${n} ${i386Name(n)}`);
  }
  assert.equal(i386Name(102), 'socketcall');
  assert.equal(i386Name(195), 'stat64');
  assert.equal(i386Name(223), undefined); // unused number
});

test('buildIa32Map fills the BPF array: x86_64 number per i386 number, 0xFFFF for none', () => {
  const map = buildIa32Map();
  assert.equal(map.length, MAX_NR);
  assert.equal(NO_SYSCALL, 0xffff);
  assert.equal(map[39], 83);
  assert.equal(map[11], 59);
  assert.equal(map[195], 4);
  assert.equal(map[102], NO_SYSCALL);
  assert.equal(map[223], NO_SYSCALL);
  assert.equal(map[MAX_NR - 1], NO_SYSCALL);
  for (let i = 0; i < MAX_NR; i++) {
    assert.equal(map[i], i386ToX86_64(i) ?? NO_SYSCALL, String(i));
  }
});

test('%file, %network, %process hold strace\'s members as event names', () => {
  const file = expandSyscallList(['%file'], all).names;
  for (const n of ['openat', 'mkdir', 'renameat2', 'execve', 'newstat', 'newlstat', 'umount']) {
    assert.ok(file.includes(n), n);
  }
  for (const n of ['read', 'stat', 'close']) assert.ok(!file.includes(n), n);
  const net = expandSyscallList(['%network'], all).names;
  for (const n of ['connect', 'socket', 'sendto', 'accept4', 'recvmmsg']) assert.ok(net.includes(n), n);
  assert.deepEqual(expandSyscallList(['%net'], all).names, net);
  const proc = expandSyscallList(['%process'], all).names;
  for (const n of ['execve', 'clone', 'clone3', 'exit_group', 'wait4', 'kill']) assert.ok(proc.includes(n), n);
  assert.deepEqual(expandSyscallList(['%%stat'], all).names, [
    'newstat', 'newfstat', 'newlstat', 'newfstatat', 'statx',
  ]);
  assert.deepEqual(expandSyscallList(['%statfs'], all).names, ['statfs']);
  assert.deepEqual(expandSyscallList(['%fstatfs'], all).names, ['fstatfs']);
  assert.deepEqual(expandSyscallList(['%%statfs'], all).names, ['ustat', 'statfs', 'fstatfs']);
  assert.ok(expandSyscallList(['%pure'], all).names.includes('getpid'));
  assert.ok(expandSyscallList(['%creds'], all).names.includes('setresuid'));
  assert.ok(expandSyscallList(['%clock'], all).names.includes('clock_gettime'));
});

test('every class member is an x86_64 event name, every class is non-empty', () => {
  const events = new Set(X86_64.map(([, , entry]) => entry));
  assert.equal(CLASS_NAMES.length, 18);
  for (const cls of CLASS_NAMES) {
    const { names, unknownClasses } = expandSyscallList([cls], all);
    assert.deepEqual(unknownClasses, []);
    assert.ok(names.length > 0, cls);
    for (const n of names) assert.ok(events.has(n), `${cls}: ${n}`);
  }
});

test('expandSyscallList keeps order and plain names, de-duplicates, filters members, reports unknown classes', () => {
  const known = (n: string) => n !== 'openat2';
  const r = expandSyscallList(['write', '%nope', 'openat', '%file', 'write', 'no_such_call', '%nope'], known);
  assert.deepEqual(r.unknownClasses, ['%nope']);
  assert.equal(r.names[0], 'write');
  assert.equal(r.names[1], 'openat');
  assert.equal(r.names[2], 'open'); // %file in syscall-number order, openat already listed
  assert.ok(r.names.includes('no_such_call')); // plain names are the caller's to check
  assert.ok(!r.names.includes('openat2')); // a class member the kernel lacks is dropped
  assert.equal(new Set(r.names).size, r.names.length);
  assert.deepEqual(expandSyscallList([], all), { names: [], unknownClasses: [] });
});

// The tracepoint format files under events/syscalls carry argument layouts but no syscall
// numbers, so the tables above are the only way from an event to its number. Check that every
// syscall this kernel can trace resolves; skipped where tracefs is not mounted or readable
// (`mount -t tracefs nodev /sys/kernel/tracing` as root).
const EVENTS = '/sys/kernel/tracing/events/syscalls';
let live: string[] | null = null;
try {
  live = fs.readdirSync(EVENTS).filter((e) => e.startsWith('sys_enter_'));
} catch {
  live = null;
}

const skipLive = live === null ? `${EVENTS} not readable` : false;

test('live: every sys_enter_* event of the running kernel has an x86_64 number', { skip: skipLive }, () => {
  assert.ok(live !== null && live.length > 100);
  const missing = live
    .map((e) => e.slice('sys_enter_'.length))
    .filter((n) => eventNameToNr('x86_64', n) === undefined);
  assert.deepEqual(missing, []);
});
