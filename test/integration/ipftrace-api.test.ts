/**
 * ipftrace as a library (PacketTracer): the README example, the async iterator, stats, and
 * that stop() prints what is still open and leaves nothing attached.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { PacketTracer, type PacketTrace } from '../../src/index';
import { ROOT } from '../helpers/ipcdump-process';
import { closedPort, sleep } from '../helpers/workloads';
import { scaled } from '../helpers/slow';
import { DROP_REASONS, ICMP_SEND } from '../helpers/kernel';

const PY = '/usr/bin/python3';


const udpTo = (port: number) =>
  execFileSync(PY, ['-c', `import socket\nsocket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', ${port}))`]);

function slots(): number {
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show']).toString() || '[]') as { name?: string }[];
  // tracepoint slots, and the kprobe stand-ins that serve or complete some of them on older
  // kernels (names cut at 15 characters: kp_standin_icmp, kp_standin_tcp_)
  return progs.filter((p) => /^(tp_slot_\d+$|kp_standin_|kp_consume_loc)/.test(p.name ?? '')).length;
}

test('the README example prints a dropped packet with its journey', { timeout: scaled(60000) }, async () => {
  const port = await closedPort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'examples', 'drops.js'), String(Math.ceil(scaled(4000) / 1000))], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  while (!/^tracing dropped packets/m.test(err) && child.exitCode === null) await sleep(50); // loaded and attached
  udpTo(port);
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 0);
  assert.match(out, new RegExp(`^127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${port} dropped: ${DROP_REASONS ? 'NO_SOCKET' : '\\?'} at (__udp4_lib_rcv|udp_rcv)\\+0x[0-9a-f]+ after (.* > )?net_dev_queue > ${ICMP_SEND ? '.*icmp_send > ' : ''}(.* > )?kfree_skb$`, 'm'));
});

test('async iterator: a filtered trace, stats, and stop() ends the iteration and detaches', { timeout: scaled(60000) }, async () => {
  const port = await closedPort();
  const tracer = await PacketTracer.open({ filter: { proto: 17, dport: port }, idleMs: 300 });
  try {
    assert.ok(tracer.plan.tracepoints.some((h) => h.name === 'kfree_skb'), 'the drop tracepoint is hooked');
    assert.ok(slots() >= tracer.plan.tracepoints.length);
  } catch (err) {
    await tracer.stop(); // an open tracer's ring buffer would keep the test process alive
    throw err;
  }
  udpTo(port);
  const got: PacketTrace[] = [];
  const timer = setTimeout(() => void tracer.stop(), 5000);
  for await (const t of tracer) {
    got.push(t);
    if (t.end === 'dropped') break;
  }
  clearTimeout(timer);
  await tracer.stop();
  const t = got.find((x) => x.end === 'dropped')!;
  assert.ok(t, got.map((x) => `${x.end}: ${x.events.map((e) => e.hook).join(" ")}`).join("\n"));
  assert.equal(t.tuple?.dport, port);
  assert.equal(t.tuple?.proto, 17);
  assert.equal(t.events.at(-1)!.dropReason, DROP_REASONS ? 'NO_SOCKET' : undefined);
  assert.ok(tracer.stats.events >= t.events.length && tracer.stats.traces >= 1 && tracer.stats.lost === 0);
  for (let i = 0; i < 50 && slots() > 0; i++) await sleep(100);
  assert.equal(slots(), 0, 'no program left after stop()');
});

test('stop() prints packets whose end was not seen, marked "exit"', { timeout: scaled(60000) }, async () => {
  const traces: PacketTrace[] = [];
  // a long idle timeout: the TCP data segment is freed without a tracepoint, so only stop() ends it
  const srv = net.createServer((s) => s.on('data', () => {}));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  const tracer = await PacketTracer.open({ filter: { proto: 6, dport: port }, idleMs: 60000, onTrace: (t) => traces.push(t) });
  const c = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => c.on('connect', r));
  c.write('hello');
  await sleep(500);
  await tracer.stop();
  c.destroy();
  srv.close();
  const data = traces.find((t) => t.events.some((e) => e.len >= 5 && e.tcpFlags !== undefined && (e.tcpFlags & 0x08) !== 0));
  assert.ok(data, JSON.stringify(traces.map((t) => [t.end, t.events.map((e) => e.hook)])));
  assert.ok(['exit', 'delivered'].includes(data.end), data.end);
  assert.ok(traces.length >= 2, 'SYN, ACK and data packets');
});
