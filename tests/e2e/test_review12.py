"""review12 (session 12 review): a ThreadSanitizer run of the concurrency-heavy paths, then the
review of the session's commits; each finding is a test that demonstrates it.  A test is marked
xfail(strict=True) while its finding stands: the fix makes it pass (XPASS), which fails the
run, so whoever fixes it removes the marker.  Details, reproductions and the sources:
/work/notes/review12.md (F1, F2, ...).  The tests here run on both targets: the markers apply
on ddbchat only (DynamoDB Local answers as each test wants)."""
import pytest

from itemlib import call, ok, put_items, S, N, sanitizer_server

ON_DDBCHAT = "config.getoption('--target') == 'ddbchat'"


@pytest.fixture
def booleans(ddb_url, table_name):
    """A table with one item: n = 1, flag = 'right', yes = true; and the SELECT prefix that
    reads it by its key."""
    name = table_name("rv12b")
    ok(ddb_url, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "N"}]})
    ok(ddb_url, "PutItem", {"TableName": name, "Item": {
        "pk": S("b"), "sk": N(1), "n": N(1), "flag": S("right"), "yes": {"BOOL": True}}})
    return f'SELECT sk FROM "{name}" WHERE pk = \'b\' AND sk = 1 AND '


def _run(ddb_url, stmt):
    good, data = call(ddb_url, "ExecuteStatement", {"Statement": stmt})
    return good, data, data.get("message", data.get("Message"))


def test_f2_is_refuses_a_condition_on_its_left(ddb_url, booleans):
    """ad4b335 lets a predicate call or a parenthesised condition be the left operand of what
    follows it (pred_tail), so that it can be compared with =, <>, IN (AWS's captures).  IS came
    along: `attribute_exists(n) IS BOOLEAN`, `(n = 1) IS NULL` now run (200), and `(n = 1) IS
    MISSING` answers "Operator or function requires a document path; operator or function:
    attribute_not_exists", the text of ddbchat's own rewrite of IS MISSING.  DynamoDB Local
    refuses every one: "The left hand side argument to IS must be a Variable Reference, Literal,
    or Path" (ddbchat before ad4b335 refused them too, "Unexpected token after expression"); no
    AWS capture takes a condition before IS (the captures, floci's edge-case test 19, cover =,
    <>, IN and the ordering operators only)."""
    for cond in ["attribute_exists(n) IS BOOLEAN", "attribute_exists(n) IS NOT BOOLEAN",
                 "(n = 1) IS BOOLEAN", "(n = 1 OR n = 2) IS BOOLEAN", "(n = 1) IS NULL",
                 "(n = 1) IS MISSING", "(n = 1) IS NOT MISSING",
                 "begins_with(flag, 'r') IS MISSING"]:
        good, data, msg = _run(ddb_url, booleans + cond)
        assert not good and data.get("__type", "").endswith("ValidationException"), (cond, data)
        assert msg == ("The left hand side argument to IS must be a Variable Reference, "
                       "Literal, or Path"), (cond, msg)


def test_f2b_is_refuses_a_parameter_or_a_collection_on_its_left(ddb_url, booleans):
    """After d5ff1a9 (F2's fix: IS takes "a path or a value" on its left) ddbchat still runs
    `? IS NULL` (a parameter), `[1] IS LIST`, `{'a': 1} IS STRUCT`, `<<1>> IS NUMERIC`, and
    answers `MISSING IS MISSING` "MISSING must be compared using IS operator".  DynamoDB Local
    refuses all five with "The left hand side argument to IS must be a Variable Reference,
    Literal, or Path" (a scalar literal, `'x' IS STRING`, `null IS NULL`, it runs, as ddbchat
    does).  Pre-existing; no AWS capture."""
    for cond, params in [("? IS NULL", [{"NULL": True}]), ("? IS STRING", [S("x")]),
                         ("[1] IS LIST", None), ("{'a': 1} IS STRUCT", None),
                         ("<<1>> IS NUMERIC", None), ("MISSING IS MISSING", None)]:
        body = {"Statement": booleans + cond}
        if params:
            body["Parameters"] = params
        good, data = call(ddb_url, "ExecuteStatement", body)
        msg = data.get("message", data.get("Message"))
        assert not good and msg == ("The left hand side argument to IS must be a Variable "
                                    "Reference, Literal, or Path"), (cond, data)


def test_f3_condition_compared_on_the_right(ddb_url, booleans):
    """ad4b335's rule (expr_partiql.h): "a condition (a predicate call or a parenthesised
    condition) compared with =, <>, IN is its truth".  A predicate call works on either side
    (`true = attribute_exists(n)`, `attribute_exists(n) = attribute_exists(flag)`, both AWS's
    captures), but a parenthesised condition on the right, `true = (n = 1)`, `(n = 1) = (flag
    = 'right')`, is still "Statement wasn't well formed, can't be processed: Unexpected term".
    DynamoDB Local, which agrees with every capture of ad4b335, evaluates them (1 item each)."""
    for cond in ["true = (n = 1)", "yes = (n = 1)", "(n = 1) = (flag = 'right')",
                 "(n = 1) <> (flag = 'x')", "(n = 1) IN [(flag = 'right')]"]:
        good, data, msg = _run(ddb_url, booleans + cond)
        assert good, (cond, data)
        assert len(data["Items"]) == 1, (cond, data)


def test_f4_big_projection_over_a_page_of_small_items(ddb_url, table_name):
    """742eabd groups a projection's paths by a sort at every item: project() allocates the
    steps, runs, groups (16 + 24 + 16 bytes a path) and a result array sized by the paths (not
    by the item's members) in the request's arena, and nothing is given back between items.
    Over a 1 MB page of small items that is items x paths x ~100 bytes: a Query or Scan of
    4,000 three-attribute items with a 4 KB ProjectionExpression (680 names, the items hold 3)
    passes the request arena's 256 MB cap and answers 500 InternalServerError "out of memory";
    a valid request that DynamoDB (and DynamoDB Local) answers with every item.  Before
    742eabd the same shapes cost ~60 % of that (40-attribute items, 450 names: 200 OK at a
    111 MB peak, 500 since), and the 680-name case was already over the cap."""
    name = table_name("rv12pj")
    ok(ddb_url, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "N"}]})
    n_items = 4000
    for i in range(0, n_items, 25):
        ok(ddb_url, "BatchWriteItem", {"RequestItems": {name: [
            {"PutRequest": {"Item": {"pk": S("p"), "sk": N(j), "a1": N(1)}}}
            for j in range(i, i + 25)]}})
    proj = ", ".join(f"a{k}" for k in range(680))
    assert len(proj) <= 4096
    for op, body in [("Query", {"KeyConditionExpression": "pk = :p",
                                "ExpressionAttributeValues": {":p": S("p")}}), ("Scan", {})]:
        good, data = call(ddb_url, op, dict(body, TableName=name, ProjectionExpression=proj))
        assert good, (op, data)
        assert data["Count"] == n_items and data["Items"][0] == {"a1": N(1)}, (op, data["Count"])


def test_f5_transaction_of_updates_on_wide_items_is_not_a_500(ddb_url, table_name):
    """A TransactWriteItems of 50 Update actions ("SET x = :v"), each on an item of 30,000
    number attributes (~240 KB, under the 400 KB item limit), passed the request arena's
    256 MB cap: 500 InternalServerError "out of memory" (about 5 MB of arena per action for a
    240 KB item; 30 actions took a 164 MB peak, 40 216 MB).  Each Update's new item was deep-
    copied after the update (api_write_apply), and the arena's block after each big array was
    twice its size; now an action costs its decoded old item and the new member array (50
    actions: 200 at a 159 MB peak, was the 500 at 237 MB; 30 actions 96 MB, was 158 MB).
    ddbchat counts an Update's key, not its item, towards the transaction's 4 MB aggregate, as
    Dynoxide and ExtendDB do (their AWS-checked 4 MB rule; no capture shows AWS counting an
    Update's stored item), and DynamoDB Local answers 200: AWS answers either 200 or the 4 MB aggregate's ValidationException, never a 500 (a 500 is
    retried by the SDKs, ten times for transactions in botocore's standard mode)."""
    name = table_name("rv12tw")
    ok(ddb_url, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    put_items(ddb_url, name, {f"a{k}": N(1) for k in range(30000)},
              [{"pk": S(f"k{i}")} for i in range(50)])
    # DynamoDB Local took over 30 s for it on a loaded machine (load 20, mid-session CI)
    good, data = call(ddb_url, "TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": name, "Key": {"pk": S(f"k{i}")}, "UpdateExpression": "SET x = :v",
                    "ExpressionAttributeValues": {":v": N(2)}}} for i in range(50)]}, timeout=180)
    if not good:
        assert data.get("__type", "").endswith("ValidationException"), data
        assert "4MB" in data.get("message", data.get("Message", "")), data


def test_f6_transact_get_items_over_4_mb_is_refused(ddb_url, table_name):
    """API Reference, TransactGetItems: "The aggregate size of the items in the transaction
    cannot exceed 4 MB" and "DynamoDB rejects the entire TransactGetItems request if ... The
    aggregate size of the items in the transaction exceeded 4 MB."  ddbchat checks the 4 MB
    aggregate for TransactWriteItems only: 20 Gets of ~240 KB items (4.35 MB) answer 200 with
    every item (100 of them: 24 MB, 4 s, a 229 MB peak).  DynamoDB Local refuses with a
    ValidationException ("Payload in response is too large.4349071", its own wording: AWS's
    text is not captured, so only the type is asserted)."""
    name = table_name("rv12tg")
    ok(ddb_url, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    put_items(ddb_url, name, {f"a{k}": N(1) for k in range(30000)},
              [{"pk": S(f"k{i}")} for i in range(20)])
    # 120 s: DynamoDB Local took over 30 s to refuse on a busy new host (load ~19, the first
    # clean-clone make test of session 32)
    good, data = call(ddb_url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": name, "Key": {"pk": S(f"k{i}")}}} for i in range(20)]},
        timeout=120)
    assert not good, f"{len(data.get('Responses', []))} items returned"
    assert data.get("__type", "").endswith("ValidationException"), data


@pytest.mark.requires_ddbchat
@pytest.mark.asan_slow  # under ASan: 28 s; test_f6 is refused the same way there
def test_f6b_transact_get_items_refused_before_the_memory_runs_out(ddb_url, table_name):
    """review12 on acc7a5d: the 4 MB check ran after every item had been decoded into the
    request's arena, so 100 Gets of 45,000-attribute items (~360 KB each, each Get valid)
    answered 500 "out of memory" (a 250 MB peak) instead of the aggregate's
    ValidationException.  The read now stops at the item that passes 4 MB (a 40 MB peak,
    19 ms)."""
    name = table_name("rv12tgb")
    ok(ddb_url, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    put_items(ddb_url, name, {f"a{k}": N(1) for k in range(45000)},
              [{"pk": S(f"k{i}")} for i in range(100)])
    good, data = call(ddb_url, "TransactGetItems", {"TransactItems": [
        {"Get": {"TableName": name, "Key": {"pk": S(f"k{i}")}}} for i in range(100)]})
    assert not good and data.get("__type", "").endswith("ValidationException"), data
    assert "4MB" in data.get("message", data.get("Message", "")), data


def _hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _wide_items_server(ddbchat_server, name):
    """A server of its own (skipped under a sanitizer, whose allocator makes peak RSS
    meaningless) with table `name` holding k0..k4, items of 30,000 numbers (~240 KB each)."""
    srv = ddbchat_server()
    if sanitizer_server(srv.proc.pid):
        pytest.skip("peak RSS under a sanitizer's allocator")
    url = srv.ddb_url
    ok(url, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    wide = {f"a{k}": N(1) for k in range(30000)}
    for i in range(5):
        ok(url, "PutItem", {"TableName": name, "Item": dict(wide, pk=S(f"k{i}"))})
    return srv, url, name


def test_f7_execute_transaction_reads_do_not_take_16_mb_an_item(ddbchat_server):
    """An ExecuteTransaction of SELECTs answers through a jansson tree: each item of 30,000
    number attributes (~240 KB) costs ~16 MB of heap while the answer is built, none of it in
    the request's arena, so its 256 MB cap does not hold: 100 such SELECTs took 20 s and a
    1.6 GB peak RSS, and 1.36 GB stayed resident after; 10 of them 166 MB (+75 MB kept).
    TransactGetItems of the same items answers through the arena (229 MB for 100).  Here 5
    SELECTs (1.2 MB of items, a valid transaction): the server's peak RSS must rise by less
    than 48 MB (main: ~80 MB)."""
    srv, url, name = _wide_items_server(ddbchat_server, "rv12et")
    before = _hwm_mb(srv.proc.pid)
    r = ok(url, "ExecuteTransaction", {"TransactStatements": [
        {"Statement": f"SELECT * FROM \"{name}\" WHERE pk = 'k{i}'"} for i in range(5)]})
    assert len(r["Responses"]) == 5 and len(r["Responses"][0]["Item"]) == 30001
    rise = _hwm_mb(srv.proc.pid) - before
    assert rise < 48, f"peak RSS rose {rise:.0f} MB for 1.2 MB of items"


def test_f7b_cancellation_items_do_not_take_16_mb_an_item(ddbchat_server):
    """F7's cause on the error path: a TransactWriteItems whose ConditionChecks fail with
    ReturnValuesOnConditionCheckFailure ALL_OLD returns each old item in CancellationReasons,
    built as a jansson tree (txn_canceled, ddbjson_from_item): 20 failing checks of 240 KB
    items took a 337 MB peak and left RSS at 277 MB; ExecuteTransaction's UPDATEs with the
    same option 581 MB.  Here 5 (1.2 MB of items): the peak RSS must rise by less than 48 MB
    (main: ~80 MB)."""
    srv, url, name = _wide_items_server(ddbchat_server, "rv12cc")
    before = _hwm_mb(srv.proc.pid)
    good, data = call(url, "TransactWriteItems", {"TransactItems": [
        {"ConditionCheck": {"TableName": name, "Key": {"pk": S(f"k{i}")},
                            "ConditionExpression": "attribute_not_exists(a1)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
        for i in range(5)]})
    assert not good and data["__type"].endswith("TransactionCanceledException"), data
    assert all(len(x["Item"]) == 30001 for x in data["CancellationReasons"])
    rise = _hwm_mb(srv.proc.pid) - before
    assert rise < 48, f"peak RSS rose {rise:.0f} MB for 1.2 MB of items"


def test_f7c_other_item_answers_do_not_take_16_mb_an_item(ddbchat_server):
    """F7's cause in the other answers that carried items as jansson trees (mem13): a
    BatchExecuteStatement of SELECTs, an ExecuteStatement page, RETURNING, a failed
    condition's Item (PutItem, ExecuteStatement) and an ExecuteTransaction's cancellation
    reasons with ReturnValuesOnConditionCheckFailure ALL_OLD.  Each request here carries 5
    items of 30,000 numbers (1.2 MB) or one: the server's peak RSS must rise by less than 48
    MB over all of them (a9a3078: 153 MB, one tree per item, ~16 MB each; 8c856d9, error
    extras as text: 125 MB)."""
    srv, url, name = _wide_items_server(ddbchat_server, "rv12oa")
    before = _hwm_mb(srv.proc.pid)
    r = ok(url, "BatchExecuteStatement", {"Statements": [
        {"Statement": f"SELECT * FROM \"{name}\" WHERE pk = 'k{i}'"} for i in range(5)]})
    assert all(len(x["Item"]) == 30001 for x in r["Responses"])
    r = ok(url, "ExecuteStatement", {"Statement": f"SELECT * FROM \"{name}\""})
    assert len(r["Items"]) >= 4
    r = ok(url, "ExecuteStatement", {
        "Statement": f"UPDATE \"{name}\" SET x = 1 WHERE pk = 'k0' RETURNING ALL OLD *"})
    assert len(r["Items"][0]) == 30001
    good, data = call(url, "PutItem", {
        "TableName": name, "Item": {"pk": S("k1")}, "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
    assert not good and len(data["Item"]) == 30001, data.get("__type")
    good, data = call(url, "ExecuteStatement", {
        "Statement": f"UPDATE \"{name}\" SET x = 1 WHERE pk = 'k2' AND a1 = 2",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
    assert not good and len(data["Item"]) == 30001, data.get("__type")
    good, data = call(url, "ExecuteTransaction", {"TransactStatements": [
        {"Statement": f"UPDATE \"{name}\" SET x = 1 WHERE pk = 'k{i}' AND a1 = 2",
         "ReturnValuesOnConditionCheckFailure": "ALL_OLD"} for i in range(5)]})
    assert not good and data["__type"].endswith("TransactionCanceledException"), data
    assert all(len(x["Item"]) >= 30001 for x in data["CancellationReasons"])  # k0 has x now
    rise = _hwm_mb(srv.proc.pid) - before
    assert rise < 48, f"peak RSS rose {rise:.0f} MB for answers of 1.2 MB of items"


def test_f3b_parenthesised_operands_on_the_left_and_in_values(ddb_url, booleans):
    """47782e8 (F3's fix) says "any operand may be parenthesised", and it is so on the right of
    a comparison.  On the left, a parenthesised path is still refused: `(n) = 1` is "The
    arguments to AND/OR must be Expressions", `UPDATE ... WHERE (pk) = 'b' AND sk = 1` is "WHERE
    clause must contain an expression that resolves to a boolean"; and so are parenthesised
    values of SET and INSERT (`SET x = (n) + 1`, `VALUE {..., 'a': (1)}`: "Unexpected term").
    DynamoDB Local runs every one.  Pre-existing; no AWS capture."""
    table = booleans.split('"')[1]
    for stmt, want in [(booleans + "(n) = 1", 1), (booleans + "(flag) = 'right'", 1),
                       (f"UPDATE \"{table}\" SET x = 1 WHERE (pk) = 'b' AND sk = 1", 0),
                       (f"UPDATE \"{table}\" SET x = (n) + 1 WHERE pk = 'b' AND sk = 1", 0),
                       (f"INSERT INTO \"{table}\" VALUE {{'pk': 'p2', 'sk': 2, 'a': (1)}}", 0)]:
        good, data, msg = _run(ddb_url, stmt)
        assert good, (stmt, msg)
        assert len(data.get("Items", [])) == want, (stmt, data)
