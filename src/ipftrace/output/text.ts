/**
 * ipftrace's text output: v1's layout for one finished trace (reference §1.4).
 *
 *   ICMP\t127.0.0.1\t->\t127.0.0.1
 *        Time Stamp  Function          Custom Data
 *   495406078818070  ip_rcv            dev: lo
 *   495406078929728  kfree_skb         reason: NO_SOCKET  location: ping_rcv+0x5a
 *   (blank line)
 *
 * Flow line, as v1's Flow.__str__: `<PROTO>\t<saddr>[:<sport>]\t->\t<daddr>[:<dport>]`, the port
 * only when non-zero, addresses printed as they are (IPv6 too: `::1:8080`, no brackets; v1 printed
 * str(ipaddress.IPv6Address) the same way). PROTO is protocolLabel() (`TCP`, `IPv6-ICMP`,
 * `Unknown(253)`). A trace whose headers never parsed has no tuple and no v1 equivalent (v1 dropped
 * such events); it prints `Unknown\t?\t->\t?`.
 *
 * Table: v1 printed `tabulate(table, headers, tablefmt="plain")`. What tabulate does for "plain"
 * (checked in astanin/python-tabulate's source, 0.8.x as v1 used and current):
 *  - every column is as wide as max(len(header) + MIN_PADDING, widest cell), MIN_PADDING = 2 (so
 *    `Function` takes 10 columns even when every function name is shorter);
 *  - cells and headers are padded to that width (numbers right-aligned, text left-aligned, a
 *    header aligned like its column) and joined with 2 spaces; string cells are strip()ped first;
 *  - each line is then rstrip()ped (_build_simple_row: `(begin + sep.join(cells) + end).rstrip()`),
 *    so the last column IS padded but the padding is removed again: no line ends in whitespace.
 *    A row whose Custom Data is empty ends right after its function name.
 * The Time Stamp column (monotonic ns) is the numeric, right-aligned one. We always left-align
 * Custom Data; tabulate would right-align a column in which every cell is a number, which module
 * output of the `key: value` kind never is.
 * The "Custom Data" header is always printed (v1 since commit ba14f06).
 * tabulatePlain() was compared with python3-tabulate 0.8.9's output on 300 random tables: identical.
 *
 * Our additions, which leave the lines above unchanged when not used:
 *  - `latency: true`: a right-aligned `Latency` column between Time Stamp and Function with the
 *    time since the previous hop of the trace (`+12.3us`); empty on the first hop of a trace (a
 *    continuation shows its first hop's delta). Right-aligned so the units line up (tabulate
 *    would left-align such text).
 *  - note lines after the table, before the blank line, one per fact:
 *      (clone of trace 0x2a)                        trace.parentId is set
 *      (continuation 2 of trace 0x2b)               trace.continuation is set
 *      (continued: list cut at -l 80 hops)          end 'length'
 *      (end not observed)                           end 'idle' or 'exit'
 *
 * Control characters in function names and custom data are written as \xNN (escapeControl), so
 * a row always stays one line.
 */

import type { FlowTuple, PacketEvent, PacketTrace } from '../event';
import { protocolLabel } from '../protocols';
import { escapeControl } from '../../output/text';

export interface TraceTextOptions {
  /** Add the Latency column. */
  latency?: boolean;
  /** The -l/--length value, for the `(continued: ...)` note; defaults to the list's length. */
  length?: number;
}

function hex(v: bigint): string {
  return '0x' + v.toString(16);
}

/** v1's flow line (without the newline). */
export function flowLine(tuple: FlowTuple | undefined): string {
  if (tuple === undefined) return 'Unknown\t?\t->\t?';
  const src = tuple.saddr + (tuple.sport !== 0 ? ':' + tuple.sport : '');
  const dst = tuple.daddr + (tuple.dport !== 0 ? ':' + tuple.dport : '');
  return `${protocolLabel(tuple.proto)}\t${src}\t->\t${dst}`;
}

/** `+850ns`, `+12.3us`, `+4.1ms`, `+2.35s` (a `-` sign for a negative delta). */
export function formatLatency(ns: bigint): string {
  const sign = ns < 0n ? '-' : '+';
  const a = ns < 0n ? -ns : ns;
  if (a < 1000n) return `${sign}${a}ns`;
  const n = Number(a);
  if (a < 1_000_000n) return `${sign}${(n / 1e3).toFixed(1)}us`;
  if (a < 1_000_000_000n) return `${sign}${(n / 1e6).toFixed(1)}ms`;
  return `${sign}${(n / 1e9).toFixed(2)}s`;
}

/**
 * The Custom Data cell of one hop: the built-in details, then the module output. Parts are joined
 * with two spaces; absent parts are left out. Examples:
 *   kfree_skb      reason: NO_SOCKET  location: ping_rcv+0x5a
 *   consume_skb    location: icmp_rcv+0x1c7
 *   net_dev_queue  dev: lo
 *   net_dev_xmit   dev: lo  rc: 0
 *   tcp_set_state  TCP_SYN_SENT -> TCP_ESTABLISHED          (socket hop: ev.detail as is)
 *   ip_rcv         dev: eth0  (len: 2101 gso_size: 1448)     (module output last)
 * ev.fields are not rendered here: the module that selected them formats them into ev.custom.
 */
export function customDataFor(ev: PacketEvent): string {
  const parts: string[] = [];
  if (ev.dropReason !== undefined) parts.push(`reason: ${ev.dropReason}`);
  if (ev.location !== undefined) parts.push(`location: ${ev.location}`);
  if (ev.ifname !== undefined && ev.ifname !== '') parts.push(`dev: ${ev.ifname}`);
  if (ev.rc !== undefined) parts.push(`rc: ${ev.rc}`);
  if (ev.detail !== undefined && ev.detail !== '') parts.push(ev.detail);
  const custom = ev.custom?.trim();
  if (custom) parts.push(custom);
  return parts.join('  ');
}

type Align = 'left' | 'right';

interface Column {
  header: string;
  align: Align;
  cells: string[];
}

/** Display width as Python's len(): code points. */
function width(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // count a surrogate pair once
  }
  return n;
}

function pad(s: string, w: number, align: Align): string {
  const fill = w - width(s);
  if (fill <= 0) return s;
  return align === 'right' ? ' '.repeat(fill) + s : s + ' '.repeat(fill);
}

/** python-tabulate tablefmt="plain" with headers: returns the lines (no newlines). */
export function tabulatePlain(columns: readonly Column[]): string[] {
  const MIN_PADDING = 2;
  const cols = columns.map((c) => ({ ...c, cells: c.cells.map((s) => s.trim()) }));
  const widths = cols.map((c) => c.cells.reduce((w, s) => Math.max(w, width(s)), width(c.header) + MIN_PADDING));
  const rows = cols.length === 0 ? 0 : cols[0].cells.length;
  // With no rows tabulate knows no column types and left-aligns every header.
  const lines: string[] = [cols.map((c, i) => pad(c.header, widths[i], rows === 0 ? 'left' : c.align)).join('  ').trimEnd()];
  for (let r = 0; r < rows; r++) {
    lines.push(cols.map((c, i) => pad(c.cells[r] ?? '', widths[i], c.align)).join('  ').trimEnd());
  }
  return lines;
}

/** One finished trace in v1's layout, ending with the blank line. */
export function formatTraceText(trace: PacketTrace, opts: TraceTextOptions = {}): string {
  const evs = trace.events;
  const columns: Column[] = [{ header: 'Time Stamp', align: 'right', cells: evs.map((e) => e.ts.toString()) }];
  if (opts.latency) {
    columns.push({
      header: 'Latency',
      align: 'right',
      cells: evs.map((e, i) => (i === 0 && trace.continuation === undefined ? '' : formatLatency(e.deltaNs))),
    });
  }
  columns.push({ header: 'Function', align: 'left', cells: evs.map((e) => escapeControl(e.hook)) });
  columns.push({ header: 'Custom Data', align: 'left', cells: evs.map((e) => escapeControl(customDataFor(e))) });

  const lines = [flowLine(trace.tuple), ...tabulatePlain(columns)];
  if (trace.parentId !== undefined) lines.push(`(clone of trace ${hex(trace.parentId)})`);
  if (trace.continuation !== undefined) lines.push(`(continuation ${trace.continuation} of trace ${hex(trace.id)})`);
  if (trace.end === 'length') lines.push(`(continued: list cut at -l ${opts.length ?? evs.length} hops)`);
  else if (trace.end === 'idle' || trace.end === 'exit') lines.push('(end not observed)');
  return lines.join('\n') + '\n\n';
}
