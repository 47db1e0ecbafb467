/**
 * Kprobe stand-ins for older kernels' tracepoint gaps (src/ipftrace/stand-ins.ts), planned
 * against this machine's BTF with the gaps of a 5.10/6.1 kernel given explicitly (this kernel
 * has none) and the kprobe probe answered by the test. The kernel side is checked by the
 * ipftrace integration suites under 5.10 and 6.1 (scripts/vm-test.sh).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Btf } from '../../src/runtime/btf';
import type { BpfObject } from '../../src/runtime/bpf-object';
import { discoverHooks } from '../../src/ipftrace/hooks';
import { IPFT_SLOT_FLAGS } from '../../src/ipftrace/layout.generated';
import type { TracepointGap } from '../../src/ipftrace/kernel-gaps';
import { planHooks } from '../../src/ipftrace/plan';
import { applyStandIns, gapLines } from '../../src/ipftrace/stand-ins';

const btf = Btf.vmlinux();
const OLD_GAPS: TracepointGap[] = [
  { id: 'drop-reason', hook: 'kfree_skb', text: 'kfree_skb carries no drop reason' },
  { id: 'consume-location', hook: 'consume_skb', text: 'consume_skb carries no location' },
  { id: 'icmp-send', hook: 'icmp_send', text: 'no icmp_send tracepoint' },
  { id: 'reset-without-socket', hook: 'tcp_send_reset', text: 'tcp_send_reset fires only for resets of an existing socket' },
];
const works = () => ({ works: true });
const hasFunc = (n: string) => btf.findByName(n, 'func').length > 0;
const noWarn = () => {};

test('stand-ins: where kprobes work each fillable gap gets its kprobe, the drop-reason gap remains', () => {
  const catalog = discoverHooks(btf);
  const { catalog: c, status } = applyStandIns(btf, catalog, OLD_GAPS, works, {});
  const byId = new Map(status.map((s) => [s.gap.id, s]));
  assert.match(byId.get('drop-reason')!.remains ?? '', /no drop reason/);
  assert.equal(byId.get('drop-reason')!.standIn, undefined);

  const consume = c.tracepoints.find((t) => t.name === 'consume_skb')!;
  assert.equal(consume.standIn?.mode, 'location');
  assert.deepEqual(consume.standIn?.functions, ['consume_skb', '__consume_stateless_skb', 'napi_consume_skb'].filter(hasFunc));
  assert.equal(consume.standIn?.functions[0], 'consume_skb');
  assert.ok(consume.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_KPROBE_LOC);
  assert.equal(consume.role, 'consume');

  assert.ok(hasFunc('__icmp_send'), 'this BTF has __icmp_send');
  const icmp = c.tracepoints.filter((t) => t.name === 'icmp_send');
  assert.equal(icmp.length, 1, 'one icmp_send hook, never two');
  assert.equal(icmp[0].standIn?.mode, 'hook');
  assert.deepEqual(icmp[0].standIn?.functions, ['__icmp_send']);
  assert.deepEqual([icmp[0].skbArg, icmp[0].aArg, icmp[0].bArg], [0, 1, 2]);
  assert.deepEqual(icmp[0].args.map((a) => a.name), ['skb', 'type', 'code']);

  const reset = c.tracepoints.find((t) => t.name === 'tcp_send_reset')!;
  assert.equal(reset.standIn?.mode, 'replace');
  assert.deepEqual(reset.standIn?.functions, ['tcp_v4_send_reset', 'tcp_v6_send_reset'].filter(hasFunc));
  assert.equal(reset.skbArg, catalog.tracepoints.find((t) => t.name === 'tcp_send_reset')!.skbArg, 'same skb_pos as the tracepoint (manifests)');

  // the input catalog is left as it was
  assert.ok(catalog.tracepoints.every((t) => !t.standIn));
  assert.equal(c.tracepoints.length, catalog.tracepoints.length + (catalog.tracepoints.some((t) => t.name === 'icmp_send') ? 0 : 1));

  const lines = gapLines(status, () => true);
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^kfree_skb carries no drop reason; remains: no stand-in/);
  assert.match(lines[1], /^consume_skb carries no location; stand-in: kprobe on consume_skb(, \w+)* gives the caller's return address as the location$/);
  assert.match(lines[2], /^no icmp_send tracepoint; stand-in: kprobe on __icmp_send gives the icmp_send hop/);
  assert.match(lines[3], /^tcp_send_reset fires only .*; stand-in: kprobe on tcp_v4_send_reset.* gives the tcp_send_reset hop for every reset/);
  assert.match(gapLines(status, (h) => h !== 'icmp_send')[2], /stand-in not used \(icmp_send is not traced\)/);
});

test('stand-ins: without kprobes (or turned off) the gaps remain and say why; no gaps, no probe', () => {
  const catalog = discoverHooks(btf);
  let probes = 0;
  const none = () => {
    probes++;
    return { works: false, why: 'kprobes unavailable (kernel built without CONFIG_KPROBES)' };
  };
  const r = applyStandIns(btf, catalog, OLD_GAPS, none, {});
  assert.equal(probes, 1);
  assert.equal(r.catalog, catalog);
  for (const s of r.status.slice(1)) assert.equal(s.remains, 'kprobes unavailable (kernel built without CONFIG_KPROBES)');
  assert.match(gapLines(r.status, () => true)[1], /^consume_skb carries no location; remains: kprobes unavailable \(kernel built without CONFIG_KPROBES\)$/);

  const off = applyStandIns(btf, catalog, OLD_GAPS, works, { IPFTRACE_STAND_INS: '0' });
  assert.match(off.status[2].remains ?? '', /IPFTRACE_STAND_INS=0/);

  const host = applyStandIns(btf, catalog, [], none, {});
  assert.equal(probes, 1, 'nothing to fill: kprobes are not probed');
  assert.deepEqual(host.status, []);
  const onlyReasons = applyStandIns(btf, catalog, OLD_GAPS.slice(0, 1), none, {});
  assert.equal(probes, 1, 'the drop-reason gap cannot be filled: no probe');
  assert.equal(onlyReasons.status.length, 1);
});

/** A BpfObject that records attachments and fails the functions named in `fail`. */
function fakeObject(fail: string[]) {
  const calls: string[] = [];
  const obj = {
    attachRawTracepoint(prog: string, tp: string) {
      calls.push(`raw_tp ${prog} ${tp}`);
      return true;
    },
    attachKprobe(prog: string, fn: string) {
      if (fail.includes(fn)) throw new Error(`attaching kprobe ${fn}: ENOENT\nmore`);
      calls.push(`kprobe ${prog} ${fn}`);
      return true;
    },
  };
  return { obj: obj as unknown as BpfObject, calls };
}

test('plan: stand-in programs and slots; a replaced tracepoint is the fallback when its kprobes fail', () => {
  const plan = () => planHooks(btf, { backend: 'tracepoint', warn: noWarn, choice: { backend: 'tracepoint', reasons: ['tracepoint backend requested'] }, gaps: OLD_GAPS, kprobes: works });
  const p = plan();
  const slot = (n: string) => p.tracepoints.findIndex((t) => t.name === n);
  const [icmp, reset, consume] = [slot('icmp_send'), slot('tcp_send_reset'), slot('consume_skb')];
  assert.ok(icmp >= 0 && reset >= 0 && consume >= 0);
  assert.ok(!p.programs.includes(`tp_slot_${icmp}`), 'icmp_send has no tracepoint program');
  assert.ok(p.programs.includes(`tp_slot_${reset}`) && p.programs.includes(`tp_slot_${consume}`));
  for (const prog of ['kp_standin_icmp_send', 'kp_standin_tcp_reset', 'kp_consume_loc']) assert.equal(p.programs.filter((x) => x === prog).length, 1, prog);
  assert.deepEqual(p.globals, { standin_icmp_slot: icmp, standin_reset_slot: reset });

  const ok = fakeObject([]);
  p.attach(ok.obj, noWarn);
  assert.ok(ok.calls.includes('kprobe kp_standin_icmp_send __icmp_send'));
  assert.ok(ok.calls.includes('kprobe kp_standin_tcp_reset tcp_v4_send_reset'));
  assert.ok(ok.calls.includes('kprobe kp_consume_loc consume_skb'));
  assert.ok(ok.calls.includes(`raw_tp tp_slot_${consume} consume_skb`), 'the consume_skb tracepoint stays the hop');
  assert.ok(!ok.calls.some((c) => / (icmp_send|tcp_send_reset)$/.test(c) && c.startsWith('raw_tp')), ok.calls.join('\n'));

  // every reset kprobe and the icmp one fail: the reset tracepoint is attached instead
  const q = plan();
  const bad = fakeObject(['tcp_v4_send_reset', 'tcp_v6_send_reset', '__icmp_send']);
  const warnings: string[] = [];
  q.attach(bad.obj, (m) => warnings.push(m));
  assert.ok(bad.calls.includes(`raw_tp tp_slot_${reset} tcp_send_reset`));
  const lines = gapLines(q.gaps, () => true);
  assert.match(lines[2], /^no icmp_send tracepoint; remains: the kprobe could not be attached \(__icmp_send: attaching kprobe __icmp_send: ENOENT\)$/);
  assert.match(lines[3], /remains: the kprobe could not be attached \(tcp_v4_send_reset: .*ENOENT/);
  assert.match(lines[1], /stand-in: kprobe on consume_skb/);
  assert.ok(warnings.some((w) => /^could not attach stand-in kprobe __icmp_send/.test(w)));
});
