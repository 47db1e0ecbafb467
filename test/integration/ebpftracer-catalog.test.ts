/** The syscall catalogue of the running kernel, from the real tracefs format files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyscallCatalog } from '../../src/ebpftracer/catalog';

test('every syscall the kernel lists in tracefs, with its real argument layout', () => {
  const cat = SyscallCatalog.load();
  assert.ok(cat.size > 300, `only ${cat.size} syscalls`);
  const mkdir = cat.get('mkdir')!;
  assert.deepEqual(mkdir.args.map((a) => [a.type, a.name]), [['const char *', 'pathname'], ['umode_t', 'mode']]);
  const execve = cat.get('execve')!;
  assert.deepEqual(execve.args.map((a) => a.name), ['filename', 'argv', 'envp']);
  assert.equal(cat.get('renameat2')!.args.length, 5);
  assert.equal(cat.get('connect')!.args[1].type, 'struct sockaddr *');
});
