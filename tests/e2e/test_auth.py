"""SigV4 authentication and table namespaces.

Servers with credentials configured are ddbchat-only (DynamoDB Local accepts any signer), so
those tests start their own ddbchat with `ddbchat_server(...)`.  The namespace test runs on
both: DynamoDB Local keeps tables per access key + region by default, ddbchat with
--namespace-tables.
"""
import datetime
import http.client
import json
import os
import re
import tempfile
import urllib.parse
from unittest import mock

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import client_for, make_table, raw_request

KEY, SECRET = "AKIDDDBCHATTEST", "s3cr3t/Key+With/Slashes"
KEY2, SECRET2 = "AKIDSECOND", "another-secret"

MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.")


def creds_file():
    fd, path = tempfile.mkstemp(prefix="ddbchat-creds-")
    with os.fdopen(fd, "w") as f:
        f.write(f"# test keys\n{KEY} {SECRET}\n\n{KEY2}\t{SECRET2}\n")
    return path


@pytest.fixture
def authed(ddbchat_server):
    """A ddbchat that verifies signatures against KEY/SECRET and KEY2/SECRET2."""
    path = creds_file()
    try:
        yield ddbchat_server("--credentials-file", path)
    finally:
        os.unlink(path)


def signed_request(url, key, secret, body=b"{}", op="ListTables", when=None,
                   region="us-east-1", tamper=None):
    """Signs with botocore's SigV4Auth (at `when`, a naive UTC datetime), sends with
    http.client.  tamper(headers, body) -> (headers, body) may alter the signed request."""
    req = AWSRequest(method="POST", url=url + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{op}"})
    auth = SigV4Auth(Credentials(key, secret), "dynamodb", region)
    if when is None:
        auth.add_auth(req)
    else:
        with mock.patch("botocore.auth.datetime") as d:
            d.datetime.utcnow.return_value = when
            d.datetime.now.return_value = when
            auth.add_auth(req)
    headers = dict(req.headers.items())
    if tamper:
        headers, body = tamper(headers, body)
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        conn.close()


def err(doc):
    return doc["__type"].split("#", 1)[1], doc.get("message", doc.get("Message"))


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


@pytest.mark.requires_ddbchat
def test_boto3_with_right_key_works(authed):
    # A boto3 client with a configured key and its secret is accepted (both keys of the file).
    assert "TableNames" in client_for(authed.ddb_url, KEY, SECRET).list_tables()
    assert "TableNames" in client_for(authed.ddb_url, KEY2, SECRET2).list_tables()


@pytest.mark.requires_ddbchat
def test_wrong_secret(authed):
    # Known key, wrong secret: 400 InvalidSignatureException with AWS's text.
    with pytest.raises(ClientError) as ei:
        client_for(authed.ddb_url, KEY, "wrong").list_tables()
    e = ei.value.response
    assert e["Error"]["Code"] == "InvalidSignatureException"
    assert e["Error"]["Message"] == MISMATCH
    assert e["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.requires_ddbchat
def test_unknown_key(authed):
    # Unknown access key: UnrecognizedClientException.
    with pytest.raises(ClientError) as ei:
        client_for(authed.ddb_url, "AKIDNOBODY", SECRET).list_tables()
    e = ei.value.response["Error"]
    assert e["Code"] == "UnrecognizedClientException"
    assert e["Message"] == "The security token included in the request is invalid."


@pytest.mark.requires_ddbchat
def test_missing_authorization(authed):
    # No Authorization header: MissingAuthenticationTokenException.
    status, _, body = raw_request(authed.ddb_url, {}, headers={"Authorization": None})
    assert status == 400
    assert err(json.loads(body)) == ("MissingAuthenticationTokenException",
                                     "Request is missing Authentication Token")


@pytest.mark.requires_ddbchat
def test_signed_request_raw_ok(authed):
    # The raw signer used below produces accepted requests (guards the other raw tests).
    status, doc = signed_request(authed.ddb_url, KEY, SECRET)
    assert status == 200 and "TableNames" in doc


@pytest.mark.requires_ddbchat
@pytest.mark.parametrize("op", ["GetItem", "Query", "PutItem"])
def test_hot_operations_one_pass_same_answers(authed, op):
    # With credentials, the operations that read the body with our reader have their
    # signature verified before their body is parsed, in one pass when it passes (perf19;
    # before, a syntax check, then the signature, then the parse).  The answers stay AWS's
    # order: a body that is not JSON is the bare SerializationException, signed right, wrong
    # or not at all; JSON that is no object is the type check's text, after the signature
    # (review18 M2); a good request reaches the operation.  The tampered case's body is not
    # JSON but was signed as JSON: the JSON check still comes first.
    not_json = [b"{", b"not json", b"{\"TableName\": }", b"[" * 2100 + b"]" * 2100]
    not_object = {b"[]": "Start of list found where not expected",
                  b'"x"': "Expected a JSON object as the request body"}
    good = json.dumps({"TableName": "no_such_table_hot",
                       "Key": {"pk": {"S": "a"}}} if op != "Query" else
                      {"TableName": "no_such_table_hot", "KeyConditionExpression": "pk = :v",
                       "ExpressionAttributeValues": {":v": {"S": "a"}}}).encode()
    if op == "PutItem":
        good = json.dumps({"TableName": "no_such_table_hot",
                           "Item": {"pk": {"S": "a"}}}).encode()

    def unsigned(body):
        status, _, out = raw_request(authed.ddb_url, body, target="DynamoDB_20120810." + op,
                                     headers={"Authorization": None})
        return status, json.loads(out)

    for body in not_json:
        for st, doc in (signed_request(authed.ddb_url, KEY, SECRET, body=body, op=op),
                        signed_request(authed.ddb_url, KEY, "wrong", body=body, op=op),
                        signed_request(authed.ddb_url, KEY, SECRET, body=b"{}", op=op,
                                       tamper=lambda h, b, body=body: (h, body)),
                        unsigned(body)):
            assert st == 400 and doc == {
                "__type": "com.amazon.coral.service#SerializationException"}, (body[:20], doc)
    for body, text in not_object.items():
        st, doc = signed_request(authed.ddb_url, KEY, SECRET, body=body, op=op)
        assert st == 400 and err(doc) == ("SerializationException", text), doc
        st, doc = signed_request(authed.ddb_url, KEY, "wrong", body=body, op=op)
        assert st == 400 and err(doc) == ("InvalidSignatureException", MISMATCH), doc
        st, doc = unsigned(body)
        assert st == 400 and err(doc)[0] == "MissingAuthenticationTokenException", doc
    st, doc = signed_request(authed.ddb_url, KEY, SECRET, body=good, op=op)
    assert st == 400 and err(doc)[0] == "ResourceNotFoundException", doc
    st, doc = signed_request(authed.ddb_url, KEY, "wrong", body=good, op=op)
    assert st == 400 and err(doc) == ("InvalidSignatureException", MISMATCH), doc
    st, doc = signed_request(authed.ddb_url, KEY, SECRET, body=good, op=op,
                             tamper=lambda h, b: (h, b.replace(b'"a"', b'"b"')))
    assert st == 400 and err(doc) == ("InvalidSignatureException", MISMATCH), doc


@pytest.mark.requires_ddbchat
def test_tampered_body(authed):
    # Changing the body after signing breaks the payload hash: InvalidSignatureException.
    status, doc = signed_request(authed.ddb_url, KEY, SECRET, body=b'{"Limit": 5}',
                                 tamper=lambda h, b: (h, b'{"Limit": 6}'))
    assert status == 400
    assert err(doc) == ("InvalidSignatureException", MISMATCH)


class _UnsignedPayloadAuth(SigV4Auth):
    """A signer that puts UNSIGNED-PAYLOAD in the canonical request's payload line, as S3
    clients may (botocore never does for DynamoDB)."""
    def payload(self, request):
        return "UNSIGNED-PAYLOAD"


@pytest.mark.requires_ddbchat
def test_unsigned_payload_refused(authed):
    # X-Amz-Content-Sha256: UNSIGNED-PAYLOAD is S3's; DynamoDB's signature covers the body's
    # hash, so a request signed over UNSIGNED-PAYLOAD does not verify: otherwise a captured
    # request could be replayed for 15 minutes with any other body (review11 Q1: it was
    # accepted, 200 with a tampered body).
    for body, sent in ((b'{"Limit": 5}', b'{"Limit": 5}'), (b"{}", b'{"Limit": 1}')):
        req = AWSRequest(method="POST", url=authed.ddb_url + "/", data=body, headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"})
        _UnsignedPayloadAuth(Credentials(KEY, SECRET), "dynamodb", "us-east-1").add_auth(req)
        assert "x-amz-content-sha256" in req.headers["Authorization"]
        u = urllib.parse.urlparse(authed.ddb_url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        try:
            conn.request("POST", "/", body=sent, headers=dict(req.headers.items()))
            r = conn.getresponse()
            status, doc = r.status, json.loads(r.read() or b"{}")
        finally:
            conn.close()
        assert status == 400, (sent, doc)
        assert err(doc) == ("InvalidSignatureException", MISMATCH)


@pytest.mark.requires_ddbchat
def test_tampered_signed_header(authed):
    # Changing a signed header (the target) after signing: InvalidSignatureException.
    def tamper(h, b):
        h = dict(h)
        h["X-Amz-Target"] = "DynamoDB_20120810.DescribeLimits"
        return h, b
    status, doc = signed_request(authed.ddb_url, KEY, SECRET, tamper=tamper)
    assert status == 400
    assert err(doc)[0] == "InvalidSignatureException"


@pytest.mark.requires_ddbchat
def test_expired_signature(authed):
    # X-Amz-Date more than 15 minutes in the past: "Signature expired: ...".
    status, doc = signed_request(authed.ddb_url, KEY, SECRET,
                                 when=utcnow() - datetime.timedelta(minutes=20))
    assert status == 400
    t, msg = err(doc)
    assert t == "InvalidSignatureException"
    assert msg.startswith("Signature expired: ")
    assert "is now earlier than" in msg and msg.endswith(" - 15 min.)")


@pytest.mark.requires_ddbchat
def test_future_signature(authed):
    # X-Amz-Date more than 15 minutes in the future: "Signature not yet current: ...".
    status, doc = signed_request(authed.ddb_url, KEY, SECRET,
                                 when=utcnow() + datetime.timedelta(minutes=20))
    assert status == 400
    t, msg = err(doc)
    assert t == "InvalidSignatureException"
    assert msg.startswith("Signature not yet current: ")


@pytest.mark.requires_ddbchat
def test_small_skew_accepted(authed):
    # 10 minutes of clock skew is within the 15-minute window.
    status, _ = signed_request(authed.ddb_url, KEY, SECRET,
                               when=utcnow() - datetime.timedelta(minutes=10))
    assert status == 200


@pytest.mark.requires_ddbchat
def test_other_region_signature_works(authed):
    # The region is part of the scope; any region verifies.
    assert "TableNames" in client_for(authed.ddb_url, KEY, SECRET, region="eu-west-1").list_tables()


@pytest.mark.requires_ddbchat
def test_credentials_from_environment(ddbchat_server):
    # DDBCHAT_ACCESS_KEY_ID / DDBCHAT_SECRET_ACCESS_KEY configure one key.
    srv = ddbchat_server(env={"DDBCHAT_ACCESS_KEY_ID": "ENVKEY",
                              "DDBCHAT_SECRET_ACCESS_KEY": "envsecret"})
    assert "TableNames" in client_for(srv.ddb_url, "ENVKEY", "envsecret").list_tables()
    with pytest.raises(ClientError) as ei:
        client_for(srv.ddb_url, "ENVKEY", "nope").list_tables()
    assert ei.value.response["Error"]["Code"] == "InvalidSignatureException"


@pytest.mark.requires_ddbchat
def test_no_credentials_accepts_any_signer(ddb_url):
    # Without credentials any key and secret are accepted, like DynamoDB Local.
    assert "TableNames" in client_for(ddb_url, "anything", "whatever").list_tables()
    status, _ = signed_request(ddb_url, "k", "s", when=utcnow() - datetime.timedelta(days=3))
    assert status == 200


def test_table_namespaces(target, ddb_url, ddbchat_server_or_none, table_name):
    # Tables are separate per access key + region: DynamoDB Local's default, ddbchat's
    # --namespace-tables.  The same key in the same region sees its table.
    url = ddbchat_server_or_none("--namespace-tables").ddb_url if target == "ddbchat" else ddb_url
    name = table_name()
    a = client_for(url, "nsKeyA", "x")
    make_table(a, name)
    try:
        assert name in a.list_tables()["TableNames"]
        assert name in client_for(url, "nsKeyA", "y").list_tables()["TableNames"]
        assert name not in client_for(url, "nsKeyB", "x").list_tables()["TableNames"]
        assert name not in client_for(url, "nsKeyA", "x", region="eu-west-1").list_tables()["TableNames"]
        b = client_for(url, "nsKeyB", "x")
        with pytest.raises(ClientError) as ei:
            b.describe_table(TableName=name)
        assert ei.value.response["Error"]["Code"] == "ResourceNotFoundException"
        # the other namespace may create a table of the same name
        make_table(b, name)
        b.delete_table(TableName=name)
    finally:
        a.delete_table(TableName=name)


@pytest.fixture
def ddbchat_server_or_none(target, request):
    if target != "ddbchat":
        return None
    return request.getfixturevalue("ddbchat_server")


@pytest.mark.requires_ddbchat
def test_ddbchat_remote_backend_signs_correctly(ddbchat_server, tmp_path):
    # ddbchat's own client (libcurl's SigV4) against a verifying ddbchat: `serve --endpoint`
    # with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY creates the demo data on the verifying
    # server; with a wrong secret it cannot start.
    import signal
    import subprocess
    from conftest import ddbchat_bin, free_port, wait_port
    creds = tmp_path / "creds"
    creds.write_text(f"{KEY} {SECRET}\n")
    backend = ddbchat_server("--credentials-file", str(creds))
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET,
               DDBCHAT_JWT_SECRET="0123456789abcdef0123456789abcdef")
    env.pop("AWS_PROFILE", None)
    port = free_port()
    p = subprocess.Popen([ddbchat_bin(), "serve", "--endpoint", backend.ddb_url, "--api-port",
                          str(port), "--data-dir", str(tmp_path), "--demo", "--quiet"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port, p, timeout=20)
        assert "cruddur-messages" in client_for(backend.ddb_url, KEY, SECRET).list_tables()["TableNames"]
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=20) == 0
    env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    r = subprocess.run([ddbchat_bin(), "serve", "--endpoint", backend.ddb_url, "--api-port",
                        str(free_port()), "--data-dir", str(tmp_path), "--quiet"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "signature" in r.stderr.lower()


@pytest.mark.requires_ddbchat
def test_signed_gzip_body(authed):
    # Issue 10.3: a gzip body is signed as sent (the payload hash covers the compressed
    # bytes, as SigV4 signs what goes on the wire); the server verifies those bytes and then
    # decodes them.  A signature computed over the uncompressed JSON does not match.
    import gzip
    plain = json.dumps({"Limit": 3}).encode()
    packed = gzip.compress(plain)

    def with_encoding(headers, body):
        return dict(headers, **{"Content-Encoding": "gzip"}), body

    st, doc = signed_request(authed.ddb_url, KEY, SECRET, body=packed, tamper=with_encoding)
    assert st == 200 and "TableNames" in doc

    def packed_after_signing(headers, body):
        return dict(headers, **{"Content-Encoding": "gzip"}), packed

    st, doc = signed_request(authed.ddb_url, KEY, SECRET, body=plain, tamper=packed_after_signing)
    assert st == 400
    assert err(doc) == ("InvalidSignatureException", MISMATCH)


# ---- query-string (presigned) authentication ------------------------------------------------
# With credentials a presigned request's signature is verified as AWS's query-string signing
# defines it ("Authenticating Requests: Using Query Parameters"): the canonical request of the
# method, path, every query parameter but X-Amz-Signature, the X-Amz-SignedHeaders and the
# payload line UNSIGNED-PAYLOAD (or the body's SHA-256, which botocore's SigV4QueryAuth and the
# JS SDK's presigner sign for services other than S3), valid X-Amz-Expires seconds from
# X-Amz-Date.  ddbchat answered every presigned request MissingAuthenticationTokenException
# when it had credentials (README: not verified).


class _QueryAuth(SigV4QueryAuth):
    """botocore's presigner with the payload line of AWS's query-string signing."""
    def payload(self, request):
        return "UNSIGNED-PAYLOAD"


class _QueryAuthBodyHash(SigV4QueryAuth):
    """botocore's presigner signing the body's hash (its default for a body it keeps)."""
    body = b""

    def payload(self, request):
        import hashlib
        return hashlib.sha256(self.body).hexdigest()


def presigned(url, key, secret, body=b"{}", op="ListTables", expires=300, when=None,
              signer=_QueryAuth, tamper=None, signed_body=None, headers=None):
    """Presigns POST / with botocore's SigV4QueryAuth (at `when`, a naive UTC datetime) and
    sends the body with it.  tamper(url) -> url may alter the presigned URL, headers replace
    some of the signed ones, signed_body is what _QueryAuthBodyHash hashes (body)."""
    req = AWSRequest(method="POST", url=url + "/", headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{op}"})
    auth = signer(Credentials(key, secret), "dynamodb", "us-east-1", expires=expires)
    auth.body = body if signed_body is None else signed_body
    with mock.patch("botocore.auth.datetime") as d:
        d.datetime.utcnow.return_value = when or utcnow()
        d.datetime.now.return_value = when or utcnow()
        auth.add_auth(req)
    target = req.url
    if tamper:
        target = tamper(target)
    u = urllib.parse.urlparse(target)
    assert "X-Amz-Signature=" in u.query and "X-Amz-Expires=" in u.query
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("POST", u.path + "?" + u.query, body=body,
                     headers=dict(dict(req.headers.items()), **(headers or {})))
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        conn.close()


@pytest.mark.requires_ddbchat
def test_presigned_request_verified(authed):
    # a good signature passes, over UNSIGNED-PAYLOAD or the body's hash, for either key
    status, doc = presigned(authed.ddb_url, KEY, SECRET)
    assert status == 200 and "TableNames" in doc, doc
    status, doc = presigned(authed.ddb_url, KEY2, SECRET2, body=b'{"Limit": 3}',
                            signer=_QueryAuthBodyHash)
    assert status == 200 and "TableNames" in doc, doc
    # an operation whose signature is checked before its body is parsed (GetItem): past the
    # signature to the table's absence; with a wrong secret the mismatch
    get = b'{"TableName": "nope", "Key": {"pk": {"S": "a"}}}'
    status, doc = presigned(authed.ddb_url, KEY, SECRET, body=get, op="GetItem")
    assert (status, err(doc)[0]) == (400, "ResourceNotFoundException"), doc
    status, doc = presigned(authed.ddb_url, KEY, "wrong", body=get, op="GetItem")
    assert (status, err(doc)) == (400, ("InvalidSignatureException", MISMATCH)), doc
    # over the body's hash, another body is a mismatch (over UNSIGNED-PAYLOAD it is not signed)
    status, doc = presigned(authed.ddb_url, KEY, SECRET, body=b'{"Limit": 3}',
                            signer=_QueryAuthBodyHash, signed_body=b"{}")
    assert (status, err(doc)) == (400, ("InvalidSignatureException", MISMATCH))
    # a wrong secret: AWS's mismatch text; an unknown key: the unrecognized client
    status, doc = presigned(authed.ddb_url, KEY, "wrong")
    assert (status, err(doc)) == (400, ("InvalidSignatureException", MISMATCH))
    status, doc = presigned(authed.ddb_url, "AKIDNOBODY", SECRET)
    assert (status, err(doc)) == (400, ("UnrecognizedClientException",
                                        "The security token included in the request is invalid."))
    # a changed parameter, signed or added, or a changed signed header: a mismatch
    for change in (lambda u: u.replace("X-Amz-Expires=300", "X-Amz-Expires=301"),
                   lambda u: u + "&extra=1",
                   lambda u: u.replace("aws4_request", "aws4_request&x=y")):
        status, doc = presigned(authed.ddb_url, KEY, SECRET, tamper=change)
        assert (status, err(doc)) == (400, ("InvalidSignatureException", MISMATCH)), doc
    status, doc = presigned(authed.ddb_url, KEY, SECRET, headers={
        "X-Amz-Target": "DynamoDB_20120810.DescribeLimits"})
    assert (status, err(doc)) == (400, ("InvalidSignatureException", MISMATCH)), doc


@pytest.mark.requires_ddbchat
def test_presigned_request_expires(authed):
    # X-Amz-Expires seconds after X-Amz-Date the signature has expired (AWS's "Signature
    # expired" sentence with that window); within it, it passes, however long ago it was
    # signed (up to the week SigV4 allows); a date more than 15 minutes ahead is not yet
    # current, as with a header
    now = utcnow()
    status, doc = presigned(authed.ddb_url, KEY, SECRET, expires=60,
                            when=now - datetime.timedelta(seconds=120))
    t, msg = err(doc)
    assert (status, t) == (400, "InvalidSignatureException"), doc
    assert msg.startswith("Signature expired: ") and msg.endswith(" - 1 min.)"), msg
    assert "is now earlier than" in msg
    status, doc = presigned(authed.ddb_url, KEY, SECRET, expires=90,
                            when=now - datetime.timedelta(seconds=120))
    assert (status, err(doc)[1].endswith(" - 90 sec.)")) == (400, True), doc
    status, doc = presigned(authed.ddb_url, KEY, SECRET, expires=7200,
                            when=now - datetime.timedelta(minutes=30))
    assert status == 200, doc
    status, doc = presigned(authed.ddb_url, KEY, SECRET, expires=3600,
                            when=now + datetime.timedelta(minutes=20))
    assert (status, err(doc)[0]) == (400, "InvalidSignatureException"), doc
    assert err(doc)[1].startswith("Signature not yet current: ")
    # more than a week, or not a number: refused before the signature
    for bad, text in (("604801", "X-Amz-Expires must be less than a week (in seconds); that "
                                 "is, the given X-Amz-Expires must be less than 604800 seconds"),
                      ("soon", "X-Amz-Expires should be a number")):
        status, doc = presigned(authed.ddb_url, KEY, SECRET, tamper=lambda u, b=bad: u.replace(
            "X-Amz-Expires=300", "X-Amz-Expires=" + b))
        assert (status, err(doc)) == (400, ("IncompleteSignatureException", text)), bad


@pytest.mark.requires_ddbchat
def test_presigned_request_namespace(ddbchat_server):
    # With credentials and --namespace-tables, a verified presigned request runs in its key's
    # namespace (access key and region of X-Amz-Credential), as the key's header-signed ones.
    path = creds_file()
    try:
        srv = ddbchat_server("--credentials-file", path, "--namespace-tables")
        make_table(client_for(srv.ddb_url, KEY, SECRET), "mine")
        status, doc = presigned(srv.ddb_url, KEY, SECRET)
        assert (status, doc) == (200, {"TableNames": ["mine"]})
        status, doc = presigned(srv.ddb_url, KEY2, SECRET2)
        assert (status, doc) == (200, {"TableNames": []})
    finally:
        os.unlink(path)


@pytest.mark.requires_ddbchat
def test_signature_of_another_length_is_a_mismatch(authed):
    # AWS compares the whole signature: one digit short, one more, or the right 64 digits with
    # anything after them is the mismatch, in a header and in a presigned query (review20 R10:
    # ddbchat compared the first 64 characters, so a longer one with the right start passed)
    def header(f):
        def tamper(h, b):
            h = dict(h)
            a, sig = h["Authorization"].rsplit("Signature=", 1)
            h["Authorization"] = a + "Signature=" + f(sig)
            return h, b
        return tamper
    for f in (lambda s: s[:63], lambda s: s + "0", lambda s: s + "deadbeef"):
        status, doc = signed_request(authed.ddb_url, KEY, SECRET, tamper=header(f))
        assert (status, err(doc)) == (400, ("InvalidSignatureException", MISMATCH)), doc
        status, doc = presigned(authed.ddb_url, KEY, SECRET, tamper=lambda u, f=f: re.sub(
            "X-Amz-Signature=([0-9a-f]+)", lambda m: "X-Amz-Signature=" + f(m.group(1)), u))
        assert (status, err(doc)) == (400, ("InvalidSignatureException", MISMATCH)), doc
    status, doc = presigned(authed.ddb_url, KEY, SECRET, tamper=lambda u: u + "-anything")
    assert (status, err(doc)) == (400, ("InvalidSignatureException", MISMATCH)), doc
    # a second X-Amz-Signature after the right one is a parameter the signature does not
    # cover: only the one signature read is left out of the canonical query (final20 F1: every
    # X-Amz-Signature was left out, so a valid URL with one more still passed)
    for extra in ("&X-Amz-Signature=00", "&X-Amz-Signature"):
        status, doc = presigned(authed.ddb_url, KEY, SECRET, tamper=lambda u, x=extra: u + x)
        assert (status, err(doc)) == (400, ("InvalidSignatureException", MISMATCH)), doc


@pytest.mark.requires_ddbchat
@pytest.mark.parametrize("op", ["ListTables", "GetItem"])
def test_query_refusals_keep_their_own_text(authed, op):
    # With credentials an operation whose signature is checked before its body is parsed
    # (GetItem) gives the query's own refusals, type and text, as any other (review20 R11: it
    # answered the query check's type with the early verification's text)
    body = {} if op == "ListTables" else {"TableName": "nope", "Key": {"pk": {"S": "a"}}}
    q = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
         "X-Amz-Credential": f"{KEY}/20261206/us-east-1/dynamodb/aws4_request",
         "X-Amz-Date": "20261206T054000Z", "X-Amz-Signature": "00"}
    url = authed.ddb_url.rstrip("/") + "/?" + urllib.parse.urlencode(q)
    status, _, out = raw_request(url, body, target="DynamoDB_20120810." + op,
                                 headers={"Authorization": None})
    assert (status, err(json.loads(out))) == (400, (
        "IncompleteSignatureException", "AWS query-string parameters must include "
        "'X-Amz-SignedHeaders'. Re-examine the query-string parameters."))
    status, _, out = raw_request(url, body, target="DynamoDB_20120810." + op, headers={
        "Authorization": f"AWS4-HMAC-SHA256 Credential={KEY}/20261206/us-east-1/dynamodb/"
                         "aws4_request, SignedHeaders=host, Signature=00"})
    assert (status, err(json.loads(out))) == (400, (
        "InvalidSignatureException", "Found both 'X-Amz-Algorithm' as a query-string param "
        "and 'Authorization' as HTTP header."))


LONG_KEYS = ["K" * 129, "AKID" * 75]  # past IAM's 128-character access key ids


@pytest.mark.requires_ddbchat
@pytest.mark.parametrize("key", LONG_KEYS, ids=["129", "300"])
def test_access_key_over_128_bytes_is_unrecognized(authed, key):
    # hostile21 (fuzz20's "Left alone"): a key id longer than ddbchat keeps (128 bytes, IAM's
    # maximum) was answered InvalidSignatureException "Credential should be scoped to a valid
    # region, not 'us-east-1'" -- a region that is valid.  AWS checks the key id after the
    # credential scope's parts and answers an id it does not know UnrecognizedClientException
    # (dynalite's recorded order: "THEN check keyid"); no key that long exists, so that is the
    # answer, as for test_unknown_key.
    status, doc = signed_request(authed.ddb_url, key, SECRET)
    assert status == 400
    assert err(doc) == ("UnrecognizedClientException",
                        "The security token included in the request is invalid.")
    # the scope's own faults still come first (the parts are checked before the key id)
    status, doc = signed_request(authed.ddb_url, key, SECRET,
                                 tamper=lambda h, b: ({**h, "Authorization": h["Authorization"]
                                                       .replace("/aws4_request", "/aws4_x")}, b))
    assert status == 400 and "valid terminator: 'aws4_request', not 'aws4_x'" in err(doc)[1]


def test_access_key_over_128_bytes_with_namespaces(target, ddb_url, ddbchat_server_or_none):
    # Without credentials, --namespace-tables names a caller's tables by its key id and region
    # (DynamoDB Local's default): a key id past 128 bytes names no caller AWS could have and
    # is UnrecognizedClientException, not the scope text of a valid region (hostile21).
    url = ddbchat_server_or_none("--namespace-tables").ddb_url if target == "ddbchat" else ddb_url
    status, doc = signed_request(url, LONG_KEYS[1], "x")
    if target == "ddbchat":
        assert status == 400
        assert err(doc) == ("UnrecognizedClientException",
                            "The security token included in the request is invalid.")
    else:  # DynamoDB Local takes any key id as a namespace (it never checks one)
        assert status == 200, doc


def _raw_auth(url, authorization, amz_date):
    """POST ListTables with this Authorization and X-Amz-Date (nothing signed)."""
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("POST", "/", body=b"{}", headers={
            "Content-Type": "application/x-amz-json-1.0", "Host": f"{u.hostname}:{u.port}",
            "X-Amz-Target": "DynamoDB_20120810.ListTables", "X-Amz-Date": amz_date,
            "Authorization": authorization})
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        conn.close()


@pytest.mark.requires_ddbchat
def test_signature_checks_in_dynamodbs_recorded_order(authed):
    # DynamoDB's order and texts as dynalite's index.js records them from DynamoDB itself:
    # the date's format and the time window, then Host signed, then the algorithm
    # (IncompleteSignatureException "Unsupported AWS 'algorithm'"), then the Credential's five
    # parts (IncompleteSignatureException "Credential must have exactly 5 slash-delimited
    # elements"), then the scope's parts, one InvalidSignatureException with a sentence for
    # each that fails (region, service, terminator, date), then the key id
    # (UnrecognizedClientException), then the signature.  Before (hostile22), the key id came
    # first, another algorithm was the three "requires" sentences, and a Credential of other
    # than five parts or a wrong terminator was IncompleteSignatureException with three fixed
    # scope sentences (session 21's "Left alone", sigv4.c).
    now = utcnow()
    x = now.strftime("%Y%m%dT%H%M%SZ")
    d = x[:8]
    old = (now - datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    good_scope = f"{d}/us-east-1/dynamodb/aws4_request"

    def auth(cred, sh="host;x-amz-date", alg="AWS4-HMAC-SHA256", sig="0" * 64):
        return f"{alg} Credential={cred}, SignedHeaders={sh}, Signature={sig}"

    inc, inv = "IncompleteSignatureException", "InvalidSignatureException"
    unknown = ("UnrecognizedClientException",
               "The security token included in the request is invalid.")
    cases = [
        # the window before the key id: an unknown key with an old date is the expired one
        (auth(f"NOPE/{old[:8]}/us-east-1/dynamodb/aws4_request"), old, inv, "Signature expired: "),
        # Host unsigned before the algorithm, the parts, the scope and the key id
        (auth("NOPE/b/c/d", sh="x-amz-date", alg="AWS4-HMAC-SHA25"), x, inv,
         "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
        # the algorithm before the Credential's parts
        (auth("NOPE/b/c/d", alg="AWS4-HMAC-SHA25"), x, inc,
         "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). "),
        (auth("a/b/c/d"), x, inc, "Credential must have exactly 5 slash-delimited elements, "
         "e.g. keyid/date/region/service/term, got 'a/b/c/d'"),
        # every part of the scope that fails, in one answer, before the key id
        (auth("NOPE/b//d/e"), x, inv,
         "Credential should be scoped to a valid region, not ''. Credential should be scoped "
         "to correct service: 'dynamodb'. Credential should be scoped with a valid "
         f"terminator: 'aws4_request', not 'e'. Date in Credential scope does not match "
         f"YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '{d}', from '{x}'."),
        (auth(f"NOPE/{d}/us-east-1/dynamodb/aws4_x"), x, inv,
         "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_x'. "),
        (auth(f"{KEY}/{d}/us-east-1/s3/aws4_request"), x, inv,
         "Credential should be scoped to correct service: 'dynamodb'. "),
        # trailing slashes are ignored; then the key id, then the signature
        (auth(f"NOPE/{good_scope}/"), x, *unknown),
        (auth(f"{KEY}/{good_scope}"), x, inv, MISMATCH),
    ]
    for a, when, typ, msg in cases:
        status, doc = _raw_auth(authed.ddb_url, a, when)
        got = err(doc)
        assert status == 400 and got[0] == typ and got[1].startswith(msg), (a, got)
        if not msg.endswith(": "):
            assert got[1] == msg or msg == MISMATCH, (a, got)
