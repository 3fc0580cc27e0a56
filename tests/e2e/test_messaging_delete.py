"""Deleting one's own message end to end: DELETE /api/messages/<group>/<created_at>.

Pins (src/messaging/service.h msg_delete_message, README "Deleting a message"):
  - 204 with no body, also when the message was deleted already (idempotent); 403
    not_your_message for the other person's message, 404 not_found for a conversation that is
    not the caller's, 400 invalid_uuid / bad_timestamp, 401 without a token, 405 with Allow
    "DELETE, OPTIONS" for another method;
  - a message in the middle: gone from the conversation, and one unread fewer for the
    recipient when they had not read it; the last one: both listings show the message before
    it (its text and time, the markers capped there); the only one: the conversation
    stays in both listings at its time with no message ("message": "", unread 0), reading it
    is an empty page, a retried DELETE 204, and the next message by uuid or handle continues
    it;
  - live: both participants' streams get the event `delete` {"message_group_uuid",
    "created_at"} (no id);
  - the CLI's `delete-message <handle> <message_group_uuid> <created_at>`;
  - race-free: deletes racing sends and mark-reads leave the table's invariants whole
    (msg_fixtures.check_invariants, and every unread count exact).
Runs over every messaging backend (--msg-backend: embedded, a remote ddbchat, DynamoDB Local).
"""
import json
import random
import threading
import time

import pytest

from msg_fixtures import (add_user, cli, mddb, msg_server, rest, scan_table,  # noqa: F401
                          check_invariants, token)
from test_messaging_sse import open_stream

pytestmark = pytest.mark.requires_ddbchat


def send(srv, tok, text, **to):
    st, _, m = rest(srv, "POST", "/api/messages", tok, {"message": text, **to})
    assert st == 200, m
    return m


def delete(srv, tok, g, at):
    return rest(srv, "DELETE", f"/api/messages/{g}/{at}", tok)


def conv(srv, tok, g):
    st, _, groups = rest(srv, "GET", "/api/message_groups?limit=100", tok)
    assert st == 200, groups
    found = [c for c in groups if c["uuid"] == g]
    return found[0] if found else None


def texts(srv, tok, g):
    st, _, ms = rest(srv, "GET", f"/api/messages/{g}?limit=100", tok)
    assert st == 200, ms
    return [m["message"] for m in ms]


def check_unread(items):
    """Every conversation row's unread is the other person's messages after its read_to (all
    of them without one); a pair row's last_from is its newest message's sender."""
    msgs = {}
    for it in items:
        if it["pk"].startswith("MSG#"):
            msgs.setdefault(it["pk"][4:], []).append(it)
    for it in items:
        if it["pk"].startswith("GRP#"):
            owner, rt = it["pk"][4:], it.get("read_to")
            want = sum(1 for m in msgs.get(it["message_group_uuid"], [])
                       if m["user_uuid"] != owner and (rt is None or m["sk"] > rt))
            assert int(it.get("unread", 0)) == want, (it, want)
        elif it["pk"].startswith("PAIR#") and msgs.get(it["group_uuid"]):
            newest = max(msgs[it["group_uuid"]], key=lambda m: m["sk"])
            assert it["last_from"] == newest["user_uuid"], (it, newest)


@pytest.fixture(scope="module")
def people(msg_server):
    ids = [add_user(msg_server, h, n) for h, n in
           [("del_ann", "Ann D"), ("del_ben", "Ben D"), ("del_cid", "Cid D")]]
    return ids, [token(u) for u in ids]


def test_delete_contract(msg_server, people):
    """The answers: 204 (no body) for one's own message, again 204 when it is gone already;
    403 not_your_message, 404 not_found, 400 invalid_uuid / bad_timestamp, 401, 405.  A
    middle message the recipient had not read takes one off their unread."""
    _, (ta, tb, tc) = people
    m1 = send(msg_server, ta, "one", handle="del_ben")
    g = m1["message_group_uuid"]
    m2 = send(msg_server, ta, "two", message_group_uuid=g)
    send(msg_server, ta, "three", message_group_uuid=g)
    assert conv(msg_server, tb, g)["unread"] == 3
    st, h, body = delete(msg_server, ta, g, m2["created_at"])
    assert (st, body) == (204, None), body
    assert h.get("cache-control") == "no-store"
    assert texts(msg_server, tb, g) == ["one", "three"]
    assert conv(msg_server, tb, g)["unread"] == 2
    st, _, body = delete(msg_server, ta, g, m2["created_at"])  # gone already
    assert (st, body) == (204, None), body
    st, _, body = delete(msg_server, tb, g, m1["created_at"])
    assert (st, body["error"]["code"]) == (403, "not_your_message"), body
    st, _, body = delete(msg_server, tc, g, m1["created_at"])
    assert (st, body["error"]["code"]) == (404, "not_found"), body
    st, _, body = delete(msg_server, ta, "not-a-uuid", m1["created_at"])
    assert (st, body["error"]["code"]) == (400, "invalid_uuid"), body
    st, _, body = delete(msg_server, ta, g, "yesterday")
    assert (st, body["error"]["code"]) == (400, "bad_timestamp"), body
    st, _, body = delete(msg_server, None, g, m1["created_at"])
    assert (st, body["error"]["code"]) == (401, "unauthorized"), body
    for method in ("GET", "POST", "PUT"):
        st, h, body = rest(msg_server, method, f"/api/messages/{g}/{m1['created_at']}", ta)
        assert st == 405 and h["allow"] == "DELETE, OPTIONS", (method, st, body)
    st, h, _ = rest(msg_server, "OPTIONS", f"/api/messages/{g}/{m1['created_at']}")
    assert st == 204 and h["allow"] == "DELETE, OPTIONS"
    assert texts(msg_server, ta, g) == ["one", "three"]


def test_delete_the_last_message_moves_the_conversation_back(msg_server, people, mddb):
    """The last message deleted: both listings show the one before it (text and time), the
    markers capped at it; the only one deleted: the conversation stays, empty, and the next
    message to the handle continues it (the same uuid)."""
    _, (ta, _, _) = people
    c = add_user(msg_server, "del_dee", "Dee D")
    tc = token(c)
    m1 = send(msg_server, tc, "first", handle="del_ann")
    g = m1["message_group_uuid"]
    m2 = send(msg_server, ta, "reply", message_group_uuid=g)
    m3 = send(msg_server, tc, "last", message_group_uuid=g)
    st, _, _ = delete(msg_server, tc, g, m3["created_at"])
    assert st == 204
    for t in (ta, tc):  # both read to "reply" (c to "last": capped)
        cv = conv(msg_server, t, g)
        assert (cv["message"], cv["created_at"]) == ("reply", m2["created_at"]), cv
        assert (cv["read_to"], cv["unread"]) == (m2["created_at"], 0), cv
    check_invariants(scan_table(mddb))
    st, _, _ = delete(msg_server, ta, g, m2["created_at"])
    assert st == 204
    cv = conv(msg_server, ta, g)
    assert (cv["message"], cv["read_to"], cv["unread"]) == ("first", m1["created_at"], 0), cv
    st, _, _ = delete(msg_server, tc, g, m1["created_at"])
    assert st == 204
    for t in (ta, tc):
        cv = conv(msg_server, t, g)
        assert (cv["message"], cv["created_at"], cv["unread"]) == ("", m1["created_at"], 0), cv
    items = scan_table(mddb)
    check_invariants(items)
    check_unread(items)
    m4 = send(msg_server, ta, "again", handle="del_dee")
    assert m4["message_group_uuid"] == g
    cv = conv(msg_server, tc, g)
    assert (cv["message"], cv["read_to"], cv["unread"]) == ("again", m1["created_at"], 1), cv
    check_invariants(scan_table(mddb))


def test_the_only_message_deleted_leaves_the_conversation(msg_server, people, mddb):
    """The conversation's only message deleted: it stays both people's (before session 30
    its uuid answered 404 to both, so a partner who had it open could not reply, and a
    retried DELETE broke "204 also when gone already").  Both listings keep it at the deleted
    message's time with no message: "message" "", unread 0, the other person's name and
    handle; GET of its messages is an empty page, GET /api/message_groups/<uuid> the same
    item, a retried DELETE 204; the partner's reply by uuid is 200 and goes on as any send
    (the listing shows it, unread 1); a third person still gets 404."""
    _, (_, tb, tc) = people
    e = add_user(msg_server, "del_eve", "Eve D")
    te = token(e)
    m1 = send(msg_server, te, "only one", handle="del_ben")
    g = m1["message_group_uuid"]
    st, _, body = delete(msg_server, te, g, m1["created_at"])
    assert (st, body) == (204, None), body
    want = {"uuid": g, "message": "", "created_at": m1["created_at"], "unread": 0}
    # membership goes by the GSI, which (eventually consistent on AWS; --gsi-lag) may not
    # show a conversation this new yet, and with no message left the keyed reads have no time
    # to look at: a 404 until it does (README "Deleting a message"); the rest is at once
    deadline = time.monotonic() + 5
    while rest(msg_server, "GET", f"/api/messages/{g}", te)[0] == 404:
        assert time.monotonic() < deadline, "the emptied conversation stays a 404"
        time.sleep(0.05)
    for t, name, handle, read_to in ((te, "Ben D", "del_ben", m1["created_at"]),
                                     (tb, "Eve D", "del_eve", None)):
        cv = conv(msg_server, t, g)
        assert cv == dict(want, display_name=name, handle=handle, read_to=read_to), cv
        st, _, one = rest(msg_server, "GET", f"/api/message_groups/{g}", t)
        assert (st, one) == (200, cv), one
        st, _, ms = rest(msg_server, "GET", f"/api/messages/{g}", t)
        assert (st, ms) == (200, []), ms
    st, _, body = delete(msg_server, te, g, m1["created_at"])  # a retry
    assert (st, body) == (204, None), body
    st, _, r = rest(msg_server, "PUT", f"/api/message_groups/{g}/read", tb,
                    {"read_to": m1["created_at"]})  # the page marks an opened one read
    assert st == 200 and r["unread"] == 0, r
    st, _, body = rest(msg_server, "GET", f"/api/messages/{g}", tc)
    assert (st, body["error"]["code"]) == (404, "not_found"), body
    items = scan_table(mddb)
    check_invariants(items)
    check_unread(items)
    m2 = send(msg_server, tb, "still here?", message_group_uuid=g)  # the partner replies
    assert m2["message_group_uuid"] == g
    cv = conv(msg_server, te, g)
    assert (cv["message"], cv["created_at"], cv["unread"]) == ("still here?", m2["created_at"], 1)
    assert texts(msg_server, te, g) == ["still here?"]
    items = scan_table(mddb)
    check_invariants(items)
    check_unread(items)


def test_delete_event_reaches_both_streams(msg_server, people):
    """Both participants' open streams get `delete` {"message_group_uuid","created_at"}, no
    id, at once; a third person's nothing."""
    _, (ta, tb, tc) = people
    m = send(msg_server, ta, "to be deleted", handle="del_ben")
    g = m["message_group_uuid"]
    sa, sb, sc = (open_stream(msg_server, t) for t in (ta, tb, tc))

    def deletes(s):
        return [(e["id"], json.loads(e["data"])) for e in s.events() if e["event"] == "delete"]
    try:
        st, _, _ = delete(msg_server, ta, g, m["created_at"])
        assert st == 204
        want = [(None, {"message_group_uuid": g, "created_at": m["created_at"]})]
        for s in (sa, sb):
            assert s.wait_for(lambda s: deletes(s), 5)
            assert deletes(s) == want
        sc.pump(0.3)
        assert deletes(sc) == []
    finally:
        for s in (sa, sb, sc):
            s.close()


def test_cli_delete_message(msg_server, people):
    """`ddbchat delete-message <handle> <group> <created_at>` deletes the user's own message
    (--json says whether it was there); another's is the 403's code."""
    _, (ta, _, _) = people
    g = send(msg_server, ta, "cli zero", handle="del_cid")["message_group_uuid"]
    m = send(msg_server, ta, "cli one", message_group_uuid=g)
    p = cli(msg_server, "delete-message", "del_ann", g, m["created_at"], "--json")
    assert json.loads(p.stdout) == {"message_group_uuid": g, "created_at": m["created_at"],
                                    "deleted": True}
    p = cli(msg_server, "delete-message", "del_ann", g, m["created_at"])
    assert "deleted already" in p.stdout
    m = send(msg_server, ta, "cli two", message_group_uuid=g)
    p = cli(msg_server, "delete-message", "del_cid", g, m["created_at"], check=False)
    assert p.returncode == 1 and "not_your_message" in p.stderr, p.stderr
    p = cli(msg_server, "delete-message", "--help", check=False)
    assert p.returncode in (0, 2) and "delete-message" in p.stdout + p.stderr


def test_deletes_racing_sends_keep_the_invariants(msg_server, mddb):
    """Two users each send and delete their own messages (the newest mostly, so the last one
    moves back while the other sends) from two threads each, a fifth thread marks read: no
    request fails, and the table keeps one row per participant at the newest message, the
    pair row on it, every unread count exact."""
    a = add_user(msg_server, "del_race_a", "Race A")
    b = add_user(msg_server, "del_race_b", "Race B")
    toks = [token(a), token(b)]
    g = send(msg_server, toks[0], "start", handle="del_race_b")["message_group_uuid"]
    errors = []

    def worker(i):
        rnd = random.Random(i)
        tok, mine = toks[i % 2], []
        try:
            for _ in range(12):
                if i == 4:
                    st, _, r = rest(msg_server, "PUT", f"/api/message_groups/{g}/read", toks[1],
                                    {"read_to": "9999-12-31T23:59:59Z"})
                    assert st == 200, r
                    continue
                mine.append(send(msg_server, tok, f"w{i}", message_group_uuid=g)["created_at"])
                if rnd.random() < 0.75:
                    at = mine[-1] if rnd.random() < 0.7 else rnd.choice(mine)
                    st, _, r = delete(msg_server, tok, g, at)
                    assert st == 204, r
        except AssertionError as err:
            errors.append(err)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    items = scan_table(mddb)
    check_invariants(items)
    check_unread(items)
