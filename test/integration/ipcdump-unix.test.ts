/**
 * unix-stream, unix-dgram and unix-seqpacket against the live kernel: real sockets between
 * real processes; both endpoints, path metadata and bytes are asserted.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { startIpcdump, retryOnReportedSkips, ROOT, type IpcdumpProcess, type JsonRecord } from '../helpers/ipcdump-process';
import { sh, tmpDir } from '../helpers/workloads';

const PY = '/usr/bin/python3';
const WORKLOAD = path.join(ROOT, 'test', 'helpers', 'unix_workload.py');
let tracer: IpcdumpProcess;
const dir = tmpDir();

before(async () => {
  tracer = await startIpcdump(['-t', 'u', '-x', '-f', 'json']);
});

after(async () => {
  await tracer.stop();
});

const bytesOf = (r: JsonRecord) => Buffer.from(r.bytes ?? '', 'base64');

async function workload(kind: string, variant: string) {
  const run = await sh(`exec ${PY} ${WORKLOAD} ${kind} ${variant} ${dir}`, { timeoutMs: 30000 });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.pids.SENDER && run.pids.RECEIVER, run.stderr);
  return run;
}

const TYPES: Record<string, string> = { stream: 'unix-stream', dgram: 'unix-dgram', seqpacket: 'unix-seqpacket' };

for (const kind of ['stream', 'dgram', 'seqpacket']) {
  for (const variant of ['path', 'abstract', 'socketpair']) {
    test(`${TYPES[kind]} with ${variant === 'socketpair' ? 'a socketpair shared across fork' : `a ${variant} name`}: sender, receiver, path, bytes`, () => retryOnReportedSkips(tracer, async () => {
      const run = await workload(kind, variant);
      const want = `${kind}-${variant}`;
      assert.equal(run.stdout.trim(), want);
      const rec = await tracer.waitForRecord(
        (r) => r.type === TYPES[kind] && r.dst_pid === run.pids.RECEIVER && bytesOf(r).toString() === want,
        10000,
        `the ${want} event`,
      );
      assert.equal(rec.src_pid, run.pids.SENDER);
      assert.equal(rec.src_comm, 'python3');
      assert.equal(rec.dst_comm, 'python3');
      assert.equal(rec.meta?.count, want.length);
      const expectedPath =
        variant === 'path' ? path.join(dir, `${kind}.sock`) : variant === 'abstract' ? `@ipcdump-test-${kind}-${run.pids.RECEIVER}` : '<anonymous>';
      assert.equal(rec.meta?.path, expectedPath);
      if (kind !== 'stream') assert.ok(Number(rec.meta?.src_inode) > 0, 'src_inode of the sending socket');
    }));
  }
}

test('a socket passed with SCM_RIGHTS: the process that sends on it is the source', async () => {
  for (const kind of ['stream', 'dgram']) {
    const run = await workload(kind, 'passfd');
    const rec = await tracer.waitForRecord(
      (r) => r.type === TYPES[kind] && r.dst_pid === run.pids.RECEIVER && bytesOf(r).toString() === `${kind}-passfd`,
      10000,
      `the passed-fd ${kind} event`,
    );
    assert.equal(rec.src_pid, run.pids.SENDER);
    // ...and the message that carried the socket says what was passed (SCM_RIGHTS)
    const passing = await tracer.waitForRecord((r) => r.dst_pid === run.pids.SENDER && bytesOf(r).toString() === 'x', 10000, 'the SCM_RIGHTS message');
    assert.equal(passing.src_pid, run.pids.RECEIVER);
    assert.equal(passing.meta?.fds, 'unix-socket');
  }
});

test('SCM_CREDENTIALS are reported', async () => {
  const run = await workload('dgram', 'creds');
  const rec = await tracer.waitForRecord((r) => r.dst_pid === run.pids.RECEIVER && bytesOf(r).toString() === 'dgram-creds', 10000, 'the creds message');
  assert.equal(rec.src_pid, run.pids.SENDER);
  assert.equal(rec.meta?.creds, `pid=${run.pids.SENDER} uid=0 gid=0`);
});

test('MSG_PEEK does not produce a duplicate event', async () => {
  const run = await workload('stream', 'peek');
  await tracer.waitForRecord((r) => r.dst_pid === run.pids.RECEIVER && bytesOf(r).toString() === 'stream-peek', 10000, 'the read after the peek');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(tracer.records().filter((r) => r.dst_pid === run.pids.RECEIVER && r.type === 'unix-stream').length, 1);
});

test('a 1 MiB stream transfer is captured byte for byte with -x', async () => {
  const run = await workload('stream', 'big');
  const [gotHash, gotLen, sentHash] = run.stdout.trim().split(' ');
  assert.equal(gotLen, String(1 << 20));
  assert.equal(gotHash, sentHash);
  await tracer.waitUntil(
    () => tracer.records().filter((r) => r.dst_pid === run.pids.RECEIVER).reduce((n, r) => n + Number(r.meta?.count ?? 0), 0) >= 1 << 20,
    15000,
    'all 1 MiB reported',
  );
  const recs = tracer.records().filter((r) => r.dst_pid === run.pids.RECEIVER && r.type === 'unix-stream');
  assert.ok(recs.every((r) => r.src_pid === run.pids.SENDER));
  const all = Buffer.concat(recs.map(bytesOf));
  assert.equal(all.length, 1 << 20);
  const { createHash } = await import('node:crypto');
  assert.equal(createHash('sha256').update(all).digest('hex'), sentHash);
});

test('a server started before ipcdump: its receives are attributed to the new client', async () => {
  const sockPath = path.join(dir, 'early.sock');
  const py = `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(${JSON.stringify(sockPath)}); s.listen(1)
print("ready", flush=True)
c, _ = s.accept(); print(c.recv(100).decode(), flush=True)`;
  const server = spawn(PY, ['-c', py], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  server.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
  const late = await startIpcdump(['-t', 'us', '-x', '-f', 'json', '-d', String(server.pid)]);
  try {
    const run = await sh(`exec ${PY} -c 'import socket, os, sys
sys.stderr.write("C=%d\\n" % os.getpid())
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(${JSON.stringify(sockPath)}); c.send(b"hello-early")'`);
    const rec = await late.waitForRecord((r) => r.dst_pid === server.pid, 10000, 'the receive of the early server');
    assert.equal(rec.src_pid, run.pids.C);
    assert.equal(rec.meta?.path, sockPath);
    assert.equal(bytesOf(rec).toString(), 'hello-early');
  } finally {
    await late.stop();
    server.kill('SIGKILL');
  }
});

test('-t selects one unix type only', async () => {
  const only = await startIpcdump(['-t', 'ud', '-f', 'json']);
  try {
    const runs = [await workload('stream', 'socketpair'), await workload('dgram', 'socketpair'), await workload('seqpacket', 'socketpair')];
    const dgramRecv = runs[1].pids.RECEIVER;
    await only.waitForRecord((r) => r.dst_pid === dgramRecv, 10000, 'the dgram event');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(only.records().every((r) => r.type === 'unix-dgram'));
    assert.equal(only.records().filter((r) => r.dst_pid === runs[0].pids.RECEIVER || r.dst_pid === runs[2].pids.RECEIVER).length, 0);
  } finally {
    await only.stop();
  }
});
