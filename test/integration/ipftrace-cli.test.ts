/**
 * The `ipftrace` command as a user runs it, against the live kernel (tracepoint backend on our
 * machines): real ping, TCP and UDP to closed ports on loopback, a veth pair between two network
 * namespaces the test creates, each filter, -l, manifests (egress, broken ones), custom data,
 * clear errors, and nothing left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { IpcdumpProcess, ROOT } from '../helpers/ipcdump-process';
import { closedPort, sleep, tmpDir } from '../helpers/workloads';
import { scaled } from '../helpers/slow';
import { kernelHasBtfTracepoint } from '../../src/runtime/capabilities';
import { probeFunctionBackend } from '../../src/ipftrace/plan';
import { CONSUME_LOCATION, CONSUME_LOCATION_TP, DROP_REASONS, ICMP_SEND, ICMP_SEND_TP, KPROBES, RESET_WITHOUT_SOCKET, RESET_WITHOUT_SOCKET_TP } from '../helpers/kernel';

/** Kernels with kprobes (stock ones, under ../shared/vmtest) also get the function backend. */
const FUNCTIONS_WORK = probeFunctionBackend().via !== undefined;

const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'ipftrace.js');
const READY = /^Trace ready!$/m;
const PY = '/usr/bin/python3';

interface JEvent {
  hook: string;
  ifname?: string;
  netns: number;
  len: number;
  tuple?: { ipVersion: number; proto: number; saddr: string; daddr: string; sport: number; dport: number };
  icmpType?: number;
  tcpFlags?: number;
  dropReason?: string;
  location?: string;
  rc?: number;
  custom?: string;
  deltaNs: number;
}
interface JTrace {
  id: string;
  end: string;
  parentId?: string;
  continuation?: number;
  tuple?: JEvent['tuple'];
  events: JEvent[];
}

/**
 * The tests pin the tracepoint backend, which every kernel has, so they expect the same hops
 * everywhere (on a stock kernel the default would add kernel functions); the test "auto
 * backend" checks the choice itself. Where an older kernel's tracepoints lack a hop or field,
 * kprobe stand-ins fill it with any backend when kprobes work (helpers/kernel.ts).
 */
const withBackend = (args: string[]) => (args.includes('--backend') ? args : ['--backend', 'tracepoint', ...args]);

async function start(args: string[]): Promise<IpcdumpProcess> {
  const p = new IpcdumpProcess(withBackend(args), { cli: CLI, readyPattern: READY });
  try {
    await p.ready(30000);
  } catch (err) {
    await p.stop('SIGKILL');
    throw err;
  }
  return p;
}

/** Stop (SIGINT flushes open packets) and parse the JSON traces. */
async function stopJson(p: IpcdumpProcess): Promise<JTrace[]> {
  const exit = await p.stop('SIGINT');
  assert.equal(exit.code, 0, p.stderr);
  return p.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JTrace);
}

function run(args: string[], opts: { input?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...withBackend(args)], { encoding: 'utf8', timeout: scaled(60000), input: opts.input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function py(code: string): void {
  execFileSync(PY, ['-c', code], { stdio: 'ignore', timeout: scaled(10000) });
}


const hooks = (t: JTrace) => t.events.map((e) => e.hook);

/** `want` appears in `seq` in this order (other hops may be in between). */
function inOrder(seq: string[], want: string[]): boolean {
  let i = 0;
  for (const s of seq) if (s === want[i]) i++;
  return i === want.length;
}

const DEVICE_STEPS = ['net_dev_queue', 'net_dev_start_xmit', 'netif_rx', 'net_dev_xmit', 'netif_receive_skb'];

test('ping -c1 127.0.0.1 with -p ICMP: request and reply journeys in the original layout', { timeout: scaled(60000) }, async () => {
  const p = await start(['-p', 'ICMP', '-s', '127.0.0.1']);
  execFileSync('ping', ['-c1', '-W2', '127.0.0.1'], { stdio: 'ignore' });
  await p.waitUntil(() => (p.stdout.match(/^ICMP\t127\.0\.0\.1\t->\t127\.0\.0\.1$/gm) ?? []).length >= 2, 15000, 'two ICMP journeys');
  await p.stop('SIGINT');
  const blocks = p.stdout.split('\n\n').filter((b) => b.startsWith('ICMP\t'));
  assert.ok(blocks.length >= 2, p.stdout);
  for (const b of blocks.slice(0, 2)) {
    const lines = b.split('\n');
    assert.equal(lines[0], 'ICMP\t127.0.0.1\t->\t127.0.0.1');
    // tabulate "plain": right-aligned timestamp header, two spaces between columns
    assert.match(lines[1], /^ {2,}Time Stamp {2}Function {2,}Custom Data$/); // right-aligned to the widest timestamp
    // rows are right-aligned on the timestamp: short timestamps (a young machine) get leading spaces
    const fns = lines.slice(2).filter((l) => /^ *\d+ /.test(l)).map((l) => l.trimStart().split(/ {2,}/)[1]);
    assert.ok(inOrder(fns, DEVICE_STEPS), `device steps in order: ${fns.join(' ')}`);
    assert.match(b, /net_dev_queue +dev: lo/);
  }
  assert.match(p.stderr, /backend: tracepoints/);
  assert.match(p.stderr, /^Loading module "Default"$/m);
  for (const l of p.stderr.split('\n').filter((x) => /^ipftrace: this kernel: /.test(x))) assert.match(l, /; (stand-in: kprobe on \S|remains: )/, l);
});

test('ping -c1 127.0.0.1 as JSON: echo request consumed by icmp_rcv, reply reaches the socket', { timeout: scaled(60000) }, async () => {
  const p = await start(['-p', 'icmp', '-d', '127.0.0.1', '--format', 'json']);
  execFileSync('ping', ['-c1', '-W2', '127.0.0.1'], { stdio: 'ignore' });
  await sleep(1500);
  const traces = await stopJson(p);
  const req = traces.find((t) => t.events.some((e) => e.icmpType === 8) && hooks(t).includes('net_dev_queue'));
  const rep = traces.find((t) => t.events.some((e) => e.icmpType === 0) && hooks(t).includes('net_dev_queue'));
  assert.ok(req && rep, JSON.stringify(traces.map((t) => [t.end, hooks(t)])));
  assert.ok(inOrder(hooks(req), [...DEVICE_STEPS, 'consume_skb']), hooks(req).join(' '));
  assert.equal(req.end, 'consumed');
  if (CONSUME_LOCATION) assert.match(req.events.at(-1)!.location ?? '', /^icmp_rcv\+0x/);
  else assert.equal(req.events.at(-1)!.location, undefined);
  assert.equal(hooks(req).filter((h) => h === 'consume_skb').length, 1, `one consume_skb hop: ${hooks(req).join(' ')}`);
  assert.ok(inOrder(hooks(rep), DEVICE_STEPS), hooks(rep).join(' '));
  if (kernelHasBtfTracepoint('sk_data_ready')) {
    assert.ok(hooks(rep).includes('sk_data_ready'), `reply delivered to the raw socket: ${hooks(rep).join(' ')}`);
  }
  for (const e of req.events.filter((e) => e.hook === 'net_dev_queue')) {
    assert.equal(e.ifname, 'lo');
    assert.equal(e.len, 98); // 14 + 20 + 8 + 56
  }
  // per-hop latency: first 0, then the gap between consecutive hops
  assert.equal(req.events[0].deltaNs, 0);
  assert.ok(req.events.slice(1).every((e) => e.deltaNs >= 0) && req.events.slice(1).some((e) => e.deltaNs > 0));
});

test('TCP to a closed port: the SYN meets tcp_send_reset and is dropped with NO_SOCKET; the RST reaches the client', { timeout: scaled(60000) }, async () => {
  const port = await closedPort();
  const p = await start(['-p', 'TCP', '-d', '127.0.0.1', '--format', 'json']);
  py(`import socket\ns=socket.socket()\ntry: s.connect(('127.0.0.1',${port}))\nexcept ConnectionRefusedError: pass`);
  await sleep(1500);
  const traces = await stopJson(p);
  const syn = traces.find((t) => t.tuple?.dport === port);
  const rst = traces.find((t) => t.tuple?.sport === port);
  assert.ok(syn && rst, JSON.stringify(traces.map((t) => [t.tuple, hooks(t)])));
  const all = () => traces.map((t) => `${t.tuple?.sport}->${t.tuple?.dport} ${t.end}: ${hooks(t).join(' ')}`).join('\n');
  const synPath = RESET_WITHOUT_SOCKET ? [...DEVICE_STEPS, 'tcp_send_reset', 'kfree_skb'] : [...DEVICE_STEPS, 'kfree_skb'];
  assert.ok(inOrder(hooks(syn), synPath), `port ${port}:\n${all()}`);
  assert.equal(hooks(syn).filter((h) => h === 'tcp_send_reset').length, RESET_WITHOUT_SOCKET ? 1 : 0, `one tcp_send_reset hop:\n${all()}`);
  assert.equal(syn.end, 'dropped');
  const drop = syn.events.at(-1)!;
  assert.equal(drop.dropReason, DROP_REASONS ? 'NO_SOCKET' : undefined);
  assert.match(drop.location ?? '', /^tcp_v[46]_rcv\+0x/);
  assert.ok((syn.events[0].tcpFlags! & 0x02) !== 0, 'SYN flag');
  assert.ok((rst.events[0].tcpFlags! & 0x04) !== 0, 'RST flag');
  assert.ok(inOrder(hooks(rst), [...DEVICE_STEPS, 'tcp_receive_reset']), hooks(rst).join(' '));
});

test('ipftrace -p UDP -dp PORT during a send to a closed port names the drop reason (text)', { timeout: scaled(60000) }, async () => {
  const port = await closedPort();
  const p = await start(['-p', 'UDP', '-dp', String(port)]);
  py(`import socket\nsocket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', ${port}))`);
  await p.waitUntil(() => /kfree_skb/.test(p.stdout), 15000, 'the drop');
  await p.stop('SIGINT');
  const block = p.stdout.split('\n\n').find((b) => b.includes(`:${port}\n`))!;
  assert.ok(block, p.stdout);
  assert.match(block, new RegExp(`^UDP\\t127\\.0\\.0\\.1:\\d+\\t->\\t127\\.0\\.0\\.1:${port}\\n`));
  if (ICMP_SEND) assert.match(block, /icmp_send +dev: lo {2}type: 3 {2}code: 3/);
  else assert.doesNotMatch(block, /icmp_send/);
  assert.ok((block.match(/ icmp_send /g) ?? []).length <= 1, block);
  // (7.x inlines __udp4_lib_rcv into udp_rcv)
  assert.match(block, DROP_REASONS ? /kfree_skb +reason: NO_SOCKET {2}location: (__udp4_lib_rcv|udp_rcv)\+0x[0-9a-f]+/ : /kfree_skb +location: (__udp4_lib_rcv|udp_rcv)\+0x[0-9a-f]+/);
  const fns = block.split('\n').filter((l) => /^ *\d+ /.test(l)).map((l) => l.trimStart().split(/ {2,}/)[1]);
  assert.ok(inOrder(fns, [...DEVICE_STEPS, ...(ICMP_SEND ? ['icmp_send'] : []), 'kfree_skb']), fns.join(' '));
});

test('a packet is followed across a veth pair from one network namespace into another', { timeout: scaled(60000) }, async () => {
  const tag = `ipft${process.pid % 100000}`;
  const [na, nb, va, vb] = [`${tag}a`, `${tag}b`, `${tag}va`, `${tag}vb`];
  const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });
  const octet = 1 + (process.pid % 250);
  const [addrA, addrB] = [`10.231.${octet}.1`, `10.231.${octet}.2`];
  try {
    ip('netns', 'add', na);
    ip('netns', 'add', nb);
    ip('link', 'add', va, 'type', 'veth', 'peer', 'name', vb);
    ip('link', 'set', va, 'netns', na);
    ip('link', 'set', vb, 'netns', nb);
    ip('-n', na, 'addr', 'add', `${addrA}/24`, 'dev', va);
    ip('-n', nb, 'addr', 'add', `${addrB}/24`, 'dev', vb);
    ip('-n', na, 'link', 'set', va, 'up');
    ip('-n', nb, 'link', 'set', vb, 'up');
    const p = await start(['-d', addrB, '-p', 'ICMP', '--format', 'json']);
    execFileSync('ip', ['netns', 'exec', na, 'ping', '-c1', '-W2', addrB], { stdio: 'ignore' });
    await sleep(1500);
    const traces = await stopJson(p);
    const t = traces.find((x) => hooks(x).includes('netif_receive_skb') && x.events.some((e) => e.icmpType === 8));
    assert.ok(t, JSON.stringify(traces.map((x) => hooks(x))));
    const q = t.events.find((e) => e.hook === 'net_dev_queue')!;
    const r = t.events.find((e) => e.hook === 'netif_receive_skb')!;
    assert.equal(q.ifname, va);
    assert.equal(r.ifname, vb);
    assert.notEqual(q.netns, r.netns, 'the namespace changes at the veth boundary');
    assert.ok(inOrder(hooks(t), [...DEVICE_STEPS, 'consume_skb']), hooks(t).join(' '));
    assert.equal(t.end, 'consumed');
    assert.ok(t.events.every((e) => !e.tuple || (e.tuple.saddr === addrA && e.tuple.daddr === addrB)));
  } finally {
    spawnSync('ip', ['netns', 'del', na]);
    spawnSync('ip', ['netns', 'del', nb]);
  }
});

test('each filter selects only matching flows', { timeout: scaled(90000) }, async () => {
  const [p1, p2, s1, s2] = [await closedPort(), await closedPort(), await closedPort(), await closedPort()];
  const cases: Array<{ args: string[]; ok: (t: NonNullable<JTrace['tuple']>) => boolean }> = [
    { args: ['-p', 'UDP'], ok: (t) => t.proto === 17 },
    { args: ['-p', 'tcp', '-dp', String(p1)], ok: (t) => t.proto === 6 && t.dport === p1 },
    { args: ['-iv', '6', '-p', 'udp'], ok: (t) => t.ipVersion === 6 && t.proto === 17 },
    { args: ['-d', '127.0.0.2'], ok: (t) => t.daddr === '127.0.0.2' },
    { args: ['-s', '::1', '-dp', String(p2)], ok: (t) => t.saddr === '::1' && t.dport === p2 },
    { args: ['-sp', String(s1)], ok: (t) => t.sport === s1 && (t.proto === 6 || t.proto === 17) },
    { args: ['-dp', String(p2), '-p', 'UDP', '-iv', '4'], ok: (t) => t.dport === p2 && t.proto === 17 && t.ipVersion === 4 },
  ];
  const procs: IpcdumpProcess[] = [];
  try {
    for (const c of cases) procs.push(await start([...c.args, '--format', 'json']));
    py(`
import socket
def udp(fam, src, dst):
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind(src); s.sendto(b'x', dst); s.close()
udp(socket.AF_INET, ('127.0.0.1', ${s1}), ('127.0.0.1', ${p1}))
udp(socket.AF_INET, ('127.0.0.1', ${s2}), ('127.0.0.2', ${p2}))
udp(socket.AF_INET6, ('::1', ${s1}), ('::1', ${p2}))
s = socket.socket()
try: s.connect(('127.0.0.1', ${p1}))
except ConnectionRefusedError: pass
`);
    execFileSync('ping', ['-c1', '-W2', '127.0.0.2'], { stdio: 'ignore' });
    await sleep(1500);
    for (let i = 0; i < cases.length; i++) {
      const traces = (await stopJson(procs[i])).filter((t) => t.continuation === undefined && !t.parentId);
      const mine = traces.filter((t) => t.tuple);
      assert.ok(mine.length > 0, `${cases[i].args.join(' ')}: no packet traced`);
      for (const t of mine) assert.ok(cases[i].ok(t.tuple!), `${cases[i].args.join(' ')} let through ${JSON.stringify(t.tuple)}`);
    }
  } finally {
    for (const p of procs) await p.stop('SIGKILL');
  }
});

test('-l N cuts a list after N hops and the rest follows as a continuation', { timeout: scaled(60000) }, async () => {
  const p = await start(['-p', 'ICMP', '-d', '127.0.0.1', '-l', '3', '--format', 'json']);
  execFileSync('ping', ['-c1', '-W2', '127.0.0.1'], { stdio: 'ignore' });
  await sleep(1500);
  const traces = await stopJson(p);
  const first = traces.find((t) => t.events[0].hook === 'net_dev_queue' && t.events.some((e) => e.icmpType === 8))!;
  assert.ok(first, JSON.stringify(traces));
  assert.equal(first.events.length, 3);
  assert.equal(first.end, 'length');
  const cont = traces.find((t) => t.id === first.id && t.continuation === 1);
  assert.ok(cont, 'continuation printed');
  assert.deepEqual(hooks(cont).slice(0, 2), ['netif_rx', 'net_dev_xmit']);

  // text: the v1 layout plus a note line
  const q = await start(['-p', 'ICMP', '-d', '127.0.0.1', '-l', '2']);
  execFileSync('ping', ['-c1', '-W2', '127.0.0.1'], { stdio: 'ignore' });
  await q.waitUntil(() => /\(continued/.test(q.stdout), 10000, 'a cut list');
  await q.stop();
});

test('a manifest is an allow-list whose egress entry ends a list; -ls shows what it selects', { timeout: scaled(60000) }, async () => {
  const dir = tmpDir('ipftrace-manifest-');
  const file = path.join(dir, 'm.yaml');
  fs.writeFileSync(
    file,
    'functions:\n  - name: net_dev_queue\n    skb_pos: 1\n  - name: netif_receive_skb\n    skb_pos: 1\n    egress: true\n  - name: consume_skb\n    skb_pos: 1\n  - name: ip_rcv\n    skb_pos: 1\n',
  );
  const ls = run([file, '-ls']);
  assert.equal(ls.code, 0, ls.stderr);
  assert.deepEqual(
    ls.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' ')),
    ['tracepoint consume_skb 1', 'tracepoint net_dev_queue 1', 'tracepoint netif_receive_skb 1'],
  );
  const p = await start(['-p', 'ICMP', '-d', '127.0.0.1', '--format', 'json', file]);
  execFileSync('ping', ['-c1', '-W2', '127.0.0.1'], { stdio: 'ignore' });
  await sleep(1500);
  const traces = await stopJson(p);
  const req = traces.find((t) => t.events[0].hook === 'net_dev_queue' && t.events.some((e) => e.icmpType === 8))!;
  assert.ok(req, JSON.stringify(traces));
  assert.deepEqual(hooks(req), ['net_dev_queue', 'netif_receive_skb']);
  assert.equal(req.end, 'egress');
  assert.ok(traces.every((t) => hooks(t).every((h) => ['net_dev_queue', 'netif_receive_skb', 'consume_skb'].includes(h))));
  // ip_rcv cannot be traced without kprobes: reported, skipped (v1 skipped it silently)
  assert.match(p.stderr + ls.stderr, /ip_rcv/);
});

test('--gen-manifest writes a manifest of every hook that ipftrace accepts back', () => {
  const dir = tmpDir('ipftrace-gen-');
  const file = path.join(dir, 'all.yaml');
  const r = run(['--gen-manifest', file]);
  assert.equal(r.code, 0, r.stderr);
  const text = fs.readFileSync(file, 'utf8');
  assert.match(text, /^functions:\n/);
  assert.match(text, /- name: kfree_skb\n\s+skb_pos: 1\n/);
  assert.match(text, /- name: qdisc_dequeue\n\s+skb_pos: 4\n/);
  const ls = run([file, '-ls']);
  assert.equal(ls.code, 0, ls.stderr);
  assert.equal(ls.stdout.trim().split('\n').length - 1, (text.match(/- name:/g) ?? []).length);
});

test('broken manifests and bad flags give one clear line and a non-zero exit', () => {
  const dir = tmpDir('ipftrace-bad-');
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const cases: Array<[string[], number, RegExp]> = [
    [[write('syntax.yaml', 'functions:\n  - name: [oops\n')], 1, /^ipftrace: manifest .*syntax.yaml: .*line \d+/],
    [[write('pos.yaml', 'functions:\n  - name: kfree_skb\n    skb_pos: 2\n')], 1, /^ipftrace: manifest .*pos.yaml: kfree_skb: skb_pos 2 given, but BTF says .* argument 1/],
    [[write('none.yaml', 'functions:\n  - name: no_such_function_xyz\n    skb_pos: 1\n')], 1, /^ipftrace: manifest .*none.yaml: none of its 1 entries can be traced/],
    [[write('keys.yaml', 'functions:\n  - name: kfree_skb\n    skb_pos: 1\n    egres: true\n')], 1, /^ipftrace: manifest .*keys.yaml: .*egres/],
    [[path.join(dir, 'missing.yaml')], 1, /^ipftrace: manifest .*missing.yaml: file not found$/],
    [['-p', 'FOO'], 2, /^ipftrace: invalid value for -p: unknown protocol 'FOO'/],
    [['-iv', '5'], 2, /^ipftrace: invalid value "5" for -iv: choose from 4, 6$/],
    [['-dp', '70000'], 2, /^ipftrace: invalid value "70000" for -dp/],
    [['-s', '1.2.3'], 2, /^ipftrace: invalid address for -s: "1.2.3"/],
    [['-s', '::1', '-iv', '4'], 2, /^ipftrace: -s ::1 is an IPv6 address, but the filter selects IPv4$/],
    [['--bogus'], 2, /^ipftrace: no such option: --bogus/],
    [['--gen-manifest', path.join(dir, 'no/such/dir/m.yaml')], 1, /^ipftrace: cannot write the manifest to .*m\.yaml: ENOENT$/],
    [['-m', 'nosuch'], 1, /^ipftrace: module "nosuch": no such built-in module/],
    [['-f', 'skb->nosuch'], 1, /^ipftrace: field "skb->nosuch": struct sk_buff has no member "nosuch"/],
    [['-r', '^zzz_nothing'], 1, /^ipftrace: no hook matches -r \^zzz_nothing/],
  ];
  if (!FUNCTIONS_WORK) cases.push([['--backend', 'function'], 1, /^ipftrace: the function backend needs kprobes/]);
  for (const [args, code, re] of cases) {
    const r = run(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l && !/^Loading module/.test(l));
    assert.equal(lines.length, 1, `${args.join(' ')}: one line expected, got:\n${r.stderr}`);
    assert.match(lines[0], re, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('custom data: the gso module and BTF fields (skb->mark set with SO_MARK)', { timeout: scaled(60000) }, async () => {
  const port = await closedPort();
  const p = await start(['-p', 'UDP', '-dp', String(port), '-m', 'gso']);
  const q = await start(['-p', 'UDP', '-dp', String(port), '-f', 'skb->mark:x', '-f', 'skb->dev->mtu', '--format', 'json']);
  py(`import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0x2a)\ns.sendto(b'hello', ('127.0.0.1', ${port}))`);
  await sleep(1500);
  await p.stop();
  assert.match(p.stdout, /net_dev_queue +dev: lo {2}len: 47 {2}gso_size: 0 {2}gso_segs: \d+ {2}gso_type: 0/); // 14+20+8+5
  assert.match(p.stderr, /^Loading module "gso"$/m);
  const traces = await stopJson(q);
  const t = traces.find((x) => x.tuple?.dport === port)!;
  assert.ok(t);
  const ev = t.events.find((e) => e.hook === 'net_dev_queue')!;
  assert.match(ev.custom ?? '', /skb->mark: 0x2a {2}skb->dev->mtu: 65536/);
});

test('-ls lists every skb tracepoint with its position; --doctor explains the backend', () => {
  const r = run(['-ls']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^KIND +NAME +SKB_POS +NOTE$/m);
  assert.match(r.stdout, /^tracepoint +kfree_skb +1 +ends a packet: dropped/m);
  assert.match(r.stdout, /^tracepoint +qdisc_dequeue +4/m);
  if (kernelHasBtfTracepoint('sk_data_ready')) assert.match(r.stdout, /^socket +sk_data_ready +1 \(sock\)/m);
  const d = run(['--doctor', '--backend', 'auto']);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /backend: (tracepoints|kernel functions)/);
  assert.match(d.stdout, /kprobe/);
  // Each gap of this kernel's tracepoints names the kprobe stand-in serving it, or why it remains.
  const gaps = d.stdout.split('\n').filter((l) => /^ {2}this kernel: /.test(l));
  for (const l of gaps) assert.match(l, /; (stand-in: kprobe on \S|remains: )/, l);
  const gap = (re: RegExp) => gaps.find((l) => re.test(l));
  const expect = (present: boolean, re: RegExp, fn: string) => {
    if (!present) return assert.equal(gap(re), undefined, `no gap ${re}`);
    assert.ok(gap(re), `gap ${re} reported:\n${d.stdout}`);
    if (KPROBES) assert.match(gap(re)!, new RegExp(`; stand-in: kprobe on ${fn}\\b`));
    else assert.match(gap(re)!, /; remains: kprobes unavailable/);
  };
  expect(!CONSUME_LOCATION_TP, /consume_skb carries no location/, 'consume_skb');
  expect(!ICMP_SEND_TP, /no icmp_send tracepoint/, '__icmp_send');
  expect(!RESET_WITHOUT_SOCKET_TP, /tcp_send_reset fires only/, 'tcp_v4_send_reset');
  if (!DROP_REASONS) assert.match(gap(/kfree_skb carries no drop reason/) ?? '', /; remains: no stand-in/);
  if (ICMP_SEND && !ICMP_SEND_TP) assert.match(r.stdout, /^tracepoint +icmp_send +1 +kprobe stand-in on __icmp_send$/m);
});

test('nothing is left attached after SIGKILL', { timeout: scaled(60000) }, async () => {
  const p = await start(['-p', 'ICMP']);
  const progs = () => execFileSync('bpftool', ['prog', 'show'], { encoding: 'utf8' });
  assert.match(progs(), /tp_slot_\d+/);
  await p.stop('SIGKILL');
  for (let i = 0; i < 50 && /tp_slot_\d+/.test(progs()); i++) await sleep(100);
  assert.doesNotMatch(progs(), /tp_slot_\d+/);
});

test('IPv6: ports behind hop-by-hop and destination options headers; ICMPv6 echo and port unreachable', { timeout: scaled(60000) }, async () => {
  const port = await closedPort();
  const p = await start(['-iv', '6', '--format', 'json']);
  // PadN-only option headers: the kernel adds them in front of the UDP header
  py(`import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
s.sendto(b'x', ('::1', ${port}))`);
  execFileSync('ping', ['-6', '-c1', '-W2', '::1'], { stdio: 'ignore' });
  await sleep(1500);
  const traces = await stopJson(p);
  const udp = traces.find((t) => t.tuple?.proto === 17 && t.tuple.dport === port);
  assert.ok(udp, JSON.stringify(traces.map((t) => t.tuple)));
  assert.equal(udp.tuple!.saddr, '::1');
  assert.equal(udp.end, 'dropped');
  assert.equal(udp.events.at(-1)!.dropReason, DROP_REASONS ? 'NO_SOCKET' : undefined);
  const icmp6 = (type: number) => traces.find((t) => t.tuple?.proto === 58 && t.events.some((e) => e.icmpType === type));
  assert.ok(icmp6(1), 'port unreachable sent back');
  assert.ok(icmp6(128) && icmp6(129), 'echo request and reply');
  assert.ok(inOrder(hooks(icmp6(128)!), DEVICE_STEPS));
});

test('--help and --version', () => {
  const h = run(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: ipftrace \[OPTIONS\] \[MANIFEST\]\n/);
  for (const flag of ['-iv, --ipversion', '-sp, --sport', '-dp, --dport', '-ls, --list-func', '--gen-manifest', '--format FMT']) assert.ok(h.stdout.includes(flag), flag);
  const v = run(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^ipftrace \d+\.\d+\.\d+ \(/);
});

test('auto backend: kernel functions where kprobes work, else tracepoints, and the start-up line says why', { timeout: scaled(120000) }, async () => {
  const p = await start(['--backend', 'auto', '-p', 'ICMP', '-d', '127.0.0.1', '--format', 'json']);
  execFileSync('ping', ['-c1', '-W2', '127.0.0.1'], { stdio: 'ignore' });
  await sleep(2000);
  const traces = await stopJson(p);
  const req = traces.find((t) => t.events.some((e) => e.icmpType === 8) && hooks(t).includes('net_dev_queue'));
  assert.ok(req, JSON.stringify(traces.map((t) => hooks(t))));
  if (FUNCTIONS_WORK) {
    assert.match(p.stderr, /backend: kernel functions via kprobe(\.multi)? \(\d+ functions\) \+ \d+ tracepoints/);
    assert.ok(inOrder(hooks(req), ['ip_output', 'net_dev_queue', 'net_dev_start_xmit', 'ip_rcv', 'icmp_rcv', 'consume_skb']), hooks(req).join(' '));
  } else {
    assert.match(p.stderr, /backend: tracepoints \(\d+ hooks; function hooks unavailable: kprobe\.multi: .*; kprobe: .*\)/);
    assert.ok(inOrder(hooks(req), [...DEVICE_STEPS, 'consume_skb']), hooks(req).join(' '));
  }
});
