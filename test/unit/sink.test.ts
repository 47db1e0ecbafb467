import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { FLUSH_THRESHOLD, OutputSink } from '../../src/output/sink';
import { FatalError } from '../../src/cli/errors';

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ipcdump-sink-'));
}

test('-o creates the file with mode 0600 (whatever the umask)', () => {
  const dir = tmpdir();
  const file = path.join(dir, 'out.txt');
  const old = process.umask(0);
  try {
    const s = new OutputSink({ path: file });
    s.write('hello\n');
    s.close();
  } finally {
    process.umask(old);
  }
  assert.equal(fs.statSync(file).mode & 0o7777, 0o600);
  assert.equal(fs.readFileSync(file, 'utf8'), 'hello\n');
});

test('-o truncates an existing file and chmods it to 0600', () => {
  const dir = tmpdir();
  const file = path.join(dir, 'out.txt');
  fs.writeFileSync(file, 'a much longer old content that must disappear\n'.repeat(10), { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  const s = new OutputSink({ path: file });
  assert.equal(fs.statSync(file).mode & 0o7777, 0o600);
  assert.equal(fs.statSync(file).size, 0);
  s.write('new\n');
  s.close();
  assert.equal(fs.readFileSync(file, 'utf8'), 'new\n');
});

test('-o on a device is written to but never chmod-ed', () => {
  const before = fs.statSync('/dev/null').mode;
  const s = new OutputSink({ path: '/dev/null' });
  s.write('x\n');
  s.close();
  assert.equal(fs.statSync('/dev/null').mode, before);
});

test('open failures are FatalErrors with a one-line reason', () => {
  assert.throws(
    () => new OutputSink({ path: '/nonexistent-dir-ipcdump/out' }),
    (e: unknown) =>
      e instanceof FatalError && e.message === 'failed to open output file "/nonexistent-dir-ipcdump/out": no such file or directory',
  );
});

test('batching: nothing reaches the file before flush()', () => {
  const file = path.join(tmpdir(), 'b.txt');
  const s = new OutputSink({ path: file });
  s.write('one\n');
  s.write('two\n');
  assert.equal(fs.readFileSync(file, 'utf8'), '');
  s.flush();
  assert.equal(fs.readFileSync(file, 'utf8'), 'one\ntwo\n');
  s.flush(); // empty flush is a no-op
  s.write('three ü\n');
  s.close();
  s.close(); // idempotent
  s.write('after close\n'); // dropped
  s.flush();
  assert.equal(fs.readFileSync(file, 'utf8'), 'one\ntwo\nthree ü\n');
});

test('a chunk over the threshold is flushed early', () => {
  const file = path.join(tmpdir(), 'big.txt');
  const s = new OutputSink({ path: file });
  const line = 'x'.repeat(1023) + '\n';
  const n = Math.ceil(FLUSH_THRESHOLD / line.length) + 3;
  for (let i = 0; i < n; i++) s.write(line);
  const size = fs.statSync(file).size;
  assert.ok(size >= FLUSH_THRESHOLD && size < n * line.length, `early flush wrote ${size}`);
  s.close();
  assert.equal(fs.statSync(file).size, n * line.length);
});

test('write errors are reported as FatalError events, then output stops', () => {
  const file = path.join(tmpdir(), 'ro.txt');
  fs.writeFileSync(file, '');
  const fd = fs.openSync(file, 'r');
  try {
    const s = new OutputSink({ fd });
    const errors: FatalError[] = [];
    s.on('error', (e) => errors.push(e));
    s.write('x');
    s.flush();
    assert.equal(errors.length, 1);
    assert.equal(errors[0].message, `failed to write output fd ${fd}: bad file descriptor`);
    assert.equal(s.broken, true);
    s.write('y');
    s.flush();
    assert.equal(errors.length, 1);
  } finally {
    fs.closeSync(fd);
  }
});

test('EPIPE on stdout emits epipe once and goes quiet', async () => {
  const mod = path.join(__dirname, '../../src/output/sink.js');
  const script = `
    const { OutputSink } = require(${JSON.stringify(mod)});
    const s = new OutputSink();
    let n = 0;
    s.on('epipe', () => { n++; setTimeout(() => { process.stderr.write('epipe ' + n + ' broken=' + s.broken + '\\n'); process.exit(0); }, 50); });
    s.on('error', (e) => { process.stderr.write('error ' + e.message + '\\n'); process.exit(3); });
    function loop() { for (let i = 0; i < 100; i++) s.write('line ' + i + '\\n'); s.flush(); setImmediate(loop); }
    loop();
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(stderr, 'epipe 1 broken=true\n');
  assert.equal(code, 0);
});

test('stdout left non-blocking (by process.stdout) with a slow reader: every byte arrives, in order', async () => {
  const mod = path.join(__dirname, '../../src/output/sink.js');
  const script = `
    void process.stdout; // libuv opens the pipe and makes fd 1 O_NONBLOCK -> writeSync sees EAGAIN
    const { OutputSink } = require(${JSON.stringify(mod)});
    const s = new OutputSink();
    for (let i = 0; i < 40000; i++) s.write(String(i).padStart(9, '0') + '\\n');
    s.close();
    process.stderr.write('done\\n');
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  const chunks: Buffer[] = [];
  child.stdout.pause();
  await new Promise((r) => setTimeout(r, 200)); // let the pipe fill up first
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.equal(stderr, 'done\n');
  const out = Buffer.concat(chunks).toString();
  assert.equal(out.length, 40000 * 10);
  assert.equal(out.slice(0, 20), '000000000\n000000001\n');
  assert.equal(out.slice(-10), '000039999\n');
});
