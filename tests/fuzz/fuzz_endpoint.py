#!/usr/bin/python3
"""Bounded, reproducible fuzzer for ddbchat's DynamoDB endpoint (raw HTTP, stdlib only).

Usage:
  fuzz_endpoint.py (--bin build-fuzz/ddbchat | --url http://127.0.0.1:8000)
                   [--count 20000] [--seed 1] [--jobs 1] [--sign] [--namespace-tables]
                   [--crash-dir tests/fuzz/crashes] [--stderr FILE] [--timeout 10]
                   [--oracle http://127.0.0.1:PORT] [--replay FILE] [--quiet]

With --bin it starts `BIN serve --dynamodb-only --quiet` on a fresh data dir and a free
port, stderr to --stderr (default <crash-dir>/server-stderr.log), with
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 unless already set; at the end it dumps every
table, restarts the server on the same data dir and checks the dump is identical (no lost
data), stops it with SIGTERM and scans stderr for ASan / LSan / UBSan reports.

It creates a few tables (hash only; hash+range of S, N, B; with GSIs and LSIs), puts
some items, then sends --count requests: a valid request for a random operation (new-style
expressions or legacy parameters), mutated 0..3 times (wrong JSON types, odd strings and
numbers, deep nesting, random and garbage expressions, bad keys, out-of-range limits, huge
batches and transactions, broken bodies, wrong targets and headers).  Every answer must be
HTTP 200 or 4xx with a JSON body carrying __type (or AWS's 404 "<UnknownOperationException/>"
for a body of a Content-Type it does not route).  A 5xx, a dropped connection, a timeout,
a server exit, an unclean exit on SIGTERM, a sanitizer report or lost data is a finding:
the request is saved under --crash-dir (JSON: target, headers, body as latin-1 text) and
the exit status is 1.  --replay FILE sends one saved request (after the set-up).
Same seed + same count + --jobs 1 -> same request sequence.  --jobs N adds concurrent
clients; --sign makes the server verify SigV4 (requests signed by botocore, then their
signature headers damaged).  --oracle URL sends every request to a FRESH DynamoDB Local
too and tallies where the outcomes differ (not findings: a to-do list).
"""
import argparse
import base64
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

DUMMY_AUTH = ("AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
              "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)
PREFIX = "DynamoDB_20120810."
# AWS's answer to a body whose Content-Type is neither application/x-amz-json-1.0 nor
# application/json (or to another method or path): not JSON (ddb_proto.c, 11058c0)
AWS_NOT_FOUND = b"<UnknownOperationException/>\n"

# ---- tables --------------------------------------------------------------------------

TABLES = {
    # name: (hash(attr,type), range or None, gsis, lsis)
    "fz_h": (("pk", "S"), None, [], []),
    "fz_s": (("pk", "S"), ("sk", "S"),
             [("gsi1", ("gh", "S"), ("gr", "N"), "ALL"),
              ("gsi2", ("gr", "N"), None, "KEYS_ONLY")],
             [("lsi1", ("ls", "S"), "INCLUDE")]),
    "fz_n": (("pk", "N"), ("sk", "N"), [("gsi1", ("gh", "B"), None, "ALL")],
             [("lsi1", ("ls", "N"), "ALL")]),
    "fz_b": (("pk", "B"), ("sk", "B"), [], [("lsi1", ("ls", "B"), "KEYS_ONLY")]),
}


NEW_TABLES = 8    # fz_new_0..7 are created and deleted while other requests use them


def spec_of(table):
    """The schema of a fuzz table (fz_new_<i> copies TABLES' entry i % 4)."""
    if isinstance(table, str) and table.startswith("fz_new_") and table[7:].isdigit():
        return list(TABLES.values())[int(table[7:]) % len(TABLES)]
    return TABLES.get(table, TABLES["fz_s"]) if isinstance(table, str) else TABLES["fz_s"]


def create_table_req(name, spec):
    (h, r, gsis, lsis) = spec
    attrs = {h[0]: h[1]}
    ks = [{"AttributeName": h[0], "KeyType": "HASH"}]
    if r:
        attrs[r[0]] = r[1]
        ks.append({"AttributeName": r[0], "KeyType": "RANGE"})

    def proj(p):
        if p == "INCLUDE":
            return {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]}
        return {"ProjectionType": p}

    req = {"TableName": name, "KeySchema": ks, "BillingMode": "PAY_PER_REQUEST"}
    g = []
    for (gn, gh, gr, p) in gsis:
        attrs[gh[0]] = gh[1]
        k = [{"AttributeName": gh[0], "KeyType": "HASH"}]
        if gr:
            attrs[gr[0]] = gr[1]
            k.append({"AttributeName": gr[0], "KeyType": "RANGE"})
        g.append({"IndexName": gn, "KeySchema": k, "Projection": proj(p)})
    l = []
    for (ln, lr, p) in lsis:
        attrs[lr[0]] = lr[1]
        l.append({"IndexName": ln, "KeySchema": [ks[0], {"AttributeName": lr[0],
                                                          "KeyType": "RANGE"}],
                  "Projection": proj(p)})
    if g:
        req["GlobalSecondaryIndexes"] = g
    if l:
        req["LocalSecondaryIndexes"] = l
    req["AttributeDefinitions"] = [{"AttributeName": a, "AttributeType": t}
                                   for a, t in attrs.items()]
    return req


# ---- random values -------------------------------------------------------------------

ODD_STRINGS = ["", " ", "\x00", "a\x00b", "\u00e9\u4e2d\U0001F600", "\ud800", "\\", "\"",
               "#", ":", "$", ".", "[0]", "a.b", "#a", ":a", "AND", "OR", "size", "%s%n",
               "\n\r\t", "\u202e", "x" * 1025, "x" * 70000, "\U0010ffff"]
ODD_NUMBERS = ["0", "-0", "1e126", "1e127", "9.9999999999999999999999999999999999999e125",
               "1e-130", "1e-131", "1E+2", "+1", " 1", "1 ", "0x10", "1_000", "NaN",
               "Infinity", "-", ".", "1.", ".5", "00012", "1e", "e5", "1e+", "--1", "",
               "1" * 38, "1" * 39, "1" * 100, "0." + "0" * 200 + "1",
               "1e999999999999999999", "-1e-999999999999", "123456789012345678901234567890"
               "12345678.9", "1.0e0000000000000000000000001", "٣"]


class Gen:
    def __init__(self, rnd):
        self.r = rnd
        self.clean = False     # per request: only defined names/values, small indexes

    def ch(self, seq):
        return self.r.choice(seq)

    def name(self):
        return self.ch(["a", "b", "c", "pk", "sk", "gh", "gr", "ls", "n", "m", "l", "s",
                        "ss", "ns", "bs", "x.y", "#t", "status", "size", "x" * 300])

    def s(self):
        if self.r.random() < 0.15:
            return self.ch(ODD_STRINGS)
        return "".join(self.ch("abcxyz01") for _ in range(self.r.randint(1, 6)))

    def n(self):
        if self.r.random() < 0.15:
            return self.ch(ODD_NUMBERS)
        return str(self.r.choice([self.r.randint(-1000, 1000),
                                  self.r.randint(-10**30, 10**30)]))

    def b(self):
        if self.r.random() < 0.1:
            return self.ch(["", "!!!", "YQ", "YQ=", "YQ==", "Y Q==", "====", "\x00",
                            "A" * 5000])
        return base64.b64encode(bytes(self.r.randrange(256) for _ in range(
            self.r.randint(1, 8)))).decode()

    def av(self, depth=0):
        k = self.r.randrange(12 if depth < 4 else 7)
        if k == 0:
            return {"S": self.s()}
        if k == 1:
            return {"N": self.n()}
        if k == 2:
            return {"B": self.b()}
        if k == 3:
            return {"BOOL": self.r.random() < 0.5}
        if k == 4:
            return {"NULL": True}
        if k == 5:
            return {"SS": [self.s() for _ in range(self.r.randint(1, 3))]}
        if k == 6:
            return {"NS": [self.n() for _ in range(self.r.randint(1, 3))]}
        if k == 7:
            return {"BS": [self.b() for _ in range(self.r.randint(1, 3))]}
        if k in (8, 9):
            return {"L": [self.av(depth + 1) for _ in range(self.r.randint(0, 3))]}
        return {"M": {self.name(): self.av(depth + 1) for _ in range(self.r.randint(0, 3))}}

    def key_av(self, t):
        if t == "S":
            return {"S": self.ch(["k1", "k2", "k3", "a", "zz"])}
        if t == "N":
            return {"N": self.ch(["1", "2", "3", "-5", "1.5"])}
        return {"B": self.ch(["AQ==", "Ag==", "/w==", "AAAA"])}

    def table(self):
        return self.ch(list(TABLES) + ["fz_new_%d" % i for i in range(NEW_TABLES)] +
                       ["nope", "x", "a" * 256, ""])

    def key(self, table):
        spec = spec_of(table)
        k = {spec[0][0]: self.key_av(spec[0][1])}
        if spec[1]:
            k[spec[1][0]] = self.key_av(spec[1][1])
        return k

    def item(self, table):
        it = self.key(table)
        spec = spec_of(table)
        for (_, gh, gr, _) in spec[2]:
            if self.r.random() < 0.7:
                it[gh[0]] = self.key_av(gh[1])
            if gr and self.r.random() < 0.7:
                it[gr[0]] = self.key_av(gr[1])
        for (_, lr, _) in spec[3]:
            if self.r.random() < 0.7:
                it[lr[0]] = self.key_av(lr[1])
        if self.r.random() < 0.2:
            it["ttl"] = {"N": str(self.r.choice([1, 1700000000, 4000000000]))}
        for _ in range(self.r.randint(0, 4)):
            it[self.ch(["a", "b", "c", "n", "m", "l", "s", "x.y"])] = self.av()
        return it

    # ---- expressions ----------------------------------------------------------------

    def path(self, names, depth=0):
        parts = []
        for i in range(self.r.randint(1, 3)):
            if self.r.random() < 0.4:
                nm = "#" + self.ch(["n0", "n1", "n2"] if self.clean else
                                   ["n0", "n1", "n2", "undef"])
                names.add(nm)
            else:
                nm = self.ch(["a", "b", "c", "n", "m", "l", "s", "pk", "sk", "ls"])
            parts.append(nm)
            if self.r.random() < 0.2:
                parts[-1] += "[%d]" % self.ch([0, 1, 2] if self.clean else
                                              [0, 1, 2, 999999999, 4294967296])
        return ".".join(parts)

    def operand(self, names, vals, depth):
        k = self.r.randrange(5)
        if k < 2:
            return self.path(names)
        if k < 4:
            v = ":" + self.ch(["v0", "v1", "v2"] if self.clean else
                              ["v0", "v1", "v2", "undef"])
            vals.add(v)
            return v
        return "size(%s)" % self.path(names)

    def cond(self, names, vals, depth=0):
        k = self.r.randrange(10 if depth < 6 else 4)
        if k == 0:
            return "%s %s %s" % (self.operand(names, vals, depth),
                                 self.ch(["=", "<>", "<", "<=", ">", ">="]),
                                 self.operand(names, vals, depth))
        if k == 1:
            return "attribute_exists(%s)" % self.path(names)
        if k == 2:
            return "attribute_not_exists(%s)" % self.path(names)
        if k == 3:
            fn = self.ch(["begins_with", "contains", "attribute_type"])
            return "%s(%s, %s)" % (fn, self.path(names), self.operand(names, vals, depth))
        if k == 4:
            return "%s BETWEEN %s AND %s" % (self.operand(names, vals, depth),
                                             self.operand(names, vals, depth),
                                             self.operand(names, vals, depth))
        if k == 5:
            n = self.ch([1, 2, 5, 100, 101])
            return "%s IN (%s)" % (self.operand(names, vals, depth),
                                   ", ".join(self.operand(names, vals, depth)
                                             for _ in range(n)))
        if k == 6:
            return "NOT " + self.cond(names, vals, depth + 1)
        if k == 7:
            return "(" + self.cond(names, vals, depth + 1) + ")"
        return "%s %s %s" % (self.cond(names, vals, depth + 1), self.ch(["AND", "OR"]),
                             self.cond(names, vals, depth + 1))

    def update(self, names, vals):
        out = []
        if self.clean and self.r.random() < 0.7:
            acts = []
            for i, a in enumerate(self.r.sample(["a", "b", "c", "n", "m", "l", "s"],
                                                self.r.randint(1, 3))):
                v = ":v%d" % i
                vals.add(v)
                if self.r.random() < 0.3:
                    acts.append("%s = if_not_exists(%s, %s)" % (a, a, v))
                else:
                    acts.append("%s = %s" % (a, v))
            return "SET " + ", ".join(acts)
        for clause in self.r.sample(["SET", "REMOVE", "ADD", "DELETE"],
                                    self.r.randint(1, 4)):
            acts = []
            for _ in range(self.r.randint(1, 3)):
                p = self.path(names)
                if clause == "SET":
                    k = self.r.randrange(4)
                    if k == 0:
                        rhs = self.operand(names, vals, 0)
                    elif k == 1:
                        rhs = "%s %s %s" % (self.operand(names, vals, 0), self.ch("+-"),
                                            self.operand(names, vals, 0))
                    elif k == 2:
                        rhs = "if_not_exists(%s, %s)" % (self.path(names),
                                                         self.operand(names, vals, 0))
                    else:
                        rhs = "list_append(%s, %s)" % (self.operand(names, vals, 0),
                                                       self.operand(names, vals, 0))
                    acts.append("%s = %s" % (p, rhs))
                elif clause == "REMOVE":
                    acts.append(p)
                else:
                    v = ":" + self.ch(["v0", "v1", "v2"])
                    vals.add(v)
                    acts.append("%s %s" % (p, v))
            out.append(clause + " " + ", ".join(acts))
        return " ".join(out)

    def keycond(self, table, names, vals):
        spec = spec_of(table)
        h = spec[0][0]
        vals.add(":h")
        e = "%s = :h" % h
        if spec[1] and self.r.random() < 0.7:
            s = spec[1][0]
            k = self.r.randrange(3)
            if k == 0:
                vals.add(":r")
                e += " AND %s %s :r" % (s, self.ch(["=", "<", "<=", ">", ">="]))
            elif k == 1:
                vals.update([":r", ":r2"])
                e += " AND %s BETWEEN :r AND :r2" % s
            else:
                vals.add(":r")
                e += " AND begins_with(%s, :r)" % s
        return e

    def soup(self):
        toks = ["(", ")", "(", "[", "]", ",", ".", "=", "<>", "<", ">=", "AND", "OR",
                "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE", "size",
                "attribute_exists", "if_not_exists", "list_append", "#n0", "#undef",
                ":v0", ":undef", "a", "b", "[999999999]", "[-1]", "[0]", "+", "-", "#",
                ":", "select", "TABLE", "\x00", "\u00e9", "1", "'x'", "\"y\"", " ", "",
                "a" * 300, "." * 50]
        n = self.ch([1, 3, 10, 40, 800, 2000])
        return " ".join(self.ch(toks) for _ in range(n))

    def expr_attrs(self, req, names, vals):
        nm = {}
        for n in names:
            if n != "#undef" or self.r.random() < 0.1:
                nm[n] = self.ch(["a", "b", "m", "pk", "sk", "x.y", "", "status"])
        vv = {}
        spec = spec_of(req.get("TableName"))
        for v in vals:
            if v in (":h", ":r", ":r2") and self.r.random() < 0.8:
                vv[v] = self.key_av(spec[0][1] if v == ":h" or not spec[1] else spec[1][1])
            elif v != ":undef" or self.r.random() < 0.1:
                vv[v] = self.av()
        if nm:
            req["ExpressionAttributeNames"] = nm
        if vv:
            req["ExpressionAttributeValues"] = vv


# ---- request builders ----------------------------------------------------------------

def build(g, op):
    r = g.r
    g.clean = r.random() < 0.5
    t = g.table() if r.random() < 0.3 else g.ch(list(TABLES))
    names, vals = set(), set()
    req = {}
    if op == "CreateTable":
        name = "fz_new_%d" % r.randrange(NEW_TABLES)
        spec = spec_of(name)
        req = create_table_req(name, spec)
        if r.random() < 0.3:
            req["BillingMode"] = "PROVISIONED"
            req["ProvisionedThroughput"] = {"ReadCapacityUnits": r.choice([1, 0, -1, 10**12]),
                                            "WriteCapacityUnits": 1}
        if r.random() < 0.3:
            req["StreamSpecification"] = {"StreamEnabled": True,
                                          "StreamViewType": "NEW_IMAGE"}
        if r.random() < 0.3:
            req["Tags"] = [{"Key": g.s(), "Value": g.s()}]
        return req
    if op == "DeleteTable":
        return {"TableName": "fz_new_%d" % r.randrange(NEW_TABLES)}
    if op == "DescribeTable":
        return {"TableName": t}
    if op == "ListTables":
        req = {}
        if r.random() < 0.5:
            req["Limit"] = r.choice([0, 1, 2, 100, 101, -1])
        if r.random() < 0.5:
            req["ExclusiveStartTableName"] = g.table()
        return req
    if op == "UpdateTable":
        req = {"TableName": t}
        k = r.randrange(4)
        if k == 0:
            req["BillingMode"] = g.ch(["PROVISIONED", "PAY_PER_REQUEST"])
        elif k == 1:
            req["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        elif k == 2:
            req["AttributeDefinitions"] = [{"AttributeName": "z", "AttributeType": "S"}]
            req["GlobalSecondaryIndexUpdates"] = [{"Create": {
                "IndexName": "gz%d" % r.randrange(3),
                "KeySchema": [{"AttributeName": "z", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}}]
        else:
            req["GlobalSecondaryIndexUpdates"] = [{"Delete": {"IndexName": "gz%d"
                                                              % r.randrange(3)}}]
        return req
    if op == "PutItem":
        req = {"TableName": t, "Item": g.item(t)}
        if r.random() < 0.4:
            req["ConditionExpression"] = g.cond(names, vals)
        if r.random() < 0.3:
            req["ReturnValues"] = g.ch(["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD"])
    elif op == "GetItem":
        req = {"TableName": t, "Key": g.key(t)}
        if r.random() < 0.4:
            req["ProjectionExpression"] = ", ".join(g.path(names)
                                                    for _ in range(r.randint(1, 4)))
        if r.random() < 0.2:
            req["ConsistentRead"] = True
    elif op == "UpdateItem":
        req = {"TableName": t, "Key": g.key(t), "UpdateExpression": g.update(names, vals)}
        if r.random() < 0.3:
            req["ConditionExpression"] = g.cond(names, vals)
        if r.random() < 0.5:
            req["ReturnValues"] = g.ch(["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD",
                                        "UPDATED_NEW"])
    elif op == "DeleteItem":
        req = {"TableName": t, "Key": g.key(t)}
        if r.random() < 0.4:
            req["ConditionExpression"] = g.cond(names, vals)
        if r.random() < 0.3:
            req["ReturnValues"] = "ALL_OLD"
    elif op in ("Query", "Scan"):
        req = {"TableName": t}
        spec = spec_of(t)
        idx = [x[0] for x in spec[2]] + [x[0] for x in spec[3]]
        if op == "Query":
            req["KeyConditionExpression"] = g.keycond(t, names, vals)
        if idx and r.random() < 0.3:
            req["IndexName"] = g.ch(idx)
        if r.random() < 0.4:
            req["FilterExpression"] = g.cond(names, vals)
        if r.random() < 0.3:
            req["ProjectionExpression"] = ", ".join(g.path(names)
                                                    for _ in range(r.randint(1, 3)))
        if r.random() < 0.3:
            req["Limit"] = r.choice([1, 2, 5, 0, -1, 2**31, 10**20])
        if r.random() < 0.3:
            req["ExclusiveStartKey"] = g.item(t) if r.random() < 0.5 else g.key(t)
        if r.random() < 0.2:
            req["Select"] = g.ch(["COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES",
                                  "SPECIFIC_ATTRIBUTES"])
        if op == "Query" and r.random() < 0.3:
            req["ScanIndexForward"] = False
        if op == "Scan" and r.random() < 0.3:
            tot = r.choice([1, 2, 4, 1000000, 1000001, 0, -1])
            req["TotalSegments"] = tot
            req["Segment"] = r.choice([0, 1, tot - 1, tot, -1])
    elif op == "BatchGetItem":
        ri = {}
        for tt in r.sample(list(TABLES), r.randint(1, 2)):
            ri[tt] = {"Keys": [g.key(tt) for _ in range(r.choice([1, 1, 2, 5, 100, 101]))]}
            if r.random() < 0.3:
                ri[tt]["ProjectionExpression"] = g.path(names)
                g.expr_attrs(ri[tt], names, set())
                names = set()
        req = {"RequestItems": ri}
    elif op == "BatchWriteItem":
        ri = {}
        for tt in r.sample(list(TABLES), r.randint(1, 2)):
            ops = []
            for _ in range(r.choice([1, 2, 5, 25, 26])):
                if r.random() < 0.6:
                    ops.append({"PutRequest": {"Item": g.item(tt)}})
                else:
                    ops.append({"DeleteRequest": {"Key": g.key(tt)}})
            ri[tt] = ops
        req = {"RequestItems": ri}
        if r.random() < 0.2:
            req["ReturnItemCollectionMetrics"] = "SIZE"
    elif op == "TransactWriteItems":
        items = []
        for _ in range(r.choice([1, 1, 1, 2, 3, 10, 100, 101])):
            tt = g.ch(list(TABLES))
            k = r.randrange(4)
            n2, v2 = set(), set()
            if k == 0:
                x = {"Put": {"TableName": tt, "Item": g.item(tt)}}
            elif k == 1:
                x = {"Delete": {"TableName": tt, "Key": g.key(tt)}}
            elif k == 2:
                x = {"Update": {"TableName": tt, "Key": g.key(tt),
                                "UpdateExpression": g.update(n2, v2)}}
            else:
                x = {"ConditionCheck": {"TableName": tt, "Key": g.key(tt),
                                        "ConditionExpression": g.cond(n2, v2)}}
            body = list(x.values())[0]
            if k != 3 and r.random() < 0.3:
                body["ConditionExpression"] = g.cond(n2, v2)
            g.expr_attrs(body, n2, v2)
            items.append(x)
        req = {"TransactItems": items}
        if r.random() < 0.3:
            req["ClientRequestToken"] = g.s()
    elif op == "TransactGetItems":
        items = []
        for _ in range(r.choice([1, 2, 10, 100, 101])):
            tt = g.ch(list(TABLES))
            x = {"Get": {"TableName": tt, "Key": g.key(tt)}}
            if r.random() < 0.3:
                n2 = set()
                x["Get"]["ProjectionExpression"] = g.path(n2)
                g.expr_attrs(x["Get"], n2, set())
            items.append(x)
        req = {"TransactItems": items}
    elif op == "UpdateTimeToLive":
        req = {"TableName": t, "TimeToLiveSpecification": {
            "AttributeName": g.name() if r.random() < 0.2 else "ttl", "Enabled": r.random() < 0.5}}
    elif op == "DescribeTimeToLive":
        req = {"TableName": t}
    elif op in ("TagResource", "UntagResource", "ListTagsOfResource"):
        arn = "arn:aws:dynamodb:us-east-1:000000000000:table/" + t
        if r.random() < 0.2:
            arn = g.ch(["", "arn", "arn:aws:dynamodb:::table/", "table/" + t, arn + "/x"])
        req = {"ResourceArn": arn}
        if op == "TagResource":
            req["Tags"] = [{"Key": g.s(), "Value": g.s()}
                           for _ in range(r.choice([1, 2, 50, 51]))]
        elif op == "UntagResource":
            req["TagKeys"] = [g.s() for _ in range(r.randint(1, 3))]
    elif op == "DescribeEndpoints":
        req = {}
    elif op == "DescribeLimits":
        req = {}
    if op in ("PutItem", "UpdateItem", "DeleteItem", "GetItem", "Query", "Scan") and \
            r.random() < 0.25:
        legacy(g, op, t, req)
        names, vals = set(), set()
    if op in ("PutItem", "UpdateItem", "DeleteItem", "GetItem", "Query", "Scan"):
        g.expr_attrs(req, names, vals)
        if r.random() < 0.2:
            req["ReturnConsumedCapacity"] = g.ch(["TOTAL", "INDEXES", "NONE", "BAD"])
    return req


LEGACY_OPS = ["EQ", "NE", "LE", "LT", "GE", "GT", "NOT_NULL", "NULL", "CONTAINS",
              "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN", "eq", "", "BOGUS"]


def legacy_cond(g, attr, key_type=None):
    r = g.r
    if r.random() < 0.25:
        c = {}
        if r.random() < 0.8:
            c["Exists"] = r.random() < 0.5
        if r.random() < 0.6:
            c["Value"] = g.key_av(key_type) if key_type else g.av()
        return c
    opn = g.ch(LEGACY_OPS)
    n = {"NOT_NULL": 0, "NULL": 0, "BETWEEN": 2, "IN": r.randint(1, 4)}.get(opn, 1)
    if r.random() < 0.1:
        n = r.choice([0, 1, 2, 3, 101])
    c = {"ComparisonOperator": opn}
    if n or r.random() < 0.2:
        c["AttributeValueList"] = [g.key_av(key_type) if key_type and r.random() < 0.8
                                   else g.av() for _ in range(n)]
    return c


def legacy(g, op, t, req):
    """Replaces the expressions of req by the legacy parameters (api_legacy.c)."""
    r = g.r
    spec = spec_of(t)
    for k in ("ConditionExpression", "UpdateExpression", "KeyConditionExpression",
              "FilterExpression", "ProjectionExpression"):
        if r.random() < 0.9:
            req.pop(k, None)
    attrs = ["a", "b", "c", "n", "m", "l", "s", "ls", "gh"]
    if op in ("PutItem", "UpdateItem", "DeleteItem"):
        req["Expected"] = {g.ch(attrs): legacy_cond(g, None)
                           for _ in range(r.randint(1, 3))}
    if op == "UpdateItem":
        au = {}
        for _ in range(r.randint(1, 4)):
            act = g.ch(["PUT", "DELETE", "ADD", "put", "BOGUS"])
            x = {"Action": act}
            if act != "DELETE" or r.random() < 0.5:
                x["Value"] = g.av()
            au[g.ch(attrs + ["pk"])] = x
        req["AttributeUpdates"] = au
    if op in ("GetItem", "Query", "Scan") and r.random() < 0.5:
        req["AttributesToGet"] = [g.ch(attrs + ["pk", "sk"])
                                  for _ in range(r.choice([1, 2, 3, 0]))]
    if op == "Query":
        kc = {spec[0][0]: {"ComparisonOperator": "EQ",
                           "AttributeValueList": [g.key_av(spec[0][1])]}}
        if spec[1] and r.random() < 0.7:
            kc[spec[1][0]] = legacy_cond(g, spec[1][0], spec[1][1])
        if r.random() < 0.2:
            kc = {g.ch(attrs): legacy_cond(g, None)}
        req["KeyConditions"] = kc
    if op in ("Query", "Scan") and r.random() < 0.6:
        req["QueryFilter" if op == "Query" else "ScanFilter"] = {
            g.ch(attrs): legacy_cond(g, None) for _ in range(r.randint(1, 3))}
    if r.random() < 0.4:
        req["ConditionalOperator"] = g.ch(["AND", "OR", "and", "XOR"])
    if op == "Scan" and r.random() < 0.3:
        req["Select"] = "SPECIFIC_ATTRIBUTES"


OPS = ["CreateTable", "DescribeTable", "UpdateTable", "DeleteTable", "ListTables",
       "PutItem", "PutItem", "GetItem", "UpdateItem", "UpdateItem", "DeleteItem",
       "Query", "Query", "Scan", "Scan", "BatchGetItem", "BatchWriteItem",
       "TransactWriteItems", "TransactGetItems", "UpdateTimeToLive",
       "DescribeTimeToLive", "TagResource", "UntagResource", "ListTagsOfResource",
       "DescribeEndpoints", "DescribeLimits"]


# ---- mutations -----------------------------------------------------------------------

def deep(g, n, kind=None):
    kind = kind or g.ch(["M", "L"])
    v = {"S": "leaf"}
    for _ in range(n):
        v = {"M": {"d": v}} if kind == "M" else {"L": [v]}
    return v


def junk(g):
    k = g.r.randrange(22)
    return [None, True, False, 0, -1, 2**31, 2**64, 10**400, 1.5, -0.0, "", "x",
            g.ch(ODD_STRINGS), [], [None], {}, {"S": "x"}, {"N": g.ch(ODD_NUMBERS)},
            deep(g, g.ch([30, 31, 32, 33, 40, 100])), {"S": "a", "N": "1"},
            {"B": g.ch(["!!", "", "YQ"])},
            {g.ch(["SS", "NS", "BS"]): g.ch([[], ["a", "a"], ["1", "1.0"], [None], "x"])}][k]


def nodes(v, path=()):
    out = [path]
    if isinstance(v, dict):
        for k, x in v.items():
            out += nodes(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            out += nodes(x, path + (i,))
    return out


def get_at(v, path):
    for p in path:
        v = v[p]
    return v


def set_at(v, path, x):
    if not path:
        return x
    get_at(v, path[:-1])[path[-1]] = x
    return v


def mutate(g, req):
    r = g.r
    ns = nodes(req)
    path = g.ch(ns)
    k = r.randrange(10)
    if k <= 3:
        return set_at(req, path, junk(g))
    cur = get_at(req, path)
    if k == 4 and path:          # delete a node
        parent = get_at(req, path[:-1])
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
        return req
    if k == 5 and isinstance(cur, dict):    # add an unknown / odd key
        cur[g.ch(["Bogus", "", "\x00", "S", "N", "M", "TableName", "Limit", "ExclusiveStartKey",
                  "ExpressionAttributeValues", "ConditionExpression", "Item", "Key"])] = junk(g)
        return req
    if k == 6 and isinstance(cur, list) and cur:   # duplicate elements
        cur.extend([cur[0]] * r.choice([1, 2, 100]))
        return req
    if k == 7 and isinstance(cur, str):     # string surgery
        op = r.randrange(5)
        if op == 0:
            return set_at(req, path, cur * r.choice([2, 50, 500]))
        if op == 1:
            return set_at(req, path, cur[:r.randint(0, len(cur))])
        if op == 2:
            i = r.randint(0, len(cur))
            return set_at(req, path, cur[:i] + g.ch(["(", ")", "\x00", "#", ":", "[", "]",
                                                      ".", " AND ", "\u00e9", "\"", ","])
                          + cur[i:])
        if op == 3:
            return set_at(req, path, g.soup())
        return set_at(req, path, g.ch(ODD_STRINGS))
    if k == 8:                   # expression-bearing keys get soup / long expressions
        for ek in ("ConditionExpression", "UpdateExpression", "FilterExpression",
                   "KeyConditionExpression", "ProjectionExpression"):
            if isinstance(req, dict) and isinstance(req.get(ek), str) and r.random() < 0.5:
                req[ek] = g.soup() if r.random() < 0.5 else \
                    " AND ".join([req[ek]] * r.choice([2, 30, 300]))
                return req
        return req
    # deep value somewhere in an item
    for ik in ("Item", "Key", "ExclusiveStartKey", "ExpressionAttributeValues"):
        if isinstance(req, dict) and isinstance(req.get(ik), dict):
            req[ik][g.ch(["a", "m", "pk", "sk"])] = deep(g, r.choice([30, 31, 32, 33, 40]))
            return req
    return req


def mutated(g, op):
    req = build(g, op)
    target = PREFIX + op
    headers = {"Content-Type": "application/x-amz-json-1.0", "Authorization": DUMMY_AUTH}
    r = g.r
    nm = r.choice([0, 0, 1, 1, 1, 2, 3])
    for _ in range(nm):
        req = mutate(g, req)
    try:
        body = json.dumps(req, ensure_ascii=r.random() < 0.5).encode("utf-8", "surrogatepass")
    except (ValueError, OverflowError):
        body = b"{}"
    x = r.random()
    if x < 0.02:
        body = body[:r.randint(0, len(body))]                      # truncated
    elif x < 0.03:
        body = g.ch([b"", b"null", b"[]", b"1", b"\"x\"", b"{", b"}", b"{\"TableName\":}",
                     b"\xff\xfe", b"{\"a\":1,\"a\":2}", b"[" * 100000, b"{\"a\":" * 50000,
                     b"{\"TableName\": \"\\ud800\"}", b"{\"TableName\": \"\\u0000\"}",
                     b"{\"Limit\": 1e999}", b"{\"Limit\": -0}", b" " * 10000 + b"{}",
                     b"{\"TableName\":\"fz_h\"}\x00garbage"])
    elif x < 0.04:
        i = r.randrange(max(1, len(body)))
        body = body[:i] + bytes([r.randrange(256)]) + body[i + 1:]  # byte flip
    x = r.random()
    if x < 0.02:
        target = g.ch(["", "DynamoDB_20120810", "DynamoDB_20120810.", "Bogus.PutItem",
                       PREFIX + "Nope", PREFIX + op.lower(), "DynamoDB_20111205." + op,
                       PREFIX + op + " ", PREFIX + "\x7f", "x" * 5000])
    elif x < 0.03:
        headers["Content-Type"] = g.ch(["application/json", "text/plain", "",
                                        "application/x-amz-json-1.1"])
    elif x < 0.035:
        del headers["Authorization"]
    elif x < 0.04:
        headers["Authorization"] = g.ch(["", "AWS4-HMAC-SHA256", "Bearer x",
                                         "AWS4-HMAC-SHA256 Credential=/////",
                                         DUMMY_AUTH.replace("x/2026", "x" * 3000)])
    return target, headers, body


# ---- signing (--sign) ----------------------------------------------------------------

SIGN = None   # (key, secret) when the server verifies signatures


def sign_headers(host, port, target, headers, body, region):
    """headers plus a real SigV4 signature by botocore (as boto3 would sign)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    h = {k: v for k, v in headers.items() if k != "Authorization"}
    if target is not None:
        h["X-Amz-Target"] = target
    req = AWSRequest(method="POST", url="http://%s:%d/" % (host, port), data=body, headers=h)
    SigV4Auth(Credentials(*SIGN), "dynamodb", region).add_auth(req)
    return {k: v for k, v in req.headers.items() if k != "X-Amz-Target"}


def sign_and_mutate(g, host, port, target, headers, body):
    """Signs the request, then maybe damages the signature-related headers (--sign)."""
    r = g.r
    if r.random() < 0.1:
        return headers
    region = "us-east-1" if r.random() < 0.9 else g.ch(["", "eu-west-1", "x" * 300, "a/b"])
    out = sign_headers(host, port, target, headers, body, region)
    if r.random() < 0.4:
        auth = out["Authorization"]
        k = r.randrange(8)
        if k == 0:
            auth = auth[:r.randint(0, len(auth))]
        elif k == 1:
            auth = auth.replace("SignedHeaders=", "SignedHeaders=" +
                                g.ch([";", ";;", "x-unknown;", "a" * 300 + ";", "HOST;",
                                      "content-length;"]))
        elif k == 2:
            auth = auth.replace("Credential=", "Credential=" + g.ch(["", "/", "x" * 500,
                                                                     "\u00e9", "%00"]))
        elif k == 3:
            auth = auth.replace("Signature=", "Signature=" + g.ch(["", "zz", "0" * 500]))
        elif k == 4:
            auth = auth.replace(", ", g.ch([",", " ,", ",,", ""]))
        elif k == 5:
            auth = auth.replace("AWS4-HMAC-SHA256", g.ch(["", "AWS4-HMAC-SHA1", "aws4"]))
        elif k == 6:
            auth = auth + g.ch([", Credential=x", ", Signature=0", ",", " " * 1000])
        else:
            auth = g.ch(ODD_STRINGS[:-2])
        out["Authorization"] = auth
    if r.random() < 0.2:
        out["X-Amz-Date"] = g.ch(["", "20260101T000000Z", "2026", "99999999T999999Z",
                                  "20261301T250000Z", "x" * 100])
    if r.random() < 0.1:
        out["X-Amz-Content-Sha256"] = g.ch(["UNSIGNED-PAYLOAD", "", "0" * 64, "zz"])
    if r.random() < 0.1:
        out["X-Amz-Security-Token"] = g.ch(["", "x" * 5000])
    return out


# ---- transport -----------------------------------------------------------------------

class Finding(Exception):
    pass


def send(host, port, target, headers, body, timeout):
    h = dict(headers)
    if target is not None:
        h["X-Amz-Target"] = target
    h = {k: re.sub(r"[\r\n]", " ", v).encode("utf-8", "surrogatepass")
         if isinstance(v, str) else v for k, v in h.items()}   # http.client refuses CR/LF
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        try:
            conn.request("POST", "/", body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
        except socket.timeout:
            raise Finding("timeout after %ss" % timeout)
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            raise Finding("connection error: %r" % (e,))
        return resp.status, data
    finally:
        conn.close()


def check(status, data):
    if status >= 500:
        raise Finding("HTTP %d: %r" % (status, data[:300]))
    if status != 200 and not 400 <= status < 500:
        raise Finding("HTTP %d" % status)
    if status == 404 and data == AWS_NOT_FOUND:  # a body of a type AWS does not route
        return {"__type": "UnknownOperationException"}
    try:
        doc = json.loads(data)
    except ValueError:
        raise Finding("answer is not JSON: %r" % data[:300])
    if status != 200 and (not isinstance(doc, dict) or "__type" not in doc):
        raise Finding("4xx without __type: %r" % data[:300])
    return doc


def save(crash_dir, seq, seed, target, headers, body, why):
    os.makedirs(crash_dir, exist_ok=True)
    path = os.path.join(crash_dir, "crash-seed%d-%06d.json" % (seed, seq))
    with open(path, "w") as f:
        json.dump({"why": why, "seed": seed, "seq": seq, "target": target,
                   "headers": headers, "body": body.decode("latin-1")}, f, indent=1)
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not answer")


SAN_RE = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                    r"UndefinedBehaviorSanitizer|AddressSanitizer:DEADLYSIGNAL")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin")
    ap.add_argument("--url")
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--crash-dir", default=os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "crashes"))
    ap.add_argument("--stderr")
    ap.add_argument("--replay")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--jobs", type=int, default=1,
                    help="concurrent clients (job 0 replays --seed exactly; job i uses "
                         "seed*1000+i; with >1 job the interleaving is not reproducible)")
    ap.add_argument("--sign", action="store_true",
                    help="with --bin: the server verifies signatures (key fuzzkey/fuzzsecret); "
                         "requests are signed with botocore, then signature headers mutated")
    ap.add_argument("--oracle", metavar="URL",
                    help="also send every request to DynamoDB Local at URL (fresh, -inMemory) "
                         "and report where the outcome differs (not a finding; --jobs 1)")
    ap.add_argument("--namespace-tables", action="store_true",
                    help="with --bin: start the server with --namespace-tables")
    a = ap.parse_args()
    global SIGN
    if a.sign:
        SIGN = ("fuzzkey", "fuzzsecret")
    if not a.bin and not a.url:
        ap.error("give --bin or --url")

    proc = None
    errpath = None
    data = None
    if a.bin:
        port = free_port()
        data = tempfile.mkdtemp(prefix="ddbchat-fuzz-")
        errpath = a.stderr or os.path.join(a.crash_dir, "server-stderr.log")
        os.makedirs(os.path.dirname(os.path.abspath(errpath)), exist_ok=True)
        open(errpath, "wb").close()
        host = "127.0.0.1"
    else:
        u = urllib.parse.urlparse(a.url)
        host, port = u.hostname, u.port

    def start():
        nonlocal proc
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "abort_on_error=1:detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        env.pop("DDBCHAT_ACCESS_KEY_ID", None)
        env.pop("DDBCHAT_SECRET_ACCESS_KEY", None)
        if a.sign:
            env["DDBCHAT_ACCESS_KEY_ID"], env["DDBCHAT_SECRET_ACCESS_KEY"] = SIGN
        with open(errpath, "ab") as errf:
            proc = subprocess.Popen([a.bin, "serve", "--dynamodb-only", "--quiet",
                                     "--data-dir", data, "--dynamodb-port", str(port)] +
                                    (["--namespace-tables"] if a.namespace_tables else []),
                                    env=env, stdout=subprocess.DEVNULL, stderr=errf)
        wait_port(port, proc)

    if a.bin:
        start()

    def signed(target, body):
        hd = {"Content-Type": "application/x-amz-json-1.0", "Authorization": DUMMY_AUTH}
        if SIGN:
            hd = sign_headers(host, port, target, hd, body, "us-east-1")
        return send(host, port, target, hd, body, a.timeout)

    def call(op, req):
        st, d = signed(PREFIX + op, json.dumps(req).encode())
        if st != 200:
            raise Finding("%s during the data check: HTTP %d %r" % (op, st, d[:300]))
        return json.loads(d)

    def expirable(item):
        # the TTL reaper may delete an expired item at any time: not compared
        for k, v in item.items():
            if k not in ("pk", "sk") and isinstance(v, dict) and "N" in v:
                try:
                    if float(v["N"]) < time.time() + 86400:
                        return True
                except (ValueError, OverflowError):
                    pass
        return False

    def dump_all():
        """{table: sorted item JSON texts} over every table (strongly consistent scans)."""
        out, start_name = {}, None
        while True:
            req = {"ExclusiveStartTableName": start_name} if start_name else {}
            doc = call("ListTables", req)
            for t in doc.get("TableNames", []):
                items, esk = [], None
                while True:
                    sreq = {"TableName": t, "ConsistentRead": True}
                    if esk:
                        sreq["ExclusiveStartKey"] = esk
                    sd = call("Scan", sreq)
                    items += [json.dumps(i, sort_keys=True) for i in sd.get("Items", [])
                              if not expirable(i)]
                    esk = sd.get("LastEvaluatedKey")
                    if not esk:
                        break
                out[t] = sorted(items)
            start_name = doc.get("LastEvaluatedTableName")
            if not start_name:
                return out

    def stop():
        if proc is None:
            return 0
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                print("server did not stop within 30 s of SIGTERM", file=sys.stderr)
                return 1
        return proc.returncode

    rnd = random.Random(a.seed)
    g = Gen(rnd)
    diffs = {}
    oracle = None
    if a.oracle:
        u = urllib.parse.urlparse(a.oracle)
        oracle = (u.hostname, u.port)
        end = time.time() + 60
        while True:   # DynamoDB Local takes a few seconds to start
            try:
                socket.create_connection(oracle, timeout=1).close()
                break
            except OSError:
                if time.time() > end:
                    raise SystemExit("--oracle %s does not answer" % a.oracle)
                time.sleep(0.5)
    stats = {}
    finding = None
    n = 0
    try:
        def setup_send(target, body):
            if oracle:
                send(oracle[0], oracle[1], target, {"Content-Type": "application/x-amz-json-1.0",
                                                    "Authorization": DUMMY_AUTH}, body, 60)
            return signed(target, body)
        # set-up: tables and some items (not counted)
        for name, spec in TABLES.items():
            st, d = setup_send(PREFIX + "CreateTable",
                               json.dumps(create_table_req(name, spec)).encode())
            if st != 200 and not (a.url and b"ResourceInUse" in d):
                raise RuntimeError("set-up CreateTable %s: %s" % (name, d))
        good = 0
        for i in range(60):
            t = g.ch(list(TABLES))
            st, d = setup_send(PREFIX + "PutItem",
                               json.dumps({"TableName": t, "Item": g.item(t)}).encode())
            check(st, d)
            good += st == 200
        if good < 10:
            raise RuntimeError("set-up PutItem: only %d of 60 succeeded" % good)
        if a.replay:   # after the set-up, so the fuzz tables exist (unless --url had them)
            with open(a.replay) as f:
                c = json.load(f)
            try:
                st, data = send(host, port, c["target"], c["headers"],
                                c["body"].encode("latin-1"), a.timeout)
                print(st, data[:2000].decode("utf-8", "replace"))
                check(st, data)
                print("no finding")
            except Finding as e:
                finding = "replay %s: %s" % (a.replay, e)
            a.count = 0
        t0 = time.time()
        lock = threading.Lock()
        done = [0]
        found = []

        def worker(wid, count):
            # job 0 continues the set-up generator; job i>0 has its own seed
            wg = g if wid == 0 else Gen(random.Random(a.seed * 1000 + wid))
            for i in range(count):
                if found:
                    return
                op = wg.ch(OPS)
                target, headers, body = mutated(wg, op)
                if SIGN:
                    headers = sign_and_mutate(wg, host, port, target, headers, body)
                try:
                    st, d = send(host, port, target, headers, body, a.timeout)
                    doc = check(st, d)
                except Finding as e:
                    if proc is not None:
                        time.sleep(0.3)
                        if proc.poll() is not None:
                            e = Finding("%s; server exited with %s" % (e, proc.returncode))
                    with lock:
                        path = save(a.crash_dir, i, a.seed if wid == 0 else
                                    a.seed * 1000 + wid, target, headers, body, str(e))
                        found.append("job %d request %d (%s): %s -> %s"
                                     % (wid, i, op, e, path))
                    return
                key = (op, st, doc.get("__type", "").split("#")[-1]
                       if isinstance(doc, dict) else "")
                if oracle:
                    differ(op, target, headers, body, st, doc)
                with lock:
                    stats[key] = stats.get(key, 0) + 1
                    done[0] += 1
                    if not a.quiet and done[0] % 1000 == 0:
                        print("%d requests, %.0f/s" % (done[0], done[0] / (time.time() - t0)),
                              flush=True)

        def differ(op, target, headers, body, st, doc):
            """--oracle: the same request to DynamoDB Local; a different outcome (success vs
            error, or another __type) is tallied and its first example saved."""
            try:
                ost, od = send(oracle[0], oracle[1], target, headers, body, 60)
                odoc = json.loads(od)
            except (Finding, ValueError):
                return
            if ost >= 500:
                return   # DynamoDB Local's InternalFailure (e.g. malformed JSON): no verdict
            ours = "200" if st == 200 else doc.get("__type", "").split("#")[-1]
            theirs = "200" if ost == 200 else odoc.get("__type", "").split("#")[-1]
            if ours == theirs:
                return
            k = (op, ours, theirs)
            with lock:
                diffs[k] = diffs.get(k, 0) + 1
                if diffs[k] == 1:
                    os.makedirs(a.crash_dir, exist_ok=True)
                    with open(os.path.join(a.crash_dir, "diff-%s-%s-%s.json" % k), "w") as f:
                        json.dump({"target": target, "headers": headers,
                                   "body": body.decode("latin-1"),
                                   "ddbchat": [st, doc], "dynamodb_local": [ost, odoc]},
                                  f, indent=1)

        jobs = max(1, a.jobs)
        if oracle and jobs != 1:
            raise SystemExit("--oracle needs --jobs 1")
        ths = [threading.Thread(target=worker, args=(w, a.count // jobs +
                                                     (1 if w < a.count % jobs else 0)))
               for w in range(jobs)]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        n = done[0] + len(found)
        finding = found[0] if found else finding
        if finding is None and proc is not None and a.count > 0:
            # no lost data: every table reads back the same after a restart (and is
            # readable at all: a stored item the server cannot decode shows up here)
            try:
                before = dump_all()
                if stop() != 0:
                    raise Finding("server exit status %s at the restart" % proc.returncode)
                start()
                after = dump_all()
                if before != after:
                    diff = sorted(t for t in set(before) | set(after)
                                  if before.get(t) != after.get(t))
                    raise Finding("tables differ after a restart: %s" % diff)
                print("data check: %d tables, %d items, identical after a restart"
                      % (len(after), sum(len(v) for v in after.values())))
            except Finding as e:
                finding = "data check: %s" % e
    finally:
        src = stop()
    ok = finding is None
    print("sent %d requests (seed %d, %d job(s))" % (n, a.seed, a.jobs))
    if not a.quiet:
        per_op = {}
        for (op, st, _), c in stats.items():
            per_op.setdefault(op, [0, 0])[0 if st == 200 else 1] += c
        for op in sorted(per_op):
            print("  %-22s 200: %5d  4xx: %5d" % (op, per_op[op][0], per_op[op][1]))
    if diffs:
        print("differences from DynamoDB Local (op, ddbchat, DynamoDB Local: count; first "
              "examples in %s/diff-*.json):" % a.crash_dir)
        for k, c in sorted(diffs.items(), key=lambda x: -x[1]):
            print("  %-20s %-40s %-40s %d" % (k + (c,)))
    if finding:
        print("FINDING:", finding)
    if proc is not None:
        print("server exit status", src)
        if src not in (0,) and finding is None:
            print("FINDING: server exit status %s after SIGTERM" % src)
            ok = False
        with open(errpath, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        hits = [ln for ln in text.splitlines() if SAN_RE.search(ln)]
        if hits:
            ok = False
            print("FINDING: sanitizer reports in %s:" % errpath)
            for ln in hits[:20]:
                print("  " + ln)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
