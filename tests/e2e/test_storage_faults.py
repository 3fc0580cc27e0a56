"""Storage faults against the server (src/store/: commit.c, catalog.c, maint.c, open.c).

A full disk: the write gets InternalServerError (HTTP 500), the server stays up, every
acknowledged write stays readable, a GSI added while full is finished once there is room, and
writes succeed again, all without a restart; the data is whole after a restart too.  Two ways
to fill the disk: a small tmpfs (real ENOSPC; needs mount rights, so skipped with the reason
where the environment forbids mounting, e.g. an unprivileged container) and RLIMIT_FSIZE on
the server process (EFBIG from the same LMDB page writes; works anywhere, so CI always runs
this one).  Start-up on a directory that is not a ddbchat data dir fails with a clear message.

ddbchat-only: these are about ddbchat's own storage.
"""
import os
import resource
import shutil
import subprocess
import tempfile
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ddbchat_bin, free_port, make_table, stop_process, wait_port

pytestmark = pytest.mark.requires_ddbchat

ITEM_BYTES = 40000  # few writes fill the disk: the test stays quick with fsync


def start(data_dir, preexec_fn=None):
    port = free_port()
    proc = subprocess.Popen([ddbchat_bin(), "serve", "--data-dir", data_dir, "--dynamodb-port",
                             str(port), "--dynamodb-only", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=preexec_fn)
    try:
        wait_port(port, proc, timeout=20)
    except Exception:
        stop_process(proc)
        raise
    client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}",
                          region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))
    return proc, client


def count(client, table, index=None):
    n, kw = 0, {"TableName": table, "Select": "COUNT"}
    if index:
        kw["IndexName"] = index
    while True:
        r = client.scan(**kw)
        n += r["Count"]
        if "LastEvaluatedKey" not in r:
            return n
        kw["ExclusiveStartKey"] = r["LastEvaluatedKey"]


def put(client, i):
    client.put_item(TableName="tbl", Item={"pk": {"S": f"k{i:05d}"}, "g": {"S": f"g{i % 3}"},
                                         "v": {"S": "x" * ITEM_BYTES}})


def fill_until_refused(client, proc, limit=20000):
    """Writes until 5 writes were refused; returns the acknowledged indexes."""
    acked, refused = [], 0
    for i in range(limit):
        try:
            put(client, i)
            acked.append(i)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "InternalServerError", e.response
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 500
            assert "storage error" in e.response["Error"]["Message"]
            refused += 1
            if refused == 5:
                break
        assert proc.poll() is None, "server died on a full disk"
    assert refused == 5, "the disk never filled"
    return acked


def wait_gsi_active(client, timeout=60):
    deadline = time.time() + timeout
    while True:
        d = client.describe_table(TableName="tbl")["Table"]
        g = d.get("GlobalSecondaryIndexes", [])
        if g and all(x["IndexStatus"] == "ACTIVE" for x in g):
            return d
        assert time.time() < deadline, f"GSI not ACTIVE: {g}"
        time.sleep(0.1)


def full_disk_cycle(data_dir, make_full, make_room, preexec_fn=None):
    proc, client = start(data_dir, preexec_fn)
    try:
        make_table(client, "tbl")
        make_full(proc)
        acked = fill_until_refused(client, proc)
        # a GSI added while the disk is full: committed or refused, never half done
        try:
            client.update_table(
                TableName="tbl", AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                GlobalSecondaryIndexUpdates=[{"Create": {
                    "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
            gsi_added = True
        except ClientError as e:
            assert e.response["Error"]["Code"] == "InternalServerError", e.response
            gsi_added = False
        assert count(client, "tbl") == len(acked)
        make_room(proc)
        if not gsi_added:
            client.update_table(
                TableName="tbl", AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                GlobalSecondaryIndexUpdates=[{"Create": {
                    "IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
        wait_gsi_active(client)  # finished by the running server, no restart
        put(client, 99999)
        acked.append(99999)
        for i in acked[:: max(1, len(acked) // 50)]:
            assert "Item" in client.get_item(TableName="tbl", Key={"pk": {"S": f"k{i:05d}"}})
        assert count(client, "tbl") == len(acked)
        assert count(client, "tbl", "byg") == len(acked)
    finally:
        stop_process(proc)
    assert proc.returncode == 0
    proc, client = start(data_dir)
    try:
        assert count(client, "tbl") == len(acked)
        assert count(client, "tbl", "byg") == len(acked)
    finally:
        stop_process(proc)


def test_full_tmpfs_refuses_then_recovers(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or r.returncode}); "
                    "test_file_size_limit_refuses_then_recovers covers the same path")
    try:
        ballast = mnt / "ballast"
        data_dir = str(mnt / "data")

        def make_full(proc):
            with open(ballast, "wb") as fp:
                fp.write(b"\0" * (3 << 20))

        def make_room(proc):
            os.remove(ballast)

        full_disk_cycle(data_dir, make_full, make_room)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_file_size_limit_refuses_then_recovers(tmp_path):
    data_dir = str(tmp_path / "data")
    cap = 3 << 20

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, resource.RLIM_INFINITY))

    def make_full(proc):
        pass  # the cap is there from the start

    def make_room(proc):
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE,
                         (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    full_disk_cycle(data_dir, make_full, make_room, preexec_fn=limit)


def serve_fails(data_dir):
    port = free_port()
    r = subprocess.run([ddbchat_bin(), "serve", "--data-dir", data_dir, "--dynamodb-port",
                        str(port), "--dynamodb-only", "--quiet"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    return r.stderr


def test_start_refuses_a_directory_that_is_not_ours(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("mine")
    err = serve_fails(str(docs))
    assert f"{docs} is not a ddbchat data dir: it holds other files (notes.txt" in err
    assert sorted(os.listdir(docs)) == ["notes.txt"]
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "data.mdb").write_bytes(b"j" * 8192)
    err = serve_fails(str(junk))
    assert "is not a ddbchat data dir" in err and "not an LMDB file" in err
