"""U+0000 inside attribute NAMES (issue 9.1): an item's member names, map keys inside M,
ExpressionAttributeNames' values, AttributesToGet, the legacy Expected / ScanFilter maps.

DynamoDB: "All names must be encoded using UTF-8"; an attribute name is 1 byte to 64 KB
(Developer Guide, "Supported data types and naming rules"): no character is excluded, so
"a\\u0000b" is a name of its own, distinct from "a", and every operation carries it whole.
ddbchat used to refuse such a body as a SerializationException: jansson's parser cannot hold
U+0000 in an object key; the request reader is now ours (value/jread.c).

A placeholder is not a name: "#n\\u0000x" as a key of ExpressionAttributeNames (or ":v\\u0000x"
of ExpressionAttributeValues) is a syntax error, never the placeholder "#n" cut short.

String VALUES with U+0000 are test_items.py::test_nul_bytes_roundtrip; every other string
member, test_nul_strings.py."""
import json
import time

import boto3
import pytest

from itemlib import call, ok, err, S, N, aws_or_local

NAME = "a\u0000b"
V = "ValidationException"


@pytest.fixture
def t(ddb, table_name, make_table):
    name = table_name("nuln")
    make_table(ddb, name, range=("sk", "S"))
    return name


def item_of(url, t, pk="p", sk="s", **extra):
    body = {"TableName": t, "Key": {"pk": S(pk), "sk": S(sk)}}
    body.update(extra)
    return ok(url, "GetItem", body).get("Item")


def put_named(url, t, pk="p", sk="s"):
    assert ok(url, "PutItem", {"TableName": t, "Item": {
        "pk": S(pk), "sk": S(sk), NAME: S("with nul"), "a": S("plain"),
        "m": {"M": {"x\u0000y": N(3), "x": N(4)}}}}) == {}


# PutItem / GetItem: the names come back whole and apart from their prefixes.
def test_put_get_roundtrip(ddb_url, t):
    put_named(ddb_url, t)
    it = item_of(ddb_url, t)
    assert it[NAME] == S("with nul") and it["a"] == S("plain")
    assert it["m"] == {"M": {"x\u0000y": N(3), "x": N(4)}}
    assert len(it) == 5


# ProjectionExpression through ExpressionAttributeNames, top level and inside a map.
def test_projection(ddb_url, t):
    put_named(ddb_url, t)
    it = item_of(ddb_url, t, ProjectionExpression="#n, m.#k",
                 ExpressionAttributeNames={"#n": NAME, "#k": "x\u0000y"})
    assert it == {NAME: S("with nul"), "m": {"M": {"x\u0000y": N(3)}}}
    it = item_of(ddb_url, t, AttributesToGet=[NAME])
    assert it == {NAME: S("with nul")}


# UpdateItem SET / REMOVE #n with a NUL name; the ALL_NEW answer carries it.
def test_update_set_remove(ddb_url, t):
    put_named(ddb_url, t)
    r = ok(ddb_url, "UpdateItem", {
        "TableName": t, "Key": {"pk": S("p"), "sk": S("s")},
        "UpdateExpression": "SET #c = :v, m.#k = :w REMOVE #n",
        "ExpressionAttributeNames": {"#c": "c\u0000d", "#k": "x\u0000z", "#n": NAME},
        "ExpressionAttributeValues": {":v": S("new"), ":w": N(5)}, "ReturnValues": "ALL_NEW"})
    a = r["Attributes"]
    assert a["c\u0000d"] == S("new") and NAME not in a and a["a"] == S("plain")
    assert a["m"] == {"M": {"x\u0000y": N(3), "x": N(4), "x\u0000z": N(5)}}
    assert item_of(ddb_url, t) == a


# A condition on the NUL name compares that attribute, not its prefix "a".
def test_conditions(ddb_url, t):
    put_named(ddb_url, t)
    base = {"TableName": t, "Item": {"pk": S("p"), "sk": S("s"), NAME: S("with nul")}}
    err(ddb_url, "PutItem", dict(base, ConditionExpression="#n = :v",
                                 ExpressionAttributeNames={"#n": NAME},
                                 ExpressionAttributeValues={":v": S("plain")}),
        "ConditionalCheckFailedException")
    ok(ddb_url, "PutItem", dict(base, ConditionExpression="#n = :v",
                                ExpressionAttributeNames={"#n": NAME},
                                ExpressionAttributeValues={":v": S("with nul")}))
    # the legacy Expected map is keyed by attribute names
    err(ddb_url, "PutItem", dict(base, Expected={NAME: {"Value": S("plain")}}),
        "ConditionalCheckFailedException")
    ok(ddb_url, "PutItem", dict(base, Expected={NAME: {"Value": S("with nul")}}))


# Query and Scan: projections, filters (both forms) on the NUL name.
def test_query_scan(ddb_url, t):
    put_named(ddb_url, t, sk="s1")
    ok(ddb_url, "PutItem", {"TableName": t, "Item": {"pk": S("p"), "sk": S("s2"), "a": S("x")}})
    q = ok(ddb_url, "Query", {
        "TableName": t, "KeyConditionExpression": "pk = :p",
        "FilterExpression": "attribute_exists(#n)", "ProjectionExpression": "sk, #n",
        "ExpressionAttributeNames": {"#n": NAME}, "ExpressionAttributeValues": {":p": S("p")}})
    assert q["Items"] == [{"sk": S("s1"), NAME: S("with nul")}] and q["ScannedCount"] == 2
    s = ok(ddb_url, "Scan", {"TableName": t, "ScanFilter": {NAME: {"ComparisonOperator": "NULL"}}})
    assert [i["sk"] for i in s["Items"]] == [S("s2")]
    s = ok(ddb_url, "Scan", {"TableName": t, "AttributesToGet": ["sk", NAME]})
    assert sorted(s["Items"], key=lambda i: i["sk"]["S"]) == [
        {"sk": S("s1"), NAME: S("with nul")}, {"sk": S("s2")}]


# BatchWriteItem, BatchGetItem, TransactWriteItems and TransactGetItems carry the names too.
def test_batch_and_transact(ddb_url, t):
    ok(ddb_url, "BatchWriteItem", {"RequestItems": {t: [
        {"PutRequest": {"Item": {"pk": S("b"), "sk": S("1"), NAME: S("b1")}}}]}})
    r = ok(ddb_url, "BatchGetItem", {"RequestItems": {t: {
        "Keys": [{"pk": S("b"), "sk": S("1")}], "ProjectionExpression": "#n",
        "ExpressionAttributeNames": {"#n": NAME}}}})
    assert r["Responses"][t] == [{NAME: S("b1")}]
    ok(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": t, "Item": {"pk": S("t"), "sk": S("1"), NAME: S("t1")}}},
        {"Update": {"TableName": t, "Key": {"pk": S("b"), "sk": S("1")},
                    "UpdateExpression": "SET #n = :v", "ConditionExpression": "#n = :o",
                    "ExpressionAttributeNames": {"#n": NAME},
                    "ExpressionAttributeValues": {":v": S("b2"), ":o": S("b1")}}}]})
    r = ok(ddb_url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": t, "Key": {"pk": S("t"), "sk": S("1")}}},
        {"Get": {"TableName": t, "Key": {"pk": S("b"), "sk": S("1")}}}]})
    assert [x["Item"][NAME] for x in r["Responses"]] == [S("t1"), S("b2")]


# A Key member whose name only starts with the key's name is not the key (DynamoDB Local
# words the missing key its own way, as in test_items.py).
def test_key_name_with_nul_is_not_the_key(ddb_url, t, target):
    err(ddb_url, "GetItem", {"TableName": t, "Key": {"pk\u0000": S("p"), "sk": S("s")}}, V,
        aws_or_local(target, "The provided key element does not match the schema",
                     local="One of the required keys was not given a value"))


# Placeholders with U+0000 are syntax errors, not the placeholder before the NUL.  The
# message names the whole key: DynamoDB Local puts the NUL itself in it; ddbchat's messages
# are C strings and show it as the six characters \u0000 (api_nul_text's display).
@pytest.mark.parametrize("which", ["names", "values"])
def test_placeholder_with_nul(ddb_url, t, which, target):
    body = {"TableName": t, "Key": {"pk": S("p"), "sk": S("s")},
            "UpdateExpression": "SET #n = :v",
            "ExpressionAttributeNames": {"#n": "c"}, "ExpressionAttributeValues": {":v": S("v")}}
    if which == "names":
        body["ExpressionAttributeNames"] = {"#n\u0000x": "c"}
    else:
        body["ExpressionAttributeValues"][":v\u0000x"] = S("z")
    good, data = call(ddb_url, "UpdateItem", body)
    assert not good and data["__type"].endswith(V)
    msg = data.get("message", data.get("Message")).replace("\\u0000", "\u0000")
    key = "#n\u0000x" if which == "names" else ":v\u0000x"
    what = "Names" if which == "names" else "Values"
    # UpdateItem's checks before the table: in the model's envelope on the service since its
    # 2026-06 rewording (test_items.ENV); DynamoDB Local bare
    env = "" if target == "dynamodb-local" else "1 validation error detected: "
    assert msg == env + f'ExpressionAttribute{what} contains invalid key: Syntax error; key: "{key}"'
    assert item_of(ddb_url, t) is None


# PartiQL: SELECT of a quoted NUL name, and SELECT * carries it.
def test_partiql(ddb_url, t):
    put_named(ddb_url, t)
    r = ok(ddb_url, "ExecuteStatement",
           {"Statement": f'SELECT "{NAME}", sk FROM "{t}" WHERE pk = \'p\''})
    assert r["Items"] == [{NAME: S("with nul"), "sk": S("s")}]
    r = ok(ddb_url, "ExecuteStatement", {"Statement": f'SELECT * FROM "{t}"'})
    assert r["Items"][0][NAME] == S("with nul")


# The stream record's images carry the NUL names.
def test_stream_record(ddb, ddb_url, table_name, make_table):
    name = table_name("nuls")
    make_table(ddb, name, StreamSpecification={"StreamEnabled": True,
                                               "StreamViewType": "NEW_AND_OLD_IMAGES"})
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    ok(ddb_url, "PutItem", {"TableName": name, "Item": {"pk": S("p"), NAME: S("v1")}})
    ok(ddb_url, "PutItem", {"TableName": name, "Item": {"pk": S("p"), NAME: S("v2")}})
    st = boto3.client("dynamodbstreams", endpoint_url=ddb_url, region_name="us-east-1",
                      aws_access_key_id="x", aws_secret_access_key="x")
    recs = []
    deadline = time.time() + 20
    while len(recs) < 2 and time.time() < deadline:
        recs = []
        for sh in st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            it = st.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            recs += st.get_records(ShardIterator=it)["Records"]
        if len(recs) < 2:
            time.sleep(0.5)
    assert len(recs) == 2
    new = recs[1]["dynamodb"]
    assert new["NewImage"][NAME] == {"S": "v2"} and new["OldImage"][NAME] == {"S": "v1"}


# The raw reply escapes the NUL as \\u0000 (JSON), inside the member name.
def test_reply_text(ddb_url, t):
    from conftest import raw_request
    put_named(ddb_url, t)
    st, _, body = raw_request(ddb_url, {"TableName": t, "Key": {"pk": S("p"), "sk": S("s")},
                                        "ProjectionExpression": "#n",
                                        "ExpressionAttributeNames": {"#n": NAME}},
                              target="DynamoDB_20120810.GetItem")
    assert st == 200
    assert b'"a\\u0000b":{"S":"with nul"}' in body
    assert json.loads(body) == {"Item": {NAME: S("with nul")}}
