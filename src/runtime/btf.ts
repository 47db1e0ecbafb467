/**
 * Btf: a small, dependency-free reader of the kernel's BPF Type Format, in the spirit of
 * cilium/ebpf's `btf` package. It mirrors the kernel's definitions in
 *
 *   include/uapi/linux/btf.h          (struct btf_header, struct btf_type and the per-kind
 *                                       trailing records: btf_array, btf_member, btf_enum,
 *                                       btf_enum64, btf_param, btf_var, btf_var_secinfo,
 *                                       btf_decl_tag)
 *   Documentation/bpf/btf.rst          (the meaning of every field, kind_flag, split BTF)
 *   kernel/bpf/btf.c, tools/lib/bpf/btf.c (how the kernel and libbpf walk it)
 *
 * Sources: /sys/kernel/btf/vmlinux (the running kernel, ~130k types) and
 * /sys/kernel/btf/<module> ("split BTF": a module's types and strings continue the id and
 * string-offset spaces of vmlinux, which must be given as `base`).
 *
 * Why lazy: building ~130k JS objects up front costs far more than the whole parse needs.
 * Parsing only walks the type section once to record where each type starts (a Uint32Array of
 * byte offsets); everything else (names, members, params, ...) is decoded from the buffer
 * when asked for. The by-name index is built the first time a name lookup needs it.
 */
import * as fs from 'node:fs';

export type BtfKind =
  | 'int'
  | 'ptr'
  | 'array'
  | 'struct'
  | 'union'
  | 'enum'
  | 'fwd'
  | 'typedef'
  | 'volatile'
  | 'const'
  | 'restrict'
  | 'func'
  | 'func_proto'
  | 'var'
  | 'datasec'
  | 'float'
  | 'decl_tag'
  | 'type_tag'
  | 'enum64';

export interface BtfMember {
  name: string;
  type: number;
  /** from the start of the enclosing struct/union */
  bitOffset: number;
  /** 0 unless bitfield */
  bitSize: number;
}
export interface BtfParam {
  name: string;
  type: number;
}
export interface BtfEnumValue {
  name: string;
  value: bigint;
}

// BTF_KIND_* from include/uapi/linux/btf.h. Index = kind number; 0 is BTF_KIND_UNKN, which
// only the implicit type id 0 (void) has.
const KINDS: readonly (BtfKind | 'void')[] = [
  'void',
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum64',
];
const K_INT = 1;
const K_PTR = 2;
const K_ARRAY = 3;
const K_STRUCT = 4;
const K_UNION = 5;
const K_ENUM = 6;
const K_FWD = 7;
const K_TYPEDEF = 8;
const K_VOLATILE = 9;
const K_CONST = 10;
const K_RESTRICT = 11;
const K_FUNC = 12;
const K_FUNC_PROTO = 13;
const K_VAR = 14;
const K_DATASEC = 15;
const K_FLOAT = 16;
const K_DECL_TAG = 17;
const K_TYPE_TAG = 18;
const K_ENUM64 = 19;

const BTF_MAGIC = 0xeb9f;
/** sizeof(struct btf_header) for version 1; a larger hdr_len carries newer optional fields. */
const HDR_LEN_V1 = 24;
/** sizeof(struct btf_type): name_off, info, size/type. */
const TYPE_LEN = 12;
/** Modifier chains and nested types are shallow in practice; a deeper walk means a cycle. */
const MAX_DEPTH = 64;

/** Pointer size: BTF does not record it; every kernel this is used with is 64-bit. */
const PTR_SIZE = 8;

/** 32-bit FNV-1a over buf[begin, end). */
function fnv1a(buf: Uint8Array, begin: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = begin; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h >>> 0;
}

export class Btf {
  /** highest type id + 1 (including base types) */
  readonly typeCount: number;
  /** first type id defined by this blob: 1 for vmlinux, base.typeCount for split BTF */
  readonly firstTypeId: number;
  /** the base BTF of a split (module) BTF */
  readonly base: Btf | undefined;

  private readonly buf: Buffer;
  private readonly dv: DataView;
  private readonly le: boolean;
  /** absolute byte offset in `buf` of each local type's struct btf_type; index = id - firstTypeId */
  private readonly offs: Uint32Array;
  /** absolute byte range of this blob's string section */
  private readonly strBegin: number;
  private readonly strEnd: number;
  /** first string offset owned by this blob; smaller offsets belong to the base (split BTF) */
  private readonly strStart: number;
  /** hash table of local type names, built on first use (see index()) */
  private nameIndex: { table: Int32Array; mask: number } | undefined;
  private static vmlinuxCache: Btf | undefined;

  private constructor(buf: Buffer, base: Btf | undefined) {
    const fail = (msg: string): never => {
      throw new Error(`invalid BTF: ${msg}`);
    };
    if (buf.length < HDR_LEN_V1) fail(`${buf.length} bytes is shorter than the ${HDR_LEN_V1}-byte header`);
    // The magic is written in the producer's byte order, so it tells us which order to read.
    const magic = buf.readUInt16LE(0);
    this.le = magic === BTF_MAGIC ? true : buf.readUInt16BE(0) === BTF_MAGIC ? false : fail(`bad magic 0x${magic.toString(16)} (expected 0xeb9f)`);
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.base = base;

    const version = buf[2];
    if (version !== 1) fail(`unsupported version ${version}`);
    const hdrLen = this.u32(4);
    const typeOff = this.u32(8);
    const typeLen = this.u32(12);
    const strOff = this.u32(16);
    const strLen = this.u32(20);
    if (hdrLen < HDR_LEN_V1) fail(`hdr_len ${hdrLen} < ${HDR_LEN_V1}`);
    if (hdrLen > buf.length) fail(`hdr_len ${hdrLen} exceeds the ${buf.length}-byte buffer (truncated?)`);
    // Section offsets are relative to the end of the header.
    const typeBegin = hdrLen + typeOff;
    const typeEnd = typeBegin + typeLen;
    this.strBegin = hdrLen + strOff;
    this.strEnd = this.strBegin + strLen;
    if (typeEnd > buf.length) fail(`type section [${typeBegin}, ${typeEnd}) exceeds the ${buf.length}-byte buffer (truncated?)`);
    if (this.strEnd > buf.length) fail(`string section [${this.strBegin}, ${this.strEnd}) exceeds the ${buf.length}-byte buffer (truncated?)`);
    if (typeOff % 4 !== 0) fail(`type section offset ${typeOff} is not 4-byte aligned`);
    // The string section must be NUL-terminated so every name lookup finds an end.
    if (strLen > 0 && buf[this.strEnd - 1] !== 0) fail('string section is not NUL-terminated');
    if (!base && (strLen === 0 || buf[this.strBegin] !== 0)) fail('string section must start with the empty string');

    // Split BTF continues the base's id and string spaces (btf.rst, "Split BTF"): its first
    // type is base's last + 1 and string offset base.str_len (summed down the chain) is its
    // own string section's first byte.
    this.firstTypeId = base ? base.typeCount : 1;
    this.strStart = base ? base.strStart + (base.strEnd - base.strBegin) : 0;

    // One pass to find where each record starts: its length depends on kind and vlen.
    let offs = new Uint32Array(Math.max(16, typeLen / 16) | 0);
    let n = 0;
    let p = typeBegin;
    while (p < typeEnd) {
      if (p + TYPE_LEN > typeEnd) fail(`type id ${this.firstTypeId + n} is truncated`);
      const info = this.u32(p + 4);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      let extra: number;
      switch (kind) {
        case K_INT:
        case K_VAR:
        case K_DECL_TAG:
          extra = 4;
          break;
        case K_ARRAY:
          extra = 12;
          break;
        case K_STRUCT:
        case K_UNION:
        case K_DATASEC:
        case K_ENUM64:
          extra = vlen * 12;
          break;
        case K_ENUM:
        case K_FUNC_PROTO:
          extra = vlen * 8;
          break;
        case K_PTR:
        case K_FWD:
        case K_TYPEDEF:
        case K_VOLATILE:
        case K_CONST:
        case K_RESTRICT:
        case K_FUNC:
        case K_FLOAT:
        case K_TYPE_TAG:
          extra = 0;
          break;
        default:
          // Without knowing the kind we cannot know the record's length, so nothing after it
          // can be read.
          extra = fail(`type id ${this.firstTypeId + n} has unknown kind ${kind}`);
      }
      const next = p + TYPE_LEN + extra;
      if (next > typeEnd) fail(`type id ${this.firstTypeId + n} (${KINDS[kind]}) is truncated`);
      if (n === offs.length) {
        const grown = new Uint32Array(offs.length * 2);
        grown.set(offs);
        offs = grown;
      }
      offs[n++] = p;
      p = next;
    }
    this.offs = offs.subarray(0, n);
    this.typeCount = this.firstTypeId + n;
  }

  /** Load a BTF file; give `base` (usually Btf.vmlinux()) for module (split) BTF. */
  static load(path = '/sys/kernel/btf/vmlinux', base?: Btf): Btf {
    return Btf.parse(fs.readFileSync(path), base);
  }

  static parse(buf: Buffer, base?: Btf): Btf {
    return new Btf(buf, base);
  }

  /** The running kernel's BTF, loaded once. */
  static vmlinux(): Btf {
    return (Btf.vmlinuxCache ??= Btf.load('/sys/kernel/btf/vmlinux'));
  }

  // ---- raw accessors -------------------------------------------------------------------------

  private u32(off: number): number {
    return this.dv.getUint32(off, this.le);
  }

  /** The Btf that defines `id`: this one or one of its bases. Throws on an out-of-range id. */
  private owner(id: number): Btf {
    if (id >= this.firstTypeId && id < this.typeCount && id >>> 0 === id) return this;
    if (id < this.firstTypeId && this.base) return this.base.owner(id);
    if (id === 0) return this; // void
    throw new RangeError(`BTF type id ${id} out of range (0..${this.typeCount - 1})`);
  }

  /** Byte offset of the btf_type of a local id, or -1 for void. */
  private rec(id: number): number {
    return id === 0 ? -1 : this.offs[id - this.firstTypeId];
  }

  private kindNum(id: number): number {
    const o = this.owner(id);
    const r = o.rec(id);
    return r < 0 ? 0 : (o.u32(r + 4) >>> 24) & 0x1f;
  }

  /** The string at a (global) string offset; split BTF defers low offsets to its base. */
  str(off: number): string {
    const { buf, pos, end } = this.strPos(off);
    return buf.toString('utf8', pos, end);
  }

  // ---- per-type queries ----------------------------------------------------------------------

  kind(id: number): BtfKind | 'void' {
    return KINDS[this.kindNum(id)];
  }

  /** '' for anonymous types and for void. */
  name(id: number): string {
    const o = this.owner(id);
    const r = o.rec(id);
    return r < 0 ? '' : o.str(o.u32(r));
  }

  /** The raw btf_type fields, for what the helpers below do not cover. */
  raw(id: number): { kind: BtfKind | 'void'; nameOff: number; vlen: number; kindFlag: boolean; sizeOrType: number } {
    const o = this.owner(id);
    const r = o.rec(id);
    if (r < 0) return { kind: 'void', nameOff: 0, vlen: 0, kindFlag: false, sizeOrType: 0 };
    const info = o.u32(r + 4);
    return {
      kind: KINDS[(info >>> 24) & 0x1f],
      nameOff: o.u32(r),
      vlen: info & 0xffff,
      kindFlag: info >>> 31 === 1,
      sizeOrType: o.u32(r + 8),
    };
  }

  /** The `type` field of ptr/typedef/modifiers/func/var/decl_tag/type_tag. */
  private refType(id: number): number {
    const o = this.owner(id);
    return o.u32(o.rec(id) + 8);
  }

  /** ids of all types with this exact name, optionally of one kind (base types first). */
  findByName(name: string, kind?: BtfKind): number[] {
    const out = this.base ? this.base.findByName(name, kind) : [];
    const k = kind === undefined ? -1 : KINDS.indexOf(kind);
    if (kind !== undefined && k <= 0) return out; // not a kind name
    const local: number[] = [];
    if (name === '') {
      for (let i = 0; i < this.offs.length; i++) if (this.u32(this.offs[i]) === 0) local.push(i);
    } else {
      // Probe the hash table (see index()) for every local type whose name has these bytes.
      const { table, mask } = this.index();
      const bytes = Buffer.from(name, 'utf8');
      let hit = -1; // name offset known to match, to skip re-comparing deduplicated strings
      for (let slot = fnv1a(bytes, 0, bytes.length) & mask; table[slot] !== 0; slot = (slot + 1) & mask) {
        const i = table[slot] - 1;
        const off = this.u32(this.offs[i]);
        if (off === hit || this.strEquals(off, bytes)) {
          hit = off;
          local.push(i);
        }
      }
      local.sort((a, b) => a - b); // probing can wrap around the table
    }
    for (const i of local) {
      if (k < 0 || ((this.u32(this.offs[i] + 4) >>> 24) & 0x1f) === k) out.push(this.firstTypeId + i);
    }
    return out;
  }

  /** Position of a (global) string offset: the blob holding it and the absolute byte offset. */
  private strPos(off: number): { buf: Buffer; pos: number; end: number } {
    if (off < this.strStart) return this.base!.strPos(off);
    const pos = this.strBegin + off - this.strStart;
    if (pos >= this.strEnd) throw new RangeError(`BTF string offset ${off} out of range`);
    return { buf: this.buf, pos, end: this.buf.indexOf(0, pos) };
  }

  private strEquals(off: number, bytes: Buffer): boolean {
    const { buf, pos, end } = this.strPos(off);
    return end - pos === bytes.length && buf.compare(bytes, 0, bytes.length, pos, end) === 0;
  }

  /** True if the string at `off` is `s`, without decoding it (names are ASCII in practice). */
  private strIs(off: number, s: string): boolean {
    if (off < this.strStart) return this.base!.strIs(off, s);
    const buf = this.buf;
    const pos = this.strBegin + off - this.strStart;
    if (pos >= this.strEnd) throw new RangeError(`BTF string offset ${off} out of range`);
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.str(off) === s; // non-ASCII: compare decoded
      if (buf[pos + i] !== c) return false; // also stops at the NUL of a shorter string
    }
    return buf[pos + i] === 0;
  }

  /**
   * An open-addressing hash table over the local types' name bytes: slot -> local index + 1
   * (0 = empty). Hashing the raw bytes avoids decoding ~100k names into JS strings and a
   * Map of them, which costs several times the whole parse.
   */
  private index(): { table: Int32Array; mask: number } {
    if (this.nameIndex) return this.nameIndex;
    let cap = 16;
    while (cap < this.offs.length * 2) cap *= 2;
    const table = new Int32Array(cap);
    const mask = cap - 1;
    let lastOff = -1;
    let lastHash = 0;
    for (let i = 0; i < this.offs.length; i++) {
      const off = this.u32(this.offs[i]);
      if (off === 0) continue;
      if (off !== lastOff) {
        const { buf, pos, end } = this.strPos(off);
        lastHash = fnv1a(buf, pos, end);
        lastOff = off;
      }
      let slot = lastHash & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    return (this.nameIndex = { table, mask });
  }

  /** Strip typedef/const/volatile/restrict/type_tag. */
  resolve(id: number): number {
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      switch (this.kindNum(id)) {
        case K_TYPEDEF:
        case K_CONST:
        case K_VOLATILE:
        case K_RESTRICT:
        case K_TYPE_TAG:
          id = this.refType(id);
          break;
        default:
          return id;
      }
    }
    throw new Error(`BTF type id ${id}: modifier chain too deep (cycle?)`);
  }

  /**
   * Byte size after resolving: ptr = 8, array = count * element, int/struct/union/enum/float/
   * datasec their size, var the size of its type; 0 for void, func, func_proto and fwd (which
   * have none).
   */
  size(id: number): number {
    let mult = 1;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      id = this.resolve(id);
      switch (this.kindNum(id)) {
        case K_INT:
        case K_STRUCT:
        case K_UNION:
        case K_ENUM:
        case K_ENUM64:
        case K_FLOAT:
        case K_DATASEC:
          return mult * this.refType(id); // size_or_type is the size for these kinds
        case K_PTR:
          return mult * PTR_SIZE;
        case K_ARRAY: {
          const a = this.array(id);
          mult *= a.count;
          id = a.elemType;
          break;
        }
        case K_VAR:
          id = this.refType(id);
          break;
        default:
          return 0;
      }
    }
    throw new Error(`BTF type id ${id}: type nesting too deep (cycle?)`);
  }

  /** Throw unless `id` has one of the kinds given as a bit mask (1 << kind); cheap on hot paths. */
  private expect(id: number, mask: number): void {
    const k = this.kindNum(id);
    if (((1 << k) & mask) === 0) {
      const want = KINDS.filter((_, i) => ((1 << i) & mask) !== 0);
      throw new TypeError(`BTF type id ${id} is ${KINDS[k]}, expected ${want.join(' or ')}`);
    }
  }

  pointee(id: number): number {
    this.expect(id, 1 << K_PTR);
    return this.refType(id);
  }

  array(id: number): { elemType: number; count: number } {
    this.expect(id, 1 << K_ARRAY);
    const o = this.owner(id);
    const r = o.rec(id) + TYPE_LEN; // struct btf_array { type; index_type; nelems; }
    return { elemType: o.u32(r), count: o.u32(r + 8) };
  }

  /** struct/union members. bitOffset is from the start of the struct/union. */
  members(id: number): BtfMember[] {
    this.expect(id, (1 << K_STRUCT) | (1 << K_UNION));
    const o = this.owner(id);
    const r = o.rec(id);
    const info = o.u32(r + 4);
    const vlen = info & 0xffff;
    // kind_flag set: btf_member.offset packs bitfield size (high 8 bits) and bit offset (low
    // 24). Clear: it is just the bit offset, and a bitfield is told by its INT type's nr_bits
    // (the older encoding, btf.rst "BTF_KIND_STRUCT").
    const kflag = info >>> 31 === 1;
    const out: BtfMember[] = new Array(vlen);
    for (let i = 0, m = r + TYPE_LEN; i < vlen; i++, m += 12) {
      const type = o.u32(m + 4);
      const off = o.u32(m + 8);
      let bitOffset = off;
      let bitSize = 0;
      if (kflag) {
        bitOffset = off & 0xffffff;
        bitSize = off >>> 24;
      } else if (type !== 0 && this.kindNum(type) === K_INT) {
        const enc = this.intEncoding(type);
        if (enc.bits !== enc.size * 8 || enc.offset !== 0) {
          bitOffset += enc.offset;
          bitSize = enc.bits;
        }
      }
      out[i] = { name: o.str(o.u32(m)), type, bitOffset, bitSize };
    }
    return out;
  }

  /** BTF_KIND_INT's trailing u32: encoding (bits 24-27), offset (16-23), nr_bits (0-7). */
  intEncoding(id: number): { size: number; signed: boolean; char: boolean; bool: boolean; offset: number; bits: number } {
    this.expect(id, 1 << K_INT);
    const o = this.owner(id);
    const r = o.rec(id);
    const v = o.u32(r + TYPE_LEN);
    const enc = (v >>> 24) & 0xf;
    return {
      size: o.u32(r + 8),
      signed: (enc & 1) !== 0,
      char: (enc & 2) !== 0,
      bool: (enc & 4) !== 0,
      offset: (v >>> 16) & 0xff,
      bits: v & 0xff,
    };
  }

  /** A func's func_proto (or the id itself if it already is one). */
  private proto(id: number): number {
    if (this.kindNum(id) === K_FUNC) id = this.refType(id);
    this.expect(id, 1 << K_FUNC_PROTO);
    return id;
  }

  /**
   * Parameters of a func_proto, or of a func (via its func_proto). The trailing
   * `{name: '', type: 0}` that marks a variadic prototype is NOT included; see isVariadic().
   */
  params(id: number): BtfParam[] {
    id = this.proto(id);
    const o = this.owner(id);
    const r = o.rec(id);
    let vlen = o.u32(r + 4) & 0xffff;
    if (this.isVariadic(id)) vlen--;
    const out: BtfParam[] = new Array(vlen);
    for (let i = 0, p = r + TYPE_LEN; i < vlen; i++, p += 8) out[i] = { name: o.str(o.u32(p)), type: o.u32(p + 4) };
    return out;
  }

  /** Just the parameter type ids of params(), without decoding names. */
  paramTypes(id: number): number[] {
    id = this.proto(id);
    const o = this.owner(id);
    const r = o.rec(id);
    let vlen = o.u32(r + 4) & 0xffff;
    if (this.isVariadic(id)) vlen--;
    const out: number[] = new Array(vlen);
    for (let i = 0; i < vlen; i++) out[i] = o.u32(r + TYPE_LEN + i * 8 + 4);
    return out;
  }

  /** True if the func_proto (or func) ends with `...`: a last param with name_off 0 and type 0. */
  isVariadic(id: number): boolean {
    id = this.proto(id);
    const o = this.owner(id);
    const r = o.rec(id);
    const vlen = o.u32(r + 4) & 0xffff;
    if (vlen === 0) return false;
    const last = r + TYPE_LEN + (vlen - 1) * 8;
    return o.u32(last) === 0 && o.u32(last + 4) === 0;
  }

  /** Return type of a func_proto (or func); 0 = void. */
  returnType(id: number): number {
    return this.refType(this.proto(id));
  }

  /** enum / enum64 constants; kind_flag set means signed values (btf.rst "BTF_KIND_ENUM"). */
  enumValues(id: number): BtfEnumValue[] {
    this.expect(id, (1 << K_ENUM) | (1 << K_ENUM64));
    const o = this.owner(id);
    const r = o.rec(id);
    const info = o.u32(r + 4);
    const vlen = info & 0xffff;
    const signed = info >>> 31 === 1;
    const out: BtfEnumValue[] = new Array(vlen);
    if (((info >>> 24) & 0x1f) === K_ENUM) {
      // struct btf_enum { name_off; s32 val; }
      for (let i = 0, e = r + TYPE_LEN; i < vlen; i++, e += 8) {
        const v = o.u32(e + 4);
        out[i] = { name: o.str(o.u32(e)), value: BigInt(signed ? v | 0 : v) };
      }
    } else {
      // struct btf_enum64 { name_off; val_lo32; val_hi32; }
      for (let i = 0, e = r + TYPE_LEN; i < vlen; i++, e += 12) {
        const u = (BigInt(o.u32(e + 8)) << 32n) | BigInt(o.u32(e + 4));
        out[i] = { name: o.str(o.u32(e)), value: signed ? BigInt.asIntN(64, u) : u };
      }
    }
    return out;
  }

  /**
   * Every FUNC id, base types included (like typeCount and findByName). Pass ownOnly to list
   * only the functions this blob defines, e.g. a module's without vmlinux's.
   */
  funcs(ownOnly = false): number[] {
    const out = this.base && !ownOnly ? this.base.funcs() : [];
    for (let i = 0; i < this.offs.length; i++) {
      if (((this.u32(this.offs[i] + 4) >>> 24) & 0x1f) === K_FUNC) out.push(this.firstTypeId + i);
    }
    return out;
  }

  /**
   * True if `id` (after resolve) is a pointer whose pointee (after resolve) is
   * `struct <structName>` (a forward declaration `struct <structName>;` counts too).
   */
  isPointerToStruct(id: number, structName: string): boolean {
    id = this.resolve(id);
    if (this.kindNum(id) !== K_PTR) return false;
    const t = this.resolve(this.refType(id));
    const k = this.kindNum(t);
    // kind_flag of a fwd: 0 = struct, 1 = union.
    if (k !== K_STRUCT && !(k === K_FWD && !this.raw(t).kindFlag)) return false;
    const o = this.owner(t);
    return o.strIs(o.u32(o.rec(t)), structName); // no string decoding: this runs per parameter of every FUNC
  }

  /** Human C-ish spelling: 'struct sk_buff *', 'const struct net_device *', 'unsigned int', 'char[16]'. */
  typeString(id: number): string {
    return this.spell(id, 0);
  }

  private spell(id: number, depth: number): string {
    if (depth > MAX_DEPTH) return '...';
    const k = this.kindNum(id);
    const name = this.name(id);
    switch (k) {
      case 0:
        return 'void';
      case K_INT:
      case K_FLOAT:
      case K_TYPEDEF:
        return name;
      case K_STRUCT:
      case K_UNION:
        return `${k === K_STRUCT ? 'struct' : 'union'} ${name || '(anon)'}`;
      case K_ENUM:
      case K_ENUM64:
        return `enum ${name || '(anon)'}`;
      case K_FWD:
        return `${this.raw(id).kindFlag ? 'union' : 'struct'} ${name}`;
      case K_PTR: {
        const to = this.refType(id);
        if (this.kindNum(this.skipTags(to)) === K_FUNC_PROTO) return this.spellProto(this.skipTags(to), '(*)', depth);
        const inner = this.spell(to, depth + 1);
        return inner.endsWith('*') ? `${inner}*` : `${inner} *`;
      }
      case K_CONST:
      case K_VOLATILE:
      case K_RESTRICT: {
        const q = k === K_CONST ? 'const' : k === K_VOLATILE ? 'volatile' : 'restrict';
        const to = this.refType(id);
        const inner = this.spell(to, depth + 1);
        // A qualified pointer is spelled after the '*' ('char * const'); anything else before.
        return inner.endsWith('*') ? `${inner} ${q}` : `${q} ${inner}`;
      }
      case K_ARRAY: {
        const a = this.array(id);
        return `${this.spell(a.elemType, depth + 1)}[${a.count}]`;
      }
      case K_FUNC:
        return this.spellProto(this.refType(id), name, depth);
      case K_FUNC_PROTO:
        return this.spellProto(id, '', depth);
      case K_VAR:
      case K_DECL_TAG:
      case K_TYPE_TAG:
        // Tags (__rcu, __user, ...) are annotations, not part of the C spelling.
        return this.spell(this.refType(id), depth + 1);
      case K_DATASEC:
        return name;
      default:
        return `<kind ${k}>`;
    }
  }

  private skipTags(id: number): number {
    for (let d = 0; d < MAX_DEPTH && this.kindNum(id) === K_TYPE_TAG; d++) id = this.refType(id);
    return id;
  }

  private spellProto(proto: number, name: string, depth: number): string {
    const args = this.params(proto).map((p) => this.spell(p.type, depth + 1));
    if (this.isVariadic(proto)) args.push('...');
    const ret = this.spell(this.returnType(proto), depth + 1);
    return `${ret} ${name}(${args.length ? args.join(', ') : 'void'})`;
  }

  /**
   * Find a member by name in a struct/union (after resolve), descending into anonymous
   * struct/union members the way C does. bitOffset is from the start of `structId`
   * (byte offset = bitOffset >> 3 unless bitSize != 0); bitSize is 0 unless a bitfield.
   */
  findMember(structId: number, name: string): { bitOffset: number; bitSize: number; type: number } | undefined {
    return this.findMemberAt(this.resolve(structId), name, 0, 0);
  }

  private findMemberAt(id: number, name: string, base: number, depth: number): { bitOffset: number; bitSize: number; type: number } | undefined {
    const k = this.kindNum(id);
    if ((k !== K_STRUCT && k !== K_UNION) || depth > MAX_DEPTH) return undefined;
    const anon: BtfMember[] = [];
    for (const m of this.members(id)) {
      if (m.name === name) return { bitOffset: base + m.bitOffset, bitSize: m.bitSize, type: m.type };
      if (m.name === '') anon.push(m);
    }
    // Named members of this level win over those of anonymous ones, as in C (which would
    // reject a clash anyway).
    for (const m of anon) {
      const hit = this.findMemberAt(this.resolve(m.type), name, base + m.bitOffset, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }

  /**
   * Follow a path of member names through nested structs/unions, e.g.
   * memberPath(sockId, ['__sk_common', 'skc_family']); each step is findMember(). Array
   * indexing is left to the caller.
   */
  memberPath(structId: number, path: readonly string[]): { bitOffset: number; bitSize: number; type: number } | undefined {
    let cur = { bitOffset: 0, bitSize: 0, type: structId };
    for (const name of path) {
      const m = this.findMember(cur.type, name);
      if (!m) return undefined;
      cur = { bitOffset: cur.bitOffset + m.bitOffset, bitSize: m.bitSize, type: m.type };
    }
    return cur;
  }
}

// ---- convenience queries used by ipftrace ---------------------------------------------------

export interface SkbTracepoint {
  name: string;
  /** 0-based index of the struct sk_buff * among the tracepoint's arguments (i.e. excluding the leading `void *__data` of the btf_trace_ prototype) */
  skbArg: number;
  args: { name: string; type: string }[];
}

const TP_PREFIX = 'btf_trace_';

/** func_proto of `typedef void (*btf_trace_<name>)(void *__data, args...)`, or undefined. */
function tracepointProto(btf: Btf, typedefId: number): number | undefined {
  const ptr = btf.resolve(typedefId);
  if (btf.kind(ptr) !== 'ptr') return undefined;
  const proto = btf.resolve(btf.pointee(ptr));
  return btf.kind(proto) === 'func_proto' ? proto : undefined;
}

/**
 * The prototype args (without `void *__data`) of a tracepoint's btf_trace_ typedef. That
 * prototype has no parameter names, so they are taken from the kernel's
 * `__traceiter_<name>(void *__data, proto)` (or `__bpf_trace_<name>`) FUNC when its types
 * agree; otherwise a name is `arg<i>`.
 */
function protoArgs(btf: Btf, name: string, proto: number): { name: string; type: string; typeId: number }[] {
  const params = btf.params(proto).slice(1);
  let names: string[] | undefined;
  for (const fn of [`__traceiter_${name}`, `__bpf_trace_${name}`]) {
    for (const id of btf.findByName(fn, 'func')) {
      const ps = btf.params(id).slice(1);
      if (ps.length === params.length && ps.every((p, i) => p.type === params[i].type)) {
        names = ps.map((p) => p.name);
        break;
      }
    }
    if (names) break;
  }
  return params.map((p, i) => ({ name: names?.[i] || `arg${i}`, type: btf.typeString(p.type), typeId: p.type }));
}

/**
 * Every BTF tracepoint whose prototype takes a struct sk_buff *: found from
 * `typedef ... btf_trace_<name>` -> ptr -> func_proto(void *, args...).
 */
export function skbTracepoints(btf: Btf): SkbTracepoint[] {
  const out: SkbTracepoint[] = [];
  for (let id = 1; id < btf.typeCount; id++) {
    if (btf.kind(id) !== 'typedef') continue;
    const tname = btf.name(id);
    if (!tname.startsWith(TP_PREFIX)) continue;
    const proto = tracepointProto(btf, id);
    if (proto === undefined) continue;
    const params = btf.paramTypes(proto);
    let skbArg = -1;
    for (let i = 1; i < params.length; i++) {
      if (btf.isPointerToStruct(params[i], 'sk_buff')) {
        skbArg = i - 1;
        break;
      }
    }
    if (skbArg < 0) continue;
    const name = tname.slice(TP_PREFIX.length);
    out.push({ name, skbArg, args: protoArgs(btf, name, proto).map(({ name: n, type }) => ({ name: n, type })) });
  }
  return out;
}

/** The prototype args of one BTF tracepoint, or undefined if the kernel has no btf_trace_<name>. */
export function tracepointArgs(btf: Btf, name: string): { name: string; type: string; typeId: number }[] | undefined {
  for (const id of btf.findByName(TP_PREFIX + name, 'typedef')) {
    const proto = tracepointProto(btf, id);
    if (proto !== undefined) return protoArgs(btf, name, proto);
  }
  return undefined;
}

export interface SkbFunction {
  name: string;
  /** 1-based position of the first struct sk_buff * parameter */
  skbPos: number;
  nargs: number;
  variadic: boolean;
  /** some parameter is a struct/union passed by value (its registers do not map 1:1 to args) */
  structByValue: boolean;
}

/**
 * Every FUNC taking a struct sk_buff * parameter (the first one found gives skbPos). A name
 * the BTF has several FUNCs for (same-named statics in different files) is listed once, from
 * its first FUNC, since probes attach by name. `ownOnly` limits a split BTF to its own FUNCs.
 */
export function skbFunctions(btf: Btf, opts: { ownOnly?: boolean } = {}): SkbFunction[] {
  const out: SkbFunction[] = [];
  const seen = new Set<string>();
  for (const id of btf.funcs(opts.ownOnly)) {
    const params = btf.paramTypes(id);
    let skbPos = 0;
    let structByValue = false;
    for (let i = 0; i < params.length; i++) {
      if (!skbPos && btf.isPointerToStruct(params[i], 'sk_buff')) skbPos = i + 1;
      const k = btf.kind(btf.resolve(params[i]));
      if (k === 'struct' || k === 'union') structByValue = true;
    }
    if (!skbPos) continue;
    const name = btf.name(id);
    if (seen.has(name)) continue;
    seen.add(name);
    out.push({ name, skbPos, nargs: params.length, variadic: btf.isVariadic(id), structByValue });
  }
  return out;
}

/** Enum constants by value -> name, e.g. enumByValue(btf, 'skb_drop_reason'); the first name wins for aliases. */
export function enumByValue(btf: Btf, enumName: string): Map<bigint, string> | undefined {
  const id = btf.findByName(enumName, 'enum')[0] ?? btf.findByName(enumName, 'enum64')[0];
  if (id === undefined) return undefined;
  const out = new Map<bigint, string>();
  for (const v of btf.enumValues(id)) if (!out.has(v.value)) out.set(v.value, v.name);
  return out;
}
