/**
 * `ipcdump -w` / `-r` / `--summary` as a user runs them, against the live kernel: record real
 * IPC between processes with names of their own (a pipe, a unix stream socket, real-time
 * signals; test/helpers/record_workload.py), stop the recorder (SIGINT, and SIGKILL half-way),
 * then replay it with filters, -c, every format and --summary, and compare a live run's JSON
 * with its own recording's replay byte for byte. The machine has other traffic: every check
 * looks at the pids and comms the workload made, except the live/replay comparison, which must
 * hold for everything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, ROOT, startIpcdump, runIpcdump, type IpcdumpProcess, type JsonRecord } from '../helpers/ipcdump-process';
import { sh, tmpDir, sleep } from '../helpers/workloads';
import { scaled } from '../helpers/slow';
import { openRecording } from '../../src/ipcdump/recording/reader';

const N = 7;
const WORKLOAD = path.join(ROOT, 'test', 'helpers', 'record_workload.py');
const dir = tmpDir('ipcdump-record-');
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

interface Pids {
  PW: number;
  PR: number;
  US: number;
  UR: number;
  SS: number;
  ST: number;
}

async function workload(n = N, gapMs = 0): Promise<Pids> {
  const run = await sh(`/usr/bin/python3 ${WORKLOAD} ${n} ${gapMs}`, { timeoutMs: 60000 });
  assert.equal(run.code, 0, run.stderr);
  return run.pids as unknown as Pids;
}

function jsonLines(out: string): JsonRecord[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonRecord);
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\bat .*\.js:\d+/, 'no stack trace');
  return lines[0];
}

const between = (recs: JsonRecord[], type: string, src: number, dst: number): JsonRecord[] =>
  recs.filter((r) => r.type === type && r.src_pid === src && r.dst_pid === dst);

/** Each kind of the workload: N events with the right comms, counts and bytes. */
function checkWorkload(recs: JsonRecord[], p: Pids, withBytes: boolean): void {
  const pipe = between(recs, 'pipe', p.PW, p.PR);
  assert.equal(pipe.length, N, 'pipe events');
  pipe.forEach((r, i) => {
    assert.deepEqual([r.src_comm, r.dst_comm, r.meta?.count], ['rec-pwrite', 'rec-pread', 16]);
    if (withBytes) assert.equal(Buffer.from(r.bytes!, 'base64').toString(), `pipe-msg-${String(i).padStart(7, '0')}`);
    else assert.equal(r.bytes, undefined);
  });
  const unix = between(recs, 'unix-stream', p.US, p.UR);
  assert.equal(unix.length, N, 'unix-stream events');
  unix.forEach((r, i) => {
    assert.deepEqual([r.src_comm, r.dst_comm, r.meta?.count], ['rec-usend', 'rec-urecv', 16]);
    if (withBytes) assert.equal(Buffer.from(r.bytes!, 'base64').toString(), `unix-msg-${String(i).padStart(7, '0')}`);
  });
  const sig = between(recs, 'signal', p.SS, p.ST);
  assert.equal(sig.length, N, 'signals');
  for (const r of sig) assert.deepEqual([r.src_comm, r.dst_comm, r.meta?.num], ['rec-sigsend', 'rec-sigtarget', 35]);
}

let file = '';
let pids: Pids;

const SKIPPED = /runs of our kernel hooks were skipped by the kernel/;

/**
 * Start ipcdump with `args`, run the workload, stop it with SIGINT, then `check` the result.
 * On kernels that preempt our syscall hooks half-way (7.x) a run can be skipped; ipcdump says
 * so on stderr, and only then is the whole recording made once more (as in the unix and
 * loopback suites: a loss nobody reported always fails).
 */
async function recorded<T>(args: string[], check: (t: IpcdumpProcess, p: Pids) => Promise<T> | T): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const t = await startIpcdump(args);
    let p: Pids;
    try {
      p = await workload();
    } finally {
      const exit = await t.stop('SIGINT');
      assert.deepEqual(exit, { code: 0, signal: null }, t.stderr);
    }
    try {
      return await check(t, p!);
    } catch (err) {
      if (attempt > 1 || !SKIPPED.test(t.stderr)) throw err;
    }
  }
}

test('-x -w records real IPC; SIGINT closes the recording (mode 0600, exit 0, nothing printed)', async () => {
  file = path.join(dir, 'rec.ipcd');
  const t = await recorded(['-x', '-w', file], async (t, p) => {
    pids = p;
    // the later tests count on a complete recording
    const j = await runIpcdump(['-r', file, '-f', 'json', '-x']);
    checkWorkload(jsonLines(j.stdout), p, true);
    return t;
  });
  assert.equal(t.stdout, '', '-w replaces the printed stream');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const rec = await openRecording(file);
  assert.equal(rec.meta.captureBytes, true);
  assert.deepEqual(rec.meta.argv, ['-x', '-w', file]);
  await rec.close();
});

test('-r replays the recording: JSON with bytes (-x), text without them, comms, counts', async () => {
  const j = await runIpcdump(['-r', file, '-f', 'json', '-x']);
  assert.equal(j.code, 0, j.stderr);
  assert.equal(j.stderr, '', 'a properly closed recording: no notes');
  checkWorkload(jsonLines(j.stdout), pids, true);
  // without -x: the same events without bytes
  const nb = await runIpcdump(['-r', file, '-f', 'json']);
  checkWorkload(jsonLines(nb.stdout), pids, false);

  const t = await runIpcdump(['-r', file]);
  assert.equal(t.code, 0, t.stderr);
  const line = new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{9} pipe ${pids.PW}\\(rec-pwrite\\) > ${pids.PR}\\(rec-pread\\): pipe_name <anonymous>, pipe_inode \\d+, count 16$`, 'gm');
  assert.equal(t.stdout.match(line)?.length, N, t.stdout.slice(0, 2000));
  assert.doesNotMatch(t.stdout, /^\t00000000/m, 'no hex dump without -x');
  const sigLine = new RegExp(`^\\S+ signal ${pids.SS}\\(rec-sigsend\\) > ${pids.ST}\\(rec-sigtarget\\): num 35, name signal 35$`, 'gm');
  assert.equal(t.stdout.match(sigLine)?.length, N);
  // with -x -B 4: hex dumps of the first 4 bytes
  const x = await runIpcdump(['-r', file, '-x', '-B', '4', '-p', String(pids.PR)]);
  assert.match(x.stdout, /count 16\n\t00000000 {2}70 69 70 65 +\|pipe\|\n/);
});

test('-r with -p, -P, -t and -c filters like a live run', async () => {
  const byPid = jsonLines((await runIpcdump(['-r', file, '-f', 'json', '-p', String(pids.PR)])).stdout);
  assert.ok(byPid.length >= N);
  assert.ok(byPid.every((r) => r.src_pid === pids.PR || r.dst_pid === pids.PR), 'only events involving PR');
  assert.equal(between(byPid, 'pipe', pids.PW, pids.PR).length, N);

  const byComm = jsonLines((await runIpcdump(['-r', file, '-f', 'json', '-S', 'rec-usend', '-t', 'unix'])).stdout);
  assert.equal(byComm.length, N);
  assert.ok(byComm.every((r) => r.src_comm === 'rec-usend' && r.type === 'unix-stream'));

  const sigs = jsonLines((await runIpcdump(['-r', file, '-f', 'json', '-t', 'signal', '-d', String(pids.ST)])).stdout);
  assert.equal(sigs.length, N);

  const c = await runIpcdump(['-r', file, '-f', 'json', '-c', '1', '-p', String(pids.UR)]);
  assert.equal(c.code, 0, c.stderr);
  const one = jsonLines(c.stdout);
  assert.equal(one.length, 1);
  assert.equal(one[0].dst_pid, pids.UR);
  assert.equal(c.stderr, '');
});

test('-r --summary shows the talkers with the right counts (text, json, csv)', async () => {
  const names = ['-P', 'rec-pwrite', '-P', 'rec-usend', '-P', 'rec-sigsend'];
  const j = await runIpcdump(['-r', file, '--summary', '-f', 'json', ...names]);
  assert.equal(j.code, 0, j.stderr);
  const objs = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(objs.length, 1);
  assert.equal(objs[0].summary, 'total');
  const row = (type: string, src: number, dst: number) => objs[0].rows.find((r: { type: string; src_pid: number; dst_pid: number }) => r.type === type && r.src_pid === src && r.dst_pid === dst);
  assert.deepEqual(
    [row('pipe', pids.PW, pids.PR), row('unix-stream', pids.US, pids.UR), row('signal', pids.SS, pids.ST)].map((r) => [r.src_comm, r.dst_comm, r.events, r.bytes]),
    [
      ['rec-pwrite', 'rec-pread', N, 16 * N],
      ['rec-usend', 'rec-urecv', N, 16 * N],
      ['rec-sigsend', 'rec-sigtarget', N, null],
    ],
  );
  assert.ok(objs[0].seconds > 0);

  const t = await runIpcdump(['-r', file, '--summary', ...names]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /^ipcdump summary: total, \S+ \.\. \S+ \(\d+\.\d{3} s\)\nevents +events\/s +bytes +bytes\/s +type +source +destination\n/);
  assert.match(t.stdout, new RegExp(`\\n +${N} +\\d+\\.\\d +${16 * N} +\\d+\\.\\d +pipe +${pids.PW}\\(rec-pwrite\\) +${pids.PR}\\(rec-pread\\)\\n`));
  assert.match(t.stdout, new RegExp(`\\n +${N} +\\d+\\.\\d +- +- +signal +${pids.SS}\\(rec-sigsend\\) +${pids.ST}\\(rec-sigtarget\\)\\n`));

  const c = await runIpcdump(['-r', file, '--summary', '-f', 'csv', ...names]);
  const lines = c.stdout.trim().split('\n');
  assert.match(lines[0], /^window,start,end,type,src_pid,/);
  assert.ok(lines.some((l) => l.startsWith('total,') && l.includes(`,unix-stream,${pids.US},rec-usend,${pids.UR},rec-urecv,${N},${16 * N},`)), c.stdout);
});

test('--summary N on replay: intervals by the recording\'s own time', async () => {
  const r = await runIpcdump(['-r', file, '--summary', '1', '-f', 'json', '-P', 'rec-pwrite']);
  assert.equal(r.code, 0, r.stderr);
  const objs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const total = objs.pop();
  assert.equal(total.summary, 'total');
  assert.ok(objs.length >= 1 && objs.every((o) => o.summary === 'interval'));
  // the intervals add up to the total, and tile the recording from its start
  assert.equal(objs.reduce((n, o) => n + o.events, 0), total.events);
  assert.equal(objs[0].start, total.start);
  for (let i = 1; i < objs.length; i++) assert.equal(objs[i].start, objs[i - 1].end);
});

test('a live run printing JSON and the replay of its own recording are identical', async () => {
  const f = path.join(dir, 'same.ipcd');
  const [live, p] = await recorded(['--print', '-f', 'json', '-x', '-w', f], (t, p) => {
    checkWorkload(jsonLines(t.stdout), p, true);
    return [t.stdout, p] as const;
  });
  const r = await runIpcdump(['-r', f, '-f', 'json', '-x']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(live.length > 0);
  assert.equal(r.stdout, live);
  void p;
  // and filtered: the same records as filtering the live output
  const flt = await runIpcdump(['-r', f, '-f', 'json', '-x', '-P', 'rec-pread']);
  assert.equal(flt.stdout, jsonLines(live).filter((x) => x.src_comm === 'rec-pread' || x.dst_comm === 'rec-pread').map((x) => JSON.stringify(x) + '\n').join(''));
});

test('a live --summary and the summary of its own recording are identical', async () => {
  const f = path.join(dir, 'summary.ipcd');
  const liveOut = await recorded(['--summary', '-f', 'json', '-w', f], (t, p) => {
    const live = JSON.parse(t.stdout);
    assert.equal(live.summary, 'total');
    const row = live.rows.find((r: { type: string; src_pid: number }) => r.type === 'pipe' && r.src_pid === p.PW);
    assert.deepEqual([row.dst_pid, row.events, row.bytes], [p.PR, N, 16 * N]);
    return t.stdout;
  });
  const r = await runIpcdump(['-r', f, '--summary', '-f', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, liveOut);
});

test('a recording cut off by SIGKILL replays up to its last whole entry', async () => {
  const f = path.join(dir, 'killed.ipcd');
  const t = await startIpcdump(['-x', '-w', f]);
  // 7 messages of each kind, spaced out: kill the recorder once the first pipe message is in
  // the file (the recorder writes each batch out; -x stores the bytes as they are), so the
  // kill lands half-way however slow the machine (a fixed wait did not under QEMU)
  const gap = scaled(400);
  const run = sh(`/usr/bin/python3 ${WORKLOAD} ${N} ${gap}`, { timeoutMs: scaled(60000) });
  const first = Buffer.from('pipe-msg-0000000');
  const deadline = Date.now() + scaled(20000);
  while (!fs.existsSync(f) || !fs.readFileSync(f).includes(first)) {
    assert.ok(Date.now() < deadline, 'the first pipe message never reached the recording');
    await sleep(50);
  }
  assert.deepEqual(await t.stop('SIGKILL'), { code: null, signal: 'SIGKILL' });
  const wl = await run;
  assert.equal(wl.code, 0, wl.stderr);
  const p = wl.pids as unknown as Pids;

  const r = await runIpcdump(['-r', f, '-f', 'json', '-x']);
  assert.equal(r.code, 0, r.stderr);
  // no end marker (or, if killed mid-write, a cut entry): one note, never an error
  assert.match(oneLine(r.stderr), /^ipcdump: note: .*killed\.ipcd (has no end marker|ends in the middle of an entry)/);
  const pipe = between(jsonLines(r.stdout), 'pipe', p.PW, p.PR);
  assert.ok(pipe.length >= 1 && pipe.length < N, `some pipe events, not all: ${pipe.length}`);
  pipe.forEach((x, i) => assert.equal(Buffer.from(x.bytes!, 'base64').toString(), `pipe-msg-${String(i).padStart(7, '0')}`));

  // the same file cut inside an entry, as `head -c` would: the note says so, exit 0
  const whole = fs.readFileSync(f);
  const cut = path.join(dir, 'cut.ipcd');
  fs.writeFileSync(cut, whole.subarray(0, whole.length - 3));
  const c = await runIpcdump(['-r', cut, '-f', 'json']);
  assert.equal(c.code, 0, c.stderr);
  assert.match(oneLine(c.stderr), /^ipcdump: note: .*cut\.ipcd ends in the middle of an entry \(the recording was cut off\); replayed everything before it, ignored the last \d+ bytes$/);
  assert.ok(jsonLines(c.stdout).length >= jsonLines(r.stdout).length - 1);
});

test('-r A -w B writes a filtered copy that keeps A\'s origin', async () => {
  const copy = path.join(dir, 'copy.ipcd');
  const w = await runIpcdump(['-r', file, '-x', '-P', 'rec-urecv', '-w', copy]);
  assert.equal(w.code, 0, w.stderr);
  assert.equal(w.stdout, '');
  const fromCopy = await runIpcdump(['-r', copy, '-f', 'json', '-x']);
  const filtered = await runIpcdump(['-r', file, '-f', 'json', '-x', '-P', 'rec-urecv']);
  assert.equal(fromCopy.stdout, filtered.stdout);
  assert.equal(between(jsonLines(fromCopy.stdout), 'unix-stream', pids.US, pids.UR).length, N);
  const [a, b] = [await openRecording(file), await openRecording(copy)];
  assert.deepEqual([b.meta.hostname, b.meta.kernel, b.meta.startNs, b.meta.captureBytes], [a.meta.hostname, a.meta.kernel, a.meta.startNs, true]);
  assert.deepEqual(b.meta.copiedFrom, { writer: a.meta.writer, argv: a.meta.argv });
  await Promise.all([a.close(), b.close()]);
  // the copy ends where the original ended, so its summary covers the same time
  const sa = JSON.parse((await runIpcdump(['-r', file, '--summary', '-f', 'json', '-P', 'rec-urecv'])).stdout);
  const sb = JSON.parse((await runIpcdump(['-r', copy, '--summary', '-f', 'json'])).stdout);
  assert.deepEqual(sb, sa);
});

test('-r needs neither root nor BPF', async () => {
  // root without any capability is what the kernel sees for an unprivileged user
  const r = spawnSync('setpriv', ['--bounding-set=-all', '--inh-caps=-all', process.execPath, CLI, '-r', file, '-f', 'json', '-t', 'signal'], {
    encoding: 'utf8',
    timeout: scaled(30000),
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(between(jsonLines(r.stdout), 'signal', pids.SS, pids.ST).length, N);
  // and as nobody, when this checkout is readable by it
  if (spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', CLI]).status === 0) {
    const open = fs.mkdtempSync(path.join('/tmp', 'ipcdump-nobody-'));
    fs.chmodSync(open, 0o755);
    const f = path.join(open, 'r.ipcd');
    fs.copyFileSync(file, f);
    fs.chmodSync(f, 0o644);
    const n = await runIpcdump(['-r', f, '-f', 'json', '-t', 'signal'], { uid: 65534, gid: 65534 });
    fs.rmSync(open, { recursive: true });
    assert.equal(n.code, 0, n.stderr);
    assert.equal(between(jsonLines(n.stdout), 'signal', pids.SS, pids.ST).length, N);
  }
});

test('bad recordings: one line, exit 1, and -w is not touched', async () => {
  const out = path.join(dir, 'untouched.ipcd');
  fs.writeFileSync(out, 'keep me');
  const cases: Array<[string, Buffer | null, RegExp]> = [
    ['missing.ipcd', null, /^ipcdump: cannot read recording ".*missing\.ipcd": no such file or directory$/],
    ['garbage.ipcd', Buffer.from('this is not a recording\n'), /^ipcdump: .*garbage\.ipcd is not an ipcdump recording \(it does not start with the recording signature; make one with ipcdump -w\)$/],
    ['empty.ipcd', Buffer.alloc(0), /^ipcdump: recording ".*empty\.ipcd" is empty: not an ipcdump recording, or ipcdump was killed before it wrote anything$/],
    ['header.ipcd', fs.readFileSync(file).subarray(0, 30), /^ipcdump: recording ".*header\.ipcd" was cut off inside its header \(30 of \d+ bytes\): it holds no events$/],
  ];
  const newer = Buffer.from(fs.readFileSync(file));
  newer.writeUInt16LE(9, 8);
  cases.push(['newer.ipcd', newer, /^ipcdump: recording ".*newer\.ipcd" was made by a newer ipcdump \(format 9, this one reads up to 1\); upgrade ipcdump$/]);
  for (const [name, content, want] of cases) {
    const f = path.join(dir, name);
    if (content) fs.writeFileSync(f, content);
    const r = await runIpcdump(['-r', f, '-w', out]);
    assert.equal(r.code, 1, name);
    assert.match(oneLine(r.stderr), want, name);
    assert.equal(fs.readFileSync(out, 'utf8'), 'keep me', `${name}: -w output not created or truncated`);
  }
  // damage after some entries: what came before is printed, then one line naming the offset
  const damaged = Buffer.from(fs.readFileSync(file));
  const entries: number[] = [];
  for (let o = 16 + damaged.readUInt32LE(12); o < damaged.length; o += 4 + damaged.readUInt32LE(o)) entries.push(o);
  const at = entries[entries.length - 5];
  damaged.writeUInt32LE(0xfffffff0, at);
  const f = path.join(dir, 'damaged.ipcd');
  fs.writeFileSync(f, damaged);
  const r = await runIpcdump(['-r', f, '-f', 'json']);
  assert.equal(r.code, 1);
  assert.match(oneLine(r.stderr), new RegExp(`^ipcdump: recording ".*damaged\\.ipcd" is damaged at byte offset ${at} \\(entry size 4294967280\\); the \\d+ events before it were replayed$`));
  assert.ok(jsonLines(r.stdout).length > 0, 'the events before the damage were printed');
});
