#!/bin/sh
# ipcdump's syscall hooks against its function hooks (IPCDUMP_HOOKS=function) on a kernel that
# allows fentry: run inside a scripts/vmtest guest (our machines refuse fentry), e.g.
#   k=$(scripts/vmtest/vm-kernels.sh trixie-backports:linux-image-amd64)
#   scripts/vmtest/run-in-vm.sh -x -c 1 -m 3G -t 1800 -w "$PWD/build/vm-bench" "$k" bench/vm-hooks.sh "$PWD/build/vm-bench"
# Prints one line per run: mode, workload, seconds (the workload's own timing), and for the
# ping-pong the pipe events ipcdump printed (expected: 2 x N_PINGPONG). The guest is
# software-emulated: read the ratios between modes of one run, not the absolute times.
# Assumes the host built everything (npm run build) and the bench workloads (bench/run.sh or
# node -e "require('./dist/bench/common.js').buildWorkloads()").
set -u
out="$1"; mkdir -p "$out"
cd "$(dirname "$0")/.."
ip link set lo up 2>/dev/null
B=bench/.build
N_DEVNULL=${N_DEVNULL:-200000}
N_PINGPONG=${N_PINGPONG:-20000}
start() { # $1 = syscall|function, $2 = output file
  rm -f "$out/ipcdump.err"
  IPCDUMP_HOOKS=$1 node dist/src/cli/ipcdump.js -t k -t p >"$2" 2>"$out/ipcdump.err" &
  pid=$!
  i=0; until grep -q "Ctrl-C" "$out/ipcdump.err" 2>/dev/null; do kill -0 "$pid" 2>/dev/null || { cat "$out/ipcdump.err" >&2; exit 1; }; sleep 0.5; i=$((i + 1)); [ $i -gt 600 ] && break; done
}
stop() { kill -INT "$pid"; wait "$pid"; }
node dist/src/cli/ipcdump.js --doctor 2>&1 | grep -E "^(Data|Function|Backup)" >"$out/doctor.txt"
IPCDUMP_HOOKS=function node dist/src/cli/ipcdump.js --doctor 2>&1 | grep -E "^(Data|Backup)|  (ok|FAIL) " >>"$out/doctor.txt"
for r in 1 2 3; do
  for mode in untraced syscall function; do
    o="$out/$mode-$r.txt"; rm -f "$o"
    [ $mode = untraced ] || start $mode "$o"
    echo "$mode devnull $($B/bench_devnull "$N_DEVNULL")"
    echo "$mode pingpong $($B/bench_pingpong "$N_PINGPONG")"
    [ $mode = untraced ] || { stop; echo "$mode pingpong-events $(grep -c ' pipe .*(bench_pingpong) > .*(bench_pingpong)' "$o")"; rm -f "$o"; }
  done
done | tee "$out/runs.txt"
