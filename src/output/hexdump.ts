/**
 * Hex dump in the layout of Go's encoding/hex Dumper (what the original ipcdump printed):
 *
 *   00000000  68 65 6c 6c 6f 2d 70 69  70 65 0a 00 01 02 03 04  |hello-pipe......|
 *
 * i.e. an 8-digit hex offset, two spaces, 16 bytes as "xx " with an extra space after the 8th and
 * 16th byte, then `|ascii|` (bytes outside 0x20..0x7e as '.').
 *
 * Fix relative to the original (reference §3.2, §6 item 5): the original stringified the dump
 * before Dumper.Close() ran, so a trailing partial line had neither padding nor ASCII column.
 * Here the last line is completed the way Close() does it: padded so the '|' lines up, followed by
 * the ASCII of the bytes present. Every line, including the last, ends in "\n"; an empty buffer
 * gives "".
 *
 * Hot path (-x): the dump is written with lookup tables into a reused scratch Buffer and decoded
 * once as latin1 (all output bytes are ASCII), avoiding per-byte string concatenation.
 */

const HEX = '0123456789abcdef';
/** HEX_PAIR[2*b], HEX_PAIR[2*b+1]: the two lower-case hex digits of byte b. */
const HEX_PAIR = new Uint8Array(512);
/** Printable ASCII as itself, everything else as '.'. */
const ASCII = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  HEX_PAIR[2 * b] = HEX.charCodeAt(b >>> 4);
  HEX_PAIR[2 * b + 1] = HEX.charCodeAt(b & 15);
  ASCII[b] = b >= 0x20 && b <= 0x7e ? b : 0x2e;
}
const C_SPACE = 0x20;
const C_BAR = 0x7c;
const C_NL = 0x0a;

/** Length of a full 16-byte line: 8 offset + 2 + 16*3 + 2 extra spaces + '|' + 16 + '|' + '\n'. */
const FULL_LINE = 79;
/** Offset of the opening '|' within a line. */
const BAR_POS = 60;

/** Reused output area (the result is copied into a string), grown on demand. */
let scratch = Buffer.allocUnsafe(4096);

export function hexDump(buf: Uint8Array): string {
  const n = buf.length;
  if (n === 0) return '';
  const fullLines = n >>> 4;
  const rest = n & 15;
  const size = fullLines * FULL_LINE + (rest ? BAR_POS + 1 + rest + 2 : 0);
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  const out = scratch;
  let o = 0;
  for (let off = 0; off < n; off += 16) {
    const lineStart = o;
    // 8-digit offset. Go prints the low 32 bits of the running count; payloads are far smaller.
    for (let shift = 28; shift >= 0; shift -= 4) out[o++] = HEX.charCodeAt((off >>> shift) & 15);
    out[o++] = C_SPACE;
    out[o++] = C_SPACE;
    const end = off + 16 < n ? off + 16 : n;
    for (let i = off; i < end; i++) {
      const b2 = buf[i] << 1;
      out[o++] = HEX_PAIR[b2];
      out[o++] = HEX_PAIR[b2 + 1];
      out[o++] = C_SPACE;
      if (i - off === 7) out[o++] = C_SPACE;
    }
    // Pad a partial line so the ASCII column lines up (Close() semantics), then the extra space.
    const bar = lineStart + BAR_POS;
    while (o < bar) out[o++] = C_SPACE;
    out[o++] = C_BAR;
    for (let i = off; i < end; i++) out[o++] = ASCII[buf[i]];
    out[o++] = C_BAR;
    out[o++] = C_NL;
  }
  return out.toString('latin1', 0, o);
}
