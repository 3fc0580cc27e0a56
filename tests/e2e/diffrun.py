#!/usr/bin/python3
"""The longer differential run (for `make test-long`): starts a ddbchat (DDBCHAT_BIN or
build/ddbchat, with diffgen2.SERVER_ENV) and a DynamoDB Local, runs diffgen.py and diffgen2.py
for each seed, prints every difference neither names, exits 1 if there was one.

    diffrun.py [--seeds 100-104] [--ops 1000] [--ops2 400]

Each seed uses its own tables (dg<seed>_*, dh<seed>_*).  test_differential.py runs one short
seed of each in the ordinary suite."""
import argparse
import sys
import time

import diffgen
import diffgen2
from conftest import start_ddbchat, start_dynamodb_local


def seeds(text):
    lo, _, hi = text.partition("-")
    return range(int(lo), int(hi or lo) + 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="100-104")
    ap.add_argument("--ops", type=int, default=1000, help="diffgen.py operations per seed")
    ap.add_argument("--ops2", type=int, default=400, help="diffgen2.py operations per seed")
    a = ap.parse_args()
    srv = start_ddbchat(env=diffgen2.SERVER_ENV)
    total = 0
    try:
        local = start_dynamodb_local()
        try:
            for s in seeds(a.seeds):
                for name, runner, n in (
                        ("diffgen", diffgen.Runner(srv.ddb_url, local.ddb_url, s, prefix="dg%d" % s), a.ops),
                        ("diffgen2", diffgen2.Runner2(srv.ddb_url, local.ddb_url, s, prefix="dh%d" % s), a.ops2)):
                    t0 = time.time()
                    diffs = runner.run(n)
                    total += len(diffs)
                    for d in diffs:
                        print(diffgen.report_one(d))
                    print("%s seed %d: %d operations, %d differences, %.1f s; known: %r" % (
                        name, s, n, len(diffs), time.time() - t0, runner.known), file=sys.stderr)
        finally:
            local.stop()
    finally:
        srv.stop()
    print("%d differences" % total, file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
