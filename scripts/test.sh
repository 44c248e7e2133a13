#!/usr/bin/env bash
# test.sh [LAYER ...] - the test layers, in order; stops at the first failing one with a non-zero
# status. No LAYER runs them all (what `npm test` and CI do). Each layer builds what it needs
# (incrementally) and nothing else, so one layer alone runs in seconds once its build exists.
#   cpp   Catch2, native (clang), under AddressSanitizer + UndefinedBehaviorSanitizer
#   fuzz  every libFuzzer target at once for FUZZ_SECONDS (default 20; 0 skips the layer)
#   wasm  the same Catch2 suite compiled to WASM, relaxed-SIMD, SIMD128 and scalar builds, run by node
#   js    node --test: the JS API against the built module (relaxed SIMD, SIMD128 and scalar), the
#         CLI, the packed package, and `npm run bench --quick` with every implementation checked
#         against float64
#   e2e   node --test: the served dist/ in headless Chromium (playwright-core)
# node 20 runs relaxed SIMD only with --experimental-wasm-relaxed-simd (NODE_OPTIONS may not carry
# it): every node below that loads the core gets it on its command line.
# `npm run test:LAYER` runs one; JOBS (default 2) sets the build parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
JOBS="${JOBS:-2}"
NODE_RELAXED=(node --experimental-wasm-relaxed-simd)
ALL=(cpp fuzz wasm js e2e)
layers=("$@")
[ "${#layers[@]}" -gt 0 ] || layers=("${ALL[@]}")
for layer in "${layers[@]}"; do
  case " ${ALL[*]} " in *" $layer "*) ;; *) echo "test.sh: unknown layer '$layer' (expected one of: ${ALL[*]})" >&2; exit 2;; esac
done
bash scripts/bootstrap.sh --tests

# quiet CMD...: run a build step, printing its output only if it fails.
quiet() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then cat "$log"; rm -f "$log"; return 1; fi
  rm -f "$log"
}

# configure DIR ARGS...: cmake -S . -B DIR ARGS, once.
configure() {
  local dir="$1"; shift
  [ -f "$dir/CMakeCache.txt" ] || quiet cmake -S . -B "$dir" "$@"
}

# The WASM modules and dist/, once per run (three layers need them).
built=0
build_site() {
  [ "$built" = 1 ] || quiet bash scripts/build.sh
  built=1
}

layer_cpp() {
  bash scripts/asan.sh gqa_tests  # the core under ASan + UBSan, shared with the fuzz layer
  UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build/asan --output-on-failure
}

layer_fuzz() {
  if [ "${FUZZ_SECONDS:-20}" = 0 ]; then echo "fuzz: skipped (FUZZ_SECONDS=0)"; return; fi
  # every target at once: a short smoke run on the seed corpus, not a search (npm run fuzz searches)
  FUZZ_JOBS="${FUZZ_JOBS:-8}" bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
}

layer_wasm() {
  build_site
  source scripts/relaxed-env.sh
  quiet plain cmake --build build/wasm -j"$JOBS" --target gqa_tests_wasm
  quiet relaxed cmake --build build/wasm-relaxed -j"$JOBS" --target gqa_tests_wasm
  # (cut: a failing node run echoes the minified glue line, which is megabytes long)
  for dir in build/wasm build/wasm-relaxed; do
    ctest --test-dir "$dir" --output-on-failure | cut -c1-2000
  done
}

layer_js() {
  build_site
  # the benchmark's quick path compares the native builds too
  configure build/bench -DCMAKE_BUILD_TYPE=Release -DGQA_TESTS=OFF -DGQA_BENCH=ON
  quiet cmake --build build/bench -j"$JOBS"
  GQA_TEST_RELAXED=1 "${NODE_RELAXED[@]}" --test tests/js/
}

layer_e2e() {
  build_site
  # Chromium picks the relaxed build, so node's loadCore() does too when the tests ask it.
  # The latency tables print medians of LATENCY_ROUNDS runs (5 by default); the suite needs 2.
  LATENCY_ROUNDS="${LATENCY_ROUNDS:-2}" "${NODE_RELAXED[@]}" --test tests/e2e/
}

for layer in "${layers[@]}"; do
  echo "== $layer"
  start=$SECONDS
  "layer_$layer"
  echo "== $layer: passed in $((SECONDS - start)) s"
done
