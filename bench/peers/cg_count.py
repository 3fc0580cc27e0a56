#!/usr/bin/env python3
"""bench/peers/cg_count.py — server instructions per request, counted by callgrind.

Instruction counts do not depend on the machine's load, so before/after figures of one change
can be compared on a busy machine (rates cannot).  The whole server runs under callgrind
(`--threads 2`, DynamoDB endpoint only); for each workload the counters are zeroed, N
keep-alive requests are sent one after the other from one connection, the counters are dumped
and their total is divided by N.  The requests and the data set are run.py's (the designed
table: `cruddur-messages` and its GSI), with 100 users and 2,000 conversations x 20 messages
unless told otherwise; 50 requests per workload are sent first and their answers checked.

    /usr/bin/python3 bench/peers/cg_count.py prepare DATA_DIR [--bin build/ddbchat]
    /usr/bin/python3 bench/peers/cg_count.py run DATA_DIR [--bin B] [-n 1000]
        [--workloads GetItem,QueryA,QueryB,GSIQuery] [--keep PREFIX]

`prepare` loads a data directory once (with any build: the format is the same); `run` copies
it to a scratch directory, so every run starts from the same data.  --keep PREFIX keeps each
workload's callgrind file (PREFIX.<workload>, with --dump-instr=yes) for callgrind_annotate.
Callgrind counts every iteration of `rep stosb`/`rep movsb` (libc's memset/memcpy of a few KB
and more) as one instruction: those weigh more in the counts than in CPU time.
"""
import argparse
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as R  # noqa: E402  (bench/peers/run.py: the data set, the requests, the client)

WORKLOADS = ["GetItem", "QueryA", "QueryB", "GSIQuery"]


def wait_ready(port, proc, seconds=120):
    for _ in range(seconds * 10):
        try:
            cl = R.Client(port, timeout=5)
            st, _ = cl.ddb("ListTables", {})
            cl.close()
            if st == 200:
                return
        except Exception:
            pass
        if proc.poll() is not None:
            raise SystemExit("cg_count: the server exited")
        time.sleep(0.1)
    raise SystemExit("cg_count: the server did not answer")


def dataset(a):
    return R.DataSet(a.users, a.conversations, a.messages)


def prepare(a):
    shutil.rmtree(a.data_dir, ignore_errors=True)
    port = R.free_port()
    p = subprocess.Popen([a.bin, "serve", "--quiet", "--dynamodb-only", "--data-dir", a.data_dir,
                          "--dynamodb-port", str(port)])
    try:
        wait_ready(port, p)
        R.create_table(R.Client(port))
        print("loaded", R.load(port, dataset(a)), "items")
    finally:
        p.terminate()
        p.wait()


def send(cl, line):
    method, path, op, auth, body = line
    return cl.raw(method, path, {"Authorization": auth, "X-Amz-Target": "DynamoDB_20120810." + op,
                                 "Content-Type": "application/x-amz-json-1.0",
                                 "X-Amz-Date": R.DDB_DATE}, body)


def total(path):
    m = re.search(r"^(?:summary|totals): (\d+)", open(path).read(), re.M)
    return int(m.group(1)) if m else 0


def run(a):
    scratch = tempfile.mkdtemp(prefix="cg_count.")
    data, outd = os.path.join(scratch, "data"), os.path.join(scratch, "out")
    shutil.copytree(a.data_dir, data)
    os.makedirs(outd)
    port = R.free_port()
    extra = ["--dump-instr=yes"] if a.keep else []
    p = subprocess.Popen(["valgrind", "--tool=callgrind", *extra,
                          f"--callgrind-out-file={outd}/cg.%p", a.bin, "serve", "--quiet",
                          "--dynamodb-only", "--threads", "2", "--data-dir", data,
                          "--dynamodb-port", str(port)], stderr=subprocess.DEVNULL)
    res = {}
    try:
        wait_ready(port, p)
        reqs = R.Requests(dataset(a), random.Random(1))
        for w in a.workloads.split(","):
            lines = reqs.build(w)
            cl = R.Client(port)
            for line, want in lines[:50]:
                st, _, body = send(cl, line)
                bad = R.check_answer(st, json.loads(body), want)
                if bad:
                    raise SystemExit(f"cg_count: {w}: {bad}")
            subprocess.run(["callgrind_control", "-z", str(p.pid)], check=True,
                           stdout=subprocess.DEVNULL)
            for i in range(a.n):
                st, _, _ = send(cl, lines[(50 + i) % len(lines)][0])
                if st != 200:
                    raise SystemExit(f"cg_count: {w}: status {st}")
            before = set(glob.glob(outd + "/*"))
            subprocess.run(["callgrind_control", "-d", w, str(p.pid)], check=True,
                           stdout=subprocess.DEVNULL)
            new = sorted(set(glob.glob(outd + "/*")) - before)
            res[w] = sum(total(f) for f in new) / a.n
            if a.keep:
                for f in new:
                    shutil.copy(f, f"{a.keep}.{w}")
            cl.close()
    finally:
        p.terminate()
        p.wait()
        shutil.rmtree(scratch, ignore_errors=True)
    print(os.path.basename(a.bin), " ".join(f"{k}={v:,.0f}" for k, v in res.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cmd", choices=["prepare", "run"])
    ap.add_argument("data_dir")
    ap.add_argument("--bin", default=os.path.join(R.REPO, "build", "ddbchat"))
    ap.add_argument("-n", type=int, default=1000, help="requests per workload (default 1000)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--keep", help="keep each workload's callgrind file as KEEP.<workload>")
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--conversations", type=int, default=2000)
    ap.add_argument("--messages", type=int, default=20)
    a = ap.parse_args()
    (prepare if a.cmd == "prepare" else run)(a)


if __name__ == "__main__":
    main()
