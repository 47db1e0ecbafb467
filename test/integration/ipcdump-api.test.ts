/**
 * The TypeScript library API (IpcTrace) against the live kernel: async iteration, stop(), and
 * lost-event accounting (every event is either delivered or counted as lost, never silently
 * dropped).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { IpcTrace } from '../../src/ipcdump/tracer';
import type { OutputRecord } from '../../src/ipcdump/event';
import { cHelper, sh, signalTarget, sleep } from '../helpers/workloads';

test('async iterator yields typed events; stop() ends the iteration', async () => {
  const target = await signalTarget();
  const trace = await IpcTrace.start({ types: ['signal'], filters: { pids: { any: [], src: [], dst: [target.pid] } } });
  const run = await sh(`echo S=$$ >&2; kill -USR1 ${target.pid}`);
  const seen: OutputRecord[] = [];
  for await (const rec of trace) {
    seen.push(rec);
    if (rec.kind === 'event') break;
  }
  await trace.stop();
  const ev = seen.find((r) => r.kind === 'event');
  assert.ok(ev && ev.kind === 'event');
  assert.equal(ev.event.type, 'signal');
  assert.deepEqual(ev.event.src, { pid: run.pids.S, comm: 'sh' });
  assert.equal(ev.event.dst.pid, target.pid);
  assert.deepEqual(ev.event.metadata, [['num', 10], ['name', 'user defined signal 1']]);
  // After stop() a new iteration finishes at once.
  const rest: OutputRecord[] = [];
  for await (const r of trace) rest.push(r);
  assert.ok(rest.every((r) => r.kind !== 'event' || r.event.dst.pid === target.pid));
  target.kill('SIGKILL');
});

for (const captureBytes of [false, true]) {
test(`a stalled consumer loses events, and every loss is counted by type${captureBytes ? ' (with bytes: a cut byte capture is not a lost event)' : ''}`, async () => {
  const N = 20000;
  // One process writes and reads 1 byte through its own pipe N times after "go". (Its read of
  // "go" is written by this process, the tracer itself, whose IPC is never reported.)
  const child = spawn(cHelper('pipeloop'), [String(N)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const records: OutputRecord[] = [];
  // A tiny ring (8 KiB, ~30 records) that the consumer cannot drain while we block it.
  // (A start that fails must not leave the child waiting on stdin: it would keep this test
  // file from ever exiting.)
  const trace = await IpcTrace.start({
    types: ['pipe'],
    captureBytes,
    ringBytes: 8192,
    lostPollMs: 50,
    filters: { pids: { any: [], src: [], dst: [child.pid!] } },
    onRecord: (r) => records.push(r),
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  try {
    const done = new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.stdin!.end('go\n');
    const until = Date.now() + 700;
    while (Date.now() < until) {
      /* block the event loop: the ring fills up */
    }
    await done;
    await sleep(200);
  } finally {
    await trace.stop();
  }
  const delivered = records.filter((r) => r.kind === 'event' && r.event.dst.pid === child.pid).length;
  const lost = records.filter((r) => r.kind === 'lost').reduce((n, r) => n + (r.kind === 'lost' && r.lost.lostType === 'pipe' ? r.lost.count : 0), 0);
  assert.ok(lost > 0, 'the blocked consumer must have caused losses');
  assert.equal(trace.stats.lost.pipe, lost);
  assert.equal(delivered + lost, N, `delivered ${delivered} + lost ${lost}`);
  if (captureBytes) assert.ok(trace.stats.bytesCut > 0, 'the data records of some events must have been cut');
  else assert.equal(trace.stats.bytesCut, 0);
});
}

test('every scratch slot is free again once the traced calls are over (no slot is leaked)', async () => {
  // bpf/include/scratch.h: a program claims a slot (owner = its thread) and releases it when
  // it ends. A slot still owned after the calls are over would be lost to every other thread.
  const before = new Set(mapIds('scratch_map'));
  const trace = await IpcTrace.start({ types: ['pipe', 'unix-stream', 'signal'], captureBytes: true, onRecord: () => {} });
  try {
    const ours = mapIds('scratch_map').filter((id) => !before.has(id));
    assert.equal(ours.length, 1, `scratch maps created by this tracer: ${ours.join(', ')}`);
    await sh(`for i in 1 2 3 4 5 6 7 8; do echo hello | cat >/dev/null; done; kill -0 $$`);
    await sh(`exec ${'/usr/bin/python3'} -c 'import socket
a, b = socket.socketpair()
for i in range(200):
    a.send(b"x" * 100); b.recv(100)'`);
    // The dump can catch a program half-way (its slot owned for microseconds): a leaked slot
    // is one that stays owned.
    let owned: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      owned = slotOwners(ours[0]);
      if (owned.length === 0) break;
      await sleep(100);
    }
    assert.deepEqual(owned, [], 'slots still owned after the workload');
  } finally {
    await trace.stop();
  }
});

/** Ids of the loaded BPF maps named `name`. */
function mapIds(name: string): number[] {
  const maps = JSON.parse(execFileSync('bpftool', ['map', 'show', '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 })) as Array<{ id: number; name?: string }>;
  return maps.filter((m) => m.name === name).map((m) => m.id);
}

/** Non-zero owner fields (the first 8 bytes of each slot) of scratch map `id`. */
function slotOwners(id: number): string[] {
  const out = execFileSync('bpftool', ['map', 'dump', 'id', String(id), '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const entries = JSON.parse(out) as Array<{ value: string[] }>;
  assert.ok(entries.length >= 16, `scratch map ${id}: ${entries.length} slots`);
  return entries.map((e) => e.value.slice(0, 8).join('')).filter((hex) => !/^(0x00)+$/.test(hex));
}
