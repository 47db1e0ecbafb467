/**
 * Parses strace output lines (`name(arg, arg) = ret ...`) so tests can compare ebpftracer's
 * records with what the real strace saw for the same workload.
 */

export interface StraceCall {
  name: string;
  /** Top-level arguments as printed (strings still quoted). */
  args: string[];
  /** Return value; undefined for `= ?`. */
  ret?: number;
  errno?: string;
}

/** Splits `a, {b, c}, "d, e", [f]` at top-level commas. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      cur += c;
      if (c === '\\') cur += s[++i] ?? '';
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Parses one line of `strace -ff -o` output; undefined for signals, exits and resumptions. */
export function parseStraceLine(line: string): StraceCall | undefined {
  const m = /^(\w+)\((.*)\)\s+= (\?|-?\d+|0x[0-9a-f]+)(?: (E[A-Z0-9]+))?/.exec(line);
  if (!m) return undefined;
  const call: StraceCall = { name: m[1], args: splitArgs(m[2]) };
  if (m[3] !== '?') call.ret = Number(m[3]);
  if (m[4]) call.errno = m[4];
  return call;
}

/** Undoes strace's C escaping of a quoted string (`"a\nb"` -> `a\nb`); `...` suffix dropped. */
export function unquote(s: string): string {
  const body = s.replace(/\.\.\.$/, '');
  if (!body.startsWith('"') || !body.endsWith('"')) return body;
  const inner = body.slice(1, -1);
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = inner[++i];
    if (n === 'n') out += '\n';
    else if (n === 't') out += '\t';
    else if (n === 'r') out += '\r';
    else if (n === 'v') out += '\v';
    else if (n === 'f') out += '\f';
    else if (n === 'x') {
      out += String.fromCharCode(parseInt(inner.substr(i + 1, 2), 16));
      i += 2;
    } else if (n >= '0' && n <= '7') {
      let j = i;
      while (j < i + 3 && inner[j] >= '0' && inner[j] <= '7') j++;
      out += String.fromCharCode(parseInt(inner.slice(i, j), 8));
      i = j - 1;
    } else out += n;
  }
  return out;
}

const OPEN_FLAGS: Record<string, number> = {
  O_RDONLY: 0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_CLOEXEC: 0o2000000,
  O_PATH: 0o10000000,
  O_LARGEFILE: 0o100000,
};

/** `O_WRONLY|O_CREAT` -> number (unknown names throw, so a test cannot silently pass). */
export function parseOpenFlags(s: string): number {
  return s.split('|').reduce((acc, name) => {
    if (/^0x[0-9a-f]+$|^\d+$/.test(name)) return acc | Number(name);
    const v = OPEN_FLAGS[name];
    if (v === undefined) throw new Error(`unknown open flag ${name}`);
    return acc | v;
  }, 0);
}
