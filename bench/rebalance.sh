#!/usr/bin/env bash
# Replica moves under load: a 3-node cluster (defaults: three data groups, RF 3, fsync on) with N
# preloaded keys (100-byte values) takes a steady PUT load (wrk -t2 -c16, bench/lua/kv.lua); a 4th
# node joins and the shard manager moves replicas to it (learner, catch-up, voter swap, old replica
# deleted), one at a time. Reports PUT ops/s and errors before and during the moves, the time from
# starting node 4 until the cluster is balanced, each move's duration from the coordinator's log,
# and the size of the moved replicas.
# Usage: bench/rebalance.sh [keys, default 1000000] [load duration, default 120s] [move rate, e.g.
#        4MiB: [cluster] move_rate of every node, default the configured default]
# Needs: wrk, curl, jq, python3, Java 17, Maven.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keys=${1:-1000000}
duration=${2:-120s}
if [ -n "${3:-}" ]; then export MINIKV_CLUSTER_MOVE_RATE=$3; fi
out="$root/bench/out/rebalance"
lua="$root/bench/lua/kv.lua"
rm -rf "$out" && mkdir -p "$out"
export CLUSTER_DIR="$out/minikv" PORT_OFFSET=10000
trap '"$root/scripts/minikv" cluster stop 2>/dev/null || true' EXIT
(cd "$root" && mvn -B -q -DskipTests package)

url() { echo "http://127.0.0.1:$((8080 + $1 + PORT_OFFSET))"; }
"$root/scripts/minikv" cluster start 3 --auth.enabled=false
python3 "$root/bench/preload.py" minikv 127.0.0.1 $((8081 + PORT_OFFSET)) "$keys"
load() { # duration
  TARGET=minikv MODE=put KEYS="$keys" wrk -t2 -c16 -d"$1" -s "$lua" "$(url 1)" | tail -1
}
load 20s > "$out/before.json"
echo "before: $(cat "$out/before.json")" >&2
load "$duration" > "$out/during.json" &
wrk_pid=$!
sleep 5
start=$(date +%s%3N)
"$root/scripts/minikv" cluster node 4 4 --auth.enabled=false
balanced=""
for _ in $(seq 1 6000); do
  view=$(curl -s "$(url 1)/admin/cluster")
  if [ "$(echo "$view" | jq '[.nodes[] | select(.id=="node-4") | .replicas][0]')" -ge 2 ] &&
     [ "$(echo "$view" | jq -r .shard_manager)" = idle ]; then
    balanced=$(( $(date +%s%3N) - start )); break
  fi
  sleep 0.1
done
wait "$wrk_pid"
echo "during: $(cat "$out/during.json")" >&2
sizes=$(curl -s "$(url 4)/metrics" | grep '^minikv_engine_bytes' | awk '$2 > 0 {printf "%.1f MB ", $2/1e6}')

echo
echo "keys: $keys; node 4 started → balanced (node-4 holds ≥ 2 replicas, shard manager idle): ${balanced:-not within 600 s} ms"
echo "replicas on node 4 (engine bytes): $sizes"
echo "snapshot copies on node 4 (log): $(grep -o 'copied snapshot .*' "$CLUSTER_DIR/node-4.log" | tr '\n' ';')"
echo "move rate: ${MINIKV_CLUSTER_MOVE_RATE:-default}"
echo
echo "| PUT load (wrk -t2 -c16) | ops/s | p50 ms | p99 ms | errors |"
echo "|---|---:|---:|---:|---:|"
python3 - "$out/before.json" "$out/during.json" "$duration" <<'PY'
import json, sys
labels = ["before (20 s)", f"during the moves ({sys.argv[3]}, from 5 s before node 4 starts)"]
for label, path in zip(labels, sys.argv[1:3]):
    r = json.load(open(path))
    print(f'| {label} | {r["ops_per_sec"]:,.0f} | {r["p50_ms"]:.2f} | {r["p99_ms"]:.2f} | {r["non2xx"] + r["socket_errors"]} |')
PY
echo
echo "moves (coordinator log, node-1):"
python3 - "$CLUSTER_DIR/node-1.log" <<'PY'
import re, sys, datetime
started = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"(\d\d:\d\d:\d\d\.\d\d\d)\S* .*ShardManager - (moving|moved) group (\S+) from (\S+) to (\S+)", line)
    if not m:
        continue
    t = datetime.datetime.strptime(m.group(1), "%H:%M:%S.%f")
    key = (m.group(3), m.group(4), m.group(5))
    if m.group(2) == "moving":
        started[key] = t
    elif key in started:
        print(f"- group {key[0][:8]} {key[1]} → {key[2]}: {(t - started.pop(key)).total_seconds():.1f} s")
PY
