/**
 * Timestamp formatting for the output formats, in the LOCAL time zone (process TZ), as the original
 * did with Go's time.Time:
 *   - formatClock:       `HH:MM:SS.nnnnnnnnn` (text and CSV; no date, 9-digit nanoseconds);
 *   - formatRfc3339Nano: Go's time.RFC3339Nano, e.g. `2021-03-19T17:51:23.12345+01:00`: fraction
 *     with trailing zeros trimmed and omitted when zero; offset `Z` whenever it is zero (Go prints
 *     `Z` for any zero offset, not only for the zone named UTC).
 *
 * Time-zone rules come from JS Date (Node honours TZ, including changes to process.env.TZ).
 *
 * Hot path: the calendar part only changes once per second, so the last second's strings are
 * cached and only the nanosecond part is formatted per event. Consequence: after changing
 * process.env.TZ at run time (tests only; the CLI never does) call resetTimeCache().
 */

const NS_PER_SEC = 1_000_000_000n;

let cachedSec: bigint | null = null;
/** `HH:MM:SS.` for cachedSec. */
let cachedClock = '';
/** `YYYY-MM-DDTHH:MM:SS` for cachedSec. */
let cachedDateTime = '';
/** `Z` or `+hh:mm` for cachedSec. */
let cachedOffset = '';

/** Forget the cached second (needed only after process.env.TZ changes at run time). */
export function resetTimeCache(): void {
  cachedSec = null;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

function pad4(n: number): string {
  const s = '' + Math.abs(n);
  const p = s.length >= 4 ? s : '0000'.slice(s.length) + s;
  return n < 0 ? '-' + p : p;
}

function pad9(n: number): string {
  const s = '' + n;
  return s.length >= 9 ? s : '000000000'.slice(s.length) + s;
}

function fill(sec: bigint): void {
  const d = new Date(Number(sec) * 1000);
  const hms = pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  cachedClock = hms + '.';
  cachedDateTime = pad4(d.getFullYear()) + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + 'T' + hms;
  // getTimezoneOffset is (UTC - local) in minutes and can be fractional for historic LMT offsets;
  // Go's Z07:00 prints whole hours and minutes of the offset, truncated.
  const offSec = Math.round(-d.getTimezoneOffset() * 60);
  if (offSec === 0) {
    cachedOffset = 'Z';
  } else {
    const a = Math.abs(offSec);
    cachedOffset = (offSec < 0 ? '-' : '+') + pad2(Math.floor(a / 3600)) + ':' + pad2(Math.floor((a % 3600) / 60));
  }
  cachedSec = sec;
}

/** Split into (whole seconds, nanoseconds 0..999999999), flooring for pre-1970 values. */
function split(timeNs: bigint): [bigint, number] {
  let sec = timeNs / NS_PER_SEC;
  let ns = timeNs - sec * NS_PER_SEC;
  if (ns < 0n) {
    sec -= 1n;
    ns += NS_PER_SEC;
  }
  return [sec, Number(ns)];
}

/** `HH:MM:SS.nnnnnnnnn` in local time. */
export function formatClock(timeNs: bigint): string {
  const [sec, ns] = split(timeNs);
  if (sec !== cachedSec) fill(sec);
  return cachedClock + pad9(ns);
}

/** Go time.RFC3339Nano in local time: `2006-01-02T15:04:05.999999999Z07:00`. */
export function formatRfc3339Nano(timeNs: bigint): string {
  const [sec, ns] = split(timeNs);
  if (sec !== cachedSec) fill(sec);
  if (ns === 0) return cachedDateTime + cachedOffset;
  let frac = pad9(ns);
  let end = 9;
  while (frac.charCodeAt(end - 1) === 48 /* '0' */) end--;
  if (end !== 9) frac = frac.slice(0, end);
  return cachedDateTime + '.' + frac + cachedOffset;
}
