#!/usr/bin/env python3
"""Chaos soak of a local 3-node cluster, longer and more random than the CI kill test.

Writers overwrite their own keys through random nodes while a chaos loop kills a random node with
SIGKILL every 20-40 s (by default) and restarts it 2-10 s later. At the end every key is read
through every node (linearizable) and must hold its last acknowledged value, or a value whose write
had no answer (a timeout or a dead connection: it may have been applied); an older acknowledged
value or a missing key is a lost write. Then each node's local (serializable) view of the keys must
become identical. Prints the longest time without any acknowledged write (and the longest one
writer waited for one) and exits 1 on any violation. "refused" counts writes to a node that was
down and 4xx answers; "in_doubt" writes without an answer or with a 5xx one.

usage: bench/soak.py [minutes, default 10] [writers, default 16] [seconds between kills, default 20]
(each pause is that to twice that). SOAK_NODES (3 to 5, default 3) sizes the cluster, SOAK_DOWN
("2,10") is the range of seconds a killed node stays down, SOAK_FLAGS adds node flags (e.g.
"--cluster.dead_node_timeout=20s" with SOAK_DOWN=2,40 to have dead nodes replaced and come back).
With more than three nodes a node holds only some groups, so the local views are not compared.
Starts the cluster with scripts/minikv (CLUSTER_DIR bench/out/soak, PORT_OFFSET 5000: every port
below the ephemeral range, so that no client connection takes a stopped node's port)."""
import http.client, json, os, random, signal, subprocess, sys, threading, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIR = os.path.join(ROOT, "bench", "out", "soak")
OFFSET, KEYS_PER_WRITER = 5000, 200
NODES = int(os.environ.get("SOAK_NODES", "3"))
DOWN = [float(x) for x in os.environ.get("SOAK_DOWN", "2,10").split(",")]
FLAGS = ["--auth.enabled=false", *os.environ.get("SOAK_FLAGS", "").split()]
minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 10
writers = int(sys.argv[2]) if len(sys.argv) > 2 else 16
pause = float(sys.argv[3]) if len(sys.argv) > 3 else 20
env = dict(os.environ, CLUSTER_DIR=DIR, PORT_OFFSET=str(OFFSET))


def cluster(*args):
    cmd = [os.path.join(ROOT, "scripts", "minikv"), "cluster", *args]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)


def port(i):
    return 8080 + i + OFFSET


def request(i, method, path, body=None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", port(i), timeout=timeout)
    try:
        conn.request(method, path, body=body)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


acked = {}  # key -> (sequence of the last acknowledged write, its value)
in_doubt = {}  # key -> values of writes that got no answer
lock = threading.Lock()
stop = threading.Event()
last_ack = [time.monotonic()]
longest_gap = [0.0, ""]
counts = {"acked": 0, "refused": 0, "in_doubt": 0}
failures = []  # the chaos loop's own: a node that did not come back
writer_gap = [0.0]  # the longest a single writer went without an acknowledgement


def writer(w):
    rnd = random.Random(w)
    seq = 0
    mine = time.monotonic()
    while not stop.is_set():
        seq += 1
        key = f"soak/{w}/{rnd.randrange(KEYS_PER_WRITER)}"
        value = f"{w}-{seq}"
        node = rnd.randint(1, NODES)
        try:
            status, _ = request(node, "PUT", "/kv/" + key, value.encode())
        except ConnectionRefusedError:
            status = 0  # the node is down: nothing was sent
        except (OSError, http.client.HTTPException):
            status = None
        now = time.monotonic()
        with lock:
            if status in (200, 201):
                acked[key] = (seq, value)
                counts["acked"] += 1
                writer_gap[0] = max(writer_gap[0], now - mine)
                mine = now
                gap = now - last_ack[0]
                if gap > longest_gap[0]:
                    longest_gap[:] = [gap, time.strftime("%H:%M:%S")]
                last_ack[0] = max(last_ack[0], now)
            elif status is None or status >= 500:
                # 5xx too: a leader that lost its leadership may still commit the entry.
                in_doubt.setdefault(key, set()).add(value)
                counts["in_doubt"] += 1
            else:
                counts["refused"] += 1
        if not status:
            time.sleep(0.05)


def chaos(kills):
    rnd = random.Random(7)
    while not stop.wait(rnd.uniform(pause, 2 * pause)):
        victim = rnd.randint(1, NODES)
        with open(os.path.join(DIR, f"node-{victim}.pid")) as f:
            pid = int(f.read())
        os.kill(pid, signal.SIGKILL)
        down = rnd.uniform(*DOWN)
        time.sleep(down)
        started = time.monotonic()
        try:
            cluster("node", str(victim), str(NODES), *FLAGS)
        except subprocess.CalledProcessError:
            failures.append(f"node-{victim} did not restart: see {DIR}/node-{victim}.log")
            stop.set()
            return
        kills.append((time.strftime("%H:%M:%S"), victim, round(down, 1),
                      round(time.monotonic() - started, 1)))
        print(f"{kills[-1][0]} node-{victim} killed, down {down:.1f} s, "
              f"ready {kills[-1][3]:.1f} s after its restart", flush=True)


def local_view(i):
    items, cursor = {}, None
    while True:
        q = {"prefix": "soak/", "limit": "1000", "consistency": "serializable"}
        if cursor:
            q["cursor"] = cursor
        status, body = request(i, "GET", "/kv?" + urllib.parse.urlencode(q), timeout=30)
        if status != 200:
            raise RuntimeError(f"node-{i} scan answered {status}: {body[:200]}")
        page = json.loads(body)
        items.update({it["key"]: it["value"] for it in page["items"]})
        if not page.get("more"):
            return items
        cursor = page["cursor"]


def verify():
    violations = []
    for i in range(1, NODES + 1):
        for key, (_, value) in sorted(acked.items()):
            status, body = None, b""
            for _ in range(20):  # a restarted node may still be catching up: 503 is retried
                try:
                    status, body = request(i, "GET", "/kv/" + key, timeout=10)
                except (OSError, http.client.HTTPException):
                    status = None
                if status in (200, 404):
                    break
                time.sleep(0.5)
            got = body.decode() if status == 200 else None
            if got != value and got not in in_doubt.get(key, ()):
                violations.append(f"node-{i} {key}: {status} {got!r}, last acked {value!r}")
    if NODES == 3:
        views = []
        for _ in range(60):
            views = [local_view(i) for i in range(1, NODES + 1)]
            if all(v == views[0] for v in views):
                break
            time.sleep(1)
        else:
            violations.append("local views differ after 60 s: sizes "
                              + ", ".join(str(len(v)) for v in views))
    return violations


def main():
    subprocess.run(["rm", "-rf", DIR], check=True)
    os.makedirs(DIR)
    cluster("start", str(NODES), *FLAGS)
    kills = []
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    threads.append(threading.Thread(target=chaos, args=(kills,)))
    try:
        last_ack[0] = time.monotonic()
        for t in threads:
            t.start()
        stop.wait(minutes * 60)
        stop.set()
        for t in threads:
            t.join()
        violations = failures or verify()
    finally:
        stop.set()
        cluster("stop")
    summary = {"nodes": NODES, "minutes": minutes, "writers": writers, "kills": len(kills),
               **counts,
               "keys": len(acked), "longest_gap_s": round(longest_gap[0], 2),
               "longest_gap_at": longest_gap[1],
               "longest_writer_gap_s": round(writer_gap[0], 2), "violations": len(violations)}
    for v in violations[:20]:
        print("VIOLATION", v)
    print(json.dumps(summary))
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
