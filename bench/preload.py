#!/usr/bin/env python3
"""Preloads N keys bench/0000000.. with 100-byte values, 100 per request, 4 connections.
minikv: POST /kv/_batch; etcd: POST /v3/kv/txn (the v3 JSON gateway)."""
import base64, concurrent.futures, http.client, json, sys

target, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
value = base64.b64encode(b"x" * 100).decode()

def key(i):
    return f"bench/{i:07d}"

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

chunks = [range(i, min(i + 100, n)) for i in range(0, n, 100)]
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    list(pool.map(worker, [chunks[i::4] for i in range(4)]))
print(f"preloaded {n} keys into {target}", file=sys.stderr)
