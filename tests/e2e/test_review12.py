"""review12 (session 12 review): a ThreadSanitizer run of the concurrency-heavy paths, then the
review of the session's commits; each finding is a test that demonstrates it.  A test is marked
xfail(strict=True) while its finding stands: the fix makes it pass (XPASS), which fails the
run, so whoever fixes it removes the marker.  Details, reproductions and the sources:
/work/notes/review12.md (F1, F2, ...)."""
import pytest

from itemlib import call, ok, S


# strict xfail on ddbchat only: DynamoDB Local answers as the test wants
ON_DDBCHAT = "config.getoption('--target') == 'ddbchat'"


@pytest.mark.xfail(ON_DDBCHAT, strict=True, reason="review12 F1: 478c082 reports the Parameters count "
                   "before the select list's refusal (DynamoDB Local and the build before: the "
                   "select list first)")
def test_f1_select_list_refusal_before_the_parameters_count(ddb_url, table_name):
    """478c082 holds the select list's refusal ("Unexpected path component", a literal or a
    call such as COUNT(*)) until the index checks, as AWS answers a multi-attribute index.  The
    statement is bound (expr_pq_bind) before the held refusal is reported, so a statement whose
    Parameters do not match its `?`s now gets "Number of parameters in request and statement
    don't match." instead.  DynamoDB Local, and ddbchat before 478c082, refuse the select list
    first; the commit meant to keep that everywhere but the index checks ("a missing table keeps
    the select-list refusal"), and no source puts the count ahead of it."""
    name = table_name("rv12pq")
    ok(ddb_url, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]})
    for stmt, params, pos in [
            (f'SELECT COUNT(*) FROM "{name}" WHERE pk = ?', None, "1:8:5"),
            (f'SELECT 1 FROM "{name}" WHERE pk = ?', None, "1:8:1"),
            (f'SELECT COUNT(*) FROM "{name}" WHERE pk = ? AND x = ?', [S("a")], "1:8:5"),
            ('SELECT COUNT(*) FROM "rv12_no_such_table" WHERE pk = ?', None, "1:8:5")]:
        body = {"Statement": stmt}
        if params is not None:
            body["Parameters"] = params
        good, data = call(ddb_url, "ExecuteStatement", body)
        assert not good and data.get("__type", "").endswith("ValidationException"), data
        assert data.get("message", data.get("Message")) == \
            f"Unexpected path component at {pos}", (stmt, data)
