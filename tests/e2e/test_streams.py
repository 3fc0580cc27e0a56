"""DynamoDB Streams on the DynamoDB endpoint's port (boto3's `dynamodbstreams` client).

Every write path writes one record per changed item, in commit order, shaped as DynamoDB
writes it; every view type; iterator types; paging; disable and re-enable; the API's errors.
Runs against ddbchat and against DynamoDB Local with the same expectations; where DynamoDB
Local differs from AWS the test follows AWS and names Local's deviation (aws_or_local).
Tests that need ddbchat's short test periods (iterator lifetime, shard rollover, trimming,
TTL) start their own ddbchat.
"""
import json
import re
import time
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import assert_wrong_token_answer, aws_or_local, client_for, make_table, raw_request

SEQ_RE = re.compile(r"\d{21,40}")
SHARD_RE = re.compile(r"shardId-\d{20}-[0-9a-f]{8}")
LABEL_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}")


def streams_for(url):
    return boto3.client(
        "dynamodbstreams", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=60))


@pytest.fixture(scope="module")
def streams(ddb_url):
    return streams_for(ddb_url)


def stream_table(ddb, name, view="NEW_AND_OLD_IMAGES", range_=None, **extra):
    make_table(ddb, name, range=range_,
               StreamSpecification={"StreamEnabled": True, "StreamViewType": view}, **extra)
    return ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def read_all(streams, arn, itype="TRIM_HORIZON", limit=None):
    """Every record of every shard, following NextShardIterator until a page comes back
    empty (an open shard) or there is no next iterator (a closed one)."""
    out = []
    for sh in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                        ShardIteratorType=itype)["ShardIterator"]
        while it:
            kw = {"Limit": limit} if limit else {}
            r = streams.get_records(ShardIterator=it, **kw)
            out += r["Records"]
            if not r["Records"]:
                break
            it = r.get("NextShardIterator")
    return out


def first_shard_iterator(streams, arn, itype="TRIM_HORIZON"):
    """The stream's first shard's id and an iterator of it."""
    sid = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    return sid, streams.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                           ShardIteratorType=itype)["ShardIterator"]


def err_of(fn, **kw):
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    return ei.value.response["Error"]["Code"], ei.value.response["Error"]["Message"]


def summary(records):
    return [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records]


# ---- the table side ------------------------------------------------------------------

def test_describe_table_stream_fields(ddb, table_name):
    name = table_name()
    arn = stream_table(ddb, name, "NEW_IMAGE")
    t = ddb.describe_table(TableName=name)["Table"]
    assert t["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert LABEL_RE.fullmatch(t["LatestStreamLabel"])
    assert arn == t["TableArn"] + "/stream/" + t["LatestStreamLabel"]


def test_disable_and_reenable(ddb, streams, table_name, target):
    name = table_name()
    arn1 = stream_table(ddb, name, "KEYS_ONLY")
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    code = err_of(ddb.update_table, TableName=name,
                  StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    # the service's texts name the table (test_tables test_update_table_stream); Local's not
    assert code == ("ValidationException", aws_or_local(
        target, f"Table already has an enabled stream: TableName: {name}",
        local="Table already has an enabled stream"))
    d = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in d["TableDescription"]
    t = ddb.describe_table(TableName=name)["Table"]
    assert "StreamSpecification" not in t
    assert t["LatestStreamArn"] == arn1  # the latest stream is still named
    sd = streams.describe_stream(StreamArn=arn1)["StreamDescription"]
    assert sd["StreamStatus"] == "DISABLED"
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in sd["Shards"])
    # the disabled stream stays readable; nothing new is written to it
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})
    assert summary(read_all(streams, arn1)) == [("INSERT", "a")]
    assert err_of(ddb.update_table, TableName=name,
                  StreamSpecification={"StreamEnabled": False}) == (
        "ValidationException", aws_or_local(target, f"Table has no stream to disable: "
                                            f"TableName: {name}",
                                            local="Table has no stream to disable"))
    time.sleep(0.01)
    d = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True,
                                                               "StreamViewType": "NEW_IMAGE"})
    arn2 = d["TableDescription"]["LatestStreamArn"]
    assert arn2 != arn1
    assert d["TableDescription"]["StreamSpecification"] == {"StreamEnabled": True,
                                                            "StreamViewType": "NEW_IMAGE"}
    ddb.put_item(TableName=name, Item={"pk": {"S": "c"}})
    assert summary(read_all(streams, arn2)) == [("INSERT", "c")]
    # the old stream stays readable after the new one was created, and unchanged
    assert summary(read_all(streams, arn1)) == [("INSERT", "a")]
    assert streams.describe_stream(StreamArn=arn1)["StreamDescription"]["StreamStatus"] == "DISABLED"
    listed = streams.list_streams(TableName=name)["Streams"]
    assert [s["StreamArn"] for s in listed] == [arn2, arn1]  # newest first
    assert streams.describe_stream(StreamArn=arn2)["StreamDescription"]["StreamStatus"] == "ENABLED"
    # a deleted table's streams stay readable, disabled
    ddb.delete_table(TableName=name)
    sd = streams.describe_stream(StreamArn=arn2)["StreamDescription"]
    assert sd["StreamStatus"] == "DISABLED"
    assert summary(read_all(streams, arn2)) == [("INSERT", "c")]


# ---- records ---------------------------------------------------------------------------

def test_stream_change_answers_updating(ddb, table_name, target):
    """UpdateTable that enables or disables a stream answers TableStatus UPDATING, as AWS
    does for every change it starts (four of LocalStack's AWS-validated snapshots: enable and
    disable, 2023-2025); the table itself is ACTIVE at once (ddbchat keeps it UPDATING only
    under --table-delay), so DescribeTable right after says ACTIVE and the stream is there.
    DynamoDB Local answers ACTIVE."""
    name = table_name()
    make_table(ddb, name)
    d = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True,
                                                              "StreamViewType": "KEYS_ONLY"})
    assert d["TableDescription"]["TableStatus"] == aws_or_local(target, "UPDATING",
                                                                local="ACTIVE")
    t = ddb.describe_table(TableName=name)["Table"]
    assert t["TableStatus"] == "ACTIVE" and t["StreamSpecification"]["StreamEnabled"]
    d = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert d["TableDescription"]["TableStatus"] == aws_or_local(target, "UPDATING",
                                                                local="ACTIVE")
    assert ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


def test_record_shape(ddb, streams, table_name, target):
    name = table_name()
    arn = stream_table(ddb, name, "NEW_AND_OLD_IMAGES")
    t0 = time.time()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    t1 = time.time()
    recs = read_all(streams, arn)
    assert [r["eventName"] for r in recs] == ["INSERT", "MODIFY", "REMOVE"]
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in recs]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    ids = set()
    for r in recs:
        assert set(r) == {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion",
                          "dynamodb"}
        assert r["eventVersion"] == "1.1" and r["eventSource"] == "aws:dynamodb"
        assert r["awsRegion"] == aws_or_local(target, "us-east-1", local="ddblocal")
        ids.add(r["eventID"])
        d = r["dynamodb"]
        assert SEQ_RE.fullmatch(d["SequenceNumber"])
        assert d["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert d["Keys"] == {"pk": {"S": "a"}}
        # AWS: seconds; DynamoDB Local rounds down to the minute
        ts = d["ApproximateCreationDateTime"].timestamp()
        assert t0 - 61 <= ts <= t1 + 1
    assert len(ids) == 3
    ins, mod, rem = (r["dynamodb"] for r in recs)
    assert ins["NewImage"] == {"pk": {"S": "a"}, "v": {"N": "1"}} and "OldImage" not in ins
    assert mod["NewImage"]["v"] == {"N": "2"} and mod["OldImage"]["v"] == {"N": "1"}
    assert rem["OldImage"]["v"] == {"N": "2"} and "NewImage" not in rem
    # SizeBytes: keys plus the images, by DynamoDB's item size
    assert [d["SizeBytes"] for d in (ins, mod, rem)] == [9, 15, 9]


@pytest.mark.parametrize("view", ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"])
def test_view_types(ddb, streams, table_name, view):
    name = table_name()
    arn = stream_table(ddb, name, view, range_=("sk", "N"))
    key = {"pk": {"S": "k"}, "sk": {"N": "1"}}
    ddb.put_item(TableName=name, Item={**key, "x": {"S": "one"}})
    ddb.update_item(TableName=name, Key=key, UpdateExpression="SET x = :v",
                    ExpressionAttributeValues={":v": {"S": "two"}})
    ddb.delete_item(TableName=name, Key=key)
    recs = read_all(streams, arn)
    assert [r["eventName"] for r in recs] == ["INSERT", "MODIFY", "REMOVE"]
    new = view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    old = view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    for r, has_new, has_old in zip(recs, (new, new, False), (False, old, old)):
        d = r["dynamodb"]
        assert d["Keys"] == key and d["StreamViewType"] == view
        assert ("NewImage" in d) == has_new
        assert ("OldImage" in d) == has_old
    if new:
        assert recs[1]["dynamodb"]["NewImage"]["x"] == {"S": "two"}
    if old:
        assert recs[1]["dynamodb"]["OldImage"]["x"] == {"S": "one"}


def test_every_write_path(ddb, streams, table_name):
    name, other = table_name(), table_name()
    arn = stream_table(ddb, name, "NEW_AND_OLD_IMAGES")
    make_table(ddb, other)  # no stream: its writes write nothing
    S = lambda v: {"S": v}  # noqa: E731
    ddb.put_item(TableName=name, Item={"pk": S("put")})
    ddb.update_item(TableName=name, Key={"pk": S("upd")}, UpdateExpression="SET a = :a",
                    ExpressionAttributeValues={":a": S("1")})
    ddb.delete_item(TableName=name, Key={"pk": S("put")})
    ddb.batch_write_item(RequestItems={
        name: [{"PutRequest": {"Item": {"pk": S("b1")}}},
               {"PutRequest": {"Item": {"pk": S("b2")}}},
               {"DeleteRequest": {"Key": {"pk": S("upd")}}}],
        other: [{"PutRequest": {"Item": {"pk": S("elsewhere")}}}]})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": S("t1")}}},
        {"Update": {"TableName": name, "Key": {"pk": S("b1")}, "UpdateExpression": "SET a = :a",
                    "ExpressionAttributeValues": {":a": S("2")}}},
        {"Delete": {"TableName": name, "Key": {"pk": S("b2")}}},
        {"ConditionCheck": {"TableName": name, "Key": {"pk": S("t1x")},
                            "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Put": {"TableName": other, "Item": {"pk": S("elsewhere2")}}}])
    ddb.execute_statement(Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': 'p1'}}")
    ddb.execute_statement(Statement=f"UPDATE \"{name}\" SET a = 'x' WHERE pk = 'p1'")
    ddb.execute_statement(Statement=f"DELETE FROM \"{name}\" WHERE pk = 't1'")
    got = read_all(streams, arn)
    # batch and transaction members: one record each; order within one call is the
    # service's own (not asserted), calls follow each other
    assert summary(got[:3]) == [("INSERT", "put"), ("INSERT", "upd"), ("REMOVE", "put")]
    assert sorted(summary(got[3:6])) == [("INSERT", "b1"), ("INSERT", "b2"), ("REMOVE", "upd")]
    assert sorted(summary(got[6:9])) == [("INSERT", "t1"), ("MODIFY", "b1"), ("REMOVE", "b2")]
    assert summary(got[9:]) == [("INSERT", "p1"), ("MODIFY", "p1"), ("REMOVE", "t1")]
    mod = [r for r in got if r["eventName"] == "MODIFY" and r["dynamodb"]["Keys"]["pk"] == S("b1")]
    assert mod[0]["dynamodb"]["OldImage"] == {"pk": S("b1")}
    assert mod[0]["dynamodb"]["NewImage"] == {"pk": S("b1"), "a": S("2")}


def test_no_record_for_failed_or_unchanged_writes(ddb, streams, table_name):
    name = table_name()
    arn = stream_table(ddb, name, "NEW_AND_OLD_IMAGES")
    item = {"pk": {"S": "a"}, "n": {"N": "1"}, "s": {"SS": ["x", "y"]}}
    ddb.put_item(TableName=name, Item=item)
    # the same item again (set order differs): nothing changed, no record
    ddb.put_item(TableName=name, Item={**item, "s": {"SS": ["y", "x"]}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "1.0"}})
    # deleting an absent item changes nothing
    ddb.delete_item(TableName=name, Key={"pk": {"S": "absent"}})
    # failed conditions write nothing
    with pytest.raises(ClientError):
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, ConditionExpression="n = :z",
                     ExpressionAttributeValues={":z": {"N": "9"}})
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "t"}}}},
            {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "a"}},
                                "ConditionExpression": "attribute_not_exists(pk)"}}])
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})
    assert summary(read_all(streams, arn)) == [("INSERT", "a"), ("INSERT", "b")]


# ---- iterators and paging ---------------------------------------------------------------

def test_iterator_types_and_paging(ddb, streams, table_name):
    name = table_name()
    arn = stream_table(ddb, name, "KEYS_ONLY")
    for i in range(7):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    assert SHARD_RE.fullmatch(shard["ShardId"])
    assert "ParentShardId" not in shard and "EndingSequenceNumber" not in shard["SequenceNumberRange"]
    sid = shard["ShardId"]
    allr = read_all(streams, arn, limit=3)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in allr] == [f"k{i}" for i in range(7)]
    seqs = [r["dynamodb"]["SequenceNumber"] for r in allr]
    it = lambda t, **kw: streams.get_shard_iterator(  # noqa: E731
        StreamArn=arn, ShardId=sid, ShardIteratorType=t, **kw)["ShardIterator"]
    r = streams.get_records(ShardIterator=it("AT_SEQUENCE_NUMBER", SequenceNumber=seqs[2]),
                            Limit=2)
    assert [x["dynamodb"]["SequenceNumber"] for x in r["Records"]] == seqs[2:4]
    r = streams.get_records(ShardIterator=it("AFTER_SEQUENCE_NUMBER", SequenceNumber=seqs[2]),
                            Limit=2)
    assert [x["dynamodb"]["SequenceNumber"] for x in r["Records"]] == seqs[3:5]
    # LATEST: only what comes after
    latest = it("LATEST")
    r = streams.get_records(ShardIterator=latest)
    assert r["Records"] == [] and r["NextShardIterator"]
    ddb.put_item(TableName=name, Item={"pk": {"S": "late"}})
    r = streams.get_records(ShardIterator=r["NextShardIterator"])
    assert summary(r["Records"]) == [("INSERT", "late")]
    # an iterator may be used again (it names a position)
    r2 = streams.get_records(ShardIterator=latest)
    assert summary(r2["Records"]) == [("INSERT", "late")]


def test_get_records_limit_and_1mb_cap(ddb, streams, table_name, target):
    # AWS: "GetRecords can retrieve a maximum of 1 MB of data or 1000 stream records,
    # whichever comes first" (API Reference, GetRecords); Limit's default is that maximum.
    name = table_name()
    arn = stream_table(ddb, name, "NEW_IMAGE")
    big = "z" * 300_000
    for i in range(5):  # each record's SizeBytes a little over 300,000
        ddb.put_item(TableName=name, Item={"pk": {"S": f"b{i}"}, "v": {"S": big}})
    sid = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    first = streams.get_records(ShardIterator=it)
    sizes = [r["dynamodb"]["SizeBytes"] for r in first["Records"]]
    assert all(300_000 < n < 300_100 for n in sizes)
    # DynamoDB Local has no size cap: all five (1.5 MB) in one reply
    assert len(sizes) == aws_or_local(target, 3, local=5)
    if target != "dynamodb-local":
        assert sum(sizes) <= 1024 * 1024
    rest = streams.get_records(ShardIterator=first["NextShardIterator"])["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in first["Records"] + rest] == [
        f"b{i}" for i in range(5)]
    # Limit: at most that many; the rest follows from NextShardIterator
    page = streams.get_records(ShardIterator=it, Limit=2)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in page["Records"]] == ["b0", "b1"]


def test_list_streams_paging(ddb, streams, table_name):
    names = [table_name("ls") for _ in range(3)]
    arns = [stream_table(ddb, n, "KEYS_ONLY") for n in names]
    seen, esa = [], None
    for _ in range(50):
        kw = {"ExclusiveStartStreamArn": esa} if esa else {}
        page = streams.list_streams(Limit=1, **kw)
        assert len(page["Streams"]) <= 1
        seen += [s["StreamArn"] for s in page["Streams"]]
        esa = page.get("LastEvaluatedStreamArn")
        if not esa:
            break
    assert set(arns) <= set(seen)
    one = streams.list_streams(TableName=names[1])["Streams"]
    assert one == [{"StreamArn": arns[1], "TableName": names[1],
                    "StreamLabel": arns[1].rsplit("/", 1)[1]}]
    # A TableName naming no table lists nothing.  AWS's own answer is not captured anywhere we
    # found (the API Reference lists ResourceNotFoundException for ListStreams without saying
    # when); DynamoDB Local, AWS's own emulator, and Dynoxide answer an empty list, which
    # ddbchat keeps until a capture says otherwise.
    assert streams.list_streams(TableName="no_such_table_x")["Streams"] == []


def test_describe_stream_shape(ddb, streams, table_name):
    name = table_name()
    arn = stream_table(ddb, name, "OLD_IMAGE", range_=("sk", "S"))
    sd = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert sd["StreamArn"] == arn and sd["TableName"] == name
    assert sd["StreamLabel"] == arn.rsplit("/", 1)[1]
    assert sd["StreamStatus"] == "ENABLED" and sd["StreamViewType"] == "OLD_IMAGE"
    assert sd["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                               {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert "CreationRequestDateTime" in sd and "LastEvaluatedShardId" not in sd


# DescribeStream's ShardFilter {"Type": "CHILD_SHARDS", "ShardId": P} lists P's children
# (API Reference, ShardFilter); a one-shard stream's shard has none, and a P the stream does
# not have has none, on both targets.  A filter without ShardId: AWS's documents do not say
# (moto and LocalStack's own provider ignore ShardFilter: every shard); ddbchat answers every
# shard (nothing to filter by), DynamoDB Local no shard (measured 2026-12-06) -- AWS's answer
# is not captured, so each target is held to its own until it is.
def test_shard_filter_on_both_targets(ddb, ddb_url, table_name, target):
    name = table_name()
    arn = stream_table(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})

    def shards(**kw):
        status, _, body = raw_request(ddb_url, dict(StreamArn=arn, **kw),
                                      target="DynamoDBStreams_20120810.DescribeStream")
        assert status == 200, body
        return json.loads(body)["StreamDescription"]["Shards"]

    every = shards()
    assert len(every) == 1
    own = every[0]["ShardId"]
    assert shards(ShardFilter={"Type": "CHILD_SHARDS", "ShardId": own}) == []
    assert shards(ShardFilter={"Type": "CHILD_SHARDS", "ShardId": own[:-8] + "00000000"}) == []
    # without a ShardId: no shard (DynamoDB Local; AWS's documents say nothing, moto and
    # LocalStack ignore the filter and answer every shard)
    assert shards(ShardFilter={"Type": "CHILD_SHARDS"}) == []


# ---- errors ---------------------------------------------------------------------------

def test_errors(ddb, streams, table_name, target):
    name = table_name()
    arn = stream_table(ddb, name, "KEYS_ONLY")
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    sid = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    gone = arn[:-3] + "999"
    assert err_of(streams.describe_stream, StreamArn=gone) == (
        "ResourceNotFoundException", f"Requested resource not found: Stream: {gone} not found")
    assert err_of(streams.get_shard_iterator, StreamArn=arn,
                  ShardId="shardId-00000000000000000000-00000000",
                  ShardIteratorType="LATEST") == ("ResourceNotFoundException",
                                                  "Shard does not exist")
    assert err_of(streams.get_shard_iterator, StreamArn=arn, ShardId=sid,
                  ShardIteratorType="AT_SEQUENCE_NUMBER") == (
        "ValidationException", "One or more parameter values were invalid: Invalid SequenceNumber")
    # a number before the shard's first: DynamoDB Local's text (ddbchat's was "One or more
    # parameter values were invalid: Invalid SequenceNumber for this shard")
    assert err_of(streams.get_shard_iterator, StreamArn=arn, ShardId=sid,
                  ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber="0" * 21) == (
        "ValidationException", "Invalid SequenceNumber for the shard")
    assert err_of(streams.get_shard_iterator, StreamArn=arn, ShardId=sid,
                  ShardIteratorType="TRIM_HORIZON", SequenceNumber="1" * 21) == (
        "ValidationException", "One or more parameter values were invalid: SequenceNumber should "
        "not be passed for this iterator type")
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    tampered = it[:-1] + ("0" if it[-1] != "0" else "1")
    if target != "dynamodb-local":  # Local's iterators are plain base64 (shard|seq|time):
        # a changed one may still be accepted; AWS's (and ours) are tamper-evident
        assert err_of(streams.get_records, ShardIterator=tampered) == (
            "ValidationException", "Invalid ShardIterator")
        # the text before the MAC'd part is covered too (the iterator is one opaque value)
        assert err_of(streams.get_records, ShardIterator="junk" + it[it.index("|"):]) == (
            "ValidationException", "Invalid ShardIterator")
    assert err_of(streams.get_records, ShardIterator="garbage") == (
        "ValidationException", "Invalid ShardIterator")
    assert err_of(streams.get_records, ShardIterator=it, Limit=1001) == (
        "ValidationException",
        "One or more parameter values were invalid: Limit should be less than or equal to 1000")
    assert err_of(streams.describe_stream, StreamArn=arn, Limit=101) == (
        "ValidationException",
        "One or more parameter values were invalid: Limit cannot be greater than the maximum: 100")
    assert err_of(streams.list_streams, Limit=101) == (
        "ValidationException", "One or more parameter values were invalid: Limit cannot be "
        "greater than the maximum allowed size: 100")


# GetShardIterator's own answers, in DynamoDB Local's order and words (AWS's documents give
# neither; Local is AWS's own build): whether a SequenceNumber is given is checked against the
# iterator type before the stream and shard are looked up (its value after), and a stream it
# cannot find "does not exist" (not DescribeStream's "Requested resource not found: Stream:
# ... not found").  GetRecords reads its iterator before its Limit.  ddbchat looked the stream and shard up first, answered
# DescribeStream's text, and refused Limit before a garbage iterator.
def test_error_order(ddb, streams, table_name):
    name = table_name()
    arn = stream_table(ddb, name, "KEYS_ONLY")
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    sid = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    seq = read_all(streams, arn)[0]["dynamodb"]["SequenceNumber"]
    gone, missing = arn[:-3] + "999", sid[:-8] + "00000000"
    not_wanted = ("ValidationException", "One or more parameter values were invalid: "
                  "SequenceNumber should not be passed for this iterator type")
    invalid_seq = ("ValidationException",
                   "One or more parameter values were invalid: Invalid SequenceNumber")
    for a, s in ((arn, missing), (gone, sid)):
        assert err_of(streams.get_shard_iterator, StreamArn=a, ShardId=s,
                      ShardIteratorType="LATEST", SequenceNumber=seq) == not_wanted
        assert err_of(streams.get_shard_iterator, StreamArn=a, ShardId=s,
                      ShardIteratorType="AT_SEQUENCE_NUMBER") == invalid_seq
    # the number's value is read after the lookup: its stream and shard are answered first
    assert err_of(streams.get_shard_iterator, StreamArn=arn, ShardId=missing,
                  ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber="0" * 21) == (
        "ResourceNotFoundException", "Shard does not exist")
    assert err_of(streams.get_shard_iterator, StreamArn=gone, ShardId=sid,
                  ShardIteratorType="TRIM_HORIZON") == ("ResourceNotFoundException",
                                                        "Stream does not exist")
    assert err_of(streams.get_records, ShardIterator="garbage", Limit=1001) == (
        "ValidationException", "Invalid ShardIterator")


# A StreamArn of another region, account or partition names no stream of this endpoint's:
# DescribeStream and GetShardIterator answer it not found (DynamoDB Local's answers; AWS's
# streams are regional and an account's own).  ddbchat matched the table and label alone and
# described the stream, and GetShardIterator issued an iterator naming the foreign ARN.
def test_stream_arn_of_another_region_or_account(ddb, streams, table_name):
    name = table_name()
    arn = stream_table(ddb, name, "KEYS_ONLY")
    sid = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    f = arn.split(":")
    for i, other in ((1, "aws-cn"), (3, "eu-west-9"), (4, "111111111111")):
        foreign = ":".join(f[:i] + [other] + f[i + 1:])
        assert err_of(streams.describe_stream, StreamArn=foreign) == (
            "ResourceNotFoundException", f"Requested resource not found: Stream: {foreign} not found")
        assert err_of(streams.get_shard_iterator, StreamArn=foreign, ShardId=sid,
                      ShardIteratorType="LATEST") == ("ResourceNotFoundException",
                                                      "Stream does not exist")


def test_unknown_operation_under_each_prefix(ddb_url):
    from conftest import raw_request
    r = raw_request(ddb_url, b"{}", target="DynamoDBStreams_20120810.ListTables")
    assert r[0] == 400 and b"UnknownOperationException" in r[2]
    r = raw_request(ddb_url, b"{}", target="DynamoDB_20120810.ListStreams")
    assert r[0] == 400 and b"UnknownOperationException" in r[2]


# ---- ddbchat's own test periods ------------------------------------------------------------

def test_iterator_expires(ddbchat_server):
    srv = ddbchat_server("--stream-iterator-seconds", "1")
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    arn = stream_table(ddb, "exp", "KEYS_ONLY")
    sid = st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = st.get_shard_iterator(StreamArn=arn, ShardId=sid,
                               ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    time.sleep(1.3)
    code, msg = err_of(st.get_records, ShardIterator=it)
    assert code == "ExpiredIteratorException"
    assert msg.startswith("Iterator expired. The iterator was created at time ")
    assert msg.endswith("which is further in the future than the tolerated delay of 1000 "
                        "milliseconds.")


def test_iterator_age_through_clock_steps(ddbchat_server, tmp_path):
    """An iterator lives 15 minutes from its issue (here --stream-iterator-seconds 3; API
    Reference, GetShardIterator: "A shard iterator expires 15 minutes after it is returned
    to the requester"), whatever the server's wall clock does meanwhile (libfaketime): a step
    an hour forward leaves a fresh iterator usable, a step two hours back still ends the
    next one's life 3 s on.  Failed before (ages on the wall clock): the forward step
    expired the fresh iterator (ExpiredIteratorException), and after the backward step the
    next one was still read 3.5 s on."""
    from conftest import faketime_env
    clock = tmp_path / "clock"
    clock.write_text("+0\n")
    srv = ddbchat_server("--stream-iterator-seconds", "3", env=faketime_env(clock))
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    arn = stream_table(ddb, "steps", "KEYS_ONLY")
    sid = st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = st.get_shard_iterator(StreamArn=arn, ShardId=sid,
                               ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    clock.write_text("+1h\n")
    time.sleep(0.2)
    it = st.get_records(ShardIterator=it)["NextShardIterator"]
    clock.write_text("-1h\n")
    time.sleep(3.5)
    code, _ = err_of(st.get_records, ShardIterator=it)
    assert code == "ExpiredIteratorException"


def test_iterator_across_restarts(ddbchat_server, tmp_path):
    """An iterator is a token a client may hold across a server restart: its MAC key is kept
    in the data dir and it carries its wall-clock issue time, so one issued before a restart
    is read after it.  One issued before a restart with the wall clock stepped back an hour
    (libfaketime) is more than its lifetime in the new process's future: its age is unknown
    and it is expired (ExpiredIteratorException; a client gets a new one from its last
    sequence number), rather than living on for the hour."""
    from conftest import faketime_env
    clock = tmp_path / "clock"
    clock.write_text("+0\n")
    env, data = faketime_env(clock), str(tmp_path / "data")
    srv = ddbchat_server("--stream-iterator-seconds", "600", env=env, data_dir=data)
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    arn = stream_table(ddb, "restarts", "KEYS_ONLY")
    ddb.put_item(TableName="restarts", Item={"pk": {"S": "a"}})
    sid = st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = st.get_shard_iterator(StreamArn=arn, ShardId=sid,
                               ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    srv.stop()
    srv = ddbchat_server("--stream-iterator-seconds", "600", env=env, data_dir=data)
    st = streams_for(srv.ddb_url)
    r = st.get_records(ShardIterator=it)
    assert [x["dynamodb"]["Keys"] for x in r["Records"]] == [{"pk": {"S": "a"}}]
    srv.stop()
    clock.write_text("-1h\n")
    srv = ddbchat_server("--stream-iterator-seconds", "600", env=env, data_dir=data)
    st = streams_for(srv.ddb_url)
    code, _ = err_of(st.get_records, ShardIterator=r["NextShardIterator"])
    assert code == "ExpiredIteratorException"


def test_latest_iterators_across_a_restart_see_what_came_before_it(ddbchat_server, tmp_path):
    """A LATEST iterator is the shard's tip when it is issued: every record written after it,
    here also before a restart of the server, is read with it after the restart, on each of
    the 4 shards of a ranged stream (--stream-shards 4), none twice, none of the history
    before it (API Reference, GetShardIterator: LATEST "Start reading just after the most
    recent stream record in the shard").  The restart neither narrows the iterator's
    position (the sequence counter is stored, not recomputed from the records kept) nor
    moves the shards (their ranges are the same before and after)."""
    data = str(tmp_path / "data")
    srv = ddbchat_server("--stream-shards", "4", data_dir=data)
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    arn = stream_table(ddb, "latest", "KEYS_ONLY")
    for i in range(8):
        ddb.put_item(TableName="latest", Item={"pk": {"S": f"old{i}"}})
    shards = st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert len(shards) == 4
    its = [st.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                 ShardIteratorType="LATEST")["ShardIterator"] for sh in shards]
    for i in range(16):
        ddb.put_item(TableName="latest", Item={"pk": {"S": f"new{i}"}})
    srv.stop()
    srv = ddbchat_server("--stream-shards", "4", data_dir=data)
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    ddb.put_item(TableName="latest", Item={"pk": {"S": "after"}})
    assert st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"] == shards
    got, per_shard = [], []
    for it in its:
        r = st.get_records(ShardIterator=it)
        keys = [x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]]
        per_shard.append(keys)
        got += keys
        assert r["NextShardIterator"]  # the shards are open
    assert sorted(got) == sorted([f"new{i}" for i in range(16)] + ["after"])
    assert sum(1 for k in per_shard if k) > 1  # the keys spread over the shards


def test_iterators_across_table_deletion_and_recreation(ddbchat_server):
    """DeleteTable leaves the table's stream DISABLED, readable until it expires (API
    Reference, DeleteTable: "the stream is automatically deleted after 24 hours"; 5 s here):
    an iterator taken before the deletion reads the old records, a LATEST one ends at the
    closed shard (no NextShardIterator), and the table created again under the same name has
    a stream of its own (another label and ARN, other shards: the old shard under the new ARN,
    and the new under the old, are "Shard does not exist").  Once the old stream has expired
    its ARN and iterators are not found (DescribeStream's, GetShardIterator's and
    GetRecords' ResourceNotFoundException texts), and the new stream goes on."""
    srv = ddbchat_server("--stream-retention-seconds", "5")
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    arn = stream_table(ddb, "again", "KEYS_ONLY")
    ddb.put_item(TableName="again", Item={"pk": {"S": "old"}})
    sid, th = first_shard_iterator(st, arn)
    latest = st.get_shard_iterator(StreamArn=arn, ShardId=sid,
                                   ShardIteratorType="LATEST")["ShardIterator"]
    ddb.delete_table(TableName="again")
    r = st.get_records(ShardIterator=latest)
    assert r["Records"] == [] and "NextShardIterator" not in r  # the closed shard's end
    arn2 = stream_table(ddb, "again", "KEYS_ONLY")
    assert arn2 != arn
    ddb.put_item(TableName="again", Item={"pk": {"S": "new"}})
    assert summary(st.get_records(ShardIterator=th)["Records"]) == [("INSERT", "old")]
    assert st.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    sid2 = st.describe_stream(StreamArn=arn2)["StreamDescription"]["Shards"][0]["ShardId"]
    assert sid2 != sid
    for a, s in ((arn2, sid), (arn, sid2)):
        assert err_of(st.get_shard_iterator, StreamArn=a, ShardId=s,
                      ShardIteratorType="TRIM_HORIZON") == ("ResourceNotFoundException",
                                                            "Shard does not exist")
    deadline = time.time() + 60
    while arn in [x["StreamArn"] for x in st.list_streams(TableName="again")["Streams"]]:
        assert time.time() < deadline, "the old stream did not expire"
        time.sleep(0.2)
    assert err_of(st.describe_stream, StreamArn=arn) == (
        "ResourceNotFoundException", f"Requested resource not found: Stream: {arn} not found")
    assert err_of(st.get_shard_iterator, StreamArn=arn, ShardId=sid,
                  ShardIteratorType="TRIM_HORIZON") == ("ResourceNotFoundException",
                                                        "Stream does not exist")
    assert err_of(st.get_records, ShardIterator=th) == ("ResourceNotFoundException",
                                                        "Requested resource not found")
    # the new stream is untouched (its first record may be trimmed by now: 5 s)
    assert st.describe_stream(StreamArn=arn2)["StreamDescription"]["StreamStatus"] == "ENABLED"
    ddb.put_item(TableName="again", Item={"pk": {"S": "newer"}})
    assert summary(read_all(st, arn2))[-1] == ("INSERT", "newer")


def test_a_recreated_tables_stream_has_its_own_arn(ddbchat_server, tmp_path):
    """A table deleted and created again under its name in the same millisecond of the wall
    clock (here frozen by libfaketime; a clock stepped back does the same) gets a stream
    label, so a StreamArn, of its own, later than the old stream's, which is kept DISABLED
    until it expires.  Before, both streams had one label: the new table's LatestStreamArn
    named the old, DISABLED stream (DescribeStream answered it), and a reader following it
    never saw the new table's records."""
    from conftest import faketime_env
    clock = tmp_path / "clock"
    clock.write_text("+0\n")
    srv = ddbchat_server(env=faketime_env(clock))
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    (tmp_path / "frozen").write_text("2026-12-07 20:00:00\n")  # no '@': the clock stands
    (tmp_path / "frozen").replace(clock)
    arn1 = stream_table(ddb, "again", "KEYS_ONLY")
    ddb.put_item(TableName="again", Item={"pk": {"S": "old"}})
    ddb.delete_table(TableName="again")
    arn2 = stream_table(ddb, "again", "KEYS_ONLY")
    ddb.put_item(TableName="again", Item={"pk": {"S": "new"}})
    assert arn1.endswith("/stream/2026-12-07T20:00:00.000")
    assert arn2.endswith("/stream/2026-12-07T20:00:00.001")
    assert st.describe_stream(StreamArn=arn2)["StreamDescription"]["StreamStatus"] == "ENABLED"
    assert summary(read_all(st, arn2)) == [("INSERT", "new")]
    assert summary(read_all(st, arn1)) == [("INSERT", "old")]
    assert [s["StreamArn"] for s in st.list_streams(TableName="again")["Streams"]] == [arn2, arn1]


def test_shard_rollover_lineage(ddbchat_server):
    srv = ddbchat_server("--stream-shard-seconds", "1")
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    arn = stream_table(ddb, "roll", "KEYS_ONLY")
    keys = []
    deadline = time.time() + 20
    while time.time() < deadline:
        k = f"k{len(keys)}"
        ddb.put_item(TableName="roll", Item={"pk": {"S": k}})
        keys.append(k)
        time.sleep(0.25)
        shards = st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        if len(shards) >= 3:
            break
    shards = st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert len(shards) >= 3
    # lineage: each shard's parent is the one before; all but the last closed
    for prev, cur in zip(shards, shards[1:]):
        assert cur["ParentShardId"] == prev["ShardId"]
        end = int(prev["SequenceNumberRange"]["EndingSequenceNumber"])
        assert int(cur["SequenceNumberRange"]["StartingSequenceNumber"]) == end + 1
    assert "EndingSequenceNumber" not in shards[-1]["SequenceNumberRange"]
    # a closed shard read to its end has no next iterator; all records once, in order
    got = []
    for sh in shards:
        it = st.get_shard_iterator(StreamArn=arn, ShardId=sh["ShardId"],
                                   ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        closed = "EndingSequenceNumber" in sh["SequenceNumberRange"]
        for _ in range(100):
            r = st.get_records(ShardIterator=it, Limit=2)
            got += [x["dynamodb"]["Keys"]["pk"]["S"] for x in r["Records"]]
            it = r.get("NextShardIterator")
            if not it or (not closed and not r["Records"]):
                break
        if closed:
            assert it is None
    assert got == keys


def test_describe_stream_after_an_unlisted_shard(ddb, streams, table_name):
    """DescribeStream's ExclusiveStartShardId naming no listed shard (one trimmed since the page
    that returned it as LastEvaluatedShardId, or never a shard) is a place in shard id order:
    the shards whose ids sort after it, as DynamoDB Local answers.  ddbchat answered no shard,
    so a pager whose last seen shard had expired stopped listing
    (test_stream_shards::test_paging_past_a_trimmed_shard)."""
    name = table_name()
    arn = stream_table(ddb, name, "KEYS_ONLY")
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    ids = [s["ShardId"] for s in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]]
    base = ids[0][:-8]  # shardId-<20 digits>-
    for esi, want in ((base + "00000000", ids), ("shardId-00000000000000000000-00000000", ids),
                      (base + "ffffffff", []), ("shardId-99999999999999999999-ffffffff", [])):
        if esi in ids:
            continue
        sd = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=esi)["StreamDescription"]
        assert [s["ShardId"] for s in sd["Shards"]] == want, esi


def test_describe_stream_shard_paging(ddbchat_server):
    # DescribeStream's Limit / ExclusiveStartShardId / LastEvaluatedShardId over a stream of
    # several shards (rolled over every second here; DynamoDB's about every 4 hours)
    srv = ddbchat_server("--stream-shard-seconds", "1")
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    arn = stream_table(ddb, "pages", "KEYS_ONLY")
    deadline = time.time() + 20
    while time.time() < deadline:
        ddb.put_item(TableName="pages", Item={"pk": {"S": str(time.time())}})
        time.sleep(0.25)
        if len(st.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]) >= 4:
            break
    # settled once the open shard is empty (an empty open shard is not rolled over): waited
    # for as a condition (before, a fixed 1.5 s, which a late background pass under load
    # outran: a rollover between the listing and the paging changed the list)
    deadline = time.time() + 20
    while True:
        sd = st.describe_stream(StreamArn=arn)["StreamDescription"]
        open_ = [s for s in sd["Shards"] if "EndingSequenceNumber" not in s["SequenceNumberRange"]]
        it = st.get_shard_iterator(StreamArn=arn, ShardId=open_[-1]["ShardId"],
                                   ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        if not st.get_records(ShardIterator=it)["Records"]:
            break
        assert time.time() < deadline, "the open shard was not rolled over"
        time.sleep(0.1)
    ids = [s["ShardId"] for s in sd["Shards"]]
    assert len(ids) >= 4 and "LastEvaluatedShardId" not in sd
    for limit in (1, 3):
        seen, esi, pages = [], None, 0
        while True:
            kw = {"ExclusiveStartShardId": esi} if esi else {}
            page = st.describe_stream(StreamArn=arn, Limit=limit, **kw)["StreamDescription"]
            got = [s["ShardId"] for s in page["Shards"]]
            assert 1 <= len(got) <= limit
            seen += got
            pages += 1
            esi = page.get("LastEvaluatedShardId")
            if not esi:
                break
            assert esi == got[-1]
        assert seen == ids
        assert pages == -(-len(ids) // limit)
    # the page after the last shard is empty
    last = st.describe_stream(StreamArn=arn, ExclusiveStartShardId=ids[-1])["StreamDescription"]
    assert last["Shards"] == [] and "LastEvaluatedShardId" not in last


def test_trimming(ddbchat_server):
    srv = ddbchat_server("--stream-retention-seconds", "2")
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    arn = stream_table(ddb, "trim", "KEYS_ONLY")
    ddb.put_item(TableName="trim", Item={"pk": {"S": "old"}})
    sid, old_it = first_shard_iterator(st, arn)
    old_seq = st.get_records(ShardIterator=old_it)["Records"][0]["dynamodb"]["SequenceNumber"]
    # the record is trimmed once older than the retention (the background pass runs every
    # second): waited for as a condition, not slept for (60 s before the test gives up)
    deadline = time.time() + 60
    while True:
        try:
            st.get_records(ShardIterator=old_it)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "TrimmedDataAccessException"
            break
        assert time.time() < deadline, "the record was not trimmed"
        time.sleep(0.2)
    ddb.put_item(TableName="trim", Item={"pk": {"S": "new"}})
    assert summary(read_all(st, arn)) == [("INSERT", "new")]
    # the text: the API Reference's description of the exception (AWS's own message is not
    # in its documents; DynamoDB Local cannot be made to trim in a test)
    trimmed = ("TrimmedDataAccessException",
               "The operation attempted to read past the oldest stream record in a shard.")
    assert err_of(st.get_records, ShardIterator=old_it) == trimmed
    assert err_of(st.get_shard_iterator, StreamArn=arn, ShardId=sid,
                  ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=old_seq) == trimmed


def test_ttl_expiry_record(ddbchat_server):
    srv = ddbchat_server()
    ddb, st = client_for(srv.ddb_url), streams_for(srv.ddb_url)
    arn = stream_table(ddb, "ttl", "NEW_AND_OLD_IMAGES")
    ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={"Enabled": True,
                                                                      "AttributeName": "exp"})
    ddb.put_item(TableName="ttl", Item={"pk": {"S": "gone"}, "exp": {"N": str(int(time.time()) - 5)}})
    deadline = time.time() + 15
    recs = []
    while time.time() < deadline and len(recs) < 2:
        time.sleep(0.5)
        recs = read_all(st, arn)
    assert [r["eventName"] for r in recs] == ["INSERT", "REMOVE"]
    assert "userIdentity" not in recs[0]
    # the Streams API's Identity shape (a Lambda event spells it type / principalId)
    assert recs[1]["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert recs[1]["dynamodb"]["OldImage"]["pk"] == {"S": "gone"}


def test_stream_survives_restart(ddbchat_server):
    srv = ddbchat_server()
    ddb = client_for(srv.ddb_url)
    arn = stream_table(ddb, "durable", "KEYS_ONLY")
    for i in range(5):
        ddb.put_item(TableName="durable", Item={"pk": {"S": f"k{i}"}})
    srv.stop()
    srv2 = ddbchat_server(data_dir=srv.data_dir)
    st = streams_for(srv2.ddb_url)
    assert [k for _, k in summary(read_all(st, arn))] == [f"k{i}" for i in range(5)]


def test_js_streams_client(ddb_url, table_name):
    # @aws-sdk/client-dynamodb-streams on the same URL as the DynamoDB client
    import json
    import os
    import shutil
    import subprocess
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    node = shutil.which("node")
    sdk = os.path.join(repo, "tools", "oracle", "node_modules", "@aws-sdk",
                       "client-dynamodb-streams")
    if not node or not os.path.isdir(sdk):
        pytest.skip("node or @aws-sdk/client-dynamodb-streams not installed (make oracle)")
    env = dict(os.environ, NODE_NO_WARNINGS="1")
    r = subprocess.run([node, os.path.join(repo, "tests", "e2e", "js_streams.mjs"), ddb_url,
                        table_name("js")], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["listed"] == [True]
    assert out["status"] == "ENABLED" and out["view"] == "NEW_AND_OLD_IMAGES"
    assert out["events"] == ["INSERT", "MODIFY", "REMOVE"]
    assert out["newV"] == ["1", "2", None] and out["oldV"] == [None, "1", "2"]
    assert out["dateType"] == "function"  # the SDK parsed ApproximateCreationDateTime
    assert out["badIterator"] == "ValidationException" and out["badIteratorStatus"] == 400


def js_streams_api(url, prefix, mode):
    """Runs js_streams_api.mjs (node, @aws-sdk/client-dynamodb-streams): its JSON line."""
    import os
    import shutil
    import subprocess
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    node = shutil.which("node")
    sdk = os.path.join(repo, "tools", "oracle", "node_modules", "@aws-sdk",
                       "client-dynamodb-streams")
    if not node or not os.path.isdir(sdk):
        pytest.skip("node or @aws-sdk/client-dynamodb-streams not installed (make oracle)")
    r = subprocess.run([node, os.path.join(repo, "tests", "e2e", "js_streams_api.mjs"), url,
                        prefix, mode], env=dict(os.environ, NODE_NO_WARNINGS="1"),
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_js_streams_client_api(ddb_url, table_name):
    """Each Streams call through @aws-sdk/client-dynamodb-streams as an application written
    for AWS makes it (API Reference: ListStreams, DescribeStream, GetShardIterator,
    GetRecords): ListStreams paged one stream at a time by ExclusiveStartStreamArn lists each
    stream once; DescribeStream with Limit 1 and after the last shard (no Shards, no
    LastEvaluatedShardId); TRIM_HORIZON paged by Limit 2; AT_SEQUENCE_NUMBER and
    AFTER_SEQUENCE_NUMBER of the second record; LATEST sees only what is written after it; a
    disabled stream's shard is closed and read to its end with no NextShardIterator."""
    prefix = table_name("jsa")
    out = js_streams_api(ddb_url, prefix, "api")
    print(out)
    assert out["listedOurs"] == [1, 1, 1] and out["listedDistinct"] and out["listPagesAtLeast3"]
    assert out["byTable"] == [[True, prefix + "1", True]]
    assert out["describe"] == {"shards": 1, "status": "ENABLED", "view": "KEYS_ONLY",
                               "tableName": prefix + "0",
                               "keySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                               "creation": "function", "startingSeq": "string", "open": True}
    assert out["describeAfterLast"] == {"shards": 0, "lek": None}
    assert out["trimHorizonPages"] == [["a", "b"], ["c"]]
    assert out["atB"] == ["b", "c"] and out["afterB"] == ["c"]
    assert out["latestBefore"] == [] and out["latestAfter"] == ["d"]
    # DISABLED on both targets; the API Reference also has DISABLING, which AWS may show first
    assert out["closed"] and out["closedStatus"] in ("DISABLING", "DISABLED")
    assert out["closedRead"] == ["a", "b", "c", "d"]
    assert out["closedEnded"] and not out["closedLastHadNext"] and out["endingIsLast"]


def test_js_streams_client_errors(ddbchat_server, table_name):
    """ExpiredIteratorException and TrimmedDataAccessException as the JS SDK parses them: the
    exception class's name, AWS's message, 400, a client fault.  ddbchat with its short test
    periods (DynamoDB Local cannot be made to expire an iterator or trim a record within a
    test: 15 minutes, 24 hours)."""
    srv = ddbchat_server("--stream-iterator-seconds", "1", "--stream-retention-seconds", "2")
    out = js_streams_api(srv.ddb_url, table_name("jse"), "errors")
    exp = out["expired"]
    assert (exp["name"], exp["status"], exp["fault"]) == ("ExpiredIteratorException", 400,
                                                          "client")
    assert exp["message"].startswith("Iterator expired. The iterator was created at time ")
    assert exp["message"].endswith("further in the future than the tolerated delay of 1000 "
                                   "milliseconds.")
    assert out["trimmed"] == {
        "name": "TrimmedDataAccessException", "status": 400, "fault": "client",
        "message": "The operation attempted to read past the oldest stream record in a shard."}


# A member given the wrong JSON token is AWS's SerializationException (the texts of
# test_protocol's test_wrong_json_token_in_request_member), read before any member is
# validated: a missing StreamArn or ShardIterator does not hide it.  DynamoDB Local's
# deviations: it converts a number or boolean given to a String member and goes on ("conv":
# its own 400 then), every other mismatch is its 500 InternalFailure.
STREAM_WRONG_TOKEN = [
    ("DescribeStream", {"Limit": "x"}, "STRING_VALUE cannot be converted to Integer"),
    ("DescribeStream", {"StreamArn": 5}, "NUMBER_VALUE cannot be converted to String", "conv"),
    ("GetRecords", {"Limit": []}, "Unrecognized collection type class java.lang.Integer"),
    ("GetRecords", {"ShardIterator": True}, "TRUE_VALUE cannot be converted to String", "conv"),
    ("GetShardIterator", {"ShardId": {}}, "Start of structure or map found where not expected"),
    ("ListStreams", {"TableName": "ab", "Limit": False},
     "FALSE_VALUE cannot be converted to Integer"),
]


def test_wrong_json_token_in_member(ddb_url, target):
    for op, body, msg, *conv in STREAM_WRONG_TOKEN:
        st, _, out = raw_request(ddb_url, body, target="DynamoDBStreams_20120810." + op)
        doc = json.loads(out)
        got = (st, doc["__type"].split("#")[-1], doc.get("message", doc.get("Message")))
        assert_wrong_token_answer(target, got, msg, conv, (op, body))
