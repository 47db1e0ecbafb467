/**
 * Parser for the kernel's tracepoint format files (tracefs `events/<cat>/<name>/format`), which
 * describe every syscall's arguments: ebpftracer decodes syscalls from these, so it covers
 * every syscall the running kernel has, with the kernel's own argument names and C types.
 *
 * Format (kernel/trace/trace_events.c, f_show):
 *   name: sys_enter_openat
 *   ID: 782
 *   format:
 *   	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
 *   	...                                   (4 common_* fields, then a blank line)
 *   	field:int __syscall_nr;	offset:8;	size:4;	signed:1;
 *   	field:const char * filename;	offset:24;	size:8;	signed:0;
 *
 *   print fmt: "..."
 */

export interface FormatField {
  /** C type as written by the kernel, e.g. `const char *`, `unsigned int`, `char[16]` base. */
  type: string;
  name: string;
  offset: number;
  size: number;
  signed: boolean;
  /** Element count for `type name[N]` fields. */
  arrayLength?: number;
}

export interface TracepointFormat {
  name: string;
  id: number;
  /** All fields, common_* included. */
  fields: FormatField[];
  printFmt: string;
}

export class FormatParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatParseError';
  }
}

const FIELD_RE = /^\s*field:(.+);\s*offset:(\d+);\s*size:(\d+);\s*signed:([01]);\s*$/;

/** `const char * filename` -> type `const char *`, name `filename`; `char comm[16]` -> array. */
export function splitDeclaration(decl: string): { type: string; name: string; arrayLength?: number } {
  const d = decl.trim();
  const arr = /^(.*?)([A-Za-z_]\w*)\s*\[(\d*)\]$/.exec(d);
  if (arr) {
    return { type: arr[1].trim(), name: arr[2], arrayLength: arr[3] === '' ? 0 : Number(arr[3]) };
  }
  const m = /^(.*?)([A-Za-z_]\w*)$/.exec(d);
  if (!m || !m[1].trim()) throw new FormatParseError(`cannot split field declaration "${decl}"`);
  return { type: m[1].trim(), name: m[2] };
}

export function parseFormat(text: string): TracepointFormat {
  let name: string | undefined;
  let id: number | undefined;
  let printFmt = '';
  const fields: FormatField[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('name: ')) name = line.slice(6).trim();
    else if (line.startsWith('ID: ')) id = Number(line.slice(4).trim());
    else if (line.startsWith('print fmt: ')) printFmt = line.slice(11);
    else {
      const m = FIELD_RE.exec(line);
      if (!m) continue;
      const decl = splitDeclaration(m[1]);
      fields.push({ ...decl, offset: Number(m[2]), size: Number(m[3]), signed: m[4] === '1' });
    }
  }
  if (!name) throw new FormatParseError('no "name:" line');
  if (id === undefined || !Number.isInteger(id)) throw new FormatParseError(`${name}: no valid "ID:" line`);
  if (fields.length === 0) throw new FormatParseError(`${name}: no fields`);
  return { name, id, fields, printFmt };
}

/**
 * The syscall's own arguments: everything after the common_* fields and __syscall_nr, except
 * the dynamic arrays newer kernels (7.x) append with copies of user memory, such as
 * `__data_loc char[] __pathname_val` (they are not arguments; we read user memory ourselves).
 */
export function syscallArgs(fmt: TracepointFormat): FormatField[] {
  return fmt.fields.filter((f) => !f.name.startsWith('common_') && f.name !== '__syscall_nr' && !/^__data_loc\b/.test(f.type));
}
