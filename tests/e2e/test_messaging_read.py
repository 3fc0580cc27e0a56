"""Read markers end to end: how far each user has read each conversation, kept by the server.

Pins (src/messaging/service.h msg_mark_read, README "REST API"):
  - every conversation item (GET /api/message_groups, /api/message_groups/<g>) carries the
    reader's "read_to" (a created_at, or null: never marked) and "unread" (the other person's
    messages after it, exact); a first message's recipient has read_to null, unread 1; the
    sender's own row is read to the message just sent (unread 0), a reply reads everything;
  - PUT /api/message_groups/<g>/read {"read_to"} moves the marker forward only: an older time
    answers the stored one (200, no error), the same time again is the same answer, a time
    past the last message stops at it; the answer is {"message_group_uuid","read_to","unread"};
    errors as the other routes (invalid_uuid, not_found for a conversation that is not the
    reader's, missing_field / invalid_field / bad_timestamp / malformed_json), 405 with Allow
    "PUT, OPTIONS";
  - race-free: mark-reads concurrent with sends into the same conversation lose neither
    (the table's read markers agree with its messages afterwards: msg_fixtures.check_invariants);
  - a row from before read markers (no read_to, no unread) lists null / 0 and counts from the
    next message on;
  - the CLI: list-conversations shows "[N unread]" (and read_to / unread with --json),
    mark-read moves the marker.
Runs over every messaging backend (--msg-backend: embedded, a remote ddbchat, DynamoDB Local).
"""
import json
import threading

import pytest

from msg_fixtures import (add_user, cli, mddb, msg_server, rest, scan_table,  # noqa: F401
                          CORS_ORIGIN,
                          check_invariants, token, TABLE)

pytestmark = pytest.mark.requires_ddbchat


def send(srv, tok, text, **to):
    st, _, m = rest(srv, "POST", "/api/messages", tok, {"message": text, **to})
    assert st == 200, m
    return m


def listing(srv, tok, g):
    st, _, groups = rest(srv, "GET", "/api/message_groups?limit=100", tok)
    assert st == 200, groups
    return [c for c in groups if c["uuid"] == g][0]


def mark(srv, tok, g, read_to):
    return rest(srv, "PUT", f"/api/message_groups/{g}/read", tok, {"read_to": read_to})


@pytest.fixture(scope="module")
def pair(msg_server):
    a = add_user(msg_server, "rd_alice", "Alice R")
    b = add_user(msg_server, "rd_bob", "Bob R")
    c = add_user(msg_server, "rd_carol", "Carol R")
    return token(a), token(b), token(c)


def test_listing_carries_the_readers_marker(msg_server, pair):
    ta, tb, _ = pair
    m1 = send(msg_server, ta, "one", handle="rd_bob")
    g = m1["message_group_uuid"]
    # the recipient of a first message has read nothing of it; the sender has read it
    b = listing(msg_server, tb, g)
    assert (b["read_to"], b["unread"]) == (None, 1)
    a = listing(msg_server, ta, g)
    assert (a["read_to"], a["unread"]) == (m1["created_at"], 0)
    assert set(b) == {"uuid", "display_name", "handle", "message", "created_at", "read_to",
                      "unread"}
    m2 = send(msg_server, ta, "two", message_group_uuid=g)
    m3 = send(msg_server, ta, "three", message_group_uuid=g)
    b = listing(msg_server, tb, g)
    assert (b["read_to"], b["unread"]) == (None, 3)
    assert listing(msg_server, ta, g)["read_to"] == m3["created_at"]
    # the one-conversation route answers the same item
    st, _, one = rest(msg_server, "GET", f"/api/message_groups/{g}", tb)
    assert st == 200 and one == b

    # forward: to m2 leaves m3 unread
    st, _, r = mark(msg_server, tb, g, m2["created_at"])
    assert st == 200, r
    assert r == {"message_group_uuid": g, "read_to": m2["created_at"], "unread": 1}
    b = listing(msg_server, tb, g)
    assert (b["read_to"], b["unread"]) == (m2["created_at"], 1)
    # never back: an older time is no error and answers what is stored; the same time again
    # is the same answer (idempotent)
    for t in (m1["created_at"], "2001-01-01T00:00:00Z", m2["created_at"]):
        st, _, r = mark(msg_server, tb, g, t)
        assert (st, r) == (200, {"message_group_uuid": g, "read_to": m2["created_at"],
                                 "unread": 1}), t
    # past the last message: read to it (any RFC 3339 time, as ?after= takes)
    st, _, r = mark(msg_server, tb, g, "2999-01-01T00:00:00+02:00")
    assert (st, r) == (200, {"message_group_uuid": g, "read_to": m3["created_at"],
                             "unread": 0})
    assert listing(msg_server, tb, g)["unread"] == 0
    # alice's marker did not move with bob's
    assert (listing(msg_server, ta, g)["read_to"], listing(msg_server, ta, g)["unread"]) == (
        m3["created_at"], 0)

    # a reply reads everything before it, and is one unread for the other
    m4 = send(msg_server, tb, "four", message_group_uuid=g)
    b = listing(msg_server, tb, g)
    assert (b["read_to"], b["unread"]) == (m4["created_at"], 0)
    a = listing(msg_server, ta, g)
    assert (a["read_to"], a["unread"]) == (m3["created_at"], 1)
    # marking from the middle of one's own messages counts only the other's after it
    m5 = send(msg_server, ta, "five", message_group_uuid=g)
    st, _, r = mark(msg_server, tb, g, m3["created_at"])  # older than bob's marker: no change
    assert r["read_to"] == m4["created_at"] and r["unread"] == 1
    st, _, r = mark(msg_server, ta, g, m4["created_at"])
    assert (st, r["read_to"], r["unread"]) == (200, m5["created_at"], 0)  # hers: at m5 already
    check_invariants(scan_table(mddb_of(msg_server)))


def mddb_of(srv):
    from conftest import client_for
    return client_for(srv.ddb_url)


def test_mark_read_errors(msg_server, pair):
    ta, tb, tc = pair
    g = send(msg_server, ta, "errors", handle="rd_bob")["message_group_uuid"]
    path = f"/api/message_groups/{g}/read"
    t = "2026-01-01T00:00:00Z"
    # someone else's conversation and one nobody has: the same 404
    st1, _, b1 = rest(msg_server, "PUT", path, tc, {"read_to": t})
    st2, _, b2 = rest(msg_server, "PUT",
                      "/api/message_groups/00000000-0000-4000-8000-000000000000/read", tc,
                      {"read_to": t})
    assert st1 == st2 == 404 and b1 == b2 and b1["error"]["code"] == "not_found"
    # a path that is no uuid: 400 before the body is read
    st, _, b = rest(msg_server, "PUT", "/api/message_groups/nope/read", tb, "not json")
    assert st == 400 and b["error"]["code"] == "invalid_uuid", b
    for body, code in [({}, "missing_field"), ({"read_to": None}, "missing_field"),
                       ({"read_to": 5}, "invalid_field"), ({"read_to": "yesterday"},
                                                           "bad_timestamp"),
                       ({"read_to": "2026-01-01T00:00:00Z\u0000x"}, "invalid_field"),
                       ("[1", "malformed_json"), ("", "malformed_json")]:
        st, _, b = rest(msg_server, "PUT", path, tb, body)
        assert st == 400 and b["error"]["code"] == code, (body, b)
    # malformed_json says which: nothing sent (what to send), or jansson's words and where
    st, _, b = rest(msg_server, "PUT", path, tb, "")
    assert b["error"]["message"] == ("the request body is empty: send a JSON object "
                                     "{\"read_to\": <created_at of the newest message read>}"), b
    st, _, b = rest(msg_server, "PUT", path, tb, "[1")
    assert b["error"]["message"].startswith("the body is not valid JSON: ") and \
        b["error"]["message"].endswith(" at line 1 column 2"), b
    # the uuid in either case; the answer in the stored (lower) case
    st, _, b = rest(msg_server, "PUT", f"/api/message_groups/{g.upper()}/read", tb,
                    {"read_to": t})
    assert st == 200 and b["message_group_uuid"] == g, b
    # no token: 401; other methods: 405 naming PUT; OPTIONS lists it
    st, h, b = rest(msg_server, "PUT", path, None, {"read_to": t})
    assert st == 401 and b["error"]["code"] == "unauthorized"
    for m in ("GET", "POST", "DELETE"):
        st, h, b = rest(msg_server, m, path, tb, {"read_to": t} if m != "GET" else None)
        assert st == 405 and h["allow"] == "PUT, OPTIONS", (m, st, b)
    st, h, _ = rest(msg_server, "OPTIONS", path)
    assert st == 204 and h["allow"] == "PUT, OPTIONS"
    # PUT elsewhere is still 405 (the GET routes) or 404 (no route)
    st, h, _ = rest(msg_server, "PUT", f"/api/message_groups/{g}", tb, {"read_to": t})
    assert st == 405 and h["allow"] == "GET, HEAD, OPTIONS"
    st, _, b = rest(msg_server, "PUT", f"/api/message_groups/{g}/unread", tb, {"read_to": t})
    assert st == 404 and b["error"]["code"] == "route_not_found"


def test_cors_preflight_allows_put(msg_server):
    from msg_fixtures import CORS_ORIGIN
    st, h, _ = rest(msg_server, "OPTIONS",
                    "/api/message_groups/00000000-0000-4000-8000-000000000000/read",
                    headers={"Origin": CORS_ORIGIN, "Access-Control-Request-Method": "PUT"})
    assert st == 204 and "PUT" in [m.strip() for m in
                                   h["access-control-allow-methods"].split(",")], h


def test_mark_read_races_sends(msg_server, pair):
    """A mark-read between a send's read of the recipient's row and its commit cancels the
    send (its Delete holds the marker it read), which retries; a send between a mark-read's
    read and its UpdateItem moves the row and the mark-read reads again.  Afterwards every
    row's unread is the other's messages after its read_to (check_invariants), and the
    markers bob saw never went back."""
    ta, tb, _ = pair
    g = send(msg_server, ta, "race 0", handle="rd_carol")["message_group_uuid"]
    tc = pair[2]
    stop = threading.Event()
    errors, seen = [], []

    def sender(tok, name):
        for i in range(40):
            st, _, b = rest(msg_server, "POST", "/api/messages", tok,
                            {"message": f"{name} {i}", "message_group_uuid": g})
            if st != 200:
                errors.append((name, st, b))

    def reader():
        while not stop.is_set():
            st, _, groups = rest(msg_server, "GET", "/api/message_groups?limit=100", tc)
            c = [x for x in groups if x["uuid"] == g][0]
            st, _, r = mark(msg_server, tc, g, c["created_at"])
            if st != 200:
                errors.append(("mark", st, r))
            else:
                seen.append(r["read_to"])

    threads = [threading.Thread(target=sender, args=(ta, "alice")),
               threading.Thread(target=sender, args=(tc, "carol"))]
    rd = threading.Thread(target=reader)
    rd.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    rd.join()
    assert not errors, errors[:5]
    assert seen and seen == sorted(seen)
    check_invariants(scan_table(mddb_of(msg_server)))
    # and the last word: carol reads to the end, alice has all of carol's since her last
    last = listing(msg_server, tc, g)
    st, _, r = mark(msg_server, tc, g, last["created_at"])
    assert (st, r["unread"]) == (200, 0)
    check_invariants(scan_table(mddb_of(msg_server)))


def test_cli_lists_unread_and_marks_read(msg_server, pair):
    ta, tb, _ = pair
    m = send(msg_server, ta, "cli one", handle="rd_bob")
    g = m["message_group_uuid"]
    send(msg_server, ta, "cli two", message_group_uuid=g)
    b = listing(msg_server, tb, g)
    p = cli(msg_server, "list-conversations", "rd_bob", "--json", "--limit", "100")
    c = [x for x in json.loads(p.stdout)["conversations"] if x["uuid"] == g][0]
    assert (c["read_to"], c["unread"]) == (b["read_to"], b["unread"])
    assert c["unread"] >= 1
    p = cli(msg_server, "list-conversations", "rd_bob", "--limit", "100")
    line = [ln for ln in p.stdout.splitlines() if ln.startswith(g)][0]
    assert f"[{c['unread']} unread]" in line, line
    p = cli(msg_server, "mark-read", "rd_bob", g, "--json")
    r = json.loads(p.stdout)
    assert r == {"message_group_uuid": g, "read_to": listing(msg_server, tb, g)["created_at"],
                 "unread": 0}
    p = cli(msg_server, "list-conversations", "rd_bob", "--limit", "100")
    line = [ln for ln in p.stdout.splitlines() if ln.startswith(g)][0]
    assert "unread" not in line, line
    p = cli(msg_server, "mark-read", "rd_bob", "00000000-0000-4000-8000-000000000000",
            check=False)
    assert p.returncode == 1 and "not_found" in p.stderr, p.stderr


def test_rows_from_before_read_markers(msg_server, pair):
    """A conversation row written before read markers has neither attribute: it lists
    read_to null and unread 0, the next message counts from 1 (and the send, whose Delete of
    the recipient's row holds the marker it read, takes 'none' as the value read)."""
    ta, tb, _ = pair
    m = send(msg_server, ta, "old one", handle="rd_carol")
    g = m["message_group_uuid"]
    ddb = mddb_of(msg_server)
    for it in scan_table(ddb):
        if it["pk"].startswith("GRP#") and it.get("message_group_uuid") == g:
            ddb.update_item(TableName=TABLE, Key={"pk": {"S": it["pk"]}, "sk": {"S": it["sk"]}},
                            UpdateExpression="REMOVE read_to, unread")
    tc = pair[2]
    c = listing(msg_server, tc, g)
    assert (c["read_to"], c["unread"]) == (None, 0)
    assert listing(msg_server, ta, g)["read_to"] is None
    m2 = send(msg_server, ta, "new one", message_group_uuid=g)
    c = listing(msg_server, tc, g)
    assert (c["read_to"], c["unread"]) == (None, 1)
    assert listing(msg_server, ta, g)["read_to"] == m2["created_at"]
    st, _, r = mark(msg_server, tc, g, m["created_at"])  # counts from the messages themselves
    assert (st, r) == (200, {"message_group_uuid": g, "read_to": m["created_at"], "unread": 1})


def test_one_conversation_shows_the_marker_at_once(pytestconfig):
    """GET /api/message_groups/<g> reads the reader's row by its key (consistent), not through
    the GSI: behind a backing server whose GSI lags 3 s (as AWS's may), a mark-read showed
    there as the old marker (read_to null, unread 2) for those 3 s while the listing already
    said 0 (review24 M2).  ddbchat only (it needs --gsi-lag)."""
    if pytestconfig.getoption("--target") != "ddbchat":
        pytest.skip("needs ddbchat's --gsi-lag")
    import os
    import shutil
    import time
    from conftest import start_ddbchat
    from msg_fixtures import start_remote_serve
    backing = start_ddbchat("--gsi-lag", "3000")
    srv = None
    try:
        srv = start_remote_serve(backing.ddb_url, "--demo")
        srv.endpoint = backing.ddb_url
        a, b = add_user(srv, "lag_a", "Lag A"), add_user(srv, "lag_b", "Lag B")
        ta, tb = token(a), token(b)
        m1 = send(srv, ta, "one", handle="lag_b")
        g = m1["message_group_uuid"]
        m2 = send(srv, ta, "two", message_group_uuid=g)
        time.sleep(3.3)  # the index has both rows as they are now
        st, _, r = mark(srv, tb, g, m2["created_at"])
        assert (st, r["unread"]) == (200, 0), r
        st, _, one = rest(srv, "GET", f"/api/message_groups/{g}", tb)
        assert st == 200 and (one["read_to"], one["unread"]) == (m2["created_at"], 0), one
        # and a message just sent shows at once too
        m3 = send(srv, ta, "three", message_group_uuid=g)
        st, _, one = rest(srv, "GET", f"/api/message_groups/{g}", tb)
        assert (one["message"], one["created_at"], one["unread"]) == ("three",
                                                                      m3["created_at"], 1), one
    finally:
        if srv:
            srv.stop()
            os.unlink(srv.log)
        backing.stop()
        shutil.rmtree(backing.data_dir, ignore_errors=True)


def test_malformed_marker_read_alike(msg_server):
    """A conversation row whose marker this service did not write (by hand, imported) is read
    by one rule everywhere -- read_to only a fixed-format timestamp (exactly 26 bytes that
    parse), unread only a number of 1 to 18 digits -- by the listing, the one-conversation
    route, the mark-read and the send alike (review24 LOW 5: three readers had three rules;
    the send took unread "-3" as -3 and stored -2 where the listing showed 0, took a 19-digit
    one as its value, and retried a read_to it could not hold to "conflict"; the mark-read
    answered "conflict" for a read_to beyond its "older than" condition)."""
    ddb = mddb_of(msg_server)
    bad_read_tos = ({"S": "2026-01-01T00:00:00Z"},           # RFC 3339, not the fixed format
                    {"S": "2026-99-99T99:99:99.999999Z"},    # the length, not a time
                    {"S": "9999-12-31T23:59:59.999999ZZ"},   # one byte long, after every time
                    {"N": "20260101"})
    bad_unreads = ({"N": "-3"}, {"N": "2.5"}, {"N": "1234567890123456789"}, {"S": "4"})
    cases = [(None, u) for u in bad_unreads] + [(r, {"N": "2"}) for r in bad_read_tos]
    for i, (read_to, unread) in enumerate(cases):
        a, b = add_user(msg_server, f"mk{i}_a", "Mk A"), add_user(msg_server, f"mk{i}_b", "Mk B")
        ta, tb = token(a), token(b)
        m1 = send(msg_server, ta, "one", handle=f"mk{i}_b")
        g = m1["message_group_uuid"]

        def corrupt():
            rows = [it for it in scan_table(ddb) if it["pk"] == f"GRP#{b}"
                    and it.get("message_group_uuid") == g]
            assert len(rows) == 1, rows
            ddb.update_item(TableName=TABLE,
                            Key={"pk": {"S": rows[0]["pk"]}, "sk": {"S": rows[0]["sk"]}},
                            UpdateExpression="SET read_to = :r, unread = :u",
                            ExpressionAttributeValues={
                                ":r": read_to or {"S": m1["created_at"]}, ":u": unread})

        def seen():
            c = listing(msg_server, tb, g)
            st, _, one = rest(msg_server, "GET", f"/api/message_groups/{g}", tb)
            assert st == 200 and one == c, (one, c)
            return c["read_to"], c["unread"]

        # what the listing reads: the marker where the rule takes it, "none" / 0 elsewhere
        want_r = None if read_to else m1["created_at"]
        want_n = 2 if read_to else 0
        corrupt()
        assert seen() == (want_r, want_n), (read_to, unread)
        # the send reads the same: the new row carries that marker, one more unread
        m2 = send(msg_server, ta, "two", message_group_uuid=g)
        assert seen() == (want_r, want_n + 1), (read_to, unread)
        # the mark-read reads the same: an older time answers the stored marker as listed
        # (none stored: it marks, counting from the messages themselves)
        corrupt()
        st, _, r = mark(msg_server, tb, g, m1["created_at"])
        assert st == 200, (read_to, unread, r)
        if read_to:
            assert (r["read_to"], r["unread"]) == (m1["created_at"], 1), (read_to, r)
        else:
            assert (r["read_to"], r["unread"]) == (want_r, want_n), (unread, r)
        assert seen() == (r["read_to"], r["unread"])
        # and a send after it still carries the marker over
        m3 = send(msg_server, ta, "three", message_group_uuid=g)
        assert seen() == (r["read_to"], r["unread"] + 1)
        assert m2["created_at"] < m3["created_at"]
    check_invariants(scan_table(ddb))


def test_malformed_read_log_rows_do_not_wedge_the_user(msg_server):
    """A read-log row among the numbered ones whose key is not a number (written by hand, or
    by a program that is not this service: "~000000000000001x", a digit too many) is looked
    past: the user's mark-reads go on, numbered after the newest real row (before, every
    mark-read of the user answered 500 storage while such a row sorted last in the range), and
    the mark-read that looked past them removes them (session 27 kept them, and every later
    mark-read paged past them again)."""
    ddb = mddb_of(msg_server)
    a, b = add_user(msg_server, "mlog_a", "Mlog A"), add_user(msg_server, "mlog_b", "Mlog B")
    ta, tb = token(a), token(b)
    m1 = send(msg_server, ta, "one", handle="mlog_b")
    g = m1["message_group_uuid"]
    m2 = send(msg_server, ta, "two", message_group_uuid=g)
    pk = f"READ#{b}"
    for sk in ("~000000000000001x", "~00000000000000011", "~0000000000000003x"):
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": sk},
                                            "group_uuid": {"S": g},
                                            "read_to": {"S": m1["created_at"]},
                                            "unread": {"N": "1"}})
    st, _, r = mark(msg_server, tb, g, m1["created_at"])
    assert (st, r.get("read_to"), r.get("unread")) == (200, m1["created_at"], 1), r
    st, _, r = mark(msg_server, tb, g, m2["created_at"])
    assert (st, r.get("read_to"), r.get("unread")) == (200, m2["created_at"], 0), r
    rows = ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p", ConsistentRead=True,
                     ExpressionAttributeValues={":p": {"S": pk}})["Items"]
    logged = sorted((it["sk"]["S"], it["read_to"]["S"]) for it in rows
                    if it.get("stamp"))
    assert logged == [("~0000000000000001", m1["created_at"]),
                      ("~0000000000000002", m2["created_at"])], rows
    assert [it["sk"]["S"] for it in rows if not it.get("stamp")] == [], rows


def test_listing_carries_the_users_unread_total(msg_server):
    """GET /api/message_groups's first page (no cursor, no after) carries the reader's unread
    messages over ALL their conversations in the header X-Unread-Total (the listing's body
    stays a plain array), also those beyond the page: a page title "(N)" from the loaded
    conversations alone undercounted.  A cursor or after page has no such header.  A row's
    unread is read by the marker rule (a hand-written "-3" counts 0), as the listing shows it."""
    ddb = mddb_of(msg_server)
    me = add_user(msg_server, "tot_me", "Tot Me")
    tme = token(me)
    want = 0
    for i in range(5):
        o = add_user(msg_server, f"tot_o{i}", f"Tot O{i}")
        to = token(o)
        if i == 0:
            token_of_o0 = to
        for k in range(i + 1):
            g = send(msg_server, to, f"m{k}", handle="tot_me")["message_group_uuid"]
        want += i + 1
    # one conversation of mine read to its end, one answered (mine read to my reply)
    st, _, r = mark(msg_server, tme, g, "9999-12-31T23:59:59Z")
    assert (st, r["unread"]) == (200, 0)
    want -= 5
    send(msg_server, tme, "reply", handle="tot_o3")
    want -= 4
    # one row made bad by hand: its unread reads as 0 by the marker rule
    rows = [it for it in scan_table(ddb) if it["pk"] == f"GRP#{me}"
            and it.get("user_handle") == "tot_o2"]
    assert len(rows) == 1
    ddb.update_item(TableName=TABLE, Key={"pk": {"S": rows[0]["pk"]}, "sk": {"S": rows[0]["sk"]}},
                    UpdateExpression="SET unread = :u", ExpressionAttributeValues={":u": {"N": "-3"}})
    want -= 3
    st, h, full = rest(msg_server, "GET", "/api/message_groups?limit=100", tme)
    assert st == 200 and len(full) == 5
    assert sum(c["unread"] for c in full) == want == 1 + 2
    assert h.get("x-unread-total") == str(want), h
    for limit in (1, 2, 4, 5):
        st, h, page = rest(msg_server, "GET", f"/api/message_groups?limit={limit}", tme)
        assert st == 200 and len(page) == limit
        assert h.get("x-unread-total") == str(want), (limit, h)
    st, h, _ = rest(msg_server, "GET", "/api/message_groups?limit=2", tme)
    st, h2, _ = rest(msg_server, "GET",
                     f"/api/message_groups?limit=2&cursor={h['x-next-cursor']}", tme)
    assert st == 200 and "x-unread-total" not in h2
    st, h2, _ = rest(msg_server, "GET", "/api/message_groups?after=2000-01-01T00:00:00Z", tme)
    assert st == 200 and "x-unread-total" not in h2
    # a browser on another origin may read it
    st, h, _ = rest(msg_server, "GET", "/api/message_groups", tme,
                    headers={"Origin": CORS_ORIGIN})
    assert "X-Unread-Total" in h.get("access-control-expose-headers", ""), h
    # counted again once my conversations change: a message to me, then my mark-read
    m = send(msg_server, token_of_o0, "more", handle="tot_me")
    st, h, _ = rest(msg_server, "GET", "/api/message_groups?limit=1", tme)
    assert h.get("x-unread-total") == str(want + 1), h
    st, _, r = mark(msg_server, tme, m["message_group_uuid"], m["created_at"])
    assert st == 200
    st, h, _ = rest(msg_server, "GET", "/api/message_groups?limit=1", tme)
    assert h.get("x-unread-total") == str(want - 1), h  # o0's 2 read
    # a user with no conversation: 0
    st, h, page = rest(msg_server, "GET", "/api/message_groups",
                       token(add_user(msg_server, "tot_none", "Tot None")))
    assert (st, page, h.get("x-unread-total")) == (200, [], "0")
