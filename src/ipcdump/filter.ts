/**
 * Userspace pid/comm filters (-p -s -d -P -S -D).
 *
 * Semantics (fixing the original's OR-everything logic, reference §4 / §6 item 13):
 *  - OR within a class: `-s 1 -s 2` = source is 1 or 2;
 *  - AND across classes: `-s 10 -d 20` = from 10 to 20; `-p 5 -P bash` = pid 5 involved AND a
 *    `bash` involved (either side);
 *  - `-p X` / `-P C` = source OR destination matches.
 *  - An unknown endpoint (pid -1 / comm `<unknown>`) never matches a pid filter (pids given on the
 *    command line are >= 0) and never matches a real comm. The original let unknown pids pass
 *    `-s`/`-d` and empty comms pass `-S`/`-D`; that let unrelated events through.
 *  - Decision: `-P '<unknown>'` (or -S/-D) literally matches the unknown comm, as in the original,
 *    so "show me traffic whose peer could not be identified" stays expressible. A process that
 *    renamed itself to `<unknown>` matches too; that is unavoidable with a textual comm.
 * Comparison is exact and case-sensitive; args.ts already truncates filter comms to 15 bytes
 * (TASK_COMM_LEN - 1), the most the kernel ever reports.
 */

import type { IpcEvent } from './event';

export interface FilterOptions {
  pids: { any: number[]; src: number[]; dst: number[] };
  comms: { any: string[]; src: string[]; dst: string[] };
}

export function emptyFilterOptions(): FilterOptions {
  return { pids: { any: [], src: [], dst: [] }, comms: { any: [], src: [], dst: [] } };
}

export function hasPidFilters(opts: FilterOptions): boolean {
  return opts.pids.any.length > 0 || opts.pids.src.length > 0 || opts.pids.dst.length > 0;
}

export function hasCommFilters(opts: FilterOptions): boolean {
  return opts.comms.any.length > 0 || opts.comms.src.length > 0 || opts.comms.dst.length > 0;
}

export function hasFilters(opts: FilterOptions): boolean {
  return hasPidFilters(opts) || hasCommFilters(opts);
}

type Pred = (e: IpcEvent) => boolean;

const PASS_ALL: Pred = () => true;

/**
 * Build the per-event predicate once. With no filters it is a constant `() => true`, so the hot
 * path costs one call; otherwise one Set lookup per active class.
 */
export function makeEventFilter(opts: FilterOptions): Pred {
  const checks: Pred[] = [];
  const { pids, comms } = opts;
  if (pids.any.length) {
    const s = new Set(pids.any);
    checks.push((e) => s.has(e.src.pid) || s.has(e.dst.pid));
  }
  if (pids.src.length) {
    const s = new Set(pids.src);
    checks.push((e) => s.has(e.src.pid));
  }
  if (pids.dst.length) {
    const s = new Set(pids.dst);
    checks.push((e) => s.has(e.dst.pid));
  }
  if (comms.any.length) {
    const s = new Set(comms.any);
    checks.push((e) => s.has(e.src.comm) || s.has(e.dst.comm));
  }
  if (comms.src.length) {
    const s = new Set(comms.src);
    checks.push((e) => s.has(e.src.comm));
  }
  if (comms.dst.length) {
    const s = new Set(comms.dst);
    checks.push((e) => s.has(e.dst.comm));
  }
  if (checks.length === 0) return PASS_ALL;
  if (checks.length === 1) return checks[0];
  if (checks.length === 2) {
    const [a, b] = checks;
    return (e) => a(e) && b(e);
  }
  return (e) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i](e)) return false;
    return true;
  };
}
