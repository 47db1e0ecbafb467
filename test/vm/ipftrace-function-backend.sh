#!/bin/sh
# ipftrace's function backend under a stock kernel (kprobes work there; not on our machines):
#   ../shared/vmtest/run-in-vm.sh -t 400 -x <vmlinuz> test/vm/ipftrace-function-backend.sh
# Builds nothing: run it after scripts/setup.sh on the host. Exits non-zero when the ping's
# request journey lacks the IP-layer functions or the tracepoints, or a hop shows up twice.
set -u
cd "$(dirname "$0")/../.."
ip link set lo up 2>/dev/null
out=$(mktemp) err=$(mktemp)
echo "kernel $(uname -r)"
node dist/src/cli/ipftrace.js -p icmp -d 127.0.0.1 --format json >"$out" 2>"$err" &
pid=$!
i=0
while ! grep -q "Trace ready" "$err" && [ $i -lt 180 ]; do sleep 1; i=$((i + 1)); done
cat "$err"
ping -c1 127.0.0.1 >/dev/null
sleep 4
kill -INT $pid
wait $pid
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean);
const traces = lines.map((l) => JSON.parse(l));
for (const t of traces) console.log(t.end, t.events.map((e) => e.hook).join(" "));
const req = traces.find((t) => t.events.some((e) => e.icmpType === 8) && t.end === "consumed");
const want = ["ip_output", "net_dev_queue", "dev_hard_start_xmit", "net_dev_start_xmit", "netif_rx", "ip_rcv", "icmp_rcv", "consume_skb"];
const hooks = req ? req.events.map((e) => e.hook) : [];
let i = 0;
for (const h of hooks) if (h === want[i]) i++;
const dup = hooks.some((h, k) => k > 0 && h === hooks[k - 1] && h === "consume_skb");
if (!req || i < want.length || dup) { console.error("FAIL: request journey", hooks.join(" ")); process.exit(1); }
if (traces.some((t) => t.end === "idle")) { console.error("FAIL: free-path hops started new packets"); process.exit(1); }
console.log("OK: function backend journey", want.join(" > "));
' "$out"
