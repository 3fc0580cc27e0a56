"""`ddbchat doctor` (issue 14, item 6): checks a data dir without changing it, even while a
server runs on it; reports the messaging invariants (pattern D) and damaged backups.  Index and
counter damage, and --repair of it, are pinned by tests/unit/store/test_doctor.c (damage made
in LMDB by hand, which this suite has no tool for).  ddbchat only.
"""
import json
import os
import subprocess
import tarfile
import time

import pytest

from conftest import client_for, ddbchat_bin, make_table

pytestmark = pytest.mark.requires_ddbchat


def run(*args):
    return subprocess.run([ddbchat_bin(), *args], capture_output=True, text=True, timeout=120)


def doctor(data_dir, *extra):
    p = run("doctor", "--data-dir", data_dir, "--json", *extra)
    assert p.returncode in (0, 1), p.stderr
    return p.returncode, json.loads(p.stdout)


def put_old_user(d, u, handle, name):
    """A user as a version before case-insensitive handles wrote it: the handle row keyed by
    the handle as registered."""
    d.put_item(TableName="cruddur-messages", Item={
        "pk": {"S": f"USER#{u}"}, "sk": {"S": "USER"}, "uuid": {"S": u},
        "handle": {"S": handle}, "display_name": {"S": name}})
    d.put_item(TableName="cruddur-messages", Item={
        "pk": {"S": f"HANDLE#{handle}"}, "sk": {"S": "HANDLE"}, "uuid": {"S": u}})


def test_healthy_then_broken_messaging(ddbchat_server, tmp_path):
    data = str(tmp_path / "d")
    p = run("seed", "--data-dir", data, "--users", "6", "--conversations", "5", "--messages", "3")
    assert p.returncode == 0, p.stderr
    rc, r = doctor(data)
    assert rc == 0 and r["healthy"] and r["problems"] == 0, r
    assert r["messaging_checked"] and r["messaging_rows"] > 20
    assert r["tables"] == 1 and r["indexes"] == 1 and r["index_entries"] > 0
    p = run("doctor", "--data-dir", data)
    assert p.returncode == 0 and p.stdout.strip().endswith("healthy")

    # break pattern D through the DynamoDB endpoint while the server runs
    srv = ddbchat_server(data_dir=data)
    d = client_for(srv.ddb_url)
    rows = [it for it in d.scan(TableName="cruddur-messages")["Items"]
            if it["pk"]["S"].startswith("GRP#")]
    victim = rows[0]
    d.delete_item(TableName="cruddur-messages",
                  Key={"pk": victim["pk"], "sk": victim["sk"]})
    g = victim["message_group_uuid"]["S"]
    d.put_item(TableName="cruddur-messages",
               Item={"pk": {"S": "MSG#" + g}, "sk": {"S": "2999-01-01T00:00:00.000000Z"},
                     "message": {"S": "from the future"}})
    rc, r = doctor(data)  # read-only, next to the running server
    assert rc == 1 and not r["healthy"]
    whats = [l["what"] for l in r["report"] if l["where"] == "messaging"]
    assert any(f"conversation {g} has rows for 1 participants" in w for w in whats), whats
    assert any("the newest message at 2999-01-01" in w for w in whats), whats
    assert any("pair row" in w and "2999-01-01" in w for w in whats), whats
    # --repair does not touch messaging rows: still reported
    srv.stop()
    rc, r = doctor(data, "--repair")
    assert rc == 1 and r["repaired"] == 0



def test_a_conversation_emptied_by_deletes_is_healthy(ddbchat_server, tmp_path):
    """Every message of a conversation deleted (`delete-message`): its two rows stay at the
    last message's time with no message, the pair row at that time (src/messaging/README.md
    "Deleting a message"); doctor finds nothing there.  A row of that conversation at another
    time is still a conversation row without messages."""
    data = str(tmp_path / "d")
    p = run("seed", "--data-dir", data, "--users", "4", "--conversations", "2", "--messages", "3")
    assert p.returncode == 0, p.stderr
    srv = ddbchat_server(data_dir=data)
    d = client_for(srv.ddb_url)
    items = d.scan(TableName="cruddur-messages")["Items"]
    srv.stop()
    handle = {it["uuid"]["S"]: it["handle"]["S"] for it in items
              if it["pk"]["S"].startswith("USER#")}
    g = next(it["message_group_uuid"]["S"] for it in items if it["pk"]["S"].startswith("GRP#"))
    msgs = sorted((it for it in items if it["pk"]["S"] == "MSG#" + g),
                  key=lambda it: it["sk"]["S"])
    assert msgs
    for m in reversed(msgs):  # each the last one left
        p = run("delete-message", handle[m["user_uuid"]["S"]], g, m["sk"]["S"],
                "--data-dir", data)
        assert p.returncode == 0, p.stderr
    rc, r = doctor(data)
    assert rc == 0 and r["healthy"] and r["problems"] == 0, r
    srv = ddbchat_server(data_dir=data)
    d = client_for(srv.ddb_url)
    rows = [it for it in d.scan(TableName="cruddur-messages")["Items"]
            if it["pk"]["S"].startswith("GRP#") and it["message_group_uuid"]["S"] == g]
    assert len(rows) == 2 and all("message" not in it and it["sk"]["S"] == msgs[0]["sk"]["S"]
                                  for it in rows), rows
    d.put_item(TableName="cruddur-messages",
               Item=dict(rows[0], sk={"S": "2000-01-01T00:00:00.000000Z"}))
    srv.stop()
    rc, r = doctor(data)
    whats = [l["what"] for l in r["report"] if l["where"] == "messaging"]
    assert rc == 1 and any(f"conversation {g}, which has no messages" in w for w in whats), whats


def test_case_folded_and_older_handle_rows_are_healthy(ddbchat_server, tmp_path):
    # A handle's row is keyed by the handle in lower case (handles are case-insensitive), or,
    # written before that, as typed: both agree with their user.  A handle row pointing at
    # another user is still reported.
    data = str(tmp_path / "d")
    assert run("schema-load", "--data-dir", data).returncode == 0
    p = run("user", "add", "DocCase", "Doc", "Case", "--data-dir", data, "--json")
    assert p.returncode == 0, p.stderr
    srv = ddbchat_server(data_dir=data)
    d = client_for(srv.ddb_url)
    u = "11111111-0000-4000-8000-0000000000d0"
    put_old_user(d, u, "OldDoc", "Old")
    srv.stop()
    rc, r = doctor(data)
    assert rc == 0 and r["healthy"], r
    srv = ddbchat_server(data_dir=data)
    client_for(srv.ddb_url).put_item(TableName="cruddur-messages", Item={
        "pk": {"S": "HANDLE#olddoc"}, "sk": {"S": "HANDLE"},
        "uuid": {"S": json.loads(p.stdout)["uuid"]}})
    srv.stop()
    rc, r = doctor(data)
    whats = [l["what"] for l in r["report"] if l["where"] == "messaging"]
    assert rc == 1 and any("handle olddoc points at user" in w for w in whats), whats


def test_handle_row_not_folded_after_the_fold_is_reported(ddbchat_server, tmp_path):
    # Once the table is folded (the SCHEMA/HANDLES marker), a mixed-case handle row without
    # its lower-case twin was written by an older version afterwards (a rolling upgrade):
    # lookups in another case miss it and its variant could register.  doctor says so and
    # how to fold again (final20 F2: `ddbchat user fold`); before the fold such rows are
    # expected, not reported.
    data = str(tmp_path / "d")
    assert run("schema-load", "--data-dir", data).returncode == 0
    assert run("user", "add", "FoldA", "Fold", "A", "--data-dir", data).returncode == 0
    srv = ddbchat_server(data_dir=data)
    d = client_for(srv.ddb_url)
    u = "11111111-0000-4000-8000-0000000000d1"
    put_old_user(d, u, "LateDave", "Late")
    srv.stop()
    rc, r = doctor(data)
    assert rc == 0 and r["healthy"], r  # no marker yet: the first miss will fold it
    assert run("user", "show", "latedave", "--data-dir", data).returncode == 0  # folds
    srv = ddbchat_server(data_dir=data)
    d = client_for(srv.ddb_url)
    u2 = "11111111-0000-4000-8000-0000000000d2"
    d.put_item(TableName="cruddur-messages", Item={
        "pk": {"S": f"USER#{u2}"}, "sk": {"S": "USER"}, "uuid": {"S": u2},
        "handle": {"S": "Dave"}, "display_name": {"S": "Dave"}})
    d.put_item(TableName="cruddur-messages", Item={
        "pk": {"S": "HANDLE#Dave"}, "sk": {"S": "HANDLE"}, "uuid": {"S": u2}})
    srv.stop()
    rc, r = doctor(data)
    whats = [l["what"] for l in r["report"] if l["where"] == "messaging"]
    assert rc == 1 and any("HANDLE#Dave" in w and "ddbchat user fold" in w for w in whats), whats
    # the remedy it names: `user fold` folds again, marker or not
    p = run("user", "show", "dave", "--data-dir", data, "--json")
    assert p.returncode == 1 and "unknown_handle" in p.stderr, p.stderr  # marked: no fold
    p = run("user", "fold", "--data-dir", data, "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["twins_written"] == 1, p.stderr
    p = run("user", "show", "dave", "--data-dir", data, "--json")
    assert p.returncode == 0 and json.loads(p.stdout)["uuid"] == u2, p.stderr
    p = run("user", "add", "DAVE", "Other", "--data-dir", data)
    assert p.returncode == 1 and "handle_taken" in p.stderr, p.stderr
    rc, r = doctor(data)
    assert rc == 0 and r["healthy"], r

def test_damaged_backup_and_not_a_data_dir(ddbchat_server, tmp_path):
    srv = ddbchat_server()
    d = client_for(srv.ddb_url)
    make_table(d, "doc_t", hash=("pk", "S"))
    for i in range(30):
        d.put_item(TableName="doc_t", Item={"pk": {"S": str(i)}})
    arn = d.create_backup(TableName="doc_t", BackupName="doc_bk")["BackupDetails"]["BackupArn"]
    deadline = time.time() + 30  # 200 asks without a pause were too few on a loaded machine
    while d.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"][
            "BackupStatus"] != "AVAILABLE":
        assert time.time() < deadline, "backup not AVAILABLE within 30 s"
        time.sleep(0.02)
    rc, r = doctor(srv.data_dir)
    assert rc == 0 and r["backups"] == 1, r
    dump = os.path.join(srv.data_dir, "backups", arn.rsplit("/", 1)[1] + ".dump")
    with open(dump, "r+b") as f:
        f.truncate(os.path.getsize(dump) - 30)
    rc, r = doctor(srv.data_dir)
    assert rc == 1
    assert any(l["where"] == "backups" and "truncated" in l["what"] for l in r["report"]), r
    p = run("doctor", "--data-dir", str(tmp_path))
    assert p.returncode == 1 and "not a ddbchat data dir" in p.stderr
    assert run("doctor", "extra-arg").returncode == 2


def test_restore_stuck_by_an_index_named_twice(ddbchat_server, tmp_path):
    """A data dir from a build before f7cc17f (review13 F2): RestoreTableFromBackup with
    GlobalSecondaryIndexOverride [by_g, by_g] made table dup2 with two indexes of one name; the
    restore's last step (a change of the definition) was refused for good, so dup2 stayed
    CREATING / RestoreInProgress and DeleteTable refused it, also after restarts.  The fixture
    (data/restore-index-twice.tar.gz: table src of 5 items with GSI by_g, its backup, and
    dup2 stuck) was made by that build.  doctor finds it, --repair keeps one by_g, and the
    next server start finishes the restore."""
    data = str(tmp_path / "d")
    os.makedirs(data)
    fixture = os.path.join(os.path.dirname(__file__), "data", "restore-index-twice.tar.gz")
    with tarfile.open(fixture) as tf:
        tf.extractall(data)
    rc, r = doctor(data)
    assert rc == 1 and not r["healthy"], r
    assert [l for l in r["report"] if l["where"] == "table dup2 index by_g"
            and "names the index more than once" in l["what"]], r

    # a server alone cannot finish it: still CREATING after its start
    srv = ddbchat_server(data_dir=data)
    d = client_for(srv.ddb_url)
    time.sleep(1)
    t = d.describe_table(TableName="dup2")["Table"]
    assert t["TableStatus"] == "CREATING" and t["RestoreSummary"]["RestoreInProgress"], t
    srv.stop()

    rc, r = doctor(data, "--repair")
    assert rc == 0 and r["healthy"] and r["repaired"] == 1, r
    assert [l for l in r["report"] if l["where"] == "table dup2 index by_g"
            and "dropped 1 more" in l["what"]], r

    srv = ddbchat_server(data_dir=data)
    d = client_for(srv.ddb_url)
    deadline = time.time() + 20
    while True:
        t = d.describe_table(TableName="dup2")["Table"]
        if t["TableStatus"] == "ACTIVE" and len(t["GlobalSecondaryIndexes"]) == 1:
            break
        assert time.time() < deadline, t
        time.sleep(0.1)
    assert not t["RestoreSummary"]["RestoreInProgress"]
    assert t["GlobalSecondaryIndexes"][0]["IndexName"] == "by_g"
    assert t["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    q = d.query(TableName="dup2", IndexName="by_g", KeyConditionExpression="g = :g",
                ExpressionAttributeValues={":g": {"S": "x"}})
    assert q["Count"] == 5
    assert d.scan(TableName="dup2")["Count"] == 5
    d.delete_table(TableName="dup2")
    srv.stop()
    rc, r = doctor(data)
    assert rc == 0 and r["healthy"], r
