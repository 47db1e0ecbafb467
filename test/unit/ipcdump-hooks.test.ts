import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backupHooksChoice } from '../../src/runtime/backup-hooks';
import { parseCmdline, parseConfig, parseSchedPreempt, parseUnameVersion, preemptible, type PreemptionInfo } from '../../src/runtime/preemption';

function withEnv(value: string | undefined, fn: () => void): void {
  const saved = process.env.IPCDUMP_BACKUP_HOOKS;
  if (value === undefined) delete process.env.IPCDUMP_BACKUP_HOOKS;
  else process.env.IPCDUMP_BACKUP_HOOKS = value;
  try {
    fn();
  } finally {
    if (saved === undefined) delete process.env.IPCDUMP_BACKUP_HOOKS;
    else process.env.IPCDUMP_BACKUP_HOOKS = saved;
  }
}

const mode = (m?: PreemptionInfo['mode']) => (): PreemptionInfo => ({ mode: m, source: m ? 'test' : 'unknown (test)' });

test('backup syscall hooks: Linux 6.13+ (faultable syscall tracepoints) and a preempting scheduler', () => {
  withEnv(undefined, () => {
    assert.equal(backupHooksChoice('5.10.0-32-amd64', mode('full')).on, false);
    assert.equal(backupHooksChoice('6.12.117+deb12-amd64', mode('lazy')).on, false);
    assert.equal(backupHooksChoice('6.13.0', mode('full')).on, true);
    assert.equal(backupHooksChoice('7.3.4+deb13-amd64', mode('lazy')).on, true);
    assert.equal(backupHooksChoice('7.3.4+deb13-amd64', mode('rt')).on, true);
    // The host: 6.18 in mode none never preempts the programs; the backups would be pure cost.
    const host = backupHooksChoice('6.18.44-fc-v769', mode('none'));
    assert.equal(host.on, false);
    assert.equal(host.why, 'preemption mode none (test) never preempts them');
    assert.equal(backupHooksChoice('6.18.44', mode('voluntary')).on, false);
    // Unknown mode: play safe.
    assert.equal(backupHooksChoice('6.18.44', mode(undefined)).on, true);
    assert.equal(backupHooksChoice('garbage', mode('full')).on, false);
  });
  withEnv('0', () => assert.deepEqual(backupHooksChoice('7.3.4', mode('lazy')), { on: false, why: 'IPCDUMP_BACKUP_HOOKS=0' }));
  withEnv('1', () => assert.equal(backupHooksChoice('5.10.0', mode('none')).on, true));
});

test('preemption mode from debugfs, the command line, the kernel configuration and uname -v', () => {
  assert.equal(parseSchedPreempt('full (lazy) \n'), 'lazy');
  assert.equal(parseSchedPreempt('(none) voluntary full lazy\n'), 'none');
  assert.equal(parseSchedPreempt(''), undefined);
  assert.equal(parseCmdline('console=ttyS0 preempt=full quiet'), 'full');
  assert.equal(parseCmdline('preempt=none preempt=lazy'), 'lazy');
  assert.equal(parseCmdline('console=ttyS0 nopreempt=full'), undefined);
  // Debian 12's 6.1: dynamic, voluntary by default; our host: dynamic, none by default.
  assert.equal(parseConfig('CONFIG_PREEMPT_BUILD=y\nCONFIG_PREEMPT_VOLUNTARY=y\nCONFIG_PREEMPT_DYNAMIC=y\n'), 'voluntary');
  assert.equal(parseConfig('CONFIG_PREEMPT_BUILD=y\nCONFIG_PREEMPT_NONE=y\nCONFIG_PREEMPTION=y\nCONFIG_PREEMPT_DYNAMIC=y\n'), 'none');
  assert.equal(parseConfig('CONFIG_PREEMPT=y\nCONFIG_PREEMPT_COUNT=y\n'), 'full');
  assert.equal(parseConfig('CONFIG_PREEMPT_LAZY=y\n'), 'lazy');
  assert.equal(parseConfig('CONFIG_PREEMPT_RT=y\nCONFIG_PREEMPT=y\n'), 'rt');
  assert.equal(parseConfig('# CONFIG_PREEMPT is not set\n'), undefined);
  assert.equal(parseUnameVersion('#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1'), undefined);
  assert.equal(parseUnameVersion('#1 SMP PREEMPT_RT Debian 6.1.158-1'), 'rt');
  assert.equal(parseUnameVersion('#1 SMP PREEMPT Thu Jan 1'), 'full');
  assert.equal(parseUnameVersion('#1 SMP Debian 5.10.237-1'), 'voluntary');
  assert.equal(preemptible('none'), false);
  assert.equal(preemptible('voluntary'), false);
  assert.equal(preemptible('lazy'), true);
  assert.equal(preemptible(undefined), true);
});
