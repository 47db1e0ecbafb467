/**
 * The floor row: do-nothing BPF programs (build/bpf/bench_floor.bpf.o) on exactly the hooks a
 * tracer uses, so its slowdown is the least any tracer on those hooks can cost.
 *
 * For an ipcdump workload the hooks are those `ipcdump -t TYPE...` loads on this kernel:
 * programsFor() of each type (src/ipcdump/hooks.ts, the tracer's own choice, backup syscall
 * hooks included where it loads them) plus the lifecycle programs. Each is matched by its
 * SEC() to a do-nothing program of the floor object, one for one, so two programs on
 * sys_enter in ipcdump are two in the floor. A hook the floor object lacks is an error, not a
 * silently cheaper floor. Function hooks (fentry/fexit) get generic floor programs given the
 * same target function.
 */
import * as path from 'node:path';
import { BpfObject } from '../src/runtime';
import { bpfObjectPath } from '../src/runtime/objects';
import { LIFECYCLE_PROGRAMS, programsFor, retargetedPrograms } from '../src/ipcdump/hooks';
import type { IpcType } from '../src/ipcdump/event';
import { ROOT } from './common';

export const FLOOR_OBJECT = path.join(ROOT, 'build', 'bpf', 'bench_floor.bpf.o');

const section = (s: string) => s.replace(/^\?/, '');

export interface FloorPrograms {
  ipcdump: string[];
  floor: string[];
  /** floor fentry/fexit programs and the kernel function each attaches to */
  targets: Map<string, string>;
}

/** ipcdump's program names for `types`, and the floor programs standing in for them. */
export function floorProgramsFor(types: readonly IpcType[]): FloorPrograms {
  const wanted = new Set<string>(LIFECYCLE_PROGRAMS);
  for (const t of types) for (const p of programsFor(t)) wanted.add(p);
  const moved = retargetedPrograms();
  const ipc = BpfObject.open(bpfObjectPath('ipcdump'));
  const floorObj = BpfObject.open(FLOOR_OBJECT);
  try {
    const free = floorObj.programNames().map((p) => ({ name: p, sec: section(floorObj.programSection(p)) }));
    const floor: string[] = [];
    const targets = new Map<string, string>();
    for (const p of wanted) {
      let sec = section(ipc.programSection(p));
      // A function hook: any generic floor program of its kind, given the same target.
      const fn = /^(fentry|fexit)\/(.+)$/.exec(sec);
      if (fn) sec = fn[1];
      const i = free.findIndex((f) => f.sec === sec);
      if (i < 0) throw new Error(`floor: ${FLOOR_OBJECT} has no (further) program on ${sec} (for ipcdump's ${p}); add one to bpf/bench_floor.bpf.c`);
      floor.push(free[i].name);
      if (fn) targets.set(free[i].name, moved.get(p) ?? fn[2]);
      free.splice(i, 1);
    }
    return { ipcdump: [...wanted], floor, targets };
  } finally {
    ipc.close();
    floorObj.close();
  }
}

/** Load and attach the floor: `programs` (from floorProgramsFor), or without it the object's
 * default set (sys_enter, sys_exit, signal_generate: the syscall recording workload's floor).
 * Returns the object; close() detaches. */
export function attachFloor(programs?: FloorPrograms): BpfObject {
  const obj = BpfObject.open(FLOOR_OBJECT);
  try {
    if (programs) for (const p of obj.programNames()) obj.setAutoload(p, programs.floor.includes(p));
    for (const [p, fn] of programs?.targets ?? []) obj.setAttachTarget(p, fn);
    obj.load();
    obj.attachAll();
    return obj;
  } catch (err) {
    obj.close();
    throw err;
  }
}
