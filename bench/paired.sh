#!/usr/bin/env bash
# Paired 3-node benchmark: a 3-node minikv cluster (scripts/minikv cluster start 3: three data
# groups, RF 3, fsync on) and a 3-member etcd 3.4 cluster run side by side on this machine; after
# warm-up, the same wrk workload as bench/cluster.sh (100k preloaded keys, 100-byte values, wrk -t2
# -c64, to the first node/member) goes to each in turn, round after round, so that every minikv
# figure has an etcd figure measured within a minute of it. This VM's speed drifts over minutes by
# more than the gap being measured, which makes ratios of runs taken ten minutes apart unreliable.
# The idle system keeps running meanwhile (heartbeats; a few % of a core).
# Usage: bench/paired.sh [put|get|mix, default put] [rounds, default 5] [duration, default 20s]
# Needs: wrk, etcd, curl, Maven, Java 17.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-put}
rounds=${2:-5}
duration=${3:-20s}
out="$root/bench/out/paired"
rm -rf "$out" && mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"
export CLUSTER_DIR="$out/minikv" PORT_OFFSET=10000
cleanup() {
  "$root/scripts/minikv" cluster stop 2>/dev/null || true
  for f in "$out"/etcd-*.pid; do kill "$(cat "$f")" 2>/dev/null || true; done
}
trap cleanup EXIT

(cd "$root" && mvn -B -q -DskipTests package)
"$root/scripts/minikv" cluster start 3 --auth.enabled=false
initial=""
for i in 1 2 3; do initial="$initial${initial:+,}p$i=http://127.0.0.1:$((12380 + i * 10))"; done
for i in 1 2 3; do
  client="http://127.0.0.1:$((12379 + i * 10))"
  peer="http://127.0.0.1:$((12380 + i * 10))"
  etcd --name "p$i" --data-dir "$out/etcd-$i" --initial-cluster "$initial" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" > "$out/etcd-$i.log" 2>&1 &
  echo $! > "$out/etcd-$i.pid"
done
for i in 1 2 3; do
  until curl -sf "http://127.0.0.1:$((12379 + i * 10))/health" > /dev/null; do sleep 0.1; done
done

declare -A url=([minikv]=http://127.0.0.1:$((8081 + PORT_OFFSET)) [etcd]=http://127.0.0.1:12389)
python3 "$root/bench/preload.py" minikv 127.0.0.1 "${url[minikv]##*:}" 100000
python3 "$root/bench/preload.py" etcd 127.0.0.1 12389 100000
load() { # system workload duration: prints wrk's JSON line
  TARGET=$1 MODE=$2 KEYS=100000 wrk -t2 -c64 -d"$3" -s "$root/bench/lua/kv.lua" "${url[$1]}" | tail -1
}
# Three JVMs on 2 cores compile for minutes (bench/RESULTS.md): 5 min of PUT and GET in turn.
echo "== warm-up (not measured)" >&2
for w in put get put get put get put get put get; do load minikv "$w" 30s > /dev/null; done
load etcd put 60s > /dev/null
for r in $(seq 1 "$rounds"); do
  for system in minikv etcd; do
    load "$system" "$mode" "$duration" \
      | python3 -c "import json, sys; r = json.load(sys.stdin); r.update(system='$system', round=$r); print(json.dumps(r))" \
      | tee -a "$results" >&2
  done
done

echo
echo "| round | minikv-3 ${mode^^} ops/s | p50 ms | p99 ms | etcd-3 ops/s | p50 ms | p99 ms | minikv / etcd |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ratios = []
for n in sorted({r["round"] for r in rows}):
    m, e = (next(r for r in rows if r["round"] == n and r["system"] == s) for s in ("minikv", "etcd"))
    ratios.append(m["ops_per_sec"] / e["ops_per_sec"])
    print(f'| {n} | {m["ops_per_sec"]:,.0f} | {m["p50_ms"]:.2f} | {m["p99_ms"]:.2f} | '
          f'{e["ops_per_sec"]:,.0f} | {e["p50_ms"]:.2f} | {e["p99_ms"]:.2f} | {ratios[-1]:.2f}x |')
errors = sum(r["non2xx"] + r["socket_errors"] for r in rows)
print(f"\nmedian ratio {statistics.median(ratios):.2f}x, range {min(ratios):.2f}-{max(ratios):.2f}x; "
      f"errors {errors}")
PY
