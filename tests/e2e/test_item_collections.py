"""Item collections (issue 10.4): ReturnItemCollectionMetrics=SIZE on the five writes and the
10 GB item collection limit of tables with a local secondary index.

AWS's documented behaviour (API Reference, ItemCollectionMetrics / the write operations):
ItemCollectionMetrics comes back only when the request asks for SIZE and the table has an
LSI; ItemCollectionKey is the item's partition key; SizeEstimateRangeGB is a [lower, upper]
range in GB around the size of the collection (its items plus their LSI entries), [0.0, 1.0]
for a small one; BatchWriteItem and TransactWriteItems return a list per table.  A write that
would make a collection exceed the limit fails with ItemCollectionSizeLimitExceededException
(message "Collection size exceeded"; TransactWriteItems: cancelled, reason
ItemCollectionSizeLimitExceeded, message "Collection size exceeded.").

DynamoDB Local never returns ItemCollectionMetrics and has no way to reach its limit in a
test: those tests assert AWS's answer and are xfail / skipped there (named below).  The limit
tests start a ddbchat with `--item-collection-limit BYTES` (a hidden test flag; default
10 GiB) so that small items reach it.
"""
import pytest

from conftest import make_table
from itemlib import call, err, ok, S

SMALL = [0.0, 1.0]


@pytest.fixture
def lsi_table(ddb, table_name):
    name = table_name("icm")
    make_table(ddb, name, hash=("pk", "S"), range=("sk", "S"),
               lsis=[{"name": "byl", "range": ("lk", "S"), "projection": "KEYS_ONLY"}])
    return name


def metrics(pk):
    return {"ItemCollectionKey": {"pk": S(pk)}, "SizeEstimateRangeGB": SMALL}


def no_local_metrics(target):
    if target == "dynamodb-local":
        pytest.xfail("DynamoDB Local never returns ItemCollectionMetrics (AWS does, for a "
                     "table with an LSI when SIZE is asked)")


# The single-item writes: the metrics with SIZE, none without it or with NONE.
def test_single_item_writes(ddb_url, lsi_table, target):
    item = {"pk": S("a"), "sk": S("1"), "lk": S("x")}
    for rcm in (None, "NONE"):
        body = {"TableName": lsi_table, "Item": item}
        if rcm:
            body["ReturnItemCollectionMetrics"] = rcm
        assert "ItemCollectionMetrics" not in ok(ddb_url, "PutItem", body)
    no_local_metrics(target)
    r = ok(ddb_url, "PutItem", {"TableName": lsi_table, "Item": item,
                                "ReturnItemCollectionMetrics": "SIZE"})
    assert r["ItemCollectionMetrics"] == metrics("a")
    r = ok(ddb_url, "UpdateItem", {"TableName": lsi_table, "Key": {"pk": S("a"), "sk": S("1")},
                                   "UpdateExpression": "SET v = :v",
                                   "ExpressionAttributeValues": {":v": S("w")},
                                   "ReturnItemCollectionMetrics": "SIZE"})
    assert r["ItemCollectionMetrics"] == metrics("a")
    for sk in ("1", "absent"):  # deleting an absent item still names its collection
        r = ok(ddb_url, "DeleteItem", {"TableName": lsi_table,
                                       "Key": {"pk": S("a"), "sk": S(sk)},
                                       "ReturnItemCollectionMetrics": "SIZE"})
        assert r["ItemCollectionMetrics"] == metrics("a")


# A table without an LSI (a GSI only) has no item collections: nothing with SIZE either.
def test_no_metrics_without_lsi(ddb, ddb_url, table_name):
    name = table_name("icmg")
    make_table(ddb, name, hash=("pk", "S"), range=("sk", "S"),
               gsis=[{"name": "gix", "hash": ("lk", "S")}])
    key = {"pk": S("a"), "sk": S("1")}
    ask = {"ReturnItemCollectionMetrics": "SIZE"}
    assert "ItemCollectionMetrics" not in ok(ddb_url, "PutItem", {
        "TableName": name, "Item": dict(key, lk=S("x")), **ask})
    assert "ItemCollectionMetrics" not in ok(ddb_url, "UpdateItem", {
        "TableName": name, "Key": key, "UpdateExpression": "SET v = :v",
        "ExpressionAttributeValues": {":v": S("w")}, **ask})
    assert "ItemCollectionMetrics" not in ok(ddb_url, "DeleteItem", {
        "TableName": name, "Key": key, **ask})
    r = ok(ddb_url, "BatchWriteItem", {"RequestItems": {name: [
        {"PutRequest": {"Item": key}}]}, **ask})
    assert not r.get("ItemCollectionMetrics")
    r = ok(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": name, "Item": key}}], **ask})
    assert not r.get("ItemCollectionMetrics")


# BatchWriteItem: per table, a list with one entry per write (puts and deletes).
def test_batch_write_metrics(ddb, ddb_url, lsi_table, table_name, target):
    plain = table_name("icmp")
    make_table(ddb, plain, hash=("pk", "S"), range=("sk", "S"))
    r = ok(ddb_url, "BatchWriteItem", {"RequestItems": {
        lsi_table: [{"PutRequest": {"Item": {"pk": S("a"), "sk": S("1"), "lk": S("x")}}},
                    {"PutRequest": {"Item": {"pk": S("b"), "sk": S("1")}}},
                    {"DeleteRequest": {"Key": {"pk": S("c"), "sk": S("1")}}}],
        plain: [{"PutRequest": {"Item": {"pk": S("a"), "sk": S("1")}}}]}})
    assert not r.get("ItemCollectionMetrics")
    no_local_metrics(target)
    r = ok(ddb_url, "BatchWriteItem", {"RequestItems": {
        lsi_table: [{"PutRequest": {"Item": {"pk": S("a"), "sk": S("2"), "lk": S("x")}}},
                    {"DeleteRequest": {"Key": {"pk": S("b"), "sk": S("1")}}}],
        plain: [{"PutRequest": {"Item": {"pk": S("a"), "sk": S("2")}}}]},
        "ReturnItemCollectionMetrics": "SIZE"})
    assert r["ItemCollectionMetrics"] == {lsi_table: [metrics("a"), metrics("b")]}


# TransactWriteItems: per table, a list with an entry per Put/Update/Delete (none for a
# ConditionCheck).
def test_transact_write_metrics(ddb_url, lsi_table, target):
    no_local_metrics(target)
    ok(ddb_url, "PutItem", {"TableName": lsi_table, "Item": {"pk": S("z"), "sk": S("1")}})
    r = ok(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": lsi_table, "Item": {"pk": S("a"), "sk": S("1"), "lk": S("x")}}},
        {"Update": {"TableName": lsi_table, "Key": {"pk": S("b"), "sk": S("1")},
                    "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": S("w")}}},
        {"ConditionCheck": {"TableName": lsi_table, "Key": {"pk": S("z"), "sk": S("1")},
                            "ConditionExpression": "attribute_exists(pk)"}},
        {"Delete": {"TableName": lsi_table, "Key": {"pk": S("c"), "sk": S("1")}}}],
        "ReturnItemCollectionMetrics": "SIZE"})
    assert r["ItemCollectionMetrics"] == {lsi_table: [metrics("a"), metrics("b"), metrics("c")]}


# ---- the limit (ddbchat with a small --item-collection-limit) ------------------------------

# item sizes as DynamoDB counts them (names + values): pk "a" 3, sk "1" 3, lk "x" 3, d 1+900;
# the KEYS_ONLY LSI entry holds pk, sk and lk: 9 more
BIG = "x" * 900
ITEM_SIZE = 3 + 3 + 3 + 1 + 900
LSI_ENTRY = 9
LIMIT = 2 * (ITEM_SIZE + LSI_ENTRY)
# the exception's text in AWS's validation code (DynamoDB Local's ErrorFactory); the
# TransactWriteItems reason's message as the API Reference gives it
TOO_BIG = "Collection size exceeded"
TOO_BIG_REASON = "Collection size exceeded."


def big(pk, sk, lk=True, d=BIG):
    item = {"pk": S(pk), "sk": S(sk), "d": S(d)}
    if lk:
        item["lk"] = S("x")
    return item


@pytest.fixture
def limited(ddbchat_server):
    url = ddbchat_server("--item-collection-limit", str(LIMIT)).ddb_url
    ok(url, "CreateTable", {
        "TableName": "lim", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"}
                                 for a in ("pk", "sk", "lk")],
        "LocalSecondaryIndexes": [{
            "IndexName": "byl", "Projection": {"ProjectionType": "KEYS_ONLY"},
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "lk", "KeyType": "RANGE"}]}]})
    return url


# Two items and their LSI entries fill the collection exactly (allowed); one byte more is
# refused with AWS's exception, and nothing is written; other collections are unaffected; a
# delete makes room again.
def test_limit_put(limited):
    url = limited
    put = lambda item: {"TableName": "lim", "Item": item}  # noqa: E731
    ok(url, "PutItem", put(big("a", "1")))
    ok(url, "PutItem", put(big("a", "2")))  # exactly the limit
    err(url, "PutItem", put({"pk": S("a"), "sk": S("3")}),
        "ItemCollectionSizeLimitExceededException", TOO_BIG)
    got = ok(url, "GetItem", {"TableName": "lim", "Key": {"pk": S("a"), "sk": S("3")}})
    assert "Item" not in got
    ok(url, "PutItem", put(big("b", "1")))  # another partition key: its own collection
    ok(url, "DeleteItem", {"TableName": "lim", "Key": {"pk": S("a"), "sk": S("2")}})
    ok(url, "PutItem", put({"pk": S("a"), "sk": S("3")}))


# LSI entries count, and an item without the LSI's sort key has none (sparse): 919 + 907
# bytes leave exactly 12, which a 12-byte item fills; a 6-byte one no longer fits.  (Were LSI
# entries not counted, the last put would succeed; were the sparse item given one, the
# 12-byte put would fail.)
def test_limit_counts_lsi_entries(limited):
    url = limited
    ok(url, "PutItem", {"TableName": "lim", "Item": big("a", "1")})
    ok(url, "PutItem", {"TableName": "lim", "Item": big("a", "2", lk=False)})
    ok(url, "PutItem", {"TableName": "lim",
                        "Item": {"pk": S("a"), "sk": S("3"), "e": S("12345")}})
    err(url, "PutItem", {"TableName": "lim", "Item": {"pk": S("a"), "sk": S("4")}},
        "ItemCollectionSizeLimitExceededException", TOO_BIG)


# UpdateItem: growing an item of a full collection fails (the item stays as it was);
# shrinking one is allowed.
def test_limit_update(limited):
    url = limited
    ok(url, "PutItem", {"TableName": "lim", "Item": big("a", "1")})
    ok(url, "PutItem", {"TableName": "lim", "Item": big("a", "2")})
    key = {"pk": S("a"), "sk": S("1")}
    err(url, "UpdateItem", {"TableName": "lim", "Key": key, "UpdateExpression": "SET e = :e",
                            "ExpressionAttributeValues": {":e": S("y")}},
        "ItemCollectionSizeLimitExceededException", TOO_BIG)
    got = ok(url, "GetItem", {"TableName": "lim", "Key": key})["Item"]
    assert "e" not in got
    ok(url, "UpdateItem", {"TableName": "lim", "Key": key, "UpdateExpression": "REMOVE d"})
    ok(url, "UpdateItem", {"TableName": "lim", "Key": key, "UpdateExpression": "SET e = :e",
                           "ExpressionAttributeValues": {":e": S("y")}})


# TransactWriteItems: cancelled as a whole, reason ItemCollectionSizeLimitExceeded with
# AWS's message; BatchWriteItem: the exception.
def test_limit_transact_and_batch(limited):
    url = limited
    ok(url, "PutItem", {"TableName": "lim", "Item": big("a", "1")})
    ok(url, "PutItem", {"TableName": "lim", "Item": big("a", "2")})
    data = err(url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "lim", "Item": {"pk": S("b"), "sk": S("1")}}},
        {"Put": {"TableName": "lim", "Item": {"pk": S("a"), "sk": S("3")}}}]},
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ItemCollectionSizeLimitExceeded]")
    assert data["CancellationReasons"] == [
        {"Code": "None"}, {"Code": "ItemCollectionSizeLimitExceeded", "Message": TOO_BIG_REASON}]
    got = ok(url, "GetItem", {"TableName": "lim", "Key": {"pk": S("b"), "sk": S("1")}})
    assert "Item" not in got  # the other Put was taken back
    err(url, "BatchWriteItem", {"RequestItems": {"lim": [
        {"PutRequest": {"Item": {"pk": S("a"), "sk": S("3")}}}]}},
        "ItemCollectionSizeLimitExceededException", TOO_BIG)
