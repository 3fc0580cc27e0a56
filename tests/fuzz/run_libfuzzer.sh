#!/usr/bin/env bash
# Runs every libFuzzer target for a set time (make fuzz).
#   tests/fuzz/run_libfuzzer.sh BUILD_DIR SECONDS [TARGET...]
# Each target fuzz_<t> runs niced for SECONDS on a scratch copy of its seeds
# (tests/fuzz/corpus/<t>) plus what earlier runs found (BUILD_DIR/fuzz-corpus/<t>), with the
# dictionary tests/fuzz/<t>.dict when there is one; a crash,
# leak, sanitizer report or failed property is written to tests/fuzz/regressions/<t>/, where
# ctest's replay_<t> runs it from then on (so it stays a regression test once fixed).
# One line per target goes to BUILD_DIR/fuzz-results.txt:
#   <target> <executions> execs <seconds>s <crashes> crashes <corpus size> inputs
# Exit status 1 when any target found something.
set -u
cd "$(dirname "$0")/../.."
build=$1
secs=$2
shift 2
targets=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')}
results=$build/fuzz-results.txt
: > "$results"
found=0
for t in $targets; do
    bin=$build/fuzz_$t
    [ -x "$bin" ] || { echo "fuzz: $bin not built"; exit 2; }
    work=$build/fuzz-corpus/$t
    regress=tests/fuzz/regressions/$t
    mkdir -p "$work" "$regress"
    log=$build/fuzz-$t.log
    before=$(ls "$regress" | wc -l)
    dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    # -rss_limit_mb: the api and rest targets keep a store; -timeout: a hang is a finding
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
        nice "$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=3072 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$regress/" "${dict[@]}" "$work" "tests/fuzz/corpus/$t" \
        > "$log" 2>&1
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    after=$(ls "$regress" | wc -l)
    crashes=$((after - before))
    inputs=$(ls "$work" | wc -l)
    line="$t ${execs:-0} execs ${secs}s $crashes crashes $inputs inputs"
    echo "$line" | tee -a "$results"
    if [ "$crashes" -gt 0 ]; then
        found=1
        echo "  see $log and $regress/"
        grep -m3 -E "ERROR|SUMMARY|property failed" "$log" | sed 's/^/  /'
    fi
done
exit $found
