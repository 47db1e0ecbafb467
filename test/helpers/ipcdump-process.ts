/**
 * Runs the real `ipcdump` CLI as a child process (as a user would) and collects its output.
 * Tests wait for the "tracing ..." line on stderr, which is printed once the BPF programs are
 * attached, then generate real IPC and wait for the records they expect.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { scaled } from './slow';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'ipcdump.js');

export interface JsonRecord {
  src_pid: number;
  src_comm: string;
  dst_pid: number;
  dst_comm: string;
  type: string;
  time: string;
  meta?: Record<string, string | number>;
  bytes?: string;
  lost_type?: string;
  count?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Every tracer still running. A test that fails half-way (a start-up that timed out, an
 * assertion before its `finally`) must not leave tracers behind: their pipes would keep the
 * test file's process alive after its last test, and a guest of the kernel matrix would sit
 * there until its wall-clock limit. The runners pass --test-force-exit, and this kills what is
 * left when the file's process exits.
 */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export class IpcdumpProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private listeners: Array<() => void> = [];
  private readonly readyPattern: RegExp;

  /** `cli`: another command of the toolkit (ebpftracer); `readyPattern`: its start-up line. */
  constructor(
    readonly args: string[],
    opts: { env?: NodeJS.ProcessEnv; cli?: string; readyPattern?: RegExp } = {},
  ) {
    this.readyPattern = opts.readyPattern ?? /tracing .*Ctrl-C/;
    this.child = spawn(process.execPath, [opts.cli ?? CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    live.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      this.notify();
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        live.delete(this.child);
        this.notify();
        resolve({ code, signal });
      }),
    );
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /** Resolves when `pred` holds (checked on every output chunk); rejects after `ms`. */
  waitUntil(pred: () => boolean, ms0: number, what: string): Promise<void> {
    if (pred()) return Promise.resolve();
    const ms = scaled(ms0);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred()) {
          done();
          resolve();
        }
      };
      // Output on stdout/stderr triggers a check; the poll covers conditions outside this
      // process's output (e.g. a file written with -o).
      const poll = setInterval(check, 50);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}\n--- stdout:\n${this.stdout.slice(-4000)}\n--- stderr:\n${this.stderr}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
    });
  }

  ready(ms = 20000): Promise<void> {
    return this.waitUntil(() => this.readyPattern.test(this.stderr + this.stdout) || this.child.exitCode !== null, ms, `\`${this.args.join(' ')}\` to attach`).then(() => {
      if (this.child.exitCode !== null) throw new Error(`ipcdump exited early (${this.child.exitCode}): ${this.stderr}`);
    });
  }

  /** Output lines parsed as JSON (for -f json). */
  records(): JsonRecord[] {
    // only complete lines: the last one may still be being written
    return this.stdout
      .slice(0, this.stdout.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as JsonRecord);
  }

  /** Waits for a JSON record matching `pred` and returns it. */
  async waitForRecord(pred: (r: JsonRecord) => boolean, ms = 10000, what = 'a matching record'): Promise<JsonRecord> {
    let found: JsonRecord | undefined;
    await this.waitUntil(() => (found = this.records().find(pred)) !== undefined, ms, what);
    return found!;
  }

  /**
   * Sends `signal` and waits for the exit. A tracer that has not exited `ms` (scaled) later is
   * killed and the stop fails, saying so: a hang in shutdown is a bug to see, not to wait out.
   */
  async stop(signal: NodeJS.Signals = 'SIGINT', ms = 30000): Promise<Exit> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), scaled(ms))));
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first !== 'late') return first;
    this.child.kill('SIGKILL');
    await this.exited;
    throw new Error(`the tracer did not exit within ${scaled(ms)} ms of ${signal}\n--- stderr:\n${this.stderr.slice(-2000)}`);
  }
}

/** Start ipcdump and wait until it is attached. */
export async function startIpcdump(args: string[], readyMs?: number): Promise<IpcdumpProcess> {
  const p = new IpcdumpProcess(args);
  try {
    await p.ready(readyMs);
  } catch (err) {
    await p.stop('SIGKILL');
    throw err;
  }
  return p;
}

/** Run the CLI to completion (for error-path tests). */
export async function runIpcdump(args: string[], opts: { uid?: number; gid?: number; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], uid: opts.uid, gid: opts.gid });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), scaled(opts.timeoutMs ?? 30000));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const SKIPPED = /runs of our kernel hooks were skipped by the kernel/g;

/**
 * Runs `attempt` once more when it failed while the tracer reported hook runs the kernel
 * skipped. On kernels that preempt our syscall hooks (Debian's 7.x) a hit can be skipped when
 * both copies of a hook are preempted on that CPU; ipcdump then says so on stderr, so the loss
 * is reported, not silent. A failure without such a report is never retried.
 */
export async function retryOnReportedSkips<T>(tracer: IpcdumpProcess, attempt: () => Promise<T>): Promise<T> {
  const before = (tracer.stderr.match(SKIPPED) ?? []).length;
  try {
    return await attempt();
  } catch (err) {
    if ((tracer.stderr.match(SKIPPED) ?? []).length === before) throw err;
    return attempt();
  }
}
