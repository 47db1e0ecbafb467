/**
 * Little-endian stores for the writer's hot path, and 64-bit times (bigint ns) to and from a
 * Buffer through one shared BigInt64Array.
 *
 * Why: Buffer's writeUInt32LE validates its arguments on every call (14 ns against 3.4 ns for
 * the four byte stores, measured; an event has about eight such fields); the writer already
 * knows its values fit. And Buffer's writeBigInt64LE/readBigInt64LE split the value with BigInt arithmetic, which
 * allocates intermediate BigInts: measured 80 ns a write and 47 ns a read, the largest single
 * cost of writing an event. A typed-array store converts in one step (7 ns; a read 14 ns,
 * allocating only the result). Little-endian like the rest of the format: x86-64 and arm64
 * are, and the byte order is fixed here so a big-endian host would fail loudly, not silently.
 */
const I64 = new BigInt64Array(1);
const U8 = new Uint8Array(I64.buffer);
I64[0] = 1n;
if (U8[0] !== 1) throw new Error('ipcdump recordings need a little-endian host');

/** Store v at b[o .. o+8); returns o + 8. */
export function writeI64(b: Buffer, v: bigint, o: number): number {
  I64[0] = v;
  b[o] = U8[0];
  b[o + 1] = U8[1];
  b[o + 2] = U8[2];
  b[o + 3] = U8[3];
  b[o + 4] = U8[4];
  b[o + 5] = U8[5];
  b[o + 6] = U8[6];
  b[o + 7] = U8[7];
  return o + 8;
}

export function readI64(b: Buffer, o: number): bigint {
  U8[0] = b[o];
  U8[1] = b[o + 1];
  U8[2] = b[o + 2];
  U8[3] = b[o + 3];
  U8[4] = b[o + 4];
  U8[5] = b[o + 5];
  U8[6] = b[o + 6];
  U8[7] = b[o + 7];
  return I64[0];
}

/** Store the low 32 bits of v (so -1 becomes 0xffffffff, as Int32 would) at b[o .. o+4); returns o + 4. */
export function writeU32(b: Buffer, v: number, o: number): number {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
  return o + 4;
}
