/**
 * The v1 manifest: the YAML file naming the kernel functions to trace (reference §1.2).
 *
 *   functions:
 *     - name: ip_rcv        # kernel function
 *       skb_pos: 1          # 1-based position of the struct sk_buff * argument
 *     - name: kfree_skb
 *       skb_pos: 1
 *       egress: true        # optional: the packet's list is printed when it reaches this function
 *
 * Why strict: v1 did `yaml.load(f)["functions"]` and indexed each entry, so a typo surfaced as a
 * Python traceback (KeyError 'skb_pos') or, for an unknown key, not at all. Every problem here is
 * a ManifestError with one line naming the file and the entry:
 *   manifest x.yaml: line 3: YAML syntax error: ...
 *   manifest x.yaml: functions[2] (ip_rcv): skb_pos must be an integer >= 1, got "a"
 * Entries are numbered from 0, as a list index; the name is added when the entry has a valid one.
 *
 * Parsing uses the YAML 1.1 schema, which is what v1's PyYAML implemented: `egress: yes` is true
 * there, and manifests written for v1 must mean the same thing here.
 *
 * Difference from v1: skb_pos may be greater than 4. v1 had four fixed BPF entry programs and
 * exited with "Invalid skb_pos"; we read the argument from BTF-typed context, so any position
 * the function has is fine. Whether the position is right for this kernel is checkManifest's job.
 *
 * writeManifest() produces the layout of v1's generated manifests (scripts/btf_to_manifest.py output
 * as shipped in examples/: `functions:`, then `  - name: X` / `    skb_pos: N` per entry), plus
 * `    egress: true` when set.
 */

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';

export interface ManifestFunction {
  name: string;
  skbPos: number;
  egress: boolean;
}

export interface Manifest {
  functions: ManifestFunction[];
}

export class ManifestError extends Error {
  /** The manifest file the error is about. */
  readonly file: string;
  constructor(file: string, message: string) {
    super(`manifest ${file}: ${message}`);
    this.name = 'ManifestError';
    this.file = file;
  }
}

const ENTRY_KEYS = ['name', 'skb_pos', 'egress'];
const TOP_KEYS = ['functions'];

/** Kernel symbol names: C identifiers, plus the `.` of compiler suffixes (`foo.isra.0`, `foo.cold`). */
const SYMBOL_RE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** A value as it appears in an error message: strings quoted, collections described. */
function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (isPlainObject(v)) return 'a mapping';
  return 'a ' + (v.constructor?.name ?? typeof v);
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).trim();
}

/** Parse and validate manifest text. `file` is used in error messages only. */
export function parseManifest(text: string, file: string): Manifest {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = lineCounter.linePos(e.pos[0]).line;
    const what = e.code === 'MULTIPLE_DOCS' ? 'more than one YAML document (a "---" separator)' : firstLine(e.message);
    throw new ManifestError(file, `line ${line}: YAML syntax error: ${what}`);
  }
  let top: unknown;
  try {
    top = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new ManifestError(file, `YAML error: ${firstLine((err as Error).message)}`);
  }

  const missing = 'no "functions" list (expected "functions:" followed by entries "- name: ..." / "skb_pos: N")';
  if (top === null || top === undefined) throw new ManifestError(file, `${missing}; the file is empty`);
  if (!isPlainObject(top)) {
    throw new ManifestError(file, `top level must be a mapping with a "functions" list, got ${describe(top)}`);
  }
  for (const k of Object.keys(top)) {
    if (!TOP_KEYS.includes(k)) throw new ManifestError(file, `unknown top-level key ${JSON.stringify(k)} (allowed: functions)`);
  }
  const list = top.functions;
  if (list === undefined) throw new ManifestError(file, missing);
  if (!Array.isArray(list)) {
    const hint = isPlainObject(list) ? ' (the old grouped form "functions: {group: [...]}" is not supported)' : '';
    throw new ManifestError(file, `"functions" must be a list of entries, got ${describe(list)}${hint}`);
  }
  if (list.length === 0) throw new ManifestError(file, '"functions" list is empty');

  const functions: ManifestFunction[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry: unknown, i: number) => {
    let where = `functions[${i}]`;
    if (!isPlainObject(entry)) {
      throw new ManifestError(file, `${where}: entry must be a mapping with "name" and "skb_pos", got ${describe(entry)}`);
    }
    const name = entry.name;
    if (name === undefined) throw new ManifestError(file, `${where}: missing name`);
    if (typeof name !== 'string' || !SYMBOL_RE.test(name)) {
      throw new ManifestError(file, `${where}: name must be a kernel function name, got ${describe(name)}`);
    }
    where += ` (${name})`;
    for (const k of Object.keys(entry)) {
      if (!ENTRY_KEYS.includes(k)) {
        throw new ManifestError(file, `${where}: unknown key ${JSON.stringify(k)} (allowed: ${ENTRY_KEYS.join(', ')})`);
      }
    }
    const pos = entry.skb_pos;
    if (pos === undefined) throw new ManifestError(file, `${where}: missing skb_pos`);
    if (typeof pos !== 'number' || !Number.isSafeInteger(pos) || pos < 1) {
      throw new ManifestError(file, `${where}: skb_pos must be an integer >= 1, got ${describe(pos)}`);
    }
    const egress = entry.egress ?? false;
    if (typeof egress !== 'boolean') {
      throw new ManifestError(file, `${where}: egress must be true or false, got ${describe(egress)}`);
    }
    const prev = seen.get(name);
    if (prev !== undefined) throw new ManifestError(file, `${where}: duplicate name (first at functions[${prev}])`);
    seen.set(name, i);
    functions.push({ name, skbPos: pos, egress });
  });
  return { functions };
}

/** Read and parse a manifest file; unreadable files are ManifestErrors too. */
export function loadManifest(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ManifestError(path, 'file not found');
    if (code === 'EISDIR') throw new ManifestError(path, 'is a directory, not a file');
    if (code === 'EACCES' || code === 'EPERM') throw new ManifestError(path, 'cannot read it: permission denied');
    throw new ManifestError(path, `cannot read it: ${firstLine((err as Error).message)}`);
  }
  return parseManifest(text, path);
}

export interface ManifestCheck {
  /** Entries that name a traceable hook with the right skb position. */
  ok: ManifestFunction[];
  /** One line per entry that does not. */
  problems: string[];
}

/**
 * Check each entry against the kernel. `lookup` (from BTF, supplied by the caller) gives the
 * 1-based position of the struct sk_buff * argument of a traceable hook, or undefined.
 */
export function checkManifest(m: Manifest, lookup: (name: string) => { skbPos: number } | undefined): ManifestCheck {
  const ok: ManifestFunction[] = [];
  const problems: string[] = [];
  for (const f of m.functions) {
    const k = lookup(f.name);
    if (k === undefined) {
      problems.push(`${f.name}: not a traceable hook on this kernel`);
    } else if (k.skbPos !== f.skbPos) {
      problems.push(`${f.name}: skb_pos ${f.skbPos} given, but BTF says the struct sk_buff * is argument ${k.skbPos}`);
    } else {
      ok.push(f);
    }
  }
  return { ok, problems };
}

/** Plain scalars YAML 1.1 would read as something other than the string itself. */
const YAML11_SPECIAL = /^(y|n|yes|no|true|false|on|off|null|~)$/i;

function yamlName(name: string): string {
  return YAML11_SPECIAL.test(name) ? JSON.stringify(name) : name;
}

/**
 * Manifest text in v1's layout; parseManifest(writeManifest(x)) gives x back (egress defaulting to
 * false). Throws a ManifestError for what parseManifest would reject: no entries, bad or duplicate
 * names, bad positions.
 */
export function writeManifest(entries: readonly { name: string; skbPos: number; egress?: boolean }[]): string {
  if (entries.length === 0) throw new ManifestError('(output)', 'no functions to write');
  let out = 'functions:\n';
  const seen = new Set<string>();
  for (const e of entries) {
    if (!SYMBOL_RE.test(e.name)) throw new ManifestError('(output)', `name must be a kernel function name, got ${describe(e.name)}`);
    if (seen.has(e.name)) throw new ManifestError('(output)', `${e.name}: duplicate name`);
    seen.add(e.name);
    if (!Number.isSafeInteger(e.skbPos) || e.skbPos < 1) {
      throw new ManifestError('(output)', `${e.name}: skb_pos must be an integer >= 1, got ${describe(e.skbPos)}`);
    }
    out += `  - name: ${yamlName(e.name)}\n    skb_pos: ${e.skbPos}\n`;
    if (e.egress) out += '    egress: true\n';
  }
  return out;
}
