"""Live delivery with --endpoint from the messaging table's DynamoDB stream (backend_remote's
change feed): a message written by another process reaches an open event stream of a
`serve --endpoint` server within a second when the table has a stream, also once the stream
was idle long enough for polling to have backed off to 4 s; without a stream (or once
it is disabled, not following the disabled stream) the server polls the table again.  The backing endpoint is a second ddbchat
(--target=ddbchat) or DynamoDB Local (--target=dynamodb-local).

The test starts its own backing endpoint and remote server, so --msg-backend changes nothing
in it: `make test` runs it in the two plain runs (ddbchat and DynamoDB Local as the backing)
and skips it in the two --msg-backend runs of test_messaging*.py, which would only repeat the
first (about 5 s each)."""
import contextlib
import json
import shutil
import subprocess
import time
import types

import pytest

from conftest import client_for, ddbchat_bin, start_ddbchat, start_dynamodb_local
from faultproxy import FaultProxy
from msg_fixtures import SECRET, add_user, cli, remote_env, rest, start_remote_serve, token
from test_streams import streams_for
from test_streams_tail import SHARD_SHAPES, assert_shape
from test_messaging_sse import open_stream

TABLE = "cruddur-messages"


@pytest.fixture(autouse=True)
def _plain_runs_only(pytestconfig):
    if pytestconfig.getoption("--msg-backend") != "embedded":
        pytest.skip("starts its own backing endpoint (chosen by --target); the plain runs "
                    "cover it")


@pytest.fixture
def backing(target):
    srv = start_ddbchat() if target == "ddbchat" else start_dynamodb_local()
    yield srv
    srv.stop()
    if srv.data_dir:
        shutil.rmtree(srv.data_dir, ignore_errors=True)


def log_of(srv):
    with open(srv.log) as f:
        return f.read()


def wait_log(srv, text, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in log_of(srv):
            return
        time.sleep(0.1)
    pytest.fail(f"{text!r} not in the log: {log_of(srv)[-2000:]}")


def table_with_stream(backing, view="KEYS_ONLY"):
    """The messaging table on the backing endpoint, with a stream (view: its view type); its
    client."""
    r = subprocess.run([ddbchat_bin(), "schema-load", "--endpoint", backing.ddb_url],
                       env=remote_env(), capture_output=True, text=True, timeout=120)
    # a slow DynamoDB Local may answer the client's resent CreateTable "already exists"
    assert r.returncode == 0 or "already exists" in r.stderr, r.stderr
    ddb = client_for(backing.ddb_url)
    ddb.get_waiter("table_exists").wait(TableName=TABLE)
    ddb.update_table(TableName=TABLE, StreamSpecification={"StreamEnabled": True,
                                                           "StreamViewType": view})
    return ddb


# DDBCHAT_EVENTS_POLL_MIN_MS (test aid): a feed polls every 5 s from its join, not from 250 ms
# doubling to 5 s, so a message that came by polling comes seconds late without a wait for the
# back-off first.
POLL_SLOW = "5000"


def test_message_from_another_process_arrives_through_the_stream(backing):
    ddb = table_with_stream(backing)
    # DDBCHAT_FEED_LOOKUP_MS (test aid): the table's stream is looked up every 0.5 s, not
    # 10 s, so its disabling below is noticed at once
    srv = start_remote_serve(backing.ddb_url, env={"DDBCHAT_FEED_LOOKUP_MS": "500",
                                                   "DDBCHAT_EVENTS_POLL_MIN_MS": POLL_SLOW})
    try:
        wait_log(srv, "live delivery: following arn:aws:dynamodb:")
        ids = {h: add_user(srv, h, n) for h, n in [("feed_alice", "Alice F"),
                                                   ("feed_bob", "Bob F")]}
        bob = open_stream(srv, token(ids["feed_bob"]))
        # A server that polled instead of following the stream would scan bob's feed as it
        # joins (before its "ready") and then every 5 s (POLL_SLOW): messages sent in the
        # first seconds would come by polling seconds after their send.  (Before, the test
        # slept 4 s for the back-off from 250 ms to pass 4 s: 0.5, 1.5, 3.5, 7.5 s.)
        for n in range(2):
            text = f"through the stream {n}"
            cli(srv, "send", "feed_alice", "feed_bob", text)
            t1 = time.time()
            assert bob.wait_for(lambda s: any(m["message"] == text for m in s.messages()), 5)
            assert time.time() - t1 < 1.0, f"arrived {time.time() - t1:.2f}s after the send"

        # the stream disabled: the server notices and polls the table again.  It must not
        # follow the disabled stream again (still the table's LatestStreamArn): then a
        # message arrived only after the next look at the table, 10 s on, at the edge of the
        # wait below (9.2-9.9 s measured), which failed now and then under load.
        ddb.update_table(TableName=TABLE, StreamSpecification={"StreamEnabled": False})
        wait_log(srv, "was disabled or replaced", timeout=30)
        deadline = time.time() + 5
        while "polling the table" not in log_of(srv).split("was disabled or replaced", 1)[1]:
            assert time.time() < deadline, \
                "not polling after the disable: " + log_of(srv)[-1000:]
            time.sleep(0.1)
        cli(srv, "send", "feed_alice", "feed_bob", "polled", "again")
        assert bob.wait_for(lambda s: any(m["message"] == "polled again"
                                          for m in s.messages()), 10)
        bob.close()
    finally:
        srv.stop()


def test_mark_read_from_another_process_arrives_through_the_stream(backing):
    """A mark-read by another process (`ddbchat mark-read --endpoint`: its transaction moves
    the reader's conversation row and logs the marker in READ#<reader>) reaches the reader's
    open stream as `event: read` within a second, from the table's stream, as messages do;
    the other participant's stream gets no read event."""
    table_with_stream(backing)
    srv = start_remote_serve(backing.ddb_url, env={"DDBCHAT_EVENTS_POLL_MIN_MS": POLL_SLOW})
    try:
        wait_log(srv, "live delivery: following arn:aws:dynamodb:")
        ids = {h: add_user(srv, h, n) for h, n in [("feedr_ann", "Ann F"),
                                                   ("feedr_ben", "Ben F")]}
        cli(srv, "send", "feedr_ann", "feedr_ben", "read", "me")
        ben = open_stream(srv, token(ids["feedr_ben"]))
        ann = open_stream(srv, token(ids["feedr_ann"]))
        # polling every 5 s from the join (POLL_SLOW): only the stream is this fast
        p = cli(srv, "list-conversations", "feedr_ben", "--json")
        g = json.loads(p.stdout)["conversations"][0]["uuid"]
        r = json.loads(cli(srv, "mark-read", "feedr_ben", g, "--json").stdout)
        t1 = time.time()
        assert ben.wait_for(lambda s: s.reads(), 5), ben.raw[-400:]
        assert time.time() - t1 < 1.0, f"arrived {time.time() - t1:.2f}s after the mark-read"
        assert [{k: v for k, v in x.items() if k != "_id"} for x in ben.reads()] == [r]
        ann.pump(0.5)
        assert ann.reads() == []
        ben.close()
        ann.close()
    finally:
        srv.stop()


def events_of(s, name):
    return [json.loads(e["data"]) for e in s.events() if e["event"] == name and not e["id"]]


def three_in_a_conversation(srv, prefix, letter):
    """Users <prefix>_ann, _ben, _cal; three messages ann -> ben sent by the CLI; a stream open
    for each user.  (ids, sent, g, (ann, ben, cal))."""
    ids = {h: add_user(srv, h, n) for h, n in [(f"{prefix}_ann", f"Ann {letter}"),
                                               (f"{prefix}_ben", f"Ben {letter}"),
                                               (f"{prefix}_cal", f"Cal {letter}")]}
    sent = [json.loads(cli(srv, "send", f"{prefix}_ann", f"{prefix}_ben", f"{letter}{i}",
                           "--json").stdout) for i in range(3)]
    streams = tuple(open_stream(srv, token(ids[f"{prefix}_{h}"])) for h in ("ann", "ben", "cal"))
    return ids, sent, sent[0]["message_group_uuid"], streams


def rename_arrives(srv, handle, first, last, uuid, g, own, other_s):
    """`ddbchat user rename handle first last` by another process: the other participant's
    stream other_s gets the rename of conversation g, the renamed user's own stream own the
    "you" form, both within 1.5 s; the two events, for the later assertions."""
    cli(srv, "user", "rename", handle, first, last)
    t1 = time.time()
    other = {"message_group_uuid": g, "uuid": uuid, "handle": handle,
             "display_name": f"{first} {last}"}
    you = {"you": True, "uuid": uuid, "handle": handle, "display_name": f"{first} {last}"}
    assert other_s.wait_for(lambda s: other in events_of(s, "rename"), 5), other_s.raw[-400:]
    assert own.wait_for(lambda s: you in events_of(s, "rename"), 5), own.raw[-400:]
    assert time.time() - t1 < 1.5, f"arrived {time.time() - t1:.2f}s after the rename"
    return other, you


def test_delete_from_another_process_arrives_through_the_stream(backing):
    """A delete by another process (`ddbchat delete-message --endpoint`) reaches both
    participants' open streams as `event: delete` within a second, from the message row's
    REMOVE record in the table's stream (before session 31 only at their next reconnection);
    a delete through the server itself is delivered once, not again when its record comes
    back through the stream; a third user's stream gets none."""
    table_with_stream(backing)
    srv = start_remote_serve(backing.ddb_url, env={"DDBCHAT_EVENTS_POLL_MIN_MS": POLL_SLOW})
    try:
        wait_log(srv, "live delivery: following arn:aws:dynamodb:")
        ids, sent, g, (ann, ben, cal) = three_in_a_conversation(srv, "feedd", "D")
        # a middle message, then the last one, by another process
        for m in (sent[1], sent[2]):
            cli(srv, "delete-message", "feedd_ann", g, m["created_at"])
            t1 = time.time()
            want = {"message_group_uuid": g, "created_at": m["created_at"]}
            for s in (ann, ben):
                assert s.wait_for(lambda s: want in events_of(s, "delete"), 5), s.raw[-400:]
            assert time.time() - t1 < 1.5, f"arrived {time.time() - t1:.2f}s after the delete"
        # through this server: at once, and once
        st, _, _ = rest(srv, "DELETE", f"/api/messages/{g}/{sent[0]['created_at']}",
                        token(ids["feedd_ann"]))
        assert st == 204
        ann.pump(1.5)  # the record comes back through the stream meanwhile
        ben.pump(0.1)
        cal.pump(0.1)
        want = [{"message_group_uuid": g, "created_at": m["created_at"]}
                for m in (sent[1], sent[2], sent[0])]
        assert events_of(ann, "delete") == want
        assert events_of(ben, "delete") == want
        assert events_of(cal, "delete") == []
        # the deletes modified ben's row (his unread count): no rename event for it
        assert events_of(ben, "rename") == [] and events_of(ann, "rename") == []
        for s in (ann, ben, cal):
            s.close()
    finally:
        srv.stop()


def test_rename_from_another_process_arrives_through_the_stream(backing):
    """A rename by another process (`ddbchat user rename --endpoint`) reaches the other
    participant's open stream as `event: rename` {"message_group_uuid","uuid","handle",
    "display_name"}, and the renamed user's own as {"you":true,...}, within a second, from the
    conversation row's and the user row's MODIFY records (before session 31 only at their next
    listing); a rename through the server itself is delivered once each, not again when its
    records come back; a mark-read afterwards (another MODIFY of the row) gives none."""
    table_with_stream(backing)
    srv = start_remote_serve(backing.ddb_url, env={"DDBCHAT_EVENTS_POLL_MIN_MS": POLL_SLOW})
    try:
        wait_log(srv, "live delivery: following arn:aws:dynamodb:")
        ids = {h: add_user(srv, h, n) for h, n in [("feedn_cy", "Cy N"), ("feedn_di", "Di N")]}
        m = json.loads(cli(srv, "send", "feedn_cy", "feedn_di", "hello", "--json").stdout)
        g = m["message_group_uuid"]
        cy, di = (open_stream(srv, token(ids[h])) for h in ("feedn_cy", "feedn_di"))
        other, you = rename_arrives(srv, "feedn_cy", "Cy", "Elsewhere", ids["feedn_cy"], g,
                                    cy, di)
        # through this server: once each
        st, _, _ = rest(srv, "PUT", "/api/me", token(ids["feedn_cy"]),
                        {"display_name": "Cy Here"})
        assert st == 200
        cy.pump(1.5)
        di.pump(0.1)
        here = dict(other, display_name="Cy Here")
        assert events_of(di, "rename") == [other, here]
        assert events_of(cy, "rename") == [you, dict(you, display_name="Cy Here")]
        # di's mark-read by another process modifies her row: no rename event
        cli(srv, "mark-read", "feedn_di", g)
        assert di.wait_for(lambda s: s.reads(), 5), di.raw[-400:]
        di.pump(1.0)
        assert events_of(di, "rename") == [other, here]
        cy.close()
        di.close()
    finally:
        srv.stop()



def test_renames_in_a_row_arrive_once_each_in_order(backing):
    """Ten renames in a row through the server, the table's stream with new images: the other
    participant gets exactly the ten names, in order.  The record's new image is the row as of
    that record, so a record read after a newer rename was told (at once) differs from the
    last delivered name; it is not delivered from the image but decided on the row as it is now
    (before: 12 to 19 events, older names replayed after newer ones)."""
    table_with_stream(backing, "NEW_IMAGE")
    srv = start_remote_serve(backing.ddb_url, env={"DDBCHAT_EVENTS_POLL_MIN_MS": POLL_SLOW})
    try:
        wait_log(srv, "live delivery: following arn:aws:dynamodb:")
        ids = {h: add_user(srv, h, n) for h, n in [("row_cy", "Cy R"), ("row_di", "Di R")]}
        cli(srv, "send", "row_cy", "row_di", "hi")
        di = open_stream(srv, token(ids["row_di"]))
        names = [f"Cy {c}" for c in "QRSTUVWXYZ"]
        for n in names:
            assert rest(srv, "PUT", "/api/me", token(ids["row_cy"]), {"display_name": n})[0] == 200
        # the records come back within a second of their writes (the feed follows the stream)
        di.pump(2.5)
        assert [e["display_name"] for e in events_of(di, "rename")] == names
        di.close()
    finally:
        srv.stop()


@contextlib.contextmanager
def _side_read_servers(backing):
    """The side-read tests' servers: the table with its stream, a serve following it through a
    FaultProxy (its GetItems scripted by the test; polling slowed so that the feed delivers),
    and another serve straight on the backing endpoint, whose writes are the other process's.
    Yields (proxy, srv, other) once srv follows the stream; stops both and the proxy after."""
    table_with_stream(backing)
    proxy = FaultProxy(backing.ddb_url)
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_EVENTS_POLL_MIN_MS": POLL_SLOW})
    other = start_remote_serve(backing.ddb_url)
    try:
        wait_log(srv, "live delivery: following arn:aws:dynamodb:")
        yield proxy, srv, other
    finally:
        srv.stop()
        other.stop()
        proxy.close()


def test_side_reads_take_the_rows_from_new_images(backing):
    """With a stream whose view has new images (NEW_AND_OLD_IMAGES), a MODIFY record of a
    watched conversation row carries the row: the side read takes it from the record and
    reads no row by its key (before, one consistent GetItem of the row per MODIFY: every
    mark-read and every message to the reader cost one more GetItem here).  Another process's
    rename still arrives (from the image); its mark-reads and messages give no rename."""
    table_with_stream(backing, "NEW_AND_OLD_IMAGES")
    proxy = FaultProxy(backing.ddb_url)  # counts the serve's requests
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_EVENTS_POLL_MIN_MS": POLL_SLOW})
    direct = types.SimpleNamespace(endpoint=backing.ddb_url, data_dir=None)  # another CLI
    try:
        wait_log(srv, "live delivery: following arn:aws:dynamodb:")
        ids = {h: add_user(direct, h, n) for h, n in [("img_cy", "Cy I"), ("img_di", "Di I")]}
        g = json.loads(cli(direct, "send", "img_cy", "img_di", "hi", "--json").stdout)[
            "message_group_uuid"]
        di = open_stream(srv, token(ids["img_di"]))
        other, _ = rename_arrives(direct, "img_cy", "Cy", "Imaged", ids["img_cy"], g,
                                  open_stream(srv, token(ids["img_cy"])), di)
        for i in range(5):
            cli(direct, "send", "img_cy", "img_di", f"m{i}")
            cli(direct, "mark-read", "img_di", g)
            assert di.wait_for(lambda s: len(s.reads()) > i, 5), di.raw[-400:]
        di.pump(1.0)
        assert events_of(di, "rename") == [other]
        rows_read = [b for op, _, b in proxy.bodies if op == "GetItem" and json.loads(b).get(
            "Key", {}).get("pk", {}).get("S", "").startswith("GRP#")]
        assert rows_read == [], f"{len(rows_read)} conversation rows read by their keys"
        di.close()
    finally:
        srv.stop()
        proxy.close()


def test_side_reads_do_not_hold_messages(backing):
    """Another process's mark-reads modify the reader's conversation rows, and each such
    record makes the server read the row (and the pair row) to tell a rename from a
    mark-read.  Those reads must not hold the messages of the same stream: through a proxy
    that slows the serve's GetItems by 30 ms (a far region), 40 mark-reads by another process
    and then a message to the reader: the message arrives about as fast as before the
    mark-reads; with every GetItem throttled, likewise.  Failed before (the watcher read the
    rows, retrying throttled reads with back-off, before it handed over the batch's keys):
    3.8 s late, and 12.8 s throttled, where 0.2-0.9 s is usual here.  A rename by another
    process afterwards still arrives (its reads are queued behind, not lost)."""
    with _side_read_servers(backing) as (proxy, srv, other):
        ben = add_user(other, "side_ben", "Ben S")
        ann = add_user(other, "side_ann", "Ann S")
        groups = []
        for i in range(40):
            c = add_user(other, f"side_c{i}", f"C {i}")
            st, _, m = rest(other, "POST", "/api/messages", token(c),
                            {"message": "hi", "handle": "side_ben"})
            assert st == 200, m
            groups.append((m["message_group_uuid"], m["created_at"]))
        s = open_stream(srv, token(ben))

        def latency(text):
            t0 = time.time()
            st, _, m = rest(other, "POST", "/api/messages", token(ann),
                            {"message": text, "handle": "side_ben"})
            assert st == 200, m
            assert s.wait_for(lambda s: any(x["message"] == text for x in s.messages()), 30)
            return time.time() - t0

        # the usual latency here (the fastest of two: the first may meet the stream's start)
        base = min(latency("before the mark-reads"), latency("before the mark-reads again"))
        for fault, marks in (("slow:0.03", groups), ("throttle", groups[:10])):
            proxy.script_for["GetItem"] = [fault] * 100000
            n0 = len(proxy.ops("GetItem"))
            for g, at in marks:
                st, _, b = rest(other, "PUT", f"/api/message_groups/{g}/read", token(ben),
                                {"read_to": at})
                assert st in (200, 204), (st, b)
            lat = latency(f"after the mark-reads, GetItem {fault}")
            print(f"GetItem {fault}: {len(marks)} mark-reads, then a message in {lat:.2f}s "
                  f"(usual: {base:.2f}s)")
            assert lat < max(1.5, base + 1.0), \
                f"{lat:.2f}s with GetItem {fault} (before the mark-reads: {base:.2f}s)"
            # the side reads did happen (the records were seen), after the message
            deadline = time.time() + 10
            while len(proxy.ops("GetItem")) == n0 and time.time() < deadline:
                time.sleep(0.1)
            assert len(proxy.ops("GetItem")) > n0
        proxy.script_for["GetItem"] = []
        s.pump(3)  # the queued side reads of the throttled ones end (2 s deadline each)
        assert events_of(s, "rename") == []  # mark-reads are no renames
        cli(other, "user", "rename", "side_c0", "C", "Renamed")
        want = {"message_group_uuid": groups[0][0], "handle": "side_c0",
                "display_name": "C Renamed"}
        assert s.wait_for(lambda s: any(want.items() <= r.items()
                                        for r in events_of(s, "rename")), 10), s.raw[-400:]
        s.close()


def test_a_side_read_that_fails_gives_no_rename(backing):
    """Another process's mark-read of a conversation none of whose names this server
    delivered: its row read (the GetItem passes), then its pair row to tell a rename from a
    mark-read (that GetItem throttled, tried once): no event.  Failed before (a failed pair
    read counted as "a rename may have reached it"): a rename event with the unchanged name,
    seen in a clean-clone make test when test_side_reads_do_not_hold_messages' throttle began
    between a side read's two GetItems."""
    with _side_read_servers(backing) as (proxy, srv, other):
        ben = add_user(other, "sidef_ben", "Ben F")
        cal = add_user(other, "sidef_cal", "Cal F")
        st, _, m = rest(other, "POST", "/api/messages", token(cal),
                        {"message": "hi", "handle": "sidef_ben"})
        assert st == 200, m
        s = open_stream(srv, token(ben))
        s.pump(1)
        n0 = len(proxy.log)
        proxy.script_for["GetItem"] = ["ok", "throttle"]
        st, _, b = rest(other, "PUT", f"/api/message_groups/{m['message_group_uuid']}/read",
                        token(ben), {"read_to": m["created_at"]})
        assert st in (200, 204), (st, b)
        deadline = time.time() + 10
        while proxy.script_for["GetItem"] and time.time() < deadline:
            time.sleep(0.1)
        assert not proxy.script_for["GetItem"], "the side reads never came"
        s.pump(1.5)
        assert [f for o, f in proxy.log[n0:] if o == "GetItem"][:2] == ["ok", "throttle"]
        assert events_of(s, "rename") == []
        s.close()


def test_failing_stream_reads_back_off(backing):
    """Every GetRecords of the table's stream refused (AccessDeniedException: an IAM policy
    without dynamodb:GetRecords), with DDBCHAT_FEED_LOOKUP_MS=1 (below the test aid's floor
    of 100 ms): the server reads the stream again after 0.1 s, doubling while it fails, and
    says so once; once reads are allowed it follows the stream again.  Before, it read again
    every lookup period / 10 -- 0 ms at 1 -- for good: DescribeTable, DescribeStream,
    GetShardIterator and GetRecords as fast as the endpoint answered (14-16 GetRecords and 30
    log lines in 4 s through this proxy, which answers slowly), and a warning per read."""
    table_with_stream(backing)
    proxy = FaultProxy(backing.ddb_url)
    proxy.script_for["GetRecords"] = ["deny"] * 100000
    srv = start_remote_serve(proxy.url, env={"DDBCHAT_FEED_LOOKUP_MS": "1"})
    try:
        wait_log(srv, "live delivery: reading arn:")
        time.sleep(4)
        reads = proxy.ops("GetRecords")
        # at 0, 0.1, 0.3, 0.7, 1.5 and 3.1 s (plus the requests' own time), then 6.3 s
        assert 4 <= len(reads) <= 7, reads
        assert set(reads) == {"deny"}
        log = log_of(srv)
        assert log.count("live delivery: reading arn:") == 1, log[-2000:]
        assert log.count("live delivery: following arn:") == 1, log[-2000:]
        proxy.script_for["GetRecords"] = []
        wait_log(srv, "works again", timeout=15)  # the next read, at most 6.4 s on
    finally:
        srv.stop()
        proxy.close()


# AWS: the messaging table's stream has one open shard per partition (here --stream-shards 4,
# rotated every second), and each conversation's messages are in the shard its key hashes to.
# Live delivery follows every shard: messages of four conversations, sent while the shards
# rotate, each reach the open event stream within a second (through the stream, not by
# polling, which has backed off to 4 s by then), every one once.  Failed before: the feed
# followed one lineage and the messages of the other shards came only by polling, seconds
# late.  ddbchat only: DynamoDB Local has one shard.
# The same across real splits (--stream-split-seconds 1: shards close and two children take
# their keys, as AWS's when partitions split).
@pytest.mark.parametrize("shape", sorted(SHARD_SHAPES))
def test_every_shard_of_a_sharded_stream_is_followed(target, shape):
    if target != "ddbchat":
        pytest.skip("--stream-shards is ddbchat's switch; DynamoDB Local has one shard")
    backing = start_ddbchat(*SHARD_SHAPES[shape])
    srv = None
    try:
        table_with_stream(backing)
        srv = start_remote_serve(backing.ddb_url, env={"DDBCHAT_EVENTS_POLL_MIN_MS": POLL_SLOW})
        wait_log(srv, "live delivery: following arn:aws:dynamodb:")
        people = [("shf_bob", "Bob Sh")] + [(f"shf_s{i}", f"Sender {i}") for i in range(4)]
        ids = {h: add_user(srv, h, n) for h, n in people}
        bob = open_stream(srv, token(ids["shf_bob"]))
        # polling every 5 s from the join (POLL_SLOW): a message by polling comes late
        late = []
        for n in range(3):
            for i in range(4):
                text = f"sharded {n} from {i}"
                cli(srv, "send", f"shf_s{i}", "shf_bob", text)
                t1 = time.time()
                assert bob.wait_for(lambda s: any(m["message"] == text
                                                  for m in s.messages()), 10), text
                if time.time() - t1 >= 1.0:
                    late.append((text, round(time.time() - t1, 2)))
        assert not late, f"came late (not through the stream): {late}"
        got = [m["message"] for m in bob.messages() if m["message"].startswith("sharded ")]
        assert sorted(got) == sorted(f"sharded {n} from {i}" for n in range(3)
                                     for i in range(4))
        st = streams_for(backing.ddb_url)
        assert_shape(st, st.list_streams(TableName=TABLE)["Streams"][0]["StreamArn"], shape)
        bob.close()
    finally:
        if srv:
            srv.stop()
        backing.stop()
        shutil.rmtree(backing.data_dir, ignore_errors=True)


# ---- the embedded engine: another process on the same data dir -------------------------------

@pytest.fixture
def embedded_serve(target, tmp_path):
    """`ddbchat serve --demo` on the embedded engine (its log in a file), the messaging table
    given a KEYS_ONLY stream through its own DynamoDB endpoint; the CLI writes to the same
    data dir (msg_fixtures.cli) while it runs."""
    if target != "ddbchat":
        pytest.skip("the embedded engine's change feed: ddbchat only")
    log = open(tmp_path / "serve.log", "w")
    srv = start_ddbchat("--demo", dynamodb_only=False, quiet=False, stderr=log,
                        env={"DDBCHAT_JWT_SECRET": SECRET,
                             "DDBCHAT_EVENTS_POLL_MIN_MS": POLL_SLOW})
    srv.log = log.name
    try:
        deadline = time.time() + 30
        while rest(srv, "GET", "/api/health")[0] != 200 and time.time() < deadline:
            time.sleep(0.1)
        client_for(srv.ddb_url).update_table(
            TableName=TABLE, StreamSpecification={"StreamEnabled": True,
                                                  "StreamViewType": "KEYS_ONLY"})
        yield srv
    finally:
        srv.stop()
        log.close()
        shutil.rmtree(srv.data_dir, ignore_errors=True)


def test_embedded_delete_and_rename_from_another_process_arrive(embedded_serve):
    """With the embedded engine, the CLI deleting a message and renaming a user in the data
    dir a `serve` runs on reaches that serve's open event streams within a second and a half
    (`delete` to both participants; `rename` to the other one and the "you" form to the
    renamed), through the messaging table's stream read through the backend seam, as with a
    remote table's stream (before, with the embedded engine only at the pages' next listing
    or reconnection: the 5-s waits below failed).  The server's own delete and rename come
    back through the stream and are delivered once; a mark-read by the CLI (a MODIFY of the
    reader's row) is no rename; a third user's stream gets nothing."""
    srv = embedded_serve
    ids, sent, g, (ann, ben, cal) = three_in_a_conversation(srv, "embf", "E")
    # the watcher follows the engine's commits while a stream is open, and the table's stream
    # from its first look at the table (then every second)
    wait_log(srv, "live delivery: following arn:aws:dynamodb:")
    cli(srv, "delete-message", "embf_ann", g, sent[1]["created_at"])
    t1 = time.time()
    want = {"message_group_uuid": g, "created_at": sent[1]["created_at"]}
    for s in (ann, ben):
        assert s.wait_for(lambda s: want in events_of(s, "delete"), 5), s.raw[-400:]
    assert time.time() - t1 < 1.5, f"arrived {time.time() - t1:.2f}s after the delete"
    other, you = rename_arrives(srv, "embf_ann", "Ann", "Elsewhere", ids["embf_ann"], g, ann,
                                ben)
    # through this server: at once, and once (the records that come back give nothing more)
    st, _, _ = rest(srv, "DELETE", f"/api/messages/{g}/{sent[2]['created_at']}",
                    token(ids["embf_ann"]))
    assert st == 204
    st, _, _ = rest(srv, "PUT", "/api/me", token(ids["embf_ann"]), {"display_name": "Ann Here"})
    assert st == 200
    cli(srv, "mark-read", "embf_ben", g)
    assert ben.wait_for(lambda s: s.reads(), 5), ben.raw[-400:]
    ann.pump(1.5)
    ben.pump(0.1)
    cal.pump(0.1)
    deletes = [{"message_group_uuid": g, "created_at": m["created_at"]}
               for m in (sent[1], sent[2])]
    assert events_of(ann, "delete") == deletes
    assert events_of(ben, "delete") == deletes
    assert events_of(ben, "rename") == [other, dict(other, display_name="Ann Here")]
    assert events_of(ann, "rename") == [you, dict(you, display_name="Ann Here")]
    assert events_of(cal, "delete") == [] and events_of(cal, "rename") == []
    for s in (ann, ben, cal):
        s.close()


def test_an_own_rename_back_to_an_earlier_name_arrives(target, tmp_path):
    """Embedded engine, no table stream: a rename through this server to X, one to Y by the
    CLI (another process: this server does not hear of it), then one through this server back
    to X.  The last is delivered to the other participant and to the renamed user's streams
    (before, it was dropped as X was the last name this server had delivered, and the pages
    kept Y)."""
    if target != "ddbchat":
        pytest.skip("the embedded engine: ddbchat only")
    srv = start_ddbchat("--demo", dynamodb_only=False, env={"DDBCHAT_JWT_SECRET": SECRET})
    try:
        deadline = time.time() + 30
        while rest(srv, "GET", "/api/health")[0] != 200 and time.time() < deadline:
            time.sleep(0.1)
        ann = add_user(srv, "back_ann", "Ann A")
        ben = add_user(srv, "back_ben", "Ben B")
        g = json.loads(cli(srv, "send", "back_ann", "back_ben", "hi", "--json").stdout)[
            "message_group_uuid"]
        bs, ans = open_stream(srv, token(ben)), open_stream(srv, token(ann))
        x = {"message_group_uuid": g, "uuid": ann, "handle": "back_ann", "display_name": "Ann X"}
        you = {"you": True, "uuid": ann, "handle": "back_ann", "display_name": "Ann X"}
        assert rest(srv, "PUT", "/api/me", token(ann), {"display_name": "Ann X"})[0] == 200
        assert bs.wait_for(lambda s: events_of(s, "rename") == [x], 5), bs.raw[-400:]
        cli(srv, "user", "rename", "back_ann", "Ann", "Y")
        assert rest(srv, "PUT", "/api/me", token(ann), {"display_name": "Ann X"})[0] == 200
        assert bs.wait_for(lambda s: events_of(s, "rename") == [x, x], 5), bs.raw[-400:]
        assert ans.wait_for(lambda s: events_of(s, "rename") == [you, you], 5), ans.raw[-400:]
        bs.close()
        ans.close()
    finally:
        srv.stop()
        if srv.data_dir:
            shutil.rmtree(srv.data_dir, ignore_errors=True)
