"""TransactWriteItems and TransactGetItems: atomicity, CancellationReasons, one operation per
item, ClientRequestToken idempotency, ConsumedCapacity.  Expectations recorded from DynamoDB
Local 2026-01-16; where the service answers differently (conformance tier3
transactWriteItems / transactGetItems), the test asserts the service's answer and names
Local's (aws_or_local)."""
import json
import re
import uuid

import pytest

from itemlib import call, ok, err, raw_request, S, N, aws_or_local

V = "ValidationException"
TC = "TransactionCanceledException"


@pytest.fixture
def tt(ddb, ddb_url, table_name, make_table):
    name = table_name("tx")
    make_table(ddb, name)
    ok(ddb_url, "PutItem", {"TableName": name, "Item": {"pk": S("t1"), "v": N(1)}})
    return name


def K(s):
    return {"pk": S(s)}


def get(url, t, k):
    return ok(url, "GetItem", {"TableName": t, "Key": K(k), "ConsistentRead": True}).get("Item")


# All four action kinds apply together; capacity is twice the ordinary units.
def test_transact_write_all_kinds(ddb_url, target, tt):
    ok(ddb_url, "PutItem", {"TableName": tt, "Item": {"pk": S("t3")}})
    r = ok(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": {"pk": S("t2"), "a": S("x")}}},
        {"Update": {"TableName": tt, "Key": K("t1"), "UpdateExpression": "SET v = v + :o",
                    "ExpressionAttributeValues": {":o": N(1)}}},
        {"Delete": {"TableName": tt, "Key": K("t3")}},
        {"ConditionCheck": {"TableName": tt, "Key": K("t4"),
                            "ConditionExpression": "attribute_not_exists(pk)"}}],
        "ReturnConsumedCapacity": "TOTAL"})
    assert r["ConsumedCapacity"][0]["TableName"] == tt
    assert get(ddb_url, tt, "t2") == {"pk": S("t2"), "a": S("x")}
    assert get(ddb_url, tt, "t1")["v"] == N(2)
    assert get(ddb_url, tt, "t3") is None
    assert get(ddb_url, tt, "t4") is None
    r = ok(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": {"pk": S("t5")}}}], "ReturnConsumedCapacity": "TOTAL"})
    assert r["ConsumedCapacity"] == [aws_or_local(
        target, {"TableName": tt, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0},
        local={"TableName": tt, "CapacityUnits": 2.0})]


# A failed condition cancels everything; reasons in action order, "None" for the others; a
# ConditionCheck's message ends with a period, a Put's does not; Item with ALL_OLD.
def test_transact_write_canceled(ddb_url, tt):
    e = err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": {"pk": S("t2")}}},
        {"ConditionCheck": {"TableName": tt, "Key": K("t1"),
                            "ConditionExpression": "attribute_not_exists(pk)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}]}, TC,
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed]")
    assert e["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed.",
         "Item": {"pk": S("t1"), "v": N(1)}}]
    assert get(ddb_url, tt, "t2") is None
    e = err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": {"pk": S("t1")},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Delete": {"TableName": tt, "Key": K("t9")}}]}, TC,
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[ConditionalCheckFailed, None]")
    assert e["CancellationReasons"] == [
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "None"}]


# Updating a key attribute inside a transaction is a ValidationError cancellation reason.
def test_transact_validation_reason(ddb_url, tt):
    e = err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": tt, "Key": K("t1"), "UpdateExpression": "SET pk = :o",
                    "ExpressionAttributeValues": {":o": S("1")}}}]}, TC,
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[ValidationError]")
    assert e["CancellationReasons"] == [{
        "Code": "ValidationError",
        "Message": "One or more parameter values were invalid: Cannot update attribute pk. "
                   "This attribute is part of the key"}]


# Request validation texts.
def test_transact_write_validation(ddb_url, target, tt):
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": K("t2")}},
        {"Delete": {"TableName": tt, "Key": K("t2")}}]}, V,
        "Transaction request cannot include multiple operations on one item")
    err(ddb_url, "TransactWriteItems", {"TransactItems": []}, V, aws_or_local(
        target, "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1",
        local="Value [] at 'transactItems' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1"))
    err(ddb_url, "TransactWriteItems", {}, V, aws_or_local(
        target, "1 validation error detected: Value null at 'transactItems' failed to satisfy "
        "constraint: Member must not be null",
        local="Value null at 'transactItems' failed to satisfy constraint: Member must not be "
        "null"))
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": K(str(i))}} for i in range(101)]}, V, aws_or_local(
        target, re.compile(r"1 validation error detected: Value '\[TransactWriteItem\("
                           r"conditionCheck=null, put=Put\(item=\{pk=AttributeValue\(s=0, .+\]' "
                           r"at 'transactItems' failed to satisfy constraint: Member must have "
                           r"length less than or equal to 100", re.S),
        local="Member must have length less than or equal to 100"))
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": K("x")}, "Delete": {"TableName": tt, "Key": K("y")}}]},
        V, "TransactItems can only contain one of Check, Put, Update or Delete")
    err(ddb_url, "TransactWriteItems", {"TransactItems": [{}]}, V,
        "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request")
    msg = ("Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to "
           "satisfy constraint: Member must not be null")
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"ConditionCheck": {"TableName": tt, "Key": K("t1")}}]}, V,
        aws_or_local(target, "1 validation error detected: " + msg, local=msg))
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "no_such_table_t", "Item": K("x")}}]},
        "ResourceNotFoundException", aws_or_local(
            target, "Requested resource not found",
            local="Cannot do operations on a non-existent table"))
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": K("x"), "ConditionExpression": "attribute_exists(pk)",
                 "ExpressionAttributeValues": {":a": S("1")}}}]}, V,
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a}")
    msg = ("at 'clientRequestToken' failed to satisfy constraint: Member must have length less "
           "than or equal to 36")
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": K("x")}}], "ClientRequestToken": "x" * 37}, V,
        aws_or_local(target, "1 validation error detected: Value '" + "x" * 37 + "' " + msg,
                     local="Value " + "x" * 37 + " " + msg))


# ClientRequestToken: the same request again is answered without applying it twice; a
# different request with the same token is IdempotentParameterMismatchException. The replay's
# ConsumedCapacity is the read of the item, not the write (API Reference, TransactWriteItems
# ClientRequestToken: "subsequent ... calls with the same client token return the number of
# read capacity units consumed in reading the item"); DynamoDB Local answers the same units.
def test_transact_idempotency(ddb_url, target, tt):
    tok = str(uuid.uuid4())
    body = {"TransactItems": [{"Update": {
        "TableName": tt, "Key": K("t1"), "UpdateExpression": "SET v = v + :o",
        "ExpressionAttributeValues": {":o": N(1)}}}], "ClientRequestToken": tok,
        "ReturnConsumedCapacity": "TOTAL"}
    r1 = ok(ddb_url, "TransactWriteItems", body)
    r2 = ok(ddb_url, "TransactWriteItems", body)
    assert r1["ConsumedCapacity"] == [aws_or_local(
        target, {"TableName": tt, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0},
        local={"TableName": tt, "CapacityUnits": 2.0})]
    assert r2["ConsumedCapacity"] == [aws_or_local(
        target, {"TableName": tt, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0},
        local={"TableName": tt, "CapacityUnits": 2.0})]
    assert get(ddb_url, tt, "t1")["v"] == N(2)
    body["TransactItems"][0]["Update"]["ExpressionAttributeValues"] = {":o": N(2)}
    # the service's text, ExecuteTransaction's (client code written against AWS matches on
    # "idempotent token was used"); DynamoDB Local's message is empty
    err(ddb_url, "TransactWriteItems", body, "IdempotentParameterMismatchException",
        aws_or_local(target, "Specified idempotent token was used with different request "
                     "parameters within the idempotency window", local=""))
    assert get(ddb_url, tt, "t1")["v"] == N(2)
    # sized on the images the first call wrote, in 4 KB read units: a 9 KB item deleted costs
    # 9 write units x 2, its replay 3 read units x 2 (measured against AWS: Dynoxide PR #188;
    # DynamoDB Local answers 2)
    ok(ddb_url, "PutItem", {"TableName": tt, "Item": {"pk": S("big"), "p": S("x" * 9000)}})
    body = {"TransactItems": [{"Delete": {"TableName": tt, "Key": K("big")}}],
            "ClientRequestToken": str(uuid.uuid4()), "ReturnConsumedCapacity": "INDEXES"}
    r1 = ok(ddb_url, "TransactWriteItems", body)
    r2 = ok(ddb_url, "TransactWriteItems", body)
    assert r1["ConsumedCapacity"][0]["CapacityUnits"] == 18.0
    if target != "dynamodb-local":
        assert r2["ConsumedCapacity"] == [{"TableName": tt, "CapacityUnits": 6.0,
                                           "ReadCapacityUnits": 6.0,
                                           "Table": {"CapacityUnits": 6.0, "ReadCapacityUnits": 6.0}}]
    else:
        assert r2["ConsumedCapacity"][0]["CapacityUnits"] == 2.0


# A ClientRequestToken names the request's actions, not the capacity report it asks for: the
# same TransactItems (or TransactStatements) with only ReturnConsumedCapacity changed is the
# replay, not IdempotentParameterMismatchException, and each replay reports the first call's
# reads in its own mode (NONE: none; TOTAL: the table's units; INDEXES: with "Table").  The
# API Reference says only that "a change in other parameters" is a mismatch; Dynoxide, checked
# against AWS, leaves ReturnConsumedCapacity out of what the token names ("a same-token call
# differing only in the capacity mode replays rather than mismatching"), and DynamoDB Local
# replays too (its units without the Read/Write split; none for PartiQL).  Failed before
# (ddbchat hashed the whole request): IdempotentParameterMismatchException at the TOTAL
# replay.  The update adds 1: applied once.
def test_transact_idempotency_capacity_mode_is_not_a_parameter(ddb_url, target, tt):
    body = {"TransactItems": [{"Update": {
        "TableName": tt, "Key": K("t1"), "UpdateExpression": "SET v = v + :o",
        "ExpressionAttributeValues": {":o": N(1)}}}], "ClientRequestToken": str(uuid.uuid4())}
    assert "ConsumedCapacity" not in ok(ddb_url, "TransactWriteItems", body)
    read = {"TableName": tt, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}
    total = aws_or_local(target, read, local={"TableName": tt, "CapacityUnits": 2.0})
    indexes = aws_or_local(target, dict(read, Table={"CapacityUnits": 2.0,
                                                     "ReadCapacityUnits": 2.0}),
                           local={"TableName": tt, "CapacityUnits": 2.0,
                                  "Table": {"CapacityUnits": 2.0}})
    for mode, want in [("TOTAL", [total]), ("INDEXES", [indexes]), ("NONE", None)]:
        r = ok(ddb_url, "TransactWriteItems", dict(body, ReturnConsumedCapacity=mode))
        assert r.get("ConsumedCapacity") == want, (mode, r)
    assert get(ddb_url, tt, "t1")["v"] == N(2)
    # a first call asking INDEXES, a replay asking TOTAL
    body = dict(body, ClientRequestToken=str(uuid.uuid4()), ReturnConsumedCapacity="INDEXES")
    ok(ddb_url, "TransactWriteItems", body)
    r = ok(ddb_url, "TransactWriteItems", dict(body, ReturnConsumedCapacity="TOTAL"))
    assert r["ConsumedCapacity"] == [total]
    assert get(ddb_url, tt, "t1")["v"] == N(3)
    # ExecuteTransaction alike
    pq = {"TransactStatements": [{"Statement": f"UPDATE \"{tt}\" SET v = v + 1 WHERE pk = 't1'"}],
          "ClientRequestToken": str(uuid.uuid4())}
    assert "ConsumedCapacity" not in ok(ddb_url, "ExecuteTransaction", pq)
    r = ok(ddb_url, "ExecuteTransaction", dict(pq, ReturnConsumedCapacity="TOTAL"))
    if target != "dynamodb-local":  # DynamoDB Local reports none for PartiQL
        assert r["ConsumedCapacity"] == [read]
    assert get(ddb_url, tt, "t1")["v"] == N(4)


# The same request written anew (its members in another order, a character escaped) with the
# same ClientRequestToken is the replay, not a mismatch: the token names the request's
# parameters ("the same request parameters", API Reference, ClientRequestToken), not its text
# (ddbchat keeps a digest of the parsed tree: value/jdigest.h). The update is applied once.
def test_transact_idempotency_same_request_other_text(ddb_url, target, tt):
    tok = str(uuid.uuid4())
    ok(ddb_url, "PutItem", {"TableName": tt, "Item": {"pk": S("t9"), "v": N(0)}})
    body = {"TransactItems": [{"Update": {
        "TableName": tt, "Key": K("t9"), "UpdateExpression": "SET v = v + :o, w = :w",
        "ExpressionAttributeValues": {":o": N(1), ":w": S("caf\u00e9")}}}],
        "ClientRequestToken": tok}
    first = json.dumps(body, ensure_ascii=False)
    upd = body["TransactItems"][0]["Update"]
    again = json.dumps({"ClientRequestToken": tok, "TransactItems": [{"Update": dict(
        reversed(list(upd.items())),
        ExpressionAttributeValues={":w": S("caf\u00e9"), ":o": N(1)})}]}, ensure_ascii=True)
    assert first != again and json.loads(first) == json.loads(again)
    for text in (first, again):
        st, _, payload = raw_request(ddb_url, text, target="DynamoDB_20120810.TransactWriteItems")
        assert st == 200, payload
    assert get(ddb_url, tt, "t9") == {"pk": S("t9"), "v": N(1), "w": S("caf\u00e9")}


# TransactGetItems: Responses in request order, {} for a missing item, projections;
# capacity 2 units per item (strongly consistent, doubled) found or not.
def test_transact_get(ddb_url, target, tt):
    r = ok(ddb_url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": tt, "Key": K("t1"), "ProjectionExpression": "v"}},
        {"Get": {"TableName": tt, "Key": K("nope")}},
        {"Get": {"TableName": tt, "Key": K("t1x")}}], "ReturnConsumedCapacity": "TOTAL"})
    assert r["Responses"] == [{"Item": {"v": N(1)}}, {}, {}]
    assert r["ConsumedCapacity"] == [aws_or_local(
        target, {"TableName": tt, "CapacityUnits": 6.0, "ReadCapacityUnits": 6.0},
        local={"TableName": tt, "CapacityUnits": 6.0})]
    err(ddb_url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": tt, "Key": K("t1")}}, {"Get": {"TableName": tt, "Key": K("t1")}}]},
        V, "Transaction request cannot include multiple operations on one item")
    err(ddb_url, "TransactGetItems", {"TransactItems": []}, V, aws_or_local(
        target, "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1",
        local="Value null at 'transactItems' failed to satisfy constraint: Member must not be "
        "null"))
    err(ddb_url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": tt, "Key": K(str(i))}} for i in range(101)]}, V, aws_or_local(
        target, re.compile(r"1 validation error detected: Value '\[TransactGetItem\(get=Get\("
                           r"key=\{pk=AttributeValue\(s=0, .+\]' at 'transactItems' failed to "
                           r"satisfy constraint: Member must have length less than or equal to "
                           r"100", re.S),
        local="Member must have length less than or equal to 100"))


# A ProjectionExpression that matches no attribute of a present item: the service omits Item
# (conformance suite tier2 transactGet "omits Item when the projection matches no attribute",
# passing on AWS and Dynoxide); DynamoDB Local answers {"Item": {}}.
def test_transact_get_projection_matching_nothing(ddb_url, target, tt):
    ok(ddb_url, "PutItem", {"TableName": tt, "Item": {"pk": S("t7"), "v": N(1)}})
    r = ok(ddb_url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": tt, "Key": K("t1"), "ProjectionExpression": "#x",
                 "ExpressionAttributeNames": {"#x": "doesNotExist"}}},
        {"Get": {"TableName": tt, "Key": K("t7"), "ProjectionExpression": "v"}}]})
    assert r["Responses"] == [aws_or_local(target, {}, local={"Item": {}}), {"Item": {"v": N(1)}}]


# A ConditionCheck is billed as a transactional write, 2 write units for a small item, not as
# a read (conformance suite tier2 transactWrite "a standalone ConditionCheck action costs 2
# write capacity units", passing on AWS and Dynoxide). The check sits on its own table so its
# line stands alone. DynamoDB Local reports CapacityUnits without the split.
def test_transact_condition_check_billed_as_write(ddb, ddb_url, target, tt, table_name,
                                                  make_table):
    other = table_name("txc")
    make_table(ddb, other)
    ok(ddb_url, "PutItem", {"TableName": other, "Item": {"pk": S("here")}})
    r = ok(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": {"pk": S("cc1")}}},
        {"ConditionCheck": {"TableName": other, "Key": K("here"),
                            "ConditionExpression": "attribute_exists(pk)"}}],
        "ReturnConsumedCapacity": "INDEXES"})
    line = [c for c in r["ConsumedCapacity"] if c["TableName"] == other]
    assert line == [aws_or_local(
        target, {"TableName": other, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0,
                 "Table": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}},
        local={"TableName": other, "CapacityUnits": 2.0, "Table": {"CapacityUnits": 2.0}})]


# An Update action without UpdateExpression: the model requires it (the service; DynamoDB
# Local accepts the action and creates the item).
def test_transact_update_without_expression(ddb_url, target, tt):
    good, body = call(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": tt, "Key": K("fresh")}}]})
    if target == "dynamodb-local":
        assert good and get(ddb_url, tt, "fresh") == {"pk": S("fresh")}
    else:
        assert not good and body["message"] == (
            "1 validation error detected: Value null at 'transactItems.1.member.update."
            "updateExpression' failed to satisfy constraint: Member must not be null")
        assert get(ddb_url, tt, "fresh") is None


# An update that makes an item too big is that action's ValidationError cancellation reason
# (its size depends on the stored item: conformance tier3 itemSizeBySurface; DynamoDB Local
# answers a plain ValidationException); a Put too big is a ValidationException of the
# request.  A TransactGetItems key that fails the schema: TransactionCanceledException with
# a ValidationError reason (DynamoDB Local: the key text, no reasons).
def test_transact_size_and_get_key_errors(ddb_url, target, tt):
    big = {"TransactItems": [{"Update": {
        "TableName": tt, "Key": K("t1"), "UpdateExpression": "SET big = :s",
        "ExpressionAttributeValues": {":s": S("x" * 410000)}}}]}
    size = "Item size to update has exceeded the maximum allowed size"
    if target == "dynamodb-local":
        err(ddb_url, "TransactWriteItems", big, V, size)
    else:
        e = err(ddb_url, "TransactWriteItems", big, TC, CANCEL + "[ValidationError]")
        assert e["CancellationReasons"] == [{"Code": "ValidationError", "Message": size}]
    err(ddb_url, "TransactWriteItems", {"TransactItems": [{"Put": {
        "TableName": tt, "Item": {"pk": S("big"), "b": S("x" * 410000)}}}]}, V,
        "Item size has exceeded the maximum allowed size")
    for key in [{"pk": S("t1"), "x": S("1")}, {}]:
        e = err(ddb_url, "TransactGetItems", {"TransactItems": [
            {"Get": {"TableName": tt, "Key": K("t1")}},
            {"Get": {"TableName": tt, "Key": key}}]}, TC, aws_or_local(
            target, CANCEL + "[None, ValidationError]",
            local="The number of conditions on the keys is invalid"))
        if target != "dynamodb-local":
            assert e["CancellationReasons"] == [
                {"Code": "None"},
                {"Code": "ValidationError",
                 "Message": "The provided key element does not match the schema"}]


# ReturnConsumedCapacity outside its enum: the service's constraint text (DynamoDB Local
# ignores the value).
@pytest.mark.requires_ddbchat
def test_rcc_enum(ddb_url, tt):
    err(ddb_url, "TransactWriteItems", {"TransactItems": [{"Put": {"TableName": tt,
                                                                   "Item": K("z")}}],
                                        "ReturnConsumedCapacity": "BAD"}, V,
        "1 validation error detected: Value 'BAD' at 'returnConsumedCapacity' failed to satisfy "
        "constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")


# A ClientRequestToken longer than 36 characters is reported ahead of an unknown
# ReturnConsumedCapacity in the one message (the service, us-east-1 2026-10-09: the token's
# error first).  Nothing is written.  DynamoDB Local ignores the enum and reports the token
# alone, without the "1 validation error detected: " head and the quotes.
def test_token_reported_before_enums(ddb_url, target, tt):
    tok = "q" * 40
    token = (f"Value '{tok}' at 'clientRequestToken' failed to satisfy constraint: Member must "
             "have length less than or equal to 36")
    rcc = ("Value 'NOPE' at 'returnConsumedCapacity' failed to satisfy constraint: Member must "
           "satisfy enum value set: [INDEXES, TOTAL, NONE]")
    err(ddb_url, "TransactWriteItems", {"TransactItems": [{"Put": {"TableName": tt,
                                                                   "Item": K("tok-order")}}],
                                        "ClientRequestToken": tok,
                                        "ReturnConsumedCapacity": "NOPE"}, V,
        aws_or_local(target, f"2 validation errors detected: {token}; {rcc}",
                     local=f"Value {tok} at 'clientRequestToken' failed to satisfy constraint: "
                     "Member must have length less than or equal to 36"))
    assert get(ddb_url, tt, "tok-order") is None


CANCEL = "Transaction cancelled, please refer cancellation reasons for specific reasons "
L_MM = "One or more parameter values were invalid: Type mismatch for key"  # DynamoDB Local
KEY_SCHEMA = "The provided key element does not match the schema"


def mm(target, name="pk", want="S", got="N"):
    """A Put's mistyped key reason (the service), DynamoDB Local's shorter text."""
    return aws_or_local(target, f"One or more parameter values were invalid: Type mismatch for "
                        f"key {name} expected: {want} actual: {got}", local=L_MM)


# A key that fails the schema inside TransactWriteItems is that action's ValidationError
# cancellation reason (other actions still evaluated: "None" or their own reason): a Put's
# mistyped key "Type mismatch for key pk expected: S actual: N", an Update's / Delete's /
# ConditionCheck's "The provided key element does not match the schema" (conformance tier3
# transactWriteItems).  An empty key value, an item too big stay a ValidationException of the
# request.  DynamoDB Local: one shorter text for every mistyped key; a missing or extra key
# attribute, a non-scalar key are a plain ValidationException.
def test_transact_key_type_mismatch_reason(ddb_url, target, tt):
    upd = {"UpdateExpression": "SET a = :a", "ExpressionAttributeValues": {":a": S("1")}}
    for act, msg in (({"Put": {"TableName": tt, "Item": {"pk": N(1)}}}, mm(target)),
                     ({"Delete": {"TableName": tt, "Key": {"pk": N(1)}}},
                      aws_or_local(target, KEY_SCHEMA, local=L_MM)),
                     ({"Update": dict(upd, TableName=tt, Key={"pk": N(1)})},
                      aws_or_local(target, KEY_SCHEMA, local=L_MM)),
                     ({"ConditionCheck": {"TableName": tt, "Key": {"pk": N(1)},
                                          "ConditionExpression": "attribute_exists(pk)"}},
                      aws_or_local(target, KEY_SCHEMA, local=L_MM))):
        e = err(ddb_url, "TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": tt, "Item": K("ok1")}}, act]}, TC, CANCEL + "[None, ValidationError]")
        assert e["CancellationReasons"] == [{"Code": "None"},
                                            {"Code": "ValidationError", "Message": msg}]
    assert get(ddb_url, tt, "ok1") is None
    e = err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": {"pk": N(1)}}},
        {"Put": {"TableName": tt, "Item": K("t1"), "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Delete": {"TableName": tt, "Key": {"pk": N(1)}}}]}, TC,
        CANCEL + "[ValidationError, ConditionalCheckFailed, ValidationError]")
    assert e["CancellationReasons"] == [
        {"Code": "ValidationError", "Message": mm(target)},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
        {"Code": "ValidationError", "Message": aws_or_local(target, KEY_SCHEMA, local=L_MM)}]
    bad = {"Put": {"TableName": tt, "Item": {"pk": N(1)}}}
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        bad, {"Put": {"TableName": tt, "Item": K("")}}]}, V,
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty string value. Key: pk")
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        bad, {"Put": {"TableName": tt, "Item": {"pk": S("b"), "x": S("x" * 410000)}}}]}, V,
        "Item size has exceeded the maximum allowed size")
    # a missing / extra key attribute, a non-scalar key
    for act, msg, local in (
            ({"Put": {"TableName": tt, "Item": {"x": S("1")}}},
             "One or more parameter values were invalid: Missing the key pk in the item",
             "One of the required keys was not given a value"),
            ({"Delete": {"TableName": tt, "Key": {"pk": S("a"), "x": S("1")}}}, KEY_SCHEMA,
             "The number of conditions on the keys is invalid"),
            ({"Put": {"TableName": tt, "Item": {"pk": {"BOOL": True}}}},
             "One or more parameter values were invalid: Type mismatch for key pk expected: S "
             "actual: BOOL", "Invalid attribute value type"),
            ({"Put": {"TableName": tt, "Item": {"pk": {"L": [S("x")]}}}},
             "One or more parameter values were invalid: Type mismatch for key pk expected: S "
             "actual: L", "Invalid attribute value type")):
        if target == "dynamodb-local":
            err(ddb_url, "TransactWriteItems", {"TransactItems": [act]}, V, local)
        else:
            e = err(ddb_url, "TransactWriteItems", {"TransactItems": [act]}, TC,
                    CANCEL + "[ValidationError]")
            assert e["CancellationReasons"] == [{"Code": "ValidationError", "Message": msg}]


# Hash key mistyped and range key missing: still the Type mismatch reason (checked in key
# order); hash key fine and range key missing or empty: a ValidationException.
def test_transact_key_type_mismatch_range(ddb, ddb_url, target, table_name, make_table):
    t = table_name("txr")
    make_table(ddb, t, range=("sk", "N"))
    for item, msg in (({"pk": N(1)}, mm(target)),
                      ({"pk": S("a"), "sk": S("x")}, mm(target, "sk", "N", "S")),
                      ({"pk": N(1), "sk": S("x")}, mm(target))):
        e = err(ddb_url, "TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": t, "Item": item}}]}, TC, CANCEL + "[ValidationError]")
        assert e["CancellationReasons"] == [{"Code": "ValidationError", "Message": msg}]
    if target == "dynamodb-local":
        err(ddb_url, "TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": t, "Item": {"pk": S("a")}}}]}, V,
            "One of the required keys was not given a value")
    else:
        e = err(ddb_url, "TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": t, "Item": {"pk": S("a")}}}]}, TC, CANCEL + "[ValidationError]")
        assert e["CancellationReasons"] == [{"Code": "ValidationError", "Message": (
            "One or more parameter values were invalid: Missing the key sk in the item")}]
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": t, "Item": {"pk": S(""), "sk": S("x")}}}]}, V,
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty string value. Key: pk")


# Table names: TransactGetItems treats an empty or malformed TableName as a table that does
# not exist; TransactWriteItems keeps the table-name ValidationException; a missing
# TableName is named by its member path (write) or "Requested resource not found" (get).
def test_transact_table_name_errors(ddb_url, target, tt):
    """Each action's TableName against the model (1..255 of [a-zA-Z0-9_.-], named by its
    member path); a name that passes but names no table: ResourceNotFoundException.
    DynamoDB Local: the 3..255 name text for writes, "table does not exist" for gets."""
    bad = ("Invalid table/index name.  Table/index names must be between 3 and 255 characters "
           "long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'")
    rnf = ("ResourceNotFoundException", aws_or_local(
        target, "Requested resource not found",
        local="Cannot do operations on a non-existent table"))
    for name, vio in (("", "Member must have length greater than or equal to 1"),
                      ("ab", None),
                      ("a b c", "Member must satisfy regular expression pattern: "
                                "[a-zA-Z0-9_.-]+")):
        def aws(path):
            return (V, f"1 validation error detected: Value '{name}' at 'transactItems.{path}."
                       f"tableName' failed to satisfy constraint: {vio}") if vio else rnf
        err(ddb_url, "TransactGetItems", {"TransactItems": [
            {"Get": {"TableName": tt, "Key": K("t1")}},
            {"Get": {"TableName": name, "Key": K("t1")}}]},
            *aws_or_local(target, aws("2.member.get"), local=rnf))
        err(ddb_url, "TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": name, "Item": K("a")}}]},
            *aws_or_local(target, aws("1.member.put"), local=(V, bad)))
        err(ddb_url, "TransactWriteItems", {"TransactItems": [
            {"Delete": {"TableName": name, "Key": K("a")}}]},
            *aws_or_local(target, aws("1.member.delete"), local=(V, bad)))
    err(ddb_url, "TransactGetItems", {"TransactItems": [{"Get": {"Key": K("t1")}}]}, V,
        aws_or_local(target, "1 validation error detected: Value null at 'transactItems.1.member."
                     "get.tableName' failed to satisfy constraint: Member must not be null",
                     local="Requested resource not found"))
    msg = ("Value null at 'transactItems.2.member.put.tableName' failed to satisfy constraint: "
           "Member must not be null")
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": K("a")}}, {"Put": {"Item": K("b")}}]}, V,
        aws_or_local(target, "1 validation error detected: " + msg, local=msg))
    msg = ("Value null at 'transactItems.1.member.conditionCheck.tableName' failed to satisfy "
           "constraint: Member must not be null")
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"ConditionCheck": {"Key": K("b"), "ConditionExpression": "attribute_exists(pk)"}}]}, V,
        aws_or_local(target, "1 validation error detected: " + msg, local=msg))


# Transactional ConsumedCapacity carries the read/write split, at the top and, under INDEXES,
# in the Table arm too: TransactGetItems reports ReadCapacityUnits, TransactWriteItems
# WriteCapacityUnits. The service's answer (conformance
# suite tier2 transactGet "INDEXES breakdown includes the table read capacity units";
# paritysuite/dynamodb-conformance#69: only transactional operations carry the split);
# DynamoDB Local reports CapacityUnits alone.
def test_transact_capacity_split(ddb_url, target, tt):
    r = ok(ddb_url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": tt, "Key": K("t1")}}, {"Get": {"TableName": tt, "Key": K("no")}}],
        "ReturnConsumedCapacity": "INDEXES"})
    assert r["ConsumedCapacity"] == [aws_or_local(
        target, {"TableName": tt, "CapacityUnits": 4.0, "ReadCapacityUnits": 4.0,
                 "Table": {"CapacityUnits": 4.0, "ReadCapacityUnits": 4.0}},
        local={"TableName": tt, "CapacityUnits": 4.0, "Table": {"CapacityUnits": 4.0}})]
    r = ok(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": {"pk": S("s1")}}}], "ReturnConsumedCapacity": "INDEXES"})
    assert r["ConsumedCapacity"] == [aws_or_local(
        target, {"TableName": tt, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0,
                 "Table": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}},
        local={"TableName": tt, "CapacityUnits": 2.0, "Table": {"CapacityUnits": 2.0}})]


# Inside a transaction only the table's units double: an index arm costs what the same write
# costs outside one (a new item with the index key: 1 unit), for TransactWriteItems and for
# ExecuteTransaction alike (measured against the service: Dynoxide PR #188). DynamoDB Local
# doubles the index arm as well (ddbchat did too).
def test_transact_index_arm_not_doubled(ddb, ddb_url, target, table_name, make_table):
    t = table_name("txg")
    make_table(ddb, t, gsis=[{"name": "gix", "hash": ("gk", "S"), "projection": "ALL"}])
    r = ok(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": t, "Item": {"pk": S("a"), "gk": S("x")}}}],
        "ReturnConsumedCapacity": "INDEXES"})
    c = r["ConsumedCapacity"][0]
    if target == "dynamodb-local":  # Local doubles the index arm too
        assert c["GlobalSecondaryIndexes"] == {"gix": {"CapacityUnits": 2.0}}, c
    else:
        assert c["Table"]["CapacityUnits"] == 2.0, c
        assert c["GlobalSecondaryIndexes"] == {"gix": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}}, c
        assert c["CapacityUnits"] == 3.0 and c["WriteCapacityUnits"] == 3.0, c
    r = ok(ddb_url, "ExecuteTransaction", {"TransactStatements": [
        {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'b', 'gk': 'y'}}"}],
        "ReturnConsumedCapacity": "INDEXES"})
    if target != "dynamodb-local":
        c = r["ConsumedCapacity"][0]
        assert c["Table"]["CapacityUnits"] == 2.0, c
        assert c["GlobalSecondaryIndexes"] == {"gix": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}}, c
        assert c["CapacityUnits"] == 3.0, c


# TransactGetItems the same way: a Get whose key value is over the size limit cancels the
# request with a ValidationError reason for that Get, "None" for the others (AWS, as
# ExtendDB's dual-target tests/test_transaction_key_size_validation.py records it: its
# test_transact_get_oversized_hash_key_cancels; the reason's message taken to be GetItem's
# text, as for the write actions).  An empty key value stays the request's
# ValidationException.  DynamoDB Local refuses the request with a ValidationException of its
# own text (ddbchat did too, with GetItem's text).
def test_transact_get_key_over_limit_is_a_reason(ddb, ddb_url, target, tt, table_name,
                                                 make_table):
    comp = table_name("tgr")
    make_table(ddb, comp, range=("sk", "S"))
    local = ("Hash primary key values must be under 2048 bytes, and range primary key values "
             "must be under 1024 bytes")
    for tname, key, msg in (
            (tt, K("k" * 2049), "One or more parameter values were invalid: Size of hashkey has "
             "exceeded the maximum size limit of2048 bytes"),
            (comp, {"pk": S("a"), "sk": S("\u00e9" * 513)}, "One or more parameter values were "
             "invalid: Aggregated size of all range keys has exceeded the size limit of 1024 "
             "bytes")):
        body = {"TransactItems": [{"Get": {"TableName": tt, "Key": K("t1")}},
                                  {"Get": {"TableName": tname, "Key": key}}]}
        if target == "dynamodb-local":
            err(ddb_url, "TransactGetItems", body, V, local)
            continue
        e = err(ddb_url, "TransactGetItems", body, TC,
                "Transaction cancelled, please refer cancellation reasons for specific reasons "
                "[None, ValidationError]")
        assert e["CancellationReasons"] == [{"Code": "None"},
                                            {"Code": "ValidationError", "Message": msg}], e
    err(ddb_url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": tt, "Key": K("k" * 2049)}}, {"Get": {"TableName": tt, "Key": K("")}}]},
        V, aws_or_local(target, "One or more parameter values are not valid. The AttributeValue "
                        "for a key attribute cannot contain an empty string value. Key: pk",
                        local=local))


# A Put or Delete action without a ConditionExpression, and a Get without a
# ProjectionExpression, take ExpressionAttributeNames / ExpressionAttributeValues they do not
# use: the action runs (AWS us-east-1, as ExtendDB's tests/test_transact_expression_validation.py
# records it; PutItem, DeleteItem and GetItem refuse the same maps with "can only be specified
# when using expressions").  With an expression present, an unused name is still refused, and
# the maps' own entries are still checked.  DynamoDB Local deviates: it refuses all five with
# the single-item operations' texts.
def test_transact_names_values_without_expression(ddb_url, target, tt):
    ok(ddb_url, "PutItem", {"TableName": tt, "Item": {"pk": S("d1")}})
    ok(ddb_url, "PutItem", {"TableName": tt, "Item": {"pk": S("d2")}})
    names, values = {"#n": "v"}, {":v": N(1)}
    writes = [
        ({"Put": {"TableName": tt, "Item": K("p1"), "ExpressionAttributeNames": names}},
         "ExpressionAttributeNames can only be specified when using expressions"),
        ({"Put": {"TableName": tt, "Item": K("p2"), "ExpressionAttributeValues": values}},
         "ExpressionAttributeValues can only be specified when using expressions: "
         "ConditionExpression is null"),
        ({"Delete": {"TableName": tt, "Key": K("d1"), "ExpressionAttributeNames": names}},
         "ExpressionAttributeNames can only be specified when using expressions"),
        ({"Delete": {"TableName": tt, "Key": K("d2"), "ExpressionAttributeValues": values}},
         "ExpressionAttributeValues can only be specified when using expressions: "
         "ConditionExpression is null"),
    ]
    get_one = {"TransactItems": [{"Get": {"TableName": tt, "Key": K("t1"),
                                          "ExpressionAttributeNames": names}}]}
    if target == "dynamodb-local":
        for action, msg in writes:
            err(ddb_url, "TransactWriteItems", {"TransactItems": [action]}, V, msg)
        err(ddb_url, "TransactGetItems", get_one, V,
            "ExpressionAttributeNames can only be specified when using expressions")
        return
    for action, _ in writes:
        ok(ddb_url, "TransactWriteItems", {"TransactItems": [action]})
    assert get(ddb_url, tt, "p1") == K("p1") and get(ddb_url, tt, "p2") == K("p2")
    assert get(ddb_url, tt, "d1") is None and get(ddb_url, tt, "d2") is None
    assert ok(ddb_url, "TransactGetItems", get_one)["Responses"] == [
        {"Item": {"pk": S("t1"), "v": N(1)}}]
    # with an expression, an unused name is refused (AWS and Local)
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": K("p3"), "ExpressionAttributeNames": names,
                 "ConditionExpression": "attribute_not_exists(pk)"}}]}, V,
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}")
    err(ddb_url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": tt, "Key": K("t1"), "ProjectionExpression": "pk",
                 "ExpressionAttributeNames": names}}]}, V,
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}")
    # the maps' own entries are still read: an empty AttributeValue, a non-string name
    e = err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": K("p4"), "ExpressionAttributeValues": {":v": {}}}}]},
        V)
    assert "Supplied AttributeValue is empty" in e["message"], e
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Delete": {"TableName": tt, "Key": K("p1"), "ExpressionAttributeNames": {"#n": 5}}}]},
        "SerializationException")
    assert get(ddb_url, tt, "p4") is None and get(ddb_url, tt, "p1") == K("p1")


# A key value over the size limit (partition key over 2048 bytes, sort key over 1024) in any
# TransactWriteItems action cancels the transaction with a ValidationError reason for that
# action (AWS us-east-1, as ExtendDB's tests/test_transaction_key_size_validation.py records
# it: the code, not the reason's message, which is taken to be the single-item operations'
# text); the other actions' reasons are "None" and nothing is written.  An empty key value
# stays a ValidationException of the request, ahead of the cancellation.  DynamoDB Local
# agrees, with its own reason message.  (TransactGetItems keeps its ValidationException:
# test_quotas.py test_key_lengths_in_reads.)
def test_transact_write_key_over_limit_is_a_reason(ddb, ddb_url, target, tt, table_name,
                                                   make_table):
    comp = table_name("txr")
    make_table(ddb, comp, range=("sk", "S"))
    hash_long = aws_or_local(
        target, "One or more parameter values were invalid: Size of hashkey has exceeded the "
        "maximum size limit of2048 bytes", local="Hash primary key values must be under 2048 "
        "bytes, and range primary key values must be under 1024 bytes")
    range_long = aws_or_local(
        target, "One or more parameter values were invalid: Aggregated size of all range keys "
        "has exceeded the size limit of 1024 bytes", local="Hash primary key values must be "
        "under 2048 bytes, and range primary key values must be under 1024 bytes")
    big = K("k" * 2049)
    big_sk = {"pk": S("a"), "sk": S("\u00e9" * 513)}  # 1,026 bytes
    actions = [
        ({"Put": {"TableName": tt, "Item": big}}, hash_long),
        ({"Delete": {"TableName": tt, "Key": big}}, hash_long),
        ({"Update": {"TableName": tt, "Key": big, "UpdateExpression": "SET #d = :v",
                     "ExpressionAttributeNames": {"#d": "data"},
                     "ExpressionAttributeValues": {":v": S("x")}}}, hash_long),
        ({"ConditionCheck": {"TableName": tt, "Key": big,
                             "ConditionExpression": "attribute_exists(pk)"}}, hash_long),
        ({"Put": {"TableName": comp, "Item": big_sk}}, range_long),
        ({"Delete": {"TableName": comp, "Key": big_sk}}, range_long),
    ]
    for action, msg in actions:
        e = err(ddb_url, "TransactWriteItems", {"TransactItems": [
            action, {"Put": {"TableName": tt, "Item": K("kept-out")}}]}, TC,
            "Transaction cancelled, please refer cancellation reasons for specific reasons "
            "[ValidationError, None]")
        assert e["CancellationReasons"] == [{"Code": "ValidationError", "Message": msg},
                                            {"Code": "None"}], action
    assert get(ddb_url, tt, "kept-out") is None
    # at the limits the actions run
    ok(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": K("k" * 2048)}},
        {"Put": {"TableName": comp, "Item": {"pk": S("a"), "sk": S("\u00e9" * 512)}}}]})
    assert get(ddb_url, tt, "k" * 2048) == K("k" * 2048)
    # an empty key value elsewhere in the request: the request's ValidationException
    err(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": tt, "Item": big}}, {"Put": {"TableName": tt, "Item": K("")}}]}, V,
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty string value. Key: pk")
