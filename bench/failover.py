#!/usr/bin/env python3
"""Kills a process with SIGKILL and prints the milliseconds until PUTs of 32 keys have all
succeeded through the given node ("never" after 30 s). The keys cover every minikv data group
(each of 3 groups is missed with probability (2/3)^32), and each key is written by its own thread
from the moment of the kill, retrying every 20 ms with a 2 s timeout per attempt, so the figure is
when the last group became writable again, not the time a client takes to start and write serially.

usage: failover.py minikv|etcd PID HOST PORT ROUND"""
import base64, http.client, os, signal, sys, threading, time

target, pid, host, port, rnd = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
KEYS, DEADLINE = 32, 30.0

def put(conn, key):
    if target == "etcd":
        b64 = lambda s: base64.b64encode(s.encode()).decode()
        conn.request("POST", "/v3/kv/put", body=f'{{"key":"{b64(key)}","value":"{b64("x")}"}}')
    else:
        conn.request("PUT", f"/kv/{key}", body=b"x")
    r = conn.getresponse()
    r.read()
    return 200 <= r.status < 300

done = [None] * KEYS

def writer(j, start):
    conn = None
    while time.monotonic() - start < DEADLINE:
        try:
            conn = conn or http.client.HTTPConnection(host, port, timeout=2)
            if put(conn, f"failover-{rnd}-{j}"):
                done[j] = time.monotonic() - start
                return
        except (OSError, http.client.HTTPException):
            conn = None  # a timed-out or broken connection is not reused
        time.sleep(0.02)

os.kill(pid, signal.SIGKILL)
start = time.monotonic()
threads = [threading.Thread(target=writer, args=(j, start)) for j in range(KEYS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("never" if None in done else round(max(done) * 1000))
