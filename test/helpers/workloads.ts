/**
 * Real processes that generate IPC for the integration tests. Shell pipelines are used as a
 * user would; where a test must know each endpoint's pid, the process prints `$$` on stderr
 * and then `exec`s the real program (same pid, new comm).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scaled } from './slow';

export function tmpDir(prefix = 'ipcdump-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface ShellRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Lines of the form `NAME=PID` printed on stderr, as a map. */
  pids: Record<string, number>;
}

/** Runs `sh -c script` to completion. */
export function sh(script: string, opts: { cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<ShellRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`workload timed out: ${script}`));
    }, scaled(opts.timeoutMs ?? 15000));
    child.stdin.on('error', () => {}); // the script may exit before reading its input
    child.stdin.end(opts.input ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      const pids: Record<string, number> = {};
      for (const m of stderr.matchAll(/^(\w+)=(\d+)$/gm)) pids[m[1]] = Number(m[2]);
      resolve({ code, stdout, stderr, pids });
    });
  });
}

const tracked = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of tracked) c.kill('SIGKILL');
});

/** Kill `child` when the test process exits, and never let it keep the test process alive. */
export function track(child: ChildProcess): void {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
}

let helperDir: string | undefined;

/**
 * Compiles the small C helpers in test/helpers/c/ once per test run (gcc is part of the set-up).
 * Returns the path of the named binary.
 */
export function cHelper(name: string): string {
  if (!helperDir) helperDir = tmpDir('ipcdump-chelpers-');
  const out = path.join(helperDir, name);
  if (!fs.existsSync(out)) {
    const src = path.resolve(__dirname, '..', '..', '..', 'test', 'helpers', 'c', `${name}.c`);
    execFileSync('gcc', ['-O2', '-Wall', '-o', out, src]);
  }
  return out;
}

/** Waits `ms`, scaled by IPCDUMP_TEST_SLOW (see slow.ts). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, scaled(ms)));
}

/** Waits until `pid` has exited (it may not be our child). */
export async function waitGone(pid: number, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(20);
  }
}

/**
 * A process that handles SIGUSR1 and real-time signal 35 and waits. Signals with a handler are
 * queued and reported; RT signals also queue without coalescing, so N sends = N events.
 * (Default-ignored signals such as SIGCONT or SIGCHLD are never queued, hence never reported.)
 */
export async function signalTarget(comm = 'python3'): Promise<ChildProcess & { pid: number }> {
  const py = `import signal, time, sys
signal.signal(35, lambda *a: None)
signal.signal(signal.SIGUSR1, lambda *a: None)
print("ready", flush=True)
while True:
    time.sleep(3600)`;
  const argv0 = comm === 'python3' ? 'python3' : comm;
  const child = spawn('python3', ['-c', py], { stdio: ['ignore', 'pipe', 'ignore'], argv0 });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', () => reject(new Error('signal target exited')));
  });
  track(child);
  return child as ChildProcess & { pid: number };
}

/** A TCP/UDP port nobody listens on on 127.0.0.1 (bound, then released). */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as import('node:net').AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
