import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatClock, formatRfc3339Nano, resetTimeCache } from '../../src/output/time';

function zoneAvailable(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function withTZ(tz: string, fn: () => void): void {
  const old = process.env.TZ;
  process.env.TZ = tz;
  resetTimeCache();
  try {
    fn();
  } finally {
    if (old === undefined) delete process.env.TZ;
    else process.env.TZ = old;
    resetTimeCache();
  }
}

/** ns since epoch from an ISO UTC string plus extra nanoseconds. */
function ns(iso: string, extraNs = 0): bigint {
  return BigInt(Date.parse(iso)) * 1_000_000n + BigInt(extraNs);
}

test('UTC', () => {
  withTZ('UTC', () => {
    const t = ns('2021-03-19T16:51:23Z', 123450000);
    assert.equal(formatClock(t), '16:51:23.123450000');
    assert.equal(formatRfc3339Nano(t), '2021-03-19T16:51:23.12345Z');
    assert.equal(formatRfc3339Nano(ns('2021-03-19T16:51:23Z')), '2021-03-19T16:51:23Z');
    assert.equal(formatClock(ns('2021-03-19T16:51:23Z')), '16:51:23.000000000');
    assert.equal(formatRfc3339Nano(ns('2021-03-19T16:51:23Z', 1)), '2021-03-19T16:51:23.000000001Z');
    assert.equal(formatClock(ns('2021-03-19T16:51:23Z', 1)), '16:51:23.000000001');
    assert.equal(formatRfc3339Nano(ns('2021-03-19T16:51:23Z', 999999999)), '2021-03-19T16:51:23.999999999Z');
    assert.equal(formatRfc3339Nano(ns('2021-03-19T16:51:23Z', 100000000)), '2021-03-19T16:51:23.1Z');
    assert.equal(formatClock(ns('2000-01-01T00:00:00Z', 5)), '00:00:00.000000005');
    assert.equal(formatRfc3339Nano(0n), '1970-01-01T00:00:00Z');
    // before the epoch: floor, not truncate
    assert.equal(formatRfc3339Nano(-1n), '1969-12-31T23:59:59.999999999Z');
    assert.equal(formatClock(-1n), '23:59:59.999999999');
  });
});

test('the per-second cache does not leak across seconds', () => {
  withTZ('UTC', () => {
    const a = ns('2021-03-19T16:51:23Z', 5);
    assert.equal(formatClock(a), '16:51:23.000000005');
    assert.equal(formatClock(a + 1_000_000_000n), '16:51:24.000000005');
    assert.equal(formatRfc3339Nano(a + 1_000_000_000n), '2021-03-19T16:51:24.000000005Z');
    assert.equal(formatClock(a), '16:51:23.000000005');
  });
});

const BERLIN = ['Europe/Berlin', 'Europe/Paris', 'Europe/Vienna'].find(zoneAvailable);

test(`Europe/Berlin-like zone (${BERLIN ?? 'none available'})`, { skip: BERLIN === undefined }, () => {
  withTZ(BERLIN!, () => {
    // winter (CET, +01:00)
    const w = ns('2021-03-19T16:51:23Z', 123450000);
    assert.equal(formatClock(w), '17:51:23.123450000');
    assert.equal(formatRfc3339Nano(w), '2021-03-19T17:51:23.12345+01:00');
    // summer (CEST, +02:00)
    const s = ns('2021-07-01T22:30:00Z');
    assert.equal(formatClock(s), '00:30:00.000000000');
    assert.equal(formatRfc3339Nano(s), '2021-07-02T00:30:00+02:00');
    // across the DST switch (2021-03-28 01:00Z): 01:59:59+01:00 then 03:00:00+02:00
    assert.equal(formatRfc3339Nano(ns('2021-03-28T00:59:59Z', 9)), '2021-03-28T01:59:59.000000009+01:00');
    assert.equal(formatRfc3339Nano(ns('2021-03-28T01:00:00Z', 9)), '2021-03-28T03:00:00.000000009+02:00');
  });
});

test('negative and half-hour offsets', () => {
  if (zoneAvailable('America/New_York')) {
    withTZ('America/New_York', () => {
      assert.equal(formatRfc3339Nano(ns('2021-07-01T12:00:00Z', 500)), '2021-07-01T08:00:00.0000005-04:00');
      assert.equal(formatClock(ns('2021-01-01T03:00:00Z')), '22:00:00.000000000');
      assert.equal(formatRfc3339Nano(ns('2021-01-01T03:00:00Z')), '2020-12-31T22:00:00-05:00');
    });
  }
  if (zoneAvailable('Asia/Kolkata')) {
    withTZ('Asia/Kolkata', () => {
      assert.equal(formatRfc3339Nano(ns('2021-07-01T12:00:00Z')), '2021-07-01T17:30:00+05:30');
    });
  }
});

test('a zero offset is Z even when the zone is not UTC', { skip: !zoneAvailable('Europe/London') }, () => {
  withTZ('Europe/London', () => {
    assert.equal(formatRfc3339Nano(ns('2021-01-15T10:00:00Z')), '2021-01-15T10:00:00Z');
    assert.equal(formatRfc3339Nano(ns('2021-07-15T10:00:00Z')), '2021-07-15T11:00:00+01:00');
  });
});
