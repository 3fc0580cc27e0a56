"""Other DynamoDB clients against the endpoint: the AWS CLI and the AWS SDK for JavaScript v3
(tests/e2e/js_smoke.mjs).  Both sign with SigV4, send JSON 1.0 and check x-amz-crc32
(the CLI through botocore), so these pin wire compatibility beyond boto3."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import REPO

AWS_ENV = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1",
           "AWS_EC2_METADATA_DISABLED": "true"}


def aws(ddb_url, *args, key="x", secret="x"):
    """Runs `aws dynamodb ... --endpoint-url URL --output json` and returns parsed stdout."""
    exe = shutil.which("aws")
    if not exe:
        pytest.skip("aws CLI not installed")
    env = dict(os.environ)
    env.update(AWS_ENV)
    env.update({"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret})
    env.pop("AWS_PROFILE", None)
    r = subprocess.run([exe, "dynamodb", *args, "--endpoint-url", ddb_url, "--output", "json"],
                       env=env, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return json.loads(r.stdout) if r.stdout.strip() else {}


def test_aws_cli_create_put_scan(ddb_url, table_name):
    # aws dynamodb create-table / put-item / get-item / scan / delete-table round trip.
    name = table_name("cli")
    d = aws(ddb_url, "create-table", "--table-name", name,
            "--attribute-definitions", "AttributeName=pk,AttributeType=S",
            "--key-schema", "AttributeName=pk,KeyType=HASH",
            "--billing-mode", "PAY_PER_REQUEST")
    assert d["TableDescription"]["TableName"] == name
    aws(ddb_url, "wait", "table-exists", "--table-name", name)
    aws(ddb_url, "put-item", "--table-name", name,
        "--item", json.dumps({"pk": {"S": "a"}, "n": {"N": "42"}, "l": {"L": [{"S": "x"}]}}))
    aws(ddb_url, "put-item", "--table-name", name, "--item", json.dumps({"pk": {"S": "b"}}))
    got = aws(ddb_url, "get-item", "--table-name", name, "--key", json.dumps({"pk": {"S": "a"}}))
    assert got["Item"] == {"pk": {"S": "a"}, "n": {"N": "42"}, "l": {"L": [{"S": "x"}]}}
    scan = aws(ddb_url, "scan", "--table-name", name)
    assert scan["Count"] == 2
    assert sorted(i["pk"]["S"] for i in scan["Items"]) == ["a", "b"]
    tables = aws(ddb_url, "list-tables")
    assert name in tables["TableNames"]
    aws(ddb_url, "delete-table", "--table-name", name)


def test_aws_cli_error_exit(ddb_url, table_name):
    # An error reply makes the CLI fail with the DynamoDB error code in its message.
    exe = shutil.which("aws")
    if not exe:
        pytest.skip("aws CLI not installed")
    env = dict(os.environ)
    env.update(AWS_ENV)
    r = subprocess.run([exe, "dynamodb", "describe-table", "--table-name", table_name(),
                        "--endpoint-url", ddb_url], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode != 0
    assert "ResourceNotFoundException" in r.stderr


def run_js(ddb_url, table, key="x", secret="x"):
    node = shutil.which("node")
    sdk = os.path.join(REPO, "tools", "oracle", "node_modules", "@aws-sdk", "client-dynamodb")
    if not node or not os.path.isdir(sdk):
        pytest.skip("node or @aws-sdk/client-dynamodb not installed (make oracle)")
    env = dict(os.environ)
    env["NODE_PATH"] = os.path.join(REPO, "tools", "oracle", "node_modules")
    env["NODE_NO_WARNINGS"] = "1"
    env["JS_SMOKE_KEY"], env["JS_SMOKE_SECRET"] = key, secret
    return subprocess.run([node, os.path.join(REPO, "tests", "e2e", "js_smoke.mjs"), ddb_url,
                           table], env=env, capture_output=True, text=True, timeout=120)


def test_js_sdk_smoke(ddb_url, table_name):
    # @aws-sdk/client-dynamodb: create, put x3, get, query (descending), a failed
    # conditional put surfaces as ConditionalCheckFailedException with status 400, delete.
    r = run_js(ddb_url, table_name("js"))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["get"] == "hello 2"
    assert out["query"] == [3, 2, 1]
    assert out["conditional"] == "ConditionalCheckFailedException"
    assert out["conditionalStatus"] == 400
    assert out["requestId"]


@pytest.mark.requires_ddbchat
def test_clients_sign_correctly_for_a_verifying_server(ddbchat_server, tmp_path):
    # With credentials configured, requests signed by the AWS CLI and the JS SDK verify
    # (their SigV4 canonicalisation matches ddbchat's), and a wrong secret is refused.
    creds = tmp_path / "creds"
    creds.write_text("AKIDCLIENTS clientSecret/123+abc\n")
    srv = ddbchat_server("--credentials-file", str(creds))
    name = "clients_signed"
    aws(srv.ddb_url, "create-table", "--table-name", name,
        "--attribute-definitions", "AttributeName=pk,AttributeType=S",
        "--key-schema", "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
        key="AKIDCLIENTS", secret="clientSecret/123+abc")
    assert name in aws(srv.ddb_url, "list-tables", key="AKIDCLIENTS",
                       secret="clientSecret/123+abc")["TableNames"]
    with pytest.raises(AssertionError, match="InvalidSignatureException"):
        aws(srv.ddb_url, "list-tables", key="AKIDCLIENTS", secret="wrong")
    r = run_js(srv.ddb_url, "js_signed", key="AKIDCLIENTS", secret="clientSecret/123+abc")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1])["get"] == "hello 2"
    r = run_js(srv.ddb_url, "js_signed2", key="AKIDCLIENTS", secret="wrong")
    assert r.returncode != 0 and "InvalidSignatureException" in r.stderr
