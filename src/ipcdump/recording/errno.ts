/** One-line reasons for file errors, shared by the recording's writer and reader. */

/** "ENOSPC: no space left on device, write" -> "no space left on device". */
export function errnoReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(msg);
  return m ? m[1] : msg;
}
