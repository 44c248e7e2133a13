#!/usr/bin/env bash
# relaxed-env.sh - sourced by build.sh and test.sh: `relaxed CMD...` runs CMD with the toolchain
# that builds the relaxed-SIMD variant (build/wasm-relaxed) under Debian's Emscripten 3.1.6, and
# `plain CMD...` with the toolchain of the SIMD128 and scalar variants (build/wasm).
# For `relaxed`:
#   - clang and wasm-ld 19 (Debian 12's clang-19 and lld-19) for the compile and the link:
#     clang 14 has no relaxed-SIMD intrinsics; Emscripten's own libraries still link;
#   - the npm `binaryen` package's bin/ first on PATH (Debian's em++ looks wasm-opt and
#     wasm-metadce up on PATH): Debian's Binaryen 108 cannot parse relaxed opcodes;
#   - EMCC_READ_METADATA=python, with -sWASM_BIGINT at link (CMakeLists.txt): no
#     wasm-emscripten-finalize, which the npm package does not ship.
# bootstrap.sh installs all three. Run from the repository's root.
RELAXED_LLVM_ROOT=/usr/lib/llvm-19/bin
relaxed() {
  EM_LLVM_ROOT="$RELAXED_LLVM_ROOT" EM_LLVM_ADD_VERSION='' EM_CLANG_ADD_VERSION='' EMCC_READ_METADATA=python \
    PATH="$PWD/node_modules/binaryen/bin:$PATH" "$@"
}

# `plain`: PATH without any node_modules folder. `npm test` and `npm start` put node_modules/.bin
# first on PATH, and the npm binaryen package links its wasm-opt there: Debian's em++ would pick
# that Binaryen up for the SIMD128 and scalar builds, whose -O3 link then renames the exports the
# 3.1.6 glue imports (the module fails to instantiate: 'Import #0 module="a" ... requires a callable').
plain() {
  local path
  path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/' | paste -sd: -)
  PATH="$path" "$@"
}
