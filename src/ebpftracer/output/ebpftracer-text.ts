/**
 * The original ebpftracer's record layout (ebpfpub's examples/ebpftracer, reference §1.6): per
 * event a header line, a syscall line and an empty line.
 *
 *   timestamp: 2139458231 process_id: 812 thread_id: 812 user_id: 0 group_id: 0 exit_code: 0 probe_error: 0
 *   syscall: mkdir pathname: '/tmp/x' mode: 511 
 *   (empty line)
 *
 * Every field is followed by one space (so the syscall line ends in a space), and exit_code is
 * the raw u64 (-2 prints 18446744073709551614), both as in the original.
 *
 * Deliberate differences from the original, each fixing an output bug:
 *   - fields come in format-file order (the original iterated an unordered_map);
 *   - strings are escaped C-style inside the quotes (\n, \t, \r, \\, \', other control bytes as
 *     3-digit octal; non-ASCII text is kept), so a record stays on its line and a quote inside a
 *     value cannot end it (the original wrote them raw);
 *   - `<buffer of N bytes>` is closed (the original lost the `>`);
 *   - integers keep the signedness of their C type: AT_FDCWD prints -100 where the original
 *     printed 4294967196 (tracefs marks every syscall argument `signed:0`, so it printed u64);
 *   - pointers print in hex (`0x7ffd...`), and a parameter whose memory could not be read prints
 *     its address instead of a value (the original printed nothing useful; probe_error says why);
 *   - sockaddrs: IPv4 octets in the right order (the original reversed them), IPv6 as text
 *     (`'::1, port 9'`), unix paths (`'/tmp/s'`, abstract `'@name'`); other families stay
 *     `<buffer of N bytes>` as in the original.
 *   - new value kinds the original could not capture: argv `['ls', '-l']`, structs
 *     `{st_mode: 33188, st_size: 4}`, int arrays `[3, 4]`.
 */
import type { ParamSpec, ParamValue, SockAddr, StructValue, SyscallEvent } from '../event';

/** Escape of each char code < 0x80 that is not printed as itself (\', \\, controls, DEL). */
const ESC: (string | undefined)[] = [];
for (let c = 0; c < 0x20; c++) ESC[c] = '\\' + ('00' + c.toString(8)).slice(-3);
ESC[0x7f] = '\\177';
ESC[0x09] = '\\t';
ESC[0x0a] = '\\n';
ESC[0x0d] = '\\r';
ESC[0x27] = "\\'";
ESC[0x5c] = '\\\\';

/** `'text'` with the escaping above; the common all-plain string is wrapped without copying. */
export function quoteText(s: string): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const e = c < 0x80 ? ESC[c] : undefined;
    if (e === undefined) continue;
    out += s.slice(run, i) + e;
    run = i + 1;
  }
  return run === 0 ? "'" + s + "'" : "'" + out + s.slice(run) + "'";
}

function isSockAddr(v: object): v is SockAddr {
  return 'familyName' in v && 'raw' in v && Buffer.isBuffer((v as SockAddr).raw);
}

function sockaddr(sa: SockAddr): string {
  if ((sa.family === 2 || sa.family === 10) && sa.address !== undefined) {
    return quoteText(sa.address + ', port ' + (sa.port ?? 0));
  }
  if (sa.family === 1 && sa.path !== undefined) return quoteText(sa.path);
  return '<buffer of ' + sa.raw.length + ' bytes>';
}

function structValue(v: StructValue): string {
  let s = '{';
  let first = true;
  for (const k in v) {
    const f = v[k];
    s += (first ? '' : ', ') + k + ': ' + (typeof f === 'string' ? quoteText(f) : '' + f);
    first = false;
  }
  return s + '}';
}

function value(ev: SyscallEvent, spec: ParamSpec, v: ParamValue | undefined): string {
  if (ev.faulted.length !== 0 && ev.faulted.includes(spec.name)) {
    const a = ev.args[spec.index];
    if (a !== undefined) return '0x' + a.toString(16);
  }
  if (v === null || v === undefined) return '<NULL>';
  switch (typeof v) {
    case 'string':
      return quoteText(v);
    case 'number':
    case 'bigint':
      // Non-int kinds hold an address when the memory was not read: hex, like a pointer.
      if (spec.kind === 'int' || (spec.kind === 'struct' && typeof v === 'number')) return '' + v;
      return '0x' + v.toString(16);
  }
  if (Buffer.isBuffer(v)) return '<buffer of ' + v.length + ' bytes>';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (typeof v[0] === 'string') return '[' + (v as string[]).map(quoteText).join(', ') + ']';
    return '[' + v.join(', ') + ']';
  }
  if (isSockAddr(v)) return sockaddr(v);
  return structValue(v);
}

/** One record: header line, syscall line (each field followed by a space), empty line. */
export function formatEbpftracerRecord(ev: SyscallEvent): string {
  const h = ev.header;
  let s =
    'timestamp: ' + h.timestamp +
    ' process_id: ' + h.process_id +
    ' thread_id: ' + h.thread_id +
    ' user_id: ' + h.user_id +
    ' group_id: ' + h.group_id +
    ' exit_code: ' + h.exit_code +
    ' probe_error: ' + (h.probe_error ? '1' : '0') +
    '\nsyscall: ' + ev.syscall + ' ';
  const specs = ev.schema.params;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    s += spec.name + ': ' + value(ev, spec, ev.params[spec.name]) + ' ';
  }
  return s + '\n\n';
}

export function makeEbpftracerFormatter(): (ev: SyscallEvent) => string {
  return formatEbpftracerRecord;
}
