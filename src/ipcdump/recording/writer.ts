/** STUB (helper-A replaces this): `ipcdump -w FILE`. */
import type { EventConsumer } from '../consumer';
import type { ProcInfoCache } from '../proc-info';
import type { RecordingMeta } from './format';

export interface RecordingWriterOptions {
  meta: RecordingMeta;
  /** Process info written at the first sight of each pid (ppid, cgroup) for grouping on replay. */
  procs: ProcInfoCache;
}

export async function openRecordingWriter(path: string, opts: RecordingWriterOptions): Promise<EventConsumer> {
  void path;
  void opts;
  throw new Error('-w is not implemented yet');
}
