"""The Developer Guide's quotas page ("Constraints"), walked line by line: each limit the
service enforces on a request, with the service's error, at the limit (accepted) and just over
it (refused).  Texts: the conformance suite's captures and AWS-checked emulators (dynalite,
Dynoxide); where DynamoDB Local answers otherwise the test names its deviation
(aws_or_local).  /work/notes/conform.md lists which lines are covered where."""
import base64

import pytest

from itemlib import call, ok, err, S, N, aws_or_local

V = "ValidationException"
HASH_LONG = ("One or more parameter values were invalid: Size of hashkey has exceeded the "
             "maximum size limit of2048 bytes")
RANGE_LONG = ("One or more parameter values were invalid: Aggregated size of all range keys has "
              "exceeded the size limit of 1024 bytes")
NAME_LONG = ("One or more parameter values were invalid: Attribute name is too large, must be "
             "less than 65536 bytes")


@pytest.fixture
def it(ddb, table_name, make_table):
    """A table with a string sort key, a GSI keyed on (g, gr) and an LSI on l."""
    name = table_name("quota")
    make_table(ddb, name, range=("sk", "S"),
               gsis=[{"name": "gidx", "hash": ("g", "S"), "range": ("gr", "B"),
                      "projection": "KEYS_ONLY"}],
               lsis=[{"name": "lidx", "range": ("l", "S"), "projection": "KEYS_ONLY"}])
    return name


# "Attribute names: ... the name must be at least 1 character long and less than 64 KB":
# 65535 bytes are accepted, at the top level and inside a map; 65536 are refused.
def test_attribute_name_length(ddb_url, target, it):
    base = {"pk": S("a"), "sk": S("b")}
    if target == "dynamodb-local":
        # Local fails on names of about 64 KB (InternalFailure from 65534 bytes on); its
        # limit is not the service's
        err(ddb_url, "PutItem", {"TableName": it, "Item": dict(base, **{"n" * 65535: S("v")})},
            "InternalFailure")
        return
    ok(ddb_url, "PutItem", {"TableName": it, "Item": dict(base, **{"n" * 65535: S("v")})})
    ok(ddb_url, "PutItem", {"TableName": it, "Item": dict(
        base, m={"M": {"x" * 65535: S("v")}})})
    got = ok(ddb_url, "GetItem", {"TableName": it, "Key": base})["Item"]
    assert set(got["m"]["M"]) == {"x" * 65535}
    for item in (dict(base, **{"n" * 65536: S("v")}),
                 dict(base, m={"M": {"y": {"L": [{"M": {"x" * 65536: N(1)}}]}}})):
        for op, body in (("PutItem", {"Item": item}),
                         ("BatchWriteItem", None),
                         ("TransactWriteItems", None)):
            if op == "BatchWriteItem":
                body = {"RequestItems": {it: [{"PutRequest": {"Item": item}}]}}
            elif op == "TransactWriteItems":
                body = {"TransactItems": [{"Put": {"TableName": it, "Item": item}}]}
            else:
                body = dict(body, TableName=it)
            resp = call(ddb_url, op, body)[1]
            assert resp.get("__type", "").endswith(V), (op, resp)
            assert resp["message"] == NAME_LONG, (op, resp)


# "Partition key length ... maximum 2048 bytes", "Sort key length ... 1024 bytes": the same
# limits, with the same texts, hold for the key attributes of a secondary index (a GSI's
# partition and sort key, an LSI's sort key); an index key at its limit is accepted.
def test_index_key_lengths(ddb_url, target, it):
    base = {"pk": S("a"), "sk": S("b")}
    ok(ddb_url, "PutItem", {"TableName": it, "Item": dict(
        base, g=S("g" * 2048), gr={"B": "QUFB" * 341 + "QQ=="}, l=S("l" * 1024))})
    cases = [(dict(base, g=S("g" * 2049)), HASH_LONG),
             (dict(base, g=S("g"), gr={"B": base64.b64encode(b"r" * 1025).decode()}),
              RANGE_LONG),
             (dict(base, l=S("é" * 513)), RANGE_LONG)]
    # Local refuses them too, with a text of its own
    local = "One or more parameter values were invalid: Size limit exceeded"
    for item, msg in cases:
        for op, body in (("PutItem", {"TableName": it, "Item": item}),
                         ("BatchWriteItem", {"RequestItems": {it: [{"PutRequest": {
                             "Item": item}}]}})):
            err(ddb_url, op, body, V, aws_or_local(target, msg, local=local))
    # an UpdateItem that writes an over-long GSI key is refused the same way
    err(ddb_url, "UpdateItem", {"TableName": it, "Key": base, "UpdateExpression": "SET g = :g",
                                "ExpressionAttributeValues": {":g": S("g" * 2049)}}, V,
        aws_or_local(target, HASH_LONG, local=local))
