"""`ddbchat streams tail TABLE` (issue 11.6): embedded (--data-dir, also while a server runs on
the data dir) and through --endpoint (ddbchat or DynamoDB Local, per --target)."""
import json
import os
import select
import subprocess
import time

import pytest

from conftest import client_for, ddbchat_bin, make_table, stop_process
from msg_fixtures import remote_env
from test_streams import read_all, streams_for


def as_wire(rec):
    """A record boto3 parsed, as the wire (and Lambda's event) has it: the creation time in
    epoch seconds."""
    d = dict(rec["dynamodb"])
    d["ApproximateCreationDateTime"] = int(d["ApproximateCreationDateTime"].timestamp())
    return dict(rec, dynamodb=d)


def stream_table(ddb, name):
    make_table(ddb, name, StreamSpecification={"StreamEnabled": True,
                                                "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def tail(*args, timeout=60):
    return subprocess.run([ddbchat_bin(), "streams", "tail", *args], capture_output=True,
                          text=True, timeout=timeout, env=remote_env())


def test_json_trim_horizon_no_follow(ddb, ddb_url, table_name):
    name = table_name("tail")
    arn = stream_table(ddb, name)
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "k1"}})
    r = tail(name, "--endpoint", ddb_url, "--from", "trim-horizon", "--json", "--no-follow")
    assert r.returncode == 0, r.stderr
    got = [json.loads(line) for line in r.stdout.splitlines()]
    # exactly GetRecords' records
    assert got == [as_wire(r) for r in read_all(streams_for(ddb_url), arn)]
    assert [(g["eventName"], g["dynamodb"]["Keys"]["pk"]["S"]) for g in got] == [
        ("INSERT", "k0"), ("INSERT", "k1"), ("INSERT", "k2"), ("REMOVE", "k1")]
    # text: one line per record
    r = tail(name, "--endpoint", ddb_url, "--from", "trim-horizon", "--no-follow")
    lines = r.stdout.splitlines()
    assert len(lines) == 4 and " INSERT " in lines[0] and '{"pk":{"S":"k0"}}' in lines[0]
    # latest + no-follow: nothing written since
    r = tail(name, "--endpoint", ddb_url, "--no-follow", "--json")
    assert r.returncode == 0 and r.stdout == ""


def test_follow_prints_new_records(ddb, ddb_url, table_name):
    name = table_name("tail")
    stream_table(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "old"}})
    p = subprocess.Popen([ddbchat_bin(), "streams", "tail", name, "--endpoint", ddb_url,
                          "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=remote_env())
    try:
        time.sleep(1.5)  # LATEST: the iterator is taken when tail starts
        got = []
        deadline = time.time() + 30
        n = 0
        while len(got) < 3 and time.time() < deadline:
            if n < 3:
                ddb.put_item(TableName=name, Item={"pk": {"S": f"new{n}"}})
                n += 1
            ready, _, _ = select.select([p.stdout], [], [], 0.5)
            if ready:
                got.append(json.loads(p.stdout.readline()))
        assert [g["dynamodb"]["Keys"]["pk"]["S"] for g in got] == ["new0", "new1", "new2"]
    finally:
        stop_process(p)
    assert p.returncode == 0, p.stderr.read()


def test_embedded_while_serving(ddbchat_server, table_name):
    srv = ddbchat_server()
    ddb = client_for(srv.ddb_url)
    name = table_name("tail")
    stream_table(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET x = :x",
                    ExpressionAttributeValues={":x": {"S": "y"}})
    r = tail(name, "--data-dir", srv.data_dir, "--from", "trim-horizon", "--json",
             "--no-follow")
    assert r.returncode == 0, r.stderr
    got = [json.loads(line) for line in r.stdout.splitlines()]
    assert [g["eventName"] for g in got] == ["INSERT", "MODIFY"]
    assert got[1]["dynamodb"]["NewImage"]["x"] == {"S": "y"}


def test_errors(ddb, ddb_url, table_name):
    name = table_name("tail")
    make_table(ddb, name)  # no stream
    r = tail(name, "--endpoint", ddb_url, "--no-follow")
    assert r.returncode == 1 and "has no stream" in r.stderr
    r = tail("no-such-table-xyz", "--endpoint", ddb_url, "--no-follow")
    assert r.returncode == 1 and r.stderr.startswith("ddbchat streams tail: ")
    assert tail().returncode == 2
    assert tail(name, "--from", "oldest").returncode == 2
