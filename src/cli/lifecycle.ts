/**
 * How a tracing command ends, shared by ipcdump, ebpftracer and ipftrace: on Ctrl-C, SIGTERM
 * or SIGHUP, when the reader of our output goes away (EPIPE), on an output error, or when the
 * command decides it is done (-c). Each path stops the tracer once (which detaches and
 * drains), closes the sink and exits with the right code.
 */
import type { OutputSink } from '../output/sink';

export interface LifecycleOptions {
  program: string;
  sink: OutputSink;
  /** Detach and drain; may write final output to the sink. */
  stop(): Promise<void>;
  /** After the sink is closed, before exit (a closing line on the terminal). */
  after?(): void;
}

/** Installs the handlers; returns `finish(code)` for the command's own reasons to stop. */
export function installLifecycle(o: LifecycleOptions): (code: number) => Promise<void> {
  let finishing = false;
  const finish = async (code: number): Promise<void> => {
    if (finishing) return;
    finishing = true;
    try {
      await o.stop();
    } catch (err) {
      process.stderr.write(`${o.program}: while stopping: ${(err as Error).message.split('\n')[0]}\n`);
      code = code || 1;
    } finally {
      o.sink.close();
      o.after?.();
      process.exit(code);
    }
  };
  o.sink.on('epipe', () => void finish(0));
  o.sink.on('error', (err: Error) => {
    process.stderr.write(`${o.program}: ${err.message}\n`);
    void finish(1);
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void finish(0));
  return finish;
}
