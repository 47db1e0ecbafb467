/**
 * Where ipcdump's events go once decoded and filtered. The CLI fans one source (a live
 * IpcTrace or a recording being replayed) out to any mix of consumers: the printed stream,
 * a recording (-w), the top-talkers summary (--summary) and the live map (--map).
 *
 * Consumers are called on the hot path: `record` must not allocate per event beyond what its
 * output needs, and anything slow (sockets, files) must batch and flush in `batchEnd`.
 */
import type { OutputRecord } from './event';
import type { ProcEvent } from './proc-info';

export interface EventConsumer {
  /** One record that passed the filters, in the order the source delivers them. */
  record(rec: OutputRecord): void;
  /** A process forked, was renamed or exited (live: from the kernel; replay: from the file). */
  procEvent?(ev: ProcEvent): void;
  /** The end of a batch of records: a good moment to flush. */
  batchEnd?(): void;
  /**
   * The source has stopped (Ctrl-C, -c reached, end of a recording): write final output (the
   * summary at exit), close files and servers. Called once.
   */
  close(): Promise<void>;
}
