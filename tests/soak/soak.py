#!/usr/bin/python3
"""Soak: a mixed workload against one ddbchat server for a long time (make soak, 30 minutes),
with the server's memory sampled all along.

Usage:
  soak.py [--bin build/ddbchat] [--minutes 30] [--threads 8] [--summary FILE] [--seed N]

Starts `ddbchat serve` (durable, the default) on a fresh data dir and runs --threads clients,
each picking at random: PutItem / GetItem / UpdateItem / DeleteItem of items of a few KB,
Query of a partition and of a GSI, a Scan page, BatchWriteItem, BatchGetItem,
TransactWriteItems, a table-metadata change (TagResource / UntagResource, which churn the
table descriptors), and messaging: POST /api/messages, GET /api/message_groups, GET
/api/messages/<group>.  Items are spread over a bounded key space (KEYS per client), so the
tables reach a steady size; messages accumulate, as in real use (LMDB keeps them in its
mapped file: RssFile, not RssAnon).

Every 10 s it reads the server's /proc/<pid>/status: VmRSS (resident), RssAnon (private,
heap: what a leak grows), RssFile (LMDB's mapped file, which the kernel may reclaim).
"start" is the first sample after a one-minute warm-up, "end" the last one.  Any 5xx, any
dropped connection, a server exit, or an unclean exit on SIGTERM fails the run (exit 1).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
AUTH = ("AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=" + "0" * 64)
KEYS = 400        # items per client and table
USERS = 12
TAG_LIMIT = 50    # tags a table may carry (DynamoDB's limit)
WARMUP_S = 60
SAMPLE_S = 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def memory(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile", "VmHWM", "Threads"):
                out[k] = int(v.split()[0])
    return out  # kB (Threads: a count)


class Client:
    def __init__(self, soak, cid):
        self.s, self.cid = soak, cid
        self.rng = random.Random(soak.seed * 100 + cid)
        self.conn = {}
        self.ops = {}

    def _req(self, port, method, path, body, headers):
        c = self.conn.get(port)
        if c is None:
            c = self.conn[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as ex:
            c.close()
            del self.conn[port]
            self.s.fail(f"client {self.cid}: {method} {path}: connection: {ex}")
            return None, None
        if r.status >= 500:
            self.s.fail(f"client {self.cid}: {method} {path}: {r.status} {data[:300]!r}")
        return r.status, data

    def ddb(self, op, body):
        self.ops[op] = self.ops.get(op, 0) + 1
        st, data = self._req(self.s.dport, "POST", "/", json.dumps(body),
                             {"X-Amz-Target": "DynamoDB_20120810." + op, "Authorization": AUTH,
                              "Content-Type": "application/x-amz-json-1.0"})
        if st == 200:
            return json.loads(data)
        if st is not None and op not in ("TransactWriteItems",):  # cancellations happen
            self.s.fail(f"client {self.cid}: {op}: {st} {data[:300]!r}")
        return None

    def rest(self, method, path, body=None, user=None):
        route = path.split("?")[0]
        if route.startswith("/api/messages/"):
            route = "/api/messages/<group>"
        name = f"{method} {route}"
        self.ops[name] = self.ops.get(name, 0) + 1
        u = user or self.s.users[self.rng.randrange(USERS)]
        st, data = self._req(self.s.aport, method, path,
                             json.dumps(body) if body is not None else None,
                             {"Authorization": "Bearer " + self.s.tokens[u]})
        if st == 200:
            return u, json.loads(data)
        if st is not None and st not in (404,):
            self.s.fail(f"client {self.cid}: {method} {path}: {st} {data[:300]!r}")
        return u, None

    def item(self, k):
        return {"pk": {"S": f"c{self.cid}-{k % 40}"}, "sk": {"N": str(k)},
                "g": {"S": f"g{k % 7}"}, "n": {"N": str(self.rng.randrange(10**6))},
                "doc": {"M": {"a": {"L": [{"S": "x" * self.rng.randrange(10, 2000)}]},
                              "b": {"NS": [str(i) for i in range(self.rng.randrange(1, 6))]}}}}

    def key(self, k):
        return {"pk": {"S": f"c{self.cid}-{k % 40}"}, "sk": {"N": str(k)}}

    def step(self):
        r = self.rng.random()
        k = self.rng.randrange(KEYS)
        if r < 0.18:
            self.ddb("PutItem", {"TableName": "soak", "Item": self.item(k)})
        elif r < 0.33:
            self.ddb("GetItem", {"TableName": "soak", "Key": self.key(k), "ConsistentRead": True})
        elif r < 0.43:
            self.ddb("UpdateItem", {"TableName": "soak", "Key": self.key(k),
                                    "UpdateExpression": "SET g = :g ADD n :one",
                                    "ExpressionAttributeValues": {
                                        ":g": {"S": f"g{k % 5}"}, ":one": {"N": "1"}}})
        elif r < 0.47:
            self.ddb("DeleteItem", {"TableName": "soak", "Key": self.key(k)})
        elif r < 0.53:
            self.ddb("Query", {"TableName": "soak", "KeyConditionExpression": "pk = :p",
                               "ExpressionAttributeValues": {":p": self.key(k)["pk"]},
                               "Limit": 25})
        elif r < 0.57:
            self.ddb("Query", {"TableName": "soak", "IndexName": "by_g",
                               "KeyConditionExpression": "g = :g",
                               "ExpressionAttributeValues": {":g": {"S": f"g{k % 7}"}},
                               "Limit": 25})
        elif r < 0.59:
            self.ddb("Scan", {"TableName": "soak", "Limit": 50})
        elif r < 0.63:
            self.ddb("BatchWriteItem", {"RequestItems": {"soak": [
                {"PutRequest": {"Item": self.item((k + i) % KEYS)}} for i in range(5)]}})
        elif r < 0.67:
            self.ddb("BatchGetItem", {"RequestItems": {"soak": {"Keys": [
                self.key((k + i * 13) % KEYS) for i in range(8)]}}})
        elif r < 0.71:
            self.ddb("TransactWriteItems", {"TransactItems": [
                {"Put": {"TableName": "soak", "Item": self.item(k)}},
                {"Update": {"TableName": "soak", "Key": self.key((k + 1) % KEYS),
                            "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}}]})
        elif r < 0.73:
            arn = "arn:aws:dynamodb:us-east-1:000000000000:table/soak"
            # each client churns its own few tag keys, all clients together at most
            # TAG_LIMIT (DynamoDB's 50 a resource; more is rightly a ValidationException)
            per = max(1, TAG_LIMIT // self.s.args.threads)
            if self.rng.random() < 0.5:
                self.ddb("TagResource", {"ResourceArn": arn, "Tags": [
                    {"Key": f"k{self.cid}-{k % per}", "Value": str(k)}]})
            else:
                self.ddb("UntagResource", {"ResourceArn": arn,
                                           "TagKeys": [f"k{self.cid}-{k % per}"]})
        elif r < 0.85:
            frm, to = self.rng.sample(self.s.users, 2)
            u, ans = self.rest("POST", "/api/messages",
                               {"message": f"soak {k} " + "y" * self.rng.randrange(200),
                                "handle": to}, user=frm)
            if ans:
                with self.s.lock:
                    self.s.groups[ans["message_group_uuid"]] = True
        elif r < 0.92:
            self.rest("GET", "/api/message_groups?limit=20")
        else:
            with self.s.lock:
                groups = list(self.s.groups)
            if groups:
                self.rest("GET", f"/api/messages/{self.rng.choice(groups)}?limit=40")

    def run(self, stop):
        while not stop.is_set() and not self.s.failures_full():
            self.step()


class Soak:
    def __init__(self, args):
        self.args, self.seed = args, args.seed
        self.lock = threading.Lock()
        self.failures = []
        self.groups = {}
        self.samples = []
        self.dir = tempfile.mkdtemp(prefix="ddbchat-soak-")
        self.log = open(self.dir + ".log", "wb")
        self.users = [f"soak{i}" for i in range(USERS)]
        self.tokens = {}

    def fail(self, text):
        with self.lock:
            if len(self.failures) < 50:
                self.failures.append(text)

    def failures_full(self):
        return len(self.failures) >= 50

    def cli(self, *args):
        out = subprocess.run([self.args.bin, *args, "--data-dir", self.dir], capture_output=True,
                             text=True, timeout=60)
        if out.returncode:
            raise RuntimeError(f"ddbchat {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout.strip()

    def start(self):
        self.cli("schema-load")
        for u in self.users:
            self.cli("user", "add", u, "Soak " + u)
            self.tokens[u] = self.cli("token", u, "--ttl", "86400").split()[-1]
        self.dport, self.aport = free_port(), free_port()
        self.proc = subprocess.Popen(
            [self.args.bin, "serve", "--data-dir", self.dir, "--quiet",
             "--dynamodb-port", str(self.dport), "--api-port", str(self.aport)],
            stdout=subprocess.DEVNULL, stderr=self.log)
        wait_port(self.dport, self.proc)
        wait_port(self.aport, self.proc)
        c = Client(self, 0)
        c.ddb("CreateTable", {
            "TableName": "soak", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "N"},
                                     {"AttributeName": "g", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "GlobalSecondaryIndexes": [{
                "IndexName": "by_g", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                              {"AttributeName": "sk", "KeyType": "RANGE"}]}]})

    def run(self):
        clients = [Client(self, i + 1) for i in range(self.args.threads)]
        stop = threading.Event()
        threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in clients]
        t0 = time.time()
        for t in threads:
            t.start()
        end = t0 + self.args.minutes * 60
        while time.time() < end and not self.failures_full():
            if self.proc.poll() is not None:
                self.fail(f"server exited with {self.proc.returncode}")
                break
            m = memory(self.proc.pid)
            m["t"] = round(time.time() - t0)
            self.samples.append(m)
            if not self.args.quiet:
                print(f"{m['t']:5d}s VmRSS {m['VmRSS']} kB RssAnon {m['RssAnon']} kB RssFile "
                      f"{m['RssFile']} kB", flush=True)
            time.sleep(min(SAMPLE_S, max(0.1, end - time.time())))
        stop.set()
        for t in threads:
            t.join(timeout=120)
        ops = {}
        for c in clients:
            for k, v in c.ops.items():
                ops[k] = ops.get(k, 0) + v
        return ops, time.time() - t0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.fail("server did not stop within 60 s of SIGTERM")
                return
        if self.proc.returncode != 0:
            self.fail(f"server exited with {self.proc.returncode} on SIGTERM")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "ddbchat"))
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--summary")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    s = Soak(args)
    try:
        s.start()
        ops, secs = s.run()
    finally:
        if hasattr(s, "proc"):
            s.stop()
    warm = [m for m in s.samples if m["t"] >= min(WARMUP_S, args.minutes * 30)]
    first, last = (warm or s.samples)[0], s.samples[-1]
    total = sum(ops.values())
    summary = {
        "minutes": round(secs / 60, 1), "threads": args.threads, "requests": total,
        "requests per second": round(total / secs), "operations": ops,
        "start": first, "end": last,
        "peak VmRSS kB": max(m["VmRSS"] for m in s.samples),
        "peak RssAnon kB": max(m["RssAnon"] for m in s.samples),
        "data dir MB": round(sum(os.path.getsize(os.path.join(s.dir, f))
                                 for f in os.listdir(s.dir)) / 1e6, 1),
        "failures": len(s.failures)}
    print("soak: " + json.dumps(summary))
    for f in s.failures:
        print("  " + f)
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=1)
    if s.failures:
        print(f"data dir kept: {s.dir} (server log {s.log.name})")
        sys.exit(1)
    shutil.rmtree(s.dir, ignore_errors=True)
    os.unlink(s.log.name)


if __name__ == "__main__":
    main()
