#!/usr/bin/env bash
# fuzz.sh [SECONDS] - build the libFuzzer targets (clang, ASan + UBSan; scripts/asan.sh) and run
# each for SECONDS (default 300), FUZZ_JOBS (2) at a time, on the seed corpus in tests/fuzz/corpus/TARGET.
# New inputs go to build/asan/corpus/TARGET; a crash is saved as build/asan/crash-* and fails the run.
# `npm test` runs it with 20 seconds per target; `npm run fuzz` with the default.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-300}"
bash scripts/asan.sh fuzz_attention fuzz_kv_cache fuzz_paged fuzz_memory_model fuzz_mla fuzz_quality fuzz_config
# run_target NAME: one target for SECONDS_EACH; its log in build/asan/NAME.log, its status as the exit code
run_target() {
  mkdir -p "build/asan/corpus/$1"
  UBSAN_OPTIONS=print_stacktrace=1 "build/asan/fuzz_$1" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
    -artifact_prefix="build/asan/" "build/asan/corpus/$1" "tests/fuzz/corpus/$1" >"build/asan/$1.log" 2>&1
}
# FUZZ_JOBS targets at a time (each is one process; the machine's cores share them).
PARALLEL="${FUZZ_JOBS:-2}"
targets=(attention kv_cache paged memory_model mla quality config)
status=()
for ((i = 0; i < ${#targets[@]}; i += PARALLEL)); do
  pids=()
  for target in "${targets[@]:i:PARALLEL}"; do run_target "$target" & pids+=($!); done
  for pid in "${pids[@]}"; do if wait "$pid"; then status+=(0); else status+=(1); fi; done
done
total=0
for i in "${!targets[@]}"; do
  target=${targets[$i]}
  log="build/asan/$target.log"
  if [ "${status[$i]}" != 0 ]; then
    echo "fuzz_$target: FINDING (see $log and build/asan/crash-*)"
    grep -E "check failed|runtime error|ERROR|SUMMARY" "$log" | head -5
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  echo "fuzz_$target: $runs executions in ${SECONDS_EACH}s, $cov, no finding"
  total=$((total + runs))
done
echo "fuzz: $total executions in all, no finding"
