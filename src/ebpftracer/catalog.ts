/**
 * The syscalls the running kernel can trace, from tracefs `events/syscalls/sys_enter_*` (tracefs
 * is mounted when missing). Each entry has its enter arguments and exit value, parsed from the
 * kernel's own format files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTracefs, TRACEFS } from '../runtime/capabilities';
import { parseFormat, syscallArgs, type FormatField } from './format';

export interface SyscallInfo {
  name: string;
  /** Tracepoint IDs of the sys_enter_<name> and sys_exit_<name> events (tracefs `ID:`). */
  enterId: number;
  exitId: number;
  args: FormatField[];
  /** The exit event's `ret` field. */
  ret: FormatField;
}

export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

export class SyscallCatalog {
  private constructor(private readonly byName: ReadonlyMap<string, SyscallInfo>) {}

  /** Reads every syscall's format files (about 360 on x86-64; fast, all in memory). */
  static load(root = path.join(TRACEFS, 'events', 'syscalls')): SyscallCatalog {
    if (root.startsWith(TRACEFS) && !fs.existsSync(root)) {
      const t = ensureTracefs();
      if (!t.ok) throw new CatalogError(`cannot list syscalls: tracefs ${t.detail}`);
    }
    let entries: string[];
    try {
      entries = fs.readdirSync(root);
    } catch (err) {
      throw new CatalogError(`cannot list syscalls in ${root}: ${(err as Error).message}`);
    }
    const byName = new Map<string, SyscallInfo>();
    for (const e of entries) {
      if (!e.startsWith('sys_enter_')) continue;
      const name = e.slice('sys_enter_'.length);
      try {
        const enter = parseFormat(fs.readFileSync(path.join(root, e, 'format'), 'utf8'));
        const exit = parseFormat(fs.readFileSync(path.join(root, `sys_exit_${name}`, 'format'), 'utf8'));
        const ret = exit.fields.find((f) => f.name === 'ret');
        if (!ret) continue;
        byName.set(name, { name, enterId: enter.id, exitId: exit.id, args: syscallArgs(enter), ret });
      } catch {
        // a syscall without a readable pair of format files cannot be traced: skip it
      }
    }
    if (byName.size === 0) throw new CatalogError(`no syscall tracepoints found in ${root}`);
    return new SyscallCatalog(byName);
  }

  get(name: string): SyscallInfo | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  get size(): number {
    return this.byName.size;
  }

  /**
   * Resolves a user's list (`mkdir,rmdir`), failing with one clear message for unknown names
   * or an empty list.
   */
  resolve(list: readonly string[]): SyscallInfo[] {
    const names = list.map((s) => s.trim()).filter(Boolean);
    if (names.length === 0) throw new CatalogError('no syscall given (e.g. -t mkdir,rmdir)');
    const unknown = names.filter((n) => !this.byName.has(n));
    if (unknown.length > 0) {
      throw new CatalogError(`unknown syscall${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} (this kernel traces ${this.byName.size} syscalls; see /sys/kernel/tracing/events/syscalls)`);
    }
    return [...new Set(names)].map((n) => this.byName.get(n)!);
  }
}
