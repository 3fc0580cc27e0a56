"""Protocol-level behaviour of the DynamoDB JSON endpoint."""
from conftest import make_table, raw_request


def test_list_tables_ok(ddb):
    # ListTables answers with a TableNames list.
    assert "TableNames" in ddb.list_tables()


def test_make_table(ddb, table_name):
    n = table_name()
    d = make_table(ddb, n, range=("sk", "N"), gsis=[{"name": "gsi1", "hash": ("x", "S")}])
    assert d["TableStatus"] == "ACTIVE"
