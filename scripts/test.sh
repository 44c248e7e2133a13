#!/usr/bin/env bash
# test.sh - every test layer, in order; stops at the first failing layer with a non-zero status.
#   a. Catch2, native, under AddressSanitizer + UndefinedBehaviorSanitizer (ctest), then each
#      libFuzzer target for 20 s on its seed corpus (FUZZ_SECONDS overrides)
#   b. the same Catch2 suite compiled to WASM, run by node (ctest)
#   c. node --test: the JS API against the built module (SIMD and scalar), the CLI, and
#      `npm run bench --quick` with every implementation checked against a float64 reference
#   d. node --test: the served dist/ in headless Chromium (playwright-core)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --tests
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
JOBS="${JOBS:-2}"

echo "== a. Catch2 native (ASan + UBSan)"
if [ ! -f build/native-asan/CMakeCache.txt ]; then
  cmake -S . -B build/native-asan -DGQA_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build/native-asan -j"$JOBS" >/dev/null
UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build/native-asan --output-on-failure
bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

echo "== b. Catch2 in WASM under node"
bash scripts/build.sh
cmake --build build/wasm -j"$JOBS" --target gqa_tests_wasm >/dev/null
# (cut: a failing node run echoes the minified glue line, which is megabytes long)
ctest --test-dir build/wasm --output-on-failure | cut -c1-2000

echo "== c. JS API and the benchmark's code paths (node --test)"
if [ ! -f build/bench/CMakeCache.txt ]; then
  cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DGQA_TESTS=OFF -DGQA_BENCH=ON >/dev/null
fi
cmake --build build/bench -j"$JOBS" >/dev/null
node --test tests/js/

echo "== d. end to end in headless Chromium (node --test)"
node --test tests/e2e/
