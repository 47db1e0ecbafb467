#!/usr/bin/env bash
# The kernel matrix: runs the kernel-dependent integration suites under stock Debian kernels in
# QEMU (software emulation), and optionally on the host kernel, then prints a kernel x suite
# table. Root; after scripts/setup.sh (which builds everything on the host: the guests only run).
#
# Usage: scripts/vm-test.sh [KERNEL...]
#   KERNEL: host | 5.10 | 6.1 | 6.12 | 7 | an apt spec as for scripts/vmtest/vm-kernels.sh
#           ([SUITE:]META, e.g. trixie-backports:linux-image-amd64); default: all five.
# Environment:
#   VM_JOBS=N         kernels run N at a time (default 1; each guest has one vCPU)
#   VM_SUITES="dist/test/integration/ipftrace-cli.test.js ..."  limits the suites
#   VM_TEST_ARGS="--test-name-pattern=TCP"  passed to node --test (no spaces inside)
#   VMTEST_TIMEOUT=SECS  per kernel (default 4200)
#   VM_SUITE_TIMEOUT=SECS  per suite inside the guest (default 1800)
# Writes build/vm-results/<kernel release>/<suite>.tap and build/vm-results/results.md.
# Exit status 0 only when every suite passed under every kernel.
set -uo pipefail
cd "$(dirname "$0")/.."
VMTEST=${VMTEST:-$PWD/scripts/vmtest}
res=build/vm-results

specs=()
for a in "${@:-host 5.10 6.1 6.12 7}"; do
  for s in $a; do
    case $s in
    5.10) specs+=(bullseye:linux-image-amd64) ;;
    6.1) specs+=(linux-image-amd64) ;;
    6.12) specs+=(linux-image-6.12-amd64) ;;
    7 | 7.x) specs+=(trixie-backports:linux-image-amd64) ;;
    *) specs+=("$s") ;;
    esac
  done
done

host=0
vmspecs=()
for s in "${specs[@]}"; do
  if [ "$s" = host ]; then host=1; else vmspecs+=("$s"); fi
done
kernels=()
if [ ${#vmspecs[@]} -gt 0 ]; then
  mapfile -t kernels < <("$VMTEST/vm-kernels.sh" "${vmspecs[@]}")
  [ ${#kernels[@]} -eq ${#vmspecs[@]} ] || { echo "vm-test: could not fetch every kernel (${vmspecs[*]})" >&2; exit 1; }
fi
rm -rf "$res" && mkdir -p "$res"

run_kernel() {
  local k=$1 name start
  name=$(basename "$k")
  start=$(date +%s)
  echo "vm-test: $name: started" >&2
  # One vCPU: with two, live text patching under software emulation oopsed a 6.12 guest.
  VM_SUITES="${VM_SUITES:-}" VM_TEST_ARGS="${VM_TEST_ARGS:-}" VM_SUITE_TIMEOUT="${VM_SUITE_TIMEOUT:-}" "$VMTEST/run-in-vm.sh" -x -c 1 -m 3G -t "${VMTEST_TIMEOUT:-4200}" -w "$PWD/$res" "$k" \
    test/vm/guest-run.sh "$PWD/$res" >"$res/$name.console" 2>&1
  echo "vm-test: $name: exit $? after $(( $(date +%s) - start )) s" >&2
}

if [ $host = 1 ]; then
  echo "vm-test: host $(uname -r): started" >&2
  start=$(date +%s)
  IPCDUMP_TEST_SLOW=1 test/vm/guest-run.sh "$PWD/$res" >"$res/host.console" 2>&1
  echo "vm-test: host $(uname -r): done after $(( $(date +%s) - start )) s" >&2
fi
for k in "${kernels[@]}"; do
  run_kernel "$k" &
  while [ "$(jobs -rp | wc -l)" -ge "${VM_JOBS:-1}" ]; do wait -n; done
done
wait
node scripts/vm-results.js "$res" | tee "$res/results.md"
