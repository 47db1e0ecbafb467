/**
 * Error types the CLI turns into exit codes, and the single place that prints them.
 *
 * Why: the original printed ad-hoc messages and sometimes Go panics; users of a tracer want one
 * greppable line on stderr (`ipcdump: <message>`) and a meaningful exit status, never a JS stack
 * trace (which would also leak internal paths). Stacks are available with IPCDUMP_DEBUG=1.
 */

import * as fs from 'node:fs';

/** Bad command line (unknown flag, bad value, ...). Exit code 2, like Go's `flag` package. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Anything that stops ipcdump after the command line was accepted (setup failure, I/O error). Exit code 1. */
export class FatalError extends Error {
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalError';
  }
}

/** What exitWithError would print and return; split out so it can be unit-tested without exiting. */
export interface ErrorReport {
  /** Exactly one line, no trailing newline, prefixed with `ipcdump: `. */
  line: string;
  exitCode: number;
  /** Stack trace, only when IPCDUMP_DEBUG=1 and one is available. */
  stack?: string;
}

/** Collapse a message to one line: multi-line messages would break the "one line on stderr" promise. */
function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

let programName = 'ipcdump';
/** The prefix of error lines (each command sets its own name). */
export function setProgramName(name: string): void {
  programName = name;
  guardStdout();
}

/**
 * `--help`, `--doctor`, `-ls` and the like write through process.stdout; when its reader goes
 * away (`ipcdump --doctor | head`) Node would throw an unhandled EPIPE with a stack. Exit
 * quietly instead, as a pipeline expects. (Traces write through OutputSink, which handles
 * EPIPE itself and never touches process.stdout.)
 */
function guardStdout(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ECONNRESET') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    exitWithError(err);
  });
}

export function describeError(err: unknown, env: NodeJS.ProcessEnv = process.env): ErrorReport {
  const debug = env.IPCDUMP_DEBUG === '1';
  let message: string;
  let exitCode = 1;
  let stack: string | undefined;
  if (err instanceof UsageError || err instanceof FatalError) {
    message = err.message;
    exitCode = err.exitCode;
    stack = err.stack;
  } else if (err instanceof Error) {
    // An unexpected Error (bug, or a system error that escaped a wrapper): its message is still
    // the most useful thing we have (e.g. "EACCES: permission denied, open '/x'").
    message = err.message || err.name || 'unexpected error';
    stack = err.stack;
  } else {
    message = 'unexpected internal error (run with IPCDUMP_DEBUG=1 for details)';
    stack = debug ? `thrown value: ${safeString(err)}` : undefined;
  }
  const line = `${programName}: ${oneLine(message) || 'error'}`;
  return debug && stack ? { line, exitCode, stack } : { line, exitCode };
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '[unprintable value]';
  }
}

/**
 * Print the error as `ipcdump: <message>` on stderr and exit with its code (2 usage, 1 otherwise).
 * Uses a synchronous write so the message is not lost by process.exit().
 */
export function exitWithError(err: unknown): never {
  const report = describeError(err);
  let text = report.line + '\n';
  if (report.stack) text += report.stack + '\n';
  try {
    fs.writeSync(2, text);
  } catch {
    // stderr is gone; nothing else we can do.
  }
  process.exit(report.exitCode);
}
