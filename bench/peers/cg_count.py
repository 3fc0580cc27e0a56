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

The write workloads (not in the default list) are run.py's / wrk.lua's: PutItem (a new
message row, one per request; durable, so each is a round of its own here), TransactCD (the
messaging write C+D: TransactWriteItems of 6 actions with a ClientRequestToken, each on
another conversation, so at most 2,000 - 50 requests), BatchWrite25 (25 new message rows),
and TransactGet (TransactGetItems of a pair row and its two conversation rows, from the last
conversation backwards, so TransactCD + TransactGet requests must stay within 2,000).
Two reads with ReturnConsumedCapacity TOTAL are built the same way: GetItemCap (GetItem of a
message) and BatchGet20 (BatchGetItem of a conversation's 20 messages); BatchGet100 is
BatchGetItem of five conversations' 100 messages (the most keys a call takes), without it.

`floor` (GET / on the DynamoDB port: the health check's text) counts our HTTP layer alone, the
limit run.py's table shows; a DynamoDB request's count minus it is what the request's own path
costs.

`SignedGetItem` (alone: the server then has credentials and verifies every request) is
GetItem with each request signed by botocore's SigV4Auth before the counters are zeroed: the
cost of SigV4 verification is SignedGetItem minus GetItem.

The REST routes (--workloads RestGroups,RestMessages,RestPost) run on the same server's REST
listener (embedded backend; the bearer tokens are run.py's), counted the same way.  RestPost is
wrk.lua's post mode: POST /api/messages into conversation i (the sender its first user), the
messaging write C+D through the backend seam.  Before the counters are zeroed every REST line
is sent once (each user's token then verified and in the server's token cache, as in a wrk run
of seconds; a first verification costs ~100k instructions, a cached one a look-up).

`prepare` loads a data directory once (with any build: the format is the same); `run` copies
it to a scratch directory, so every run starts from the same data.  --keep PREFIX keeps each
workload's callgrind file (PREFIX.<workload>, with --dump-instr=yes) for callgrind_annotate.
Callgrind counts every iteration of `rep stosb`/`rep movsb` (libc's memset/memcpy of a few KB
and more) as one instruction: those weigh more in the counts than in CPU time.  So a second
line gives each count without libc's memset's own instructions: ~24.4k of every request are
libmicrohttpd 0.9.75 zeroing its 16 KB connection pool and half of it again (~1 % of the CPU
time, perf), the same in every workload.  A third line leaves out the catalog re-check too
(st_cat_check, inclusive): the store looks at the catalog's generation at most every 5 ms of
the clock, which under callgrind's slowdown is one request in three or so (~1,700
instructions each, so +-300 a request between runs) and at full speed one in hundreds.
A fourth line leaves out glibc's malloc_consolidate (inclusive) as well: whether a request's
last free() merges into the top chunk and sweeps the fastbins depends on where the heap's
chunks happened to fall, so one run pays it on every request (~280-400) and the next on none,
for the same binary (perf20: the floor 14,566 / 14,963 in two runs of one build).
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
WRITES = ["PutItem", "TransactCD", "BatchWrite25", "TransactGet", "GetItemCap", "BatchGet20",
          "BatchGet100", "RestPost"]


def wait_ready(port, proc, health=False, seconds=120):
    for _ in range(seconds * 10):
        try:
            cl = R.Client(port, timeout=5)
            if health:  # a server with credentials refuses the unsigned ListTables
                st = cl.raw("GET", "/", {}, None)[0]
            else:
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
    if len(line) == 4:  # signed_lines: the headers as signed
        method, path, headers, body = line
        return cl.raw(method, path, headers, body)
    method, path, op, auth, body = line
    if not op:  # a REST route (run.py's RestGroups / RestMessages lines, RestPost's)
        hdr = {"Authorization": auth}
        if body:
            hdr["Content-Type"] = "application/json"
        return cl.raw(method, path, hdr, body)
    return cl.raw(method, path, {"Authorization": auth, "X-Amz-Target": "DynamoDB_20120810." + op,
                                 "Content-Type": "application/x-amz-json-1.0",
                                 "X-Amz-Date": R.DDB_DATE}, body)


SIGNED_KEY, SIGNED_SECRET = "AKIDCGCOUNT", "cg-count-secret-0123456789"


def signed_lines(port, lines):
    """GetItem lines, each signed for 127.0.0.1:port (botocore's SigV4Auth, as the SDKs)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    signer = SigV4Auth(Credentials(SIGNED_KEY, SIGNED_SECRET), "dynamodb", "us-east-1")
    out = []
    for (method, path, op, _, body), want in lines:
        req = AWSRequest(method=method, url=f"http://127.0.0.1:{port}{path}", data=body.encode(),
                         headers={"X-Amz-Target": "DynamoDB_20120810." + op,
                                  "Content-Type": "application/x-amz-json-1.0"})
        signer.add_auth(req)
        out.append(((method, path, dict(req.headers.items()), body), want))
    return out


def ddb_line(op, body):
    return ("POST", "/", op, R.DDB_AUTH, R.ddb_body(body))


def twi_body(row, t, count):
    """wrk.lua's twi_body: the message, the pair row's time (conditioned on its previous
    value), both conversation rows moved from the previous time to t."""
    tbl, g, pair, prev, au, an, ah, bu, bn, bh = row
    me, ot = (au, an, ah), (bu, bn, bh)
    if count % 2:
        me, ot = ot, me
    text = f"Benchmark message {count} in this conversation"

    def conv(owner, o):
        return {"Put": {"TableName": tbl, "Item": {
            "pk": R.S("GRP#" + owner), "sk": R.S(t), "message_group_uuid": R.S(g),
            "user_uuid": R.S(o[0]), "user_display_name": R.S(o[1]), "user_handle": R.S(o[2]),
            "message": R.S(text)}, "ConditionExpression": "attribute_not_exists(pk)"}}

    def dele(owner):
        return {"Delete": {"TableName": tbl, "Key": {"pk": R.S("GRP#" + owner), "sk": R.S(prev)},
                           "ConditionExpression": "message_group_uuid = :g",
                           "ExpressionAttributeValues": {":g": R.S(g)}}}
    return {"TransactItems": [
        {"Put": {"TableName": tbl, "Item": {
            "pk": R.S("MSG#" + g), "sk": R.S(t), "message_uuid": R.S(f"cg-{count}"),
            "message": R.S(text), "user_uuid": R.S(me[0]), "user_display_name": R.S(me[1]),
            "user_handle": R.S(me[2])}, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": tbl, "Key": {"pk": R.S(pair), "sk": R.S("PAIR")},
                    "UpdateExpression": "SET last_message_at = :ts",
                    "ConditionExpression": "last_message_at = :prev",
                    "ExpressionAttributeValues": {":ts": R.S(t), ":prev": R.S(prev)}}},
        dele(me[0]), dele(ot[0]), conv(me[0], ot), conv(ot[0], me)],
        "ClientRequestToken": f"cg-{count}"}


def msg_row(pk, sk, n):
    return {"pk": R.S(pk), "sk": R.S(sk), "message_uuid": R.S(f"cg-{n}"),
            "message": R.S(f"Benchmark message {n} from a wrk thread, about as long as a chat line."),
            "user_uuid": R.S("00000000-0000-4000-8000-%012d" % 0),
            "user_display_name": R.S("User 1"), "user_handle": R.S("user1")}


def write_lines(w, cl, ds, count, reqs=None):
    """The requests of a write workload (each used once) and their expected answers (None:
    a 200 is enough)."""
    out = []
    if w == "RestPost":  # wrk.lua's post mode: conversation i, its first user the sender
        for i in range(count):
            c = ds.convs[i % len(ds.convs)]
            body = json.dumps({"message": f"Benchmark message {i} through the REST API",
                               "message_group_uuid": c["group"]}, separators=(",", ":"))
            out.append((("POST", "/api/messages", "", "Bearer " + reqs.tok(c["a"]), body), None))
    if w == "TransactCD":
        if count > len(ds.convs):
            raise SystemExit(f"cg_count: TransactCD: at most {len(ds.convs) - 50} requests")
        rows = R.twi_conversations(cl, ds, ds.convs[:count])
        base = int(time.time() * 1000000)
        for i, row in enumerate(rows):
            out.append((ddb_line("TransactWriteItems", twi_body(row, R.ts_text(base + i), i)), None))
    elif w == "PutItem":
        for i in range(count):
            out.append((ddb_line("PutItem", {"TableName": R.TABLE, "Item": msg_row(
                f"MSG#cg-put-{i}", "0000", i)}), None))
    elif w == "BatchWrite25":
        for i in range(count):
            pk = f"MSG#cg-batch-{i}"
            out.append((ddb_line("BatchWriteItem", {"RequestItems": {R.TABLE: [
                {"PutRequest": {"Item": msg_row(pk, "%04d" % j, j)}} for j in range(25)]}}),
                None))
    elif w == "TransactGet":
        for i in range(count):
            c = ds.convs[-1 - i % len(ds.convs)]  # from the end: TransactCD's are the first
            its = [ds.pair_item(c), ds.conv_item(c, c["a"]), ds.conv_item(c, c["b"])]
            out.append((ddb_line("TransactGetItems", {"TransactItems": [
                {"Get": {"TableName": R.TABLE, "Key": R.key_of(it)}} for it in its]}),
                {"Responses": [{"Item": it} for it in its]}))
    elif w == "GetItemCap":
        for i in range(count):
            c = ds.convs[i % len(ds.convs)]
            it = ds.msg_item(c, c["msgs"][i % len(c["msgs"])])
            out.append((ddb_line("GetItem", {"TableName": R.TABLE, "Key": R.key_of(it),
                                             "ReturnConsumedCapacity": "TOTAL"}),
                        {"Item": it, "ConsumedCapacity": {"TableName": R.TABLE,
                                                          "CapacityUnits": 0.5}}))
    elif w == "BatchGet20":
        for i in range(count):
            c = ds.convs[i % len(ds.convs)]
            keys = [R.key_of(ds.msg_item(c, m)) for m in c["msgs"]]
            out.append((ddb_line("BatchGetItem", {"RequestItems": {R.TABLE: {"Keys": keys}},
                                                  "ReturnConsumedCapacity": "TOTAL"}), None))
    elif w == "BatchGet100":
        for i in range(count):
            keys = [R.key_of(ds.msg_item(c, m))
                    for j in range(5) for c in [ds.convs[(5 * i + j) % len(ds.convs)]]
                    for m in c["msgs"]]
            out.append((ddb_line("BatchGetItem", {"RequestItems": {R.TABLE: {"Keys": keys}}}),
                        None))
    return out


def check(st, body, want):
    if want is None or st != 200:
        return R.check_answer(st, body, None)
    return None if body == want else f"got {str(body)[:300]}"


def total(path):
    m = re.search(r"^(?:summary|totals): (\d+)", open(path).read(), re.M)
    return int(m.group(1)) if m else 0


def memset_self(path):
    """Instructions counted inside libc's memset (its own cost, whoever called it): callgrind
    counts each byte of a `rep stosb` as one instruction, so libmicrohttpd's zeroing of its
    16 KB connection pool (~24k a request) weighs far more here than in CPU time."""
    names, fn, skip, cost = {}, "", False, 0
    for line in open(path, errors="replace"):
        if line.startswith(("fn=", "cfn=")):  # a name is defined once, "(id) name", by either
            m = re.match(r"c?fn=(?:\((\d+)\))?\s*(.*)", line.rstrip("\n"))
            if m.group(1) and m.group(2):
                names[m.group(1)] = m.group(2)
            if line.startswith("fn="):
                fn = m.group(2) or names.get(m.group(1), "")
                skip = False
        elif line.startswith("calls="):
            skip = True  # the next cost line is the call's inclusive cost
        elif line[:1] in "0123456789+-*" and line.strip():
            if skip:
                skip = False
            elif "memset" in fn:
                cost += int(line.split()[-1])
    return cost


def callee_inclusive(path, name):
    """Instructions spent in calls to the function `name` (inclusive: what it called too),
    summed over its call sites: the cost line after each `calls=` line whose cfn is name."""
    names, cfn, take, cost = {}, "", False, 0
    for line in open(path, errors="replace"):
        if line.startswith(("fn=", "cfn=")):
            m = re.match(r"c?fn=(?:\((\d+)\))?\s*(.*)", line.rstrip("\n"))
            if m.group(1) and m.group(2):
                names[m.group(1)] = m.group(2)
            if line.startswith("cfn="):
                cfn = m.group(2) or names.get(m.group(1), "")
        elif line.startswith("calls="):
            take = cfn == name or cfn.startswith(name + "'")  # not "name.part.0"
        elif line[:1] in "0123456789+-*" and line.strip():
            if take:
                cost += int(line.split()[-1])
            take = False
    return cost


def run(a):
    scratch = tempfile.mkdtemp(prefix="cg_count.")
    data, outd = os.path.join(scratch, "data"), os.path.join(scratch, "out")
    shutil.copytree(a.data_dir, data)
    os.makedirs(outd)
    port = R.free_port()
    # names uncompressed: each kept dump must be readable alone (a later dump only refers to
    # names an earlier part defined otherwise, and callgrind_annotate shows nothing)
    extra = ["--dump-instr=yes", "--compress-strings=no"] if a.keep else []
    rest = any(w.startswith("Rest") for w in a.workloads.split(","))
    signed = "SignedGetItem" in a.workloads.split(",")
    if signed and a.workloads != "SignedGetItem":
        raise SystemExit("cg_count: SignedGetItem runs alone (the server then verifies every "
                         "request)")
    env = dict(os.environ, DDBCHAT_JWT_SECRET=R.JWT_SECRET)
    if signed:
        env.update(DDBCHAT_ACCESS_KEY_ID=SIGNED_KEY, DDBCHAT_SECRET_ACCESS_KEY=SIGNED_SECRET)
    rest_port = R.free_port()
    listen = ["--api-port", str(rest_port)] if rest else ["--dynamodb-only"]
    p = subprocess.Popen(["valgrind", "--tool=callgrind", *extra,
                          f"--callgrind-out-file={outd}/cg.%p", a.bin, "serve", "--quiet",
                          *listen, "--threads", "2", "--data-dir", data,
                          "--dynamodb-port", str(port)], stderr=subprocess.DEVNULL, env=env)
    res, ms, cat, mc = {}, {}, {}, {}
    try:
        wait_ready(port, p, signed)
        reqs = R.Requests(dataset(a), random.Random(1))
        for w in a.workloads.split(","):
            cl = R.Client(rest_port if w.startswith("Rest") else port)
            if w == "SignedGetItem":
                lines = signed_lines(port, reqs.build("GetItem")[:a.n + 50])
            else:
                lines = (write_lines(w, cl, dataset(a), a.n + 50, reqs) if w in WRITES
                         else reqs.build(w))
            for line, want in lines[:50]:
                st, _, body = send(cl, line)
                if w == "floor":  # GET /: the health text, not JSON
                    bad = None if st == 200 and body.startswith(b"healthy: ") else f"got {st}"
                else:
                    bad = (check if w in WRITES else R.check_answer)(st, json.loads(body), want)
                if bad:
                    raise SystemExit(f"cg_count: {w}: {bad}")
            if w.startswith("Rest"):  # every token verified once: the cache's steady state
                seen = set()
                for line, _ in lines[50:]:
                    if line[3] not in seen:
                        seen.add(line[3])
                        if w != "RestPost":  # a POST would write: a GET of the same user
                            send(cl, line)
                        else:
                            send(cl, ("GET", "/api/message_groups", "", line[3], ""))
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
            ms[w] = sum(memset_self(f) for f in new) / a.n
            cat[w] = sum(callee_inclusive(f, "st_cat_check") for f in new) / a.n
            mc[w] = sum(callee_inclusive(f, "malloc_consolidate") for f in new) / a.n
            if a.keep:
                for f in new:
                    shutil.copy(f, f"{a.keep}.{w}")
            cl.close()
    finally:
        p.terminate()
        p.wait()
        shutil.rmtree(scratch, ignore_errors=True)
    print(os.path.basename(a.bin), " ".join(f"{k}={v:,.0f}" for k, v in res.items()))
    print(os.path.basename(a.bin), "without memset:",
          " ".join(f"{k}={v - ms[k]:,.0f}" for k, v in res.items()))
    print(os.path.basename(a.bin), "without memset and the catalog re-check:",
          " ".join(f"{k}={v - ms[k] - cat[k]:,.0f}" for k, v in res.items()))
    print(os.path.basename(a.bin), "... and without malloc_consolidate:",
          " ".join(f"{k}={v - ms[k] - cat[k] - mc[k]:,.0f}" for k, v in res.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cmd", choices=["prepare", "run"])
    ap.add_argument("data_dir")
    ap.add_argument("--bin", default=os.path.join(R.REPO, "build", "ddbchat"))
    ap.add_argument("-n", type=int, default=1000, help="requests per workload (default 1000)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help="of " + ",".join(WORKLOADS + WRITES + ["floor", "SignedGetItem"]))
    ap.add_argument("--keep", help="keep each workload's callgrind file as KEEP.<workload>")
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--conversations", type=int, default=2000)
    ap.add_argument("--messages", type=int, default=20)
    a = ap.parse_args()
    (prepare if a.cmd == "prepare" else run)(a)


if __name__ == "__main__":
    main()
