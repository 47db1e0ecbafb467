#!/usr/bin/env bash
# The benchmark suite (root): builds everything (scripts/setup.sh), installs the peers it
# compares against (bpftrace, strace), then runs bench/run.ts. Options: --runs N (default 5),
# --scale F (fraction of the default work, e.g. 0.2 for a quick look), --only pingpong,signals
# (substrings of the workload binaries: pingpong, signals, devnull, unixbulk, tcprr, files, udp).
# --only maxrate runs only the maximum-sustained-rate search (options: bench/maxrate.ts); a run
# without --only runs every workload and then that search.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
for p in bpftrace strace util-linux; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
  }
done
exec node dist/bench/run.js "$@"
