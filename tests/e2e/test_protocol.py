"""Protocol-level behaviour of the DynamoDB JSON 1.0 endpoint: error bodies, headers, CRC32,
request ids, the 16 MB limit, keep-alive, unknown operations, malformed JSON, content types.

Runs against both targets.  Where ddbchat deliberately differs from DynamoDB Local (DynamoDB
Local answers 500 InternalFailure to malformed JSON and to a missing X-Amz-Target, where real
DynamoDB answers 400 with a client error), the expectation is spelled out per target.
"""
import http.client
import json
import re
import socket
import urllib.parse
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import DUMMY_AUTH, make_table, raw_request

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def error_of(body):
    """(type after '#', message) of a DynamoDB error body (message key may be either case)."""
    doc = json.loads(body)
    t = doc["__type"]
    assert "#" in t, t
    return t.split("#", 1)[1], doc.get("message", doc.get("Message"))


# ---- success path: headers -------------------------------------------------------------

def test_list_tables_ok(ddb):
    # ListTables answers with a TableNames list.
    assert isinstance(ddb.list_tables()["TableNames"], list)


def test_success_headers_crc_and_request_id(ddb_url):
    # Every success reply has Content-Type application/x-amz-json-1.0, an x-amzn-RequestId
    # (a UUID, new per request) and x-amz-crc32 = zlib CRC32 of the body (the SDKs check it).
    ids = set()
    for _ in range(3):
        status, headers, body = raw_request(ddb_url, {})
        assert status == 200
        assert headers["content-type"] == "application/x-amz-json-1.0"
        assert int(headers["x-amz-crc32"]) == zlib.crc32(body)
        assert UUID_RE.match(headers["x-amzn-requestid"])
        ids.add(headers["x-amzn-requestid"])
        assert "TableNames" in json.loads(body)
    assert len(ids) == 3


def test_error_headers(ddb_url):
    # Error replies carry the JSON content type and a request id too; when an x-amz-crc32 is
    # present it is right (DynamoDB Local omits it on errors).
    status, headers, body = raw_request(ddb_url, {}, target="DynamoDB_20120810.NoSuchOp")
    assert status == 400
    assert headers["content-type"] == "application/x-amz-json-1.0"
    assert UUID_RE.match(headers["x-amzn-requestid"])
    if "x-amz-crc32" in headers:
        assert int(headers["x-amz-crc32"]) == zlib.crc32(body)


def test_boto3_sees_request_id(ddb):
    # botocore exposes x-amzn-RequestId as ResponseMetadata.RequestId.
    meta = ddb.list_tables()["ResponseMetadata"]
    assert UUID_RE.match(meta["RequestId"])
    assert meta["HTTPStatusCode"] == 200


# ---- routing errors --------------------------------------------------------------------

def test_unknown_operation(ddb_url):
    # An operation DynamoDB does not have: 400 UnknownOperationException, DynamoDB's text.
    status, _, body = raw_request(ddb_url, {}, target="DynamoDB_20120810.FrobnicateTable")
    assert status == 400
    assert error_of(body) == ("UnknownOperationException", "An unknown operation was requested.")


def test_missing_target(ddb_url, target):
    # No X-Amz-Target.  ddbchat: 400 UnknownOperationException (as real DynamoDB);
    # DynamoDB Local: 500 InternalFailure.
    status, _, body = raw_request(ddb_url, {}, target=None)
    if target == "ddbchat":
        assert status == 400
        assert error_of(body)[0] == "UnknownOperationException"
    else:
        assert status == 500
        assert error_of(body)[0] == "InternalFailure"


def test_wrong_target_prefix(ddb_url, target):
    # A target outside DynamoDB_20120810: ddbchat UnknownOperationException; DynamoDB Local
    # InvalidAction.  Both 400.
    status, _, body = raw_request(ddb_url, {}, target="DynamoDB_20111205.ListTables")
    assert status == 400
    expected = "UnknownOperationException" if target == "ddbchat" else "InvalidAction"
    assert error_of(body)[0] == expected


def test_missing_authorization(ddb_url):
    # No Authorization header at all: both refuse with MissingAuthenticationToken (DynamoDB
    # Local's text) even though no credentials are configured.
    status, _, body = raw_request(ddb_url, {}, headers={"Authorization": None})
    assert status == 400
    assert error_of(body) == (
        "MissingAuthenticationToken",
        "Request must contain either a valid (registered) AWS access key ID or X.509 certificate.")


def test_get_root(ddb_url, target):
    # GET /: ddbchat answers real DynamoDB's health check text; DynamoDB Local an error.
    status, headers, body = raw_request(ddb_url, None, method="GET", target=None,
                                        content_type=None)
    if target == "ddbchat":
        assert status == 200
        assert body == b"healthy: dynamodb.us-east-1.amazonaws.com "
    else:
        assert status == 500


# ---- request bodies --------------------------------------------------------------------

@pytest.mark.parametrize("body", [b"{", b"{\"TableName\": }", b"not json", b"[]", b"\"x\""])
def test_malformed_json(ddb_url, target, body):
    # A body that is not a JSON object.  ddbchat: 400 SerializationException (as DynamoDB);
    # DynamoDB Local: 500 InternalFailure.
    status, _, resp = raw_request(ddb_url, body, target="DynamoDB_20120810.DescribeTable")
    if target == "ddbchat":
        assert status == 400
        assert error_of(resp)[0] == "SerializationException"
    else:
        assert status == 500
        assert error_of(resp)[0] == "InternalFailure"


@pytest.mark.parametrize("ctype", ["application/x-amz-json-1.0", "application/x-amz-json-1.1",
                                   "application/json", None])
def test_content_types_accepted(ddb_url, ctype):
    # Both JSON protocol versions (and even none) are accepted; the reply is JSON 1.0.
    status, headers, body = raw_request(ddb_url, {}, content_type=ctype)
    assert status == 200
    assert headers["content-type"] == "application/x-amz-json-1.0"
    assert "TableNames" in json.loads(body)


def test_request_over_16mb_is_413(ddb_url):
    # DynamoDB's request size limit is 16 MB; a bigger body is refused with HTTP 413 before
    # any operation runs.
    big = json.dumps({"TableName": "x", "Item": {"pk": {"S": "a" * (16 * 1024 * 1024)}}})
    status, _, _ = raw_request(ddb_url, big, target="DynamoDB_20120810.PutItem", timeout=120)
    assert status == 413


def test_request_just_under_16mb_reaches_the_operation(ddb_url, table_name):
    # A 15 MB body is read in full and handed to the operation, which refuses the item for
    # its own reasons (400, not 413).
    big = json.dumps({"TableName": table_name(), "Item": {"pk": {"S": "a" * (15 * 1024 * 1024)}}})
    status, _, body = raw_request(ddb_url, big, target="DynamoDB_20120810.PutItem", timeout=120)
    assert status == 400
    assert error_of(body)[0] in ("ValidationException", "ResourceNotFoundException")


def test_chunked_body(ddb_url):
    # A body sent with Transfer-Encoding: chunked is assembled before parsing.
    u = urllib.parse.urlparse(ddb_url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.putrequest("POST", "/")
        conn.putheader("X-Amz-Target", "DynamoDB_20120810.ListTables")
        conn.putheader("Content-Type", "application/x-amz-json-1.0")
        conn.putheader("Authorization", DUMMY_AUTH)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for chunk in (b'{"Li', b'mit": 5}'):
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
        r = conn.getresponse()
        assert r.status == 200
        assert "TableNames" in json.loads(r.read())
    finally:
        conn.close()


# ---- connections -----------------------------------------------------------------------

def test_keep_alive(ddb_url):
    # HTTP/1.1 keep-alive: several requests (including an error) on one connection.
    u = urllib.parse.urlparse(ddb_url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.connect()
        sock = conn.sock
        for op in ("ListTables", "NoSuchOp", "ListTables"):
            conn.request("POST", "/", body=b"{}", headers={
                "X-Amz-Target": f"DynamoDB_20120810.{op}",
                "Content-Type": "application/x-amz-json-1.0",
                "Authorization": DUMMY_AUTH})
            r = conn.getresponse()
            r.read()
            assert r.status in (200, 400)
            assert conn.sock is sock, "server closed the connection"
    finally:
        conn.close()


def test_many_parallel_connections(ddb_url):
    # Concurrent clients each get their own correct answer.
    from concurrent.futures import ThreadPoolExecutor

    def one(_):
        return raw_request(ddb_url, {})[0]

    with ThreadPoolExecutor(16) as ex:
        assert set(ex.map(one, range(64))) == {200}


def test_half_request_does_not_block_others(ddb_url):
    # A client that sends headers and stalls does not stop other requests being served.
    u = urllib.parse.urlparse(ddb_url)
    s = socket.create_connection((u.hostname, u.port))
    try:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                  b"X-Amz-Target: DynamoDB_20120810.ListTables\r\n\r\n{")
        assert raw_request(ddb_url, {})[0] == 200
    finally:
        s.close()


# ---- errors through the SDK ------------------------------------------------------------

def test_resource_not_found_through_boto3(ddb, table_name):
    # The reply writer's error body is what botocore parses into Error.Code / Message.
    with pytest.raises(ClientError) as ei:
        ddb.describe_table(TableName=table_name())
    err = ei.value.response["Error"]
    assert err["Code"] == "ResourceNotFoundException"
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_validation_error_type_namespace(ddb_url):
    # ValidationException keeps DynamoDB's own "com.amazon.coral.validate#" namespace.
    status, _, body = raw_request(ddb_url, {"TableName": "x"},
                                  target="DynamoDB_20120810.DescribeTable")
    assert status == 400
    doc = json.loads(body)
    assert doc["__type"] == "com.amazon.coral.validate#ValidationException"


def test_error_extra_fields_are_merged(ddb, ddb_url, table_name):
    # ConditionalCheckFailedException with ReturnValuesOnConditionCheckFailure=ALL_OLD: the
    # error body carries the old Item next to __type and message.  (Sent raw: the system
    # botocore predates that parameter.)
    name = table_name()
    make_table(ddb, name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"N": "1"}})
    status, _, body = raw_request(ddb_url, {
        "TableName": name, "Item": {"pk": {"S": "k"}, "v": {"N": "2"}},
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}, target="DynamoDB_20120810.PutItem")
    assert status == 400
    doc = json.loads(body)
    assert doc["__type"].endswith("#ConditionalCheckFailedException")
    assert doc["Item"] == {"pk": {"S": "k"}, "v": {"N": "1"}}


@pytest.mark.requires_ddbchat
def test_huge_declared_length_answered_at_once(ddb_url):
    # A Content-Length far beyond 16 MB (here 1 GB) is refused with 413 before the body is
    # read, and the connection is closed (ddbchat does not read gigabytes to discard them).
    u = urllib.parse.urlparse(ddb_url)
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    try:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n"
                  b"X-Amz-Target: DynamoDB_20120810.PutItem\r\n"
                  b"Authorization: " + DUMMY_AUTH.encode() + b"\r\n\r\n{")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413")
        assert json.loads(body)["__type"].endswith("#RequestEntityTooLarge")
    finally:
        s.close()
