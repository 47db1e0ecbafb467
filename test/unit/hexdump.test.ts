import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hexDump } from '../../src/output/hexdump';

/** Bytes 0x41, 0x42, ... ('A'...) */
function seq(n: number, start = 0x41): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (start + i) & 0xff));
}

test('0 bytes', () => {
  assert.equal(hexDump(Buffer.alloc(0)), '');
});

test('1 byte', () => {
  assert.equal(hexDump(Buffer.from([0x41])), '00000000  41                                                |A|\n');
});

test('10 bytes (the reference example, now with padding and ASCII column)', () => {
  assert.equal(
    hexDump(Buffer.from('hello-pipe')),
    '00000000  68 65 6c 6c 6f 2d 70 69  70 65                    |hello-pipe|\n',
  );
});

test('16 bytes', () => {
  assert.equal(
    hexDump(seq(16)),
    '00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n',
  );
});

test('17 bytes', () => {
  assert.equal(
    hexDump(seq(17)),
    '00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n' +
      '00000010  51                                                |Q|\n',
  );
});

test('32 bytes, non-printable bytes shown as dots', () => {
  assert.equal(
    hexDump(seq(32, 0x70)),
    '00000000  70 71 72 73 74 75 76 77  78 79 7a 7b 7c 7d 7e 7f  |pqrstuvwxyz{|}~.|\n' +
      '00000010  80 81 82 83 84 85 86 87  88 89 8a 8b 8c 8d 8e 8f  |................|\n',
  );
});

test('8 bytes: the extra space after the 8th byte is part of the padding', () => {
  assert.equal(hexDump(seq(8)), '00000000  41 42 43 44 45 46 47 48                           |ABCDEFGH|\n');
  assert.equal(hexDump(seq(9)), '00000000  41 42 43 44 45 46 47 48  49                       |ABCDEFGHI|\n');
});

test("Go's documented example", () => {
  assert.equal(
    hexDump(Buffer.from('Go is an open source programming language.')),
    '00000000  47 6f 20 69 73 20 61 6e  20 6f 70 65 6e 20 73 6f  |Go is an open so|\n' +
      '00000010  75 72 63 65 20 70 72 6f  67 72 61 6d 6d 69 6e 67  |urce programming|\n' +
      '00000020  20 6c 61 6e 67 75 61 67  65 2e                    | language.|\n',
  );
});

test('space, tilde and boundaries of the printable range', () => {
  assert.equal(hexDump(Buffer.from([0x1f, 0x20, 0x7e, 0x7f, 0xff, 0x00])), '00000000  1f 20 7e 7f ff 00                                 |. ~...|\n');
});

test('large dumps: offsets and line structure', () => {
  const n = 70001; // 4375 full lines + 1 byte
  const d = hexDump(seq(n, 0));
  const lines = d.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, Math.ceil(n / 16));
  for (const l of lines.slice(0, -1)) assert.equal(l.length, 78);
  assert.ok(lines[4096].startsWith('00010000  00 01 02'));
  assert.ok(lines[lines.length - 1].startsWith((Math.floor(n / 16) * 16).toString(16).padStart(8, '0') + '  '));
  assert.ok(lines.every((l) => l[60] === '|' && l.endsWith('|')));
});

test('accepts a subarray view', () => {
  const b = seq(32).subarray(16, 18);
  assert.equal(hexDump(b), '00000000  51 52                                             |QR|\n');
});
