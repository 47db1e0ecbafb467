/** STUB (helper-A replaces this): `ipcdump -r FILE`. */
import type { OutputRecord, IpcType } from '../event';
import type { FilterOptions } from '../filter';
import type { ProcEvent, ProcInfoCache } from '../proc-info';
import type { RecordingMeta } from './format';

export interface ReplayOptions {
  types: ReadonlySet<IpcType>;
  filters: FilterOptions;
  /** -x: keep the recorded bytes (cut to byteLimit); without it events carry no bytes. */
  captureBytes: boolean;
  byteLimit: number;
  /** Filled from the recording's process-info entries before the events that need them. */
  procs: ProcInfoCache;
  onRecord(rec: OutputRecord): void;
  onProc?(ev: ProcEvent): void;
  onBatchEnd?(): void;
}

export interface ReplayStats {
  events: number;
  /** Bytes at the end that did not form a whole entry (a recording cut off by SIGKILL). */
  truncatedBytes: number;
}

export interface Replay {
  meta: RecordingMeta;
  /** Stop early (-c reached, Ctrl-C). */
  stop(): void;
  /** Resolves at the end of the file; rejects with a clear message on a damaged file. */
  done: Promise<ReplayStats>;
}

export async function replayRecording(path: string, opts: ReplayOptions): Promise<Replay> {
  void path;
  void opts;
  throw new Error('-r is not implemented yet');
}
