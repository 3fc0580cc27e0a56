"""ListExports, ListImports, ListGlobalTables, DescribeExport, DescribeImport,
DescribeGlobalTable and DescribeGlobalTableSettings (src/api/op_elsewhere.c).

ddbchat has no S3 and one Region, so it holds no export, import or (version 2017.11.29) global
table: the listings are AWS's answers for an account without any (an empty list), a describe
is the API's not-found error after AWS's checks of the ARN's shape (texts from live AWS,
ack-api-quirks; see api_text.h).  The
request model's constraints come first.  DynamoDB Local has none of these operations
(UnknownOperationException, pinned below).  Each test names the behaviour it pins.
"""
import pytest

from test_resource_policy import call, fails, ok


@pytest.fixture
def only_ddbchat(target):
    if target == "dynamodb-local":
        pytest.skip("DynamoDB Local has none of these operations (UnknownOperationException)")


EXPORT_ARN = ("arn:aws:dynamodb:us-east-1:000000000000:table/tab1/export/"
              "01700000000000-abcdef12")
IMPORT_ARN = ("arn:aws:dynamodb:us-east-1:000000000000:table/tab1/import/"
              "01700000000000-abcdef12")


@pytest.mark.requires_dynamodb_local
def test_dynamodb_local_has_none_of_them(ddb_url):
    # Pins why the other tests skip on DynamoDB Local.
    for op, body in (("ListExports", {}), ("ListImports", {}), ("ListGlobalTables", {}),
                     ("DescribeExport", {"ExportArn": EXPORT_ARN}),
                     ("DescribeGlobalTable", {"GlobalTableName": "t1"}),
                     ("ExportTableToPointInTime", {}), ("ImportTable", {}),
                     ("CreateGlobalTable", {}), ("UpdateGlobalTable", {}),
                     ("UpdateGlobalTableSettings", {}), ("DescribeTableReplicaAutoScaling", {}),
                     ("UpdateTableReplicaAutoScaling", {})):
        assert fails(ddb_url, op, **body) == ("UnknownOperationException",
                                              "An unknown operation was requested."), op


def test_listings_are_empty(ddb_url, only_ddbchat):
    # Pins: with nothing exported, imported or replicated, each listing answers its member as
    # an empty list and no NextToken (a table filter or a page size changes nothing).
    assert ok(ddb_url, "ListExports") == {"ExportSummaries": []}
    assert ok(ddb_url, "ListExports", TableArn="arn:aws:dynamodb:us-east-1:000000000000:table/x",
              MaxResults=25) == {"ExportSummaries": []}
    assert ok(ddb_url, "ListImports", PageSize=1) == {"ImportSummaryList": []}
    assert ok(ddb_url, "ListGlobalTables", RegionName="us-east-1", Limit=5) == {
        "GlobalTables": []}


def test_list_exports_refuses_any_token(ddb_url, only_ddbchat):
    # Pins AWS: a NextToken ListExports never gave out is a ValidationException (400), not
    # the first page (ScyllaDB's AWS-run test_list_exports_invalid_next_token, 256 hex
    # characters); over 656 characters AWS's text from boto3 issue #4196, under 112 the same
    # with the other bound (inferred: "token too short").  ddbchat holds no export, so every
    # token is one it never gave out; it answered any of them with the empty first page.
    lim = ("Invalid Request: 1 validation error detected: Value *** at 'nextToken' failed to "
           "satisfy constraint: Member must have length ")
    assert fails(ddb_url, "ListExports", NextToken="0123456789abcdef" * 16) == (
        "ValidationException", "Invalid NextToken")
    assert fails(ddb_url, "ListExports", NextToken="x" * 657, MaxResults=5) == (
        "ValidationException", lim + "less than or equal to 656")
    assert fails(ddb_url, "ListExports", NextToken="garbage") == (
        "ValidationException", lim + "greater than or equal to 112")
    assert fails(ddb_url, "ListExports", NextToken="\u00e9" * 656)[1] == "Invalid NextToken"
    # The model counts UTF-16 units: a character past U+FFFF is 2 (400 emoji are 800 > 656,
    # 100 are 200 >= 112); ddbchat counted code points, and answered these two the other way.
    assert fails(ddb_url, "ListExports", NextToken="\U0001f600" * 400) == (
        "ValidationException", lim + "less than or equal to 656")
    assert fails(ddb_url, "ListExports", NextToken="\U0001f600" * 100)[1] == "Invalid NextToken"
    assert fails(ddb_url, "ListExports", NextToken="")[0] == "ValidationException"
    assert fails(ddb_url, "ListExports", NextToken=5)[0] == "SerializationException"
    assert ok(ddb_url, "ListExports", NextToken=None) == {"ExportSummaries": []}


def test_describes_are_not_found(ddb_url, only_ddbchat):
    # Pins AWS's not-found answers (ack-api-quirks DDB-EXPORT-006, DDB-IMPORT-010,
    # DDB-GLOBALTABLE-004): a well-formed export ARN of this region and account is
    # ExportNotFoundException with the prefix twice; the global table texts differ between
    # DescribeGlobalTable and its Settings.  The import texts are inferred (README).
    assert fails(ddb_url, "DescribeExport", ExportArn=EXPORT_ARN) == (
        "ExportNotFoundException", "Export not found: Export not found: " + EXPORT_ARN)
    assert fails(ddb_url, "DescribeImport", ImportArn=IMPORT_ARN) == (
        "ImportNotFoundException", "Import not found: Import not found: " + IMPORT_ARN)
    assert fails(ddb_url, "DescribeGlobalTable", GlobalTableName="orders") == (
        "GlobalTableNotFoundException",
        "Global table not found: Global table with name: 'orders' does not exist.")
    assert fails(ddb_url, "DescribeGlobalTableSettings", GlobalTableName="orders") == (
        "GlobalTableNotFoundException", "Global table with name: 'orders' does not exist.")


def test_describe_arn_shapes(ddb_url, only_ddbchat):
    # Pins DDB-EXPORT-006 / DDB-IMPORT-010: a table ARN, the other kind's ARN, a malformed
    # string or a table name under 3 characters is ValidationException "Invalid Export ARN" /
    # "Invalid Import ARN"; another account is AccessDeniedException; another region is the
    # not-found with "Invalid export arn".
    table_arn = "arn:aws:dynamodb:us-east-1:000000000000:table/t1-table-arn-long"
    for op, member, good, other in (("DescribeExport", "ExportArn", EXPORT_ARN, IMPORT_ARN),
                                    ("DescribeImport", "ImportArn", IMPORT_ARN, EXPORT_ARN)):
        kind = op[len("Describe"):]
        bad = ("ValidationException", f"Invalid {kind} ARN")
        assert fails(ddb_url, op, **{member: table_arn}) == bad
        assert fails(ddb_url, op, **{member: other}) == bad
        assert fails(ddb_url, op, **{member: "x" * 40}) == bad
        assert fails(ddb_url, op, **{member: good.replace("table/tab1/", "table/x/")}) == bad
        assert fails(ddb_url, op, **{member: good + "/more"}) == bad
        assert fails(ddb_url, op, **{member: good.replace("000000000000", "111111111111")}) \
            == ("AccessDeniedException", "Access is denied")
        assert fails(ddb_url, op, **{member: good.replace("us-east-1", "us-west-2")}) == (
            f"{kind}NotFoundException", f"{kind} not found: Invalid {kind.lower()} arn")
        assert fails(ddb_url, op, **{member: good})[0] == f"{kind}NotFoundException"


def test_request_models(ddb_url, only_ddbchat):
    # Pins the model's constraints (API Reference): page sizes 1..25, ListImports' NextToken
    # of 112..1024 hex characters in groups of 16, Limit >= 1, the ARNs 37..1024, the global
    # table's name as a table name.
    def v(*parts):
        n = len(parts)
        return ("ValidationException", f"{n} validation error{'s' if n > 1 else ''} detected: "
                + "; ".join(parts))
    assert fails(ddb_url, "ListExports", MaxResults=26) == v(
        "Value '26' at 'maxResults' failed to satisfy constraint: Member must have value less "
        "than or equal to 25")
    assert fails(ddb_url, "ListImports", PageSize=0, NextToken="xyz") == v(
        "Value '0' at 'pageSize' failed to satisfy constraint: Member must have value greater "
        "than or equal to 1",
        "Value 'xyz' at 'nextToken' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: ([0-9a-f]{16})+",
        "Value 'xyz' at 'nextToken' failed to satisfy constraint: Member must have length "
        "greater than or equal to 112")
    assert fails(ddb_url, "ListGlobalTables", Limit=0)[0] == "ValidationException"
    assert fails(ddb_url, "DescribeExport", ExportArn="arn:short") == v(
        "Value 'arn:short' at 'exportArn' failed to satisfy constraint: Member must have length "
        "greater than or equal to 37")
    assert fails(ddb_url, "DescribeGlobalTable") == v(
        "Value null at 'globalTableName' failed to satisfy constraint: Member must not be null")


TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/tab1"
NN = "failed to satisfy constraint: Member must not be null"


def _v(*parts):
    n = len(parts)
    return ("ValidationException", f"{n} validation error{'s' if n > 1 else ''} detected: "
            + "; ".join(parts))


def test_unserved_ops_check_their_request_first(ddb_url, only_ddbchat):
    # Pins: the operations ddbchat does not serve (an export or import needs S3, a global table
    # or replica auto scaling a second Region) check their request against the model first, as
    # AWS does, then answer what a local endpoint can: UnknownOperationException (DynamoDB
    # Local's type for what it lacks, above) naming the missing feature, or, for a global
    # table it cannot hold, the not-found DescribeGlobalTable(Settings) answers.  Live AWS
    # (ack-api-quirks DDB-TABLE-457, 2026-10-09): ExportTableToPointInTime TableArn '' is
    # "Invalid TableArn: Invalid Table ARN", S3Bucket '' the model's pattern;
    # UpdateGlobalTable ReplicaUpdates [{}] "One or more parameter values were invalid";
    # UpdateGlobalTableSettings ReplicaSettingsUpdate [{}] the model's null regionName.  They
    # answered UnknownOperationException before reading anything.
    assert fails(ddb_url, "ExportTableToPointInTime") == _v(
        f"Value null at 'tableArn' {NN}", f"Value null at 's3Bucket' {NN}")
    assert fails(ddb_url, "ExportTableToPointInTime", TableArn="", S3Bucket="bucket") == (
        "ValidationException", "Invalid TableArn: Invalid Table ARN")
    assert fails(ddb_url, "ExportTableToPointInTime", TableArn=TABLE_ARN, S3Bucket="") == _v(
        "Value '' at 's3Bucket' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: ^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$")
    assert fails(ddb_url, "ExportTableToPointInTime", TableArn=TABLE_ARN, S3Bucket="b-1",
                 ExportFormat="CSV", S3BucketOwner="12") == _v(
        "Value '12' at 's3BucketOwner' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: [0-9]{12}",
        "Value 'CSV' at 'exportFormat' failed to satisfy constraint: Member must satisfy enum "
        "value set: [DYNAMODB_JSON, ION]")
    t, msg = fails(ddb_url, "ExportTableToPointInTime", TableArn=TABLE_ARN, S3Bucket="b-1")
    assert t == "UnknownOperationException" and "ExportTableToPointInTime" in msg and \
        "S3" in msg and "ddbchat export" in msg, msg
    tcp = {"TableName": "imp", "AttributeDefinitions": [{"AttributeName": "a",
                                                         "AttributeType": "S"}],
           "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}]}
    assert fails(ddb_url, "ImportTable", S3BucketSource={"S3Bucket": "b-1"}, InputFormat="X",
                 TableCreationParameters={}) == _v(
        "Value 'X' at 'inputFormat' failed to satisfy constraint: Member must satisfy enum value "
        "set: [DYNAMODB_JSON, ION, CSV]",
        f"Value null at 'tableCreationParameters.tableName' {NN}",
        f"Value null at 'tableCreationParameters.attributeDefinitions' {NN}",
        f"Value null at 'tableCreationParameters.keySchema' {NN}")
    assert fails(ddb_url, "ImportTable", S3BucketSource={"S3Bucket": "b-1"}, InputFormat="CSV",
                 InputFormatOptions={"Csv": {"Delimiter": "x", "HeaderList": ["a", "b,c"]}},
                 TableCreationParameters=tcp) == _v(
        "Value 'x' at 'inputFormatOptions.csv.delimiter' failed to satisfy constraint: Member "
        "must satisfy regular expression pattern: [,;:|\\t ]",
        "Value '[a, b,c]' at 'inputFormatOptions.csv.headerList' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 65536, "
        "Member must have length greater than or equal to 1, Member must satisfy regular "
        "expression pattern: [\\x20-\\x21\\x23-\\x2B\\x2D-\\x7E]*]")
    t, msg = fails(ddb_url, "ImportTable", S3BucketSource={"S3Bucket": "b-1"},
                   InputFormat="CSV", TableCreationParameters=tcp)
    assert t == "UnknownOperationException" and "ImportTable" in msg and "S3" in msg and \
        "ddbchat import" in msg, msg
    assert fails(ddb_url, "UpdateGlobalTable", GlobalTableName="orders",
                 ReplicaUpdates=[{}]) == ("ValidationException",
                                          "One or more parameter values were invalid")
    assert fails(ddb_url, "UpdateGlobalTable", GlobalTableName="orders",
                 ReplicaUpdates=[{"Create": {}}]) == _v(
        f"Value null at 'replicaUpdates.1.member.create.regionName' {NN}")
    assert fails(ddb_url, "UpdateGlobalTable", GlobalTableName="orders", ReplicaUpdates=[
        {"Create": {"RegionName": "us-west-2"}}]) == (
        "GlobalTableNotFoundException",
        "Global table not found: Global table with name: 'orders' does not exist.")
    assert fails(ddb_url, "UpdateGlobalTableSettings", GlobalTableName="orders",
                 ReplicaSettingsUpdate=[{}]) == _v(
        f"Value null at 'replicaSettingsUpdate.1.member.regionName' {NN}")
    assert fails(ddb_url, "UpdateGlobalTableSettings", GlobalTableName="orders",
                 GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate={
                     "MinimumUnits": 0, "ScalingPolicyUpdate": {"PolicyName": "p\x01"}}) == _v(
        "Value '0' at 'globalTableProvisionedWriteCapacityAutoScalingSettingsUpdate."
        "minimumUnits' failed to satisfy constraint: Member must have value greater than or "
        "equal to 1",
        "Value 'p\x01' at 'globalTableProvisionedWriteCapacityAutoScalingSettingsUpdate."
        "scalingPolicyUpdate.policyName' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: \\p{Print}+",
        "Value null at 'globalTableProvisionedWriteCapacityAutoScalingSettingsUpdate."
        f"scalingPolicyUpdate.targetTrackingScalingPolicyConfiguration' {NN}")
    assert fails(ddb_url, "UpdateGlobalTableSettings", GlobalTableName="orders",
                 GlobalTableBillingMode="PAY_PER_REQUEST") == (
        "GlobalTableNotFoundException", "Global table with name: 'orders' does not exist.")
    assert fails(ddb_url, "CreateGlobalTable", GlobalTableName="ab", ReplicationGroup=[]) == _v(
        "Value 'ab' at 'globalTableName' failed to satisfy constraint: Member must have length "
        "greater than or equal to 3")
    t, msg = fails(ddb_url, "CreateGlobalTable", GlobalTableName="orders",
                   ReplicationGroup=[{"RegionName": "us-east-1"}])
    assert t == "UnknownOperationException" and "CreateGlobalTable" in msg and \
        "Region" in msg, msg
    assert fails(ddb_url, "DescribeTableReplicaAutoScaling") == _v(
        f"Value null at 'tableName' {NN}")
    assert fails(ddb_url, "UpdateTableReplicaAutoScaling", TableName="t1",
                 ReplicaUpdates=[]) == _v(
        "Value '[]' at 'replicaUpdates' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1")
    for op, body in (("DescribeTableReplicaAutoScaling", {"TableName": "t1"}),
                     ("UpdateTableReplicaAutoScaling", {"TableName": "t1"})):
        t, msg = fails(ddb_url, op, **body)
        assert t == "UnknownOperationException" and op in msg and "auto scaling" in msg, msg


# UpdateTable's ReplicaUpdates (global tables version 2019.11.21: a replica is the table in
# another Region).  ddbchat serves one Region, so it refuses them, as it refuses
# CreateGlobalTable, once the request is otherwise valid and the table exists: alone they were
# answered "At least one of ..., ReplicaUpdates, ... is required" (which names the member the
# request carries; the service leaves such members out of that list), and next to another
# change they were dropped without a word (200, no replica).  DynamoDB Local ignores them the
# same two ways: "Nothing to update", or the other change alone.
def test_update_table_replica_updates_refused(ddb_url, target):
    name = "elsewhere_rep"
    ok(ddb_url, "CreateTable", TableName=name, BillingMode="PAY_PER_REQUEST",
       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
       KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    try:
        create = [{"Create": {"RegionName": "eu-west-1"}}]
        for extra in ({}, {"DeletionProtectionEnabled": False}):
            if target == "dynamodb-local":
                if extra:
                    ok(ddb_url, "UpdateTable", TableName=name, ReplicaUpdates=create, **extra)
                else:
                    assert fails(ddb_url, "UpdateTable", TableName=name,
                                 ReplicaUpdates=create) == ("ValidationException",
                                                            "Nothing to update")
                continue
            t, msg = fails(ddb_url, "UpdateTable", TableName=name, ReplicaUpdates=create, **extra)
            assert t == "UnknownOperationException" and "ReplicaUpdates" in msg and \
                "Region" in msg, msg
        if target != "dynamodb-local":
            # the table first: a table that does not exist is the not-found error
            assert fails(ddb_url, "UpdateTable", TableName=name + "_none",
                         ReplicaUpdates=create)[0] == "ResourceNotFoundException"
            # the request's own rules first
            assert fails(ddb_url, "UpdateTable", TableName=name, ReplicaUpdates=create,
                         BillingMode="PAY_PER_REQUEST",
                         ProvisionedThroughput={"ReadCapacityUnits": 1,
                                                "WriteCapacityUnits": 1})[0] == \
                "ValidationException"
            assert "Replicas" not in ok(ddb_url, "DescribeTable", TableName=name)["Table"]
    finally:
        call(ddb_url, "DeleteTable", TableName=name)
