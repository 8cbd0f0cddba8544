#!/usr/bin/env bash
# Builds the libFuzzer harnesses, writes their seed corpus and runs each for SECONDS (default 60),
# all three at once. Prints, per harness, the inputs run and the coverage reached, and exits 1
# on any finding (crash, leak, timeout, out of memory), naming the input that reproduces it.
#   run.sh [SECONDS [SAMPLES]]     SAMPLES defaults to samples/out
# New inputs worth keeping accumulate in build/fuzz/corpus/<harness>/; the regression seeds in
# test/fuzz/native/regressions/<harness>/ (every harness has some) are run first, every time: a
# finding, once fixed, is copied there from build/fuzz/findings/ under a name that says what it was.
set -euo pipefail
cd "$(dirname "$0")/../../.."
seconds=${1:-60}
samples=${2:-samples/out}

test/fuzz/native/build.sh build/fuzz
node build/ts/test/fuzz/native-corpus.js build/fuzz/corpus "$samples"
mkdir -p build/fuzz/findings

# The harnesses run side by side: each is one process, and a campaign is bounded by time.
harnesses=(engine-fuzz loader-validate-fuzz loader-address-fuzz)
declare -A pids
for harness in "${harnesses[@]}"; do
  corpora=("build/fuzz/corpus/$harness" "test/fuzz/native/regressions/$harness")
  "build/fuzz/$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=131072 -print_final_stats=1 \
    -artifact_prefix="build/fuzz/findings/$harness-" "${corpora[@]}" >"build/fuzz/$harness.log" 2>&1 &
  pids[$harness]=$!
done

status=0
for harness in "${harnesses[@]}"; do
  log=build/fuzz/$harness.log
  code=0
  wait "${pids[$harness]}" || code=$?
  # A run cut short by a finding may print neither figure.
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  coverage=$(sed -n 's/^#[0-9].*\(cov: [0-9]* ft: [0-9]*\).*/\1/p' "$log" | tail -1)
  echo "$harness: ${executions:-?} executions, ${coverage:-no coverage figures} (log: $log)"
  if ((code != 0)); then
    reproducer=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
    echo "$harness: FINDING (libFuzzer exited $code), reproducer: ${reproducer:-none written, see the log}" >&2
    grep -E 'broken promise: |ERROR: |SUMMARY: |runtime error: |ALARM: |out-of-memory' "$log" | head -5 >&2 || true
    status=1
  fi
done
exit $status
