#!/usr/bin/env bash
# Runs the whole test suite: unit tests, then integration tests that load the real BPF
# objects into the live kernel (root required). Assumes scripts/setup.sh has run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "test: run as root: the integration tests load BPF programs" >&2
  exit 1
fi
npx tsc -p tsconfig.json
# Files run one at a time because the integration tests trace the whole machine and would
# see each other's traffic. --test-force-exit: a file whose test failed half-way and left a
# child behind still ends when its tests have (the helpers kill their children at exit).
status=0
# test/e2e: whole-product tests on the host only (a real browser on the --map page, the
# install packages); the VM kernel matrix runs test/integration alone.
e2e=()
[ -d dist/test/e2e ] && e2e=(dist/test/e2e/)
node --test --test-force-exit --test-concurrency=1 --test-reporter=spec dist/test/unit/ dist/test/integration/ "${e2e[@]}" || status=1
# The build for kernels before 5.17 (bpf/include/legacy.h) loads here too: run the suites that
# exercise its replaced loops and task reads with it (the VM matrix runs it on a real 5.10).
echo "== again with the legacy BPF objects (IPCDUMP_BPF_BUILD=legacy)"
IPCDUMP_BPF_BUILD=legacy node --test --test-force-exit --test-concurrency=1 --test-reporter=spec \
  dist/test/integration/ipcdump-pipe.test.js dist/test/integration/ipcdump-unix.test.js \
  dist/test/integration/ipcdump-loopback.test.js dist/test/integration/ebpftracer-cli.test.js \
  dist/test/integration/ebpftracer-api.test.js || status=1
# ipcdump's build for 5.17 .. 6.1 (no bpf_rdonly_cast, bpf/fdfile.h) loads here too: run the
# suites whose fd lookups it replaces (the VM matrix runs it on a real 6.1).
echo "== again with ipcdump's nocast BPF object (IPCDUMP_BPF_BUILD=nocast)"
IPCDUMP_BPF_BUILD=nocast node --test --test-force-exit --test-concurrency=1 --test-reporter=spec \
  dist/test/integration/ipcdump-pipe.test.js dist/test/integration/ipcdump-unix.test.js \
  dist/test/integration/ipcdump-loopback.test.js dist/test/integration/ipcdump-pty.test.js || status=1
exit $status
