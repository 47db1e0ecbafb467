/**
 * The `-t TYPE` registry: every name and alias the original ipcdump accepted, plus `usp|unix-seqpacket`.
 *
 * Fixes relative to the original (reference §4, §6 items 1-2):
 *  - no `-t` or `all` selects EVERY type, pipes included (the original silently left pipes out);
 *  - `all` may be combined with other `-t` values (the original rejected it unless it was alone).
 *
 * Collectors are added one by one; IMPLEMENTED_TYPES says which exist in this build. `planTypes`
 * lets the CLI fail loudly when the user explicitly asked for a type we can't trace yet, while the
 * default / `all` quietly uses whatever is implemented.
 */

import { UsageError } from '../cli/errors';
import type { IpcType } from './event';

/** Canonical order (also the order collectors are started / listed). */
export const ALL_TYPES: readonly IpcType[] = [
  'signal',
  'unix-stream',
  'unix-dgram',
  'unix-seqpacket',
  'pty',
  'loopback-tcp',
  'loopback-udp',
  'pipe',
];

interface TypeName {
  short: string;
  long: string;
  types: readonly IpcType[];
}

/** Order here is the order shown in help and error messages. */
export const TYPE_NAMES: readonly TypeName[] = [
  { short: 'a', long: 'all', types: ALL_TYPES },
  { short: 'k', long: 'signal', types: ['signal'] },
  { short: 'u', long: 'unix', types: ['unix-stream', 'unix-dgram', 'unix-seqpacket'] },
  { short: 'us', long: 'unix-stream', types: ['unix-stream'] },
  { short: 'ud', long: 'unix-dgram', types: ['unix-dgram'] },
  { short: 'usp', long: 'unix-seqpacket', types: ['unix-seqpacket'] },
  { short: 't', long: 'pty', types: ['pty'] },
  { short: 'lo', long: 'loopback', types: ['loopback-tcp', 'loopback-udp'] },
  { short: 'lt', long: 'loopback-tcp', types: ['loopback-tcp'] },
  { short: 'lu', long: 'loopback-udp', types: ['loopback-udp'] },
  { short: 'p', long: 'pipe', types: ['pipe'] },
];

const BY_NAME: ReadonlyMap<string, TypeName> = new Map(
  TYPE_NAMES.flatMap((t) => [
    [t.short, t],
    [t.long, t],
  ]),
);

/** `a|all, k|signal, ...` for help and error messages. */
export const TYPE_NAMES_HELP: string = TYPE_NAMES.map((t) => `${t.short}|${t.long}`).join(', ');

/** Types with a working collector in this build. */
export const IMPLEMENTED_TYPES: ReadonlySet<IpcType> = new Set<IpcType>(['signal', 'pipe', 'unix-stream', 'unix-dgram', 'unix-seqpacket', 'pty', 'loopback-tcp', 'loopback-udp']);

function lookup(name: string): TypeName {
  const t = BY_NAME.get(name);
  if (!t) throw new UsageError(`unrecognized type "${name}" (valid: ${TYPE_NAMES_HELP})`);
  return t;
}

/** Keep canonical order so that results are deterministic whatever the order of `-t` flags. */
function ordered(set: ReadonlySet<IpcType>): Set<IpcType> {
  return new Set(ALL_TYPES.filter((t) => set.has(t)));
}

/**
 * The set of types selected by the `-t` values (names or aliases, case-sensitive like the original).
 * No names, or `all` anywhere, selects every type. Throws UsageError on an unknown name.
 */
export function resolveTypes(names: readonly string[]): Set<IpcType> {
  if (names.length === 0) return new Set(ALL_TYPES);
  const out = new Set<IpcType>();
  for (const n of names) for (const t of lookup(n).types) out.add(t);
  return ordered(out);
}

export interface TypePlan {
  /** Everything the user selected (after alias expansion). */
  requested: Set<IpcType>;
  /** What will actually be traced: requested ∩ implemented. */
  enabled: Set<IpcType>;
  /**
   * Types named explicitly (not via `all`/default) that this build cannot trace. The CLI should
   * refuse to run when this is non-empty (see unsupportedTypeMessage).
   */
  unsupported: IpcType[];
}

/**
 * Decide which collectors to run. Types reached only through `all` or the default are silently
 * limited to the implemented ones; explicitly named ones (including via a group alias such as
 * `u|unix` or `lo|loopback`) that aren't implemented are reported in `unsupported`.
 */
export function planTypes(
  names: readonly string[],
  implemented: ReadonlySet<IpcType> = IMPLEMENTED_TYPES,
): TypePlan {
  const requested = resolveTypes(names);
  const explicit = new Set<IpcType>();
  for (const n of names) {
    const t = lookup(n);
    if (t.long === 'all') continue;
    for (const x of t.types) explicit.add(x);
  }
  const enabled = new Set<IpcType>();
  const unsupported: IpcType[] = [];
  for (const t of requested) {
    if (implemented.has(t)) enabled.add(t);
    else if (explicit.has(t)) unsupported.push(t);
  }
  return { requested, enabled, unsupported };
}

/** One-line message for an explicitly requested, unimplemented type. */
export function unsupportedTypeMessage(types: readonly IpcType[]): string {
  if (types.length === 1) return `type ${types[0]} is not available yet in this version`;
  return `types ${types.join(', ')} are not available yet in this version`;
}
