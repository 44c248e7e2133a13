#!/usr/bin/env bash
# relaxed-env.sh - sourced by build.sh and test.sh: `relaxed CMD...` runs CMD with the toolchain
# that builds the relaxed-SIMD variant (build/wasm-relaxed) under Debian's Emscripten 3.1.6:
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
