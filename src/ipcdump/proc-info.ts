/**
 * What we know about a process besides its pid and comm: its parent (for grouping by process
 * tree) and its cgroup (for grouping by container or systemd unit). Used by the live map and
 * written into recordings, so a replay can group the same way long after the processes died.
 *
 * Sources: the kernel's fork records give ppid for processes born while tracing
 * (ProcEvent from IpcTrace); /proc/<pid>/stat and /proc/<pid>/cgroup for the rest, read once
 * at first sight. A process that exited before we looked keeps ppid -1 and no cgroup.
 */
import * as fs from 'node:fs';

export interface ProcInfo {
  pid: number;
  /** -1 when unknown (the process exited before we could look). */
  ppid: number;
  comm: string;
  /** cgroup v2 path ("/system.slice/ssh.service"); '' when unknown. */
  cgroup: string;
  /** Short container id or systemd unit derived from the cgroup path; '' when none. */
  group: string;
}

/** A process lifecycle change the kernel reported while tracing. */
export interface ProcEvent {
  kind: 'fork' | 'comm' | 'exit';
  pid: number;
  /** Parent pid for 'fork'; -1 otherwise. */
  ppid: number;
  comm: string;
  timeNs: bigint;
}

/** ppid from /proc/<pid>/stat: field 4, after the parenthesised comm (which may hold ") "). */
export function parseStatPpid(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) return -1;
  const fields = stat.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : -1;
}

/** The unified (v2) hierarchy's path from /proc/<pid>/cgroup ("0::/path"); else the first. */
export function parseCgroupFile(text: string): string {
  let first = '';
  for (const line of text.split('\n')) {
    if (!line) continue;
    const parts = line.split(':');
    const p = parts.slice(2).join(':');
    if (parts[0] === '0' && parts[1] === '') return p;
    if (!first) first = p;
  }
  return first;
}

/**
 * A name for the group a cgroup path stands for: a container (docker, podman/libpod, containerd,
 * cri-o, kubepods; shown as "docker:0123456789ab"), else the systemd unit or slice it is in, else
 * ''. Only the innermost match counts: a container inside a user slice is the container.
 */
export function groupOfCgroup(cgroup: string): string {
  const segs = cgroup.split('/').filter(Boolean);
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i];
    let m = /^(docker|libpod|crio|cri-containerd)-([0-9a-f]{12,64})\.scope$/.exec(s);
    if (m) return `${m[1] === 'libpod' ? 'podman' : m[1]}:${m[2].slice(0, 12)}`;
    m = /^([0-9a-f]{64})$/.exec(s);
    if (m && i > 0) return `${segs[i - 1].replace(/^kubepods.*$/, 'k8s')}:${m[1].slice(0, 12)}`;
  }
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i];
    if (s.endsWith('.service') || s.endsWith('.scope')) return s;
  }
  const slice = segs.reverse().find((s) => s.endsWith('.slice'));
  return slice ?? '';
}

/** Read what /proc says about pid now; undefined when it is gone. */
export function readProcInfo(pid: number, procRoot = '/proc'): ProcInfo | undefined {
  if (pid <= 0) return undefined;
  let stat: string;
  try {
    stat = fs.readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  let cgroup = '';
  try {
    cgroup = parseCgroupFile(fs.readFileSync(`${procRoot}/${pid}/cgroup`, 'latin1'));
  } catch {
    // exited in between: keep the ppid we have
  }
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const comm = open >= 0 && close > open ? stat.slice(open + 1, close) : '';
  return { pid, ppid: parseStatPpid(stat), comm, cgroup, group: groupOfCgroup(cgroup) };
}

/**
 * ProcInfo by pid, filled lazily from /proc and kept current by the tracer's ProcEvents.
 * `lookup` is meant for first sight of a pid, not per event: callers keep their own per-node
 * state and ask once.
 */
export class ProcInfoCache {
  private readonly infos = new Map<number, ProcInfo>();
  /** Pids known from a fork record only: their cgroup is read from /proc at first lookup. */
  private readonly partial = new Set<number>();

  /** procRoot null: never read /proc (replaying a recording: its processes are not ours). */
  constructor(private readonly procRoot: string | null = '/proc') {}

  lookup(pid: number, comm?: string): ProcInfo {
    let info = this.infos.get(pid);
    if (!info) {
      const read = this.procRoot === null ? undefined : readProcInfo(pid, this.procRoot);
      info = read ?? { pid, ppid: -1, comm: comm ?? '', cgroup: '', group: '' };
      this.infos.set(pid, info);
    } else if (this.partial.size > 0 && this.partial.delete(pid) && this.procRoot !== null) {
      const read = readProcInfo(pid, this.procRoot);
      if (read) {
        info.cgroup = read.cgroup;
        info.group = read.group;
      }
    }
    if (comm !== undefined && comm !== info.comm) info.comm = comm;
    return info;
  }

  /** Known info (from a recording or an earlier lookup), without touching /proc. */
  get(pid: number): ProcInfo | undefined {
    return this.infos.get(pid);
  }

  set(info: ProcInfo): void {
    this.infos.set(info.pid, info);
    this.partial.delete(info.pid);
  }

  /**
   * Apply a fork/exec/exit the kernel reported. A forked child starts with its parent's
   * cgroup; its own is read at its first lookup (no /proc reads per fork on a busy machine,
   * one per process that takes part in IPC).
   */
  onProcEvent(ev: ProcEvent): void {
    const info = this.infos.get(ev.pid);
    if (ev.kind === 'fork') {
      const parent = this.infos.get(ev.ppid);
      this.infos.set(ev.pid, { pid: ev.pid, ppid: ev.ppid, comm: ev.comm, cgroup: parent?.cgroup ?? '', group: parent?.group ?? '' });
      // The parent's cgroup is only a stand-in: a child often moves before it execs (container
      // runtimes, systemd starting a unit), so its own is read at its first lookup if it still
      // runs. (Children of known parents used to keep the parent's: a container's processes
      // were grouped with the runtime.)
      this.partial.add(ev.pid);
      return;
    }
    if (info) info.comm = ev.comm;
    // A process that exits without ever being looked up took part in no event: forget it, so
    // a long trace of a forking machine does not grow without bound.
    if (ev.kind === 'exit' && this.partial.delete(ev.pid)) this.infos.delete(ev.pid);
  }
}
