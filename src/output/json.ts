/**
 * JSON Lines output (`-f json`), one object per line, key order as the original:
 *
 *   {"src_pid":812,"src_comm":"bash","dst_pid":901,"dst_comm":"sleep","type":"signal",
 *    "time":"2021-03-19T17:51:23.12345+01:00","meta":{"num":2,"name":"interrupt"}}
 *
 * `meta` keeps metadata order and is omitted when empty; `bytes` is standard padded base64 and is
 * omitted when there are none. Lost record: {"lost_type":"signal","count":3,"time":"..."}.
 *
 * Fixes relative to the original (reference §3.3, §6 item 3): bytes are emitted with `-B` too
 * (they arrive already capped), and -o is honoured (that is the sink's job).
 *
 * Differences that do not change the parsed value: Go's encoding/json escapes <, > and & as
 * \u003c etc. (so `<unknown>` was "\u003cunknown\u003e"); we emit them literally, which any JSON
 * parser reads identically and which stays greppable.
 *
 * Hot path: the line is concatenated directly; string values (comms, metadata strings, keys) go
 * through jsonString/JSON.stringify, which is what makes arbitrary bytes in comms/paths safe.
 */

import type { FormatOptions, RecordFormatter } from './text';
import { formatRfc3339Nano } from './time';

/** `"key":` strings; metadata keys come from a small fixed set, so this stays tiny. */
const keyCache = new Map<string, string>();
const KEY_CACHE_MAX = 256;

function jsonKey(k: string): string {
  let v = keyCache.get(k);
  if (v === undefined) {
    v = JSON.stringify(k) + ':';
    if (keyCache.size < KEY_CACHE_MAX) keyCache.set(k, v);
  }
  return v;
}

/**
 * JSON string literal. Plain printable ASCII without '"' or '\\' (nearly every comm and value) is
 * wrapped directly; anything else goes through JSON.stringify, which escapes control characters
 * and lone surrogates correctly.
 */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

function jsonValue(v: string | number): string {
  if (typeof v === 'string') return jsonString(v);
  // NaN/Infinity are not JSON; JSON.stringify would also turn them into null.
  return Number.isFinite(v) ? '' + v : 'null';
}

export function makeJsonFormatter(opts: FormatOptions): RecordFormatter {
  const showBytes = opts.showBytes;
  return (rec) => {
    if (rec.kind === 'lost') {
      const l = rec.lost;
      return (
        '{"lost_type":' +
        jsonString(l.lostType) +
        ',"count":' +
        l.count +
        ',"time":"' +
        formatRfc3339Nano(l.timeNs) +
        '"}\n'
      );
    }
    const e = rec.event;
    let s =
      '{"src_pid":' +
      e.src.pid +
      ',"src_comm":' +
      jsonString(e.src.comm) +
      ',"dst_pid":' +
      e.dst.pid +
      ',"dst_comm":' +
      jsonString(e.dst.comm) +
      ',"type":' +
      jsonString(e.type) +
      ',"time":"' +
      formatRfc3339Nano(e.timeNs) +
      '"';
    const md = e.metadata;
    if (md.length > 0) {
      s += ',"meta":{';
      for (let i = 0; i < md.length; i++) {
        if (i > 0) s += ',';
        s += jsonKey(md[i][0]) + jsonValue(md[i][1]);
      }
      s += '}';
    }
    if (showBytes) {
      const b = e.bytes;
      if (b !== undefined && b.length > 0) s += ',"bytes":"' + b.toString('base64') + '"';
    }
    return s + '}\n';
  };
}
