/**
 * JSON Lines: one object per event, keys in this order (optional ones only when they apply):
 *
 *   {"syscall":"openat","timestamp":"2139458231","wall_time":"2024-05-01T12:00:00.123Z",
 *    "wall_ns":"1714564800123456789","process_id":812,"thread_id":812,"user_id":0,"group_id":0,
 *    "comm":"cat","arch":"x86_64","exit_code":"18446744073709551614","ret":-2,"errno":"ENOENT",
 *    "probe_error":false,"duration_ns":5120,
 *    "params":{"dfd":-100,"filename":"/nope","flags":524288,"mode":0},
 *    "decoded":{"dfd":"AT_FDCWD","flags":"O_RDONLY|O_CLOEXEC","mode":"000"},
 *    "faulted":[...],"truncated":[...],"read_at_exit":[...],"no_enter":true}
 *
 * Why the types: 64-bit values do not fit a JSON number exactly, so the u64 header fields
 * (timestamp, wall_ns, exit_code) are decimal strings, and any other integer is a number when it
 * is a safe integer and a decimal string otherwise. `ret` is null for a call that never returns.
 * wall_time is ISO 8601 UTC with milliseconds (JS Date precision); wall_ns has the full value.
 *
 * params keep the raw values (numbers stay numbers, so filters like `.params.flags` work on
 * bits); `decoded` adds the strace rendering of every hinted integer whose text says more than
 * its decimal (flags, modes, AT_FDCWD, signals). Other encodings: pointers, and parameters whose
 * memory was not read (failed call) or could not be read (also listed in faulted), as their
 * address, a "0x..." string;
 * buffers as {"len":N,"hex":"..."}; sockaddrs as objects ({"family":"AF_INET","address":
 * "127.0.0.1","port":9}, AF_UNIX {"path"}, AF_NETLINK {"nl_pid","nl_groups"}, other families
 * {"raw_hex"}); argv as an array; structs as objects.
 *
 * Hot path: the line is concatenated directly (JSON.stringify of an equivalent object costs
 * several times more); strings go through jsonString, which falls back to JSON.stringify only
 * for text that needs escaping. The date part of wall_time is cached per second.
 */
import type { ParamSpec, ParamValue, SockAddr, StructValue, SyscallEvent } from '../event';
import { jsonString } from '../../output/json';
import { errnoName, errnoOf } from './errno';
import { familyLabel, formatHint } from './xlat';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** A number when exact, else the decimal string. */
export function jsonInt(v: number | bigint): number | string {
  if (typeof v === 'number') return v;
  return v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v.toString();
}

/** jsonInt as JSON text. */
function intText(v: number | bigint): string {
  if (typeof v === 'number') return Number.isFinite(v) ? '' + v : 'null';
  return v <= MAX_SAFE && v >= MIN_SAFE ? '' + v : '"' + v + '"';
}

function isSockAddr(v: object): v is SockAddr {
  return 'familyName' in v && 'raw' in v && Buffer.isBuffer((v as SockAddr).raw);
}

function sockaddr(sa: SockAddr): string {
  let s = '{"family":' + jsonString(familyLabel(sa.family));
  let decoded = false;
  if (sa.address !== undefined) {
    s += ',"address":' + jsonString(sa.address) + ',"port":' + (sa.port ?? 0);
    if (sa.flowinfo !== undefined) s += ',"flowinfo":' + sa.flowinfo;
    if (sa.scopeId !== undefined) s += ',"scope_id":' + sa.scopeId;
    decoded = true;
  }
  if (sa.path !== undefined) {
    s += ',"path":' + jsonString(sa.path);
    decoded = true;
  }
  if (sa.nlPid !== undefined) {
    s += ',"nl_pid":' + sa.nlPid + ',"nl_groups":' + (sa.nlGroups ?? 0);
    decoded = true;
  }
  if (!decoded) s += ',"raw_hex":"' + sa.raw.toString('hex') + '"';
  return s + '}';
}

function struct(v: StructValue): string {
  let s = '{';
  for (const k in v) {
    const f = v[k];
    s += (s.length === 1 ? '' : ',') + jsonString(k) + ':' + (typeof f === 'string' ? jsonString(f) : intText(f));
  }
  return s + '}';
}

function stringArray(a: readonly string[]): string {
  let s = '[';
  for (let i = 0; i < a.length; i++) s += (i === 0 ? '' : ',') + jsonString(a[i]);
  return s + ']';
}

/** A parameter as JSON text. */
function paramJson(ev: SyscallEvent, spec: ParamSpec, v: ParamValue | undefined): string {
  if (ev.faulted.length !== 0 && ev.faulted.includes(spec.name)) {
    const a = ev.args[spec.index];
    if (a !== undefined) return '"0x' + a.toString(16) + '"';
  }
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'number':
    case 'bigint':
      // Non-int kinds hold an address when the memory was not read (NULL is null above).
      if (spec.kind === 'int' || (spec.kind === 'struct' && typeof v === 'number')) return intText(v);
      return '"0x' + v.toString(16) + '"';
  }
  if (Buffer.isBuffer(v)) return '{"len":' + v.length + ',"hex":"' + v.toString('hex') + '"}';
  if (Array.isArray(v)) return v.length !== 0 && typeof v[0] === 'string' ? stringArray(v as string[]) : '[' + v.join(',') + ']';
  if (isSockAddr(v)) return sockaddr(v);
  return struct(v);
}

let isoSec = Number.NaN;
let isoPrefix = '';

/** ISO 8601 UTC with milliseconds: `2021-03-19T16:51:23.000Z`. */
function wallTime(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const sec = Math.floor(ms / 1000);
  if (sec !== isoSec) {
    const iso = new Date(sec * 1000).toISOString();
    isoSec = sec;
    isoPrefix = iso.slice(0, iso.length - 4); // without "000Z"
  }
  const m = ms - sec * 1000;
  return isoPrefix + (m < 10 ? '00' : m < 100 ? '0' : '') + m + 'Z';
}

export function formatJsonRecord(ev: SyscallEvent): string {
  const h = ev.header;
  let params = '';
  let decoded = '';
  const specs = ev.schema.params;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    const v = ev.params[spec.name];
    const key = jsonString(spec.name);
    params += (i === 0 ? '' : ',') + key + ':' + paramJson(ev, spec, v);
    if (spec.hint !== undefined && spec.hint !== 'fd' && (typeof v === 'number' || typeof v === 'bigint') && !ev.faulted.includes(spec.name)) {
      const text = formatHint(spec.hint, v, ev.syscall);
      if (text !== '' + v) decoded += (decoded === '' ? '' : ',') + key + ':' + jsonString(text);
    }
  }

  let s =
    '{"syscall":' + jsonString(ev.syscall) +
    ',"timestamp":"' + h.timestamp +
    '","wall_time":"' + wallTime(ev.wallNs) +
    '","wall_ns":"' + ev.wallNs +
    '","process_id":' + h.process_id +
    ',"thread_id":' + h.thread_id +
    ',"user_id":' + h.user_id +
    ',"group_id":' + h.group_id +
    ',"comm":' + jsonString(ev.comm) +
    ',"arch":"' + ev.arch +
    '","exit_code":"' + h.exit_code +
    '","ret":' + (ev.ret === undefined ? 'null' : intText(ev.ret));
  const errno = ev.errno ?? (ev.ret === undefined ? undefined : errnoName(errnoOf(ev.ret)));
  if (errno !== undefined) s += ',"errno":' + jsonString(errno);
  s += ',"probe_error":' + h.probe_error + ',"duration_ns":' + intText(h.duration) + ',"params":{' + params + '}';
  if (decoded !== '') s += ',"decoded":{' + decoded + '}';
  if (ev.faulted.length !== 0) s += ',"faulted":' + stringArray(ev.faulted);
  if (ev.truncated.length !== 0) s += ',"truncated":' + stringArray(ev.truncated);
  if (ev.readAtExit.length !== 0) s += ',"read_at_exit":' + stringArray(ev.readAtExit);
  if (ev.noEnter) s += ',"no_enter":true';
  return s + '}\n';
}

export function makeJsonFormatter(): (ev: SyscallEvent) => string {
  return formatJsonRecord;
}
