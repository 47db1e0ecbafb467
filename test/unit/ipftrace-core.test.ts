/**
 * ipftrace's user-space core, without loading BPF: the trace assembler on hand-built events,
 * BTF field paths and hook discovery against the running kernel's BTF, the record decoder on
 * hand-built ipft_event records, the flow filter and the v1-compatible command line.

 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { TraceAssembler, type AssemblerOptions } from '../../src/ipftrace/assembler';
import type { FlowTuple, HookKind, PacketEvent, PacketTrace } from '../../src/ipftrace/event';
import { decodeEvent, leavesHost, type DecodeContext, type RawPacketEvent } from '../../src/ipftrace/records';
import type { HookRole, TracepointHook } from '../../src/ipftrace/hooks';
import { ARG_NONE, discoverHooks } from '../../src/ipftrace/hooks';
import { IPFT_EVENT, IPFT_EV_FLAGS, IPFT_FIELD, IPFT_FIELD_BASE, IPFT_HOOK_ID, IPFT_SLOT_FLAGS } from '../../src/ipftrace/layout.generated';
import { compileField, decodeField, FIELD_BYTES, FieldError, fieldsConfig, formatFieldValue, MAX_FIELDS, type CompiledField } from '../../src/ipftrace/fields';
import { checkFilter, FilterError, parseAddress } from '../../src/ipftrace/filter';
import { parseArgs } from '../../src/cli/ipftrace-args';
import { UsageError } from '../../src/cli/errors';
import { Btf } from '../../src/runtime/btf';

// ---------------------------------------------------------------------------------------------
// 1. TraceAssembler
// ---------------------------------------------------------------------------------------------

const MS = 1_000_000n;
const IDLE = 1000n * MS;
const GRACE = 200n * MS;
const { IPFT_EV_EOL, IPFT_EV_CLONE, IPFT_EV_DEV, IPFT_EV_PARSED, IPFT_EV_NEW } = IPFT_EV_FLAGS;

const UDP4: FlowTuple = { ipVersion: 4, proto: 17, saddr: '10.0.0.1', daddr: '10.0.0.2', sport: 5000, dport: 53 };

interface RawOpts {
  id?: bigint;
  ts: bigint;
  hook?: string;
  role?: HookRole;
  hookKind?: HookKind;
  flags?: number;
  rc?: number;
  loopbackDev?: boolean;
  virtualDev?: boolean;
  parentId?: bigint;
  tuple?: FlowTuple;
}

function raw(o: RawOpts): RawPacketEvent {
  const event: PacketEvent = {
    ts: o.ts,
    wallMs: Number(o.ts / MS),
    traceId: o.id ?? 1n,
    hook: o.hook ?? 'netif_receive_skb',
    hookKind: o.hookKind ?? 'tracepoint',
    skb: 0xffff888000001000n,
    cpu: 0,
    pid: 0,
    comm: 'swapper/0',
    len: 84,
    ifindex: 2,
    netns: 4026531840,
    mark: 0,
    gso: { size: 0, segs: 0, type: 0 },
    deltaNs: 0n,
  };
  if (o.rc !== undefined) event.rc = o.rc;
  if (o.tuple) event.tuple = o.tuple;
  return {
    event,
    role: o.role ?? 'hop',
    flags: o.flags ?? 0,
    parentId: o.parentId ?? 0n,
    loopbackDev: o.loopbackDev ?? false,
    virtualDev: o.virtualDev ?? false,
  };
}

const drop = (ts: bigint, id = 1n) => raw({ id, ts, hook: 'kfree_skb', role: 'drop', flags: IPFT_EV_EOL });
const consume = (ts: bigint, id = 1n) => raw({ id, ts, hook: 'consume_skb', role: 'consume', flags: IPFT_EV_EOL });
const xmit = (ts: bigint, o: Partial<RawOpts> = {}) =>
  raw({ ts, hook: 'net_dev_xmit', role: 'xmit', flags: IPFT_EV_DEV, rc: 0, loopbackDev: false, virtualDev: false, ...o });
const hop = (ts: bigint, hook = 'ip_rcv', id = 1n) => raw({ id, ts, hook, hookKind: 'function' });

function assembler(over: Partial<AssemblerOptions> = {}): { a: TraceAssembler; out: PacketTrace[] } {
  const out: PacketTrace[] = [];
  const a = new TraceAssembler({ length: 0, idleNs: IDLE, graceNs: GRACE, egress: new Set(), onTrace: (t) => out.push(t), ...over });
  return { a, out };
}

const hooksOf = (t: PacketTrace) => t.events.map((e) => e.hook);

describe('TraceAssembler', () => {
  test('kfree_skb (EOL, role drop) ends the trace as dropped at once', () => {
    const { a, out } = assembler();
    a.add(raw({ ts: 100n, hook: 'netif_receive_skb', flags: IPFT_EV_NEW | IPFT_EV_PARSED, tuple: UDP4 }));
    a.add(hop(150n));
    assert.equal(out.length, 0);
    assert.equal(a.openTraces, 1);
    a.add(drop(200n));
    assert.equal(out.length, 1, 'delivered during add(), no tick needed');
    assert.equal(a.openTraces, 0);
    const t = out[0];
    assert.equal(t.end, 'dropped');
    assert.equal(t.id, 1n);
    assert.deepEqual(hooksOf(t), ['netif_receive_skb', 'ip_rcv', 'kfree_skb']);
    assert.deepEqual(t.tuple, UDP4);
    assert.equal(t.continuation, undefined);
    assert.equal(t.parentId, undefined);
    a.flushAll();
    assert.equal(out.length, 1, 'nothing left open');
  });

  test('consume_skb (EOL, role consume) ends the trace as consumed', () => {
    const { a, out } = assembler();
    a.add(hop(100n));
    a.add(consume(200n));
    assert.equal(out.length, 1);
    assert.equal(out[0].end, 'consumed');
    assert.deepEqual(hooksOf(out[0]), ['ip_rcv', 'consume_skb']);
  });

  test('a kfree_skb after a successful transmission is still dropped', () => {
    const { a, out } = assembler();
    a.add(xmit(100n));
    a.add(drop(200n));
    assert.equal(out[0].end, 'dropped');
  });

  test('consume after net_dev_xmit rc 0 on a physical device is "sent"', () => {
    const { a, out } = assembler();
    a.add(hop(100n, 'net_dev_queue'));
    a.add(xmit(200n));
    assert.equal(out.length, 0, 'the sent hint waits for the grace period');
    a.add(consume(300n));
    assert.equal(out.length, 1);
    assert.equal(out[0].end, 'sent');
    assert.deepEqual(hooksOf(out[0]), ['net_dev_queue', 'net_dev_xmit', 'consume_skb']);
  });

  test('net_dev_xmit rc 0 on a physical device then silence: "sent" after the grace', () => {
    const { a, out } = assembler();
    a.add(xmit(1000n));
    a.tick(1000n + GRACE - 1n);
    assert.equal(out.length, 0);
    a.tick(1000n + GRACE);
    assert.equal(out.length, 1);
    assert.equal(out[0].end, 'sent');
  });

  test('net_dev_xmit with a non-zero rc (NETDEV_TX_BUSY) does not count as sent', () => {
    const { a, out } = assembler();
    a.add(xmit(1000n, { rc: 0x10 }));
    a.tick(1000n + GRACE);
    assert.equal(out.length, 0);
    a.add(consume(2000n));
    assert.equal(out[0].end, 'consumed');
  });

  test('net_dev_xmit on lo (IFF_LOOPBACK) is not "sent": the trace continues', () => {
    const { a, out } = assembler();
    const lo = xmit(1000n, { loopbackDev: true });
    assert.equal(leavesHost(lo), false);
    a.add(lo);
    a.tick(1000n + GRACE); // past the grace, before the idle timeout
    assert.equal(out.length, 0, 'no sent hint to confirm');
    assert.equal(a.openTraces, 1);
    a.add(hop(2000n, 'netif_rx'));
    a.add(hop(3000n, 'ip_rcv'));
    a.add(consume(4000n));
    assert.equal(out.length, 1);
    assert.equal(out[0].end, 'consumed');
    assert.deepEqual(hooksOf(out[0]), ['net_dev_xmit', 'netif_rx', 'ip_rcv', 'consume_skb']);
  });

  test('net_dev_xmit on a veth (link kind set) is neither sent nor ended', () => {
    const { a, out } = assembler();
    const veth = xmit(1000n, { virtualDev: true });
    assert.equal(leavesHost(veth), false);
    a.add(veth);
    a.tick(1000n + GRACE);
    assert.equal(out.length, 0);
    a.add(hop(2000n, 'netif_rx'));
    a.add(consume(3000n));
    assert.equal(out[0].end, 'consumed');
    assert.equal(out[0].events.length, 3);
  });

  test('a deliver hop then silence: nothing before the grace, "delivered" after it', () => {
    const { a, out } = assembler();
    a.add(hop(1000n, 'udp_rcv'));
    a.add(raw({ ts: 5000n, hook: 'sk_data_ready', hookKind: 'socket', role: 'deliver' }));
    a.tick(5000n + GRACE - 1n);
    assert.equal(out.length, 0);
    assert.equal(a.openTraces, 1);
    a.tick(5000n + GRACE);
    assert.equal(out.length, 1);
    assert.equal(out[0].end, 'delivered');
    assert.deepEqual(hooksOf(out[0]), ['udp_rcv', 'sk_data_ready']);
  });

  test('a consume after a delivery (the reader frees its copy) is "delivered"', () => {
    const { a, out } = assembler();
    a.add(raw({ ts: 1000n, hook: 'skb_copy_datagram_iovec', role: 'deliver' }));
    a.add(consume(2000n));
    assert.equal(out[0].end, 'delivered');
  });

  test('idle: a trace with no hop for idleNs is flushed as idle, not before', () => {
    const { a, out } = assembler();
    a.add(hop(1000n));
    a.add(hop(3000n, 'ip_rcv_finish'));
    a.tick(3000n + IDLE - 1n);
    assert.equal(out.length, 0, 'quiet time counts from the last hop');
    a.tick(3000n + IDLE);
    assert.equal(out.length, 1);
    assert.equal(out[0].end, 'idle');
    assert.equal(a.openTraces, 0);
  });

  test('idle is per trace: a busy trace is kept while a quiet one is flushed', () => {
    const { a, out } = assembler();
    a.add(hop(0n, 'ip_rcv', 1n));
    a.add(hop(0n, 'ip_rcv', 2n));
    a.add(hop(IDLE - 10n, 'ip_forward', 2n));
    a.tick(IDLE);
    assert.deepEqual(out.map((t) => t.id), [1n]);
    assert.equal(a.openTraces, 1);
  });

  test('length: 5 hops with length 3 give 3 hops "length", then a continuation list', () => {
    const { a, out } = assembler({ length: 3 });
    for (let i = 1; i <= 5; i++) a.add(hop(BigInt(i) * 100n, `h${i}`));
    assert.equal(out.length, 1);
    assert.equal(out[0].end, 'length');
    assert.deepEqual(hooksOf(out[0]), ['h1', 'h2', 'h3']);
    assert.equal(out[0].continuation, undefined);
    assert.equal(a.openTraces, 1, 'hops 4 and 5 are still open');
    a.tick(500n + IDLE);
    assert.equal(out.length, 2);
    assert.deepEqual(hooksOf(out[1]), ['h4', 'h5']);
    assert.equal(out[1].continuation, 1);
    assert.equal(out[1].id, 1n);
    assert.equal(out[1].end, 'idle');
    assert.equal(out[1].events[0].deltaNs, 0n, 'a continuation starts its own deltas');
  });

  test('length: the continuation is printed by flushAll as "exit"; a third chunk is numbered 2', () => {
    const { a, out } = assembler({ length: 2 });
    for (let i = 1; i <= 5; i++) a.add(hop(BigInt(i) * 100n, `h${i}`));
    a.flushAll();
    assert.deepEqual(out.map((t) => [t.end, t.continuation, hooksOf(t).join(',')]), [
      ['length', undefined, 'h1,h2'],
      ['length', 1, 'h3,h4'],
      ['exit', 2, 'h5'],
    ]);
  });

  test('length: an EOL hop that is also the N-th hop ends the trace as dropped, not length', () => {
    const { a, out } = assembler({ length: 2 });
    a.add(hop(100n));
    a.add(drop(200n));
    assert.equal(out.length, 1);
    assert.equal(out[0].end, 'dropped');
  });

  test('egress: a manifest egress hook ends the list there', () => {
    const { a, out } = assembler({ egress: new Set(['netif_receive_skb']) });
    a.add(hop(100n, 'net_dev_queue'));
    a.add(hop(150n, 'net_dev_xmit'));
    assert.equal(out.length, 0);
    a.add(raw({ ts: 200n, hook: 'netif_receive_skb' }));
    assert.equal(out.length, 1);
    assert.equal(out[0].end, 'egress');
    assert.deepEqual(hooksOf(out[0]), ['net_dev_queue', 'net_dev_xmit', 'netif_receive_skb']);
    assert.equal(a.openTraces, 0);
  });

  test('events added out of timestamp order are sorted and deltaNs computed', () => {
    const { a, out } = assembler();
    a.add(hop(300n, 'c'));
    a.add(hop(100n, 'a'));
    a.add(hop(250n, 'b'));
    a.add(drop(1000n));
    assert.deepEqual(hooksOf(out[0]), ['a', 'b', 'c', 'kfree_skb']);
    assert.deepEqual(out[0].events.map((e) => e.ts), [100n, 250n, 300n, 1000n]);
    assert.deepEqual(out[0].events.map((e) => e.deltaNs), [0n, 150n, 50n, 700n]);
  });

  test('out of order: idle counts from the newest hop, not the last one added', () => {
    const { a, out } = assembler();
    a.add(hop(5000n, 'b'));
    a.add(hop(1000n, 'a'));
    a.tick(1000n + IDLE);
    assert.equal(out.length, 0);
    a.tick(5000n + IDLE);
    assert.equal(out.length, 1);
  });

  test('the trace tuple is the first parsed tuple in time order', () => {
    const { a, out } = assembler();
    const later: FlowTuple = { ...UDP4, saddr: '192.0.2.1' };
    a.add(raw({ ts: 200n, hook: 'x', tuple: later }));
    a.add(raw({ ts: 100n, hook: 'y', tuple: UDP4 }));
    a.add(raw({ ts: 50n, hook: 'z' }));
    a.add(consume(300n));
    assert.deepEqual(out[0].tuple, UDP4);
  });

  test('a socket hop arriving after its trace ended is counted and not shown', () => {
    const { a, out } = assembler();
    a.add(hop(100n, 'udp_rcv'));
    a.add(drop(200n));
    assert.equal(out.length, 1);
    a.add(raw({ ts: 300n, hook: 'sock_recv_length', hookKind: 'socket', role: 'socket' }));
    assert.equal(a.lateSocketHops, 1);
    assert.equal(a.openTraces, 0);
    a.flushAll();
    assert.equal(out.length, 1);
    assert.equal(out[0].events.length, 2);
  });

  test('a socket hop of an unknown trace opens a trace (not late)', () => {
    const { a, out } = assembler();
    a.add(raw({ id: 9n, ts: 300n, hook: 'inet_sock_set_state', hookKind: 'socket', role: 'socket' }));
    assert.equal(a.lateSocketHops, 0);
    assert.equal(a.openTraces, 1);
    a.flushAll();
    assert.equal(out[0].id, 9n);
  });

  test('a clone (IPFT_EV_CLONE + parentId) gets parentId; without the flag it does not', () => {
    const { a, out } = assembler();
    a.add(raw({ id: 2n, ts: 100n, hook: 'net_dev_queue', flags: IPFT_EV_CLONE, parentId: 1n }));
    a.add(consume(200n, 2n));
    a.add(raw({ id: 3n, ts: 300n, hook: 'net_dev_queue', flags: IPFT_EV_NEW, parentId: 1n }));
    a.add(consume(400n, 3n));
    assert.equal(out[0].id, 2n);
    assert.equal(out[0].parentId, 1n);
    assert.equal(out[1].id, 3n);
    assert.equal(out[1].parentId, undefined);
    assert.equal('parentId' in out[1], false);
  });

  test('flushAll: open traces as "exit" or their pending hint, oldest first', () => {
    const { a, out } = assembler();
    a.add(hop(500n, 'ip_rcv', 10n));
    a.add(hop(100n, 'ip_rcv', 20n));
    a.add(raw({ id: 30n, ts: 50n, hook: 'sk_data_ready', hookKind: 'socket', role: 'deliver' }));
    a.add(xmit(300n, { id: 40n }));
    a.add(hop(900n, 'ip_output', 20n));
    a.flushAll();
    assert.deepEqual(out.map((t) => [t.id, t.end]), [
      [30n, 'delivered'],
      [20n, 'exit'],
      [40n, 'sent'],
      [10n, 'exit'],
    ]);
    assert.equal(a.openTraces, 0);
    a.flushAll();
    assert.equal(out.length, 4);
  });

  test('flushAll orders by the oldest hop even when a trace\'s first-added hop is newer', {
  }, () => {
    const { a, out } = assembler();
    a.add(hop(300n, 'late-reserved', 1n)); // trace 1: reserved out of order...
    a.add(hop(200n, 'ip_rcv', 2n));
    a.add(hop(100n, 'early', 1n)); // ...its earliest hop is older than trace 2's
    a.flushAll();
    assert.deepEqual(out.map((t) => t.id), [1n, 2n]);
  });

  test('a socket hop after a -l cut continues the trace instead of being dropped as late', {
  }, () => {
    const { a, out } = assembler({ length: 2 });
    a.add(hop(100n, 'ip_rcv'));
    a.add(hop(200n, 'udp_rcv'));
    a.add(raw({ ts: 300n, hook: 'sk_data_ready', hookKind: 'socket', role: 'deliver' }));
    assert.equal(a.lateSocketHops, 0);
    a.flushAll();
    assert.equal(out.length, 2);
    assert.equal(out[1].continuation, 1);
    assert.equal(out[1].end, 'delivered');
  });

  test('with --idle shorter than the grace, a pending delivery still ends as "delivered"', {
  }, () => {
    const { a, out } = assembler({ idleNs: 50n * MS });
    a.add(raw({ ts: 0n, hook: 'sk_data_ready', hookKind: 'socket', role: 'deliver' }));
    a.tick(100n * MS);
    assert.equal(out.length, 1);
    assert.equal(out[0].end, 'delivered');
  });

  test('a continuation of a cloned trace keeps its parentId', {
  }, () => {
    const { a, out } = assembler({ length: 1 });
    a.add(raw({ id: 2n, ts: 100n, flags: IPFT_EV_CLONE, parentId: 1n }));
    a.add(hop(200n, 'ip_rcv', 2n));
    a.flushAll();
    assert.equal(out[0].parentId, 1n);
    assert.equal(out[1].parentId, 1n);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Field paths against the live BTF
// ---------------------------------------------------------------------------------------------

const btf = Btf.vmlinux();

function fullStruct(name: string): number {
  const id = btf.findByName(name, 'struct').find((i) => btf.size(i) > 0);
  assert.ok(id !== undefined, `struct ${name} in vmlinux BTF`);
  return id;
}

function byteOffset(struct: string, member: string): number {
  const m = btf.findMember(fullStruct(struct), member);
  assert.ok(m, `${struct}.${member}`);
  assert.equal(m.bitSize, 0);
  return m.bitOffset / 8;
}

describe('field paths (fields.ts) on the live BTF', () => {
  test('skb->mark: base skb, one offset, 4 bytes, unsigned', () => {
    const f = compileField(btf, 'skb->mark');
    assert.equal(f.path, 'skb->mark');
    assert.equal(f.hex, false);
    assert.equal(f.base, IPFT_FIELD_BASE.IPFT_BASE_SKB);
    assert.deepEqual(f.offsets, [byteOffset('sk_buff', 'mark')]);
    assert.equal(f.size, 4);
    assert.equal(f.decode.kind, 'int');
    assert.equal(f.decode.kind === 'int' && f.decode.signed, false);
    const b = Buffer.alloc(16);
    b.writeUInt32LE(0xfffffffe, 0);
    assert.equal(decodeField(f, b, 0), 0xfffffffe, 'u32 is not sign-extended');
  });

  test('shinfo->gso_size: base shinfo, 2 bytes', () => {
    const f = compileField(btf, 'shinfo->gso_size');
    assert.equal(f.base, IPFT_FIELD_BASE.IPFT_BASE_SHINFO);
    assert.deepEqual(f.offsets, [byteOffset('skb_shared_info', 'gso_size')]);
    assert.equal(f.size, 2);
    const b = Buffer.alloc(16);
    b.writeUInt16LE(1448, 3);
    assert.equal(decodeField(f, b, 3), 1448);
  });

  test('skb->dev->mtu: two offsets, the first is sk_buff.dev', () => {
    const f = compileField(btf, 'skb->dev->mtu');
    assert.equal(f.offsets.length, 2);
    assert.equal(f.offsets[0], byteOffset('sk_buff', 'dev'));
    assert.equal(f.offsets[1], byteOffset('net_device', 'mtu'));
    assert.equal(f.size, 4);
  });

  test('skb->dev->name decodes as a string (stops at NUL)', () => {
    const f = compileField(btf, 'skb->dev->name');
    assert.equal(f.decode.kind, 'string');
    assert.equal(f.size, 16);
    assert.deepEqual(f.offsets, [byteOffset('sk_buff', 'dev'), byteOffset('net_device', 'name')]);
    const b = Buffer.alloc(32, 0x41);
    b.write('eth0\0garbage', 8, 'latin1');
    assert.equal(decodeField(f, b, 8), 'eth0');
  });

  test('dev->ifindex is a signed int and sk->__sk_common.skc_state follows an embedded struct', () => {
    const f = compileField(btf, 'dev->ifindex');
    assert.equal(f.base, IPFT_FIELD_BASE.IPFT_BASE_DEV);
    assert.equal(f.decode.kind === 'int' && f.decode.signed, true);
    const b = Buffer.alloc(16);
    b.writeInt32LE(-5, 0);
    assert.equal(decodeField(f, b, 0), -5);

    const s = compileField(btf, 'sk->__sk_common.skc_state');
    assert.equal(s.base, IPFT_FIELD_BASE.IPFT_BASE_SK);
    const common = btf.findMember(fullStruct('sock'), '__sk_common')!;
    const state = btf.findMember(btf.resolve(common.type), 'skc_state')!;
    assert.deepEqual(s.offsets, [(common.bitOffset + state.bitOffset) / 8]);
    assert.equal(s.size, 1);
  });

  test('skb->cloned is a bitfield: decode extracts the bit', () => {
    const f = compileField(btf, 'skb->cloned');
    const m = btf.findMember(fullStruct('sk_buff'), 'cloned')!;
    assert.ok(m.bitSize > 0, 'cloned is a bitfield in this kernel');
    assert.equal(f.decode.kind, 'int');
    if (f.decode.kind !== 'int') return;
    assert.equal(f.decode.bitSize, 1);
    // The captured window starts at offsets[0]; the bit is at m.bitOffset from the struct start.
    const rel = m.bitOffset - f.offsets[0] * 8;
    assert.equal(rel, f.decode.bitShift);
    assert.ok(f.size <= FIELD_BYTES && rel + 1 <= f.size * 8);
    const b = Buffer.alloc(FIELD_BYTES, 0);
    assert.equal(decodeField(f, b, 0), 0);
    b[rel >> 3] |= 1 << (rel & 7);
    assert.equal(decodeField(f, b, 0), 1);
    // Neighbouring bits (nohdr, fclone, ...) do not leak in.
    const c = Buffer.alloc(FIELD_BYTES, 0xff);
    c[rel >> 3] &= ~(1 << (rel & 7));
    assert.equal(decodeField(f, c, 0), 0);
  });

  test('skb->cb[2] indexes the array', () => {
    const f = compileField(btf, 'skb->cb[2]');
    assert.deepEqual(f.offsets, [byteOffset('sk_buff', 'cb') + 2]);
    assert.equal(f.size, 1);
    assert.equal(f.decode.kind, 'int');
  });

  test('skb->mark:x sets hex; formatFieldValue prints 0x2a for 42', () => {
    const f = compileField(btf, 'skb->mark:x');
    assert.equal(f.hex, true);
    assert.equal(f.path, 'skb->mark');
    assert.deepEqual(f.offsets, compileField(btf, 'skb->mark').offsets);
    assert.equal(formatFieldValue(f, 42), '0x2a');
    assert.equal(formatFieldValue(f, 42n), '0x2a');
    assert.equal(formatFieldValue(compileField(btf, 'skb->mark'), 42), '42');
  });

  test('errors are FieldErrors with a clear message', () => {
    const cases: [string, RegExp][] = [
      ['foo->x', /must start with skb, shinfo, sk or dev/],
      ['skb->nosuch', /no member "nosuch"/],
      ['skb->mark->x', /not a pointer/],
      ['skb->cb[999]', /index 999 is out of bounds \(48 elements\)/],
      ['skb', /expected skb->member/],
      ['skb.mark', /expected skb->member/],
      ['skb->mark[1]', /not an array/],
      ['skb->mark +', /cannot parse/],
      ['skb->sk->sk_socket->file->f_inode->i_ino', /at most 3 pointer hops/],
    ];
    for (const [spec, re] of cases) {
      assert.throws(
        () => compileField(btf, spec),
        (err: unknown) => {
          assert.ok(err instanceof FieldError, `${spec}: ${String(err)}`);
          assert.match(err.message, re, spec);
          assert.ok(err.message.includes(spec), `${spec}: the message names the field`);
          assert.ok(!err.message.includes('\n'));
          return true;
        },
      );
    }
  });

  test('exactly 3 pointer hops are accepted (the BPF side follows off[0..2])', () => {
    const f = compileField(btf, 'skb->sk->sk_socket->file->f_inode');
    assert.equal(f.offsets.length, 4);
    assert.equal(f.offsets[0], byteOffset('sk_buff', 'sk'));
    assert.equal(f.size, 8, 'a pointer value');
  });

  test('fieldsConfig writes struct ipft_field[8]', () => {
    const fs = [compileField(btf, 'skb->mark'), compileField(btf, 'skb->dev->mtu'), compileField(btf, 'shinfo->gso_size')];
    const buf = fieldsConfig(fs);
    assert.equal(buf.length, IPFT_FIELD.SIZE * MAX_FIELDS);
    fs.forEach((f, i) => {
      const o = i * IPFT_FIELD.SIZE;
      assert.equal(buf[o + IPFT_FIELD.base], f.base);
      assert.equal(buf[o + IPFT_FIELD.nsteps], f.offsets.length);
      assert.equal(buf[o + IPFT_FIELD.size], f.size);
      for (let s = 0; s < 4; s++) assert.equal(buf.readUInt32LE(o + IPFT_FIELD.off + 4 * s), f.offsets[s] ?? 0, `field ${i} off[${s}]`);
    });
    // Concrete bytes of entry 1 (skb->dev->mtu): base 0, 2 steps, 4 bytes.
    const o1 = IPFT_FIELD.SIZE;
    assert.deepEqual([...buf.subarray(o1, o1 + 4)], [0, 2, 4, 0]);
    assert.equal(buf.readUInt32LE(o1 + 4), byteOffset('sk_buff', 'dev'));
    assert.equal(buf.readUInt32LE(o1 + 8), byteOffset('net_device', 'mtu'));
    assert.equal(buf[2 * IPFT_FIELD.SIZE + IPFT_FIELD.base], IPFT_FIELD_BASE.IPFT_BASE_SHINFO);
    // Unused entries stay zero.
    assert.ok(buf.subarray(3 * IPFT_FIELD.SIZE).every((x) => x === 0));
  });
});

// ---------------------------------------------------------------------------------------------
// 3. decodeEvent
// ---------------------------------------------------------------------------------------------

const E = IPFT_EVENT;

const KFREE: TracepointHook = {
  kind: 'tracepoint',
  name: 'kfree_skb',
  skbArg: 0,
  aArg: 1,
  bArg: 2,
  devArg: ARG_NONE,
  flags: IPFT_SLOT_FLAGS.IPFT_SLOT_EOL,
  role: 'drop',
  args: [
    { name: 'skb', type: 'struct sk_buff *', typeId: 1 },
    { name: 'location', type: 'void *', typeId: 2 },
    { name: 'reason', type: 'enum skb_drop_reason', typeId: 3 },
  ],
  socket: false,
};

const XMIT: TracepointHook = {
  kind: 'tracepoint',
  name: 'net_dev_xmit',
  skbArg: 0,
  aArg: 1,
  bArg: 3,
  devArg: 2,
  flags: IPFT_SLOT_FLAGS.IPFT_SLOT_NODEREF,
  role: 'xmit',
  args: [
    { name: 'skb', type: 'struct sk_buff *', typeId: 1 },
    { name: 'rc', type: 'int', typeId: 4 },
    { name: 'dev', type: 'struct net_device *', typeId: 5 },
    { name: 'skb_len', type: 'unsigned int', typeId: 6 },
  ],
  socket: false,
};

const ICMP_SEND: TracepointHook = {
  kind: 'tracepoint',
  name: 'icmp_send',
  skbArg: 0,
  aArg: 1,
  bArg: 2,
  devArg: ARG_NONE,
  flags: 0,
  role: 'hop',
  args: [
    { name: 'skb', type: 'const struct sk_buff *', typeId: 1 },
    { name: 'type', type: 'int', typeId: 4 },
    { name: 'code', type: 'int', typeId: 4 },
  ],
  socket: false,
};

function ctxStub(over: Partial<DecodeContext> = {}): DecodeContext & { symbolCalls: bigint[] } {
  const symbolCalls: bigint[] = [];
  return {
    slots: [KFREE, XMIT, ICMP_SEND],
    functionAt: (ip) => (ip === 0xffffffff81000010n ? 'ip_rcv' : `fn@${ip.toString(16)}`),
    symbol: (a) => {
      symbolCalls.push(a);
      return a === 0xffffffff81abcdefn ? 'udp_queue_rcv_one_skb+0x3c' : '?';
    },
    dropReason: (c) => (c === 6 ? 'NO_SOCKET' : `reason ${c}`),
    enumName: () => undefined,
    tcpState: (v) => ({ 1: 'TCP_ESTABLISHED', 2: 'TCP_SYN_SENT' } as Record<number, string>)[v],
    fields: [],
    toWallMs: (ns) => Number(ns / 1000000n) + 1_700_000_000_000,
    symbolCalls,
    ...over,
  };
}

interface RecOpts {
  hook?: number;
  flags?: number;
  a?: bigint;
  b?: bigint;
  l3?: 4 | 6 | 0;
  proto?: number;
  saddr?: number[];
  daddr?: number[];
  sport?: number;
  dport?: number;
  size?: number;
}

function record(o: RecOpts = {}): Buffer {
  const b = Buffer.alloc(o.size ?? E.SIZE);
  b.writeBigUInt64LE(123_456_789_000n, E.ts);
  b.writeBigUInt64LE(0x1000000000007n, E.trace_id);
  b.writeBigUInt64LE(0n, E.parent_id);
  b.writeBigUInt64LE(0xffff888012345600n, E.skb);
  b.writeBigUInt64LE(o.a ?? 0n, E.a);
  b.writeBigUInt64LE(o.b ?? 0n, E.b);
  b.writeUInt32LE(o.hook ?? 0, E.hook);
  b.writeUInt32LE(o.flags ?? 0, E.flags);
  b.writeUInt32LE(1234, E.len);
  b.writeUInt32LE(3, E.ifindex);
  b.writeUInt32LE(4026531840, E.netns);
  b.writeUInt32LE(0x2a, E.mark);
  b.writeUInt32LE(4321, E.pid);
  b.writeUInt16LE(5, E.cpu);
  b.writeUInt32LE(1, E.gso_type);
  b.writeUInt16LE(1448, E.gso_size);
  b.writeUInt16LE(2, E.gso_segs);
  b.write('iperf3\0xxxxxxxxx', E.comm, 'latin1');
  b.write('eth0', E.ifname, 'latin1');
  Buffer.from(o.saddr ?? [10, 1, 2, 3]).copy(b, E.flow_saddr);
  Buffer.from(o.daddr ?? [192, 168, 0, 254]).copy(b, E.flow_daddr);
  b.writeUInt16LE(o.sport ?? 40000, E.flow_sport);
  b.writeUInt16LE(o.dport ?? 53, E.flow_dport);
  b[E.flow_l3] = o.l3 ?? 4;
  b[E.flow_proto] = o.proto ?? 17;
  return b;
}

function v6(s: string): number[] {
  return [...parseAddress(s).bytes];
}

function decodeV6(addr: string): string {
  const buf = record({ flags: IPFT_EV_PARSED, l3: 6, proto: 58, saddr: v6(addr), daddr: v6('::1') });
  const r = decodeEvent(buf, 0, buf.length, ctxStub());
  assert.ok(r?.event.tuple);
  return r.event.tuple.saddr;
}

describe('decodeEvent (records.ts)', () => {
  test('an IPv4 UDP kfree_skb event', () => {
    const ctx = ctxStub();
    const buf = record({
      hook: 0,
      flags: IPFT_EV_PARSED | IPFT_EV_DEV | IPFT_EV_EOL,
      a: 0xffffffff81abcdefn,
      b: 0xffffffff00000006n, // upper bits are not part of the reason
    });
    const r = decodeEvent(buf, 0, buf.length, ctx);
    assert.ok(r);
    const ev = r.event;
    assert.equal(r.role, 'drop');
    assert.equal(r.flags, IPFT_EV_PARSED | IPFT_EV_DEV | IPFT_EV_EOL);
    assert.equal(r.loopbackDev, false);
    assert.equal(r.virtualDev, false);
    assert.equal(r.parentId, 0n);
    assert.equal(ev.hook, 'kfree_skb');
    assert.equal(ev.hookKind, 'tracepoint');
    assert.equal(ev.ts, 123_456_789_000n);
    assert.equal(ev.wallMs, 123_456 + 1_700_000_000_000);
    assert.equal(ev.traceId, 0x1000000000007n);
    assert.equal(ev.skb, 0xffff888012345600n);
    assert.deepEqual(ev.tuple, { ipVersion: 4, proto: 17, saddr: '10.1.2.3', daddr: '192.168.0.254', sport: 40000, dport: 53 });
    assert.equal(ev.tcpFlags, undefined);
    assert.equal(ev.icmpType, undefined);
    assert.equal(ev.ifname, 'eth0');
    assert.equal(ev.ifindex, 3);
    assert.equal(ev.dropReasonCode, 6);
    assert.equal(ev.dropReason, 'NO_SOCKET');
    assert.equal(ev.location, 'udp_queue_rcv_one_skb+0x3c');
    assert.deepEqual(ctx.symbolCalls, [0xffffffff81abcdefn]);
    assert.equal(ev.len, 1234);
    assert.equal(ev.mark, 0x2a);
    assert.equal(ev.pid, 4321);
    assert.equal(ev.cpu, 5);
    assert.equal(ev.comm, 'iperf3');
    assert.equal(ev.netns, 4026531840);
    assert.deepEqual(ev.gso, { size: 1448, segs: 2, type: 1 });
    assert.equal(ev.rc, undefined);
    assert.equal(ev.fields, undefined);
  });

  test('at a non-zero offset in a batch, with a zero location and no DEV/PARSED flags', () => {
    const ctx = ctxStub();
    const rec = record({ hook: 0, flags: IPFT_EV_EOL, a: 0n, b: 2n });
    const batch = Buffer.concat([Buffer.alloc(24, 0xee), rec, Buffer.alloc(8, 0xee)]);
    const r = decodeEvent(batch, 24, rec.length, ctx);
    assert.ok(r);
    assert.equal(r.event.location, undefined, 'location 0 is not resolved');
    assert.deepEqual(ctx.symbolCalls, []);
    assert.equal(r.event.ifname, undefined, 'ifname only with IPFT_EV_DEV');
    assert.equal(r.event.tuple, undefined, 'tuple only with IPFT_EV_PARSED');
    assert.equal(r.event.dropReason, 'reason 2');
  });

  test('TCP flags and ICMP type/code are taken per protocol', () => {
    const tcp = record({ flags: IPFT_EV_PARSED, proto: 6 });
    tcp[E.flow_tcp_flags] = 0x12;
    const rt = decodeEvent(tcp, 0, tcp.length, ctxStub());
    assert.equal(rt?.event.tcpFlags, 0x12);
    assert.equal(rt?.event.icmpType, undefined);
    const icmp = record({ flags: IPFT_EV_PARSED, proto: 1, sport: 0, dport: 0 });
    icmp[E.flow_icmp_type] = 8;
    icmp[E.flow_icmp_code] = 0;
    const ri = decodeEvent(icmp, 0, icmp.length, ctxStub());
    assert.equal(ri?.event.icmpType, 8);
    assert.equal(ri?.event.icmpCode, 0);
    assert.equal(ri?.event.tcpFlags, undefined);
  });

  test('IPv6 addresses print compressed (RFC 5952)', () => {
    assert.equal(decodeV6('2001:db8::1'), '2001:db8::1');
    assert.equal(decodeV6('::1'), '::1');
    assert.equal(decodeV6('::'), '::');
    assert.equal(decodeV6('1::'), '1::');
    assert.equal(decodeV6('fe80::1:0:0:1'), 'fe80::1:0:0:1', 'the longest run is compressed');
    assert.equal(decodeV6('2001:db8:0:0:1:0:0:0'), '2001:db8:0:0:1::', 'the longest run wins over an earlier shorter one');
    assert.equal(decodeV6('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'on a tie the first run is compressed');
    assert.equal(decodeV6('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'a single zero group is not compressed');
    assert.equal(decodeV6('2001:DB8:AAAA:0:0:0:0:BBBB'), '2001:db8:aaaa::bbbb', 'lower case, no leading zeros');
    assert.equal(decodeV6('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  });

  test('IPv4-mapped IPv6 addresses print in dotted form (RFC 5952 section 5)', {
  }, () => {
    assert.equal(decodeV6('::ffff:1.2.3.4'), '::ffff:1.2.3.4');
  });

  test('the full IPv6 tuple is decoded with l3 = 6', () => {
    const buf = record({ flags: IPFT_EV_PARSED, l3: 6, proto: 58, saddr: v6('fe80::1'), daddr: v6('ff02::2'), sport: 0, dport: 0 });
    buf[E.flow_icmp_type] = 133;
    const r = decodeEvent(buf, 0, buf.length, ctxStub());
    assert.deepEqual(r?.event.tuple, { ipVersion: 6, proto: 58, saddr: 'fe80::1', daddr: 'ff02::2', sport: 0, dport: 0 });
    assert.equal(r?.event.icmpType, 133);
  });

  test('net_dev_xmit: rc is signed 32-bit, len comes from b, the device kind flags are read', () => {
    const buf = record({ hook: 1, flags: IPFT_EV_DEV | IPFT_EV_FLAGS.IPFT_EV_VIRTUAL, a: 0xffffffffn, b: 0x1_0000_05dcn });
    const r = decodeEvent(buf, 0, buf.length, ctxStub());
    assert.ok(r);
    assert.equal(r.role, 'xmit');
    assert.equal(r.event.hook, 'net_dev_xmit');
    assert.equal(r.event.rc, -1);
    assert.equal(r.event.len, 0x5dc);
    assert.equal(r.virtualDev, true);
    assert.equal(r.loopbackDev, false);
    assert.equal(r.event.location, undefined);
    assert.equal(r.event.dropReason, undefined);
    const ok = decodeEvent(record({ hook: 1, a: 0n, b: 60n }), 0, E.SIZE, ctxStub());
    assert.equal(ok?.event.rc, 0);
    assert.equal(ok?.event.len, 60);
  });

  test('other tracepoints: up to two scalar args as detail, signed unless unsigned', () => {
    const r = decodeEvent(record({ hook: 2, a: 3n, b: 0xffffffffffffffffn }), 0, E.SIZE, ctxStub());
    assert.equal(r?.event.detail, 'type: 3  code: -1');
    const named = decodeEvent(record({ hook: 2, a: 3n, b: 1n }), 0, E.SIZE, ctxStub({ enumName: (_t, v) => (v === 3n ? 'ICMP_DEST_UNREACH' : undefined) }));
    assert.equal(named?.event.detail, 'type: ICMP_DEST_UNREACH  code: 1');
  });

  test('function hooks are named by their entry ip', () => {
    const buf = record({ hook: IPFT_HOOK_ID.IPFT_HOOK_FUNC, a: 0xffffffff81000010n });
    const r = decodeEvent(buf, 0, buf.length, ctxStub());
    assert.equal(r?.event.hook, 'ip_rcv');
    assert.equal(r?.event.hookKind, 'function');
    assert.equal(r?.role, 'hop');
  });

  test('an unknown slot returns undefined', () => {
    assert.equal(decodeEvent(record({ hook: 3 }), 0, E.SIZE, ctxStub()), undefined);
    assert.equal(decodeEvent(record({ hook: 47 }), 0, E.SIZE, ctxStub()), undefined);
  });

  test('a record shorter than the fields offset returns undefined; exactly that long decodes', () => {
    const buf = record({ hook: 0 });
    assert.equal(decodeEvent(buf, 0, E.fields - 1, ctxStub()), undefined);
    assert.equal(decodeEvent(buf, 0, 0, ctxStub()), undefined);
    const r = decodeEvent(buf, 0, E.fields, ctxStub());
    assert.ok(r);
    assert.equal(r.event.fields, undefined);
  });

  test('configured fields appear in ev.fields by path (only when the record carries them)', () => {
    const mark = compileField(btf, 'skb->mark:x');
    const name = compileField(btf, 'skb->dev->name');
    const cloned = compileField(btf, 'skb->cloned');
    const fields: CompiledField[] = [mark, name, cloned];
    const buf = record({ hook: 0 });
    buf.writeUInt32LE(0xc0ffee, E.fields + 0 * FIELD_BYTES);
    buf.write('lo\0', E.fields + 1 * FIELD_BYTES, 'latin1');
    if (cloned.decode.kind === 'int') {
      const bit = cloned.decode.bitShift;
      buf[E.fields + 2 * FIELD_BYTES + (bit >> 3)] |= 1 << (bit & 7);
    }
    const r = decodeEvent(buf, 0, E.SIZE, ctxStub({ fields }));
    assert.deepEqual(r?.event.fields, { 'skb->mark': 0xc0ffee, 'skb->dev->name': 'lo', 'skb->cloned': 1 });
    // A short record (EVENT_SHORT, sent when no fields were read) has no field values.
    const short = decodeEvent(buf, 0, E.fields, ctxStub({ fields }));
    assert.ok(short);
    assert.equal(short.event.fields, undefined);
  });

  test('socket hooks decode as hookKind socket with their own role', () => {
    const sock: TracepointHook = { ...ICMP_SEND, name: 'sk_data_ready', aArg: ARG_NONE, bArg: ARG_NONE, role: 'deliver', socket: true, flags: IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK };
    const r = decodeEvent(record({ hook: 0 }), 0, E.fields, ctxStub({ slots: [sock] }));
    assert.equal(r?.event.hookKind, 'socket');
    assert.equal(r?.role, 'deliver');
    assert.equal(r?.event.detail, undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. filter.ts
// ---------------------------------------------------------------------------------------------

describe('flow filter (filter.ts)', () => {
  const hex = (s: string) => parseAddress(s).bytes.toString('hex');

  test('parseAddress: IPv4 in the first 4 of 16 bytes', () => {
    const a = parseAddress('192.168.1.254');
    assert.equal(a.version, 4);
    assert.equal(a.bytes.length, 16);
    assert.equal(a.bytes.toString('hex'), 'c0a801fe' + '00'.repeat(12));
  });

  test('parseAddress: IPv6 forms', () => {
    assert.equal(parseAddress('::1').version, 6);
    assert.equal(hex('::1'), '00'.repeat(15) + '01');
    assert.equal(hex('::'), '00'.repeat(16));
    assert.equal(hex('2001:db8::1'), '20010db8' + '00'.repeat(11) + '01');
    assert.equal(hex('fe80::'), 'fe80' + '00'.repeat(14));
    assert.equal(hex('::ffff:1.2.3.4'), '00'.repeat(10) + 'ffff01020304');
    assert.equal(hex('2001:db8:1:2:3:4:5:6'), '20010db8000100020003000400050006');
    assert.equal(hex('2001:DB8:0:0:0:0:0:ABCD'), '20010db8' + '00'.repeat(10) + 'abcd');
    assert.equal(hex('1:2:3:4:5:6:7::'), '0001000200030004000500060007' + '0000');
  });

  test('parseAddress: bad input throws FilterError', () => {
    for (const s of ['', '1.2.3', '1.2.3.256', 'example.com', '10.0.0.0/8', '::1::2', '2001:db8:1:2:3:4:5:6:7', 'gggg::1', ' 1.2.3.4']) {
      assert.throws(() => parseAddress(s), FilterError, JSON.stringify(s));
    }
  });

  test('parseAddress: an IPv6 zone index is rejected', {
  }, () => {
    assert.throws(() => parseAddress('fe80::1%eth0'), FilterError);
  });

  test('checkFilter infers ipVersion from -s / -d', () => {
    assert.equal(checkFilter({ saddr: '10.0.0.1' }).ipVersion, 4);
    assert.equal(checkFilter({ daddr: '2001:db8::1' }).ipVersion, 6);
    assert.equal(checkFilter({ saddr: '10.0.0.1', daddr: '10.0.0.2', ipVersion: 4 }).ipVersion, 4);
    assert.equal(checkFilter({ proto: 6 }).ipVersion, undefined);
    const f = { saddr: '10.0.0.1' };
    checkFilter(f);
    assert.deepEqual(f, { saddr: '10.0.0.1' }, 'the input is not modified');
  });

  test('checkFilter rejects mixed versions and bad ports', () => {
    assert.throws(() => checkFilter({ saddr: '::1', ipVersion: 4 }), (e: unknown) => e instanceof FilterError && /-s ::1 is an IPv6 address, but the filter selects IPv4/.test(e.message));
    assert.throws(() => checkFilter({ saddr: '10.0.0.1', ipVersion: 6 }), FilterError);
    assert.throws(() => checkFilter({ saddr: '10.0.0.1', daddr: '2001:db8::1' }), (e: unknown) => e instanceof FilterError && /-d 2001:db8::1 is an IPv6 address/.test(e.message));
    assert.throws(() => checkFilter({ saddr: '1.2.3' }), (e: unknown) => e instanceof FilterError && /invalid address for -s/.test(e.message));
    assert.throws(() => checkFilter({ daddr: '10.0.0.0/8' }), /invalid address for -d/);
    for (const p of [-1, 65536, 1.5, NaN]) {
      assert.throws(() => checkFilter({ sport: p }), /invalid port for -sp/, String(p));
      assert.throws(() => checkFilter({ dport: p }), /invalid port for -dp/, String(p));
    }
    assert.equal(checkFilter({ sport: 0, dport: 65535 }).dport, 65535);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. ipftrace-args.ts
// ---------------------------------------------------------------------------------------------

describe('ipftrace command line (ipftrace-args.ts)', () => {
  test('defaults', () => {
    const a = parseArgs([]);
    assert.deepEqual(a.filter, {});
    assert.equal(a.length, 80);
    assert.equal(a.format, 'text');
    assert.equal(a.manifest, undefined);
    assert.equal(a.genManifest, undefined);
    assert.equal(a.listFunc, false);
    assert.deepEqual(a.fields, []);
    assert.equal(a.regex, undefined);
    assert.equal(a.idleMs, 1000);
    assert.equal(a.backend, 'auto');
  });

  test('v1 spellings', () => {
    assert.equal(parseArgs(['-iv', '4']).filter.ipVersion, 4);
    assert.equal(parseArgs(['--ipversion=6']).filter.ipVersion, 6);
    assert.equal(parseArgs(['--ipversion', '6']).filter.ipVersion, 6);
    const a = parseArgs(['-sp', '80', '-dp', '9', '-s', '10.0.0.1', '-d', '10.0.0.2']);
    assert.deepEqual(a.filter, { sport: 80, dport: 9, saddr: '10.0.0.1', daddr: '10.0.0.2', ipVersion: 4 });
    assert.equal(parseArgs(['-p', 'icmp']).filter.proto, 1);
    assert.equal(parseArgs(['-p', 'ICMP']).filter.proto, 1);
    assert.equal(parseArgs(['-p', 'IPv6-ICMP']).filter.proto, 58);
    assert.equal(parseArgs(['-p', '17']).filter.proto, 17);
    assert.equal(parseArgs(['--proto=tcp']).filter.proto, 6);
    assert.equal(parseArgs(['-ls']).listFunc, true);
    assert.equal(parseArgs(['--list-func']).listFunc, true);
    assert.equal(parseArgs(['-l', '5']).length, 5);
    const r = parseArgs(['-r', '^net_']).regex;
    assert.ok(r instanceof RegExp);
    assert.equal(r.source, '^net_');
    assert.equal(r.test('net_dev_queue'), true);
    assert.equal(r.test('kfree_skb'), false);
    assert.equal(parseArgs(['-m', 'gso']).module, 'gso');
  });

  test('a positional manifest, anywhere among options; -- ends options', () => {
    assert.equal(parseArgs(['generic.yaml']).manifest, 'generic.yaml');
    const a = parseArgs(['-iv', '4', 'generic.yaml', '-l', '10']);
    assert.equal(a.manifest, 'generic.yaml');
    assert.equal(a.length, 10);
    assert.equal(parseArgs(['--', '-weird.yaml']).manifest, '-weird.yaml');
  });

  test('--gen-manifest with and without a file', () => {
    assert.deepEqual(parseArgs(['--gen-manifest', 'out.yaml']).genManifest, { file: 'out.yaml' });
    const alone = parseArgs(['--gen-manifest']);
    assert.deepEqual(alone.genManifest, { file: null });
    assert.equal(alone.manifest, undefined);
    const then = parseArgs(['--gen-manifest', '-iv', '4']);
    assert.deepEqual(then.genManifest, { file: null });
    assert.equal(then.filter.ipVersion, 4);
  });

  test('--gen-manifest=FILE is accepted like --gen-manifest FILE', {
  }, () => {
    assert.deepEqual(parseArgs(['--gen-manifest=out.yaml']).genManifest, { file: 'out.yaml' });
  });

  test('--format, repeated -f, -o, --idle, --backend, -c', () => {
    assert.equal(parseArgs(['--format', 'json']).format, 'json');
    assert.equal(parseArgs(['--format=json-events']).format, 'json-events');
    assert.deepEqual(parseArgs(['-f', 'skb->mark', '--field', 'skb->dev->mtu', '-f', 'skb->mark:x']).fields, ['skb->mark', 'skb->dev->mtu', 'skb->mark:x']);
    assert.equal(parseArgs(['-o', '/tmp/x.txt']).output, '/tmp/x.txt');
    assert.equal(parseArgs(['--idle', '250']).idleMs, 250);
    assert.equal(parseArgs(['--backend', 'tracepoint']).backend, 'tracepoint');
    assert.equal(parseArgs(['-c', '3']).count, 3);
  });

  test('-h returns at once', () => {
    assert.equal(parseArgs(['-h']).help, true);
    assert.equal(parseArgs(['--help', '--nosuch']).help, true);
  });

  test('errors are UsageErrors with one-line messages', () => {
    const cases: [string[], RegExp][] = [
      [['--nosuch'], /no such option: --nosuch/],
      [['-x'], /no such option: -x/],
      [['-iv'], /option -iv requires an argument/],
      [['-s'], /option -s requires an argument/],
      [['-iv', '5'], /invalid value "5" for -iv: choose from 4, 6/],
      [['--ipversion=5'], /invalid value "5" for --ipversion/],
      [['-dp', '70000'], /invalid value "70000" for -dp: must be 0\.\.65535/],
      [['-sp', 'http'], /expected a whole number/],
      [['-l', '0'], /invalid value "0" for -l/],
      [['-p', 'nosuch'], /invalid value for -p: unknown protocol 'nosuch'/],
      [['-p', '256'], /out of range/],
      [['-r', '('], /invalid value "\(" for -r/],
      [['a.yaml', 'b.yaml'], /too many arguments: b\.yaml/],
      [['--format', 'xml'], /invalid value "xml" for --format: choose from text, json, json-events/],
      [['-s', '1.2.3'], /invalid address for -s: "1\.2\.3"/],
      [['-s', '::1', '-iv', '4'], /-s ::1 is an IPv6 address, but the filter selects IPv4/],
      [['-iv', '4', '-s', '::1'], /IPv6 address, but the filter selects IPv4/],
      [['-s', '10.0.0.1', '-d', '::1'], /-d ::1 is an IPv6 address/],
      [['--latency=yes'], /option --latency does not take a value/],
      [['--backend', 'fentry'], /choose from auto, tracepoint, function/],
      [['--idle', '0'], /invalid value "0" for --idle/],
    ];
    for (const [argv, re] of cases) {
      assert.throws(
        () => parseArgs(argv),
        (err: unknown) => {
          assert.ok(err instanceof UsageError, `${argv.join(' ')}: ${String(err)}`);
          assert.match(err.message, re, argv.join(' '));
          assert.ok(!/[\r\n]/.test(err.message), `${argv.join(' ')}: one line`);
          return true;
        },
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Hook discovery on the live BTF
// ---------------------------------------------------------------------------------------------

describe('discoverHooks on the live BTF', () => {
  const cat = discoverHooks(btf);
  const tp = (name: string) => {
    const h = cat.tracepoints.find((t) => t.name === name);
    assert.ok(h, `tracepoint ${name} discovered`);
    return h;
  };
  const argIdx = (h: TracepointHook, name: string) => h.args.findIndex((a) => a.name === name);

  test('kfree_skb: drop, EOL, a = location, b = reason', () => {
    const h = tp('kfree_skb');
    assert.equal(h.role, 'drop');
    assert.equal(h.socket, false);
    assert.ok(h.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_EOL);
    assert.equal(h.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_NODEREF, 0);
    assert.equal(h.skbArg, argIdx(h, 'skb'));
    assert.ok(argIdx(h, 'location') >= 0);
    assert.equal(h.aArg, argIdx(h, 'location'));
    assert.equal(h.bArg, argIdx(h, 'reason'));
    assert.match(h.args[h.bArg].type, /enum skb_drop_reason/);
  });

  test('consume_skb: consume, EOL, a = location', () => {
    const h = tp('consume_skb');
    assert.equal(h.role, 'consume');
    assert.ok(h.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_EOL);
    assert.equal(h.aArg, argIdx(h, 'location'));
  });

  test('net_dev_xmit: xmit, NODEREF, dev and rc located', () => {
    const h = tp('net_dev_xmit');
    assert.equal(h.role, 'xmit');
    assert.ok(h.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_NODEREF);
    assert.equal(h.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_EOL, 0);
    assert.ok(argIdx(h, 'dev') >= 0);
    assert.equal(h.devArg, argIdx(h, 'dev'));
    assert.equal(h.aArg, argIdx(h, 'rc'));
    const len = argIdx(h, 'skb_len') >= 0 ? argIdx(h, 'skb_len') : argIdx(h, 'len');
    assert.equal(h.bArg, len);
  });

  test('qdisc_dequeue: the skb is argument 3', () => {
    const h = tp('qdisc_dequeue');
    assert.equal(h.skbArg, 3);
    assert.match(h.args[3].type, /struct sk_buff \*/);
  });

  test('tcp_send_reset: a points at the reset reason', () => {
    const h = tp('tcp_send_reset');
    assert.ok(argIdx(h, 'reason') >= 0, 'this kernel passes a reason');
    assert.equal(h.aArg, argIdx(h, 'reason'));
    assert.match(h.args[h.skbArg].type, /sk_buff/);
  });

  test('socket hooks carry SOCK (or SOCK_LATER) and point at the sock', () => {
    for (const name of ['sk_data_ready', 'inet_sock_set_state']) {
      const h = tp(name);
      assert.equal(h.socket, true, name);
      assert.ok(h.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK, name);
      assert.equal(h.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK_LATER, 0, name);
      assert.match(h.args[h.skbArg].type, /struct sock \*/, name);
    }
    assert.equal(tp('sk_data_ready').role, 'deliver');
    const st = tp('inet_sock_set_state');
    assert.equal(st.aArg, argIdx(st, 'oldstate'));
    assert.equal(st.bArg, argIdx(st, 'newstate'));
    const later = cat.tracepoints.find((t) => t.name === 'sock_recv_length');
    if (later) {
      assert.equal(later.socket, true);
      assert.ok(later.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK_LATER);
    }
  });

  test('only inet_sock_set_state carries SOCK_STATE (b = newstate: owner-made states are not joined to a packet)', () => {
    const st = tp('inet_sock_set_state');
    assert.ok(st.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK_STATE);
    assert.equal(st.args[st.bArg].name, 'newstate');
    for (const h of cat.tracepoints) {
      if (h.name !== 'inet_sock_set_state') assert.equal(h.flags & IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK_STATE, 0, h.name);
    }
    // tcp_receive_reset (a sock, no skb) is joined like sk_data_ready: by flow, else on this CPU
    const rr = cat.tracepoints.find((t) => t.name === 'tcp_receive_reset');
    if (rr) {
      assert.equal(rr.flags, IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK);
      assert.equal(rr.role, 'deliver');
      assert.match(rr.args[rr.skbArg].type, /struct sock \*/);
    }
  });

  test('every tracepoint: skbArg in range, of the right type, arg indexes the BPF side can read', () => {
    assert.ok(cat.tracepoints.length >= 10);
    const names = cat.tracepoints.map((t) => t.name);
    assert.deepEqual(names, [...names].sort((x, y) => x.localeCompare(y)), 'sorted by name');
    assert.equal(new Set(names).size, names.length, 'no duplicates');
    for (const h of cat.tracepoints) {
      assert.equal(h.kind, 'tracepoint');
      assert.ok(h.skbArg >= 0 && h.skbArg < h.args.length, `${h.name} skbArg`);
      assert.match(h.args[h.skbArg].type, h.socket ? /struct sock \*/ : /struct sk_buff \*/, h.name);
      assert.equal(h.socket, !!(h.flags & (IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK | IPFT_SLOT_FLAGS.IPFT_SLOT_SOCK_LATER)), h.name);
      // bpf/ipftrace.bpf.c raw_arg() reads args 0..5 only.
      for (const [k, i] of [['aArg', h.aArg], ['bArg', h.bArg], ['devArg', h.devArg]] as const) {
        assert.ok(i === ARG_NONE || (i < h.args.length && i <= 5), `${h.name} ${k}=${i}`);
        if (i !== ARG_NONE && k !== 'devArg') assert.notEqual(i, h.skbArg, `${h.name} ${k} is not the skb`);
      }
      assert.ok(h.skbArg <= 5, `${h.name} skbArg readable by raw_arg`);
      if (h.devArg !== ARG_NONE) assert.match(h.args[h.devArg].type, /struct net_device \*/, h.name);
    }
  });

  test('function hooks: skb position 1..5, not variadic', () => {
    assert.ok(cat.functions.length > 100);
    const ipRcv = cat.functions.find((f) => f.name === 'ip_rcv');
    assert.deepEqual(ipRcv, { kind: 'function', name: 'ip_rcv', skbPos: 1 });
    for (const f of cat.functions) assert.ok(f.skbPos >= 1 && f.skbPos <= 5, f.name);
  });

  test('inet_sock_set_state decodes to TCP state names in ev.detail', {
  }, () => {
    const h = tp('inet_sock_set_state');
    const enumName = (typeId: number, v: bigint) => {
      const r = btf.resolve(typeId);
      const k = btf.kind(r);
      if (k !== 'enum' && k !== 'enum64') return undefined;
      return btf.enumValues(r).find((e) => e.value === v)?.name;
    };
    const r = decodeEvent(record({ hook: 0, a: 2n, b: 1n }), 0, E.fields, ctxStub({ slots: [h], enumName }));
    assert.match(r?.event.detail ?? '', /TCP_SYN_SENT/);
    assert.match(r?.event.detail ?? '', /TCP_ESTABLISHED/);
  });
});
