/**
 * Command line of `ipftrace`, compatible with ipftrace v1 (Python click): multi-letter short
 * options with one dash (`-iv 4`, `-sp 80`, `-dp 9`, `-ls`), long options (`--ipversion 4`,
 * `--ipversion=4`), and the manifest as an optional positional argument (v1 required it).
 * Hand-written because node's util.parseArgs only knows one-letter short options.
 *
 * Differences from v1, on purpose:
 *  - -iv defaults to both IP versions (v1: 4 only, one version per run);
 *  - -p accepts numbers too; unknown names are usage errors, not a crash;
 *  - port filters select TCP/UDP/SCTP/UDP-Lite only (v1 let ICMP through them);
 *  - our own options: --format, -o, -f/--field, --latency, --idle, --backend, -c/--count,
 *    --gen-manifest, --doctor, --version.
 */
import { UsageError } from './errors';
import { parseProtocol } from '../ipftrace/protocols';
import { checkFilter, FilterError, type FlowFilter } from '../ipftrace/filter';
import type { Backend } from '../ipftrace/plan';

export type IpftraceFormat = 'text' | 'json' | 'json-events';
export const FORMATS: readonly IpftraceFormat[] = ['text', 'json', 'json-events'];

export interface IpftraceArgs {
  help: boolean;
  version: boolean;
  doctor: boolean;
  listFunc: boolean;
  /** --gen-manifest [FILE]: null = stdout. */
  genManifest: { file: string | null } | undefined;
  verbose: boolean;
  filter: FlowFilter;
  module?: string;
  regex?: RegExp;
  length: number;
  manifest?: string;
  format: IpftraceFormat;
  output: string | null;
  fields: string[];
  latency: boolean;
  idleMs: number;
  backend: Backend;
  count: number;
}

type Kind = 'flag' | 'value';
interface OptSpec {
  key: string;
  kind: Kind;
  names: string[];
}

const SPECS: OptSpec[] = [
  { key: 'help', kind: 'flag', names: ['-h', '--help'] },
  { key: 'version', kind: 'flag', names: ['--version'] },
  { key: 'doctor', kind: 'flag', names: ['--doctor'] },
  { key: 'ipversion', kind: 'value', names: ['-iv', '--ipversion'] },
  { key: 'saddr', kind: 'value', names: ['-s', '--saddr'] },
  { key: 'daddr', kind: 'value', names: ['-d', '--daddr'] },
  { key: 'proto', kind: 'value', names: ['-p', '--proto'] },
  { key: 'sport', kind: 'value', names: ['-sp', '--sport'] },
  { key: 'dport', kind: 'value', names: ['-dp', '--dport'] },
  { key: 'module', kind: 'value', names: ['-m', '--module'] },
  { key: 'regex', kind: 'value', names: ['-r', '--regex'] },
  { key: 'length', kind: 'value', names: ['-l', '--length'] },
  { key: 'listFunc', kind: 'flag', names: ['-ls', '--list-func'] },
  { key: 'verbose', kind: 'flag', names: ['-v', '--verbose'] },
  { key: 'format', kind: 'value', names: ['--format'] },
  { key: 'output', kind: 'value', names: ['-o', '--output'] },
  { key: 'field', kind: 'value', names: ['-f', '--field'] },
  { key: 'latency', kind: 'flag', names: ['--latency'] },
  { key: 'idle', kind: 'value', names: ['--idle'] },
  { key: 'backend', kind: 'value', names: ['--backend'] },
  { key: 'count', kind: 'value', names: ['-c', '--count'] },
  { key: 'genManifest', kind: 'flag', names: ['--gen-manifest'] },
];

const BY_NAME = new Map<string, OptSpec>();
for (const s of SPECS) for (const n of s.names) BY_NAME.set(n, s);

function intArg(flag: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`invalid value "${v}" for ${flag}: expected a whole number`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`invalid value "${v}" for ${flag}: must be ${min}..${max}`);
  return n;
}

export function parseArgs(argv: readonly string[]): IpftraceArgs {
  const out: IpftraceArgs = {
    help: false,
    version: false,
    doctor: false,
    listFunc: false,
    genManifest: undefined,
    verbose: false,
    filter: {},
    length: 80,
    format: 'text',
    output: null,
    fields: [],
    latency: false,
    idleMs: 1000,
    backend: 'auto',
    count: 0,
  };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = BY_NAME.get(name);
    if (!spec) throw new UsageError(`no such option: ${name} (see ipftrace --help)`);
    if (spec.key === 'help') {
      out.help = true;
      return out;
    }
    let value: string | undefined;
    if (spec.kind === 'value') {
      if (eq > 0) value = arg.slice(eq + 1);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`option ${name} requires an argument`);
        value = argv[++i];
      }
    } else if (eq > 0 && spec.key !== 'genManifest') {
      throw new UsageError(`option ${name} does not take a value`);
    }
    const v = value as string;
    switch (spec.key) {
      case 'version':
        out.version = true;
        break;
      case 'doctor':
        out.doctor = true;
        break;
      case 'listFunc':
        out.listFunc = true;
        break;
      case 'verbose':
        out.verbose = true;
        break;
      case 'latency':
        out.latency = true;
        break;
      case 'genManifest':
        // Optional value: the next argument when it is not an option and not a second positional.
        out.genManifest = { file: eq > 0 ? arg.slice(eq + 1) || null : null };
        if (eq < 0 && i + 1 < argv.length && !argv[i + 1].startsWith('-')) out.genManifest.file = argv[++i];
        break;
      case 'ipversion':
        if (v !== '4' && v !== '6') throw new UsageError(`invalid value "${v}" for ${name}: choose from 4, 6`);
        out.filter.ipVersion = v === '4' ? 4 : 6;
        break;
      case 'saddr':
        out.filter.saddr = v;
        break;
      case 'daddr':
        out.filter.daddr = v;
        break;
      case 'proto':
        try {
          out.filter.proto = parseProtocol(v);
        } catch (err) {
          throw new UsageError(`invalid value for ${name}: ${(err as Error).message}`);
        }
        break;
      case 'sport':
        out.filter.sport = intArg(name, v, 0, 65535);
        break;
      case 'dport':
        out.filter.dport = intArg(name, v, 0, 65535);
        break;
      case 'module':
        out.module = v;
        break;
      case 'regex':
        try {
          out.regex = new RegExp(v);
        } catch (err) {
          throw new UsageError(`invalid value "${v}" for ${name}: ${(err as Error).message}`);
        }
        break;
      case 'length':
        out.length = intArg(name, v, 1, 1000000);
        break;
      case 'format':
        if (!FORMATS.includes(v as IpftraceFormat)) throw new UsageError(`invalid value "${v}" for ${name}: choose from ${FORMATS.join(', ')}`);
        out.format = v as IpftraceFormat;
        break;
      case 'output':
        if (!v) throw new UsageError(`option ${name} requires a file name`);
        out.output = v;
        break;
      case 'field':
        out.fields.push(v);
        break;
      case 'idle':
        out.idleMs = intArg(name, v, 1, 3600000);
        break;
      case 'backend':
        if (!['auto', 'tracepoint', 'function'].includes(v)) throw new UsageError(`invalid value "${v}" for ${name}: choose from auto, tracepoint, function`);
        out.backend = v as Backend;
        break;
      case 'count':
        out.count = intArg(name, v, 1, Number.MAX_SAFE_INTEGER);
        break;
    }
  }
  if (positional.length > 1) throw new UsageError(`too many arguments: ${positional.slice(1).join(' ')} (only one MANIFEST is accepted)`);
  out.manifest = positional[0];
  try {
    out.filter = checkFilter(out.filter);
  } catch (err) {
    if (err instanceof FilterError) throw new UsageError(err.message);
    throw err;
  }
  return out;
}

export const USAGE = `Usage: ipftrace [OPTIONS] [MANIFEST]

  Follow packets through the kernel network stack: for every packet that
  matches the filter, print the hooks it passed (tracepoints, or kernel
  functions where kprobes work), with drop reasons and per-hop data.

  MANIFEST is an optional ipftrace v1 YAML file (functions: name, skb_pos,
  egress) restricting the hooks; egress entries end a packet's list.

Options (ipftrace v1):
  -iv, --ipversion [4|6]  IP version to trace (default: both)
  -s, --saddr ADDR        source address
  -d, --daddr ADDR        destination address
  -p, --proto NAME        protocol from /etc/protocols (TCP, UDP, ICMP,
                          IPv6-ICMP, any case) or a number
  -sp, --sport PORT       source port (TCP/UDP)
  -dp, --dport PORT       destination port (TCP/UDP)
  -m, --module NAME|FILE  custom data: "gso" (built in), or a .json/.yaml/.js
                          module listing BTF fields (see README)
  -r, --regex RE          only hooks whose name matches RE (from the start)
  -l, --length N          print a packet's list after N hops (default 80)
  -ls, --list-func        list the hooks this kernel offers, with skb
                          positions, and exit
  -v, --verbose           report hooks that were skipped
  -h, --help              show this message and exit

Options (ours):
  --format FMT            text (v1 layout, default), json (one object per
                          packet), json-events (one object per hop)
  -o, --output FILE       write to FILE (mode 0600) instead of stdout
  -f, --field PATH        record a BTF field at every hop, e.g. skb->mark,
                          shinfo->gso_size, skb->dev->mtu, skb->mark:x (hex);
                          repeatable, up to 8
  --latency               add a per-hop latency column to the text output
  --idle MS               print a packet with no hop for MS ms as "end not
                          observed" (default 1000)
  --backend B             auto (default), tracepoint, or function (kprobes)
  -c, --count N           exit after printing N packets
  --gen-manifest [FILE]   write a manifest of every hook this kernel offers
                          (for editing) and exit
  --doctor                report the backend choice and hooks, and exit
  --version               print the version and exit
`;
