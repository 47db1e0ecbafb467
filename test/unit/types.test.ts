import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IpcType } from '../../src/ipcdump/event';
import { ALL_TYPES, IMPLEMENTED_TYPES, TYPE_NAMES, planTypes, resolveTypes, unsupportedTypeMessage } from '../../src/ipcdump/types';
import { UsageError } from '../../src/cli/errors';

test('default and all select every type, pipes included', () => {
  assert.deepEqual([...resolveTypes([])], [...ALL_TYPES]);
  assert.deepEqual([...resolveTypes(['all'])], [...ALL_TYPES]);
  assert.deepEqual([...resolveTypes(['a'])], [...ALL_TYPES]);
  assert.ok(resolveTypes([]).has('pipe'));
  assert.equal(ALL_TYPES.length, 8);
});

test('all combines with other types', () => {
  assert.deepEqual([...resolveTypes(['k', 'all'])], [...ALL_TYPES]);
  assert.deepEqual([...resolveTypes(['a', 'p'])], [...ALL_TYPES]);
});

test('every name and alias', () => {
  const expect: Record<string, string[]> = {
    k: ['signal'], signal: ['signal'],
    u: ['unix-stream', 'unix-dgram', 'unix-seqpacket'], unix: ['unix-stream', 'unix-dgram', 'unix-seqpacket'],
    us: ['unix-stream'], 'unix-stream': ['unix-stream'],
    ud: ['unix-dgram'], 'unix-dgram': ['unix-dgram'],
    usp: ['unix-seqpacket'], 'unix-seqpacket': ['unix-seqpacket'],
    t: ['pty'], pty: ['pty'],
    lo: ['loopback-tcp', 'loopback-udp'], loopback: ['loopback-tcp', 'loopback-udp'],
    lt: ['loopback-tcp'], 'loopback-tcp': ['loopback-tcp'],
    lu: ['loopback-udp'], 'loopback-udp': ['loopback-udp'],
    p: ['pipe'], pipe: ['pipe'],
  };
  for (const [name, types] of Object.entries(expect)) assert.deepEqual([...resolveTypes([name])], types, name);
  assert.equal(TYPE_NAMES.length * 2 - 2, Object.keys(expect).length); // all minus a|all
});

test('union in canonical order, duplicates collapse', () => {
  assert.deepEqual([...resolveTypes(['p', 'k', 'signal', 'lu', 'us'])], ['signal', 'unix-stream', 'loopback-udp', 'pipe']);
});

test('unknown names are usage errors (case-sensitive)', () => {
  for (const bad of ['kill', 'Signal', 'ALL', '', 'unix-stream-or-dgram']) {
    assert.throws(() => resolveTypes(['k', bad]), (e: unknown) => e instanceof UsageError && e.message.startsWith(`unrecognized type "${bad}" (valid: a|all, k|signal,`));
  }
});

test('implemented types', () => {
  assert.deepEqual([...IMPLEMENTED_TYPES].sort(), ['loopback-tcp', 'loopback-udp', 'pipe', 'pty', 'signal', 'unix-dgram', 'unix-seqpacket', 'unix-stream']);
});

test('planTypes: default/all silently limited to implemented types', () => {
  for (const names of [[], ['all'], ['a']]) {
    const p = planTypes(names);
    assert.deepEqual([...p.enabled], ['signal', 'unix-stream', 'unix-dgram', 'unix-seqpacket', 'pty', 'loopback-tcp', 'loopback-udp', 'pipe']);
    assert.deepEqual(p.unsupported, []);
    assert.equal(p.requested.size, 8);
  }
});

test('planTypes: explicitly requested unimplemented types are reported', () => {
  // every type is implemented in this build; a build with fewer collectors behaves like this:
  const partial = new Set<IpcType>(['signal', 'pipe']);
  assert.deepEqual(planTypes(['lu'], partial).unsupported, ['loopback-udp']);
  assert.deepEqual(planTypes(['k', 'lo'], partial).unsupported, ['loopback-tcp', 'loopback-udp']);
  assert.deepEqual([...planTypes(['k', 'lo'], partial).enabled], ['signal']);
  assert.deepEqual(planTypes(['all', 'lt'], partial).unsupported, ['loopback-tcp']);
  assert.deepEqual(planTypes(['all'], partial).unsupported, []);
  assert.deepEqual(planTypes(['k', 'p']), { requested: new Set(['signal', 'pipe']), enabled: new Set(['signal', 'pipe']), unsupported: [] });
  assert.deepEqual(planTypes(['u', 'lo', 't']).unsupported, []);
  assert.deepEqual(planTypes(['u'], new Set<IpcType>(['unix-stream', 'unix-dgram', 'unix-seqpacket'])).unsupported, []);
});

test('unsupportedTypeMessage', () => {
  assert.equal(unsupportedTypeMessage(['unix-stream']), 'type unix-stream is not available yet in this version');
  assert.equal(unsupportedTypeMessage(['loopback-tcp', 'loopback-udp']), 'types loopback-tcp, loopback-udp are not available yet in this version');
});
