#!/usr/bin/env bash
# Runs the kernel-dependent integration suites under stock Debian kernels in QEMU (root; after
# scripts/setup.sh). Usage: scripts/vm-test.sh [KERNEL_SPEC...]
#   KERNEL_SPEC as for ../shared/vmtest/vm-kernels.sh; default: 5.10, 6.1, 6.12 and 7.x
#   VM_SUITES="dist/test/integration/ipftrace-cli.test.js ..." limits the suites;
#   VM_TEST_ARGS="--test-name-pattern=TCP" is passed to node --test.
# Prints a kernel x suite table (passed/total) and writes it to build/vm-results/results.md.
set -uo pipefail
cd "$(dirname "$0")/.."
VMTEST=${VMTEST:-$(realpath ../shared/vmtest)}
specs=("$@")
[ ${#specs[@]} -gt 0 ] || specs=(bullseye:linux-image-amd64 linux-image-amd64 linux-image-6.12-amd64 trixie-backports:linux-image-amd64)
mapfile -t kernels < <("$VMTEST/vm-kernels.sh" "${specs[@]}") || exit 1
res=build/vm-results
rm -rf "$res" && mkdir -p "$res"
for k in "${kernels[@]}"; do
  echo "vm-test: $(basename "$k")" >&2
  # One vCPU: with two, live text patching under software emulation oopsed a 6.12 guest.
  VM_SUITES="${VM_SUITES:-}" VM_TEST_ARGS="${VM_TEST_ARGS:-}" "$VMTEST/run-in-vm.sh" -x -c 1 -m 4G -t "${VMTEST_TIMEOUT:-2400}" -w "$PWD/$res" "$k" \
    test/vm/guest-run.sh "$PWD/$res" >"$res/$(basename "$k").console" 2>&1 || echo "vm-test: $(basename "$k") exited $?" >&2
done
node scripts/vm-results.js "$res" | tee "$res/results.md"
