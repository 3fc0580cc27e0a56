#!/usr/bin/python3
"""Management operations under SIGKILL: kill a ddbchat server at a random moment of a table
operation, restart it on the same data dir, and check that the table is in a state AWS could
show and that nothing written before the kill is lost.

Usage:
  mgmt_crash.py [--bin build/ddbchat] [--seeds 3] [--seed N] [--only a,b] [--self-check]
                [--items 3000] [--keep] [--quiet]

A template data dir is made once per run (a table `big` of --items items, about 450 bytes
each, with recovery enabled and one backup; a table `bigg` as big with a GSI `byg` (ALL) and a
stream); each seed of each scenario copies it, starts `ddbchat serve` (durable, the default),
begins the operation from a thread, sends SIGKILL after a random delay inside the scenario's
window (SCENARIOS: sized to the operation, so most kills land before its answer or while its
job runs; the backfill slowed with --backfill-batch-delay-ms), restarts the server and waits
until the table is ACTIVE with every GSI ACTIVE (or gone), then checks (and, for every
scenario, that backups/ holds no dump a backup record or a running restore does not own):
  create    CreateTable with 3 GSIs and a stream: gone, or ACTIVE with its 3 GSIs and a stream
            (acknowledged: there); ListTables agrees with DescribeTable
  addgsi    UpdateTable adding a KEYS_ONLY GSI to `big` (its backfill) then 40 PutItems: every
            acknowledged put is in the table; the index, if there (acknowledged: there), holds
            exactly the table's keys, each once
  delgsi    UpdateTable deleting `byg`: gone (acknowledged: gone; its queries then a
            ValidationException) or whole; a new GSI made after holds every item
  stream    UpdateTable turning `bigg`'s stream off, a put, on again (KEYS_ONLY), a put:
            the stream, if on, is ENABLED or ENABLING with shards; both puts there
  ttl       UpdateTimeToLive on `big`: ENABLED/ENABLING (acknowledged) or as before
  delete    DeleteTable `big`: gone (acknowledged: gone) or whole; the name created again
            holds no item of the old table
  restore   RestoreTableFromBackup into `rtab`: gone or, once ACTIVE, every item
  pitr      RestoreTableToPointInTime of `big` into `ptab`: as restore
  backup    CreateBackup of `bigg`: absent or AVAILABLE, and a restore from it holds every
            item; one seen AVAILABLE before the kill is there (one still CREATING is removed
            at the restart, as op_backup.c says: counted, not a failure)
--self-check damages the state each of three checks reads (an item deleted from a restored
table, the deleted table there again with an item, a GSI dropped from a created table) and fails unless every
check reports it.  Exit status 1 when any check fails (each failure names scenario, seed,
delay and what it found).  `make crash-test` runs 20 seeds of each; test_storage_faults.py
test_management_operations_survive_sigkill one of each.
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PAD = "x" * 400


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, data_dir, extra=()):
        self.binary, self.data_dir, self.extra = binary, data_dir, list(extra)
        self.proc = self.c = self.port = None

    def start(self):
        self.port = free_port()
        with open(self.data_dir + ".log", "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--data-dir", self.data_dir, "--dynamodb-port",
                 str(self.port), "--dynamodb-only", "--quiet"] + self.extra,
                stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.time() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with status {self.proc.returncode} at "
                                   f"start-up (log: {self.data_dir}.log)")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("server did not listen within 30 s")
                time.sleep(0.02)
        self.c = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{self.port}",
                              region_name="us-east-1", aws_access_key_id="x",
                              aws_secret_access_key="x",
                              config=Config(retries={"max_attempts": 0}, read_timeout=120,
                                            connect_timeout=5))
        self.c.list_tables()  # the client's model loaded before any timing
        return self

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def item(i):
    return {"pk": {"S": f"k{i:05d}"}, "g": {"S": f"g{i % 37}"}, "n": {"N": str(i)},
            "pad": {"S": PAD}}


def key_def(name, **kw):
    d = dict(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
             BillingMode="PAY_PER_REQUEST")
    d.update(kw)
    return d


def scan_keys(c, table, index=None):
    out, kw = [], {"TableName": table, "ProjectionExpression": "pk"}
    if index:
        kw["IndexName"] = index
    while True:
        r = c.scan(**kw)
        out += [i["pk"]["S"] for i in r["Items"]]
        if "LastEvaluatedKey" not in r:
            return out
        kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]


def settle(c, table, timeout=120):
    """The table once ACTIVE with every GSI ACTIVE and no restore running; None when gone."""
    deadline = time.time() + timeout
    while True:
        try:
            d = c.describe_table(TableName=table)["Table"]
        except c.exceptions.ResourceNotFoundException:
            d = None
        busy = d is not None and (
            d["TableStatus"] != "ACTIVE" or
            any(g["IndexStatus"] != "ACTIVE" for g in d.get("GlobalSecondaryIndexes", [])) or
            d.get("RestoreSummary", {}).get("RestoreInProgress"))
        if not busy:
            listed = table in c.list_tables()["TableNames"]
            assert listed == (d is not None), \
                f"ListTables {'lists' if listed else 'omits'} {table}, DescribeTable: {d and d['TableStatus']}"
            return d
        if time.time() > deadline:
            raise AssertionError(f"{table} still {d['TableStatus']} after {timeout} s: "
                                 f"{[(g['IndexName'], g['IndexStatus']) for g in d.get('GlobalSecondaryIndexes', [])]}")
        time.sleep(0.1)


def make_template(binary, root, n):
    tdir = os.path.join(root, "template")
    data = os.path.join(tdir, "data")
    os.makedirs(tdir)
    lines = os.path.join(tdir, "items.json")
    with open(lines, "w") as f:
        for i in range(n):
            f.write(json.dumps({"Item": item(i)}) + "\n")
    s = Server(binary, data).start()
    c = s.c
    try:
        c.create_table(**key_def("big"))
        c.create_table(**key_def(
            "bigg", AttributeDefinitions=[{"AttributeName": a, "AttributeType": t}
                                          for a, t in (("pk", "S"), ("g", "S"), ("n", "N"))],
            GlobalSecondaryIndexes=[{
                "IndexName": "byg", "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                              {"AttributeName": "n", "KeyType": "RANGE"}]}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}))
        for t in ("big", "bigg"):
            settle(c, t)
            subprocess.run([binary, "import", lines, t, "--data-dir", data], check=True,
                           capture_output=True, timeout=300)
        c.update_continuous_backups(TableName="big", PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True})
        arn = c.create_backup(TableName="big", BackupName="base")["BackupDetails"]["BackupArn"]
        while c.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"][
                "BackupStatus"] != "AVAILABLE":
            time.sleep(0.05)
        time.sleep(0.01)  # the latest restorable time past the last import
    finally:
        s.stop()
    return data, arn


# ---- scenarios: (begin, check, kill window in seconds) ---------------------------------------
# begin(run) performs the operation (from a thread; raises when refused or cut off);
# check(run, acked) asserts on the restarted server (run.c); run.n items; run.puts: keys of
# acknowledged puts.

def begin_create(run):
    run.c.create_table(**key_def(
        "newt", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                      {"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": f"idx{j}", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}
                                for j in range(3)],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}))


def check_create(run, acked):
    d = settle(run.c, "newt")
    assert d is not None or not acked, "acknowledged CreateTable: the table is gone"
    if d:
        assert len(d.get("GlobalSecondaryIndexes", [])) == 3, \
            f"GSIs {[g['IndexName'] for g in d.get('GlobalSecondaryIndexes', [])]}, not 3"
        assert d.get("StreamSpecification", {}).get("StreamEnabled") and d.get("LatestStreamArn"), \
            f"no stream: {d.get('StreamSpecification')}"


def begin_addgsi(run):
    run.c.update_table(TableName="big", AttributeDefinitions=[
        {"AttributeName": "g", "AttributeType": "S"}], GlobalSecondaryIndexUpdates=[
        {"Create": {"IndexName": "newg", "Projection": {"ProjectionType": "KEYS_ONLY"},
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}}])
    for i in range(run.n, run.n + 40):  # written while it backfills
        run.c.put_item(TableName="big", Item=item(i))
        run.puts.add(f"k{i:05d}")


def check_addgsi(run, acked):
    d = settle(run.c, "big")
    table = scan_keys(run.c, "big")
    missing = (set(f"k{i:05d}" for i in range(run.n)) | run.puts) - set(table)
    assert not missing, f"{len(missing)} acknowledged items missing, e.g. {sorted(missing)[:3]}"
    gsis = [g["IndexName"] for g in d.get("GlobalSecondaryIndexes", [])]
    assert gsis in ([], ["newg"]), gsis
    assert gsis or not acked, "acknowledged GSI gone"
    if gsis:
        index = scan_keys(run.c, "big", "newg")
        assert sorted(index) == sorted(table), \
            (f"index ACTIVE with {len(index)} entries ({len(set(index))} keys) for "
             f"{len(table)} items; missing {sorted(set(table) - set(index))[:3]}")


def begin_delgsi(run):
    run.c.update_table(TableName="bigg", GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "byg"}}])


def check_delgsi(run, acked):
    d = settle(run.c, "bigg")
    gsis = [g["IndexName"] for g in d.get("GlobalSecondaryIndexes", [])]
    assert len(scan_keys(run.c, "bigg")) == run.n
    if acked:
        assert gsis == [], f"acknowledged delete: {gsis}"
    if gsis:
        assert len(scan_keys(run.c, "bigg", "byg")) == run.n
        return
    try:
        run.c.query(TableName="bigg", IndexName="byg", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": {"S": "g1"}})
        raise AssertionError("the deleted index still answers a Query")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ValidationException", e
    run.c.update_table(TableName="bigg", AttributeDefinitions=[
        {"AttributeName": "g", "AttributeType": "S"}], GlobalSecondaryIndexUpdates=[
        {"Create": {"IndexName": "byg2", "Projection": {"ProjectionType": "KEYS_ONLY"},
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}}])
    settle(run.c, "bigg")
    n = len(scan_keys(run.c, "bigg", "byg2"))
    assert n == run.n, f"a GSI made after the delete holds {n} of {run.n}"


def begin_stream(run):
    run.c.update_table(TableName="bigg", StreamSpecification={"StreamEnabled": False})
    run.c.put_item(TableName="bigg", Item=item(run.n))
    run.puts.add(f"k{run.n:05d}")
    run.c.update_table(TableName="bigg", StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    run.c.put_item(TableName="bigg", Item=item(run.n + 1))
    run.puts.add(f"k{run.n + 1:05d}")


def check_stream(run, acked):
    d = settle(run.c, "bigg")
    keys = set(scan_keys(run.c, "bigg"))
    assert run.puts <= keys, f"acknowledged puts missing: {sorted(run.puts - keys)}"
    spec = d.get("StreamSpecification", {})
    if acked:
        assert spec.get("StreamViewType") == "KEYS_ONLY", spec
    if spec.get("StreamEnabled"):
        ds = boto3.client("dynamodbstreams", endpoint_url=f"http://127.0.0.1:{run.port}",
                          region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
        sd = ds.describe_stream(StreamArn=d["LatestStreamArn"])["StreamDescription"]
        assert sd["StreamStatus"] in ("ENABLED", "ENABLING") and sd["Shards"], sd


def begin_ttl(run):
    run.c.update_time_to_live(TableName="big", TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires"})


def check_ttl(run, acked):
    settle(run.c, "big")
    t = run.c.describe_time_to_live(TableName="big")["TimeToLiveDescription"]
    ok = ("ENABLED", "ENABLING") if acked else ("ENABLED", "ENABLING", "DISABLED")
    assert t["TimeToLiveStatus"] in ok, t
    assert len(scan_keys(run.c, "big")) == run.n


def begin_delete(run):
    run.c.delete_table(TableName="big")


def check_delete(run, acked):
    d = settle(run.c, "big")
    assert d is None or not acked, f"acknowledged DeleteTable: the table is {d['TableStatus']}"
    if d:
        assert len(scan_keys(run.c, "big")) == run.n
        return
    run.c.create_table(**key_def("big"))
    settle(run.c, "big")
    left = scan_keys(run.c, "big")
    assert not left, f"the table created again holds {len(left)} items of the deleted one"


def begin_restore(run):
    run.c.restore_table_from_backup(TargetTableName="rtab", BackupArn=run.backup)


def check_restore(run, acked, table="rtab"):
    d = settle(run.c, table)
    assert d is not None or not acked, "acknowledged restore: the table is gone"
    if d:
        n = len(scan_keys(run.c, table))
        assert n == run.n, f"{table} ACTIVE with {n} of {run.n} items"


def begin_pitr(run):
    run.c.restore_table_to_point_in_time(SourceTableName="big", TargetTableName="ptab",
                                         UseLatestRestorableTime=True)


def check_pitr(run, acked):
    check_restore(run, acked, "ptab")


def begin_backup(run):
    arn = run.c.create_backup(TableName="bigg", BackupName="during")["BackupDetails"]["BackupArn"]
    run.created = True
    while run.c.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"][
            "BackupStatus"] != "AVAILABLE":
        time.sleep(0.01)
    run.available = True


def check_backup(run, acked):
    found = [b for b in run.c.list_backups()["BackupSummaries"] if b["BackupName"] == "during"]
    # one still CREATING at the kill is removed at the restart (its snapshot ended with the
    # process: op_backup.c, README); one seen AVAILABLE stays
    assert found or not getattr(run, "available", False), "a backup seen AVAILABLE is gone"
    if getattr(run, "created", False) and not found:
        run.note = "acknowledged, CREATING at the kill: removed at the restart"
    for b in found:
        deadline = time.time() + 120
        while True:
            st = run.c.describe_backup(BackupArn=b["BackupArn"])["BackupDescription"][
                "BackupDetails"]["BackupStatus"]
            if st != "CREATING" or time.time() > deadline:
                break
            time.sleep(0.1)
        assert st == "AVAILABLE", f"backup {st}"
        run.c.restore_table_from_backup(TargetTableName="fromb", BackupArn=b["BackupArn"])
        n = len(scan_keys(run.c, "fromb")) if settle(run.c, "fromb") else 0
        assert n == run.n, f"restored from the backup: {n} of {run.n} items"


def unfinished(c, table, index=None):
    """Whether the restarted server found table's restore (or index's backfill) unfinished."""
    try:
        d = c.describe_table(TableName=table)["Table"]
    except c.exceptions.ResourceNotFoundException:
        return False
    if index:
        return any(g["IndexName"] == index and g["IndexStatus"] != "ACTIVE"
                   for g in d.get("GlobalSecondaryIndexes", []))
    return bool(d.get("RestoreSummary", {}).get("RestoreInProgress"))


# name: (begin, check, kill window (s), the servers' extra flags, unfinished-probe).
# Windows fit the operation on a 3000-item table (CreateTable answers in ~15 ms, a restore
# is ACTIVE after ~110 ms; a backfill batch waits 100 ms, so 3000 items take ~300 ms).
SCENARIOS = {
    "create": (begin_create, check_create, 0.04, [], None),
    "addgsi": (begin_addgsi, check_addgsi, 0.45, ["--backfill-batch-delay-ms", "100"],
               lambda c: unfinished(c, "big", "newg")),
    "delgsi": (begin_delgsi, check_delgsi, 0.05, [], None),
    "stream": (begin_stream, check_stream, 0.12, [], None),
    "ttl": (begin_ttl, check_ttl, 0.03, [], None),
    "delete": (begin_delete, check_delete, 0.04, [], None),
    "restore": (begin_restore, check_restore, 0.15, [], lambda c: unfinished(c, "rtab")),
    "pitr": (begin_pitr, check_pitr, 0.15, [], lambda c: unfinished(c, "ptab")),
    "backup": (begin_backup, check_backup, 0.1, [], None),
}

# --self-check: damage done after the operation finished (no kill), which the check must report
DAMAGE = {
    "create": lambda run: run.c.update_table(TableName="newt", GlobalSecondaryIndexUpdates=[
        {"Delete": {"IndexName": "idx0"}}]),
    "delete": lambda run: (settle(run.c, "big"), run.c.create_table(**key_def("big")),
                           settle(run.c, "big"), run.c.put_item(TableName="big", Item=item(0))),
    "restore": lambda run: (settle(run.c, "rtab"),
                            run.c.delete_item(TableName="rtab", Key={"pk": {"S": "k00007"}})),
}


class Run:
    pass


def left_dumps(bk, wait=3.0):
    """backups/ files no backup record and no running restore own (a restore's dump goes
    when its job ends: waited for up to `wait` s)."""
    deadline = time.time() + wait
    while True:
        files = set(os.listdir(bk)) if os.path.isdir(bk) else set()
        left = sorted(f for f in files if f.endswith(".dump.tmp") or
                      (f.endswith(".dump") and f[:-5] + ".json" not in files))
        if not left or time.time() > deadline:
            return left
        time.sleep(0.1)


def one(args, template, name, seed, self_check=False):
    begin, check, window, flags, probe = SCENARIOS[name]
    rnd = random.Random(seed)
    wd = os.path.join(args.root, f"{name}-{seed}")
    shutil.copytree(template[0], os.path.join(wd, "data"))
    run = Run()
    run.n, run.backup, run.puts, run.note = args.items, template[1], set(), None
    srv = Server(args.bin, os.path.join(wd, "data"), flags).start()
    run.c, run.port = srv.c, srv.port
    res = {}

    def body():
        try:
            begin(run)
            res["acked"] = True
        except Exception as e:  # refused, or cut off by the kill: not acknowledged
            res["error"] = e

    delay = rnd.uniform(0, window)
    th = threading.Thread(target=body)
    th.start()
    if self_check:
        th.join()
        DAMAGE[name](run)
        srv.stop()
    else:
        time.sleep(delay)
        srv.kill()
        th.join()
    srv2 = Server(args.bin, os.path.join(wd, "data"), flags).start()
    run.c, run.port = srv2.c, srv2.port
    acked = res.get("acked", False)
    resumed = False
    try:
        resumed = bool(probe and probe(run.c))
        check(run, acked)
        orphans = left_dumps(os.path.join(wd, "data", "backups"))
        assert not orphans, f"dumps no backup or restore owns: {orphans}"
        problem = None
    except AssertionError as e:
        problem = str(e) or "assertion failed"
    except ClientError as e:
        problem = f"{e.response['Error']['Code']}: {e.response['Error']['Message']}"
    finally:
        srv2.stop()
    if problem is None and not args.keep:
        shutil.rmtree(wd, ignore_errors=True)
    if run.note and not args.quiet:
        print(f"note {name} seed={seed}: {run.note}")
    return acked, resumed, delay, problem


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "ddbchat"))
    ap.add_argument("--seeds", type=int, default=3, help="kills per scenario")
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    ap.add_argument("--only", help="comma-separated scenarios (default: all)")
    ap.add_argument("--items", type=int, default=3000)
    ap.add_argument("--self-check", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the data dirs")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else list(SCENARIOS)
    for n in names:
        if n not in SCENARIOS:
            ap.error(f"no scenario {n!r} (have {', '.join(SCENARIOS)})")
    args.root = tempfile.mkdtemp(prefix="ddb-mgmt-crash-")
    t0 = time.time()
    template = make_template(args.bin, args.root, args.items)
    failures = 0
    if args.self_check:
        for name in DAMAGE:
            _, _, _, problem = one(args, template, name, args.seed, self_check=True)
            if problem is None:
                failures += 1
                print(f"self-check: the {name} check did not notice the damage")
            elif not args.quiet:
                print(f"self-check: {name} noticed: {problem[:120]}")
    else:
        for name in names:
            acks = resumes = 0
            for k in range(args.seeds):
                seed = args.seed + k
                acked, resumed, delay, problem = one(args, template, name, seed)
                acks += acked
                resumes += resumed
                if problem:
                    failures += 1
                    print(f"FAIL {name} seed={seed} kill at {delay:.3f}s acked={acked}: {problem}")
            if not args.quiet:
                print(f"{name}: {args.seeds} kills, {acks} after the acknowledgement"
                      + (f", {resumes} finished by the restarted server" if SCENARIOS[name][4]
                         else ""))
    if failures == 0 and not args.keep:
        shutil.rmtree(args.root, ignore_errors=True)
    elif failures:
        print(f"data dirs kept under {args.root}")
    if not args.quiet or failures:
        print(f"mgmt_crash: {failures} failures, seed {args.seed}, {time.time() - t0:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
