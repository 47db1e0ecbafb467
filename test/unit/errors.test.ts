import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { FatalError, UsageError, describeError } from '../../src/cli/errors';

test('exit codes', () => {
  assert.equal(new UsageError('x').exitCode, 2);
  assert.equal(new FatalError('x').exitCode, 1);
  assert.ok(new UsageError('x') instanceof Error);
});

test('describeError: one line, no stack', () => {
  assert.deepEqual(describeError(new UsageError('flag provided but not defined: -z'), {}), {
    line: 'ipcdump: flag provided but not defined: -z',
    exitCode: 2,
  });
  assert.deepEqual(describeError(new FatalError('failed to load\nthe thing'), {}), {
    line: 'ipcdump: failed to load the thing',
    exitCode: 1,
  });
  assert.deepEqual(describeError(new TypeError('boom'), {}), { line: 'ipcdump: boom', exitCode: 1 });
  assert.deepEqual(describeError('a string', {}), {
    line: 'ipcdump: unexpected internal error (run with IPCDUMP_DEBUG=1 for details)',
    exitCode: 1,
  });
  assert.deepEqual(describeError(undefined, {}).exitCode, 1);
});

test('describeError: stacks only with IPCDUMP_DEBUG=1', () => {
  const r = describeError(new FatalError('x'), { IPCDUMP_DEBUG: '1' });
  assert.match(r.stack ?? '', /FatalError: x/);
  assert.match(describeError(42, { IPCDUMP_DEBUG: '1' }).stack ?? '', /thrown value: 42/);
});

function runExit(arg: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnSync> {
  const mod = path.join(__dirname, '../../src/cli/errors.js');
  const script = `const e=require(${JSON.stringify(mod)}); ${arg}`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, IPCDUMP_DEBUG: '', ...env } });
}

test('exitWithError prints one line and exits with the code', () => {
  let r = runExit(`e.exitWithError(new e.UsageError('bad flag'))`);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'ipcdump: bad flag\n');
  assert.equal(r.stdout, '');
  r = runExit(`e.exitWithError(new e.FatalError('no bpf'))`);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'ipcdump: no bpf\n');
  r = runExit(`e.exitWithError(new e.FatalError('no bpf'))`, { IPCDUMP_DEBUG: '1' });
  assert.equal(r.status, 1);
  assert.match(String(r.stderr), /^ipcdump: no bpf\nFatalError: no bpf\n\s+at /);
});
