/**
 * pid -> comm bookkeeping for endpoints the kernel reports only by number.
 *
 * Seeded from /proc at start (processes that existed before we attached), then kept current by
 * the fork/exec/rename/exit records that the BPF object sends on the SAME ring buffer as the
 * IPC events, so a short-lived process's name is right for the events it took part in.
 * Exited pids are kept for a while (a reader may consume a dead writer's bytes later).
 */
import * as fs from 'node:fs';

const EXITED_KEEP = 4096;

export class ProcTable {
  private readonly comms = new Map<number, string>();
  private readonly exited: number[] = [];

  /** Read /proc/<pid>/comm for every process. Races with exiting processes are harmless. */
  seedFromProc(procRoot = '/proc'): void {
    let entries: string[];
    try {
      entries = fs.readdirSync(procRoot);
    } catch {
      return;
    }
    for (const name of entries) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue; // not a pid directory (self, thread-self, sys, ...)
      try {
        const comm = fs.readFileSync(`${procRoot}/${name}/comm`, 'latin1').replace(/\n$/, '');
        this.comms.set(Number(name), comm);
      } catch {
        // the process exited between readdir and read
      }
    }
  }

  get(pid: number): string | undefined {
    return this.comms.get(pid);
  }

  set(pid: number, comm: string): void {
    this.comms.set(pid, comm);
  }

  /** Remember the exit but keep the name resolvable for the most recent EXITED_KEEP exits. */
  exit(pid: number, comm: string): void {
    this.comms.set(pid, comm);
    this.exited.push(pid);
    if (this.exited.length > EXITED_KEEP) {
      const old = this.exited.shift()!;
      // only forget it if the pid was not reused by a newer process since
      if (!this.exited.includes(old)) this.comms.delete(old);
    }
  }

  get size(): number {
    return this.comms.size;
  }
}
