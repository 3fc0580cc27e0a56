"""`ddbchat backup` / `ddbchat restore`: hot backups of a whole data dir (issue 14, item 1).

ddbchat only (DynamoDB Local has no data dir to copy).  The central test runs 16 writers
against a server while `ddbchat backup` copies its data dir, restores the copy, and checks it
holds exactly a prefix of the acknowledged writes:
  - every write acknowledged before the backup began is there;
  - writes that failed (a condition that could not hold) are not;
  - each writer's writes are sequential, so what is there of one writer is a prefix of its
    sequence (a later write without an earlier one would not be one committed state);
  - each two-item transaction is there whole or not at all;
  - nothing acknowledged only after the backup finished is there (it began before).
"""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import client_for, ddbchat_bin, make_table

pytestmark = pytest.mark.requires_ddbchat

WRITERS = 16


def run(*args, check=True):
    p = subprocess.run([ddbchat_bin(), *args], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"ddbchat {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def scan_dir(data_dir, table):
    p = run("scan", table, "--data-dir", data_dir, "--json")
    return json.loads(p.stdout)


class Writer(threading.Thread):
    """Writes (w<i>, 0), (w<i>, 1), ... in order, each acknowledged before the next is sent;
    every 3rd step also a transaction of (t<i>, j) and (u<i>, j); every 5th step a put whose
    condition cannot hold, on (w<i>, -j - 1)."""

    def __init__(self, idx, url, table, stop):
        super().__init__(daemon=True)
        self.idx, self.table, self.stop_ev = idx, table, stop
        self.ddb = client_for(url)
        self.acked = []      # (j, time acknowledged)
        self.sent = []       # (j, time sent) for every put attempted on w<i>
        self.txn_acked = []  # (j, time acknowledged)
        self.failed = []     # j of the writes that failed as intended
        self.errors = []

    def run(self):
        j = 0
        pk = f"w{self.idx}"
        while not self.stop_ev.is_set():
            try:
                self.sent.append((j, time.monotonic()))
                self.ddb.put_item(TableName=self.table,
                                  Item={"pk": {"S": pk}, "sk": {"N": str(j)},
                                        "v": {"S": f"value {self.idx}/{j}"}},
                                  ConditionExpression="attribute_not_exists(pk)")
                self.acked.append((j, time.monotonic()))
                if j % 3 == 0:
                    self.ddb.transact_write_items(TransactItems=[
                        {"Put": {"TableName": self.table,
                                 "Item": {"pk": {"S": f"t{self.idx}"}, "sk": {"N": str(j)}}}},
                        {"Put": {"TableName": self.table,
                                 "Item": {"pk": {"S": f"u{self.idx}"}, "sk": {"N": str(j)}}}},
                    ])
                    self.txn_acked.append((j, time.monotonic()))
                if j % 5 == 0:
                    try:
                        self.ddb.put_item(TableName=self.table,
                                          Item={"pk": {"S": pk}, "sk": {"N": str(-j - 1)}},
                                          ConditionExpression="attribute_exists(pk)")
                        self.errors.append(f"conditional put {j} succeeded")
                    except self.ddb.exceptions.ConditionalCheckFailedException:
                        self.failed.append(j)
            except Exception as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(repr(exc))
                return
            j += 1


def test_backup_during_writes_restores_a_prefix(ddbchat_server, tmp_path):
    srv = ddbchat_server()
    ddb = client_for(srv.ddb_url)
    table = "burst"
    make_table(ddb, table, hash=("pk", "S"), range=("sk", "N"))
    stop = threading.Event()
    writers = [Writer(i, srv.ddb_url, table, stop) for i in range(WRITERS)]
    for w in writers:
        w.start()
    def acked():
        return sum(len(w.acked) for w in writers)
    try:
        deadline = time.monotonic() + 60  # a loaded machine is slow: wait for a real burst
        while acked() < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        t0 = time.monotonic()
        dest = str(tmp_path / "bk")
        out = run("backup", dest, "--data-dir", srv.data_dir, "--json")
        t1 = time.monotonic()
        info = json.loads(out.stdout)
        assert info["files"] >= 1 and info["lmdb_bytes"] > 0
        after = acked()
        deadline = time.monotonic() + 30
        while acked() < after + 16 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for w in writers:
            w.join(timeout=30)
    for w in writers:
        assert not w.errors, w.errors
    acked_before = sum(1 for w in writers for (_, t) in w.acked if t < t0)
    acked_after = sum(1 for w in writers for (_, t) in w.acked if t > t1)
    assert acked_before > WRITERS and acked_after > 0, "the backup did not overlap the burst"

    restored = str(tmp_path / "restored")
    run("restore", dest, "--data-dir", restored)
    items = scan_dir(restored, table)
    present = {}
    for it in items:
        present.setdefault(it["pk"]["S"], set()).add(int(it["sk"]["N"]))

    for w in writers:
        i = w.idx
        got = present.get(f"w{i}", set())
        # failed conditional writes are never there
        assert not [s for s in got if s < 0], f"writer {i}: a failed write is in the backup"
        # a prefix of the writer's sequence
        k = len(got)
        assert got == set(range(k)), f"writer {i}: {sorted(got)[:5]}... is not a prefix"
        # everything acknowledged before the backup began is there
        for j, t in w.acked:
            if t < t0:
                assert j in got, f"writer {i}: write {j} acknowledged before the backup is lost"
        # nothing sent after the backup finished
        for j, t in w.sent:
            if t > t1:
                assert j not in got, f"writer {i}: write {j} sent after the backup is in it"
        # transactions whole or not at all, and acknowledged ones before t0 present
        tg, ug = present.get(f"t{i}", set()), present.get(f"u{i}", set())
        assert tg == ug, f"writer {i}: a transaction is in the backup by halves"
        for j, t in w.txn_acked:
            if t < t0:
                assert j in tg
    # the source keeps going, and has everything acknowledged
    live = scan_dir_via_api(ddb, table)
    assert sum(len(w.acked) for w in writers) == sum(
        1 for it in live if it["pk"]["S"].startswith("w"))


def scan_dir_via_api(ddb, table):
    items, kw = [], {}
    while True:
        r = ddb.scan(TableName=table, **kw)
        items += r["Items"]
        if "LastEvaluatedKey" not in r:
            return items
        kw = {"ExclusiveStartKey": r["LastEvaluatedKey"]}


def test_restored_dir_serves(ddbchat_server, tmp_path):
    """A restored dir is a working data dir: a server starts on it and serves its tables, and
    the JWT secret comes along (tokens minted before still verify)."""
    srv = ddbchat_server(dynamodb_only=False)
    ddb = client_for(srv.ddb_url)
    make_table(ddb, "kept", hash=("pk", "S"),
               gsis=[{"name": "by_g", "hash": ("g", "S"), "range": None, "projection": "ALL"}])
    for n in range(50):
        ddb.put_item(TableName="kept", Item={"pk": {"S": f"k{n}"}, "g": {"S": f"g{n % 3}"}})
    dest = str(tmp_path / "bk")
    run("backup", dest, "--data-dir", srv.data_dir)
    assert os.path.exists(os.path.join(dest, "jwt-secret"))
    restored = tempfile.mkdtemp(prefix="ddbchat-restore-")
    os.rmdir(restored)
    try:
        out = run("restore", dest, "--data-dir", restored, "--json")
        assert json.loads(out.stdout)["files"] >= 2
        with open(os.path.join(srv.data_dir, "jwt-secret"), "rb") as a, \
                open(os.path.join(restored, "jwt-secret"), "rb") as b:
            assert a.read() == b.read()
        srv2 = ddbchat_server(data_dir=restored)
        ddb2 = client_for(srv2.ddb_url)
        r = ddb2.query(TableName="kept", IndexName="by_g",
                       KeyConditionExpression="g = :g",
                       ExpressionAttributeValues={":g": {"S": "g1"}})
        assert r["Count"] == len([n for n in range(50) if n % 3 == 1])
    finally:
        shutil.rmtree(restored, ignore_errors=True)


def test_cli_refusals(tmp_path):
    """Usage errors exit 2; a non-empty target or a missing backup exit 1 with the reason."""
    assert run("backup", check=False).returncode == 2
    assert run("restore", check=False).returncode == 2
    target = tmp_path / "full"
    target.mkdir()
    (target / "x").write_text("x")
    p = run("restore", str(tmp_path / "nothing"), "--data-dir", str(target), check=False)
    assert p.returncode == 1 and "not a complete ddbchat backup" in p.stderr
    p = run("restore", str(tmp_path / "nothing"), "--data-dir", str(target), "--json",
            check=False)
    assert p.returncode == 1 and json.loads(p.stderr)["error"]["code"] == "invalid"
