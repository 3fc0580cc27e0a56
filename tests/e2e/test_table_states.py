"""Table states as AWS runs them, opt-in: `ddbchat serve --table-delay MS` (README "Realism
switches").  On AWS CreateTable answers CREATING and the table becomes ACTIVE seconds later,
DeleteTable answers DELETING and the table is gone seconds later, UpdateTable leaves it
UPDATING; code that writes to a table right after CreateTable without waiting for ACTIVE
works on every local DynamoDB (DynamoDB Local, and ddbchat by default, make a table ACTIVE at
once) and fails on AWS.  With the switch ddbchat keeps each state for MS ms and answers in it
as AWS does:
  CREATING  every data-plane operation: ResourceNotFoundException "Requested resource not
            found" (dynalite's AWS-recorded getItem/putItem/batchGetItem/... tests);
            DeleteTable, UpdateTable, a second CreateTable: ResourceInUseException "Attempt to
            change a resource which is still in use: Table is being created: T"
            (ack-api-quirks DDB-TABLE-001 / 005 / 444, live AWS); UpdateTimeToLive and the tag
            APIs: the table is not found yet (DDB-TABLE-444's live creating_update_ttl,
            DDB-TABLE-101); its GSIs CREATING too (dynalite's createTable test).
  DELETING  DescribeTable describes it DELETING, ListTables lists it (DDB-TABLE-006 / 076);
            DeleteTable and UpdateTable: "... Table is being deleted: T" (DDB-TABLE-008 / 444);
            CreateTable of the name: "Table already exists: T" (DDB-TABLE-005); the data plane
            finds no table.
  UPDATING  after a throughput change for MS; a GSI added by UpdateTable stays in its
            allocation phase (table UPDATING, index CREATING) at least MS, a deleted one
            DELETING at least MS.
DynamoDB Local has no delay (its deviation from AWS): the tests that watch the states start a
ddbchat server with the switch and are skipped there; test_default_is_at_once pins the
behaviour without the switch, which ddbchat shares with DynamoDB Local."""
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import aws_or_local, client_for, within_window
from itemlib import call, ok, err, S

DELAY_MS = 1000
# the earliest a state may end, seen from before the request that began it: the server's
# clock counts whole milliseconds
MIN_S = DELAY_MS / 1000 - 0.01
IN_USE = "ResourceInUseException"
RNF = "ResourceNotFoundException"
BEING_CREATED = "Attempt to change a resource which is still in use: Table is being created: %s"
BEING_DELETED = "Attempt to change a resource which is still in use: Table is being deleted: %s"


def table_def(name, gsi=False):
    d = {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
         "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
    if gsi:
        d["AttributeDefinitions"].append({"AttributeName": "g", "AttributeType": "S"})
        d["GlobalSecondaryIndexes"] = [{"IndexName": "gix", "Projection": {"ProjectionType": "ALL"},
                                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}]
    return d


def status(url, name):
    good, d = call(url, "DescribeTable", {"TableName": name})
    return d["Table"]["TableStatus"] if good else d["__type"].split("#")[-1]


def wait_status(url, name, want, timeout=20):
    t0 = time.monotonic()
    while status(url, name) != want:
        assert time.monotonic() - t0 < timeout, (name, status(url, name), want)
        time.sleep(0.02)
    return time.monotonic() - t0


@pytest.fixture
def delayed(ddbchat_server):
    return ddbchat_server("--table-delay", str(DELAY_MS)).ddb_url


# Without the switch a table is ACTIVE in CreateTable's answer and takes writes at once, on
# ddbchat and on DynamoDB Local alike (AWS: CREATING for seconds, the write refused: the tests
# below); deleted, it is gone at once.  DeleteTable's answer says DELETING as AWS's does
# (DynamoDB Local's deviation: ACTIVE).
def test_default_is_at_once(ddb_url, table_name, target):
    name = table_name("now")
    d = ok(ddb_url, "CreateTable", table_def(name))["TableDescription"]
    assert d["TableStatus"] == "ACTIVE"
    ok(ddb_url, "PutItem", {"TableName": name, "Item": {"pk": S("a")}})
    assert status(ddb_url, name) == "ACTIVE"
    assert ok(ddb_url, "DeleteTable", {"TableName": name})["TableDescription"]["TableStatus"] \
        == aws_or_local(target, "DELETING", local="ACTIVE")
    assert status(ddb_url, name) == RNF


# The bug the switch finds: a write right after CreateTable, before the table is ACTIVE, is
# ResourceNotFoundException on AWS; so is every data-plane operation.  The client that waits
# (boto3's table_exists waiter, which polls DescribeTable) then writes.
def test_create_then_write_at_once_fails(delayed):
    url = delayed
    t0 = time.monotonic()
    d = ok(url, "CreateTable", table_def("early", gsi=True))["TableDescription"]
    with within_window(t0, DELAY_MS / 1000):
        assert d["TableStatus"] == "CREATING"
        assert [g["IndexStatus"] for g in d["GlobalSecondaryIndexes"]] == ["CREATING"]
        key = {"pk": S("a")}
        for op, body in [
                ("PutItem", {"TableName": "early", "Item": key}),
                ("GetItem", {"TableName": "early", "Key": key}),
                ("UpdateItem", {"TableName": "early", "Key": key}),
                ("DeleteItem", {"TableName": "early", "Key": key}),
                ("Query", {"TableName": "early", "KeyConditionExpression": "pk = :p",
                           "ExpressionAttributeValues": {":p": S("a")}}),
                ("Scan", {"TableName": "early"}),
                ("BatchWriteItem", {"RequestItems": {"early": [{"PutRequest": {"Item": key}}]}}),
                ("BatchGetItem", {"RequestItems": {"early": {"Keys": [key]}}}),
                ("TransactGetItems", {"TransactItems": [{"Get": {"TableName": "early",
                                                                 "Key": key}}]})]:
            err(url, op, {**body}, RNF, "Requested resource not found")
        t = ok(url, "DescribeTable", {"TableName": "early"})["Table"]
        assert t["TableStatus"] == "CREATING"
        assert t["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
        assert "early" in ok(url, "ListTables", {})["TableNames"]
    ddb = client_for(url)
    ddb.get_waiter("table_exists").wait(TableName="early",
                                        WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    assert time.monotonic() - t0 >= MIN_S
    t = ok(url, "DescribeTable", {"TableName": "early"})["Table"]
    assert t["TableStatus"] == "ACTIVE"
    assert t["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    ok(url, "PutItem", {"TableName": "early", "Item": {"pk": S("a"), "g": S("x")}})
    assert ok(url, "Query", {"TableName": "early", "IndexName": "gix",
                             "KeyConditionExpression": "g = :g",
                             "ExpressionAttributeValues": {":g": S("x")}})["Count"] == 1


# While CREATING, the changes AWS refuses with ResourceInUseException "Table is being
# created" (DeleteTable, UpdateTable, CreateTable of the name), and the operations that do not
# know the table yet (UpdateTimeToLive: the table's not-found text; the tag APIs, the listing
# too: not the AccessDeniedException of a table that does not exist).
def test_creating_refusals(delayed):
    url = delayed
    t0 = time.monotonic()
    arn = ok(url, "CreateTable", table_def("young"))["TableDescription"]["TableArn"]
    with within_window(t0, DELAY_MS / 1000):
        err(url, "DeleteTable", {"TableName": "young"}, IN_USE, BEING_CREATED % "young")
        err(url, "UpdateTable", {"TableName": "young", "DeletionProtectionEnabled": True},
            IN_USE, BEING_CREATED % "young")
        err(url, "CreateTable", table_def("young"), IN_USE, BEING_CREATED % "young")
        err(url, "UpdateTimeToLive", {"TableName": "young", "TimeToLiveSpecification": {
            "AttributeName": "exp", "Enabled": True}},
            RNF, "Requested resource not found: Table: young not found")
        err(url, "TagResource", {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": "v"}]},
            RNF, "Requested resource not found: ResourcArn: %s not found" % arn)
        err(url, "ListTagsOfResource", {"ResourceArn": arn},
            RNF, "Requested resource not found: ResourcArn: %s not found" % arn)
        err(url, "UntagResource", {"ResourceArn": arn, "TagKeys": ["k"]},
            RNF, "Requested resource not found")
        assert status(url, "young") == "CREATING"
    wait_status(url, "young", "ACTIVE")
    ok(url, "TagResource", {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": "v"}]})
    err(url, "CreateTable", table_def("young"), IN_USE, "Table already exists: young")
    ok(url, "DeleteTable", {"TableName": "young"})


# DeleteTable answers DELETING; for the delay DescribeTable still describes the table DELETING
# and ListTables lists it, a second DeleteTable or an UpdateTable is "being deleted", a
# CreateTable of the name "already exists", and the data plane finds no table; then it is gone
# (boto3's table_not_exists waiter returns) and the name can be created again.
def test_deleting(delayed):
    url = delayed
    ok(url, "CreateTable", table_def("old"))
    wait_status(url, "old", "ACTIVE")
    ok(url, "PutItem", {"TableName": "old", "Item": {"pk": S("a")}})
    t0 = time.monotonic()
    d = ok(url, "DeleteTable", {"TableName": "old"})["TableDescription"]
    with within_window(t0, DELAY_MS / 1000):
        assert d["TableStatus"] == "DELETING"
        t = ok(url, "DescribeTable", {"TableName": "old"})["Table"]
        assert t["TableStatus"] == "DELETING"
        assert t["TableArn"] == d["TableArn"] and t["TableId"] == d["TableId"]
        assert "old" in ok(url, "ListTables", {})["TableNames"]
        err(url, "DeleteTable", {"TableName": "old"}, IN_USE, BEING_DELETED % "old")
        err(url, "UpdateTable", {"TableName": "old", "DeletionProtectionEnabled": True},
            IN_USE, BEING_DELETED % "old")
        err(url, "CreateTable", table_def("old"), IN_USE, "Table already exists: old")
        err(url, "GetItem", {"TableName": "old", "Key": {"pk": S("a")}}, RNF,
            "Requested resource not found")
        assert status(url, "old") == "DELETING"
    client_for(url).get_waiter("table_not_exists").wait(
        TableName="old", WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    assert time.monotonic() - t0 >= MIN_S
    assert "old" not in ok(url, "ListTables", {})["TableNames"]
    err(url, "DeleteTable", {"TableName": "old"}, RNF,
        "Requested resource not found: Table: old not found")
    assert ok(url, "CreateTable", table_def("old"))["TableDescription"]["TableStatus"] \
        == "CREATING"


# UpdateTable: a throughput change leaves the table UPDATING for the delay (AWS: the old
# throughput holds meanwhile); a GSI it adds is CREATING, the table UPDATING, for at least
# the delay (its allocation phase) before it can be queried; a deleted GSI is DELETING for at
# least the delay.
def test_updating(delayed):
    url = delayed
    ok(url, "CreateTable", {
        "TableName": "upd", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}})
    wait_status(url, "upd", "ACTIVE")
    ok(url, "PutItem", {"TableName": "upd", "Item": {"pk": S("a"), "g": S("x")}})

    t0 = time.monotonic()
    d = ok(url, "UpdateTable", {"TableName": "upd", "ProvisionedThroughput": {
        "ReadCapacityUnits": 6, "WriteCapacityUnits": 6}})["TableDescription"]
    with within_window(t0, DELAY_MS / 1000):
        assert d["TableStatus"] == "UPDATING"
        assert status(url, "upd") == "UPDATING"
        # an UPDATING table takes reads and writes ("While the table is in the UPDATING
        # state, the table still has the provisioned throughput from before the call": the
        # 2011-12-05 UpdateTable page)
        ok(url, "PutItem", {"TableName": "upd", "Item": {"pk": S("b")}})
        assert ok(url, "GetItem", {"TableName": "upd", "Key": {"pk": S("b")}})["Item"]
    wait_status(url, "upd", "ACTIVE")
    assert time.monotonic() - t0 >= MIN_S

    t0 = time.monotonic()
    ok(url, "UpdateTable", {
        "TableName": "upd",
        "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": {
            "IndexName": "gix", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]})
    q = {"TableName": "upd", "IndexName": "gix", "KeyConditionExpression": "g = :g",
         "ExpressionAttributeValues": {":g": S("x")}}
    with within_window(t0, DELAY_MS / 1000):
        t = ok(url, "DescribeTable", {"TableName": "upd"})["Table"]
        assert t["TableStatus"] == "UPDATING"
        assert t["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
        err(url, "Query", q, "ValidationException",
            "Cannot read from backfilling global secondary index: gix")
    while True:
        t = ok(url, "DescribeTable", {"TableName": "upd"})["Table"]
        if t["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE":
            break
        time.sleep(0.02)
    assert time.monotonic() - t0 >= MIN_S
    assert ok(url, "Query", q)["Count"] == 1

    t0 = time.monotonic()
    ok(url, "UpdateTable", {"TableName": "upd",
                            "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "gix"}}]})
    with within_window(t0, DELAY_MS / 1000):
        t = ok(url, "DescribeTable", {"TableName": "upd"})["Table"]
        assert t["TableStatus"] == "UPDATING"
        assert t["GlobalSecondaryIndexes"][0]["IndexStatus"] == "DELETING"
    while "GlobalSecondaryIndexes" in ok(url, "DescribeTable", {"TableName": "upd"})["Table"]:
        time.sleep(0.02)
    assert time.monotonic() - t0 >= MIN_S
    wait_status(url, "upd", "ACTIVE")


# A stream enabled or disabled leaves the table UPDATING for the delay (AWS: ~5 s,
# ack-api-quirks DDB-TABLE-002 / 119); meanwhile DeleteTable, another stream change and a
# throughput change are refused with AWS's texts (DDB-TABLE-444: the stream's label and the
# operation named), so are a TableClass change, a GSI create and an OnDemandThroughput change
# (DDB-TABLE-119; the index's and the last text's ends inferred: api_text.h), deletion
# protection is admitted.
def test_stream_change_updating(delayed):
    url = delayed
    ok(url, "CreateTable", {
        "TableName": "str", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}})
    wait_status(url, "str", "ACTIVE")
    for enable, op in ((True, "ENABLE"), (False, "DISABLE")):
        spec = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"} if enable else \
            {"StreamEnabled": False}
        t0 = time.monotonic()
        d = ok(url, "UpdateTable", {"TableName": "str", "StreamSpecification": spec})
        with within_window(t0, DELAY_MS / 1000):
            assert d["TableDescription"]["TableStatus"] == "UPDATING"
            label = ok(url, "DescribeTable", {"TableName": "str"})["Table"]["LatestStreamLabel"]
            assert status(url, "str") == "UPDATING"
            err(url, "DeleteTable", {"TableName": "str"}, IN_USE,
                "Attempt to change a resource which is still in use: Cannot delete table "
                "while stream is being enabled/disabled.")
            err(url, "UpdateTable", {"TableName": "str", "StreamSpecification": {
                "StreamEnabled": not enable, **({} if enable else {"StreamViewType": "KEYS_ONLY"})}},
                IN_USE, "Attempt to change a resource which is still in use: A stream status "
                "change is currently in progress. Table: str Stream: %s Operation: %s"
                % (label, op))
            err(url, "UpdateTable", {"TableName": "str", "ProvisionedThroughput": {
                "ReadCapacityUnits": 7, "WriteCapacityUnits": 7}},
                IN_USE, "Attempt to change a resource which is still in use: Can't change table "
                "IOPS when stream status is being updated. Table: str Stream: %s Operation: %s"
                % (label, op))
            err(url, "UpdateTable", {"TableName": "str",
                                     "TableClass": "STANDARD_INFREQUENT_ACCESS"},
                IN_USE, "Attempt to change a resource which is still in use: Can't update table "
                "class when stream status is being updated. Table: str Stream: %s Operation: %s"
                % (label, op))
            err(url, "UpdateTable", {
                "TableName": "str",
                "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
                "GlobalSecondaryIndexUpdates": [{"Create": {
                    "IndexName": "gix", "Projection": {"ProjectionType": "ALL"},
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]},
                IN_USE, "Attempt to change a resource which is still in use: Can't create or "
                "delete indexes when stream status is being updated. Table: str Stream: %s "
                "Operation: %s" % (label, op))
            ok(url, "UpdateTable", {"TableName": "str", "DeletionProtectionEnabled": False})
        wait_status(url, "str", "ACTIVE")
        assert time.monotonic() - t0 >= MIN_S
    ok(url, "DeleteTable", {"TableName": "str"})
    # an on-demand table's OnDemandThroughput waits for the stream change too
    ok(url, "CreateTable", table_def("strp"))
    wait_status(url, "strp", "ACTIVE")
    t0 = time.monotonic()
    ok(url, "UpdateTable", {"TableName": "strp", "StreamSpecification": {
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}})
    with within_window(t0, DELAY_MS / 1000):
        err(url, "UpdateTable", {"TableName": "strp",
                                 "OnDemandThroughput": {"MaxReadRequestUnits": 100}},
            IN_USE, "Attempt to change a resource which is still in use: OnDemandThroughput "
            "cannot be updated while stream status update is in progress")


# The phases of several tables' indexes run together: three tables adding a GSI at once each
# have it ACTIVE about the delay later, not one delay after the other (review19 R3: the
# maintenance thread slept each allocation phase in turn, ACTIVE after 1, 2 and 3 delays);
# the same for three GSIs deleted at once.
def test_index_phases_run_together(delayed):
    url = delayed
    names = ["ph%d" % i for i in range(3)]
    for n in names:
        ok(url, "CreateTable", table_def(n))
    for n in names:
        wait_status(url, n, "ACTIVE")

    def gsi_states():
        out = []
        for n in names:
            g = ok(url, "DescribeTable", {"TableName": n})["Table"].get("GlobalSecondaryIndexes")
            out.append(g[0]["IndexStatus"] if g else None)
        return out

    t0 = time.monotonic()
    for n in names:
        ok(url, "UpdateTable", {
            "TableName": n,
            "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {
                "IndexName": "gix", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}}]})
    while gsi_states() != ["ACTIVE"] * 3:
        assert time.monotonic() - t0 < 20
        time.sleep(0.02)
    took = time.monotonic() - t0
    assert MIN_S <= took < 2 * DELAY_MS / 1000, took

    t0 = time.monotonic()
    for n in names:
        ok(url, "UpdateTable", {"TableName": n,
                                "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "gix"}}]})
    while gsi_states() != [None] * 3:
        assert time.monotonic() - t0 < 20
        time.sleep(0.02)
    took = time.monotonic() - t0
    assert MIN_S <= took < 2 * DELAY_MS / 1000, took


# A DELETING table's name stays taken for the restores too (as for CreateTable: the table
# still exists, review19 R1), and its resource policy is not changed: PutResourcePolicy and
# DeleteResourcePolicy are "Table is being deleted" (ack-api-quirks: both, live AWS).
def test_deleting_name_taken_by_restores_and_policy(delayed):
    url = delayed
    for n in ("src", "doomed"):
        ok(url, "CreateTable", table_def(n))
        wait_status(url, n, "ACTIVE")
    backup = ok(url, "CreateBackup", {"TableName": "src", "BackupName": "bk1"})[
        "BackupDetails"]["BackupArn"]
    deadline = time.monotonic() + 30
    while ok(url, "DescribeBackup", {"BackupArn": backup})["BackupDescription"][
            "BackupDetails"]["BackupStatus"] != "AVAILABLE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    t0 = time.monotonic()
    arn = ok(url, "DeleteTable", {"TableName": "doomed"})["TableDescription"]["TableArn"]
    account = arn.split(":")[4]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "s1", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "dynamodb:GetItem", "Resource": arn}]})
    with within_window(t0, DELAY_MS / 1000):
        err(url, "RestoreTableFromBackup", {"TargetTableName": "doomed", "BackupArn": backup},
            "TableAlreadyExistsException", "Table already exists: doomed")
        err(url, "PutResourcePolicy", {"ResourceArn": arn, "Policy": policy},
            IN_USE, BEING_DELETED % "doomed")
        err(url, "DeleteResourcePolicy", {"ResourceArn": arn}, IN_USE, BEING_DELETED % "doomed")
        assert status(url, "doomed") == "DELETING"
    wait_status(url, "doomed", RNF)
    ok(url, "RestoreTableFromBackup", {"TargetTableName": "doomed", "BackupArn": backup})
