import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ManifestError,
  checkManifest,
  loadManifest,
  parseManifest,
  writeManifest,
} from '../../src/ipftrace/manifest';

const GOOD = `# generic
functions:
  - name: ip_rcv
    skb_pos: 1

  - name: ip_local_out
    skb_pos: 3

  - name: kfree_skb
    skb_pos: 1
    egress: true
  - name: udp_tunnel_xmit_skb
    skb_pos: 6
`;

test('parseManifest: a good manifest, skb_pos > 4 accepted', () => {
  assert.deepEqual(parseManifest(GOOD, 'x.yaml'), {
    functions: [
      { name: 'ip_rcv', skbPos: 1, egress: false },
      { name: 'ip_local_out', skbPos: 3, egress: false },
      { name: 'kfree_skb', skbPos: 1, egress: true },
      { name: 'udp_tunnel_xmit_skb', skbPos: 6, egress: false },
    ],
  });
});

test('parseManifest: flow style, compiler-suffixed names, YAML 1.1 booleans as PyYAML read them', () => {
  const m = parseManifest(
    'functions: [{name: ip_finish_output2.isra.0, skb_pos: 3, egress: yes}, {name: x, skb_pos: 1, egress: off}]',
    'f.yaml',
  );
  assert.deepEqual(m.functions, [
    { name: 'ip_finish_output2.isra.0', skbPos: 3, egress: true },
    { name: 'x', skbPos: 1, egress: false },
  ]);
});

function rejects(text: string, message: string) {
  assert.throws(
    () => parseManifest(text, 'x.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof ManifestError, 'ManifestError');
      assert.equal(e.message, message);
      assert.equal(e.file, 'x.yaml');
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('parseManifest: YAML syntax errors name the line', () => {
  assert.throws(
    () => parseManifest('functions:\n  - name: ip_rcv\n    skb_pos: [1\n', 'x.yaml'),
    /^ManifestError: manifest x\.yaml: line \d+: YAML syntax error: .+$/,
  );
  const e = (() => {
    try {
      parseManifest('functions:\n  - name: a\n  skb_pos: 1\n   bad: : x\n', 'x.yaml');
    } catch (err) {
      return err as Error;
    }
    return undefined;
  })();
  assert.ok(e instanceof ManifestError);
  assert.match(e.message, /^manifest x\.yaml: line [34]: YAML syntax error: /);
  assert.ok(!e.message.includes('\n'));
  rejects(
    'functions:\n  - name: a\n    skb_pos: 1\n---\nfunctions: []\n',
    'manifest x.yaml: line 4: YAML syntax error: more than one YAML document (a "---" separator)',
  );
  // A duplicate key inside one entry is a YAML error too.
  assert.throws(
    () => parseManifest('functions:\n  - name: a\n    skb_pos: 1\n    skb_pos: 2\n', 'x.yaml'),
    /^ManifestError: manifest x\.yaml: line 4: YAML syntax error: Map keys must be unique/,
  );
});

test('parseManifest: structure errors', () => {
  const missing = 'no "functions" list (expected "functions:" followed by entries "- name: ..." / "skb_pos: N")';
  rejects('', `manifest x.yaml: ${missing}; the file is empty`);
  rejects('# nothing\n', `manifest x.yaml: ${missing}; the file is empty`);
  rejects('funcs:\n  - name: a\n', 'manifest x.yaml: unknown top-level key "funcs" (allowed: functions)');
  rejects('{}', `manifest x.yaml: ${missing}`);
  rejects('- name: a\n  skb_pos: 1\n', 'manifest x.yaml: top level must be a mapping with a "functions" list, got a list');
  rejects('hello', 'manifest x.yaml: top level must be a mapping with a "functions" list, got "hello"');
  rejects('functions:\n', 'manifest x.yaml: "functions" must be a list of entries, got nothing');
  rejects('functions: 3\n', 'manifest x.yaml: "functions" must be a list of entries, got 3');
  rejects(
    'functions:\n  all:\n    - name: a\n      skb_pos: 1\n',
    'manifest x.yaml: "functions" must be a list of entries, got a mapping (the old grouped form "functions: {group: [...]}" is not supported)',
  );
  rejects('functions: []\n', 'manifest x.yaml: "functions" list is empty');
});

test('parseManifest: entry errors name the entry', () => {
  rejects(
    'functions:\n  - ip_rcv\n',
    'manifest x.yaml: functions[0]: entry must be a mapping with "name" and "skb_pos", got "ip_rcv"',
  );
  rejects('functions:\n  - skb_pos: 1\n', 'manifest x.yaml: functions[0]: missing name');
  rejects('functions:\n  - name: 12\n    skb_pos: 1\n', 'manifest x.yaml: functions[0]: name must be a kernel function name, got 12');
  rejects(
    'functions:\n  - name: "ip rcv"\n    skb_pos: 1\n',
    'manifest x.yaml: functions[0]: name must be a kernel function name, got "ip rcv"',
  );
  rejects('functions:\n  - name: ip_rcv\n', 'manifest x.yaml: functions[0] (ip_rcv): missing skb_pos');
  const bad = (v: string, got: string) =>
    rejects(
      `functions:\n  - name: a\n    skb_pos: 1\n  - name: ip_rcv\n    skb_pos: ${v}\n  - name: b\n    skb_pos: 1\n`,
      `manifest x.yaml: functions[1] (ip_rcv): skb_pos must be an integer >= 1, got ${got}`,
    );
  bad('a', '"a"');
  bad('"1"', '"1"');
  bad('0', '0');
  bad('-1', '-1');
  bad('1.5', '1.5');
  bad('true', 'true');
  bad('~', 'nothing');
  bad('[1]', 'a list');
  rejects(
    'functions:\n  - name: ip_rcv\n    skb_pos: 1\n    egress: "yes please"\n',
    'manifest x.yaml: functions[0] (ip_rcv): egress must be true or false, got "yes please"',
  );
  rejects(
    'functions:\n  - name: ip_rcv\n    skb_pos: 1\n    args: [struct sk_buff *skb]\n',
    'manifest x.yaml: functions[0] (ip_rcv): unknown key "args" (allowed: name, skb_pos, egress)',
  );
  rejects(
    'functions:\n  - name: ip_rcv\n    skb_pos: 1\n  - name: ip_output\n    skb_pos: 3\n  - name: ip_rcv\n    skb_pos: 1\n',
    'manifest x.yaml: functions[2] (ip_rcv): duplicate name (first at functions[0])',
  );
});

test('loadManifest: reads a file; clear errors for missing files and directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipft-manifest-'));
  try {
    const p = join(dir, 'm.yaml');
    writeFileSync(p, GOOD);
    assert.equal(loadManifest(p).functions.length, 4);
    const missing = join(dir, 'nope.yaml');
    assert.throws(() => loadManifest(missing), (e: unknown) => {
      assert.ok(e instanceof ManifestError);
      assert.equal(e.message, `manifest ${missing}: file not found`);
      return true;
    });
    assert.throws(() => loadManifest(dir), new RegExp(`^ManifestError: manifest ${dir}: is a directory, not a file$`));
    writeFileSync(p, 'functions:\n  - name: a\n');
    assert.throws(() => loadManifest(p), new RegExp(`^ManifestError: manifest ${p}: functions\\[0\\] \\(a\\): missing skb_pos$`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeManifest: v1 layout, round trip', () => {
  const entries = [
    { name: 'ip_rcv', skbPos: 1 },
    { name: 'ip_output', skbPos: 3, egress: false },
    { name: 'kfree_skb', skbPos: 1, egress: true },
    { name: 'tcp_v4_do_rcv.cold', skbPos: 2 },
    { name: 'yes', skbPos: 9 },
  ];
  const text = writeManifest(entries);
  assert.equal(
    text,
    'functions:\n' +
      '  - name: ip_rcv\n    skb_pos: 1\n' +
      '  - name: ip_output\n    skb_pos: 3\n' +
      '  - name: kfree_skb\n    skb_pos: 1\n    egress: true\n' +
      '  - name: tcp_v4_do_rcv.cold\n    skb_pos: 2\n' +
      '  - name: "yes"\n    skb_pos: 9\n',
  );
  assert.deepEqual(
    parseManifest(text, 'gen.yaml').functions,
    entries.map((e) => ({ name: e.name, skbPos: e.skbPos, egress: e.egress ?? false })),
  );
});

test('writeManifest: refuses what parseManifest would reject', () => {
  assert.throws(() => writeManifest([]), /^ManifestError: manifest \(output\): no functions to write$/);
  assert.throws(() => writeManifest([{ name: 'a', skbPos: 0 }]), /skb_pos must be an integer >= 1, got 0/);
  assert.throws(() => writeManifest([{ name: 'a b', skbPos: 1 }]), /name must be a kernel function name, got "a b"/);
  assert.throws(
    () => writeManifest([{ name: 'a', skbPos: 1 }, { name: 'a', skbPos: 1 }]),
    /^ManifestError: manifest \(output\): a: duplicate name$/,
  );
});

test('checkManifest: problems for unknown hooks and wrong positions', () => {
  const m = parseManifest(GOOD, 'x.yaml');
  const btf: Record<string, number> = { ip_rcv: 1, ip_local_out: 2, kfree_skb: 1 };
  const r = checkManifest(m, (name) => (name in btf ? { skbPos: btf[name] } : undefined));
  assert.deepEqual(
    r.ok.map((f) => f.name),
    ['ip_rcv', 'kfree_skb'],
  );
  assert.deepEqual(r.problems, [
    'ip_local_out: skb_pos 3 given, but BTF says the struct sk_buff * is argument 2',
    'udp_tunnel_xmit_skb: not a traceable hook on this kernel',
  ]);
  assert.equal(r.ok[1].egress, true);
});
