"""Table-level operations: CreateTable, DescribeTable, DeleteTable, ListTables, UpdateTable,
DescribeLimits, DescribeEndpoints (src/api/op_table.c, op_misc.c).

Every expected text here was recorded from DynamoDB Local 2026-01-16; run the same file with
--target=dynamodb-local to check the expectations themselves.  Each test names the DynamoDB
behaviour it pins.
"""
import json
import re
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import make_table, raw_request

INVALID_NAME = ("Invalid table/index name.  Table/index names must be between 3 and 255 "
                "characters long, and may contain only the characters a-z, A-Z, 0-9, '_', "
                "'-', and '.'")
NOT_FOUND = "Cannot do operations on a non-existent table"


@pytest.fixture(scope="module")
def raw(ddb_url):
    """A client without botocore's own parameter validation, so the server validates."""
    return boto3.client("dynamodb", endpoint_url=ddb_url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(parameter_validation=False,
                                      retries={"max_attempts": 1}))


def err(excinfo):
    e = excinfo.value.response["Error"]
    return e["Code"], e["Message"]


def ks(h, r=None):
    k = [{"AttributeName": h, "KeyType": "HASH"}]
    if r:
        k.append({"AttributeName": r, "KeyType": "RANGE"})
    return k


def ad(**kw):
    return [{"AttributeName": a, "AttributeType": t} for a, t in kw.items()]


PT = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6}


def wait_active(ddb, name, timeout=60):
    deadline = time.time() + timeout
    while True:
        d = ddb.describe_table(TableName=name)["Table"]
        if d["TableStatus"] == "ACTIVE" and all(
                g.get("IndexStatus") == "ACTIVE" for g in d.get("GlobalSecondaryIndexes", [])):
            return d
        assert time.time() < deadline, f"{name} not ACTIVE"
        time.sleep(0.1)


# ---- CreateTable / DescribeTable shapes -----------------------------------------------------

def test_create_provisioned_full_description(ddb, table_name):
    # Pins: CreateTable's TableDescription for a provisioned table with an LSI, a GSI and a
    # stream: LSIs without IndexStatus/throughput, GSIs with both, index ARNs under the table
    # ARN, stream label/ARN, no BillingModeSummary for PROVISIONED.
    name = table_name("full")
    d = ddb.create_table(
        TableName=name, KeySchema=ks("h", "r"),
        AttributeDefinitions=ad(h="S", r="N", g="B", l="S"), ProvisionedThroughput=PT,
        GlobalSecondaryIndexes=[{
            "IndexName": "gsi1", "KeySchema": ks("g", "r"),
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]},
            "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}}],
        LocalSecondaryIndexes=[{"IndexName": "lsi1", "KeySchema": ks("h", "l"),
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    assert d["TableName"] == name
    assert d["TableStatus"] == "ACTIVE"
    assert d["KeySchema"] == ks("h", "r")
    assert d["AttributeDefinitions"] == ad(h="S", r="N", g="B", l="S")
    assert re.fullmatch(r"arn:aws:dynamodb:[^:]+:\d{12}:table/" + re.escape(name), d["TableArn"])
    pt = d["ProvisionedThroughput"]
    assert (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (5, 6)
    assert pt["NumberOfDecreasesToday"] == 0
    assert d["ItemCount"] == 0 and d["TableSizeBytes"] == 0
    assert "BillingModeSummary" not in d
    assert abs(d["CreationDateTime"].timestamp() - time.time()) < 120
    [lsi] = d["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "lsi1" and lsi["KeySchema"] == ks("h", "l")
    assert lsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert "IndexStatus" not in lsi and "ProvisionedThroughput" not in lsi
    assert lsi["IndexArn"] == d["TableArn"] + "/index/lsi1"
    [gsi] = d["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "gsi1" and gsi["IndexStatus"] == "ACTIVE"
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]}
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert gsi["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    assert gsi["IndexArn"] == d["TableArn"] + "/index/gsi1"
    assert d["StreamSpecification"] == {"StreamEnabled": True,
                                        "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", d["LatestStreamLabel"])
    assert d["LatestStreamArn"] == d["TableArn"] + "/stream/" + d["LatestStreamLabel"]

    # DescribeTable returns the same description
    t = ddb.describe_table(TableName=name)["Table"]
    for k in ("AttributeDefinitions", "TableName", "KeySchema", "TableArn", "CreationDateTime",
              "LocalSecondaryIndexes", "StreamSpecification", "LatestStreamLabel"):
        assert t[k] == d[k], k
    assert t["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 3


def test_describe_raw_fields(ddb, ddb_url, table_name):
    # Pins: fields this boto3's model may not know, seen on the wire: DeletionProtectionEnabled
    # false, CreationDateTime as epoch seconds (a JSON number), and the throughput dates.
    name = table_name("raw")
    ddb.create_table(TableName=name, KeySchema=ks("h"), AttributeDefinitions=ad(h="S"),
                     ProvisionedThroughput=PT)
    status, _, body = raw_request(ddb_url, {"TableName": name},
                                  target="DynamoDB_20120810.DescribeTable")
    assert status == 200
    t = json.loads(body)["Table"]
    assert t["DeletionProtectionEnabled"] is False
    assert isinstance(t["CreationDateTime"], (int, float))
    assert abs(t["CreationDateTime"] - time.time()) < 120
    assert t["ProvisionedThroughput"] == {
        "LastIncreaseDateTime": 0, "LastDecreaseDateTime": 0, "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 5, "WriteCapacityUnits": 6}
    assert list(t)[:5] == ["AttributeDefinitions", "TableName", "KeySchema", "TableStatus",
                           "CreationDateTime"]


def test_create_pay_per_request(ddb, table_name):
    # Pins: on-demand tables report BillingModeSummary PAY_PER_REQUEST, zero provisioned
    # units, and GSIs without ProvisionedThroughput.
    name = table_name("ppr")
    d = make_table(ddb, name, hash=("pk", "S"), gsis=[{"name": "byg", "hash": ("g", "N"),
                                                      "projection": "KEYS_ONLY"}])
    assert d["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert "LastUpdateToPayPerRequestDateTime" in d["BillingModeSummary"]
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert d["ProvisionedThroughput"]["WriteCapacityUnits"] == 0
    [g] = d["GlobalSecondaryIndexes"]
    assert "ProvisionedThroughput" not in g
    assert g["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert "StreamSpecification" not in d


def test_describe_counts_are_live(ddb, table_name):
    # Pins: DynamoDB Local reports ItemCount/TableSizeBytes (and index counts) live, not
    # every six hours like the service.
    name = table_name("cnt")
    make_table(ddb, name, hash=("h", "S"), range=("r", "N"),
               gsis=[{"name": "byg", "hash": ("g", "S")}])
    ddb.put_item(TableName=name, Item={"h": {"S": "x"}, "r": {"N": "1"}, "g": {"S": "gg"}})
    ddb.put_item(TableName=name, Item={"h": {"S": "x"}, "r": {"N": "2"}})
    d = ddb.describe_table(TableName=name)["Table"]
    assert d["ItemCount"] == 2
    assert d["TableSizeBytes"] > 0
    assert d["GlobalSecondaryIndexes"][0]["ItemCount"] == 1
    assert 0 < d["GlobalSecondaryIndexes"][0]["IndexSizeBytes"] <= d["TableSizeBytes"]


def test_create_existing_table(ddb, table_name):
    # Pins: ResourceInUseException "Cannot create preexisting table" (DynamoDB Local's text).
    name = table_name("dup")
    make_table(ddb, name)
    with pytest.raises(ClientError) as ei:
        make_table(ddb, name)
    assert err(ei) == ("ResourceInUseException", "Cannot create preexisting table")


def test_concurrent_create_same_name(ddb_url, table_name):
    # Pins: of several concurrent CreateTable calls for one name exactly one succeeds; the
    # others get ResourceInUseException "Cannot create preexisting table".
    import threading
    from conftest import client_for
    name = table_name("race")
    results = []

    def create():
        c = client_for(ddb_url)
        try:
            c.create_table(TableName=name, KeySchema=ks("h"), AttributeDefinitions=ad(h="S"),
                           BillingMode="PAY_PER_REQUEST")
            results.append("ok")
        except ClientError as e:
            results.append((e.response["Error"]["Code"], e.response["Error"]["Message"]))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert all(r == ("ResourceInUseException", "Cannot create preexisting table")
               for r in results if r != "ok"), results


# ---- CreateTable validation ------------------------------------------------------------------

G_ALL = {"ProjectionType": "ALL"}


def gsi(name="gsi1", k=None, proj=G_ALL, pt={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}):
    d = {"IndexName": name, "KeySchema": k if k is not None else ks("g"), "Projection": proj,
         "ProvisionedThroughput": pt}
    return {a: b for a, b in d.items() if b is not None}


def lsi(name="lsi1", k=None, proj=G_ALL):
    d = {"IndexName": name, "KeySchema": k if k is not None else ks("h", "g"), "Projection": proj}
    return {a: b for a, b in d.items() if b is not None}


AD_HR = ad(h="S", r="N")
AD_HRG = ad(h="S", r="N", g="S")

# (id, overrides of a valid provisioned create with key h/r, expected message)
CREATE_CASES = [
    ("no-name", {"TableName": None}, INVALID_NAME),
    ("short-name", {"TableName": "ab"}, INVALID_NAME),
    ("bad-char-name", {"TableName": "a b c"}, INVALID_NAME),
    ("long-name", {"TableName": "a" * 256}, INVALID_NAME),
    ("no-key-schema", {"KeySchema": None},
     "No defined key schema.  A key schema containing at least a hash key must be defined "
     "for all tables"),
    ("empty-key-schema", {"KeySchema": []},
     "No defined key schema.  A key schema containing at least a hash key must be defined "
     "for all tables"),
    ("no-attr-defs", {"AttributeDefinitions": None}, "No Attribute Schema Defined"),
    ("attr-no-name", {"AttributeDefinitions": [{"AttributeType": "S"}]},
     "Attribute name must be specified."),
    ("attr-no-type", {"AttributeDefinitions": [{"AttributeName": "h"}]},
     "Invalid Attribute value. Must contain exactly one of the supported datatypes."),
    ("attr-bad-type", {"AttributeDefinitions": ad(h="S", r="BOOL")},
     "Member must satisfy enum value set: [B, N, S]"),
    ("attr-dup", {"AttributeDefinitions": ad(h="S") + ad(h="N")},
     "Cannot have two attributes with the same name"),
    ("range-only", {"KeySchema": [{"AttributeName": "h", "KeyType": "RANGE"}]},
     "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key"),
    ("key-order", {"KeySchema": list(reversed(ks("h", "r")))},
     "Invalid key order. Hash Key must be specified first in key schema, Range Key must be "
     "specifed second"),
    ("two-hash", {"KeySchema": ks("h") + ks("r")},
     "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key"),
    ("same-key-name", {"KeySchema": ks("h", "h")}, "Two keys can not have the same name"),
    ("key-too-big", {"KeySchema": ks("h", "r") + [{"AttributeName": "q", "KeyType": "RANGE"}]},
     "Key Schema too big.  Key Schema must at most consist of the hash and range key of a "
     "table"),
    ("key-no-type", {"KeySchema": [{"AttributeName": "h"}]},
     "One or more keys is not specified as being hash or range."),
    ("key-name-too-long", {"KeySchema": ks("a" * 256), "AttributeDefinitions": ad(**{"a" * 256: "S"})},
     "Names of key attributes and attributes projected into an index must be between 1 and "
     "255 characters, inclusive"),
    ("hash-undefined", {"KeySchema": ks("x", "r")},
     "Hash Key not specified in Attribute Definitions.  Type unknown."),
    ("range-undefined", {"KeySchema": ks("h", "x")},
     "Range Key not specified in Attribute Definitions.  Type unknown."),
    ("unused-attr", {"AttributeDefinitions": AD_HR + ad(x="S")},
     "The number of attributes in key schema must match the number of attributes defined in "
     "attribute definitions."),
    ("no-throughput", {"ProvisionedThroughput": None},
     "No provisioned throughput specified for the table"),
    ("explicit-provisioned-no-throughput",
     {"ProvisionedThroughput": None, "BillingMode": "PROVISIONED"},
     "No provisioned throughput specified for the table"),
    ("zero-throughput", {"ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}},
     "Table read and write throughput must be at least 1, and cannot be null"),
    ("half-throughput", {"ProvisionedThroughput": {"WriteCapacityUnits": 1}},
     "Table read and write throughput must be at least 1, and cannot be null"),
    ("huge-throughput",
     {"ProvisionedThroughput": {"ReadCapacityUnits": 40001, "WriteCapacityUnits": 1}},
     "Cannot increase provisioned throughput to more than 40,000 units per table"),
    ("stream-null-enabled", {"StreamSpecification": {}}, "Stream StreamEnabled was null"),
    ("stream-no-view", {"StreamSpecification": {"StreamEnabled": True}},
     "Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams."),
    ("stream-view-when-disabled",
     {"StreamSpecification": {"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"}},
     "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present."),
    # indexes
    ("gsi-empty-list", {"GlobalSecondaryIndexes": []}, "GSI list is empty/invalid"),
    ("gsi-bad-name", {"AttributeDefinitions": AD_HRG, "GlobalSecondaryIndexes": [gsi(name="ab")]},
     INVALID_NAME),
    ("gsi-no-projection",
     {"AttributeDefinitions": AD_HRG, "GlobalSecondaryIndexes": [gsi(proj=None)]},
     "Indexes must have a projection specified"),
    ("gsi-bad-projection",
     {"AttributeDefinitions": AD_HRG, "GlobalSecondaryIndexes": [gsi(proj={"ProjectionType": "FOO"})]},
     "Projection type must be INCLUDE, ALL, or KEYS_ONLY"),
    ("gsi-include-empty",
     {"AttributeDefinitions": AD_HRG,
      "GlobalSecondaryIndexes": [gsi(proj={"ProjectionType": "INCLUDE"})]},
     "If Projection type INCLUDE is specified, some non-key attributes to include in the "
     "projection must be specified as well"),
    ("gsi-nonkey-with-all",
     {"AttributeDefinitions": AD_HRG,
      "GlobalSecondaryIndexes": [gsi(proj={"ProjectionType": "ALL", "NonKeyAttributes": ["x"]})]},
     "No attributes should be specified to be projected unless projection type is INCLUDE"),
    ("gsi-too-many-projected",
     {"AttributeDefinitions": AD_HRG,
      "GlobalSecondaryIndexes": [gsi(proj={"ProjectionType": "INCLUDE",
                                           "NonKeyAttributes": [f"a{i}" for i in range(101)]})]},
     "No more than 20 attributes per table can be projected into Local Secondary Indices"),
    ("gsi-key-undefined", {"GlobalSecondaryIndexes": [gsi(k=ks("zz"))]},
     "Attribute zz is not defined in AttributeDefinitions"),
    ("gsi-no-throughput", {"AttributeDefinitions": AD_HRG, "GlobalSecondaryIndexes": [gsi(pt=None)]},
     "No provisioned throughput specified for the global secondary index"),
    ("gsi-zero-throughput",
     {"AttributeDefinitions": AD_HRG,
      "GlobalSecondaryIndexes": [gsi(pt={"ReadCapacityUnits": 0, "WriteCapacityUnits": 1})]},
     "Global Secondary Index's read and write throughput must be at least 1, and cannot be null"),
    ("gsi-huge-throughput",
     {"AttributeDefinitions": AD_HRG,
      "GlobalSecondaryIndexes": [gsi(pt={"ReadCapacityUnits": 40001, "WriteCapacityUnits": 1})]},
     "Cannot increase provisioned throughput to more than 40,000 units per global secondary "
     "index"),
    ("gsi-dup", {"AttributeDefinitions": AD_HRG, "GlobalSecondaryIndexes": [gsi(), gsi()]},
     "Two global secondary indices have the same name"),
    ("gsi-too-many",
     {"AttributeDefinitions": AD_HRG,
      "GlobalSecondaryIndexes": [gsi(name=f"g{i:02d}") for i in range(21)]},
     "GlobalSecondaryIndex count exceeds the per-table limit"),
    ("lsi-on-hash-table",
     {"KeySchema": ks("h"), "AttributeDefinitions": ad(h="S", g="S"),
      "LocalSecondaryIndexes": [lsi()]},
     "Local Secondary indices are not allowed on hash tables, only hash and range tables"),
    ("lsi-other-hash", {"AttributeDefinitions": AD_HRG, "LocalSecondaryIndexes": [lsi(k=ks("g", "r"))]},
     "Local Secondary indices must have the same hash key as the main table"),
    ("lsi-no-range", {"AttributeDefinitions": AD_HRG, "LocalSecondaryIndexes": [lsi(k=ks("h"))]},
     "Local secondary indices must have a range key"),
    ("lsi-range-undefined", {"LocalSecondaryIndexes": [lsi(k=ks("h", "zz"))]},
     "Local Secondary Index range key not specified in Attribute Definitions.Type unknown."),
    ("lsi-too-many",
     {"AttributeDefinitions": AD_HRG,
      "LocalSecondaryIndexes": [lsi(name=f"l{i:02d}") for i in range(6)]},
     "Cannot have more than 5 local secondary indexes per table"),
    ("lsi-dup", {"AttributeDefinitions": AD_HRG, "LocalSecondaryIndexes": [lsi(), lsi()]},
     "Two local secondary indices have the same name"),
    ("lsi-gsi-same-name",
     {"AttributeDefinitions": AD_HRG, "LocalSecondaryIndexes": [lsi()],
      "GlobalSecondaryIndexes": [gsi(name="lsi1")]},
     "Local Secondary Indices AND Global Secondary Indices must have different names"),
    # order: projection errors come before the definitions-count check and the throughput
    ("order-projection-before-count",
     {"AttributeDefinitions": AD_HRG + ad(x="S"), "ProvisionedThroughput": None,
      "GlobalSecondaryIndexes": [gsi(proj={"ProjectionType": "FOO"})]},
     "Projection type must be INCLUDE, ALL, or KEYS_ONLY"),
    # more of DynamoDB Local's order, found by differential fuzzing against it
    ("order-key-schema-before-definitions",
     {"KeySchema": [{"AttributeName": "h", "KeyType": "RANGE"}], "AttributeDefinitions": []},
     "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key"),
    ("order-key-type-before-name", {"KeySchema": [{}]},
     "One or more keys is not specified as being hash or range."),
    ("order-gsi-throughput-before-name",
     {"AttributeDefinitions": AD_HRG, "GlobalSecondaryIndexes": [gsi(name="ab", pt=None)]},
     "No provisioned throughput specified for the global secondary index"),
    ("order-gsi-projection-before-key-schema",
     {"AttributeDefinitions": AD_HRG,
      "GlobalSecondaryIndexes": [gsi(k=ks("g", "g"), proj={"ProjectionType": "FOO"})]},
     "Projection type must be INCLUDE, ALL, or KEYS_ONLY"),
    ("order-gsi-dup-before-second-index-checks",
     {"AttributeDefinitions": AD_HRG,
      "GlobalSecondaryIndexes": [gsi(), gsi(proj={"ProjectionType": "FOO"})]},
     "Two global secondary indices have the same name"),
    ("order-first-index-before-dup",
     {"AttributeDefinitions": AD_HRG,
      "GlobalSecondaryIndexes": [gsi(proj={"ProjectionType": "FOO"}), gsi()]},
     "Projection type must be INCLUDE, ALL, or KEYS_ONLY"),
    ("order-lsi-range-before-same-hash",
     {"AttributeDefinitions": AD_HRG, "LocalSecondaryIndexes": [lsi(k=ks("r"))]},
     "Local secondary indices must have a range key"),
    ("order-lsi-dup-before-second-index-checks",
     {"AttributeDefinitions": AD_HRG,
      "LocalSecondaryIndexes": [lsi(), lsi(proj={"ProjectionType": "FOO"})]},
     "Two local secondary indices have the same name"),
    ("order-empty-nonkey-list-accepted",
     {"AttributeDefinitions": AD_HRG, "ProvisionedThroughput": None,
      "GlobalSecondaryIndexes": [gsi(proj={"ProjectionType": "ALL", "NonKeyAttributes": []})]},
     "No provisioned throughput specified for the table"),
    ("order-count-before-throughput",
     {"AttributeDefinitions": AD_HR + ad(x="S"), "ProvisionedThroughput": None},
     "The number of attributes in key schema must match the number of attributes defined in "
     "attribute definitions."),
]


@pytest.mark.parametrize("over,msg", [c[1:] for c in CREATE_CASES], ids=[c[0] for c in CREATE_CASES])
def test_create_table_validation(raw, table_name, over, msg):
    # Pins: CreateTable's ValidationException texts and the order DynamoDB Local checks in.
    kw = {"TableName": table_name("v"), "KeySchema": ks("h", "r"), "AttributeDefinitions": AD_HR,
          "ProvisionedThroughput": PT}
    kw.update(over)
    kw = {k: v for k, v in kw.items() if v is not None}
    with pytest.raises(ClientError) as ei:
        raw.create_table(**kw)
    assert err(ei) == ("ValidationException", msg)


def test_create_accepts_extras(ddb, table_name):
    # Pins: Tags, SSESpecification, TableClass, DeletionProtectionEnabled=false and a disabled
    # stream are accepted; on-demand tables accept GSIs without throughput.
    name = table_name("extra")
    d = ddb.create_table(
        TableName=name, KeySchema=ks("h"), AttributeDefinitions=ad(h="S", g="S"),
        BillingMode="PAY_PER_REQUEST", Tags=[{"Key": "team", "Value": "chat"}],
        SSESpecification={"Enabled": True}, StreamSpecification={"StreamEnabled": False},
        GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": ks("g"),
                                 "Projection": {"ProjectionType": "ALL"}}],
    )["TableDescription"]
    assert d["TableName"] == name
    assert "StreamSpecification" not in d
    assert d["GlobalSecondaryIndexes"][0]["IndexName"] == "byg"


# ---- DescribeTable / DeleteTable ------------------------------------------------------------

@pytest.mark.parametrize("op", ["describe_table", "delete_table"])
def test_missing_table(raw, table_name, op):
    # Pins: ResourceNotFoundException text for an absent table; null and invalid names are
    # ValidationExceptions.
    with pytest.raises(ClientError) as ei:
        getattr(raw, op)(TableName=table_name("absent"))
    assert err(ei) == ("ResourceNotFoundException", NOT_FOUND)
    with pytest.raises(ClientError) as ei:
        getattr(raw, op)()
    assert err(ei) == ("ValidationException",
                       "Value null at 'tableName' failed to satisfy constraint: Member must "
                       "not be null")
    with pytest.raises(ClientError) as ei:
        getattr(raw, op)(TableName="x!")
    assert err(ei) == ("ValidationException", INVALID_NAME)


def test_delete_table(ddb, table_name, target):
    # Pins: DeleteTable returns the table's description and the table is gone at once
    # (DynamoDB reports TableStatus DELETING; DynamoDB Local reports ACTIVE).
    name = table_name("del")
    make_table(ddb, name, hash=("h", "S"), range=("r", "N"))
    ddb.put_item(TableName=name, Item={"h": {"S": "a"}, "r": {"N": "1"}})
    d = ddb.delete_table(TableName=name)["TableDescription"]
    assert d["TableName"] == name
    assert d["KeySchema"] == ks("h", "r")
    assert d["TableStatus"] == ("DELETING" if target == "ddbchat" else "ACTIVE")
    with pytest.raises(ClientError) as ei:
        ddb.describe_table(TableName=name)
    assert err(ei) == ("ResourceNotFoundException", NOT_FOUND)
    assert name not in ddb.list_tables(ExclusiveStartTableName=name[:-1] + "0",
                                       Limit=100)["TableNames"]
    # the name can be reused, and the new table is empty
    make_table(ddb, name, hash=("h", "S"), range=("r", "N"))
    assert ddb.scan(TableName=name)["Items"] == []


# ---- ListTables -----------------------------------------------------------------------------

def test_list_tables_pagination(ddb, table_name):
    # Pins: ListTables returns names in order, at most Limit, with LastEvaluatedTableName only
    # while more tables follow; ExclusiveStartTableName resumes after the name.
    prefix = table_name("lst")
    names = sorted(table_name(prefix) for _ in range(3))
    for n in names:
        make_table(ddb, n)
    everything, start = [], None
    while True:
        kw = {"Limit": 2}
        if start:
            kw["ExclusiveStartTableName"] = start
        page = ddb.list_tables(**kw)
        assert len(page["TableNames"]) <= 2
        everything += page["TableNames"]
        start = page.get("LastEvaluatedTableName")
        if not start:
            break
        assert start == page["TableNames"][-1]
    assert everything == sorted(everything)
    assert [n for n in everything if n.startswith(prefix)] == names
    # a page that ends exactly at the last table has no LastEvaluatedTableName
    page = ddb.list_tables(ExclusiveStartTableName=everything[-2], Limit=1)
    assert page["TableNames"] == [everything[-1]]
    assert "LastEvaluatedTableName" not in page
    page = ddb.list_tables(ExclusiveStartTableName=names[0], Limit=2)
    assert page["TableNames"] == names[1:]


@pytest.mark.parametrize("kw,msg", [
    ({"Limit": 0}, "Limit must be greater than or equal to 1"),
    ({"Limit": 101}, "Limit in ListTables must be <= 100"),
    ({"ExclusiveStartTableName": "ab"}, INVALID_NAME),
])
def test_list_tables_validation(raw, kw, msg):
    # Pins: ListTables' Limit bounds and start-name texts.
    with pytest.raises(ClientError) as ei:
        raw.list_tables(**kw)
    assert err(ei) == ("ValidationException", msg)


# ---- UpdateTable ----------------------------------------------------------------------------

def test_update_table_throughput(ddb, table_name):
    # Pins: UpdateTable with nothing to change, with the current throughput, and a real change.
    name = table_name("upd")
    ddb.create_table(TableName=name, KeySchema=ks("h", "r"), AttributeDefinitions=AD_HR,
                     ProvisionedThroughput=PT)
    with pytest.raises(ClientError) as ei:
        ddb.update_table(TableName=name)
    assert err(ei) == ("ValidationException", "Nothing to update")
    with pytest.raises(ClientError) as ei:
        ddb.update_table(TableName=name, ProvisionedThroughput=PT)
    assert err(ei) == ("ValidationException",
                       "The requested throughput value equals the current value")
    d = ddb.update_table(TableName=name, ProvisionedThroughput={
        "ReadCapacityUnits": 7, "WriteCapacityUnits": 6})["TableDescription"]
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    d = wait_active(ddb, name)
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    assert d["ProvisionedThroughput"]["WriteCapacityUnits"] == 6
    # a decrease: DynamoDB Local does not count decreases (NumberOfDecreasesToday stays 0)
    ddb.update_table(TableName=name, ProvisionedThroughput={
        "ReadCapacityUnits": 2, "WriteCapacityUnits": 2})
    d = wait_active(ddb, name)
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
    assert d["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 0
    with pytest.raises(ClientError) as ei:
        ddb.update_table(TableName=table_name("absent"), ProvisionedThroughput=PT)
    assert err(ei) == ("ResourceNotFoundException", NOT_FOUND)


def test_update_table_gsi_create_backfills_and_delete(ddb, table_name):
    # Pins: a GSI added by UpdateTable is CREATING in the response, becomes ACTIVE, holds the
    # existing items (backfill), its key attribute joins AttributeDefinitions; deleting it
    # removes it and its definition.
    name = table_name("gsiu")
    make_table(ddb, name, hash=("h", "S"), range=("r", "N"))
    ddb.put_item(TableName=name, Item={"h": {"S": "x"}, "r": {"N": "1"}, "g": {"S": "gg"}})
    ddb.put_item(TableName=name, Item={"h": {"S": "y"}, "r": {"N": "2"}})
    d = ddb.update_table(
        TableName=name, AttributeDefinitions=ad(g="S"),
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "byg", "KeySchema": ks("g"), "Projection": {"ProjectionType": "ALL"}}}],
    )["TableDescription"]
    [g] = d["GlobalSecondaryIndexes"]
    assert g["IndexName"] == "byg" and g["IndexStatus"] == "CREATING"
    d = wait_active(ddb, name)
    assert {a["AttributeName"] for a in d["AttributeDefinitions"]} == {"h", "r", "g"}
    items = ddb.query(TableName=name, IndexName="byg", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": {"S": "gg"}})["Items"]
    assert items == [{"h": {"S": "x"}, "r": {"N": "1"}, "g": {"S": "gg"}}]

    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byg"}}])
    deadline = time.time() + 60
    while "GlobalSecondaryIndexes" in ddb.describe_table(TableName=name)["Table"]:
        assert time.time() < deadline
        time.sleep(0.1)
    d = ddb.describe_table(TableName=name)["Table"]
    assert {a["AttributeName"] for a in d["AttributeDefinitions"]} == {"h", "r"}


def test_update_table_gsi_errors(raw, table_name):
    # Pins: UpdateTable's GSI errors: no definitions, an undefined key attribute, an empty
    # action, two index changes at once, an existing index, deleting an absent index.
    name = table_name("gsie")
    make_table(raw, name, hash=("h", "S"))

    def create(index="byz", key="z"):
        return {"Create": {"IndexName": index, "KeySchema": ks(key),
                           "Projection": {"ProjectionType": "ALL"}}}

    cases = [
        ({"GlobalSecondaryIndexUpdates": [create()]},
         ("ValidationException", "No Attribute Schema Defined")),
        ({"AttributeDefinitions": ad(q="S"), "GlobalSecondaryIndexUpdates": [create()]},
         ("ValidationException", "Attribute z is not defined in AttributeDefinitions")),
        ({"GlobalSecondaryIndexUpdates": [{}]},
         ("ValidationException", "Update global secondary index action is null")),
        ({"GlobalSecondaryIndexUpdates": []}, ("ValidationException", "Nothing to update")),
        ({"AttributeDefinitions": ad(z="S")}, ("ValidationException", "Nothing to update")),
        ({"AttributeDefinitions": ad(z="S"),
          "GlobalSecondaryIndexUpdates": [create(), create("byz2")]},
         ("LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be "
                                    "created or deleted simultaneously per table")),
        ({"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "nope"}}]},
         ("ResourceNotFoundException", "Requested resource not found")),
    ]
    for kw, want in cases:
        with pytest.raises(ClientError) as ei:
            raw.update_table(TableName=name, **kw)
        assert err(ei) == want, kw
    # extra unused definitions are accepted
    raw.update_table(TableName=name, AttributeDefinitions=ad(z="S", q="N"),
                     GlobalSecondaryIndexUpdates=[create()])
    d = wait_active(raw, name)
    assert {a["AttributeName"] for a in d["AttributeDefinitions"]} == {"h", "z", "q"}
    with pytest.raises(ClientError) as ei:
        raw.update_table(TableName=name, AttributeDefinitions=ad(z="S"),
                         GlobalSecondaryIndexUpdates=[create()])
    assert err(ei) == ("ValidationException", "Attempting to create an index which already exists")


def test_update_table_check_order(raw, table_name):
    # Pins more of DynamoDB Local's UpdateTable order (found by differential fuzzing): one
    # update per index first, then null actions, then the one-create-or-delete limit; an
    # existing index before the definitions; definitions validated with a Delete; an unknown
    # index in an Update; throughput and stream changes together.
    name = table_name("uord")
    raw.create_table(TableName=name, KeySchema=ks("h", "r"), AttributeDefinitions=AD_HRG,
                     ProvisionedThroughput=PT, GlobalSecondaryIndexes=[gsi("gsi0", pt=PT)])
    wait_active(raw, name)
    new = {"Create": {"IndexName": "gsi9", "KeySchema": ks("z"),
                      "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": PT}}
    bad_ad = ad(z="X")
    cases = [
        ({"GlobalSecondaryIndexUpdates": [{}, new, new]},
         ("ValidationException",
          "Only one global secondary index update per index is allowed simultaneously.")),
        ({"GlobalSecondaryIndexUpdates": [new, {}]},
         ("ValidationException", "Update global secondary index action is null")),
        ({"GlobalSecondaryIndexUpdates": [new, {"Delete": {"IndexName": "nope"}}]},
         ("LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be "
                                    "created or deleted simultaneously per table")),
        ({"AttributeDefinitions": bad_ad,
          "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "gsi0"}}]},
         ("ValidationException", "Attempting to create an index which already exists")),
        ({"AttributeDefinitions": bad_ad, "GlobalSecondaryIndexUpdates": [new]},
         ("ValidationException", "Member must satisfy enum value set: [B, N, S]")),
        ({"AttributeDefinitions": bad_ad,
          "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "nope"}}]},
         ("ResourceNotFoundException", "Requested resource not found")),
        ({"AttributeDefinitions": bad_ad,
          "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "gsi0"}}]},
         ("ValidationException", "Member must satisfy enum value set: [B, N, S]")),
        ({"GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "nope",
                                                      "ProvisionedThroughput": PT}}]},
         ("ValidationException", "Invalid global secondary index name")),
        ({"GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "gsi0"}}]},
         ("ValidationException",
          "No provisioned throughput specified for the global secondary index")),
        ({"GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "gsi0",
                                                      "ProvisionedThroughput": PT}}]},
         ("ValidationException", "The requested throughput value equals the current value")),
        ({"ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 9},
          "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}},
         ("ValidationException", "Cannot change IOPS and Streams at the same time.")),
        ({"ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 9},
          "StreamSpecification": {"StreamEnabled": True}},
         ("ValidationException",
          "Table read and write throughput must be at least 1, and cannot be null")),
        ({"BillingMode": "PAY_PER_REQUEST", "StreamSpecification": {"StreamEnabled": True}},
         ("ValidationException", "Invalid StreamViewType: Stream ViewType must not be null or "
                                 "empty when enabling streams.")),
    ]
    for kw, want in cases:
        with pytest.raises(ClientError) as ei:
            raw.update_table(TableName=name, **kw)
        assert err(ei) == want, kw
    # malformed definitions are ignored when no index changes (DynamoDB Local)
    raw.update_table(TableName=name, AttributeDefinitions=bad_ad, BillingMode="PROVISIONED")
    # a GSI's throughput can change
    d = raw.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "gsi0", "ProvisionedThroughput": {"ReadCapacityUnits": 8,
                                                      "WriteCapacityUnits": 6}}}])
    g = wait_active(raw, name)["GlobalSecondaryIndexes"][0]
    assert g["ProvisionedThroughput"]["ReadCapacityUnits"] == 8


def test_update_table_stream(ddb, table_name):
    # Pins: enabling a stream twice and disabling an absent stream are ValidationExceptions.
    name = table_name("strm")
    make_table(ddb, name)
    with pytest.raises(ClientError) as ei:
        ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert err(ei) == ("ValidationException", "Table has no stream to disable")
    d = ddb.update_table(TableName=name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]
    assert d["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert d["LatestStreamArn"].startswith(d["TableArn"] + "/stream/")
    with pytest.raises(ClientError) as ei:
        ddb.update_table(TableName=name, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    assert err(ei) == ("ValidationException", "Table already has an enabled stream")
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in wait_active(ddb, name)


@pytest.mark.requires_ddbchat
def test_update_table_to_provisioned_needs_gsi_throughput(ddb, table_name):
    # Pins the service's rule (DynamoDB Local fails with InternalFailure here): switching an
    # on-demand table with a GSI to PROVISIONED needs the GSI's throughput in the same call.
    name = table_name("bill3")
    make_table(ddb, name, gsis=[{"name": "byg", "hash": ("g", "S")}])
    with pytest.raises(ClientError) as ei:
        ddb.update_table(TableName=name, BillingMode="PROVISIONED", ProvisionedThroughput=PT)
    assert err(ei) == ("ValidationException", "One or more parameter values were invalid: "
                       "ProvisionedThroughput must be specified for index: byg")
    d = ddb.update_table(TableName=name, BillingMode="PROVISIONED", ProvisionedThroughput=PT,
                         GlobalSecondaryIndexUpdates=[{"Update": {
                             "IndexName": "byg", "ProvisionedThroughput": {
                                 "ReadCapacityUnits": 2, "WriteCapacityUnits": 3}}}])
    d = d["TableDescription"]
    assert d["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert d["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"] == {
        "ReadCapacityUnits": 2, "WriteCapacityUnits": 3}


def test_update_table_billing_to_provisioned_needs_throughput(ddb, table_name):
    # Pins: switching on-demand -> provisioned without ProvisionedThroughput.
    name = table_name("bill2")
    make_table(ddb, name)
    with pytest.raises(ClientError) as ei:
        ddb.update_table(TableName=name, BillingMode="PROVISIONED")
    assert err(ei) == ("ValidationException", "No provisioned throughput specified for the table")


def test_update_table_billing_mode(ddb, table_name):
    # Pins: switching a provisioned table to on-demand shows BillingModeSummary.
    name = table_name("bill")
    ddb.create_table(TableName=name, KeySchema=ks("h"), AttributeDefinitions=ad(h="S"),
                     ProvisionedThroughput=PT)
    d = ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert d["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    d = wait_active(ddb, name)
    assert d["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_deletion_protection(ddb, ddb_url, table_name):
    # Pins: a protected table cannot be deleted (DynamoDB's text) until UpdateTable turns
    # protection off; the flag shows in the description.
    # (raw requests: this boto3's model may predate DeletionProtectionEnabled)
    name = table_name("prot")
    status, _, body = raw_request(ddb_url, {
        "TableName": name, "KeySchema": ks("h"), "AttributeDefinitions": ad(h="S"),
        "BillingMode": "PAY_PER_REQUEST", "DeletionProtectionEnabled": True},
        target="DynamoDB_20120810.CreateTable")
    assert status == 200, body
    with pytest.raises(ClientError) as ei:
        ddb.delete_table(TableName=name)
    assert err(ei) == ("ValidationException",
                       "Resource cannot be deleted as it is currently protected against "
                       "deletion. Disable deletion protection first.")
    status, _, body = raw_request(ddb_url, {"TableName": name},
                                  target="DynamoDB_20120810.DescribeTable")
    assert json.loads(body)["Table"]["DeletionProtectionEnabled"] is True
    status, _, body = raw_request(ddb_url, {"TableName": name, "DeletionProtectionEnabled": False},
                                  target="DynamoDB_20120810.UpdateTable")
    assert status == 200, body
    assert json.loads(body)["TableDescription"]["DeletionProtectionEnabled"] is False
    ddb.delete_table(TableName=name)
    with pytest.raises(ClientError) as ei:
        ddb.describe_table(TableName=name)
    assert err(ei) == ("ResourceNotFoundException", NOT_FOUND)


@pytest.mark.parametrize("kw", [
    {"AttributeDefinitions": ad(x="S")},
    {"SSESpecification": {"Enabled": True}},
    {"TableClass": "STANDARD"},
    {"ReplicaUpdates": []},
], ids=["attrdefs", "sse", "tableclass", "replicas"])
def test_update_table_nothing_to_update(raw, table_name, kw):
    # Pins: UpdateTable with only these members is "Nothing to update" on DynamoDB Local.
    name = table_name("noop")
    make_table(raw, name)
    with pytest.raises(ClientError) as ei:
        raw.update_table(TableName=name, **kw)
    assert err(ei) == ("ValidationException", "Nothing to update")


# ---- account-level ----------------------------------------------------------------------------

def test_describe_limits(ddb):
    # Pins: DescribeLimits answers DynamoDB Local's fixed numbers.
    r = ddb.describe_limits()
    assert r["AccountMaxReadCapacityUnits"] == 80000
    assert r["AccountMaxWriteCapacityUnits"] == 80000
    assert r["TableMaxReadCapacityUnits"] == 40000
    assert r["TableMaxWriteCapacityUnits"] == 40000


@pytest.mark.requires_ddbchat
def test_describe_endpoints(ddb):
    # Pins: DescribeEndpoints answers one endpoint cached 1440 minutes (DynamoDB Local does
    # not implement the operation).
    [ep] = ddb.describe_endpoints()["Endpoints"]
    assert ep["CachePeriodInMinutes"] == 1440
    assert ep["Address"]


# ---- namespaces (ddbchat's --namespace-tables, like DynamoDB Local without -sharedDb) ---------

@pytest.mark.requires_ddbchat
def test_namespace_tables_per_key_and_region(ddbchat_server):
    # Pins: with --namespace-tables each access key + region sees only its own tables (as
    # DynamoDB Local does without -sharedDb); the same name can exist in two namespaces.
    from conftest import client_for
    srv = ddbchat_server("--namespace-tables")
    a = client_for(srv.ddb_url, key="AKIDA")
    b = client_for(srv.ddb_url, key="AKIDB")
    a_west = client_for(srv.ddb_url, key="AKIDA", region="us-west-2")
    make_table(a, "same_name")
    make_table(b, "same_name", hash=("other", "N"))
    make_table(a, "only_a")
    assert a.list_tables()["TableNames"] == ["only_a", "same_name"]
    assert b.list_tables()["TableNames"] == ["same_name"]
    assert a_west.list_tables()["TableNames"] == []
    d = b.describe_table(TableName="same_name")["Table"]
    assert d["TableName"] == "same_name"
    assert d["KeySchema"] == ks("other")
    assert d["TableArn"].endswith(":table/same_name")
    with pytest.raises(ClientError) as ei:
        b.describe_table(TableName="only_a")
    assert err(ei) == ("ResourceNotFoundException", NOT_FOUND)
    # items live in the caller's table; ConsumedCapacity names the table without the prefix
    a.put_item(TableName="same_name", Item={"pk": {"S": "k"}, "v": {"S": "a"}})
    b.put_item(TableName="same_name", Item={"other": {"N": "1"}, "v": {"S": "b"}})
    got = a.get_item(TableName="same_name", Key={"pk": {"S": "k"}},
                     ReturnConsumedCapacity="TOTAL")
    assert got["Item"]["v"] == {"S": "a"}
    assert got["ConsumedCapacity"]["TableName"] == "same_name"
    assert b.scan(TableName="same_name")["Items"] == [{"other": {"N": "1"}, "v": {"S": "b"}}]
    a.delete_table(TableName="same_name")
    assert b.describe_table(TableName="same_name")["Table"]["TableName"] == "same_name"


@pytest.mark.requires_ddbchat
def test_table_metadata_survives_restart(ddbchat_server):
    # Pins: everything DescribeTable/DescribeTimeToLive/ListTagsOfResource report is durable:
    # a restarted server on the same data dir describes the table identically.
    from conftest import client_for
    srv = ddbchat_server()
    c = client_for(srv.ddb_url)
    name = "persisted_table"
    c.create_table(
        TableName=name, KeySchema=ks("h", "r"), AttributeDefinitions=ad(h="S", r="N", g="B"),
        ProvisionedThroughput=PT, Tags=[{"Key": "k", "Value": "v"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": ks("g"),
                                 "Projection": {"ProjectionType": "KEYS_ONLY"},
                                 "ProvisionedThroughput": {"ReadCapacityUnits": 2,
                                                           "WriteCapacityUnits": 3}}])
    c.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "exp"})
    c.put_item(TableName=name, Item={"h": {"S": "a"}, "r": {"N": "1"}, "g": {"B": b"x"}})
    before = c.describe_table(TableName=name)["Table"]
    srv.stop()
    srv2 = ddbchat_server(data_dir=srv.data_dir)
    c2 = client_for(srv2.ddb_url)
    after = c2.describe_table(TableName=name)["Table"]
    assert after == before
    assert c2.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    assert c2.list_tags_of_resource(ResourceArn=before["TableArn"])["Tags"] == [
        {"Key": "k", "Value": "v"}]
