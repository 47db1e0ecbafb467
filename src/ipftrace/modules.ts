/**
 * Custom data modules (v1's -m): what goes into the Custom Data column at every hop.
 *
 * v1 modules were Python files that pasted C into a program compiled at run time. Ours need no
 * compiler: a module names BTF field paths (fields.ts) that the BPF program reads at every
 * hop, and optionally formats them.
 *  - built-in `gso`: v1's example module (len, gso_size, gso_segs, gso_type with flag names);
 *  - a .json / .yaml file: `{ name, fields: ["skb->mark:x", "skb->dev->mtu"] }`;
 *  - a .js file exporting `{ name, fields, format(event) }`, for custom formatting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

import { Btf } from '../runtime/btf';
import type { PacketEvent } from './event';

export interface IpftModule {
  name: string;
  /** BTF field paths to record at every hop; their values are in event.fields. */
  fields?: string[];
  /** The Custom Data text of one hop; default: "path: value" for each field. */
  format?(ev: PacketEvent): string;
}

export class ModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModuleError';
  }
}

/** SKB_GSO_* bit names from the kernel's BTF (an anonymous enum in include/linux/skbuff.h). */
export function gsoTypeNames(btf: Btf): Map<number, string> {
  const names = new Map<number, string>();
  for (let id = 1; id < btf.typeCount; id++) {
    if (btf.kind(id) !== 'enum' || btf.name(id) !== '') continue;
    const vals = btf.enumValues(id);
    if (!vals.some((v) => v.name === 'SKB_GSO_TCPV4')) continue;
    for (const v of vals) names.set(Number(v.value), v.name);
    break;
  }
  return names;
}

export function formatFlags(v: number, names: Map<number, string>): string {
  if (v === 0) return '0';
  const out: string[] = [];
  let rest = v;
  for (let bit = 1; bit <= 0x80000000 && rest; bit *= 2) {
    if (rest & bit) {
      out.push(names.get(bit) ?? `0x${bit.toString(16)}`);
      rest &= ~bit;
    }
  }
  return out.join('|');
}

/** v1's gso.py: `len: 2101  gso_size: 1448  gso_segs: 2  gso_type: SKB_GSO_TCPV4`. */
export function gsoModule(btf: Btf): IpftModule {
  const names = gsoTypeNames(btf);
  return {
    name: 'gso',
    format: (ev) => `len: ${ev.len}  gso_size: ${ev.gso.size}  gso_segs: ${ev.gso.segs}  gso_type: ${formatFlags(ev.gso.type, names)}`,
  };
}

function fromObject(obj: unknown, file: string): IpftModule {
  if (typeof obj !== 'object' || obj === null) throw new ModuleError(`module ${file}: expected an object with "name" and "fields"`);
  const o = obj as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['name', 'fields', 'format'].includes(k)) throw new ModuleError(`module ${file}: unknown key "${k}" (expected name, fields, format)`);
  }
  const name = o.name === undefined ? path.basename(file).replace(/\.[^.]*$/, '') : o.name;
  if (typeof name !== 'string' || !name) throw new ModuleError(`module ${file}: "name" must be a non-empty string`);
  if (o.fields !== undefined && (!Array.isArray(o.fields) || !o.fields.every((f) => typeof f === 'string'))) {
    throw new ModuleError(`module ${file}: "fields" must be a list of field paths such as "skb->mark"`);
  }
  if (o.format !== undefined && typeof o.format !== 'function') throw new ModuleError(`module ${file}: "format" must be a function`);
  if (!o.fields && !o.format) throw new ModuleError(`module ${file}: give "fields" (and optionally "format")`);
  return { name, fields: o.fields as string[] | undefined, format: o.format as IpftModule['format'] };
}

/** Resolve -m: a built-in name or a module file. */
export function loadModule(spec: string, btf: Btf): IpftModule {
  if (spec === 'gso') return gsoModule(btf);
  const file = path.resolve(spec);
  if (!fs.existsSync(file)) throw new ModuleError(`module "${spec}": no such built-in module (available: gso) and no such file`);
  if (/\.(c?js)$/.test(file)) {
    let mod: unknown;
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      mod = require(file);
    } catch (err) {
      throw new ModuleError(`module ${spec}: cannot load it: ${(err as Error).message.split('\n')[0]}`);
    }
    const m = mod as { default?: unknown };
    return fromObject(m.default ?? mod, spec);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModuleError(`module ${spec}: ${(err as Error).message}`);
  }
  let obj: unknown;
  try {
    obj = /\.json$/.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ModuleError(`module ${spec}: not valid ${/\.json$/.test(file) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  return fromObject(obj, spec);
}
