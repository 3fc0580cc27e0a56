#!/usr/bin/env bash
# Fails when a source file includes a header from a layer it may not depend on.
# The allowed arrows (CONVENTIONS.md §1): each layer lists the layers it may include.
set -u
src=${1:-$(dirname "$0")/../../src}
declare -A allow=(
  [base]="base"
  [value]="base value"
  [expr]="base value expr"
  [store]="base value expr store"
  [api]="base value expr store api"
  [client]="base value client"
  [messaging]="base value api client messaging"
  [server]="base value api client messaging server"
  [cli]="base value expr store api client messaging server cli"
)
bad=0
for layer in "${!allow[@]}"; do
  [ -d "$src/$layer" ] || continue
  for f in "$src/$layer"/*.[ch]; do
    [ -e "$f" ] || continue
    while IFS= read -r inc; do
      dep=${inc%%/*}
      case " ${allow[$layer]} " in *" $dep "*) ;; *)
        echo "layering: $f includes $inc ($layer may not depend on $dep)"; bad=1 ;;
      esac
    done < <(grep -oE '^#include "([a-z]+)/[^"]+"' "$f" | sed -E 's/#include "//; s/"$//')
    if grep -qE '^#include "\.\./' "$f"; then echo "layering: $f uses a relative ../ include"; bad=1; fi
  done
done
[ $bad = 0 ] && echo "layering: 1 passed, 0 failed" || echo "layering: 0 passed, 1 failed"
exit $bad
