#!/usr/bin/env bash
# 3-node benchmark: a 3-node minikv cluster (scripts/minikv cluster start 3: three Raft data groups,
# RF 3, one led by each node, fsync on), the same with one data group (--cluster.data_groups=1),
# beside a 3-member etcd 3.4 cluster (Debian's etcd-server),
# same machine, same wrk workloads as bench/run.sh (100k preloaded keys, 100-byte values, wrk -t2
# -c64, PUT, GET, 90/10 MIX) sent to the first node/member after an unmeasured PUT warm-up (the
# JVMs' JIT needs minutes); then for each system, three times, the time from kill -9 of the (first
# group's) leader until writes through another node succeed in every group (bench/failover.py).
# Usage: bench/cluster.sh [duration, default 30s] [warm-up, default 90s] [longest warm-up in s, default 360]
# Needs: wrk, etcd, curl, jq, bc, python3, Java 17 (jstat), Maven.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${1:-30s}
warmup=${2:-90s}
warmup_max=${3:-360}
out="$root/bench/out/cluster"
lua="$root/bench/lua/kv.lua"
rm -rf "$out" && mkdir -p "$out"
results="$out/results.jsonl"
failover="$out/failover.txt"
: > "$results"; : > "$failover"
export CLUSTER_DIR="$out/minikv" PORT_OFFSET=10000
epids=()
cleanup() {
  "$root/scripts/minikv" cluster stop 2>/dev/null || true
  kill "${epids[@]}" 2>/dev/null || true
}
trap cleanup EXIT

(cd "$root" && mvn -B -q -DskipTests package)

# Seconds the HotSpot compilers of the given JVMs have spent so far (jstat -compiler, summed).
jit_seconds() {
  local total=0 p
  for p in "$@"; do
    total=$(echo "$total + $(jstat -compiler "$p" | awk 'NR == 2 { print $4 }')" | bc)
  done
  echo "$total"
}

# CPU counters of the whole VM (/proc/stat: busy and steal jiffies, total).
cpu_counters() { awk '/^cpu / { print $2+$3+$4+$7+$8, $9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }

drive() { # target label port [JVM pids whose JIT must settle before measuring]
  local target=$1 label=$2 url=http://127.0.0.1:$3
  shift 3
  echo "== $label: preload 100000 keys" >&2
  python3 "$root/bench/preload.py" "$target" 127.0.0.1 "${url##*:}" 100000
  # Unmeasured load: PUT for $warmup, then (for JVMs) 30 s GET and PUT rounds in turn until their
  # compilers spent under 3 s in the last round, at most $warmup_max: three JVMs on 2 cores compile
  # for minutes.
  echo "== $label: warm-up, PUT for $warmup (not measured)" >&2
  TARGET=$target MODE=put KEYS=100000 wrk -t2 -c64 -d"$warmup" -s "$lua" "$url" > /dev/null
  local waited=${warmup%s} before after
  local round=0
  while [ $# -gt 0 ] && [ "$waited" -lt "$warmup_max" ]; do
    before=$(jit_seconds "$@")
    round=$((round + 1)) # PUT and GET rounds in turn, so both paths are compiled
    TARGET=$target MODE=$([ $((round % 2)) = 1 ] && echo get || echo put) KEYS=100000 \
      wrk -t2 -c64 -d30s -s "$lua" "$url" > /dev/null
    after=$(jit_seconds "$@")
    waited=$((waited + 30))
    echo "   JIT: $(echo "$after - $before" | bc) s of compiling in the last 30 s" >&2
    [ "$(echo "$after - $before < 3" | bc)" = 1 ] && break
  done
  echo "   warm-up: ${waited} s" >&2
  for mode in put get mix; do
    echo "== $label: $mode for $duration" >&2
    local c0 c1
    c0=$(cpu_counters)
    TARGET=$target MODE=$mode KEYS=100000 wrk -t2 -c64 -d"$duration" -s "$lua" "$url" \
      | tail -1 > "$out/last.json"
    c1=$(cpu_counters)
    python3 - "$label" "$waited" "$c0" "$c1" "$out/last.json" <<'PY' | tee -a "$results" >&2
import json, sys
row = json.loads(open(sys.argv[5]).read())
b0, s0, t0 = map(int, sys.argv[3].split()); b1, s1, t1 = map(int, sys.argv[4].split())
row.update(label=sys.argv[1], warmup_s=int(sys.argv[2]),
           busy_pct=round(100 * (b1 - b0) / (t1 - t0)), steal_pct=round(100 * (s1 - s0) / (t1 - t0)))
print(json.dumps(row))
PY
  done
}

# --- minikv, 3 nodes
"$root/scripts/minikv" cluster start 3 --auth.enabled=false
m() { echo $((8080 + $1 + PORT_OFFSET)); }
drive minikv minikv-3 "$(m 1)" $(cat "$CLUSTER_DIR"/node-*.pid)
for round in 1 2 3; do
  leader=""
  for _ in $(seq 1 100); do # a restarted node may be taking its group back (priority)
    for i in 1 2 3; do
      if [ "$(curl -s "http://127.0.0.1:$(m "$i")/admin/cluster" | jq -r '.groups[0].role')" = leader ]; then leader=$i; fi
    done
    [ -n "$leader" ] && break
    sleep 0.1
  done
  other=$(( leader % 3 + 1 ))
  ms=$(python3 "$root/bench/failover.py" minikv "$(cat "$CLUSTER_DIR/node-$leader.pid")" 127.0.0.1 "$(m "$other")" "$round")
  echo "minikv-3 failover round $round: node-$leader (leader of group 0) killed, every group written via node-$other after $ms ms" | tee -a "$failover" >&2
  "$root/scripts/minikv" cluster node "$leader" 3 --auth.enabled=false
  sleep 2
done
"$root/scripts/minikv" cluster stop

# --- minikv, 3 nodes, one data group (node 1 leads every write: no forwarding, bigger batches)
rm -rf "$CLUSTER_DIR"
"$root/scripts/minikv" cluster start 3 --auth.enabled=false --cluster.data_groups=1
drive minikv minikv-3-one-group "$(m 1)" $(cat "$CLUSTER_DIR"/node-*.pid)
"$root/scripts/minikv" cluster stop

# --- etcd, 3 members
cluster=""
for i in 1 2 3; do cluster="$cluster${cluster:+,}e$i=http://127.0.0.1:$((12380 + i * 10))"; done
start_etcd() { # i
  local i=$1 state=${2:-new}
  etcd --name "e$i" --data-dir "$out/etcd-$i" \
    --listen-client-urls "http://127.0.0.1:$((12379 + i * 10))" \
    --advertise-client-urls "http://127.0.0.1:$((12379 + i * 10))" \
    --listen-peer-urls "http://127.0.0.1:$((12380 + i * 10))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((12380 + i * 10))" \
    --initial-cluster "$cluster" --initial-cluster-state "$state" > "$out/etcd-$i.log" 2>&1 &
  echo $! > "$out/etcd-$i.pid"
  epids+=($!)
}
for i in 1 2 3; do start_etcd "$i"; done
for i in 1 2 3; do
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$((12379 + i * 10))/health" > /dev/null && break; sleep 0.1
  done
done
drive etcd etcd-3 12389
for round in 1 2 3; do
  leader=""
  for i in 1 2 3; do
    status=$(curl -s -X POST "http://127.0.0.1:$((12379 + i * 10))/v3/maintenance/status" -d '{}')
    if [ "$(echo "$status" | jq -r '.leader')" = "$(echo "$status" | jq -r '.header.member_id')" ]; then leader=$i; fi
  done
  other=$(( leader % 3 + 1 ))
  ms=$(python3 "$root/bench/failover.py" etcd "$(cat "$out/etcd-$leader.pid")" 127.0.0.1 "$((12379 + other * 10))" "$round")
  echo "etcd-3 failover round $round: leader e$leader killed, 32 keys written via e$other after $ms ms" | tee -a "$failover" >&2
  start_etcd "$leader" existing
  sleep 3
done

echo
echo "| system | workload | ops/s | p50 ms | p99 ms | errors | vs etcd-3 | warm-up s | CPU busy % | steal % |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
etcd = {r["mode"]: r for r in rows if r["label"].startswith("etcd")}
for r in rows:
    ratio = r["ops_per_sec"] / etcd[r["mode"]]["ops_per_sec"] if r["mode"] in etcd else 0
    print(f'| {r["label"]} | {r["mode"].upper()} | {r["ops_per_sec"]:,.0f} | {r["p50_ms"]:.2f} | {r["p99_ms"]:.2f} | {r["non2xx"] + r["socket_errors"]} | {ratio:.1f}x | {r["warmup_s"]} | {r["busy_pct"]} | {r["steal_pct"]} |')
PY
echo
cat "$failover"
