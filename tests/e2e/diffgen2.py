#!/usr/bin/python3
"""Seeded differential generator, second part: what diffgen.py does not reach, on two
DynamoDB endpoints (ddbchat and DynamoDB Local), every answer compared with diffgen's
comparison and its named rules.

    diffgen2.py URL_A URL_B [--seed N] [--ops N] [--verbose]

Four tables with streams of every view type: transactions (every action kind, conditions that
fail in different members, ReturnValuesOnConditionCheckFailure, idempotency tokens re-sent
with the same and with another request, two actions on one item, members on several tables
and on a missing one), batches (duplicate keys, a missing table, projections, AttributesToGet,
over the key limit), a table with multi-attribute GSI keys (4 + 4, 1 + 3, 2 + 1; members
missing from items; Query key conditions from the left, with gaps, ranges before the last
member, the legacy KeyConditions; pages), a table with an LSI of each projection (Select,
projections of unprojected attributes, AttributesToGet), the stream records every write makes
(GetRecords after each write: eventName, Keys, the images of the view type, SequenceNumber
increasing; sequence numbers, ids, times and the region are not compared), UpdateTable (a GSI
added, with multi-attribute keys too, and deleted; billing mode switched) followed by
DescribeTable and a Query of the new index, and TTL (DescribeTimeToLive, UpdateTimeToLive
and its refusals).

ddbchat must run with DDBCHAT_TTL_INTERVAL_MS=1 and DDBCHAT_PPR_WINDOW_MS=1 (AWS's once an hour
/ four a day, which DynamoDB Local does not have: test_ttl_tags.py, test_tables.py pin them),
DDBCHAT_UPDATE_DONE_DELAY_MS=0.  tests/e2e/test_differential.py runs a fixed seed."""
import argparse
import json
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import diffgen as dg
from diffgen import canon, keyval, rval, ks

SERVER_ENV = {"DDBCHAT_TTL_INTERVAL_MS": "1", "DDBCHAT_PPR_WINDOW_MS": "1",
              "DDBCHAT_UPDATE_DONE_DELAY_MS": "0"}


def streams_client(url):
    return boto3.client("dynamodbstreams", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(parameter_validation=False, retries={"max_attempts": 1}))


def snake(op):
    out = ""
    for ch in op:
        out += ("_" + ch.lower()) if ch.isupper() and out else ch.lower()
    return out


def call(c, op, req):
    try:
        resp = getattr(c, snake(op))(**req)
        resp.pop("ResponseMetadata", None)
        return {"status": 200, "body": resp}
    except ClientError as e:
        er = e.response.get("Error", {})
        out = {"status": e.response["ResponseMetadata"]["HTTPStatusCode"],
               "type": er.get("Code"), "message": er.get("Message")}
        for extra in ("CancellationReasons", "Item"):
            if extra in e.response:
                out[extra] = e.response[extra]
        return out


def adefs(*pairs):
    return [{"AttributeName": n, "AttributeType": t} for n, t in pairs]


# the multi-attribute table's index key attributes and their types
MK = {"h1": "S", "h2": "N", "h3": "B", "h4": "S", "r1": "S", "r2": "N", "r3": "S", "r4": "B"}
# the LSI table's
LK = {"l1": "N", "l2": "S", "l3": "B"}
# attributes UpdateTable's new indexes are keyed on (always of their type in items)
UK = {"u1": "S", "u2": "N", "u3": "S"}

SMALL_S = ["a", "b", "c"]
SMALL_N = ["1", "2", "3"]
SMALL_B = [b"\x01", b"\x02"]


def small(r, t):
    return {"S": {"S": r.choice(SMALL_S)}, "N": {"N": r.choice(SMALL_N)},
            "B": {"B": r.choice(SMALL_B)}}[t]


def tables(prefix):
    T, M, L, O = (prefix + s for s in ("_t", "_m", "_l", "_o"))
    out = {}
    out[T] = dict(TableName=T, BillingMode="PAY_PER_REQUEST",
                  AttributeDefinitions=adefs(("pk", "S"), ("sk", "N")),
                  KeySchema=ks(("pk", "HASH"), ("sk", "RANGE")),
                  StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    out[M] = dict(TableName=M, BillingMode="PAY_PER_REQUEST",
                  AttributeDefinitions=adefs(("pk", "S"), *MK.items()),
                  KeySchema=ks(("pk", "HASH"),),
                  GlobalSecondaryIndexes=[
                      {"IndexName": "g44", "KeySchema": ks(("h1", "HASH"), ("h2", "HASH"), ("h3", "HASH"),
                                                           ("h4", "HASH"), ("r1", "RANGE"), ("r2", "RANGE"),
                                                           ("r3", "RANGE"), ("r4", "RANGE")),
                       "Projection": {"ProjectionType": "ALL"}},
                      {"IndexName": "g13", "KeySchema": ks(("h4", "HASH"), ("r2", "RANGE"), ("r1", "RANGE"),
                                                           ("r3", "RANGE")),
                       "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]}},
                      {"IndexName": "g21", "KeySchema": ks(("h2", "HASH"), ("h1", "HASH"), ("r4", "RANGE")),
                       "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                  StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    out[L] = dict(TableName=L, BillingMode="PAY_PER_REQUEST",
                  AttributeDefinitions=adefs(("pk", "S"), ("sk", "S"), *LK.items()),
                  KeySchema=ks(("pk", "HASH"), ("sk", "RANGE")),
                  LocalSecondaryIndexes=[
                      {"IndexName": "l_keys", "KeySchema": ks(("pk", "HASH"), ("l1", "RANGE")),
                       "Projection": {"ProjectionType": "KEYS_ONLY"}},
                      {"IndexName": "l_inc", "KeySchema": ks(("pk", "HASH"), ("l2", "RANGE")),
                       "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "m"]}},
                      {"IndexName": "l_all", "KeySchema": ks(("pk", "HASH"), ("l3", "RANGE")),
                       "Projection": {"ProjectionType": "ALL"}}],
                  StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    out[O] = dict(TableName=O, BillingMode="PROVISIONED",
                  ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                  AttributeDefinitions=adefs(("pk", "N"),),
                  KeySchema=ks(("pk", "HASH"),),
                  StreamSpecification={"StreamEnabled": True, "StreamViewType": "OLD_IMAGE"})
    return out


OP_KINDS = ["TransactWriteItems", "TransactGetItems", "BatchWriteItem", "BatchGetItem",
            "PutItem", "UpdateItem", "DeleteItem", "Query", "UpdateTable", "TTL", "Scan"]
WEIGHTS = [18, 8, 10, 8, 10, 8, 4, 18, 4, 3, 5]


class Gen2(dg.Gen):
    def __init__(self, seed, prefix):
        super().__init__(seed, prefix)
        self.defs = tables(prefix)
        self.schemas = {n: dg.schema(d) for n, d in self.defs.items()}
        self.T, self.M, self.L, self.O = (prefix + s for s in ("_t", "_m", "_l", "_o"))
        self.missing = prefix + "_missing"
        self.tokens = []  # (token, request)
        self.added = {}   # index name -> (hash parts, range parts, projection) added by UpdateTable
        self.n_added = 0
        self.nonce = ""  # Runner2 sets one per run: tokens live 10 minutes on a server

    def key(self, t):
        h, rg, _ = self.schemas[t]
        k = {h[0]: small(self.r, h[1]) if t == self.O else keyval(self.r, h[1])}
        if rg:
            k[rg[0]] = small(self.r, rg[1]) if t == self.T else keyval(self.r, rg[1])
        return k

    def item(self, t):
        r = self.r
        it = self.key(t)
        for n in r.sample(["a", "b", "c", "m", "s", "n"], r.randint(0, 3)):
            it[n] = rval(r, 2) if r.random() < 0.5 else small(r, r.choice("SN"))
        extra = MK if t == self.M else LK if t == self.L else {}
        for n, ty in list(extra.items()) + list(UK.items()):
            if r.random() < (0.8 if n in extra else 0.6):
                it[n] = small(r, ty)
        return it

    def cond(self, t, names, vals):
        """A condition likely true on some items and false on others."""
        r = self.r
        x = r.random()
        h = self.schemas[t][0][0]
        if x < 0.3:
            return "attribute_exists(%s)" % h
        if x < 0.55:
            return "attribute_not_exists(%s)" % h
        if x < 0.8:
            names["#c"] = r.choice(["a", "b", "n"])
            return "#c = %s" % self.value(vals, small(r, r.choice("SN")))
        return self.condition(names, vals)

    def any_table(self):
        return self.r.choice([self.T, self.T, self.M, self.L, self.O])

    def transact_write(self):
        r = self.r
        acts, keys = [], []
        for _ in range(r.randint(1, 5)):
            t = self.missing if r.random() < 0.03 else self.any_table()
            tt = t if t != self.missing else self.T
            n2, v2 = {}, {}
            a = r.choice(["Put", "Put", "Update", "Delete", "ConditionCheck"])
            if a == "Put":
                body = {"TableName": t, "Item": self.item(tt)}
                k = {x: body["Item"][x] for x in self.keynames(tt)}
            else:
                k = self.key(tt)
                same = [x for x in keys if x[0] == t]
                if same and r.random() < 0.15:
                    k = r.choice(same)[1]
                body = {"TableName": t, "Key": k}
            if a == "Update":
                body["UpdateExpression"] = self.update_small(tt, n2, v2)
            if a == "ConditionCheck" or r.random() < 0.5:
                body["ConditionExpression"] = self.cond(tt, n2, v2)
            if (t, canon(k)) in [(x, canon(y)) for x, y in keys] and r.random() < 0.7:
                continue
            keys.append((t, k))
            if r.random() < 0.4:
                body["ReturnValuesOnConditionCheckFailure"] = r.choice(["ALL_OLD", "NONE"])
            acts.append({a: self.attach(body, n2, v2)})
        if r.random() < 0.02:  # over the 100 actions
            acts = [{"Put": {"TableName": self.T, "Item": {"pk": {"S": "many"}, "sk": {"N": str(i)}}}}
                    for i in range(101)]
        req = {"TransactItems": acts}
        x = r.random()
        if x < 0.15 and self.tokens:
            tok, old = r.choice(self.tokens)
            if r.random() < 0.6:
                return dict(old)  # the same request again: its replay
            req = dict(req, ClientRequestToken=tok)
        elif x < 0.4:
            tok = "tok-%s-%d" % (self.nonce, r.randint(0, 10 ** 9))
            req["ClientRequestToken"] = tok
            self.tokens.append((tok, req))
        if r.random() < 0.2:
            req["ReturnConsumedCapacity"] = r.choice(["TOTAL", "INDEXES"])
        return req

    def update_small(self, t, names, vals):
        r = self.r
        acts = []
        for n in r.sample(["a", "b", "c", "n", "s"], r.randint(1, 2)):
            x = r.random()
            if x < 0.6:
                acts.append("SET %s = %s" % (n, self.value(vals, small(r, r.choice("SN")))))
            elif x < 0.8:
                acts.append("ADD %s %s" % (n, self.value(vals, {"N": r.choice(SMALL_N)})))
            else:
                acts.append("REMOVE %s" % n)
        extra = MK if t == self.M else LK if t == self.L else {}
        if extra and r.random() < 0.3:
            n = r.choice(sorted(extra))
            acts.append("SET %s = %s" % (n, self.value(vals, small(r, extra[n]))) if r.random() < 0.7
                        else "REMOVE %s" % n)
        return " ".join(acts)

    def transact_get(self):
        r = self.r
        acts = []
        for _ in range(r.randint(1, 5)):
            t = self.missing if r.random() < 0.03 else self.any_table()
            tt = t if t != self.missing else self.T
            body = {"TableName": t, "Key": self.key(tt)}
            if acts and r.random() < 0.08:
                body = dict(r.choice(acts)["Get"])
            elif r.random() < 0.35:
                n2 = {}
                body["ProjectionExpression"] = self.projection(n2)
                if n2:
                    body["ExpressionAttributeNames"] = n2
            acts.append({"Get": body})
        req = {"TransactItems": acts}
        if r.random() < 0.2:
            req["ReturnConsumedCapacity"] = r.choice(["TOTAL", "INDEXES"])
        return req

    def batch_write(self):
        r = self.r
        items = {}
        for t in r.sample([self.T, self.M, self.L, self.O], r.randint(1, 3)):
            reqs = []
            for _ in range(r.randint(1, 6)):
                if reqs and r.random() < 0.06:
                    w = r.choice(reqs)
                    if "PutRequest" in w and r.random() < 0.5:
                        w = {"DeleteRequest": {"Key": {a: w["PutRequest"]["Item"][a]
                                                       for a in self.keynames(t)}}}
                    reqs.append(w)
                    continue
                if r.random() < 0.7:
                    it = self.item(t)
                    k = {a: it[a] for a in self.keynames(t)}
                    w = {"PutRequest": {"Item": it}}
                else:
                    k = self.key(t)
                    w = {"DeleteRequest": {"Key": k}}
                if any(canon(k) == canon(x.get("DeleteRequest", {}).get("Key") or
                                         {a: x["PutRequest"]["Item"][a] for a in self.keynames(t)})
                       for x in reqs):
                    continue
                reqs.append(w)
            items[t] = reqs
        if r.random() < 0.03:
            items[self.missing] = [{"PutRequest": {"Item": self.item(self.T)}}]
        if r.random() < 0.02:  # over the 25 requests
            items[self.T] = [{"PutRequest": {"Item": {"pk": {"S": "many"}, "sk": {"N": str(i)}}}}
                             for i in range(26 - sum(len(v) for k, v in items.items() if k != self.T))]
        req = {"RequestItems": items}
        if r.random() < 0.2:
            req["ReturnConsumedCapacity"] = r.choice(["TOTAL", "INDEXES"])
        return req

    def batch_get(self):
        r = self.r
        items = {}
        for t in r.sample([self.T, self.M, self.L, self.O], r.randint(1, 3)):
            keys = []
            for _ in range(r.randint(1, 6)):
                k = self.key(t)
                if keys and r.random() < 0.05:
                    keys.append(r.choice(keys))
                elif k not in keys:
                    keys.append(k)
            spec = {"Keys": keys}
            x = r.random()
            if x < 0.3:
                n2 = {}
                spec["ProjectionExpression"] = self.projection(n2)
                if n2:
                    spec["ExpressionAttributeNames"] = n2
            elif x < 0.4:
                spec["AttributesToGet"] = r.sample(["pk", "sk", "a", "b", "m", "h1", "l2"], r.randint(1, 3))
            if r.random() < 0.2:
                spec["ConsistentRead"] = True
            items[t] = spec
        if r.random() < 0.03:
            items[self.missing] = {"Keys": [self.key(self.T)]}
        if r.random() < 0.02:  # over the 100 keys
            items[self.T] = {"Keys": [{"pk": {"S": "many"}, "sk": {"N": str(i)}} for i in range(101)]}
        req = {"RequestItems": items}
        if r.random() < 0.2:
            req["ReturnConsumedCapacity"] = r.choice(["TOTAL", "INDEXES"])
        return req

    def query_multi(self):
        """A Query of a multi-attribute GSI: conditions on the key attributes from the left,
        sometimes a gap, a range before the last, a missing partition member, a key attribute
        in the filter, or the legacy KeyConditions."""
        r = self.r
        t = self.M
        idx = dict(self.schemas[t][2])
        idx.update(self.added)
        iname = r.choice(sorted(idx))
        hs, rs, _, _ = idx[iname]
        names, vals, conds, legacy = {}, {}, [], {}
        for i, (n, ty) in enumerate(hs):
            if r.random() < 0.04:
                continue  # a missing partition member
            op = "=" if r.random() < 0.97 else "<"
            names["#" + n] = n
            v = small(r, ty)
            conds.append("#%s %s %s" % (n, op, self.value(vals, v)))
            legacy[n] = {"AttributeValueList": [v], "ComparisonOperator": "EQ" if op == "=" else "LT"}
        if rs:
            k = r.randint(0, len(rs))
            chosen = list(range(k))
            if k >= 2 and r.random() < 0.06:
                chosen.pop(r.randrange(k - 1))  # a gap
            for j, i in enumerate(chosen):
                n, ty = rs[i]
                names["#" + n] = n
                last = j == len(chosen) - 1
                op = r.choice(["=", "<", ">=", "between", "begins"]) if last or r.random() < 0.05 else "="
                v = small(r, ty)
                if op == "between":
                    lo, hi = sorted([small(r, ty), small(r, ty)], key=lambda x: canon(x))
                    conds.append("#%s BETWEEN %s AND %s" % (n, self.value(vals, lo), self.value(vals, hi)))
                    legacy[n] = {"AttributeValueList": [lo, hi], "ComparisonOperator": "BETWEEN"}
                elif op == "begins" and ty != "N":
                    conds.append("begins_with(#%s, %s)" % (n, self.value(vals, v)))
                    legacy[n] = {"AttributeValueList": [v], "ComparisonOperator": "BEGINS_WITH"}
                else:
                    op = "=" if op == "begins" else op
                    conds.append("#%s %s %s" % (n, op, self.value(vals, v)))
                    legacy[n] = {"AttributeValueList": [v], "ComparisonOperator":
                                 {"=": "EQ", "<": "LT", ">=": "GE"}[op]}
        r.shuffle(conds)
        req = {"TableName": t, "IndexName": iname}
        if r.random() < 0.1:
            req["KeyConditions"] = legacy
            names, vals = {}, {}
        else:
            req["KeyConditionExpression"] = " AND ".join(conds)
            if r.random() < 0.25:
                if r.random() < 0.3:
                    n = r.choice(sorted(MK))
                    names["#f"] = n
                    req["FilterExpression"] = "attribute_exists(#f)"
                else:
                    req["FilterExpression"] = self.cond(t, names, vals)
            if r.random() < 0.15:
                req["ProjectionExpression"] = self.projection(names)
        if r.random() < 0.1:
            req["Select"] = r.choice(["COUNT", "ALL_PROJECTED_ATTRIBUTES", "ALL_ATTRIBUTES"])
        if r.random() < 0.5:
            req["Limit"] = r.randint(1, 4)
        if r.random() < 0.3:
            req["ScanIndexForward"] = False
        if r.random() < 0.2:
            req["ReturnConsumedCapacity"] = "INDEXES"
        if r.random() < 0.08:
            # a start key made up: the table's key and the index's attributes, some missing
            esk = {"pk": keyval(r, "S")}
            for n, ty in hs + rs:
                if r.random() < 0.85:
                    esk[n] = small(r, ty)
            req["ExclusiveStartKey"] = esk
        return self.attach(req, {k: v for k, v in names.items() if k in canon(req)}, vals)

    def scan(self):
        """A Scan of the multi-attribute table's or the LSI table's indexes (or the table)."""
        r = self.r
        t = r.choice([self.M, self.L])
        idx = dict(self.schemas[t][2])
        if t == self.M:
            idx.update(self.added)
        req = {"TableName": t}
        names, vals = {}, {}
        if r.random() < 0.8:
            req["IndexName"] = r.choice(sorted(idx))
        if r.random() < 0.3:
            req["FilterExpression"] = self.cond(t, names, vals)
        x = r.random()
        if x < 0.2:
            req["ProjectionExpression"] = self.projection(names)
        elif x < 0.3:
            req["Select"] = r.choice(["COUNT", "ALL_PROJECTED_ATTRIBUTES", "ALL_ATTRIBUTES"])
        if r.random() < 0.5:
            req["Limit"] = r.randint(1, 5)
        if r.random() < 0.2:
            req["TotalSegments"] = r.randint(1, 3)
        if r.random() < 0.1:
            req["ConsistentRead"] = True
        if r.random() < 0.2:
            req["ReturnConsumedCapacity"] = r.choice(["TOTAL", "INDEXES"])
        return self.attach(req, names, vals)

    def query_lsi(self):
        r = self.r
        t = self.L
        iname = r.choice(["l_keys", "l_inc", "l_all"])
        hs, rs, _, _ = self.schemas[t][2][iname]
        names, vals = {}, {}
        conds = ["pk = %s" % self.value(vals, keyval(r, "S"))]
        if r.random() < 0.5:
            n, ty = rs[0]
            conds.append("%s %s %s" % (n, r.choice(["=", "<", ">="]), self.value(vals, small(r, ty))))
        req = {"TableName": t, "IndexName": iname, "KeyConditionExpression": " AND ".join(conds)}
        x = r.random()
        if x < 0.3:
            req["Select"] = r.choice(["ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "COUNT"])
        elif x < 0.5:
            names2 = {}
            req["ProjectionExpression"] = ", ".join(r.sample(["a", "b", "c", "m", "l1", "l2", "sk", "n"],
                                                             r.randint(1, 3)))
            names.update(names2)
        elif x < 0.6:
            req["AttributesToGet"] = r.sample(["a", "b", "c", "m", "l1", "l2", "sk"], r.randint(1, 3))
            if r.random() < 0.5:
                req["Select"] = "SPECIFIC_ATTRIBUTES"
        if r.random() < 0.2:
            req["FilterExpression"] = self.cond(t, names, vals)
        if r.random() < 0.3:
            req["ConsistentRead"] = True
        if r.random() < 0.4:
            req["Limit"] = r.randint(1, 4)
        if r.random() < 0.3:
            req["ScanIndexForward"] = False
        if r.random() < 0.3:
            req["ReturnConsumedCapacity"] = r.choice(["TOTAL", "INDEXES"])
        return self.attach(req, names, vals)

    def update_table(self):
        r = self.r
        t = self.M
        x = r.random()
        if x < 0.45 and len(self.added) < 2:
            self.n_added += 1
            name = "gu%d" % self.n_added
            parts = r.sample(sorted(UK), r.randint(1, 3))
            nh = r.randint(1, len(parts))
            schema = [(p, "HASH") for p in parts[:nh]] + [(p, "RANGE") for p in parts[nh:]]
            proj = r.choice([{"ProjectionType": "ALL"}, {"ProjectionType": "KEYS_ONLY"},
                             {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]}])
            req = {"TableName": t, "AttributeDefinitions": adefs(*UK.items()),
                   "GlobalSecondaryIndexUpdates": [{"Create": {
                       "IndexName": name, "KeySchema": ks(*schema), "Projection": proj}}]}
            if r.random() < 0.1:
                req["GlobalSecondaryIndexUpdates"][0]["Create"]["KeySchema"] = ks(
                    *(schema + [("h1", "HASH")] * 4))
            self.pending = (name, [(p, UK[p]) for p in parts[:nh]],
                            [(p, UK[p]) for p in parts[nh:]], proj)
            return req
        if x < 0.7 and self.added:
            name = r.choice(sorted(self.added))
            self.pending_del = name
            return {"TableName": t, "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": name}}]}
        if x < 0.8:
            return {"TableName": r.choice([self.O, self.missing]),
                    "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "nope"}}]}
        if x < 0.88:
            if r.random() < 0.4:
                return {"TableName": self.O, "StreamSpecification": {"StreamEnabled": False}}
            return {"TableName": self.O, "StreamSpecification": {
                "StreamEnabled": True, "StreamViewType": r.choice(
                    ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"])}}
        tt = r.choice([self.O, self.T, self.M])
        if r.random() < 0.5:
            return {"TableName": tt, "BillingMode": "PAY_PER_REQUEST"}
        if tt == self.M:
            gs = sorted(set(self.schemas[tt][2]) | set(self.added))
            if r.random() < 0.3:
                gs = gs[1:]
            return {"TableName": tt, "BillingMode": "PROVISIONED",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 3},
                    "GlobalSecondaryIndexUpdates": [{"Update": {
                        "IndexName": g, "ProvisionedThroughput": {
                            "ReadCapacityUnits": r.randint(1, 4), "WriteCapacityUnits": 1}}}
                        for g in gs]}
        return {"TableName": tt, "BillingMode": "PROVISIONED",
                "ProvisionedThroughput": {"ReadCapacityUnits": r.randint(1, 9),
                                          "WriteCapacityUnits": r.randint(1, 9)}}

    def ttl(self):
        r = self.r
        t = r.choice([self.T, self.L, self.missing])
        if r.random() < 0.4:
            return "DescribeTimeToLive", {"TableName": t}
        return "UpdateTimeToLive", {"TableName": t, "TimeToLiveSpecification": {
            "Enabled": r.random() < 0.6, "AttributeName": r.choice(["ttl", "exp"])}}

    def op(self):
        r = self.r
        kind = r.choices(OP_KINDS, WEIGHTS)[0]
        if kind == "TransactWriteItems":
            return kind, self.transact_write()
        if kind == "TransactGetItems":
            return kind, self.transact_get()
        if kind == "BatchWriteItem":
            return kind, self.batch_write()
        if kind == "BatchGetItem":
            return kind, self.batch_get()
        if kind == "Query":
            return kind, self.query_multi() if r.random() < 0.6 else self.query_lsi()
        if kind == "UpdateTable":
            return kind, self.update_table()
        if kind == "TTL":
            return self.ttl()
        if kind == "Scan":
            return kind, self.scan()
        t = self.any_table()
        names, vals = {}, {}
        if kind == "PutItem":
            req = {"TableName": t, "Item": self.item(t)}
            if r.random() < 0.4:
                req["ConditionExpression"] = self.cond(t, names, vals)
            if r.random() < 0.5:
                req["ReturnValues"] = "ALL_OLD"
        elif kind == "UpdateItem":
            req = {"TableName": t, "Key": self.key(t), "UpdateExpression": self.update_small(t, names, vals)}
            if r.random() < 0.3:
                req["ConditionExpression"] = self.cond(t, names, vals)
            if r.random() < 0.5:
                req["ReturnValues"] = r.choice(["ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"])
        else:
            req = {"TableName": t, "Key": self.key(t)}
            if r.random() < 0.3:
                req["ConditionExpression"] = self.cond(t, names, vals)
            if r.random() < 0.5:
                req["ReturnValues"] = "ALL_OLD"
        return kind, self.capacity(self.attach(req, names, vals))


# ---- normalising what is not compared ---------------------------------------------------------

def describe_view(d):
    """What DescribeTable's Table is compared on: not times, ARNs, ids, sizes or counts (AWS
    refreshes ItemCount / sizes about every six hours)."""
    if not isinstance(d, dict):
        return d
    keep = {}
    for k in ("TableName", "KeySchema", "TableStatus", "BillingModeSummary", "StreamSpecification"):
        if k in d:
            keep[k] = d[k]
    if "BillingModeSummary" in keep:
        keep["BillingModeSummary"] = {"BillingMode": keep["BillingModeSummary"].get("BillingMode")}
    keep["AttributeDefinitions"] = sorted(d.get("AttributeDefinitions", []), key=canon)
    keep["has_LatestStreamArn"] = "LatestStreamArn" in d
    pt = d.get("ProvisionedThroughput", {})
    keep["ProvisionedThroughput"] = {k: pt.get(k) for k in ("ReadCapacityUnits", "WriteCapacityUnits")}
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if kind in d:
            out = []
            for i in d[kind]:
                v = {k: i.get(k) for k in ("IndexName", "KeySchema", "Projection", "IndexStatus")
                     if k in i}
                if "Projection" in v and "NonKeyAttributes" in v["Projection"]:
                    v["Projection"] = dict(v["Projection"], NonKeyAttributes=sorted(
                        v["Projection"]["NonKeyAttributes"]))
                if "ProvisionedThroughput" in i:
                    v["ProvisionedThroughput"] = {k: i["ProvisionedThroughput"].get(k) for k in
                                                  ("ReadCapacityUnits", "WriteCapacityUnits")}
                out.append(v)
            keep[kind] = sorted(out, key=lambda x: x["IndexName"])
    return keep


def table_answer(a):
    """UpdateTable's / DescribeTable's answer with its table description viewed."""
    if a["status"] != 200:
        return a
    b = dict(a["body"])
    for k in ("Table", "TableDescription"):
        if k in b:
            b[k] = describe_view(b[k])
    return {"status": 200, "body": b}


def stream_view(rec):
    d = rec.get("dynamodb", {})
    v = {"eventName": rec.get("eventName"), "eventSource": rec.get("eventSource"),
         "eventVersion": rec.get("eventVersion"), "Keys": d.get("Keys"),
         "StreamViewType": d.get("StreamViewType"), "SizeBytes": d.get("SizeBytes")}
    for img in ("OldImage", "NewImage"):
        if img in d:
            v[img] = d[img]
    if "userIdentity" in rec:
        v["userIdentity"] = rec["userIdentity"]
    return v


def _status_settled(a, b):
    """UpdateTable's answer: AWS answers UPDATING (the table) and CREATING / DELETING (the
    index), or UPDATING for a billing switch (test_gsi_lifecycle.py, test_tables_updating.py);
    DynamoDB Local answers ACTIVE at once (README: 'DynamoDB Local creates and deletes indexes
    at once', 'answers ACTIVE with the new values at once')."""
    fired = []
    if a.get("status") == b.get("status") == 200 and "TableDescription" in a["body"]:
        ta, tb = a["body"]["TableDescription"], b["body"].get("TableDescription", {})
        ta = dict(ta)
        if ta.get("TableStatus") == "UPDATING" and tb.get("TableStatus") == "ACTIVE":
            ta["TableStatus"] = "ACTIVE"
            fired.append("local-update-table-active-at-once")
        gi_b = {i["IndexName"]: i for i in tb.get("GlobalSecondaryIndexes", [])}
        out = []
        for i in ta.get("GlobalSecondaryIndexes", []):
            if i.get("IndexStatus") in ("CREATING", "DELETING", "UPDATING") and \
                    gi_b.get(i["IndexName"], {}).get("IndexStatus") == "ACTIVE":
                i = dict(i, IndexStatus="ACTIVE")
                fired.append("local-update-table-active-at-once")
            elif i.get("IndexStatus") == "DELETING" and i["IndexName"] not in gi_b:
                fired.append("local-update-table-active-at-once")
                continue
            out.append(i)
        if "GlobalSecondaryIndexes" in ta:
            ta["GlobalSecondaryIndexes"] = out
            if not out and "GlobalSecondaryIndexes" not in tb:
                del ta["GlobalSecondaryIndexes"]
        a = dict(a, body=dict(a["body"], TableDescription=ta))
    return a, b, fired


def rule_update_table_status(op, req, a, b):
    if op != "UpdateTable":
        return a, b, []
    return _status_settled(a, b)


def rule_not_found_text(op, req, a, b):
    """A missing table: AWS answers ResourceNotFoundException "Requested resource not found"
    (with ": Table: T not found" for the table operations); Local "Cannot do operations on a
    non-existent table" (test_batch.py L_MISSING, test_items.py)."""
    if a.get("type") == b.get("type") == "ResourceNotFoundException" and \
            b.get("message") == "Cannot do operations on a non-existent table" and \
            (a.get("message") or "").startswith("Requested resource not found"):
        return b, b, ["local-not-found-text"]
    return a, b, []


def rule_token_before_request_checks(op, req, a, b):
    """A ClientRequestToken re-sent with another request that is refused: Local answers the
    token's mismatch first, ddbchat the request's own refusal (its duplicates, a missing
    table), checked before the token.  Unsettled (no AWS capture)."""
    if op == "TransactWriteItems" and req.get("ClientRequestToken") and \
            b.get("type") == "IdempotentParameterMismatchException" and \
            (a.get("type"), a.get("message")) in (
                ("ValidationException", "Transaction request cannot include multiple operations on one item"),
                ("ResourceNotFoundException", "Requested resource not found")):
        return b, b, ["unsettled-token-before-request-checks"]
    return a, b, []


def rule_idempotent_mismatch_text(op, req, a, b):
    """A ClientRequestToken re-sent with another request: AWS's message names the token's
    reuse (test_transact.py test_transact_idempotent_token); Local's is empty."""
    if a.get("type") == b.get("type") == "IdempotentParameterMismatchException" and \
            b.get("message") in ("", None):
        return b, b, ["local-idempotent-mismatch-empty-message"]
    return a, b, []


# an Update's refusals on the item (Local answers them as a ValidationException: diffgen's
# rule_transact_validation_reason)
UPDATE_APPLY_TEXTS = ("An operand in the update expression has an incorrect data type",
                      "The provided expression refers to an attribute that does not exist in the item",
                      "The document path provided in the update expression is invalid for update")


def rule_duplicate_item_after_conditions(op, req, a, b):
    """Two actions on one item: AWS refuses the request (ValidationException, API Reference:
    'no two actions can target the same item'; a request rule, checked before any item is
    read: test_transact.py test_transact_write_validation); DynamoDB Local evaluates the
    conditions first and cancels when one fails."""
    if op == "TransactWriteItems" and a.get("type") == "ValidationException" and \
            a.get("message") == "Transaction request cannot include multiple operations on one item" and \
            (b.get("type") == "TransactionCanceledException" or
             (b.get("type") == "ValidationException" and b.get("message") in UPDATE_APPLY_TEXTS)):
        return b, b, ["local-duplicate-item-after-conditions"]
    return a, b, []


def rule_duplicate_before_missing_table(op, req, a, b):
    """Two requests for one item and a missing table in one BatchWriteItem or
    TransactWriteItems: ddbchat finds the duplicate among the members before the missing
    table that comes after them, Local resolves every table first.  Unsettled (no AWS
    capture)."""
    dup = {"TransactWriteItems": "Transaction request cannot include multiple operations on one item",
           "BatchWriteItem": "Provided list of item keys contains duplicates"}.get(op)
    if dup and a.get("type") == "ValidationException" and a.get("message") == dup and \
            b.get("type") == "ResourceNotFoundException" and \
            b.get("message") == "Cannot do operations on a non-existent table":
        return b, b, ["unsettled-duplicate-before-missing-table"]
    return a, b, []


def rule_empty_key_conditions(op, req, a, b):
    """A Query with KeyConditions {}: ddbchat names the missing key ("Query condition missed
    key schema element[: pk]"), Local "Conditions must be at least length 1".  Unsettled."""
    if op == "Query" and req.get("KeyConditions") == {} and "error" in a and "error" in b and \
            b["error"].get("message") == "Conditions must be at least length 1" and \
            (a["error"].get("message") or "").startswith("Query condition missed key schema element"):
        return b, b, ["unsettled-empty-key-conditions"]
    return a, b, []


def rule_ondemand_gsi_throughput(op, req, a, b):
    """An on-demand table's GSI: AWS describes ProvisionedThroughput 0 / 0 (DDB-TABLE-133,
    test_tables.py); Local leaves it out."""
    fired = []

    def strip(x, y):
        if not isinstance(x, dict) or not isinstance(y, dict):
            return x
        out = dict(x)
        for k in ("Table", "TableDescription"):
            if k in x and isinstance(y.get(k), dict):
                t = dict(x[k])
                gy = {g["IndexName"]: g for g in y[k].get("GlobalSecondaryIndexes", [])}
                gs = []
                ppr = (y[k].get("BillingModeSummary") or {}).get("BillingMode") == "PAY_PER_REQUEST"
                for g in t.get("GlobalSecondaryIndexes", []):
                    if g.get("ProvisionedThroughput") == {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0} \
                            and ("ProvisionedThroughput" not in gy.get(g["IndexName"], {}) or ppr):
                        # (Local also keeps a provisioned index's throughput after a switch
                        # to on-demand)
                        g = {kk: vv for kk, vv in g.items() if kk != "ProvisionedThroughput"}
                        if "ProvisionedThroughput" in gy.get(g["IndexName"], {}):
                            g["ProvisionedThroughput"] = gy[g["IndexName"]]["ProvisionedThroughput"]
                        fired.append("local-ondemand-gsi-no-throughput")
                    gs.append(g)
                if gs:
                    t["GlobalSecondaryIndexes"] = gs
                out[k] = t
        return out
    if a.get("status") == b.get("status") == 200:
        a = dict(a, body=strip(a["body"], b["body"]))
    return a, b, fired


def rule_index_not_found_text(op, req, a, b):
    """UpdateTable naming an index the table does not have: AWS "Requested resource not
    found: Index I for table T" (DDB-TABLE-161, README); Local "Requested resource not
    found"."""
    if op == "UpdateTable" and a.get("type") == b.get("type") == "ResourceNotFoundException" and \
            b.get("message") == "Requested resource not found" and \
            (a.get("message") or "").startswith("Requested resource not found: Index "):
        return b, b, ["local-index-not-found-text"]
    return a, b, []


def rule_unused_definitions(op, req, a, b):
    """UpdateTable's AttributeDefinitions: the service keeps only those of the keys of the
    table and its indexes (op_table_update.c ut_apply); DynamoDB Local keeps every definition a
    request added."""
    fired = []

    def used(t):
        names = {k["AttributeName"] for k in t.get("KeySchema", [])}
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            for i in t.get(kind, []):
                names |= {k["AttributeName"] for k in i.get("KeySchema") or []}
        return names
    if op in ("UpdateTable", "DescribeTable") and a.get("status") == b.get("status") == 200:
        body = dict(b["body"])
        for k in ("Table", "TableDescription"):
            if k in body and "AttributeDefinitions" in body[k]:
                t = body[k]
                keep = [d for d in t["AttributeDefinitions"] if d["AttributeName"] in used(t)]
                if keep != t["AttributeDefinitions"]:
                    body[k] = dict(t, AttributeDefinitions=keep)
                    fired.append("local-keeps-unused-definitions")
        b = dict(b, body=body)
    return a, b, fired


BATCH_ITEM_ERRS = ("Provided list of item keys contains duplicates",
                   "Transaction request cannot include multiple operations on one item",
                   "Cannot do operations on a non-existent table",
                   "One or more parameter values were invalid: Type mismatch for key",
                   "The provided key element does not match the schema")


def rule_batch_request_before_items(op, req, a, b):
    """A batch or transaction whose expressions are refused and whose items or tables are
    too: ddbchat checks every member's expressions first (request-level checks, as AWS
    checks a single item operation's before its table: README), DynamoDB Local member by
    member.  Unsettled (no AWS capture of such a batch)."""
    if op in ("BatchGetItem", "TransactGetItems", "BatchWriteItem", "TransactWriteItems") and \
            a.get("type") == "ValidationException" and (a.get("message") or "").startswith(
            ("Invalid ProjectionExpression", "Value provided in ExpressionAttributeNames unused",
             "Invalid ConditionExpression", "Invalid UpdateExpression",
             "Value provided in ExpressionAttributeValues unused")) and \
            b.get("status") == 400 and (b.get("message") or "").startswith(BATCH_ITEM_ERRS):
        return b, b, ["unsettled-batch-request-before-items"]
    return a, b, []


def rule_lsi_projection_fetch_charge(op, req, a, b):
    """A Query of an LSI whose ProjectionExpression names only attributes the index projects:
    AWS reads the index alone (the Developer Guide's LSI page: the table is read only for
    attributes the index does not project); DynamoDB Local charges the table's fetches for any
    ProjectionExpression."""
    proj = req.get("_lsi_projected")
    pe = req.get("ProjectionExpression")
    if op != "Query" or proj is None or not pe or "error" in a or "error" in b:
        return a, b, []
    names = req.get("ExpressionAttributeNames", {})
    roots = {names.get(p.strip().split(".")[0].split("[")[0], p.strip().split(".")[0].split("[")[0])
             for p in pe.split(",")}
    if proj != "ALL" and not roots <= set(proj):
        return a, b, []
    ca, cb = a.get("ConsumedCapacity_total"), b.get("ConsumedCapacity_total")
    # Local's extra: one fetch of each entry read, at a read unit's least (the generator's
    # items are under 4 KB): 1 strongly consistent, 0.5 eventually
    fetches = a.get("ScannedCount", -1) * (1.0 if req.get("ConsistentRead") else 0.5)
    if ca is not None and cb is not None and abs(cb - ca - fetches) < 1e-9:
        strip = ("ConsumedCapacity_total",)
        a2 = {k: v for k, v in a.items() if k not in strip}
        b2 = {k: v for k, v in b.items() if k not in strip}
        if canon(a2) == canon(b2):
            return b, b, ["local-lsi-projection-always-fetches"]
    return a, b, []


QUERY_REQUEST_TEXTS = ("Cannot specify the ProjectionExpression when choosing to get",
                       "1 validation error detected: Cannot specify the ProjectionExpression "
                       "when choosing to get",
                       "1 validation error detected: Must specify the AttributesToGet or "
                       "ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
QUERY_KEY_TEXTS = ("HASH key attributes", "RANGE key attributes", "Query key condition not supported",
                   "Query condition missed key schema element",
                   "Filter Expression can only contain non-primary key attributes")


def rule_query_select_after_key_condition(op, req, a, b):
    """A Query whose Select (or ProjectionExpression with it) is refused and whose key
    condition is too: the service checks Select with the request (dynalite's tests, run
    against AWS), DynamoDB Local after the key condition."""
    if op == "Query" and "error" in a and "error" in b and \
            (a["error"].get("message") or "").startswith(QUERY_REQUEST_TEXTS) and \
            (b["error"].get("message") or "").startswith(QUERY_KEY_TEXTS):
        return b, b, ["local-query-select-after-key-condition"]
    return a, b, []


def rule_gsi_key_definitions_first(op, req, a, b):
    """A GSI Create whose KeySchema repeats or misorders attributes it does not define:
    ddbchat answers the service's definitions text first, as in CreateTable (the service's
    texts and order: test_tables.py; DynamoDB Local's own order and texts are its deviation:
    test_gsi_multikey.py)."""
    if op == "UpdateTable" and a.get("type") == b.get("type") == "ValidationException" and \
            (a.get("message") or "").startswith("One or more parameter values were invalid: Some "
                                                "index key attributes are not defined") and \
            b.get("message") in ("Two keys can not have the same name",
                                 "Invalid key order. Hash Key must be specified first in key schema, "
                                 "Range Key must be specifed second"):
        return b, b, ["local-gsi-key-schema-before-definitions"]
    return a, b, []


DUP_T = "Transaction request cannot include multiple operations on one item"


def rule_model_length_text(op, req, a, b):
    """A list over its length in the model (100 TransactItems, 100 Keys of a table, 25
    requests of a table): AWS's model validation ("1 validation error detected: Value ... at
    'transactItems' failed to satisfy constraint: Member must have length less than or equal
    to 100": test_quotas.py); Local's own texts."""
    if a.get("type") == b.get("type") == "ValidationException" and \
            (a.get("message") or "").startswith("1 validation error detected: Value") and \
            "Member must have length less than or equal to" in a.get("message", "") and \
            b.get("message") in ("Member must have length less than or equal to 100",
                                 "Too many items requested for the BatchGetItem call",
                                 "Too many items requested for the BatchWriteItem call"):
        return b, b, ["local-model-length-text"]
    if a.get("type") == b.get("type") == "ValidationException" and \
            (a.get("message") or "").startswith("1 validation error detected: Value") and \
            "Member must have length less than or equal to" in a.get("message", "") and \
            (b.get("message") in ("Provided list of item keys contains duplicates", DUP_T) or
             (b.get("message") or "").startswith("Can not use both expression and non-expression")):
        # the model's checks come before the request's semantic ones (README: the model
        # first, then the operation's own rules); Local checks a table's keys first
        return b, b, ["local-model-length-after-item-checks"]
    return a, b, []


def rule_local_internal_failure(op, req, a, b):
    """DynamoDB Local answers 500 InternalFailure to a GSI Create without
    ProvisionedThroughput on a provisioned table; AWS refuses it ("No provisioned throughput
    specified for the global secondary index": test_tables.py)."""
    creates = [u["Create"] for u in req.get("GlobalSecondaryIndexUpdates", []) if "Create" in u]
    if b.get("status") == 500 and b.get("type") == "InternalFailure" and \
            a.get("type") == "ValidationException" and op == "UpdateTable" and creates and \
            not any("ProvisionedThroughput" in c for c in creates):
        # (also with other refusals of the Create on such a table: the 500 comes first)
        return b, b, ["local-internal-failure-gsi-no-throughput"]
    return a, b, []


ESK_BOUNDS = ("The provided starting key is outside query boundaries based on provided conditions",
              "The query can return at most one row and cannot be restarted")


def rule_esk_predicate_text(op, req, a, b):
    """A Query's start key outside its key condition: the service's two texts (dynalite's
    tests, run against AWS; store/query.c st_check_esk_bounds); Local answers "does not match
    the range key predicate" to all (test_gsi_multikey.py test_query_start_key)."""
    if op == "Query" and "error" in a and "error" in b and \
            a["error"].get("message") in ESK_BOUNDS and \
            b["error"].get("message") == "The provided starting key does not match the range key predicate":
        return b, b, ["local-esk-predicate-text"]
    return a, b, []


def rule_esk_after_request_checks(op, req, a, b):
    """A Query whose start key is refused and whose projection or Select is too: ddbchat
    checks the request's parameters first, Local the start key.  Unsettled (no AWS capture)."""
    if op == "Query" and req.get("ExclusiveStartKey") and "error" in a and "error" in b and \
            (b["error"].get("message") or "").startswith(("The provided starting key",)) and \
            (a["error"].get("message") or "").startswith((
                "One or more parameter values were invalid: Global secondary index ",
                "One or more parameter values were invalid: Select type ",
                "Invalid ProjectionExpression", "Cannot specify the ProjectionExpression",
                "Filter Expression can only contain non-primary key attributes")):
        return b, b, ["unsettled-start-key-after-request-checks"]
    return a, b, []


def rule_stream_enabled_text(op, req, a, b):
    """A stream enabled again while enabled: AWS names the table (test_streams.py); Local does
    not."""
    for text in ("Table already has an enabled stream", "Table has no stream to disable"):
        if op == "UpdateTable" and b.get("message") == text and \
                (a.get("message") or "").startswith(text + ": TableName: "):
            return b, b, ["local-stream-state-text"]
    return a, b, []


def rule_throughput_unchanged_text(op, req, a, b):
    """UpdateTable asking for the throughput the table has: AWS's text names both values
    (test_tables.py); Local's is short."""
    if op == "UpdateTable" and b.get("message") == "The requested throughput value equals the current value" \
            and (a.get("message") or "").startswith("The provisioned throughput for the table will not change."):
        return b, b, ["local-throughput-unchanged-text"]
    return a, b, []


def rule_deleting_gsi_throughput(op, req, a, b):
    """UpdateTable's answer to a GSI Delete on a provisioned table: ddbchat describes the
    DELETING index without ProvisionedThroughput, Local (which deletes at once) with the
    index's throughput.  Unsettled (no capture of AWS's DELETING description)."""
    if op != "UpdateTable" or a.get("status") != 200 or b.get("status") != 200:
        return a, b, []
    ta, tb = a["body"].get("TableDescription", {}), b["body"].get("TableDescription", {})
    gb = {g["IndexName"]: g for g in tb.get("GlobalSecondaryIndexes", [])}
    out, fired = [], []
    for g in ta.get("GlobalSecondaryIndexes", []):
        if g.get("IndexStatus") == "DELETING" and "ProvisionedThroughput" not in g and \
                "ProvisionedThroughput" in gb.get(g["IndexName"], {}):
            g = dict(g, ProvisionedThroughput=gb[g["IndexName"]]["ProvisionedThroughput"])
            fired = ["unsettled-deleting-gsi-throughput"]
        out.append(g)
    if fired:
        a = dict(a, body=dict(a["body"], TableDescription=dict(ta, GlobalSecondaryIndexes=out)))
    return a, b, fired


def rule_gsi_throughput_missing_text(op, req, a, b):
    """A switch to PROVISIONED that leaves out a GSI's throughput: the service names the index
    (test_tables.py); Local's text does not."""
    if op == "UpdateTable" and b.get("message") == "No provisioned throughput specified for the global secondary index" \
            and (a.get("message") or "").startswith("One or more parameter values were invalid: "
                                                    "ProvisionedThroughput must be specified for index: "):
        return b, b, ["local-gsi-throughput-missing-text"]
    return a, b, []


def rule_scan_consistent_after_expressions(op, req, a, b):
    """A Scan of a GSI with ConsistentRead and a refused expression: ddbchat answers the
    expression (a request check, made before the table and its indexes are looked up, as
    dynalite's AWS-checked validation does), Local the ConsistentRead.  Unsettled."""
    if op == "Scan" and "error" in a and "error" in b and \
            b["error"].get("message") == "Consistent reads are not supported on global secondary indexes" and \
            (a["error"].get("message") or "").startswith(("Invalid ProjectionExpression",
                                                          "Invalid FilterExpression",
                                                          "Value provided in ExpressionAttribute")):
        return b, b, ["unsettled-scan-consistent-after-expressions"]
    return a, b, []


def rule_missed_key_element_text(op, req, a, b):
    """A Query's key condition without a key attribute: AWS names it ("Query condition missed
    key schema element: sk": test_query_scan.py); Local does not."""
    if op == "Query" and "error" in a and "error" in b and \
            b["error"].get("message") == "Query condition missed key schema element" and \
            (a["error"].get("message") or "").startswith("Query condition missed key schema element: "):
        return b, b, ["local-missed-key-element-text"]
    return a, b, []


RULES2 = [rule_missed_key_element_text, rule_gsi_throughput_missing_text, rule_scan_consistent_after_expressions,
          rule_deleting_gsi_throughput, rule_throughput_unchanged_text, rule_model_length_text, rule_local_internal_failure, rule_esk_predicate_text,
          rule_esk_after_request_checks, rule_stream_enabled_text,
          rule_gsi_key_definitions_first, rule_query_select_after_key_condition,
          rule_duplicate_before_missing_table, rule_empty_key_conditions, rule_index_not_found_text, rule_unused_definitions, rule_batch_request_before_items,
          rule_update_table_status, rule_ondemand_gsi_throughput, rule_not_found_text,
          rule_idempotent_mismatch_text, rule_token_before_request_checks, rule_duplicate_item_after_conditions]


# after diffgen's (its empty-page rule first)
RULES_LATE = [rule_lsi_projection_fetch_charge]


def known(op, req, da, db):
    fired = []
    for rule in RULES2 + dg.RULES + RULES_LATE:
        da, db, f = rule(op, req, da, db)
        fired += f
    if canon(da) == canon(db):
        return ",".join(sorted(set(fired))) or "order"
    return None


class Runner2(dg.Runner):
    def __init__(self, url_a, url_b, seed, prefix="dh", verbose=False):
        super().__init__(url_a, url_b, seed, prefix, verbose)
        self.gen = Gen2(seed, prefix)
        self.gen.nonce = "%x" % int(time.time() * 1000)
        self.sa, self.sb = streams_client(url_a), streams_client(url_b)
        self.iters = {}
        self.read_any = {}
        self.n_records = 0  # stream records compared

    def setup(self):
        super().setup()
        for t, d in self.gen.defs.items():
            if "StreamSpecification" in d:
                self.iters[t] = (self.first_iter(self.ca, self.sa, t), self.first_iter(self.cb, self.sb, t))

    def first_iter(self, c, s, t):
        arn = c.describe_table(TableName=t)["Table"]["LatestStreamArn"]
        shards = s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        sh = [x for x in shards if "EndingSequenceNumber" not in x.get("SequenceNumberRange", {})]
        return s.get_shard_iterator(StreamArn=arn, ShardId=(sh or shards)[-1]["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    def read_stream(self, c, s, t, it, side):
        recs = []
        for _ in range(5):
            try:
                got = s.get_records(ShardIterator=it)
            except ClientError as e:
                # DynamoDB Local: a TRIM_HORIZON iterator taken while another table's stream
                # was created after this one's answers TrimmedDataAccessException once the
                # shard has its first record (AWS and ddbchat read it: the shard's records
                # are all there).  Nothing was read from it yet: a new TRIM_HORIZON iterator.
                if e.response["Error"]["Code"] != "TrimmedDataAccessException" or \
                        self.read_any.get((t, side)):
                    raise
                self.known["local-trim-horizon-iterator-trimmed"] = \
                    self.known.get("local-trim-horizon-iterator-trimmed", 0) + 1
                it = self.first_iter(c, s, t)
                got = s.get_records(ShardIterator=it)
            recs += got.get("Records", [])
            it = got.get("NextShardIterator", it)
            if not got.get("Records"):
                break
        if recs:
            self.read_any[(t, side)] = True
        return recs, it

    def check_streams(self, i, op, req):
        for t, (ia, ib) in list(self.iters.items()):
            ra, ia = self.read_stream(self.ca, self.sa, t, ia, "a")
            rb, ib = self.read_stream(self.cb, self.sb, t, ib, "b")
            self.iters[t] = (ia, ib)
            for recs in (ra, rb):
                seqs = [int(x["dynamodb"]["SequenceNumber"]) for x in recs]
                if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
                    self.diffs.append({"i": i, "op": op + " (stream order)", "req": req,
                                       "a": seqs, "b": None, "paths": [("/", seqs, None)]})
            self.n_records += len(rb)
            va = [dg.walk_values(dg.walk_values(stream_view(x), dg.num_text), dg.set_order) for x in ra]
            vb = [dg.walk_values(dg.walk_values(stream_view(x), dg.num_text), dg.set_order) for x in rb]
            if op in ("BatchWriteItem", "TransactWriteItems"):
                # the records of one request's items: their order among themselves is the
                # order the items were written in, which the API does not define
                va, vb = sorted(va, key=canon), sorted(vb, key=canon)
            if canon(va) != canon(vb):
                why = self.stream_known(op, va, vb)
                if why:
                    self.known[why] = self.known.get(why, 0) + 1
                    continue
                self.diffs.append({"i": i, "op": op + " (stream %s)" % t, "req": req,
                                   "a": va, "b": vb, "paths": dg.diff_paths(va, vb)[:8]})
                if self.verbose:
                    print(dg.report_one(self.diffs[-1]))

    def stream_known(self, op, va, vb):
        """DynamoDB Local writes an empty map in a stream record's images as {} (no type: not
        an AttributeValue); AWS's images are the item as stored (the Developer Guide's
        StreamViewType: 'the entire item'), ddbchat's {"M": {}}."""
        def fix(x):
            if isinstance(x, dict):
                return {k: ({"M": {}} if v == {} and k not in ("Keys",) else fix(v)) for k, v in x.items()}
            if isinstance(x, list):
                return [fix(i) for i in x]
            return x
        if canon(va) == canon([fix(r) for r in vb]):
            return "local-stream-empty-map-untyped"
        return None

    def wait_active(self, c, t, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            try:
                d = c.describe_table(TableName=t)["Table"]
            except ClientError:
                return
            if d["TableStatus"] == "ACTIVE" and all(
                    g.get("IndexStatus") == "ACTIVE" for g in d.get("GlobalSecondaryIndexes", [])):
                return
            time.sleep(0.05)

    def step(self, i):
        op, req = self.gen.op()
        self.stats[op] = self.stats.get(op, 0) + 1
        if op in ("Query", "Scan", "PutItem", "UpdateItem", "DeleteItem", "BatchGetItem",
                  "BatchWriteItem", "TransactWriteItems", "TransactGetItems"):
            sch = self.gen.schemas[req["TableName"]] if "TableName" in req else None
            if op == "Scan" and req.get("TotalSegments"):
                pa, pb = [], []
                for sg in range(req["TotalSegments"]):
                    rq = dict(req, Segment=sg)
                    pa += dg.paginate(self.ca, op, rq)
                    pb += dg.paginate(self.cb, op, rq)
                na = dg.normal_pages(op, req, [p for p in pa if p["status"] != 200] or pa, sch)
                nb = dg.normal_pages(op, req, [p for p in pb if p["status"] != 200] or pb, sch)
                for n in (na, nb):
                    for k in ("n_pages", "has_items", "ConsumedCapacity_shape"):
                        n.pop(k, None)
            elif op in ("Query", "Scan"):
                sch = (sch[0], sch[1], dict(sch[2], **self.gen.added))
                na = dg.normal_pages(op, req, dg.paginate(self.ca, op, req), sch)
                nb = dg.normal_pages(op, req, dg.paginate(self.cb, op, req), sch)
            else:
                self._absent = (dg.absent_deletes(self.ca, req) if op == "BatchWriteItem"
                                else None)
                na = dg.normal(op, call(self.ca, op, req))
                nb = dg.normal(op, call(self.cb, op, req))
        else:
            na = table_answer(call(self.ca, op, req))
            nb = table_answer(call(self.cb, op, req))
        if op == "UpdateTable":
            self.after_update_table(req, na, nb)
        same = canon(na) == canon(nb)
        if op in dg.WRITES:
            if same or not (known(op, self.known_req(op, req), na, nb) or "").startswith(dg.DIVERGING):
                self.check_state(i, op, req, na, nb)
            self.check_streams(i, op, req)
        if op == "UpdateTable":
            da = table_answer(call(self.ca, "DescribeTable", {"TableName": req["TableName"]}))
            db = table_answer(call(self.cb, "DescribeTable", {"TableName": req["TableName"]}))
            if canon(da) != canon(db) and not known("DescribeTable", req, da, db):
                self.diffs.append({"i": i, "op": "DescribeTable (after UpdateTable)", "req": req,
                                   "a": da, "b": db, "paths": dg.diff_paths(da, db)[:8]})
        if same:
            return
        why = known(op, self.known_req(op, req), na, nb)
        if why:
            self.known[why] = self.known.get(why, 0) + 1
        else:
            self.diffs.append({"i": i, "op": op, "req": req, "a": na, "b": nb,
                               "paths": dg.diff_paths(na, nb)[:8]})
            if self.verbose:
                print(dg.report_one(self.diffs[-1]))
        if op in dg.WRITES:
            self.resync(op, req)
            self.check_streams(i, op + " (resync)", req)

    def after_update_table(self, req, na, nb):
        t = req["TableName"]
        self.wait_active(self.ca, t)
        self.wait_active(self.cb, t)
        ups = req.get("GlobalSecondaryIndexUpdates", [{}])[0]
        if "StreamSpecification" in req and (na["status"] == 200 or nb["status"] == 200):
            # a new stream (or none): read it from its start on both
            for side, c, s in (("a", self.ca, self.sa), ("b", self.cb, self.sb)):
                self.read_any.pop((t, side), None)
            try:
                if req["StreamSpecification"].get("StreamEnabled"):
                    self.iters[t] = (self.first_iter(self.ca, self.sa, t),
                                     self.first_iter(self.cb, self.sb, t))
                else:
                    self.iters.pop(t, None)
            except (ClientError, KeyError):
                self.iters.pop(t, None)
        if na["status"] == 200 and nb["status"] == 200:
            if "Create" in ups and getattr(self.gen, "pending", None):
                name, hs, rs, proj = self.gen.pending
                self.gen.added[name] = (hs, rs, proj, False)
            if "Delete" in ups:
                self.gen.added.pop(ups["Delete"]["IndexName"], None)
        self.gen.pending = None

    def known_req(self, op, req):
        kreq = dict(req)
        kreq["_lsis"] = [n for n, ix in self.gen.schemas.get(req.get("TableName"), (0, 0, {}))[2].items()
                         if ix[3]]
        kreq["_lsis_all"] = [n for sch in self.gen.schemas.values() for n, ix in sch[2].items() if ix[3]]
        if op == "BatchWriteItem":
            kreq["_absent_deletes"] = getattr(self, "_absent", None)
        sch = self.gen.schemas.get(req.get("TableName"))
        if sch and req.get("IndexName") in sch[2] and sch[2][req["IndexName"]][3]:
            hs, rs, proj, _ = sch[2][req["IndexName"]]
            keys = [sch[0][0]] + ([sch[1][0]] if sch[1] else []) + [n for n, _ in hs + rs]
            kreq["_lsi_projected"] = "ALL" if proj["ProjectionType"] == "ALL" else \
                keys + proj.get("NonKeyAttributes", [])
        return kreq

    def write_keys(self, op, req):
        keys = []
        if op in ("PutItem", "UpdateItem", "DeleteItem"):
            t = req["TableName"]
            keys.append((t, req.get("Key") or {a: req["Item"][a] for a in self.gen.keynames(t)}))
        elif op == "BatchWriteItem":
            for t, ws in req["RequestItems"].items():
                if t in self.gen.defs:
                    for w in ws:
                        keys.append((t, w.get("DeleteRequest", {}).get("Key") or {
                            a: w["PutRequest"]["Item"][a] for a in self.gen.keynames(t)}))
        else:
            for act in req["TransactItems"]:
                body = list(act.values())[0]
                t = body["TableName"]
                if t in self.gen.defs:
                    keys.append((t, body.get("Key") or {a: body["Item"][a] for a in self.gen.keynames(t)}))
        return keys

    def resync(self, op, req):
        for t, k in self.write_keys(op, req):
            try:
                got = self.cb.get_item(TableName=t, Key=k, ConsistentRead=True).get("Item")
                if got:
                    self.ca.put_item(TableName=t, Item=got)
                else:
                    self.ca.delete_item(TableName=t, Key=k)
            except ClientError:
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url_a")
    ap.add_argument("url_b")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", type=int, default=300)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    run = Runner2(a.url_a, a.url_b, a.seed, prefix="dh%d" % a.seed, verbose=a.verbose)
    diffs = run.run(a.ops)
    if not a.verbose:
        for d in diffs:
            print(dg.report_one(d))
    print("ops:", run.stats, file=sys.stderr)
    print("known:", run.known, file=sys.stderr)
    print("stream records compared:", run.n_records, file=sys.stderr)
    print("%d differences in %d operations" % (len(diffs), a.ops), file=sys.stderr)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
