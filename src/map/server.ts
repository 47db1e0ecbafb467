/** STUB (helper-B replaces this): `ipcdump --map [PORT]`. */
import type { EventConsumer } from '../ipcdump/consumer';
import type { IpcType } from '../ipcdump/event';
import type { ProcInfoCache } from '../ipcdump/proc-info';

export interface MapServerOptions {
  /** 0 = any free port. Always bound to 127.0.0.1. */
  port: number;
  procs: ProcInfoCache;
  types: ReadonlySet<IpcType>;
  /** Events carry bytes (-x): the page offers a hex view. */
  captureBytes: boolean;
  /** 'live' or the recording's path (shown in the page title). */
  source: string;
}

export interface MapServer extends EventConsumer {
  /** http://127.0.0.1:PORT/?token=... */
  url: string;
}

export async function startMapServer(opts: MapServerOptions): Promise<MapServer> {
  void opts;
  throw new Error('--map is not implemented yet');
}
