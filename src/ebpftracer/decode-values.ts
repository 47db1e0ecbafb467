/**
 * Decoders for the memory ebpftracer captures behind pointers: struct sockaddr and the fixed
 * x86-64 structs named in schema.ts. Layouts are the Linux UAPI ones
 * (include/uapi/linux/in.h, in6.h, un.h, netlink.h; arch/x86/include/uapi/asm/stat.h).
 */
import type { SockAddr, StructName, StructValue } from './event';

const FAMILY_NAMES: Record<number, string> = {
  0: 'AF_UNSPEC',
  1: 'AF_UNIX',
  2: 'AF_INET',
  10: 'AF_INET6',
  16: 'AF_NETLINK',
  17: 'AF_PACKET',
  40: 'AF_VSOCK',
};

export function familyName(f: number): string {
  return FAMILY_NAMES[f] ?? `AF_${f}`;
}

function ipv6(b: Buffer, off: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(b.readUInt16BE(off + i * 2));
  // IPv4-mapped ::ffff:a.b.c.d
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  // longest run of zero words becomes "::" (RFC 5952)
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Decodes a sockaddr of `raw.length` bytes (the length the caller passed or the kernel wrote). */
export function decodeSockaddr(raw: Buffer): SockAddr {
  const family = raw.length >= 2 ? raw.readUInt16LE(0) : 0;
  const sa: SockAddr = { family, familyName: familyName(family), raw };
  if (family === 2 && raw.length >= 8) {
    sa.port = raw.readUInt16BE(2);
    sa.address = `${raw[4]}.${raw[5]}.${raw[6]}.${raw[7]}`;
  } else if (family === 10 && raw.length >= 24) {
    sa.port = raw.readUInt16BE(2);
    sa.flowinfo = raw.readUInt32BE(4);
    sa.address = ipv6(raw, 8);
    if (raw.length >= 28) sa.scopeId = raw.readUInt32LE(24);
  } else if (family === 1) {
    const p = raw.subarray(2);
    if (p.length > 0 && p[0] === 0) {
      // abstract: the name is every byte of the given length (NULs included)
      sa.path = '@' + p.subarray(1).toString('latin1');
    } else {
      const nul = p.indexOf(0);
      sa.path = (nul < 0 ? p : p.subarray(0, nul)).toString('utf8');
    }
  } else if (family === 16 && raw.length >= 12) {
    sa.nlPid = raw.readUInt32LE(4);
    sa.nlGroups = raw.readUInt32LE(8);
  }
  return sa;
}

export function decodeStruct(name: StructName, b: Buffer): StructValue | number[] | number | Buffer {
  switch (name) {
    case 'stat':
      if (b.length < 144) return b;
      return {
        st_dev: b.readBigUInt64LE(0),
        st_ino: b.readBigUInt64LE(8),
        st_nlink: b.readBigUInt64LE(16),
        st_mode: b.readUInt32LE(24),
        st_uid: b.readUInt32LE(28),
        st_gid: b.readUInt32LE(32),
        st_rdev: b.readBigUInt64LE(40),
        st_size: b.readBigInt64LE(48),
        st_blksize: b.readBigInt64LE(56),
        st_blocks: b.readBigInt64LE(64),
        st_atime: b.readBigInt64LE(72),
        st_atime_nsec: b.readBigUInt64LE(80),
        st_mtime: b.readBigInt64LE(88),
        st_mtime_nsec: b.readBigUInt64LE(96),
        st_ctime: b.readBigInt64LE(104),
        st_ctime_nsec: b.readBigUInt64LE(112),
      };
    case 'timespec':
      if (b.length < 16) return b;
      return { tv_sec: b.readBigInt64LE(0), tv_nsec: b.readBigInt64LE(8) };
    case 'int_pair':
      if (b.length < 8) return b;
      return [b.readInt32LE(0), b.readInt32LE(4)];
    case 'int':
      if (b.length < 4) return b;
      return b.readInt32LE(0);
    case 'open_how':
      if (b.length < 24) return b;
      return { flags: b.readBigUInt64LE(0), mode: b.readBigUInt64LE(8), resolve: b.readBigUInt64LE(16) };
  }
}
