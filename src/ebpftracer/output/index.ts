/**
 * ebpftracer's output formats. Each formatter is a pure function from one event to its text (one
 * or more lines, each ending in "\n"); writing is the sink's job.
 *
 *   ebpftracer  the original tool's records (ebpftracer-text.ts)
 *   strace      `strace -f`-style lines (strace.ts)
 *   json        JSON Lines (json.ts)
 */
import type { SyscallEvent } from '../event';
import { formatEbpftracerRecord } from './ebpftracer-text';
import { formatJsonRecord } from './json';
import { makeStraceFormatter, type StraceOptions } from './strace';

export type EbpftracerFormat = 'ebpftracer' | 'strace' | 'json';

export const FORMATS: readonly EbpftracerFormat[] = ['ebpftracer', 'strace', 'json'];

/** Options are read by the strace format only; the other two have a fixed layout. */
export type FormatterOptions = StraceOptions;

export type EventFormatter = (ev: SyscallEvent) => string;

export function makeFormatter(format: EbpftracerFormat, opts: FormatterOptions = {}): EventFormatter {
  switch (format) {
    case 'ebpftracer':
      return formatEbpftracerRecord;
    case 'strace':
      return makeStraceFormatter(opts);
    case 'json':
      return formatJsonRecord;
  }
}

export type { StraceOptions } from './strace';
export { errnoName, errnoMessage, errnoOf } from './errno';
