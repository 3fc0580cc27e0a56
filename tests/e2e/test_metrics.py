"""GET /metrics on the DynamoDB port and `ddbchat stats` (issue 14, item 5).

ddbchat only: DynamoDB Local and the service have no /metrics (CloudWatch stands in there).
Each test scrapes, sends a known set of requests, scrapes again and checks that the counters
moved by exactly what was sent; and that no key value, item value or credential ever shows
up in the exposition.
"""
import json
import re
import subprocess
import threading
import urllib.request

import pytest

from conftest import client_for, ddbchat_bin, make_table, raw_request

pytestmark = pytest.mark.requires_ddbchat

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def scrape(url):
    with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    return text, parse(text)


def parse(text):
    """{(name, frozenset(labels)): value}; every line must be a comment or a valid sample."""
    out = {}
    helps = set()
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            helps.add(line.split()[2])
            continue
        m = SAMPLE.match(line)
        assert m, f"not an exposition line: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        key = (m.group(1), labels)
        assert key not in out, f"duplicate series {key}"
        out[key] = float(m.group(3))
    return out


def val(m, name, **labels):
    return m.get((name, frozenset(labels.items())), 0.0)


def test_counters_move_with_requests(ddbchat_server):
    srv = ddbchat_server()
    d = client_for(srv.ddb_url)
    make_table(d, "metrics_t", hash=("pk", "S"))
    _, before = scrape(srv.ddb_url)
    for i in range(7):
        d.put_item(TableName="metrics_t", Item={"pk": {"S": f"k{i}"}, "v": {"S": "x" * 1500}})
    for i in range(3):
        d.get_item(TableName="metrics_t", Key={"pk": {"S": f"k{i}"}}, ConsistentRead=True)
    for _ in range(2):
        with pytest.raises(d.exceptions.ResourceNotFoundException):
            d.get_item(TableName="no_such_table", Key={"pk": {"S": "x"}})
    with pytest.raises(d.exceptions.ConditionalCheckFailedException):
        d.put_item(TableName="metrics_t", Item={"pk": {"S": "k0"}},
                   ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(d.exceptions.ConditionalCheckFailedException):  # no item: the put's size
        d.put_item(TableName="metrics_t", Item={"pk": {"S": "none"}, "v": {"S": "x" * 2500}},
                   ConditionExpression="attribute_exists(pk)")
    d.batch_write_item(RequestItems={"metrics_t": [
        {"PutRequest": {"Item": {"pk": {"S": f"b{i}"}}}} for i in range(5)]})
    text, after = scrape(srv.ddb_url)

    def delta(name, **labels):
        return val(after, name, **labels) - val(before, name, **labels)

    assert delta("ddbchat_requests_total", operation="PutItem") == 9
    assert delta("ddbchat_requests_total", operation="GetItem") == 5
    assert delta("ddbchat_requests_total", operation="BatchWriteItem") == 1
    assert delta("ddbchat_request_errors_total", operation="GetItem",
                 error="ResourceNotFoundException") == 2
    assert delta("ddbchat_request_errors_total", operation="PutItem",
                 error="ConditionalCheckFailedException") == 2
    assert delta("ddbchat_request_duration_seconds_count", operation="PutItem") == 9
    assert delta("ddbchat_request_duration_seconds_bucket", operation="PutItem", le="+Inf") == 9
    assert delta("ddbchat_request_duration_seconds_sum", operation="PutItem") > 0
    # 7 puts of ~1.5 KB = 2 units each; 5 batch puts of 1 unit; 3 strong reads of 1 unit;
    # and the two puts whose condition failed: a failed condition still consumes write units,
    # sized on the larger of the existing item and the one the put would write: k0's ~1.5 KB
    # (2), the missing item's ~2.5 KB put (3) (Developer Guide, "DynamoDB read and write
    # operations": "If the expression evaluates to false, DynamoDB still consumes write
    # capacity units from the table ... an existing item in the table or a new one you're
    # attempting to create"; ddbchat counted nothing for them: 19)
    assert delta("ddbchat_consumed_capacity_units_total", table="metrics_t", kind="write") == 24
    assert delta("ddbchat_consumed_capacity_units_total", table="metrics_t", kind="read") == 3
    # 7 puts + 5 batch writes committed (the failed conditional puts also went through a round)
    assert delta("ddbchat_group_commit_writes_total") == 14
    assert delta("ddbchat_group_commit_batch_writes_count") == delta(
        "ddbchat_group_commit_rounds_total") >= 1
    assert delta("ddbchat_group_commit_sync_seconds_count") >= 1
    # the committer's rounds are not "other" write txns (each round was counted there too)
    assert delta("ddbchat_other_write_txns_total") == 0
    assert val(after, "ddbchat_lmdb_map_bytes") >= val(after, "ddbchat_lmdb_used_bytes") > 0
    assert val(after, "ddbchat_tables") == 1
    assert val(after, "ddbchat_http_connections", listener="dynamodb") >= 1
    for fam in ("ddbchat_requests_total", "ddbchat_request_duration_seconds",
                "ddbchat_consumed_capacity_units_total", "ddbchat_group_commit_sync_seconds",
                "ddbchat_lmdb_used_bytes"):
        assert f"# TYPE {fam} " in text
    # histogram buckets are cumulative
    les = [(float(dict(k[1])["le"].replace("+Inf", "inf")), v) for k, v in after.items()
           if k[0] == "ddbchat_request_duration_seconds_bucket"
           and dict(k[1])["operation"] == "PutItem"]
    les.sort()
    assert all(a[1] <= b[1] for a, b in zip(les, les[1:]))


# PartiQL's reads and writes count in the capacity counter as the operations they stand for:
# ExecuteStatement's SELECT its read units, its INSERT / UPDATE / DELETE their table write units
# (a duplicate INSERT or a WHERE that fails still consumes: the larger of the stored item and
# the one carried, as PutItem's failed condition), BatchExecuteStatement's members theirs,
# ExecuteTransaction's twice.  ddbchat counted none of them (0 read, 0 write).
def test_partiql_counts_capacity(ddbchat_server):
    srv = ddbchat_server()
    d = client_for(srv.ddb_url)
    make_table(d, "metrics_p", hash=("pk", "S"))
    d.put_item(TableName="metrics_p", Item={"pk": {"S": "big"}, "v": {"S": "x" * 1500}})
    _, before = scrape(srv.ddb_url)

    def es(stmt, **kw):
        return d.execute_statement(Statement=stmt, **kw)
    es("SELECT * FROM metrics_p WHERE pk = 'big'", ConsistentRead=True)             # read 1
    es("INSERT INTO metrics_p VALUE {'pk': 'n1', 'v': 'a'}")                          # write 1
    es("UPDATE metrics_p SET w = 1 WHERE pk = 'big'")                                 # write 2
    with pytest.raises(d.exceptions.DuplicateItemException):
        es("INSERT INTO metrics_p VALUE {'pk': 'big'}")                               # write 2
    with pytest.raises(d.exceptions.ConditionalCheckFailedException):
        es("DELETE FROM metrics_p WHERE pk = 'n1' AND v = 'zz'")                      # write 1
    d.batch_execute_statement(Statements=[                                            # read 1
        {"Statement": "SELECT * FROM metrics_p WHERE pk = 'big'", "ConsistentRead": True},
        {"Statement": "SELECT * FROM metrics_p WHERE pk = 'none'", "ConsistentRead": True}])
    d.batch_execute_statement(Statements=[                                            # write 1 + 2
        {"Statement": "INSERT INTO metrics_p VALUE {'pk': 'n2'}"},
        {"Statement": "INSERT INTO metrics_p VALUE {'pk': 'big'}"}])
    d.execute_transaction(TransactStatements=[                                        # read 2
        {"Statement": "SELECT * FROM metrics_p WHERE pk = 'n2'"}])
    d.execute_transaction(TransactStatements=[                                        # write 2
        {"Statement": "INSERT INTO metrics_p VALUE {'pk': 'n3'}"}])
    _, after = scrape(srv.ddb_url)

    def delta(kind):
        return (val(after, "ddbchat_consumed_capacity_units_total", table="metrics_p", kind=kind)
                - val(before, "ddbchat_consumed_capacity_units_total", table="metrics_p",
                      kind=kind))
    # reads: 1 (strong ~1.5 KB) + 1 + 1 (batch: found, missing) + 2 (transactional)
    assert delta("read") == 5
    # writes: 1 + 2 + 2 (duplicate) + 1 (failed DELETE) + 1 + 2 (batch) + 2 (transactional)
    assert delta("write") == 11


def test_a_failed_conditional_update_is_billed_on_the_larger_item(ddbchat_server):
    # A write whose condition fails consumes write units sized on the larger of the existing
    # item and the one the write would have made, an update's too (Developer Guide, "DynamoDB
    # read and write operations": "an existing item in the table or a new one you're
    # attempting to create or update ... an existing item is 300 KB ... the new item ... 310
    # KB ... will be 310 KB").  ddbchat billed a failed update on the existing item alone (1
    # unit each here instead of 3).  The exception carries no ConsumedCapacity: the metric
    # (and --throttle's bucket) is where it shows.
    srv = ddbchat_server()
    d = client_for(srv.ddb_url)
    make_table(d, "metrics_u", hash=("pk", "S"))
    d.put_item(TableName="metrics_u", Item={"pk": {"S": "small"}, "v": {"S": "a"}})
    d.put_item(TableName="metrics_u", Item={"pk": {"S": "big"}, "v": {"S": "x" * 2500}})
    d.put_item(TableName="metrics_u", Item={"pk": {"S": "huge"}, "v": {"S": "h" * 300000}})
    _, before = scrape(srv.ddb_url)
    with pytest.raises(d.exceptions.ConditionalCheckFailedException):   # 1 -> ~2.5 KB: 3
        d.update_item(TableName="metrics_u", Key={"pk": {"S": "small"}},
                      UpdateExpression="SET w = :w", ConditionExpression="v = :no",
                      ExpressionAttributeValues={":w": {"S": "y" * 2500}, ":no": {"S": "no"}})
    with pytest.raises(d.exceptions.ConditionalCheckFailedException):   # no item -> ~2 KB: 2
        d.update_item(TableName="metrics_u", Key={"pk": {"S": "none"}},
                      UpdateExpression="SET w = :w", ConditionExpression="attribute_exists(pk)",
                      ExpressionAttributeValues={":w": {"S": "y" * 1500}})
    with pytest.raises(d.exceptions.ConditionalCheckFailedException):   # ~2.5 KB -> 1: 3
        d.update_item(TableName="metrics_u", Key={"pk": {"S": "big"}}, UpdateExpression="REMOVE v",
                      ConditionExpression="v = :no", ExpressionAttributeValues={":no": {"S": "no"}})
    with pytest.raises(d.exceptions.ConditionalCheckFailedException):   # the update fails too:
        d.update_item(TableName="metrics_u", Key={"pk": {"S": "small"}},  # the existing item, 1
                      UpdateExpression="SET v = v + :one", ConditionExpression="v = :no",
                      ExpressionAttributeValues={":one": {"N": "1"}, ":no": {"S": "no"}})
    with pytest.raises(d.exceptions.ConditionalCheckFailedException):   # PartiQL: 3
        d.execute_statement(Statement="UPDATE metrics_u SET w = ? WHERE pk = 'small' AND v = 'no'",
                            Parameters=[{"S": "y" * 2500}])
    # an update that would make an item over 400 KB could not have been written (refused,
    # billed 0, had its condition passed): billed on the existing item, ~293 KB: 293 units.
    # It was billed on the would-be item, however large (review32a F1: 137,201 units for 400
    # SETs of a 343 KB list; here the 8 SETs would bill ~2,300)
    _, before_huge = scrape(srv.ddb_url)
    with pytest.raises(d.exceptions.ConditionalCheckFailedException):
        d.update_item(TableName="metrics_u", Key={"pk": {"S": "huge"}},
                      UpdateExpression="SET " + ", ".join(f"c{i} = v" for i in range(8)),
                      ConditionExpression="v = :no", ExpressionAttributeValues={":no": {"S": "no"}})
    _, after = scrape(srv.ddb_url)
    got = (val(before_huge, "ddbchat_consumed_capacity_units_total", table="metrics_u",
               kind="write")
           - val(before, "ddbchat_consumed_capacity_units_total", table="metrics_u", kind="write"))
    assert got == 3 + 2 + 3 + 1 + 3
    huge = (val(after, "ddbchat_consumed_capacity_units_total", table="metrics_u", kind="write")
            - val(before_huge, "ddbchat_consumed_capacity_units_total", table="metrics_u",
                  kind="write"))
    assert huge == 293
    assert d.get_item(TableName="metrics_u", Key={"pk": {"S": "small"}})["Item"] == {
        "pk": {"S": "small"}, "v": {"S": "a"}}  # nothing written
    assert "Item" not in d.get_item(TableName="metrics_u", Key={"pk": {"S": "none"}})


def test_no_secrets_or_keys_in_labels(ddbchat_server, tmp_path):
    """Key and item values, an access key, a bogus operation name and a bogus table name never
    appear; an unknown operation counts as operation="unknown"."""
    creds = tmp_path / "creds"
    creds.write_text("AKIDMETRICSTEST SECRETmetricsVALUE\n")
    srv = ddbchat_server("--credentials-file", str(creds), "--namespace-tables")
    d = client_for(srv.ddb_url, key="AKIDMETRICSTEST", secret="SECRETmetricsVALUE")
    make_table(d, "visible_tbl", hash=("pk", "S"))
    d.put_item(TableName="visible_tbl", Item={"pk": {"S": "KEYVALUE-1234"},
                                              "a": {"S": "ITEMVALUE-5678"}})
    d.get_item(TableName="visible_tbl", Key={"pk": {"S": "KEYVALUE-1234"}})
    status, _, _ = raw_request(srv.ddb_url, {}, target="DynamoDB_20120810.EvilOp<script>")
    assert status == 400
    text, m = scrape(srv.ddb_url)
    for secret in ("KEYVALUE", "ITEMVALUE", "AKIDMETRICSTEST", "SECRETmetrics", "EvilOp",
                   "script"):
        assert secret not in text
    assert val(m, "ddbchat_requests_total", operation="unknown") >= 1
    # the namespaced table shows under its visible name only
    assert val(m, "ddbchat_consumed_capacity_units_total", table="visible_tbl", kind="write") == 1


def test_concurrent_counting_is_exact(ddbchat_server):
    """16 threads x 40 requests: the counters sum exactly (sharded atomics lose nothing)."""
    srv = ddbchat_server()
    d = client_for(srv.ddb_url)
    make_table(d, "conc_t", hash=("pk", "S"))
    _, before = scrape(srv.ddb_url)

    def work(n):
        c = client_for(srv.ddb_url)
        for i in range(40):
            c.get_item(TableName="conc_t", Key={"pk": {"S": f"{n}-{i}"}})
    ts = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    _, after = scrape(srv.ddb_url)
    got = val(after, "ddbchat_requests_total", operation="GetItem") - \
        val(before, "ddbchat_requests_total", operation="GetItem")
    assert got == 640
    # absent items: 0.5 units each (eventually consistent)
    assert val(after, "ddbchat_consumed_capacity_units_total", table="conc_t", kind="read") == 320


def test_stats_command(ddbchat_server):
    """`ddbchat stats` reads the same numbers: a table for people, --json for scripts; a
    server that is not there is exit 1 with the reason."""
    srv = ddbchat_server()
    d = client_for(srv.ddb_url)
    make_table(d, "stats_t", hash=("pk", "S"))
    for i in range(4):
        d.put_item(TableName="stats_t", Item={"pk": {"S": str(i)}})
    p = subprocess.run([ddbchat_bin(), "stats", "--endpoint", srv.ddb_url, "--json"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["operations"]["PutItem"]["requests"] == 4
    assert s["operations"]["CreateTable"]["requests"] == 1
    assert s["capacity"]["stats_t"]["write"] == 4
    assert s["group_commit"]["writes"] >= 4
    assert s["tables"] == 1 and s["lmdb"]["used_bytes"] > 0
    p = subprocess.run([ddbchat_bin(), "stats", "--endpoint", srv.ddb_url],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0
    assert re.search(r"^PutItem\s+4\s+0\s", p.stdout, re.M), p.stdout
    assert "stats_t" in p.stdout and "group commit" in p.stdout
    p = subprocess.run([ddbchat_bin(), "stats", "--endpoint", "http://127.0.0.1:9"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "metrics" in p.stderr
