#!/usr/bin/env bash
# KV benchmark: a single minikv node per engine beside a single-member etcd 3.4 (Debian's
# etcd-server, its v3 JSON gateway), same machine, same wrk workloads:
#   preload 100k keys (bench/preload.py), then PUT, GET and a 90/10 GET/PUT mix, 100-byte values, wrk -t2 -c64, 30 s each.
# Usage: bench/run.sh [duration, default 30s] [engines, default "rocksdb xodus memory"]
# Needs: wrk, etcd (apt-get install wrk etcd-server), Java 17, Maven.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-30s}
engines=${2:-"rocksdb xodus memory"}
out="$root/bench/out"
lua="$root/bench/lua/kv.lua"
rm -rf "$out" && mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"

(cd "$root" && mvn -B -q -DskipTests package)

wait_http() { # url
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
    sleep 0.1
  done
  echo "not ready: $1" >&2; return 1
}

drive() { # target label port
  local target=$1 label=$2 port=$3 url=http://127.0.0.1:$3
  echo "== $label: preload 100000 keys" >&2
  python3 "$root/bench/preload.py" "$target" 127.0.0.1 "$port" 100000
  for mode in put get mix; do
    echo "== $label: $mode for $duration" >&2
    TARGET=$target MODE=$mode KEYS=100000 wrk -t2 -c64 -d"$duration" -s "$lua" "$url" \
      | tail -1 | sed "s/^{/{\"label\":\"$label\",/" | tee -a "$results" >&2
  done
}

for engine in $engines; do
  # Through scripts/minikv, so the node runs with the JVM settings users get.
  "$root/scripts/minikv" server \
    --node.data_dir="$out/minikv-$engine" --http.port=18080 --raft.port=19870 \
    --s3.port=19000 --storage.engine="$engine" --auth.enabled=false > "$out/minikv-$engine.log" 2>&1 &
  pid=$!
  wait_http http://127.0.0.1:18080/health/ready
  drive minikv "minikv-$engine" 18080
  kill -TERM $pid; wait $pid || true
done

etcd --name bench --data-dir "$out/etcd" \
  --listen-client-urls http://127.0.0.1:12379 --advertise-client-urls http://127.0.0.1:12379 \
  --listen-peer-urls http://127.0.0.1:12380 --initial-advertise-peer-urls http://127.0.0.1:12380 \
  --initial-cluster bench=http://127.0.0.1:12380 > "$out/etcd.log" 2>&1 &
epid=$!
wait_http http://127.0.0.1:12379/health
drive etcd etcd-3.4 12379
kill -TERM $epid; wait $epid || true

echo
echo "| system | workload | ops/s | p50 ms | p99 ms | errors | vs etcd |"
echo "|---|---|---:|---:|---:|---:|---:|"
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
etcd = {r["mode"]: r for r in rows if r["label"].startswith("etcd")}
for r in rows:
    ratio = r["ops_per_sec"] / etcd[r["mode"]]["ops_per_sec"] if r["mode"] in etcd else 0
    print(f'| {r["label"]} | {r["mode"].upper()} | {r["ops_per_sec"]:,.0f} | {r["p50_ms"]:.2f} | {r["p99_ms"]:.2f} | {r["non2xx"] + r["socket_errors"]} | {ratio:.1f}x |')
PY
