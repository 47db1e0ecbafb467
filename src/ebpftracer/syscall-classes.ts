/**
 * strace's syscall classes (%file, %network, ...) for selecting what to trace, with members given
 * as ftrace event names so they can be matched against tracefs directly. Membership comes from
 * strace's own table (syscall-classes.generated.ts, made by scripts/gen-syscall-tables.js).
 */
import { STRACE_CLASSES, type StraceClass } from './syscall-classes.generated';

/** Other spellings strace accepts for a class. */
const ALIASES: Readonly<Record<string, StraceClass>> = { '%net': '%network' };

/** Every class name accepted by expandSyscallList, aliases included. */
export const CLASS_NAMES: readonly string[] = [...Object.keys(STRACE_CLASSES), ...Object.keys(ALIASES)];

function classMembers(name: string): readonly string[] | undefined {
  const cls = Object.prototype.hasOwnProperty.call(ALIASES, name) ? ALIASES[name] : name;
  return Object.prototype.hasOwnProperty.call(STRACE_CLASSES, cls)
    ? STRACE_CLASSES[cls as StraceClass]
    : undefined;
}

/**
 * Expands the `%class` items of a syscall list into event names, in order and without
 * duplicates. Plain names are kept as given (the caller reports unknown ones); class members
 * that `known` rejects are dropped, since the running kernel may lack newer syscalls. Items
 * starting with '%' that are no class end up in `unknownClasses`.
 */
export function expandSyscallList(
  items: readonly string[],
  known: (name: string) => boolean,
): { names: string[]; unknownClasses: string[] } {
  const names = new Set<string>();
  const unknownClasses: string[] = [];
  for (const item of items) {
    if (!item.startsWith('%')) {
      names.add(item);
      continue;
    }
    const members = classMembers(item);
    if (members === undefined) {
      if (!unknownClasses.includes(item)) unknownClasses.push(item);
      continue;
    }
    for (const m of members) if (known(m)) names.add(m);
  }
  return { names: [...names], unknownClasses };
}
