"""`ddbchat export` / `ddbchat import` in DynamoDB's own file formats (issue 14, item 4).

Against either target: the source or destination table lives on the session's endpoint
(ddbchat or DynamoDB Local) and the CLI reaches it with --endpoint, so DynamoDB Local checks
that what we write and read works through an endpoint that is not ours.  The other side is
an embedded ddbchat data dir (--data-dir), then served to query the imported indexes.

Pinned facts of the export format (DynamoDB Developer Guide, "DynamoDB table export output
format"): AWSDynamoDB/<ExportId>/ with manifest-summary.json (version "2020-06-30",
itemCount, outputFormat DYNAMODB_JSON, manifestFilesS3Key, ...), manifest-files.json (one
JSON object a line: itemCount, md5Checksum = base64 MD5 of the data file, etag,
dataFileS3Key), data/*.json.gz with one {"Item": {...}} a line, and _started.
"""
import base64
import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest

from conftest import client_for, ddbchat_bin, make_table, start_ddbchat
from msg_fixtures import check_invariants, remote_env, scan_table


def run(*args, check=True, env=None):
    p = subprocess.run([ddbchat_bin(), *args], capture_output=True, text=True, timeout=300,
                       env=env or remote_env())
    if check and p.returncode != 0:
        raise AssertionError(f"ddbchat {' '.join(args)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def canon(items):
    return sorted(json.dumps(i, sort_keys=True) for i in items)


def scan_raw(ddb, table):
    items, kw = [], {}
    while True:
        r = ddb.scan(TableName=table, **kw)
        items += r["Items"]
        if "LastEvaluatedKey" not in r:
            return items
        kw = {"ExclusiveStartKey": r["LastEvaluatedKey"]}


def to_wire(items):
    """boto3's client values (bytes for B) back to DynamoDB JSON as on the wire."""
    def conv(v):
        (t, x), = v.items()
        if t == "B":
            return {"B": base64.b64encode(x).decode()}
        if t == "BS":
            return {"BS": sorted(base64.b64encode(b).decode() for b in x)}
        if t in ("SS", "NS"):
            return {t: sorted(x)}
        if t == "M":
            return {"M": {k: conv(y) for k, y in x.items()}}
        if t == "L":
            return {"L": [conv(y) for y in x]}
        return {t: x}
    return [{k: conv(v) for k, v in it.items()} for it in items]


@pytest.fixture
def fresh_dir():
    d = tempfile.mkdtemp(prefix="ddbchat-import-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_messaging_table_round_trip(ddb, ddb_url, table_name, tmp_path, fresh_dir):
    """Seed the messaging table on the endpoint, export it (Scan pages), import it into a fresh
    data dir with --create: every item equal, the GSI rebuilt and queryable, and the messaging
    invariants hold on the copy."""
    table = table_name("msgs")
    run("seed", "--endpoint", ddb_url, "--table", table, "--users", "8", "--conversations", "6",
        "--messages", "3", "--json")
    src = scan_raw(ddb, table)
    assert len(src) > 25
    out = json.loads(run("export", table, str(tmp_path / "ex"), "--endpoint", ddb_url,
                         "--json").stdout)
    assert out["items"] == len(src) and out["point_in_time"] is False
    exp = out["export_dir"]
    summary = json.load(open(os.path.join(exp, "manifest-summary.json")))
    assert summary["version"] == "2020-06-30" and summary["itemCount"] == len(src)
    assert summary["outputFormat"] == "DYNAMODB_JSON"
    assert summary["manifestFilesS3Key"].endswith("/manifest-files.json")
    assert os.path.exists(os.path.join(exp, "_started"))
    files = [json.loads(l) for l in open(os.path.join(exp, "manifest-files.json"))]
    assert sum(f["itemCount"] for f in files) == len(src)
    for f in files:
        path = os.path.join(exp, "data", os.path.basename(f["dataFileS3Key"]))
        raw = open(path, "rb").read()
        assert base64.b64encode(hashlib.md5(raw).digest()).decode() == f["md5Checksum"]
        assert hashlib.md5(raw).hexdigest() == f["etag"]
        for line in gzip.decompress(raw).decode().splitlines():
            assert list(json.loads(line)) == ["Item"]

    imp = json.loads(run("import", exp, table, "--create", "--data-dir", fresh_dir,
                         "--json").stdout)
    assert imp["items"] == len(src) and imp["errors"] == 0 and imp["created"]
    srv = start_ddbchat(data_dir=fresh_dir)
    try:
        d2 = client_for(srv.ddb_url)
        dst = scan_raw(d2, table)
        assert canon(to_wire(dst)) == canon(to_wire(src))
        desc = d2.describe_table(TableName=table)["Table"]
        assert [g["IndexName"] for g in desc["GlobalSecondaryIndexes"]] == \
            ["message-group-sk-index"]
        # pattern A through the rebuilt index: a conversation's messages, newest first
        newest, rows, pairs = check_invariants(scan_table(d2, table))
        g = next(iter(newest))
        q = d2.query(TableName=table, IndexName="message-group-sk-index",
                     KeyConditionExpression="message_group_uuid = :g",
                     ExpressionAttributeValues={":g": {"S": g}}, ScanIndexForward=False)
        assert q["Count"] == 2  # the two participants' conversation rows
        m = d2.query(TableName=table, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "MSG#" + g}})
        assert m["Count"] >= 1
    finally:
        srv.stop()


@pytest.mark.requires_ddbchat
def test_embedded_export_is_one_snapshot_while_serving(ddbchat_server, tmp_path, fresh_dir):
    """With --data-dir the export reads one LMDB snapshot while the server keeps serving, and
    says so; the copy imports back through --endpoint into another server."""
    srv = ddbchat_server()
    d = client_for(srv.ddb_url)
    make_table(d, "snap", hash=("pk", "S"), range=("n", "N"),
               lsis=[{"name": "by_v", "range": ("v", "S"), "projection": "KEYS_ONLY"}])
    for i in range(300):
        d.put_item(TableName="snap", Item={"pk": {"S": f"p{i % 7}"}, "n": {"N": str(i)},
                                           "v": {"S": f"v{i:04d}"}, "bin": {"B": bytes([i % 256])},
                                           "set": {"NS": [str(i), "1.5"]}})
    out = json.loads(run("export", "snap", str(tmp_path / "ex"), "--data-dir", srv.data_dir,
                         "--json").stdout)
    assert out["items"] == 300 and out["point_in_time"] is True
    dst = start_ddbchat(data_dir=fresh_dir)
    try:
        imp = json.loads(run("import", str(tmp_path / "ex"), "snap", "--create", "--endpoint",
                             dst.ddb_url, "--json").stdout)
        assert imp["items"] == 300
        d2 = client_for(dst.ddb_url)
        assert canon(to_wire(scan_raw(d2, "snap"))) == canon(to_wire(scan_raw(d, "snap")))
        lsi = d2.describe_table(TableName="snap")["Table"]["LocalSecondaryIndexes"]
        assert lsi[0]["IndexName"] == "by_v"
        assert lsi[0]["Projection"]["ProjectionType"] == "KEYS_ONLY"
        q = d2.query(TableName="snap", IndexName="by_v",
                     KeyConditionExpression="pk = :p AND v < :v",
                     ExpressionAttributeValues={":p": {"S": "p3"}, ":v": {"S": "v0100"}})
        assert q["Count"] == len([i for i in range(100) if i % 7 == 3])
    finally:
        dst.stop()


ALL_TYPES = [
    {"pk": {"S": "a"}, "s": {"S": "text é ✓"}, "n": {"N": "-12.5"}, "b": {"B": "AAEC/w=="},
     "t": {"BOOL": True}, "z": {"NULL": True},
     "m": {"M": {"inner": {"L": [{"N": "1"}, {"S": "x"}, {"M": {}}]}}},
     "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AQ==", "Ag=="]}},
    {"pk": {"S": "b"}, "big": {"N": "12345678901234567890123456789012345678"}},
    {"pk": {"S": "c"}, "empty": {"S": ""}, "l": {"L": []}},
]


def write_aws_export(root, items, export_id="01693685827463-2d8752fd", lines_per_file=2):
    """An export the way DynamoDB writes it, by hand (documented format)."""
    exp = os.path.join(root, "AWSDynamoDB", export_id)
    os.makedirs(os.path.join(exp, "data"))
    open(os.path.join(exp, "_started"), "w").close()
    entries = []
    for n in range(0, max(len(items), 1), lines_per_file):
        chunk = items[n:n + lines_per_file]
        body = "".join(json.dumps({"Item": it}) + "\n" for it in chunk).encode()
        gz = gzip.compress(body)
        name = f"{uuid.uuid4().hex[:26]}.json.gz"
        open(os.path.join(exp, "data", name), "wb").write(gz)
        entries.append({"itemCount": len(chunk),
                        "md5Checksum": base64.b64encode(hashlib.md5(gz).digest()).decode(),
                        "etag": hashlib.md5(gz).hexdigest() + "-1",
                        "dataFileS3Key": f"AWSDynamoDB/{export_id}/data/{name}"})
    with open(os.path.join(exp, "manifest-files.json"), "w") as f:
        for e in entries:
            f.write(json.dumps(e) + "\n")
    json.dump({"version": "2020-06-30",
               "exportArn": f"arn:aws:dynamodb:us-east-1:123456789012:table/T/export/{export_id}",
               "startTime": "2020-11-04T07:28:34.028Z", "endTime": "2020-11-04T07:33:43.897Z",
               "tableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/T",
               "tableId": "12345a12-abcd-123a-ab12-1234abc12345",
               "exportTime": "2020-11-04T07:28:34.028Z", "s3Bucket": "bucket", "s3Prefix": None,
               "s3SseAlgorithm": "AES256", "s3SseKmsKeyId": None,
               "manifestFilesS3Key": f"AWSDynamoDB/{export_id}/manifest-files.json",
               "billedSizeBytes": 0, "itemCount": len(items), "outputFormat": "DYNAMODB_JSON"},
              open(os.path.join(exp, "manifest-summary.json"), "w"))
    return exp


def test_import_hand_written_aws_export(ddb, ddb_url, table_name, tmp_path):
    """An export in AWS's documented layout, written by hand (every attribute type, a 38-digit
    number, an empty string, files of two items), imports item for item; the prefix dir (the
    one holding AWSDynamoDB/) works as well as the export dir."""
    table = table_name("hand")
    write_aws_export(str(tmp_path), ALL_TYPES)
    out = json.loads(run("import", str(tmp_path), table, "--create", "--key", "pk:S",
                         "--endpoint", ddb_url, "--json").stdout)
    assert out == {**out, "items": 3, "errors": 0, "files": 2, "created": True}
    got = {it["pk"]["S"]: it for it in to_wire(scan_raw(ddb, table))}
    for want in ALL_TYPES:
        g = got[want["pk"]["S"]]
        norm = lambda it: json.dumps(  # noqa: E731 - sets compare as sets
            {k: ({t: sorted(x)} if t in ("SS", "NS", "BS") else {t: x})
             for k, v in it.items() for t, x in v.items()}, sort_keys=True)
        assert norm(g) == norm(want)


def test_import_refuses_damaged_export(ddb, ddb_url, table_name, tmp_path):
    """A data file whose MD5 does not match the manifest is refused, naming it, before
    anything is written: the files the manifest names before it are not imported either."""
    table = table_name("dmg")
    make_table(ddb, table)
    exp = write_aws_export(str(tmp_path), ALL_TYPES[:3], lines_per_file=1)
    last = open(os.path.join(exp, "manifest-files.json")).read().splitlines()[-1]
    data = os.path.join(str(tmp_path), json.loads(last)["dataFileS3Key"])
    raw = bytearray(open(data, "rb").read())
    raw[-5] ^= 0xFF
    open(data, "wb").write(bytes(raw))
    p = run("import", exp, table, "--endpoint", ddb_url, check=False)
    assert p.returncode == 1 and "md5Checksum" in p.stderr
    assert os.path.basename(data) in p.stderr
    assert scan_raw(ddb, table) == []


def test_import_json_lines_with_bad_lines(ddb, ddb_url, table_name, tmp_path):
    """Plain and gzip DynamoDB JSON lines from a directory (every file, name order); a line
    that is not an item, and an item DynamoDB refuses, are counted and named, the rest go
    in; the exit status is 1."""
    table = table_name("lines")
    make_table(ddb, table)
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.json").write_text(
        '{"Item":{"pk":{"S":"1"},"v":{"N":"1"}}}\n\n{"Item":{"pk":{"S":"2"}}}\nnot json\n')
    (d / "b.json.gz").write_bytes(gzip.compress(
        b'{"Item":{"pk":{"S":"3"}}}\n{"Item":{"nokey":{"S":"x"}}}\n{"Item":{"pk":{"S":"1"},"v":{"N":"2"}}}\n'))
    p = run("import", str(d), table, "--endpoint", ddb_url, "--json", check=False)
    assert p.returncode == 1, p.stderr
    out = json.loads(p.stdout)
    assert out["items"] == 4 and out["errors"] == 2 and out["files"] == 2
    assert any("a.json:4" in m for m in out["first_errors"])
    assert any("b.json.gz:2" in m and "ValidationException" in m for m in out["first_errors"])
    items = {it["pk"]["S"]: it for it in scan_raw(ddb, table)}
    assert sorted(items) == ["1", "2", "3"]
    assert items["1"]["v"] == {"N": "2"}  # the later line wins


def test_import_csv(ddb, ddb_url, table_name, tmp_path):
    """CSV as ImportTable reads it: header line, quoted fields with commas, quotes and
    newlines; key attributes typed from the table, other values strings, empty cells left
    out; a header list and another delimiter on request."""
    table = table_name("csv")
    make_table(ddb, table, hash=("id", "N"), range=("name", "S"))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "name", "note", "count"])
    w.writerow(["1", "one", 'has "quotes", a comma\nand a newline', "10"])
    w.writerow(["2", "two", "", "20"])
    (tmp_path / "t.csv").write_text(buf.getvalue())
    out = json.loads(run("import", str(tmp_path / "t.csv"), table, "--endpoint", ddb_url,
                         "--json").stdout)
    assert out["items"] == 2 and out["errors"] == 0
    one = ddb.get_item(TableName=table, Key={"id": {"N": "1"}, "name": {"S": "one"}})["Item"]
    assert one["note"] == {"S": 'has "quotes", a comma\nand a newline'}
    assert one["count"] == {"S": "10"}
    two = ddb.get_item(TableName=table, Key={"id": {"N": "2"}, "name": {"S": "two"}})["Item"]
    assert "note" not in two
    (tmp_path / "h.csv.gz").write_bytes(gzip.compress(b"3;three;x\n"))
    out = json.loads(run("import", str(tmp_path / "h.csv.gz"), table, "--endpoint", ddb_url,
                         "--csv-header", "id,name,note", "--csv-delimiter", ";",
                         "--json").stdout)
    assert out["items"] == 1
    assert ddb.get_item(TableName=table, Key={"id": {"N": "3"}, "name": {"S": "three"}})["Item"][
        "note"] == {"S": "x"}


def test_import_cut_gzip_writes_nothing(ddb, ddb_url, table_name, tmp_path):
    """A gzip file cut short (no trailer: a copy or download that stopped) fails the import
    before anything is written: not the items before the cut (1,975 of 2,000 used to land),
    not a good file named before it in the same directory, and --create makes no table.  The
    message names the file.  The same directory whole imports every item."""
    table = table_name("cut")
    make_table(ddb, table)
    body = "".join('{"Item":{"pk":{"S":"k%d"}}}\n' % i for i in range(2000)).encode()
    full = gzip.compress(body)
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.json").write_text('{"Item":{"pk":{"S":"good"}}}\n')
    (d / "b.json.gz").write_bytes(full[:-8])
    p = run("import", str(d), table, "--endpoint", ddb_url, check=False)
    assert p.returncode == 1, p.stderr
    assert "b.json.gz ends inside its gzip data: the file is cut short" in p.stderr
    assert scan_raw(ddb, table) == []
    made = table_name("cutmade")
    p = run("import", str(d / "b.json.gz"), made, "--create", "--key", "pk:S", "--endpoint",
            ddb_url, check=False)
    assert p.returncode == 1 and "cut short" in p.stderr
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.describe_table(TableName=made)
    (d / "b.json.gz").write_bytes(full)
    out = json.loads(run("import", str(d), table, "--endpoint", ddb_url, "--json").stdout)
    assert out["items"] == 2001 and out["errors"] == 0
    assert len(scan_raw(ddb, table)) == 2001


def test_import_create_and_usage_errors(ddb, ddb_url, table_name, tmp_path):
    """--create on an existing table is the endpoint's ResourceInUseException; without
    --create a missing table is ResourceNotFoundException; ZSTD input is refused with a
    message; option mistakes exit 2."""
    table = table_name("exists")
    make_table(ddb, table)
    f = tmp_path / "x.json"
    f.write_text('{"Item":{"pk":{"S":"1"}}}\n')
    p = run("import", str(f), table, "--create", "--key", "pk:S", "--endpoint", ddb_url,
            check=False)
    assert p.returncode == 1 and "ResourceInUseException" in p.stderr
    p = run("import", str(f), table_name("missing"), "--endpoint", ddb_url, check=False)
    assert p.returncode == 1 and "ResourceNotFoundException" in p.stderr
    z = tmp_path / "z.json.zst"
    z.write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 16)
    p = run("import", str(z), table, "--endpoint", ddb_url, check=False)
    assert p.returncode == 1 and "ZSTD" in p.stderr
    assert run("import", str(f), table, "--key", "pk:S", check=False).returncode == 2
    assert run("import", str(f), check=False).returncode == 2
    assert run("import", str(f), table, "--format", "xml", check=False).returncode == 2
    p = run("import", str(f), table_name("nokey"), "--create", "--endpoint", ddb_url,
            check=False)
    assert p.returncode == 1 and "--key" in p.stderr


def test_import_csv_header_option_mistakes(ddb, ddb_url, table_name, tmp_path):
    """--csv-header with a name twice, an empty name (which strtok_r used to drop, shifting
    the columns: "pk,,a" read "x" as a), more than 8,192 bytes (used to be cut short) or
    more than 1,024 columns is a usage error (exit 2) before anything is written: --create
    makes no table.  A file whose own header names a column twice counts one error and is
    skipped; the next file is imported."""
    f = tmp_path / "h.csv"
    f.write_text("k1,skip,x\n")
    made = table_name("hdr")
    long_name = "n" * 8200
    many = ",".join("c%d" % i for i in range(1025))
    for hdr, says in [("pk,a,a", '"a" twice'), ("pk,,a", "empty column name"),
                      ("pk,a,", "empty column name"), ("pk," + long_name, "8192 bytes"),
                      (many, "1024 columns")]:
        p = run("import", str(f), made, "--create", "--key", "pk:S", "--csv-header", hdr,
                "--endpoint", ddb_url, check=False)
        assert p.returncode == 2 and says in p.stderr, (hdr[:20], p.returncode, p.stderr)
        with pytest.raises(ddb.exceptions.ResourceNotFoundException):
            ddb.describe_table(TableName=made)
    out = json.loads(run("import", str(f), made, "--create", "--key", "pk:S", "--csv-header",
                         "pk,b,a", "--endpoint", ddb_url, "--json").stdout)
    assert out["items"] == 1 and out["errors"] == 0
    assert scan_raw(ddb, made) == [{"pk": {"S": "k1"}, "b": {"S": "skip"}, "a": {"S": "x"}}]
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.csv").write_text("pk,a,a\nk2,x,y\n")
    (d / "b.csv").write_text("pk,a\nk3,z\n")
    p = run("import", str(d), made, "--endpoint", ddb_url, "--json", check=False)
    out = json.loads(p.stdout)
    assert out["items"] == 1 and out["errors"] == 1, out
    assert 'a.csv:1: the column name "a" repeated in the header' in out["first_errors"][0]
    assert sorted(i["pk"]["S"] for i in scan_raw(ddb, made)) == ["k1", "k3"]


def test_nul_in_attribute_names_round_trip(ddb, ddb_url, table_name, tmp_path):
    """An attribute name with U+0000 (any UTF-8 is a name, issue 9.1) survives export through
    the endpoint (the client reads Scan pages with our reader, not json_loadb, which refuses
    such a key) and import of the export's lines."""
    from conftest import raw_request
    src, dst = table_name("nulx"), table_name("nuly")
    make_table(ddb, src)
    item = {"pk": {"S": "a"}, "a\u0000b": {"S": "x"}, "m": {"M": {"\u0000": {"N": "1"}}}}
    st, _, body = raw_request(ddb_url, {"TableName": src, "Item": item},
                              target="DynamoDB_20120810.PutItem")
    assert st == 200, body
    out = json.loads(run("export", src, str(tmp_path / "ex"), "--endpoint", ddb_url,
                         "--json").stdout)
    assert out["items"] == 1
    out = json.loads(run("import", out["export_dir"], dst, "--create", "--key", "pk:S",
                         "--endpoint", ddb_url, "--json").stdout)
    assert out == {**out, "items": 1, "errors": 0}
    st, _, body = raw_request(ddb_url, {"TableName": dst}, target="DynamoDB_20120810.Scan")
    assert st == 200 and json.loads(body)["Items"] == [item]
