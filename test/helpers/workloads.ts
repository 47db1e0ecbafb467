/**
 * Real processes that generate IPC for the integration tests. Shell pipelines are used as a
 * user would; where a test must know each endpoint's pid, the process prints `$$` on stderr
 * and then `exec`s the real program (same pid, new comm).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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
    }, opts.timeoutMs ?? 15000);
    child.stdin.end(opts.input ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      const pids: Record<string, number> = {};
      for (const m of stderr.matchAll(/^(\w+)=(\d+)$/gm)) pids[m[1]] = Number(m[2]);
      resolve({ code, stdout, stderr, pids });
    });
  });
}

/** Starts a long-running process; returns it once it is running. */
export function startProcess(cmd: string, args: string[]): ChildProcess {
  return spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
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

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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
