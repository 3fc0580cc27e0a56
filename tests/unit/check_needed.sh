#!/usr/bin/env bash
# Fails when the ddbchat executable lists, among the shared libraries the loader maps before
# main (ELF NEEDED), one that only some commands or modes use: those are opened on first use
# through base/dynlib.h (libcurl: --endpoint; libcrypto: SigV4 with credentials, backup and
# export checksums; libjwt: REST tokens; libedit: the SQL prompt), so that the server starts
# in a few milliseconds (issue 13.4, BENCHMARKS.md).  The further arguments name libraries
# linked from their static archives (CMakeLists.txt, DDB_STATIC_DEPS): none of them may be
# NEEDED either; libmicrohttpd's archive is linked without TLS (src/server/notls), so then
# libgnutls may not be NEEDED.
set -u
bin=${1:?usage: check_needed.sh path/to/ddbchat [libNAME ...]}
shift
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p') || exit 2
[ -n "$needed" ] || { echo "check_needed: no NEEDED entries in $bin" >&2; exit 2; }
bad=0
for lib in libcurl libcrypto libssl libjwt libedit; do
  if printf '%s\n' "$needed" | grep -q "^$lib\.so"; then
    echo "check_needed: $bin needs $lib at start-up (open it on first use: base/dynlib.h)" >&2
    bad=1
  fi
done
for lib in "$@"; do
  if printf '%s\n' "$needed" | grep -q "^$lib\.so"; then
    echo "check_needed: $bin needs $lib.so though its static archive was to be linked" >&2
    bad=1
  fi
  if [ "$lib" = libmicrohttpd ] && printf '%s\n' "$needed" | grep -q "^libgnutls\.so"; then
    echo "check_needed: $bin needs libgnutls.so though libmicrohttpd is linked without TLS" >&2
    bad=1
  fi
done
exit $bad
