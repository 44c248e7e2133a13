// probes.h - two measurements the benchmark's roofline needs, run by the same compiler and
// SIMD width as the kernels: streaming read bandwidth and multiply-add throughput.
#pragma once

#include <cstdint>

namespace gqa {

/// Σ x[i] over n floats with 4 independent SIMD accumulators: reads the buffer once, front to
/// back. Time it on a buffer far larger than the caches to measure DRAM read bandwidth.
float probe_stream_sum(const float* x, uint64_t n);

/// `iters` rounds of 12 independent multiply-add chains (a = c + a*b), 4 lanes wide in a SIMD build:
/// probe_madds_per_iter() · iters multiply-adds with no memory traffic.
float probe_madd(uint64_t iters, float seed);
int probe_madds_per_iter();

}  // namespace gqa
