/**
 * Reads struct ipft_event records (bpf/ipftrace.h, offsets in layout.generated.ts) into
 * PacketEvents: names the hook, decodes the flow, drop reason, location and extra arguments.
 */
import type { FlowTuple, PacketEvent } from './event';
import type { HookRole, TracepointHook } from './hooks';
import { IPFT_EVENT, IPFT_EV_FLAGS, IPFT_HOOK_ID } from './layout.generated';
import type { CompiledField } from './fields';
import { FIELD_BYTES, decodeField } from './fields';

export interface DecodeContext {
  /** Slot index -> the tracepoint hook it serves. */
  slots: readonly (TracepointHook | undefined)[];
  /** Function entry ip -> function name (function backend). */
  functionAt(ip: bigint): string;
  /** Code address -> "symbol+0xoff". */
  symbol(addr: bigint): string;
  dropReason(code: number): string;
  /** Name of an enum value for a tracepoint arg of enum type, if any. */
  enumName(typeId: number, value: bigint): string | undefined;
  /** TCP_ESTABLISHED etc. (the tracepoint passes them as plain ints). */
  tcpState(v: number): string | undefined;
  fields: readonly CompiledField[];
  toWallMs(monoNs: bigint): number;
}

/** A decoded event plus what user space needs for bookkeeping (not shown to users). */
export interface RawPacketEvent {
  event: PacketEvent;
  role: HookRole;
  flags: number;
  parentId: bigint;
  /** net_dev_xmit: the device loops back (lo) / has a link kind (veth, bridge, tun...). */
  loopbackDev: boolean;
  virtualDev: boolean;
}

function cstr(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('latin1', off, end < 0 || end > off + len ? off + len : end);
}

function ipString(buf: Buffer, off: number, v: 4 | 6): string {
  if (v === 4) return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
  // IPv4-mapped (RFC 5952 section 5): ::ffff:1.2.3.4
  if (buf.readUInt32BE(off) === 0 && buf.readUInt32BE(off + 4) === 0 && buf.readUInt32BE(off + 8) === 0xffff) {
    return `::ffff:${buf[off + 12]}.${buf[off + 13]}.${buf[off + 14]}.${buf[off + 15]}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(off + i).toString(16));
  // RFC 5952: compress the longest run of zero groups (length >= 2).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export function decodeEvent(buf: Buffer, off: number, len: number, ctx: DecodeContext): RawPacketEvent | undefined {
  if (len < IPFT_EVENT.fields) return undefined;
  const E = IPFT_EVENT;
  const hookId = buf.readUInt32LE(off + E.hook);
  const flags = buf.readUInt32LE(off + E.flags);
  const a = buf.readBigUInt64LE(off + E.a);
  const b = buf.readBigUInt64LE(off + E.b);
  let hook: TracepointHook | undefined;
  let name: string;
  let role: HookRole = 'hop';
  if (hookId === IPFT_HOOK_ID.IPFT_HOOK_FUNC) {
    name = ctx.functionAt(a); // function hooks carry their address in a
  } else {
    hook = ctx.slots[hookId];
    if (!hook) return undefined;
    name = hook.name;
    role = hook.role;
  }
  const ts = buf.readBigUInt64LE(off + E.ts);
  const ev: PacketEvent = {
    ts,
    wallMs: ctx.toWallMs(ts),
    traceId: buf.readBigUInt64LE(off + E.trace_id),
    hook: name,
    hookKind: hook === undefined ? 'function' : hook.socket ? 'socket' : 'tracepoint',
    skb: buf.readBigUInt64LE(off + E.skb),
    cpu: buf.readUInt16LE(off + E.cpu),
    pid: buf.readUInt32LE(off + E.pid),
    comm: cstr(buf, off + E.comm, 16),
    len: buf.readUInt32LE(off + E.len),
    ifindex: buf.readUInt32LE(off + E.ifindex),
    netns: buf.readUInt32LE(off + E.netns),
    mark: buf.readUInt32LE(off + E.mark),
    gso: { size: buf.readUInt16LE(off + E.gso_size), segs: buf.readUInt16LE(off + E.gso_segs), type: buf.readUInt32LE(off + E.gso_type) },
    deltaNs: 0n,
  };
  if (flags & IPFT_EV_FLAGS.IPFT_EV_DEV) ev.ifname = cstr(buf, off + E.ifname, 16);
  if (flags & IPFT_EV_FLAGS.IPFT_EV_PARSED) {
    const l3 = buf[off + E.flow_l3] === 6 ? 6 : 4;
    const proto = buf[off + E.flow_proto];
    const tuple: FlowTuple = {
      ipVersion: l3,
      proto,
      saddr: ipString(buf, off + E.flow_saddr, l3),
      daddr: ipString(buf, off + E.flow_daddr, l3),
      sport: buf.readUInt16LE(off + E.flow_sport),
      dport: buf.readUInt16LE(off + E.flow_dport),
    };
    ev.tuple = tuple;
    if (proto === 6) ev.tcpFlags = buf[off + E.flow_tcp_flags];
    if (proto === 1 || proto === 58) {
      ev.icmpType = buf[off + E.flow_icmp_type];
      ev.icmpCode = buf[off + E.flow_icmp_code];
    }
  }

  // Hook-specific arguments.
  if (hook) {
    switch (hook.name) {
      case 'kfree_skb':
        if (hook.aArg !== 0xff && a) ev.location = ctx.symbol(a);
        if (hook.bArg !== 0xff) {
          ev.dropReasonCode = Number(b & 0xffffffffn);
          ev.dropReason = ctx.dropReason(ev.dropReasonCode);
        }
        break;
      case 'consume_skb':
        // the location argument (6.3+), or what the kprobe stand-in noted (0: neither)
        if (a) ev.location = ctx.symbol(a);
        break;
      case 'net_dev_xmit':
        ev.rc = Number(BigInt.asIntN(32, a));
        if (hook.bArg !== 0xff) ev.len = Number(b & 0xffffffffn);
        break;
      case 'inet_sock_set_state': {
        const st = (v: bigint) => ctx.tcpState(Number(v)) ?? String(v);
        ev.detail = `${st(a)} -> ${st(b)}`;
        break;
      }
      default: {
        const parts: string[] = [];
        for (const idx of [hook.aArg, hook.bArg]) {
          if (idx === 0xff) continue;
          const arg = hook.args[idx];
          const v = idx === hook.aArg ? a : b;
          const named = ctx.enumName(arg.typeId, v) ?? ctx.enumName(arg.typeId, BigInt.asIntN(32, v));
          parts.push(`${arg.name}: ${named ?? String(/unsigned|u\d|bool/.test(arg.type) ? v : BigInt.asIntN(64, v))}`);
        }
        if (parts.length) ev.detail = parts.join('  ');
      }
    }
  }

  if (ctx.fields.length && len >= E.fields + ctx.fields.length * FIELD_BYTES) {
    ev.fields = {};
    ctx.fields.forEach((f, i) => {
      ev.fields![f.path] = decodeField(f, buf, off + E.fields + i * FIELD_BYTES);
    });
  }

  return {
    event: ev,
    role,
    flags,
    parentId: buf.readBigUInt64LE(off + E.parent_id),
    loopbackDev: (flags & IPFT_EV_FLAGS.IPFT_EV_LOOPBACK) !== 0,
    virtualDev: (flags & IPFT_EV_FLAGS.IPFT_EV_VIRTUAL) !== 0,
  };
}

/** Does a successful net_dev_xmit on this device put the packet on a wire (not back into the stack)? */
export function leavesHost(r: RawPacketEvent): boolean {
  // Virtual devices with a link kind (veth, bridge, vxlan, tun, bond, ...) hand the packet on.
  return !r.loopbackDev && !r.virtualDev;
}
