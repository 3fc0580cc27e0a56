#!/usr/bin/env python3
"""The cost of DynamoDB Streams (issue 11.7): durable PutItem at 64 connections on a table
with a stream vs without, and the time of a GetRecords of 1,000 records.

    python3 bench/streams/run.py [--bin build/ddbchat] [--seconds 5] [--rounds 3]
                                 [--before OTHER_DDBCHAT] [--gr-runs 50]

Each round starts a fresh `ddbchat serve` (durable: fsync per group commit) on a new data dir
for each case, so that neither case inherits the other's data: "no stream" lets bench_http
create its table "bench"; "stream" creates "bench" first with a NEW_AND_OLD_IMAGES stream
(the costliest view type: both images kept).  bench_http (bench/http) then puts unique items
from 64 keep-alive connections for --seconds.  The cases alternate, and the median of the
rounds is printed.  GetRecords: on the first round's stream data (>= 1,000 records in the
first shard), --gr-runs TRIM_HORIZON iterators are taken, then GetRecords Limit 1000 is sent
with each: client-side wall time of the request (HTTP on loopback included), median and 90th
percentile, and the server's CPU time per GetRecords (/proc/PID/stat, user + system, all of
the process's threads, over the GetRecords loop only).  With --before, a second binary (e.g.
the build before a change) serves the same data dir in turn with --bin, three times each,
alternating, so the two are compared in one run under the same load.
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


def get_records_times(port, pid, n):
    d, _ = call(port, "DynamoDB_20120810.DescribeTable", {"TableName": "bench"})
    arn = d["Table"]["LatestStreamArn"]
    sd, _ = call(port, "DynamoDBStreams_20120810.DescribeStream", {"StreamArn": arn})
    shard = sd["StreamDescription"]["Shards"][0]["ShardId"]
    iters = [call(port, "DynamoDBStreams_20120810.GetShardIterator",
                  {"StreamArn": arn, "ShardId": shard,
                   "ShardIteratorType": "TRIM_HORIZON"})[0]["ShardIterator"] for _ in range(n)]
    times = []
    c0 = cpu_ms(pid)
    for it in iters:
        r, dt = call(port, "DynamoDBStreams_20120810.GetRecords", {"ShardIterator": it,
                                                                  "Limit": 1000})
        if len(r["Records"]) != 1000:
            raise RuntimeError(f"GetRecords returned {len(r['Records'])} records")
        times.append(dt * 1000)
    return times, (cpu_ms(pid) - c0) / n


def get_records_compare(binaries, data_dir, n, turns=3):
    """GetRecords on data_dir served by each binary in turn: {label: (times, [cpu ms, ...])}."""
    out = {label: ([], []) for label, _ in binaries}
    for _ in range(turns):
        for label, b in binaries:
            p, port = serve(b, data_dir)
            try:
                times, cpu = get_records_times(port, p.pid, n)
            finally:
                p.terminate()
                p.wait()
            out[label][0].extend(times)
            out[label][1].append(cpu)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(REPO, "build", "ddbchat"))
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before", default=None,
                    help="another ddbchat binary to compare GetRecords with")
    ap.add_argument("--gr-runs", type=int, default=50)
    a = ap.parse_args()
    bench = os.path.join(os.path.dirname(os.path.abspath(a.bin)), "bench_http")
    res = {"no stream": [], "stream": []}
    gr = {}
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
            finally:
                p.terminate()
                p.wait()
            if case == "stream" and rnd == 0:
                bins = [("this build", a.bin)] + ([("--before", a.before)] if a.before else [])
                gr = get_records_compare(bins, d, a.gr_runs)
            shutil.rmtree(d, ignore_errors=True)
    ns, ws = statistics.median(res["no stream"]), statistics.median(res["stream"])
    print(f"median PutItem/s: no stream {ns:.0f}, stream {ws:.0f} ({100 * ws / ns:.0f}%)")
    for label, (times, cpus) in gr.items():
        times.sort()
        print(f"GetRecords of 1,000 records ({label}): wall median "
              f"{statistics.median(times):.1f} ms, p90 {times[int(len(times) * 0.9) - 1]:.1f} ms "
              f"({len(times)} requests); server CPU per GetRecords "
              f"{' / '.join(f'{c:.1f}' for c in cpus)} ms (median {statistics.median(cpus):.1f})")
    print(f"# load at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
