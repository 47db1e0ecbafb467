/** Pure tests of the ring-buffer batch framing walker (no kernel needed). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { countRecords, forEachRecord, RECORD_HEADER_BYTES } from '../../src/runtime/ring-buffer';

/** Frames payloads exactly as the addon does: [u32 len][u32 0][payload][pad to 8]. */
function frame(payloads: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of payloads) {
    const header = Buffer.alloc(RECORD_HEADER_BYTES);
    header.writeUInt32LE(p.length, 0);
    parts.push(header, p, Buffer.alloc((8 - (p.length % 8)) % 8));
  }
  return Buffer.concat(parts);
}

describe('forEachRecord', () => {
  it('walks records of assorted sizes, payloads 8-byte aligned', () => {
    const payloads = [1, 7, 8, 9, 16, 0, 63].map((n, i) => Buffer.alloc(n, i + 1));
    const batch = frame(payloads);
    const seen: Array<[number, number]> = [];
    forEachRecord(batch, (off, len) => seen.push([off, len]));
    assert.equal(seen.length, payloads.length);
    seen.forEach(([off, len], i) => {
      assert.equal(off % 8, 0);
      assert.equal(len, payloads[i].length);
      assert.deepEqual(batch.subarray(off, off + len), payloads[i]);
    });
    assert.equal(countRecords(batch), payloads.length);
  });

  it('accepts an empty batch', () => {
    let calls = 0;
    forEachRecord(Buffer.alloc(0), () => calls++);
    assert.equal(calls, 0);
  });

  it('rejects a truncated header', () => {
    const batch = Buffer.concat([frame([Buffer.alloc(8)]), Buffer.alloc(4)]);
    assert.throws(() => forEachRecord(batch, () => {}), /truncated record header at offset 16/);
  });

  it('rejects a record that overruns the batch', () => {
    const batch = frame([Buffer.alloc(16)]).subarray(0, 20);
    assert.throws(() => forEachRecord(batch, () => {}), /overruns the batch/);
  });

  it('rejects a non-zero reserved word', () => {
    const batch = frame([Buffer.alloc(8)]);
    batch.writeUInt32LE(1, 4);
    assert.throws(() => forEachRecord(batch, () => {}), /reserved word/);
  });

  it('works on a Buffer that is a view into a larger allocation', () => {
    const inner = frame([Buffer.from('abc'), Buffer.from('defghijk')]);
    const outer = Buffer.concat([Buffer.alloc(24, 0xff), inner, Buffer.alloc(8, 0xff)]);
    const view = outer.subarray(24, 24 + inner.length);
    const texts: string[] = [];
    forEachRecord(view, (off, len) => texts.push(view.toString('latin1', off, off + len)));
    assert.deepEqual(texts, ['abc', 'defghijk']);
  });
});
