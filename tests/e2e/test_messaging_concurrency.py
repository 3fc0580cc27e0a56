"""Concurrent messaging through the REST API, then the invariants over a whole-table scan
through the DynamoDB endpoint with boto3 (ddbchat only).

Many threads at once: every pair of users writing each other a FIRST message at the same
moment (must end in ONE conversation per pair), then random traffic by handle and by
message_group_uuid into the same few conversations.  Afterwards, for every conversation:
exactly one conversation row per participant, at the newest message's time with its text;
the pair row agrees; no message lost (every 200 is a stored row).
"""
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from msg_fixtures import (add_user, check_invariants, cli, mddb, msg_server,  # noqa: F401
                          rest, scan_table, token)

pytestmark = pytest.mark.requires_ddbchat

N_USERS = 6
THREADS = 16
SENDS_PER_THREAD = 25


def test_concurrent_first_messages_and_traffic(msg_server, mddb):
    handles = [f"cc{i}" for i in range(N_USERS)]
    ids = {h: add_user(msg_server, h, h.upper()) for h in handles}
    toks = {h: token(ids[h]) for h in handles}
    sent = []
    lock = threading.Lock()

    # phase 1: every pair starts its conversation from both sides at the same moment
    pairs = [(a, b) for i, a in enumerate(handles) for b in handles[i + 1:]]
    barrier = threading.Barrier(2 * len(pairs))

    def first(frm, to):
        barrier.wait()
        st, _, m = rest(msg_server, "POST", "/api/messages", toks[frm],
                        {"message": f"first {frm}->{to}", "handle": to})
        assert st == 200, m
        with lock:
            sent.append(m)
        return m

    with ThreadPoolExecutor(max_workers=2 * len(pairs)) as ex:
        futs = [ex.submit(first, a, b) for a, b in pairs] + \
               [ex.submit(first, b, a) for a, b in pairs]
        results = [f.result() for f in futs]
    groups = {}
    for m in results:
        key = frozenset((m["handle"], m["message"].split("->")[1]))
        groups.setdefault(key, set()).add(m["message_group_uuid"])
    for key, gs in groups.items():
        assert len(gs) == 1, f"pair {set(key)} got two conversations {gs}"
    group_of = {k: next(iter(v)) for k, v in groups.items()}

    # phase 2: random traffic into the same conversations, by handle and by group
    def traffic(seed):
        rnd = random.Random(seed)
        for i in range(SENDS_PER_THREAD):
            frm, to = rnd.sample(handles[:3] if seed % 2 else handles, 2)
            body = {"message": f"t{seed}-{i}"}
            if rnd.random() < 0.5:
                body["handle"] = to
            else:
                body["message_group_uuid"] = group_of[frozenset((frm, to))]
            st, _, m = rest(msg_server, "POST", "/api/messages", toks[frm], body)
            assert st == 200, m
            with lock:
                sent.append(m)

    with ThreadPoolExecutor(max_workers=THREADS) as ex:
        for f in [ex.submit(traffic, s) for s in range(THREADS)]:
            f.result()

    items = scan_table(mddb)
    newest, rows, pair_rows = check_invariants(items)
    ours = set(group_of.values())
    stored = {(it["pk"][4:], it["message_uuid"]) for it in items if it["pk"].startswith("MSG#")
              and it["pk"][4:] in ours}
    assert len(sent) == len(pairs) * 2 + THREADS * SENDS_PER_THREAD
    for m in sent:
        assert (m["message_group_uuid"], m["uuid"]) in stored
    assert len(stored) == len(sent)
    # timestamps unique and strictly ordered within each conversation
    for g in ours:
        sks = [it["sk"] for it in items if it["pk"] == f"MSG#{g}"]
        assert len(sks) == len(set(sks))
    # REST agrees with the table: every user sees one conversation per other user
    for h in handles:
        st, _, convs = rest(msg_server, "GET", "/api/message_groups?limit=100", toks[h])
        assert st == 200
        assert sorted(c["handle"] for c in convs) == sorted(x for x in handles if x != h)
        for c in convs:
            assert c["created_at"] == newest[c["uuid"]]["sk"]
            assert c["message"] == newest[c["uuid"]]["message"]


def test_cli_processes_and_rest_at_once(msg_server, mddb):
    """`ddbchat send` processes on the server's data dir (LMDB shared between processes; or on
    the backing endpoint with --msg-backend=...) racing REST writers into the same conversations: the invariants still hold and every
    message is stored once."""
    import json
    handles = ["mp0", "mp1", "mp2"]
    ids = {h: add_user(msg_server, h, h) for h in handles}
    toks = {h: token(ids[h]) for h in handles}
    n_rest, n_cli = 0, 0
    lock = threading.Lock()

    def rest_writer(seed):
        nonlocal n_rest
        rnd = random.Random(seed)
        for i in range(20):
            frm, to = rnd.sample(handles, 2)
            st, _, m = rest(msg_server, "POST", "/api/messages", toks[frm],
                            {"message": f"rest {seed}-{i}", "handle": to})
            assert st == 200, m
            with lock:
                n_rest += 1

    def cli_writer(seed):
        nonlocal n_cli
        rnd = random.Random(1000 + seed)
        for i in range(8):
            frm, to = rnd.sample(handles, 2)
            p = cli(msg_server, "send", frm, to, f"cli {seed}-{i}", "--json")
            assert json.loads(p.stdout)["message"] == f"cli {seed}-{i}"
            with lock:
                n_cli += 1

    with ThreadPoolExecutor(max_workers=12) as ex:
        futs = [ex.submit(rest_writer, s) for s in range(8)] + \
               [ex.submit(cli_writer, s) for s in range(4)]
        for f in futs:
            f.result()
    items = scan_table(mddb)
    check_invariants(items)
    mine = [it for it in items if it["pk"].startswith("MSG#") and it["user_handle"] in handles]
    assert len(mine) == n_rest + n_cli == 8 * 20 + 4 * 8
    groups = {it["pk"] for it in mine}
    assert len(groups) == 3  # three pairs, one conversation each
