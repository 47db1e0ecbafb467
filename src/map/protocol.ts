/**
 * The messages between the map server (src/map/server.ts) and its page (web/map/app.js), as
 * JSON text frames over one WebSocket. The page is plain browser JS, so this file is its
 * documentation: keep both in step.
 *
 * Why this shape: the page may be looking at 500 processes and thousands of edges while
 * 50,000 events/s flow, so the server never sends events, only aggregates, and only what
 * changed since the previous push (a few times a second). Values are absolute (totals and
 * current rates, not increments), so a delta can be applied twice or after a snapshot without
 * drift, and a page that falls behind simply gets a fresh snapshot. Edge stats, by far the
 * most frequent item, are compact tuples.
 */
import type { IpcType, Metadata } from '../ipcdump/event';
import { ALL_TYPES } from '../ipcdump/types';

/** Edge type index in messages: position in this list (sent once in `hello`). */
export const MAP_TYPES: readonly IpcType[] = ALL_TYPES;

/** A process as a node of the graph. */
export interface NodeInfo {
  /**
   * The node's id in every message: its pid while the process lives; once another process
   * has the pid, the old node is re-announced under an id of 2^22 or more (never a pid).
   */
  id: number;
  pid: number;
  comm: string;
  /** -1 when unknown. */
  ppid: number;
  /** The node id of its parent process when that is on the map, else -1 (the process tree). */
  parent: number;
  /** Container or systemd unit ("docker:0123abcd", "ssh.service"); '' when none is known. */
  group: string;
  cgroup: string;
  /** The process has exited (the node ages out a while later). */
  exited: boolean;
}

/** An edge's identity: from src to dst (node ids), one IPC type. `k` is its id in later messages. */
export interface EdgeInfo {
  k: number;
  s: number;
  d: number;
  /** Index into MAP_TYPES. */
  t: number;
}

/** [k, events, bytes, events/s, bytes/s]: totals since first seen, rates over the last second. */
export type EdgeStats = [number, number, number, number, number];

export interface Totals {
  events: number;
  bytes: number;
  eventRate: number;
  byteRate: number;
  /** Events the kernel could not hand over (ring buffer full), by type name. */
  lost: Record<string, number>;
  nodes: number;
  edges: number;
  /** Events not shown because the node or edge cap was reached. */
  overCap: number;
  /** The clock rates are computed at: wall time live, the last event's time in a recording. */
  clockMs: number;
}

/** Server -> page. */
export type ServerMessage =
  | {
      t: 'hello';
      /** 'live' or the recording's path. */
      source: string;
      types: readonly IpcType[];
      /** Types being traced (or replayed). */
      traced: readonly IpcType[];
      captureBytes: boolean;
      pushMs: number;
      maxNodes: number;
    }
  | {
      /** full: a snapshot (drop everything not in it); else a delta. */
      t: 'state';
      full: boolean;
      /** New or changed nodes (all of them in a snapshot). */
      nodes: NodeInfo[];
      /** New edges (all of them in a snapshot). */
      edges: EdgeInfo[];
      /** Edges whose stats changed (all of them in a snapshot). */
      stats: EdgeStats[];
      /** Removed first, before `nodes` and `edges` are applied (an id may come back in them). */
      goneNodes: number[];
      goneEdges: number[];
      totals: Totals;
    }
  | { t: 'details'; id: number; details: NodeDetails | EdgeDetails | null };

/** One of the recent events kept per edge, as shown in the details panel. */
export interface RecentEventMsg {
  /** Wall time, ns since the epoch, as a decimal string (beyond 2^53). */
  ns: string;
  /** Index into MAP_TYPES. */
  t: number;
  s: number;
  sc: string;
  d: number;
  dc: string;
  meta: Metadata;
  /** Captured bytes, base64, at most RECENT_BYTES of them. */
  b?: string;
  /** How many bytes the event carried (more than b holds when it was cut). */
  bl?: number;
}

export interface EdgeDetails {
  kind: 'edge';
  edge: EdgeInfo;
  stats: EdgeStats;
  /** Events over the edge's lifetime divided by its span (first to last event). */
  avgEventRate: number;
  firstNs: string;
  lastNs: string;
  src: NodeInfo;
  dst: NodeInfo;
  recent: RecentEventMsg[];
}

export interface NodeDetails {
  kind: 'node';
  node: NodeInfo;
  /** The node's edges with their stats. */
  edges: Array<{ edge: EdgeInfo; stats: EdgeStats }>;
  /** The most recent events over any of its edges, newest first. */
  recent: RecentEventMsg[];
}

/** Page -> server. */
export type ClientMessage =
  | { t: 'pause' }
  | { t: 'resume' }
  | { t: 'details'; id: number; /** a node id */ node?: number; edge?: number };
