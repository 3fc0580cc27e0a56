"""Overload (issue 9.11): more connections and requests than the server can serve.  What it
accepts keeps a bounded latency, the rest is refused at once (ThrottlingException on the
DynamoDB endpoint, which botocore and the JS SDK retry; 503 server_busy + Retry-After on REST), memory
stays bounded with 1,000 open connections, and the server recovers by itself.

ddbchat-only: DynamoDB Local has no admission control (it queues without bound).
"""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import boto3
from conftest import DUMMY_AUTH, busy_connection, client_for, raw_request, read_to_close
from msg_fixtures import add_user, msg_server, rest, token  # noqa: F401 (msg_server: a fixture)
from msg_fixtures import start_msg_server

pytestmark = pytest.mark.requires_ddbchat

# AWS's request throttle: the framework's availability namespace (dynalite's helpers retry on
# exactly that type; review18 L11)
THROTTLE = {"__type": "com.amazon.coral.availability#ThrottlingException",
            "message": "Rate of requests exceeds the allowed throughput."}


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def big_table(url, name="big", items=200, size=5000):
    """A table whose full Scan reads ~1 MB: a request that keeps a handler busy a while.
    Its client retries the throttling reply: a server started with --queue-timeout 1 may
    refuse a set-up request on a loaded machine (CI: CreateTable 'ThrottlingException ...
    reached max retries: 1'), which is what those servers are for, not a failure here."""
    c = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                     aws_access_key_id="x", aws_secret_access_key="x",
                     config=Config(retries={"max_attempts": 20, "mode": "standard"},
                                   connect_timeout=10, read_timeout=60))
    c.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   BillingMode="PAY_PER_REQUEST")
    for i in range(0, items, 25):
        c.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {"pk": {"S": f"k{j}"}, "v": {"S": "x" * size}}}}
            for j in range(i, i + 25)]})
    return c


SLOW_SCAN = json.dumps({"TableName": "big", "FilterExpression": "attribute_exists(nope)"})


def hammer(url, threads, seconds, body=SLOW_SCAN, target="DynamoDB_20120810.Scan"):
    """threads clients send body on keep-alive connections for `seconds`; returns
    [(status, error type or None, latency s)]."""
    u = urllib.parse.urlparse(url)
    out, lock = [], threading.Lock()
    stop = time.time() + seconds

    def client():
        conn = None
        while time.time() < stop:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            t0 = time.time()
            try:
                conn.request("POST", "/", body=body, headers={
                    "X-Amz-Target": target, "Authorization": DUMMY_AUTH,
                    "Content-Type": "application/x-amz-json-1.0"})
                r = conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                continue
            dt = time.time() - t0
            kind = None
            if r.status != 200:
                kind = json.loads(data).get("__type", "").split("#")[-1]
            with lock:
                out.append((r.status, kind, dt))
        if conn:
            conn.close()

    ts = [threading.Thread(target=client) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


BATCH = json.dumps({"RequestItems": {"big": [
    {"PutRequest": {"Item": {"pk": {"S": f"w{j}"}, "v": {"S": "y" * 1000}}}} for j in range(25)]}})


def kept_alive(u, n, open_first=False):
    """n keep-alive connections to u's endpoint, each answered one ListTables (200) and kept
    open, idle between requests; open_first: all n are open (the server's GET /metrics counts
    them, asked on the first) before the first ListTables."""
    conns = [http.client.HTTPConnection(u.hostname, u.port, timeout=10) for _ in range(n)]
    if open_first:
        for c in conns:
            c.connect()
        want = 'ddbchat_http_connections{listener="dynamodb"} %d\n' % n
        deadline = time.time() + 10
        while True:
            conns[0].request("GET", "/metrics")
            text = conns[0].getresponse().read().decode()
            if want in text:
                break
            assert time.time() < deadline, text
            time.sleep(0.05)
    for c in conns:  # opened here unless open_first
        c.request("POST", "/", body=b"{}", headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables", "Authorization": DUMMY_AUTH,
            "Content-Type": "application/x-amz-json-1.0"})
        r = c.getresponse()
        r.read()
        assert r.status == 200
    return conns


def test_single_writes_beyond_capacity_are_refused_at_once(ddbchat_server):
    # PutItem is not handed to the pool (the committing thread answers it, README), but a
    # flood of them meets the same bound: --pool-threads + --queue-limit in flight (here 2),
    # the rest refused at once with the busy reply.  Before: every one waited its round, none
    # refused, however many clients (review7 2).
    srv = ddbchat_server("--pool-threads", "1", "--queue-limit", "1")
    big_table(srv.ddb_url, items=0)
    put = json.dumps({"TableName": "big", "Item": {"pk": {"S": "p"}, "v": {"S": "z" * 1000}}})
    res = hammer(srv.ddb_url, threads=24, seconds=1, body=put, target="DynamoDB_20120810.PutItem")
    assert {kind for st, kind, _ in res if st != 200} <= {"ThrottlingException"}
    assert {st for st, _, _ in res} <= {200, 400}
    ok = sum(1 for st, _, _ in res if st == 200)
    assert ok and ok < len(res), (ok, len(res))
    assert raw_request(srv.ddb_url, put, target="DynamoDB_20120810.PutItem")[0] == 200


TWI = "DynamoDB_20120810.TransactWriteItems"


def twi_two_puts(a, b):
    return json.dumps({"TransactItems": [
        {"Put": {"TableName": "big", "Item": {"pk": {"S": k}, "v": {"S": "z" * 500}}}}
        for k in (a, b)]})


def test_transactions_beyond_capacity_are_refused_at_once(ddbchat_server):
    # TransactWriteItems is answered by the committing thread like PutItem (README) and meets
    # the same bound: --pool-threads + --queue-limit in flight (here 2), the rest refused at
    # once with the busy reply (it had it in the pool's queue before it went the later way).
    srv = ddbchat_server("--pool-threads", "1", "--queue-limit", "1")
    big_table(srv.ddb_url, items=0)
    twi = twi_two_puts("t1", "t2")
    res = hammer(srv.ddb_url, threads=16, seconds=0.4, body=twi, target=TWI)
    assert {kind for st, kind, _ in res if st != 200} <= {"ThrottlingException"}
    assert {st for st, _, _ in res} <= {200, 400}
    ok = sum(1 for st, _, _ in res if st == 200)
    assert ok and ok < len(res), (ok, len(res))
    assert raw_request(srv.ddb_url, twi, target=TWI)[0] == 200


def threads_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def post_from_clients(url, target, clients, bodies):
    """Each of `clients` keep-alive connections posts the bodies bodies(c) gives, in turn, all
    connections at once; returns [(status, reply bytes)] of every request."""
    u = urllib.parse.urlparse(url)
    out, lock = [], threading.Lock()

    def client(c):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        for body in bodies(c):
            conn.request("POST", "/", body=body, headers={
                "X-Amz-Target": target, "Authorization": DUMMY_AUTH,
                "Content-Type": "application/x-amz-json-1.0"})
            r = conn.getresponse()
            data = r.read()
            with lock:
                out.append((r.status, data))
        conn.close()

    ts = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def test_transactions_wait_for_their_commit_in_no_thread(ddbchat_server):
    # A TransactWriteItems waits for its durable commit in no thread: the polling thread checks
    # and queues it, the store's committing thread answers it (README).  8 clients sending them
    # at once start no thread.  Before (and when http.c hands it to the pool): each waited in a
    # pool thread, and the pool started one per client it found busy.  --queue-timeout 30000:
    # it pins thread counts, not admission (a round slower than the 1 s default on a loaded
    # disk would refuse a transaction, which this raw client does not retry: review8 4).
    srv = ddbchat_server("--queue-timeout", "30000")
    big_table(srv.ddb_url, items=0)
    assert raw_request(srv.ddb_url, twi_two_puts("w0", "w1"), target=TWI)[0] == 200
    n0 = threads_of(srv.proc.pid)
    res = post_from_clients(srv.ddb_url, TWI, 8, lambda c: (
        twi_two_puts(f"c{c}a{i}", f"c{c}b{i}") for i in range(12)))
    assert [r for r in res if r[0] != 200] == []
    assert threads_of(srv.proc.pid) == n0


def test_big_batches_are_parsed_in_the_pool(ddbchat_server):
    # A write body over 512 KB goes to the pool, not the answer-later path: the polling thread
    # would parse and check it while the other requests of its connections wait (a batch of
    # 25 x 300 KB items took GetItem's p99 from ~10 to ~100 ms: review8 3).  Observed through
    # the threads: 4 clients sending 600 KB batches at once keep pool threads busy, and the
    # pool starts one for a batch that finds the others busy; small writes start none (the
    # test above).  Before: the big batches were answered later too and started no thread.
    srv = ddbchat_server("--queue-timeout", "30000")
    big_table(srv.ddb_url, items=0)
    assert raw_request(srv.ddb_url, twi_two_puts("w0", "w1"), target=TWI)[0] == 200
    n0 = threads_of(srv.proc.pid)
    res = post_from_clients(srv.ddb_url, "DynamoDB_20120810.BatchWriteItem", 4, lambda c: (
        json.dumps({"RequestItems": {"big": [
            {"PutRequest": {"Item": {"pk": {"S": f"b{c}-{i}-{j}"}, "v": {"S": "x" * 300_000}}}}
            for j in range(2)]}}) for i in range(4)))
    assert [(st, d[:200]) for st, d in res
            if st != 200 or json.loads(d).get("UnprocessedItems")] == []
    assert threads_of(srv.proc.pid) > n0


def test_a_write_that_waited_its_queue_timeout_is_refused_and_not_written(ddbchat_server):
    # --queue-timeout applies to the writes answered later too (no pool thread: PutItem,
    # UpdateItem, DeleteItem, BatchWriteItem): one that no commit has begun to run 1 ms after
    # it was queued (here: queued while a round of 48 KB puts commits and syncs) gets the busy
    # reply, and is not written, so the SDK's retry applies it once.  16 clients stay far below
    # the in-flight bound (--pool-threads + --queue-limit, 320): every refusal here is the
    # queue's.  Every acknowledged put is there, no refused one is.  Before: a later write was
    # committed however long it waited, never refused (acked only, the assert below fails).
    srv = ddbchat_server("--queue-timeout", "1")
    # CreateTable runs in the pool, whose first thread may take more than 1 ms to start (the
    # ASan server): the busy reply, retried
    c = boto3.client("dynamodb", endpoint_url=srv.ddb_url, region_name="us-east-1",
                     aws_access_key_id="x", aws_secret_access_key="x",
                     config=Config(retries={"max_attempts": 10, "mode": "standard"}))
    c.create_table(TableName="qtime", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   BillingMode="PAY_PER_REQUEST")
    u = urllib.parse.urlparse(srv.ddb_url)
    # 48 KB items made a round long enough on the machines of the first sessions; on a fast,
    # quiet one (fdatasync 0.2 ms) every queued put began within 1 ms and none was refused
    # (CI of b6ce18f: 1,368 acked, 0 refused).  Rounds of 300 KB items, and the clients keep
    # going (up to 4 s) until a refusal has come back.
    pad = "p" * 300000
    acked, refused, other, lock = [], [], [], threading.Lock()
    start = time.time()

    def more():
        t = time.time() - start
        return t < 0.3 or (t < 4.0 and not refused)

    def client(tid):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        n = 0
        while more():
            key = f"t{tid}-{n}"
            n += 1
            body = json.dumps({"TableName": "qtime", "Item": {"pk": {"S": key}, "v": {"S": pad}}})
            conn.request("POST", "/", body=body, headers={
                "X-Amz-Target": "DynamoDB_20120810.PutItem", "Authorization": DUMMY_AUTH,
                "Content-Type": "application/x-amz-json-1.0"})
            r = conn.getresponse()
            data = json.loads(r.read())
            with lock:
                if r.status == 200 and data == {}:
                    acked.append(key)
                elif r.status == 400 and data == THROTTLE:
                    refused.append(key)
                else:
                    other.append((r.status, data))
        conn.close()

    ts = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not other, other[:3]
    # an ack within 1 ms of queuing may not come at all on a loaded machine (review8 9): the
    # refusals are the point; that writes still go through comes from a retrying client
    assert refused, (len(acked), len(refused))
    c.put_item(TableName="qtime", Item={"pk": {"S": "after"}})
    acked.append("after")
    there = set()
    for page in c.get_paginator("scan").paginate(TableName="qtime", ProjectionExpression="pk",
                                                 ConsistentRead=True):
        there.update(i["pk"]["S"] for i in page["Items"])
    assert set(acked) <= there
    assert not set(refused) & there


def test_requests_beyond_capacity_are_refused_fast_and_accepted_ones_stay_fast(ddbchat_server):
    # One pool thread for writes, two writes may wait for it, none longer than 500 ms; 48
    # clients send durable 25-item BatchWriteItems (each waits for its fsync) without pause.  Every
    # reply is a 200 or a ThrottlingException; accepted ones take at most the queue wait + a
    # few batches (without admission they queue behind all 48: ~48 x a batch, measured 0.44 s
    # p50 with 32 clients), refused ones a few ms; right after the burst the server answers
    # normally.
    srv = ddbchat_server("--pool-threads", "1", "--queue-limit", "2", "--queue-timeout", "500")
    big_table(srv.ddb_url, items=25)
    alone = []
    for _ in range(3):  # one batch alone, for scale
        t0 = time.time()
        assert raw_request(srv.ddb_url, BATCH, target="DynamoDB_20120810.BatchWriteItem")[0] == 200
        alone.append(time.time() - t0)
    one = max(min(alone), 0.01)
    res = hammer(srv.ddb_url, threads=48, seconds=3, body=BATCH,
                 target="DynamoDB_20120810.BatchWriteItem")
    ok = sorted(dt for st, kind, dt in res if st == 200)
    refused = sorted(dt for st, kind, dt in res if st != 200)
    assert {kind for st, kind, _ in res if st != 200} <= {"ThrottlingException"}
    assert {st for st, _, _ in res} <= {200, 400}
    assert ok and refused, (len(ok), len(refused))
    # bounded: the 500 ms queue timeout + the queue (2) and the running one, plus slack for a
    # loaded test machine
    assert ok[-1] < 0.5 + 3 * one + 1.0, (ok[-1], one)
    assert refused[len(refused) // 2] < 0.1, refused[len(refused) // 2]
    # recovery
    t0 = time.time()
    assert raw_request(srv.ddb_url, {})[0] == 200
    assert time.time() - t0 < 1


def test_sdk_retries_the_throttling_reply(ddbchat_server):
    # botocore classifies ThrottlingException as a throttling error and retries it: with its
    # retries on, every write to an overloaded server eventually succeeds; with retries off
    # the same load shows the error to the caller.
    # The retries-off half runs on a server whose writes may wait only 1 ms for the pool
    # thread: with 300 ms, a quiet machine answered every batch in time as often as not
    # (a flaky failure, seen in CI), and nothing was refused to show.
    srv = ddbchat_server("--pool-threads", "1", "--queue-limit", "1", "--queue-timeout", "300")
    strict = ddbchat_server("--pool-threads", "1", "--queue-limit", "1", "--queue-timeout", "1")
    big_table(srv.ddb_url, items=25)
    big_table(strict.ddb_url, items=25)
    items = json.loads(BATCH)["RequestItems"]
    results = {"ok": 0, "throttled": 0, "other": []}
    lock = threading.Lock()

    def client(retrying):
        cfg = Config(retries={"max_attempts": 30, "mode": "standard"} if retrying
                     else {"max_attempts": 1}, read_timeout=60)
        url = srv.ddb_url if retrying else strict.ddb_url
        return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                            aws_access_key_id="x", aws_secret_access_key="x", config=cfg)

    def run(cs, start, rounds):
        start.wait()  # every client made before: all start together
        for i in range(rounds):
            if rounds > 4 and results["throttled"]:
                return  # retries off: until the error has reached a caller
            try:
                cs[i % len(cs)].batch_write_item(RequestItems=items)
                with lock:
                    results["ok"] += 1
            except ClientError as e:
                with lock:
                    if e.response["Error"]["Code"] == "ThrottlingException":
                        results["throttled"] += 1
                    else:
                        results["other"].append(e.response["Error"]["Code"])

    for retrying, n in ((True, 8), (False, 16)):
        start = threading.Barrier(n)
        # retries on: 4 batches each, all must succeed; off: up to 50 each until one is
        # refused (the 16 Python clients, serialised by the GIL, overlap only now and then)
        rounds = 4 if retrying else 50
        # with retries on, each batch has a client of its own: botocore's standard mode
        # draws every retry from a per-client quota (500 tokens, 5 a retry, only one retry's
        # worth given back on success), so one client's 4 batches under the ASan server at
        # load could drain it and see the error after a single retry ("reached max retries:
        # 1", CI at 4b429a8); a fresh client has its full 29 retries
        ts = [threading.Thread(target=run, args=([client(retrying) for _ in
                                                   range(rounds if retrying else 1)],
                                                  start, rounds))
              for _ in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if retrying:
            assert results == {"ok": 32, "throttled": 0, "other": []}
    assert results["throttled"] > 0 and not results["other"]


def read_answer(s, timeout=10):
    """One answer on a connection the server keeps open: its head and Content-Length of body
    (read_to_close would wait for the close that never comes, `timeout` s)."""
    s.settimeout(timeout)
    data = b""
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length" and len(body) >= int(value):
                    return data
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            return data
        if not chunk:
            return data
        data += chunk


def test_connections_beyond_the_limit_get_the_busy_reply(ddbchat_server):
    # --max-connections 50, 200 connections: the 150 beyond the limit get ThrottlingException
    # to their first request and are closed at once; the 50 are served; after they close,
    # new connections are served again.  (The 50 are in the middle of a request: idle ones
    # give way, test_idle_connections_give_way_to_a_new_client.)
    srv = ddbchat_server("--max-connections", "50", "--max-connections-per-ip", "0")
    u = urllib.parse.urlparse(srv.ddb_url)
    time.sleep(0.3)  # the start-up probe's connection is gone
    held = [busy_connection(u.hostname, u.port) for _ in range(50)]
    time.sleep(0.3)
    t0 = time.time()
    extra = [socket.create_connection((u.hostname, u.port)) for _ in range(150)]
    for s in extra:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n"
                  b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " +
                  DUMMY_AUTH.encode() + b"\r\n\r\n{}")
    for s in extra:
        data = read_to_close(s, 5)
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400") and b"Connection: close" in head, data
        assert json.loads(body) == THROTTLE
        s.close()
    assert time.time() - t0 < 5
    # the held ones are served
    s = held[0]
    s.sendall(b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\nConnection: close\r\n"
              b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " +
              DUMMY_AUTH.encode() + b"\r\n\r\n{}")
    assert read_to_close(s, 5).startswith(b"HTTP/1.1 200")
    for s in held:
        s.close()
    time.sleep(0.3)
    assert raw_request(srv.ddb_url, {})[0] == 200


def test_idle_keep_alive_clients_cannot_hold_every_slot(ddbchat_server):
    # Found as a hostile client: 1,030 clients that each made one request and then sat on
    # their keep-alive connection kept the endpoint answering ThrottlingException to
    # everybody else for the 300 s idle timeout.  Once more than half of --max-connections
    # were open, a connection got only the read timeout after its reply, so the slots came
    # back within seconds; now (hostile21) a new connection at the limit takes the slot of
    # the one idle the longest at once: it is served, not busy, the oldest idle connection is
    # closed, and the others stay usable.
    # The 40 are all open before their requests (GET /metrics counts 40): a reply with over
    # half the slots open takes its byte baseline at once (a connection without one is not
    # taken), not at the reaper's next look.  Such a reply's idle timeout is the read
    # timeout (http_after_reply_timeout): 30 s, far past the test.  With --read-timeout 2 and
    # a wait for the reaper stretched with the load, at load 8-15 the later 20 were closed by
    # that timeout first, the new connection took a free slot and held[0] rightly stayed
    # open (failed 5 runs in 5).
    srv = ddbchat_server("--max-connections", "40", "--max-connections-per-ip", "0",
                         "--read-timeout", "30",
                         "--connection-timeout", "300")
    u = urllib.parse.urlparse(srv.ddb_url)
    time.sleep(0.3)  # the start-up probe's connection is gone
    held = kept_alive(u, 40, open_first=True)
    t0 = time.time()
    assert raw_request(srv.ddb_url, {}, timeout=5)[0] == 200  # not busy: one gave way
    assert time.time() - t0 < 1
    held[0].sock.settimeout(2)
    assert held[0].sock.recv(1) == b""  # the one idle the longest: closed, no reply
    # the others are still usable
    held[-1].request("POST", "/", body=b"{}", headers={
        "X-Amz-Target": "DynamoDB_20120810.ListTables", "Authorization": DUMMY_AUTH,
        "Content-Type": "application/x-amz-json-1.0"})
    assert held[-1].getresponse().status == 200
    for c in held:
        c.close()


def test_memory_bounded_at_1000_connections(ddbchat_server):
    # 1,000 connections each in the middle of a request (head and part of a 1 MB body), then
    # 300 declaring 16 MB bodies: the server's resident memory grows by far less than what
    # the clients announce (the memory budget refuses bodies beyond it with the busy reply),
    # and once the clients are gone it serves as before.
    srv = ddbchat_server("--max-connections", "1100", "--max-connections-per-ip", "0")
    pid = srv.proc.pid
    u = urllib.parse.urlparse(srv.ddb_url)
    assert raw_request(srv.ddb_url, {})[0] == 200
    base = rss_kb(pid)
    socks = []
    try:
        for _ in range(1000):
            s = socket.create_connection((u.hostname, u.port))
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 1000000\r\n"
                      b"X-Amz-Target: DynamoDB_20120810.PutItem\r\n\r\n" + b"{" * 1024)
            socks.append(s)
        time.sleep(1)
        grown = rss_kb(pid) - base
        assert grown < 64 * 1024, f"RSS grew by {grown} KB with 1000 open connections"
        for s in socks:
            s.close()
        socks = []
        for _ in range(300):
            s = socket.create_connection((u.hostname, u.port))
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 16000000\r\n"
                      b"X-Amz-Target: DynamoDB_20120810.PutItem\r\n\r\n" + b"x" * 65536)
            socks.append(s)
        time.sleep(1)
        grown = rss_kb(pid) - base
        assert grown < 400 * 1024, f"RSS grew by {grown} KB with 300 x 16 MB bodies announced"
    finally:
        for s in socks:
            s.close()
    time.sleep(0.5)
    t0 = time.time()
    assert raw_request(srv.ddb_url, {})[0] == 200
    assert time.time() - t0 < 1


def test_memory_bounded_at_1000_keep_alive_connections(ddbchat_server):
    # The costliest idle connection: one kept alive after a served request (its whole
    # per-connection pool has been touched).  Three rounds of 1,000 such connections at the
    # default --max-connections (1024): each round's RSS stays far below the 64 MB bound (about
    # +17 MB measured, RELIABILITY.md), later rounds do not grow past the first (what the
    # first round freed is reused, nothing accumulates), and the server answers at once
    # while they are open and after they close.  Under AddressSanitizer (make e2e-asan) the
    # allocator's redzones and quarantine make RSS no measure of ours (+90 MB seen): there the
    # connections are still served and the server must still answer, the bounds are not held.
    srv = ddbchat_server("--max-connections-per-ip", "0")
    pid = srv.proc.pid
    with open(f"/proc/{pid}/maps") as f:
        sanitized = "libasan" in f.read()
    u = urllib.parse.urlparse(srv.ddb_url)
    for _ in range(20):
        assert raw_request(srv.ddb_url, {})[0] == 200
    base = rss_kb(pid)
    req = (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n"
           b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " +
           DUMMY_AUTH.encode() + b"\r\n\r\n{}")
    peaks = []
    for _ in range(3):
        socks = []
        try:
            for _ in range(1000):
                s = socket.create_connection((u.hostname, u.port))
                s.sendall(req)
                socks.append(s)
            for s in socks:  # every request answered, the connection kept open
                s.settimeout(30)
                head = b""
                while len(head) < 12 and (chunk := s.recv(12 - len(head))):
                    head += chunk
                assert head == b"HTTP/1.1 200"
            time.sleep(0.5)
            peaks.append(rss_kb(pid) - base)
            assert sanitized or peaks[-1] < 64 * 1024, \
                f"RSS grew by {peaks[-1]} KB with 1000 connections"
            t0 = time.time()
            assert raw_request(srv.ddb_url, {})[0] == 200
            assert time.time() - t0 < 2
        finally:
            for s in socks:
                s.close()
        time.sleep(0.5)
    assert sanitized or max(peaks[1:]) < peaks[0] + 8 * 1024, \
        f"RSS growth per round (KB): {peaks}"
    assert raw_request(srv.ddb_url, {})[0] == 200


def test_rest_overload_is_503_with_retry_after(ddbchat_server):
    # The REST API's busy reply: 503, Retry-After, {"error":{"code":"server_busy"}}.
    srv = ddbchat_server("--max-connections", "2", "--max-connections-per-ip", "0",
                         dynamodb_only=False)
    u = urllib.parse.urlparse(srv.api_url)
    time.sleep(0.3)  # the start-up probe's connection is gone
    held = [busy_connection(u.hostname, u.port, b"GET /api/health HTTP/1.1\r\n") for _ in range(2)]
    time.sleep(0.3)
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = read_to_close(s, 5).partition(b"\r\n\r\n")
    s.close()
    assert head.startswith(b"HTTP/1.1 503"), head
    assert b"\r\nRetry-After: 1\r\n" in head
    assert json.loads(body)["error"]["code"] == "server_busy"
    for h in held:
        h.close()
    time.sleep(0.3)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request("GET", "/api/health")
    r = c.getresponse()  # answered again: no table on this server, so no_table, not busy
    assert r.status == 503 and json.loads(r.read())["error"]["code"] == "no_table"
    c.close()


def _listtables_status(url, source=None, timeout=5):
    """ListTables on a fresh connection (from `source`, an address to bind); the status, or
    None when the connection was refused or closed without an answer."""
    u = urllib.parse.urlparse(url)
    try:
        s = socket.create_connection((u.hostname, u.port), timeout=timeout,
                                     source_address=(source, 0) if source else None)
    except OSError:
        return None
    try:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\nConnection: close\r\n"
                  b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " +
                  DUMMY_AUTH.encode() + b"\r\n\r\n{}")
        data = read_to_close(s, timeout)
    except OSError:
        return None
    finally:
        s.close()
    if not data.startswith(b"HTTP/1.1 "):
        return None
    return int(data[9:12])


class Trickler:
    """Slowloris: connections that each send their request a byte at a time, every `every`
    seconds (faster than --read-timeout, so an inactivity timeout never fires), until the
    server closes them.  `closed_at[i]` is when connection i found itself closed."""

    def __init__(self, url, n, every=0.4, kinds=("head",), source=None):
        # kinds[i % len(kinds)]: "head" (never ends its head), "body" (never ends its body),
        # "keepalive" (served once, then trickles its next request)
        u = urllib.parse.urlparse(url)
        self.socks, self.todo, self.closed_at = [], [], {}
        for i in range(n):
            kind = kinds[i % len(kinds)]
            s = socket.create_connection((u.hostname, u.port),
                                         source_address=(source, 0) if source else None)
            s.setblocking(False)
            if kind == "body":  # a complete head, then a body that never finishes
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 100000\r\n"
                          b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " +
                          DUMMY_AUTH.encode() + b"\r\n\r\n")
                rest = b"{" + b" " * 99999
            elif kind == "keepalive":  # a served request, then a trickled next one
                s.setblocking(True)
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n"
                          b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " +
                          DUMMY_AUTH.encode() + b"\r\n\r\n{}")
                s.settimeout(5)
                got = b""
                while b'{"TableNames"' not in got:
                    got += s.recv(4096)
                s.setblocking(False)
                rest = b"POST /" + b"a" * 10000  # a request line that never ends
            else:  # a request line and header lines that never end
                rest = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n" + b"X-Pad: " + b"a" * 10000
                # its first byte now: a connection that has sent nothing is idle, and gives
                # way to a new one at the limit (test_idle_connections_give_way_to_a_new_client)
                s.send(rest[:1])
                rest = rest[1:]
            self.socks.append(s)
            self.todo.append(rest)
        self.every, self.t0 = every, time.time()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def _is_closed(self, s):
        try:
            data = s.recv(65536)
            return data == b"" or data.startswith(b"HTTP/1.1 4")  # closed, or refused
        except BlockingIOError:
            return False
        except OSError:
            return True

    def run(self):
        while not self.stop.is_set():
            for i, s in enumerate(self.socks):
                if i in self.closed_at:
                    continue
                closed = self._is_closed(s)
                if not closed:
                    try:
                        s.send(self.todo[i][:1])
                        self.todo[i] = self.todo[i][1:]
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed = True
                if closed:
                    self.closed_at[i] = time.time() - self.t0
            if len(self.closed_at) == len(self.socks):
                return
            self.stop.wait(self.every)

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


def test_trickling_clients_are_closed_at_their_deadline(ddbchat_server):
    # Slowloris (issue 9.11, found as a hostile client): 1,100 connections that trickled their
    # header lines one byte every few seconds kept the endpoint answering ThrottlingException
    # for as long as they liked, because libmicrohttpd's timeout only measures silence.  Now
    # a request's head must be in within --read-timeout of the connection's start (or of its
    # request line after a served request), and its body within --read-timeout more plus 1 s
    # per 64 KB, however it trickles.  60 tricklers at --max-connections 40 (headers, bodies,
    # and keep-alive connections trickling their second request -- those answered while more
    # than half the slots were open, which get the read timeout as their idle one): all are
    # closed soon after the 2 s deadline, and ListTables answers within 5 s.
    # (--max-connections-per-ip 0: the per-address cap is another test's.)
    srv = ddbchat_server("--max-connections", "40", "--max-connections-per-ip", "0",
                         "--read-timeout", "2", "--connection-timeout", "300")
    time.sleep(0.3)  # the start-up probe's connection is gone
    kinds = ["head", "body"] * 10 + ["keepalive", "head"] * 10 + ["head", "body"] * 10
    tr = Trickler(srv.ddb_url, 60, kinds=kinds)
    try:
        # every slot is taken; but a keep-alive trickler between its first reply and the first
        # byte of its next request counts as idle and may give way to this probe (ee47ca0), so
        # the probe's answer is not asserted: only that the tricklers are gone by the deadline
        # (the CI of bd1ab5d once got 200 here)
        _listtables_status(srv.ddb_url, timeout=2)
        t0 = time.time()
        status = None
        while time.time() - t0 < 5 and status != 200:
            time.sleep(0.2)
            status = _listtables_status(srv.ddb_url)
        assert status == 200, "trickling clients still hold every slot"
        tr.thread.join(timeout=8)
        assert len(tr.closed_at) == 60, f"{60 - len(tr.closed_at)} tricklers still open"
        # each was sending a byte every 0.4 s until the end: closed by the deadline (2 s, and
        # the reaper's 0.2 s period), not by an inactivity timeout
        assert max(tr.closed_at.values()) < 5, sorted(tr.closed_at.values())
    finally:
        tr.close()
    assert raw_request(srv.ddb_url, {}, timeout=5)[0] == 200


def test_a_legitimately_slow_body_is_not_cut(ddbchat_server):
    # The body's deadline grows with what arrives (1 s per 64 KB beyond --read-timeout): a
    # 354 KB PutItem sent at ~200 KB/s over ~1.8 s, past the 1 s read timeout, is answered.
    srv = ddbchat_server("--read-timeout", "1")
    ddb = client_for(srv.ddb_url)
    ddb.create_table(TableName="slow", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    body = json.dumps({"TableName": "slow", "Item": {
        "pk": {"S": "a"}, "v": {"L": [{"S": "x" * 1000} for _ in range(350)]}}}).encode()
    assert len(body) > 350000
    u = urllib.parse.urlparse(srv.ddb_url)
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + str(len(body)).encode() +
              b"\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\nAuthorization: " +
              DUMMY_AUTH.encode() + b"\r\nContent-Type: application/x-amz-json-1.0\r\n\r\n")
    for i in range(0, len(body), 10000):
        s.sendall(body[i:i + 10000])
        time.sleep(0.05)
    head = read_answer(s).split(b"\r\n", 1)[0]
    s.close()
    assert head == b"HTTP/1.1 200 OK", head


def test_one_address_may_use_every_slot_by_default(ddbchat_server):
    # A local database's clients usually share one address (a load test, an SDK's pool), so
    # there is no per-address cap unless --max-connections-per-ip is given: 30 connections
    # from 127.0.0.1 at --max-connections 40 are all held open and each is answered (with a
    # default cap of half the slots, 10 of them were closed unanswered).
    srv = ddbchat_server("--max-connections", "40", "--read-timeout", "60")
    u = urllib.parse.urlparse(srv.ddb_url)
    socks = [socket.create_connection((u.hostname, u.port), timeout=10) for _ in range(30)]
    try:
        time.sleep(0.5)  # every connection accepted before any request
        for s in socks:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n"
                      b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " +
                      DUMMY_AUTH.encode() + b"\r\n\r\n{}")
        for s in socks:
            got = b""
            while b'{"TableNames"' not in got:
                chunk = s.recv(4096)
                assert chunk, f"closed unanswered after {got!r}"
                got += chunk
            assert got.startswith(b"HTTP/1.1 200 "), got
    finally:
        for s in socks:
            s.close()


def test_one_address_cannot_take_every_slot(ddbchat_server):
    # --max-connections-per-ip 20 (no cap by default): 40 connections from
    # 127.0.0.2 at --max-connections 40 hold 20 slots, the other 20 are closed at once, so a
    # client from 127.0.0.1 is served while they are held (before: every slot taken, it got
    # ThrottlingException); trickling does not help them (a long --read-timeout here).
    srv = ddbchat_server("--max-connections", "40", "--max-connections-per-ip", "20",
                         "--read-timeout", "60")
    time.sleep(0.3)
    tr = Trickler(srv.ddb_url, 40, every=0.5, source="127.0.0.2")
    try:
        # the 20 beyond the cap are closed at once, and the trickler sees each on its next
        # round (every 0.5 s): wait for them (a loaded machine is slower than the 1.5 s this
        # slept), then two more rounds, in which none of the 20 held may be closed
        deadline = time.time() + 10
        while len(tr.closed_at) < 20 and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        assert len(tr.closed_at) == 20, sorted(tr.closed_at.values())
        for _ in range(3):
            assert _listtables_status(srv.ddb_url, source="127.0.0.1") == 200
        assert _listtables_status(srv.ddb_url, source="127.0.0.2") is None  # its cap
    finally:
        tr.close()


def test_a_kept_alive_connection_cannot_trickle_its_next_request(ddbchat_server):
    # A connection answered while the server is not busy keeps the idle timeout (300 s here)
    # between requests, and may use it; but once its next request begins, its request line
    # and head are due within --read-timeout however slowly they trickle.  libmicrohttpd says
    # nothing before a request line is complete, so before, a request line trickled a byte
    # every 0.4 s held the connection for the whole idle timeout; the reaper now sees the
    # first byte in the kernel's count of bytes received (TCP_INFO).
    srv = ddbchat_server("--read-timeout", "1", "--connection-timeout", "300")
    u = urllib.parse.urlparse(srv.ddb_url)
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    try:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n"
                  b"X-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: " +
                  DUMMY_AUTH.encode() + b"\r\n\r\n{}")
        got = b""
        while b'{"TableNames"' not in got:
            got += s.recv(4096)
        time.sleep(1.5)  # idle longer than the read timeout: allowed between requests
        s.setblocking(False)
        t0, closed_at = time.time(), None
        for b in b"POST /" + b"a" * 100:  # a request line that never ends
            try:
                if s.recv(65536) == b"":
                    closed_at = time.time() - t0
                    break
            except BlockingIOError:
                pass
            except OSError:
                closed_at = time.time() - t0
                break
            try:
                s.send(bytes([b]))
            except OSError:
                closed_at = time.time() - t0
                break
            time.sleep(0.4)
        # closed by the 1 s read timeout (and the reaper's 0.2 s period), not the idle one
        assert closed_at is not None and 0.75 < closed_at < 3.5, closed_at
    finally:
        s.close()
    assert raw_request(srv.ddb_url, {}, timeout=5)[0] == 200


def test_idle_connections_give_way_to_a_new_client(ddbchat_server):
    # hostile21 (fuzz20's "Left alone"): 10,000 idle connections held every slot, and the 256
    # busy ones over the limit, until their 10 s read timeout; a new client waited behind
    # them in the kernel's backlog and got even the busy reply only after 30-40 s.  At its
    # connection limit the server now closes the connection idle the longest (sending
    # nothing: never used, or between requests after its reply) for each new one, as nginx
    # reuses its keep-alive connections when worker_connections run out; so a new client is
    # answered at once.  Here: 8 slots, 8 kept-alive connections served once, then 300 that
    # never send (before: 264 accepted, 8 + the 256 over the limit, and the rest queued).
    # The 8 are all open before their requests (GET /metrics counts 8): a reply with over
    # half the slots open takes its byte baseline at once, so no wait for the reaper's next
    # look (a fixed 0.5 s before, which the load can outlast, as it did
    # test_idle_keep_alive_clients_cannot_hold_every_slot's).
    srv = ddbchat_server("--max-connections", "8", "--max-connections-per-ip", "0",
                         "--read-timeout", "10", "--connection-timeout", "300")
    u = urllib.parse.urlparse(srv.ddb_url)
    time.sleep(0.3)  # the start-up probe's connection is gone
    served = kept_alive(u, 8, open_first=True)
    silent = [socket.create_connection((u.hostname, u.port)) for _ in range(300)]
    time.sleep(0.5)
    try:
        for _ in range(3):
            t0 = time.time()
            status = raw_request(srv.ddb_url, {}, timeout=5)[0]
            took = time.time() - t0
            assert status == 200 and took < 1, (status, took)
        # the served ones were idle the longest: each was closed (a FIN, no reply), not reset
        for c in served:
            c.sock.settimeout(2)
            assert c.sock.recv(1) == b""
    finally:
        for s in silent:
            s.close()
        for c in served:
            c.close()


def test_a_freed_slot_goes_to_a_connection_over_the_limit(ddbchat_server):
    # hostile21: a connection that came over the limit while a slot's holder was closing
    # (its client had closed, the server had not yet seen it) stayed over the limit when that
    # slot was freed, and the freed slot went to the next new connection: with two connections
    # in the middle of a request at --max-connections 2, a third was served (a 200 kept
    # alive) instead of getting the busy reply (test_serve test_max_connections_limit failed
    # 2 runs in 6).  A freed slot now passes to a connection over the limit.  The server is
    # stopped while a slot holder (mid-request) closes and two more connect, so on resuming
    # the closes and the accepts are seen in either order.
    import signal
    srv = ddbchat_server("--max-connections", "2", "--max-connections-per-ip", "0")
    u = urllib.parse.urlparse(srv.ddb_url)
    time.sleep(0.3)  # the start-up probe's connection is gone
    statuses = []
    for _ in range(6):
        a = [busy_connection(u.hostname, u.port) for _ in range(2)]
        time.sleep(0.1)
        os.kill(srv.proc.pid, signal.SIGSTOP)
        try:
            a[0].close()
            held = [busy_connection(u.hostname, u.port)]
        finally:
            os.kill(srv.proc.pid, signal.SIGCONT)
        time.sleep(0.3)
        # live: a[1] and held[0], both in the middle of a request: the limit
        third = socket.create_connection((u.hostname, u.port))
        third.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n"
                      b"Content-Length: 2\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
                      b"Authorization: " + DUMMY_AUTH.encode() + b"\r\n\r\n{}")
        data = read_to_close(third, 5)
        statuses.append(data[:12])
        third.close()
        for s in [a[1]] + held:
            s.close()
        time.sleep(0.3)
    assert all(s == b"HTTP/1.1 400" for s in statuses), statuses


def test_low_descriptor_limit_cuts_the_connection_limits(tmp_path):
    # attack27: under a hard RLIMIT_NOFILE below what the connection limits need (a container
    # with nofile 64; serve raises the soft limit to the hard one, no further), the limits
    # stayed 1024 + 4096: idle connections took every descriptor, accept() failed with EMFILE,
    # and a new client waited in the backlog past its timeout (300 silent connections at
    # nofile 64: a ListTables timed out after 8 s).  Now the limits are cut to what fits,
    # with a warning naming the numbers, so idle connections give way to a new client as at
    # any limit; a limit too low to serve at all is refused at start.
    import resource
    import subprocess
    from conftest import ddbchat_bin, free_port, wait_port

    def serve(nofile, *extra):
        port, log = free_port(), tmp_path / f"serve{nofile}.log"
        with open(log, "wb") as fp:
            proc = subprocess.Popen(
                [ddbchat_bin(), "serve", "--data-dir", str(tmp_path / f"d{nofile}"),
                 "--dynamodb-port", str(port), *(extra or ["--dynamodb-only"]), "--quiet"],
                stdout=subprocess.DEVNULL, stderr=fp,
                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile)))
        return proc, port, log

    proc, port, log = serve(40)
    assert proc.wait(timeout=30) != 0
    assert "RLIMIT_NOFILE is 40: too few descriptors to serve" in log.read_text()
    # review27 L1: the busy overflow (a courtesy reply) gives way first, down to 16 per
    # listener: both listeners' --max-connections 100 fit in a hard 1024 (512 spare), and
    # were cut to 71 each to keep 184 + 184 busy slots.
    proc, port, log = serve(1024, "--api-port", str(free_port()), "--max-connections", "100")
    try:
        wait_port(port, proc, timeout=30)
        assert ("RLIMIT_NOFILE is 1024 (hard limit): connections kept at 100 on the DynamoDB "
                "endpoint and 100 on REST (+156 and 156 answered busy)") in log.read_text(), \
            log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    proc, port, log = serve(64)
    silent = []
    try:
        wait_port(port, proc, timeout=30)
        assert "RLIMIT_NOFILE is 64 (hard limit): connections cut to" in log.read_text()
        url = f"http://127.0.0.1:{port}"
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
        time.sleep(0.5)
        for _ in range(3):
            t0 = time.time()
            status = raw_request(url, {}, timeout=8)[0]
            assert status == 200 and time.time() - t0 < 3, (status, time.time() - t0)
        assert proc.poll() is None
    finally:
        for s in silent:
            s.close()
        proc.terminate()
        proc.wait(timeout=30)


def server_sockets(pid):
    """The sockets process pid holds open."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return n


def test_dropped_rest_clients_free_their_slots(ddbchat_server):
    # Issue 9.2 on the REST listener: clients that send the headers and part of a body, then
    # close, must not hold their slot (CLOSE-WAIT until the idle timeout: with
    # --max-connections 40, 150 of them locked everyone out on the endpoint under
    # libmicrohttpd 0.9.75's epoll, which the REST listener used for a while in session 28
    # and which is why both listeners poll with poll(2)).  After 500 such drops the API
    # answers within 5 s.
    srv = ddbchat_server("--max-connections", "40", "--max-connections-per-ip", "0",
                         dynamodb_only=False)
    u = urllib.parse.urlparse(srv.api_url)
    time.sleep(0.3)  # the start-up probe's connection is gone
    before = server_sockets(srv.proc.pid)
    for i in range(500):
        s = socket.create_connection((u.hostname, u.port))
        path = b"/api/messages" if i % 2 else b"/api/users"
        s.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x.y.z\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":")
        s.close()
    t0 = time.time()
    deadline = t0 + 5
    code = None
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
            c.request("GET", "/api/health")
            code = json.loads(c.getresponse().read())["error"]["code"]
            c.close()
        except (OSError, ValueError, KeyError):
            code = None
        if code == "no_table":  # answered (no table on this server), not server_busy
            break
        time.sleep(0.05)
    assert code == "no_table", f"the API not answered within 5 s of 500 dropped clients: {code}"
    # and the server holds none of them: its sockets on the port are back to what they were
    # within a second (before, 41 sat in CLOSE-WAIT until their 10 s read timeout)
    deadline = time.time() + 1.0 * min(5.0, max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1)))
    while True:
        held = server_sockets(srv.proc.pid) - before
        if held <= 2 or time.time() > deadline:
            break
        time.sleep(0.05)
    assert held <= 2, f"{held} sockets of dropped clients still held by the server"


def _half_closed_request(host, port, req):
    """Sends req whole, shuts down the sending side (a half-close), reads to EOF."""
    s = socket.create_connection((host, port))
    s.settimeout(20)
    data = b""
    try:
        s.sendall(req)
        s.shutdown(socket.SHUT_WR)
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    finally:
        s.close()
    return data


def test_half_closing_rest_clients_are_answered(msg_server):
    # HTTP/1.1 lets a client send its whole request and then shut down its sending side (nc -N
    # and some proxies do): it still gets its answer.  While the REST listener used epoll
    # (session 28), a reaper look for the FINs libmicrohttpd 0.9.75's epoll misses shut down
    # such connections before their request was dispatched: 24 clients at once, 480
    # authenticated 60 KB POSTs, 10-16 got no answer at all (review28b F5).  Every one is
    # answered (400: no such receiver).
    u = urllib.parse.urlparse(msg_server.api_url)
    tok = token(add_user(msg_server, "halfclose", "Half Close")).encode()
    body = b'{"receiver_handle":"nobody","message":"' + b"a" * 60000 + b'"}'
    req = (b"POST /api/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok +
           b"\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
           str(len(body)).encode() + b"\r\n\r\n" + body)
    res = []
    lock = threading.Lock()

    def client():
        for _ in range(20):
            d = _half_closed_request(u.hostname, u.port, req)
            with lock:
                res.append(d[:12])

    ts = [threading.Thread(target=client) for _ in range(24)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    codes = {}
    for k in res:
        codes[k] = codes.get(k, 0) + 1
    assert codes == {b"HTTP/1.1 400": 480}, f"answers to 480 half-closed requests: {codes}"


def rss_anon_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return 0


@pytest.fixture
def msg_server_unreaped():
    """A messaging server whose replies that are never read stay held for the whole test: its
    read timeout (600 s) is longer than the test, so the reaper (http_conn.c http_reap_send)
    drops none of them (the module's server drops them at 10 s)."""
    srv = start_msg_server("--read-timeout", "600")
    try:
        yield srv
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


def test_rest_replies_to_clients_that_do_not_read_stay_within_a_budget(msg_server_unreaped):
    # A listing of 100 messages of control characters (each escaped in six bytes: ~630 KB)
    # asked for by clients that never read: the REST listener holds at most its reply budget
    # (64 MB past each reply's first 16 KB), a read past it gets the busy 503 at once, small
    # answers still come, and once the clients go the listing is served again.  Before the
    # budget 1,000 such clients held 562 MB (RssAnon) and every listing was a 200.  What the
    # kernel took of the replies sits in the server's sockets on top of that: each holds at
    # most its SO_SNDBUF (128 KB); before that cap Linux grew them to tcp_wmem's 4 MB, and
    # these 300 clients held 379 MB of socket buffers beside 73 MB of RssAnon (fix31).  On a
    # server of its own: with the module's 10 s read timeout, at load 9 the first listing was
    # answered 12 s after the 300 clients had asked, the reaper had dropped 109 of them (ss)
    # and more later, and the budget never filled (a 200 at the 30 s deadline, 3 runs of 3).
    msg_server = msg_server_unreaped
    u = urllib.parse.urlparse(msg_server.api_url)
    sender = token(add_user(msg_server, "bigsender", "Big Sender"))
    add_user(msg_server, "bigreader", "Big Reader")
    group = None
    for _ in range(100):
        st, _, body = rest(msg_server, "POST", "/api/messages", sender,
                           {"message": "a" + "\x01" * 1023,
                            **({"message_group_uuid": group} if group else {"handle": "bigreader"})})
        assert st == 200, body
        group = body["message_group_uuid"]
    path = f"/api/messages/{group}?limit=100"
    st, _, page = rest(msg_server, "GET", path, sender)
    assert st == 200 and len(page) == 100
    req = (f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {sender}\r\n\r\n").encode()
    pid = msg_server.proc.pid
    before = rss_anon_kb(pid)
    held = []
    try:
        for _ in range(300):  # ~185 MB of replies past their free part, never read
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect((u.hostname, u.port))
            s.sendall(req * 12)  # the kernel takes a few MB of replies first (tcp_wmem)
            held.append(s)
        deadline, peak = time.time() + 30, 0  # 300 listings take a while on a loaded machine
        while True:
            st, hdrs, body = rest(msg_server, "GET", path, sender)
            peak = max(peak, rss_anon_kb(pid))
            if st != 200 or time.time() > deadline:
                break
            time.sleep(0.5)
        assert st == 503 and body["error"]["code"] == "server_busy", (st, str(body)[:200])
        time.sleep(2)
        peak = max(peak, rss_anon_kb(pid))
        assert hdrs.get("retry-after") == "1"
        st, _, me = rest(msg_server, "GET", "/api/me", sender)
        assert st == 200 and me["handle"] == "bigsender"
        assert peak - before < 120 * 1024, f"RssAnon grew {(peak - before) // 1024} MB"
        if shutil.which("ss"):  # the server's end of each connection: bytes queued, buffer
            out = subprocess.run(["ss", "-tnmH", "state", "established", f"( sport = :{u.port} )"],
                                 capture_output=True, text=True, timeout=20).stdout
            queued = sum(int(x) for x in re.findall(r",w(\d+)", out))
            bufs = [int(x) for x in re.findall(r",tb(\d+)", out)]
            assert len(bufs) >= 300 and max(bufs) <= 256 * 1024, (len(bufs), max(bufs or [0]))
            assert queued < 300 * 160 * 1024, f"socket buffers hold {queued >> 20} MB"
    finally:
        for s in held:
            s.close()
    deadline = time.time() + 10
    while True:
        st, _, body = rest(msg_server, "GET", path, sender)
        if st == 200 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert st == 200 and len(body) == 100, (st, body)


def _connections(url):
    """The endpoint's open connections as its GET /metrics counts them (this one included)."""
    u = urllib.parse.urlparse(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
    finally:
        c.close()
    for line in text.splitlines():
        if line.startswith('ddbchat_http_connections{listener="dynamodb"} '):
            return int(line.split()[1])
    raise AssertionError("no connection gauge in /metrics")


def _big_batch_table(url, items=100, size=163_000):
    """A table whose 100-key BatchGetItem answers ~16 MB (AWS's reply limit)."""
    c = big_table(url, items=0)
    for i in range(items):
        c.put_item(TableName="big", Item={"pk": {"S": f"k{i}"}, "v": {"S": "y" * size}})
    body = json.dumps({"RequestItems": {"big": {"Keys": [
        {"pk": {"S": f"k{i}"}} for i in range(items)]}}}).encode()
    return c, body


def _batch_get_request(body):
    return (f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.BatchGetItem\r\n"
            f"Content-Type: application/x-amz-json-1.0\r\nAuthorization: {DUMMY_AUTH}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def _fill_with_non_readers(srv, body, n=20):
    """n clients send the BatchGetItem answering ~16 MB at once (each its request but the last
    byte, then every last byte), and never read: (their sockets, the heads of their answers,
    b"" for one closed unanswered).  At once, so that the replies are held together: sent one
    after another, ~0.3 s each on a loaded 2-core host, the first ones were dropped at the
    read timeout before the later ones were answered, and the budget never filled."""
    port = int(srv.ddb_url.rsplit(":", 1)[1])
    req = _batch_get_request(body)
    socks, heads = [], []
    for _ in range(n):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        socks.append(s)
        s.connect(("127.0.0.1", port))
        s.sendall(req[:-1])
    for s in socks:
        s.sendall(req[-1:])
    for s in socks:
        s.settimeout(60)
        head = s.recv(300, socket.MSG_PEEK)  # answered (its first bytes), never read
        # or closed unanswered (b""): the server, busy with the others' replies, took its
        # request up only after the read timeout (seen at load 9 with a 2 s one)
        assert head == b"" or head.startswith(b"HTTP/1.1 200") or (
            b"ThrottlingException" in head), head
        heads.append(head)
    return socks, heads


def test_replies_that_are_never_read_are_dropped_at_the_read_timeout(ddbchat_server):
    # A slow-read attack (attack31): clients that send a BatchGetItem answering 16 MB and never
    # read it.  Their replies' text waits in the server, charged to the endpoint's 256 MB reply
    # budget, and the budget held, every other client's large read is refused
    # (ThrottlingException) until the non-readers' connections go.  They went only at the idle
    # timeout (300 s): 20 such clients (15 answered, the budget then full) left a legitimate
    # BatchGetItem ThrottlingException for the 43 s measured.  Now a reply whose client has
    # acknowledged none of its waiting bytes for --read-timeout is dropped (nginx's
    # send_timeout) while the replies being sent hold more than half the budget, its budget
    # given back: the legitimate read is answered within the read timeout and the reaper's
    # second, and the non-readers answered 200 are disconnected until those left hold half the
    # budget at most (README "Timeouts": the rest keep their connections, as a slow reader does
    # while the budget has room; all were expected to go, and 6 to 8 stayed when the replies
    # were answered over more than a second).  The budget must fill first, or the test proves
    # nothing: if the non-readers' replies took longer than the read timeout to come (a loaded
    # machine) and none was refused, again with a server of twice the read timeout.
    for read_timeout in (2, 4, 8, 16):
        srv = ddbchat_server("--read-timeout", str(read_timeout), "--connection-timeout", "300")
        _, body = _big_batch_table(srv.ddb_url)
        socks, heads = _fill_with_non_readers(srv, body)
        throttled = sum(b"ThrottlingException" in h for h in heads)
        if throttled:
            break
        for s in socks:
            s.close()
        srv.stop()
    else:
        pytest.fail("the reply budget never filled, even with a 16 s read timeout")
    try:
        length = max(int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", h).group(1))
                     for h in heads if h.startswith(b"HTTP/1.1 200"))
        # the replies that half the budget (ddb_proto.h DDB_PROTO_REPLY_FREE's 64 KB of each
        # not charged) holds: 7 of ~16.3 MB
        fit = (128 << 20) // (length - (64 << 10))
        c = boto3.client("dynamodb", endpoint_url=srv.ddb_url, region_name="us-east-1",
                         aws_access_key_id="x", aws_secret_access_key="x",
                         config=Config(retries={"max_attempts": 1, "mode": "standard"},
                                       read_timeout=60))  # one attempt: no retries waiting it out
        t0 = time.time()
        limit = read_timeout + 13  # the read timeout, the reaper's second, a loaded machine
        keys = json.loads(body)["RequestItems"]["big"]["Keys"]
        while True:
            try:
                r = c.batch_get_item(RequestItems={"big": {"Keys": keys}})
                break
            except ClientError as e:
                assert e.response["Error"]["Code"] == "ThrottlingException", e.response
            assert time.time() - t0 < limit, "the non-readers still hold the reply budget"
            time.sleep(0.5)
        assert time.time() - t0 < limit, "the non-readers held the reply budget"
        assert len(r["Responses"]["big"]) + sum(
            len(v["Keys"]) for v in r.get("UnprocessedKeys", {}).values()) == 100
        # the non-readers answered 200 go until those left fit half the budget; those answered
        # ThrottlingException took their small reply and idle (the idle timeout's), as do
        # boto3's and the probe's
        while (n := _connections(srv.ddb_url) - throttled - 2) > fit:
            assert time.time() - t0 < limit, f"{n} non-readers still connected ({fit} fit)"
            time.sleep(0.5)
    finally:
        for s in socks:
            s.close()


def _read_slowly_then_whole(srv, chunk, seconds):
    """Sends the 16 MB BatchGetItem on a raw socket (64 KB receive buffer), reads `chunk`
    bytes every 0.5 s for `seconds`, then the rest at once: the whole reply must come."""
    _, body = _big_batch_table(srv.ddb_url)
    port = int(srv.ddb_url.rsplit(":", 1)[1])
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    try:
        s.sendall(_batch_get_request(body))
        s.settimeout(30)
        data = b""
        t0 = time.time()
        while time.time() - t0 < seconds:
            got = s.recv(chunk)
            assert got, f"closed after {len(data)} bytes, {time.time() - t0:.1f} s"
            data += got
            time.sleep(0.5)
        head, _, rest = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        length = int([h.split(b":")[1] for h in head.split(b"\r\n")
                      if h.lower().startswith(b"content-length:")][0])
        while len(rest) < length:
            got = s.recv(1 << 20)
            assert got, f"closed after {len(rest)} of {length} bytes"
            rest += got
        assert len(json.loads(rest)["Responses"]["big"]) > 0
    finally:
        s.close()


def test_a_very_slow_reader_keeps_its_connection_while_replies_have_room(ddbchat_server):
    # A reader too slow for the kernel to reopen its window within the read timeout (4 KB
    # every 0.5 s: on loopback the window moves in steps of ~64 KB, so no byte is acknowledged
    # for ~8 s) is not a non-reader to drop while the reply budget has room: it gets its whole
    # reply.  Failed before (review31c R31c-3): dropped after 2 s of no acknowledged byte, its
    # reply cut off after the ~4 MB the kernel had queued.
    _read_slowly_then_whole(ddbchat_server("--read-timeout", "2", "--connection-timeout", "300"),
                            4096, 9)


def test_a_slow_reader_of_a_large_reply_keeps_its_connection(ddbchat_server):
    # The other side of the send timeout above: a client that reads its 16 MB reply slowly
    # (64 KB every 0.5 s for 5 s, past the 2 s read timeout, then the rest at once) acknowledges
    # bytes all along and gets the whole reply.
    _read_slowly_then_whole(ddbchat_server("--read-timeout", "2", "--connection-timeout", "300"),
                            65536, 5)
