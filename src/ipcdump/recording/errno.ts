/** One-line reasons for file errors, shared by the recording's writer and reader. */

/** "ENOSPC: no space left on device, write" -> "no space left on device". */
export function errnoReason(err: unknown): string {
  // Node's own wording for EISDIR ("illegal operation on a directory") reads like a bug
  if ((err as NodeJS.ErrnoException)?.code === 'EISDIR') return 'it is a directory';
  const msg = err instanceof Error ? err.message : String(err);
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(msg);
  return m ? m[1] : msg;
}
