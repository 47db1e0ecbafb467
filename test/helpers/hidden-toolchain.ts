/**
 * A private mount namespace in which this machine looks like a target without a build
 * toolchain: clang, bpftool, gcc/g++ and libbpf-dev's headers, static library and pkg-config
 * file are covered by empty files (or an empty tmpfs), while the runtime libbpf.so.1, node
 * and npm stay. Commands run in it with `nsenter`; the mounts vanish with the namespace, so
 * nothing on the host changes and a crashed test leaves nothing behind.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Compilers and BPF tools a build would need; each is hidden where its real file is. */
const COMMANDS = ['clang', 'clang-16', 'bpftool', 'gcc', 'g++', 'cc', 'c++', 'llc', 'llvm-strip'];

function commandPath(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().startsWith('/') ? r.stdout.trim() : undefined;
}

/** libbpf-dev's regular files (headers, libbpf.a, libbpf.pc). Its libbpf.so is a symlink to the runtime library: left alone. */
function libbpfDevFiles(): string[] {
  const r = spawnSync('dpkg', ['-L', 'libbpf-dev'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout.split('\n').filter((p) => p !== '' && fs.lstatSync(p, { throwIfNoEntry: false })?.isFile());
}

export class HiddenToolchain {
  private holder: ChildProcess | undefined;
  private emptyFile = '';
  /** Real paths covered. */
  readonly hidden: string[] = [];

  /** Starts the namespace and hides the toolchain in it. */
  async start(): Promise<void> {
    this.emptyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ipcdump-hide-')), 'empty');
    fs.writeFileSync(this.emptyFile, '', { mode: 0o644 });
    // unshare --mount makes the new namespace's mounts private: nothing propagates back.
    this.holder = spawn('unshare', ['--mount', '--propagation', 'private', 'sleep', 'infinity'], { stdio: 'ignore' });
    const pid = this.holder.pid!;
    const own = fs.readlinkSync('/proc/self/ns/mnt');
    const deadline = Date.now() + 10000;
    // nsenter before unshare() has run would enter (and change) the host's namespace.
    while (fs.readlinkSync(`/proc/${pid}/ns/mnt`) === own) {
      if (Date.now() > deadline) throw new Error('unshare --mount did not create a mount namespace');
      await new Promise((r) => setTimeout(r, 20));
    }
    const targets = new Set<string>();
    for (const c of COMMANDS) {
      const p = commandPath(c);
      if (p !== undefined) targets.add(fs.realpathSync(p));
    }
    for (const f of libbpfDevFiles()) if (!f.startsWith('/usr/include/bpf/')) targets.add(fs.realpathSync(f));
    for (const t of targets) {
      this.exec(['mount', '--bind', this.emptyFile, t]);
      this.hidden.push(t);
    }
    if (fs.existsSync('/usr/include/bpf')) {
      this.exec(['mount', '-t', 'tmpfs', '-o', 'ro,size=4k', 'none', '/usr/include/bpf']);
      this.hidden.push('/usr/include/bpf');
    }
  }

  /** argv prefixed so that it runs inside the namespace. */
  wrap(argv: string[]): string[] {
    return ['nsenter', '-t', String(this.holder!.pid), '-m', '--', ...argv];
  }

  exec(argv: string[]): string {
    const [cmd, ...args] = this.wrap(argv);
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs a shell command line inside the namespace: exit status and output. */
  sh(script: string): { status: number | null; out: string } {
    const [cmd, ...args] = this.wrap(['sh', '-c', script]);
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return { status: r.status, out: r.stdout + r.stderr };
  }

  stop(): void {
    this.holder?.kill('SIGKILL');
    if (this.emptyFile) fs.rmSync(path.dirname(this.emptyFile), { recursive: true, force: true });
  }
}
