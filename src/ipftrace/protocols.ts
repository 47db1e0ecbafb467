/**
 * IP protocol names for ipftrace: `-p/--proto` parsing and the protocol label of the flow line.
 *
 * What v1 did (YutaroHayakawa/ipftrace, ipftrace/ipftrace.py, init_protocol_mapping()): it read
 * /etc/protocols, split each line on whitespace, skipped empty lines and lines whose first word is
 * exactly "#", and filled two dicts from the first three words:
 *     PROTO_TO_ID[alias] = number        (3rd column -> 2nd column)
 *     ID_TO_PROTO[number] = alias        (2nd column -> 3rd column; a later line wins)
 * `-p` looked the argument up in PROTO_TO_ID (case-sensitive, alias only: `TCP`, `ICMP`,
 * `IPv6-ICMP`), and the flow line printed ID_TO_PROTO[l4_protocol], i.e. the 3rd-column alias:
 * `ICMP\t10.0.0.1\t->\t10.0.0.2`, `TCP\t...`, `IPv6-ICMP\t...`. Because a later line wins, number 0
 * printed as `HOPOPT` (netbase lists `ip 0 IP` then `hopopt 0 HOPOPT`); we keep that.
 * The copies of v1's source we could read (commits 08700bf, 502d428) index ID_TO_PROTO directly,
 * so an unlisted number raised KeyError; the reference (shared/reference/ipftrace.md §1.4, taken from
 * v1 HEAD fe10004) says HEAD printed an unknown L4 protocol as `Unknown(<n>)`. We print
 * `Unknown(<n>)`.
 *
 * Our differences, both deliberate:
 *  - parseProtocol accepts the 1st-column name and every alias, in any case (`tcp`, `TCP`,
 *    `ipv6-icmp`, `IPv6-ICMP`), and a decimal number 0-255; v1 accepted only the exact alias.
 *  - comments are stripped before splitting. v1 did not, so netbase's `manet 138 # MANET...` line
 *    (no alias) made 138 print as `#`; we print the 1st-column name (`manet`) for an entry
 *    without an alias. Entries numbered above 255 (netbase lists `mptcp 262`, an MPTCP option
 *    kind, not an IP protocol) are not IP protocols and are left out of the table.
 *
 * When /etc/protocols is missing (no netbase package, e.g. minimal containers) a built-in table
 * with the common entries is used; its rows are copied from netbase's file.
 */

import { readFileSync } from 'node:fs';

export const PROTOCOLS_FILE = '/etc/protocols';

/** [name, number, alias] rows used when /etc/protocols cannot be read (netbase spelling). */
const FALLBACK: readonly (readonly [string, number, string])[] = [
  ['ip', 0, 'IP'],
  ['hopopt', 0, 'HOPOPT'],
  ['icmp', 1, 'ICMP'],
  ['igmp', 2, 'IGMP'],
  ['ipencap', 4, 'IP-ENCAP'],
  ['tcp', 6, 'TCP'],
  ['udp', 17, 'UDP'],
  ['dccp', 33, 'DCCP'],
  ['ipv6', 41, 'IPv6'],
  ['ipv6-route', 43, 'IPv6-Route'],
  ['ipv6-frag', 44, 'IPv6-Frag'],
  ['rsvp', 46, 'RSVP'],
  ['gre', 47, 'GRE'],
  ['esp', 50, 'IPSEC-ESP'],
  ['ah', 51, 'IPSEC-AH'],
  ['ipv6-icmp', 58, 'IPv6-ICMP'],
  ['ipv6-nonxt', 59, 'IPv6-NoNxt'],
  ['ipv6-opts', 60, 'IPv6-Opts'],
  ['ospf', 89, 'OSPFIGP'],
  ['ipip', 94, 'IPIP'],
  ['pim', 103, 'PIM'],
  ['vrrp', 112, 'VRRP'],
  ['l2tp', 115, 'L2TP'],
  ['sctp', 132, 'SCTP'],
  ['udplite', 136, 'UDPLite'],
  ['mpls-in-ip', 137, 'MPLS-in-IP'],
  ['ethernet', 143, 'Ethernet'],
];

export interface ProtocolTable {
  /** Lower-cased name or alias -> number. */
  byName: Map<string, number>;
  /** Number -> what the flow line prints (v1: the alias of the last line with that number). */
  label: Map<number, string>;
  /** Where the table came from: the file path, or 'built-in'. */
  source: string;
}

function emptyTable(source: string): ProtocolTable {
  return { byName: new Map(), label: new Map(), source };
}

function addEntry(t: ProtocolTable, name: string, num: number, aliases: readonly string[]): void {
  if (!Number.isInteger(num) || num < 0 || num > 255) return;
  for (const n of [name, ...aliases]) {
    const k = n.toLowerCase();
    if (!t.byName.has(k)) t.byName.set(k, num);
  }
  t.label.set(num, aliases.length > 0 ? aliases[0] : name);
}

/** Parse the text of a protocols(5) file. Malformed lines are skipped. */
export function protocolTableFromText(text: string, source = PROTOCOLS_FILE): ProtocolTable {
  const t = emptyTable(source);
  for (const raw of text.split('\n')) {
    const hash = raw.indexOf('#');
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    const words = line.split(/\s+/).filter((w) => w !== '');
    if (words.length < 2 || !/^\d+$/.test(words[1])) continue;
    addEntry(t, words[0], Number(words[1]), words.slice(2));
  }
  return t;
}

/** The built-in table (used when /etc/protocols is missing). */
export function fallbackProtocolTable(): ProtocolTable {
  const t = emptyTable('built-in');
  for (const [name, num, alias] of FALLBACK) addEntry(t, name, num, [alias]);
  return t;
}

let cached: ProtocolTable | undefined;

/** /etc/protocols, read once; the built-in table when it cannot be read. */
export function defaultProtocolTable(): ProtocolTable {
  if (cached === undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(PROTOCOLS_FILE, 'utf8');
    } catch {
      text = undefined;
    }
    const t = text === undefined ? undefined : protocolTableFromText(text);
    cached = t !== undefined && t.byName.size > 0 ? t : fallbackProtocolTable();
  }
  return cached;
}

/**
 * `-p/--proto` value -> IP protocol number. Accepts a name or alias from /etc/protocols in any
 * case, or a decimal number 0-255. Throws an Error with a one-line message otherwise.
 */
export function parseProtocol(s: string, table: ProtocolTable = defaultProtocolTable()): number {
  const v = s.trim();
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n > 255) throw new Error(`protocol number ${v} is out of range (0-255)`);
    return n;
  }
  const n = table.byName.get(v.toLowerCase());
  if (n === undefined) {
    throw new Error(`unknown protocol '${s}' (see /etc/protocols; e.g. TCP, UDP, ICMP, IPv6-ICMP)`);
  }
  return n;
}

/** What the flow line prints for protocol number n: `TCP`, `ICMP`, `IPv6-ICMP`, `Unknown(253)`. */
export function protocolLabel(n: number, table: ProtocolTable = defaultProtocolTable()): string {
  return table.label.get(n) ?? `Unknown(${n})`;
}
