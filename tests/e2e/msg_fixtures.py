"""Helpers for the messaging end-to-end tests (test_messaging*.py).

The messaging tests need the full server (REST API + DynamoDB endpoint on one data dir), not
the session's --dynamodb-only one, so they start their own with conftest.start_ddbchat.
They only make sense against ddbchat (DynamoDB Local has no REST API): every messaging test
module sets `pytestmark = pytest.mark.requires_ddbchat`.

  msg_server     module fixture: a ddbchat serve --demo with the REST API, an HS256 secret
                 (SECRET, via DDBCHAT_JWT_SECRET) and CORS for CORS_ORIGIN.  Has .api_url,
                 .ddb_url, .data_dir.  With --msg-backend=ddbchat|dynamodb-local it is a
                 `ddbchat serve --endpoint <backing> --demo` (REST only, table and demo data
                 written through the remote backend) in front of a backing server it starts
                 (`ddbchat serve --dynamodb-only` or DynamoDB Local); then .ddb_url and
                 .endpoint are the backing server's URL (mddb and scan_table look there),
                 .data_dir is None, and cli() runs with --endpoint instead of --data-dir.
  token(sub, secret=SECRET, exp_in=600, alg="HS256", **claims)   a JWT (PyJWT).
  rest(server, method, path, token=None, body=None, headers=None)
                 -> (status, {lower-name: value}, parsed JSON or None)
  cli(server, *args) -> CompletedProcess of `ddbchat <args> --data-dir <server's dir>`
                 (the CLI opens the same LMDB store while the server runs), or
                 `--endpoint <backing url>` for a remote-backend server.
  REMOTE_ENV     environment for ddbchat processes that talk to a backing server: fixed
                 dummy credentials (key "x", like conftest.client_for, so DynamoDB Local puts
                 the tables in the namespace boto3 sees) and region us-east-1.
  start_remote_serve(endpoint, *extra_args, env=None) -> Server of a `ddbchat serve
                 --endpoint <endpoint> --quiet` on a free API port (caller stops it).
  start_msg_server(*extra_args) -> Server: msg_server's embedded one with extra serve flags
                 (caller stops it and removes its data dir).
  add_user(server, handle, name) -> uuid (through the CLI, --json).
  scan_table(ddb, table) -> every item, plain Python values, through the DynamoDB endpoint.
"""
import http.client
import json
import os
import shutil
import subprocess
import time
import urllib.parse

import jwt
import pytest

from conftest import (Server, client_for, ddbchat_bin, free_port, start_ddbchat,
                      start_dynamodb_local, stop_process, wait_port)

SECRET = "e2e-messaging-secret"
CORS_ORIGIN = "http://localhost:3000"
TABLE = "cruddur-messages"


REMOTE_ENV = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "us-east-1"}
_AWS_UNSET = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
              "AWS_ENDPOINT_URL_DYNAMODB", "DDBCHAT_MAX_ATTEMPTS", "DDBCHAT_REQUEST_TIMEOUT_MS")


def remote_env(extra=None):
    """os.environ with the AWS settings of REMOTE_ENV (and extra) only."""
    env = {k: v for k, v in os.environ.items() if k not in _AWS_UNSET}
    env.update(REMOTE_ENV)
    env["DDBCHAT_JWT_SECRET"] = SECRET
    if extra:
        env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def start_remote_serve(endpoint, *extra_args, env=None, timeout=180):
    """`ddbchat serve --endpoint <endpoint>` on a free API port; waits until it listens (after
    --demo's data exists).  Its stderr goes to .log (a file path)."""
    import tempfile
    aport = free_port()
    log = tempfile.NamedTemporaryFile(prefix="ddbchat-remote-", suffix=".log", delete=False)
    args = [ddbchat_bin(), "serve", "--endpoint", endpoint, "--api-port", str(aport), "--quiet",
            *extra_args]
    proc = subprocess.Popen(args, env=remote_env(env), stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    try:
        wait_port(aport, proc, timeout=timeout)
    except Exception as err:
        stop_process(proc)
        with open(log.name) as f:
            raise RuntimeError(f"{' '.join(args)}: {err}: {f.read()[-2000:]}") from None
    srv = Server(proc, endpoint, f"http://127.0.0.1:{aport}", None)
    srv.endpoint = endpoint
    srv.log = log.name
    return srv


def start_msg_server(*extra_args):
    """msg_server's embedded server with extra serve flags (caller stops it and removes its
    data dir), for a test that needs other settings than the module's server."""
    srv = start_ddbchat("--demo", "--cors-origin", CORS_ORIGIN, *extra_args,
                        dynamodb_only=False, env={"DDBCHAT_JWT_SECRET": SECRET})
    # --demo creates the table and demo data before serving; wait until it is visible
    deadline = time.time() + 30
    while time.time() < deadline:
        st, _, _ = rest(srv, "GET", "/api/health")
        if st == 200:
            break
        time.sleep(0.1)
    return srv


@pytest.fixture(scope="module")
def msg_server(pytestconfig):
    if pytestconfig.getoption("--target") != "ddbchat":
        pytest.skip("messaging needs --target=ddbchat")
    backend = pytestconfig.getoption("--msg-backend")
    if backend != "embedded":
        import shlex
        extra = shlex.split(pytestconfig.getoption("--msg-backing-args"))
        backing = start_ddbchat(*extra) if backend == "ddbchat" else start_dynamodb_local()
        try:
            srv = start_remote_serve(backing.ddb_url, "--demo", "--cors-origin", CORS_ORIGIN)
        except Exception:
            backing.stop()
            raise
        try:
            yield srv
        finally:
            srv.stop()
            backing.stop()
            if backing.data_dir:
                shutil.rmtree(backing.data_dir, ignore_errors=True)
            os.unlink(srv.log)
        return
    srv = start_msg_server()
    try:
        yield srv
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def mddb(msg_server):
    """boto3 client on the messaging server's DynamoDB endpoint."""
    return client_for(msg_server.ddb_url)


def token(sub, secret=SECRET, exp_in=600, alg="HS256", **claims):
    payload = {"sub": sub, "iat": int(time.time())}
    if exp_in is not None:
        payload["exp"] = int(time.time()) + exp_in
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm=alg)


def rest(server, method, path, token=None, body=None, headers=None, timeout=60):
    u = urllib.parse.urlparse(server.api_url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        h = {}
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else (
                body if isinstance(body, bytes) else json.dumps(body).encode())
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        raw = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return r.status, hdrs, parsed
    finally:
        conn.close()


def cli(server, *args, check=True, env=None):
    full_env = dict(os.environ)
    full_env["DDBCHAT_JWT_SECRET"] = SECRET
    where = ["--data-dir", server.data_dir]
    if getattr(server, "endpoint", None):
        full_env = remote_env()
        where = ["--endpoint", server.endpoint]
    if env:
        full_env.update(env)
    p = subprocess.run([ddbchat_bin(), *args, *where],
                       capture_output=True, text=True, env=full_env, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"ddbchat {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p


def add_user(server, handle, name):
    p = cli(server, "user", "add", handle, name, "--json")
    return json.loads(p.stdout)["uuid"]


def _plain(av):
    (t, v), = av.items()
    if t in ("S", "N", "B", "BOOL"):
        return v
    if t == "NULL":
        return None
    if t == "M":
        return {k: _plain(x) for k, x in v.items()}
    if t == "L":
        return [_plain(x) for x in v]
    return v


def scan_table(ddb, table=TABLE, **kw):
    items, start = [], None
    while True:
        args = dict(TableName=table, **kw)
        if start:
            args["ExclusiveStartKey"] = start
        r = ddb.scan(**args)
        items += [{k: _plain(v) for k, v in it.items()} for it in r["Items"]]
        start = r.get("LastEvaluatedKey")
        if not start:
            return items


def check_invariants(items):
    """The messaging invariants over a whole-table scan (see src/messaging/service.h):
    one conversation row per participant per conversation, at the newest message's time and
    with its text; the pair row agrees; each conversation has exactly two participants; a
    pair of users has one conversation."""
    newest = {}
    for it in items:
        if it["pk"].startswith("MSG#"):
            assert "message_group_uuid" not in it, it
            g = it["pk"][4:]
            if g not in newest or newest[g]["sk"] < it["sk"]:
                newest[g] = it
    rows = {}
    pairs = {}
    pair_at = {it["group_uuid"]: it.get("last_message_at") for it in items
               if it["pk"].startswith("PAIR#")}
    emptied = set()  # every message deleted: the rows stay at the pair row's time, no message
    for it in items:
        if it["pk"].startswith("GRP#"):
            key = (it["pk"], it["message_group_uuid"])
            assert key not in rows, f"two conversation rows for {key}"
            rows[key] = it
            g = it["message_group_uuid"]
            if g not in newest:
                assert pair_at.get(g) == it["sk"] and "message" not in it, it
                assert int(it["unread"]) == 0, it
                emptied.add(g)
                continue
            n = newest[g]
            assert it["sk"] == n["sk"], (it, n)
            assert it["message"] == n["message"], (it, n)
        elif it["pk"].startswith("PAIR#"):
            g = it["group_uuid"]
            assert g not in pairs, f"group {g} in two pair rows"
            pairs[g] = it
            if g not in newest:
                assert "last_from" not in it, it  # every message deleted: no sender named
                continue
            assert it["last_message_at"] == newest[g]["sk"]
    for g in list(newest) + sorted(emptied):
        members = sorted(pk[4:] for (pk, gg) in rows if gg == g)
        assert len(members) == 2, f"group {g} has conversation rows for {members}"
        assert g in pairs
        assert pairs[g]["pk"] == "PAIR#" + "#".join(members)
        # each row names the OTHER participant
        for (pk, gg), r in rows.items():
            if gg == g:
                assert r["user_uuid"] != pk[4:] and r["user_uuid"] in members
    return newest, rows, pairs
