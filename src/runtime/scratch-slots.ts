/**
 * How many scratch slots a BPF object gets (bpf/include/scratch.h): slots are picked by
 * thread id, so there must be enough that threads whose programs overlap in time (one per
 * CPU, plus preempted ones) rarely share one. 8 per possible CPU, a power of two, at least 16.
 */
import * as fs from 'node:fs';
import type { BpfObject } from './bpf-object';

/** Number of possible CPUs (maps are sized by possible, not online, CPUs). */
export function possibleCpus(): number {
  try {
    const s = fs.readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    let n = 0;
    for (const part of s.split(',')) {
      const [a, b] = part.split('-').map(Number);
      n += b === undefined ? 1 : b - a + 1;
    }
    return n > 0 ? n : 1;
  } catch {
    return 1;
  }
}

export function scratchSlots(possibleCpus: number): number {
  const want = Math.max(16, possibleCpus * 8);
  return 2 ** Math.ceil(Math.log2(want));
}

/** Size the object's scratch map and set scratch_mask (before load). */
export function configureScratch(obj: BpfObject, map: string, possibleCpus: number): number {
  const slots = scratchSlots(possibleCpus);
  obj.setMapMaxEntries(map, slots);
  obj.setGlobalU32('scratch_mask', slots - 1);
  return slots;
}
