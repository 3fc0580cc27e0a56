"""`ddbchat serve --throttle` (README "Realism switches"): provisioned tables and their GSIs
throttled at their configured capacity, with AWS's burst credit (300 s of unused capacity),
on-demand tables at AWS's per-table limits.  The point is to make client code that does not
retry with backoff fail locally as it would on AWS.

DynamoDB Local has no throttling at all (its tables never run out of capacity), so every test
here runs on ddbchat only; on --target=dynamodb-local they skip with that reason."""
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import client_for, within_window
from itemlib import call, err, ok, S, N

TABLE_MSG = ("The level of configured provisioned throughput for the table was exceeded. "
             "Consider increasing your provisioning level with the UpdateTable API.")
GSI_MSG = ("The level of configured provisioned throughput for one or more global secondary "
           "indexes of the table was exceeded. Consider increasing your provisioning level for "
           "the under-provisioned global secondary indexes with the UpdateTable API")
OD_MSG = ("Throughput exceeds the current capacity of your table or index. DynamoDB is "
          "automatically scaling your table or index so please try again shortly. If exceptions "
          "persist, check if you have a hot key: "
          "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
          "bp-partition-key-design.html.")


@pytest.fixture
def server(target, request):
    """A factory: a fresh ddbchat started with the given switches, its DynamoDB URL."""
    if target != "ddbchat":
        pytest.skip("DynamoDB Local has no throttling (its tables are never out of capacity)")
    ddbchat_server = request.getfixturevalue("ddbchat_server")

    def start(*extra):
        return ddbchat_server(*extra).ddb_url
    return start


def provisioned(url, name, rcu, wcu, gsi=None):
    body = {"TableName": name, "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu}}
    if gsi:
        grcu, gwcu = gsi
        body["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        body["GlobalSecondaryIndexes"] = [{
            "IndexName": "gix", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": grcu, "WriteCapacityUnits": gwcu}}]
    return ok(url, "CreateTable", body)["TableDescription"]["TableArn"]


def put(url, table, pk, **attrs):
    item = {"pk": S(pk)}
    item.update(attrs)
    return call(url, "PutItem", {"TableName": table, "Item": item})


def burst(url, table, n, prefix="k", **attrs):
    """n PutItems as fast as one connection goes: (successes, the throttle errors)."""
    good, errors = 0, []
    for i in range(n):
        success, data = put(url, table, f"{prefix}{i}", **attrs)
        if success:
            good += 1
        else:
            errors.append(data)
    return good, errors


def drain(url, table, limit=200):
    """Writes until the table throttles (its credit is spent)."""
    for i in range(limit):
        success, data = put(url, table, f"drain{i}")
        if not success:
            assert data["__type"].endswith("ProvisionedThroughputExceededException"), data
            return
    raise AssertionError("never throttled")


# A provisioned table at 5 WCU: a burst of 1 KB writes gets about 5 through (a new table has
# one second of credit; more is earned at 5 a second while the burst runs), the rest are
# refused with ProvisionedThroughputExceededException, AWS's text, and ThrottlingReasons
# naming the table.  Reads have their own bucket: GetItem still works.
def test_provisioned_table_throttles_a_burst(server):
    url = server("--throttle")
    arn = provisioned(url, "thr", 5, 5)
    t0 = time.monotonic()
    good, errors = burst(url, "thr", 40)
    took = time.monotonic() - t0
    assert 5 <= good <= 5 + 5 * took + 1, (good, took)
    assert errors, "nothing was throttled"
    e = errors[0]
    assert e["__type"] == "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
    assert e["message"] == TABLE_MSG
    assert e["ThrottlingReasons"] == [{"reason": "TableWriteProvisionedThroughputExceeded",
                                       "resource": arn}]
    assert ok(url, "GetItem", {"TableName": "thr", "Key": {"pk": S("k0")}})["Item"]


# The same through boto3: with retries disabled the SDK raises the error at once; with its
# default retry policy (DynamoDB: 10 retries, exponential backoff) a loop of writes at
# 3x the capacity finishes, slowed down to about the provisioned rate.
def test_boto3_retries_get_through(server):
    url = server("--throttle")
    provisioned(url, "thr", 5, 5)
    bare = client_for(url)  # max_attempts=1: no retries
    with pytest.raises(ClientError) as ei:
        for i in range(40):
            bare.put_item(TableName="thr", Item={"pk": S(f"b{i}")})
    assert ei.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert ei.value.response["Error"]["Message"] == TABLE_MSG
    retrying = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                            aws_access_key_id="x", aws_secret_access_key="x",
                            config=Config(retries={"mode": "legacy"}))
    t0 = time.monotonic()
    for i in range(15):
        retrying.put_item(TableName="thr", Item={"pk": S(f"r{i}")})
    took = time.monotonic() - t0
    assert took >= 1.5, took  # 15 writes on a spent 5 WCU table: about 3 s at that rate
    n = ok(url, "Scan", {"TableName": "thr", "Select": "COUNT"})["Count"]
    assert n >= 15


# Burst credit: unused capacity is kept (up to 300 s of it), so after 4 s idle a spent 5 WCU
# table takes a burst of 20 writes at once — with only the per-second rate it would take 5 —
# and then throttles again.
def test_burst_credit_after_idle(server):
    url = server("--throttle")
    provisioned(url, "thr", 5, 5)
    drain(url, "thr")
    time.sleep(4.2)
    t0 = time.monotonic()
    good, errors = burst(url, "thr", 20, prefix="after")
    took = time.monotonic() - t0
    assert took < 1.0, f"the burst itself took {took:.2f} s: machine too loaded to tell"
    assert (good, errors) == (20, [])
    good, errors = burst(url, "thr", 20, prefix="more")
    assert errors and good < 20


# A GSI with 1 WCU throttles writes to its table (which has 100 WCU): AWS refuses a table
# write when a GSI lacks the write capacity for it, with the index variant of the text and a
# ThrottlingReason naming the index.  Queries of the GSI spend the GSI's read capacity.
def test_gsi_throttles_table_writes(server):
    url = server("--throttle")
    arn = provisioned(url, "thr", 100, 100, gsi=(1, 1))
    good, errors = burst(url, "thr", 20, g=S("c"))
    assert 1 <= good <= 4, good
    e = errors[0]
    assert e["__type"].endswith("#ProvisionedThroughputExceededException"), e
    assert e["message"] == GSI_MSG
    assert e["ThrottlingReasons"] == [{"reason": "IndexWriteProvisionedThroughputExceeded",
                                       "resource": arn + "/index/gix"}]
    q = {"TableName": "thr", "IndexName": "gix", "KeyConditionExpression": "g = :g",
         "ExpressionAttributeValues": {":g": S("c")}}
    results = [call(url, "Query", q) for _ in range(10)]
    refused = [d for success, d in results if not success]
    assert refused and refused[0]["message"] == GSI_MSG
    assert refused[0]["ThrottlingReasons"][0]["reason"] == "IndexReadProvisionedThroughputExceeded"
    # the table's own reads are not the index's: 100 RCU
    assert all(call(url, "GetItem", {"TableName": "thr", "Key": {"pk": S(f"k{i}")}})[0]
               for i in range(20))


# Capacity is counted as DynamoDB counts it: a 3 KB item costs 3 WCU, so a 6 WCU table
# takes two such writes, not six; an eventually consistent read of up to 4 KB costs half a
# unit, a strongly consistent one a whole unit.
def test_units_follow_item_size(server):
    url = server("--throttle")
    big = S("x" * 3000)
    # Both buckets start at the table's first request with a second's credit and earn 6 WCU
    # and 2 RCU a second: the unit a third write needs comes 1/6 s after the first write, the
    # half unit of a fifth read 1/4 s after it.  An attempt slower than that (a loaded
    # machine, the ASan server) proves nothing either way: it is made again on a new table.
    for attempt in range(5):
        name = f"thr{attempt}"
        provisioned(url, name, 2, 6)
        t0 = time.monotonic()
        good, _ = burst(url, name, 6, v=big)
        writes_took = time.monotonic() - t0
        # reads: 2 RCU = 4 eventually consistent reads at once, or 2 strongly consistent ones
        gets = [call(url, "GetItem", {"TableName": name, "Key": {"pk": S("k0")}})[0]
                for _ in range(6)]
        if writes_took < 1 / 6 and time.monotonic() - t0 < 1 / 4:
            break
    else:
        pytest.skip("machine too slow for the 1/6 s window in 5 attempts")
    assert good == 2, good
    assert gets[:4] == [True] * 4 and not all(gets[4:]), gets


# A write whose condition fails still takes write units from the table, sized on the item
# (Developer Guide, "DynamoDB read and write operations": the larger of the existing item and
# the one being written; op_item.c cond_failed_bill): a failed conditional put of a ~5 KB
# item spends 5 of a 6 WCU table's first second of credit, so of three 1 KB puts after it one
# gets through.  ddbchat took only the 1 unit of admission: all three got through.
def test_failed_condition_spends_write_units(server):
    url = server("--throttle")
    for attempt in range(5):
        name = f"thrc{attempt}"
        provisioned(url, name, 2, 6)
        t0 = time.monotonic()
        failed, data = call(url, "PutItem", {
            "TableName": name, "Item": {"pk": S("big"), "v": S("x" * 5000)},
            "ConditionExpression": "attribute_exists(pk)"})
        good, errors = burst(url, name, 3)
        if time.monotonic() - t0 < 1 / 6:
            break
    else:
        pytest.skip("machine too slow for the 1/6 s window in 5 attempts")
    assert not failed and data["__type"].endswith("ConditionalCheckFailedException"), data
    assert good == 1, (good, errors)
    assert errors[0]["__type"].endswith("ProvisionedThroughputExceededException"), errors


# UpdateTable's new capacity applies to the next request: a 1 WCU table throttles a burst,
# the same table at 1000 WCU takes it.
def test_update_table_takes_effect(server):
    url = server("--throttle")
    provisioned(url, "thr", 1, 1)
    good, errors = burst(url, "thr", 20)
    assert errors and good <= 3
    ok(url, "UpdateTable", {"TableName": "thr", "ProvisionedThroughput": {
        "ReadCapacityUnits": 1, "WriteCapacityUnits": 1000}})
    time.sleep(0.1)
    good, errors = burst(url, "thr", 50, prefix="u")
    assert (good, errors) == (50, [])


# While the change is UPDATING the table keeps the capacity from before the call (AWS: "While
# the table is in the UPDATING state, the table still has the provisioned throughput from
# before the call. The new provisioned throughput setting is in effect only when the table
# returns to the ACTIVE state"); the new one applies once ACTIVE.  Was: at the next request.
def test_update_table_takes_effect_once_active(request, target):
    if target != "ddbchat":
        pytest.skip("DynamoDB Local has no throttling")
    url = request.getfixturevalue("ddbchat_server")(
        "--throttle", env={"DDBCHAT_UPDATE_DONE_DELAY_MS": "1500"}).ddb_url
    provisioned(url, "thr", 1, 1)
    drain(url, "thr")
    t0 = time.monotonic()
    ok(url, "UpdateTable", {"TableName": "thr", "ProvisionedThroughput": {
        "ReadCapacityUnits": 1, "WriteCapacityUnits": 1000}})
    with within_window(t0, 1.2):
        good, errors = burst(url, "thr", 20, prefix="during")
        assert time.monotonic() - t0 < 1.2
        assert errors and good <= 3, good
    deadline = time.monotonic() + 10
    while ok(url, "DescribeTable", {"TableName": "thr"})["Table"]["TableStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    good, errors = burst(url, "thr", 50, prefix="after")
    assert (good, errors) == (50, [])


# On-demand tables are limited only at AWS's default per-table quota (40,000 units a
# second): a modest rate is never throttled.  A table with its own OnDemandThroughput
# maximum is throttled there, with ThrottlingException (the on-demand answer) and the
# MaxOnDemandThroughputExceeded reason.
def test_on_demand(server):
    url = server("--throttle")
    ok(url, "CreateTable", {
        "TableName": "odt", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    assert burst(url, "odt", 300) == (300, [])
    arn = ok(url, "CreateTable", {
        "TableName": "odmax", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "OnDemandThroughput": {"MaxWriteRequestUnits": 5}})["TableDescription"]["TableArn"]
    good, errors = burst(url, "odmax", 30)
    assert errors and good <= 12, good
    e = errors[0]
    assert e["__type"] == "com.amazonaws.dynamodb.v20120810#ThrottlingException"
    assert e["message"] == OD_MSG
    assert e["ThrottlingReasons"] == [{"reason": "TableWriteMaxOnDemandThroughputExceeded",
                                       "resource": arn}]


# A GSI's own OnDemandThroughput ceiling throttles reads of that index (independently of the
# table's, ack-api-quirks DDB-TABLE-135), with the index's reason and ARN.  ddbchat gave every
# index of an on-demand table AWS's default 40,000 units, whatever ceiling it described.
def test_on_demand_index_ceiling(server):
    url = server("--throttle")
    arn = ok(url, "CreateTable", {
        "TableName": "odg", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "g", "AttributeType": "S"}],
        "GlobalSecondaryIndexes": [{
            "IndexName": "gix", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "OnDemandThroughput": {"MaxReadRequestUnits": 2}}]})["TableDescription"]["TableArn"]
    errors = []
    for i in range(30):
        good, data = call(url, "Query", {"TableName": "odg", "IndexName": "gix",
                                         "KeyConditionExpression": "g = :g",
                                         "ExpressionAttributeValues": {":g": S("x")}})
        if not good:
            errors.append(data)
    assert len(errors) >= 20, len(errors)
    e = errors[0]
    assert e["__type"] == "com.amazonaws.dynamodb.v20120810#ThrottlingException"
    assert e["ThrottlingReasons"] == [{"reason": "IndexReadMaxOnDemandThroughputExceeded",
                                       "resource": arn + "/index/gix"}]
    # the table's own reads are not the index's
    for i in range(30):
        ok(url, "GetItem", {"TableName": "odg", "Key": {"pk": S(f"k{i}")}})


# The largest capacities a table may have throttle nothing of a burst, and anything larger is
# refused as AWS's per-table quota (4a179f8, bb6f191; texts in test_tables).  Before those
# quotas any 64-bit capacity was taken here, and 2^63-1 overflowed the bucket's arithmetic (a
# review finding: the ASan+UBSan server aborted at the first GetItem, a release build
# throttled that table for ever); that arithmetic is test_tbucket test_huge_rates' now, since
# the wire no longer reaches it.
def test_huge_capacities(server):
    url = server("--throttle")
    big = 9223372036854775807
    table = {"TableName": "odbig", "BillingMode": "PAY_PER_REQUEST",
             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
             "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
    for units in (big, 40001):
        err(url, "CreateTable", dict(table, OnDemandThroughput={
            "MaxReadRequestUnits": units, "MaxWriteRequestUnits": units}),
            "LimitExceededException")
    ok(url, "CreateTable", dict(table, OnDemandThroughput={
        "MaxReadRequestUnits": 40000, "MaxWriteRequestUnits": 40000}))
    assert burst(url, "odbig", 50) == (50, [])
    for i in range(50):
        ok(url, "GetItem", {"TableName": "odbig", "Key": {"pk": S(f"k{i}")}})
    err(url, "UpdateTable", {"TableName": "odbig", "OnDemandThroughput": {
        "MaxWriteRequestUnits": big}}, "LimitExceededException")


# Off by default: the same 5 WCU table takes any burst, as DynamoDB Local does.
def test_off_by_default(server):
    url = server()
    provisioned(url, "thr", 5, 5, gsi=(1, 1))
    assert burst(url, "thr", 100, g=S("c")) == (100, [])


def ptable(url, name, rcu, wcu):
    provisioned(url, name, rcu, wcu)
    return name


# BatchWriteItem: the writes a table has capacity for are done, the others come back in
# UnprocessedItems exactly as they were sent (to be resent with backoff); when none at all
# can be done, the call fails with ProvisionedThroughputExceededException (the API
# Reference's rule for both batch operations).
def test_batch_write(server):
    url = server("--throttle")
    ptable(url, "bw5", 100, 5)
    reqs = [{"PutRequest": {"Item": {"pk": S(f"b{i}")}}} for i in range(25)]
    r = ok(url, "BatchWriteItem", {"RequestItems": {"bw5": reqs}})
    left = r["UnprocessedItems"].get("bw5", [])
    done = 25 - len(left)
    assert 5 <= done <= 8 and left == reqs[done:], (done, left[:1])
    n = ok(url, "Scan", {"TableName": "bw5", "Select": "COUNT", "ConsistentRead": True})["Count"]
    assert n == done
    # a 1 WCU table in debt (a 20 KB write costs 20 units): nothing of a batch is done
    ptable(url, "bw1", 100, 1)
    assert put(url, "bw1", "big", v=S("x" * 20000))[0]
    good, data = call(url, "BatchWriteItem", {"RequestItems": {"bw1": reqs[:3]}})
    assert not good
    assert data["__type"].endswith("#ProvisionedThroughputExceededException"), data
    assert data["message"] == TABLE_MSG
    # one table throttled, another not: the other's writes are done, the first's left
    ptable(url, "bwx", 100, 100)
    r = ok(url, "BatchWriteItem", {"RequestItems": {"bw1": reqs[:2], "bwx": reqs[:1]}})
    assert r["UnprocessedItems"] == {"bw1": reqs[:2]}


# BatchGetItem likewise: the keys read fit the table's read capacity (eventually consistent:
# half a unit each), the others come back in UnprocessedKeys with the table's parameters;
# nothing readable at all: the exception.
def test_batch_get(server):
    url = server("--throttle")
    ptable(url, "bg1", 1, 100)
    for i in range(10):
        assert put(url, "bg1", f"k{i}")[0]
    keys = [{"pk": S(f"k{i}")} for i in range(10)]
    r = ok(url, "BatchGetItem", {"RequestItems": {"bg1": {"Keys": keys,
                                                          "ProjectionExpression": "pk"}}})
    got = len(r["Responses"]["bg1"])
    left = r["UnprocessedKeys"]["bg1"]
    assert 2 <= got <= 4, got
    assert left == {"Keys": keys[got:], "ProjectionExpression": "pk"}
    # in debt after a strongly consistent read of a 40 KB item (10 units): the exception
    ptable(url, "bg2", 1, 100)
    assert put(url, "bg2", "big", v=S("x" * 40000))[0]
    assert ok(url, "GetItem", {"TableName": "bg2", "Key": {"pk": S("big")},
                               "ConsistentRead": True})["Item"]
    good, data = call(url, "BatchGetItem", {"RequestItems": {"bg2": {"Keys": keys[:2]}}})
    assert not good and data["message"] == TABLE_MSG, data
    assert data["ThrottlingReasons"][0]["reason"] == "TableReadProvisionedThroughputExceeded"


# TransactWriteItems: a transactional write costs twice a plain one, so a fresh 1 WCU table
# (one unit of credit) cannot take even one; the transaction is cancelled with the refused
# action's reason ProvisionedThroughputExceeded and the service's text, the other action's
# None, and nothing is written.  On an on-demand table past its maximum the reason is
# ThrottlingError.  TransactGetItems is cancelled the same way.
def test_transactions(server):
    url = server("--throttle")
    ptable(url, "txbig", 100, 100)
    ptable(url, "txone", 1, 1)
    body = {"TransactItems": [{"Put": {"TableName": "txbig", "Item": {"pk": S("a")}}},
                              {"Put": {"TableName": "txone", "Item": {"pk": S("a")}}}]}
    good, data = call(url, "TransactWriteItems", body)
    assert not good and data["__type"].endswith("#TransactionCanceledException"), data
    assert data["Message"] == ("Transaction cancelled, please refer cancellation reasons for "
                               "specific reasons [None, ProvisionedThroughputExceeded]")
    assert data["CancellationReasons"] == [
        {"Code": "None"}, {"Code": "ProvisionedThroughputExceeded", "Message": TABLE_MSG}]
    assert "Item" not in ok(url, "GetItem", {"TableName": "txbig", "Key": {"pk": S("a")}})
    ok(url, "CreateTable", {
        "TableName": "txod", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "OnDemandThroughput": {"MaxWriteRequestUnits": 1}})
    good, data = call(url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "txod", "Item": {"pk": S("a")}}}]})
    assert not good and data["CancellationReasons"] == [
        {"Code": "ThrottlingError", "Message": OD_MSG}], data
    good, data = call(url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": "txbig", "Key": {"pk": S("a")}}},
        {"Get": {"TableName": "txone", "Key": {"pk": S("a")}}}]})
    assert not good and data["CancellationReasons"] == [
        {"Code": "None"}, {"Code": "ProvisionedThroughputExceeded", "Message": TABLE_MSG}], data
    # with room, both go through
    good, data = call(url, "TransactWriteItems", {"TransactItems": [body["TransactItems"][0]]})
    assert good, data


# PartiQL's ExecuteStatement spends the same capacity: an INSERT is a write, a SELECT a read
# (a strongly consistent one a whole unit), refused with the same exception and text.
def test_partiql_statements(server):
    url = server("--throttle")
    ptable(url, "pq1", 1, 1)
    stmts = [call(url, "ExecuteStatement", {
        "Statement": f"INSERT INTO pq1 VALUE {{'pk': 'p{i}'}}"}) for i in range(4)]
    assert stmts[0][0], stmts[0]
    refused = [d for good, d in stmts if not good]
    assert refused and refused[0]["__type"].endswith("#ProvisionedThroughputExceededException")
    assert refused[0]["message"] == TABLE_MSG
    sels = [call(url, "ExecuteStatement", {"Statement": "SELECT * FROM pq1 WHERE pk = 'p0'",
                                           "ConsistentRead": True}) for _ in range(3)]
    assert sels[0][0] and sels[0][1]["Items"], sels[0]
    assert not sels[-1][0] and sels[-1][1]["message"] == TABLE_MSG, sels


# BatchExecuteStatement: each statement is admitted on its own; a refused one answers its
# own error (Code ProvisionedThroughputExceeded, the service's text), the others succeed.
# ExecuteTransaction: a refused statement cancels the transaction with that reason, as
# TransactWriteItems does (a transactional unit is two: a fresh 1 WCU / 1 RCU table has one).
def test_partiql_batch_and_transaction(server):
    url = server("--throttle")
    ptable(url, "pqb", 1, 1)
    stmts = [{"Statement": f"INSERT INTO pqb VALUE {{'pk': 'b{i}'}}"} for i in range(4)]
    resp = ok(url, "BatchExecuteStatement", {"Statements": stmts})["Responses"]
    assert "Error" not in resp[0], resp
    errs = [x["Error"] for x in resp if "Error" in x]
    assert errs and errs[0] == {"Code": "ProvisionedThroughputExceeded", "Message": TABLE_MSG}
    reads = [{"Statement": f"SELECT * FROM pqb WHERE pk = 'b{i}'", "ConsistentRead": True}
             for i in (0, 7, 8)]
    resp = ok(url, "BatchExecuteStatement", {"Statements": reads})["Responses"]
    assert resp[0].get("Item") and resp[-1]["Error"]["Code"] == "ProvisionedThroughputExceeded"
    ptable(url, "pqbig", 100, 100)
    ptable(url, "pqt1", 1, 1)
    good, data = call(url, "ExecuteTransaction", {"TransactStatements": [
        {"Statement": "INSERT INTO pqbig VALUE {'pk': 'a'}"},
        {"Statement": "INSERT INTO pqt1 VALUE {'pk': 'a'}"}]})
    assert not good and data["__type"].endswith("#TransactionCanceledException"), data
    assert data["CancellationReasons"] == [
        {"Code": "None"}, {"Code": "ProvisionedThroughputExceeded", "Message": TABLE_MSG}]
    assert "Item" not in ok(url, "GetItem", {"TableName": "pqbig", "Key": {"pk": S("a")}})
    good, data = call(url, "ExecuteTransaction", {"TransactStatements": [
        {"Statement": "SELECT * FROM pqt1 WHERE pk = 'a'"}]})
    assert not good and data["CancellationReasons"] == [
        {"Code": "ProvisionedThroughputExceeded", "Message": TABLE_MSG}], data
