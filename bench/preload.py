#!/usr/bin/env python3
"""Preloads N keys bench/0000000.. with 100-byte values, 100 per request, 4 connections.
minikv: POST /kv/_batch, each batch within one data group (a batch may not span groups: the keys
are grouped with minikv's own vshard hash, see VShards.java); etcd: POST /v3/kv/txn (the v3 JSON
gateway)."""
import base64, concurrent.futures, http.client, json, sys

target, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
value = base64.b64encode(b"x" * 100).decode()

def key(i):
    return f"bench/{i:07d}"

def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF

CRC_TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    CRC_TABLE.append(c)

def group_of(k, groups):
    # VShards.ofKv("default", key): CRC32C of tenant, 0, namespace 'k', key; 256 vshards;
    # KvGroups.indexOf: contiguous ranges.
    vshard = crc32c(b"default" + b"\x00" + b"k" + k.encode()) % 256
    return vshard * groups // 256

def data_groups():
    if target == "etcd":
        return 1
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/admin/cluster")
    r = conn.getresponse()
    data = r.read()
    return len(json.loads(data)["groups"]) if r.status == 200 else 1

def body(chunk):
    if target == "etcd":
        return "/v3/kv/txn", {"success": [{"request_put": {"key": base64.b64encode(key(i).encode()).decode(), "value": value}} for i in chunk]}
    return "/kv/_batch", {"ops": [{"op": "put", "key": key(i), "value": value} for i in chunk]}

def worker(chunks):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    for chunk in chunks:
        path, payload = body(chunk)
        conn.request("POST", path, json.dumps(payload), {"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            sys.exit(f"preload failed: {r.status} {data[:200]!r}")

groups = data_groups()
by_group = [[] for _ in range(groups)]
for i in range(n):
    by_group[group_of(key(i), groups) if groups > 1 else 0].append(i)
chunks = [g[j:j + 100] for g in by_group for j in range(0, len(g), 100)]
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    list(pool.map(worker, [chunks[i::4] for i in range(4)]))
print(f"preloaded {n} keys into {target} ({groups} data group(s))", file=sys.stderr)
