/**
 * ipftrace v1's flow filter (-iv -s -d -p -sp -dp). It is compiled into the BPF object as
 * `const volatile` globals (bpf/ipftrace.bpf.c, filter_match) and evaluated when a packet is
 * first seen; the packet is then followed whatever its headers become.
 */
import { isIP } from 'node:net';

export interface FlowFilter {
  /** 4 or 6; both when unset. */
  ipVersion?: 4 | 6;
  saddr?: string;
  daddr?: string;
  /** IP protocol number. */
  proto?: number;
  sport?: number;
  dport?: number;
}

export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

/** An IPv4 or IPv6 literal as the 16 bytes the BPF side compares (IPv4 in the first 4). */
export function parseAddress(s: string): { version: 4 | 6; bytes: Buffer } {
  // A zone (fe80::1%eth0) is not part of the address in the packet: refuse it, don't drop it.
  const v = s.includes('%') ? 0 : isIP(s);
  const bytes = Buffer.alloc(16);
  if (v === 4) {
    s.split('.').forEach((o, i) => (bytes[i] = Number(o)));
    return { version: 4, bytes };
  }
  if (v === 6) {
    const [headS, tailS] = s.includes('::') ? s.split('::') : [s, undefined];
    const parseGroups = (part: string | undefined): number[] => {
      if (!part) return [];
      const out: number[] = [];
      for (const g of part.split(':')) {
        if (g.includes('.')) {
          const o = g.split('.').map(Number);
          out.push((o[0] << 8) | o[1], (o[2] << 8) | o[3]);
        } else out.push(parseInt(g, 16));
      }
      return out;
    };
    const head = parseGroups(headS);
    const tail = parseGroups(tailS);
    const groups = tailS === undefined ? head : [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
    groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
    return { version: 6, bytes };
  }
  throw new FilterError(`"${s}" is not an IPv4 or IPv6 address`);
}

/** Validates a filter: addresses parse and agree with -iv and with each other. */
export function checkFilter(f: FlowFilter): FlowFilter {
  const out: FlowFilter = { ...f };
  for (const [flag, addr] of [['-s', f.saddr], ['-d', f.daddr]] as const) {
    if (addr === undefined) continue;
    let v: 4 | 6;
    try {
      v = parseAddress(addr).version;
    } catch {
      throw new FilterError(`invalid address for ${flag}: "${addr}" (give an IPv4 or IPv6 address, without a prefix length)`);
    }
    if (out.ipVersion && out.ipVersion !== v) {
      throw new FilterError(`${flag} ${addr} is an IPv${v} address, but the filter selects IPv${out.ipVersion}`);
    }
    out.ipVersion = v;
  }
  for (const [flag, port] of [['-sp', f.sport], ['-dp', f.dport]] as const) {
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new FilterError(`invalid port for ${flag}: ${port} (0-65535)`);
    }
  }
  return out;
}
