#!/usr/bin/env bash
# build.sh - build the WASM core (relaxed SIMD, SIMD128 and scalar variants) and assemble the static
# site in dist/.
# Incremental: cmake rebuilds only what changed; dist/ is re-copied (a few hundred KB).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

# Debian's em++ cannot find its own acorn without this; harmless for an emsdk.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
JOBS="${JOBS:-2}"

# Two toolchains (relaxed-env.sh): Debian's for SIMD128 and scalar, clang 19 + npm Binaryen for relaxed.
source scripts/relaxed-env.sh
if [ ! -f build/wasm/CMakeCache.txt ]; then
  plain emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
plain cmake --build build/wasm -j"$JOBS" --target gqa_module_simd gqa_module_scalar
# The relaxed-SIMD variant: its own build directory, its own toolchain.
if [ ! -f build/wasm-relaxed/CMakeCache.txt ]; then
  relaxed emcmake cmake -S . -B build/wasm-relaxed -DCMAKE_BUILD_TYPE=Release -DGQA_WASM_RELAXED=ON >/dev/null
fi
relaxed cmake --build build/wasm-relaxed -j"$JOBS" --target gqa_module_relaxed

# dist/: exactly what a static host serves.
rm -rf dist.tmp
mkdir -p dist.tmp
cp -R web/. dist.tmp/
cp build/wasm/gqa_core_simd.mjs build/wasm/gqa_core_simd.wasm \
   build/wasm/gqa_core_scalar.mjs build/wasm/gqa_core_scalar.wasm \
   build/wasm-relaxed/gqa_core_relaxed.mjs build/wasm-relaxed/gqa_core_relaxed.wasm dist.tmp/core/
node scripts/assemble.mjs dist.tmp
rm -rf dist
mv dist.tmp dist
echo "build: dist/ ready ($(du -sh dist | cut -f1))"
