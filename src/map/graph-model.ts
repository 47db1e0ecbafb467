/**
 * The live map's aggregation: processes as nodes, (src pid, dst pid, type) as edges, each
 * edge with its event and byte totals and rates, and the changes since the last push.
 *
 * Why it is built this way:
 *  - `record` runs once per event on the hot path (50,000/s and more): it does two Map lookups
 *    with numeric keys, a few additions and a ring write, and allocates nothing once the
 *    nodes and edges exist (the per-slot byte copy in RecentEvents is reused).
 *  - Rates come from the events' own timestamps (a one-second sliding window kept as two
 *    buckets per edge), so a recording replayed in a blink shows the rates it had, not
 *    millions per second. Live, rates are read at the wall clock so a talker that went quiet
 *    fades to 0; in a recording, at the newest event's time.
 *  - `tick` (a few times a second) builds the delta: new and changed nodes, new edges, edges
 *    whose rounded stats changed, removals. Every value is absolute, and a snapshot is built
 *    from exactly what the last delta said, so a client that joins or resumes is consistent.
 *  - Memory stays bounded: exited processes age out (with their edges), and past maxNodes /
 *    maxEdges new talkers are only counted (Totals.overCap), never shown.
 *  - pids are reused, within seconds on a busy machine (pid_max 32768). A node's id is its pid
 *    while the process lives; when a new process gets the pid (a fork record, or talk long
 *    after the exit), the old node is retired to an id above any pid, with its edges, so the
 *    exited process stays on the map until it ages out and the new one starts clean.
 */
import type { IpcEvent, IpcType, OutputRecord } from '../ipcdump/event';
import { UNKNOWN_COMM, UNKNOWN_PID } from '../ipcdump/event';
import type { ProcEvent, ProcInfo } from '../ipcdump/proc-info';
import { MAP_TYPES, type ServerMessage, type EdgeDetails, type EdgeInfo, type EdgeStats, type NodeDetails, type NodeInfo, type RecentEventMsg, type Totals } from './protocol';
import { RecentEvents, RECENT_EVENTS } from './recent-events';
import { RateWindow, eventBytes, roundRate } from './rates';

/** Live: an exited process stays on the map this long after its exit. */
export const DEFAULT_AGE_MS = 60_000;
export const DEFAULT_MAX_NODES = 2000;
export const DEFAULT_MAX_EDGES = 10_000;
/**
 * Node ids: a live process's pid (below 2^22, the kernel's pid_max limit; -1 unknown) or a
 * retired process's id in [2^22, 2^23 - 2]. Edge keys pack two ids + 1 in 23 bits each and the
 * type in 3: below 2^49, exact in a double, and numeric (no string built per event).
 */
const PID_SPAN = 1 << 23;
const RETIRED_FIRST = 1 << 22;
const RETIRED_LAST = PID_SPAN - 2;

function edgeKey(srcId: number, dstId: number, type: number): number {
  return ((srcId + 1) * PID_SPAN + (dstId + 1)) * 8 + type;
}
/** Ticks between checks that quiet processes still exist (their exit record may have been lost). */
const ALIVE_CHECK_TICKS = 40;
const QUIET_MS = 10_000;
/**
 * Events of a pid this long after its exit record are still the old process's (its last
 * words, from another CPU's ring); later ones are a new process that got the pid.
 */
const EXIT_GRACE_MS = 1000;
/** Edges listed in a node's details (the most recently active). */
const NODE_DETAIL_EDGES = 200;

export interface GraphModelOptions {
  /** Process info at first sight of a pid (ppid, cgroup group). */
  procs: { lookup(pid: number, comm?: string): ProcInfo };
  /** 'wall': rates at the wall clock (live); 'events': at the newest event's time (a recording). */
  clock: 'wall' | 'events';
  /** Wall clock in ms (tests pass a fake). */
  now?: () => number;
  /** Exited processes are removed this long after exit; Infinity keeps them (recordings). */
  ageMs?: number;
  maxNodes?: number;
  maxEdges?: number;
  /** Live: whether a process still exists (catches exits whose record was lost). */
  isAlive?: (pid: number) => boolean;
}

class MapNode {
  exited = false;
  exitMs = 0;
  lastMs = 0;
  readonly edges: MapEdge[] = [];
  /** Queued for the next delta (new or changed). */
  dirty = false;
  /** Some delta has announced it (so its removal must be announced too). */
  sent = false;
  removed = false;
  /** The pid while the process lives; a retired id once another process has the pid. */
  id: number;
  /** The node of its parent process, when that is on the map (the process tree). */
  parent: MapNode | undefined;
  readonly children: MapNode[] = [];
  constructor(
    readonly pid: number,
    public comm: string,
    public ppid: number,
    public group: string,
    public cgroup: string,
  ) {
    this.id = pid;
  }

  info(): NodeInfo {
    return {
      id: this.id,
      pid: this.pid,
      comm: this.comm,
      ppid: this.ppid,
      parent: this.parent === undefined ? -1 : this.parent.id,
      group: this.group,
      cgroup: this.cgroup,
      exited: this.exited,
    };
  }
}

class MapEdge {
  key: number;
  events = 0;
  bytes = 0;
  firstNs: bigint;
  lastNs: bigint;
  firstMs: number;
  lastMs: number;
  readonly rate: RateWindow;
  /** What the last delta said (a snapshot repeats exactly this). */
  sent = false;
  sentEvents = 0;
  sentBytes = 0;
  sentRate = 0;
  sentByteRate = 0;
  readonly recent = new RecentEvents();
  constructor(
    readonly src: MapNode,
    readonly dst: MapNode,
    readonly type: number,
    ns: bigint,
    ms: number,
  ) {
    this.key = edgeKey(src.id, dst.id, type);
    this.firstNs = this.lastNs = ns;
    this.firstMs = this.lastMs = ms;
    this.rate = new RateWindow(ms);
  }

  info(): EdgeInfo {
    return { k: this.key, s: this.src.id, d: this.dst.id, t: this.type };
  }

  sentStats(): EdgeStats {
    return [this.key, this.sentEvents, this.sentBytes, this.sentRate, this.sentByteRate];
  }

  /** Totals and the rates at `nowMs`, for the details panel. */
  statsAt(nowMs: number): EdgeStats {
    return [this.key, this.events, this.bytes, this.rate.events(nowMs), this.rate.bytes(nowMs)];
  }
}

/** The body of a `state` message (protocol.ts); the server adds `t` and `full`. */
export type StateDelta = Omit<Extract<ServerMessage, { t: 'state' }>, 't' | 'full'>;

export class GraphModel {
  private readonly nodes = new Map<number, MapNode>();
  private readonly edges = new Map<number, MapEdge>();
  private readonly typeIndex = new Map<IpcType, number>(MAP_TYPES.map((t, i) => [t, i]));
  private dirtyNodes: MapNode[] = [];
  private newEdges: MapEdge[] = [];
  private goneNodes: number[] = [];
  private goneEdges: number[] = [];
  private readonly now: () => number;
  private readonly ageMs: number;
  readonly maxNodes: number;
  private readonly maxEdges: number;
  private latestMs = 0;
  private ticks = 0;
  private nextRetired = RETIRED_FIRST;
  /** Live nodes whose parent process is not on the map yet, by parent pid. */
  private readonly orphans = new Map<number, MapNode[]>();
  // totals, with the same two-bucket window as edges
  private events = 0;
  private bytes = 0;
  private readonly rate = new RateWindow(0);
  private overCap = 0;
  private readonly lost: Record<string, number> = {};

  constructor(private readonly opts: GraphModelOptions) {
    this.now = opts.now ?? Date.now;
    this.ageMs = opts.ageMs ?? (opts.clock === 'wall' ? DEFAULT_AGE_MS : Infinity);
    this.maxNodes = opts.maxNodes ?? DEFAULT_MAX_NODES;
    this.maxEdges = opts.maxEdges ?? DEFAULT_MAX_EDGES;
  }

  /** The time rates are read at. */
  clockMs(): number {
    return this.opts.clock === 'wall' ? this.now() : this.latestMs;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  get edgeCount(): number {
    return this.edges.size;
  }

  record(rec: OutputRecord): void {
    if (rec.kind === 'lost') {
      const t = rec.lost.lostType;
      this.lost[t] = (this.lost[t] ?? 0) + rec.lost.count;
      return;
    }
    this.recordEvent(rec.event);
  }

  recordEvent(ev: IpcEvent): void {
    const t = this.typeIndex.get(ev.type);
    if (t === undefined) return;
    const ns = ev.timeNs;
    const ms = Number(ns) / 1e6;
    if (ms > this.latestMs) this.latestMs = ms;
    // The edge first, straight from the pids: one lookup per event once it exists; the nodes
    // are only looked up when an edge is new.
    const sp = ev.src.pid;
    const dp = ev.dst.pid;
    let e = this.edges.get(edgeKey(sp, dp, t));
    // An exited endpoint talking well after its exit is a new process with a reused pid.
    if (e !== undefined && ((e.src.exited && ms > e.src.exitMs + EXIT_GRACE_MS) || (e.dst.exited && ms > e.dst.exitMs + EXIT_GRACE_MS))) {
      if (e.src.exited && ms > e.src.exitMs + EXIT_GRACE_MS) this.retire(e.src);
      if (e.dst.exited && ms > e.dst.exitMs + EXIT_GRACE_MS) this.retire(e.dst);
      e = undefined;
    }
    if (e === undefined) {
      e = this.newEdge(ev, t, ns, ms);
      if (e === undefined) {
        this.overCap++;
        return;
      }
    } else {
      e.src.lastMs = ms;
      e.dst.lastMs = ms;
    }
    const n = eventBytes(ev.metadata);
    e.events++;
    e.bytes += n;
    if (ns > e.lastNs) {
      e.lastNs = ns;
      e.lastMs = ms;
    }
    e.rate.add(ms, n);
    e.recent.push(ev);
    this.events++;
    this.bytes += n;
    this.rate.add(ms, n);
  }

  private newEdge(ev: IpcEvent, t: number, ns: bigint, ms: number): MapEdge | undefined {
    const s = this.node(ev.src.pid, ev.src.comm, ms);
    const d = s === undefined ? undefined : this.node(ev.dst.pid, ev.dst.comm, ms);
    if (s === undefined || d === undefined || this.edges.size >= this.maxEdges) return undefined;
    const e = new MapEdge(s, d, t, ns, ms);
    this.edges.set(e.key, e);
    s.edges.push(e);
    if (d !== s) d.edges.push(e);
    this.newEdges.push(e);
    return e;
  }

  /** The node of pid, created at first sight (asking ProcInfoCache once); undefined past the cap. */
  private node(pid: number, comm: string, ms: number): MapNode | undefined {
    let node = this.nodes.get(pid);
    if (node !== undefined && node.exited && ms > node.exitMs + EXIT_GRACE_MS) {
      this.retire(node);
      node = undefined;
    }
    if (node === undefined) {
      if (this.nodes.size >= this.maxNodes) return undefined;
      if (pid === UNKNOWN_PID) node = new MapNode(pid, UNKNOWN_COMM, -1, '', '');
      else {
        const info = this.opts.procs.lookup(pid, comm);
        node = new MapNode(pid, comm, info.ppid, info.group, info.cgroup);
      }
      this.nodes.set(pid, node);
      this.markDirty(node);
      this.linkParent(node);
    }
    node.lastMs = ms;
    return node;
  }

  /** Joins a new node to its parent process and its children that came first. */
  private linkParent(node: MapNode): void {
    if (node.ppid > 0) {
      const parent = this.nodes.get(node.ppid);
      if (parent !== undefined && parent !== node) {
        node.parent = parent;
        parent.children.push(node);
      } else {
        const waiting = this.orphans.get(node.ppid);
        if (waiting === undefined) this.orphans.set(node.ppid, [node]);
        else waiting.push(node);
      }
    }
    const kids = this.orphans.get(node.pid);
    if (kids === undefined) return;
    this.orphans.delete(node.pid);
    for (const c of kids) {
      if (c.removed || c.id !== c.pid || c === node) continue;
      c.parent = node;
      node.children.push(c);
      this.markDirty(c);
    }
  }

  /** A node leaves the process tree: it no longer waits for its parent. */
  private unlinkOrphan(node: MapNode): void {
    if (node.parent !== undefined || node.ppid <= 0) return;
    const waiting = this.orphans.get(node.ppid);
    if (waiting === undefined) return;
    const i = waiting.indexOf(node);
    if (i >= 0) waiting.splice(i, 1);
    if (waiting.length === 0) this.orphans.delete(node.ppid);
  }

  /**
   * Another process has this node's pid: the node moves to a retired id (with its edges,
   * re-keyed), announced as gone under the old ids and new under the new ones.
   */
  private retire(node: MapNode): void {
    if (node.pid === UNKNOWN_PID || node.id !== node.pid) return;
    let id = this.nextRetired;
    while (this.nodes.has(id)) id = id >= RETIRED_LAST ? RETIRED_FIRST : id + 1;
    this.nextRetired = id >= RETIRED_LAST ? RETIRED_FIRST : id + 1;
    this.nodes.delete(node.id);
    if (node.sent) this.goneNodes.push(node.id);
    node.id = id;
    node.sent = false;
    this.nodes.set(id, node);
    this.markDirty(node);
    this.unlinkOrphan(node);
    for (const c of node.children) this.markDirty(c); // their parent's id changed
    if (!node.exited) {
      node.exited = true; // its exit record was lost
      node.exitMs = node.lastMs;
    }
    for (const e of node.edges) {
      if (this.edges.get(e.key) !== e) continue; // a loop edge, already moved
      this.edges.delete(e.key);
      if (e.sent) this.goneEdges.push(e.key);
      e.key = edgeKey(e.src.id, e.dst.id, e.type);
      e.sent = false;
      this.edges.set(e.key, e);
      this.newEdges.push(e);
    }
  }

  private markDirty(node: MapNode): void {
    if (!node.dirty) {
      node.dirty = true;
      this.dirtyNodes.push(node);
    }
  }

  procEvent(ev: ProcEvent): void {
    const node = this.nodes.get(ev.pid);
    if (node === undefined) return;
    const ms = Number(ev.timeNs) / 1e6;
    if (ev.kind === 'fork') {
      // A new process has this pid: the node we have is the old one's.
      this.retire(node);
      return;
    }
    if (ev.kind === 'comm') {
      if (node.comm !== ev.comm) {
        node.comm = ev.comm;
        this.markDirty(node);
      }
      return;
    }
    if (!node.exited) {
      node.exited = true;
      node.exitMs = ms;
      this.markDirty(node);
    }
  }

  private removeNode(node: MapNode): void {
    if (node.removed) return;
    node.removed = true;
    this.nodes.delete(node.id);
    this.unlinkOrphan(node);
    for (const c of node.children) {
      c.parent = undefined;
      this.markDirty(c);
    }
    if (node.parent !== undefined) {
      const i = node.parent.children.indexOf(node);
      if (i >= 0) node.parent.children.splice(i, 1);
    }
    if (node.sent) this.goneNodes.push(node.id);
    for (const e of node.edges) {
      if (!this.edges.delete(e.key)) continue;
      if (e.sent) this.goneEdges.push(e.key);
      const other = e.src === node ? e.dst : e.src;
      if (other !== node) {
        const i = other.edges.indexOf(e);
        if (i >= 0) other.edges.splice(i, 1);
      }
    }
    node.edges.length = 0;
  }

  /** Ages out exited processes (and, live, quiet ones that no longer exist). */
  private age(now: number): void {
    const checkAlive = this.opts.isAlive !== undefined && this.ticks % ALIVE_CHECK_TICKS === 0;
    if (this.ageMs === Infinity && !checkAlive) return;
    for (const node of this.nodes.values()) {
      if (node.exited) {
        if (now - node.exitMs > this.ageMs && node.lastMs <= node.exitMs + EXIT_GRACE_MS) this.removeNode(node);
      } else if (checkAlive && node.pid > 0 && node.id === node.pid && now - node.lastMs > QUIET_MS && !this.opts.isAlive!(node.pid)) {
        node.exited = true;
        node.exitMs = now;
        this.markDirty(node);
      }
    }
  }

  totals(now = this.clockMs()): Totals {
    return {
      events: this.events,
      bytes: this.bytes,
      eventRate: this.rate.events(now),
      byteRate: this.rate.bytes(now),
      lost: { ...this.lost },
      nodes: this.nodes.size,
      edges: this.edges.size,
      overCap: this.overCap,
      clockMs: now,
    };
  }

  /**
   * What changed since the previous tick: called at the push rate, whether or not anyone
   * listens (so removals never pile up). O(edges): rates decay without events, so every
   * edge's rounded stats are compared with what was last sent.
   */
  tick(): StateDelta {
    this.ticks++;
    const now = this.clockMs();
    this.age(now);
    const nodes: NodeInfo[] = [];
    for (const node of this.dirtyNodes) {
      node.dirty = false;
      if (node.removed) continue;
      node.sent = true;
      nodes.push(node.info());
    }
    this.dirtyNodes = [];
    const edges: EdgeInfo[] = [];
    for (const e of this.newEdges) if (this.edges.get(e.key) === e) edges.push(e.info());
    this.newEdges = [];
    const stats: EdgeStats[] = [];
    for (const e of this.edges.values()) {
      const r = e.rate.events(now);
      const br = e.rate.bytes(now);
      if (!e.sent || e.events !== e.sentEvents || r !== e.sentRate || br !== e.sentByteRate) {
        e.sent = true;
        e.sentEvents = e.events;
        e.sentBytes = e.bytes;
        e.sentRate = r;
        e.sentByteRate = br;
        stats.push([e.key, e.events, e.bytes, r, br]);
      }
    }
    const delta: StateDelta = { nodes, edges, stats, goneNodes: this.goneNodes, goneEdges: this.goneEdges, totals: this.totals(now) };
    this.goneNodes = [];
    this.goneEdges = [];
    return delta;
  }

  /** Everything the deltas so far have said: what a new or resumed page starts from. */
  snapshot(totals: Totals): StateDelta {
    const nodes: NodeInfo[] = [];
    for (const node of this.nodes.values()) if (node.sent) nodes.push(node.info());
    const edges: EdgeInfo[] = [];
    const stats: EdgeStats[] = [];
    for (const e of this.edges.values()) {
      if (!e.sent) continue;
      edges.push(e.info());
      stats.push(e.sentStats());
    }
    return { nodes, edges, stats, goneNodes: [], goneEdges: [], totals };
  }

  edgeDetails(key: number): EdgeDetails | null {
    const e = this.edges.get(key);
    if (e === undefined) return null;
    const span = (e.lastMs - e.firstMs) / 1000;
    const recent: RecentEventMsg[] = [];
    for (let i = 0; i < e.recent.size; i++) recent.push(e.recent.message(i, e.type, e.src.pid, e.dst.pid));
    const now = this.clockMs();
    return {
      kind: 'edge',
      edge: e.info(),
      stats: e.statsAt(now),
      avgEventRate: span > 0 ? roundRate(e.events / span) : e.events,
      firstNs: e.firstNs.toString(),
      lastNs: e.lastNs.toString(),
      src: e.src.info(),
      dst: e.dst.info(),
      recent,
    };
  }

  /** Details of the node with this id (a pid, or a retired process's id). */
  nodeDetails(id: number): NodeDetails | null {
    const node = this.nodes.get(id);
    if (node === undefined) return null;
    const now = this.clockMs();
    // A busy server may have thousands of peers: the panel lists the most active ones.
    const top = node.edges.length <= NODE_DETAIL_EDGES ? node.edges : [...node.edges].sort((a, b) => b.lastMs - a.lastMs || b.events - a.events).slice(0, NODE_DETAIL_EDGES);
    const edges = top.map((e) => ({
      edge: e.info(),
      stats: e.statsAt(now),
    }));
    // The newest RECENT_EVENTS over all its edges: a merge of the edges' rings (each newest first).
    const pos = new Array<number>(node.edges.length).fill(0);
    const recent: RecentEventMsg[] = [];
    while (recent.length < RECENT_EVENTS) {
      let best = -1;
      let bestNs = 0n;
      for (let j = 0; j < node.edges.length; j++) {
        const r = node.edges[j].recent;
        if (pos[j] >= r.size) continue;
        const ns = r.timeAt(pos[j]);
        if (best < 0 || ns > bestNs) {
          best = j;
          bestNs = ns;
        }
      }
      if (best < 0) break;
      const e = node.edges[best];
      recent.push(e.recent.message(pos[best]++, e.type, e.src.pid, e.dst.pid));
    }
    return { kind: 'node', node: node.info(), edges, recent };
  }
}
