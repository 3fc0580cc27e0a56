"""Concurrent table-metadata changes keep every change (src/api/op_table.c on the store's
store_table_alter: each change is one read-modify-write in one store transaction).

Round one read a table's metadata in one transaction and wrote it in another: 48 concurrent
TagResource calls, all answered 200, left 12 tags.  These tests are ddbchat-only: DynamoDB
Local has no tagging ("Tagging is not currently supported in DynamoDB Local."), and the
service itself refuses a second UpdateTable / UpdateTimeToLive while the table is UPDATING
(ResourceInUseException), where ddbchat applies such changes one after the other at once,
except an UpdateTable that meets a new index in its resource allocation phase (refused as
the service does, test_gsi_lifecycle.py): the racing calls retry that, as the SDKs advise.
"""
import json
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import make_table, raw_request


@pytest.fixture(scope="module")
def client(ddb_url):
    # one client for all threads (boto3 clients are thread-safe), no retries: a lost or
    # refused change must show
    return boto3.client("dynamodb", endpoint_url=ddb_url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(retries={"max_attempts": 1}, max_pool_connections=64))


def run_at_once(calls):
    """Runs each callable in its own thread, released together; returns their exceptions."""
    go = threading.Barrier(len(calls))
    errors = []

    def run(fn):
        go.wait()
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.requires_ddbchat
def test_48_concurrent_tag_resource_keep_48_tags(client, table_name):
    name = table_name("tagrace")
    arn = make_table(client, name)["TableArn"]
    calls = [lambda i=i: client.tag_resource(ResourceArn=arn,
                                             Tags=[{"Key": f"k{i:02d}", "Value": str(i)}])
             for i in range(48)]
    assert run_at_once(calls) == []
    tags = client.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert sorted(t["Key"] for t in tags) == [f"k{i:02d}" for i in range(48)]


def set_deletion_protection(url, name, on):
    # raw: this boto3's model may not know DeletionProtectionEnabled
    for _ in range(400):
        status, _, body = raw_request(url, {"TableName": name, "DeletionProtectionEnabled": on},
                                      target="DynamoDB_20120810.UpdateTable")
        if status != 400 or b"ResourceInUseException" not in body:
            break
        time.sleep(0.025)  # the table is UPDATING for the racing index create: try again
    assert status == 200, body


def when_not_updating(fn):
    """fn retried while it meets the table UPDATING (ResourceInUseException), as the SDKs
    advise: the racing index create makes it UPDATING for a moment, as on AWS."""
    def run():
        for _ in range(400):
            try:
                return fn()
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ResourceInUseException":
                    raise
            time.sleep(0.025)
        return fn()
    return run


@pytest.mark.requires_ddbchat
def test_concurrent_ttl_update_table_and_tags_all_kept(client, ddb_url, table_name):
    name = table_name("mixrace")
    arn = make_table(client, name, Tags=[{"Key": "old", "Value": "x"}])["TableArn"]
    calls = [lambda i=i: client.tag_resource(ResourceArn=arn,
                                             Tags=[{"Key": f"m{i:02d}", "Value": "v"}])
             for i in range(20)]
    calls += [
        lambda: client.untag_resource(ResourceArn=arn, TagKeys=["old"]),
        lambda: client.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}),
        lambda: set_deletion_protection(ddb_url, name, True),
        when_not_updating(lambda: client.update_table(TableName=name, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})),
        lambda: client.update_table(
            TableName=name, AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}}]),
    ]
    assert run_at_once(calls) == []
    tags = client.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert sorted(t["Key"] for t in tags) == [f"m{i:02d}" for i in range(20)]
    assert client.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    status, _, body = raw_request(ddb_url, {"TableName": name},
                                  target="DynamoDB_20120810.DescribeTable")
    d = json.loads(body)["Table"]
    assert d["DeletionProtectionEnabled"] is True
    assert d["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert [g["IndexName"] for g in d["GlobalSecondaryIndexes"]] == ["byg"]
    assert {a["AttributeName"] for a in d["AttributeDefinitions"]} == {"pk", "g"}
    set_deletion_protection(ddb_url, name, False)
