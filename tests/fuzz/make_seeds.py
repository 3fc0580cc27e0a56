#!/usr/bin/python3
"""Writes the seed corpora of the libFuzzer targets (tests/fuzz/corpus/<target>/) from the
golden data (tests/golden: DynamoDB JSON, numbers, expressions recorded from DynamoDB Local)
and from a few hand-written requests.  Deterministic; the output is checked in.  Run it again
after changing the golden data or adding a target (add a function to TARGETS).

Usage: tests/fuzz/make_seeds.py [--out tests/fuzz/corpus] [TARGET...]
"""
import argparse
import base64
import glob
import hashlib
import hmac
import json
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "golden")
KINDS = {"condition": 0, "filter": 1, "keycond": 2, "update": 3, "projection": 4}


def load(name):
    with open(os.path.join(GOLDEN, name)) as f:
        return json.load(f)


def every(seq, n):
    """At most n items, evenly spread over seq (keeps the corpus small)."""
    step = max(1, len(seq) // n)
    return seq[::step][:n]


def dumps(x):
    return json.dumps(x, separators=(",", ":")).encode()


def seeds_ddbjson():
    out = []
    for c in load("ddbjson.json"):
        out.append(dumps(c["item"]))
        if "value" in c:
            out.append(dumps(c["value"]))
    return out


def seeds_num():
    d = load("num.json")
    out = [c["text"].encode() for c in every(d["parse"], 60)]
    out += [c["x"].encode() + b"\0" + c["y"].encode() for c in every(d["arith"], 80)]
    return out


def seeds_expr():
    out = []
    for f in sorted(glob.glob(os.path.join(GOLDEN, "expr", "*.json"))):
        cases = [c for c in json.load(open(f)) if c.get("kind") in KINDS]
        for c in every(cases, 40):
            out.append(bytes([KINDS[c["kind"]]]) + c["expr"].encode() + b"\0" +
                       dumps(c.get("names") or {}) + b"\0" + dumps(c.get("values") or {}) +
                       b"\0" + dumps(c.get("item") or {}))
    return out


API = [
    ("GetItem", {"TableName": "fz_r", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                 "ProjectionExpression": "#g, v", "ExpressionAttributeNames": {"#g": "g"}}),
    ("PutItem", {"TableName": "fz_h", "Item": {"pk": {"S": "b"}, "l": {"L": [{"N": "1"}]}},
                 "ConditionExpression": "attribute_not_exists(pk)", "ReturnValues": "ALL_OLD"}),
    ("UpdateItem", {"TableName": "fz_h", "Key": {"pk": {"S": "a"}},
                    "UpdateExpression": "SET n = n + :one, m.x[0] = :s REMOVE ss",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":s": {"S": "z"}},
                    "ReturnValues": "UPDATED_NEW"}),
    ("UpdateItem", {"TableName": "fz_h", "Key": {"pk": {"S": "a"}},
                    "AttributeUpdates": {"n": {"Action": "ADD", "Value": {"N": "2"}}},
                    "Expected": {"n": {"ComparisonOperator": "GT",
                                       "AttributeValueList": [{"N": "0"}]}}}),
    ("DeleteItem", {"TableName": "fz_r", "Key": {"pk": {"S": "a"}, "sk": {"N": "2"}},
                    "ConditionExpression": "bool = :t",
                    "ExpressionAttributeValues": {":t": {"BOOL": True}}}),
    ("Query", {"TableName": "fz_r", "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
               "FilterExpression": "size(v) > :z", "ExpressionAttributeValues": {
                   ":p": {"S": "a"}, ":a": {"N": "0"}, ":b": {"N": "9"}, ":z": {"N": "0"}},
               "ScanIndexForward": False, "Limit": 1}),
    ("Query", {"TableName": "fz_r", "IndexName": "gsi", "KeyConditionExpression": "g = :g",
               "ExpressionAttributeValues": {":g": {"S": "g1"}}, "Select": "COUNT"}),
    ("Query", {"TableName": "fz_r", "IndexName": "lsi",
               "KeyConditions": {"pk": {"ComparisonOperator": "EQ",
                                        "AttributeValueList": [{"S": "a"}]}}}),
    ("Scan", {"TableName": "fz_n", "FilterExpression": "contains(ns, :n)",
              "ExpressionAttributeValues": {":n": {"N": "1"}}, "Segment": 0, "TotalSegments": 2}),
    ("BatchGetItem", {"RequestItems": {"fz_h": {"Keys": [{"pk": {"S": "a"}}]},
                                       "fz_n": {"Keys": [{"pk": {"N": "5"}, "sk": {"B": "AA=="}}]}}}),
    ("BatchWriteItem", {"RequestItems": {"fz_h": [
        {"PutRequest": {"Item": {"pk": {"S": "c"}}}},
        {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}]}}),
    ("TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "fz_h", "Item": {"pk": {"S": "t"}}}},
        {"Update": {"TableName": "fz_r", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                    "UpdateExpression": "ADD c :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"ConditionCheck": {"TableName": "fz_n", "Key": {"pk": {"N": "5"}, "sk": {"B": "AA=="}},
                            "ConditionExpression": "attribute_exists(ns)"}}],
        "ClientRequestToken": "tok-1"}),
    ("TransactGetItems", {"TransactItems": [{"Get": {"TableName": "fz_h",
                                                     "Key": {"pk": {"S": "a"}}}}]}),
    ("CreateTable", {"TableName": "fz_new", "BillingMode": "PAY_PER_REQUEST",
                     "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "B"}],
                     "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
                     "Tags": [{"Key": "a", "Value": "b"}]}),
    ("UpdateTable", {"TableName": "fz_h", "AttributeDefinitions": [
        {"AttributeName": "x", "AttributeType": "S"}], "GlobalSecondaryIndexUpdates": [
        {"Create": {"IndexName": "gx", "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"}}}]}),
    ("DescribeTable", {"TableName": "fz_r"}),
    ("ListTables", {"Limit": 2}),
    ("DeleteTable", {"TableName": "fz_n"}),
    ("UpdateTimeToLive", {"TableName": "fz_h", "TimeToLiveSpecification": {
        "Enabled": True, "AttributeName": "exp"}}),
    ("DescribeTimeToLive", {"TableName": "fz_h"}),
    ("TagResource", {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fz_h",
                     "Tags": [{"Key": "k", "Value": "v"}]}),
    ("UntagResource", {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fz_h",
                       "TagKeys": ["k"]}),
    ("ListTagsOfResource", {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fz_h"}),
    ("DescribeLimits", {}),
    ("DescribeEndpoints", {}),
    # session 11: PartiQL forms, vector indexes and SearchVectors (table fz_v in fuzz_api.c)
    ("ExecuteStatement", {"Statement": "SELECT pk, sk FROM fz_r WHERE pk = ? AND sk IN [1, 2] "
                                       "OR pk = 'b' AND sk > 3 ORDER BY sk DESC",
                          "Parameters": [{"S": "a"}]}),
    ("ExecuteStatement", {"Statement": "UPDATE fz_h SET n = n + 1 REMOVE ss WHERE pk = 'a'"}),
    ("ExecuteStatement", {"Statement": "INSERT INTO fz_h VALUE {'pk': 'q', 'l': [[[1]]], "
                                       "'m': {'a': <<'x', 'y'>>}}"}),
    ("ExecuteStatement", {"Statement": "SELECT * FROM \"fz_r\".\"gsi\" WHERE g = 'g1' AND "
                                       "begins_with(l, 'l') AND size(v) > 0 AND m.x[0] IS MISSING"}),
    ("BatchExecuteStatement", {"Statements": [
        {"Statement": "SELECT * FROM fz_h WHERE pk IN ['a']"},
        {"Statement": "DELETE FROM fz_r WHERE pk = ? AND sk = ?",
         "Parameters": [{"S": "a"}, {"N": "1"}]}]}),
    ("SearchVectors", {"TableName": "fz_v", "IndexName": "vec",
                       "SearchVector": [{"N": "1"}, {"N": "0.5"}, {"N": "-2"}, {"N": "1e3"}],
                       "TopK": 2, "SearchConditionExpression": "shop = :s AND colour = :c",
                       "ExpressionAttributeValues": {":s": {"S": "north"}, ":c": {"S": "red"}},
                       "ProjectionExpression": "id, v"}),
    ("CreateTable", {"TableName": "fz_v2", "BillingMode": "PAY_PER_REQUEST",
                     "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                                              {"AttributeName": "shop", "AttributeType": "S"}],
                     "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                     "VectorIndexes": [{"IndexName": "vec", "VectorAttribute": {
                         "AttributeName": "v"}, "Dimensions": 3, "DistanceFunction": "EUCLIDEAN",
                         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]},
                         "SearchSchema": [
                             {"AttributeName": "shop", "SearchSchemaElementType": "HASH"},
                             {"AttributeName": "c", "SearchSchemaElementType": "INLINE_FILTER"}]}]}),
    ("UpdateTable", {"TableName": "fz_v", "VectorIndexUpdates": [{"Delete": {"IndexName": "vec"}}]}),
    # session 20: Streams (@S@ stream ARN, @D@ shard id, @I@ iterator, @B@ backup ARN:
    # fuzz_api.c's subst), backups, the rest of the operations
    ("S.ListStreams", {"TableName": "fz_r", "Limit": 1}),
    ("S.DescribeStream", {"StreamArn": "@S@", "Limit": 1, "ExclusiveStartShardId": "@D@"}),
    ("S.GetShardIterator", {"StreamArn": "@S@", "ShardId": "@D@",
                            "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                            "SequenceNumber": "000000000000000000001"}),
    ("S.GetShardIterator", {"StreamArn": "@S@", "ShardId": "@D@", "ShardIteratorType": "LATEST"}),
    ("S.GetRecords", {"ShardIterator": "@I@", "Limit": 2}),
    ("S.GetRecords", {"ShardIterator": "@S@|1|00ff"}),
    ("TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "fz_r", "Item": {"pk": {"S": "t%d" % i}, "sk": {"N": str(i)},
                                                "m": {"M": {"a": {"L": [{"N": "1"}]}}}}}}
        for i in range(100)]}),
    ("BatchWriteItem", {"RequestItems": {"fz_h": [
        {"PutRequest": {"Item": {"pk": {"S": "d"}}}},
        {"DeleteRequest": {"Key": {"pk": {"S": "d"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "d"}, "x": {"S": "y"}}}}]}}),
    ("UpdateItem", {"TableName": "fz_h", "Key": {"pk": {"S": "a"}},
                    "UpdateExpression": "SET m.x[0].y.z[3][2].#w = :v, " + ".".join(["a"] * 40) +
                    " = :v REMOVE m.x[0][0][0]",
                    "ExpressionAttributeNames": {"#w": "w"},
                    "ExpressionAttributeValues": {":v": {"L": [{"M": {"q": {"NULL": True}}}]}}}),
    ("ExecuteTransaction", {"TransactStatements": [
        {"Statement": "UPDATE fz_h SET n = ? WHERE pk = ?", "Parameters": [{"N": "1"}, {"S": "a"}]},
        {"Statement": "EXISTS(SELECT * FROM fz_r WHERE pk = ? AND sk = ?)",
         "Parameters": [{"S": "a"}, {"N": "1"}]}]}),
    ("CreateBackup", {"TableName": "fz_r", "BackupName": "fz_b1"}),
    ("DescribeBackup", {"BackupArn": "@B@"}),
    ("DeleteBackup", {"BackupArn": "@B@"}),
    ("RestoreTableFromBackup", {"TargetTableName": "fz_rt", "BackupArn": "@B@",
                                "BillingModeOverride": "PROVISIONED",
                                "ProvisionedThroughputOverride": {"ReadCapacityUnits": 1,
                                                                  "WriteCapacityUnits": 1}}),
    ("RestoreTableFromBackup", {"TargetTableName": "fz_rt2",
                                "BackupArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fz_h/"
                                             "backup/01234567890123-abcdefgh"}),
    ("ListBackups", {"TableName": "fz_h", "Limit": 1, "BackupType": "ALL",
                     "TimeRangeLowerBound": 0, "ExclusiveStartBackupArn": "@B@"}),
    ("UpdateContinuousBackups", {"TableName": "fz_h", "PointInTimeRecoverySpecification": {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7}}),
    ("DescribeContinuousBackups", {"TableName": "fz_h"}),
    ("RestoreTableToPointInTime", {"SourceTableName": "fz_h", "TargetTableName": "fz_pt",
                                   "UseLatestRestorableTime": True}),
    ("PutResourcePolicy", {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fz_h",
                           "Policy": json.dumps({"Version": "2012-10-17", "Statement": [
                               {"Effect": "Allow", "Principal": {"AWS": "*"},
                                "Action": "dynamodb:GetItem", "Resource": "*"}]})}),
    ("GetResourcePolicy", {"ResourceArn": "@S@"}),
    ("DeleteResourcePolicy", {"ResourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fz_h",
                              "ExpectedRevisionId": "1"}),
    ("UpdateContributorInsights", {"TableName": "fz_r", "IndexName": "gsi",
                                   "ContributorInsightsAction": "ENABLE"}),
    ("DescribeContributorInsights", {"TableName": "fz_r"}),
    ("ListContributorInsights", {"MaxResults": 1}),
    ("EnableKinesisStreamingDestination", {"TableName": "fz_h",
                                           "StreamArn": "arn:aws:kinesis:us-east-1:000000000000:stream/k"}),
    ("DescribeKinesisStreamingDestination", {"TableName": "fz_h"}),
    ("UpdateKinesisStreamingDestination", {"TableName": "fz_h",
                                           "StreamArn": "arn:aws:kinesis:us-east-1:000000000000:stream/k",
                                           "UpdateKinesisStreamingConfiguration": {
                                               "ApproximateCreationDateTimePrecision": "MICROSECOND"}}),
    ("DisableKinesisStreamingDestination", {"TableName": "fz_h",
                                            "StreamArn": "arn:aws:kinesis:us-east-1:000000000000:stream/k"}),
    ("DescribeExport", {"ExportArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fz_h/export/x"}),
    ("ListExports", {"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fz_h"}),
    ("DescribeImport", {"ImportArn": "arn:aws:dynamodb:us-east-1:000000000000:table/fz_h/import/x"}),
    ("ListImports", {"PageSize": 1}),
    ("DescribeGlobalTable", {"GlobalTableName": "fz_h"}),
    ("DescribeGlobalTableSettings", {"GlobalTableName": "fz_h"}),
    ("ListGlobalTables", {"Limit": 1, "RegionName": "us-east-1"}),
    ("PutItem", {"TableName": "fz_v", "Item": {"id": {"S": "x"}, "shop": {"S": "s"},
                                               "v": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"},
                                                           {"N": "4"}]}}}),
]
API_OPS = ["BatchGetItem", "BatchWriteItem", "CreateTable", "DeleteItem", "DeleteTable",
           "DescribeEndpoints", "DescribeLimits", "DescribeTable", "DescribeTimeToLive",
           "GetItem", "ListTables", "ListTagsOfResource", "PutItem", "Query", "Scan",
           "TagResource", "TransactGetItems", "TransactWriteItems", "UntagResource",
           "UpdateItem", "UpdateTable", "UpdateTimeToLive", "ExecuteStatement",
           "BatchExecuteStatement", "NoSuchOperation", "SearchVectors",
           "CreateBackup", "DeleteBackup", "DeleteResourcePolicy", "DescribeBackup",
           "DescribeContinuousBackups", "DescribeContributorInsights", "DescribeExport",
           "DescribeGlobalTable", "DescribeGlobalTableSettings", "DescribeImport",
           "DescribeKinesisStreamingDestination", "DisableKinesisStreamingDestination",
           "EnableKinesisStreamingDestination", "ExecuteTransaction", "GetResourcePolicy",
           "ListBackups", "ListContributorInsights", "ListExports", "ListGlobalTables",
           "ListImports", "PutResourcePolicy", "RestoreTableFromBackup",
           "RestoreTableToPointInTime", "UpdateContinuousBackups", "UpdateContributorInsights",
           "UpdateKinesisStreamingDestination", "S.DescribeStream", "S.GetRecords",
           "S.GetShardIterator", "S.ListStreams"]  # = OPS in fuzz_api.c (S. = Streams target)


def seeds_api():
    return [bytes([API_OPS.index(op)]) + dumps(body) for op, body in API]


def signed(headers, query, body, key=b"fuzz-secret", akid="AKIDFUZZ"):
    """An input for fuzz_sigv4 whose Authorization verifies (SigV4 by hand)."""
    date = headers["X-Amz-Date"]
    names = sorted(h.lower() for h in headers)
    canon_h = "".join(f"{n}:{headers[[h for h in headers if h.lower() == n][0]].strip()}\n"
                      for n in names)
    canon_q = "&".join(f"{k}={v}" for k, v in sorted(query))
    canon = "\n".join(["POST", "/", canon_q, canon_h, ";".join(names),
                       hashlib.sha256(body).hexdigest()])
    scope = f"{date[:8]}/us-east-1/dynamodb/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canon.encode()).hexdigest()])
    k = b"AWS4" + key
    for part in (date[:8], "us-east-1", "dynamodb", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    auth = (f"AWS4-HMAC-SHA256 Credential={akid}/{scope}, SignedHeaders={';'.join(names)}, "
            f"Signature={sig}")
    hblock = "".join(f"{n}: {v}\n" for n, v in headers.items())
    qs = "&".join(f"{k}={v}" for k, v in query)
    return auth.encode() + b"\0" + hblock.encode() + b"\0" + qs.encode() + b"\0" + body


def seeds_sigv4():
    h = {"Host": "127.0.0.1:8000", "X-Amz-Date": "20260101T000000Z",
         "X-Amz-Target": "DynamoDB_20120810.ListTables",
         "Content-Type": "application/x-amz-json-1.0"}
    return [
        signed(h, [], b"{}"),
        signed(dict(h, **{"X-Amz-Security-Token": "tok"}), [("a", "1"), ("b", "")], b'{"x":1}'),
        b"AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/us-east-1/dynamodb/aws4_request, "
        b"SignedHeaders=host;x-amz-date, Signature=" + b"0" * 64 + b"\0Host: h\nX-Amz-Date: "
        b"20260101T000000Z\n\0\0",
        b"AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=, Signature=\0\0\0",
        # presigned: the query's parts (sigv4_check_query) and its credential scope
        b"\0Host: h\n\0X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDFUZZ/20260101/"
        b"us-east-1/dynamodb/aws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=300&"
        b"X-Amz-SignedHeaders=host&X-Amz-Signature=" + b"0" * 64 + b"\0{}",
        b"\0\0X-Amz-Algorithm=&X-Amz-Credential=a//b///c&X-Amz-Signature\0",
    ]


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def jwt(header, payload, secret=b"fuzz-jwt-secret"):
    h, p = b64u(dumps(header)), b64u(dumps(payload))
    s = b64u(hmac.new(secret, h + b"." + p, hashlib.sha256).digest())
    return h + b"." + p + b"." + s


def seeds_jwt():
    hs = {"alg": "HS256", "typ": "JWT"}
    now = 1767225600
    good = {"sub": "00000000-0000-4000-8000-00000000000a", "iat": now - 10, "exp": now + 600}
    return [
        b"\0" + jwt(hs, good),
        b"\0" + jwt({"alg": "none"}, good),
        b"\0" + jwt(hs, dict(good, exp=now - 1)),
        b"\1" + dumps(hs) + b"\0" + dumps(good),
        b"\1" + dumps(hs) + b"\0" + dumps(dict(good, nbf=now + 100)),
        b"\1" + dumps(hs) + b"\0" + dumps({"sub": "", "exp": 1e300}),
        b"\1" + dumps({"alg": "RS256"}) + b"\0" + dumps(good),
    ]


def seeds_rest():
    return [
        b"\0GET /api/health\n",
        b"\0GET /api/message_groups?limit=5\n",
        b"\4GET /api/messages/@G@?limit=1\n",
        b"\0GET /api/messages/@G@?limit=1&cursor=eyJwayI6eyJTIjoiYSJ9fQ\n",
        b"\0POST /api/messages\n" + dumps({"message": "hi", "handle": "bob"}),
        b"\0POST /api/messages\n" + dumps({"message": "again", "message_group_uuid": "@G@"}),
        b"\2POST /api/messages\nBearer x.y.z\n" + dumps({"message": "no"}),
        b"\3GET /api/message_groups\n",
        b"\4OPTIONS /api/messages\n",
    ]


def seeds_eventid():
    """fuzz_eventid.c: [id] NUL [9-byte operations: conversation, time step]."""
    g = "0e5b1c2d-0000-4000-8000-00000000000a"
    ops = bytes([0, 0, 0, 0, 0, 0, 0, 1, 0]) + bytes([5, 1, 0, 0, 0, 0, 3, 0, 0]) * 20
    return [
        b"v1:1764000000000000",
        b"v1:1764000000000000," + g.encode() + b":1764000012345678",
        b"v1:1764000000000000," + g.encode() + b":1764000012345678\0" + ops,
        b"v1:0\0" + ops,
        b"v1:9999999999999999",
        b"v1:1," + g.upper().encode() + b":2",
        b"v1:1764000000000000," + g.encode() + b":1," + g.encode() + b":2",
        b"v2:1",
    ]


def seeds_jread():
    """Request bodies and JSON edge cases for our reader (value/jread.c vs jansson)."""
    out = [dumps(body) for _, body in every(API, 12)]
    out += every([dumps(c["item"]) for c in load("ddbjson.json")], 12)
    out += [
        dumps({"Item": {"a\u0000b": {"S": "x\u0000y"}, "m": {"M": {"\u0000": {"N": "1"}}}}}),
        b'{"a":1,"b":2,"a":3}',
        b'["\\ud83d\\ude00","\\u00e9\\u20AC","\\"\\\\\\/\\b\\f\\n\\r\\t","\xc3\xa9\xf0\x9f\x98\x80"]',
        b"[0,-0,1.5,-2e3,1E-400,12.50,9223372036854775807,-9223372036854775808]",
        b" \t\r\n{ \"k\" : [ true , false , null ] } \n",
        b"[" * 40 + b"1" + b"]" * 40,
        b'{"\\ud800":1}',
        b"1e400",
    ]
    return out


PATHS_OPS = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
             "BatchWriteItem", "TransactGetItems", "TransactWriteItems"]  # fuzz_paths.c's OPS


def c_requests(path):
    """The (operation, request) pairs of a unit test: "Op", then C string literals (and the
    file's string macros) making a request -- case tables {"Op", ['F',] "..."}, it_ok(f, "Op",
    "..."), same(f, "Op", "...") -- plus test_get_item_same_answers' lists of GetItem requests;
    the literals joined, C escapes undone, single quotes made double (the tests' quoted())."""
    src = open(path).read()
    lit = r'"(?:[^"\\\n]|\\.)*"'
    macros = {}
    for m in re.finditer(r"^#define (\w+) ((?:(?:%s|\w+)[ \t]*)+)$" % lit, src, re.M):
        macros[m.group(1)] = m.group(2)

    def expand(expr, depth=0):
        out = ""
        for t in re.finditer(r"%s|\w+" % lit, expr):
            t = t.group(0)
            if t.startswith('"'):
                out += re.sub(r"\\(.)", lambda e: {"n": "\n", "t": "\t"}.get(e.group(1), e.group(1)),
                              t[1:-1])
            elif t in macros and depth < 8:
                out += expand(macros[t], depth + 1)
            else:
                raise ValueError(t)
        return out

    group = r"((?:(?:%s|[A-Z]{2,})\s*(?:/\*.*?\*/\s*)?)+)" % lit
    found = []
    pat = r'"(%s)",\s*(?:\'[A-Z]\',\s*)?%s(?=[,)}])' % ("|".join(PATHS_OPS), group)
    for m in re.finditer(pat, src):
        found.append((m.group(1), m.group(2)))
    m = re.search(r"static void test_get_item_same_answers.*?\n}\n", src, re.S)
    if m:
        for g in re.finditer(r"\n\s+%s(?=,)" % group, m.group(0)):
            found.append(("GetItem", g.group(1)))
    out = []
    for op, expr in found:
        try:
            req = expand(expr).replace("'", '"')
        except ValueError:
            continue
        if req.startswith("{"):
            out.append((op, req))
    return out


def seeds_paths():
    """fuzz_paths: the requests of the unit tests of the operations that have a path
    without jansson (the jread-vs-jansson tests first), those that parse as JSON."""
    unit = os.path.join(HERE, "..", "unit", "api")
    out = set()
    for f in ("test_api_jread.c", "test_query_jread.c", "test_op_item.c", "test_op_query.c",
              "test_op_batch.c", "test_op_transact.c"):
        for op, req in c_requests(os.path.join(unit, f)):
            try:
                json.loads(req)
            except ValueError:
                continue
            out.add(bytes([PATHS_OPS.index(op)]) + req.encode())
    return sorted(out)


def seeds_decode():
    """fuzz_decode.c: [limit index] [budget] CE NUL target NUL body."""
    import gzip
    import zlib
    body = dumps({"TableName": "t", "Key": {"pk": {"S": "caf\u00e9"}}})
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = raw.compress(body) + raw.flush()
    bomb = gzip.compress(b"[" * 200000, mtime=0)
    return [
        b"\5\0gzip\0/\0" + gzip.compress(body, mtime=0),
        b"\5\0x-gzip\0/?a=b\0" + gzip.compress(body, mtime=0) * 2,
        b"\5\0deflate\0http://h/p%20q#f\0" + zlib.compress(body),
        b"\5\0deflate\0/%00\0" + raw,
        b"\6\x90gzip, deflate\0/x?X-Amz-Algorithm=AWS4-HMAC-SHA256\0" +
        zlib.compress(gzip.compress(body, mtime=0)),
        b"\4\0identity\0/\0" + body,
        b"\3\x81gzip\0/\0" + bomb,
        b"\5\0br\0/\0" + body,
        b"\5\0gzip,gzip,gzip,gzip,gzip\0/\0" + body,
        b"\5\0\0/\x7f\t\x01abcdefghijklmnopqrstuvwxyz\0%41%4g+%",
    ]


TARGETS = {"ddbjson": seeds_ddbjson, "num": seeds_num, "expr": seeds_expr, "api": seeds_api,
           "sigv4": seeds_sigv4, "jwt": seeds_jwt, "rest": seeds_rest, "jread": seeds_jread,
           "paths": seeds_paths, "decode": seeds_decode, "eventid": seeds_eventid}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    ap.add_argument("targets", nargs="*", help="only these targets (default: all)")
    args = ap.parse_args()
    for name, fn in TARGETS.items():
        if args.targets and name not in args.targets:
            continue
        d = os.path.join(args.out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        seeds = fn()
        for s in seeds:
            with open(os.path.join(d, hashlib.sha1(s).hexdigest()[:16]), "wb") as f:
                f.write(s)
        print(f"{name}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
