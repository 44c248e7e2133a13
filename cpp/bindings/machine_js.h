// machine_js.h - what JS asks about the machine and the build: the kernels in use, the roofline
// probes, the build's limits and dtypes (core.info), and the debug trap.
#pragma once

#include <emscripten/val.h>

#include "attention/decode.h"

namespace gqa::js {

using emscripten::val;

/// The best kernels this variant has: SIMD in the -msimd128 build, the scalar reference otherwise.
inline const Isa kIsa = simd_available() ? Isa::kSimd : Isa::kScalar;

/// Best-of-`reps` streaming read bandwidth over a buffer of `bytes`: { bytesPerSecond, bytes }.
val probe_bandwidth(double bytes, double reps);
/// Best-of-`reps` multiply-add throughput: { maddsPerSecond }.
val probe_madd_throughput(double iters, double reps);

/// core.info: { isa, simd, maxRequestBytes, maxMemoryBytes, maxHeads, maxHeadDim, maxTokens,
/// limits: { every limit the core checks }, dtypes: { cache, memory }, convertMethods }.
val build_info();

/// Debug only (core.debug.abort() with loadCore({ debug: true })): trap the instance the way a
/// bug would, so the JS face's recovery can be tested.
void debug_abort();

}  // namespace gqa::js
