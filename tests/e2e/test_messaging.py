"""Messaging REST API end to end against a running `ddbchat serve --demo` (ddbchat only).

Pins: the demo data and demo user; patterns A-D through REST with the Cruddur UI's field
names; paging with X-Next-Cursor; auth (missing / expired / alg none / forged / unknown
user -> 401); non-participants get the same 404 as a missing conversation; validation codes;
CORS; the CLI working on the server's data dir while it runs, and `ddbchat token` agreeing
with the server's secret.
"""
import base64
import http.client
import json
import os
import socket
import time
import urllib.parse

import jwt
import pytest

from msg_fixtures import (CORS_ORIGIN, SECRET, add_user, cli, mddb, msg_server,  # noqa: F401
                          rest, start_remote_serve, token)
from conftest import busy_connection, client_for, read_to_close, start_ddbchat

pytestmark = pytest.mark.requires_ddbchat


@pytest.fixture(scope="module")
def people(msg_server):
    ids = {h: add_user(msg_server, h, n) for h, n in
           [("alice", "Alice A"), ("bob", "Bob B"), ("carol", "Carol C")]}
    return ids, {h: token(u) for h, u in ids.items()}


def test_health(msg_server):
    st, _, body = rest(msg_server, "GET", "/api/health")
    assert st == 200 and body["success"] is True


def test_demo_data(msg_server):
    # --demo made the table, the demo user and conversations with bayko and londo
    p = cli(msg_server, "user", "show", "andrewbrown", "--json")
    demo = json.loads(p.stdout)
    st, _, groups = rest(msg_server, "GET", "/api/message_groups", token(demo["uuid"]))
    assert st == 200
    handles = [g["handle"] for g in groups]
    assert sorted(handles) == ["bayko", "londo"]
    g = [g for g in groups if g["handle"] == "bayko"][0]
    # (and the reader's read marker: test_messaging_read.py)
    assert set(g) == {"uuid", "display_name", "handle", "message", "created_at", "read_to",
                      "unread"}
    st, _, msgs = rest(msg_server, "GET", f"/api/messages/{g['uuid']}", token(demo["uuid"]))
    assert st == 200 and len(msgs) >= 20
    assert [m["created_at"] for m in msgs] == sorted(m["created_at"] for m in msgs)
    assert msgs[-1]["message"] == g["message"]


def test_conversation_flow(msg_server, people):
    ids, tok = people
    st, _, m1 = rest(msg_server, "POST", "/api/messages", tok["alice"],
                     {"message": "Hi Bob!", "handle": "bob"})
    assert st == 200, m1
    assert set(m1) == {"uuid", "display_name", "handle", "message", "created_at",
                       "message_group_uuid"}
    assert m1["handle"] == "alice" and m1["display_name"] == "Alice A"
    g = m1["message_group_uuid"]
    st, _, m2 = rest(msg_server, "POST", "/api/messages", tok["bob"],
                     {"message": "Hi Alice", "message_group_uuid": g})
    assert st == 200 and m2["message_group_uuid"] == g
    # bob writing to alice by handle continues the same conversation
    st, _, m3 = rest(msg_server, "POST", "/api/messages", tok["bob"],
                     {"message": "again", "handle": "alice"})
    assert st == 200 and m3["message_group_uuid"] == g
    assert m1["created_at"] < m2["created_at"] < m3["created_at"]

    st, _, groups = rest(msg_server, "GET", "/api/message_groups", tok["alice"])
    assert st == 200
    assert groups[0] == {"uuid": g, "display_name": "Bob B", "handle": "bob",
                         "message": "again", "created_at": m3["created_at"],
                         "read_to": m1["created_at"], "unread": 2}
    st, _, msgs = rest(msg_server, "GET", f"/api/messages/{g}", tok["alice"])
    assert [m["message"] for m in msgs] == ["Hi Bob!", "Hi Alice", "again"]
    assert msgs[0] == {k: m1[k] for k in ("uuid", "display_name", "handle", "message",
                                           "created_at")}

    # carol is no participant: 404 exactly like a conversation that does not exist
    st1, _, b1 = rest(msg_server, "GET", f"/api/messages/{g}", tok["carol"])
    st2, _, b2 = rest(msg_server, "GET", "/api/messages/00000000-0000-4000-8000-000000000000",
                      tok["carol"])
    assert st1 == st2 == 404 and b1 == b2
    st, _, b = rest(msg_server, "POST", "/api/messages", tok["carol"],
                    {"message": "let me in", "message_group_uuid": g})
    assert st == 404 and b["error"]["code"] == "not_found"

    # the CLI on the same data dir sees what REST wrote (and vice versa)
    p = cli(msg_server, "get-conversation", g, "--json")
    assert [m["message"] for m in json.loads(p.stdout)["messages"]] == [
        "Hi Bob!", "Hi Alice", "again"]
    cli(msg_server, "send", "alice", g, "from", "the", "cli")
    st, _, groups = rest(msg_server, "GET", "/api/message_groups", tok["bob"])
    assert groups[0]["message"] == "from the cli" and groups[0]["handle"] == "alice"
    p = cli(msg_server, "list-conversations", "bob", "--json")
    assert json.loads(p.stdout)["conversations"][0]["message"] == "from the cli"


def test_paging(msg_server):
    a = add_user(msg_server, "pager_a", "Pager A")
    add_user(msg_server, "pager_b", "Pager B")
    ta = token(a)
    st, _, m = rest(msg_server, "POST", "/api/messages", ta, {"message": "m00", "handle": "pager_b"})
    g = m["message_group_uuid"]
    for i in range(1, 45):
        st, _, _ = rest(msg_server, "POST", "/api/messages", ta,
                        {"message": f"m{i:02d}", "message_group_uuid": g})
        assert st == 200
    st, h, page1 = rest(msg_server, "GET", f"/api/messages/{g}", ta)
    assert len(page1) == 40  # default page: the 40 newest, listed oldest -> newest
    assert page1[0]["message"] == "m05" and page1[-1]["message"] == "m44"
    cur = h["x-next-cursor"]
    st, h2, page2 = rest(msg_server, "GET", f"/api/messages/{g}?cursor={cur}", ta)
    assert [m["message"] for m in page2] == ["m00", "m01", "m02", "m03", "m04"]
    assert "x-next-cursor" not in h2
    st, h3, p = rest(msg_server, "GET", f"/api/messages/{g}?limit=10", ta)
    assert len(p) == 10 and "x-next-cursor" in h3
    # 45 messages in pages of 5 and of 9: the ninth (fifth) page is full and the last, so it
    # has no cursor; no cursor ever leads to an empty page
    for size, pages in ((5, 9), (9, 5)):
        seen, cur = [], None
        for i in range(pages):
            q = f"limit={size}" + (f"&cursor={cur}" if cur else "")
            st, hp, p = rest(msg_server, "GET", f"/api/messages/{g}?{q}", ta)
            assert st == 200 and len(p) == size, (size, i, p)
            seen = p + seen
            cur = hp.get("x-next-cursor")
            assert (cur is None) == (i == pages - 1), (size, i)
        assert [m["message"] for m in seen] == [f"m{i:02d}" for i in range(45)]
    st, _, b = rest(msg_server, "GET", f"/api/messages/{g}?cursor=garbage!", ta)
    assert st == 400 and b["error"]["code"] == "bad_cursor"
    # fuzz20: a query of hundreds of short parameters filled libmicrohttpd's connection pool
    # and the connection was closed unanswered; it is the 400 of more than 64 parameters
    for n in (65, 240, 500):
        q = "&".join(f"a={i}" for i in range(n))
        st, _, b = rest(msg_server, "GET", f"/api/messages/{g}?limit=5&{q}", ta)
        assert st == 400 and b["error"]["message"] == "too many query parameters", (n, b)
    # issue 9.1: a NUL in a query value is not cut short ("5%00junk" is not 5)
    for q in ("limit=5%00junk", "limit=5%00", "limit=%005"):
        st, _, b = rest(msg_server, "GET", f"/api/messages/{g}?{q}", ta)
        assert st == 400 and b["error"]["code"] == "bad_limit", q
    st, _, b = rest(msg_server, "GET", f"/api/messages/{g}?cursor={h['x-next-cursor']}%00x", ta)
    assert st == 400 and b["error"]["code"] == "bad_cursor"
    # ... nor in the path (a conversation uuid followed by %00junk)
    st, _, b = rest(msg_server, "GET", f"/api/messages/{g}%00junk", ta)
    assert st == 400 and b["error"]["code"] == "bad_request"
    # issue 9.4: 64 query parameters pass, a 65th is a 400 instead of being dropped
    many = "&".join(f"p{i}=1" for i in range(63))
    st, _, p = rest(msg_server, "GET", f"/api/messages/{g}?{many}&limit=3", ta)
    assert st == 200 and len(p) == 3
    st, _, b = rest(msg_server, "GET", f"/api/messages/{g}?{many}&p63=1&limit=3", ta)
    assert st == 400 and b["error"]["code"] == "bad_request"
    # a cursor of another conversation does not read that conversation
    other = base64.urlsafe_b64encode(json.dumps(
        {"pk": {"S": "MSG#11111111-1111-4111-8111-111111111111"}, "sk": {"S": "z"}}).encode()
    ).decode().rstrip("=")
    st, _, b = rest(msg_server, "GET", f"/api/messages/{g}?cursor={other}", ta)
    assert st == 400 and b["error"]["code"] == "bad_cursor"


def test_auth(msg_server, people):
    ids, tok = people
    path = "/api/message_groups"
    assert rest(msg_server, "GET", path)[0] == 401
    assert rest(msg_server, "GET", path, "not.a.jwt")[0] == 401
    assert rest(msg_server, "GET", path, token(ids["alice"], exp_in=-10))[0] == 401
    # issue 9.3: a correctly signed token without exp, or one that lives (nearly) for ever,
    # or longer than the default cap of a day, is refused
    assert rest(msg_server, "GET", path, token(ids["alice"], exp_in=None))[0] == 401
    assert rest(msg_server, "GET", path, token(ids["alice"], exp=1e300))[0] == 401
    assert rest(msg_server, "GET", path, token(ids["alice"], exp_in=86400 + 600))[0] == 401
    assert rest(msg_server, "GET", path, token(ids["alice"], exp_in=86400 - 600))[0] == 200
    assert rest(msg_server, "GET", path, token(ids["alice"], secret="wrong-secret"))[0] == 401
    unsigned = token(ids["alice"], secret=None, alg="none")
    assert rest(msg_server, "GET", path, unsigned)[0] == 401
    # payload swapped under a valid signature
    good = token(ids["alice"])
    h, _, sig = good.split(".")
    evil = base64.urlsafe_b64encode(json.dumps({"sub": ids["bob"]}).encode()).decode().rstrip("=")
    assert rest(msg_server, "GET", path, f"{h}.{evil}.{sig}")[0] == 401
    st, _, b = rest(msg_server, "GET", path, token("00000000-0000-4000-8000-000000000000"))
    assert st == 401 and b["error"]["code"] == "unauthorized"
    assert rest(msg_server, "GET", path, good)[0] == 200


def test_401_carries_a_bearer_challenge(msg_server, people):
    """RFC 6750 section 3 (and RFC 9110's 401): every 401 of a bearer-token route says how to
    authenticate, WWW-Authenticate: Bearer, with error="invalid_token" when a token was sent
    and refused. Before, the 401s had no WWW-Authenticate at all."""
    ids, tok = people
    plain = 'Bearer realm="ddbchat"'
    invalid = 'Bearer realm="ddbchat", error="invalid_token"'
    for method, path in (("GET", "/api/message_groups"), ("GET", "/api/me"),
                         ("POST", "/api/events/ticket"), ("POST", "/api/messages")):
        st, h, b = rest(msg_server, method, path)
        assert st == 401 and h.get("www-authenticate") == plain, (path, h)
        assert b["error"]["code"] == "unauthorized"
        for bad in ("not.a.jwt", token(ids["alice"], exp_in=-10),
                    token(ids["alice"], secret="wrong-secret"),
                    token("00000000-0000-4000-8000-000000000000")):
            st, h, b = rest(msg_server, method, path, bad)
            assert st == 401 and h.get("www-authenticate") == invalid, (path, bad, h)
    st, h, _ = rest(msg_server, "GET", "/api/me", tok["alice"])
    assert st == 200 and "www-authenticate" not in h


@pytest.mark.parametrize("body,status,code", [
    ({"message": "", "handle": "bob"}, 400, "message_blank"),
    ({"message": "  \n ", "handle": "bob"}, 400, "message_blank"),
    # issue 9.4: only Unicode spaces / zero-width / invisible characters is blank too
    ({"message": "\u00a0\u3000\u2003\u200b\u200d\u2060\ufeff\u200e\u3164\u2800",
      "handle": "bob"}, 400, "message_blank"),
    ({"message": "\u200b", "handle": "bob"}, 400, "message_blank"),
    ({"message": "x" * 1025, "handle": "bob"}, 400, "message_too_long"),
    ({"message": "é" * 1025, "handle": "bob"}, 400, "message_too_long"),
    ({"message": "hi", "handle": "nobody_at_all"}, 404, "unknown_handle"),
    # a string that cannot be a handle: 400 before any lookup (was 404 unknown_handle)
    ({"message": "hi", "handle": "bad handle!"}, 400, "invalid_handle"),
    ({"message": "hi", "handle": ""}, 400, "invalid_handle"),
    ({"message": "hi", "handle": "h" * 33}, 400, "invalid_handle"),
    ({"message": "hi", "handle": "alice"}, 400, "self_message"),
    ({"handle": "bob"}, 400, "missing_field"),
    ({"message": "hi"}, 400, "missing_field"),
    ('{"message": "hi", ', 400, "malformed_json"),
    ({"message": 7, "handle": "bob"}, 400, "invalid_field"),
    # a NUL inside the message: said so (before: malformed_json, "the body must be a JSON
    # object", for a body that is one)
    ({"message": "a\u0000b", "handle": "bob"}, 400, "invalid_field"),
    ({"message": "hi", "handle": "bob\u0000x"}, 400, "invalid_field"),
    # a key given twice: refused, not the last one read (a proxy or log that reads the first
    # would see another message, or another addressee, than the one stored)
    ('{"message": "hi", "message": "bye", "handle": "bob"}', 400, "malformed_json"),
    ('{"message": "hi", "handle": "carol", "handle": "bob"}', 400, "malformed_json"),
])
def test_validation(msg_server, people, body, status, code):
    ids, tok = people
    st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"], body)
    assert st == status and b["error"]["code"] == code, b


def test_cli_refuses_a_string_that_is_no_handle(msg_server, people):
    # the CLI shares the service's rule: invalid_handle (exit 1) for what cannot be a handle,
    # unknown_handle for a well-formed one nobody has
    for to, code in (("bad handle!", "invalid_handle"), ("nobody_at_all", "unknown_handle")):
        p = cli(msg_server, "send", "alice", to, "hi", check=False)
        assert p.returncode == 1 and f"ddbchat: {code}:" in p.stderr, p.stderr
    p = cli(msg_server, "user", "show", "bad handle!", check=False)
    assert p.returncode == 1 and "ddbchat: invalid_handle:" in p.stderr, p.stderr


def test_handle_typed_with_its_at_sign(msg_server, people):
    # Listings show a handle as "@bob" (the CLI's "BOB (@bob)", `user show`), so people type
    # it that way: still 400 invalid_handle (a handle holds no '@'; nothing is guessed),
    # but the message says how to write it, on REST and in the CLI alike.  Before: "a handle
    # may hold only letters, digits, ...", which does not say what was wrong with "@bob".
    ids, tok = people
    want = "a handle is written without its '@': bob"
    st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "hi", "handle": "@bob"})
    assert st == 400 and b["error"] == {"code": "invalid_handle", "message": want}, b
    p = cli(msg_server, "send", "alice", "@bob", "hi", check=False)
    assert p.returncode == 1 and p.stderr == f"ddbchat: invalid_handle: {want}\n", p.stderr
    for h in ("@", "@@bob", "@bo b", "b@ob"):  # not "@" + a handle: the general text
        st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"],
                        {"message": "hi", "handle": h})
        assert st == 400 and b["error"]["code"] == "invalid_handle", (h, b)
        assert "without its '@'" not in b["error"]["message"], (h, b)


def test_length_counts_characters(msg_server, people):
    ids, tok = people
    # 1024 characters of 4 bytes each: accepted (the limit is characters, not bytes)
    st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "😀" * 1024, "handle": "carol"})
    assert st == 200 and m["message"] == "😀" * 1024


def test_message_text_contract(msg_server, people):
    """The text contract README states (REST API, "Message text"): the limit counts code
    points, so a combining mark counts one and an emoji of the astral plane one; the text is
    stored exactly as sent, white space around it included; text that is not UTF-8 never
    reaches the service (a lone surrogate escape, raw invalid bytes: malformed_json)."""
    ids, tok = people

    def post(body, raw=None):
        return rest(msg_server, "POST", "/api/messages", tok["alice"],
                    raw if raw is not None else body)
    e_acute = "e\u0301"                           # two code points, one glyph
    st, _, m = post({"message": e_acute * 512, "handle": "carol"})
    assert st == 200 and m["message"] == e_acute * 512, m
    st, _, b = post({"message": e_acute * 512 + "e", "handle": "carol"})
    assert st == 400 and b["error"]["code"] == "message_too_long", b
    assert b["error"]["message"] == \
        "the message has 1025 characters, at most 1024 are allowed", b
    st, _, b = post({"message": "\U0001F600" * 1025, "handle": "carol"})
    assert st == 400 and b["error"]["code"] == "message_too_long", b
    st, _, m = post({"message": "  two spaces before, a tab after\t", "handle": "carol"})
    assert st == 200 and m["message"] == "  two spaces before, a tab after\t", m
    st, _, page = rest(msg_server, "GET", f"/api/messages/{m['message_group_uuid']}?limit=1",
                       tok["alice"])
    assert page[0]["message"] == "  two spaces before, a tab after\t", page
    for raw in ('{"message": "a\\ud800b", "handle": "carol"}',
                b'{"message": "a\xff\xfeb", "handle": "carol"}',
                b'{"message": "a\xc0\xafb", "handle": "carol"}'):
        st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"], raw)
        assert st == 400 and b["error"]["code"] == "malformed_json", (raw, b)


def test_paging_parameters_contract(msg_server, people):
    """README's paging rules for what clients send by accident: an empty cursor= or after=
    is none (the first page), an empty limit= is 400 bad_limit; of a parameter given twice
    the first counts; a cursor of one listing is bad_cursor on the other."""
    ids, tok = people
    for to in ("bob", "carol", "carol"):  # two conversations, two messages in one
        st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                        {"message": "pp", "handle": to})
        assert st == 200, m
    g = m["message_group_uuid"]
    path = f"/api/messages/{g}"
    st, _, first = rest(msg_server, "GET", path, tok["alice"])
    for q in ("cursor=", "after=", "cursor=&limit=40"):
        st, _, b = rest(msg_server, "GET", f"{path}?{q}", tok["alice"])
        assert st == 200 and b == first, (q, b)
    st, _, b = rest(msg_server, "GET", f"{path}?limit=", tok["alice"])
    assert st == 400 and b["error"]["code"] == "bad_limit", b
    st, _, b = rest(msg_server, "GET", f"{path}?limit=1&limit=abc", tok["alice"])
    assert st == 200 and len(b) == 1, b
    st, _, b = rest(msg_server, "GET", f"{path}?limit=abc&limit=1", tok["alice"])
    assert st == 400 and b["error"]["code"] == "bad_limit", b
    st, h, _ = rest(msg_server, "GET", f"{path}?limit=1", tok["alice"])
    st2, h2, _ = rest(msg_server, "GET", "/api/message_groups?limit=1", tok["alice"])
    assert "x-next-cursor" in h and "x-next-cursor" in h2, (h, h2)
    st, _, b = rest(msg_server, "GET", f"/api/message_groups?cursor={h['x-next-cursor']}",
                    tok["alice"])
    assert st == 400 and b["error"]["code"] == "bad_cursor", b
    st, _, b = rest(msg_server, "GET", f"{path}?cursor={h2['x-next-cursor']}", tok["alice"])
    assert st == 400 and b["error"]["code"] == "bad_cursor", b


def test_cors(msg_server):
    st, h, _ = rest(msg_server, "OPTIONS", "/api/messages",
                    headers={"Origin": CORS_ORIGIN, "Access-Control-Request-Method": "POST",
                             "Access-Control-Request-Headers": "authorization,content-type"})
    assert st in (200, 204)
    assert h["access-control-allow-origin"] == CORS_ORIGIN
    assert "POST" in h["access-control-allow-methods"]
    assert "authorization" in h["access-control-allow-headers"].lower()
    st, h, _ = rest(msg_server, "GET", "/api/health", headers={"Origin": CORS_ORIGIN})
    assert h["access-control-allow-origin"] == CORS_ORIGIN
    st, h, _ = rest(msg_server, "GET", "/api/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in h


def test_idempotency_key_retry_is_one_message(msg_server):
    """A client whose POST answer was lost retries with the same Idempotency-Key and gets the
    message stored the first time (200, the same body), not a second message; concurrent
    copies too; the same key with another text is 422 idempotency_key_reused; a key that is
    no key is 400 invalid_field; browsers may send the header (CORS preflight)."""
    import threading
    a = add_user(msg_server, "idem_a", "Idem A")
    add_user(msg_server, "idem_b", "Idem B")
    ta = token(a)
    hk = {"Idempotency-Key": "9b2c4d7e-0f4a-4c43-8e1d-6a1e5f0b3c21"}
    st, _, m1 = rest(msg_server, "POST", "/api/messages", ta,
                     {"message": "once", "handle": "idem_b"}, headers=hk)
    assert st == 200, m1
    st, _, r1 = rest(msg_server, "POST", "/api/messages", ta,
                     {"message": "once", "handle": "idem_b"}, headers=hk)
    assert st == 200 and r1 == m1
    g = m1["message_group_uuid"]
    body = {"message": "twice", "message_group_uuid": g}
    got = []

    def post():
        got.append(rest(msg_server, "POST", "/api/messages", ta, body,
                        headers={"Idempotency-Key": "k-conc"}))
    th = [threading.Thread(target=post) for _ in range(4)]
    [t.start() for t in th]
    [t.join() for t in th]
    assert [x[0] for x in got] == [200] * 4, got
    assert len({x[2]["uuid"] for x in got}) == 1
    st, _, page = rest(msg_server, "GET", f"/api/messages/{g}", ta)
    assert [m["message"] for m in page] == ["once", "twice"]
    st, _, b = rest(msg_server, "POST", "/api/messages", ta,
                    {"message": "changed", "message_group_uuid": g},
                    headers={"Idempotency-Key": "k-conc"})
    assert st == 422 and b["error"]["code"] == "idempotency_key_reused", b
    st, _, b = rest(msg_server, "POST", "/api/messages", ta, body,
                    headers={"Idempotency-Key": "has space"})
    assert st == 400 and b["error"]["code"] == "invalid_field", b
    assert "Idempotency-Key" in b["error"]["message"]
    st, h, _ = rest(msg_server, "OPTIONS", "/api/messages",
                    headers={"Origin": CORS_ORIGIN, "Access-Control-Request-Method": "POST",
                             "Access-Control-Request-Headers": "idempotency-key"})
    assert "idempotency-key" in h["access-control-allow-headers"].lower()


def test_idempotency_key_for_another_conversation_is_422(msg_server):
    """An Idempotency-Key sent before with a message to one person, sent again with the same
    text to another person (a first message or an existing conversation), is a different
    request: 422 idempotency_key_reused, as the IETF draft (draft-ietf-httpapi-idempotency-
    key-header) answers a key reused with another payload, and nothing is stored (before: keys
    were kept per conversation, and a second message went to the other person)."""
    a = add_user(msg_server, "idx_a", "Idx A")
    add_user(msg_server, "idx_b", "Idx B")
    add_user(msg_server, "idx_c", "Idx C")
    ta = token(a)
    hk = {"Idempotency-Key": "5d0c1a9e-3f2b-4e8a-9c7d-1b2a3c4d5e6f"}
    st, _, m1 = rest(msg_server, "POST", "/api/messages", ta,
                     {"message": "hi", "handle": "idx_b"}, headers=hk)
    assert st == 200, m1
    st, _, b = rest(msg_server, "POST", "/api/messages", ta,
                    {"message": "hi", "handle": "idx_c"}, headers=hk)
    assert st == 422 and b["error"]["code"] == "idempotency_key_reused", b
    assert "another conversation" in b["error"]["message"]
    st, _, groups = rest(msg_server, "GET", "/api/message_groups", ta)
    assert [g["handle"] for g in groups] == ["idx_b"]
    st, _, mc = rest(msg_server, "POST", "/api/messages", ta,
                     {"message": "plain", "handle": "idx_c"})
    assert st == 200, mc
    gc = mc["message_group_uuid"]
    st, _, b = rest(msg_server, "POST", "/api/messages", ta,
                    {"message": "hi", "message_group_uuid": gc}, headers=hk)
    assert st == 422 and b["error"]["code"] == "idempotency_key_reused", b
    st, _, page = rest(msg_server, "GET", f"/api/messages/{gc}", ta)
    assert [m["message"] for m in page] == ["plain"]
    # the retry to the first person is still the first message
    st, _, r1 = rest(msg_server, "POST", "/api/messages", ta,
                     {"message": "hi", "handle": "idx_b"}, headers=hk)
    assert st == 200 and r1 == m1


def test_display_name_change_shows_in_the_other_persons_listing(msg_server):
    """PUT /api/me {"display_name"} changes the signed-in user's name (a profile edit; the
    CLI: `ddbchat user rename`): GET /api/me answers it, and the other participant's
    conversation listing shows it at once (their conversation row names the user); messages
    keep the name they were sent under, later ones carry the new one.  Before, nothing could
    change a name (PUT /api/me was a 405).  Bad names are the same 400s as `user add`'s."""
    a = add_user(msg_server, "ren_a", "Ren A")
    b = add_user(msg_server, "ren_b", "Ren B")
    ta, tb = token(a), token(b)
    st, _, m1 = rest(msg_server, "POST", "/api/messages", ta,
                     {"message": "before", "handle": "ren_b"})
    assert st == 200, m1
    g = m1["message_group_uuid"]
    st, _, me = rest(msg_server, "PUT", "/api/me", ta, {"display_name": "Ren Ä Smith 🌸"})
    assert (st, me) == (200, {"uuid": a, "handle": "ren_a", "display_name": "Ren Ä Smith 🌸",
                              "conversations_renamed": 1, "conversations_left": 0}), me
    st, _, me = rest(msg_server, "GET", "/api/me", ta)
    assert me["display_name"] == "Ren Ä Smith 🌸"
    st, _, groups = rest(msg_server, "GET", "/api/message_groups", tb)
    assert [(c["handle"], c["display_name"]) for c in groups] == [("ren_a", "Ren Ä Smith 🌸")]
    st, _, one = rest(msg_server, "GET", f"/api/message_groups/{g}", tb)
    assert one["display_name"] == "Ren Ä Smith 🌸"
    rest(msg_server, "POST", "/api/messages", ta, {"message": "after", "message_group_uuid": g})
    st, _, page = rest(msg_server, "GET", f"/api/messages/{g}", tb)
    assert [(m["message"], m["display_name"]) for m in page] == [
        ("before", "Ren A"), ("after", "Ren Ä Smith 🌸")]
    for body, code in (({}, "missing_field"), ({"display_name": 5}, "invalid_field"),
                       ({"display_name": "a\nb"}, "invalid_display_name"),
                       ({"display_name": "   "}, "invalid_display_name"),
                       ({"display_name": "x" * 65}, "invalid_display_name")):
        st, _, r = rest(msg_server, "PUT", "/api/me", ta, body)
        assert st == 400 and r["error"]["code"] == code, (body, r)
    st, _, r = rest(msg_server, "PUT", "/api/me", None, {"display_name": "x"})
    assert st == 401, r
    p = cli(msg_server, "user", "rename", "ren_b", "Ren", "B", "Jones", "--json")
    assert json.loads(p.stdout)["display_name"] == "Ren B Jones"
    st, _, groups = rest(msg_server, "GET", "/api/message_groups", ta)
    assert groups[0]["display_name"] == "Ren B Jones"


def test_display_name_change_past_the_request_deadline(msg_server):
    """A rename whose fan-out (TransactWriteItems of DDBCHAT_RENAME_BATCH conversations, one
    here) outlasts the REST request: its conversation updates stop at half the request's deadline
    (DDBCHAT_REST_DEADLINE_MS), newest conversations first, and the 200 says how many are
    left; the same PUT again goes on where it stopped.  Before, the walk went oldest-first
    and past the deadline answered 503 although the user row had changed, and every retry
    started again from the oldest.  A remote server with a 1,200 ms deadline in front of the
    backing endpoint through a proxy that delays each TransactWriteItems 100 ms (12
    conversations: ~1.3 s of updates; with 600 ms and 50 ms, 1 of ~14 runs of the file on
    DynamoDB Local failed in session 29 under a loaded machine: a transaction begun before
    half the deadline has the other half to finish)."""
    from faultproxy import FaultProxy
    n = 12
    me = add_user(msg_server, "rdl_me", "Rdl Me")
    others = [add_user(msg_server, f"rdl_o{i}", f"Rdl O{i}") for i in range(n)]
    for o in others:  # rdl_o11's conversation is the newest
        st, _, m = rest(msg_server, "POST", "/api/messages", token(o),
                        {"message": "hi", "handle": "rdl_me"})
        assert st == 200, m

    def names():
        out = []
        for o in others:
            st, _, groups = rest(msg_server, "GET", "/api/message_groups", token(o))
            assert st == 200 and len(groups) == 1, groups
            out.append(groups[0]["display_name"])
        return out

    proxy = FaultProxy(msg_server.ddb_url)
    srv = None
    try:
        srv = start_remote_serve(proxy.url, env={"DDBCHAT_REST_DEADLINE_MS": "1200",
                                                 "DDBCHAT_RENAME_BATCH": "1"})
        # the serve's start-up fold thread reads the handles mark (one GetItem) in the
        # background: counted before the first PUT's round trips, not inside them (under ASan
        # it landed after the PUT began: 'assert (2 - 0) == 1' in a clean-clone make test)
        t_end = time.time() + 30
        while not proxy.ops("GetItem") and time.time() < t_end:
            time.sleep(0.05)
        assert proxy.ops("GetItem"), "the serve's start-up read of the handles mark"
        proxy.script_for["TransactWriteItems"] = ["slow:0.1"] * 500
        # the conversations older than the rename's start less its slack (rename_since, 1 s):
        # a resumed walk goes again over those above it, which a send may have moved there
        time.sleep(1.2)
        renamed, puts = 0, 0
        while True:
            u0, q0 = len(proxy.ops("UpdateItem")), len(proxy.ops("Query"))
            t0, g0 = len(proxy.ops("TransactWriteItems")), len(proxy.ops("GetItem"))
            st, _, r = rest(srv, "PUT", "/api/me", token(me), {"display_name": "Rdl New"})
            assert st == 200, r
            puts += 1
            assert r["display_name"] == "Rdl New"
            assert r["conversations_renamed"] + r["conversations_left"] == n - renamed, r
            # round trips: the user row (a new name sets it and the resume mark; the same
            # name again fails that condition and reads the row: the mark), one transaction
            # per conversation renamed, the resume mark moved while some are left or
            # removed by the PUT that ends, one Query (two going on: below the mark, and
            # above it and rename_since: none here); besides the caller's lookup (every
            # REST request's), no read before the first PUT's update
            assert len(proxy.ops("UpdateItem")) - u0 == 2
            assert len(proxy.ops("TransactWriteItems")) - t0 == r["conversations_renamed"]
            assert len(proxy.ops("GetItem")) - g0 == (1 if puts == 1 else 2)
            assert len(proxy.ops("Query")) - q0 == (1 if puts == 1 else 2)
            renamed += r["conversations_renamed"]
            # the newest conversations first
            assert names() == ["Rdl Me"] * (n - renamed) + ["Rdl New"] * renamed
            if r["conversations_left"] == 0:
                break
            assert 1 <= r["conversations_renamed"] < n, r
            assert puts < n
        assert puts >= 2  # the deadline did cut the first PUT short
    finally:
        if srv:
            srv.stop()
            os.unlink(srv.log)
        proxy.close()


def test_display_name_change_whose_walk_fails_is_200_with_retry_after(msg_server):
    """A rename whose conversation batch fails after the user row changed (here the endpoint
    refuses the second transaction) answers 200 with the part done, conversations_left and
    Retry-After: 1, since the name did change; the same PUT again goes on from there.  Before
    session 29 the answer was the error (a 503) though the name had changed."""
    from faultproxy import FaultProxy
    n = 3
    me = add_user(msg_server, "rwf_me", "Rwf Me")
    others = [add_user(msg_server, f"rwf_o{i}", f"Rwf O{i}") for i in range(n)]
    for o in others:  # rwf_o2's conversation is the newest
        st, _, m = rest(msg_server, "POST", "/api/messages", token(o),
                        {"message": "hi", "handle": "rwf_me"})
        assert st == 200, m
    proxy = FaultProxy(msg_server.ddb_url)
    srv = None
    try:
        srv = start_remote_serve(proxy.url, env={"DDBCHAT_RENAME_BATCH": "1"})
        proxy.script_for["TransactWriteItems"] = ["ok", "deny"]
        st, h, r = rest(srv, "PUT", "/api/me", token(me), {"display_name": "Rwf New"})
        assert (st, r["conversations_renamed"], r["conversations_left"]) == (200, 1, 2), r
        assert h.get("retry-after") == "1", h
        # GET /api/me says the rename is unfinished (the user row's resume mark): a page
        # reloaded meanwhile learns that saving the same name again goes on
        st, _, got = rest(srv, "GET", "/api/me", token(me))
        assert got["display_name"] == "Rwf New" and got["rename_unfinished"] is True, got
        st, h, r = rest(srv, "PUT", "/api/me", token(me), {"display_name": "Rwf New"})
        assert (st, r["conversations_renamed"], r["conversations_left"]) == (200, 2, 0), r
        assert "retry-after" not in h, h
        st, _, got = rest(srv, "GET", "/api/me", token(me))
        assert st == 200 and got["rename_unfinished"] is False, got
        for o in others:
            st, _, groups = rest(msg_server, "GET", "/api/message_groups", token(o))
            assert groups[0]["display_name"] == "Rwf New", groups
    finally:
        if srv:
            srv.stop()
            os.unlink(srv.log)
        proxy.close()


def test_paging_forward_with_after(msg_server):
    """?after=<time> pages forward (a client that polls or comes back): the messages created
    after it, the oldest `limit` of them listed oldest -> newest like every page, and
    X-Next-After while more follow; the same for the conversations that got a message after
    it; a bad after or after with cursor is a 400 in words."""
    a = add_user(msg_server, "fwd_a", "Fwd A")
    b = add_user(msg_server, "fwd_b", "Fwd B")
    ta, tb = token(a), token(b)
    ms = [rest(msg_server, "POST", "/api/messages", ta,
               {"message": f"f{i}", "handle": "fwd_b"})[2] for i in range(7)]
    g = ms[0]["message_group_uuid"]
    seen, after = [], ms[1]["created_at"]
    while True:
        st, h, page = rest(msg_server, "GET", f"/api/messages/{g}?limit=2&after={after}", tb)
        assert st == 200, page
        seen.append([m["message"] for m in page])
        if "x-next-after" not in h:
            break
        after = h["x-next-after"]
        assert after == page[-1]["created_at"]
    assert seen == [["f2", "f3"], ["f4", "f5"], ["f6"]], seen
    st, h, page = rest(msg_server, "GET", f"/api/messages/{g}?after={ms[6]['created_at']}", tb)
    assert st == 200 and page == [] and "x-next-after" not in h
    # conversations: b's conversation with d gets a message after the one with a
    rest(msg_server, "POST", "/api/messages", token(add_user(msg_server, "fwd_d", "Fwd D")),
         {"message": "hello b", "handle": "fwd_b"})
    st, h, convs = rest(msg_server, "GET", f"/api/message_groups?after={ms[5]['created_at']}",
                        tb)
    assert st == 200 and [c["handle"] for c in convs] == ["fwd_d", "fwd_a"], convs
    st, h, convs = rest(msg_server, "GET",
                        f"/api/message_groups?limit=1&after={ms[5]['created_at']}", tb)
    assert [c["handle"] for c in convs] == ["fwd_a"] and h["x-next-after"] == ms[6]["created_at"]
    # the CLI pages forward too: --after T [--all]
    p = cli(msg_server, "get-conversation", g, "--after", ms[1]["created_at"], "--limit", "2",
            "--all", "--json")
    assert [m["message"] for m in json.loads(p.stdout)["messages"]] == \
        ["f2", "f3", "f4", "f5", "f6"], p.stdout
    p = cli(msg_server, "list-conversations", "fwd_b", "--after", ms[5]["created_at"], "--json")
    assert [c["handle"] for c in json.loads(p.stdout)["conversations"]] == ["fwd_d", "fwd_a"]
    for q, code in (("after=yesterday", "bad_timestamp"),
                    (f"after={ms[0]['created_at']}&cursor=abc", "invalid_field")):
        st, _, b_ = rest(msg_server, "GET", f"/api/messages/{g}?{q}", tb)
        assert st == 400 and b_["error"]["code"] == code, b_


def test_token_command_matches_server_secret(pytestconfig):
    """Without DDBCHAT_JWT_SECRET, `ddbchat token` and `ddbchat serve` share the random
    secret the first of them created in the data dir (mode 0600)."""
    import os
    import shutil
    import stat
    import subprocess
    from conftest import ddbchat_bin
    env = {k: v for k, v in os.environ.items() if k != "DDBCHAT_JWT_SECRET"}
    srv = start_ddbchat("--demo", dynamodb_only=False, env={"DDBCHAT_JWT_SECRET": ""})
    try:
        p = subprocess.run([ddbchat_bin(), "token", "andrewbrown", "--data-dir", srv.data_dir],
                           capture_output=True, text=True, env=env, timeout=60)
        assert p.returncode == 0, p.stderr
        tok = p.stdout.strip()
        st, _, groups = rest(srv, "GET", "/api/message_groups", tok)
        assert st == 200 and len(groups) == 2
        mode = os.stat(os.path.join(srv.data_dir, "jwt-secret")).st_mode
        assert stat.S_IMODE(mode) == 0o600
        assert rest(srv, "GET", "/api/message_groups", token("x", secret=SECRET))[0] == 401
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


@pytest.mark.parametrize("how", ["env", "flags"])
def test_rs256_public_key_and_claim(tmp_path, how):
    """RS256 with a configured PEM public key (DDBCHAT_JWT_PUBLIC_KEY_FILE or
    --jwt-public-key) and the user taken from a configured claim (DDBCHAT_JWT_CLAIM or
    --jwt-claim); HS256 signed with that public key as the HMAC secret (algorithm
    confusion) and tokens of another key are refused."""
    import shutil
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    pem = tmp_path / "pub.pem"
    pem.write_bytes(pub)
    if how == "env":
        srv = start_ddbchat("--demo", dynamodb_only=False,
                            env={"DDBCHAT_JWT_SECRET": SECRET,
                                 "DDBCHAT_JWT_PUBLIC_KEY_FILE": str(pem),
                                 "DDBCHAT_JWT_CLAIM": "username"})
    else:
        srv = start_ddbchat("--demo", "--jwt-public-key", str(pem), "--jwt-claim", "username",
                            dynamodb_only=False, env={"DDBCHAT_JWT_SECRET": SECRET})
    try:
        now = int(time.time())
        claims = {"sub": "cognito-id-123", "username": "andrewbrown", "exp": now + 60}
        good = jwt.encode(claims, key, algorithm="RS256")
        st, _, groups = rest(srv, "GET", "/api/message_groups", good)
        assert st == 200 and len(groups) == 2
        assert rest(srv, "GET", "/api/message_groups",
                    jwt.encode(dict(claims, exp=now - 5), key, algorithm="RS256"))[0] == 401
        assert rest(srv, "GET", "/api/message_groups",
                    jwt.encode(claims, other, algorithm="RS256"))[0] == 401
        # hand-made HS256 token keyed with the public key PEM
        import hashlib
        import hmac

        def b64(b):
            return base64.urlsafe_b64encode(b).decode().rstrip("=")
        head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = b64(json.dumps(claims).encode())
        sig = b64(hmac.new(pub, f"{head}.{body}".encode(), hashlib.sha256).digest())
        assert rest(srv, "GET", "/api/message_groups", f"{head}.{body}.{sig}")[0] == 401
        # a real Cognito token (iss = the user pool's URL, an ID token's aud or an access
        # token's client_id = the app client) on a server with no --jwt-issuer/--jwt-audience:
        # accepted, RS256 tokens are not ours and only a configured issuer/audience applies
        # to them (the "ddbchat" default is for HS256 tokens of our own secret)
        pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
        for extra in ({"iss": pool, "aud": "5r0jk8nfkeh3mjr8ec6ljn0b0m", "token_use": "id"},
                      {"iss": pool, "client_id": "5r0jk8nfkeh3mjr8ec6ljn0b0m",
                       "token_use": "access"}):
            st, _, b = rest(srv, "GET", "/api/message_groups",
                            jwt.encode(dict(claims, **extra), key, algorithm="RS256"))
            assert st == 200, (extra, st, b)
        # the claim is configured: a token without "username" names nobody
        assert rest(srv, "GET", "/api/message_groups",
                    jwt.encode({"sub": "x", "exp": now + 60}, key, algorithm="RS256"))[0] == 401
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


def test_half_closed_client_gets_its_reply(msg_server, people):
    # A client that half-closes (shutdown(SHUT_WR)) after sending POST /api/messages still
    # gets the reply, and the message is stored once.  The POST runs in the blocking pool;
    # before, libmicrohttpd closed the connection on resuming it (it read the FIN first) and
    # the client got nothing although the message was stored.
    import socket
    import urllib.parse
    ids, tok = people
    u = urllib.parse.urlparse(msg_server.api_url)
    body = json.dumps({"message": "half-closed hello", "handle": "bob"}).encode()
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    s.sendall(b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Authorization: Bearer " + tok["alice"].encode() + b"\r\nContent-Length: " +
              str(len(body)).encode() + b"\r\n\r\n" + body)
    s.shutdown(socket.SHUT_WR)
    data = read_to_close(s)
    s.close()
    head, _, rest_ = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), data
    m = json.loads(rest_)
    assert m["message"] == "half-closed hello"
    st, _, msgs = rest(msg_server, "GET", f"/api/messages/{m['message_group_uuid']}",
                       tok["alice"])
    assert st == 200 and [x["message"] for x in msgs].count("half-closed hello") == 1


def test_allow_lists_every_method_a_route_answers(msg_server, people):
    """RFC 9110 10.2.1 / 9.3.7: a 405's Allow, and an OPTIONS reply's, list the methods the
    route answers: the GET routes and the page's files answer HEAD and OPTIONS too, the POST
    routes OPTIONS, the event stream GET only (and OPTIONS); an OPTIONS of a path that is no
    route is the same 404 as a GET of it.  Before, the GET routes' 405 said "GET, OPTIONS"
    (no HEAD, which they answer 200), the page's "GET, HEAD" (no OPTIONS, which it answers
    204), OPTIONS answered 204 without Allow, and 204 for any path at all."""
    ids, tok = people
    get_routes = ("/api/health", "/api/message_groups", "/api/me",
                  "/api/messages/00000000-0000-4000-8000-000000000000",
                  "/api/message_groups/00000000-0000-4000-8000-000000000000", "/", "/app.js")
    for path in get_routes:
        st, h, b = rest(msg_server, "DELETE", path, tok["alice"])
        assert st == 405 and b["error"]["code"] == "method_not_allowed", (path, b)
        want = "GET, HEAD, PUT, OPTIONS" if path == "/api/me" else "GET, HEAD, OPTIONS"
        assert h.get("allow") == want, (path, h)
        st, h, _ = rest(msg_server, "HEAD", path, tok["alice"])
        assert st in (200, 404), (path, st)  # answered (404: the made-up conversation)
        st, h, _ = rest(msg_server, "OPTIONS", path)
        want = "GET, HEAD, PUT, OPTIONS" if path == "/api/me" else "GET, HEAD, OPTIONS"
        assert st == 204 and h.get("allow") == want, (path, st, h)
    for path in ("/api/messages", "/api/events/ticket"):
        st, h, b = rest(msg_server, "GET", path, tok["alice"])
        assert st == 405 and h.get("allow") == "POST, OPTIONS", (path, h)
        st, h, _ = rest(msg_server, "OPTIONS", path)
        assert st == 204 and h.get("allow") == "POST, OPTIONS", (path, st, h)
    st, h, _ = rest(msg_server, "HEAD", "/api/events")
    assert st == 405 and h.get("allow") == "GET, OPTIONS", h
    st, h, _ = rest(msg_server, "OPTIONS", "/api/events")
    assert st == 204 and h.get("allow") == "GET, OPTIONS", h
    # a message's own route answers DELETE (session 30: test_messaging_delete.py)
    st, h, b = rest(msg_server, "GET", "/api/messages/a/b", tok["alice"])
    assert st == 405 and h.get("allow") == "DELETE, OPTIONS", (st, h, b)
    st, h, _ = rest(msg_server, "OPTIONS", "/api/messages/a/b")
    assert st == 204 and h.get("allow") == "DELETE, OPTIONS", (st, h)
    for path in ("/api/nothing", "/nothing.js", "/api/messages/a/b/c", "/api/messages/a/",
                 "/api/message_groups/a/b"):
        st_get, _, b_get = rest(msg_server, "GET", path, tok["alice"])
        st, h, b = rest(msg_server, "OPTIONS", path, headers={"Origin": CORS_ORIGIN})
        assert st == st_get == 404 and b == b_get, (path, st, b)
        assert b["error"]["code"] == "route_not_found"


def test_token_type_and_surrounding_space(msg_server, people):
    """A correctly signed token whose header says another type than JWT (RFC 9068's at+jwt)
    is refused with that reason, not as "bad signature" (libjwt 1.10 refuses any typ but JWT
    inside its signature check, with one error for all); typ "jwt" in any case, or absent,
    is a JWT.  Spaces or a tab after the token (RFC 9110 5.5: not part of the field value)
    are not part of it: before, "Bearer <token> " was a 401 "bad signature"."""
    ids, tok = people
    now = int(time.time())
    claims = {"sub": ids["alice"], "exp": now + 60}
    st, h, b = rest(msg_server, "GET", "/api/me",
                    jwt.encode(claims, SECRET, algorithm="HS256", headers={"typ": "at+jwt"}))
    assert st == 401 and b["error"]["code"] == "unauthorized", b
    assert "typ" in b["error"]["message"] and "at+jwt" in b["error"]["message"], b
    assert h["www-authenticate"].endswith('error="invalid_token"')
    for typ in ("jwt", "JWT"):
        st, _, b = rest(msg_server, "GET", "/api/me",
                        jwt.encode(claims, SECRET, algorithm="HS256", headers={"typ": typ}))
        assert st == 200 and b["handle"] == "alice", (typ, b)
    good = token(ids["alice"])
    for sent in (f"Bearer {good} ", f"Bearer {good}\t", f"Bearer   {good}  \t "):
        st, _, b = rest(msg_server, "GET", "/api/me", headers={"Authorization": sent})
        assert st == 200 and b["handle"] == "alice", (repr(sent), b)


def test_conversation_uuid_in_any_case(msg_server, people):
    """RFC 4122 3 (RFC 9562 4): a uuid's hex digits are case-insensitive on input.  A
    conversation named in upper case (a tool that upper-cases uuids, a hand-typed one) is the
    same conversation: listed, written to, and answered with its lower-case uuid.  Before,
    GET /api/messages/<UPPER> and POST {"message_group_uuid": "<UPPER>"} were 404
    not_found for a conversation the caller is in, and so was the CLI."""
    ids, tok = people
    st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "case one", "handle": "carol"})
    assert st == 200, m
    g = m["message_group_uuid"]
    assert g == g.lower()
    st, _, m2 = rest(msg_server, "POST", "/api/messages", tok["carol"],
                     {"message": "case two", "message_group_uuid": g.upper()})
    assert st == 200 and m2["message_group_uuid"] == g, m2
    st, _, page = rest(msg_server, "GET", f"/api/messages/{g.upper()}?limit=2", tok["alice"])
    assert st == 200 and [x["message"] for x in page] == ["case one", "case two"], page
    p = cli(msg_server, "get-conversation", g.upper(), "--limit", "2", "--json")
    assert [x["message"] for x in json.loads(p.stdout)["messages"]] == ["case one", "case two"]
    p = cli(msg_server, "send", "carol", g.upper(), "case three", "--json")
    assert json.loads(p.stdout)["message_group_uuid"] == g
    # still only its participants: bob gets the same 404 in any case
    for gg in (g, g.upper()):
        st, _, b = rest(msg_server, "GET", f"/api/messages/{gg}", tok["bob"])
        assert st == 404 and b["error"]["code"] == "not_found"


def test_vary_origin_on_every_answer_when_origins_are_listed(msg_server, people):
    """With --cors-origin naming origins (not "*"), whether an answer carries
    Access-Control-Allow-Origin depends on the request's Origin, so every answer says
    Vary: Origin (the Fetch standard's CORS protocol and caching note), also one to a request
    without Origin or from another origin: else a cache that stored the answer to a request
    without Origin (no Allow-Origin) hands it to the listed origin's page, which then cannot
    read it.  Before, only answers to a listed origin had Vary: Origin."""
    ids, tok = people
    for path, t in (("/api/health", None), ("/api/me", tok["alice"]), ("/app.js", None)):
        for origin in (None, "http://evil.example", CORS_ORIGIN):
            st, h, _ = rest(msg_server, "GET", path, t,
                            headers={"Origin": origin} if origin else None)
            assert st == 200, (path, origin, st)
            assert "origin" in [v.strip().lower() for v in h.get("vary", "").split(",")], \
                (path, origin, h)
            assert ("access-control-allow-origin" in h) == (origin == CORS_ORIGIN), (path, h)


def test_transport_refusals_carry_cors(msg_server, people):
    """The HTTP layer's own refusals on the REST port (a body over the limit 413, a
    Content-Encoding it does not decode 415, a malformed target 400, too many header fields
    431) carry the same CORS headers as every other answer, so a page on a listed origin (the
    Cruddur frontend on :3000) can read the error instead of meeting a network error; and
    Retry-After is exposed to it (the busy 503's).  Before, none had Access-Control-Allow-Origin."""
    ids, tok = people
    o = {"Origin": CORS_ORIGIN}
    cases = [
        ("POST", "/api/messages", {"message": "x" * 70000, "handle": "bob"}, o, 413,
         "payload_too_large"),
        ("POST", "/api/messages", b"\x00\x01", dict(o, **{"Content-Encoding": "br"}), 415,
         "unsupported_encoding"),
        ("GET", "/api/messages/00000000-0000-4000-8000-000000000000%00x", None, o, 400,
         "bad_request"),
        ("GET", "/api/me", None, dict(o, **{f"X-H{i}": "1" for i in range(140)}), 431,
         "headers_too_large"),
    ]
    for method, path, body, headers, status, code in cases:
        st, h, b = rest(msg_server, method, path, tok["alice"], body, headers=headers)
        assert st == status and b["error"]["code"] == code, (path, st, b)
        assert h.get("access-control-allow-origin") == CORS_ORIGIN, (path, status, h)
        assert "retry-after" in h["access-control-expose-headers"].lower(), h
        st, h, b = rest(msg_server, method, path, tok["alice"], body,
                        headers=dict(headers, Origin="http://evil.example"))
        assert st == status and "access-control-allow-origin" not in h, (path, h)


def test_a_body_over_any_limit_is_one_413(msg_server, people):
    """A body over a route's cap and one the HTTP layer refuses before reading it (declared
    over the limit with "Expect: 100-continue", answered at once) are the same refusal to a
    client: 413 payload_too_large with one message.  Before, the HTTP layer's said "request
    body too large" and the route's "the request body is too large"."""
    import socket
    import urllib.parse
    ids, tok = people
    answers = set()
    for n in (70000, 1100000):
        st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"],
                        {"message": "x" * n, "handle": "bob"})
        assert st == 413 and b["error"]["code"] == "payload_too_large", (n, st, b)
        answers.add(b["error"]["message"])
    u = urllib.parse.urlparse(msg_server.api_url)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(b"POST /api/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  tok["alice"].encode() + b"\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 2000000\r\nExpect: 100-continue\r\n\r\n")
        raw = b""
        while b"\r\n\r\n" not in raw or not raw.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), raw[:300]
    b = json.loads(body)
    assert b["error"]["code"] == "payload_too_large", b
    answers.add(b["error"]["message"])
    assert answers == {"the request body is too large"}, answers


def test_busy_reply_carries_cors(tmp_path):
    """The REST port's busy 503 (beyond --max-connections) carries the CORS headers too, with
    Retry-After exposed: a page on a listed origin reads "try again shortly" and when."""
    import shutil
    import socket
    import urllib.parse
    srv = start_ddbchat("--max-connections", "2", "--max-connections-per-ip", "0",
                        "--cors-origin", CORS_ORIGIN, dynamodb_only=False,
                        env={"DDBCHAT_JWT_SECRET": SECRET})
    try:
        u = urllib.parse.urlparse(srv.api_url)
        time.sleep(0.3)  # the start-up probe's connection is gone
        # in the middle of a request: idle ones give way to a new connection (hostile21)
        held = [busy_connection(u.hostname, u.port, b"GET /api/health HTTP/1.1\r\n")
                for _ in range(2)]
        time.sleep(0.3)
        s = socket.create_connection((u.hostname, u.port), timeout=10)
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nOrigin: " + CORS_ORIGIN.encode() +
                  b"\r\n\r\n")
        data = read_to_close(s, must_close=True)
        s.close()
        for h in held:
            h.close()
        head = data.partition(b"\r\n\r\n")[0].decode()
        assert head.startswith("HTTP/1.1 503"), head
        hdrs = {k.lower(): v.strip() for k, v in
                (ln.split(":", 1) for ln in head.split("\r\n")[1:])}
        assert hdrs.get("retry-after") == "1", hdrs
        assert hdrs.get("access-control-allow-origin") == CORS_ORIGIN, hdrs
        assert "retry-after" in hdrs["access-control-expose-headers"].lower(), hdrs
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


def test_after_takes_any_rfc3339_time(msg_server, people):
    """?after= (and the CLI's --after) takes an RFC 3339 time in any of its usual spellings,
    as clients produce them: JavaScript's Date.toISOString() (milliseconds), no fraction,
    nanoseconds, "z", an offset (+00:00, +02:00); each answers what the fixed form of the
    same instant answers.  Before, only the fixed 27-character form was read and
    new Date(t).toISOString() was a 400 bad_timestamp.  Garbage is still 400."""
    import datetime as dt
    ids, tok = people
    ms = [rest(msg_server, "POST", "/api/messages", tok["alice"],
               {"message": f"r{i}", "handle": "carol"})[2] for i in range(4)]
    g = ms[0]["message_group_uuid"]
    t = dt.datetime.strptime(ms[1]["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    t = t.replace(tzinfo=dt.timezone.utc)

    def page(after, path=f"/api/messages/{g}"):
        from urllib.parse import quote
        st, h, b = rest(msg_server, "GET", f"{path}?after={quote(after)}", tok["alice"])
        assert st == 200, (after, b)
        return b
    canon = lambda x: x.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # noqa: E731
    ms_t = t.replace(microsecond=t.microsecond // 1000 * 1000)
    s_t = t.replace(microsecond=0)
    variants = {
        canon(t): [t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z",
                   canon(t).replace("Z", "z"),
                   t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00",
                   (t + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "+02:00",
                   (t - dt.timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "-01:30"],
        canon(ms_t): [ms_t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms_t.microsecond // 1000:03d}Z"],
        canon(s_t): [s_t.strftime("%Y-%m-%dT%H:%M:%SZ")],
    }
    for fixed, others in variants.items():
        want = page(fixed)
        assert [m["message"] for m in want][-2:] == ["r2", "r3"], want
        for v in others:
            assert page(v) == want, v
            assert page(v, "/api/message_groups") == page(fixed, "/api/message_groups"), v
    p = cli(msg_server, "get-conversation", g, "--after",
            ms_t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms_t.microsecond // 1000:03d}Z", "--json")
    assert [m["message"] for m in json.loads(p.stdout)["messages"]] == \
        [m["message"] for m in page(canon(ms_t))]
    for bad in ("yesterday", "2026-12-05", "2026-12-05T04:00Z", "2026-12-05T04:00:00",
                "2026-12-05T04:00:00.Z", "2026-12-05T04:00:00+24:00", "2026-02-30T00:00:00Z",
                "2026-12-05T04:00:00.1234567890Z", "2026-12-05 04:00:00Z",
                "2026-12-05T04:00:00.123456Z ", "2026-12-05T04:00:00+0200"):
        from urllib.parse import quote
        st, _, b = rest(msg_server, "GET", f"/api/messages/{g}?after={quote(bad)}", tok["alice"])
        assert st == 400 and b["error"]["code"] == "bad_timestamp", (bad, b)


def test_after_offset_with_an_unencoded_plus(msg_server, people):
    """A URL typed or built by string concatenation carries an offset's "+" as is:
    `?after=2026-12-06T10:00:00+02:00`, and a query's "+" reads as a space (form decoding),
    so the server saw "...00 02:00".  A space where RFC 3339 puts the offset's sign can only
    be that "+": taken as "+", the same page as "%2B02:00", on both listings (before: 400
    bad_timestamp, though the README promises offsets like +02:00).  Other spaces stay
    refused (test_after_takes_any_rfc3339_time: "2026-12-05 04:00:00Z")."""
    import datetime as dt
    ids, tok = people
    ms = [rest(msg_server, "POST", "/api/messages", tok["alice"],
               {"message": f"plus{i}", "handle": "carol"})[2] for i in range(3)]
    g = ms[0]["message_group_uuid"]
    t = dt.datetime.strptime(ms[0]["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    local = (t + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    for path in (f"/api/messages/{g}", "/api/message_groups"):
        st, _, want = rest(msg_server, "GET", f"{path}?after={local}%2B02:00", tok["alice"])
        assert st == 200, want
        st, _, got = rest(msg_server, "GET", f"{path}?after={local}+02:00", tok["alice"])
        assert st == 200 and got == want, (path, got)
    st, _, m = rest(msg_server, "GET", f"/api/messages/{g}?after={local}+02:00", tok["alice"])
    assert [x["message"] for x in m] == ["plus1", "plus2"], m
    for bad in (f"{local}+%2002:00", f"{local}++02:00", f"{local}+2:00", f"{local}%2002:00Z"):
        st, _, b = rest(msg_server, "GET", f"/api/messages/{g}?after={bad}", tok["alice"])
        assert st == 400 and b["error"]["code"] == "bad_timestamp", (bad, b)


def test_limit_is_digits_only(msg_server, people):
    """limit is 1 to 100 written in digits: "+5", " 5" (%20), "5 ", "0x5", "5.0", "1e1" are
    400 bad_limit on both listings, like "5%00junk" (before, strtol read "+5" and " 5" as 5);
    a leading zero is still a number."""
    ids, tok = people
    st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "limit", "handle": "bob"})
    g = m["message_group_uuid"]
    for path in (f"/api/messages/{g}", "/api/message_groups"):
        for q in ("%2B5", "+5", "%205", "5%20", "0x5", "5.0", "1e1", "-0"):
            st, _, b = rest(msg_server, "GET", f"{path}?limit={q}", tok["alice"])
            assert st == 400 and b["error"]["code"] == "bad_limit", (path, q, b)
        st, _, b = rest(msg_server, "GET", f"{path}?limit=01", tok["alice"])
        assert st == 200 and len(b) == 1, (path, b)


def test_query_parameter_names_are_percent_decoded(msg_server, people):
    """A query's names are form-decoded like its values (the URL Standard's
    application/x-www-form-urlencoded parser decodes both, as every client library that builds
    a query expects): `?l%69mit=1` is `?limit=1`, and `?%6Cimit=x` the same 400 bad_limit as
    `?limit=x`.  Before, a name was compared as sent: an encoded `limit` was ignored and the
    page had the default length (session 21's "left alone", rest.c query_param)."""
    ids, tok = people
    for i in range(2):
        st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                        {"message": f"pname{i}", "handle": "bob"})
        assert st == 200, m
    g = m["message_group_uuid"]
    for path in (f"/api/messages/{g}", "/api/message_groups"):
        st, _, want = rest(msg_server, "GET", f"{path}?limit=1", tok["alice"])
        assert st == 200 and len(want) == 1, (path, want)
        for name in ("l%69mit", "%6C%69%6D%69%74", "%6cimit"):
            st, _, got = rest(msg_server, "GET", f"{path}?{name}=1", tok["alice"])
            assert st == 200 and got == want, (path, name, got)
            st, _, b = rest(msg_server, "GET", f"{path}?{name}=x", tok["alice"])
            assert st == 400 and b["error"]["code"] == "bad_limit", (path, name, b)
        # a name that decodes to something else (or holds a NUL) is not limit
        for name in ("limit%00", "lim%20it", "limi"):
            st, _, got = rest(msg_server, "GET", f"{path}?{name}=x", tok["alice"])
            assert st == 200, (path, name, got)


def test_cli_text_output_escapes_controls(msg_server, people):
    # The CLI's human output is one line per message / conversation / user.  A message (or a
    # display name) holding a line end forged a line of the listing, as if someone else had
    # written it, and an ESC sequence went to the reader's terminal as a command (clear the
    # screen, set the title, ...).  Controls are written as escapes; --json keeps the text.
    ids, tok = people
    # `user add` refuses control characters in a name now
    # (test_display_name_control_characters_refused): this name is one stored before that,
    # written straight into the user row, as old data still is
    mal = add_user(msg_server, "ctl_mallory", "Mallory")
    client_for(msg_server.ddb_url).update_item(
        TableName="cruddur-messages", Key={"pk": {"S": f"USER#{mal}"}, "sk": {"S": "USER"}},
        UpdateExpression="SET display_name = :n",
        ExpressionAttributeValues={":n": {"S": "Mal\nlory\x1b[2J"}})
    evil = ("hi\n2026-01-01T00:00:00.000000Z  Alice A (@alice): send me your password"
            "\x1b]0;pwned\x07\r\t\x7f\u0085end")
    st, _, m = rest(msg_server, "POST", "/api/messages", token(add_user(msg_server, "ctl_bob",
                                                                         "Bob Ctl")),
                    {"message": evil, "handle": "ctl_mallory"})
    assert st == 200, m
    g = m["message_group_uuid"]
    shown = "hi\\n2026-01-01T00:00:00.000000Z  Alice A (@alice): send me your password" \
            "\\x1b]0;pwned\\x07\\r\\t\\x7f\\u0085end"
    p = cli(msg_server, "get-conversation", g)
    lines = p.stdout.splitlines()
    assert len(lines) == 1 and lines[0].endswith(f"Bob Ctl (@ctl_bob): {shown}"), p.stdout
    assert "\x1b" not in p.stdout and "\x07" not in p.stdout and "\u0085" not in p.stdout
    p = cli(msg_server, "list-conversations", "ctl_bob")
    lines = p.stdout.splitlines()
    assert len(lines) == 1 and lines[0].endswith(
        "Mal\\nlory\\x1b[2J (@ctl_mallory): " + shown), p.stdout
    p = cli(msg_server, "user", "show", "ctl_mallory")
    assert p.stdout.endswith("@ctl_mallory  Mal\\nlory\\x1b[2J\n"), p.stdout
    # --json is for programs: the exact text
    p = cli(msg_server, "get-conversation", g, "--json")
    assert json.loads(p.stdout)["messages"][0]["message"] == evil
    # `ddbchat sql` prints its table cells by the same rule (it wrote C0 controls as spaces
    # and sent DEL and C1 controls, U+009B the 8-bit CSI, to the terminal); an escape counts
    # in the cell's width
    short = "a\x1b[2Jb\u009b31mc\x7fd\ne"
    st, _, m2 = rest(msg_server, "POST", "/api/messages", tok["alice"],
                     {"message": short, "handle": "ctl_mallory"})
    assert st == 200, m2
    p = cli(msg_server, "sql", 'SELECT message FROM "cruddur-messages" WHERE pk = ?',
            "--param", json.dumps({"S": "MSG#" + m2["message_group_uuid"]}))
    lines = p.stdout.splitlines()
    cell = "a\\x1b[2Jb\\u009b31mc\\x7fd\\ne"
    assert lines[2] == cell and lines[1] == "-" * len(cell), p.stdout
    for raw in ("\x1b", "\u009b", "\x7f"):
        assert raw not in p.stdout, (raw, p.stdout)


def test_post_non_json_body_by_its_content_type(msg_server, people):
    # A body is read as JSON whatever its label: `curl -d '{...}'` labels it a form, and that
    # first try of the API stores the message.  The label words the refusal of a body that is
    # not JSON: labelled as something else (a form a=b, text/plain) it is 415
    # unsupported_media_type saying to send JSON; labelled JSON or not at all, the 400
    # malformed_json it was.
    ids, tok = people
    body = json.dumps({"message": "typed", "handle": "bob"})
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/json",
                  "Application/JSON; charset=utf-8", "application/vnd.ddbchat+json", ""):
        st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"], body,
                        headers={"Content-Type": ctype})
        assert st == 200 and b["message"] == "typed", (ctype, st, b)
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "text/json",
                  "multipart/form-data; boundary=x", "application/jsonx", "application/"):
        st, h, b = rest(msg_server, "POST", "/api/messages", tok["alice"], "message=hi&handle=bob",
                        headers={"Content-Type": ctype})
        assert st == 415 and b["error"]["code"] == "unsupported_media_type", (ctype, st, b)
        assert "application/json" in b["error"]["message"]
    for ctype in ("application/json", " application/json ;charset=UTF-8", "application/x+json",
                  ""):
        st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"], "message=hi",
                        headers={"Content-Type": ctype})
        assert st == 400 and b["error"]["code"] == "malformed_json", (ctype, st, b)
    u = urllib.parse.urlparse(msg_server.api_url)  # no Content-Type header at all
    for sent, want in ((body, 200), ("message=hi", 400)):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        conn.request("POST", "/api/messages", body=sent.encode(),
                     headers={"Authorization": f"Bearer {tok['alice']}"})
        r = conn.getresponse()
        assert r.status == want, (sent, r.status, r.read())
        r.read()
        conn.close()
    # a valid JSON body that is no object is the 400 whatever its label
    st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"], "[]",
                    headers={"Content-Type": "text/plain"})
    assert st == 400 and b["error"]["code"] == "malformed_json", b
    # signed in first: without a token it is the 401
    st, _, b = rest(msg_server, "POST", "/api/messages", None, "a=b",
                    headers={"Content-Type": "text/plain"})
    assert st == 401, b

def test_token_sub_uuid_in_any_case(msg_server, people):
    # A token whose sub is the user's uuid in upper case (an identity provider or a tool that
    # upper-cases uuids) names the same user, as a conversation's uuid does in any case
    # (RFC 4122 3); it was a 401 "the token names no known user".
    ids, _ = people
    st, _, b = rest(msg_server, "GET", "/api/me", token(ids["alice"].upper()))
    assert st == 200 and b["uuid"] == ids["alice"] and b["handle"] == "alice", b
    st, _, b = rest(msg_server, "POST", "/api/messages", token(ids["alice"].upper()),
                    {"message": "upper sub", "handle": "bob"})
    assert st == 200 and b["handle"] == "alice", b
    st, _, b = rest(msg_server, "GET", "/api/me", token(ids["alice"][:-1].upper() + "g"))
    assert st == 401 and b["error"]["code"] == "unauthorized", b   # no uuid, no such handle


def test_cli_limit_out_of_range_is_refused(msg_server, people):
    # --limit is the REST API's limit: 1..100.  Past an int it was cast (4294967297 listed one
    # message, 4294967296 the default 40), and 0 was taken as "no --limit"; each is the
    # service's bad_limit now (exit 1), as ?limit= is, in the same words (one error table:
    # the CLI said "limit must be between 1 and 100", REST "an integer from 1 to 100").
    ids, tok = people
    st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "limit probe", "handle": "carol"})
    assert st == 200, m
    g = m["message_group_uuid"]
    for n in ("0", "101", "4294967296", "4294967297", "99999999999999999999"):
        st, _, b = rest(msg_server, "GET", f"/api/messages/{g}?limit={n}", tok["alice"])
        assert st == 400 and b["error"]["code"] == "bad_limit", b
        for cmd in (("get-conversation", g), ("list-conversations", "alice")):
            p = cli(msg_server, *cmd, "--limit", n, check=False)
            assert p.returncode == 1 and \
                p.stderr == f"ddbchat: bad_limit: {b['error']['message']}\n", (cmd, n, p.stderr)
    p = cli(msg_server, "get-conversation", g, "--limit", "1", "--json")
    assert [x["message"] for x in json.loads(p.stdout)["messages"]] == ["limit probe"]


def test_after_before_1970_lists_everything(msg_server, people):
    # after= is any RFC 3339 time (years 0000..9999): one before 1970 (Go's zero time
    # 0001-01-01T00:00:00Z, .NET's DateTime.MinValue: "from the start") lists from the first
    # message, one past 9999 in UTC lists nothing.  Both were 400 bad_timestamp.
    from urllib.parse import quote
    ids, tok = people
    st, _, m = rest(msg_server, "POST", "/api/messages", tok["bob"],
                    {"message": "first of all", "handle": "carol"})
    assert st == 200, m
    g = m["message_group_uuid"]
    st, _, want = rest(msg_server, "GET", f"/api/messages/{g}?limit=3&after="
                       + quote("1970-01-01T00:00:00Z"), tok["bob"])
    assert st == 200 and want, want
    for t in ("0001-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "0000-01-01T00:00:00+01:00"):
        for path in (f"/api/messages/{g}", "/api/message_groups"):
            st, _, b = rest(msg_server, "GET", f"{path}?limit=3&after={quote(t)}", tok["bob"])
            assert st == 200, (t, path, b)
            if path != "/api/message_groups":
                assert b == want, (t, b)
    st, _, b = rest(msg_server, "GET", f"/api/messages/{g}?after="
                    + quote("9999-12-31T23:59:59-01:00"), tok["bob"])
    assert st == 200 and b == [], b
    p = cli(msg_server, "get-conversation", g, "--after", "0001-01-01T00:00:00Z", "--limit", "3",
            "--json")
    assert [x["uuid"] for x in json.loads(p.stdout)["messages"]] == [x["uuid"] for x in want]


def test_send_to_a_conversation_whose_other_user_is_gone(msg_server, people, mddb):
    # The other person's user row was removed from the table (an operator's DeleteItem): a
    # message into the conversation is 404 not_found saying so, as a handle nobody has is a
    # 404.  It was 401 unknown_user "no user " (the uuid cleared before it was printed), a
    # sign-in error: the page signed the sender out.  The sender still reads the
    # conversation.
    ids, tok = people
    gone = add_user(msg_server, "gone_gina", "Gina Gone")
    st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "are you there?", "handle": "gone_gina"})
    assert st == 200, m
    g = m["message_group_uuid"]
    mddb.delete_item(TableName="cruddur-messages",
                     Key={"pk": {"S": f"USER#{gone}"}, "sk": {"S": "USER"}})
    st, h, b = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "hello?", "message_group_uuid": g})
    assert st == 404 and b["error"]["code"] == "not_found", (st, b)
    assert "no longer exists" in b["error"]["message"], b
    assert "www-authenticate" not in h
    st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "hello?", "handle": "gone_gina"})
    assert st == 404 and b["error"]["code"] == "unknown_handle", (st, b)
    st, _, page = rest(msg_server, "GET", f"/api/messages/{g}", tok["alice"])
    assert st == 200 and [x["message"] for x in page] == ["are you there?"], page


def test_token_ttl_zero_is_refused(msg_server, people):
    # `token --ttl S` asks for a lifetime of at most the server's maximum; --ttl 0 gave the
    # maximum (a day) instead of a refusal.  It is a usage error now (exit 2); no --ttl is
    # still the maximum, and --ttl 1 a one-second token.
    p = cli(msg_server, "token", "alice", "--ttl", "0", check=False)
    assert p.returncode == 2 and "--ttl 0" in p.stderr and p.stdout == "", (p.stdout, p.stderr)
    for args, life in (((), 86400), (("--ttl", "1"), 1)):
        tok = cli(msg_server, "token", "alice", *args).stdout.strip()
        claims = jwt.decode(tok, options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == life, (args, claims)


@pytest.mark.parametrize("name,where", [
    ("Mal\nlory", "U+000A"), ("Tab\tName", "U+0009"), ("Esc\x1b[2J", "U+001B"),
    ("nul\x01", "U+0001"), ("Del\x7fete", "U+007F"), ("\rCarriage", "U+000D"),
    # C1 controls (NEL, the 8-bit CSI) and the Unicode line/paragraph separators: line ends
    # and terminal commands as well (review20 R4; src/cli/text.c escapes them)
    ("Nel\u0085x", "U+0085"), ("Csi\u009b31m", "U+009B"), ("Line\u2028Sep", "U+2028"),
    ("Para\u2029", "U+2029"),
])
def test_display_name_control_characters_refused(msg_server, name, where):
    # A display name is one line of text shown beside every message: a C0 control (or DEL)
    # in it forged lines of listings and reached terminals as commands (the CLI escapes what
    # is stored, the page shows text only).  `user add` refuses it with invalid_display_name
    # (400 on the wire), naming the character; nothing is stored.  Unicode letters, spaces
    # inside the name and emoji stay accepted.
    p = cli(msg_server, "user", "add", "ctlname_x", name, "--json", check=False)
    assert p.returncode == 1, (p.stdout, p.stderr)
    err = json.loads(p.stdout or p.stderr)["error"]
    assert err["code"] == "invalid_display_name", err
    assert "control character" in err["message"] and where in err["message"], err
    p = cli(msg_server, "user", "show", "ctlname_x", check=False)
    assert p.returncode == 1 and "unknown_handle" in p.stderr, p.stderr


def test_display_name_without_controls_accepted(msg_server):
    uid = add_user(msg_server, "ctlname_ok", "Zoë Ωmega 😀 Smith")
    st, _, me = rest(msg_server, "GET", "/api/me", token(uid))
    assert st == 200 and me["display_name"] == "Zoë Ωmega 😀 Smith", me


@pytest.mark.parametrize("bad", ["not-a-uuid", "12345", "0e5b0d1c-aaaa-4bbb-8ccc",
                                 "0e5b0d1c-aaaa-4bbb-8ccc-0123456789ag",
                                 "0e5b0d1caaaa4bbb8ccc0123456789ab",
                                 "%7B0e5b0d1c-aaaa-4bbb-8ccc-0123456789ab%7D",
                                 # not UTF-8, and a 2-byte character cut by the echo's
                                 # 64-byte bound: was 500 "out of memory" (review20 R1)
                                 "%FF%FE", "a" * 63 + "%C3%A9", "%E2%80%AEevil"])
def test_malformed_conversation_id_is_400_unknown_is_404(msg_server, people, bad):
    # One rule for every id and handle of the REST API (src/messaging/README.md, Errors): a
    # value that cannot be an id is the caller's mistake, 400 (invalid_uuid, as a string
    # that cannot be a handle is 400 invalid_handle); a well-formed id nobody has, or a
    # conversation the caller is not in, is 404 not_found.  A non-uuid conversation id was
    # 404 not_found while a bad handle was 400.
    ids, tok = people
    st, _, b = rest(msg_server, "GET", f"/api/messages/{bad}", tok["alice"])
    assert st == 400 and b["error"]["code"] == "invalid_uuid", (st, b)
    assert "message_group_uuid" in b["error"]["message"], b
    # the echo is printable ASCII only (a uuid is): no bidi override or C1 control reaches
    # the page or a terminal through it
    assert all(" " <= ch <= "~" for ch in b["error"]["message"]), b
    text = urllib.parse.unquote(bad, errors="strict") if "%FF" not in bad else None
    if text is not None:
        st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"],
                        {"message": "hi", "message_group_uuid": text})
        assert st == 400 and b["error"]["code"] == "invalid_uuid", (st, b)
        p = cli(msg_server, "get-conversation", text, check=False)
        assert p.returncode == 1 and "ddbchat: invalid_uuid:" in p.stderr, p.stderr
        p = cli(msg_server, "get-conversation", text, "--json", check=False)
        assert p.returncode == 1 and json.loads(p.stderr)["error"]["code"] == "invalid_uuid"
    p = cli(msg_server, "user", "add", "r1_user", "R1", "--uuid",
            text if text is not None else "a\udcff", "--json", check=False)
    assert p.returncode == 1 and json.loads(p.stderr)["error"]["code"] == "invalid_uuid", \
        p.stderr


def test_wellformed_unknown_conversation_id_is_404(msg_server, people):
    ids, tok = people
    unknown = "0e5b0d1c-aaaa-4bbb-8ccc-0123456789ab"
    st, _, b = rest(msg_server, "GET", f"/api/messages/{unknown}", tok["alice"])
    assert st == 404 and b["error"]["code"] == "not_found", (st, b)
    st, _, b = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "hi", "message_group_uuid": unknown})
    assert st == 404 and b["error"]["code"] == "not_found", (st, b)
    p = cli(msg_server, "get-conversation", unknown, check=False)
    assert p.returncode == 1 and "ddbchat: not_found:" in p.stderr, p.stderr


def test_one_conversation_by_its_uuid(msg_server, people):
    # GET /api/message_groups/<uuid>: one conversation of the reader's, the item its listing
    # shows (the other person, the last message and its time), found by the uuid alone, in
    # either case.  The page opens a bookmark (#c=<uuid>) with it: when only the reader had
    # written there, the messages named no one else, and a conversation beyond the list's
    # first page was "not found in your conversations".  Someone else's conversation is 404
    # not_found as its messages are; a uuid that is none 400 invalid_uuid.
    ids, tok = people
    m = rest(msg_server, "POST", "/api/messages", tok["carol"],
             {"message": "only carol wrote", "handle": "bob"})[2]
    g = m["message_group_uuid"]
    want = {"uuid": g, "display_name": "Bob B", "handle": "bob",
            "message": "only carol wrote", "created_at": m["created_at"],
            "read_to": m["created_at"], "unread": 0}
    # The route finds the reader's row through the GSI (the row's key holds its last time),
    # which DynamoDB reads eventually consistently: over a backing server with --gsi-lag (make
    # e2e's remote run) the row shows the last message once the index has caught up.
    def caught_up(gid, who, ok):
        for _ in range(100):
            st, h, b = rest(msg_server, "GET", f"/api/message_groups/{gid}", tok[who])
            if st == 200 and ok(b):  # (a new conversation: 404 until the index has it)
                break
            time.sleep(0.05)
        return st, h, b

    for gid in (g, g.upper()):
        st, h, b = caught_up(gid, "carol", lambda b: b == want)
        assert st == 200 and b == want, (st, b)
        assert h.get("content-type", "").startswith("application/json"), h
    st, _, b = rest(msg_server, "GET", f"/api/message_groups/{g}", tok["bob"])
    assert st == 200 and b["handle"] == "carol" and b["display_name"] == "Carol C", b
    # the same item as the listing's
    st, _, groups = rest(msg_server, "GET", "/api/message_groups?limit=100", tok["carol"])
    assert [x for x in groups if x["uuid"] == g] == [want], groups
    # a reply moves it: the last message and its time follow
    r = rest(msg_server, "POST", "/api/messages", tok["bob"],
             {"message": "bob answers", "message_group_uuid": g})[2]
    st, _, b = caught_up(g, "carol", lambda b: b["message"] == "bob answers")
    assert st == 200 and (b["message"], b["created_at"], b["handle"]) == \
        ("bob answers", r["created_at"], "bob"), b
    st, _, b = rest(msg_server, "GET", f"/api/message_groups/{g}", tok["alice"])
    assert st == 404 and b["error"]["code"] == "not_found", (st, b)
    unknown = "0e5b0d1c-aaaa-4bbb-8ccc-0123456789ab"
    st, _, b = rest(msg_server, "GET", f"/api/message_groups/{unknown}", tok["carol"])
    assert st == 404 and b["error"]["code"] == "not_found", (st, b)
    st, _, b = rest(msg_server, "GET", "/api/message_groups/not-a-uuid", tok["carol"])
    assert st == 400 and b["error"]["code"] == "invalid_uuid", (st, b)
    st, _, b = rest(msg_server, "GET", f"/api/message_groups/{g}")
    assert st == 401 and b["error"]["code"] == "unauthorized", (st, b)


def test_token_issuer_and_audience(msg_server, people):
    # RFC 7519 4.1.1/4.1.3: `ddbchat token` (and serve --demo) mint tokens with iss and aud
    # "ddbchat"; the server refuses a token whose iss is another issuer or whose aud does not
    # name it (a token meant for another service signed with a shared secret).  A token
    # without iss/aud is still taken while no issuer/audience is configured.
    ids, tok = people
    t = cli(msg_server, "token", "alice").stdout.strip()
    claims = jwt.decode(t, options={"verify_signature": False})
    assert claims["iss"] == "ddbchat" and claims["aud"] == "ddbchat", claims
    assert rest(msg_server, "GET", "/api/me", t)[0] == 200
    alice = ids["alice"]
    for extra, st_want, why in (
            ({}, 200, None),
            ({"iss": "ddbchat", "aud": "ddbchat"}, 200, None),
            ({"aud": ["other-app", "ddbchat"]}, 200, None),
            ({"iss": "https://evil.example"}, 401, "iss"),
            ({"iss": 7}, 401, "iss"),
            ({"aud": "other-app"}, 401, "aud"),
            ({"aud": ["other-app"]}, 401, "aud"),
            ({"aud": 7}, 401, "aud"),
            ({"aud": []}, 401, "aud")):
        st, h, b = rest(msg_server, "GET", "/api/me", token(alice, **extra))
        assert st == st_want, (extra, st, b)
        if why:
            assert b["error"]["code"] == "unauthorized" and f"({why})" in b["error"]["message"], b
            assert 'error="invalid_token"' in h["www-authenticate"], h


def test_configured_issuer_and_audience_as_cognito(tmp_path):
    # --jwt-issuer / --jwt-audience (or $DDBCHAT_JWT_ISSUER / $DDBCHAT_JWT_AUDIENCE), as for a
    # Cognito user pool: iss is then required and must be the pool's URL; the audience is an
    # ID token's aud or, for an access token (no aud), its client_id.  `ddbchat token` with
    # the same settings mints tokens the server takes.
    import shutil
    iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
    aud = "5r0jk8nfkeh3mjr8ec6ljn0b0m"
    env = {"DDBCHAT_JWT_SECRET": SECRET, "DDBCHAT_JWT_ISSUER": iss, "DDBCHAT_JWT_AUDIENCE": aud}
    for how in ("env", "flags"):
        if how == "env":
            srv = start_ddbchat("--demo", dynamodb_only=False, env=env)
        else:
            srv = start_ddbchat("--demo", "--jwt-issuer", iss, "--jwt-audience", aud,
                                dynamodb_only=False, env={"DDBCHAT_JWT_SECRET": SECRET})
        try:
            p = cli(srv, "user", "show", "andrewbrown", "--json")
            u = json.loads(p.stdout)["uuid"]
            for extra, st_want in (
                    ({"iss": iss, "aud": aud, "token_use": "id"}, 200),
                    ({"iss": iss, "client_id": aud, "token_use": "access"}, 200),
                    ({"iss": iss, "aud": [aud]}, 200),
                    ({}, 401),                                   # no iss: required now
                    ({"iss": iss}, 401),                         # no aud, no client_id
                    ({"aud": aud}, 401),
                    ({"iss": iss + "x", "aud": aud}, 401),
                    ({"iss": iss, "aud": "ddbchat"}, 401),
                    ({"iss": iss, "client_id": "other"}, 401),
                    ({"iss": "ddbchat", "aud": "ddbchat"}, 401)):
                st, _, b = rest(srv, "GET", "/api/me", token(u, **extra))
                assert st == st_want, (how, extra, st, b)
            t = cli(srv, "token", "andrewbrown", env=env).stdout.strip()
            c = jwt.decode(t, options={"verify_signature": False})
            assert c["iss"] == iss and c["aud"] == aud, c
            assert rest(srv, "GET", "/api/me", t)[0] == 200
        finally:
            srv.stop()
            shutil.rmtree(srv.data_dir, ignore_errors=True)


def test_handles_are_case_insensitive(msg_server, people):
    # A chat handle names one person whatever case it is typed in: a lookup by any case finds
    # the one user, a case variant cannot register (handle_taken), and the handle is shown
    # as registered.  `Bayko` and `bayko` were two users.
    ids, tok = people
    kim = add_user(msg_server, "CaseKim", "Kim Case")
    for variant in ("casekim", "CASEKIM", "caseKim"):
        p = cli(msg_server, "user", "add", variant, "Impostor", "--json", check=False)
        assert p.returncode == 1, (variant, p.stdout)
        assert json.loads(p.stderr)["error"]["code"] == "handle_taken", p.stderr
        u = json.loads(cli(msg_server, "user", "show", variant, "--json").stdout)
        assert u["uuid"] == kim and u["handle"] == "CaseKim", u
    st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "hi kim", "handle": "CASEKIM"})
    assert st == 200, m
    st, _, m2 = rest(msg_server, "POST", "/api/messages", tok["alice"],
                     {"message": "again", "handle": "casekim"})
    assert st == 200 and m2["message_group_uuid"] == m["message_group_uuid"], m2
    st, _, groups = rest(msg_server, "GET", "/api/message_groups", token(kim))
    assert st == 200 and [g["handle"] for g in groups] == ["alice"], groups
    st, _, groups = rest(msg_server, "GET", "/api/message_groups", tok["alice"])
    assert [g["handle"] for g in groups if g["uuid"] == m["message_group_uuid"]] == ["CaseKim"]
    t = cli(msg_server, "token", "casekim").stdout.strip()
    st, _, me = rest(msg_server, "GET", "/api/me", t)
    assert st == 200 and me == {"uuid": kim, "handle": "CaseKim", "display_name": "Kim Case",
                                "rename_unfinished": False}
    # a token whose user claim is a handle (as Cognito's username, case-sensitive by
    # default) signs in only with the handle as registered, byte for byte: folding is for
    # finding a person, not for proving who one is (review20 R6: token "CASEKIM" signed in
    # as CaseKim)
    st, _, me = rest(msg_server, "GET", "/api/me", token("CaseKim"))
    assert st == 200 and me["uuid"] == kim, me
    for claim in ("CASEKIM", "casekim"):
        st, h, b = rest(msg_server, "GET", "/api/me", token(claim))
        assert st == 401 and b["error"]["code"] == "unauthorized", (claim, st, b)


def test_handle_rows_stored_before_case_folding_keep_working(msg_server, people, mddb):
    # Data written before handles were case-insensitive: handle rows keyed by the handle as
    # typed (HANDLE#OldBo), and the case variants two users registered then (Twin, twin).
    # The first lookup that misses folds them once (a lower-case key for each mixed-case
    # row, unless another user holds it) and marks the table; from then on OldBo is found
    # in any case and its variants are taken; each twin keeps its own spelling.
    ids, tok = people
    T = "cruddur-messages"
    mddb.delete_item(TableName=T, Key={"pk": {"S": "SCHEMA"}, "sk": {"S": "HANDLES"}})
    old = {"OldBo": "11111111-0000-4000-8000-000000000001",
           "Twin": "11111111-0000-4000-8000-000000000002",
           "twin": "11111111-0000-4000-8000-000000000003",
           "MiXeD.Case-9": "11111111-0000-4000-8000-000000000004"}
    for h, u in old.items():
        mddb.put_item(TableName=T, Item={"pk": {"S": f"USER#{u}"}, "sk": {"S": "USER"},
                                         "uuid": {"S": u}, "handle": {"S": h},
                                         "display_name": {"S": h + " Old"}})
        mddb.put_item(TableName=T, Item={"pk": {"S": f"HANDLE#{h}"}, "sk": {"S": "HANDLE"},
                                         "uuid": {"S": u}})

    def show(h):
        p = cli(msg_server, "user", "show", h, "--json", check=False)
        return json.loads(p.stdout)["uuid"] if p.returncode == 0 else p.stderr
    assert show("OldBo") == old["OldBo"]          # as stored: works before any folding
    assert show("oldbo") == old["OldBo"]          # folds the table, then finds it
    assert show("OLDBO") == old["OldBo"]
    assert show("mixed.case-9") == old["MiXeD.Case-9"]
    assert show("Twin") == old["Twin"] and show("twin") == old["twin"]
    assert show("TWIN") == old["twin"]            # the lower-case key was twin's already
    for variant in ("oldBO", "TwIn", "mixed.CASE-9"):
        p = cli(msg_server, "user", "add", variant, "New One", "--json", check=False)
        assert p.returncode == 1 and json.loads(p.stderr)["error"]["code"] == "handle_taken", \
            (variant, p.stderr)
    marker = mddb.get_item(TableName=T, Key={"pk": {"S": "SCHEMA"}, "sk": {"S": "HANDLES"}},
                           ConsistentRead=True)
    assert "Item" in marker
    st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "hi old", "handle": "oldbo"})
    assert st == 200 and m["message"] == "hi old", m
    st, _, groups = rest(msg_server, "GET", "/api/message_groups", token(old["OldBo"]))
    assert st == 200 and groups[0]["handle"] == "alice", groups


def _put_old_handle(mddb, handle, uuid):
    # a user as a writer from before handles were case-insensitive stored it: the handle
    # row keyed by the handle as typed, no lower-case twin
    T = "cruddur-messages"
    mddb.put_item(TableName=T, Item={"pk": {"S": f"USER#{uuid}"}, "sk": {"S": "USER"},
                                     "uuid": {"S": uuid}, "handle": {"S": handle},
                                     "display_name": {"S": handle + " Old"}})
    mddb.put_item(TableName=T, Item={"pk": {"S": f"HANDLE#{handle}"}, "sk": {"S": "HANDLE"},
                                     "uuid": {"S": uuid}})


def test_handles_fold_at_start(msg_server, mddb):
    # `serve` folds older handle rows when it starts, in the background, before any request
    # misses (closing20 "Left alone": the fold ran in the first request that missed).  A
    # second serve over the same storage (not yet folded: no marker) starts; nothing is asked
    # of it; the lower-case twin of a row stored as typed appears, and the marker.
    T = "cruddur-messages"
    u = "11111111-0000-4000-8000-00000000a001"
    mddb.delete_item(TableName=T, Key={"pk": {"S": "SCHEMA"}, "sk": {"S": "HANDLES"}})
    _put_old_handle(mddb, "AtStart", u)
    twin = {"pk": {"S": "HANDLE#atstart"}, "sk": {"S": "HANDLE"}}
    assert "Item" not in mddb.get_item(TableName=T, Key=twin, ConsistentRead=True)
    if getattr(msg_server, "endpoint", None):
        srv = start_remote_serve(msg_server.endpoint)
    else:
        srv = start_ddbchat(data_dir=msg_server.data_dir, dynamodb_only=False,
                            env={"DDBCHAT_JWT_SECRET": SECRET})
    try:
        deadline = time.time() + 20
        while "Item" not in mddb.get_item(TableName=T, Key=twin, ConsistentRead=True):
            assert time.time() < deadline, "no fold at start"
            time.sleep(0.1)
        assert mddb.get_item(TableName=T, Key=twin, ConsistentRead=True)["Item"]["uuid"] == \
            {"S": u}
        # the marker is written after the last twin (the fold's own order): it may come a
        # moment after the twin the loop above saw (an ASan server lost this race)
        mark = {"pk": {"S": "SCHEMA"}, "sk": {"S": "HANDLES"}}
        while "Item" not in mddb.get_item(TableName=T, ConsistentRead=True, Key=mark):
            assert time.time() < deadline, "no marker after the fold at start"
            time.sleep(0.1)
        st, _, m = rest(srv, "POST", "/api/messages", token(u),
                        {"message": "started", "handle": "alice"})
        assert st == 200, m
    finally:
        srv.stop()


def test_user_fold_repairs_rows_written_later_by_an_older_writer(msg_server, people, mddb):
    # A handle row an older writer (or an import) stores after the table was folded is found
    # as typed at once, by another case only after `ddbchat user fold` (a Scan of the whole
    # table is too dear for a lookup that misses, the everyday case: lead, msg21); the
    # running serve then finds it by any case, without a restart.  Before, the only repair
    # was deleting the marker row and a process's next miss (closing20 "Left alone").
    ids, tok = people
    st, _, err = rest(msg_server, "POST", "/api/messages", tok["alice"],
                      {"message": "x", "handle": "nobody-here"})   # a miss: folded by now
    assert st == 404 and err["error"]["code"] == "unknown_handle", err
    u = "11111111-0000-4000-8000-00000000a002"
    _put_old_handle(mddb, "LateOne", u)
    st, _, err = rest(msg_server, "POST", "/api/messages", tok["alice"],
                      {"message": "lost", "handle": "LATEONE"})
    assert st == 404 and err["error"]["code"] == "unknown_handle", err
    st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "as typed", "handle": "LateOne"})
    assert st == 200, m
    p = cli(msg_server, "user", "fold", "--json")
    out = json.loads(p.stdout)
    assert out["twins_written"] == 1 and out["handle_rows"] >= 3, out
    st, _, m = rest(msg_server, "POST", "/api/messages", tok["alice"],
                    {"message": "any case", "handle": "LATEONE"})
    assert st == 200, m
    st, _, page = rest(msg_server, "GET", f"/api/messages/{m['message_group_uuid']}",
                       tok["alice"])
    assert st == 200 and [x["message"] for x in page] == ["as typed", "any case"], page
    assert json.loads(cli(msg_server, "user", "show", "lateONE", "--json").stdout)["uuid"] == u
    p = cli(msg_server, "user", "fold", "--json")                 # idempotent
    assert json.loads(p.stdout)["twins_written"] == 0, p.stdout
    p = cli(msg_server, "user", "fold", "extra", check=False)
    assert p.returncode == 2 and "usage" in p.stderr.lower(), p.stderr


@pytest.mark.parametrize("what,request_bytes,status", [
    ("uri", b"GET /api/health?" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ("header", b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n",
     431),
    ("version", b"GET /api/health HTTP/2.0\r\nHost: x\r\n\r\n", 505),
])
def test_transport_refusals_libmicrohttpd_answers_itself(msg_server, what, request_bytes, status):
    # A request line or header block larger than the connection's memory pool (16 KB), or an
    # HTTP version other than 1.0/1.1, is refused by libmicrohttpd before any of our code
    # sees the request: 0.9.75 writes its own compiled-in HTML body (HAVE_MESSAGES; no
    # option or callback replaces it), without a Content-Type, and closes the connection.
    # Documented in src/messaging/README.md (Errors); this pins the statuses and that the
    # connection ends, so a client gets an answer (a JSON body here would need a newer
    # libmicrohttpd).  Every refusal our code makes (431 too many header fields, 413, 415,
    # 400) is JSON: test_transport_refusals_carry_cors.
    import socket
    u = urllib.parse.urlparse(msg_server.api_url)
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    try:
        s.sendall(request_bytes)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    finally:
        s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == str(status).encode(), out[:300]
    assert b"connection: close" in head.lower(), head
    assert body.startswith(b"<html>"), body[:200]


def test_two_authorization_headers_are_refused(msg_server, people):
    """Authorization is one field (RFC 9110 11.6.2): a request with two was served with the
    first (a proxy in front that checks the last would disagree on who is asking); it is a
    400 now, as two Host headers are (hostile22).  One is served as before."""
    _, tok = people
    u = urllib.parse.urlparse(msg_server.api_url)
    good = next(iter(tok.values()))

    def ask(*auths):
        s = socket.create_connection((u.hostname, u.port), timeout=10)
        try:
            head = "GET /api/message_groups HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            head += "".join(f"Authorization: {a}\r\n" for a in auths)
            s.sendall((head + "\r\n").encode())
            out = b""
            while True:
                x = s.recv(65536)
                if not x:
                    break
                out += x
        finally:
            s.close()
        head, _, body = out.partition(b"\r\n\r\n")
        return int(head.split()[1]), body

    assert ask(f"Bearer {good}")[0] == 200
    for pair in ((f"Bearer {good}", "Bearer x"), ("Bearer x", f"Bearer {good}"),
                 (f"Bearer {good}", f"Bearer {good}")):
        status, body = ask(*pair)
        assert status == 400, (pair, status, body[:200])
        assert json.loads(body)["error"]["code"] == "bad_request", body[:200]


def test_nul_byte_in_a_header_is_refused(msg_server, people):
    """RFC 9110 5.5: a NUL inside a header value is refused (400), not cut off: libmicrohttpd
    ends the value at the NUL, so "Authorization: Bearer <token>\\0junk" was served as the
    token's user (200) while a proxy that reads the whole line saw another credential
    (attack29).  The same without the NUL is served."""
    _, tok = people
    u = urllib.parse.urlparse(msg_server.api_url)
    good = next(iter(tok.values()))

    def ask(auth):
        s = socket.create_connection((u.hostname, u.port), timeout=10)
        try:
            s.sendall(b"GET /api/message_groups HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      b"Authorization: " + auth + b"\r\n\r\n")
            out = b""
            while True:
                x = s.recv(65536)
                if not x:
                    break
                out += x
        finally:
            s.close()
        head, _, body = out.partition(b"\r\n\r\n")
        return int(head.split()[1]), body

    assert ask(b"Bearer " + good.encode())[0] == 200
    status, body = ask(b"Bearer " + good.encode() + b"\x00junk")
    assert status == 400, (status, body[:200])
    assert json.loads(body)["error"]["code"] == "bad_request", body[:200]


def test_api_answers_are_not_stored_by_caches(msg_server):
    """Every answer of /api/ says Cache-Control: no-store (the ticket and the event stream
    said it already): each holds one user's messages, names or read markers, and without it a
    browser may keep a 200 in its disk cache (RFC 9111 4.2.2 heuristic freshness; a request
    with Authorization is kept only from shared caches, 3.5), where it outlived the page's
    sign-out.  Errors too; the page's files stay no-cache (revalidated, not secret)."""
    a = add_user(msg_server, "nst_a", "Nst A")
    add_user(msg_server, "nst_b", "Nst B")
    ta = token(a)
    st, h, m = rest(msg_server, "POST", "/api/messages", ta, {"message": "hi", "handle": "nst_b"})
    assert st == 200 and h.get("cache-control") == "no-store", h
    g = m["message_group_uuid"]
    for method, path, body, want in (
            ("GET", "/api/me", None, 200),
            ("GET", "/api/health", None, 200),
            ("GET", "/api/message_groups", None, 200),
            ("GET", "/api/message_groups?limit=1", None, 200),
            ("GET", f"/api/message_groups/{g}", None, 200),
            ("GET", f"/api/messages/{g}", None, 200),
            ("HEAD", f"/api/messages/{g}", None, 200),
            ("PUT", f"/api/message_groups/{g}/read", {"read_to": m["created_at"]}, 200),
            ("GET", "/api/message_groups?limit=0", None, 400),
            ("GET", "/api/messages/not-a-uuid", None, 400),
            ("GET", "/api/nothing-here", None, 404),
            ("POST", "/api/events/ticket", None, 200)):
        st, h, _ = rest(msg_server, method, path, ta, body)
        assert st == want, (method, path, st)
        assert h.get("cache-control") == "no-store", (method, path, h)
    st, h, _ = rest(msg_server, "GET", "/api/me", "not.a.token")
    assert st == 401 and h.get("cache-control") == "no-store", h
    st, h, _ = rest(msg_server, "GET", "/")
    assert st == 200 and h.get("cache-control") == "no-cache", h
