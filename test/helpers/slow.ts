/**
 * Time limits of the integration tests, scaled for slow machines. Under ../shared/vmtest the
 * guest runs user space 7-20x slower (software emulation), so the VM runner sets
 * IPCDUMP_TEST_SLOW (e.g. 10) and every wait, sleep and per-test timeout grows with it.
 */
export const SLOW = Math.max(1, Number(process.env.IPCDUMP_TEST_SLOW) || 1);

/** `ms` scaled by IPCDUMP_TEST_SLOW. */
export function scaled(ms: number): number {
  return Math.round(ms * SLOW);
}
