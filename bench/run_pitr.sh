#!/usr/bin/env bash
# The write-path cost of point-in-time recovery: durable PutItem from many connections
# (bench_http) on a table without and with PITR enabled, alternating, each on a fresh server.
#   bench/run_pitr.sh [seconds] [threads] [rounds]
# Prints one bench_http line per run (puts/s, server CPU per request).  BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}; threads=${2:-64}; rounds=${3:-2}
tmp=$(mktemp -d); pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
auth='Authorization: AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0'
post() { curl -s -o /dev/null -w '%{http_code}' -H "$auth" -H "X-Amz-Target: DynamoDB_20120810.$2" \
           -H 'Content-Type: application/x-amz-json-1.0' -d "$3" "http://127.0.0.1:$1/"; }
run() { # run PITR(0/1) PORT
  rm -rf "$tmp/data"
  build/ddbchat serve --dynamodb-only --quiet --data-dir "$tmp/data" --dynamodb-port "$2" & pid=$!
  for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$2/" && break; sleep 0.2; done
  post "$2" CreateTable '{"TableName":"bench","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}' >/dev/null
  [ "$1" = 1 ] && [ "$(post "$2" UpdateContinuousBackups '{"TableName":"bench","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}')" = 200 ]
  echo "pitr=$1 $(build/bench_http --url "http://127.0.0.1:$2" --op PutItem --threads "$threads" --seconds "$secs" --pid $pid)"
  kill $pid; wait $pid 2>/dev/null || true; pid=
}
echo "# $(date -u +%F) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), ${secs}s per run, $threads connections, durable"
for r in $(seq "$rounds"); do run 0 8631; run 1 8632; done
