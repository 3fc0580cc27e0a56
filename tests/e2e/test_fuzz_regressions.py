"""Regressions for what tests/fuzz/fuzz_endpoint.py found, each as the exact request that
triggered it, through the real HTTP server."""
import json

import pytest

from conftest import aws_or_local, raw_request, time_bound


@pytest.mark.requires_ddbchat
@pytest.mark.parametrize("auth", [b"AWS4-\xff", b"AWS4-\xed\xa0\x80", b"AWS4-HMAC-SHA256 \xff"])
def test_non_utf8_authorization_header_with_credentials(ddbchat_server, auth):
    # Found with --sign (seed 6): the IncompleteSignatureException message quotes the
    # header; invalid UTF-8 there made the reply a 500 "out of memory".  (A value that does not
    # start "AWS4-" is no token at all: MissingAuthenticationTokenException, test_protocol
    # test_authorization_not_aws4.)  (DynamoDB Local
    # answers 500 InternalFailure to any non-ASCII Authorization header: not a model.)
    srv = ddbchat_server(env={"DDBCHAT_ACCESS_KEY_ID": "AKID",
                              "DDBCHAT_SECRET_ACCESS_KEY": "secret"})
    status, _, body = raw_request(srv.ddb_url, {}, headers={"Authorization": auth})
    assert status == 400
    doc = json.loads(body.decode("utf-8"))     # strict: the body is valid UTF-8 JSON
    assert doc["__type"] == \
        "com.amazon.coral.service#IncompleteSignatureException"
    assert "Authorization" in doc["message"]
    assert "\ufffd" in doc["message"]
    # the server is still there
    status, _, _ = raw_request(srv.ddb_url, {}, headers={"Authorization": b"x"})
    assert status == 400


KEY_SCALAR = ("Key attributes must be scalars; list random access '[]' and map lookup '.' "
              "are not allowed: ")


@pytest.fixture
def keyed_table(ddb, make_table, table_name):
    name = table_name("fzk")
    make_table(ddb, name, hash=("pk", "S"), range=("sk", "S"),
               gsis=[{"name": "gsi1", "hash": ("gh", "S"), "range": ("gr", "N"),
                      "projection": "ALL"}],
               lsis=[{"name": "lsi1", "range": ("ls", "S"), "projection": "ALL"}])
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": "b"},
                                       "ls": {"S": "c"}, "m": {"M": {"x": {"S": "y"}}}})
    return name


def _validation(fn, **kw):
    import botocore
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        fn(**kw)
    err = ei.value.response["Error"]
    assert err["Code"] == "ValidationException"
    return err["Message"]


def test_paths_into_key_attributes_are_refused(ddb, keyed_table):
    # Found by the fuzzer's --oracle mode: ddbchat accepted pk.x / ls[0] / gr.x in every
    # kind of expression; DynamoDB Local refuses them naming the key ("Key: pk") or the
    # index key ("IndexKey: ls").
    t = keyed_table
    key = {"pk": {"S": "a"}, "sk": {"S": "b"}}
    cases = [
        (ddb.get_item, dict(TableName=t, Key=key, ProjectionExpression="pk[0]"), "Key: pk"),
        (ddb.get_item, dict(TableName=t, Key=key, ProjectionExpression="m, ls.#a",
                            ExpressionAttributeNames={"#a": "x"}), "IndexKey: ls"),
        (ddb.query, dict(TableName=t, KeyConditionExpression="pk = :h",
                         ExpressionAttributeValues={":h": {"S": "a"}},
                         ProjectionExpression="gr.x, pk"), "IndexKey: gr"),
        (ddb.scan, dict(TableName=t, FilterExpression="sk.a = :v",
                        ExpressionAttributeValues={":v": {"N": "1"}}), "Key: sk"),
        (ddb.delete_item, dict(TableName=t, Key=key, ConditionExpression="size(ls.a) > :v",
                               ExpressionAttributeValues={":v": {"N": "1"}}), "IndexKey: ls"),
        (ddb.update_item, dict(TableName=t, Key=key, UpdateExpression="SET gh.x = :v",
                               ExpressionAttributeValues={":v": {"N": "1"}}), "IndexKey: gh"),
        (ddb.batch_get_item, dict(RequestItems={t: {"Keys": [key],
                                                    "ProjectionExpression": "pk.a"}}),
         "Key: pk"),
        (ddb.transact_get_items, dict(TransactItems=[{"Get": {
            "TableName": t, "Key": key, "ProjectionExpression": "ls[1]"}}]), "IndexKey: ls"),
        (ddb.transact_write_items, dict(TransactItems=[{"Update": {
            "TableName": t, "Key": key, "UpdateExpression": "SET m = sk.x"}}]), "Key: sk"),
        (ddb.put_item, dict(TableName=t, Item=dict(key), ConditionExpression="pk.x = :v",
                            ExpressionAttributeValues={":v": {"N": "1"}}), "Key: pk"),
    ]
    for fn, kw, tail in cases:
        assert _validation(fn, **kw) == KEY_SCALAR + tail, (fn, kw)
    # top-level key attributes and paths into other attributes stay fine
    got = ddb.get_item(TableName=t, Key=key, ProjectionExpression="pk, ls, m.x")["Item"]
    assert got == {"pk": {"S": "a"}, "ls": {"S": "c"}, "m": {"M": {"x": {"S": "y"}}}}
    # the unused-value check comes first (DynamoDB Local)
    msg = _validation(ddb.scan, TableName=t, FilterExpression="attribute_exists(sk.a)",
                      ExpressionAttributeValues={":v": {"N": "1"}})
    assert msg.startswith("Value provided in ExpressionAttributeValues unused")


def test_transact_get_key_value_errors_are_validation(ddb, target, keyed_table):
    # Found by --oracle: a TransactGetItems key with an empty VALUE is a plain
    # ValidationException (a too long one a cancellation reason since f69a28ca); schema mismatches (missing / extra / mistyped key
    # attribute) come back as TransactionCanceledException.  The service's texts (a
    # ValidationError cancellation reason: conformance tier3 transactGetItems, whose AWS
    # capture is the empty Key {}), with DynamoDB Local's where they differ.
    # The empty value stays the request's ValidationException although Dynoxide answers a
    # ValidationError reason for it: the empty-value check is the request-wide one every
    # operation runs on its keys ("are not valid", not the key checks' "were invalid"),
    # ExtendDB's transact_key_validation (checked against DynamoDB) has a transaction's empty
    # key value refused up front as a ValidationException, and no capture of AWS gives it a
    # reason (the conformance suite's is the empty Key map, below).
    import botocore
    from conftest import aws_or_local
    t = keyed_table
    cancel = ("Transaction cancelled, please refer cancellation reasons for specific reasons "
              "[ValidationError]")
    cases = [
        ({"pk": {"S": "a"}, "sk": {"S": ""}}, "ValidationException",
         "One or more parameter values are not valid. The AttributeValue for a key attribute "
         "cannot contain an empty string value. Key: sk"),
        # a key value over the size limit is the Get's ValidationError reason on AWS
        # (f69a28ca: ExtendDB's dual-target test); DynamoDB Local answers the whole request
        ({"pk": {"S": "k" * 2049}, "sk": {"S": "a"}},
         aws_or_local(target, "TransactionCanceledException", local="ValidationException"),
         aws_or_local(target, cancel,
                      local="Hash primary key values must be under 2048 bytes, and range primary "
                      "key values must be under 1024 bytes")),
        ({"pk": {"S": "a"}, "sk": {"N": "1"}}, "TransactionCanceledException",
         aws_or_local(target, cancel,
                      local="One or more parameter values were invalid: Type mismatch for key")),
        ({"pk": {"S": "a"}}, "TransactionCanceledException",
         aws_or_local(target, cancel, local="The number of conditions on the keys is invalid")),
        ({}, "TransactionCanceledException",
         aws_or_local(target, cancel, local="The number of conditions on the keys is invalid")),
    ]
    for key, code, msg in cases:
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            ddb.transact_get_items(TransactItems=[{"Get": {"TableName": t, "Key": key}}])
        err = ei.value.response["Error"]
        assert (err["Code"], err["Message"]) == (code, msg), key


def test_parallel_scan_start_key_must_lie_in_the_segment(ddb, target, keyed_table):
    # Found by --oracle: ddbchat resumed a segment's scan from any key; DynamoDB Local
    # refuses a start key of another segment.  The service's text (dynalite's tests and
    # ScyllaDB's test_scan_parallel_with_exclusive_start_key, both run against AWS) names
    # TotalSegments and Segment; Local has its own.
    import botocore
    from conftest import aws_or_local
    t = keyed_table
    for i in range(24):
        ddb.put_item(TableName=t, Item={"pk": {"S": "p%d" % i}, "sk": {"S": "s"}})
    total = 3
    leks = {}
    for seg in range(total):
        r = ddb.scan(TableName=t, Segment=seg, TotalSegments=total, Limit=1)
        if "LastEvaluatedKey" in r:
            leks[seg] = r["LastEvaluatedKey"]
    assert len(leks) >= 2
    for seg, lek in leks.items():
        ddb.scan(TableName=t, Segment=seg, TotalSegments=total, ExclusiveStartKey=lek)
        other = (seg + 1) % total
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            ddb.scan(TableName=t, Segment=other, TotalSegments=total, ExclusiveStartKey=lek)
        err = ei.value.response["Error"]
        assert (err["Code"], err["Message"]) == ("ValidationException", aws_or_local(
            target, "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
            "ExclusiveStartKey with correct Segment. TotalSegments: 3 Segment: %d" % other,
            local="Exclusive start key must lie within the segment"))
    # without segments any start key is fine
    ddb.scan(TableName=t, ExclusiveStartKey=next(iter(leks.values())))


def test_get_item_mixed_parameters_before_table_existence(ddb, target, table_name):
    # Found by --oracle: GetItem checks "both expression and non-expression parameters"
    # before it looks the table up (and before the Key) (DynamoDB Local).
    import botocore
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        ddb.get_item(TableName=table_name("nope"), Key={"pk": {"S": "a"}},
                     ProjectionExpression="a", AttributesToGet=["b"])
    err = ei.value.response["Error"]
    assert err["Code"] == "ValidationException"
    assert err["Message"].startswith(
        "Can not use both expression and non-expression parameters in the same request")
    # a missing Key (boto3 would refuse to send that: raw request) breaks the model's
    # not-null constraint, which the service checks before everything else (DynamoDB Local:
    # the mixed parameters first)
    from conftest import raw_request, aws_or_local
    st, _, body = raw_request(ddb.meta.endpoint_url,
                              {"TableName": table_name("nope"), "ProjectionExpression": "a",
                               "AttributesToGet": ["b"]}, target="DynamoDB_20120810.GetItem")
    assert st == 400
    assert json.loads(body).get("message", json.loads(body).get("Message")).startswith(
        aws_or_local(target, "1 validation error detected: Value null at 'key' failed to "
                     "satisfy constraint: Member must not be null",
                     local="Can not use both expression and non-expression parameters in the "
                     "same request"))


@pytest.mark.parametrize("case", ["unused", "undefined"])
def test_create_table_definition_listing_of_many_names(ddb_url, target, table_name, case):
    # Found by fuzz11's stress of CreateTable with many AttributeDefinitions: the error
    # texts listing the definitions copied the whole list once per name, n^2 bytes, so
    # 20,000 definitions took 0.8 s and ~600 MB, reached the request arena's maximum and
    # listed "AttributeDefinitions: []".  Every name is listed, in request order.
    n = 20000
    defs = [{"AttributeName": "id", "AttributeType": "S"}] + \
        [{"AttributeName": f"d{i}", "AttributeType": "S"} for i in range(n)]
    hash_key = "id" if case == "unused" else "nope"
    body = {"TableName": table_name("fzd"), "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": defs,
            "KeySchema": [{"AttributeName": hash_key, "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{"IndexName": "gsi", "KeySchema": [
                {"AttributeName": "d0", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}]}
    st, _, payload = raw_request(ddb_url, body, target="DynamoDB_20120810.CreateTable")
    assert st == 400
    doc = json.loads(payload)
    assert doc["__type"].endswith("#ValidationException")
    msg = doc.get("message", doc.get("Message"))
    names = ", ".join(d["AttributeName"] for d in defs)
    inv = "One or more parameter values were invalid: "
    if case == "unused":
        want = aws_or_local(target, inv + "Some AttributeDefinitions are not used. "
                            f"AttributeDefinitions: [{names}], keys used: [id, d0]",
                            local="The number of attributes in key schema must match the "
                            "number of attributes defined in attribute definitions.")
    else:
        want = aws_or_local(target, inv + "Some index key attributes are not defined in "
                            f"AttributeDefinitions. Keys: [nope], AttributeDefinitions: "
                            f"[{names}]",
                            local="Hash Key not specified in Attribute Definitions.  Type "
                            "unknown.")
    assert msg == want, msg[:300]


@pytest.mark.parametrize("shape", ["attributes", "list", "map"])
def test_update_of_many_clauses_on_a_wide_item(ddb, make_table, table_name, shape):
    # Found by fuzz11's stress of UpdateExpressions: each action copied the containers on its
    # path, so 300 actions on an item of 40,000 attributes (or on a list of 50,000 elements,
    # a map of 30,000 members) copied hundreds of MB and answered 500 "out of memory" past
    # the request arena's maximum.  Each container is now copied once per update.
    name = table_name("fzu")
    make_table(ddb, name, hash=("pk", "S"))
    item = {"pk": {"S": "w"}}
    if shape == "attributes":
        item.update({f"z{i}": {"N": "1"} for i in range(40000)})
        expr, n = "SET " + ",".join(f"a{i}=:v" for i in range(300)), 300
    elif shape == "list":
        item["l"] = {"L": [{"N": "1"}] * 50000}
        expr = "SET " + ",".join(f"l[{i}]=:v" for i in range(0, 600, 2)) + \
            " REMOVE " + ",".join(f"l[{i}]" for i in range(1, 120, 2))
    else:
        item["m"] = {"M": {f"k{i}": {"N": "1"} for i in range(30000)}}
        expr = "SET " + ",".join(f"m.k{i}=:v" for i in range(300)) + ", m.fresh=:v REMOVE m.k400"
    ddb.put_item(TableName=name, Item=item)
    ddb.update_item(TableName=name, Key={"pk": {"S": "w"}}, UpdateExpression=expr,
                    ExpressionAttributeValues={":v": {"N": "2"}})
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "w"}}, ConsistentRead=True)["Item"]
    if shape == "attributes":
        assert len(got) == 1 + 40000 + 300
        assert all(got[f"a{i}"] == {"N": "2"} for i in range(300))
        assert got["z39999"] == {"N": "1"}
    elif shape == "list":
        want = [{"N": "1"}] * 50000
        for i in range(0, 600, 2):
            want[i] = {"N": "2"}
        want = [v for i, v in enumerate(want) if not (i % 2 == 1 and i < 120)]
        assert got["l"]["L"] == want
    else:
        m = got["m"]["M"]
        assert len(m) == 30000 and "k400" not in m and m["fresh"] == {"N": "2"}
        assert all(m[f"k{i}"] == {"N": "2"} for i in range(300))
        assert m["k401"] == {"N": "1"}


@pytest.mark.requires_ddbchat
def test_create_table_many_gsis_and_definitions_is_not_quadratic(ddb_url, table_name):
    # Found by fuzz11's stress: the GSI count (at most 20) is checked after every GSI's own
    # checks, each of which scanned the index names seen and the AttributeDefinitions, so a
    # 2.5 MB request cost n^2 string compares (20,000 x 20,000: 11.6 s).  It must be refused
    # at about the cost of reading it (an 8 MB CreateTable of 100,000 VectorIndexes is
    # refused in 0.3 s); the names are looked up now.
    import time
    n = 14000
    defs = [{"AttributeName": "id", "AttributeType": "S"}] + \
        [{"AttributeName": f"d{i}", "AttributeType": "S"} for i in range(n)]
    body = {"TableName": table_name("fzg"), "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": defs,
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [
                {"IndexName": f"g{i:05d}", "KeySchema": [
                    {"AttributeName": f"d{n - 1}", "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "ALL"}} for i in range(n)]}
    t = time.monotonic()
    st, _, payload = raw_request(ddb_url, body, target="DynamoDB_20120810.CreateTable")
    took = time.monotonic() - t
    assert st == 400 and "GlobalSecondaryIndex count exceeds" in json.loads(payload)["message"]
    assert took < time_bound(1.5), f"{took:.1f} s"


@pytest.mark.requires_ddbchat
def test_attributes_to_get_of_many_names_is_not_quadratic(ddb_url, table_name, make_table, ddb):
    # Found by fuzz11's stress: a GetItem with 60,000 AttributesToGet names cost 9.3 s of CPU
    # (40,000: 4 s; n^2 name compares in api_legacy_attrs' duplicate check and
    # expr_build_projection's dedup); now a sort finds the repeats: 60,000 names ~30 ms.
    import time
    name = table_name("fza")
    make_table(ddb, name, hash=("pk", "S"))
    body = {"TableName": name, "Key": {"pk": {"S": "a"}},
            "AttributesToGet": [f"a{i}" for i in range(60000)]}
    t = time.monotonic()
    st, _, _ = raw_request(ddb_url, body, target="DynamoDB_20120810.GetItem")
    took = time.monotonic() - t
    assert st == 200
    assert took < time_bound(3.0), f"{took:.1f} s"
    # the duplicate check still finds a repeat, wherever it is
    body["AttributesToGet"].append("a31234")
    st, _, p = raw_request(ddb_url, body, target="DynamoDB_20120810.GetItem")
    assert st == 400 and b"Duplicate value in attribute name: a31234" in p


@pytest.mark.requires_ddbchat
def test_attributes_to_get_of_many_names_on_a_wide_item_is_not_quadratic(
        ddb_url, table_name, make_table, ddb):
    # The projection itself (expr_project) grouped the paths name by name, then looked each
    # name up by a scan of the item: 40,000 names on an item of 30,000 attributes took 6 s
    # (release build).  Now the paths are grouped by a sort and the members looked up in a
    # sorted index: ~30 ms.  The answer keeps the order of the names asked for.
    import time
    name = table_name("fzw")
    make_table(ddb, name, hash=("pk", "S"))
    item = {"pk": {"S": "w"}}
    item.update({f"a{i}": {"N": str(i)} for i in range(30000)})
    ddb.put_item(TableName=name, Item=item)
    names = [f"a{i}" for i in range(40000)][::-1]
    body = {"TableName": name, "Key": {"pk": {"S": "w"}}, "AttributesToGet": names,
            "ConsistentRead": True}
    t = time.monotonic()
    st, _, p = raw_request(ddb_url, body, target="DynamoDB_20120810.GetItem")
    took = time.monotonic() - t
    assert st == 200, p
    got = json.loads(p)["Item"]
    assert list(got) == [f"a{i}" for i in range(29999, -1, -1)]
    assert got["a17"] == {"N": "17"}
    assert took < time_bound(3.0), f"{took:.1f} s"


@pytest.mark.requires_ddbchat
def test_attribute_updates_of_many_actions_is_not_quadratic(ddb_url, table_name, make_table, ddb):
    # Found by fuzz11's stress: each AttributeUpdates action looked for its attribute by a scan
    # of the item's members (and a removal moved the rest), so 60,000 actions (30,000 DELETEs
    # of an item's attributes, 30,000 PUTs of new ones) took 6-10 s of CPU (release build).
    # Now the attributes are found in a sorted index and the item is rebuilt once: ~0.2 s.
    # The new attributes come after the kept ones, in document-path order (the order the
    # actions are applied in, as before).
    import time
    N = 30000
    name = table_name("fzv")
    make_table(ddb, name, hash=("pk", "S"))
    item = {"pk": {"S": "w"}, "keep": {"S": "k"}}
    item.update({f"a{i}": {"N": "1"} for i in range(N)})
    ddb.put_item(TableName=name, Item=item)
    au = {}
    for i in range(N):
        au[f"b{i}"] = {"Action": "PUT", "Value": {"N": "2"}}
        au[f"a{i}"] = {"Action": "DELETE"}
    body = {"TableName": name, "Key": {"pk": {"S": "w"}}, "AttributeUpdates": au,
            "ReturnValues": "ALL_NEW"}
    t = time.monotonic()
    st, _, p = raw_request(ddb_url, body, target="DynamoDB_20120810.UpdateItem")
    took = time.monotonic() - t
    assert st == 200, p
    got = json.loads(p)["Attributes"]
    assert list(got) == ["pk", "keep"] + sorted(f"b{i}" for i in range(N))
    assert got[f"b{N - 1}"] == {"N": "2"}
    assert took < time_bound(3.0), f"{took:.1f} s"


def _server_cpu_seconds(pid):
    """User + system CPU time of a process (from /proc/PID/stat)."""
    import os
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _request_cpu(srv, body, op):
    """One request to srv's endpoint: (status, payload, the server's CPU seconds for it)."""
    cpu = _server_cpu_seconds(srv.proc.pid)
    st, _, p = raw_request(srv.ddb_url, body, target=f"DynamoDB_20120810.{op}", timeout=120)
    return st, p, _server_cpu_seconds(srv.proc.pid) - cpu


def _numbered_items(srv, name, n=4000):
    """A table of n items {pk: k<i>, a: i}."""
    _create_simple_table(srv.ddb_url, name)
    for i in range(0, n, 25):
        st, _, p = raw_request(srv.ddb_url, {"RequestItems": {name: [
            {"PutRequest": {"Item": {"pk": {"S": f"k{j}"}, "a": {"N": str(j)}}}}
            for j in range(i, i + 25)]}}, target="DynamoDB_20120810.BatchWriteItem")
        assert st == 200, p


@pytest.mark.requires_ddbchat
def test_placeholders_looked_up_in_a_big_names_map_is_not_quadratic(ddbchat_server):
    # Found by atg12's sweep: each #name of an expression was looked up by a scan of
    # ExpressionAttributeNames, so the 827 names of a 4 KB ProjectionExpression and a 4 KB
    # FilterExpression, defined at the end of a map of 330,000 (under the 2 MB cap), cost
    # 330,000 x 827 key compares: 5 s of CPU (release build) before the unused keys were
    # reported.  Past a few lookups the keys are now sorted once: ~0.6 s, mostly the JSON
    # (ASan build ~0.9 s).  Measured as the server's CPU time: the wall time of a 4.6 MB
    # request on a loaded machine says little.
    import itertools
    import string
    srv = ddbchat_server()
    name = "fzn_big_names"
    st, _, p = raw_request(srv.ddb_url, {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]},
        target="DynamoDB_20120810.CreateTable")
    assert st == 200, p
    keys = ["#" + "".join(t) for t in
            itertools.islice(itertools.product(string.ascii_letters, repeat=4), 330000)]
    pe_keys, fe_keys = keys[-682:], keys[-827:-682]
    used = set(pe_keys) | set(fe_keys)
    names = {k: (k[1:] if k in used else "z") for k in keys}
    names["#pk"] = "pk"
    body = {"TableName": name, "KeyConditionExpression": "#pk = :k",
            "ProjectionExpression": ",".join(pe_keys),
            "FilterExpression": " AND ".join(f"attribute_exists({k})" for k in fe_keys),
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": {":k": {"S": "a"}}}
    data = json.dumps(body).encode()
    st, p, cpu = _request_cpu(srv, data, "Query")
    assert st == 400, p
    assert json.loads(p)["message"].startswith(
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#aaa")
    assert cpu < time_bound(2.5), f"{cpu:.1f} s of CPU"
    # and with the unused keys gone, the same placeholders resolve
    body["ExpressionAttributeNames"] = {k: v for k, v in names.items() if v != "z"}
    st, _, p = raw_request(srv.ddb_url, body, target="DynamoDB_20120810.Query")
    assert st == 200, p


def _create_simple_table(url, name):
    st, _, p = raw_request(url, {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]},
        target="DynamoDB_20120810.CreateTable")
    assert st == 200, p


@pytest.mark.requires_ddbchat
def test_legacy_condition_maps_of_many_conditions_keep_the_server_up(ddbchat_server):
    # Found by atg12's sweep: the conditions of a ScanFilter / QueryFilter / Expected /
    # KeyConditions map were joined as a chain ((c1 AND c2) AND c3) ..., and evaluating (or
    # walking) it recursed once per condition: a 3.8 MB ScanFilter of 50,000 conditions on a
    # table of one item overflowed the thread's stack (SIGSEGV: the server was gone), and so
    # did a KeyConditions map of 140,000 before its count was checked.  They are now joined
    # as a balanced tree (same leaves, same order).
    srv = ddbchat_server()
    name = "fzc_many_conditions"
    _create_simple_table(srv.ddb_url, name)
    st, _, p = raw_request(srv.ddb_url, {"TableName": name, "Item": {
        "pk": {"S": "w"}, "a0": {"N": "1"}}}, target="DynamoDB_20120810.PutItem")
    assert st == 200, p
    n = 60000
    conds = {f"a{i}": {"ComparisonOperator": "NOT_NULL"} for i in range(n)}
    st, _, p = raw_request(srv.ddb_url, {"TableName": name, "ScanFilter": conds},
                           target="DynamoDB_20120810.Scan", timeout=120)
    assert st == 200, p
    assert json.loads(p)["Count"] == 0 and json.loads(p)["ScannedCount"] == 1
    st, _, p = raw_request(srv.ddb_url, {"TableName": name, "ScanFilter": conds,
                                         "ConditionalOperator": "OR"},
                           target="DynamoDB_20120810.Scan", timeout=120)
    assert st == 200, p
    assert json.loads(p)["Count"] == 1
    expected = {f"a{i}": {"Exists": False} for i in range(1, n)}
    st, _, p = raw_request(srv.ddb_url, {"TableName": name, "Item": {"pk": {"S": "w"}},
                                         "Expected": expected},
                           target="DynamoDB_20120810.PutItem", timeout=120)
    assert st == 200, p
    kc = {f"a{i}": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}
          for i in range(150000)}
    kc["pk"] = {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "w"}]}
    st, _, p = raw_request(srv.ddb_url, {"TableName": name, "KeyConditions": kc},
                           target="DynamoDB_20120810.Query", timeout=120)
    assert st == 400, p
    assert json.loads(p)["message"] == (
        "The number of query conditions (150001) exceeds the number of key attributes "
        "defined in the schema (1)")
    assert srv.proc.poll() is None


@pytest.mark.requires_ddbchat
def test_query_filter_of_many_conditions_is_not_quadratic(ddbchat_server):
    # Found by atg12's sweep: Query's check that a QueryFilter names no key attribute took the
    # filter's names with a scan of the names seen per condition (expr_top_names): 200,000
    # conditions cost 49 s of CPU, 70,000 ~6 s (release build).  Now the repeats are found by
    # a sort: ~0.4 s.  Measured as the server's CPU time (the request is 5 MB).
    srv = ddbchat_server()
    name = "fzq_many_filters"
    _create_simple_table(srv.ddb_url, name)
    qf = {f"a{i}": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}
          for i in range(70000)}
    body = json.dumps({"TableName": name, "QueryFilter": qf, "KeyConditions": {
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "w"}]}}}).encode()
    st, p, cpu = _request_cpu(srv, body, "Query")
    assert st == 200, p
    assert json.loads(p)["Count"] == 0
    assert cpu < time_bound(2.5), f"{cpu:.1f} s of CPU"
    # a key attribute among them is still found
    qf["pk"] = {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "w"}]}
    st, _, p = raw_request(srv.ddb_url, {"TableName": name, "QueryFilter": qf, "KeyConditions": {
        "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "w"}]}}},
        target="DynamoDB_20120810.Query", timeout=120)
    assert st == 400 and b"pk" in p, p


@pytest.mark.requires_ddbchat
def test_set_updates_and_comparisons_of_many_members_are_not_quadratic(ddbchat_server):
    # Found by atg12's sweep: ADD looked each new member up in the set by a scan, DELETE each
    # member up in the operand, and set equality (x = :set) each member of one in the other:
    # an ADD of 30,000 members to a set of 30,000 (0.3 MB) took 2.2 s of CPU, the DELETE as
    # much (release build).  Now the looked-up set is sorted once (numbers numerically):
    # ~10 ms each.  Measured as the server's CPU time.
    srv = ddbchat_server()
    name = "fzs_big_sets"
    _create_simple_table(srv.ddb_url, name)
    n = 30000
    old = [f"v{i}" for i in range(n)]
    new = [f"w{i}" for i in range(n)]
    key = {"pk": {"S": "s"}}

    def call(op, body):
        st, _, p = raw_request(srv.ddb_url, dict(body, TableName=name),
                               target=f"DynamoDB_20120810.{op}", timeout=120)
        assert st == 200, p
        return json.loads(p)

    call("PutItem", {"Item": dict(key, x={"SS": old})})
    call("PutItem", {"Item": {"pk": {"S": "n"}, "y": {"NS": [str(i) for i in range(n)]}}})
    cpu = _server_cpu_seconds(srv.proc.pid)
    got = call("UpdateItem", {"Key": key, "UpdateExpression": "ADD x :v",
                              "ExpressionAttributeValues": {":v": {"SS": new + old[:10]}},
                              "ReturnValues": "UPDATED_NEW"})
    assert len(got["Attributes"]["x"]["SS"]) == 2 * n
    got = call("UpdateItem", {"Key": key, "UpdateExpression": "DELETE x :v",
                              "ExpressionAttributeValues": {":v": {"SS": old + ["zz"]}},
                              "ReturnValues": "UPDATED_NEW"})
    assert sorted(got["Attributes"]["x"]["SS"]) == sorted(new)
    # equal sets, members in another order and numbers in other texts
    got = call("Scan", {"FilterExpression": "x = :x OR y = :y", "ExpressionAttributeValues": {
        ":x": {"SS": new[::-1]}, ":y": {"NS": [f"{i}.0" for i in range(n - 1, -1, -1)]}}})
    assert got["Count"] == 2
    cpu = _server_cpu_seconds(srv.proc.pid) - cpu
    assert cpu < time_bound(2.5), f"{cpu:.1f} s of CPU"


@pytest.mark.requires_ddbchat
def test_legacy_in_list_of_many_values_is_not_scanned_per_item(ddbchat_server):
    # Found by atg12's sweep: a ScanFilter IN compared each item's value with the list's
    # values one by one, so a 7 MB request of 400,000 values over a table of 5,000 items took
    # 7.5 s of CPU (release build; a bigger table, more).  The list (one type) is now sorted
    # when the condition is built and each item's value found by bisection: 0.35 s.
    # Measured as the server's CPU time.
    srv = ddbchat_server()
    name = "fzi_big_in"
    _numbered_items(srv, name)
    # 400,000 numbers, among them 17, 2500.0 and 3999 (in other texts than the items')
    values = [{"N": str(100000 + i)} for i in range(400000 - 3)]
    values += [{"N": "17.0"}, {"N": "2.5E3"}, {"N": "3999"}]
    body = json.dumps({"TableName": name, "ScanFilter": {"a": {
        "ComparisonOperator": "IN", "AttributeValueList": values}}}).encode()
    st, p, cpu = _request_cpu(srv, body, "Scan")
    assert st == 200, p
    got = json.loads(p)
    assert got["ScannedCount"] == 4000
    assert sorted(int(x["a"]["N"]) for x in got["Items"]) == [17, 2500, 3999]
    assert cpu < time_bound(2.5), f"{cpu:.1f} s of CPU"


@pytest.mark.requires_ddbchat
def test_contains_of_a_big_constant_set_is_not_scanned_per_item(ddbchat_server):
    # Found by atg12's sweep: "contains(:set, a)" searched the same set for each item's value
    # member by member: a set of 180,000 strings over 10,000 items took 3.8 s of CPU, and
    # numbers (each compare parses both) far more.  The resolver now sorts such a set once
    # (more than 32 members) and expr_eval finds the value by bisection.  Measured as the
    # server's CPU time.
    srv = ddbchat_server()
    name = "fzh_big_haystack"
    _numbered_items(srv, name)
    hay = [str(100000 + i) for i in range(150000 - 3)] + ["17.0", "2.5E3", "3999"]
    body = json.dumps({"TableName": name, "FilterExpression": "contains(:h, a)",
                       "ExpressionAttributeValues": {":h": {"NS": hay}}}).encode()
    st, p, cpu = _request_cpu(srv, body, "Scan")
    assert st == 200, p
    got = json.loads(p)
    assert got["ScannedCount"] == 4000
    assert sorted(int(x["a"]["N"]) for x in got["Items"]) == [17, 2500, 3999]
    assert cpu < time_bound(2.5), f"{cpu:.1f} s of CPU"


@pytest.mark.requires_ddbchat
def test_map_equality_of_many_members_is_not_quadratic(ddbchat_server):
    # Found by atg12's sweep: "m = :m" looked each member of one map up in the other by a scan
    # (av_map_get): 30,000 members 0.5 s of CPU, 45,000 ~1 s per compare (release build), so a
    # Scan over a 1 MB page of such items and conditional writes on them cost seconds.  Both
    # maps are now sorted by name and walked together.  Measured as the server's CPU time.
    srv = ddbchat_server()
    name = "fzm_big_maps"
    _create_simple_table(srv.ddb_url, name)
    n = 45000
    m = {f"k{i}": {"N": "1"} for i in range(n)}
    for j in range(3):
        st, _, p = raw_request(srv.ddb_url, {"TableName": name, "Item": {
            "pk": {"S": f"m{j}"}, "m": {"M": m}}}, target="DynamoDB_20120810.PutItem")
        assert st == 200, p
    rev = {k: {"N": "1.0"} for k in reversed(list(m))}  # same members, other order and texts
    cpu = _server_cpu_seconds(srv.proc.pid)
    st, _, p = raw_request(srv.ddb_url, {"TableName": name, "FilterExpression": "m = :m",
                                         "ProjectionExpression": "pk",
                                         "ExpressionAttributeValues": {":m": {"M": rev}}},
                           target="DynamoDB_20120810.Scan", timeout=120)
    assert st == 200, p
    assert json.loads(p)["Count"] == 3
    for j in range(3):
        st, _, p = raw_request(srv.ddb_url, {
            "TableName": name, "Key": {"pk": {"S": f"m{j}"}}, "UpdateExpression": "SET z = :z",
            "ConditionExpression": "m = :m",
            "ExpressionAttributeValues": {":m": {"M": rev}, ":z": {"N": "1"}}},
            target="DynamoDB_20120810.UpdateItem", timeout=120)
        assert st == 200, p
    cpu = _server_cpu_seconds(srv.proc.pid) - cpu
    assert cpu < time_bound(2.5), f"{cpu:.1f} s of CPU"


@pytest.mark.requires_ddbchat
def test_pitr_window_with_the_clock_stepped_back(ddbchat_server, tmp_path):
    """The server's wall clock stepped back an hour (libfaketime, a timestamp file) while it
    runs, and again across a restart.  A change is recorded in the history at the commit
    rounds' clock, which never goes back (pitr.h), but DescribeContinuousBackups and
    RestoreTableToPointInTime read the wall clock: LatestRestorableDateTime came out an hour
    before EarliestRestorableDateTime, a restore to it (or to any time) was refused with
    InvalidRestoreTimeException until the clock caught up, and after a restart the history
    went on an hour back, so a restore to the latest time lost the changes written before the
    step.  AWS: Earliest <= Latest, and a restore with UseLatestRestorableTime holds every
    change acknowledged before it (API Reference, PointInTimeRecoveryDescription,
    RestoreTableToPointInTime).  Needs libfaketime (Debian package faketime)."""
    import time
    from conftest import client_for, scan_all, wait_restored
    from conftest import faketime_env
    offset = tmp_path / "clock"
    offset.write_text("+0\n")
    env = faketime_env(offset)
    srv = ddbchat_server(env=env)
    d = client_for(srv.ddb_url)
    d.create_table(TableName="stepped", BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    d.update_continuous_backups(TableName="stepped", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    d.put_item(TableName="stepped", Item={"pk": {"S": "a"}})
    t_a = time.time()
    offset.write_text("-1h\n")
    time.sleep(0.2)
    d.put_item(TableName="stepped", Item={"pk": {"S": "b"}})

    def window():
        p = d.describe_continuous_backups(TableName="stepped")[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        return p["EarliestRestorableDateTime"].timestamp(), p["LatestRestorableDateTime"].timestamp()

    def restored(target):
        d.restore_table_to_point_in_time(SourceTableName="stepped", TargetTableName=target,
                                         UseLatestRestorableTime=True)
        wait_restored(d, target)
        return sorted(i["pk"]["S"] for i in scan_all(d, target))

    earliest, latest = window()
    assert earliest <= latest and latest >= t_a - 1, (earliest, latest, t_a)
    assert restored("stepped_r1") == ["a", "b"]
    d.restore_table_to_point_in_time(SourceTableName="stepped", TargetTableName="stepped_r2",
                                     RestoreDateTime=earliest)
    wait_restored(d, "stepped_r2")

    # a restart with the clock two hours back: the history goes on after what it holds
    srv.stop()
    offset.write_text("-2h\n")
    srv = ddbchat_server(env=env, data_dir=srv.data_dir)
    d = client_for(srv.ddb_url)
    d.put_item(TableName="stepped", Item={"pk": {"S": "c"}})
    d.delete_item(TableName="stepped", Key={"pk": {"S": "a"}})
    earliest, latest = window()
    assert earliest <= latest and latest >= t_a - 1, (earliest, latest, t_a)
    assert restored("stepped_r3") == ["b", "c"]


@pytest.mark.requires_ddbchat
@pytest.mark.parametrize("restart", [False, True], ids=["running", "restarted"])
def test_pitr_earliest_after_enabling_with_the_clock_stepped_back(ddbchat_server, tmp_path,
                                                                   restart):
    """'a' is written, recovery enabled, then the server's wall clock steps back an hour
    (while it runs, or across a restart, libfaketime) and 'b' is written.  A restore to
    EarliestRestorableDateTime, the moment recovery was enabled, holds 'a' only: AWS restores
    the table as it was at RestoreDateTime (API Reference, RestoreTableToPointInTime), and 'b'
    came later.  Before, the window's start came from the wall clock while changes were
    stamped on the history's clock, which stayed below it (and started at 0 after a restart
    with no history yet): 'b' was stamped before the start and the restore kept it, ['a', 'b']
    both ways.  Needs libfaketime (Debian package faketime)."""
    import time
    from conftest import client_for, scan_all, wait_restored
    from conftest import faketime_env
    offset = tmp_path / "clock"
    offset.write_text("+0\n")
    env = faketime_env(offset)
    srv = ddbchat_server(env=env)
    d = client_for(srv.ddb_url)
    d.create_table(TableName="stepped", BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    d.put_item(TableName="stepped", Item={"pk": {"S": "a"}})
    d.update_continuous_backups(TableName="stepped", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    if restart:
        srv.stop()
        offset.write_text("-1h\n")
        srv = ddbchat_server(env=env, data_dir=srv.data_dir)
        d = client_for(srv.ddb_url)
    else:
        offset.write_text("-1h\n")
        time.sleep(0.3)
    d.put_item(TableName="stepped", Item={"pk": {"S": "b"}})
    p = d.describe_continuous_backups(TableName="stepped")[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    earliest = p["EarliestRestorableDateTime"]
    assert earliest <= p["LatestRestorableDateTime"], p
    d.restore_table_to_point_in_time(SourceTableName="stepped", TargetTableName="stepped_e",
                                     RestoreDateTime=earliest)
    wait_restored(d, "stepped_e")
    assert sorted(i["pk"]["S"] for i in scan_all(d, "stepped_e")) == ["a"]
    d.restore_table_to_point_in_time(SourceTableName="stepped", TargetTableName="stepped_l",
                                     UseLatestRestorableTime=True)
    wait_restored(d, "stepped_l")
    assert sorted(i["pk"]["S"] for i in scan_all(d, "stepped_l")) == ["a", "b"]
