"""The messaging unit tests that run on any backend (tests/unit/messaging: test_service,
test_events, test_rest, through msg_test_env.h), run again on DynamoDB Local, the reference
the remote backend is held to: MSG_TEST_ENDPOINT=<the session's Local> (each run makes its own
table).  Only with --target=dynamodb-local, so `make test` runs them in its e2e-oracle phase,
which starts Local anyway; before, nothing ran them there (a test written against the embedded
engine's own calls, without a skip, crashed on Local unseen).  Cost: ~25 s (test_events ~19 s,
most of it the same idle waits as embedded; test_service ~6 s), measured at load 11-12.
The binaries are the ones beside $DDBCHAT_BIN (build/)."""
import os
import subprocess

import pytest

from conftest import ddbchat_bin

pytestmark = pytest.mark.requires_dynamodb_local

UNIT = ("messaging_test_service", "messaging_test_events", "messaging_test_rest")


@pytest.mark.parametrize("name", UNIT)
def test_messaging_unit_tests_on_dynamodb_local(ddb_url, name):
    path = os.path.join(os.path.dirname(os.path.abspath(ddbchat_bin())), name)
    if not os.path.exists(path):
        pytest.fail(f"{path} not built (the unit tests are built with ddbchat: make build)")
    env = dict(os.environ, MSG_TEST_ENDPOINT=ddb_url, AWS_ACCESS_KEY_ID="x",
               AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
    p = subprocess.run([path], env=env, capture_output=True, text=True, timeout=600)
    # printed whole (an assert's message is cut to a line by pytest -q: the session-28 run
    # that failed test_late_read_commit_arrives here showed no failing line)
    if p.returncode != 0:
        pytest.fail(f"{name} exited {p.returncode}\n--- stdout (end) ---\n{p.stdout[-6000:]}"
                    f"\n--- stderr (end) ---\n{p.stderr[-3000:]}", pytrace=False)
