"""Regressions for what tests/fuzz/fuzz_endpoint.py found, each as the exact request that
triggered it, through the real HTTP server."""
import json

import pytest

from conftest import raw_request


@pytest.mark.requires_ddbchat
@pytest.mark.parametrize("auth", [b"\xff", b"\xed\xa0\x80", b"AWS4-HMAC-SHA256 \xff"])
def test_non_utf8_authorization_header_with_credentials(ddbchat_server, auth):
    # Found with --sign (seed 6): the IncompleteSignatureException message quotes the
    # header; invalid UTF-8 there made the reply a 500 "out of memory".  (DynamoDB Local
    # answers 500 InternalFailure to any non-ASCII Authorization header: not a model.)
    srv = ddbchat_server(env={"DDBCHAT_ACCESS_KEY_ID": "AKID",
                              "DDBCHAT_SECRET_ACCESS_KEY": "secret"})
    status, _, body = raw_request(srv.ddb_url, {}, headers={"Authorization": auth})
    assert status == 400
    doc = json.loads(body.decode("utf-8"))     # strict: the body is valid UTF-8 JSON
    assert doc["__type"] == \
        "com.amazonaws.dynamodb.v20120810#IncompleteSignatureException"
    assert "Authorization" in doc["message"]
    assert "\ufffd" in doc["message"]
    # the server is still there
    status, _, _ = raw_request(srv.ddb_url, {}, headers={"Authorization": b"x"})
    assert status == 400
