/**
 * Whatever kills the tracer, none of its BPF programs or links stay in the kernel
 * (`bpftool prog show`, `bpftool link show`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { IpcdumpProcess } from '../helpers/ipcdump-process';
import { sleep } from '../helpers/workloads';

// bpftool prints the full function names (from the programs' BTF).
const OUR_PROGS = ['on_signal_generate', 'on_sys_enter', 'on_sys_exit', 'on_fork', 'on_exec', 'on_rename', 'on_exit'];

interface Prog {
  id: number;
  name?: string;
}
interface Link {
  id: number;
  prog_id: number;
}

function bpftool<T>(...args: string[]): T {
  return JSON.parse(execFileSync('bpftool', ['-j', ...args]).toString() || '[]') as T;
}

function ourProgIds(): number[] {
  return bpftool<Prog[]>('prog', 'show')
    .filter((p) => p.name && OUR_PROGS.includes(p.name))
    .map((p) => p.id);
}

function linksTo(progIds: number[]): Link[] {
  return bpftool<Link[]>('link', 'show').filter((l) => progIds.includes(l.prog_id));
}

async function waitNoProgs(ids: number[], ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  // The kernel frees programs after the last fd closes, which is RCU-deferred: allow a moment.
  while (Date.now() < end) {
    const left = bpftool<Prog[]>('prog', 'show').filter((p) => ids.includes(p.id));
    if (left.length === 0 && linksTo(ids).length === 0) return;
    await sleep(50);
  }
  assert.fail(`programs still loaded: ${ids.join(', ')}`);
}

for (const sig of ['SIGKILL', 'SIGINT', 'SIGTERM'] as const) {
  test(`${sig} of the tracer leaves no program or link behind`, async () => {
    // Other tracers may be running on the machine: track only the programs this one loads.
    const before = new Set(ourProgIds());
    const t = new IpcdumpProcess(['-t', 'signal', '-t', 'pipe', '-x']);
    let ids: number[] = [];
    try {
      await t.ready();
      ids = ourProgIds().filter((id) => !before.has(id));
      assert.equal(ids.length, 7, `expected our 7 programs loaded, got ${ids.length}`);
      assert.equal(linksTo(ids).length, 7, 'and attached through links');
    } finally {
      await t.stop(sig);
    }
    await waitNoProgs(ids);
  });
}
