/**
 * ipftrace's JSON Lines output (v1 had none). Two record kinds, one object per line, schema
 * version "v": 1 (bump it when a field changes meaning or type; adding a field does not):
 *
 *   {"v":1,"type":"trace","id":"0x2a","parentId":"0x29","continuation":1,"end":"dropped",
 *    "tuple":{...},"events":[<event>, ...]}
 *   {"v":1,"type":"event",<event fields>,"end":"dropped","parentId":"0x29","continuation":1,
 *    "traceTuple":{...}}                      (the trace keys only when the trace is given)
 *
 * Event fields, in event.ts order, each left out when undefined:
 *   ts        number, CLOCK_MONOTONIC ns (the exact digits; see below)
 *   time      string, ISO 8601 UTC with ms, from wallMs
 *   traceId   string "0x..."      skb  string "0x..."   (u64: strings, JSON numbers cannot hold them)
 *   hook, hookKind, comm, ifname, dropReason, location, detail, custom   strings
 *   cpu, pid, len, ifindex, netns, mark, tcpFlags, icmpType, icmpCode, dropReasonCode, rc   numbers
 *   tuple     {"ipVersion":4,"proto":6,"saddr":"...","daddr":"...","sport":N,"dport":N}
 *   gso       {"size":N,"segs":N,"type":N}
 *   fields    {"name": value}: number values as numbers, string values as strings, bigint
 *             values as decimal strings (u64 field values do not fit a JSON number)
 *   deltaNs   number, ns since the previous hop of the trace
 * Trace keys: id / parentId as "0x..." strings, continuation number, end string, tuple object.
 *
 * ts and deltaNs are written as the exact decimal digits of the bigint. Monotonic ns pass 2^53
 * after ~104 days of uptime; the text stays exact (jq 1.7, Python and Go read it exactly), only a
 * JavaScript JSON.parse rounds it.
 */

import type { FlowTuple, PacketEvent, PacketTrace } from '../event';
import { jsonString } from '../../output/json';

function hex(v: bigint): string {
  return '"0x' + v.toString(16) + '"';
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? jsonString(d.toISOString()) : 'null';
}

function tupleJson(t: FlowTuple): string {
  return (
    `{"ipVersion":${t.ipVersion},"proto":${num(t.proto)},"saddr":${jsonString(t.saddr)},` +
    `"daddr":${jsonString(t.daddr)},"sport":${num(t.sport)},"dport":${num(t.dport)}}`
  );
}

function fieldsJson(f: Record<string, bigint | number | string>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(f)) {
    const val = typeof v === 'bigint' ? '"' + v.toString() + '"' : typeof v === 'number' ? num(v) : jsonString(v);
    parts.push(jsonString(k) + ':' + val);
  }
  return '{' + parts.join(',') + '}';
}

/** The event's own keys, without braces. */
function eventBody(ev: PacketEvent): string {
  const p: string[] = [];
  const str = (k: string, v: string | undefined) => {
    if (v !== undefined) p.push(`"${k}":${jsonString(v)}`);
  };
  const n = (k: string, v: number | undefined) => {
    if (v !== undefined) p.push(`"${k}":${num(v)}`);
  };
  p.push(`"ts":${ev.ts.toString()}`);
  p.push(`"time":${isoTime(ev.wallMs)}`);
  p.push(`"traceId":${hex(ev.traceId)}`);
  str('hook', ev.hook);
  str('hookKind', ev.hookKind);
  p.push(`"skb":${hex(ev.skb)}`);
  n('cpu', ev.cpu);
  n('pid', ev.pid);
  str('comm', ev.comm);
  n('len', ev.len);
  n('ifindex', ev.ifindex);
  str('ifname', ev.ifname);
  n('netns', ev.netns);
  n('mark', ev.mark);
  if (ev.tuple !== undefined) p.push(`"tuple":${tupleJson(ev.tuple)}`);
  n('tcpFlags', ev.tcpFlags);
  n('icmpType', ev.icmpType);
  n('icmpCode', ev.icmpCode);
  p.push(`"gso":{"size":${num(ev.gso.size)},"segs":${num(ev.gso.segs)},"type":${num(ev.gso.type)}}`);
  str('dropReason', ev.dropReason);
  n('dropReasonCode', ev.dropReasonCode);
  str('location', ev.location);
  n('rc', ev.rc);
  str('detail', ev.detail);
  if (ev.fields !== undefined) p.push(`"fields":${fieldsJson(ev.fields)}`);
  str('custom', ev.custom);
  p.push(`"deltaNs":${ev.deltaNs.toString()}`);
  return p.join(',');
}

/** One event as a JSON line (with "\n"); with `trace`, its end, parent, continuation and tuple too. */
export function formatEventJson(ev: PacketEvent, trace?: PacketTrace): string {
  let s = '{"v":1,"type":"event",' + eventBody(ev);
  if (trace !== undefined) {
    s += `,"end":${jsonString(trace.end)}`;
    if (trace.parentId !== undefined) s += `,"parentId":${hex(trace.parentId)}`;
    if (trace.continuation !== undefined) s += `,"continuation":${num(trace.continuation)}`;
    if (trace.tuple !== undefined) s += `,"traceTuple":${tupleJson(trace.tuple)}`;
  }
  return s + '}\n';
}

/** One finished trace, with all its events, as a JSON line (with "\n"). */
export function formatTraceJson(trace: PacketTrace): string {
  let s = `{"v":1,"type":"trace","id":${hex(trace.id)}`;
  if (trace.parentId !== undefined) s += `,"parentId":${hex(trace.parentId)}`;
  if (trace.continuation !== undefined) s += `,"continuation":${num(trace.continuation)}`;
  s += `,"end":${jsonString(trace.end)}`;
  if (trace.tuple !== undefined) s += `,"tuple":${tupleJson(trace.tuple)}`;
  s += ',"events":[' + trace.events.map((e) => '{' + eventBody(e) + '}').join(',') + ']}';
  return s + '\n';
}
