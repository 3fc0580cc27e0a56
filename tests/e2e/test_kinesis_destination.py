"""Enable / Disable / Update / DescribeKinesisStreamingDestination (src/api/op_kinesis.c).

ddbchat has no Kinesis, so every stream ARN names a stream it cannot reach; it answers as AWS
answers for such a stream (live probes, ack-api-quirks DDB-TABLE-318): Enable 200 ENABLING,
then ENABLE_FAILED "User does not have a permission to use kinesis stream".  The state rules
and texts: DDB-TABLE-014/236/301/302.  DynamoDB Local has none of these operations
(UnknownOperationException, pinned below), so the other tests skip there.  Requests go as raw
JSON (the system's boto3 is older than some of these members).  Each test names the
behaviour it pins.
"""
import time

import pytest

from conftest import make_table, within_window
from test_resource_policy import call, fails, ok

STATE = "Table is not in a valid state to enable Kinesis Streaming Destination: "
FAILED_WHY = "User does not have a permission to use kinesis stream"
KS1 = "arn:aws:kinesis:us-east-1:000000000000:stream/orders"
KS2 = "arn:aws:kinesis:us-east-1:000000000000:stream/audit"


@pytest.fixture
def only_ddbchat(target):
    if target == "dynamodb-local":
        pytest.skip("DynamoDB Local has no Kinesis streaming destinations "
                    "(UnknownOperationException)")


def destinations(url, name):
    return ok(url, "DescribeKinesisStreamingDestination",
              TableName=name)["KinesisDataStreamDestinations"]


def wait_failed(url, name, arn, timeout=10):
    end = time.time() + timeout
    while True:
        d = [x for x in destinations(url, name) if x["StreamArn"] == arn]
        if d and d[0]["DestinationStatus"] == "ENABLE_FAILED":
            return d
        assert time.time() < end, d
        time.sleep(0.02)


@pytest.mark.requires_dynamodb_local
def test_dynamodb_local_has_no_kinesis_destinations(ddb, ddb_url, table_name):
    # Pins why the other tests skip on DynamoDB Local: it does not know the operations.
    name = table_name("kdl")
    make_table(ddb, name)
    for op, body in (("DescribeKinesisStreamingDestination", {"TableName": name}),
                     ("EnableKinesisStreamingDestination", {"TableName": name, "StreamArn": KS1}),
                     ("DisableKinesisStreamingDestination", {"TableName": name, "StreamArn": KS1}),
                     ("UpdateKinesisStreamingDestination", {"TableName": name, "StreamArn": KS1})):
        assert fails(ddb_url, op, **body) == ("UnknownOperationException",
                                              "An unknown operation was requested.")


def test_enable_then_enable_failed(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-318/301: a new table lists no destination; Enable answers 200 ENABLING
    # with the configuration it was given; the destination turns ENABLE_FAILED with AWS's
    # description (no stream is reachable here); Enable again flips that entry (one per
    # stream) and a second stream gets its own.
    name = table_name("kds")
    make_table(ddb, name)
    assert ok(ddb_url, "DescribeKinesisStreamingDestination", TableName=name) == {
        "TableName": name, "KinesisDataStreamDestinations": []}
    conf = {"ApproximateCreationDateTimePrecision": "MICROSECOND"}
    assert ok(ddb_url, "EnableKinesisStreamingDestination", TableName=name, StreamArn=KS1,
              EnableKinesisStreamingConfiguration=conf) == {
        "TableName": name, "StreamArn": KS1, "DestinationStatus": "ENABLING",
        "EnableKinesisStreamingConfiguration": conf}
    assert wait_failed(ddb_url, name, KS1) == [{
        "StreamArn": KS1, "DestinationStatus": "ENABLE_FAILED",
        "DestinationStatusDescription": FAILED_WHY,
        "ApproximateCreationDateTimePrecision": "MICROSECOND"}]
    assert ok(ddb_url, "EnableKinesisStreamingDestination", TableName=name, StreamArn=KS1) == {
        "TableName": name, "StreamArn": KS1, "DestinationStatus": "ENABLING"}
    ok(ddb_url, "EnableKinesisStreamingDestination", TableName=name, StreamArn=KS2)
    wait_failed(ddb_url, name, KS1)
    wait_failed(ddb_url, name, KS2)
    assert [d["StreamArn"] for d in destinations(ddb_url, name)] == [KS1, KS2]
    assert "ApproximateCreationDateTimePrecision" not in destinations(ddb_url, name)[0]


def test_state_rules(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-301/302: Disable needs an ACTIVE destination (never the case here, as for
    # an unreachable stream on AWS), and Disable with a configuration is refused first; Update
    # of a stream never enabled names it, of an enabled one says it is not ACTIVE and names
    # the table and the stream (the ack-api-quirks catalogue DDB-TABLE-442, mined from its live
    # evidence: "... Updates are only allowed in ACTIVE state. TableName: <TBL>, kdsArn: <ARN>").
    name = table_name("kdr")
    make_table(ddb, name)
    must_be_active = ("ValidationException",
                      STATE + "KinesisStreamingDestination must be ACTIVE to perform DISABLE "
                      "operation.")
    assert fails(ddb_url, "DisableKinesisStreamingDestination", TableName=name,
                 StreamArn=KS1) == must_be_active
    assert fails(ddb_url, "UpdateKinesisStreamingDestination", TableName=name, StreamArn=KS1,
                 UpdateKinesisStreamingConfiguration={
                     "ApproximateCreationDateTimePrecision": "MILLISECOND"}) == (
        "ValidationException", STATE + "No streaming destination with streamArn: " + KS1)
    ok(ddb_url, "EnableKinesisStreamingDestination", TableName=name, StreamArn=KS1)
    wait_failed(ddb_url, name, KS1)
    assert fails(ddb_url, "DisableKinesisStreamingDestination", TableName=name, StreamArn=KS1,
                 EnableKinesisStreamingConfiguration={
                     "ApproximateCreationDateTimePrecision": "MILLISECOND"}) == (
        "ValidationException",
        "Stream cannot be disabled using EnableKinesisStreamingConfiguration parameters")
    assert fails(ddb_url, "DisableKinesisStreamingDestination", TableName=name,
                 StreamArn=KS1) == must_be_active
    assert fails(ddb_url, "UpdateKinesisStreamingDestination", TableName=name, StreamArn=KS1,
                 UpdateKinesisStreamingConfiguration={
                     "ApproximateCreationDateTimePrecision": "MILLISECOND"}) == (
        "ValidationException", STATE + "Kinesis streaming is not in ACTIVE state. Updates are "
        f"only allowed in ACTIVE state. TableName: {name}, kdsArn: {KS1}")


@pytest.mark.requires_ddbchat
def test_enable_while_enabling_refused(ddbchat_server):
    # Pins DDB-TABLE-236: Enable of a destination still ENABLING is refused ("must be DISABLED
    # or ENABLE_FAILED"); the ENABLING phase is widened to 3 s to look inside it.
    from conftest import client_for
    srv = ddbchat_server(env={"DDBCHAT_UPDATE_DONE_DELAY_MS": "3000"})
    make_table(client_for(srv.ddb_url), "kds_busy")
    t0 = time.monotonic()
    ok(srv.ddb_url, "EnableKinesisStreamingDestination", TableName="kds_busy", StreamArn=KS1)
    with within_window(t0, 3.0):
        assert destinations(srv.ddb_url, "kds_busy") == [
            {"StreamArn": KS1, "DestinationStatus": "ENABLING"}]
        assert fails(srv.ddb_url, "EnableKinesisStreamingDestination", TableName="kds_busy",
                     StreamArn=KS1) == (
            "ValidationException", STATE + "EnableKinesisStreamingDestination must be DISABLED "
            "or ENABLE_FAILED to perform ENABLE operation.")


def test_missing_table_and_model(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-014 (a missing table is the table's not-found, for every operation) and
    # the model's constraints (StreamArn 37..1024, the precision's enum).
    missing = table_name("kdm")
    gone = ("ResourceNotFoundException", f"Requested resource not found: Table: {missing} not found")
    assert fails(ddb_url, "DescribeKinesisStreamingDestination", TableName=missing) == gone
    for op in ("EnableKinesisStreamingDestination", "DisableKinesisStreamingDestination",
               "UpdateKinesisStreamingDestination"):
        assert fails(ddb_url, op, TableName=missing, StreamArn=KS1) == gone, op
    assert fails(ddb_url, "EnableKinesisStreamingDestination", TableName=missing,
                 StreamArn="not-an-arn",
                 EnableKinesisStreamingConfiguration={
                     "ApproximateCreationDateTimePrecision": "SECOND"}) == (
        "ValidationException", "2 validation errors detected: Value 'not-an-arn' at 'streamArn' "
        "failed to satisfy constraint: Member must have length greater than or equal to 37; "
        "Value 'SECOND' at 'enableKinesisStreamingConfiguration.approximateCreationDateTimePrecision'"
        " failed to satisfy constraint: Member must satisfy enum value set: [MILLISECOND, "
        "MICROSECOND]")


def test_destinations_go_with_the_table(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-236/271: a table created again under a deleted one's name lists no
    # destination.
    name = table_name("kdg")
    make_table(ddb, name)
    ok(ddb_url, "EnableKinesisStreamingDestination", TableName=name, StreamArn=KS1)
    ddb.delete_table(TableName=name)
    make_table(ddb, name)
    assert destinations(ddb_url, name) == []


def test_destination_list_is_capped(ddb, ddb_url, table_name, only_ddbchat):
    # Pins the cap on a table's destinations (op_kinesis.c KDS_MAX_DESTINATIONS, 32; the
    # number and the text are ddbchat's, README's inferred list): 32 distinct streams are
    # listed, a 33rd is LimitExceededException and not listed, and Enable of a stream already
    # listed still flips its entry at the cap.
    name = table_name("kdc")
    make_table(ddb, name)
    arns = [f"arn:aws:kinesis:us-east-1:000000000000:stream/s{i:02d}" for i in range(33)]
    for a in arns[:32]:
        ok(ddb_url, "EnableKinesisStreamingDestination", TableName=name, StreamArn=a)
    assert fails(ddb_url, "EnableKinesisStreamingDestination", TableName=name,
                 StreamArn=arns[32]) == (
        "LimitExceededException",
        f"Table {name} already has the maximum number of Kinesis streaming destinations (32)")
    assert [d["StreamArn"] for d in destinations(ddb_url, name)] == arns[:32]
    wait_failed(ddb_url, name, arns[0])
    assert ok(ddb_url, "EnableKinesisStreamingDestination", TableName=name,
              StreamArn=arns[0])["DestinationStatus"] == "ENABLING"
