"""`ddbchat streams tail TABLE` (issue 11.6): embedded (--data-dir, also while a server runs on
the data dir) and through --endpoint (ddbchat or DynamoDB Local, per --target)."""
import json
import os
import select
import subprocess
import threading
import time

import pytest

from conftest import client_for, ddbchat_bin, make_table, stop_process
from faultproxy import FaultProxy
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


def test_latest_reads_no_history(ddb, ddb_url, table_name):
    """review30a F3: a LATEST tail (the default) takes each open shard's LATEST iterator and
    reads none of the history before it: through tests/e2e/faultproxy.py, with 2,500 records
    in the stream, `--no-follow` makes one GetRecords per open shard (its LATEST page) and
    prints nothing.  a6039cc4's start read each open shard from TRIM_HORIZON to an empty page
    first (here 4 GetRecords more: 2.5 s at 100,000 records, a day of a busy table on AWS in
    minutes)."""
    name = table_name("tail")
    arn = stream_table(ddb, name)
    for b in range(100):
        ddb.batch_write_item(RequestItems={name: [
            {"PutRequest": {"Item": {"pk": {"S": f"k{b}-{i}"}}}} for i in range(25)]})
    shards = streams_for(ddb_url).describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    n_open = len([s for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]])
    proxy = FaultProxy(ddb_url)
    try:
        r = tail(name, "--endpoint", proxy.url, "--no-follow", "--json")
        assert r.returncode == 0, r.stderr
        assert r.stdout == ""
        assert len(proxy.ops("GetRecords")) <= n_open, (n_open, proxy.log)
    finally:
        proxy.close()


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


def sharded_writes(ddb, name, n=64, keys=8, pause=0.04):
    """n puts over `keys` keys (value i in attribute n), paced so that a 1 s shard period
    rotates the shards while they go on; returns [(key, i)] in write order."""
    writes = []
    for i in range(n):
        k = f"k{i % keys}"
        ddb.put_item(TableName=name, Item={"pk": {"S": k}, "n": {"N": str(i)}})
        writes.append((k, i))
        time.sleep(pause)
    return writes


def assert_each_once_in_key_order(got, writes):
    assert sorted(got) == sorted(writes), "every record once"
    for k in {k for k, _ in writes}:
        assert [i for kk, i in got if kk == k] == [i for kk, i in writes if kk == k], k


# AWS: a stream has one open shard per partition, each its own lineage, and a shard is
# rotated (closed, a child opened) from time to time; a reader that follows one lineage misses
# the others' records.  tail reads every shard, a child only after its parent is read to its
# end, so each record comes once and each key's records in their order.  ddbchat only
# (--stream-shards: DynamoDB Local has one shard).  Failed before: 16 of 64 records printed (one lineage).
# The same across real splits (--stream-split-seconds: a shard closes and two children take
# its keys), the lineage AWS gives when partitions split.
SHARD_SHAPES = {"rotated": ("--stream-shards", "4", "--stream-shard-seconds", "1"),
                "split": ("--stream-split-seconds", "1")}


def assert_shape(st, arn, shape):
    """The stream went through its shape's change while it was written: rotations (more
    than the 4 roots) or splits (a closed shard with two children)."""
    shards = st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    if shape == "rotated":
        assert len(shards) > 4  # rotated while written
    else:
        parents = [s["ParentShardId"] for s in shards if "ParentShardId" in s]
        assert any(parents.count(p) == 2 for p in parents), "split while written"


@pytest.mark.parametrize("shape", sorted(SHARD_SHAPES))
def test_every_shard_of_a_sharded_stream(ddbchat_server, table_name, shape):
    srv = ddbchat_server(*SHARD_SHAPES[shape])
    ddb = client_for(srv.ddb_url)
    name = table_name("tail")
    stream_table(ddb, name)
    p = subprocess.Popen([ddbchat_bin(), "streams", "tail", name, "--endpoint", srv.ddb_url,
                          "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=remote_env())
    lines = []  # read by a thread: select() on the pipe misses lines already buffered
    reader = threading.Thread(target=lambda: lines.extend(iter(p.stdout.readline, "")),
                              daemon=True)
    reader.start()
    try:
        time.sleep(1.5)  # LATEST: the iterators are taken when tail starts
        writes = sharded_writes(ddb, name)
        deadline = time.time() + 30
        while len(lines) < len(writes) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # nothing more (no record twice)
    finally:
        stop_process(p)
    reader.join(5)
    got = [(d["Keys"]["pk"]["S"], int(d["NewImage"]["n"]["N"]))
           for d in (json.loads(line)["dynamodb"] for line in lines)]
    assert_shape(streams_for(srv.ddb_url),
                 ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"], shape)
    assert_each_once_in_key_order(got, writes)
    r = tail(name, "--endpoint", srv.ddb_url, "--from", "trim-horizon", "--json", "--no-follow")
    assert r.returncode == 0, r.stderr
    again = [(d["Keys"]["pk"]["S"], int(d["NewImage"]["n"]["N"]))
             for d in (json.loads(line)["dynamodb"] for line in r.stdout.splitlines())]
    assert_each_once_in_key_order(again, writes)
