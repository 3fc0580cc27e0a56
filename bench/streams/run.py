#!/usr/bin/env python3
"""The cost of DynamoDB Streams (issue 11.7): durable PutItem at 64 connections on a table
with a stream vs without, and the time of a GetRecords of 1,000 records.

    python3 bench/streams/run.py [--bin build/ddbchat] [--seconds 5] [--rounds 3]

Each round starts a fresh `ddbchat serve` (durable: fsync per group commit) on a new data dir
for each case, so that neither case inherits the other's data: "no stream" lets bench_http
create its table "bench"; "stream" creates "bench" first with a NEW_AND_OLD_IMAGES stream
(the costliest view type: both images kept).  bench_http (bench/http) then puts unique items
from 64 keep-alive connections for --seconds.  The cases alternate, and the median of the
rounds is printed.  GetRecords: on the stream case's server after its run, TRIM_HORIZON
iterator + GetRecords Limit 1000 on a shard of >= 1,000 records, 20 times; client-side wall
time of the request (HTTP on loopback included), median and 90th percentile, and the server's
CPU time per iterator + GetRecords (/proc/PID/stat).
Numbers depend on the machine and its load; nothing is asserted.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

AUTH = ("AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} did not answer within {timeout}s")


def call(port, target, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        t0 = time.perf_counter()
        conn.request("POST", "/", json.dumps(body).encode(),
                     {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0",
                      "Authorization": AUTH})
        r = conn.getresponse()
        data = r.read()
        dt = time.perf_counter() - t0
        if r.status != 200:
            raise RuntimeError(f"{target}: {r.status} {data[:300]!r}")
        return json.loads(data), dt
    finally:
        conn.close()


def serve(binary, data_dir):
    port = free_port()
    p = subprocess.Popen([binary, "serve", "--dynamodb-only", "--quiet", "--data-dir", data_dir,
                          "--dynamodb-port", str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, p, timeout=30)
    return p, port


def put_run(bench, port, pid, seconds):
    out = subprocess.run([bench, "--url", f"http://127.0.0.1:{port}", "--op", "PutItem",
                          "--threads", "64", "--seconds", str(seconds), "--pid", str(pid)],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"req/s=([\d.]+)", out)
    return float(m.group(1)), out.strip()


def cpu_ms(pid):
    """The process's user + system CPU time so far, in ms."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def get_records_times(port, pid, n=20):
    d, _ = call(port, "DynamoDB_20120810.DescribeTable", {"TableName": "bench"})
    arn = d["Table"]["LatestStreamArn"]
    sd, _ = call(port, "DynamoDBStreams_20120810.DescribeStream", {"StreamArn": arn})
    shard = sd["StreamDescription"]["Shards"][0]["ShardId"]
    times = []
    c0 = cpu_ms(pid)
    for _ in range(n):
        it, _ = call(port, "DynamoDBStreams_20120810.GetShardIterator",
                     {"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"})
        r, dt = call(port, "DynamoDBStreams_20120810.GetRecords",
                     {"ShardIterator": it["ShardIterator"], "Limit": 1000})
        if len(r["Records"]) != 1000:
            raise RuntimeError(f"GetRecords returned {len(r['Records'])} records")
        times.append(dt * 1000)
    return times, (cpu_ms(pid) - c0) / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "ddbchat"))
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    bench = os.path.join(os.path.dirname(os.path.abspath(a.bin)), "bench_http")
    res = {"no stream": [], "stream": []}
    gr, gr_cpu = [], 0.0
    print(f"# {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}, {a.seconds} s per run, 64 connections")
    for rnd in range(a.rounds):
        for case in ("no stream", "stream"):
            d = tempfile.mkdtemp(prefix="ddbchat-bench-streams-")
            p, port = serve(a.bin, d)
            try:
                if case == "stream":
                    call(port, "DynamoDB_20120810.CreateTable", {
                        "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
                        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                        "StreamSpecification": {"StreamEnabled": True,
                                                "StreamViewType": "NEW_AND_OLD_IMAGES"}})
                rate, line = put_run(bench, port, p.pid, a.seconds)
                res[case].append(rate)
                print(f"round {rnd + 1} {case:9} {line}", flush=True)
                if case == "stream" and rnd == 0:
                    gr, gr_cpu = get_records_times(port, p.pid)
            finally:
                p.terminate()
                p.wait()
                shutil.rmtree(d, ignore_errors=True)
    ns, ws = statistics.median(res["no stream"]), statistics.median(res["stream"])
    print(f"median PutItem/s: no stream {ns:.0f}, stream {ws:.0f} ({100 * ws / ns:.0f}%)")
    gr.sort()
    print(f"GetRecords of 1,000 records: median {statistics.median(gr):.1f} ms, "
          f"p90 {gr[int(len(gr) * 0.9) - 1]:.1f} ms ({len(gr)} runs); server CPU "
          f"{gr_cpu:.1f} ms per GetShardIterator + GetRecords")


if __name__ == "__main__":
    main()
