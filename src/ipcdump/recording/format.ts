/**
 * STUB (helper-A replaces this): the recording file format written by `ipcdump -w` and read by
 * `ipcdump -r`.
 */
import type { IpcType } from '../event';

/** What a recording says about itself, in its header. */
export interface RecordingMeta {
  /** ipcdump version and commit that wrote it (versionString()). */
  writer: string;
  hostname: string;
  kernel: string;
  /** Wall-clock start of the recording, ns since the epoch. */
  startNs: bigint;
  types: IpcType[];
  captureBytes: boolean;
  /** -B in effect; 0 = no limit. */
  byteLimit: number;
  /** The command line that made it. */
  argv: string[];
}
