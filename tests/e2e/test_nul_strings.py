"""U+0000 inside every string member of every operation's request (issue 9 item 1).

A JSON string may hold "\\u0000"; a server that reads it as a C string sees only the part
before it ("victim\\u0000junk" acted on table "victim").  For each operation a valid request
is written below; the test walks it, and for every string member outside the attribute
values puts "\\u0000junk" after the member's text and sends it.  The service then answers
one of two ways, both asserted:
  - the member's constraints (a name pattern, an enum, an expression's syntax) reject the
    text: ValidationException (never a success, never an answer about the shortened text);
  - the text is legal with the NUL (a ClientRequestToken, an attribute name in
    ExpressionAttributeNames or AttributesToGet): the request succeeds and acts on the
    WHOLE text (a name that matches no attribute, a token of its own).
Attribute values themselves (S, SS, map keys inside M) round-trip with their NULs
(test_items.py::test_nul_bytes_roundtrip)."""
import copy
import json

import pytest

from conftest import raw_request, aws_or_local

NUL = "\u0000junk"

# Members whose text may legally hold U+0000 (no pattern or enum constrains it): the
# request succeeds.  Every other string member is rejected.
LEGAL = {"ClientRequestToken", "ExpressionAttributeNames.*", "AttributesToGet.*", "TagKeys.*"}


def call(url, op, body):
    st, _, payload = raw_request(url, body, target="DynamoDB_20120810." + op)
    return st, json.loads(payload) if payload else {}


def string_paths(node, path=()):
    """Paths of the string members of a request, not descending into AttributeValues
    (Item, Key, ExpressionAttributeValues, ExclusiveStartKey, AttributeValueList, Value)."""
    skip = {"Item", "Key", "Keys", "ExpressionAttributeValues", "ExclusiveStartKey",
            "AttributeValueList", "Value"}
    if isinstance(node, str):
        yield path
    elif isinstance(node, dict):
        for k, v in node.items():
            if k not in skip:
                yield from string_paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from string_paths(v, path + (i,))


def with_nul(body, path):
    b = copy.deepcopy(body)
    node = b
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = node[path[-1]] + NUL
    return b


def member_name(path):
    """The model member a path ends in: 'TableName', 'ExpressionAttributeNames.*' for a
    value of that map, 'AttributesToGet.*' for an element."""
    names = [p for p in path if isinstance(p, str)]
    last = names[-1]
    if len(names) >= 2 and names[-2] == "ExpressionAttributeNames":
        return "ExpressionAttributeNames.*"
    if isinstance(path[-1], int) and last in ("AttributesToGet", "TagKeys"):
        return last + ".*"
    return last


@pytest.fixture(scope="module")
def tables(ddb, request):
    from conftest import make_table
    import uuid
    t = "nul_" + uuid.uuid4().hex[:10]
    g = "nulg_" + uuid.uuid4().hex[:10]
    make_table(ddb, t)
    make_table(ddb, g, range=("sk", "S"),
               gsis=[{"name": "gidx", "hash": ("g", "S"), "projection": "ALL"}])
    ddb.put_item(TableName=t, Item={"pk": {"S": "a"}, "v": {"S": "1"}})
    yield t, g
    for name in (t, g):
        try:
            ddb.delete_table(TableName=name)
        except Exception:
            pass


def requests(t, g, arn="arn:aws:dynamodb:us-east-1:000000000000:table/T"):
    """(operation, a valid request that stays valid when repeated) for every operation but
    CreateTable, DeleteTable and UpdateTimeToLive (test_nul_in_create_table,
    test_victim_table_survives, test_nul_in_ttl_attribute)."""
    k = {"pk": {"S": "a"}}
    return [
        ("DescribeTable", {"TableName": t}),
        ("DescribeTimeToLive", {"TableName": t}),
        ("ListTables", {"ExclusiveStartTableName": t, "Limit": 5}),
        # one change per UpdateTable (AWS refuses TableClass with anything else)
        ("UpdateTable", {"TableName": t, "BillingMode": "PAY_PER_REQUEST"}),
        ("UpdateTable", {"TableName": t, "TableClass": "STANDARD"}),
        ("UpdateTable", {"TableName": g, "GlobalSecondaryIndexUpdates": [
            {"Delete": {"IndexName": "nope"}}]}),
        ("TagResource", {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": "v"}]}),
        ("UntagResource", {"ResourceArn": arn, "TagKeys": ["zz"]}),
        ("ListTagsOfResource", {"ResourceArn": arn}),
        ("GetItem", {"TableName": t, "Key": k, "ProjectionExpression": "#v",
                     "ExpressionAttributeNames": {"#v": "v"}, "ReturnConsumedCapacity": "TOTAL"}),
        ("GetItem", {"TableName": t, "Key": k, "AttributesToGet": ["v"]}),
        ("PutItem", {"TableName": t, "Item": {"pk": {"S": "p"}},
                     "ConditionExpression": "attribute_not_exists(#p) OR #p = :p",
                     "ExpressionAttributeNames": {"#p": "pk"},
                     "ExpressionAttributeValues": {":p": {"S": "p"}},
                     "ReturnValues": "ALL_OLD", "ReturnConsumedCapacity": "TOTAL",
                     "ReturnItemCollectionMetrics": "SIZE",
                     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
        ("PutItem", {"TableName": t, "Item": {"pk": {"S": "p2"}},
                     "Expected": {"v": {"ComparisonOperator": "NULL"},
                                  "w": {"ComparisonOperator": "NULL"}},
                     "ConditionalOperator": "AND"}),
        ("UpdateItem", {"TableName": t, "Key": {"pk": {"S": "u"}},
                        "UpdateExpression": "SET #w = :w",
                        "ConditionExpression": "attribute_not_exists(#w) OR size(#w) < :n",
                        "ExpressionAttributeNames": {"#w": "w"},
                        "ExpressionAttributeValues": {":w": {"S": "x"}, ":n": {"N": "9"}},
                        "ReturnValues": "UPDATED_NEW"}),
        ("UpdateItem", {"TableName": t, "Key": {"pk": {"S": "u2"}},
                        "AttributeUpdates": {"w": {"Action": "PUT", "Value": {"S": "x"}}}}),
        ("DeleteItem", {"TableName": t, "Key": {"pk": {"S": "d"}},
                        "ConditionExpression": "attribute_not_exists(v)",
                        "ReturnValues": "ALL_OLD"}),
        ("Query", {"TableName": g, "IndexName": "gidx", "KeyConditionExpression": "g = :g",
                   "FilterExpression": "#a > :z", "ProjectionExpression": "pk, #a",
                   "ExpressionAttributeNames": {"#a": "a"},
                   "ExpressionAttributeValues": {":g": {"S": "x"}, ":z": {"N": "0"}},
                   "Select": "SPECIFIC_ATTRIBUTES", "ReturnConsumedCapacity": "INDEXES"}),
        ("Query", {"TableName": g, "KeyConditions": {"pk": {
            "ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}},
            "QueryFilter": {"a": {"ComparisonOperator": "NOT_NULL"},
                            "b": {"ComparisonOperator": "NULL"}},
            "ConditionalOperator": "OR"}),
        ("Scan", {"TableName": t, "FilterExpression": "attribute_exists(v)",
                  "Select": "ALL_ATTRIBUTES"}),
        ("Scan", {"TableName": g, "IndexName": "gidx",
                  "ScanFilter": {"g": {"ComparisonOperator": "NOT_NULL"}}}),
        ("BatchGetItem", {"RequestItems": {t: {"Keys": [k], "ProjectionExpression": "#v",
                                               "ExpressionAttributeNames": {"#v": "v"}}},
                          "ReturnConsumedCapacity": "TOTAL"}),
        ("BatchWriteItem", {"RequestItems": {t: [{"PutRequest": {"Item": {"pk": {"S": "b"}}}}]},
                            "ReturnConsumedCapacity": "TOTAL",
                            "ReturnItemCollectionMetrics": "SIZE"}),
        ("TransactGetItems", {"TransactItems": [{"Get": {
            "TableName": t, "Key": k, "ProjectionExpression": "#v",
            "ExpressionAttributeNames": {"#v": "v"}}}], "ReturnConsumedCapacity": "TOTAL"}),
        ("TransactWriteItems", {"TransactItems": [
            {"ConditionCheck": {"TableName": t, "Key": k,
                                "ConditionExpression": "attribute_exists(pk)",
                                "ReturnValuesOnConditionCheckFailure": "NONE"}},
            {"Put": {"TableName": t, "Item": {"pk": {"S": "tw"}},
                     "ConditionExpression": "attribute_not_exists(nothing)"}},
            {"Update": {"TableName": t, "Key": {"pk": {"S": "tu"}},
                        "UpdateExpression": "SET #x = :x", "ExpressionAttributeNames": {"#x": "x"},
                        "ExpressionAttributeValues": {":x": {"S": "1"}}}},
            {"Delete": {"TableName": t, "Key": {"pk": {"S": "td"}}}}],
            "ClientRequestToken": "tok-1", "ReturnConsumedCapacity": "TOTAL",
            "ReturnItemCollectionMetrics": "SIZE"}),
    ]


def cases():
    out = []
    for ri, (op, body) in enumerate(requests("T", "G")):
        for pi, path in enumerate(string_paths(body)):
            out.append((op, ri, pi, "/".join(map(str, path))))
    return out


@pytest.mark.parametrize("op,idx,pidx,where", cases())
@pytest.mark.requires_ddbchat
def test_nul_in_string_member(ddb_url, tables, op, idx, pidx, where):
    """Every case once on ddbchat (DynamoDB Local answers most of these the service's way,
    but it truncates some names: it is not the reference here)."""
    import uuid
    t, g = tables
    arn = call(ddb_url, "DescribeTable", {"TableName": t})[1]["Table"]["TableArn"]
    body = requests(t, g, arn)[idx][1]
    if "ClientRequestToken" in body:
        body["ClientRequestToken"] = uuid.uuid4().hex[:20]
    path = list(string_paths(body))[pidx]
    # the valid request is valid (deleting an absent index: the service's not-found)
    st, doc = call(ddb_url, op, body)
    ok = 400 if "GlobalSecondaryIndexUpdates" in body else 200
    assert st == ok, (op, doc)
    bad = with_nul(body, path)
    if "ClientRequestToken" in body and path != ("ClientRequestToken",):
        bad["ClientRequestToken"] = uuid.uuid4().hex[:20]  # a new request: a new token
    st, doc = call(ddb_url, op, bad)
    name = member_name(path)
    assert st < 500, (op, path, doc)
    if name in LEGAL:
        assert st == ok, (op, path, doc)
        if op == "GetItem" and name in ("ExpressionAttributeNames.*", "AttributesToGet.*"):
            # the name with its NUL matches no attribute: "v" is not returned
            assert "v" not in doc.get("Item", {}), doc
    else:
        assert doc.get("__type", "").endswith("ValidationException"), (op, path, doc)


# The reproduction: a NUL-extended table name must not reach table "victim".
def test_victim_table_survives(ddb, ddb_url, target, table_name, make_table):
    victim = table_name("victim")
    make_table(ddb, victim)
    ddb.put_item(TableName=victim, Item={"pk": {"S": "keep"}})
    for op, body in [("PutItem", {"TableName": victim + NUL, "Item": {"pk": {"S": "x"}}}),
                     ("Scan", {"TableName": victim + NUL}),
                     ("GetItem", {"TableName": victim + NUL, "Key": {"pk": {"S": "keep"}}}),
                     ("Query", {"TableName": victim, "IndexName": "gidx" + NUL,
                                "KeyConditionExpression": "pk = :p",
                                "ExpressionAttributeValues": {":p": {"S": "keep"}}}),
                     ("DescribeTable", {"TableName": victim + NUL}),
                     ("UpdateTable", {"TableName": victim + NUL, "BillingMode": "PROVISIONED",
                                      "ProvisionedThroughput": {"ReadCapacityUnits": 1,
                                                                "WriteCapacityUnits": 1}}),
                     ("DeleteTable", {"TableName": victim + NUL}),
                     ("BatchWriteItem", {"RequestItems": {victim: [{"DeleteRequest": {
                         "Key": {"pk": {"S": "keep"}}}}]}, "ReturnConsumedCapacity": "NONE" + NUL})]:
        if op == "BatchWriteItem" and target == "dynamodb-local":
            continue  # DynamoDB Local ignores a ReturnConsumedCapacity outside its enum
        st, doc = call(ddb_url, op, body)
        assert st == 400 and doc["__type"].endswith("ValidationException"), (op, doc)
    items = ddb.scan(TableName=victim)["Items"]
    assert items == [{"pk": {"S": "keep"}}]


# Two tokens that differ only after a NUL are two tokens (not one, which would make the
# second request an IdempotentParameterMismatchException).
@pytest.mark.requires_ddbchat
def test_client_request_token_with_nul(ddb_url, tables):
    t, _ = tables
    for i, tok in enumerate(["same\u0000a", "same\u0000b"]):
        st, doc = call(ddb_url, "TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": t, "Item": {"pk": {"S": f"tok{i}"}}}}],
            "ClientRequestToken": tok})
        assert st == 200, doc


# CreateTable: every string member of a valid request, NUL-extended, is refused and creates
# no table (not one under the name cut at the NUL either).  Key and projected attribute names
# are legal for the model; ddbchat refuses them with a NUL (its store keeps them as C
# strings) rather than cutting them short.
@pytest.mark.requires_ddbchat
def test_nul_in_create_table(ddb, ddb_url, table_name):
    def body(name):
        return {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                         {"AttributeName": "sk", "AttributeType": "S"},
                                         {"AttributeName": "g", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                              {"AttributeName": "sk", "KeyType": "RANGE"}],
                "GlobalSecondaryIndexes": [{
                    "IndexName": "gidx", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}}],
                "LocalSecondaryIndexes": [{
                    "IndexName": "lidx", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                       {"AttributeName": "g", "KeyType": "RANGE"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                "TableClass": "STANDARD"}
    paths = list(string_paths(body("x")))
    for i, path in enumerate(paths):
        name = table_name(f"ctn{i}")
        st, doc = call(ddb_url, "CreateTable", with_nul(body(name), path))
        assert st == 400 and doc["__type"].endswith("ValidationException"), (path, doc)
        assert call(ddb_url, "DescribeTable", {"TableName": name})[0] == 400, path
    name = table_name("ctok")
    assert call(ddb_url, "CreateTable", body(name))[0] == 200
    ddb.delete_table(TableName=name)


@pytest.mark.requires_ddbchat
def test_nul_in_ttl_attribute(ddb_url, tables):
    t, _ = tables
    st, doc = call(ddb_url, "UpdateTimeToLive", {"TableName": t, "TimeToLiveSpecification": {
        "Enabled": True, "AttributeName": "exp" + NUL}})
    assert st == 400 and doc["__type"].endswith("ValidationException"), doc
    st, doc = call(ddb_url, "DescribeTimeToLive", {"TableName": t})
    assert doc["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}


# Tag keys and values hold U+0000 whole (no pattern constrains them): two keys that differ
# after the NUL are two tags; untagging one leaves the other.
@pytest.mark.requires_ddbchat
def test_tags_with_nul(ddb_url, tables):
    t, _ = tables
    arn = call(ddb_url, "DescribeTable", {"TableName": t})[1]["Table"]["TableArn"]
    a, b = {"Key": "n\u0000a", "Value": "1\u0000x"}, {"Key": "n\u0000b", "Value": "2"}
    assert call(ddb_url, "TagResource", {"ResourceArn": arn, "Tags": [a, b]})[0] == 200
    tags = call(ddb_url, "ListTagsOfResource", {"ResourceArn": arn})[1]["Tags"]
    assert a in tags and b in tags
    assert call(ddb_url, "UntagResource", {"ResourceArn": arn, "TagKeys": ["n\u0000a"]})[0] == 200
    tags = call(ddb_url, "ListTagsOfResource", {"ResourceArn": arn})[1]["Tags"]
    assert a not in tags and b in tags


# A TransactWriteItems repeated with its ClientRequestToken answers the first answer again,
# also when that answer holds U+0000 (an item collection key with a NUL in it).
@pytest.mark.requires_ddbchat
def test_transact_replay_with_nul_in_answer(ddb, ddb_url, table_name, make_table):
    name = table_name("nulrep")
    make_table(ddb, name, range=("sk", "S"),
               lsis=[{"name": "lidx", "range": ("l", "S")}])
    body = {"TransactItems": [{"Put": {"TableName": name, "Item": {
        "pk": {"S": "a\u0000b"}, "sk": {"S": "1"}, "l": {"S": "x"}}}}],
        "ClientRequestToken": "replay-nul", "ReturnItemCollectionMetrics": "SIZE"}
    st, first = call(ddb_url, "TransactWriteItems", body)
    assert st == 200, first
    assert first["ItemCollectionMetrics"][name][0]["ItemCollectionKey"] == {
        "pk": {"S": "a\u0000b"}}
    st, again = call(ddb_url, "TransactWriteItems", body)
    assert (st, again) == (200, first)


# The DynamoDB Streams operations take their string members whole too: a stream ARN, a shard
# id or an iterator followed by U+0000 and more names nothing (it acted on the shortened text:
# DescribeStream of "<arn>\u0000junk" described the stream); an iterator type with it is not
# one of the enum's values.
def test_nul_in_stream_operations(ddb, ddb_url, table_name, target):
    name = table_name("nulst")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]

    def scall(op, body):
        st, _, payload = raw_request(ddb_url, body, target="DynamoDBStreams_20120810." + op)
        return st, json.loads(payload) if payload else {}
    st, d = scall("DescribeStream", {"StreamArn": arn})
    assert st == 200, d
    shard = d["StreamDescription"]["Shards"][0]["ShardId"]
    st, g = scall("GetShardIterator", {"StreamArn": arn, "ShardId": shard,
                                       "ShardIteratorType": "TRIM_HORIZON"})
    assert st == 200, g
    it = g["ShardIterator"]
    cases = [
        ("DescribeStream", {"StreamArn": arn + NUL}, "ResourceNotFoundException"),
        ("GetShardIterator", {"StreamArn": arn + NUL, "ShardId": shard,
                              "ShardIteratorType": "TRIM_HORIZON"}, "ResourceNotFoundException"),
        ("GetShardIterator", {"StreamArn": arn, "ShardId": shard + NUL,
                              "ShardIteratorType": "TRIM_HORIZON"}, "ResourceNotFoundException"),
        # DynamoDB Local fails this one with a 500 InternalFailure
        ("GetShardIterator", {"StreamArn": arn, "ShardId": shard,
                              "ShardIteratorType": "TRIM_HORIZON" + NUL},
         aws_or_local(target, "ValidationException", local="InternalFailure")),
        ("GetRecords", {"ShardIterator": it + NUL}, "ValidationException"),
    ]
    for op, body, want in cases:
        st, e = scall(op, body)
        assert st == (500 if want == "InternalFailure" else 400) and e.get("__type", "").split("#")[-1] == want, (op, body, e)
    # a table name with a NUL lists no stream of the table it starts with
    st, ls = scall("ListStreams", {"TableName": name + NUL})
    assert st == 400 or not [s for s in ls.get("Streams", []) if s["StreamArn"] == arn], ls


# The PartiQL operations' enum members and ClientRequestToken are taken whole as well:
# "TOTAL\u0000junk" is not TOTAL (it was accepted as TOTAL), and "tok\u0000junk" is a token of
# its own, not "tok" (a later request with "tok" met the first one's answer).
def test_nul_in_partiql_members(ddb_url, tables, target):
    name = tables[0]
    stmt = f"SELECT * FROM \"{name}\" WHERE pk = 'nul-pq'"
    upd = f"UPDATE \"{name}\" SET x = 1 WHERE pk = 'a'"
    enum_cases = [
        ("ExecuteStatement", {"Statement": stmt, "ReturnConsumedCapacity": "TOTAL" + NUL}),
        ("ExecuteStatement", {"Statement": upd,
                              "ReturnValuesOnConditionCheckFailure": "ALL_OLD" + NUL}),
        ("BatchExecuteStatement", {"Statements": [{"Statement": stmt}],
                                   "ReturnConsumedCapacity": "TOTAL" + NUL}),
        ("ExecuteTransaction", {"TransactStatements": [{"Statement": upd}],
                                "ReturnConsumedCapacity": "INDEXES" + NUL}),
    ]
    for op, body in enum_cases:
        st, e = call(ddb_url, op, body)
        if target == "dynamodb-local":
            continue  # Local ignores unknown values of these enums (accepts them)
        assert st == 400 and e.get("__type", "").endswith("ValidationException"), (op, e)
        assert "failed to satisfy constraint: Member must satisfy enum value set" in e["message"], e
        assert "\\u0000junk" in e["message"], e
    first = {"TransactStatements": [{"Statement": upd}], "ClientRequestToken": "tok" + NUL}
    st, e = call(ddb_url, "ExecuteTransaction", first)
    assert st == 200, e
    second = {"TransactStatements": [{"Statement": upd.replace("x = 1", "x = 2")}],
              "ClientRequestToken": "tok"}
    st, e = call(ddb_url, "ExecuteTransaction", second)
    assert st == 200, e


@pytest.mark.requires_ddbchat
def test_nul_in_backup_and_pitr_members(ddb, ddb_url, table_name, make_table):
    """The backup and point-in-time operations take every string member whole: a NUL never
    shortens a name or an ARN to another table's or backup's ("pit\\u0000junk" used to create
    table "pit", "<arn>\\u0000x" described the real backup)."""
    src = table_name("nulbk")
    make_table(ddb, src)
    st, b = call(ddb_url, "CreateBackup", {"TableName": src, "BackupName": "bk1"})
    assert st == 200, b
    arn = b["BackupDetails"]["BackupArn"]
    st, b = call(ddb_url, "UpdateContinuousBackups", {
        "TableName": src,
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}})
    assert st == 200, b
    short = table_name("nulr")
    bad = [
        ("CreateBackup", {"TableName": src + NUL, "BackupName": "bk2"}, "TableNotFoundException"),
        ("CreateBackup", {"TableName": src, "BackupName": "bk1" + NUL}, "ValidationException"),
        ("DescribeBackup", {"BackupArn": arn + NUL}, "BackupNotFoundException"),
        ("DeleteBackup", {"BackupArn": arn + NUL}, "BackupNotFoundException"),
        ("DescribeContinuousBackups", {"TableName": src + NUL}, "TableNotFoundException"),
        ("RestoreTableFromBackup", {"TargetTableName": short + NUL, "BackupArn": arn},
         "ValidationException"),
        ("RestoreTableToPointInTime", {"TargetTableName": short + NUL, "SourceTableName": src,
                                       "UseLatestRestorableTime": True}, "ValidationException"),
        ("RestoreTableToPointInTime", {"TargetTableName": short, "SourceTableName": src + NUL,
                                       "UseLatestRestorableTime": True}, None),
    ]
    for op, body, want in bad:
        st, b = call(ddb_url, op, body)
        assert st == 400, (op, body, b)
        if want:
            assert b["__type"].endswith("#" + want), (op, b)
        assert "\\u0000" in json.dumps(b) or b["__type"].endswith("ValidationException"), (op, b)
    names = ddb.list_tables()["TableNames"]
    assert short not in names


# An error text that echoes a value holding U+0000 carries it whole to the wire: the reply
# writer took the message as a C string and cut it at the NUL (final18 F5: UntagResource's
# "Key: a" for the key "a\u0000junk..."), and printf's %.*s cut the texts built with it (a
# number's text, a syntax error's token and neighbours, a ResourceArn).  DynamoDB Local words
# the syntax error so (token "\u0000", near "a\u0000junk"); it has its own number text and no
# tagging.
def test_error_text_echoes_nul_whole(ddb, ddb_url, target, table_name, make_table):
    t = table_name("nule")
    make_table(ddb, t)
    arn = ddb.describe_table(TableName=t)["Table"]["TableArn"]

    def message(op, body):
        st, doc = call(ddb_url, op, body)
        assert st == 400, (op, doc)
        return doc.get("message", doc.get("Message"))

    assert message("GetItem", {"TableName": t, "Key": {"pk": {"S": "a"}},
                               "ProjectionExpression": "a" + NUL}) == (
        'Invalid ProjectionExpression: Syntax error; token: "\u0000", near: "a' + NUL + '"')
    assert message("PutItem", {"TableName": t, "Item": {"pk": {"S": "a"},
                                                        "n": {"N": "1" + NUL}}}) == (
        aws_or_local(target, "1 validation error detected: The parameter cannot be converted "
                     "to a numeric value: 1" + NUL,
                     local="A value provided cannot be converted into a number"))
    if target == "dynamodb-local":
        return
    key = "a" + NUL + "c" * 200
    assert message("UntagResource", {"ResourceArn": arn, "TagKeys": [key]}) == (
        "The Tag Key provided is invalid, Key: " + key)
    assert message("TagResource", {"ResourceArn": arn + NUL,
                                   "Tags": [{"Key": "a", "Value": "b"}]}) == (
        "Invalid TableArn: Invalid ResourceArn provided as input " + arn + NUL)


# CreateTable's two name lists ("Keys: [...], AttributeDefinitions: [...]", "AttributeDefinitions:
# [...], keys used: [...]") carry each name whole, a U+0000 inside too: a key "pk\u0000junk"
# not defined was listed as "pk", the name defined (final18 F5's cut, at printf's %s).
# DynamoDB Local words both otherwise.
@pytest.mark.requires_ddbchat
def test_create_table_name_lists_keep_nul(ddb_url, table_name):
    inv = "One or more parameter values were invalid: "
    def create(defs, keys):
        st, doc = call(ddb_url, "CreateTable", {
            "TableName": table_name("nulc"), "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": d, "AttributeType": "S"} for d in defs],
            "KeySchema": [{"AttributeName": k, "KeyType": "HASH"} for k in keys],
            "GlobalSecondaryIndexes": [{"IndexName": "gsi", "KeySchema": [
                {"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}]})
        assert st == 400, doc
        return doc["message"]
    assert create(["pk", "g"], ["pk" + NUL]) == (
        inv + "Some index key attributes are not defined in AttributeDefinitions. Keys: [pk"
        + NUL + "], AttributeDefinitions: [pk, g]")
    assert create(["pk", "x" + NUL, "g"], ["pk"]) == (
        inv + "Some AttributeDefinitions are not used. AttributeDefinitions: [pk, x" + NUL
        + ", g], keys used: [pk, g]")
