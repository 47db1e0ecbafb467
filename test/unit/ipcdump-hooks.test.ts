import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backupHooksChoice, functionBackupsChoice } from '../../src/runtime/backup-hooks';
import { FUNCTION_HOOK_TARGETS, functionHookPrograms } from '../../src/ipcdump/hooks';
import { BpfObject } from '../../src/runtime';
import { bpfObjectPath } from '../../src/runtime/objects';
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

test('backup function hooks: any kernel whose scheduler preempts (fentry runs preemptibly there)', () => {
  withEnv(undefined, () => {
    assert.equal(functionBackupsChoice(mode('full')).on, true);
    assert.equal(functionBackupsChoice(mode('lazy')).on, true);
    assert.equal(functionBackupsChoice(mode('voluntary')).on, false);
    assert.equal(functionBackupsChoice(mode('none')).on, false);
    assert.equal(functionBackupsChoice(mode(undefined)).on, true);
  });
  withEnv('0', () => assert.equal(functionBackupsChoice(mode('full')).on, false));
});

test('function hooks: every program hooks.ts names is in the objects that have them, with its backup, on a listed target', () => {
  const types = ['pipe', 'pty', 'unix-stream', 'unix-dgram', 'unix-seqpacket', 'loopback-tcp', 'loopback-udp'] as const;
  for (const build of ['default', 'nocast'] as const) {
    const obj = BpfObject.open(bpfObjectPath('ipcdump', build));
    try {
      const names = new Set(obj.programNames());
      const targets = new Set<string>();
      for (const t of types) {
        for (const p of functionHookPrograms(t)) {
          assert.ok(names.has(p) && names.has(`${p}_backup`), `${build}: ${p} (${t})`);
          const sec = obj.programSection(p);
          assert.match(sec, p.endsWith('_in') ? /^\??fentry\// : /^\??fexit\//, `${p}: ${sec}`);
          assert.equal(obj.programSection(`${p}_backup`), sec);
          targets.add(sec.replace(/^\??fe\w+\//, ''));
        }
      }
      // hooks.ts checks exactly these functions in the kernel's BTF before choosing them
      assert.deepEqual([...targets].sort(), [...FUNCTION_HOOK_TARGETS].sort());
    } finally {
      obj.close();
    }
  }
  // the build for kernels before 5.17 has none
  const legacy = BpfObject.open(bpfObjectPath('ipcdump', 'legacy'));
  try {
    assert.deepEqual(legacy.programNames().filter((p) => p.startsWith('fn_')), []);
  } finally {
    legacy.close();
  }
});
