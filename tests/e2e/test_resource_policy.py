"""PutResourcePolicy / GetResourcePolicy / DeleteResourcePolicy and CreateTable's
ResourcePolicy (src/api/op_policy.c).

Expected answers are AWS's: the lab reports of live probes (ack-api-quirks DDB-TABLE-205..214,
233, 351..356, verified 2026-10-09) and moto's aws_verified tests for the ExpectedRevisionId
texts; the request model's constraints from the API Reference.  DynamoDB Local has none of
these operations (UnknownOperationException, pinned below), so the other tests skip there.
The system's boto3 predates these operations: the requests go as raw JSON, which is what
every SDK sends.  Each test names the behaviour it pins.
"""
import json
import re
import time

import pytest

from conftest import make_table, raw_request

LOCAL_HAS_NONE = "DynamoDB Local has no resource-based policies (UnknownOperationException)"
NOT_FOUND = "Resource-based policy not found for the provided ResourceArn: "
INVALID = "One or more parameter values were invalid: "


@pytest.fixture
def only_ddbchat(target):
    if target == "dynamodb-local":
        pytest.skip(LOCAL_HAS_NONE)


def call(url, op, **body):
    """(status, decoded body) of one raw DynamoDB request."""
    st, _, b = raw_request(url, body, target="DynamoDB_20120810." + op)
    return st, (json.loads(b) if b else {})


def ok(url, op, **body):
    st, j = call(url, op, **body)
    assert st == 200, (op, j)
    return j


def fails(url, op, **body):
    """(error type, message) of a request that must fail with HTTP 400."""
    st, j = call(url, op, **body)
    assert st == 400, (op, st, j)
    return j["__type"].split("#")[-1], j.get("message", j.get("Message"))


def doc(arn, action="dynamodb:GetItem", sid="s1", principal=None, **extra):
    account = arn.split(":")[4]
    st = {"Sid": sid, "Effect": "Allow",
          "Principal": principal or {"AWS": f"arn:aws:iam::{account}:root"},
          "Action": action, "Resource": arn}
    st.update(extra)
    return {"Version": "2012-10-17", "Statement": [st]}


def canonical(d):
    return json.dumps(d, separators=(",", ":"))


def new_table(ddb, table_name, prefix="rp", **extra):
    name = table_name(prefix)
    return name, make_table(ddb, name, **extra)["TableArn"]


@pytest.mark.requires_dynamodb_local
def test_dynamodb_local_has_no_resource_policies(ddb, ddb_url, table_name):
    # Pins why the other tests skip on DynamoDB Local: it does not know the operations.
    _, arn = new_table(ddb, table_name)
    for op, body in (("GetResourcePolicy", {"ResourceArn": arn}),
                     ("PutResourcePolicy", {"ResourceArn": arn, "Policy": canonical(doc(arn))}),
                     ("DeleteResourcePolicy", {"ResourceArn": arn})):
        assert fails(ddb_url, op, **body) == ("UnknownOperationException",
                                              "An unknown operation was requested.")


def test_put_get_delete_round_trip(ddb, ddb_url, table_name, only_ddbchat):
    # Pins: no policy -> PolicyNotFoundException naming the ARN; Put answers a 13-digit
    # RevisionId (epoch ms) that Get repeats with the canonical document (minified, members in
    # IAM's order, a one-element Action list as its string, {"AWS": account} as the root ARN:
    # DDB-TABLE-207/208/352); an equivalent re-Put is a no-op with the same id; a different
    # document gets a larger id; Delete answers the removed policy's id, then Get is
    # PolicyNotFound again (DDB-TABLE-205/209).
    _, arn = new_table(ddb, table_name)
    account = arn.split(":")[4]
    assert fails(ddb_url, "GetResourcePolicy", ResourceArn=arn) == (
        "PolicyNotFoundException", NOT_FOUND + arn)
    pretty = {"Statement": [{"Resource": arn, "Action": ["dynamodb:GetItem"],
                             "Principal": {"AWS": account}, "Effect": "Allow", "Sid": "s1"}],
              "Version": "2012-10-17"}
    rev = ok(ddb_url, "PutResourcePolicy", ResourceArn=arn,
             Policy=json.dumps(pretty, indent=4))["RevisionId"]
    assert re.fullmatch(r"\d{13}", rev)
    got = ok(ddb_url, "GetResourcePolicy", ResourceArn=arn)
    assert got == {"Policy": canonical(doc(arn)), "RevisionId": rev}
    # equivalent documents: minified, reordered, the canonical form itself
    for same in (json.dumps(pretty), canonical(doc(arn)), canonical(doc(arn, ["dynamodb:GetItem"]))):
        assert ok(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=same) == {
            "RevisionId": rev}
    rev2 = ok(ddb_url, "PutResourcePolicy", ResourceArn=arn,
              Policy=canonical(doc(arn, ["dynamodb:GetItem", "dynamodb:Query"])))["RevisionId"]
    assert int(rev2) > int(rev)
    assert ok(ddb_url, "GetResourcePolicy", ResourceArn=arn)["Policy"] == canonical(
        doc(arn, ["dynamodb:GetItem", "dynamodb:Query"]))
    assert ok(ddb_url, "DeleteResourcePolicy", ResourceArn=arn) == {"RevisionId": rev2}
    assert fails(ddb_url, "GetResourcePolicy", ResourceArn=arn) == (
        "PolicyNotFoundException", NOT_FOUND + arn)


def test_delete_is_idempotent(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-205: Delete where no policy ever was -> 200 {} (twice); after a real
    # delete, a further Delete answers the deletion's own revision (a later time than the
    # removed policy's), again and again.
    _, arn = new_table(ddb, table_name)
    assert ok(ddb_url, "DeleteResourcePolicy", ResourceArn=arn) == {}
    assert ok(ddb_url, "DeleteResourcePolicy", ResourceArn=arn) == {}
    rev = ok(ddb_url, "PutResourcePolicy", ResourceArn=arn,
             Policy=canonical(doc(arn)))["RevisionId"]
    assert ok(ddb_url, "DeleteResourcePolicy", ResourceArn=arn) == {"RevisionId": rev}
    tomb = ok(ddb_url, "DeleteResourcePolicy", ResourceArn=arn)["RevisionId"]
    assert int(tomb) > int(rev)
    assert ok(ddb_url, "DeleteResourcePolicy", ResourceArn=arn) == {"RevisionId": tomb}


def test_expected_revision_id(ddb, ddb_url, table_name, only_ddbchat):
    # Pins ExpectedRevisionId (moto's aws_verified texts; DDB-TABLE-205/209): NO_POLICY puts
    # only where there is none; a stale or bogus id is PolicyNotFoundException naming both
    # ids, on Put and Delete, and leaves the policy alone; with no policy at all the text
    # says the table has none; the current id passes.
    name, arn = new_table(ddb, table_name)
    p1, p2 = canonical(doc(arn)), canonical(doc(arn, "dynamodb:Query"))
    assert fails(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=p1,
                 ExpectedRevisionId="123456789") == (
        "PolicyNotFoundException", NOT_FOUND + "Requested update for policy with revision id "
        f"123456789, but table {name} has no associated policy.")
    assert fails(ddb_url, "DeleteResourcePolicy", ResourceArn=arn,
                 ExpectedRevisionId="123456789")[0] == "PolicyNotFoundException"
    r1 = ok(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=p1,
            ExpectedRevisionId="NO_POLICY")["RevisionId"]
    assert fails(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=p2,
                 ExpectedRevisionId="NO_POLICY") == (
        "PolicyNotFoundException", NOT_FOUND + "Requested policy update expecting none to be "
        f"present for table {name}, but a policy exists with revision id {r1}.")
    r2 = ok(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=p2,
            ExpectedRevisionId=r1)["RevisionId"]
    stale = (NOT_FOUND + f"Requested update for policy with revision id {r1}, but the policy "
             f"associated to target table {name} has revision id {r2}.")
    assert fails(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=p1,
                 ExpectedRevisionId=r1) == ("PolicyNotFoundException", stale)
    assert fails(ddb_url, "DeleteResourcePolicy", ResourceArn=arn,
                 ExpectedRevisionId=r1) == ("PolicyNotFoundException", stale)
    assert ok(ddb_url, "GetResourcePolicy", ResourceArn=arn) == {"Policy": p2, "RevisionId": r2}
    assert ok(ddb_url, "DeleteResourcePolicy", ResourceArn=arn,
              ExpectedRevisionId=r2) == {"RevisionId": r2}


def test_resource_arn_forms(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-212/214: which ResourceArn forms are refused and how, the same for Get,
    # Put and Delete: a bare name, another region or partition, another account, an index's
    # ARN, a backup's; a missing table (names are case-sensitive) and a stream label the table
    # does not have are not found.
    name, arn = new_table(ddb, table_name)
    region, account = arn.split(":")[3], arn.split(":")[4]
    other_region = "eu-west-1" if region != "eu-west-1" else "us-east-1"
    cases = [
        (name, ("ValidationException", INVALID + f"ARNs must start with 'arn:': {name}")),
        (arn.replace(region, other_region),
         ("ValidationException", INVALID + "Invalid resource Arn: "
          + arn.replace(region, other_region))),
        (arn.replace("arn:aws:", "arn:aws-cn:"),
         ("ValidationException", INVALID + "Invalid resource Arn: "
          + arn.replace("arn:aws:", "arn:aws-cn:"))),
        (arn.replace(account, "111122223333"),
         ("ValidationException", "This action is only supported by accounts that match the "
          "resource owner\u2019s account.")),
        (arn + "/index/byx", ("ValidationException", INVALID + "Invalid resource arn provided, "
                              "only table or stream is accepted. Provided resource arn: "
                              + arn + "/index/byx")),
        (arn + "/backup/01234567890123-abcdefgh",
         ("ValidationException", INVALID + "Provided Arn is not a DynamoDB resource arn: "
          + arn + "/backup/01234567890123-abcdefgh")),
        (arn + "_missing", ("ResourceNotFoundException",
                            f"Requested resource not found: Table: {name}_missing not found")),
        (arn.replace(name, name.upper()),
         ("ResourceNotFoundException",
          f"Requested resource not found: Table: {name.upper()} not found")),
    ]
    for res, want in cases:
        assert fails(ddb_url, "GetResourcePolicy", ResourceArn=res) == want, res
        assert fails(ddb_url, "PutResourcePolicy", ResourceArn=res,
                     Policy=canonical(doc(arn))) == want, res
        assert fails(ddb_url, "DeleteResourcePolicy", ResourceArn=res) == want, res
    bogus = arn + "/stream/2000-01-01T00:00:00.000"
    assert fails(ddb_url, "GetResourcePolicy", ResourceArn=bogus) == (
        "ResourceNotFoundException", "Requested resource not found: Stream: "
        f"2000-01-01T00:00:00.000 not found for Table: {name}")


def test_policy_document_rules(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-211/352/356/457: the document's checks and texts (ValidationException), and
    # that a refused Put leaves the policy and its RevisionId as they were.
    _, arn = new_table(ddb, table_name)
    rev = ok(ddb_url, "PutResourcePolicy", ResourceArn=arn,
             Policy=canonical(doc(arn)))["RevisionId"]
    good = canonical(doc(arn, "dynamodb:Query"))
    no_resource = doc(arn)
    del no_resource["Statement"][0]["Resource"]
    two_sids = doc(arn)
    two_sids["Statement"].append(dict(two_sids["Statement"][0], Action="dynamodb:Query"))
    unbounded = "Resource-based policy grants unbounded access in one or more elements. " \
                "Please revise the policy to ensure least-privilege form of access"
    cases = [
        (good[:-1] + " " * (20481 - len(good)) + "}",
         INVALID + "Maximum policy size of 20480 bytes exceeded"),
        ("{not json", INVALID + "Invalid policy document: This policy contains invalid Json"),
        ("", INVALID + "Invalid policy document: This policy contains invalid Json"),
        ("[]", INVALID + "Invalid policy document: This policy contains invalid Json"),
        # the JSON null is no policy at all (DDB-TABLE-457 policy_null; ddbchat answered
        # "This policy contains invalid Json")
        ("null", INVALID + "Invalid policy document: This text appears not to be a policy"),
        (" null ", INVALID + "Invalid policy document: This text appears not to be a policy"),
        (canonical({"Version": "2012-10-17", "Statement": []}),
         INVALID + "Invalid policy document: Could not parse the policy: Statement is empty!"),
        (canonical(no_resource), INVALID + "Invalid policy document: Missing required field Resource"),
        (canonical(two_sids),
         INVALID + "Invalid policy document: The Statement Ids in the policy are not unique"),
        (canonical(doc(arn, principal="*")), unbounded),
        (canonical(doc(arn, principal={"AWS": "*"})), unbounded),
    ]
    for text, msg in cases:
        assert fails(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=text) == (
            "ValidationException", msg), text[:60]
    assert ok(ddb_url, "GetResourcePolicy", ResourceArn=arn) == {
        "Policy": canonical(doc(arn)), "RevisionId": rev}
    # 20480 bytes as sent (whitespace included) is within the limit; it reads back minified
    padded = good[:-1] + " " * (20480 - len(good)) + "}"
    assert len(padded) == 20480
    ok(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=padded)
    assert ok(ddb_url, "GetResourcePolicy", ResourceArn=arn)["Policy"] == good


def test_bare_principal_string_is_a_syntax_error(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-356: a Principal (or NotPrincipal) given as a bare account-id string is
    # ValidationException "... Syntax error at position (1,94)" and changes nothing.  The
    # position rule is inferred (the line and column where that string starts in the text as
    # sent): a minified document with the string at column 94 answers the capture's text.
    _, arn = new_table(ddb, table_name)
    head = '{"Version":"2012-10-17","Statement":[{"Sid":"'
    mid = '","Effect":"Allow","Principal":'
    sid = "s" * (93 - len(head) - len(mid))
    text = (head + sid + mid + '"123456789012","Action":"dynamodb:GetItem","Resource":"'
            + arn + '"}]}')
    assert text.index('"123456789012"') + 1 == 94
    syntax = INVALID + "Invalid policy document: Syntax error at position (%d,%d)"
    assert fails(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=text) == (
        "ValidationException", syntax % (1, 94))
    # the second statement's NotPrincipal, the document spread over lines
    d = doc(arn)
    d["Statement"].append({"Sid": "s2", "Effect": "Deny", "NotPrincipal": "arn:aws:iam::1:root",
                           "Action": "dynamodb:Query", "Resource": arn})
    pretty = json.dumps(d, indent=2)
    at = pretty.index('"arn:aws:iam::1:root"')
    line = pretty.count("\n", 0, at) + 1
    col = at - (pretty.rfind("\n", 0, at) + 1) + 1
    assert fails(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=pretty) == (
        "ValidationException", syntax % (line, col))
    assert fails(ddb_url, "GetResourcePolicy", ResourceArn=arn)[0] == "PolicyNotFoundException"
    # "*" stays the guardrail's case (a Deny to everyone is accepted), not a syntax error
    ok(ddb_url, "PutResourcePolicy", ResourceArn=arn,
       Policy=canonical(doc(arn, principal="*", Effect="Deny")))


def test_request_model(raw, ddb_url, only_ddbchat):
    # Pins the model's constraints (API Reference), checked before anything else:
    # ResourceArn and Policy required, ResourceArn 1..1283, ExpectedRevisionId 1..255.
    assert fails(ddb_url, "GetResourcePolicy") == (
        "ValidationException", "1 validation error detected: Value null at 'resourceArn' "
        "failed to satisfy constraint: Member must not be null")
    assert fails(ddb_url, "PutResourcePolicy") == (
        "ValidationException", "2 validation errors detected: Value null at 'resourceArn' "
        "failed to satisfy constraint: Member must not be null; Value null at 'policy' failed "
        "to satisfy constraint: Member must not be null")
    assert fails(ddb_url, "DeleteResourcePolicy", ResourceArn="",
                 ExpectedRevisionId="") == (
        "ValidationException", "2 validation errors detected: Value '' at 'resourceArn' failed "
        "to satisfy constraint: Member must have length greater than or equal to 1; Value '' at "
        "'expectedRevisionId' failed to satisfy constraint: Member must have length greater "
        "than or equal to 1")


def test_stream_arn_is_its_own_slot(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-213: the table's stream ARN holds a policy of its own, with its own
    # RevisionId; the table's slot does not see it, and deleting one leaves the other.
    _, arn = new_table(ddb, table_name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    sarn = ddb.describe_table(TableName=arn.split("/")[-1])["Table"]["LatestStreamArn"]
    sdoc = canonical(doc(sarn, "dynamodb:GetRecords"))
    srev = ok(ddb_url, "PutResourcePolicy", ResourceArn=sarn, Policy=sdoc)["RevisionId"]
    assert fails(ddb_url, "GetResourcePolicy", ResourceArn=arn) == (
        "PolicyNotFoundException", NOT_FOUND + arn)
    trev = ok(ddb_url, "PutResourcePolicy", ResourceArn=arn,
              Policy=canonical(doc(arn)))["RevisionId"]
    assert ok(ddb_url, "GetResourcePolicy", ResourceArn=sarn) == {"Policy": sdoc,
                                                                  "RevisionId": srev}
    assert ok(ddb_url, "DeleteResourcePolicy", ResourceArn=sarn) == {"RevisionId": srev}
    assert fails(ddb_url, "GetResourcePolicy", ResourceArn=sarn) == (
        "PolicyNotFoundException", NOT_FOUND + sarn)
    assert ok(ddb_url, "GetResourcePolicy", ResourceArn=arn)["RevisionId"] == trev


def test_create_table_attaches_policy(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-233: CreateTable's ResourcePolicy is readable through GetResourcePolicy
    # with the creation's time as its RevisionId, and neither CreateTable's answer nor
    # DescribeTable shows it; a document PutResourcePolicy would refuse is refused there too.
    name = table_name("rpc")
    arn = f"arn:aws:dynamodb:us-east-1:000000000000:table/{name}"
    created = ok(ddb_url, "CreateTable", TableName=name, BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                 ResourcePolicy=json.dumps(doc(arn), indent=2))["TableDescription"]
    assert "olicy" not in json.dumps(created)
    desc = ddb.describe_table(TableName=name)["Table"]
    got = ok(ddb_url, "GetResourcePolicy", ResourceArn=desc["TableArn"])
    assert got["Policy"] == canonical(doc(arn))
    assert abs(int(got["RevisionId"]) - int(desc["CreationDateTime"].timestamp() * 1000)) < 2
    assert "olicy" not in json.dumps(ddb.describe_table(TableName=name)["Table"], default=str)
    bad = table_name("rpcbad")
    st, j = call(ddb_url, "CreateTable", TableName=bad, BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                 KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], ResourcePolicy="{x")
    assert (st, j["message"]) == (400, INVALID + "Invalid policy document: This policy "
                                  "contains invalid Json")
    assert bad not in ddb.list_tables()["TableNames"]


def test_policy_goes_with_the_table(ddb, ddb_url, table_name, only_ddbchat):
    # Pins DDB-TABLE-214/271: after DeleteTable the ARN's policy calls are the table's
    # not-found, and a table created again under the name has no policy.
    name, arn = new_table(ddb, table_name)
    ok(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=canonical(doc(arn)))
    ddb.delete_table(TableName=name)
    gone = ("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found")
    assert fails(ddb_url, "GetResourcePolicy", ResourceArn=arn) == gone
    assert fails(ddb_url, "PutResourcePolicy", ResourceArn=arn,
                 Policy=canonical(doc(arn))) == gone
    assert fails(ddb_url, "DeleteResourcePolicy", ResourceArn=arn) == gone
    make_table(ddb, name)
    assert fails(ddb_url, "GetResourcePolicy", ResourceArn=arn) == (
        "PolicyNotFoundException", NOT_FOUND + arn)


def test_restore_does_not_carry_the_policy(ddb, ddb_url, table_name, only_ddbchat):
    # Pins: a table restored from a backup starts without the source's policy (AWS's restore
    # guide lists IAM policies among what to set up again on the restored table).
    from conftest import wait_restored
    name, arn = new_table(ddb, table_name)
    ok(ddb_url, "PutResourcePolicy", ResourceArn=arn, Policy=canonical(doc(arn)))
    bk = ddb.create_backup(TableName=name, BackupName="bk1")["BackupDetails"]["BackupArn"]
    for _ in range(600):
        if ddb.describe_backup(BackupArn=bk)["BackupDescription"]["BackupDetails"][
                "BackupStatus"] == "AVAILABLE":
            break
        time.sleep(0.01)
    target = table_name("rpr")
    ddb.restore_table_from_backup(TargetTableName=target, BackupArn=bk)
    rarn = wait_restored(ddb, target)["TableArn"]
    assert fails(ddb_url, "GetResourcePolicy", ResourceArn=rarn) == (
        "PolicyNotFoundException", NOT_FOUND + rarn)
    assert ok(ddb_url, "GetResourcePolicy", ResourceArn=arn)["Policy"] == canonical(doc(arn))


@pytest.mark.requires_ddbchat
def test_policy_survives_restart(ddbchat_server):
    # Pins: the policy and its RevisionId are durable (the table's metadata).
    from conftest import client_for
    srv = ddbchat_server()
    arn = make_table(client_for(srv.ddb_url), "rp_durable")["TableArn"]
    rev = ok(srv.ddb_url, "PutResourcePolicy", ResourceArn=arn,
             Policy=canonical(doc(arn)))["RevisionId"]
    srv.stop()
    srv2 = ddbchat_server(data_dir=srv.data_dir)
    assert ok(srv2.ddb_url, "GetResourcePolicy", ResourceArn=arn) == {
        "Policy": canonical(doc(arn)), "RevisionId": rev}
