/**
 * Custom per-hop data without a compiler: BTF field paths such as `skb->mark`,
 * `shinfo->gso_size`, `skb->dev->mtu` or `sk->__sk_common.skc_state` are resolved here
 * against the running kernel's BTF into (base, pointer hops, offset, size), and the BPF
 * program (read_fields in bpf/ipftrace.bpf.c) follows them with probe reads at every hop.
 *
 * Syntax: BASE ( '->' MEMBER ( '.' MEMBER | '[' N ']' )* )+ [ ':x' ]
 *   BASE   skb (struct sk_buff), shinfo (struct skb_shared_info), sk (struct sock),
 *          dev (struct net_device)
 *   '->'   follows a pointer (the first one dereferences the base), '.' an embedded struct,
 *   ':x'   prints the value in hex.
 * Anonymous unions and structs are searched the way C does (skb->mark works although it lives
 * in an unnamed union).
 */
import { Btf } from '../runtime/btf';
import { IPFT_FIELD, IPFT_FIELD_BASE } from './layout.generated';

export const MAX_FIELDS = 8;
export const MAX_STEPS = 4;
export const FIELD_BYTES = 16;

const BASES: Record<string, { struct: string; id: number }> = {
  skb: { struct: 'sk_buff', id: IPFT_FIELD_BASE.IPFT_BASE_SKB },
  shinfo: { struct: 'skb_shared_info', id: IPFT_FIELD_BASE.IPFT_BASE_SHINFO },
  sk: { struct: 'sock', id: IPFT_FIELD_BASE.IPFT_BASE_SK },
  dev: { struct: 'net_device', id: IPFT_FIELD_BASE.IPFT_BASE_DEV },
};

export class FieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldError';
  }
}

/** How to turn the captured bytes into a value. */
export type FieldDecode =
  | { kind: 'int'; size: number; signed: boolean; bitShift: number; bitSize: number; enumNames?: Map<bigint, string> }
  | { kind: 'string'; size: number }
  | { kind: 'bytes'; size: number };

export interface CompiledField {
  /** As written by the user (without :x). */
  path: string;
  hex: boolean;
  base: number;
  /** Offsets: all but the last hold pointers to follow; the last is where the value is. */
  offsets: number[];
  size: number;
  decode: FieldDecode;
}

function structId(btf: Btf, name: string): number {
  const ids = btf.findByName(name, 'struct');
  const full = ids.find((id) => btf.size(id) > 0);
  if (full === undefined) throw new FieldError(`struct ${name} is not in this kernel's BTF`);
  return full;
}

/** Split "a->b.c[2]->d" into tokens: ['->','b'], ['.','c'], ['[',2], ['->','d']. */
function tokenize(rest: string, path: string): Array<['->' | '.', string] | ['[', number]> {
  const out: Array<['->' | '.', string] | ['[', number]> = [];
  const re = /\s*(?:(->|\.)\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(\d+)\s*\])/y;
  let pos = 0;
  while (pos < rest.length) {
    re.lastIndex = pos;
    const m = re.exec(rest);
    if (!m) throw new FieldError(`field "${path}": cannot parse "${rest.slice(pos)}" (expected ->member, .member or [index])`);
    if (m[3] !== undefined) out.push(['[', Number(m[3])]);
    else out.push([m[1] as '->' | '.', m[2]]);
    pos = re.lastIndex;
  }
  return out;
}

/** Resolve one field path against BTF. */
export function compileField(btf: Btf, spec: string): CompiledField {
  const text = spec.trim();
  const hex = /:x$/i.test(text);
  const path = hex ? text.slice(0, -2).trim() : text;
  const m = /^([a-z]+)\s*(.*)$/.exec(path);
  const base = m ? BASES[m[1]] : undefined;
  if (!m || !base) throw new FieldError(`field "${spec}": must start with skb, shinfo, sk or dev (e.g. skb->mark)`);
  const tokens = tokenize(m[2], spec);
  if (tokens.length === 0 || tokens[0][0] !== '->') throw new FieldError(`field "${spec}": expected ${m[1]}->member`);

  let type = structId(btf, base.struct); // type of the object at `offset` in the current block
  const offsets: number[] = [];
  let offset = 0;
  let bitShift = 0;
  let bitSize = 0;
  let first = true;
  for (const [op, arg] of tokens) {
    if (op === '->') {
      if (!first) {
        // Follow a pointer: the current value must be one.
        const r = btf.resolve(type);
        if (btf.kind(r) !== 'ptr') throw new FieldError(`field "${spec}": "->${arg}" applied to ${btf.typeString(type)}, which is not a pointer`);
        offsets.push(offset);
        offset = 0;
        type = btf.resolve(btf.pointee(r));
      }
      first = false;
    }
    if (op === '[') {
      const r = btf.resolve(type);
      if (btf.kind(r) !== 'array') throw new FieldError(`field "${spec}": [${arg}] applied to ${btf.typeString(type)}, which is not an array`);
      const { elemType, count } = btf.array(r);
      if ((arg as number) >= count) throw new FieldError(`field "${spec}": index ${arg} is out of bounds (${count} elements)`);
      offset += (arg as number) * btf.size(elemType);
      type = elemType;
      continue;
    }
    const r = btf.resolve(type);
    const k = btf.kind(r);
    if (k !== 'struct' && k !== 'union') throw new FieldError(`field "${spec}": ${btf.typeString(type)} has no member "${arg}"`);
    const mem = btf.findMember(r, arg as string);
    if (!mem) throw new FieldError(`field "${spec}": ${btf.typeString(r)} has no member "${arg}" on this kernel`);
    if (mem.bitSize) {
      offset += Math.floor(mem.bitOffset / 64) * 8;
      bitShift = mem.bitOffset % 64;
      bitSize = mem.bitSize;
    } else {
      if (mem.bitOffset % 8) throw new FieldError(`field "${spec}": member "${arg}" is not byte-aligned`);
      offset += mem.bitOffset / 8;
      bitShift = 0;
      bitSize = 0;
    }
    type = mem.type;
  }
  if (offsets.length + 1 > MAX_STEPS) throw new FieldError(`field "${spec}": at most ${MAX_STEPS - 1} pointer hops are supported`);

  const r = btf.resolve(type);
  const k = btf.kind(r);
  let decode: FieldDecode;
  let size: number;
  if (bitSize) {
    size = Math.ceil((bitShift + bitSize) / 8);
    decode = { kind: 'int', size, signed: false, bitShift, bitSize };
  } else if (k === 'int' || k === 'enum' || k === 'enum64' || k === 'ptr') {
    size = btf.size(r);
    const signed = k === 'int' && !/unsigned|^_Bool|^bool|^u\d|^__u/.test(btf.typeString(r)) && !/^char$/.test(btf.name(r)) ? /^(int|long|short|long long|signed char|s\d+|__s\d+)/.test(btf.typeString(r)) : false;
    decode = { kind: 'int', size, signed, bitShift: 0, bitSize: 0 };
    if (k === 'enum' || k === 'enum64') {
      const names = new Map<bigint, string>();
      for (const v of btf.enumValues(r)) names.set(v.value, v.name);
      decode.enumNames = names;
    }
  } else if (k === 'array' && /char/.test(btf.typeString(btf.array(r).elemType))) {
    size = Math.min(btf.size(r), FIELD_BYTES);
    decode = { kind: 'string', size };
  } else {
    size = Math.min(btf.size(r), FIELD_BYTES);
    decode = { kind: 'bytes', size };
  }
  if (size > FIELD_BYTES && decode.kind === 'int') throw new FieldError(`field "${spec}": ${size}-byte values are not supported`);
  if (size === 0) throw new FieldError(`field "${spec}": has no size`);
  offsets.push(offset);
  return { path, hex, base: base.id, offsets, size, decode };
}

/** The BPF-side configuration: struct ipft_field[MAX_FIELDS] as one buffer. */
export function fieldsConfig(fields: readonly CompiledField[]): Buffer {
  const buf = Buffer.alloc(IPFT_FIELD.SIZE * MAX_FIELDS);
  fields.forEach((f, i) => {
    const o = i * IPFT_FIELD.SIZE;
    buf.writeUInt8(f.base, o + IPFT_FIELD.base);
    buf.writeUInt8(f.offsets.length, o + IPFT_FIELD.nsteps);
    buf.writeUInt8(f.size, o + IPFT_FIELD.size);
    f.offsets.forEach((off, s) => buf.writeUInt32LE(off, o + IPFT_FIELD.off + 4 * s));
  });
  return buf;
}

/** Decode field i's captured bytes. */
export function decodeField(f: CompiledField, buf: Buffer, off: number): bigint | number | string {
  const d = f.decode;
  if (d.kind === 'string') {
    const raw = buf.subarray(off, off + d.size);
    const nul = raw.indexOf(0);
    return raw.subarray(0, nul < 0 ? raw.length : nul).toString('latin1');
  }
  if (d.kind === 'bytes') return buf.subarray(off, off + d.size).toString('hex');
  let v = 0n;
  for (let i = d.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[off + i]);
  if (d.bitSize) v = (v >> BigInt(d.bitShift)) & ((1n << BigInt(d.bitSize)) - 1n);
  else if (d.signed && v >= 1n << BigInt(d.size * 8 - 1)) v -= 1n << BigInt(d.size * 8);
  if (d.enumNames?.has(v)) return d.enumNames.get(v)!;
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function formatFieldValue(f: CompiledField, v: bigint | number | string): string {
  if (f.hex && typeof v !== 'string') return '0x' + v.toString(16);
  return String(v);
}
