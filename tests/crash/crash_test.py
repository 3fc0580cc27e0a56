#!/usr/bin/python3
"""Crash-safety harness: SIGKILL a loaded ddbchat server at random moments, restart it on the
same data dir, and check that nothing acknowledged was lost and nothing was half-applied.

Usage:
  crash_test.py [--bin build/ddbchat] [--cycles 5] [--seed N] [--max-run 2.5]
                [--summary FILE] [--keep] [--quiet]

Each cycle runs concurrent writers against a real `ddbchat serve` (durable, the default),
kills it with SIGKILL after a random 0.2..--max-run seconds (and now and then a second time
while it is starting up again), restarts it on the same data dir and runs every check below
with no load.  The data accumulates across cycles; a check that fails names the cycle, the
key and what it found, and the exit status is 1.

Writers (one thread each, every key written by one writer only, so its expected state is
known exactly; a request whose answer was lost to the kill is "in doubt": either outcome is
allowed, and the check then learns which one it was):
  put      PutItem of new items into crash_a (every 7th request a DeleteItem of an earlier one)
  update   UpdateItem of a few registers in crash_a: SET of every attribute (moving the GSI
           key, adding/removing the LSI key) guarded by the register's version
  batch    BatchWriteItem: 4 puts into crash_a, 2 into crash_b, a delete of an earlier item
  txn      TransactWriteItems: Put crash_a, Put crash_b, Update of the writer's counter in
           crash_b (n = T guarded by n = T-1) and Delete of transaction T-2's crash_a item
  msg x2   POST /api/messages between six users (messaging patterns C + D); the recipient
           marks every third one read (PUT /api/message_groups/<g>/read); every fourth step
           deletes a conversation's newest message (its sender's DELETE /api/messages/<g>/
           <created_at>: the rows move back to the message before), every 40th all of its
           messages; every 20th sends 1-3 messages in the writer's own pair's conversation
           (EMPTIED users) and deletes them all: it stays emptied
  stream x2  PutItem (now and then a BatchWriteItem of 3) into crash_s, whose stream is on
           (NEW_IMAGE): each of the writer's 8 keys gets v = 1, 2, 3, ... in order
The server runs with --stream-split-seconds 1 --stream-shard-seconds 3: crash_s's stream
splits from 1 to 16 open shards in its first seconds and every shard rolls over after 3 s,
so kills land amid splits and rollovers (a split's descriptor + layout txn, a writer's
record + index entry).

Checks (CHECKS, in order; each gets the Harness and returns a list of problems):
  acked        every acknowledged item is there exactly as written (deleted ones absent);
               an in-doubt item is as before or as after its request
  txn_atomic   per transaction writer, the counter c says which transactions were applied:
               every item of T <= c is there (T's crash_a item unless T+2 <= c deleted it),
               none of T > c; every acknowledged T <= c; c <= the last one sent
  indexes      every index of crash_a (GSI ALL, GSI KEYS_ONLY, LSI INCLUDE) and the messaging
               GSI equals the projection of its table's items that carry its key
  messages     every acknowledged message is stored (by its key) with its uuid and text; a
               message whose DELETE was answered 204 is not
  pattern_d    over the whole messaging table: per conversation two conversation rows (one
               per participant) at the newest message's time with its text, the pair row's
               last_message_at equal to it, one pair row per conversation; each row's read
               marker: unread = the other person's messages after its read_to, and every
               acknowledged mark-read (the msg writers' recipient reads every third message)
               still there (read_to at least the one answered; unless the marked message
               itself was deleted since, which caps the marker to the new last one); a
               conversation whose every message is deleted: its two rows at the pair row's
               last_message_at, no message, unread 0, the pair row without last_from (before
               session 31 such rows were taken for orphans)
  streams      crash_s's stream, every shard read by GetRecords from TRIM_HORIZON, parents
               before children: each acknowledged put's record once, an in-doubt one's at
               most once, no other; per key in write order on one root-to-leaf path of the
               shard lineage; sequence numbers unique, rising within a shard; each key's
               newest record is the item the table holds.  A ranged stream's GetRecords reads
               a shard through its index entries ('X', src/store/stream.c), so a record
               without its entry shows as a put missing from the stream (or, for an in-doubt
               put, as the table's item newer than the stream) and an entry without its
               record as a failed read.  An in-doubt put is settled at the check: applied,
               it counts as acknowledged; not applied, its record must never appear.
To add a check: write `def check_x(h): ... return problems` and add it to CHECKS.  Every acknowledged
write is also in h.ledger, in acknowledgement order: dicts {op, table, key, image (None for a
delete), cycle, seq}; a key's entries are in its writer's order (one writer per key).
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
DUMMY_AUTH = ("AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
              "SignedHeaders=host, Signature=" + "0" * 64)
MSG_TABLE = "cruddur-messages"
MSG_GSI = "message-group-sk-index"
USERS = [f"cu{i}" for i in range(6)]
EMPTIED = [f"ce{i}" for i in range(4)]  # a pair per msg writer: conversations it empties
TXN_WRITERS = 1


class InDoubt(Exception):
    """The server went away before answering: the request may or may not have been applied."""


class Refused(Exception):
    """The server answered with an error (the request was not applied)."""


# ---- server ---------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"server did not listen on {port} within {timeout}s")


class Server:
    def __init__(self, binary, data_dir, log):
        self.binary, self.data_dir, self.log = binary, data_dir, log
        self.proc = None
        self.dport = self.aport = None

    def start(self):
        self.dport, self.aport = free_port(), free_port()
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.data_dir, "--quiet",
             "--dynamodb-port", str(self.dport), "--api-port", str(self.aport),
             # crash_s's stream splits every second (1 -> 16 open shards) and every shard
             # rolls over after 3 s, so kills land amid splits and rollovers too
             "--stream-split-seconds", "1", "--stream-shard-seconds", "3"],
            stdout=subprocess.DEVNULL, stderr=self.log)

    def wait_ready(self):
        if not wait_port(self.dport, self.proc) or not wait_port(self.aport, self.proc):
            raise RuntimeError(f"server exited with status {self.proc.returncode} at start-up")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def stop(self):
        """Graceful stop; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return "timeout"
        return self.proc.returncode


# ---- clients --------------------------------------------------------------------------

class Conn:
    """One keep-alive connection to the current server (reconnects after a restart)."""

    def __init__(self, h):
        self.h = h
        self.conn = None
        self.port = None

    def _request(self, port, method, path, body, headers):
        if self.conn is None or self.port != port:
            if self.conn:
                self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            self.port = port
        try:
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
            data = r.read()
            return r.status, data
        except (OSError, http.client.HTTPException) as ex:
            self.conn.close()
            self.conn = None
            raise InDoubt(str(ex))

    def ddb(self, op, body, target="DynamoDB_20120810."):
        """A DynamoDB request (a DynamoDB Streams one with target="DynamoDBStreams_20120810.");
        returns the parsed answer, raises Refused / InDoubt."""
        st, data = self._request(self.h.server.dport, "POST", "/", json.dumps(body),
                                 {"X-Amz-Target": target + op,
                                  "Content-Type": "application/x-amz-json-1.0",
                                  "Authorization": DUMMY_AUTH})
        if st == 200:
            return json.loads(data)
        if st >= 500:  # an internal error may come after the write was applied
            raise InDoubt(f"{op}: {st} {data[:300]!r}")
        raise Refused(f"{op}: {st} {data[:300]!r}")

    def rest(self, method, path, token, body=None):
        st, data = self._request(self.h.server.aport, method, path,
                                 json.dumps(body) if body is not None else None,
                                 {"Authorization": "Bearer " + token,
                                  "Content-Type": "application/json"})
        if st == 200:
            return json.loads(data)
        if st == 204:  # (a DELETE's answer)
            return None
        if st >= 500:
            raise InDoubt(f"{method} {path}: {st} {data[:300]!r}")
        raise Refused(f"{method} {path}: {st} {data[:300]!r}")


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def key_of(table, item):
    if table == "crash_a":
        return (table, item["pk"]["S"], int(item["sk"]["N"]))
    return (table, item["pk"]["S"])


def key_av(k):
    if k[0] == "crash_a":
        return {"pk": S(k[1]), "sk": N(k[2])}
    return {"pk": S(k[1])}


# ---- the expected state ---------------------------------------------------------------

class Expect:
    """Per key: the states it may be in (an item dict, or None = absent).  One writer per key,
    so writes to a key are sequential: an acknowledged write leaves exactly its state; one
    in doubt adds its state to the candidates until a check reads which it was."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cand = {}  # key -> list of states

    def acked(self, k, state):
        with self.lock:
            self.cand[k] = [state]

    def in_doubt(self, k, state):
        with self.lock:
            c = self.cand.setdefault(k, [None])
            if state not in c:
                c.append(state)

    def current(self, k):
        """The state the writer may assume (only valid when the key is not in doubt)."""
        with self.lock:
            c = self.cand.get(k, [None])
            return c[0] if len(c) == 1 else "?"


# ---- writers --------------------------------------------------------------------------

class Writer:
    """Runs step() in a loop (one thread per cycle) until the cycle stops or the server is
    gone; its state carries over from cycle to cycle."""

    def __init__(self, h, name, wid):
        self.h, self.name_, self.wid = h, name, wid
        self.conn = Conn(h)
        self.rng = random.Random(h.seed * 1000 + wid)
        self.ops = self.acks = self.doubts = 0

    def run(self, stop):
        while not stop.is_set():
            self.ops += 1
            try:
                self.step()
                self.acks += 1
            except InDoubt:
                self.doubts += 1
                return  # the server is gone: wait for the next cycle
            except Refused as ex:
                self.h.problem(f"{self.name_}: refused: {ex}")
                return

    def ledger(self, op, k, image):
        self.h.record(op, k, image)


def pad(rng):
    return "x" * rng.randrange(0, 600)


class PutWriter(Writer):
    def __init__(self, h, wid):
        super().__init__(h, "put", wid)
        self.next = 0
        self.live = []

    def step(self):
        if self.live and self.next % 7 == 6:
            k = self.live.pop(self.rng.randrange(len(self.live)))
            self.next += 1
            try:
                self.conn.ddb("DeleteItem", {"TableName": "crash_a", "Key": key_av(k)})
            except InDoubt:
                self.h.exp.in_doubt(k, None)
                raise
            self.h.exp.acked(k, None)
            self.ledger("delete", k, None)
            return
        i = self.next
        self.next += 1
        item = {"pk": S(f"p{self.wid}"), "sk": N(i), "gh": S(f"g{i % 5}"), "v": S(f"put {i}"),
                "pad": S(pad(self.rng))}
        if i % 3:
            item["ls"] = S(f"l{i % 4}")
        k = key_of("crash_a", item)
        try:
            self.conn.ddb("PutItem", {"TableName": "crash_a", "Item": item})
        except InDoubt:
            self.h.exp.in_doubt(k, item)
            self.live.append(k)
            raise
        self.h.exp.acked(k, item)
        self.live.append(k)
        self.ledger("put", k, item)


class UpdateWriter(Writer):
    REGS = 4

    def __init__(self, h, wid):
        super().__init__(h, "update", wid)

    def step(self):
        r = self.rng.randrange(self.REGS)
        k = ("crash_a", f"u{self.wid}", r)
        cur = self.h.exp.current(k)
        if cur == "?":
            raise RuntimeError("update writer: register in doubt")  # checks resolve it first
        n = int(cur["n"]["N"]) + 1 if cur else 1
        item = {"pk": S(k[1]), "sk": N(r), "n": N(n), "v": S(f"upd {n}"),
                "gh": S(f"g{n % 5}"), "pad": S(pad(self.rng))}
        sets = "#n = :n, #v = :v, gh = :g, #p = :p"  # (names: N and PAD are reserved words)
        vals = {":n": N(n), ":v": item["v"], ":g": item["gh"], ":p": item["pad"]}
        if n % 2:
            item["ls"] = S(f"l{n % 4}")
            sets += ", #l = :l"
            vals[":l"] = item["ls"]
            expr = "SET " + sets
        else:
            expr = "SET " + sets + " REMOVE #l"
        cond = "attribute_not_exists(pk)"
        if cur:
            cond = "#n = :prev"
            vals[":prev"] = cur["n"]
        body = {"TableName": "crash_a", "Key": key_av(k), "UpdateExpression": expr,
                "ConditionExpression": cond, "ExpressionAttributeValues": vals,
                "ExpressionAttributeNames": {"#n": "n", "#v": "v", "#p": "pad", "#l": "ls"}}
        try:
            self.conn.ddb("UpdateItem", body)
        except InDoubt:
            self.h.exp.in_doubt(k, item)
            raise
        self.h.exp.acked(k, item)
        self.ledger("update", k, item)


class BatchWriter(Writer):
    def __init__(self, h, wid):
        super().__init__(h, "batch", wid)
        self.next = 0
        self.live = []

    def step(self):
        b = self.next
        self.next += 1
        writes = []  # (key, state)
        reqs = {"crash_a": [], "crash_b": []}
        for j in range(4):
            item = {"pk": S(f"b{self.wid}"), "sk": N(b * 4 + j), "gh": S(f"g{j}"),
                    "v": S(f"batch {b}"), "pad": S(pad(self.rng))}
            if j % 2:
                item["ls"] = S(f"l{j}")
            reqs["crash_a"].append({"PutRequest": {"Item": item}})
            writes.append((key_of("crash_a", item), item))
        for j in range(2):
            item = {"pk": S(f"b{self.wid}-{b}-{j}"), "v": S(f"batch {b}")}
            reqs["crash_b"].append({"PutRequest": {"Item": item}})
            writes.append((key_of("crash_b", item), item))
        if self.live:
            k = self.live.pop(self.rng.randrange(len(self.live)))
            reqs["crash_a"].append({"DeleteRequest": {"Key": key_av(k)}})
            writes.append((k, None))
        try:
            ans = self.conn.ddb("BatchWriteItem", {"RequestItems": reqs})
        except InDoubt:
            for k, st in writes:
                self.h.exp.in_doubt(k, st)
                if st is not None and k[0] == "crash_a":
                    self.live.append(k)
            raise
        unprocessed = set()
        for table, rs in ans.get("UnprocessedItems", {}).items():
            for rq in rs:
                it = rq.get("PutRequest", {}).get("Item") or rq["DeleteRequest"]["Key"]
                unprocessed.add(key_of(table, it))
        for k, st in writes:
            if k in unprocessed:
                continue
            self.h.exp.acked(k, st)
            self.ledger("batch", k, st)
            if st is not None and k[0] == "crash_a":
                self.live.append(k)


class TxnWriter(Writer):
    def __init__(self, h, wid):
        super().__init__(h, "txn", wid)
        self.applied = 0  # the counter as last read or acknowledged
        self.sent = 0     # the last transaction sent
        self.acked = set()

    def step(self):
        t = self.applied + 1
        self.sent = t
        w = self.wid
        acts = [
            {"Put": {"TableName": "crash_a",
                     "Item": {"pk": S(f"t{w}"), "sk": N(t), "gh": S(f"g{t % 5}"),
                              "v": S(f"txn {t}"), "ls": S("lt")},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": "crash_b", "Item": {"pk": S(f"t{w}-{t}"), "v": S(f"txn {t}")}}},
            {"Update": {"TableName": "crash_b", "Key": {"pk": S(f"tc{w}")},
                        "UpdateExpression": "SET #n = :t",
                        "ConditionExpression": ("attribute_not_exists(pk)" if t == 1
                                                else "#n = :p"),
                        "ExpressionAttributeNames": {"#n": "n"},
                        "ExpressionAttributeValues": ({":t": N(t)} if t == 1 else
                                                      {":t": N(t), ":p": N(t - 1)})}},
        ]
        if t > 2:
            acts.append({"Delete": {"TableName": "crash_a",
                                    "Key": {"pk": S(f"t{w}"), "sk": N(t - 2)}}})
        self.conn.ddb("TransactWriteItems", {"TransactItems": acts})
        self.applied = t
        self.acked.add(t)
        self.h.record("txn", ("txn", w, t), {"actions": len(acts)})


class StreamWriter(Writer):
    """PutItem / BatchWriteItem into crash_s (its stream is checked by check_streams): each of
    the writer's keys gets v = 1, 2, 3, ... in order, so its stream records must show the
    acknowledged values once each, in order, with an in-doubt value at most once."""
    KEYS = 8

    def __init__(self, h, wid):
        super().__init__(h, "stream", wid)
        self.next = {}  # key -> the last v sent
        self.acked = {}  # key -> acknowledged values (sets)
        self.doubt = {}  # key -> in-doubt values not yet resolved by check_streams

    def step(self):
        ks = self.rng.sample(range(self.KEYS), 3 if self.rng.random() < 0.3 else 1)
        writes = []
        for r in ks:
            k = f"s{self.wid}-{r}"
            v = self.next.get(k, 0) + 1
            self.next[k] = v
            writes.append((k, v, {"pk": S(k), "v": N(v), "pad": S(pad(self.rng)[:200])}))
        try:
            if len(writes) == 1:
                self.conn.ddb("PutItem", {"TableName": "crash_s", "Item": writes[0][2]})
                ans = {}
            else:
                ans = self.conn.ddb("BatchWriteItem", {"RequestItems": {"crash_s": [
                    {"PutRequest": {"Item": it}} for _, _, it in writes]}})
        except InDoubt:
            for k, v, _ in writes:
                self.doubt.setdefault(k, set()).add(v)
            raise
        unprocessed = {rq["PutRequest"]["Item"]["pk"]["S"]
                       for rq in ans.get("UnprocessedItems", {}).get("crash_s", [])}
        for k, v, it in writes:
            if k not in unprocessed:  # (an unprocessed one was not applied)
                self.acked.setdefault(k, set()).add(v)
                self.ledger("put", ("crash_s", k), it)


class MsgWriter(Writer):
    def __init__(self, h, wid):
        super().__init__(h, "msg", wid)
        self.n = 0

    def delete(self, m):
        """DELETE /api/messages/<g>/<created_at> of message m, by its sender."""
        g = m["group"]
        with self.h.lock:
            self.h.messages = [x for x in self.h.messages if x["uuid"] != m["uuid"]]
            # either outcome from here on (a delete in doubt): an answered mark-read at or
            # after it may have been capped to the message before (service_delete.c)
            self.h.deletes.setdefault(g, []).append(m["created_at"])
        self.conn.rest("DELETE", f"/api/messages/{g}/{m['created_at']}",
                       self.h.tokens[m["from"]])
        with self.h.lock:
            self.h.deleted.append(m)
        self.h.record("delete_message", (MSG_TABLE, "MSG#" + g, m["created_at"]), None)

    def delete_newest(self, every):
        """Deletes the newest acknowledged message of a conversation (its last one: the rows
        move back to the one before), or, every, all of them newest first (the conversation
        stays, emptied)."""
        with self.h.lock:
            groups = sorted({m["group"] for m in self.h.messages})
            g = self.rng.choice(groups) if groups else None
            ms = sorted((m for m in self.h.messages if m["group"] == g),
                        key=lambda m: m["created_at"], reverse=True)
        for m in ms if every else ms[:1]:
            self.delete(m)

    def send(self, frm, to, text):
        ans = self.conn.rest("POST", "/api/messages", self.h.tokens[frm],
                             {"message": text, "handle": to})
        m = {"group": ans["message_group_uuid"], "created_at": ans["created_at"],
             "uuid": ans["uuid"], "message": text, "from": frm}
        with self.h.lock:
            self.h.messages.append(m)
        self.h.record("message", (MSG_TABLE, "MSG#" + m["group"], m["created_at"]), m)
        return m

    def empty_own(self):
        """A few messages in this writer's own pair's conversation (EMPTIED), then all of them
        deleted, newest first: it stays emptied until the next time (unless a kill cuts it)."""
        x, y = EMPTIED[2 * (self.wid % 2):2 * (self.wid % 2) + 2]
        sent = [self.send(*(x, y) if self.rng.random() < 0.5 else (y, x),
                          f"e{self.wid}-{self.n}-{i}") for i in range(self.rng.randint(1, 3))]
        for m in reversed(sent):
            self.delete(m)

    def step(self):
        self.n += 1
        if self.n % 20 == 0:
            self.empty_own()
            return
        if self.n % 4 == 0:
            self.delete_newest(self.n % 40 == 0)
            return
        a, b = self.rng.sample(range(len(USERS)), 2)
        text = f"m{self.wid}-{self.n} {pad(self.rng)[:50]}"
        m = self.send(USERS[a], USERS[b], text)
        if self.n % 3 == 0:  # the recipient reads it (a read marker, service_mark.c)
            r = self.conn.rest("PUT", f"/api/message_groups/{m['group']}/read",
                               self.h.tokens[USERS[b]], {"read_to": m["created_at"]})
            with self.h.lock:
                self.h.marks.append((USERS[b], m["group"], r["read_to"]))


# ---- reading everything back ----------------------------------------------------------

def scan(conn, table, index=None):
    items, start = [], None
    while True:
        body = {"TableName": table}
        if index:
            body["IndexName"] = index
        else:
            body["ConsistentRead"] = True
        if start:
            body["ExclusiveStartKey"] = start
        ans = conn.ddb("Scan", body)
        items += ans["Items"]
        start = ans.get("LastEvaluatedKey")
        if not start:
            return items


def canon(item):
    return json.dumps(item, sort_keys=True)


def project(item, keys, base_keys, include):
    """The index entry of `item` (None when it lacks a key attribute); include None = ALL."""
    if any(k not in item for k in keys):
        return None
    if include is None:
        return item
    out = {k: item[k] for k in base_keys + keys}
    for a in include:
        if a in item:
            out[a] = item[a]
    return out


INDEXES = [  # table, index, key attributes, table key attributes, INCLUDE (None = ALL)
    ("crash_a", "gsi_all", ["gh", "sk"], ["pk", "sk"], None),
    ("crash_a", "gsi_keys", ["gh"], ["pk", "sk"], []),
    ("crash_a", "lsi_inc", ["pk", "ls"], ["pk", "sk"], ["v"]),
    (MSG_TABLE, MSG_GSI, ["message_group_uuid", "sk"], ["pk", "sk"], None),
]


def check_acked(h):
    problems = []
    tables = {t: {key_of(t, it): it for it in scan(h.conn, t)} for t in ("crash_a", "crash_b")}
    with h.exp.lock:
        for k, cand in h.exp.cand.items():
            got = tables[k[0]].get(k)
            if not any(canon(got) == canon(c) for c in cand):
                what = "in doubt, " if len(cand) > 1 else ""
                problems.append(f"acked: {k} ({what}expected one of "
                                f"{[canon(c)[:200] for c in cand]}) is {canon(got)[:200]}")
            h.exp.cand[k] = [got]  # now known
    h.stats["items checked"] = len(h.exp.cand)
    return problems


def check_txn_atomic(h):
    problems = []
    a = {key_of("crash_a", it): it for it in scan(h.conn, "crash_a")}
    b = {key_of("crash_b", it): it for it in scan(h.conn, "crash_b")}
    for w in h.txn_writers:
        tc = b.get(("crash_b", f"tc{w.wid}"))
        c = int(tc["n"]["N"]) if tc else 0
        if c > w.sent:
            problems.append(f"txn {w.wid}: counter {c} beyond the last sent {w.sent}")
        lost = [t for t in w.acked if t > c]
        if lost:
            problems.append(f"txn {w.wid}: acknowledged transactions {sorted(lost)[:10]} lost "
                            f"(counter {c})")
        for t in range(1, w.sent + 1):
            ia = ("crash_a", f"t{w.wid}", t) in a
            ib = ("crash_b", f"t{w.wid}-{t}") in b
            want_a = t <= c and not t + 2 <= c
            want_b = t <= c
            if ia != want_a or ib != want_b:
                problems.append(f"txn {w.wid}: transaction {t} half-applied or wrong (counter "
                                f"{c}): crash_a item {'present' if ia else 'absent'}, crash_b "
                                f"item {'present' if ib else 'absent'}")
        w.applied = c
        w.acked = {t for t in w.acked if t <= c}
    h.stats["transactions checked"] = sum(w.sent for w in h.txn_writers)
    return problems


def check_indexes(h):
    problems = []
    cache = {}
    for table, index, keys, base, include in INDEXES:
        if table not in cache:
            cache[table] = scan(h.conn, table)
        want = sorted(canon(p) for p in (project(it, keys, base, include)
                                         for it in cache[table]) if p is not None)
        have = sorted(canon(it) for it in scan(h.conn, table, index))
        if want != have:
            extra = set(have) - set(want)
            missing = set(want) - set(have)
            problems.append(f"index {table}/{index}: {len(missing)} entries missing, "
                            f"{len(extra)} extra; e.g. missing {sorted(missing)[:1]} "
                            f"extra {sorted(extra)[:1]}")
    return problems


def check_messages(h):
    problems = []
    rows = {(it["pk"]["S"], it["sk"]["S"]): it for it in scan(h.conn, MSG_TABLE)}
    h.msg_rows = rows
    with h.lock:
        for m in h.messages:
            it = rows.get(("MSG#" + m["group"], m["created_at"]))
            if (not it or it.get("message_uuid", {}).get("S") != m["uuid"]
                    or it.get("message", {}).get("S") != m["message"]):
                problems.append(f"message lost or changed: {m['uuid']} in {m['group']} at "
                                f"{m['created_at']}: {canon(it)[:200]}")
        h.stats["messages checked"] = len(h.messages)
        for m in h.deleted:  # an acknowledged delete: gone
            if ("MSG#" + m["group"], m["created_at"]) in rows:
                problems.append(f"message deleted (204) still there: {m['uuid']} in "
                                f"{m['group']} at {m['created_at']}")
        h.stats["deletes checked"] = len(h.deleted)
    return problems


def check_pattern_d(h):
    problems = []
    rows = list(h.msg_rows.values())
    newest = {}
    for it in rows:
        pk = it["pk"]["S"]
        if pk.startswith("MSG#"):
            g = pk[4:]
            if g not in newest or newest[g]["sk"]["S"] < it["sk"]["S"]:
                newest[g] = it
    conv = {}
    pairs = {}
    for it in rows:
        pk = it["pk"]["S"]
        if pk.startswith("GRP#"):
            g = it["message_group_uuid"]["S"]
            conv.setdefault(g, []).append(it)
        elif pk.startswith("PAIR#"):
            g = it["group_uuid"]["S"]
            pairs.setdefault(g, []).append(it)
    for g, m in newest.items():
        cs = conv.get(g, [])
        owners = sorted(c["pk"]["S"] for c in cs)
        if len(cs) != 2 or owners[0] == owners[1]:
            problems.append(f"pattern D: conversation {g} has conversation rows {owners}")
        for c in cs:
            if c["sk"]["S"] != m["sk"]["S"] or c.get("message") != m.get("message"):
                problems.append(f"pattern D: {c['pk']['S']}'s row of {g} is at {c['sk']['S']}, "
                                f"the newest message at {m['sk']['S']}")
        ps = pairs.get(g, [])
        if len(ps) != 1:
            problems.append(f"pattern D: conversation {g} has {len(ps)} pair rows")
        elif ps[0]["last_message_at"]["S"] != m["sk"]["S"]:
            problems.append(f"pattern D: pair row of {g} says {ps[0]['last_message_at']['S']}, "
                            f"the newest message is at {m['sk']['S']}")
    emptied = 0
    for g, cs in conv.items():
        if g in newest:
            continue
        # every message deleted: the conversation stays, emptied (service_delete.c): both
        # rows at the pair row's last_message_at, no message, unread 0, no last_from
        owners = sorted(c["pk"]["S"] for c in cs)
        ps = pairs.get(g, [])
        at = ps[0].get("last_message_at", {}).get("S") if len(ps) == 1 else None
        if (len(cs) != 2 or owners[0] == owners[1] or at is None or "last_from" in ps[0]
                or any(c["sk"]["S"] != at or "message" in c
                       or c.get("unread", {}).get("N") != "0" for c in cs)):
            problems.append(f"pattern D: conversation rows for {g}, which has no message, "
                            f"are not an emptied conversation's: {[canon(c)[:160] for c in cs]}"
                            f" pair {[canon(p)[:160] for p in ps]}")
        emptied += 1
    h.stats["conversations checked"] = len(newest)
    h.stats["emptied conversations checked"] = emptied
    # read markers: a row's unread is the other person's messages after its read_to, and an
    # acknowledged mark-read is not lost (its row's read_to is at least the answered one)
    msgs = {}
    uuid_of = {}
    for it in rows:
        pk = it["pk"]["S"]
        if pk.startswith("MSG#"):
            msgs.setdefault(pk[4:], []).append((it["sk"]["S"], it["user_uuid"]["S"]))
        elif pk.startswith("USER#"):
            uuid_of[it["handle"]["S"]] = it["uuid"]["S"]
    marker = {}
    for g, cs in conv.items():
        for c in cs:
            owner = c["pk"]["S"][4:]
            rt = c.get("read_to", {}).get("S", "")
            marker[(owner, g)] = rt
            if "unread" not in c:
                problems.append(f"read marker: {c['pk']['S']}'s row of {g} has no unread")
                continue
            n = sum(1 for sk, u in msgs.get(g, []) if u != owner and sk > rt)
            if int(c["unread"]["N"]) != n:
                problems.append(f"read marker: {c['pk']['S']}'s row of {g} says "
                                f"{c['unread']['N']} unread after {rt or 'none'}, the table {n}")
    skipped = 0
    for who, g, rt in h.marks:
        have = marker.get((uuid_of.get(who), g))
        if rt in h.deletes.get(g, ()):
            skipped += 1
            # the marked message's delete (answered or in doubt) caps the marker to the
            # message before it (service_delete.c); a delete of any other message leaves a
            # last message at or after rt (before session 31, any delete at or before rt
            # exempted the mark: ~97 % of them were never checked)
            continue
        if have is None or have < rt:
            problems.append(f"read marker: {who}'s mark-read of {g} to {rt} lost ({have})")
    h.stats["mark-reads checked"] = len(h.marks) - skipped
    h.stats["mark-reads of a deleted message"] = skipped
    return problems


def stream_call(h, op, body):
    return h.conn.ddb(op, body, target="DynamoDBStreams_20120810.")


def read_stream(h, problems):
    """Every shard of crash_s's stream, parents before children, and each shard's records
    read through GetRecords from TRIM_HORIZON: [(shard, [record, ...])], and {shard: parent}.
    A ranged stream's GetRecords walks the shard's index entries and fetches each one's
    record, so an entry without its record fails the read, and a record without its entry
    is a write missing from its shard."""
    arn = h.conn.ddb("DescribeTable", {"TableName": "crash_s"})["Table"]["LatestStreamArn"]
    shards, start = [], None
    while True:
        body = {"StreamArn": arn}
        if start:
            body["ExclusiveStartShardId"] = start
        d = stream_call(h, "DescribeStream", body)["StreamDescription"]
        shards += d["Shards"]
        start = d.get("LastEvaluatedShardId")
        if not start:
            break
    byid = {s["ShardId"]: s for s in shards}
    if len(byid) != len(shards):
        problems.append(f"streams: DescribeStream lists {len(shards) - len(byid)} shards twice")
    parent = {sid: s.get("ParentShardId") for sid, s in byid.items()}
    children = {}
    for sid, p in parent.items():
        children.setdefault(p if p in byid else None, []).append(sid)
    order, todo = [], list(reversed(children.get(None, [])))
    while todo:  # depth first from the roots: a parent comes before its children
        sid = todo.pop()
        order.append(sid)
        todo += reversed(children.get(sid, []))
    if len(order) != len(byid):
        problems.append(f"streams: {len(byid) - len(order)} shards not reachable from a root "
                        f"(a parent cycle)")
    out = []
    for sid in order:
        closed = "EndingSequenceNumber" in byid[sid]["SequenceNumberRange"]
        it = stream_call(h, "GetShardIterator", {"StreamArn": arn, "ShardId": sid,
                                                "ShardIteratorType": "TRIM_HORIZON"})
        it = it["ShardIterator"]
        recs, pages = [], 0
        while it:
            pages += 1
            if pages > 10000:
                problems.append(f"streams: shard {sid} still not at its end after 10000 pages")
                break
            r = stream_call(h, "GetRecords", {"ShardIterator": it,
                                              "Limit": h.read_rng.choice((7, 100, 1000))})
            recs += r["Records"]
            it = r.get("NextShardIterator")
            if not r["Records"] and not closed:
                break  # an open shard read to its newest record (no load runs now)
        out.append((sid, recs))
    return out, parent


def check_streams(h):
    """crash_s's stream against the stream writers' acknowledgements: each acknowledged put
    once, an in-doubt one at most once, nothing else; per key in write order along one
    root-to-leaf path of the shard lineage; sequence numbers unique and rising in a shard;
    each key's newest record is the item the table holds."""
    problems = []
    try:
        shards, parent = read_stream(h, problems)
    except (InDoubt, Refused) as ex:  # e.g. "corrupt stream index": an entry lacks its record
        return problems + [f"streams: reading the stream failed: {ex}"]
    seqs = set()
    bykey = {}  # key -> [(shard, v)] in reading order
    for sid, recs in shards:
        prev = None
        for rec in recs:
            d = rec["dynamodb"]
            seq = int(d["SequenceNumber"])
            if seq in seqs:
                problems.append(f"streams: sequence number {seq} twice (shard {sid})")
            seqs.add(seq)
            if prev is not None and seq <= prev:
                problems.append(f"streams: shard {sid}: {seq} after {prev}")
            prev = seq
            k = d["Keys"]["pk"]["S"]
            if rec["eventName"] not in ("INSERT", "MODIFY") or "NewImage" not in d:
                problems.append(f"streams: {k}: a {rec['eventName']} record without NewImage")
                continue
            bykey.setdefault(k, []).append((sid, int(d["NewImage"]["v"]["N"])))
    items = {it["pk"]["S"]: int(it["v"]["N"]) for it in scan(h.conn, "crash_s")}
    writers = [w for w in h.writers if isinstance(w, StreamWriter)]
    known = set()
    for w in writers:
        for k in w.next:
            known.add(k)
            got = [v for _, v in bykey.get(k, [])]
            acked, doubt = w.acked.get(k, set()), w.doubt.get(k, set())
            dup = sorted(v for v in set(got) if got.count(v) > 1)
            if dup:
                problems.append(f"streams: {k}: values {dup[:10]} recorded more than once")
            if got != sorted(got):
                problems.append(f"streams: {k}: records out of write order: {got[:30]}")
            lost = sorted(acked - set(got))
            if lost:
                problems.append(f"streams: {k}: acknowledged puts lost from the stream: "
                                f"v {lost[:10]}")
            extra = sorted(set(got) - acked - doubt)
            if extra:
                problems.append(f"streams: {k}: records of puts not acknowledged nor in doubt "
                                f"(or found not applied before): v {extra[:10]}")
            if items.get(k) != (got[-1] if got else None):
                problems.append(f"streams: {k}: the table holds v {items.get(k)}, the stream's "
                                f"newest record v {got[-1] if got else None}")
            path = []
            for sid, _ in bykey.get(k, []):
                if not path or path[-1] != sid:
                    path.append(sid)
            for a, b in zip(path, path[1:]):
                x = b
                while x is not None and x != a:
                    x = parent.get(x)
                if x != a:
                    problems.append(f"streams: {k}: records in shard {b} after shard {a}, "
                                    f"which is not its ancestor")
                    break
            # the in-doubt ones are known now: an applied one counts as acknowledged, one not
            # applied must never appear (it is neither acknowledged nor in doubt any more)
            w.acked.setdefault(k, set()).update(doubt & set(got))
            w.doubt.pop(k, None)
    for k in set(bykey) - known:
        problems.append(f"streams: records for {k}, which no writer wrote")
    h.stats["stream records checked"] = sum(len(r) for _, r in shards)
    h.stats["stream shards"] = len(shards)
    return problems


CHECKS = [check_acked, check_txn_atomic, check_indexes, check_messages, check_pattern_d,
          check_streams]


# ---- the harness ----------------------------------------------------------------------

class Harness:
    def __init__(self, args):
        self.args = args
        self.seed = args.seed
        self.rng = random.Random(args.seed)
        self.read_rng = random.Random(args.seed + 1)  # the checks' own: cycles stay as seeded
        self.lock = threading.Lock()
        self.exp = Expect()
        self.ledger = []
        self.messages = []
        self.marks = []  # acknowledged mark-reads: (reader's handle, group, read_to answered)
        self.deletes = {}  # group -> created_at of each message a DELETE was sent for
        self.deleted = []  # messages whose DELETE was answered 204
        self.msg_rows = {}
        self.problems = []
        self.stats = {}
        self.seq = 0
        self.cycle = 0
        self.data_dir = tempfile.mkdtemp(prefix="ddbchat-crash-")
        self.log = open(self.data_dir + ".log", "wb")
        self.server = Server(args.bin, self.data_dir, self.log)
        self.conn = Conn(self)
        self.tokens = {}
        self.txn_writers = []

    def problem(self, text):
        with self.lock:
            self.problems.append(f"cycle {self.cycle}: {text}")

    def record(self, op, k, image):
        with self.lock:
            self.seq += 1
            self.ledger.append({"op": op, "table": k[0], "key": k, "image": image,
                                "cycle": self.cycle, "seq": self.seq})

    def cli(self, *args):
        out = subprocess.run([self.args.bin, *args, "--data-dir", self.data_dir],
                             capture_output=True, text=True, timeout=60)
        if out.returncode:
            raise RuntimeError(f"ddbchat {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout.strip()

    def setup(self):
        self.cli("schema-load")
        for u in USERS + EMPTIED:
            self.cli("user", "add", u, "Crash " + u)
            self.tokens[u] = self.cli("token", u, "--ttl", "86400").split()[-1]
        self.server.start()
        self.server.wait_ready()
        attrs = [{"AttributeName": a, "AttributeType": t}
                 for a, t in (("pk", "S"), ("sk", "N"), ("gh", "S"), ("ls", "S"))]
        self.conn.ddb("CreateTable", {
            "TableName": "crash_a", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": attrs,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "GlobalSecondaryIndexes": [
                {"IndexName": "gsi_all", "Projection": {"ProjectionType": "ALL"},
                 "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"},
                               {"AttributeName": "sk", "KeyType": "RANGE"}]},
                {"IndexName": "gsi_keys", "Projection": {"ProjectionType": "KEYS_ONLY"},
                 "KeySchema": [{"AttributeName": "gh", "KeyType": "HASH"}]}],
            "LocalSecondaryIndexes": [
                {"IndexName": "lsi_inc",
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]},
                 "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                               {"AttributeName": "ls", "KeyType": "RANGE"}]}]})
        self.conn.ddb("CreateTable", {
            "TableName": "crash_b", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
        self.conn.ddb("CreateTable", {
            "TableName": "crash_s", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}})
        wid = 0
        self.writers = []
        for cls in (PutWriter, PutWriter, UpdateWriter, BatchWriter, TxnWriter, MsgWriter,
                    MsgWriter, StreamWriter, StreamWriter):
            wid += 1
            self.writers.append(cls(self, wid))
        self.txn_writers = [w for w in self.writers if isinstance(w, TxnWriter)]

    def run_cycle(self):
        self.cycle += 1
        stop = threading.Event()
        threads = [threading.Thread(target=w.run, args=(stop,), daemon=True)
                   for w in self.writers]
        for t in threads:
            t.start()
        time.sleep(self.rng.uniform(0.2, self.args.max_run))
        self.server.kill()
        stop.set()
        for w, t in zip(self.writers, threads):
            t.join(timeout=120)
            if t.is_alive():
                self.problem(f"{w.name_} writer stuck after the kill")
        # now and then a second kill while the server is starting up again
        if self.rng.random() < 0.2:
            self.server.start()
            time.sleep(self.rng.uniform(0.0, 0.3))
            self.server.kill()
            self.stats["kills during start-up"] = self.stats.get("kills during start-up", 0) + 1
        self.server.start()
        self.server.wait_ready()
        for check in CHECKS:
            for p in check(self):
                self.problem(p)

    def lose_mark_read(self):
        """A sabotage: lowers the read marker of an acknowledged mark-read whose message
        survives to the message before it, with unread made to match, as a lost mark-read
        would leave it: only the mark-read check can tell.  One in a conversation where some
        other message at or before it was deleted is taken when there is one (the check was
        once blind to those).  Returns the problem the check must report."""
        rows = scan(self.conn, MSG_TABLE)
        uuid_of = {it["handle"]["S"]: it["uuid"]["S"] for it in rows
                   if it["pk"]["S"].startswith("USER#")}
        msgs = {}
        for it in rows:
            if it["pk"]["S"].startswith("MSG#"):
                msgs.setdefault(it["pk"]["S"][4:], []).append((it["sk"]["S"],
                                                               it["user_uuid"]["S"]))
        marks = [m for m in self.marks if m[2] not in self.deletes.get(m[1], ())
                 and m[2] in {sk for sk, _ in msgs.get(m[1], [])}]
        if not marks:  # a short cycle: one made here
            w = next(w for w in self.writers if isinstance(w, MsgWriter))
            m = w.send(USERS[0], USERS[1], "self-check")
            r = self.conn.rest("PUT", f"/api/message_groups/{m['group']}/read",
                               self.tokens[USERS[1]], {"read_to": m["created_at"]})
            self.marks.append((USERS[1], m["group"], r["read_to"]))
            return self.lose_mark_read()
        marks.sort(key=lambda m: not any(ts <= m[2] for ts in self.deletes.get(m[1], ())))
        who, g, rt = marks[0]
        owner = uuid_of[who]
        row = next(it for it in rows if it["pk"]["S"] == "GRP#" + owner
                   and it.get("message_group_uuid", {}).get("S") == g)
        before = max((sk for sk, _ in msgs[g] if sk < rt), default=None)
        unread = sum(1 for sk, u in msgs[g] if u != owner and (before is None or sk > before))
        key = {"pk": row["pk"], "sk": row["sk"]}
        if before is None:
            upd = {"UpdateExpression": "SET unread = :n REMOVE read_to",
                   "ExpressionAttributeValues": {":n": N(unread)}}
        else:
            upd = {"UpdateExpression": "SET unread = :n, read_to = :r",
                   "ExpressionAttributeValues": {":n": N(unread), ":r": S(before)}}
        self.conn.ddb("UpdateItem", {"TableName": MSG_TABLE, "Key": key, **upd})
        return f"{who}'s mark-read of {g} to {rt} lost"

    def sabotage(self):
        """--self-check: damages the data the way a lost or half-applied write would (through
        the API) and returns {name of a check that must now complain: a text one of its
        problems must hold, or None}.  (The index check cannot be fed a broken index this
        way.)"""
        lost = self.lose_mark_read()
        put = next(k for k, c in self.exp.cand.items()
                   if c[0] is not None and k[0] == "crash_a" and k[1].startswith("p"))
        self.conn.ddb("DeleteItem", {"TableName": "crash_a", "Key": key_av(put)})
        w = self.txn_writers[0]
        self.conn.ddb("DeleteItem", {"TableName": "crash_b",
                                     "Key": {"pk": S(f"t{w.wid}-{w.applied}")}})
        rows = sorted((it for it in scan(self.conn, MSG_TABLE) if it["pk"]["S"].startswith("MSG#")),
                      key=lambda it: (it["pk"]["S"], it["sk"]["S"]))
        newest = rows[-1]  # the newest message of a conversation: pattern D breaks
        oldest = next(m for m in self.messages if "MSG#" + m["group"] != newest["pk"]["S"])
        for pk, sk in ((newest["pk"]["S"], newest["sk"]["S"]),
                       ("MSG#" + oldest["group"], oldest["created_at"])):
            self.conn.ddb("DeleteItem", {"TableName": MSG_TABLE,
                                         "Key": {"pk": S(pk), "sk": S(sk)}})
        # a put no stream writer sent: its record is neither acknowledged nor in doubt, and the
        # table's item is no longer the key's newest acknowledged value
        sw = next(w for w in self.writers if isinstance(w, StreamWriter))
        k = next(iter(sw.next))
        self.conn.ddb("PutItem", {"TableName": "crash_s",
                                  "Item": {"pk": S(k), "v": N(sw.next[k] + 1000)}})
        return {"check_acked": None, "check_txn_atomic": None, "check_messages": None,
                "check_pattern_d": lost, "check_streams": None}

    def finish(self):
        st = self.server.stop()
        if st != 0:
            self.problem(f"graceful stop exited with {st}")
        self.log.close()


def self_check(h):
    """Returns the exit status: 0 when every sabotaged check complained."""
    try:
        h.setup()
        h.run_cycle()
        if h.problems:
            print("crash self-check: the undamaged data already fails:", *h.problems, sep="\n  ")
            return 1
        want = h.sabotage()
        silent = []
        for check in CHECKS:
            if check.__name__ in want:
                got, need = check(h), want[check.__name__]
                if not got or (need and not any(need in p for p in got)):
                    silent.append(check.__name__ + (f" (no '{need}')" if need else ""))
    finally:
        h.server.kill()
    shutil.rmtree(h.data_dir, ignore_errors=True)
    os.unlink(h.log.name)
    if silent:
        print(f"crash self-check: {', '.join(silent)} did not notice the damage")
        return 1
    print(f"crash self-check: {', '.join(sorted(want))} each noticed the damage")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "ddbchat"))
    ap.add_argument("--cycles", type=int, default=5)
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    ap.add_argument("--max-run", type=float, default=2.5,
                    help="longest load phase before the kill, seconds")
    ap.add_argument("--summary", help="write the figures as JSON to this file")
    ap.add_argument("--keep", action="store_true", help="keep the data dir")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--self-check", action="store_true",
                    help="one cycle, then damage the data and require the checks to say so")
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} not built")
    h = Harness(args)
    if args.self_check:
        sys.exit(self_check(h))
    t0 = time.time()
    try:
        h.setup()
        for _ in range(args.cycles):
            h.run_cycle()
            if not args.quiet:
                acks = sum(w.acks for w in h.writers)
                print(f"cycle {h.cycle}: {acks} acknowledged writes so far, "
                      f"{len(h.problems)} problems", flush=True)
            if len(h.problems) > 50:
                break
    finally:
        h.server.kill() if h.problems else h.finish()
    acks = sum(w.acks for w in h.writers)
    doubts = sum(w.doubts for w in h.writers)
    summary = {"cycles": h.cycle, "seed": args.seed, "acknowledged writes": acks,
               "in doubt at a kill": doubts, "problems": len(h.problems),
               "seconds": round(time.time() - t0, 1), **h.stats}
    lost = sum(1 for p in h.problems if "lost" in p or "acked:" in p)
    summary["writes lost"] = lost
    print("crash test: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    for p in h.problems[:50]:
        print("  " + p)
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=1)
    if h.problems:
        print(f"data dir kept: {h.data_dir} (server log {h.log.name})")
        sys.exit(1)
    if not args.keep:
        shutil.rmtree(h.data_dir, ignore_errors=True)
        os.unlink(h.log.name)


if __name__ == "__main__":
    main()
