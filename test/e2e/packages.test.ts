/**
 * The install packages of scripts/package.sh (README "Packages"), each installed the way a new
 * user would install it, then used to trace a real signal: `kill -USR1` to a `sleep` started
 * here, after the installed ipcdump says it is tracing.
 *
 * - npm tarball: `npm install -g --prefix <empty dir>` inside a mount namespace where clang,
 *   bpftool, gcc/g++ and libbpf-dev are hidden (test/helpers/hidden-toolchain.ts); the
 *   prebuilt addon must be the one loaded and nothing compiled. Then, with the toolchain,
 *   the fallback: a prebuild that does not fit (node-gyp-build told the libc is musl) makes
 *   the install script build the addon, which the commands then use.
 * - .deb: `dpkg -i`, status and dependencies, --version, man pages that say what --help says,
 *   the three commands, then `dpkg -r` removes every file `dpkg -L` listed.
 * - .tar.gz: extracted into an empty directory (toolchain hidden), its bin/ commands.
 *
 * Host only, as root (it installs and removes the .deb). The artifacts in build/packages are
 * reused when build/packages/build-info.json names HEAD's commit (scripts/package.sh writes
 * it; IPCDUMP_TEST_REPACKAGE=1 forces a new build). Otherwise scripts/package.sh runs first:
 * about 2-3 minutes on 2 vCPUs; the tests themselves take about 1 minute.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HiddenToolchain } from '../helpers/hidden-toolchain';
import { scaled } from '../helpers/slow';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const OUT = path.join(ROOT, 'build', 'packages');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NPM_TGZ = path.join(OUT, `ipcdump-${VERSION}.tgz`);
const DEB = path.join(OUT, `ipcdump_${VERSION}_amd64.deb`);
const TGZ = path.join(OUT, `ipcdump-${VERSION}-linux-x64.tar.gz`);
const TOOLS = ['ipcdump', 'ebpftracer', 'ipftrace'] as const;

function headCommit(): string {
  return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
}

function builtCommit(): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(OUT, 'build-info.json'), 'utf8')) as { commit?: string }).commit;
  } catch {
    return undefined;
  }
}

/** The packages of HEAD: reused when already built from it, else made by scripts/package.sh. */
function ensurePackages(): string {
  const head = headCommit();
  const fresh = builtCommit() === head && [NPM_TGZ, DEB, TGZ].every((f) => fs.existsSync(f));
  if (!fresh || process.env.IPCDUMP_TEST_REPACKAGE === '1') {
    const r = spawnSync('bash', [path.join(ROOT, 'scripts', 'package.sh')], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`scripts/package.sh failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  }
  assert.equal(builtCommit(), head);
  return head;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(argv: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, timeout: scaled(300000) });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

function ok(r: Run, what: string): Run {
  assert.equal(r.status, 0, `${what} exited ${r.status}\n--- stdout:\n${r.stdout.slice(-3000)}\n--- stderr:\n${r.stderr.slice(-3000)}`);
  return r;
}

/**
 * Runs `<argv> -t signal -d <sleep pid> -c 1 -f json`, sends SIGUSR1 to that sleep with
 * kill(1) once the tracer says it is attached, and returns the record. -d keeps signals other
 * tests on this machine send from using up the -c 1.
 */
async function traceOneSignal(argv: string[]): Promise<Record<string, unknown>> {
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  const pid = sleeper.pid!;
  const tracer = spawn(argv[0], [...argv.slice(1), '-t', 'signal', '-d', String(pid), '-c', '1', '-f', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  tracer.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  tracer.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => tracer.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + scaled(30000);
    while (!/tracing .*Ctrl-C/.test(stderr)) {
      if (tracer.exitCode !== null) throw new Error(`${argv.join(' ')} exited ${tracer.exitCode} before tracing:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`${argv.join(' ')} did not start tracing:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    ok(run(['kill', '-USR1', String(pid)]), 'kill -USR1');
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), scaled(15000)).unref());
    const code = await Promise.race([exited, timeout]);
    assert.equal(code, 0, `${argv.join(' ')} -c 1 did not exit 0 (${code})\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`);
    const records = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records.length, 1, stdout);
    const rec = records[0];
    assert.equal(rec.type, 'signal');
    assert.equal(rec.dst_pid, pid);
    assert.equal(rec.dst_comm, 'sleep');
    assert.equal(rec.src_comm, 'kill');
    assert.equal((rec.meta as Record<string, unknown>).num, 10);
    return rec;
  } finally {
    tracer.kill('SIGKILL');
    sleeper.kill('SIGKILL');
  }
}

/** Words of a text with the whitespace of filling and justifying taken out. */
const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * Every line of `--help` is in the man page (rendered as plain ASCII, one line per
 * paragraph). help2man makes "Usage: X" the SYNOPSIS X, and a heading it knows ("Examples:")
 * a section title (EXAMPLES): those are looked for without the label, or without the colon
 * and case.
 */
function assertManMatchesHelp(tool: string, help: string, man: string): void {
  const page = squash(man);
  const found = (l: string): boolean =>
    page.includes(l) || (/^[A-Z][\w ()]*:$/.test(l) && page.toLowerCase().includes(l.slice(0, -1).toLowerCase()));
  const missing = help
    .split('\n')
    .map((l) => squash(l.replace(/^Usage: /, '')))
    .filter((l) => l !== '' && !found(l));
  assert.deepEqual(missing, [], `man ${tool} lacks these --help lines`);
}

function renderMan(argv: string[]): string {
  return ok(run(argv, { LANG: 'C', LC_ALL: 'C', MANWIDTH: '1000', MAN_KEEP_FORMATTING: '' }), argv.join(' ')).stdout;
}

describe('install packages', { timeout: scaled(900000) }, () => {
  let commit = '';
  const hidden = new HiddenToolchain();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcdump-pkg-'));

  before(async () => {
    assert.equal(process.getuid?.(), 0, 'run as root: the test installs the .deb and traces');
    commit = ensurePackages();
    await hidden.start();
  });

  after(() => {
    hidden.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the namespace hides the build toolchain', () => {
    assert.notEqual(hidden.sh('clang-16 --version').status, 0);
    assert.notEqual(hidden.sh('bpftool version').status, 0);
    assert.notEqual(hidden.sh('g++ --version').status, 0);
    assert.notEqual(hidden.sh('pkg-config --exists libbpf').status, 0);
    assert.notEqual(hidden.sh('test -e /usr/include/bpf/libbpf.h').status, 0);
    assert.equal(hidden.sh('node --version && npm --version').status, 0);
  });

  it('npm tarball: installs into an empty prefix without a toolchain, uses the prebuilt addon, traces a signal', async () => {
    const prefix = path.join(tmp, 'npm-prefix');
    fs.mkdirSync(prefix);
    const install = hidden.wrap(['npm', 'install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', NPM_TGZ]);
    ok(run(install, { npm_config_build_from_source: '' }), 'npm install -g');
    const pkg = path.join(prefix, 'lib', 'node_modules', 'ipcdump');
    // No build happened: node-gyp would have made native/build.
    assert.ok(!fs.existsSync(path.join(pkg, 'native', 'build')), 'the install compiled the addon');
    const addon = ok(
      run(hidden.wrap(['node', '-e', `console.log(require(${JSON.stringify(path.join(pkg, 'dist/src/runtime/native.js'))}).addonPath())`])),
      'addonPath',
    ).stdout.trim();
    assert.equal(addon, path.join(pkg, 'native', 'prebuilds', 'linux-x64', 'ipcdump_native.napi.glibc.node'));
    // Only the shipped files: BPF objects for the tools, no tests, no sources of the TypeScript.
    assert.ok(fs.existsSync(path.join(pkg, 'build', 'bpf', 'ipcdump.bpf.o')));
    assert.ok(!fs.existsSync(path.join(pkg, 'build', 'bpf', 'selftest.bpf.o')));
    assert.ok(!fs.existsSync(path.join(pkg, 'dist', 'test')));
    assert.ok(!fs.existsSync(path.join(pkg, 'src')));

    const bin = (t: string) => path.join(prefix, 'bin', t);
    assert.equal(ok(run(hidden.wrap([bin('ipcdump'), '--version'])), 'ipcdump --version').stdout.trim(), `ipcdump ${VERSION} (${commit})`);
    const doctor = ok(run(hidden.wrap([bin('ipcdump'), '--doctor'])), 'ipcdump --doctor');
    assert.match(doctor.stdout, /ipcdump can trace on this machine/);
    ok(run(hidden.wrap([bin('ipftrace'), '--doctor'])), 'ipftrace --doctor');
    ok(run(hidden.wrap([bin('ebpftracer'), '--help'])), 'ebpftracer --help');
    await traceOneSignal(hidden.wrap([bin('ipcdump')]));
  });

  it('npm tarball: builds the addon on install when no prebuild fits, and uses that build', async () => {
    const prefix = path.join(tmp, 'npm-fallback');
    fs.mkdirSync(prefix);
    // node-gyp-build matches prebuilds by libc; told musl (as on Alpine), the glibc prebuild
    // does not fit and its install script builds from native/src. Headers: the running node's.
    const nodedir = path.dirname(path.dirname(fs.realpathSync(process.execPath)));
    const install = ['npm', 'install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', NPM_TGZ];
    ok(run(install, { LIBC: 'musl', npm_config_nodedir: nodedir }), 'npm install -g (source build)');
    const pkg = path.join(prefix, 'lib', 'node_modules', 'ipcdump');
    const built = path.join(pkg, 'native', 'build', 'Release', 'ipcdump_native.node');
    assert.ok(fs.existsSync(built), 'the install script did not build the addon');
    const addon = ok(run(['node', '-e', `console.log(require(${JSON.stringify(path.join(pkg, 'dist/src/runtime/native.js'))}).addonPath())`]), 'addonPath');
    assert.equal(addon.stdout.trim(), built);
    assert.match(ok(run([path.join(prefix, 'bin', 'ipcdump'), '--doctor']), 'ipcdump --doctor').stdout, /ipcdump can trace on this machine/);
  });

  it('.deb: dpkg -i, traces a signal, man pages match --help, dpkg -r removes every file', async (t) => {
    if (run(['dpkg-query', '-W', '-f=${Status}', 'ipcdump']).stdout.includes('install ok installed')) {
      t.diagnostic('an ipcdump .deb was installed before the test: removed');
      ok(run(['dpkg', '-r', 'ipcdump']), 'dpkg -r (earlier install)');
    }
    let files: string[] = [];
    try {
      ok(run(['dpkg', '-i', DEB], { DEBIAN_FRONTEND: 'noninteractive' }), 'dpkg -i');
      const status = ok(run(['dpkg', '-s', 'ipcdump']), 'dpkg -s').stdout;
      assert.match(status, /^Status: install ok installed$/m);
      assert.match(status, /^Version: /m);
      assert.match(status, /^Depends: .*\blibbpf1\b/m);
      assert.match(status, /^Depends: .*\bnodejs \(>= 20\)/m);
      files = ok(run(['dpkg', '-L', 'ipcdump']), 'dpkg -L').stdout.split('\n').filter((p) => p.startsWith('/'));
      for (const t of TOOLS) assert.ok(files.includes(`/usr/bin/${t}`), `no /usr/bin/${t}`);
      assert.ok(files.includes('/usr/lib/ipcdump/package.json'));
      assert.ok(!files.some((p) => p.startsWith('/usr/lib/ipcdump/native/src')), 'addon sources in the .deb');
      assert.ok(!files.some((p) => /\/node_modules\/(typescript|node-gyp|playwright-core|node-addon-api)\//.test(p)), 'build-only npm modules in the .deb');

      assert.equal(ok(run(['/usr/bin/ipcdump', '--version']), 'ipcdump --version').stdout.trim(), `ipcdump ${VERSION} (${commit})`);
      await traceOneSignal(['/usr/bin/ipcdump']);
      assert.match(ok(run(['/usr/bin/ipftrace', '--doctor']), 'ipftrace --doctor').stdout, /./);
      assert.match(ok(run(['/usr/bin/ebpftracer', '--doctor']), 'ebpftracer --doctor').stdout, /ebpftracer can trace on this machine/);
      for (const t of TOOLS) {
        assert.ok(files.includes(`/usr/share/man/man8/${t}.8.gz`), `no man page for ${t}`);
        const help = ok(run([`/usr/bin/${t}`, '--help']), `${t} --help`).stdout;
        assertManMatchesHelp(t, help, renderMan(['man', t]));
      }
    } finally {
      // Always removed, even when an assertion above failed.
      const removed = run(['dpkg', '-r', 'ipcdump']);
      if (files.length > 0) {
        ok(removed, 'dpkg -r');
        const left = files.filter((p) => {
          const st = fs.lstatSync(p, { throwIfNoEntry: false });
          // Directories such as /usr/bin are shared with other packages; the package's own
          // directories are checked below.
          return st !== undefined && !st.isDirectory();
        });
        assert.deepEqual(left, [], 'files left after dpkg -r');
        for (const d of ['/usr/lib/ipcdump', '/usr/share/doc/ipcdump']) assert.ok(!fs.existsSync(d), `${d} left after dpkg -r`);
      }
    }
  });

  it('.tar.gz: extracted into an empty directory without a toolchain, its commands trace a signal', async () => {
    const dest = path.join(tmp, 'tgz');
    fs.mkdirSync(dest);
    ok(run(['tar', '-xzf', TGZ, '-C', dest]), 'tar -x');
    const top = path.join(dest, `ipcdump-${VERSION}-linux-x64`);
    assert.deepEqual(fs.readdirSync(dest), [path.basename(top)]);
    const bin = (t: string) => path.join(top, 'bin', t);
    assert.equal(ok(run(hidden.wrap([bin('ipcdump'), '--version'])), 'ipcdump --version').stdout.trim(), `ipcdump ${VERSION} (${commit})`);
    await traceOneSignal(hidden.wrap([bin('ipcdump')]));
    ok(run(hidden.wrap([bin('ipftrace'), '--doctor'])), 'ipftrace --doctor');
    ok(run(hidden.wrap([bin('ebpftracer'), '--help'])), 'ebpftracer --help');
    // The man pages, read in place with man -l.
    const help = ok(run([bin('ipcdump'), '--help']), 'ipcdump --help').stdout;
    assertManMatchesHelp('ipcdump', help, renderMan(['man', '-l', path.join(top, 'share', 'man', 'man8', 'ipcdump.8.gz')]));
  });
});
