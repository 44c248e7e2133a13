#!/usr/bin/env bash
# bootstrap.sh [--tests] - make sure the toolchain is here; install what is missing.
#
# Needs: em++ (Emscripten >= 3.1.6, Debian's package or an emsdk on PATH), Eigen 3.4, Catch2 v2,
# CMake, clang 19 and lld 19 with the npm package binaryen (the relaxed-SIMD build, see
# relaxed-env.sh), and for --tests Chromium plus the npm devDependencies. When something is missing and we
# are root (or have passwordless sudo) on an apt system, it is installed with apt-get and we say
# so; otherwise we stop and print the exact command. Only the Debian and npm registries are used.
# Quick when everything is present: file checks only, no package manager calls.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--tests" ] && want_tests=1

missing=()   # Debian package names

# em++: any Emscripten >= 3.1.6. The version file sits beside the real em++ (Debian: a wrapper).
emxx=$(command -v em++ || true)
if [ -z "$emxx" ]; then
  missing+=(emscripten)
else
  emroot=$(dirname "$(readlink -f "$emxx")")
  ver=$(cat "$emroot/emscripten-version.txt" 2>/dev/null | tr -d '"' || true)
  [ -n "$ver" ] || ver=$(em++ --version 2>/dev/null | sed -n 's/.* \([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n 1)
  if [ -n "$ver" ] && [ "$(printf '%s\n3.1.6\n' "$ver" | sort -V | head -n 1)" != "3.1.6" ]; then
    echo "bootstrap: em++ $ver is older than 3.1.6; install a newer Emscripten (apt-get install emscripten, or emsdk)" >&2
    exit 1
  fi
fi
[ -f /usr/include/eigen3/Eigen/Core ] || [ -n "${EIGEN3_INCLUDE_DIR:-}" ] || missing+=(libeigen3-dev)
[ -f /usr/include/catch2/catch.hpp ] || missing+=(catch2)
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || command -v clang++ >/dev/null || missing+=(g++)
# the relaxed-SIMD variant: clang and wasm-ld 19 (Debian 12's clang-19, lld-19; relaxed-env.sh)
[ -x /usr/lib/llvm-19/bin/clang ] || missing+=(clang-19)
[ -x /usr/lib/llvm-19/bin/wasm-ld ] || missing+=(lld-19)
if [ "$want_tests" = 1 ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # libFuzzer with ASan/UBSan for the fuzz layer: clang and its runtime libraries
  command -v clang++-14 >/dev/null || command -v clang++ >/dev/null || missing+=(clang-14)
  compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null || missing+=(libclang-rt-14-dev)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  cmd="apt-get install -y ${missing[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "bootstrap: missing ${missing[*]} and this is not an apt system. Install the equivalents of: ${missing[*]}" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else
      echo "bootstrap: missing ${missing[*]}. Run:  sudo apt-get update && sudo $cmd" >&2
      exit 1
    fi
  fi
  echo "bootstrap: installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm devDependencies: KaTeX (copied into dist/ by the build), Binaryen (the relaxed-SIMD build's
# wasm-opt), TypeScript (the package test checks the published types with tsc), playwright-core
# and axe-core for the browser tests (playwright-core never downloads a browser).
if [ ! -f node_modules/katex/package.json ] || [ ! -f node_modules/binaryen/package.json ] ||
   [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/typescript/package.json ]; then
  echo "bootstrap: installing npm devDependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
exit 0
