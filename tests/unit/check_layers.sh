#!/usr/bin/env bash
# Fails when a source file includes a header from a layer it may not depend on, or uses a
# relative "../" include.  The allowed arrows (CONVENTIONS.md §1): each layer lists the
# layers it may include.
set -u
src=${1:-$(dirname "$0")/../../src}
grep -HnoE '^#include "[^"]+"' "$src"/*/*.[ch] | awk -F: '
BEGIN {
  allow["base"] = " base ";
  allow["value"] = " base value ";
  allow["expr"] = " base value expr ";
  allow["store"] = " base value expr store ";
  allow["api"] = " base value expr store api ";
  allow["client"] = " base value client ";
  allow["messaging"] = " base value api client messaging ";
  allow["server"] = " base value api client messaging server ";
  allow["ops"] = " base value expr store api client messaging ops ";
  allow["cli"] = " base value expr store api client messaging server ops cli ";
  bad = 0;
}
{
  file = $1; inc = $3; sub(/^#include "/, "", inc); sub(/"$/, "", inc);
  n = split(file, parts, "/"); layer = parts[n - 1];
  if (inc ~ /^\.\.\//) { print "layering: " file " uses a relative include " inc; bad = 1; next }
  if (inc !~ /\//) next;                       # a header of the same folder
  dep = inc; sub(/\/.*/, "", dep);
  if (!(layer in allow)) next;
  if (index(allow[layer], " " dep " ") == 0) {
    print "layering: " file " includes " inc " (" layer " may not depend on " dep ")"; bad = 1;
  }
}
END {
  if (bad) { print "layering: 0 passed, 1 failed"; exit 1 }
  print "layering: 1 passed, 0 failed"
}'
