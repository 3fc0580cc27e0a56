"""UpdateTable of a table's provisioned throughput or billing mode, as AWS runs it: the call
answers TableStatus UPDATING and the table becomes ACTIVE later; meanwhile DescribeTable says
UPDATING, and another throughput or billing change, a stream change and DeleteTable are
refused with ResourceInUseException.  Facts: the API Reference (UpdateTable "is an
asynchronous operation; while it's executing, the table status changes from ACTIVE to
UPDATING"; ResourceInUseException), and a public lab's measurements on AWS (ack-api-quirks
DDB-TABLE-058/369/370/381): UPDATING 1-2 s for a throughput change, a minute or more for a
billing switch, and the texts pinned below.  ddbchat keeps the table UPDATING for
DDBCHAT_UPDATE_DONE_DELAY_MS (default 50 ms, so waiters and retry loops finish fast); these
tests widen it.  DynamoDB Local answers ACTIVE at once (its deviation, pinned by
test_update_throughput_answers_updating on that target)."""
import time

from conftest import aws_or_local, within_window
from itemlib import ok, err, S

IN_USE = "ResourceInUseException"
IOPS = ("Attempt to change a resource which is still in use: Table IOPS are currently being "
        "updated. Table: %s")
STREAM = ("Attempt to change a resource which is still in use: Can't enable or disable stream "
          "while table IOPS are being updated. Table: %s")
DELETE = ("Attempt to change a resource which is still in use: Table: %s is in the process of "
          "being updated.")
ODT = ("Attempt to change a resource which is still in use: OnDemandThroughput cannot be "
       "updated while BillingMode update is in progress")
DELAY_MS = 1500


def provisioned(url, name, rcu=1, wcu=1):
    ok(url, "CreateTable", {
        "TableName": name, "ProvisionedThroughput": {"ReadCapacityUnits": rcu,
                                                     "WriteCapacityUnits": wcu},
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})


def status(url, name):
    return ok(url, "DescribeTable", {"TableName": name})["Table"]["TableStatus"]


def wait_active(url, name, timeout=10.0):
    t0 = time.monotonic()
    while status(url, name) != "ACTIVE":
        assert time.monotonic() - t0 < timeout, "still UPDATING"
        time.sleep(0.05)
    return time.monotonic() - t0


def pt(r, w):
    return {"ReadCapacityUnits": r, "WriteCapacityUnits": w}


# The answer and the table's status right after a throughput change: UPDATING on AWS,
# ACTIVE again after the change is done.  DynamoDB Local answers ACTIVE at once.
def test_update_throughput_answers_updating(ddb_url, target, table_name):
    table_name = table_name("upd")
    provisioned(ddb_url, table_name)
    r = ok(ddb_url, "UpdateTable", {"TableName": table_name,
                                    "ProvisionedThroughput": pt(2, 2)})["TableDescription"]
    assert r["TableStatus"] == aws_or_local(target, "UPDATING", local="ACTIVE")
    # the answer echoes the throughput from before the call (AWS, DDB-TABLE-060; dynalite's
    # tests, run against AWS, assert the same); DynamoDB Local answers the new values
    got = r["ProvisionedThroughput"]
    assert (got["ReadCapacityUnits"], got["WriteCapacityUnits"]) == aws_or_local(
        target, (1, 1), local=(2, 2))
    wait_active(ddb_url, table_name)
    d = ok(ddb_url, "DescribeTable", {"TableName": table_name})["Table"]
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
    # once ACTIVE, the next change goes through (waiters and retry loops finish)
    ok(ddb_url, "UpdateTable", {"TableName": table_name, "ProvisionedThroughput": pt(3, 3)})
    wait_active(ddb_url, table_name)


# While UPDATING: DescribeTable says so; another throughput change, a billing switch, a
# stream change and DeleteTable are refused with AWS's texts; reads and writes of items go
# on; after the delay the table is ACTIVE and each of them succeeds.
def test_refusals_while_throughput_updating(ddbchat_server):
    url = ddbchat_server(env={"DDBCHAT_UPDATE_DONE_DELAY_MS": str(DELAY_MS)}).ddb_url
    provisioned(url, "upd")
    t0 = time.monotonic()
    with within_window(t0, DELAY_MS / 1000):
        r = ok(url, "UpdateTable", {"TableName": "upd", "ProvisionedThroughput": pt(2, 2)})
        assert r["TableDescription"]["TableStatus"] == "UPDATING"
        assert status(url, "upd") == "UPDATING"
        err(url, "UpdateTable", {"TableName": "upd", "ProvisionedThroughput": pt(3, 3)},
            IN_USE, IOPS % "upd")
        err(url, "UpdateTable", {"TableName": "upd", "BillingMode": "PAY_PER_REQUEST"},
            IN_USE, IOPS % "upd")
        err(url, "UpdateTable", {"TableName": "upd", "StreamSpecification": {
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}}, IN_USE, STREAM % "upd")
        err(url, "DeleteTable", {"TableName": "upd"}, IN_USE, DELETE % "upd")
        # a GSI create waits too (DDB-TABLE-175; the lab quotes the text without the usual
        # "Attempt to change a resource which is still in use: " prefix)
        err(url, "UpdateTable", {
            "TableName": "upd", "AttributeDefinitions": [{"AttributeName": "g",
                                                          "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {
                "IndexName": "gsi1", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                "ProvisionedThroughput": pt(1, 1)}}]}, IN_USE,
            "Attempt to change a resource which is still in use: Can't create or delete indexes "
            "while table IOPS are being updated. Table: upd")
        ok(url, "PutItem", {"TableName": "upd", "Item": {"pk": S("a")}})
        assert ok(url, "GetItem", {"TableName": "upd", "Key": {"pk": S("a")}})["Item"]
        assert time.monotonic() - t0 < DELAY_MS / 1000
    wait_active(url, "upd")
    assert time.monotonic() - t0 >= DELAY_MS / 1000 * 0.9
    ok(url, "UpdateTable", {"TableName": "upd", "StreamSpecification": {
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}})
    ok(url, "UpdateTable", {"TableName": "upd", "ProvisionedThroughput": pt(3, 3)})
    wait_active(url, "upd")
    ok(url, "DeleteTable", {"TableName": "upd"})


# A billing switch (on-demand to provisioned and back) is UPDATING the same way.
def test_billing_switch_is_updating(ddbchat_server):
    url = ddbchat_server(env={"DDBCHAT_UPDATE_DONE_DELAY_MS": str(DELAY_MS)}).ddb_url
    ok(url, "CreateTable", {
        "TableName": "bill", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    t0 = time.monotonic()
    r = ok(url, "UpdateTable", {"TableName": "bill", "BillingMode": "PROVISIONED",
                                "ProvisionedThroughput": pt(1, 1)})["TableDescription"]
    assert r["TableStatus"] == "UPDATING"
    with within_window(t0, DELAY_MS / 1000):
        err(url, "UpdateTable", {"TableName": "bill", "ProvisionedThroughput": pt(2, 2)},
            IN_USE, IOPS % "bill")
    wait_active(url, "bill")
    t0 = time.monotonic()
    r = ok(url, "UpdateTable", {"TableName": "bill", "BillingMode": "PAY_PER_REQUEST"})
    assert r["TableDescription"]["TableStatus"] == "UPDATING"
    # the on-demand ceilings wait for the switch (AWS's text, DDB-TABLE-369)
    with within_window(t0, DELAY_MS / 1000):
        err(url, "UpdateTable", {"TableName": "bill", "OnDemandThroughput": {
            "MaxReadRequestUnits": 100}}, IN_USE, ODT)
    wait_active(url, "bill")
    ok(url, "UpdateTable", {"TableName": "bill", "OnDemandThroughput": {
        "MaxReadRequestUnits": 100}})


# Changes that are not throughput or billing leave the table ACTIVE (deletion protection,
# here), and the default delay is short: a poll finds the table ACTIVE within a second.
def test_default_delay_is_short(ddbchat_server):
    url = ddbchat_server().ddb_url
    provisioned(url, "dflt")
    r = ok(url, "UpdateTable", {"TableName": "dflt", "DeletionProtectionEnabled": True})
    assert r["TableDescription"]["TableStatus"] == "ACTIVE"
    ok(url, "UpdateTable", {"TableName": "dflt", "ProvisionedThroughput": pt(5, 5)})
    assert wait_active(url, "dflt", timeout=1.0) < 1.0


def gsi_table(url, name, ppr=False):
    body = {"TableName": name,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexes": [{
                "IndexName": "gsi1", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}]}
    if ppr:
        body["BillingMode"] = "PAY_PER_REQUEST"
    else:
        body["ProvisionedThroughput"] = pt(1, 1)
        body["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"] = pt(1, 1)
    ok(url, "CreateTable", body)


def gsi_of(desc):
    return desc["GlobalSecondaryIndexes"][0]


# While a throughput change is UPDATING, DescribeTable too shows the throughput from before
# the call; the new values once ACTIVE (AWS: "While the table is in the UPDATING state, the
# table still has the provisioned throughput from before the call", the 2011-12-05 API's
# UpdateTable; DDB-TABLE-060: "DescribeTable showed 2/2 only after UPDATING ended").
def test_old_throughput_until_active(ddbchat_server):
    url = ddbchat_server(env={"DDBCHAT_UPDATE_DONE_DELAY_MS": str(DELAY_MS)}).ddb_url
    provisioned(url, "old")
    t0 = time.monotonic()
    r = ok(url, "UpdateTable", {"TableName": "old", "ProvisionedThroughput": pt(4, 5)})
    assert r["TableDescription"]["ProvisionedThroughput"]["ReadCapacityUnits"] == 1
    with within_window(t0, DELAY_MS / 1000):
        d = ok(url, "DescribeTable", {"TableName": "old"})["Table"]
        assert (d["TableStatus"], d["ProvisionedThroughput"]["ReadCapacityUnits"],
                d["ProvisionedThroughput"]["WriteCapacityUnits"]) == ("UPDATING", 1, 1)
    wait_active(url, "old")
    d = ok(url, "DescribeTable", {"TableName": "old"})["Table"]
    assert (d["ProvisionedThroughput"]["ReadCapacityUnits"],
            d["ProvisionedThroughput"]["WriteCapacityUnits"]) == (4, 5)
    # a switch to provisioned answers with the new values at once (DDB-TABLE-165)
    ok(url, "UpdateTable", {"TableName": "old", "BillingMode": "PAY_PER_REQUEST"})
    wait_active(url, "old")
    r = ok(url, "UpdateTable", {"TableName": "old", "BillingMode": "PROVISIONED",
                                "ProvisionedThroughput": pt(3, 3)})["TableDescription"]
    assert (r["TableStatus"], r["ProvisionedThroughput"]["ReadCapacityUnits"]) == ("UPDATING", 3)


# A GSI's own throughput Update: the index is UPDATING for a while (the table stays ACTIVE),
# the answer and DescribeTable show its old throughput, a second Update of it and
# DeleteTable are refused meanwhile (AWS, DDB-TABLE-135/148/150/165).  DynamoDB Local
# applies it at once (ACTIVE, new values), named below.
def test_gsi_throughput_update_answer(ddb_url, target, table_name):
    name = table_name("gupd")
    gsi_table(ddb_url, name)
    r = ok(ddb_url, "UpdateTable", {"TableName": name, "GlobalSecondaryIndexUpdates": [
        {"Update": {"IndexName": "gsi1", "ProvisionedThroughput": pt(2, 3)}}]})
    r = r["TableDescription"]
    g = gsi_of(r)
    assert r["TableStatus"] == "ACTIVE"
    assert g["IndexStatus"] == aws_or_local(target, "UPDATING", local="ACTIVE")
    assert (g["ProvisionedThroughput"]["ReadCapacityUnits"],
            g["ProvisionedThroughput"]["WriteCapacityUnits"]) == aws_or_local(
        target, (1, 1), local=(2, 3))


def test_gsi_throughput_update_is_index_updating(ddbchat_server):
    url = ddbchat_server(env={"DDBCHAT_UPDATE_DONE_DELAY_MS": str(DELAY_MS)}).ddb_url
    gsi_table(url, "gup")
    t0 = time.monotonic()
    with within_window(t0, DELAY_MS / 1000):
        ok(url, "UpdateTable", {"TableName": "gup", "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "gsi1", "ProvisionedThroughput": pt(2, 3)}}]})
        d = ok(url, "DescribeTable", {"TableName": "gup"})["Table"]
        assert (d["TableStatus"], gsi_of(d)["IndexStatus"]) == ("ACTIVE", "UPDATING")
        assert gsi_of(d)["ProvisionedThroughput"]["ReadCapacityUnits"] == 1
        err(url, "UpdateTable", {"TableName": "gup", "GlobalSecondaryIndexUpdates": [
            {"Update": {"IndexName": "gsi1", "ProvisionedThroughput": pt(4, 4)}}]}, IN_USE,
            "Attempt to change a resource which is still in use: Index is being updated. "
            "Table: gup Index: gsi1")
        err(url, "DeleteTable", {"TableName": "gup"}, IN_USE,
            "Attempt to change a resource which is still in use: Cannot delete table while "
            "indexes are being created, updated, or deleted.")
        assert time.monotonic() - t0 < DELAY_MS / 1000
    deadline = time.monotonic() + 10
    while gsi_of(d)["IndexStatus"] != "ACTIVE":
        assert time.monotonic() < deadline, d
        time.sleep(0.05)
        d = ok(url, "DescribeTable", {"TableName": "gup"})["Table"]
    assert (gsi_of(d)["ProvisionedThroughput"]["ReadCapacityUnits"],
            gsi_of(d)["ProvisionedThroughput"]["WriteCapacityUnits"]) == (2, 3)
    ok(url, "UpdateTable", {"TableName": "gup", "GlobalSecondaryIndexUpdates": [
        {"Update": {"IndexName": "gsi1", "ProvisionedThroughput": pt(4, 4)}}]})


# PAY_PER_REQUEST re-sent to an on-demand table: a 200 that changes nothing, whose answer
# says UPDATING while DescribeTable stays ACTIVE (AWS, DDB-TABLE-156).  DynamoDB Local
# answers ACTIVE.
def test_pay_per_request_resent(ddb_url, target, table_name):
    name = table_name("ppr")
    gsi_table(ddb_url, name, ppr=True)
    r = ok(ddb_url, "UpdateTable", {"TableName": name, "BillingMode": "PAY_PER_REQUEST"})
    r = r["TableDescription"]
    assert r["TableStatus"] == aws_or_local(target, "UPDATING", local="ACTIVE")
    assert r["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert status(ddb_url, name) == "ACTIVE"


# PAY_PER_REQUEST sent while a switch from on-demand to provisioned is in progress: AWS takes
# it for a re-send of the mode still committed: 200, answered UPDATING as on-demand, and
# dropped (the switch to provisioned completes); a different throughput meanwhile is refused
# (DDB-TABLE-452).  The switch to on-demand answers without LastUpdateToPayPerRequestDateTime,
# which DescribeTable adds (DDB-TABLE-060/183).
def test_pay_per_request_during_switch_is_dropped(ddbchat_server):
    url = ddbchat_server(env={"DDBCHAT_UPDATE_DONE_DELAY_MS": str(DELAY_MS)}).ddb_url
    ok(url, "CreateTable", {
        "TableName": "flip", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    t0 = time.monotonic()
    ok(url, "UpdateTable", {"TableName": "flip", "BillingMode": "PROVISIONED",
                            "ProvisionedThroughput": pt(1, 1)})
    # the re-send and the refusal must come while the switch is still UPDATING (a re-send
    # after it would be a real switch back, and the assertions after it would be wrong)
    with within_window(t0, DELAY_MS / 1000):
        r = ok(url, "UpdateTable", {"TableName": "flip",
                                    "BillingMode": "PAY_PER_REQUEST"})["TableDescription"]
        assert r["TableStatus"] == "UPDATING"
        assert r["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert (r["ProvisionedThroughput"]["ReadCapacityUnits"],
                r["ProvisionedThroughput"]["WriteCapacityUnits"]) == (0, 0)
        err(url, "UpdateTable", {"TableName": "flip", "ProvisionedThroughput": pt(2, 2)},
            IN_USE, IOPS % "flip")
        assert time.monotonic() - t0 < DELAY_MS / 1000
    wait_active(url, "flip")
    d = ok(url, "DescribeTable", {"TableName": "flip"})["Table"]
    assert d["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 1
    # now a real switch to on-demand
    r = ok(url, "UpdateTable", {"TableName": "flip",
                                "BillingMode": "PAY_PER_REQUEST"})["TableDescription"]
    assert r["BillingModeSummary"] == {"BillingMode": "PAY_PER_REQUEST"}
    wait_active(url, "flip")
    d = ok(url, "DescribeTable", {"TableName": "flip"})["Table"]
    assert set(d["BillingModeSummary"]) == {"BillingMode", "LastUpdateToPayPerRequestDateTime"}


# A GSI's OnDemandThroughput Update of an on-demand table (AWS, ack-api-quirks DDB-TABLE-135,
# 2 s there): the index is UPDATING, the table ACTIVE, the new ceilings already described, and
# a second Update of the index meanwhile is ResourceInUseException "Index is being updated";
# once ACTIVE it goes through.  ddbchat kept the index ACTIVE (and, before 6c88c15, refused the
# Update without ProvisionedThroughput).
def test_gsi_on_demand_update_in_progress(ddbchat_server):
    delay_ms = 800  # a short window: the test stays around a second
    url = ddbchat_server(env={"DDBCHAT_UPDATE_DONE_DELAY_MS": str(delay_ms)}).ddb_url
    gsi_table(url, "godt", ppr=True)

    def upd(units):
        return {"TableName": "godt", "GlobalSecondaryIndexUpdates": [{"Update": {
            "IndexName": "gsi1", "OnDemandThroughput": {"MaxReadRequestUnits": units}}}]}
    t0 = time.monotonic()  # before the request: the server's window opens while it answers
    ok(url, "UpdateTable", upd(30))
    with within_window(t0, delay_ms / 1000):
        d = ok(url, "DescribeTable", {"TableName": "godt"})["Table"]
        assert (d["TableStatus"], gsi_of(d)["IndexStatus"]) == ("ACTIVE", "UPDATING")
        assert gsi_of(d)["OnDemandThroughput"] == {"MaxReadRequestUnits": 30}
        err(url, "UpdateTable", upd(40), IN_USE, "Attempt to change a resource which is still "
            "in use: Index is being updated. Table: godt Index: gsi1")
    deadline = time.monotonic() + 10
    while gsi_of(ok(url, "DescribeTable", {"TableName": "godt"})["Table"])["IndexStatus"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    ok(url, "UpdateTable", upd(40))
