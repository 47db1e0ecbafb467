/**
 * loopback-tcp and loopback-udp against the live kernel: a server and a client in different
 * processes over 127.0.0.1 and ::1; ports, service names, both pids and comms, and bytes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { startIpcdump, ROOT, type IpcdumpProcess, type JsonRecord, retryOnReportedSkips } from '../helpers/ipcdump-process';
import { cHelper, sh } from '../helpers/workloads';

const PY = '/usr/bin/python3';
const WORKLOAD = path.join(ROOT, 'test', 'helpers', 'loopback_workload.py');
let tracer: IpcdumpProcess;

before(async () => {
  tracer = await startIpcdump(['-t', 'lo', '-x', '-f', 'json']);
});

after(async () => {
  await tracer.stop();
});

const bytesOf = (r: JsonRecord) => Buffer.from(r.bytes ?? '', 'base64').toString();

// The original's test ports and their /etc/services names.
const CASES = [
  { proto: 'tcp', ver: '4', port: 14141, serv: '14141/tcp' },
  { proto: 'tcp', ver: '6', port: 5666, serv: 'nrpe' },
  { proto: 'udp', ver: '4', port: 5555, serv: 'rplay' },
  { proto: 'udp', ver: '6', port: 39393, serv: '39393/udp' },
];

for (const c of CASES) {
  test(`loopback-${c.proto} over IPv${c.ver} to port ${c.port}: both ends, ports, service, bytes`, () => retryOnReportedSkips(tracer, async () => {
    const run = await sh(`exec ${PY} ${WORKLOAD} ${c.proto} ${c.ver} ${c.port}`);
    assert.equal(run.code, 0, run.stderr);
    const want = `${c.proto}${c.ver}-hello`;
    assert.equal(run.stdout.trim(), want);
    const rec = await tracer.waitForRecord(
      (r) => r.type === `loopback-${c.proto}` && r.dst_pid === run.pids.RECEIVER && bytesOf(r) === want,
      10000,
      `the ${want} event`,
    );
    assert.equal(rec.src_pid, run.pids.SENDER);
    assert.equal(rec.src_comm, 'python3');
    assert.equal(rec.dst_comm, 'python3');
    assert.equal(rec.meta?.src_port, run.pids.SPORT);
    assert.equal(rec.meta?.src_serv, `${run.pids.SPORT}/${c.proto}`);
    assert.equal(rec.meta?.dst_port, c.port);
    assert.equal(rec.meta?.dst_serv, c.serv);
    assert.ok(Number(rec.meta?.dst_inode) > 0);
    assert.equal(rec.meta?.count, want.length);
  }));
}

// With the opt-in function hooks (IPCDUMP_HOOKS=function) the server's receive, already
// waiting when ipcdump attaches, returns past the fexit hook: a documented limit of that mode.
const fexitMissesWaitingRecv = process.env.IPCDUMP_HOOKS === 'function' ? 'function hooks: a receive already waiting when tracing starts ends unseen' : false;

test('a TCP connection opened before ipcdump started is attributed', { todo: fexitMissesWaitingRecv }, async () => {
  const py = `import socket, os, sys
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(("127.0.0.1", 14142)); srv.listen(1)
c = socket.socket(); c.connect(("127.0.0.1", 14142)); conn, _ = srv.accept()
pid = os.fork()
if pid == 0:
    sys.stdin.readline(); c.send(b"late-data"); os._exit(0)
print(pid, flush=True)
print(conn.recv(100).decode(), flush=True)
os.waitpid(pid, 0)`;
  const proc = spawn(PY, ['-c', py], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  await new Promise<void>((resolve) => proc.stdout!.once('data', () => resolve()));
  const sender = Number(out.trim().split('\n')[0]);
  const late = await startIpcdump(['-t', 'lt', '-x', '-f', 'json', '-d', String(proc.pid)]);
  try {
    proc.stdin!.end('go\n');
    const rec = await late.waitForRecord((r) => r.type === 'loopback-tcp' && bytesOf(r) === 'late-data', 10000, 'the late send');
    assert.equal(rec.src_pid, sender);
    assert.equal(rec.dst_pid, proc.pid);
    assert.equal(rec.meta?.dst_port, 14142);
  } finally {
    await late.stop();
    proc.kill('SIGKILL');
  }
});

// Two connections between the same two addresses: each read must take the bytes of its own
// connection's writer. The flow key's hash once left out the ports (bpf/loopback.h), so both
// connections shared one queue and b's read was pinned on a's write.
test('two TCP connections between the same addresses at once: each read names its own sender', () => retryOnReportedSkips(tracer, async () => {
  const run = await sh(`exec ${PY} ${path.join(ROOT, 'test', 'helpers', 'loopback_two_flows.py')} 14151`);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'two-flows-same-start-b\ntwo-flows-same-start-a\n');
  for (const [name, pid] of [['b', run.pids.B], ['a', run.pids.A]] as const) {
    const rec = await tracer.waitForRecord(
      (r) => r.type === 'loopback-tcp' && r.dst_pid === run.pids.SERVER && bytesOf(r) === `two-flows-same-start-${name}`,
      10000,
      `the read of client ${name}'s message`,
    );
    assert.deepEqual([rec.src_pid, rec.src_comm, rec.dst_comm, rec.meta?.src_port], [pid, `lo-client-${name}`, 'lo-server', name === 'a' ? 14152 : 14153]);
  }
}));

test('-t lu selects UDP only', async () => {
  const only = await startIpcdump(['-t', 'lu', '-f', 'json']);
  try {
    const t = await sh(`exec ${PY} ${WORKLOAD} tcp 4 14143`);
    const u = await sh(`exec ${PY} ${WORKLOAD} udp 4 14144`);
    await only.waitForRecord((r) => r.dst_pid === u.pids.RECEIVER, 10000, 'the udp event');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(only.records().every((r) => r.type === 'loopback-udp'));
    assert.equal(only.records().filter((r) => r.dst_pid === t.pids.RECEIVER).length, 0);
  } finally {
    await only.stop();
  }
});

test('sendmmsg and recvmmsg: one event per message, each with its bytes', async () => {
  for (const [kind, type] of [['udp', 'loopback-udp'], ['unix', 'unix-dgram']] as const) {
    const t = await startIpcdump(['-t', type, '-x', '-f', 'json']);
    try {
      const run = await sh(`exec ${cHelper('mmsg')} ${kind}`);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, 'mm-one\nmm-two\nmm-three\n');
      await t.waitUntil(() => t.records().filter((r) => r.dst_pid === run.pids.RECEIVER).length >= 3, 10000, `three ${type} events`);
      const recs = t.records().filter((r) => r.dst_pid === run.pids.RECEIVER);
      assert.deepEqual(recs.map(bytesOf), ['mm-one', 'mm-two', 'mm-three']);
      assert.ok(recs.every((r) => r.type === type && r.src_pid === run.pids.SENDER && r.src_comm === 'mmsg'));
    } finally {
      await t.stop();
    }
  }
});

test('loopback inside another network namespace is traced', async () => {
  const ns = `ipcdump-test-${process.pid}`;
  const created = await sh(`ip netns add ${ns} && ip -n ${ns} link set lo up`);
  assert.equal(created.code, 0, created.stderr);
  try {
    const run = await sh(`exec ip netns exec ${ns} ${PY} ${WORKLOAD} tcp 4 14145`);
    assert.equal(run.code, 0, run.stderr);
    const rec = await tracer.waitForRecord((r) => r.type === 'loopback-tcp' && r.dst_pid === run.pids.RECEIVER, 10000, 'the in-namespace event');
    assert.equal(rec.src_pid, run.pids.SENDER);
    assert.equal(rec.meta?.dst_port, 14145);
    assert.equal(bytesOf(rec), 'tcp4-hello');
  } finally {
    await sh(`ip netns del ${ns}`);
  }
});
