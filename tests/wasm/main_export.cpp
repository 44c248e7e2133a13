// main_export.cpp - linked into the relaxed-SIMD WASM test binary only (CMakeLists.txt).
//
// clang 19 names `int main(int, char**)` __main_argc_argv on every wasm target (clang 14 kept
// "main" for Emscripten), and Emscripten 3.1.6's glue starts a program through the export "main".
// Without this the Catch2 runner is linked but never started, and node exits 0 having run nothing
// (ctest also checks for Catch2's "All tests passed" line).
extern "C" int __main_argc_argv(int argc, char** argv);

extern "C" __attribute__((export_name("main"))) int gqa_wasm_main(int argc, char** argv) {
  return __main_argc_argv(argc, argv);
}
