#!/bin/sh
# Runs inside a ../shared/vmtest guest (see scripts/vm-test.sh): the integration suites, one
# TAP file per suite, into $1/<kernel release>/.
set -u
out="$1/$(uname -r)"
mkdir -p "$out"
cd "$(dirname "$0")/../.."
ip link set lo up 2>/dev/null
# The guest's modules live in the vmtest kernel cache, not under the host's /lib/modules.
kdir="${VMTEST_KCACHE:-/var/cache/vmtest-kernels}/$(uname -r)"
for m in veth sch_tbf; do modprobe -q -d "$kdir" "$m" 2>/dev/null || true; done
export IPCDUMP_TEST_SLOW="${IPCDUMP_TEST_SLOW:-10}"
# What each tool chose on this kernel, kept next to the results.
for t in ipcdump ebpftracer ipftrace; do echo "\$ $t --doctor"; node "dist/src/cli/$t.js" --doctor 2>&1 | head -60; echo; done >"$out/doctor.txt"
# Each suite has a time limit of its own (the slowest, ipftrace-cli, takes about 11 minutes
# under 7.3 here with one other guest, 20 with three, and half as long again on slower
# hosts), so a suite that hangs costs that
# suite, not every suite after it; what was running and what the kernel said go into its
# TAP file.
limit="${VM_SUITE_TIMEOUT:-1800}"
for f in ${VM_SUITES:-dist/test/integration/*.test.js}; do
  name=$(basename "$f" .test.js)
  start=$(date +%s)
  timeout -k 10 "$limit" node --test --test-force-exit --test-concurrency=1 --test-reporter=tap ${VM_TEST_ARGS:-} "$f" >"$out/$name.tap" 2>&1
  rc=$?
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    { echo "# timed out after $limit s; processes still running:"; ps -eo pid,ppid,stat,etimes,args | sed 's/^/#   /'
      echo "# kernel log, last 40 lines:"; dmesg | tail -40 | sed 's/^/#   /'
      pkill -KILL -f 'dist/src/cli/' 2>/dev/null; } >>"$out/$name.tap"
  fi
  echo "# exit=$rc seconds=$(( $(date +%s) - start ))" >>"$out/$name.tap"
done
