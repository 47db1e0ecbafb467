/**
 * Output format selection for `-f text|json|csv`.
 * `header` (CSV only) must be written once before the first record, to the same sink.
 */

import type { OutputRecord } from '../ipcdump/event';
import { CSV_HEADER, makeCsvFormatter } from './csv';
import { makeJsonFormatter } from './json';
import { makeTextFormatter } from './text';
import type { FormatOptions } from './text';

export type { FormatOptions, RecordFormatter } from './text';

export const OUTPUT_FORMATS = ['text', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function isOutputFormat(s: string): s is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(s);
}

export interface Formatter {
  header?: string;
  format(rec: OutputRecord): string;
}

export function makeFormatter(format: OutputFormat, opts: FormatOptions): Formatter {
  switch (format) {
    case 'text':
      return { format: makeTextFormatter(opts) };
    case 'json':
      return { format: makeJsonFormatter(opts) };
    case 'csv':
      return { header: CSV_HEADER, format: makeCsvFormatter(opts) };
  }
}
