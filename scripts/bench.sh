#!/usr/bin/env bash
# bench.sh [args] - build the WASM core and the native benchmark, then run scripts/bench.mjs.
# Without arguments: the full grid, the table on stdout and the chart in docs/bench.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
if [ ! -f build/bench/CMakeCache.txt ]; then
  cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DGQA_TESTS=OFF -DGQA_BENCH=ON >/dev/null
fi
cmake --build build/bench -j"${JOBS:-2}" >/dev/null
if [ "$#" -eq 0 ]; then set -- --svg docs/bench.svg; fi
exec node scripts/bench.mjs "$@"
