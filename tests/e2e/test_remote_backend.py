"""The remote backend end to end: ddbchat's messaging over a DynamoDB-compatible endpoint
(`ddbchat serve --endpoint URL`, the CLI's `--endpoint URL`), through src/client/ddbc.c and
src/messaging/backend_remote.c.

Pins:
  - an endpoint without TransactWriteItems (dynalite) is refused at start-up by `serve` and by
    the writing CLI commands, naming the missing operation, and nothing is written;
  - with tests/e2e/faultproxy.py between the client and a ddbchat endpoint: 500s, throttling,
    dropped connections and answers slower than DDBCHAT_REQUEST_TIMEOUT_MS are retried and the
    command succeeds; after DDBCHAT_MAX_ATTEMPTS failures the CLI exits 1 with the last
    error's DynamoDB type and message; a TransactWriteItems whose answer is lost (applied
    upstream) or late is resent with the same ClientRequestToken and stores ONE message;
  - SigV4 against `serve --credentials-file`: the right pair works, a wrong secret gets
    InvalidSignatureException, an unknown key UnrecognizedClientException; with
    AWS_SESSION_TOKEN the X-Amz-Security-Token header is signed by libcurl (SignedHeaders
    names it, and the server's verification covers it: a changed token breaks the signature).
(The messaging suites themselves run over the remote backend with --msg-backend, see
msg_fixtures.py.)  ddbchat only: the upstream is a ddbchat endpoint.
"""
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
import time
import urllib.parse

import pytest

from conftest import REPO, client_for, ddbchat_bin, free_port, start_ddbchat, stop_process, wait_port
from faultproxy import FaultProxy
from msg_fixtures import (TABLE, add_user, check_invariants, remote_env, rest,  # noqa: F401
                          scan_table, start_remote_serve, token)
from test_messaging_sse import open_stream

pytestmark = pytest.mark.requires_ddbchat


def run(endpoint, *args, env=None, timeout=120):
    """`ddbchat <args> --endpoint <endpoint>` with the dummy AWS settings (+ env)."""
    return subprocess.run([ddbchat_bin(), *args, "--endpoint", endpoint], capture_output=True,
                          text=True, env=remote_env(env), timeout=timeout)


def ok(p):
    assert p.returncode == 0, f"exit {p.returncode}: {p.stderr}"
    return p


@pytest.fixture(scope="module")
def upstream():
    """A ddbchat DynamoDB endpoint holding the messaging table (made through the remote
    backend) and two users."""
    srv = start_ddbchat()
    try:
        ok(run(srv.ddb_url, "schema-load"))
        ok(run(srv.ddb_url, "user", "add", "rb_alice", "Alice", "R"))
        ok(run(srv.ddb_url, "user", "add", "rb_bob", "Bob", "R"))
        srv.ddb = client_for(srv.ddb_url)
        yield srv
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


@pytest.fixture
def proxy(upstream):
    p = FaultProxy(upstream.ddb_url)
    yield p
    p.close()


def messages_with(ddb, text):
    return [it for it in scan_table(ddb) if it["pk"].startswith("MSG#") and it["message"] == text]


# ---- endpoints without TransactWriteItems ---------------------------------------------------

def dynalite_cli():
    path = os.path.join(REPO, "tools", "oracle", "node_modules", "dynalite", "cli.js")
    if not shutil.which("node") or not os.path.exists(path):
        pytest.skip("node or dynalite missing")
    return path


@pytest.fixture
def dynalite():
    cli_js = dynalite_cli()
    port = free_port()
    proc = subprocess.Popen(["node", cli_js, "--port", str(port), "--createTableMs", "500",
                             "--deleteTableMs", "500"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


def test_endpoint_without_transactions_is_refused(dynalite):
    """dynalite has no TransactWriteItems: serve exits non-zero at start-up naming it, the
    writing commands refuse before writing anything (no user row without its handle row)."""
    p = subprocess.run([ddbchat_bin(), "serve", "--endpoint", dynalite, "--api-port",
                        str(free_port()), "--quiet"], capture_output=True, text=True,
                       env=remote_env(), timeout=60)
    assert p.returncode != 0
    assert "does not implement TransactWriteItems" in p.stderr, p.stderr
    assert dynalite in p.stderr

    ok(run(dynalite, "schema-load"))  # plain CreateTable works there
    for args in (["user", "add", "dl_ann", "Ann"], ["send", "dl_ann", "dl_ben", "hi"],
                 ["seed"]):
        p = run(dynalite, *args)
        assert p.returncode == 1, (args, p.stdout, p.stderr)
        assert "does not implement TransactWriteItems" in p.stderr, (args, p.stderr)
    ddb = client_for(dynalite)
    assert ddb.scan(TableName=TABLE)["Count"] == 0
    # reading commands still run (and find nothing)
    p = run(dynalite, "user", "show", "dl_ann")
    assert p.returncode == 1 and "unknown_handle" in p.stderr, p.stderr


def test_schema_load_waits_until_active(dynalite):
    """dynalite keeps a new table CREATING for 0.5 s (the fixture's --createTableMs; AWS for
    longer): schema-load returns once table and GSI are ACTIVE, so the next command can use it
    at once; the same for drop and DELETING."""
    t0 = time.time()
    ok(run(dynalite, "schema-load"))
    assert time.time() - t0 >= 0.45
    t = client_for(dynalite).describe_table(TableName=TABLE)["Table"]
    assert t["TableStatus"] == "ACTIVE"
    assert all(g["IndexStatus"] == "ACTIVE" for g in t["GlobalSecondaryIndexes"])
    p = ok(run(dynalite, "scan"))
    assert "0 items" in p.stderr
    # DeleteTable leaves it DELETING for 0.5 s: drop waits until it is gone, so the table
    # can be created again at once
    t0 = time.time()
    ok(run(dynalite, "drop"))
    assert time.time() - t0 >= 0.45
    ok(run(dynalite, "schema-load"))


def test_unreachable_endpoint_fails_cleanly():
    """Nothing listens: serve and the CLI exit 1 saying they cannot reach it."""
    url = f"http://127.0.0.1:{free_port()}"
    env = {"DDBCHAT_MAX_ATTEMPTS": "2"}
    p = subprocess.run([ddbchat_bin(), "serve", "--endpoint", url, "--api-port",
                        str(free_port()), "--quiet"], capture_output=True, text=True,
                       env=remote_env(env), timeout=60)
    assert p.returncode == 1 and "cannot reach" in p.stderr, p.stderr
    p = run(url, "user", "show", "x", env=env)
    assert p.returncode == 1 and "cannot reach" in p.stderr, p.stderr


def test_check_accepts_access_denied(proxy):
    """An IAM policy without ListTables (AccessDeniedException on the start-up probe) does not
    stop the writing commands; `list-tables` itself reports the AccessDeniedException."""
    proxy.script_for["ListTables"] = ["deny"]
    h = f"rb_d{int(time.time() * 1000) % 10**9}"
    ok(run(proxy.url, "user", "add", h, "Denied", "Lister"))
    assert proxy.ops("ListTables") == ["deny"]
    proxy.script_for["ListTables"] = ["deny"]
    p = run(proxy.url, "list-tables")
    assert p.returncode == 1
    assert "storage: AccessDeniedException: injected: not authorized" in p.stderr, p.stderr


# ---- error types the client does not know ----------------------------------------------------

def test_foreign_error_type_is_reported_as_itself(proxy):
    """A 400 whose __type no DynamoDB client knows (a gateway's, a newer service's) is reported
    as that type and message, not as a ValidationException: it was read as one
    ("storage: ValidationException: ForeignQuotaException: ..."), which told the user his
    request was malformed.  Not retried (a 4xx of unknown meaning)."""
    proxy.script_for["GetItem"] = ["foreign"]
    p = run(proxy.url, "user", "show", "rb_alice")
    assert p.returncode == 1, p.stdout
    assert "storage: ForeignQuotaException: injected foreign refusal" in p.stderr, p.stderr
    assert "ValidationException" not in p.stderr, p.stderr
    assert proxy.ops("GetItem") == ["foreign"]
    proxy.script_for["GetItem"] = ["notype"]
    p = run(proxy.url, "user", "show", "rb_alice")
    assert p.returncode == 1, p.stdout
    assert "HTTP 400 without an error type: injected refusal without a type" in p.stderr, p.stderr
    assert "ValidationException" not in p.stderr, p.stderr
    # `sql` prints the type it got; an endpoint that never answered has none (it said
    # "InternalServerError: cannot reach ...")
    proxy.script_for["ExecuteStatement"] = ["foreign"]
    p = run(proxy.url, "sql", 'SELECT * FROM "cruddur-messages" WHERE pk = \'x\'')
    assert p.returncode == 1, p.stdout
    assert "ddbchat: ForeignQuotaException: injected foreign refusal" in p.stderr, p.stderr
    p = run("http://127.0.0.1:9", "sql", 'SELECT * FROM "cruddur-messages" WHERE pk = \'x\'',
            env={"DDBCHAT_MAX_ATTEMPTS": "1"})
    assert p.returncode == 1 and "cannot reach" in p.stderr, p.stderr
    assert "InternalServerError" not in p.stderr, p.stderr


@pytest.mark.parametrize("fault, named", [
    ("foreign", "ForeignQuotaException: injected foreign refusal"),
    ("notype", "HTTP 400 without an error type"),
    ("unknownop", "UnknownOperationException: injected: unknown operation TransactWriteItems"),
])
def test_check_refuses_an_answer_it_cannot_read(proxy, upstream, fault, named):
    """The start-up check sends TransactWriteItems with no actions, which DynamoDB refuses
    with a ValidationException: that, and only that, says the operation exists.  An answer of
    a type the client does not know (or of none) said "implemented" too, because it was read
    as a ValidationException; now the writing command stops, naming the operation and the
    answer as it came, and writes nothing."""
    proxy.passthrough = None  # the probes meet the script
    proxy.script_for["TransactWriteItems"] = [fault]
    h = f"rb_chk{int(time.time() * 1000) % 10**9}"
    p = run(proxy.url, "user", "add", h, "Check", "Me")
    assert p.returncode == 1, p.stdout
    assert "TransactWriteItems" in p.stderr and named in p.stderr, p.stderr
    assert "ValidationException" not in p.stderr, p.stderr
    assert not [it for it in scan_table(upstream.ddb) if it.get("handle") == h]


# ---- faults: retried and succeeding ---------------------------------------------------------

@pytest.mark.parametrize("faults", [["500"], ["throttle"], ["drop"], ["500", "throttle", "drop"]])
def test_read_retried_until_success(proxy, faults):
    """GetItem failing with 500 / throttling / a dropped connection, then answering: the
    command succeeds; the proxy saw every fault and then one good attempt."""
    proxy.script_for["GetItem"] = list(faults)
    p = ok(run(proxy.url, "user", "show", "rb_alice", "--json"))
    assert json.loads(p.stdout)["handle"] == "rb_alice"
    assert proxy.ops("GetItem")[:len(faults) + 1] == faults + ["ok"]


def test_slow_answer_beyond_timeout_is_retried(proxy):
    """An answer slower than DDBCHAT_REQUEST_TIMEOUT_MS is abandoned and the request resent."""
    proxy.script_for["GetItem"] = ["slow:6"]
    t0 = time.time()
    p = ok(run(proxy.url, "user", "show", "rb_bob", "--json",
               env={"DDBCHAT_REQUEST_TIMEOUT_MS": "500"}))
    assert json.loads(p.stdout)["handle"] == "rb_bob"
    assert time.time() - t0 < 5.5  # did not wait for the slow answer
    assert proxy.ops("GetItem")[:2] == ["slow:6", "ok"]


def test_slow_answer_within_timeout_is_awaited(proxy):
    """A slow answer inside the timeout is simply waited for (one attempt)."""
    proxy.script_for["GetItem"] = ["slow:0.5"]
    ok(run(proxy.url, "user", "show", "rb_bob", env={"DDBCHAT_REQUEST_TIMEOUT_MS": "5000"}))
    assert proxy.ops("GetItem") == ["slow:0.5", "ok"]  # user by handle = two GetItems


# ---- faults: giving up ----------------------------------------------------------------------

@pytest.mark.parametrize("fault, expect", [
    ("500", "InternalServerError: injected"),
    ("throttle", "ProvisionedThroughputExceededException: injected throttle"),
    ("drop", "cannot reach"),
])
def test_gives_up_after_max_attempts(proxy, fault, expect):
    """DDBCHAT_MAX_ATTEMPTS=3 failures in a row: exit 1 with the last error's DynamoDB type
    and message, after exactly 3 attempts."""
    proxy.script_for["GetItem"] = [fault] * 3
    p = run(proxy.url, "user", "show", "rb_alice", env={"DDBCHAT_MAX_ATTEMPTS": "3"})
    assert p.returncode == 1, p.stdout
    assert expect in p.stderr, p.stderr
    assert proxy.ops("GetItem") == [fault] * 3


# ---- the retry policy (README "Running on AWS": the AWS SDKs' standard mode for DynamoDB) ---

def gaps(proxy, op):
    """Seconds between the arrivals of op's attempts (probes left out)."""
    t = [at for o, f, at in proxy.times if o == op and f != "pass"]
    return [b - a for a, b in zip(t, t[1:])]


def test_default_policy_is_four_attempts(proxy):
    """Without DDBCHAT_MAX_ATTEMPTS a failing call is tried 4 times, the AWS SDKs' standard
    mode for DynamoDB and DynamoDB Streams (their 2026 defaults: aws-sdk-js-v3#8037,
    aws-sdk-go-v2#3416; 3 for other services).  It was 5."""
    proxy.script_for["GetItem"] = ["500"] * 8
    p = run(proxy.url, "user", "show", "rb_alice")
    assert p.returncode == 1 and "InternalServerError: injected" in p.stderr, p.stderr
    assert proxy.ops("GetItem") == ["500"] * 4


def test_transient_errors_back_off_briefly(proxy):
    """5xx answers and dropped connections are transient: full-jitter backoff from a 25 ms base
    (a delay drawn in [0, 25 ms), then [0, 50), [0, 100)), so three of them cost at most
    ~175 ms before the answer."""
    proxy.script_for["GetItem"] = ["500", "503", "drop"]
    ok(run(proxy.url, "user", "show", "rb_alice"))
    assert proxy.ops("GetItem")[:4] == ["500", "503", "drop", "ok"]
    g = gaps(proxy, "GetItem")[:3]
    for i, gap in enumerate(g):
        assert gap < 0.025 * 2 ** i + 0.15, g


def test_throttling_backs_off_from_a_second(proxy):
    """A throttling answer (ProvisionedThroughputExceededException, ThrottlingException) is
    the endpoint asking the client to slow down: the backoff's base is 1 s (delays drawn in
    [0, 1 s), [0, 2 s), [0, 4 s)), as the SDKs do since 2026; the 25 ms of a transient error
    retried a throttled table 3 times within 175 ms (never 0.2 s).  Three throttles: their sum
    is below 0.2 s with a probability of 0.2^3 / (3! * 1 * 2 * 4) = 0.017 % (the exact caps:
    tests/unit/client/test_ddbc.c test_policy_defaults)."""
    proxy.script_for["GetItem"] = ["throttle", "throttling", "throttle"]
    ok(run(proxy.url, "user", "show", "rb_alice"))
    assert proxy.ops("GetItem")[:4] == ["throttle", "throttling", "throttle", "ok"]
    g = gaps(proxy, "GetItem")[:3]
    assert sum(g) > 0.2, g
    for i, gap in enumerate(g):
        assert gap < 1.0 * 2 ** i + 0.3, g


def test_retry_quota_stops_retries_while_everything_fails(proxy, upstream):
    """The retry quota (the SDKs' standard mode): the client holds 500 tokens; a retry of a
    transient error costs 14, of a throttling error 5; a call that succeeds first time gives 1
    back, one that succeeds after retries what its last retry cost.  While the endpoint fails
    everything, retries stop once the quota is spent -- each call is then ONE attempt, so an
    outage is not multiplied by 4 -- and they come back as calls succeed again.  Over REST:
    every Query answered 500 costs a request 3 retries (42 tokens): 11 requests take 4
    attempts, the next fewer (38 tokens left: two retries), then 1 each."""
    srv = start_remote_serve(proxy.url)
    try:
        alice = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_alice", "--json")).stdout)
        tok = token(alice["uuid"])
        st, _, b = rest(srv, "GET", "/api/message_groups", tok)
        assert st == 200, b
        proxy.script_for["Query"] = ["500"] * 200
        attempts = []
        for _ in range(15):
            n = len(proxy.ops("Query"))
            st, _, b = rest(srv, "GET", "/api/message_groups", tok)
            assert st == 500 and b["error"]["code"] == "storage", (st, b)
            attempts.append(len(proxy.ops("Query")) - n)
        # (a call that succeeds at once, such as a user lookup, gives a token back meanwhile)
        assert attempts[:11] == [4] * 11, attempts
        assert attempts[-3:] == [1, 1, 1], attempts
        assert 35 <= sum(a - 1 for a in attempts) <= 37, attempts
        assert "retry quota" in b["error"]["message"], b  # says why it was not retried
        proxy.script_for["Query"] = []
        for _ in range(5):  # 10 tokens left + 5 successes: a retry (14) is affordable again
            st, _, b = rest(srv, "GET", "/api/message_groups", tok)
            assert st == 200, b
        proxy.script_for["Query"] = ["500"]
        n = len(proxy.ops("Query"))
        st, _, b = rest(srv, "GET", "/api/message_groups", tok)
        assert proxy.ops("Query")[n:] == ["500", "ok"], proxy.ops("Query")[n:]
        assert st == 200, b
    finally:
        proxy.script_for["Query"] = []
        srv.stop()
        os.unlink(srv.log)


def test_listing_counts_the_unread_total_once_a_while(proxy, upstream):
    """Over a remote backend (no partition versions) the first page's X-Unread-Total is kept
    per user for a few seconds, and dropped by this server's own send or mark-read: repeated
    first pages (page loads, reconnects) Query the page alone, not all the user's older
    conversation rows again (DynamoDB bills that Query by the rows' whole size, projection or
    not).  Before: every first page of 1 made 2 Queries (the page, the rest)."""
    for i in range(3):
        ok(run(upstream.ddb_url, "user", "add", f"rb_ut{i}", f"Ut {i}", "R"))
        ok(run(upstream.ddb_url, "send", f"rb_ut{i}", "rb_alice", f"hello {i}"))
    srv = start_remote_serve(proxy.url)
    try:
        alice = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_alice", "--json")).stdout)
        tok = token(alice["uuid"])
        queries, totals = [], []
        for _ in range(6):
            n = len(proxy.ops("Query"))
            st, h, b = rest(srv, "GET", "/api/message_groups?limit=1", tok)
            assert st == 200 and len(b) == 1, (st, b)
            totals.append(int(h["x-unread-total"]))
            queries.append(len(proxy.ops("Query")) - n)
        assert len(set(totals)) == 1 and totals[0] >= 3, totals
        assert queries[0] == 2 and queries[1:] == [1] * 5, queries
        # this server's send to alice: the next first page counts again, and sees it
        carol = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_ut0", "--json")).stdout)
        st, b = rest(srv, "POST", "/api/messages", token(carol["uuid"]),
                     {"message": "again", "handle": "rb_alice"})[0::2]
        assert st == 200, b
        n = len(proxy.ops("Query"))
        st, h, b = rest(srv, "GET", "/api/message_groups?limit=1", tok)
        assert st == 200 and len(proxy.ops("Query")) - n == 2
        assert int(h["x-unread-total"]) == totals[0] + 1, h
    finally:
        srv.stop()
        os.unlink(srv.log)


def test_unread_total_agrees_with_the_page_after_another_process_writes(proxy, upstream):
    """The kept total never stands in for the page's own rows: a first page that holds every
    conversation answers its own sum (no counting Query), and a kept count of the older rows
    is used only while the page still ends at the same row.  Before: after another process's
    send (the CLI here) X-Unread-Total 2 beside items unread [2, 1], and a page of 1 that
    brought the older conversation to the top kept the total counted before its message."""
    u = f"rb_ag{int(time.time() * 1000) % 10**8}"
    for n in ("a", "b", "c"):
        ok(run(upstream.ddb_url, "user", "add", f"{u}{n}", f"Ag {n}", "R"))
    ok(run(upstream.ddb_url, "send", f"{u}b", f"{u}a", "one"))
    ok(run(upstream.ddb_url, "send", f"{u}c", f"{u}a", "two"))
    srv = start_remote_serve(proxy.url)
    try:
        a = json.loads(ok(run(upstream.ddb_url, "user", "show", f"{u}a", "--json")).stdout)
        tok = token(a["uuid"])

        def page(limit):
            st, h, b = rest(srv, "GET", f"/api/message_groups?limit={limit}", tok)
            assert st == 200, (st, b)
            return int(h["x-unread-total"]), [c["unread"] for c in b]

        assert page(1) == (2, [1]) and page(20) == (2, [1, 1])
        ok(run(upstream.ddb_url, "send", f"{u}b", f"{u}a", "three"))  # another process
        n = len(proxy.ops("Query"))
        assert page(20) == (3, [2, 1])
        assert len(proxy.ops("Query")) - n == 1  # the page alone
        assert page(1) == (3, [2])  # counted again: the page ends at another row
        # the older conversation gets a message: it comes to the top of a page of 1
        ok(run(upstream.ddb_url, "send", f"{u}c", f"{u}a", "four"))
        assert page(1) == (4, [2])
        assert page(20) == (4, [2, 2])
    finally:
        srv.stop()
        os.unlink(srv.log)


def test_send_gives_up_cleanly_and_writes_nothing(proxy, upstream):
    """Every TransactWriteItems attempt answered 500: `send` exits 1 with the DynamoDB
    type/message and no message row exists."""
    proxy.script_for["TransactWriteItems"] = ["500"] * 3
    text = f"never stored {time.time()}"
    p = run(proxy.url, "send", "rb_alice", "rb_bob", text, env={"DDBCHAT_MAX_ATTEMPTS": "3"})
    assert p.returncode == 1
    assert "storage: InternalServerError: injected" in p.stderr, p.stderr
    assert proxy.ops("TransactWriteItems") == ["500"] * 3
    assert messages_with(upstream.ddb, text) == []


def test_throttled_send_gives_up(proxy, upstream):
    """Sustained throttling of TransactWriteItems: `send` gives up after the configured
    attempts (not the backend's attempts times the service's own conflict retries), with
    the throttling error, and stores nothing."""
    proxy.script_for["TransactWriteItems"] = ["throttle"] * 20
    text = f"throttled {time.time()}"
    p = run(proxy.url, "send", "rb_alice", "rb_bob", text, env={"DDBCHAT_MAX_ATTEMPTS": "3"})
    assert p.returncode == 1
    assert "unavailable: ProvisionedThroughputExceededException: injected throttle" in p.stderr
    assert proxy.ops("TransactWriteItems") == ["throttle"] * 3
    assert messages_with(upstream.ddb, text) == []


def test_throttled_storage_is_503(proxy, upstream):
    """The endpoint throttling the service (a table's provisioned or on-demand ceiling, the
    account's request rate) once the retries are spent: the REST API answers 503
    `unavailable` naming the throttle -- the service cannot serve now, try later -- not the
    500 `storage` of a failed service (it was).  The CLI says the same code."""
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_MAX_ATTEMPTS": "2"})
    try:
        alice = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_alice", "--json")).stdout)
        tok = token(alice["uuid"])
        for fault, typ in [("throttle", "ProvisionedThroughputExceededException"),
                           ("throttling", "ThrottlingException")]:
            proxy.script_for["TransactWriteItems"] = [fault] * 2
            st, _, b = rest(srv, "POST", "/api/messages", tok,
                            {"message": f"throttled {time.time()}", "handle": "rb_bob"})
            assert st == 503 and b["error"]["code"] == "unavailable", (st, b)
            assert b["error"]["message"].startswith(typ + ": injected"), b
    finally:
        proxy.script_for["TransactWriteItems"] = []
        srv.stop()
        os.unlink(srv.log)


def test_throttled_transaction_is_503_after_one_attempt(proxy, upstream):
    """A TransactWriteItems cancelled for throughput (CancellationReasons naming
    ThrottlingError, as DynamoDB cancels a transaction whose action is throttled) is not a
    race to retry: the mark-read and the send each answer 503 `unavailable` with Retry-After
    after ONE attempt.  Before 87c18ca9 every cancellation read as "the row moved": ~200
    transactions (and as many reads) per request, then 409."""
    srv = start_remote_serve(proxy.url)
    try:
        users = {h: json.loads(ok(run(upstream.ddb_url, "user", "show", h, "--json")).stdout)
                 for h in ("rb_alice", "rb_bob")}
        ta, tb = token(users["rb_alice"]["uuid"]), token(users["rb_bob"]["uuid"])
        st, _, m = rest(srv, "POST", "/api/messages", ta,
                        {"message": f"to be read {time.time()}", "handle": "rb_bob"})
        assert st == 200, m
        g = m["message_group_uuid"]
        for what, call in [
                ("mark-read", lambda: rest(srv, "PUT", f"/api/message_groups/{g}/read", tb,
                                           {"read_to": m["created_at"]})),
                ("send", lambda: rest(srv, "POST", "/api/messages", ta,
                                      {"message": f"throttled {time.time()}",
                                       "message_group_uuid": g}))]:
            proxy.script_for["TransactWriteItems"] = ["txthrottle"] * 300
            n = len(proxy.ops("TransactWriteItems"))
            st, headers, b = call()
            assert (st, b["error"]["code"]) == (503, "unavailable"), (what, st, b)
            assert "retry-after" in headers, (what, headers)
            assert proxy.ops("TransactWriteItems")[n:] == ["txthrottle"], what
    finally:
        proxy.script_for["TransactWriteItems"] = []
        srv.stop()
        os.unlink(srv.log)


def test_json_error_output(proxy):
    """--json: the error as {"error": {"code", "message"}} with the DynamoDB type kept."""
    proxy.script_for["GetItem"] = ["throttle"] * 2
    p = run(proxy.url, "user", "show", "rb_alice", "--json", env={"DDBCHAT_MAX_ATTEMPTS": "2"})
    assert p.returncode == 1
    err = json.loads(p.stderr.strip().splitlines()[-1])["error"]
    assert err["code"] == "unavailable"  # a throttle (test_throttled_storage_is_503)
    assert "ProvisionedThroughputExceededException" in err["message"]


# ---- idempotent transactions ----------------------------------------------------------------

@pytest.mark.parametrize("faults", [["lost"], ["lost", "lost"], ["500", "lost", "drop"]])
def test_lost_transaction_answer_stores_one_message(proxy, upstream, faults):
    """The upstream applies the TransactWriteItems but its answer never arrives; the resend
    carries the same ClientRequestToken, so exactly ONE message (and consistent conversation
    rows) results."""
    proxy.script_for["TransactWriteItems"] = list(faults)
    text = f"exactly once {'-'.join(faults)} {time.time()}"
    p = ok(run(proxy.url, "send", "rb_alice", "rb_bob", text, "--json"))
    sent = json.loads(p.stdout)
    assert proxy.ops("TransactWriteItems") == faults + ["ok"]
    rows = messages_with(upstream.ddb, text)
    assert len(rows) == 1, rows
    assert rows[0]["message_uuid"] == sent["uuid"]
    check_invariants(scan_table(upstream.ddb))


def test_late_transaction_answer_stores_one_message(proxy, upstream):
    """The first attempt times out in the proxy and reaches the upstream AFTER the resend was
    applied: replayed by its token, still one message.  What makes it so is the
    ClientRequestToken (backend_remote.c remote_call): the resend carries the first attempt's
    token and is otherwise the same request, and the upstream answers the late first attempt
    with the success it already gave (DynamoDB: a TransactWriteItems repeated with the same
    token within 10 minutes "returns successfully without making any changes").  Before, the
    test counted messages only, which one message row also is when the late attempt is
    applied a second time (the same message uuid, the same keys): removing the token did not
    fail it."""
    proxy.script_for["TransactWriteItems"] = ["slow:2"]
    text = f"late but once {time.time()}"
    ok(run(proxy.url, "send", "rb_bob", "rb_alice", text,
           env={"DDBCHAT_REQUEST_TIMEOUT_MS": "700"}))
    deadline = time.time() + 10  # until the delayed first attempt has reached the upstream
    while ("TransactWriteItems", "slow:2") not in proxy.forwarded:
        assert time.time() < deadline, proxy.log
        time.sleep(0.05)
    assert proxy.ops("TransactWriteItems")[:2] == ["slow:2", "ok"]
    sent = [(f, json.loads(b)) for op, f, b in proxy.bodies
            if op == "TransactWriteItems" and f != "pass"]
    assert [f for f, _ in sent] == ["slow:2", "ok"], [f for f, _ in sent]
    (_, first), (_, resend) = sent
    token = first.get("ClientRequestToken")
    assert isinstance(token, str) and 1 <= len(token) <= 36, first
    assert resend == first  # the same request, the same token
    late = [(st, json.loads(d)) for op, f, st, d in proxy.answers
            if op == "TransactWriteItems" and f == "slow:2"]
    assert len(late) == 1 and late[0][0] == 200, late  # replayed, neither applied nor refused
    assert len(messages_with(upstream.ddb, text)) == 1
    check_invariants(scan_table(upstream.ddb))


def test_lost_user_add_is_not_handle_taken(proxy, upstream):
    """`user add` whose transaction answer is lost succeeds (the replay), instead of
    reporting its own handle as taken."""
    proxy.script_for["TransactWriteItems"] = ["lost"]
    h = f"rb_u{int(time.time() * 1000) % 10**9}"
    p = ok(run(proxy.url, "user", "add", h, "Lost", "Answer", "--json"))
    assert json.loads(p.stdout)["handle"] == h
    users = [it for it in scan_table(upstream.ddb) if it["pk"] == f"HANDLE#{h}"]
    assert len(users) == 1


def test_scan_failures_logged_once(proxy, upstream):
    """`serve --endpoint <proxy>` with event streams open for three users and no change feed
    (the table has no stream: each user's feed polls the table with Query): while every
    Query fails (500, DDBCHAT_MAX_ATTEMPTS=1) the scan failure is logged once, not for every
    feed at every poll (5 s apart while failing; 1 s here, the test aid
    DDBCHAT_EVENTS_POLL_MAX_MS); once Queries work again the log says so.
    Before: a line per feed per poll (3 in the first second here, 3 more a poll on)."""
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_MAX_ATTEMPTS": "1",
                                             "DDBCHAT_EVENTS_POLL_MAX_MS": "1000"})
    streams = []

    def log():
        with open(srv.log) as f:
            return f.read()

    def wait_log(text, timeout=15):
        deadline = time.time() + timeout
        while text not in log():
            assert time.time() < deadline, log()[-2000:]
            time.sleep(0.1)
    try:
        stamp = int(time.time() * 1000) % 10**8
        uuids = [add_user(srv, f"rb_e{i}_{stamp}", f"Ev {i}") for i in range(3)]
        streams = [open_stream(srv, token(u)) for u in uuids]
        proxy.script_for["Query"] = ["500"] * 100000
        wait_log("events: scan failed")
        assert "a failing feed polls every 1000 ms" in log(), log()[-2000:]
        deadline = time.time() + 30  # nine failed polls of 3 feeds (a fixed 6 s before)
        while proxy.ops("Query").count("500") < 9:
            assert time.time() < deadline, proxy.ops("Query")
            time.sleep(0.1)
        time.sleep(0.3)  # the last failure's log line, were there one
        assert log().count("events: scan failed") == 1, log()[-2000:]
        proxy.script_for["Query"] = []
        wait_log("events: scans work again")
    finally:
        for st in streams:
            st.close()
        srv.stop()


def test_intermittent_scan_failures_logged_once(proxy, upstream):
    """As test_scan_failures_logged_once, but the endpoint fails one Query in two (a flapping
    endpoint): the failure is said once and the recovery once, not a "scan failed" and a
    "scans work again" for every failed Query (final18 F1: a hub-wide flag said both each
    time, 10 lines for 5 failures; before that a line per failure)."""
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_MAX_ATTEMPTS": "1",
                                             "DDBCHAT_EVENTS_POLL_MAX_MS": "1000"})
    streams = []

    def log():
        with open(srv.log) as f:
            return f.read()
    try:
        stamp = int(time.time() * 1000) % 10**8
        uuids = [add_user(srv, f"rb_f{i}_{stamp}", f"Fl {i}") for i in range(3)]
        streams = [open_stream(srv, token(u)) for u in uuids]
        time.sleep(1)
        proxy.script_for["Query"] = ["500", "ok"] * 1000
        # polls 1 s apart at most (DDBCHAT_EVENTS_POLL_MAX_MS; 5 s, and a fixed 8 s, before)
        deadline = time.time() + 30
        while proxy.ops("Query").count("500") < 6:  # the feeds did flap
            assert time.time() < deadline, proxy.ops("Query")
            time.sleep(0.1)
        time.sleep(0.3)  # the last failure's log lines, were there any
        proxy.script_for["Query"] = []
        text = log()
        assert text.count("events: scan failed") == 1, text[-3000:]
        assert text.count("events: scans work again") <= 1, text[-3000:]
    finally:
        for st in streams:
            st.close()
        srv.stop()


def test_rest_server_over_faulty_endpoint(proxy, upstream):
    """`serve --endpoint <proxy>`: REST sends survive lost/500/dropped transactions and reads
    survive throttling, each message stored once."""
    srv = start_remote_serve(proxy.url)
    try:
        alice = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_alice", "--json")).stdout)
        tok = token(alice["uuid"])
        texts = []
        for i, faults in enumerate([["lost"], ["500", "lost"], ["drop"], []]):
            proxy.script_for["TransactWriteItems"] = list(faults)
            texts.append(f"rest {i} {time.time()}")
            st, _, body = rest(srv, "POST", "/api/messages", tok,
                               {"message": texts[-1], "handle": "rb_bob"})
            assert st == 200, body
        proxy.script_for["Query"] = ["throttle", "500"]
        st, _, groups = rest(srv, "GET", "/api/message_groups", tok)
        assert st == 200 and any(g["handle"] == "rb_bob" for g in groups), groups
        for t in texts:
            assert len(messages_with(upstream.ddb, t)) == 1, t
        check_invariants(scan_table(upstream.ddb))
    finally:
        srv.stop()
        os.unlink(srv.log)


def test_stop_does_not_wait_for_the_start_up_fold(proxy, upstream):
    """`serve --endpoint` folds handle rows at start in a background thread; a stop while
    its read of the marker row hangs at the endpoint ends within seconds: the stop aborts
    the backend's calls in flight (msg_backend_abort) instead of waiting out the endpoint's
    timeouts and retries (review21 MEDIUM 6: 49.6 s)."""
    import signal
    proxy.script_for["GetItem"] = ["slow:60"]
    srv = start_remote_serve(proxy.url)
    try:
        deadline = time.time() + 10
        while "slow:60" not in proxy.ops("GetItem"):
            assert time.time() < deadline, proxy.ops("GetItem")
            time.sleep(0.05)
        time.sleep(0.5)
        t0 = time.time()
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(timeout=60) == 0
        assert time.time() - t0 < 5, time.time() - t0
        with open(srv.log) as f:
            assert "folding" not in f.read()
    finally:
        srv.stop()
        os.unlink(srv.log)


def test_unreachable_endpoint_is_503(proxy, upstream):
    """The endpoint stops answering (connections dropped: down, a network cut) once the
    backend's attempts are spent: the REST API answers 503 `unavailable` with the cause, as it
    answers no_table, so a load balancer's health check and a client's retry see a service
    that cannot serve now.  It was a 500 `storage`, an error of the service itself.  The CLI
    says the same code.  An endpoint's own 500 stays `storage`."""
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_MAX_ATTEMPTS": "1"})
    try:
        alice = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_alice", "--json")).stdout)
        tok = token(alice["uuid"])
        proxy.script_for["DescribeTable"] = ["drop"]
        st, _, b = rest(srv, "GET", "/api/health")
        assert st == 503 and b["error"]["code"] == "unavailable", (st, b)
        assert "cannot reach" in b["error"]["message"], b
        proxy.script_for["GetItem"] = ["drop"]
        st, _, b = rest(srv, "GET", "/api/me", tok)
        assert st == 503 and b["error"]["code"] == "unavailable", (st, b)
        proxy.script_for["GetItem"] = ["500"]
        st, _, b = rest(srv, "GET", "/api/me", tok)
        assert st == 500 and b["error"]["code"] == "storage", (st, b)
        st, _, b = rest(srv, "GET", "/api/health")
        assert st == 200, b
    finally:
        srv.stop()
        os.unlink(srv.log)
    proxy.script_for["GetItem"] = ["drop"]
    p = run(proxy.url, "user", "show", "rb_alice", env={"DDBCHAT_MAX_ATTEMPTS": "1"})
    assert p.returncode == 1 and "ddbchat: unavailable: cannot reach" in p.stderr, p.stderr


def test_hung_endpoint_is_a_bounded_503(proxy, upstream):
    """An endpoint that accepts and never answers: each attempt is abandoned after
    DDBCHAT_REQUEST_TIMEOUT_MS and the call fails after DDBCHAT_MAX_ATTEMPTS of them (README
    "Running on AWS": about 40 s with the defaults), and the REST request answers 503
    `unavailable` saying it timed out -- never a request that waits for good."""
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_MAX_ATTEMPTS": "2",
                                             "DDBCHAT_REQUEST_TIMEOUT_MS": "700"})
    try:
        alice = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_alice", "--json")).stdout)
        tok = token(alice["uuid"])
        st, _, b = rest(srv, "GET", "/api/me", tok)
        assert st == 200, b
        n = len(proxy.log)
        proxy.script = ["hang"] * 10
        t0 = time.time()
        st, _, b = rest(srv, "GET", "/api/message_groups", tok)
        took = time.time() - t0
        assert st == 503 and b["error"]["code"] == "unavailable", (st, b)
        # it took the request and never answered: not "cannot reach" (before: "cannot reach
        # http://...: Timeout was reached")
        assert "no answer from" in b["error"]["message"], b
        assert "timed out after 700 ms (attempt 2 of 2)" in b["error"]["message"], b
        assert 1.4 <= took < 4, took  # two attempts of 0.7 s, a short backoff
        assert [f for _, f in proxy.log[n:]] == ["hang", "hang"], proxy.log[n:]
    finally:
        proxy.script = []
        srv.stop()
        os.unlink(srv.log)


def test_rest_request_has_one_deadline(proxy, upstream):
    """A REST request makes several backend calls (the caller's user, the pair row, the
    transaction, ...), each up to 4 attempts of DDBCHAT_REQUEST_TIMEOUT_MS: without a bound
    on the whole, a hung endpoint held a GET for 4 attempts and a POST for several calls of
    them (here ~4.2 s and more; ~40 s per call by default).  One deadline per REST request
    (DDBCHAT_REST_DEADLINE_MS, default 20 s): each attempt's timeout is clipped to what is
    left, no backoff sleeps past it, and the request answers 503 `unavailable` saying so."""
    # DDBCHAT_MAX_ATTEMPTS 100: the deadline, not the attempts, must end the throttled call
    # below; with 4, full jitter's three backoffs (caps 1, 2 and 4 s) summed under 1.5 s in a
    # few runs of a hundred and the call ended on its last throttle answer (the clean clone of
    # 4f5da7a2).  The hung calls are bound by the deadline either way.
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_REQUEST_TIMEOUT_MS": "1000",
                                             "DDBCHAT_REST_DEADLINE_MS": "1500",
                                             "DDBCHAT_MAX_ATTEMPTS": "100"})
    try:
        alice = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_alice", "--json")).stdout)
        tok = token(alice["uuid"])
        st, _, b = rest(srv, "GET", "/api/me", tok)
        assert st == 200, b
        for method, path, body in [("GET", "/api/message_groups", None),
                                   ("POST", "/api/messages", {"message": "late", "handle": "rb_bob"})]:
            n = len(proxy.log)
            proxy.script = ["hang"] * 20
            t0 = time.time()
            st, _, b = rest(srv, method, path, tok, body)
            took = time.time() - t0
            proxy.script = []
            assert st == 503 and b["error"]["code"] == "unavailable", (path, st, b)
            assert "within the request's deadline of 1500 ms" in b["error"]["message"], b
            assert 1.4 <= took < 2.3, (path, took)
            assert [f for _, f in proxy.log[n:] if f != "pass"].count("hang") == 2, proxy.log[n:]
        # throttled for good: the retries stop where the next backoff would pass the deadline
        n = len(proxy.log)
        proxy.script = ["throttle"] * 20
        t0 = time.time()
        st, _, b = rest(srv, "GET", "/api/message_groups", tok)
        took = time.time() - t0
        proxy.script = []
        assert st == 503 and "deadline of 1500 ms" in b["error"]["message"], (st, b)
        assert took < 1.7, took
    finally:
        proxy.script = []
        srv.stop()
        os.unlink(srv.log)


def test_hung_endpoint_on_a_kept_alive_connection_is_no_answer(proxy, upstream):
    """The same on a connection kept alive from an earlier answered call (every call after a
    thread's first rides one): the endpoint took the request, so the error is "no answer
    from", not "cannot reach" -- libcurl reports no connect time for a reused connection,
    which the first version of the check read as "never connected" (final22 F3)."""
    n = len(proxy.log)
    proxy.script = ["ok"] + ["hang"] * 5
    try:
        p = run(proxy.url, "user", "show", "rb_alice",
                env={"DDBCHAT_MAX_ATTEMPTS": "1", "DDBCHAT_REQUEST_TIMEOUT_MS": "700"})
    finally:
        proxy.script = []
    faults = [f for _, f in proxy.log[n:] if f != "pass"]
    assert faults[:2] == ["ok", "hang"], proxy.log[n:]
    assert p.returncode == 1, p
    assert "no answer from" in p.stderr and "cannot reach" not in p.stderr, p.stderr


def test_expired_credentials_are_a_clear_error(proxy, upstream):
    """Temporary credentials (AWS_SESSION_TOKEN: a role's, an SSO session's) past their
    expiry: AWS answers every request 400 ExpiredTokenException "The security token included
    in the request is expired" (com.amazon.coral.service; guregu/dynamo#68 shows the wire).
    Not worth a retry.  `serve` refuses to start, naming it; a serving process answers 503
    `unavailable` naming it after one attempt (the service cannot serve until its operator
    renews the credentials; a 500 `storage` said the service itself failed); the CLI exits 1
    naming it.  Before, the start-up check took the unknown type for a ValidationException
    (an implemented operation) and served, and every error read "ValidationException:
    ExpiredTokenException: ..."."""
    msg = "ExpiredTokenException: The security token included in the request is expired"
    proxy.script_for["ListTables"] = ["expired"]
    p = subprocess.run([ddbchat_bin(), "serve", "--endpoint", proxy.url, "--api-port",
                        str(free_port()), "--quiet"], capture_output=True, text=True,
                       env=remote_env(), timeout=60)
    assert p.returncode == 1 and msg in p.stderr, p.stderr
    assert "ValidationException" not in p.stderr, p.stderr
    srv = start_remote_serve(proxy.url)
    try:
        alice = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_alice", "--json")).stdout)
        tok = token(alice["uuid"])
        st, _, b = rest(srv, "GET", "/api/me", tok)  # (warms the user cache up)
        assert st == 200, b
        n = len(proxy.log)
        proxy.script = ["expired"] * 50
        st, _, b = rest(srv, "GET", "/api/message_groups", tok)
        assert st == 503 and b["error"]["code"] == "unavailable", (st, b)
        assert msg in b["error"]["message"] and "Validation" not in b["error"]["message"], b
        assert [f for _, f in proxy.log[n:]].count("expired") == 1, proxy.log  # one attempt
    finally:
        proxy.script = []
        srv.stop()
        os.unlink(srv.log)
    proxy.script = ["expired"] * 50
    p = run(proxy.url, "user", "show", "rb_alice")
    proxy.script = []
    assert p.returncode == 1 and f"ddbchat: unavailable: {msg}" in p.stderr, p.stderr


# ---- SigV4 against a credential-checking endpoint -------------------------------------------

GOOD_KEY, GOOD_SECRET = "AKIDREMOTETEST", "remote/Secret+Key0123456789"


@pytest.fixture(scope="module")
def signed_upstream(tmp_path_factory):
    creds = tmp_path_factory.mktemp("creds") / "credentials"
    creds.write_text(f"{GOOD_KEY} {GOOD_SECRET}\n")
    srv = start_ddbchat("--credentials-file", str(creds))
    try:
        yield srv
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


def keys(key=GOOD_KEY, secret=GOOD_SECRET, session=None):
    env = {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    if session:
        env["AWS_SESSION_TOKEN"] = session
    return env


def test_signing_right_pair_works(signed_upstream):
    """The right key pair: table, user, message and the conversation list all work."""
    url = signed_upstream.ddb_url
    ok(run(url, "schema-load", env=keys()))
    ok(run(url, "user", "add", "sg_ann", "Ann", env=keys()))
    ok(run(url, "user", "add", "sg_ben", "Ben", env=keys()))
    ok(run(url, "send", "sg_ann", "sg_ben", "signed hello", env=keys()))
    p = ok(run(url, "list-conversations", "sg_ben", "--json", env=keys()))
    assert json.loads(p.stdout)["conversations"][0]["message"] == "signed hello"


def test_signing_with_session_token_works(signed_upstream):
    """AWS_SESSION_TOKEN set (temporary credentials): requests still verify."""
    url = signed_upstream.ddb_url
    ok(run(url, "list-tables", env=keys(session="FwoGZXIvYXdzEXAMPLE/+=token")))
    p = run(url, "user", "show", "nobody_here", env=keys(session="FwoGZXIvYXdzEXAMPLE"))
    assert p.returncode == 1 and "unknown_handle" in p.stderr, p.stderr


def test_signing_wrong_secret(signed_upstream):
    """A wrong secret: InvalidSignatureException from the CLI, and serve refuses to start."""
    url = signed_upstream.ddb_url
    p = run(url, "user", "show", "sg_ann", env=keys(secret="wrong"))
    assert p.returncode == 1
    assert "InvalidSignatureException" in p.stderr, p.stderr
    assert "signature we calculated does not match" in p.stderr, p.stderr
    p = subprocess.run([ddbchat_bin(), "serve", "--endpoint", url, "--api-port",
                        str(free_port()), "--quiet"], capture_output=True, text=True,
                       env=remote_env(keys(secret="wrong")), timeout=60)
    assert p.returncode == 1 and "InvalidSignatureException" in p.stderr, p.stderr


def test_signing_unknown_key(signed_upstream):
    p = run(signed_upstream.ddb_url, "list-tables", env=keys(key="AKIDUNKNOWN"))
    assert p.returncode == 1 and "UnrecognizedClientException" in p.stderr, p.stderr


class _Capture:
    """A one-shot endpoint that records each request and answers ListTables."""

    def __init__(self):
        self.requests = []
        cap = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                cap.requests.append((dict(self.headers.items()), body))
                data = b'{"TableNames":[]}'
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.server = S(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _replay(url, headers, body):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=headers)  # Host as captured
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        conn.close()


def test_session_token_header_is_signed(signed_upstream):
    """libcurl's SigV4 puts X-Amz-Security-Token into SignedHeaders; replaying the captured
    request to the credential-checking server verifies, and the same request with another
    token does not (so the server's check covers the token header)."""
    cap = _Capture()
    try:
        ok(run(cap.url, "list-tables", env=keys(session="SessionTokenABC123")))
    finally:
        cap.close()
    headers, body = cap.requests[0]
    h = {k.lower(): v for k, v in headers.items()}
    assert h["x-amz-security-token"] == "SessionTokenABC123"
    signed = re.search(r"SignedHeaders=([^,\s]+)", h["authorization"]).group(1).split(";")
    assert "x-amz-security-token" in signed, signed
    assert "x-amz-target" in signed and "host" in signed, signed
    assert all(k in h for k in signed if k != "host"), (signed, h)  # no phantom "expect"
    # no compression asked for: DynamoDB's x-amz-crc32 covers the compressed bytes
    assert "gzip" not in h.get("accept-encoding", ""), h
    fwd = {k: v for k, v in headers.items()
           if k.lower() not in ("content-length", "connection", "accept-encoding")}
    st, doc = _replay(signed_upstream.ddb_url, fwd, body)
    assert st == 200, doc
    fwd = {k: (v if k.lower() != "x-amz-security-token" else "SessionTokenXYZ999")
           for k, v in fwd.items()}
    st, doc = _replay(signed_upstream.ddb_url, fwd, body)
    assert st == 400 and doc["__type"].endswith("#InvalidSignatureException"), doc


# A stop while a call of the remote backend hangs at the endpoint (the event hub's feed Query
# of an open event stream, or a REST read in flight) ends within seconds: the calls in flight
# get a grace (serve.c SERVE_STOP_GRACE_MS, 2 s) and are then aborted.  Before, the stop
# waited for the endpoint's timeouts and retries: ~50 s (final21 F1), past the 10 s a docker
# or systemd stop allows before SIGKILL.
def _stop_takes(srv, proxy):
    deadline = time.time() + 15
    while not any(o.startswith("slow:") for o in proxy.ops("Query")):
        assert time.time() < deadline, "the Query never reached the endpoint"
        time.sleep(0.05)
    time.sleep(0.5)
    t0 = time.time()
    srv.proc.send_signal(signal.SIGTERM)
    srv.proc.wait(timeout=120)
    return time.time() - t0


def test_stop_while_the_event_hubs_query_hangs(proxy, upstream):
    srv = start_remote_serve(proxy.url)
    st = None
    try:
        u = add_user(srv, f"stoph_{int(time.time() * 1000) % 10**8}", "Stop H")
        st = open_stream(srv, token(u))
        time.sleep(1)
        proxy.script_for["Query"] = ["slow:60"] * 100
        assert _stop_takes(srv, proxy) < 5
    finally:
        if st:
            st.close()
        srv.stop()


def test_stop_while_a_rest_read_hangs(proxy, upstream):
    srv = start_remote_serve(proxy.url)
    try:
        u = add_user(srv, f"stopr_{int(time.time() * 1000) % 10**8}", "Stop R")
        tok = token(u)
        proxy.script_for["Query"] = ["slow:60"] * 100
        threading.Thread(target=lambda: rest(srv, "GET", "/api/message_groups", tok),
                         daemon=True).start()
        assert _stop_takes(srv, proxy) < 5
    finally:
        srv.stop()


# The same stop when the endpoint accepts and never answers (faultproxy "hang") the call in
# flight: the change feed's GetRecords of a messaging table with a stream, or a trigger's read
# of its table's stream (`--trigger` over --endpoint: the triggers have a backend of their
# own).  The stated bound (serve.c SERVE_STOP_GRACE_MS; README "Running on AWS"): 2 s of
# grace, then the calls are aborted and end within a second.  Before, a trigger's hung read
# held the stop for the endpoint's timeouts and retries (5 x 10 s: its backend was never
# aborted), and the feed's for the grace plus the hub's join.
STOP_BOUND_S = 3.0


def _stop_seconds(srv):
    t0 = time.time()
    srv.proc.send_signal(signal.SIGTERM)
    srv.proc.wait(timeout=120)
    return time.time() - t0


def _wait_op(proxy, op, fault, timeout=20):
    deadline = time.time() + timeout
    while fault not in proxy.ops(op):
        assert time.time() < deadline, f"no {op} reached the endpoint: {proxy.log[-20:]}"
        time.sleep(0.05)


@pytest.fixture
def streamed_upstream():
    """A ddbchat endpoint of its own whose messaging table has a stream (the module's
    upstream has none: enabling one there would change the other tests' change feed)."""
    srv = start_ddbchat()
    try:
        ok(run(srv.ddb_url, "schema-load"))
        ddb = client_for(srv.ddb_url)
        ddb.update_table(TableName=TABLE, StreamSpecification={"StreamEnabled": True,
                                                               "StreamViewType": "KEYS_ONLY"})
        srv.ddb = ddb
        yield srv
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


def test_stop_while_the_change_feeds_getrecords_hangs(streamed_upstream):
    p = FaultProxy(streamed_upstream.ddb_url)
    srv = None
    try:
        srv = start_remote_serve(p.url)
        _wait_op(p, "GetRecords", "ok")  # the feed follows the stream
        p.script_for["GetRecords"] = ["hang"] * 100
        _wait_op(p, "GetRecords", "hang")
        time.sleep(0.3)
        took = _stop_seconds(srv)
        assert took < STOP_BOUND_S + 0.5, took
    finally:
        if srv:
            srv.stop()
        p.close()


def test_stop_while_a_triggers_read_hangs(streamed_upstream, tmp_path):
    p = FaultProxy(streamed_upstream.ddb_url)
    srv = None
    try:
        p.script_for["GetRecords"] = ["hang"] * 100
        srv = start_remote_serve(p.url, "--data-dir", str(tmp_path / "d"),
                                 "--trigger", f"{TABLE}=cat >/dev/null")
        # the trigger's read and the feed's both hang
        deadline = time.time() + 20
        while p.ops("GetRecords").count("hang") < 2:
            assert time.time() < deadline, p.log[-20:]
            time.sleep(0.05)
        time.sleep(0.3)
        took = _stop_seconds(srv)
        assert took < STOP_BOUND_S + 0.5, took
    finally:
        if srv:
            srv.stop()
        p.close()


@pytest.mark.parametrize("fault, attempts, want", [
    ("throttle", "4", 3),
    ("throttle;x-amz-retry-after=5900", "8", 1),
], ids=["4", "hinted"])
def test_stop_while_the_change_feed_is_throttled(streamed_upstream, fault, attempts, want):
    """A stop while the change feed's GetRecords is throttled, the client sleeping in a
    throttling backoff (1 s doubling: up to 4 s before the 4th attempt, 20 s later): the
    sleep ends at the abort, so the stop keeps its bound.  It waited the sleep out: 12.6 s
    with DDBCHAT_MAX_ATTEMPTS=8 (review23 MEDIUM 1).  [hinted] makes the sleep long at the
    first retry: a throttle hinting 5.9 s (x-amz-retry-after) is waited 5-5.9 s (the hint,
    at most 5 s past the backoff; test_retry_after_hint_is_honoured), the same abortable
    sleep, so a stop that waited it out fails every time.  It replaced [8], which waited
    for 7 throttles (~25 s of full-jitter backoffs) for a last sleep long enough 82 % of
    the time."""
    p = FaultProxy(streamed_upstream.ddb_url)
    srv = None
    try:
        p.script_for["GetRecords"] = [fault] * 1000
        srv = start_remote_serve(p.url, env={"DDBCHAT_MAX_ATTEMPTS": attempts})
        deadline = time.time() + 60
        while p.ops("GetRecords").count(fault) < want:
            assert time.time() < deadline, p.log[-20:]
            time.sleep(0.01)
        took = _stop_seconds(srv)
        assert took < STOP_BOUND_S + 0.5, took
        if attempts == "8":  # the stop came while it slept the hint: no retry was made
            assert p.ops("GetRecords").count(fault) == want, p.log[-20:]
    finally:
        if srv:
            srv.stop()
        p.close()


def test_retry_after_hint_is_honoured(proxy):
    """x-amz-retry-after (milliseconds), the hint AWS's 2026 SDKs honour (retries 2.1:
    aws-sdk-go-v2#3400, aws-sdk-java-v2#6914): a retried error waits the hinted time instead
    of its own backoff, but never less than that backoff and at most 5 s more
    (tests/unit/client/test_ddbc.c test_retry_after_hint has the bounds); a value that is no
    whole number of milliseconds is ignored.  Before, the hint was not read: the three retries
    of a 500 came within 25, 50 and 100 ms."""
    proxy.script_for["GetItem"] = ["500;x-amz-retry-after=700", "500;x-amz-retry-after=700",
                                   "500;x-amz-retry-after=1.5s"]
    ok(run(proxy.url, "user", "show", "rb_alice"))
    assert [f.split(";")[0] for f in proxy.ops("GetItem")[:4]] == ["500", "500", "500", "ok"]
    g = gaps(proxy, "GetItem")[:3]
    assert g[0] >= 0.69 and g[1] >= 0.69, g
    assert g[0] < 0.69 + 1.0 and g[1] < 0.69 + 1.0, g  # the hint, not 5 s more
    assert g[2] < 0.5, g  # ignored: the transient backoff (under 100 ms)


def test_error_type_from_the_header(proxy):
    """An error body without __type: the type is the x-amzn-ErrorType header's (its part
    before ':' and after '#', as the SDKs read it), so a throttle named there is retried as a
    throttle and a missing table is no_table; it was "HTTP 400 without an error type" (final).
    A body's __type still wins over the header."""
    proxy.script_for["GetItem"] = [
        "notype;x-amzn-ErrorType=ProvisionedThroughputExceededException:"
        "http://internal.amazon.com/coral/com.amazonaws.dynamodb.v20120810/"]
    ok(run(proxy.url, "user", "show", "rb_alice"))  # retried: the throttle, then "ok"
    assert [f.split(";")[0] for f in proxy.ops("GetItem")[:2]] == ["notype", "ok"]
    proxy.script_for["GetItem"] = [
        "notype;x-amzn-ErrorType=com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"]
    p = run(proxy.url, "user", "show", "rb_alice")
    assert p.returncode == 1 and "no_table" in p.stderr, p.stderr
    assert "without an error type" not in p.stderr, p.stderr
    proxy.script_for["GetItem"] = ["foreign;x-amzn-ErrorType=ResourceNotFoundException"]
    p = run(proxy.url, "user", "show", "rb_alice")
    assert p.returncode == 1 and "ForeignQuotaException: injected" in p.stderr, p.stderr


def test_intermediary_answer_is_a_quick_503(proxy, upstream):
    """An HTTP intermediary's own answer (a load balancer's HTML page, no DynamoDB JSON) is
    the endpoint unavailable (503) or throttling (429): the REST API answers 503
    `unavailable`, not a 500 `storage`.  A Retry-After longer than a retry may wait (a
    maintenance page's day) ends the call at once, and the REST answer passes it on capped to
    300 s.  Before: a day's Retry-After slept ~5 s before each attempt, then 500 in ~16 s
    with no Retry-After (review25)."""
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_MAX_ATTEMPTS": "2"})
    try:
        alice = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_alice", "--json")).stdout)
        tok = token(alice["uuid"])
        for fault, want in [("html503;Retry-After=86400", "300"), ("html503;Retry-After=2", "2"),
                            ("html503", None), ("html429", "1")]:
            proxy.script_for["Query"] = [fault] * 10
            t0 = time.monotonic()
            st, h, b = rest(srv, "GET", "/api/message_groups", tok)
            took = time.monotonic() - t0
            assert st == 503 and b["error"]["code"] == "unavailable", (fault, st, b)
            assert h.get("retry-after") == want, (fault, h)
            if fault.endswith("86400"):
                assert took < 2, (fault, took)
                assert proxy.ops("Query").count(fault) == 1
    finally:
        proxy.script_for["Query"] = []
        srv.stop()
        os.unlink(srv.log)


def test_unavailable_says_when_to_retry(proxy, upstream):
    """A 503 `unavailable` carries Retry-After when the service can say how long: a throttled
    table, the endpoint's x-amz-retry-after hint rounded up to whole seconds, else 1 (the SDKs'
    throttling backoff base); an endpoint that is unavailable, its hint when it gave one, else
    no Retry-After (nobody can tell how long an outage lasts); refused credentials none (no
    retry helps until the operator renews them).  Before, none of them carried one."""
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_MAX_ATTEMPTS": "1"})
    try:
        alice = json.loads(ok(run(upstream.ddb_url, "user", "show", "rb_alice", "--json")).stdout)
        tok = token(alice["uuid"])
        for fault, want in [("throttle", "1"), ("throttling;x-amz-retry-after=2100", "3"),
                            ("503", None), ("503;x-amz-retry-after=4000", "4"),
                            ("expired", None)]:
            proxy.script_for["Query"] = [fault]
            st, h, b = rest(srv, "GET", "/api/message_groups", tok)
            assert st == 503 and b["error"]["code"] == "unavailable", (fault, st, b)
            assert h.get("retry-after") == want, (fault, h)
    finally:
        proxy.script_for["Query"] = []
        srv.stop()
        os.unlink(srv.log)


# ---- a hostile endpoint: answers no DynamoDB would give ---------------------------------------

class _Hostile:
    """A loopback endpoint whose every POST is answered by answer(op, request) -> (status,
    body bytes); counts the requests per operation."""

    def __init__(self, answer):
        self.counts = {}
        me = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                op = self.headers.get("X-Amz-Target", "").split(".")[-1]
                me.counts[op] = me.counts.get(op, 0) + 1
                status, data = answer(op, req)
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


_MSG_TABLE = {"Table": {"TableName": TABLE, "TableStatus": "ACTIVE", "ItemCount": 0,
                        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                      {"AttributeName": "sk", "KeyType": "RANGE"}],
                        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                                 {"AttributeName": "sk", "AttributeType": "S"}]}}


@pytest.mark.parametrize("lek", ["echo", 5, "x"])
@pytest.mark.parametrize("cmd", [["scan", TABLE], ["user", "show", "rb_nobody"],
                                 ["export", TABLE, "{tmp}"], ["list-tables"]],
                         ids=["scan", "user-show", "export", "list-tables"])
def test_paging_that_would_never_end_fails(cmd, lek, tmp_path):
    """An endpoint whose every Scan page names a LastEvaluatedKey equal to the
    ExclusiveStartKey it was sent ("echo": the same key again and again), or one that is no key
    at all (a number, a string), would be asked for the same page forever: every paging
    loop (the scan command, the handle fold of `user show`, an export) asked for it again;
    so did list-tables for a LastEvaluatedTableName that came back as sent (its list grew
    without bound).
    Now the call fails at once with ERR_INTERNAL naming LastEvaluatedKey, as botocore's
    paginator stops on a repeated token.  Before: each command ran until killed (the
    hostile endpoint saw thousands of Scans within 30 s)."""
    key = {"pk": {"S": "k"}, "sk": {"S": "k"}}

    def answer(op, req):
        if op == "DescribeTable":
            return 200, json.dumps(_MSG_TABLE).encode()
        if op == "Scan":
            nxt = (req.get("ExclusiveStartKey") or key) if lek == "echo" else lek
            return 200, json.dumps({"Items": [], "Count": 0, "ScannedCount": 0,
                                    "LastEvaluatedKey": nxt}).encode()
        if op == "ListTables":
            nxt = (req.get("ExclusiveStartTableName") or "t") if lek == "echo" else lek
            return 200, json.dumps({"TableNames": ["t"], "LastEvaluatedTableName": nxt}).encode()
        return 200, b"{}"
    h = _Hostile(answer)
    try:
        t0 = time.monotonic()
        p = run(h.url, *[a.format(tmp=tmp_path / "exp") for a in cmd], timeout=30)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert "LastEvaluated" in p.stderr, p.stderr
        assert time.monotonic() - t0 < 20
        assert h.counts.get("Scan", 0) + h.counts.get("ListTables", 0) <= 2, h.counts
    finally:
        h.close()


# ---- import --create: the table whole or gone ------------------------------------------------

def _import_tags(ddb, table):
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    return {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}


def _count(ddb, table):
    return sum(p["Count"] for p in ddb.get_paginator("scan").paginate(TableName=table))


def _mark_host():
    return "".join(c if c.isascii() and (c.isalnum() or c in ".-") else "_"
                   for c in socket.gethostname())[:64]


def _items_file(tmp_path, n=300):
    src = tmp_path / "items.json"
    src.write_text("".join(json.dumps({"Item": {"id": {"S": f"i{i:04d}"}, "n": {"N": str(i)}}}) + "\n"
                           for i in range(n)))
    return src


def test_import_cut_short_is_redone_whole(proxy, upstream, tmp_path):
    """DynamoDB's ImportTable makes a table that is there complete or not at all.  A kill -9
    of `import --create` left a partial table that looked finished, and a rerun failed
    ("table already exists").  Now the table carries the tag ddbchat:import=unfinished until
    its last item is in: killed mid-import (the 4th BatchWriteItem hangs at the endpoint),
    the 75 items written are in a table so tagged; the rerun of the same import drops it and
    imports the 300 items again, untagged; an import that fails (its 2nd BatchWriteItem is
    ResourceNotFoundException) drops the table it made; an endpoint that refuses the tag
    (AccessDenied: no TagResource in the policy) gets the table without it; a
    table that exists without the tag is refused as before.  Before: no tag, and the rerun
    exited 1 with ResourceInUseException."""
    table = f"imp_cut_{int(time.time() * 1000) % 10**9}"
    src = tmp_path / "items.json"
    src.write_text("".join(json.dumps({"Item": {"id": {"S": f"i{i:04d}"}, "n": {"N": str(i)}}}) + "\n"
                           for i in range(300)))
    proxy.script_for["BatchWriteItem"] = ["ok"] * 3 + ["hang"]
    proc = subprocess.Popen([ddbchat_bin(), "import", str(src), table, "--create", "--key", "id:S",
                             "--endpoint", proxy.url], env=remote_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while proxy.ops("BatchWriteItem").count("hang") == 0:
            assert time.monotonic() < deadline and proc.poll() is None, proc.poll()
            time.sleep(0.05)
        proc.kill()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    ddb = upstream.ddb
    assert _count(ddb, table) == 75
    # the mark names the import's process: this host, machine id and pid namespace, its pid
    # (gone now: the rerun drops it)
    mark = _import_tags(ddb, table).get("ddbchat:import", "")
    ns = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    assert mark.startswith(f"unfinished:{_mark_host()}:{_machine_id()}:{ns}:"), mark
    assert f":{proc.pid}:" in mark and len(mark) <= 256, mark
    # the rerun: the partial table is dropped and the import made whole
    p = ok(run(upstream.ddb_url, "import", str(src), table, "--create", "--key", "id:S", "--json"))
    out = json.loads(p.stdout)
    assert out["items"] == 300 and out["created"] and out["redone"], out
    assert _count(ddb, table) == 300
    assert "ddbchat:import" not in _import_tags(ddb, table)
    # a finished table is not touched by another import --create
    p = run(upstream.ddb_url, "import", str(src), table, "--create", "--key", "id:S")
    assert p.returncode == 1 and "ResourceInUseException" in p.stderr, p.stderr
    assert _count(ddb, table) == 300
    # an import that fails after the table was made drops it
    failed = table + "_f"
    proxy.script_for["BatchWriteItem"] = ["ok", "notype;x-amzn-ErrorType=com.amazonaws."
                                          "dynamodb.v20120810#ResourceNotFoundException"]
    p = run(proxy.url, "import", str(src), failed, "--create", "--key", "id:S")
    assert p.returncode == 1 and "ResourceNotFoundException" in p.stderr, p.stderr
    assert failed not in ddb.list_tables()["TableNames"]
    # a policy without dynamodb:TagResource refuses a CreateTable with tags (AccessDenied):
    # the table is made without the mark, and imported
    denied = table + "_d"
    proxy.script_for["CreateTable"] = ["deny"]
    ok(run(proxy.url, "import", str(src), denied, "--create", "--key", "id:S"))
    assert proxy.ops("CreateTable")[-2:] == ["deny", "ok"]
    assert _count(ddb, denied) == 300
    # ... but the caller's own tags (--table-creation-parameters) stay: such a denial is as
    # likely a tag policy that allows the caller's keys and not ddbchat's (review27 L5: the
    # retry dropped every tag and the import said it succeeded); denied again with them, the
    # import fails rather than make the table without what was asked
    tagged = table + "_t"
    params = {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
              "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
              "Tags": [{"Key": "team", "Value": "payments"}]}
    proxy.script_for["CreateTable"] = ["deny"]
    ok(run(proxy.url, "import", str(src), tagged, "--create",
           "--table-creation-parameters", json.dumps(params)))
    arn = ddb.describe_table(TableName=tagged)["Table"]["TableArn"]
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "payments"}]
    assert _count(ddb, tagged) == 300
    refused = table + "_r"
    proxy.script_for["CreateTable"] = ["deny", "deny"]
    p = run(proxy.url, "import", str(src), refused, "--create",
            "--table-creation-parameters", json.dumps(params))
    assert p.returncode == 1 and "AccessDenied" in p.stderr, p.stderr
    assert refused not in ddb.list_tables()["TableNames"]
    for t in (table, denied, tagged):
        ddb.delete_table(TableName=t)


def test_list_tables_with_a_name_that_is_no_string():
    """A ListTables answer whose TableNames holds a number: list-tables printed it with
    printf("%s", NULL) (undefined behaviour; UBSan's "null pointer passed as argument 1",
    glibc's "(null)").  Now such a name prints as "?" and the others as they are."""
    h = _Hostile(lambda op, req: (200, json.dumps({"TableNames": [1, "t"]}).encode()))
    try:
        p = ok(run(h.url, "list-tables"))
        assert p.stdout.splitlines() == ["?", "t"], p.stdout
    finally:
        h.close()


def test_import_untag_refused_keeps_the_table(proxy, upstream, tmp_path):
    """Every item is in, but the final UntagResource fails (a policy with dynamodb:TagResource,
    which CreateTable with tags needs, but not dynamodb:UntagResource; a throttle past the
    retries): the import is done, so the table stays.  Untag refused: the mark is rewritten
    ddbchat:import=done (TagResource), exit 0 with a warning.  Tag refused too: the table keeps
    the unfinished mark, exit 3 and a warning naming the untag-resource command.  Before: exit
    1 and the complete table was dropped (DeleteTable), on every rerun alike."""
    ddb = upstream.ddb
    src = _items_file(tmp_path)
    table = f"imp_untag_{int(time.time() * 1000) % 10**9}"
    proxy.script_for["UntagResource"] = ["deny"]
    p = run(proxy.url, "import", str(src), table, "--create", "--key", "id:S")
    assert p.returncode == 0, p.stderr
    assert "DeleteTable" not in [op for op, _ in proxy.log]
    assert _count(ddb, table) == 300
    assert _import_tags(ddb, table).get("ddbchat:import") == "done"
    assert "warning" in p.stderr and "done" in p.stderr, p.stderr
    # a finished table (marked done) is not taken for an import cut short
    p = run(upstream.ddb_url, "import", str(src), table, "--create", "--key", "id:S")
    assert p.returncode == 1 and "ResourceInUseException" in p.stderr, p.stderr
    assert _count(ddb, table) == 300
    left = table + "_l"
    proxy.script_for["UntagResource"] = ["deny"]
    proxy.script_for["TagResource"] = ["deny"]
    p = run(proxy.url, "import", str(src), left, "--create", "--key", "id:S", "--json")
    assert p.returncode == 3, (p.returncode, p.stderr)
    out = json.loads(p.stdout)
    assert out["items"] == 300 and out["mark_left"], out
    arn = ddb.describe_table(TableName=left)["Table"]["TableArn"]
    assert f"aws dynamodb untag-resource --resource-arn {arn} --tag-keys ddbchat:import" in p.stderr
    assert _count(ddb, left) == 300
    assert _import_tags(ddb, left)["ddbchat:import"].startswith("unfinished:")
    assert "DeleteTable" not in [op for op, _ in proxy.log]
    for t in (table, left):
        ddb.delete_table(TableName=t)


def test_import_rerun_waits_for_a_live_import(proxy, upstream, tmp_path):
    """A second `import --create` of a table whose import is still loading it (its process
    alive on this host) is refused with ResourceInUseException naming --redo; the first goes
    on.  With --redo the second drops the table and imports; when the first then fails, its
    failure path leaves the second's table alone (it drops only the table it created: same
    CreationDateTime).  Before: the second dropped the live table on its own, the first failed
    with ResourceNotFoundException, and its failure path dropped the second's table."""
    ddb = upstream.ddb
    src = _items_file(tmp_path)
    table = f"imp_live_{int(time.time() * 1000) % 10**9}"
    proxy.script_for["BatchWriteItem"] = ["ok", "slow:10", "notype;x-amzn-ErrorType=com.amazonaws."
                                          "dynamodb.v20120810#ResourceNotFoundException"]
    first = subprocess.Popen([ddbchat_bin(), "import", str(src), table, "--create", "--key", "id:S",
                              "--endpoint", proxy.url],
                             env=remote_env({"DDBCHAT_REQUEST_TIMEOUT_MS": "60000"}),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while proxy.ops("BatchWriteItem").count("slow:10") == 0:
            assert time.monotonic() < deadline and first.poll() is None, first.poll()
            time.sleep(0.05)
        p = run(upstream.ddb_url, "import", str(src), table, "--create", "--key", "id:S")
        assert p.returncode == 1 and "ResourceInUseException" in p.stderr, p.stderr
        assert "--redo" in p.stderr and f"pid {first.pid}" in p.stderr, p.stderr
        assert _count(ddb, table) == 25  # not dropped under the first
        assert first.poll() is None
        p = ok(run(upstream.ddb_url, "import", str(src), table, "--create", "--key", "id:S",
                   "--redo", "--json"))
        assert json.loads(p.stdout)["redone"]
        assert first.poll() is None, "the slow write outlived the --redo import"
        _, err = first.communicate(timeout=60)
        assert first.returncode == 1 and "ResourceNotFoundException" in err, err
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    # the first import's failure path did not drop the --redo import's table
    assert _count(ddb, table) == 300
    assert "ddbchat:import" not in _import_tags(ddb, table)
    ddb.delete_table(TableName=table)


def _proc_start(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[19]  # field 22


def _machine_id():
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            pass
    return ""


M = "unfinished:{host}:{mid}:{ns}"  # this machine, this pid namespace


@pytest.mark.parametrize("mark, redone, says", [
    # the marking process is this test's own (alive, same machine, same boot): refused
    (M + ":{boot}:{pid}:{start}", False, "it is still running (pid {pid})"),
    # the same pid, but another process by its start time (the pid was reused): dead
    (M + ":{boot}:{pid}:1", True, None),
    # a pid that is free: dead
    (M + ":{boot}:{free}:{start}", True, None),
    # the same machine id, another boot: this machine rebooted, dead
    (M + ":00000000-0000-0000-0000-000000000000:{pid}:{start}", True, None),
    # another pid namespace (a container sharing the hostname and the kernel, `unshare -p`):
    # its pids are not ours to look up, refused even with a pid free here
    ("unfinished:{host}:{mid}:1:{boot}:{free}:1", False, "in another pid namespace (pid {free})"),
    # another machine with the same hostname (its own boot id): refused
    ("unfinished:{host}:0123456789abcdef0123456789abcdef:{ns}:"
     "00000000-0000-0000-0000-000000000000:{free}:1", False,
     "on another machine named {host} (pid {free})"),
    # a machine id that could not be read: cannot tell, refused
    ("unfinished:{host}::{ns}:{boot}:{free}:1", False, "on another machine named {host}"),
    # another host: cannot tell, refused
    ("unfinished:elsewhere.example:{mid}:{ns}:{boot}:{pid}:{start}", False,
     "running on host elsewhere.example"),
    # 8dd9cd50's mark (no machine id, no pid namespace), even with a free pid: refused
    ("unfinished:{host}:{boot}:{free}:1", False, "it may still be running on host {host}"),
    # efaa7635's bare mark names no process: refused
    ("unfinished", False, "its mark names no process"),
])
def test_import_rerun_reads_the_mark(upstream, tmp_path, mark, redone, says):
    """Which marked table a rerun of `import --create` drops on its own: only one whose
    marking process is known dead (this host name, machine id and pid namespace; gone, a
    reused pid, or an earlier boot).  Before (8dd9cd50) the mark named no machine id and no
    pid namespace: another machine of the same name was taken for an earlier boot, another
    pid namespace's pid was looked up in ours, and both dropped a live import's table.
    Otherwise ResourceInUseException names the reason and --redo, and --redo drops it."""
    ddb = upstream.ddb
    src = _items_file(tmp_path, 30)
    free = subprocess.Popen(["true"])
    free.wait()
    with open("/proc/sys/kernel/random/boot_id") as f:
        boot = f.read().strip()
    ns = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    fill = dict(host=_mark_host(), mid=_machine_id(), ns=ns, boot=boot, pid=os.getpid(),
                start=_proc_start(os.getpid()), free=free.pid)
    table = f"imp_mark_{int(time.time() * 1000) % 10**9}"
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     Tags=[{"Key": "ddbchat:import", "Value": mark.format(**fill)}])
    ddb.put_item(TableName=table, Item={"id": {"S": "left-behind"}})
    p = run(upstream.ddb_url, "import", str(src), table, "--create", "--key", "id:S", "--json")
    if redone:
        assert p.returncode == 0 and json.loads(p.stdout)["redone"], p.stderr
    else:
        assert p.returncode == 1 and "ResourceInUseException" in p.stderr, p.stderr
        assert says.format(**fill) in p.stderr and "--redo" in p.stderr, p.stderr
        assert _count(ddb, table) == 1
        assert run(upstream.ddb_url, "import", str(src), table, "--redo").returncode == 2
        p = ok(run(upstream.ddb_url, "import", str(src), table, "--create", "--key", "id:S",
                   "--redo", "--json"))
        assert json.loads(p.stdout)["redone"]
    assert _count(ddb, table) == 30  # "left-behind" went with the dropped table
    assert "ddbchat:import" not in _import_tags(ddb, table)
    ddb.delete_table(TableName=table)


def test_import_rerun_spares_a_table_made_again_since_it_read_the_mark(proxy, upstream, tmp_path):
    """A rerun of `import --create` drops a table whose import is known dead only while the
    table of that name is still the one whose mark it read (same CreationDateTime), as an
    import's failure path drops only the table it made.  Here the table is dropped and made
    again by someone else (another import, without the mark) between the rerun's reading of
    the mark (ListTagsOfResource) and its next request: the rerun refuses with
    ResourceInUseException and the new table keeps its item.  Before: the rerun dropped the
    new table unchecked (DeleteTable by name), made its own and imported into it."""
    ddb = upstream.ddb
    src = _items_file(tmp_path, 30)
    free = subprocess.Popen(["true"])
    free.wait()
    with open("/proc/sys/kernel/random/boot_id") as f:
        boot = f.read().strip()
    ns = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    dead = f"unfinished:{_mark_host()}:{_machine_id()}:{ns}:{boot}:{free.pid}:1"
    table = f"imp_again_{int(time.time() * 1000) % 10**9}"
    schema = dict(TableName=table, BillingMode="PAY_PER_REQUEST",
                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                  KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    ddb.create_table(Tags=[{"Key": "ddbchat:import", "Value": dead}], **schema)
    ddb.put_item(TableName=table, Item={"id": {"S": "left-behind"}})
    first = ddb.describe_table(TableName=table)["Table"]["CreationDateTime"]
    seen = []

    def made_again_after_the_mark_is_read(op, body):
        if seen == ["ListTagsOfResource"]:  # the rerun's next request, before it is sent on
            seen.append(op)
            ddb.delete_table(TableName=table)
            while table in ddb.list_tables()["TableNames"]:
                time.sleep(0.02)
            time.sleep(0.01)  # another CreationDateTime
            ddb.create_table(**schema)
            ddb.put_item(TableName=table, Item={"id": {"S": "theirs"}})
        elif op == "ListTagsOfResource" and not seen:
            seen.append(op)
        return False  # the request then goes on as scripted ("ok")

    proxy.passthrough = made_again_after_the_mark_is_read
    p = run(proxy.url, "import", str(src), table, "--create", "--key", "id:S")
    assert len(seen) == 2, seen
    assert ddb.describe_table(TableName=table)["Table"]["CreationDateTime"] != first
    assert p.returncode == 1 and "ResourceInUseException" in p.stderr, (p.returncode, p.stderr)
    assert [op for op, _ in proxy.log].count("DeleteTable") == 0, proxy.log
    assert _count(ddb, table) == 1
    assert "Item" in ddb.get_item(TableName=table, Key={"id": {"S": "theirs"}})
    ddb.delete_table(TableName=table)
