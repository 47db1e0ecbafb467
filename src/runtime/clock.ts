/**
 * Kernel timestamps are bpf_ktime_get_ns() = CLOCK_MONOTONIC. libuv's hrtime is the same clock,
 * so one (wall, monotonic) pair taken at start converts every event to wall time.
 */
export class MonotonicToWall {
  private readonly offsetNs: bigint;

  constructor() {
    // Take the pair as close together as possible; Date.now() has ms resolution, which is
    // what the wall clock offers to Node without a native call.
    const mono = process.hrtime.bigint();
    const wallNs = BigInt(Date.now()) * 1_000_000n;
    this.offsetNs = wallNs - mono;
  }

  toWallNs(monoNs: bigint): bigint {
    return monoNs + this.offsetNs;
  }

  nowWallNs(): bigint {
    return process.hrtime.bigint() + this.offsetNs;
  }
}
