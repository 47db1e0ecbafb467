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
# One runner invocation so there is a single summary; files run one at a time because the
# integration tests trace the whole machine and would see each other's traffic.
exec node --test --test-concurrency=1 --test-reporter=spec dist/test/unit/ dist/test/integration/
