import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PacketEvent, PacketTrace } from '../../src/ipftrace/event';
import {
  customDataFor,
  flowLine,
  formatLatency,
  formatTraceText,
  tabulatePlain,
} from '../../src/ipftrace/output/text';
import { formatEventJson, formatTraceJson } from '../../src/ipftrace/output/json';
import { protocolLabel } from '../../src/ipftrace/protocols';

function ev(over: Partial<PacketEvent>): PacketEvent {
  return {
    ts: 495406078818070n,
    wallMs: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
    traceId: 0x2an,
    hook: 'ip_rcv',
    hookKind: 'function',
    skb: 0xffff888012345600n,
    cpu: 1,
    pid: 0,
    comm: 'swapper/1',
    len: 84,
    ifindex: 1,
    netns: 4026531840,
    mark: 0,
    gso: { size: 0, segs: 0, type: 0 },
    deltaNs: 0n,
    ...over,
  };
}

const ICMP4 = { ipVersion: 4 as const, proto: 1, saddr: '127.0.0.1', daddr: '127.0.0.1', sport: 0, dport: 0 };

function fixedTrace(over: Partial<PacketTrace> = {}): PacketTrace {
  return {
    id: 0x2an,
    tuple: ICMP4,
    end: 'dropped',
    events: [
      ev({ ts: 495406078818070n, hook: 'ip_rcv', ifname: 'lo', tuple: ICMP4 }),
      ev({ ts: 495406078929728n, hook: 'ip_local_deliver', deltaNs: 111658n, tuple: ICMP4 }),
      ev({
        ts: 495406079008937n,
        hook: 'kfree_skb',
        hookKind: 'tracepoint',
        dropReason: 'NO_SOCKET',
        dropReasonCode: 3,
        location: 'ping_rcv+0x5a',
        deltaNs: 79209n,
        tuple: ICMP4,
      }),
    ],
    ...over,
  };
}

// Widths by tabulate's rules: Time Stamp max(10+2, 15) = 15 (right); Function max(8+2, 16) = 16;
// Custom Data max(11+2, 42) = 42; 2-space separators; every line rstrip()ped.
// (Checked against python3-tabulate 0.8.9's output for the same rows.)
const FIXED =
  'ICMP\t127.0.0.1\t->\t127.0.0.1\n' +
  '     Time Stamp  Function          Custom Data\n' +
  '495406078818070  ip_rcv            dev: lo\n' +
  '495406078929728  ip_local_deliver\n' +
  '495406079008937  kfree_skb         reason: NO_SOCKET  location: ping_rcv+0x5a\n' +
  '\n';

test('text: exact v1 layout for a fixed trace', () => {
  assert.equal(formatTraceText(fixedTrace(), {}), FIXED);
});

test('text: no line ends in whitespace, header always has Custom Data', () => {
  const t = fixedTrace({
    events: [ev({ ts: 1n, hook: 'ip_rcv' }), ev({ ts: 22n, hook: 'x' })],
  });
  // Function is 10 wide (8 + MIN_PADDING) even though every name is shorter.
  assert.equal(
    formatTraceText(t),
    'ICMP\t127.0.0.1\t->\t127.0.0.1\n' +
      '  Time Stamp  Function    Custom Data\n' +
      '           1  ip_rcv\n' +
      '          22  x\n' +
      '\n',
  );
  for (const line of formatTraceText(fixedTrace()).split('\n')) assert.equal(line, line.trimEnd());
});

test('text: custom data is stripped and module output comes last', () => {
  const e = ev({ ifname: 'eth0', custom: '   (len: 2101 gso_size: 1448)  ' });
  assert.equal(customDataFor(e), 'dev: eth0  (len: 2101 gso_size: 1448)');
  const t = fixedTrace({ events: [ev({ ts: 5n, custom: '  x: 1' })] });
  assert.equal(formatTraceText(t).split('\n')[2], '           5  ip_rcv      x: 1');
});

test('customDataFor: built-in details', () => {
  assert.equal(customDataFor(ev({})), '');
  assert.equal(
    customDataFor(ev({ hook: 'kfree_skb', dropReason: 'NO_SOCKET', location: 'ping_rcv+0x5a' })),
    'reason: NO_SOCKET  location: ping_rcv+0x5a',
  );
  assert.equal(customDataFor(ev({ hook: 'consume_skb', location: 'icmp_rcv+0x1c7' })), 'location: icmp_rcv+0x1c7');
  assert.equal(customDataFor(ev({ hook: 'net_dev_queue', ifname: 'lo' })), 'dev: lo');
  assert.equal(customDataFor(ev({ hook: 'net_dev_xmit', ifname: 'lo', rc: 0 })), 'dev: lo  rc: 0');
  assert.equal(
    customDataFor(ev({ hook: 'tcp_set_state', hookKind: 'socket', detail: 'TCP_SYN_SENT -> TCP_ESTABLISHED' })),
    'TCP_SYN_SENT -> TCP_ESTABLISHED',
  );
  assert.equal(customDataFor(ev({ ifname: '' })), '');
});

test('text: control characters cannot break a row', () => {
  const t = fixedTrace({ events: [ev({ ts: 5n, custom: 'a\nb' })] });
  const out = formatTraceText(t);
  assert.equal(out.split('\n').length, 5); // flow, header, 1 row, blank, ''
  assert.match(out, /a\\x0ab/);
});

// Same table through python3-tabulate 0.8.9 with colalign=(right, right, left, left).
test('text: latency column between Time Stamp and Function, empty on the first hop', () => {
  assert.equal(
    formatTraceText(fixedTrace(), { latency: true }),
    'ICMP\t127.0.0.1\t->\t127.0.0.1\n' +
      '     Time Stamp    Latency  Function          Custom Data\n' +
      '495406078818070             ip_rcv            dev: lo\n' +
      '495406078929728   +111.7us  ip_local_deliver\n' +
      '495406079008937    +79.2us  kfree_skb         reason: NO_SOCKET  location: ping_rcv+0x5a\n' +
      '\n',
  );
});

test('formatLatency', () => {
  assert.equal(formatLatency(0n), '+0ns');
  assert.equal(formatLatency(850n), '+850ns');
  assert.equal(formatLatency(12_345n), '+12.3us');
  assert.equal(formatLatency(4_100_000n), '+4.1ms');
  assert.equal(formatLatency(2_345_000_000n), '+2.35s');
  assert.equal(formatLatency(-1500n), '-1.5us');
});

test('text: end lines', () => {
  const body = FIXED.slice(0, -1); // without the final blank line
  assert.equal(formatTraceText(fixedTrace({ end: 'idle' })), body + '(end not observed)\n\n');
  assert.equal(formatTraceText(fixedTrace({ end: 'exit' })), body + '(end not observed)\n\n');
  assert.equal(
    formatTraceText(fixedTrace({ end: 'length' }), { length: 3 }),
    body + '(continued: list cut at -l 3 hops)\n\n',
  );
  assert.equal(formatTraceText(fixedTrace({ end: 'length' })), body + '(continued: list cut at -l 3 hops)\n\n');
  for (const end of ['dropped', 'consumed', 'delivered', 'sent', 'egress'] as const) {
    assert.equal(formatTraceText(fixedTrace({ end })), FIXED);
  }
  assert.equal(
    formatTraceText(fixedTrace({ id: 0x2bn, parentId: 0x2an, end: 'consumed' })),
    body + '(clone of trace 0x2a)\n\n',
  );
  assert.equal(
    formatTraceText(fixedTrace({ continuation: 2, end: 'exit' })),
    body + '(continuation 2 of trace 0x2a)\n(end not observed)\n\n',
  );
});

test('text: continuation shows the latency of its first hop', () => {
  const out = formatTraceText(fixedTrace({ continuation: 1, events: [ev({ ts: 9n, deltaNs: 1500n })] }), {
    latency: true,
  });
  assert.equal(out.split('\n')[2], '           9     +1.5us  ip_rcv');
});

test('text: flow line with ports, IPv6 plain, unknown proto, no tuple', () => {
  assert.equal(
    flowLine({ ipVersion: 4, proto: 6, saddr: '10.231.244.75', daddr: '10.231.206.32', sport: 33696, dport: 8000 }),
    'TCP\t10.231.244.75:33696\t->\t10.231.206.32:8000',
  );
  assert.equal(
    flowLine({ ipVersion: 6, proto: 17, saddr: '::1', daddr: 'fe80::1', sport: 5353, dport: 0 }),
    'UDP\t::1:5353\t->\tfe80::1',
  );
  assert.equal(
    flowLine({ ipVersion: 6, proto: 58, saddr: '2001:db8::1', daddr: '2001:db8::2', sport: 0, dport: 0 }),
    'IPv6-ICMP\t2001:db8::1\t->\t2001:db8::2',
  );
  assert.equal(protocolLabel(253), 'Unknown(253)');
  assert.equal(
    flowLine({ ipVersion: 4, proto: 253, saddr: '1.2.3.4', daddr: '5.6.7.8', sport: 0, dport: 0 }),
    'Unknown(253)\t1.2.3.4\t->\t5.6.7.8',
  );
  assert.equal(flowLine(undefined), 'Unknown\t?\t->\t?');
  assert.equal(formatTraceText(fixedTrace({ tuple: undefined })).split('\n')[0], 'Unknown\t?\t->\t?');
});

test('tabulatePlain: header only, left-aligned (as tabulate) when there are no rows', () => {
  assert.deepEqual(
    tabulatePlain([
      { header: 'Time Stamp', align: 'right', cells: [] },
      { header: 'Function', align: 'left', cells: [] },
    ]),
    ['Time Stamp    Function'],
  );
});

test('json: trace round trip', () => {
  const t = fixedTrace({ parentId: 0x29n, continuation: 1 });
  const line = formatTraceJson(t);
  assert.ok(line.endsWith('}\n'));
  assert.equal(line.indexOf('\n'), line.length - 1, 'one line');
  const o = JSON.parse(line);
  assert.equal(o.v, 1);
  assert.equal(o.type, 'trace');
  assert.equal(o.id, '0x2a');
  assert.equal(o.parentId, '0x29');
  assert.equal(o.continuation, 1);
  assert.equal(o.end, 'dropped');
  assert.deepEqual(o.tuple, ICMP4);
  assert.equal(o.events.length, 3);
  const e0 = o.events[0];
  assert.equal(e0.ts, 495406078818070);
  assert.equal(e0.time, '2024-01-02T03:04:05.678Z');
  assert.equal(e0.traceId, '0x2a');
  assert.equal(e0.skb, '0xffff888012345600');
  assert.equal(e0.hook, 'ip_rcv');
  assert.equal(e0.hookKind, 'function');
  assert.equal(e0.ifname, 'lo');
  assert.equal(e0.netns, 4026531840);
  assert.deepEqual(e0.gso, { size: 0, segs: 0, type: 0 });
  assert.equal(e0.deltaNs, 0);
  assert.ok(!('dropReason' in e0), 'undefined fields are omitted');
  const e2 = o.events[2];
  assert.equal(e2.dropReason, 'NO_SOCKET');
  assert.equal(e2.dropReasonCode, 3);
  assert.equal(e2.location, 'ping_rcv+0x5a');
  assert.equal(e2.deltaNs, 79209);
});

test('json: event line has every defined field, and the trace keys when given', () => {
  const full = ev({
    ifname: 'eth0',
    tuple: { ipVersion: 6, proto: 6, saddr: '::1', daddr: '::1', sport: 1, dport: 2 },
    tcpFlags: 0x12,
    icmpType: 8,
    icmpCode: 0,
    dropReason: 'X',
    dropReasonCode: 2,
    location: 'f+0x1',
    rc: 0,
    detail: 'ret=5',
    fields: { 'skb->mark': 7, ptr: 0xffff888000000000n, dev: 'lo' },
    custom: 'c "q"\n',
    deltaNs: 12n,
  });
  const o = JSON.parse(formatEventJson(full));
  assert.equal(o.v, 1);
  assert.equal(o.type, 'event');
  const keys = Object.keys(full).filter((k) => k !== 'wallMs');
  for (const k of keys) assert.ok(k in o, `missing ${k}`);
  assert.equal(o.time, '2024-01-02T03:04:05.678Z');
  assert.deepEqual(o.fields, { 'skb->mark': 7, ptr: '18446612682070032384', dev: 'lo' });
  assert.equal(o.custom, 'c "q"\n');
  assert.equal(o.tcpFlags, 0x12);
  assert.ok(!('end' in o));

  const t = fixedTrace({ parentId: 0x29n });
  const o2 = JSON.parse(formatEventJson(t.events[2], t));
  assert.equal(o2.end, 'dropped');
  assert.equal(o2.parentId, '0x29');
  assert.deepEqual(o2.traceTuple, ICMP4);
});

test('json: ts is written with its exact digits past 2^53', () => {
  const line = formatEventJson(ev({ ts: 9007199254740993n }));
  assert.match(line, /"ts":9007199254740993,/);
});
