/**
 * `ipcdump --map` end to end, as a user meets it: the real CLI traces this machine, real
 * processes talk over a pipe, a unix socket, loopback TCP and a signal, and Debian's Chromium
 * (headless, driven by playwright-core) shows the page. The assertions read what the page
 * draws (cytoscape's elements), click nodes and edges like a user, and check access control
 * on the real server. Root is needed (tracing); /usr/bin/chromium comes with scripts/setup.sh.
 *
 * Screenshots go to build/test-artifacts/ (map.png: the test's processes; map-all.png:
 * the whole machine).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import WebSocket from 'ws';
import { chromium, type Browser, type Page } from 'playwright-core';
import { IpcdumpProcess, ROOT } from '../helpers/ipcdump-process';
import { sh, tmpDir, type ShellRun } from '../helpers/workloads';
import { scaled } from '../helpers/slow';

// Code passed to page.evaluate runs in the browser; the project compiles without the DOM lib.
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'build', 'test-artifacts');
const WORKLOAD = path.join(ROOT, 'test', 'helpers', 'map_workload.py');
const N = 3;
const KINDS = [
  { kind: 'pipe', type: 'pipe' },
  { kind: 'unix', type: 'unix-stream' },
  { kind: 'tcp', type: 'loopback-tcp' },
  { kind: 'signal', type: 'signal' },
] as const;
const msgLen = (kind: string): number => `ipcmap-hello-${kind}`.length;

interface PageEdge {
  key: number;
  /** cytoscape element id */
  id: string;
  src: number;
  dst: number;
  srcComm: string;
  dstComm: string;
  type: string;
  events: number;
  bytes: number;
  label: string;
  visible: boolean;
}
interface PageNode {
  /** node id: the pid, or an id above any pid once the pid went to another process */
  id: number;
  pid: number;
  comm: string;
  label: string;
  ppid: number;
  group: string;
  parent: string | null;
  exited: boolean;
  visible: boolean;
}

let browser: Browser;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
});

/** Starts `ipcdump ARGS` and returns it with the URL it printed. */
async function startMap(args: string[], ready = /tracing .*Ctrl-C/): Promise<{ proc: IpcdumpProcess; url: URL }> {
  const proc = new IpcdumpProcess(args, { readyPattern: ready });
  try {
    await proc.ready(30000);
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  const m = /^ipcdump: IPC map at (\S+)$/m.exec(proc.stderr);
  assert.ok(m, `no URL line on stderr: ${proc.stderr}`);
  return { proc, url: new URL(m[1]) };
}

function get(url: URL, pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: url.port, path: pathAndQuery, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

/** Opens a WebSocket; resolves with the first message, or the HTTP status it was refused with. */
function wsTry(address: string, headers: Record<string, string> = {}): Promise<{ refused?: number; first?: { t: string } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode });
      ws.terminate();
    });
    ws.on('message', (data) => {
      resolve({ first: JSON.parse(data.toString()) });
      ws.close();
    });
    ws.on('error', (err) => reject(err));
  });
}

async function openPage(url: URL): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as unknown as { pageErrors: string[] }).pageErrors = errors;
  await page.goto(url.href);
  await page.waitForFunction(() => window.ipcmap?.state().connected === true, undefined, { timeout: scaled(15000) });
  return page;
}

const pageEdges = (page: Page): Promise<PageEdge[]> => page.evaluate(() => window.ipcmap.edges());
const pageNodes = (page: Page): Promise<PageNode[]> => page.evaluate(() => window.ipcmap.nodes());

/** Polls the page until `pred` holds; fails with what the page showed. */
async function until<T>(page: Page, what: string, read: () => Promise<T>, pred: (v: T) => boolean, ms = 15000): Promise<T> {
  const end = Date.now() + scaled(ms);
  let last: T = await read();
  while (!pred(last)) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; the page showed: ${JSON.stringify(last).slice(0, 3000)}`);
    await page.waitForTimeout(200);
    last = await read();
  }
  return last;
}

/**
 * The element id of a process's node, found by pid and name: pids are reused within seconds
 * on a busy machine, and the map then moves the exited process to another id.
 */
async function nodeOf(page: Page, pid: number, comm: string): Promise<PageNode> {
  const n = (await pageNodes(page)).find((x) => x.pid === pid && x.comm === comm);
  assert.ok(n, `no node for ${comm} (${pid})`);
  return n;
}

/** Clicks where cytoscape draws an element (a node's centre, an edge's midpoint). */
async function clickElement(page: Page, id: string): Promise<void> {
  const at = await page.evaluate((eid: string) => {
    const ele = window.ipcmap.cy.getElementById(eid);
    const p = ele.isNode() ? ele.renderedPosition() : ele.renderedMidpoint();
    const box = document.getElementById('graph').getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }, id);
  await page.mouse.click(at.x, at.y);
}

/**
 * Clicks an element until the details panel shows `title` (a live graph may still be moving
 * when the first click lands); `id` is looked up again before each try.
 */
async function clickUntilShown(page: Page, id: () => Promise<string>, title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await clickElement(page, await id());
    try {
      await page.waitForFunction((t: string) => document.getElementById('details-title')?.textContent === t, title, { timeout: scaled(2000) });
      return;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

/** A cgroup v2 directory to move a workload into (grouping), or null where there is none. */
function makeCgroup(): string | null {
  const line = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.includes(' - cgroup2 '));
  if (!line) return null;
  const dir = path.join(line.split(' ')[4], `ipcmap-e2e-${process.pid}.scope`);
  try {
    fs.mkdirSync(dir);
    return dir;
  } catch {
    return null;
  }
}

test('the map server refuses requests without the token, from other hosts and other origins', async () => {
  const { proc, url } = await startMap(['--map']);
  try {
    assert.equal(url.hostname, '127.0.0.1');
    const token = url.searchParams.get('token')!;
    assert.match(token, /^[0-9a-f]{32}$/);
    const ok = await get(url, `/?token=${token}`);
    assert.equal(ok.status, 200);
    assert.match(ok.body, /<title>ipcdump map<\/title>/);
    assert.equal((await get(url, `/app.js?token=${token}`)).status, 200);
    assert.equal((await get(url, `/vendor/cytoscape.min.js?token=${token}`)).status, 200);

    for (const p of ['/', '/app.js', '/vendor/cytoscape.min.js', `/?token=${'0'.repeat(32)}`, `/?token=${token.slice(1)}`]) {
      const r = await get(url, p);
      assert.equal(r.status, 403, `${p} without the right token`);
      assert.doesNotMatch(r.body, /ipcmap|cytoscape/, 'nothing of the page leaks');
    }
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own Host.
    assert.equal((await get(url, `/?token=${token}`, { Host: `evil.example:${url.port}` })).status, 403);
    assert.equal((await get(url, `/?token=${token}`, { Host: `localhost:${url.port}` })).status, 200);

    const wsBase = `ws://127.0.0.1:${url.port}/ws`;
    assert.deepEqual(await wsTry(wsBase), { refused: 403 });
    assert.deepEqual(await wsTry(`${wsBase}?token=${'f'.repeat(32)}`), { refused: 403 });
    assert.deepEqual(await wsTry(`${wsBase}?token=${token}`, { Origin: 'http://evil.example' }), { refused: 403 });
    assert.equal((await wsTry(`${wsBase}?token=${token}`, { Origin: `http://127.0.0.1:${url.port}` })).first?.t, 'hello');
  } finally {
    await proc.stop();
  }
});

test('a taken port is one clear line and exit 1', async () => {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as import('node:net').AddressInfo).port;
  try {
    const p = new IpcdumpProcess(['--map', String(port)]);
    const exit = await p.exited;
    assert.equal(exit.code, 1);
    assert.equal(p.stderr, `ipcdump: --map: port ${port} on 127.0.0.1 is already in use (choose another with --map PORT, or --map alone for a free one)\n`);
  } finally {
    srv.close();
  }
});

test('live: pipe, unix socket, loopback TCP and signal talkers appear with their pids, names, types and counts', async (t) => {
  const { proc, url } = await startMap(['-x', '--map']);
  const cgroup = makeCgroup();
  let page: Page | undefined;
  try {
    page = await openPage(url);
    // Real IPC, all four at once; tcp runs inside a cgroup of its own when the machine has v2.
    const runs = await Promise.all(KINDS.map(({ kind }) => sh(`exec /usr/bin/python3 ${WORKLOAD} ${kind} ${N}${kind === 'tcp' && cgroup ? ' ' + cgroup : ''}`, { timeoutMs: 20000 })));
    const run: Record<string, ShellRun> = {};
    KINDS.forEach(({ kind }, i) => {
      assert.equal(runs[i].code, 0, `${kind} workload: ${runs[i].stderr}`);
      run[kind] = runs[i];
    });

    const ours = (e: PageEdge, kind: string): boolean =>
      e.src === run[kind].pids.SENDER && e.dst === run[kind].pids.RECEIVER && e.srcComm === `mapt-${kind}-s` && e.dstComm === `mapt-${kind}-r`;
    const edges = await until(
      page,
      'the four edges with all their events',
      async () => (await pageEdges(page!)).filter((e) => /^mapt-.*-s$/.test(e.srcComm) || /^mapt-.*-s$/.test(e.dstComm)),
      (es) => KINDS.every(({ kind, type }) => es.some((e) => ours(e, kind) && e.type === type && e.events === N)),
    );
    for (const { kind, type } of KINDS) {
      const S = run[kind].pids.SENDER;
      const mine = edges.filter((e) => (e.src === S && e.srcComm === `mapt-${kind}-s`) || (e.dst === S && e.dstComm === `mapt-${kind}-s`));
      assert.equal(mine.length, 1, `${kind}: exactly one edge touches the sender: ${JSON.stringify(mine)}`);
      const e = mine[0];
      assert.equal(e.type, type);
      assert.equal(e.srcComm, `mapt-${kind}-s`);
      assert.equal(e.dstComm, `mapt-${kind}-r`);
      assert.equal(e.events, N);
      assert.equal(e.bytes, kind === 'signal' ? 0 : N * msgLen(kind), `${kind} bytes`);
      assert.equal(e.visible, true);
    }
    const nodes = await pageNodes(page);
    for (const { kind } of KINDS) {
      for (const [role, pid] of [
        ['s', run[kind].pids.SENDER],
        ['r', run[kind].pids.RECEIVER],
      ] as const) {
        const n = nodes.find((x) => x.pid === pid && x.comm === `mapt-${kind}-${role}`);
        assert.ok(n, `node of ${kind} ${role} (${pid})`);
        assert.equal(n.label, `mapt-${kind}-${role} (${pid})`);
        assert.equal(n.visible, true);
      }
      assert.equal(nodes.find((x) => x.pid === run[kind].pids.SENDER && x.comm === `mapt-${kind}-s`)!.ppid, run[kind].pids.RECEIVER, 'the sender was forked by the receiver');
    }
    // Grouping by cgroup: the tcp pair sits in its scope's box.
    if (cgroup) {
      const g = `g:${path.basename(cgroup)}`;
      assert.equal((await nodeOf(page, run.tcp.pids.SENDER, 'mapt-tcp-s')).parent, g);
      assert.equal((await nodeOf(page, run.tcp.pids.RECEIVER, 'mapt-tcp-r')).parent, g);
      assert.notEqual((await nodeOf(page, run.pipe.pids.SENDER, 'mapt-pipe-s')).parent, g);
    } else t.diagnostic('no writable cgroup v2 hierarchy: grouping by cgroup not checked');

    const totals = await page.evaluate(() => window.ipcmap.state());
    assert.equal(totals.source, 'live');
    assert.match(totals.status, /connected · .* events\/s/);

    // The whole machine, as a user sees it first.
    await page.click('#fit');
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(ARTIFACTS, 'map-all.png') });

    // Filter by command: our eight processes remain drawn, and this test process, which
    // reads what the receivers print (a pipe from each).
    await page.fill('#filter-comm', 'mapt-');
    const ourPids = KINDS.flatMap(({ kind }) => [run[kind].pids.SENDER, run[kind].pids.RECEIVER]);
    const visible = (await pageNodes(page)).filter((n) => n.visible);
    const shown = new Set(visible.map((n) => n.pid));
    for (const pid of ourPids) assert.ok(shown.has(pid), `pid ${pid} shown`);
    for (const pid of shown) assert.ok(ourPids.includes(pid) || pid === process.pid, `pid ${pid} should be filtered out: ${JSON.stringify(visible)}`);
    await page.click('#relayout');
    await page.waitForTimeout(800);

    // Click a node: its details, who it talks with, its recent events.
    const pipeR = run.pipe.pids.RECEIVER;
    const pipeS = run.pipe.pids.SENDER;
    const pipeRNode = await nodeOf(page, pipeR, 'mapt-pipe-r');
    await clickUntilShown(page, async () => `p${(await nodeOf(page!, pipeR, 'mapt-pipe-r')).id}`, `mapt-pipe-r (${pipeR})`);
    await page.waitForFunction(() => document.querySelectorAll('#details table.recent tr.pick').length > 0, undefined, { timeout: scaled(5000) });
    const nodePanel = await page.locator('#details').innerText();
    assert.match(nodePanel, new RegExp(`mapt-pipe-s \\(${pipeS}\\)`));
    const rows = await page.locator('#details table.recent tr.pick').allInnerTexts();
    assert.equal(rows.filter((r) => r.includes(`mapt-pipe-s (${pipeS}) → mapt-pipe-r (${pipeR})`)).length, N, rows.join('\n'));
    assert.deepEqual(await page.evaluate(() => window.ipcmap.selection()), { kind: 'node', id: pipeRNode.id });

    // Click the pipe edge: its stats and the bytes of its events in the hex view.
    await clickUntilShown(page, async () => (await pageEdges(page!)).find((e) => ours(e, 'pipe'))!.id, `mapt-pipe-s (${pipeS}) → mapt-pipe-r (${pipeR})`);
    await page.waitForFunction(() => /\|ipcmap-hello-pip\|/.test(document.getElementById('hexview')?.textContent ?? ''), undefined, { timeout: scaled(5000) });
    const hex = await page.locator('#hexview').innerText();
    assert.match(hex, /^00000000 {2}69 70 63 6d 61 70 2d 68 {2}65 6c 6c 6f 2d 70 69 70 {2}\|ipcmap-hello-pip\|\n00000010 {2}65 /);
    const edgePanel = await page.locator('#details').innerText();
    assert.match(edgePanel, /events\s+3 \(3\)/);
    assert.match(edgePanel, new RegExp(`bytes\\s+${N * msgLen('pipe')} B`));
    await page.screenshot({ path: path.join(ARTIFACTS, 'map.png') });

    // Type filter: without signals, the signal pair disappears; back with it.
    await page.uncheck('#type-filters input[data-type="signal"]');
    let es = await pageEdges(page);
    assert.equal(es.find((e) => ours(e, 'signal'))!.visible, false);
    assert.equal(es.find((e) => ours(e, 'pipe'))!.visible, true);
    assert.equal((await nodeOf(page, run.signal.pids.SENDER, 'mapt-signal-s')).visible, false);
    await page.check('#type-filters input[data-type="signal"]');
    es = await pageEdges(page);
    assert.equal(es.find((e) => ours(e, 'signal'))!.visible, true);

    // Pid filter: the unix sender talks to its receiver only.
    await page.fill('#filter-comm', '');
    await page.fill('#filter-pid', String(run.unix.pids.SENDER));
    assert.deepEqual(new Set((await pageNodes(page)).filter((n) => n.visible).map((n) => n.pid)), new Set([run.unix.pids.SENDER, run.unix.pids.RECEIVER]));
    await page.fill('#filter-pid', '');

    // Group by process tree: each sender sits inside its parent, the receiver.
    await page.selectOption('#group-by', 'tree');
    const tree = await pageNodes(page);
    for (const { kind } of KINDS) {
      const sender = tree.find((n) => n.pid === run[kind].pids.SENDER && n.comm === `mapt-${kind}-s`)!;
      const receiver = tree.find((n) => n.pid === run[kind].pids.RECEIVER && n.comm === `mapt-${kind}-r`)!;
      assert.equal(sender.parent, `p${receiver.id}`, `${kind}: the sender inside its parent`);
    }
    await page.selectOption('#group-by', 'cgroup');

    // Pause: no more updates reach the page; resume: they do again (after a snapshot).
    await page.click('#pause');
    await page.waitForTimeout(600);
    const before = await page.evaluate(() => window.ipcmap.state().stateMessages);
    await page.waitForTimeout(1500);
    const paused = await page.evaluate(() => window.ipcmap.state());
    assert.equal(paused.paused, true);
    assert.equal(paused.stateMessages, before, 'no state applied while paused');
    await page.click('#pause');
    await page.waitForFunction((n: number) => window.ipcmap.state().stateMessages > n, before, { timeout: scaled(5000) });
    assert.deepEqual((page as unknown as { pageErrors: string[] }).pageErrors, []);
  } finally {
    await page?.close();
    await proc.stop();
    if (cgroup) {
      try {
        fs.rmdirSync(cgroup);
      } catch (err) {
        t.diagnostic(`could not remove ${cgroup}: ${(err as Error).message}`); // a workload still in it
      }
    }
  }
});

test('replay: ipcdump -r FILE --map shows the recorded talkers and their counts', async () => {
  const dir = tmpDir('ipcmap-e2e-');
  const file = path.join(dir, 'ipc.ipcd');
  try {
    const rec = new IpcdumpProcess(['-x', '-w', file]);
    await rec.ready();
    const run = await sh(`exec /usr/bin/python3 ${WORKLOAD} pipe ${N}`, { timeoutMs: 20000 });
    assert.equal(run.code, 0, run.stderr);
    await new Promise((r) => setTimeout(r, scaled(500)));
    assert.equal((await rec.stop()).code, 0, rec.stderr);

    const { proc, url } = await startMap(['-x', '-r', file, '--map'], /the map stays up/);
    try {
      const page = await openPage(url);
      const es = await until(
        page,
        'the recorded pipe edge',
        () => pageEdges(page),
        (xs) => xs.some((e) => e.src === run.pids.SENDER && e.dst === run.pids.RECEIVER && e.events === N),
      );
      const e = es.find((x) => x.src === run.pids.SENDER && x.dst === run.pids.RECEIVER)!;
      assert.equal(e.type, 'pipe');
      assert.equal(e.srcComm, 'mapt-pipe-s');
      assert.equal(e.dstComm, 'mapt-pipe-r');
      assert.equal(e.bytes, N * msgLen('pipe'));
      const st = await page.evaluate(() => window.ipcmap.state());
      assert.equal(st.source, file);
      assert.match(await page.locator('#source').innerText(), /^recording /);
      // the recording's process tree came along: the sender's parent is the receiver
      const n = await nodeOf(page, run.pids.SENDER, 'mapt-pipe-s');
      assert.equal(n.ppid, run.pids.RECEIVER);
      await page.close();
    } finally {
      await proc.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
