/**
 * `ipcdump --map [PORT]`: an HTTP + WebSocket server on 127.0.0.1 that shows the live IPC
 * graph (web/map/) and, as an EventConsumer, feeds the aggregation (graph-model.ts).
 *
 * Events never cross the socket: `record` only aggregates, and a timer pushes what changed a
 * few times a second, one JSON string shared by every page. A page that cannot keep up (its
 * socket's send buffer grows) is skipped and later resynced with a snapshot, so a slow tab
 * never makes the tracer buffer without bound. Details (recent events, bytes) are fetched on
 * demand when the user clicks. Access rules are in auth.ts; the page's files in assets.ts.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { EventConsumer } from '../ipcdump/consumer';
import type { IpcType, OutputRecord } from '../ipcdump/event';
import type { ProcEvent, ProcInfoCache } from '../ipcdump/proc-info';
import { hostAllowed, newToken, originAllowed, pathOf, tokenMatches, tokenOf } from './auth';
import { loadAssets } from './assets';
import { GraphModel, type StateDelta } from './graph-model';
import { MAP_TYPES, type ClientMessage, type ServerMessage } from './protocol';

export interface MapServerOptions {
  /** 0 = any free port. Always bound to 127.0.0.1. */
  port: number;
  procs: ProcInfoCache;
  types: ReadonlySet<IpcType>;
  /** Events carry bytes (-x): the page offers a hex view. */
  captureBytes: boolean;
  /** 'live' or the recording's path (shown in the page title). */
  source: string;
  /** Push interval, ms (default 250). */
  pushMs?: number;
  /** Node and edge caps and the exited-process age (see graph-model.ts for the defaults). */
  maxNodes?: number;
  maxEdges?: number;
  ageMs?: number;
}

export interface MapServer extends EventConsumer {
  /** http://127.0.0.1:PORT/?token=... */
  url: string;
  port: number;
  token: string;
  /** The aggregation (read-only use: tests and the bench look at it). */
  model: GraphModel;
  /** What pushing has cost so far (the bench reports it). */
  stats(): MapServerStats;
}

export interface MapServerStats {
  ticks: number;
  /** Time spent in ticks: aggregation read-out, JSON, socket writes. */
  tickMs: number;
  /** Bytes of WebSocket payload written, all pages together. */
  sentBytes: number;
  sentMessages: number;
  clients: number;
}

const DEFAULT_PUSH_MS = 250;
/** A page whose unsent data exceeds this is skipped, then resynced below LOW_WATER. */
const HIGH_WATER = 4 << 20;
const LOW_WATER = 256 << 10;

/** Replies that are not the page, with a short reason (never our internals). */
const SECURITY_HEADERS: http.OutgoingHttpHeaders = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

interface Client {
  ws: WebSocket;
  paused: boolean;
  /** Gets a snapshot instead of the next delta (new, resumed or fell behind). */
  needsSnapshot: boolean;
}

function listenError(err: NodeJS.ErrnoException, port: number): Error {
  if (err.code === 'EADDRINUSE') return new Error(`--map: port ${port} on 127.0.0.1 is already in use (choose another with --map PORT, or --map alone for a free one)`);
  if (err.code === 'EACCES') return new Error(`--map: not allowed to listen on port ${port} of 127.0.0.1`);
  return new Error(`--map: cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export async function startMapServer(opts: MapServerOptions): Promise<MapServer> {
  const assets = loadAssets();
  const live = opts.source === 'live';
  const model = new GraphModel({
    procs: opts.procs,
    clock: live ? 'wall' : 'events',
    ageMs: opts.ageMs,
    maxNodes: opts.maxNodes,
    maxEdges: opts.maxEdges,
    isAlive: live ? isAlive : undefined,
  });
  const token = newToken();
  const pushMs = opts.pushMs ?? DEFAULT_PUSH_MS;
  let port = opts.port;
  let index: Buffer = Buffer.alloc(0);

  const csp = (): string =>
    [
      "default-src 'none'",
      "script-src 'self'",
      // cytoscape sets element styles from script
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      `connect-src ws://127.0.0.1:${port} ws://localhost:${port}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; ');

  const deny = (res: http.ServerResponse, code: number, why: string): void => {
    res.writeHead(code, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(why) + 1 });
    res.end(why + '\n');
  };

  const server = http.createServer((req, res) => {
    if (!hostAllowed(req.headers.host, port)) return deny(res, 403, 'forbidden: this server answers to 127.0.0.1 or localhost only');
    if (!tokenMatches(tokenOf(req.url), token)) return deny(res, 403, 'forbidden: open the URL ipcdump printed (with its token)');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed');
    const p = pathOf(req.url);
    const file = p === '/' || p === '/index.html' ? { body: index, type: 'text/html; charset=utf-8' } : assets.files.get(p);
    if (file === undefined) return deny(res, 404, 'not found');
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Security-Policy': csp(), 'Content-Type': file.type, 'Content-Length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 << 10 });
  const clients = new Set<Client>();

  const counters = { ticks: 0, tickMs: 0, sentBytes: 0, sentMessages: 0 };
  const send = (c: Client, msg: ServerMessage | string): void => {
    if (c.ws.readyState !== c.ws.OPEN) return;
    const text = typeof msg === 'string' ? msg : JSON.stringify(msg);
    counters.sentBytes += text.length;
    counters.sentMessages++;
    c.ws.send(text);
  };

  const onMessage = (c: Client, data: RawData): void => {
    let msg: ClientMessage;
    try {
      msg = JSON.parse(data.toString()) as ClientMessage;
    } catch {
      return; // not ours: ignore rather than crash the tracer
    }
    if (msg === null || typeof msg !== 'object') return;
    if (msg.t === 'pause') c.paused = true;
    else if (msg.t === 'resume') {
      c.paused = false;
      c.needsSnapshot = true;
    } else if (msg.t === 'details' && Number.isInteger(msg.id)) {
      const details = typeof msg.edge === 'number' ? model.edgeDetails(msg.edge) : typeof msg.node === 'number' ? model.nodeDetails(msg.node) : null;
      send(c, { t: 'details', id: msg.id, details });
    }
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {}); // a page that vanishes mid-handshake is not our failure
    if (pathOf(req.url) !== '/ws' || !hostAllowed(req.headers.host, port) || !originAllowed(req.headers.origin, port) || !tokenMatches(tokenOf(req.url), token)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Client = { ws, paused: false, needsSnapshot: true };
      clients.add(c);
      ws.on('message', (data) => onMessage(c, data));
      ws.on('close', () => clients.delete(c));
      ws.on('error', () => clients.delete(c));
      send(c, {
        t: 'hello',
        source: opts.source,
        types: MAP_TYPES,
        traced: [...opts.types],
        captureBytes: opts.captureBytes,
        pushMs,
        maxNodes: model.maxNodes,
      });
    });
  });

  const state = (full: boolean, d: StateDelta): string => JSON.stringify({ t: 'state', full, ...d });

  const tick = (): void => {
    const t0 = performance.now();
    const delta = model.tick();
    let deltaText: string | undefined;
    let snapText: string | undefined;
    for (const c of clients) {
      if (c.paused) continue;
      if (c.needsSnapshot) {
        if (c.ws.bufferedAmount > LOW_WATER) continue;
        // Built after the tick: it already holds this delta's changes.
        snapText ??= state(true, model.snapshot(delta.totals));
        send(c, snapText);
        c.needsSnapshot = false;
      } else if (c.ws.bufferedAmount > HIGH_WATER) {
        c.needsSnapshot = true;
      } else {
        deltaText ??= state(false, delta);
        send(c, deltaText);
      }
    }
    counters.ticks++;
    counters.tickMs += performance.now() - t0;
  };

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(listenError(err, opts.port));
    server.once('error', onError);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as import('node:net').AddressInfo).port;
  index = Buffer.from(assets.indexTemplate.replaceAll('{{TOKEN}}', token));
  server.on('error', (err) => process.stderr.write(`ipcdump: map server: ${err.message}\n`));
  server.on('clientError', (_err, socket) => socket.destroy());
  const timer = setInterval(tick, pushMs);

  let closed = false;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    model,
    stats: () => ({ ...counters, clients: clients.size }),
    record: (rec: OutputRecord) => model.record(rec),
    procEvent: (ev: ProcEvent) => model.procEvent(ev),
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      // Say goodbye, but never wait on a page that does not answer: Ctrl-C must exit.
      for (const c of clients) c.ws.close(1001, 'ipcdump stopped');
      const kill = setTimeout(() => {
        for (const c of clients) c.ws.terminate();
      }, 300);
      wss.close();
      await Promise.race([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
        new Promise<void>((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
      clearTimeout(kill);
      for (const c of clients) c.ws.terminate();
    },
  };
}
