import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  fallbackProtocolTable,
  parseProtocol,
  protocolLabel,
  protocolTableFromText,
} from '../../src/ipftrace/protocols';
import { KernelSymbols } from '../../src/ipftrace/kallsyms';

// ---- protocols ----

test('parseProtocol: names and aliases in any case, numbers', () => {
  assert.equal(parseProtocol('icmp'), 1);
  assert.equal(parseProtocol('ICMP'), 1);
  assert.equal(parseProtocol('Icmp'), 1);
  assert.equal(parseProtocol('tcp'), 6);
  assert.equal(parseProtocol('TCP'), 6);
  assert.equal(parseProtocol('udp'), 17);
  assert.equal(parseProtocol('ipv6-icmp'), 58);
  assert.equal(parseProtocol('IPv6-ICMP'), 58);
  assert.equal(parseProtocol('IPSEC-ESP'), 50);
  assert.equal(parseProtocol('esp'), 50);
  assert.equal(parseProtocol('0'), 0);
  assert.equal(parseProtocol('132'), 132);
  assert.equal(parseProtocol('255'), 255);
  assert.equal(parseProtocol(' 6 '), 6);
});

test('parseProtocol: bad input gives one clear line', () => {
  const unknown = (s: string) =>
    assert.throws(() => parseProtocol(s), {
      message: `unknown protocol '${s}' (see /etc/protocols; e.g. TCP, UDP, ICMP, IPv6-ICMP)`,
    });
  unknown('foo');
  unknown('');
  unknown('-1');
  unknown('0x6');
  unknown('tcp6');
  assert.throws(() => parseProtocol('256'), { message: 'protocol number 256 is out of range (0-255)' });
  assert.throws(() => parseProtocol('mptcp'), /unknown protocol 'mptcp'/); // 262 in netbase: not an IP protocol
});

test('protocolLabel: the /etc/protocols alias as v1 printed it, Unknown(n) otherwise', () => {
  assert.equal(protocolLabel(1), 'ICMP');
  assert.equal(protocolLabel(6), 'TCP');
  assert.equal(protocolLabel(17), 'UDP');
  assert.equal(protocolLabel(58), 'IPv6-ICMP');
  assert.equal(protocolLabel(253), 'Unknown(253)');
  assert.equal(protocolLabel(254), 'Unknown(254)');
});

test('protocol table from text: comments, later line wins the label, entries without alias', () => {
  const t = protocolTableFromText(
    [
      '# comment',
      'ip\t0\tIP\t\t# internet protocol',
      'hopopt\t0\tHOPOPT\t\t# IPv6 Hop-by-Hop Option',
      'tcp\t6\tTCP\t\t# transmission control protocol',
      'manet\t138\t\t\t# MANET Protocols [RFC5498]',
      'mptcp\t262\tMPTCP\t\t# not an IP protocol',
      'garbage line',
      '',
    ].join('\n'),
    'test',
  );
  assert.equal(protocolLabel(0, t), 'HOPOPT');
  assert.equal(protocolLabel(6, t), 'TCP');
  assert.equal(protocolLabel(138, t), 'manet');
  assert.equal(parseProtocol('ip', t), 0);
  assert.equal(parseProtocol('HopOpt', t), 0);
  assert.equal(parseProtocol('MANET', t), 138);
  assert.throws(() => parseProtocol('mptcp', t), /unknown protocol/);
  assert.throws(() => parseProtocol('udp', t), /unknown protocol 'udp'/);
});

test('fallback table (no /etc/protocols) agrees with netbase for the common protocols', () => {
  const fb = fallbackProtocolTable();
  for (const [name, num, alias] of [
    ['icmp', 1, 'ICMP'],
    ['tcp', 6, 'TCP'],
    ['udp', 17, 'UDP'],
    ['ipv6-icmp', 58, 'IPv6-ICMP'],
    ['sctp', 132, 'SCTP'],
  ] as const) {
    assert.equal(parseProtocol(name, fb), num);
    assert.equal(parseProtocol(alias, fb), num);
    assert.equal(protocolLabel(num, fb), alias);
  }
  assert.equal(protocolLabel(0, fb), 'HOPOPT');
  if (existsSync('/etc/protocols')) {
    const sys = protocolTableFromText(readFileSync('/etc/protocols', 'utf8'));
    for (const [num, label] of fb.label) assert.equal(sys.label.get(num), label, `protocol ${num}`);
  }
});

// ---- kallsyms ----

const SAMPLE = [
  'ffffffff81000000 T _stext',
  'ffffffff81000000 T _text',
  'ffffffff81000010 t early_fn',
  'ffffffff82055250 T __pfx_ip_rcv',
  'ffffffff82055260 T ip_rcv',
  'ffffffff82055400 D some_data',
  'ffffffff82055500 T ip_rcv_finish',
  'ffffffffc0201000 t mod_fn\t[nf_tables]',
  '',
].join('\n');

test('KernelSymbols: resolve, exact lookup with the IBT retry, modules', () => {
  const k = KernelSymbols.fromText(SAMPLE);
  assert.ok(k.usable);
  assert.equal(k.size, 6); // the D symbol and the _text alias are not kept
  assert.equal(k.resolve(0xffffffff82055260n), 'ip_rcv');
  assert.equal(k.resolve(0xffffffff82055270n), 'ip_rcv+0x10');
  assert.equal(k.resolve(0xffffffff82055450n), 'ip_rcv+0x1f0'); // data symbols do not split text
  assert.equal(k.resolve(0xffffffff81000000n), '_stext');
  assert.equal(k.resolve(0xffffffff80000000n), '0xffffffff80000000');
  assert.equal(k.resolve(0xffffffffc0201004n), 'mod_fn+0x4');
  assert.deepEqual(k.symbolAt(0xffffffffc0201004n), { name: 'mod_fn', offset: 4n, module: 'nf_tables' });
  assert.deepEqual(k.symbolAt(0xffffffff82055260n), { name: 'ip_rcv', offset: 0n });
  assert.equal(k.resolve(0xffffffffc0201000n + 0x20000n), '0xffffffffc0221000'); // far past the last symbol
  assert.equal(k.lookupExact(0xffffffff82055260n), 'ip_rcv');
  assert.equal(k.lookupExact(0xffffffff82055264n), 'ip_rcv'); // IBT: entry ip = symbol + 4
  assert.equal(k.lookupExact(0xffffffff82055268n), undefined);
  assert.equal(k.addressOf('ip_rcv_finish'), 0xffffffff82055500n);
  assert.equal(k.addressOf('nope'), undefined);
});

test('KernelSymbols: zero addresses (not root) are unusable, resolve gives hex', () => {
  const k = KernelSymbols.fromText('0000000000000000 T _text\n0000000000000000 T ip_rcv\n');
  assert.equal(k.usable, false);
  assert.equal(k.resolve(0xffffffff82055260n), '0xffffffff82055260');
  assert.equal(k.lookupExact(0n), undefined);
  assert.equal(KernelSymbols.fromText('').usable, false);
});

test('KernelSymbols: live /proc/kallsyms round trip', (t) => {
  const k = KernelSymbols.shared();
  if (!k.usable) {
    t.skip('/proc/kallsyms shows no addresses (not root, or kptr_restrict)');
    return;
  }
  assert.ok(k.size > 1000, `only ${k.size} text symbols`);
  let name = 'ip_rcv';
  let addr = k.addressOf(name);
  if (addr === undefined) {
    const line = readFileSync('/proc/kallsyms', 'utf8').split('\n').find((l) => / T [a-z_]+$/.test(l));
    assert.ok(line, 'no T symbol');
    name = line.split(' ')[2];
    addr = k.addressOf(name);
  }
  assert.ok(addr !== undefined);
  // The first name kept at this address (aliases share addresses).
  const atAddr = k.resolve(addr);
  assert.ok(!atAddr.includes('+'), atAddr);
  if (name === 'ip_rcv') assert.equal(atAddr, 'ip_rcv');
  assert.equal(k.resolve(addr + 0x10n), `${atAddr}+0x10`);
  assert.equal(k.lookupExact(addr), atAddr);
  assert.equal(KernelSymbols.shared(), k, 'loaded once');
});
