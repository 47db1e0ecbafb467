/**
 * src/runtime/btf.ts against (1) the running kernel's /sys/kernel/btf/vmlinux, cross-checked
 * with bpftool's own decoding when bpftool is installed, and (2) tiny BTF blobs built here,
 * which pin down the encodings the kernel may not exercise (both byte orders, enum64, a
 * variadic prototype, old-style bitfields, split BTF) and the error paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Btf, enumByValue, skbFunctions, skbTracepoints, tracepointArgs, type BtfKind } from '../../src/runtime/btf';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const haveVmlinux = fs.existsSync(VMLINUX);
const noVmlinux = haveVmlinux ? false : `${VMLINUX} not present`;

function findBpftool(): string | undefined {
  return ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/usr/local/sbin/bpftool'].find((p) => fs.existsSync(p));
}

// ---- a tiny BTF writer ----------------------------------------------------------------------

const KIND_NUM: Record<BtfKind, number> = {
  int: 1, ptr: 2, array: 3, struct: 4, union: 5, enum: 6, fwd: 7, typedef: 8, volatile: 9, const: 10,
  restrict: 11, func: 12, func_proto: 13, var: 14, datasec: 15, float: 16, decl_tag: 17, type_tag: 18, enum64: 19,
};

/** Builds a BTF blob type by type; ids and string offsets continue `base`'s for split BTF. */
class BtfWriter {
  private words: number[] = [];
  /** index in `words` of each type's first word, by id */
  private starts = new Map<number, number>();
  private strs: string[] = [];
  private strOffs = new Map<string, number>();
  strLen = 0;
  private nextId: number;

  constructor(private readonly base?: { typeCount: number; strLen: number }) {
    this.nextId = base ? base.typeCount : 1;
    if (!base) this.str(''); // a base string section starts with the empty string
  }

  /** Offset of a string, added once; '' is offset 0 in every BTF. */
  str(s: string): number {
    if (s === '' && this.base) return 0;
    let off = this.strOffs.get(s);
    if (off === undefined) {
      off = (this.base?.strLen ?? 0) + this.strLen;
      this.strOffs.set(s, off);
      this.strs.push(s);
      this.strLen += Buffer.byteLength(s) + 1;
    }
    return off;
  }

  /** Append a type (name as a string, or as a string offset); returns its id. */
  type(kind: BtfKind, name: string | number, vlen: number, kflag: boolean, sizeOrType: number, ...extra: number[]): number {
    const info = ((kflag ? 1 : 0) << 31) | (KIND_NUM[kind] << 24) | vlen;
    this.starts.set(this.nextId, this.words.length);
    this.words.push(typeof name === 'number' ? name : this.str(name), info >>> 0, sizeOrType >>> 0, ...extra.map((x) => x >>> 0));
    return this.nextId++;
  }

  /** Overwrite word `index` of type `id`'s record (0 = name_off, 2 = size/type, 3.. = trailing data). */
  set(id: number, index: number, value: number): void {
    this.words[this.starts.get(id)! + index] = value >>> 0;
  }

  build(littleEndian = true): Buffer {
    const typeLen = this.words.length * 4;
    const strBuf = Buffer.concat(this.strs.map((s) => Buffer.from(s + '\0')));
    const buf = Buffer.alloc(24 + typeLen + strBuf.length);
    const w16 = (v: number, o: number) => (littleEndian ? buf.writeUInt16LE(v, o) : buf.writeUInt16BE(v, o));
    const w32 = (v: number, o: number) => (littleEndian ? buf.writeUInt32LE(v, o) : buf.writeUInt32BE(v, o));
    w16(0xeb9f, 0);
    buf[2] = 1; // version
    buf[3] = 0; // flags
    w32(24, 4); // hdr_len
    w32(0, 8); // type_off
    w32(typeLen, 12);
    w32(typeLen, 16); // str_off
    w32(strBuf.length, 20);
    this.words.forEach((v, i) => w32(v, 24 + i * 4));
    strBuf.copy(buf, 24 + typeLen);
    return buf;
  }
}

const INT_SIGNED = 1 << 24;

/** A blob exercising most kinds; returns it and the ids it assigned. */
function sampleBtf(littleEndian: boolean) {
  const w = new BtfWriter();
  const uint = w.type('int', 'unsigned int', 0, false, 4, 32);
  const int = w.type('int', 'int', 0, false, 4, INT_SIGNED | 32);
  const char = w.type('int', 'char', 0, false, 1, INT_SIGNED | (2 << 24) | 8);
  const u8 = w.type('typedef', 'u8', 0, false, 0); // patched below: typedefs may point forward
  const uchar = w.type('int', 'unsigned char', 0, false, 1, 8);
  // struct sk_buff { unsigned int len; union { unsigned int mark; int prio; }; u8 cloned:1, nohdr:1; char cb[4]; }
  const anonUnion = w.type('union', '', 2, false, 4, w.str('mark'), uint, 0, w.str('prio'), int, 0);
  const skb = w.type('struct', 'sk_buff', 5, true, 16,
    w.str('len'), uint, 0,
    0, anonUnion, 32,
    w.str('cloned'), u8, (1 << 24) | 64,
    w.str('nohdr'), u8, (1 << 24) | 65,
    w.str('cb'), 0 /* patched: array */, 96);
  const arr = w.type('array', '', 0, false, 0, char, uint, 4);
  const skbPtr = w.type('ptr', '', 0, false, skb);
  const constSkb = w.type('const', '', 0, false, skb);
  const constSkbPtr = w.type('ptr', '', 0, false, constSkb);
  const charPtr = w.type('ptr', '', 0, false, char);
  // enum64 big (signed) { NEG = -2, HUGE = 1 << 40 }; enum64 (unsigned) { TOP = 2^64 - 1 }; enum small (signed) { M1 = -1 }
  const big = w.type('enum64', 'big', 2, true, 8, w.str('NEG'), 0xfffffffe, 0xffffffff, w.str('HUGE'), 0, 0x100);
  const ubig = w.type('enum64', 'ubig', 1, false, 8, w.str('TOP'), 0xffffffff, 0xffffffff);
  const small = w.type('enum', 'small', 2, true, 4, w.str('M1'), -1, w.str('TWO'), 2);
  // int logf(const char *fmt, ...)
  const logProto = w.type('func_proto', '', 2, false, int, w.str('fmt'), charPtr, 0, 0);
  const logf = w.type('func', 'logf', 0, false, logProto);
  // void rcv(int x, const struct sk_buff *skb, struct sk_buff by_value)
  const rcvProto = w.type('func_proto', '', 3, false, 0, w.str('x'), int, w.str('skb'), constSkbPtr, w.str('by_value'), skb);
  const rcv = w.type('func', 'rcv', 0, false, rcvProto);
  // tracepoint: typedef void (*btf_trace_pkt)(void *, int, struct sk_buff *), named by __traceiter_pkt
  const voidPtr = w.type('ptr', '', 0, false, 0);
  const tpProto = w.type('func_proto', '', 3, false, 0, 0, voidPtr, 0, int, 0, skbPtr);
  const tpPtr = w.type('ptr', '', 0, false, tpProto);
  const tpTypedef = w.type('typedef', 'btf_trace_pkt', 0, false, tpPtr);
  const iterProto = w.type('func_proto', '', 3, false, int, w.str('__data'), voidPtr, w.str('ifindex'), int, w.str('skb'), skbPtr);
  const iter = w.type('func', '__traceiter_pkt', 0, false, iterProto);
  // old-style bitfield (kind_flag 0): an int with nr_bits 3 at bit offset 5
  const int3 = w.type('int', 'unsigned int', 0, false, 4, (5 << 16) | 3);
  const old = w.type('struct', 'old', 1, false, 4, w.str('f'), int3, 0);
  const fwd = w.type('fwd', 'sk_buff', 0, false, 0);
  const fwdPtr = w.type('ptr', '', 0, false, fwd);
  // Patch the two forward references: u8 -> unsigned char, sk_buff.cb -> char[4].
  w.set(u8, 2, uchar);
  w.set(skb, 3 + 4 * 3 + 1, arr);
  const ids = { uint, int, char, u8, uchar, anonUnion, skb, arr, skbPtr, constSkb, constSkbPtr, charPtr, big, ubig, small, logProto, logf, rcvProto, rcv, voidPtr, tpProto, tpPtr, tpTypedef, iter, int3, old, fwd, fwdPtr };
  return { buf: w.build(littleEndian), ids, writer: w };
}

// ---- synthetic blobs ------------------------------------------------------------------------

for (const le of [true, false]) {
  test(`synthetic BTF round-trips (${le ? 'little' : 'big'} endian)`, () => {
    const { buf, ids } = sampleBtf(le);
    const btf = Btf.parse(buf);
    assert.equal(btf.typeCount, ids.fwdPtr + 1);
    assert.equal(btf.kind(0), 'void');
    assert.equal(btf.kind(ids.skb), 'struct');
    assert.equal(btf.name(ids.skb), 'sk_buff');
    assert.equal(btf.name(ids.anonUnion), '');
    assert.deepEqual(btf.findByName('sk_buff'), [ids.skb, ids.fwd]);
    assert.deepEqual(btf.findByName('sk_buff', 'struct'), [ids.skb]);
    assert.deepEqual(btf.findByName('unsigned int'), [ids.uint, ids.int3]);
    assert.deepEqual(btf.findByName('nope'), []);

    // struct with an anonymous union, kind_flag bitfields and an array
    assert.deepEqual(btf.members(ids.skb), [
      { name: 'len', type: ids.uint, bitOffset: 0, bitSize: 0 },
      { name: '', type: ids.anonUnion, bitOffset: 32, bitSize: 0 },
      { name: 'cloned', type: ids.u8, bitOffset: 64, bitSize: 1 },
      { name: 'nohdr', type: ids.u8, bitOffset: 65, bitSize: 1 },
      { name: 'cb', type: ids.arr, bitOffset: 96, bitSize: 0 },
    ]);
    assert.deepEqual(btf.findMember(ids.skb, 'prio'), { bitOffset: 32, bitSize: 0, type: ids.int });
    assert.deepEqual(btf.findMember(ids.constSkb, 'nohdr'), { bitOffset: 65, bitSize: 1, type: ids.u8 });
    assert.equal(btf.findMember(ids.skb, 'nope'), undefined);
    assert.deepEqual(btf.memberPath(ids.skb, ['cb']), { bitOffset: 96, bitSize: 0, type: ids.arr });
    // kind_flag 0: the bitfield lives in the INT's encoding
    assert.deepEqual(btf.members(ids.old), [{ name: 'f', type: ids.int3, bitOffset: 5, bitSize: 3 }]);

    assert.equal(btf.resolve(ids.u8), ids.uchar);
    assert.equal(btf.resolve(ids.constSkb), ids.skb);
    assert.equal(btf.size(ids.skb), 16);
    assert.equal(btf.size(ids.arr), 4);
    assert.equal(btf.size(ids.skbPtr), 8);
    assert.equal(btf.size(ids.u8), 1);
    assert.deepEqual(btf.array(ids.arr), { elemType: ids.char, count: 4 });
    assert.equal(btf.pointee(ids.skbPtr), ids.skb);
    assert.throws(() => btf.members(ids.uint), /is int, expected struct or union/);

    // enum / enum64, signed and unsigned per kind_flag
    assert.deepEqual(btf.enumValues(ids.big), [
      { name: 'NEG', value: -2n },
      { name: 'HUGE', value: 1n << 40n },
    ]);
    assert.deepEqual(btf.enumValues(ids.ubig), [{ name: 'TOP', value: (1n << 64n) - 1n }]);
    assert.deepEqual(btf.enumValues(ids.small), [
      { name: 'M1', value: -1n },
      { name: 'TWO', value: 2n },
    ]);
    assert.deepEqual(enumByValue(btf, 'big'), new Map([[-2n, 'NEG'], [1n << 40n, 'HUGE']]));
    assert.equal(enumByValue(btf, 'nope'), undefined);

    // a variadic prototype: the trailing {0, 0} param is not a parameter
    assert.deepEqual(btf.params(ids.logf), [{ name: 'fmt', type: ids.charPtr }]);
    assert.deepEqual(btf.params(ids.logProto), btf.params(ids.logf));
    assert.equal(btf.isVariadic(ids.logf), true);
    assert.equal(btf.isVariadic(ids.rcv), false);
    assert.equal(btf.returnType(ids.logf), ids.int);
    assert.equal(btf.returnType(ids.rcv), 0);
    assert.deepEqual(btf.funcs(), [ids.logf, ids.rcv, ids.iter]);

    assert.equal(btf.typeString(ids.logf), 'int logf(char *, ...)');
    assert.equal(btf.typeString(ids.rcv), 'void rcv(int, const struct sk_buff *, struct sk_buff)');
    assert.equal(btf.typeString(ids.constSkbPtr), 'const struct sk_buff *');
    assert.equal(btf.typeString(ids.arr), 'char[4]');
    assert.equal(btf.typeString(ids.u8), 'u8');
    assert.equal(btf.typeString(ids.big), 'enum big');
    assert.equal(btf.typeString(ids.anonUnion), 'union (anon)');
    assert.equal(btf.typeString(ids.tpTypedef), 'btf_trace_pkt');
    assert.equal(btf.typeString(ids.tpPtr), 'void (*)(void *, int, struct sk_buff *)');
    assert.equal(btf.typeString(0), 'void');

    assert.equal(btf.isPointerToStruct(ids.constSkbPtr, 'sk_buff'), true);
    assert.equal(btf.isPointerToStruct(ids.fwdPtr, 'sk_buff'), true);
    assert.equal(btf.isPointerToStruct(ids.skb, 'sk_buff'), false);
    assert.equal(btf.isPointerToStruct(ids.charPtr, 'sk_buff'), false);
    assert.equal(btf.isPointerToStruct(ids.skbPtr, 'sk_buf'), false);

    assert.deepEqual(skbFunctions(btf), [
      { name: 'rcv', skbPos: 2, nargs: 3, variadic: false, structByValue: true },
      { name: '__traceiter_pkt', skbPos: 3, nargs: 3, variadic: false, structByValue: false },
    ]);
    assert.deepEqual(skbTracepoints(btf), [
      { name: 'pkt', skbArg: 1, args: [{ name: 'ifindex', type: 'int' }, { name: 'skb', type: 'struct sk_buff *' }] },
    ]);
    assert.deepEqual(tracepointArgs(btf, 'pkt'), [
      { name: 'ifindex', type: 'int', typeId: ids.int },
      { name: 'skb', type: 'struct sk_buff *', typeId: ids.skbPtr },
    ]);
    assert.equal(tracepointArgs(btf, 'nope'), undefined);
  });
}

test('split BTF continues the base type ids and string offsets', () => {
  const { buf, ids, writer } = sampleBtf(true);
  const base = Btf.parse(buf);
  const w = new BtfWriter({ typeCount: base.typeCount, strLen: writer.strLen });
  const modPtr = w.type('ptr', '', 0, false, ids.skb);
  const modProto = w.type('func_proto', '', 1, false, ids.int, w.str('skb'), modPtr);
  const modFunc = w.type('func', 'mod_rcv', 0, false, modProto);
  // A split type may name itself with a base string: offsets below the base's str_len.
  const alias = w.type('typedef', writer.str('u8'), 0, false, ids.u8);
  const split = Btf.parse(w.build(), base);
  assert.equal(modPtr, base.typeCount);
  assert.equal(split.firstTypeId, base.typeCount);
  assert.equal(split.typeCount, alias + 1);
  assert.equal(split.name(modFunc), 'mod_rcv');
  assert.equal(split.name(alias), 'u8');
  assert.equal(split.name(ids.skb), 'sk_buff'); // base ids resolve through the split
  assert.equal(split.typeString(modFunc), 'int mod_rcv(struct sk_buff *)');
  assert.deepEqual(split.params(modFunc), [{ name: 'skb', type: modPtr }]);
  assert.deepEqual(split.findByName('mod_rcv', 'func'), [modFunc]);
  assert.deepEqual(split.findByName('u8'), [ids.u8, alias]); // base's first
  assert.deepEqual(split.findByName('sk_buff', 'struct'), [ids.skb]);
  assert.deepEqual(split.funcs(true), [modFunc]);
  assert.deepEqual(split.funcs(), [ids.logf, ids.rcv, ids.iter, modFunc]);
  assert.deepEqual(skbFunctions(split, { ownOnly: true }), [{ name: 'mod_rcv', skbPos: 1, nargs: 1, variadic: false, structByValue: false }]);
  assert.equal(split.resolve(alias), ids.uchar);
  assert.equal(split.size(alias), 1);
  assert.throws(() => split.kind(split.typeCount), RangeError);
  // an empty split BTF: no types, no strings
  const empty = Btf.parse(new BtfWriter({ typeCount: base.typeCount, strLen: writer.strLen }).build(), base);
  assert.equal(empty.typeCount, base.typeCount);
  assert.deepEqual(empty.findByName('sk_buff'), base.findByName('sk_buff'));
});

test('bad input throws a clear Error', () => {
  const { buf } = sampleBtf(true);
  assert.throws(() => Btf.parse(Buffer.alloc(0)), /invalid BTF: 0 bytes is shorter than the 24-byte header/);
  assert.throws(() => Btf.parse(buf.subarray(0, 10)), /invalid BTF: .*shorter than the 24-byte header/);
  const badMagic = Buffer.from(buf);
  badMagic.writeUInt16LE(0x1234, 0);
  assert.throws(() => Btf.parse(badMagic), /invalid BTF: bad magic 0x1234/);
  const badVersion = Buffer.from(buf);
  badVersion[2] = 2;
  assert.throws(() => Btf.parse(badVersion), /unsupported version 2/);
  assert.throws(() => Btf.parse(buf.subarray(0, buf.length - 5)), /invalid BTF: string section .* exceeds .*truncated/);
  // A type section whose declared length cuts a record in half.
  const cut = Buffer.from(buf);
  cut.writeUInt32LE(cut.readUInt32LE(12) - 6, 12);
  assert.throws(() => Btf.parse(cut), /invalid BTF: type id \d+ .*truncated/);
  const unknownKind = Buffer.from(buf);
  unknownKind.writeUInt32LE((31 << 24) >>> 0, 24 + 4); // type 1's info
  assert.throws(() => Btf.parse(unknownKind), /invalid BTF: type id 1 has unknown kind 31/);
  const notTerminated = Buffer.from(buf);
  notTerminated[notTerminated.length - 1] = 0x41;
  assert.throws(() => Btf.parse(notTerminated), /string section is not NUL-terminated/);
  assert.throws(() => Btf.load('/nonexistent/btf'), /ENOENT/);
});

// ---- the running kernel ---------------------------------------------------------------------

/**
 * An independent decoding of struct/union members from `bpftool btf dump format raw`, for
 * cross-checking: id -> members, plus a C-style lookup through anonymous members.
 */
function bpftoolStructs(bpftool: string): Map<number, { name: string; type: number; bits: number; bitfield: number }[]> {
  const out = execFileSync(bpftool, ['btf', 'dump', 'file', VMLINUX, 'format', 'raw'], { maxBuffer: 256 << 20 }).toString();
  const structs = new Map<number, { name: string; type: number; bits: number; bitfield: number }[]>();
  let cur: { name: string; type: number; bits: number; bitfield: number }[] | undefined;
  for (const line of out.split('\n')) {
    const head = /^\[(\d+)\] (\w+) /.exec(line);
    if (head) {
      cur = head[2] === 'STRUCT' || head[2] === 'UNION' ? [] : undefined;
      if (cur) structs.set(Number(head[1]), cur);
      continue;
    }
    const m = /^\t'([^']*)' type_id=(\d+) bits_offset=(\d+)(?: bitfield_size=(\d+))?/.exec(line);
    if (m && cur) cur.push({ name: m[1] === '(anon)' ? '' : m[1], type: Number(m[2]), bits: Number(m[3]), bitfield: Number(m[4] ?? 0) });
  }
  return structs;
}

function oracleFind(structs: ReturnType<typeof bpftoolStructs>, id: number, name: string, base = 0): { bitOffset: number; bitSize: number; type: number } | undefined {
  const ms = structs.get(id) ?? [];
  for (const m of ms) if (m.name === name) return { bitOffset: base + m.bits, bitSize: m.bitfield, type: m.type };
  for (const m of ms) {
    if (m.name !== '' || !structs.has(m.type)) continue;
    const hit = oracleFind(structs, m.type, name, base + m.bits);
    if (hit) return hit;
  }
  return undefined;
}

test('vmlinux: parses quickly and finds struct sk_buff members', { skip: noVmlinux }, (t) => {
  const raw = fs.readFileSync(VMLINUX);
  const t0 = process.hrtime.bigint();
  const btf = Btf.parse(raw);
  const t1 = process.hrtime.bigint();
  const skbs = btf.findByName('sk_buff', 'struct');
  const t2 = process.hrtime.bigint();
  t.diagnostic(
    `parsed ${raw.length} bytes, ${btf.typeCount} types in ${(Number(t1 - t0) / 1e6).toFixed(1)} ms; ` +
      `name index built in ${(Number(t2 - t1) / 1e6).toFixed(1)} ms`,
  );
  assert.ok(btf.typeCount > 10000);
  assert.equal(skbs.length, 1);
  const skb = skbs[0];
  assert.equal(btf.typeString(skb), 'struct sk_buff');
  const size = btf.size(skb);
  assert.ok(size >= 128 && size <= 512, `sizeof(struct sk_buff) = ${size}`);

  const found: Record<string, { bitOffset: number; bitSize: number; type: number }> = {};
  for (const name of ['mark', 'len', 'head', 'network_header', 'cloned', 'protocol', 'dev']) {
    const m = btf.findMember(skb, name);
    assert.ok(m, `sk_buff.${name}`);
    assert.ok(m.bitOffset >= 0 && m.bitOffset < size * 8, `sk_buff.${name} at bit ${m.bitOffset}`);
    found[name] = m;
  }
  // Natural alignment for the plain members.
  assert.equal(found.mark.bitOffset % 32, 0);
  assert.equal(btf.size(found.mark.type), 4);
  assert.equal(found.len.bitOffset % 32, 0);
  assert.equal(found.head.bitOffset % 64, 0);
  assert.equal(btf.typeString(found.head.type), 'unsigned char *');
  assert.equal(found.network_header.bitOffset % 16, 0);
  assert.equal(btf.size(found.network_header.type), 2);
  assert.equal(found.cloned.bitSize, 1);
  assert.equal(found.mark.bitSize, 0);
  assert.ok(btf.isPointerToStruct(found.dev.type, 'net_device'));

  // struct sock's family is two levels down: sock.__sk_common.skc_family.
  const sock = btf.findByName('sock', 'struct')[0];
  const fam = btf.memberPath(sock, ['__sk_common', 'skc_family']);
  assert.ok(fam && fam.bitOffset < 256 && btf.size(fam.type) === 2);

  const bpftool = findBpftool();
  if (!bpftool) {
    t.diagnostic('bpftool not found: offsets not cross-checked');
    return;
  }
  const structs = bpftoolStructs(bpftool);
  for (const [name, m] of Object.entries(found)) assert.deepEqual(m, oracleFind(structs, skb, name), `sk_buff.${name} vs bpftool`);
  const top = (structs.get(skb) ?? []).map((m) => ({ name: m.name, type: m.type, bitOffset: m.bits, bitSize: m.bitfield }));
  assert.deepEqual(btf.members(skb), top);
  t.diagnostic(`sk_buff offsets (bytes): ${Object.entries(found).map(([n, m]) => `${n}=${m.bitOffset / 8}`).join(' ')}`);
});

test('vmlinux: tracepoints, functions and enums taking or describing a struct sk_buff', { skip: noVmlinux }, (t) => {
  const btf = Btf.vmlinux();
  assert.equal(Btf.vmlinux(), btf); // cached

  const tps = skbTracepoints(btf);
  t.diagnostic(`${tps.length} skb tracepoints`);
  assert.ok(tps.length >= 20 && tps.length <= 60, `${tps.length} skb tracepoints`);
  const tp = (name: string) => {
    const x = tps.find((e) => e.name === name);
    assert.ok(x, `tracepoint ${name}`);
    return x;
  };
  assert.equal(tp('net_dev_queue').skbArg, 0);
  assert.deepEqual(tp('net_dev_queue').args[0], { name: 'skb', type: 'struct sk_buff *' });
  assert.equal(tp('qdisc_dequeue').skbArg, 3);
  const kfree = tp('kfree_skb');
  assert.equal(kfree.skbArg, 0);
  assert.deepEqual(kfree.args.find((a) => a.name === 'location'), { name: 'location', type: 'void *' });
  assert.deepEqual(kfree.args.find((a) => a.name === 'reason'), { name: 'reason', type: 'enum skb_drop_reason' });
  const kfreeArgs = tracepointArgs(btf, 'kfree_skb');
  assert.deepEqual(kfreeArgs?.map(({ name, type }) => ({ name, type })), kfree.args);
  assert.equal(tracepointArgs(btf, 'no_such_tracepoint'), undefined);

  const reasons = enumByValue(btf, 'skb_drop_reason');
  assert.ok(reasons);
  assert.equal(reasons.get(2n), 'SKB_DROP_REASON_NOT_SPECIFIED');
  assert.equal(reasons.get(3n), 'SKB_DROP_REASON_NO_SOCKET');

  const t0 = process.hrtime.bigint();
  const fns = skbFunctions(btf);
  t.diagnostic(`${fns.length} functions take a struct sk_buff * (${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms)`);
  const fn = (name: string) => fns.find((f) => f.name === name);
  assert.deepEqual(fn('ip_rcv'), { name: 'ip_rcv', skbPos: 1, nargs: 4, variadic: false, structByValue: false });
  assert.equal(fn('__ip_queue_xmit')?.skbPos, 2);
  assert.equal(fn('_printk'), undefined);
  assert.equal(new Set(fns.map((f) => f.name)).size, fns.length); // one entry per name
  // cross-check skbPos with the prototype's own spelling
  for (const f of fns.slice(0, 200)) {
    const id = btf.findByName(f.name, 'func')[0];
    assert.equal(btf.typeString(btf.params(id)[f.skbPos - 1].type).replace(/^const /, ''), 'struct sk_buff *', f.name);
  }
});

test('vmlinux: a truncated copy throws instead of reading past the end', { skip: noVmlinux }, () => {
  const raw = fs.readFileSync(VMLINUX);
  assert.throws(() => Btf.parse(raw.subarray(0, raw.length >> 1)), /invalid BTF: .*truncated/);
  assert.throws(() => Btf.parse(raw.subarray(0, 100)), /invalid BTF: .*truncated/);
});
