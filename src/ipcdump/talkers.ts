/**
 * Top-talkers aggregation for `--summary`: events, bytes moved and first/last time per
 * (src pid, src comm, dst pid, dst comm, type), plus lost events per type.
 *
 * Hot path (add): no string building and no allocation per event. Rows are found through
 * numbers: a Map by src pid, then a Map by dst pid * 16 + type id, then a short chain of rows
 * for the (rare) case of one pid pair under several comms (a process that exec'd). Comms are
 * compared with ===, which for the same string object is a pointer compare. A row is
 * allocated once per talker, not per event.
 *
 * Bytes moved is the `count` metadata (pipe, unix, loopback, pty: the bytes read or written,
 * whatever -x captured); signals move none (their rows have bytes null in the output).
 * Unknown endpoints (pid -1) are ordinary keys, so they get rows of their own.
 */
import type { IpcEvent, IpcType, LostRecord } from './event';

/** Type ids for keys and the `types` order; 8 types fit below 16. */
const TYPES: readonly IpcType[] = ['signal', 'pipe', 'unix-stream', 'unix-dgram', 'unix-seqpacket', 'pty', 'loopback-tcp', 'loopback-udp'];
const TYPE_INDEX: Readonly<Record<IpcType, number>> = Object.fromEntries(TYPES.map((t, i) => [t, i])) as Record<IpcType, number>;
const TYPE_SLOTS = 16;

export interface TalkerRow {
  type: IpcType;
  srcPid: number;
  srcComm: string;
  dstPid: number;
  dstComm: string;
  events: number;
  /** Sum of `count`; null for types that carry no byte count (signals). */
  bytes: number | null;
  firstNs: bigint;
  lastNs: bigint;
}

interface Row extends TalkerRow {
  /** Another row with the same pids and type but other comms. */
  next: Row | undefined;
}

/** The index of `count` in an event's metadata, or -1. Keys come from a fixed set per type. */
function countOf(md: IpcEvent['metadata']): number {
  for (let i = 0; i < md.length; i++) {
    if (md[i][0] === 'count') {
      const v = md[i][1];
      return typeof v === 'number' ? v : Number(v) || 0;
    }
  }
  return -1;
}

export class TalkerTable {
  private readonly bySrc = new Map<number, Map<number, Row>>();
  private readonly rowList: Row[] = [];
  /** Lost events per type id. */
  readonly lost = new Float64Array(TYPES.length);
  events = 0;
  bytes = 0;

  /** Count one event. */
  add(e: IpcEvent): void {
    const t = TYPE_INDEX[e.type];
    let byDst = this.bySrc.get(e.src.pid);
    if (byDst === undefined) {
      byDst = new Map();
      this.bySrc.set(e.src.pid, byDst);
    }
    const key = e.dst.pid * TYPE_SLOTS + t;
    const head = byDst.get(key);
    let row = head;
    while (row !== undefined && (row.srcComm !== e.src.comm || row.dstComm !== e.dst.comm)) row = row.next;
    if (row === undefined) {
      row = {
        type: e.type,
        srcPid: e.src.pid,
        srcComm: e.src.comm,
        dstPid: e.dst.pid,
        dstComm: e.dst.comm,
        events: 0,
        bytes: null,
        firstNs: e.timeNs,
        lastNs: e.timeNs,
        next: head,
      };
      byDst.set(key, row);
      this.rowList.push(row);
    }
    row.events++;
    this.events++;
    const n = countOf(e.metadata);
    if (n >= 0) {
      row.bytes = (row.bytes ?? 0) + n;
      this.bytes += n;
    }
    if (e.timeNs < row.firstNs) row.firstNs = e.timeNs;
    if (e.timeNs > row.lastNs) row.lastNs = e.timeNs;
  }

  addLost(l: LostRecord): void {
    this.lost[TYPE_INDEX[l.lostType]] += l.count;
  }

  /** Add another table's counts to this one (a closed interval into the run's totals). */
  merge(other: TalkerTable): void {
    for (const r of other.rowList) {
      let byDst = this.bySrc.get(r.srcPid);
      if (byDst === undefined) {
        byDst = new Map();
        this.bySrc.set(r.srcPid, byDst);
      }
      const key = r.dstPid * TYPE_SLOTS + TYPE_INDEX[r.type];
      const head = byDst.get(key);
      let row = head;
      while (row !== undefined && (row.srcComm !== r.srcComm || row.dstComm !== r.dstComm)) row = row.next;
      if (row === undefined) {
        row = { ...r, next: head };
        byDst.set(key, row);
        this.rowList.push(row);
        continue;
      }
      row.events += r.events;
      if (r.bytes !== null) row.bytes = (row.bytes ?? 0) + r.bytes;
      if (r.firstNs < row.firstNs) row.firstNs = r.firstNs;
      if (r.lastNs > row.lastNs) row.lastNs = r.lastNs;
    }
    for (let i = 0; i < this.lost.length; i++) this.lost[i] += other.lost[i];
    this.events += other.events;
    this.bytes += other.bytes;
  }

  get size(): number {
    return this.rowList.length;
  }

  /** Nothing counted: no events and no losses. */
  get empty(): boolean {
    return this.rowList.length === 0 && this.lost.every((n) => n === 0);
  }

  /** Lost counts by type name, only the types that lost any. */
  lostByType(): Array<[IpcType, number]> {
    const out: Array<[IpcType, number]> = [];
    for (let i = 0; i < TYPES.length; i++) if (this.lost[i] > 0) out.push([TYPES[i], this.lost[i]]);
    return out;
  }

  /**
   * Rows, most events first; ties by bytes, then by type, pids and comms so the order is the
   * same on every run and replay.
   */
  sorted(): TalkerRow[] {
    return this.rowList
      .map(({ next: _next, ...r }) => r)
      .sort(
        (a, b) =>
          b.events - a.events ||
          (b.bytes ?? -1) - (a.bytes ?? -1) ||
          TYPE_INDEX[a.type] - TYPE_INDEX[b.type] ||
          a.srcPid - b.srcPid ||
          a.dstPid - b.dstPid ||
          cmp(a.srcComm, b.srcComm) ||
          cmp(a.dstComm, b.dstComm),
      );
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
