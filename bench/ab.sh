#!/usr/bin/env bash
# A/B benchmark of two minikv builds or settings: two 3-node clusters (scripts/minikv cluster start
# 3) run side by side on this machine and take the same wrk workload as bench/paired.sh in turn,
# A then B in odd rounds and B then A in even ones, so that each B figure has an A figure measured
# within a minute of it. This VM's speed drifts by 20-25 % over ten minutes, more than most changes
# being measured, which makes comparisons of runs taken on separate fresh clusters unreliable.
# Besides ops/s it reports the clusters' JVM CPU time per request (/proc/<pid>/stat).
# Usage: bench/ab.sh [put|get|mix, default put] [rounds, default 6] [duration, default 20s]
# A_ROOT / B_ROOT: minikv checkouts (default: this one); A_JAVA_OPTS / B_JAVA_OPTS: the nodes'
# JAVA_OPTS (default none: scripts/minikv's collector and 1 GiB heap); A_FLAGS / B_FLAGS: extra
# --section.key=value flags for every node.
# Needs: wrk, curl, Maven, Java 17.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-put}
rounds=${2:-6}
duration=${3:-20s}
out="$root/bench/out/ab"
rm -rf "$out" && mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"
declare -A dir=([A]="${A_ROOT:-$root}" [B]="${B_ROOT:-$root}")
declare -A opts=([A]="${A_JAVA_OPTS:-}" [B]="${B_JAVA_OPTS:-}")
declare -A flags=([A]="${A_FLAGS:-}" [B]="${B_FLAGS:-}")
declare -A offset=([A]=10000 [B]=20000)

cluster() { # system start|stop [args]
  local s=$1 extra=()
  shift
  if [ "$1" = start ]; then read -ra extra <<< "${flags[$s]}"; fi
  CLUSTER_DIR="$out/$s" PORT_OFFSET=${offset[$s]} JAVA_OPTS="${opts[$s]}" \
    "${dir[$s]}/scripts/minikv" cluster "$@" "${extra[@]}"
}
cleanup() {
  for s in A B; do cluster "$s" stop 2> /dev/null || true; done
}
trap cleanup EXIT

for s in A B; do
  (cd "${dir[$s]}" && mvn -B -q -DskipTests package)
done
for s in A B; do
  cluster "$s" start 3 --auth.enabled=false
  python3 "$root/bench/preload.py" minikv 127.0.0.1 $((8081 + offset[$s])) 100000
done

cpu_ticks() { # system: the three JVMs' user + system time in clock ticks
  local total=0 pid
  for f in "$out/$1"/node-*.pid; do
    pid=$(cat "$f")
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
load() { # system workload duration: prints wrk's JSON line with the CPU per request added
  local before after
  before=$(cpu_ticks "$1")
  TARGET=minikv MODE=$2 KEYS=100000 wrk -t2 -c64 -d"$3" -s "$root/bench/lua/kv.lua" \
    "http://127.0.0.1:$((8081 + offset[$1]))" | tail -1 > "$out/last.json"
  after=$(cpu_ticks "$1")
  python3 -c "import json, os, sys; r = json.load(open(sys.argv[1])); \
hz = os.sysconf('SC_CLK_TCK'); \
r['cpu_us_per_request'] = (int(sys.argv[3]) - int(sys.argv[2])) * 1e6 / hz / max(1, r['requests']); \
print(json.dumps(r))" "$out/last.json" "$before" "$after"
}
# Three JVMs on 2 cores compile for minutes (bench/RESULTS.md): PUT and GET in turn, both systems.
echo "== warm-up (not measured)" >&2
for w in put get put get put get put get put get; do
  for s in A B; do load "$s" "$w" 15s > /dev/null; done
done
for r in $(seq 1 "$rounds"); do
  order="A B"
  if [ $((r % 2)) = 0 ]; then order="B A"; fi
  for s in $order; do
    load "$s" "$mode" "$duration" \
      | python3 -c "import json, sys; r = json.load(sys.stdin); r.update(system='$s', round=$r); print(json.dumps(r))" \
      | tee -a "$results" >&2
  done
done

echo
echo "A: ${dir[A]} JAVA_OPTS='${opts[A]}' ${flags[A]}"
echo "B: ${dir[B]} JAVA_OPTS='${opts[B]}' ${flags[B]}"
echo
echo "| round | A ${mode^^} ops/s | p99 ms | CPU µs/req | B ops/s | p99 ms | CPU µs/req | B / A |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ratios, cpu = [], []
for n in sorted({r["round"] for r in rows}):
    a, b = (next(r for r in rows if r["round"] == n and r["system"] == s) for s in "AB")
    ratios.append(b["ops_per_sec"] / a["ops_per_sec"])
    cpu.append(b["cpu_us_per_request"] / a["cpu_us_per_request"])
    print(f'| {n} | {a["ops_per_sec"]:,.0f} | {a["p99_ms"]:.2f} | {a["cpu_us_per_request"]:.0f} | '
          f'{b["ops_per_sec"]:,.0f} | {b["p99_ms"]:.2f} | {b["cpu_us_per_request"]:.0f} | {ratios[-1]:.2f}x |')
errors = sum(r["non2xx"] + r["socket_errors"] for r in rows)
print(f"\nB/A ops/s: median {statistics.median(ratios):.2f}x, range {min(ratios):.2f}-{max(ratios):.2f}x; "
      f"B/A CPU per request: median {statistics.median(cpu):.2f}x; errors {errors}")
PY
