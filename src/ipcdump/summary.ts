/** STUB (helper-A replaces this): `ipcdump --summary [N]`. */
import type { EventConsumer } from './consumer';
import type { OutputFormat } from '../output/index';
import type { OutputSink } from '../output/sink';

export interface SummaryOptions {
  format: OutputFormat;
  sink: OutputSink;
  /** Also print every N seconds; 0 = only at exit. */
  everySec: number;
}

export function createSummaryConsumer(opts: SummaryOptions): EventConsumer {
  void opts;
  throw new Error('--summary is not implemented yet');
}
