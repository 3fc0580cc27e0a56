"""Helpers for the item-operation e2e files (test_items, test_query_scan, test_batch,
test_transact): raw DynamoDB JSON requests, so that parameters newer than the installed
botocore (ReturnValuesOnConditionCheckFailure) and invalid requests botocore would refuse to
send both reach the server unchanged."""
import json
import os
import re

from conftest import raw_request, aws_or_local, sanitized_build  # noqa: F401 (re-exported)


def sanitizer_server(pid):
    """Whether the server process runs under ASan or TSan: their allocators' quarantine and
    shadow make its RSS say nothing about ours (ASan keeps freed blocks up to 256 MB; under
    TSan the memory-bound tests measured 760-1,746 MB), so peak-RSS tests skip there."""
    return sanitized_build(os.readlink(f"/proc/{pid}/exe"))


def status_mb(pid, key):
    """A /proc/<pid>/status figure (VmRSS, VmHWM, ...) in MB; 0.0 when absent."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak(pid):
    """Resets the process's peak RSS (VmHWM) to its RSS now (clear_refs 5); returns VmRSS in MB,
    the base a later status_mb(pid, "VmHWM") rise is measured from."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")
    return status_mb(pid, "VmRSS")


def call(url, op, body, timeout=30):
    """POSTs one operation; returns (ok, parsed body)."""
    status, _, payload = raw_request(url, body, target="DynamoDB_20120810." + op,
                                     timeout=timeout)
    data = json.loads(payload) if payload else {}
    return status == 200, data


def ok(url, op, body):
    good, data = call(url, op, body)
    assert good, f"{op} failed: {data}"
    return data


def err(url, op, body, type_, message=None):
    """Asserts an error of type_ (the part after '#') and, when given, exactly `message` (a
    compiled regex: the whole message must match it); returns the error body."""
    good, data = call(url, op, body)
    assert not good, f"{op} unexpectedly succeeded: {data}"
    assert data.get("__type", "").split("#")[-1] == type_, data
    if message is not None:
        got = data.get("message", data.get("Message"))
        if isinstance(message, re.Pattern):
            assert message.fullmatch(got or ""), f"message {got!r} !~ {message.pattern!r}"
        else:
            assert got == message, f"message {got!r} != {message!r}"
    return data


def put_items(url, table, item, each, timeout=120):
    """PutItem of `item` once for each dict of `each` (its attributes that differ: the key,
    ...), added after item's.  item's JSON is encoded once: a wide item (45,000 attributes, a
    list of 100,000 numbers) takes Python longer to encode than the server to store it, and
    the tests that fill a table with 100 of them spent most of their set-up there."""
    rest = json.dumps(item, separators=(",", ":"))[1:-1]
    head = '{"TableName":%s,"Item":{' % json.dumps(table)
    for own in each:
        own = json.dumps(own, separators=(",", ":"))[1:-1]
        body = head + rest + ("," if rest and own else "") + own + "}}"
        status, _, payload = raw_request(url, body.encode(), target="DynamoDB_20120810.PutItem",
                                         timeout=timeout)
        assert status == 200, f"PutItem failed: {payload[:300]}"


def S(s):
    return {"S": s}


def N(n):
    return {"N": str(n)}


def cu(resp):
    """ConsumedCapacity without the per-index dict order noise."""
    return resp.get("ConsumedCapacity")
