#!/usr/bin/env bash
# S3 benchmark: one minikv node (RocksDB, fsync on) beside s3proxy (org.gaul:s3proxy from Maven
# Central, jclouds filesystem backend) on the same machine, driven by the same JDK-only load
# generator (bench/S3Load.java: SigV4 header auth, UNSIGNED-PAYLOAD), plus raw disk throughput
# measured in the same run with dd conv=fsync (write) on the same file system.
# Usage: bench/s3.sh [seconds per run, default 10] [sizes, default 4KiB,1MiB,64MiB]
#                    [concurrencies, default 1,4,16]
# Needs: Java 17, Maven (fetches s3proxy), curl.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-10}
sizes=${2:-4KiB,1MiB,64MiB}
concurrencies=${3:-1,4,16}
out="$root/bench/out/s3"
rm -rf "$out" && mkdir -p "$out"
results="$out/results.tsv"
: > "$results"
s3proxy_version=2.6.0
s3proxy_jar="$HOME/.m2/repository/org/gaul/s3proxy/$s3proxy_version/s3proxy-$s3proxy_version-jar-with-dependencies.jar"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
(cd "$root" && mvn -B -q -DskipTests package)
[ -f "$s3proxy_jar" ] || mvn -B -q dependency:get \
  -Dartifact=org.gaul:s3proxy:$s3proxy_version:jar:jar-with-dependencies

raw_disk() { # label: three dd runs of 1 GiB with conv=fsync into the bench directory
  for i in 1 2 3; do
    dd if=/dev/zero of="$out/dd.bin" bs=1M count=1024 conv=fsync 2>&1 | tail -1 \
      | sed "s/^/$1 dd run $i: /" | tee -a "$out/dd.txt" >&2
    rm -f "$out/dd.bin"
  done
}
raw_disk before

wait_port() { # port
  for _ in $(seq 1 600); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.1
  done
  echo "not listening: $1" >&2; return 1
}

load() { # label endpoint
  java -Xmx2g "$root/bench/S3Load.java" "$1" "$2" AKBENCH benchsecret bench "$seconds" \
    "$sizes" "$concurrencies" | tee -a "$results" >&2
}

# minikv twice: the default ([raft] sync = true: log and bodies forced to disk before the
# reply, so acknowledged writes survive a machine crash) and [raft] sync = false (they survive a
# process crash, not a machine crash: s3proxy's filesystem backend never forces to disk).
for sync in true false; do
  label=minikv; [ "$sync" = true ] || label=minikv-nosync
  java -Xmx1g -jar "$root/target/minikv.jar" server \
    --node.data_dir="$out/$label" --http.port=18080 --raft.port=19870 --s3.port=19000 \
    --raft.sync=$sync --auth.root_access_key=AKBENCH --auth.root_secret_key=benchsecret \
    > "$out/$label.log" 2>&1 &
  pid=$!
  pids+=($pid)
  wait_port 19000
  load $label http://127.0.0.1:19000
  kill -TERM $pid; wait $pid || true
  rm -rf "${out:?}/$label"
done

mkdir -p "$out/s3proxy-data"
cat > "$out/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:18081
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=AKBENCH
s3proxy.credential=benchsecret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$out/s3proxy-data
PROPS
java -Xmx1g -jar "$s3proxy_jar" --properties "$out/s3proxy.properties" > "$out/s3proxy.log" 2>&1 &
spid=$!
pids+=($spid)
wait_port 18081
load "s3proxy-$s3proxy_version" http://127.0.0.1:18081
kill -TERM $spid; wait $spid || true
rm -rf "$out/s3proxy-data"

raw_disk after
echo
echo "raw disk (dd 1 GiB, conv=fsync):"
cat "$out/dd.txt"
echo
echo "| server | size | conc | op | ops/s | MiB/s | p50 ms | p99 ms | errors | vs s3proxy |"
echo "|---|---|---:|---|---:|---:|---:|---:|---:|---:|"
python3 - "$results" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
peer = {(r[1], r[2], r[3]): float(r[4]) for r in rows if r[0].startswith("s3proxy")}
for r in rows:
    base = peer.get((r[1], r[2], r[3]))
    ratio = "" if r[0].startswith("s3proxy") or not base else f"{float(r[4]) / base:.2f}x"
    print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {float(r[4]):,.0f} | {r[5]} | {r[6]} | {r[7]} | {r[8]} | {ratio} |")
PY
