/** Tracepoint format-file parsing (ebpftracer's source of syscall argument layouts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseFormat, splitDeclaration, syscallArgs, FormatParseError } from '../../src/ebpftracer/format';
import { SyscallCatalog, CatalogError } from '../../src/ebpftracer/catalog';

const OPENAT = `name: sys_enter_openat
ID: 782
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;
\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;

print fmt: "dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx", ((unsigned long)(REC->dfd))
`;
const EXIT = `name: sys_exit_openat
ID: 781
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;

print fmt: "0x%lx", REC->ret
`;

test('parses a syscall enter format: name, id, fields, argument list', () => {
  const f = parseFormat(OPENAT);
  assert.equal(f.name, 'sys_enter_openat');
  assert.equal(f.id, 782);
  assert.equal(f.fields.length, 9);
  assert.deepEqual(
    syscallArgs(f).map((a) => [a.type, a.name, a.offset, a.size, a.signed]),
    [
      ['int', 'dfd', 16, 8, false],
      ['const char *', 'filename', 24, 8, false],
      ['int', 'flags', 32, 8, false],
      ['umode_t', 'mode', 40, 8, false],
    ],
  );
  assert.match(f.printFmt, /^"dfd: /);
});

test('declarations with pointers-to-pointers and arrays', () => {
  assert.deepEqual(splitDeclaration('const char *const * argv'), { type: 'const char *const *', name: 'argv' });
  assert.deepEqual(splitDeclaration('struct sockaddr * uservaddr'), { type: 'struct sockaddr *', name: 'uservaddr' });
  assert.deepEqual(splitDeclaration('char comm[16]'), { type: 'char', name: 'comm', arrayLength: 16 });
  assert.throws(() => splitDeclaration('   '), FormatParseError);
});

test('broken format files give a clear error', () => {
  assert.throws(() => parseFormat('garbage'), /no "name:" line/);
  assert.throws(() => parseFormat('name: x\nID: y\n'), /no valid "ID:"/);
  assert.throws(() => parseFormat('name: x\nID: 3\n'), /no fields/);
});

test('catalog from a tracefs-like tree; resolve() errors are one clear line', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ebpft-'));
  fs.mkdirSync(path.join(root, 'sys_enter_openat'));
  fs.mkdirSync(path.join(root, 'sys_exit_openat'));
  fs.writeFileSync(path.join(root, 'sys_enter_openat', 'format'), OPENAT);
  fs.writeFileSync(path.join(root, 'sys_exit_openat', 'format'), EXIT);
  const cat = SyscallCatalog.load(root);
  assert.deepEqual(cat.names(), ['openat']);
  const [openat] = cat.resolve(['openat']);
  assert.equal(openat.ret.name, 'ret');
  assert.equal(openat.ret.signed, true);
  assert.throws(() => cat.resolve([]), (e: unknown) => e instanceof CatalogError && /no syscall given/.test(e.message));
  assert.throws(() => cat.resolve(['openat', 'nosuch', 'bogus']), /unknown syscalls "nosuch", "bogus"/);
  fs.rmSync(root, { recursive: true });
});

test('7.x formats: the user-memory copies appended as __data_loc fields are not arguments', () => {
  const mkdir = `name: sys_enter_mkdir
ID: 700
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:const char * pathname;\toffset:16;\tsize:8;\tsigned:0;
\tfield:umode_t mode;\toffset:24;\tsize:8;\tsigned:0;
\tfield:__data_loc char[] __pathname_val;\toffset:32;\tsize:4;\tsigned:0;

print fmt: "pathname: 0x%08lx \\"%s\\", mode: 0x%08lx", ((unsigned long)(REC->pathname)), __get_str(__pathname_val), ((unsigned long)(REC->mode))
`;
  const f = parseFormat(mkdir);
  assert.equal(f.fields.length, 5);
  assert.deepEqual(
    syscallArgs(f).map((a) => [a.type, a.name]),
    [
      ['const char *', 'pathname'],
      ['umode_t', 'mode'],
    ],
  );
});
