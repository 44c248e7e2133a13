#!/usr/bin/env bash
# fuzz.sh [SECONDS] - build the libFuzzer targets (clang, ASan + UBSan) and run each for SECONDS
# (default 300) on the seed corpus in tests/fuzz/corpus/TARGET. New inputs go to
# build/fuzz/corpus/TARGET; a crash is saved as build/fuzz/crash-* and fails the run.
# `npm test` runs it with 20 seconds per target; `npm run fuzz` with the default.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-300}"
CXX_FUZZ="${CXX_FUZZ:-clang++-14}"
command -v "$CXX_FUZZ" >/dev/null || CXX_FUZZ=clang++
if [ ! -f build/fuzz/CMakeCache.txt ]; then
  cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGQA_TESTS=OFF -DGQA_FUZZ=ON >/dev/null
fi
cmake --build build/fuzz -j"${JOBS:-2}" --target fuzz_attention fuzz_kv_cache fuzz_memory_model fuzz_quality >/dev/null
total=0
for target in attention kv_cache memory_model quality; do
  mkdir -p "build/fuzz/corpus/$target"
  log="build/fuzz/$target.log"
  if ! UBSAN_OPTIONS=print_stacktrace=1 "build/fuzz/fuzz_$target" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
      -artifact_prefix="build/fuzz/" "build/fuzz/corpus/$target" "tests/fuzz/corpus/$target" >"$log" 2>&1; then
    echo "fuzz_$target: FINDING (see $log and build/fuzz/crash-*)"
    grep -E "check failed|runtime error|ERROR|SUMMARY" "$log" | head -5
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  echo "fuzz_$target: $runs executions in ${SECONDS_EACH}s, $cov, no finding"
  total=$((total + runs))
done
echo "fuzz: $total executions in all, no finding"
