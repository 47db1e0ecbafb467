import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backupHooks } from '../../src/runtime/backup-hooks';

test('backup syscall hooks from Linux 6.13 (faultable, preemptible syscall tracepoints), overridable', () => {
  const saved = process.env.IPCDUMP_BACKUP_HOOKS;
  delete process.env.IPCDUMP_BACKUP_HOOKS;
  try {
    assert.equal(backupHooks('5.10.0-32-amd64'), false);
    assert.equal(backupHooks('6.12.117+deb12-amd64'), false);
    assert.equal(backupHooks('6.13.0'), true);
    assert.equal(backupHooks('6.18.44-fc-v769'), true);
    assert.equal(backupHooks('7.3.4+deb13-amd64'), true);
    assert.equal(backupHooks('garbage'), false);
    process.env.IPCDUMP_BACKUP_HOOKS = '0';
    assert.equal(backupHooks('7.3.4'), false);
    process.env.IPCDUMP_BACKUP_HOOKS = '1';
    assert.equal(backupHooks('5.10.0'), true);
  } finally {
    if (saved === undefined) delete process.env.IPCDUMP_BACKUP_HOOKS;
    else process.env.IPCDUMP_BACKUP_HOOKS = saved;
  }
});
