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

from conftest import client_for
from itemlib import call, ok, S, N

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
    provisioned(url, "thr", 2, 6)
    big = S("x" * 3000)
    good, _ = burst(url, "thr", 6, v=big)
    assert good == 2, good
    # reads: 2 RCU = 4 eventually consistent reads at once, or 2 strongly consistent ones
    gets = [call(url, "GetItem", {"TableName": "thr", "Key": {"pk": S("k0")}})[0]
            for _ in range(6)]
    assert gets[:4] == [True] * 4 and not all(gets[4:]), gets


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


# Off by default: the same 5 WCU table takes any burst, as DynamoDB Local does.
def test_off_by_default(server):
    url = server()
    provisioned(url, "thr", 5, 5, gsi=(1, 1))
    assert burst(url, "thr", 100, g=S("c")) == (100, [])
