"""The messaging table's layout as designed (src/messaging/service.h), read with boto3
through the DynamoDB endpoint after a scripted conversation (ddbchat only): the table's key
schema and GSI, and exactly the designed rows with exactly the designed attribute names.
"""
import re

import time

import pytest

from msg_fixtures import TABLE, add_user, mddb, msg_server, rest, scan_table, token  # noqa: F401

pytestmark = pytest.mark.requires_ddbchat

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_table_schema(mddb):
    t = mddb.describe_table(TableName=TABLE)["Table"]
    assert {(k["AttributeName"], k["KeyType"]) for k in t["KeySchema"]} == {
        ("pk", "HASH"), ("sk", "RANGE")}
    assert {(a["AttributeName"], a["AttributeType"]) for a in t["AttributeDefinitions"]} == {
        ("pk", "S"), ("sk", "S"), ("message_group_uuid", "S")}
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    (g,) = t["GlobalSecondaryIndexes"]
    assert g["IndexName"] == "message-group-sk-index"
    assert [(k["AttributeName"], k["KeyType"]) for k in g["KeySchema"]] == [
        ("message_group_uuid", "HASH"), ("sk", "RANGE")]
    assert g["Projection"]["ProjectionType"] == "ALL"


def test_rows_of_a_scripted_conversation(msg_server, mddb):
    a = add_user(msg_server, "lay_ann", "Ann Layout")
    b = add_user(msg_server, "lay_ben", "Ben Layout")
    ta, tb = token(a), token(b)
    st, _, m1 = rest(msg_server, "POST", "/api/messages", ta, {"message": "one", "handle": "lay_ben"})
    g = m1["message_group_uuid"]
    _, _, m2 = rest(msg_server, "POST", "/api/messages", tb, {"message": "two", "message_group_uuid": g})
    _, _, m3 = rest(msg_server, "POST", "/api/messages", ta, {"message": "three", "handle": "lay_ben"})
    assert m3["message_group_uuid"] == g

    items = scan_table(mddb)
    mine = [it for it in items if g in it["pk"] or it.get("message_group_uuid") == g
            or it.get("group_uuid") == g or it["pk"] in (f"USER#{a}", f"USER#{b}",
                                                          "HANDLE#lay_ann", "HANDLE#lay_ben")]

    msgs = sorted([it for it in mine if it["pk"] == f"MSG#{g}"], key=lambda it: it["sk"])
    assert [m["message"] for m in msgs] == ["one", "two", "three"]
    for row, sent, (uid, handle, name) in zip(msgs, [m1, m2, m3], [
            (a, "lay_ann", "Ann Layout"), (b, "lay_ben", "Ben Layout"),
            (a, "lay_ann", "Ann Layout")]):
        assert set(row) == {"pk", "sk", "message_uuid", "message", "user_uuid",
                            "user_display_name", "user_handle"}
        assert TS.match(row["sk"]) and row["sk"] == sent["created_at"]
        assert row["message_uuid"] == sent["uuid"]
        assert (row["user_uuid"], row["user_handle"], row["user_display_name"]) == (uid, handle, name)

    convs = {it["pk"]: it for it in mine if it["pk"].startswith("GRP#")}
    assert set(convs) == {f"GRP#{a}", f"GRP#{b}"}
    # each row also holds its owner's read marker (service_mark.c): ann sent "three", so she
    # has read it; ben read to his own "two", and "three" is unread
    marks = {a: (m3["created_at"], "0"), b: (m2["created_at"], "1")}
    for owner, other, oh, on in [(a, b, "lay_ben", "Ben Layout"), (b, a, "lay_ann", "Ann Layout")]:
        row = convs[f"GRP#{owner}"]
        assert set(row) == {"pk", "sk", "message_group_uuid", "user_uuid", "user_display_name",
                            "user_handle", "message", "read_to", "unread"}
        assert (row["read_to"], row["unread"]) == marks[owner]
        assert row["sk"] == m3["created_at"] and row["message"] == "three"
        assert row["message_group_uuid"] == g
        assert (row["user_uuid"], row["user_handle"], row["user_display_name"]) == (other, oh, on)

    users = {it["pk"]: it for it in mine if it["pk"].startswith("USER#")}
    assert users[f"USER#{a}"] == {"pk": f"USER#{a}", "sk": "USER", "uuid": a,
                                  "handle": "lay_ann", "display_name": "Ann Layout"}
    handles = {it["pk"]: it for it in mine if it["pk"].startswith("HANDLE#")}
    assert handles["HANDLE#lay_ben"] == {"pk": "HANDLE#lay_ben", "sk": "HANDLE", "uuid": b}
    lo, hi = sorted([a, b])
    pairs = [it for it in mine if it["pk"].startswith("PAIR#")]
    # last_from: who sent the last message (service_send.c: then the recipient's marker is
    # known without reading their row)
    assert pairs == [{"pk": f"PAIR#{lo}#{hi}", "sk": "PAIR", "group_uuid": g,
                      "last_message_at": m3["created_at"], "last_from": a}]

    # the GSI holds exactly the two conversation rows of the group, pattern D's lookup (a
    # GSI is eventually consistent: a backing server with --gsi-lag, as AWS, shows them a
    # moment later; --msg-backing-args)
    deadline = time.time() + 10
    while True:
        r = mddb.query(TableName=TABLE, IndexName="message-group-sk-index",
                       KeyConditionExpression="message_group_uuid = :g",
                       ExpressionAttributeValues={":g": {"S": g}})
        got = sorted(it["pk"]["S"] for it in r["Items"])
        if got == sorted([f"GRP#{a}", f"GRP#{b}"]) or time.time() > deadline:
            break
        time.sleep(0.1)
    assert got == sorted([f"GRP#{a}", f"GRP#{b}"])
    # and nothing but conversation rows anywhere in the index
    idx = scan_table(mddb, IndexName="message-group-sk-index")
    assert idx and all(it["pk"].startswith("GRP#") for it in idx)
    # pattern A / B key conditions read the same rows
    r = mddb.query(TableName=TABLE, KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": {"S": f"MSG#{g}"}}, ScanIndexForward=False)
    assert [it["message"]["S"] for it in r["Items"]] == ["three", "two", "one"]
