/**
 * The event model every ipcdump collector produces and every output format consumes.
 * It mirrors guardicore/ipcdump's IpcEvent (src, dst, type, timestamp, ordered metadata,
 * optional bytes) so the text/JSON/CSV layouts stay compatible with the original.
 */

/** Type names as printed in output. Names match the original tool. */
export type IpcType =
  | 'signal'
  | 'pipe'
  | 'unix-stream'
  | 'unix-dgram'
  | 'unix-seqpacket'
  | 'pty'
  | 'loopback-tcp'
  | 'loopback-udp';

/** One side of an IPC exchange. pid -1 means unknown (printed as `<unknown>`). */
export interface Endpoint {
  pid: number;
  comm: string;
}

/** Ordered (key, value) metadata; order is part of the output format. */
export type Metadata = ReadonlyArray<readonly [string, string | number]>;

export interface IpcEvent {
  type: IpcType;
  src: Endpoint;
  dst: Endpoint;
  /** Wall-clock time of the event in nanoseconds since the Unix epoch. */
  timeNs: bigint;
  metadata: Metadata;
  /** Captured bytes (only with -x); already capped by -B. */
  bytes?: Buffer;
}

/** Reported when the kernel could not hand over events of one type (ring buffer full). */
export interface LostRecord {
  lostType: IpcType;
  count: number;
  timeNs: bigint;
}

export type OutputRecord = { kind: 'event'; event: IpcEvent } | { kind: 'lost'; lost: LostRecord };

export const UNKNOWN_PID = -1;
export const UNKNOWN_COMM = '<unknown>';
