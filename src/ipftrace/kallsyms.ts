/**
 * Kernel text symbols from /proc/kallsyms, for turning instruction addresses into names:
 * kfree_skb's `location` (`ping_rcv+0x5a`) and the entry ip of function hooks (`ip_rcv`).
 *
 * Why our own table: v1 used bcc's BPF.ksym(); we have no bcc. /proc/kallsyms is read once
 * (~120k-150k text symbols, ~10 MB of text) and kept compactly: addresses in one sorted
 * BigUint64Array, names in a parallel string array, the module of each symbol as a Uint16 index
 * into a short list (0 = vmlinux). Lookups are binary searches.
 *
 * Only text symbols (`t`/`T`) are kept: every address we resolve is code. When several symbols
 * share an address (`_stext`, `_text`, ...) the first one in file order is kept.
 *
 * Without CAP_SYSLOG (or with kptr_restrict) the kernel prints every address as 0. The table is
 * then unusable: `usable` is false and resolve() gives the hex address.
 *
 * IBT: on kernels built with X86_KERNEL_IBT a function starts with a 4-byte `endbr64`, and the ip a
 * probe reports can be the symbol address + 4. lookupExact() retries with addr - 4, as
 * ipftrace2 does since its issue 12 ("function names show as (unknown)").
 */

import { readFileSync } from 'node:fs';

export const KALLSYMS_FILE = '/proc/kallsyms';

/**
 * The last symbol of the table has no successor to bound it; an address further than this past
 * it is reported as unknown rather than as a huge offset.
 */
const MAX_TAIL_OFFSET = 0x10000n;

export interface SymbolInfo {
  name: string;
  /** Byte offset of the address from the symbol start. */
  offset: bigint;
  /** Module name for symbols of loadable modules; undefined for vmlinux. */
  module?: string;
}

function hex(addr: bigint): string {
  return '0x' + addr.toString(16);
}

export class KernelSymbols {
  /** Sorted, distinct symbol addresses. */
  readonly addrs: BigUint64Array;
  readonly names: string[];
  private readonly modIdx: Uint16Array;
  private readonly modules: string[];
  /** False when there are no symbols or all addresses are zero (not root / kptr_restrict). */
  readonly usable: boolean;

  private constructor(addrs: BigUint64Array, names: string[], modIdx: Uint16Array, modules: string[], usable: boolean) {
    this.addrs = addrs;
    this.names = names;
    this.modIdx = modIdx;
    this.modules = modules;
    this.usable = usable;
  }

  /** Parse kallsyms text: `ffffffff82055260 T ip_rcv` or `ffffffffc0201000 t fn\t[mod]`. */
  static fromText(text: string): KernelSymbols {
    const rawAddrs: bigint[] = [];
    const rawNames: string[] = [];
    const rawMods: number[] = [];
    const modules: string[] = [''];
    const modIndex = new Map<string, number>();
    let nonZero = false;
    let start = 0;
    const n = text.length;
    while (start < n) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = n;
      const line = text.slice(start, end);
      start = end + 1;
      const sp1 = line.indexOf(' ');
      if (sp1 <= 0 || sp1 + 3 > line.length) continue;
      const type = line.charCodeAt(sp1 + 1);
      if (type !== 0x74 /* t */ && type !== 0x54 /* T */) continue;
      if (line.charCodeAt(sp1 + 2) !== 0x20) continue;
      const rest = line.slice(sp1 + 3);
      const tab = rest.search(/\s/);
      const name = tab < 0 ? rest : rest.slice(0, tab);
      if (name === '') continue;
      let mod = 0;
      if (tab >= 0) {
        const m = /\[([^\]]+)\]/.exec(rest.slice(tab));
        if (m) {
          let idx = modIndex.get(m[1]);
          if (idx === undefined) {
            idx = modules.length;
            if (idx > 0xffff) idx = 0; // absurd module count; attribute to vmlinux rather than fail
            else {
              modules.push(m[1]);
              modIndex.set(m[1], idx);
            }
          }
          mod = idx;
        }
      }
      let addr: bigint;
      try {
        addr = BigInt('0x' + line.slice(0, sp1));
      } catch {
        continue;
      }
      if (addr !== 0n) nonZero = true;
      rawAddrs.push(addr);
      rawNames.push(name);
      rawMods.push(mod);
    }

    // Stable sort of indices by address, then keep the first symbol at each address.
    const order = Array.from(rawAddrs.keys());
    order.sort((a, b) => (rawAddrs[a] < rawAddrs[b] ? -1 : rawAddrs[a] > rawAddrs[b] ? 1 : a - b));
    let count = 0;
    for (let i = 0; i < order.length; i++) {
      if (i === 0 || rawAddrs[order[i]] !== rawAddrs[order[i - 1]]) count++;
    }
    const addrs = new BigUint64Array(count);
    const names: string[] = new Array(count);
    const mods = new Uint16Array(count);
    let j = 0;
    for (let i = 0; i < order.length; i++) {
      const k = order[i];
      if (i > 0 && rawAddrs[k] === rawAddrs[order[i - 1]]) continue;
      addrs[j] = rawAddrs[k];
      names[j] = rawNames[k];
      mods[j] = rawMods[k];
      j++;
    }
    return new KernelSymbols(addrs, names, mods, modules, nonZero && count > 0);
  }

  /** Read and parse a kallsyms file (default /proc/kallsyms). Throws if it cannot be read. */
  static load(path: string = KALLSYMS_FILE): KernelSymbols {
    return KernelSymbols.fromText(readFileSync(path, 'utf8'));
  }

  private static sharedInstance?: KernelSymbols;

  /** /proc/kallsyms, loaded on first use and kept; an empty (unusable) table if it cannot be read. */
  static shared(): KernelSymbols {
    if (KernelSymbols.sharedInstance === undefined) {
      try {
        KernelSymbols.sharedInstance = KernelSymbols.load();
      } catch {
        KernelSymbols.sharedInstance = KernelSymbols.fromText('');
      }
    }
    return KernelSymbols.sharedInstance;
  }

  get size(): number {
    return this.addrs.length;
  }

  /** Index of the last symbol whose address is <= addr, or -1. */
  private floorIndex(addr: bigint): number {
    const a = this.addrs;
    let lo = 0;
    let hi = a.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] <= addr) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** The symbol containing addr, or undefined (unusable table, before the first symbol, or too far past the last). */
  symbolAt(addr: bigint): SymbolInfo | undefined {
    if (!this.usable) return undefined;
    const i = this.floorIndex(addr);
    if (i < 0) return undefined;
    const offset = addr - this.addrs[i];
    if (i === this.addrs.length - 1 && offset > MAX_TAIL_OFFSET) return undefined;
    const m = this.modIdx[i];
    return m === 0 ? { name: this.names[i], offset } : { name: this.names[i], offset, module: this.modules[m] };
  }

  /** `name+0xoff`, `name` when the offset is 0, or the hex address (`0xffff...`) when unknown. */
  resolve(addr: bigint): string {
    const s = this.symbolAt(addr);
    if (s === undefined) return hex(addr);
    return s.offset === 0n ? s.name : `${s.name}+0x${s.offset.toString(16)}`;
  }

  /**
   * Name of the function starting exactly at addr (a function entry ip), also trying addr - 4 for
   * IBT kernels (endbr64 before the traced instruction). Undefined when neither is a symbol start.
   */
  lookupExact(addr: bigint): string | undefined {
    if (!this.usable) return undefined;
    for (const a of [addr, addr - 4n]) {
      if (a < 0n) continue;
      const i = this.floorIndex(a);
      if (i >= 0 && this.addrs[i] === a) return this.names[i];
    }
    return undefined;
  }

  /** Address of a symbol by name (the first kept one), or undefined. A linear scan: for tools and tests, not hot paths. */
  addressOf(name: string): bigint | undefined {
    if (!this.usable) return undefined;
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.addrs[i];
  }
}
