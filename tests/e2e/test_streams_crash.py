"""Crash test for streams (issue 11): SIGKILL during concurrent writes; after a restart the
stream holds exactly the acknowledged writes, in order, once.

Eight writers put items with unique keys, each waiting for its previous write's answer; the
server is killed with SIGKILL mid-way, restarted on the same data dir, written to and killed
again.  Then: every acknowledged write has exactly one record; no record appears twice; each
writer's records are in its own order (a write acknowledged before the next one was sent must
precede it); sequence numbers increase; a write that was in flight at the kill has a record
if and only if its item is in the table (record and item share one transaction).  ddbchat only
(it kills and restarts the server)."""
import os
import signal
import threading
import time

import boto3
from botocore.config import Config

from conftest import client_for, make_table
from test_streams import read_all, streams_for

WRITERS = 8


def writer_loop(url, name, w, start, stop, acked, inflight):
    c = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                     aws_access_key_id="x", aws_secret_access_key="x",
                     config=Config(retries={"max_attempts": 1}, connect_timeout=2,
                                   read_timeout=5))
    i = start
    while not stop.is_set():
        key = f"w{w}-{i:06}"
        inflight[w] = key
        try:
            c.put_item(TableName=name, Item={"pk": {"S": key}, "w": {"N": str(w)},
                                             "i": {"N": str(i)}})
        except Exception:
            return  # the server is gone: this write's fate is unknown (inflight[w])
        acked[w].append(key)
        inflight[w] = None
        i += 1


def run_round(srv, name, acked, inflight_all, seconds):
    stop = threading.Event()
    inflight = [None] * WRITERS
    threads = [threading.Thread(target=writer_loop,
                                args=(srv.ddb_url, name, w, len(acked[w]) + 1000 * len(inflight_all),
                                      stop, acked, inflight))
               for w in range(WRITERS)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait()
    for t in threads:
        t.join(timeout=30)
    stop.set()
    inflight_all.append({k for k in inflight if k})


def test_sigkill_during_writes(ddbchat_server):
    srv = ddbchat_server()
    name = "crash_stream"
    make_table(client_for(srv.ddb_url), name,
               StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    acked = [[] for _ in range(WRITERS)]
    inflight = []
    run_round(srv, name, acked, inflight, 1.5)
    srv = ddbchat_server(data_dir=srv.data_dir)
    run_round(srv, name, acked, inflight, 1.0)
    srv = ddbchat_server(data_dir=srv.data_dir)

    ddb = client_for(srv.ddb_url)
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    recs = read_all(streams_for(srv.ddb_url), arn)
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in recs]
    n_acked = sum(len(a) for a in acked)
    assert n_acked > 50, "too few writes to test anything"
    print(f"{n_acked} acknowledged, {len(set().union(*inflight))} in flight at the kills, "
          f"{len(keys)} records")
    assert len(keys) == len(set(keys)), "a record appears twice"
    assert all(r["eventName"] == "INSERT" for r in recs)
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in recs]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    in_stream = set(keys)
    for w in range(WRITERS):
        missing = [k for k in acked[w] if k not in in_stream]
        assert not missing, f"acknowledged writes without a record: {missing[:5]}"
        mine = [k for k in keys if k.startswith(f"w{w}-")]
        unknown = set().union(*inflight)
        assert [k for k in mine if k not in unknown] == acked[w], f"writer {w}: order"
    unknown = set().union(*inflight)
    for k in in_stream - set(sum(acked, [])):
        assert k in unknown, f"a record for a write that was never sent: {k}"
    for k in unknown:  # in flight at the kill: a record iff the item was written
        item = ddb.get_item(TableName=name, Key={"pk": {"S": k}}, ConsistentRead=True)
        assert ("Item" in item) == (k in in_stream), k
