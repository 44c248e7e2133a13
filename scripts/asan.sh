#!/usr/bin/env bash
# asan.sh TARGET... - build targets of build/asan: the core compiled once with clang under ASan +
# UBSan and libFuzzer's coverage hooks, linked by both the native Catch2 suite (gqa_tests) and the
# libFuzzer targets (fuzz_*). Output is shown only if the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
CXX_ASAN="${CXX_ASAN:-clang++-14}"
command -v "$CXX_ASAN" >/dev/null || CXX_ASAN=clang++
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -f build/asan/CMakeCache.txt ]; then
  cmake -S . -B build/asan -DCMAKE_CXX_COMPILER="$CXX_ASAN" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGQA_TESTS=ON -DGQA_FUZZ=ON >"$log" 2>&1 || { cat "$log"; exit 1; }
fi
cmake --build build/asan -j"${JOBS:-2}" --target "$@" >"$log" 2>&1 || { cat "$log"; exit 1; }
