import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelVersion, tracepointGaps, type TracepointGap } from '../../src/ipftrace/kernel-gaps';
import { Btf, tracepointArgs } from '../../src/runtime/btf';

test('kernelVersion reads major and minor from a release string', () => {
  assert.deepEqual(kernelVersion('6.1.0-56-amd64'), [6, 1]);
  assert.deepEqual(kernelVersion('5.10.0-32-amd64'), [5, 10]);
  assert.deepEqual(kernelVersion('7.3.4+deb13-amd64'), [7, 3]);
  assert.deepEqual(kernelVersion('not-a-release'), [0, 0]);
});

test('tracepointGaps: the tcp_send_reset gap follows the release, the others the BTF', () => {
  const btf = Btf.vmlinux();
  const reset = (gaps: TracepointGap[]) => gaps.some((g) => g.id === 'reset-without-socket' && g.hook === 'tcp_send_reset' && g.text.startsWith('tcp_send_reset fires only'));
  assert.equal(reset(tracepointGaps(btf, '6.1.0-56-amd64')), true);
  assert.equal(reset(tracepointGaps(btf, '5.10.0-32-amd64')), true);
  assert.equal(reset(tracepointGaps(btf, '6.10.0')), false);
  assert.equal(reset(tracepointGaps(btf, '7.3.4+deb13-amd64')), false);
  const gaps = tracepointGaps(btf, '7.3.4').map((g) => g.text);
  const has = (tp: string, arg: string) => tracepointArgs(btf, tp)!.some((a) => a.name === arg);
  assert.equal(gaps.some((g) => g.startsWith('kfree_skb carries no drop reason')), !has('kfree_skb', 'reason'));
  assert.equal(gaps.some((g) => g.startsWith('consume_skb carries no location')), !has('consume_skb', 'location'));
  assert.equal(gaps.some((g) => g.startsWith('no icmp_send tracepoint')), tracepointArgs(btf, 'icmp_send') === undefined);
});
