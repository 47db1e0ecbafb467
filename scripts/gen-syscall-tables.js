#!/usr/bin/env node
/* Generates the syscall number tables and strace's syscall classes for ebpftracer from the
 * kernel's and strace's own tables, committed under scripts/data/ (see the header of each file
 * for the exact source commit):
 *
 *   syscall_64.tbl, syscall_32.tbl   the kernel's x86 tables, copied verbatim
 *   syscall-additions.tbl            rows added by kernels newer than those copies
 *   strace-x86_64-classes.txt        strace's class flags per x86_64 syscall
 *
 * Outputs src/ebpftracer/syscall-table.generated.ts and syscall-classes.generated.ts.
 *
 *   node scripts/gen-syscall-tables.js           write both files
 *   node scripts/gen-syscall-tables.js --check   exit 1 when the committed files are stale
 *
 * Names: ftrace calls a syscall's events sys_enter_<X>/sys_exit_<X>, X being the name given to
 * SYSCALL_DEFINE, i.e. the table's entry point without "sys_" (row "4 common stat sys_newstat"
 * is traced as sys_enter_newstat). So everything generated here speaks entry names; the table's
 * own name column (what strace and man pages say) is kept alongside for display.
 *
 * Plain CommonJS without dependencies so it runs before the TypeScript build;
 * test/unit/ebpftracer-syscalls.test.ts regenerates and compares with the committed output.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DATA = path.join(__dirname, 'data');
const OUT_TABLE = path.join('src', 'ebpftracer', 'syscall-table.generated.ts');
const OUT_CLASSES = path.join('src', 'ebpftracer', 'syscall-classes.generated.ts');

/** The BPF side keeps one array slot per syscall number; x32's 512+ range is not traced. */
const MAX_NR = 512;

/**
 * i386 -> x86_64 equivalences that the two rules in i386Equivalent() do not find, or where they
 * would be wrong. An i386 call is decoded with the x86_64 schema of the named entry, so an entry
 * is given only where the arguments (registers, in order) mean the same thing; pointed-to
 * structs may use the 32-bit layout, as they do in every compat call (iovec, msghdr, stat...).
 * null = no x86_64 call takes these arguments.
 */
const I386_EXPLICIT = {
  stat64: ['newstat', 'struct stat64 instead of struct stat'],
  lstat64: ['newlstat', 'struct stat64 instead of struct stat'],
  fstat64: ['newfstat', 'struct stat64 instead of struct stat'],
  fstatat64: ['newfstatat', 'struct stat64 instead of struct stat'],
  fcntl64: ['fcntl', 'adds the F_*64 commands with struct flock64'],
  sendfile: ['sendfile64', 'the offset it points to is a 32-bit off_t'],
  getrlimit: ['getrlimit', 'old_getrlimit: same arguments, infinite limits reported as 0x7fffffff'],
  truncate64: ['truncate', 'the 64-bit length spans two registers; argument 1 is its low half'],
  ftruncate64: ['ftruncate', 'the 64-bit length spans two registers; argument 1 is its low half'],
  pread64: ['pread64', 'the 64-bit position spans two registers; argument 3 is its low half'],
  pwrite64: ['pwrite64', 'the 64-bit position spans two registers; argument 3 is its low half'],
  mmap2: ['mmap', 'mmap_pgoff: argument 5 counts 4096-byte pages, not bytes'],
  clone: [null, 'same entry point, but i386 passes tls before child_tidptr (CLONE_BACKWARDS)'],
  fanotify_mark: [null, 'same entry point, but the 64-bit mask spans two registers and shifts the rest'],
  mmap: [null, 'old_mmap takes one pointer to a block holding the six arguments'],
  select: [null, 'old_select takes one pointer to a block holding the five arguments'],
  readahead: [null, 'the 64-bit offset spans two registers and shifts count'],
  fadvise64: [null, 'the 64-bit offset spans two registers and shifts len and advice'],
  sync_file_range: [null, 'both 64-bit arguments span two registers each'],
  fallocate: [null, 'both 64-bit arguments span two registers each'],
};

/** Parses a syscall .tbl: `<nr> <abi> <name> [<entry> [<compat entry> [noreturn]]]`. */
function parseTbl(text, file) {
  const rows = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const [nr, abi, name, entry] = line.trim().split(/\s+/);
    if (!/^\d+$/.test(nr) || !abi || !name) throw new Error(`${file}:${i + 1}: bad row: ${line}`);
    // Rows without an entry point, or with sys_ni_syscall, are numbers the kernel reserves but
    // does not implement: they return ENOSYS and have no trace events.
    const implemented = entry !== undefined && entry !== 'sys_ni_syscall';
    if (implemented && abi !== 'x32' && !/^sys_\w+$/.test(entry)) {
      throw new Error(`${file}:${i + 1}: entry point ${entry} does not start with sys_`);
    }
    rows.push({ nr: Number(nr), abi, name, entry: implemented ? entry.slice(4) : null });
  });
  return rows;
}

/** Merges base and additions per ABI; an addition may not redefine a number. */
function loadTables(dataDir) {
  const read = (f) => parseTbl(fs.readFileSync(path.join(dataDir, f), 'utf8'), f);
  const rows = [...read('syscall_64.tbl'), ...read('syscall_32.tbl'), ...read('syscall-additions.tbl')];
  const x86_64 = new Map();
  const i386 = new Map();
  for (const r of rows) {
    const table = r.abi === 'common' || r.abi === '64' ? x86_64 : r.abi === 'i386' ? i386 : null;
    if (table === null) continue; // x32: a different ABI that ebpftracer does not trace
    if (table.has(r.nr)) throw new Error(`${r.abi} syscall ${r.nr} defined twice`);
    if (r.nr >= MAX_NR) throw new Error(`${r.abi} syscall ${r.name} = ${r.nr} does not fit MAX_NR ${MAX_NR}`);
    table.set(r.nr, r);
  }
  const byNr = (m) => [...m.values()].sort((a, b) => a.nr - b.nr);
  return { x86_64: byNr(x86_64), i386: byNr(i386) };
}

/**
 * The x86_64 entry whose schema decodes an i386 call, or null: the explicit list; else the same
 * kernel function (same entry point); else its time32 twin (entry sys_X_time32 or sys_X32 with
 * the same name as x86_64's sys_X: identical arguments, 32-bit time structs pointed to).
 * 16-bit uid/gid variants (sys_*16) stay null: their id arguments are 16 bits wide, -1 is 0xffff.
 */
function i386Equivalent(row, x64Entries, x64ByName) {
  if (Object.prototype.hasOwnProperty.call(I386_EXPLICIT, row.name)) return I386_EXPLICIT[row.name][0];
  if (row.entry === null) return null;
  if (x64Entries.has(row.entry)) return row.entry;
  const twin = row.entry.replace(/(_time32|32)$/, '');
  if (twin !== row.entry && x64Entries.has(twin) && x64ByName.get(row.name)?.entry === twin) return twin;
  return null;
}

function buildI386(tables) {
  const x64Entries = new Set(tables.x86_64.filter((r) => r.entry).map((r) => r.entry));
  const x64ByName = new Map(tables.x86_64.map((r) => [r.name, r]));
  for (const [name, [entry]] of Object.entries(I386_EXPLICIT)) {
    if (!tables.i386.some((r) => r.name === name)) throw new Error(`I386_EXPLICIT: no i386 syscall ${name}`);
    if (entry !== null && !x64Entries.has(entry)) throw new Error(`I386_EXPLICIT: no x86_64 entry ${entry}`);
  }
  return tables.i386.map((r) => {
    const eq = i386Equivalent(r, x64Entries, x64ByName);
    // A name both tables share but the rules left unmapped needs a decision in I386_EXPLICIT,
    // so a new kernel row cannot silently lose (or gain) its equivalence.
    const same = x64ByName.get(r.name);
    if (eq === null && r.entry && same?.entry && !/16$/.test(r.entry) && !(r.name in I386_EXPLICIT)) {
      throw new Error(`i386 ${r.name} (sys_${r.entry}) vs x86_64 sys_${same.entry}: decide in I386_EXPLICIT`);
    }
    return [r.nr, r.name, eq];
  });
}

/** strace class flag -> class name (src/sysent_shorthand_defs.h; aliases live in the TS). */
const CLASS_FLAGS = {
  TF: '%file', TP: '%process', TN: '%network', TS: '%signal', TI: '%ipc', TD: '%desc',
  TM: '%memory', TC: '%creds', TCL: '%clock', TST: '%stat', TLST: '%lstat', TFST: '%fstat',
  TSTA: '%%stat', TSF: '%statfs', TFSF: '%fstatfs', TSFA: '%%statfs', PU: '%pure',
};
/** strace flags that are decoder hints, not classes. */
const OTHER_FLAGS = new Set(['NF', 'SI', 'SE', 'CC', 'TSD', 'MA', 'CST']);

/** class -> entry names in syscall-number order, from strace's flags per syscall number. */
function buildClasses(dataDir, tables) {
  const file = 'strace-x86_64-classes.txt';
  const x64ByNr = new Map(tables.x86_64.map((r) => [r.nr, r]));
  const classes = Object.fromEntries(Object.values(CLASS_FLAGS).map((c) => [c, []]));
  const seen = new Set();
  const lines = fs.readFileSync(path.join(dataDir, file), 'utf8').split('\n');
  const entries = [];
  lines.forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const [nr, name, flags, extra] = line.trim().split(/\s+/);
    if (!/^\d+$/.test(nr) || !flags || (extra !== undefined && extra !== 'local')) {
      throw new Error(`${file}:${i + 1}: bad line: ${line}`);
    }
    // strace indexes its table by syscall number; its names must be the kernel's, so the
    // number is a safe key to the entry name (stat -> newstat, uname -> newuname, ...).
    const row = x64ByNr.get(Number(nr));
    if (!row || row.name !== name) throw new Error(`${file}:${i + 1}: ${nr} is ${row ? row.name : 'unknown'} in the kernel table, not ${name}`);
    if (seen.has(row.nr)) throw new Error(`${file}:${i + 1}: ${nr} listed twice`);
    seen.add(row.nr);
    const flagList = flags === '0' ? [] : flags.split('|');
    for (const f of flagList) {
      if (!(f in CLASS_FLAGS) && !OTHER_FLAGS.has(f)) throw new Error(`${file}:${i + 1}: unknown flag ${f}`);
    }
    entries.push({ nr: row.nr, entry: row.entry, flagList });
  });
  // Every implemented syscall must be classified (possibly as none), so a new kernel row
  // cannot fall out of %file and friends unnoticed.
  for (const r of tables.x86_64) {
    if (r.entry && !seen.has(r.nr)) throw new Error(`${file}: no line for x86_64 ${r.nr} ${r.name}`);
  }
  entries.sort((a, b) => a.nr - b.nr);
  for (const e of entries) {
    if (e.entry === null) continue; // not implemented on x86_64 (uselib, _sysctl, ...): no events
    for (const f of e.flagList) if (f in CLASS_FLAGS) classes[CLASS_FLAGS[f]].push(e.entry);
  }
  return classes;
}

const q = (s) => `'${s}'`;

/** Wraps items into lines of at most `width` characters after `indent`. */
function wrap(items, indent, width = 100) {
  const lines = [];
  let cur = '';
  for (const it of items) {
    const next = cur === '' ? it : `${cur} ${it}`;
    if (indent.length + next.length > width && cur !== '') {
      lines.push(indent + cur);
      cur = it;
    } else cur = next;
  }
  if (cur !== '') lines.push(indent + cur);
  return lines.join('\n');
}

const HEADER = `// Generated by scripts/gen-syscall-tables.js from scripts/data/ - do not edit.
// Sources: torvalds/linux arch/x86/entry/syscalls/syscall_64.tbl @ 7237cb3e1544718a972b732e66ebcf0f63b128a5,
// torvalds/linux tools/perf/arch/x86/entry/syscalls/syscall_32.tbl @ 220ed690436e919a523bd8cd0ca803268025d4b6
// (the kernel's copy of arch/x86/entry/syscalls/syscall_32.tbl), later rows from
// scripts/data/syscall-additions.tbl (up to 471 rseq_slice_yield).`;

function renderTable(tables, i386) {
  const x64 = tables.x86_64.filter((r) => r.entry !== null);
  return `${HEADER}

/**
 * x86_64 syscalls (ABIs "common" and "64"; x32 excluded) the kernel implements, by number:
 * [nr, table name, entry name]. The entry name is the entry point without "sys_" and is what
 * ftrace calls the events (sys_enter_<entry>); the table name is the one man pages use.
 */
export const X86_64: ReadonlyArray<readonly [nr: number, name: string, entry: string]> = [
${x64.map((r) => `  [${r.nr}, ${q(r.name)}, ${q(r.entry)}],`).join('\n')}
];

/**
 * i386 syscalls (int 0x80 / compat) by number, reserved ones included: [nr, table name, entry
 * name of the x86_64 syscall whose arguments mean the same, or null]. The rules and every
 * exception are documented in scripts/gen-syscall-tables.js (I386_EXPLICIT).
 */
export const I386: ReadonlyArray<readonly [nr: number, name: string, entry64equivalent: string | null]> = [
${i386.map(([nr, name, eq]) => `  [${nr}, ${q(name)}, ${eq === null ? 'null' : q(eq)}],`).join('\n')}
];
`;
}

function renderClasses(classes) {
  const names = Object.keys(classes);
  const body = names
    .map((c) => `  ${q(c)}: [\n${wrap(classes[c].map((e) => `${q(e)},`), '    ')}\n  ],`)
    .join('\n');
  return `// Generated by scripts/gen-syscall-tables.js from scripts/data/strace-x86_64-classes.txt - do not edit.
// Source: strace/strace src/linux/x86_64/syscallent.h @ 19277b86698b4412ddd8a1277f36a48b27011f76 and
// src/linux/generic/syscallent-common.h @ 0134cdff4d76559e51b4f55c51afa5403038f813 (rows 335, 336 and
// 465..471 classified locally, see the data file).

/** strace's trace classes (its x86_64 personality; %net is an alias kept in syscall-classes.ts). */
export type StraceClass =
${names.map((c) => `  | ${q(c)}`).join('\n')};

/** Each class's members as ftrace event names (x86_64 entry names), in syscall-number order. */
export const STRACE_CLASSES: Readonly<Record<StraceClass, readonly string[]>> = {
${body}
};
`;
}

/** Both generated files' contents, keyed by their path relative to the repository root. */
function generate(dataDir = DATA) {
  const tables = loadTables(dataDir);
  return {
    [OUT_TABLE]: renderTable(tables, buildI386(tables)),
    [OUT_CLASSES]: renderClasses(buildClasses(dataDir, tables)),
  };
}

module.exports = { generate, parseTbl, MAX_NR, OUT_TABLE, OUT_CLASSES };

if (require.main === module) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [rel, text] of Object.entries(generate())) {
    const file = path.join(ROOT, rel);
    const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (old === text) continue;
    if (check) {
      console.error(`${rel} is stale: run node scripts/gen-syscall-tables.js`);
      stale++;
    } else {
      fs.writeFileSync(file, text);
      console.log(`wrote ${rel}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
