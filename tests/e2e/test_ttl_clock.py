"""TTL's reaper under a stepped wall clock.

DynamoDB deletes an item once its TTL attribute (epoch seconds) is past (Developer Guide, "Time
to Live (TTL)"): that comparison is with the wall clock, but the reaper's rest between passes
is an interval.  ddbchat rests 9x as long as a pass took (store/ttl.c); measured on the wall
clock, a pass during which the clock was stepped forward an hour "took" an hour and the reaper
rested 9 hours.  (libfaketime cannot show a step during a condition-variable wait: its
pthread_cond_timedwait rebases a CLOCK_REALTIME deadline on the real clock at the call; the
store's unit tests test_ttl.c and test_alter.c step the clock under the waits themselves.)
Needs libfaketime (Debian package faketime); skipped without it.
"""
import json
import os
import time

import pytest

from conftest import client_for, raw_request


@pytest.mark.requires_ddbchat
def test_ttl_reaper_keeps_its_pace_through_wall_clock_steps(ddbchat_server, tmp_path):
    """The server's wall clock (libfaketime, a timestamp file) stepped forward an hour every
    5 ms for 4 s while the reaper's passes decode 20,000 items, then stepped back to an hour
    before the real time: an item whose TTL is two hours past is deleted within 20 s.  Failed
    before (the pass's length was measured on the wall clock): a pass that spanned a step
    "took" an hour or more, the reaper rested 9x that, and the item stayed."""
    from conftest import faketime_env
    clock = tmp_path / "clock"
    clock.write_text("+0\n")
    srv = ddbchat_server(env=faketime_env(clock))
    d = client_for(srv.ddb_url)
    d.create_table(TableName="ttlstep", BillingMode="PAY_PER_REQUEST",
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    d.update_time_to_live(TableName="ttlstep", TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "exp"})
    # items every pass decodes (100 numbers each: a pass lasts well over the steps' 5 ms
    # period) and none deletes
    far = {"N": str(int(time.time()) + 86400 * 365)}
    pad = json.dumps({"L": [{"N": str(n)} for n in range(100)]})
    for b in range(800):
        body = '{"RequestItems":{"ttlstep":[%s]}}' % ",".join(
            '{"PutRequest":{"Item":{"pk":{"S":"k%d-%d"},"exp":%s,"pad":%s}}}'
            % (b, i, json.dumps(far), pad) for i in range(25))
        st, _, out = raw_request(srv.ddb_url, body, target="DynamoDB_20120810.BatchWriteItem")
        assert st == 200 and json.loads(out)["UnprocessedItems"] == {}, out[:300]

    def set_clock(text):
        tmp = tmp_path / "clock.new"
        tmp.write_text(text)
        os.replace(tmp, clock)  # libfaketime reads the old file or the new one, never half

    # forward an hour every 5 ms: every pass spans steps (a pass started before a step and
    # ended after it), whenever it runs
    end, hours = time.monotonic() + 4, 0
    while time.monotonic() < end:
        hours += 1
        set_clock(f"+{hours}h\n")
        time.sleep(0.005)
    set_clock("-1h\n")  # then back, to an hour before the real time
    d.put_item(TableName="ttlstep", Item={"pk": {"S": "gone"},
                                          "exp": {"N": str(int(time.time()) - 7200)}})
    deadline = time.monotonic() + 20
    while "Item" in d.get_item(TableName="ttlstep", Key={"pk": {"S": "gone"}}):
        assert time.monotonic() < deadline, "the expired item was not deleted"
        time.sleep(0.2)
