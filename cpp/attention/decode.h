// decode.h - the decode kernel: a group of query heads attending over one KV head's cache.
//
// GQA's speed comes from here: the m = nHeads / nKvHeads query heads that share a KV head are
// processed together, so each cached K and V row is read from memory once per group, not once
// per query head. One algorithm (decode.cpp) over two sets of primitives: a scalar reference
// (decode_ops_scalar.h) and SIMD (decode_ops_simd.h). The split-K merge is in decode_merge.cpp.
#pragma once

#include <cstdint>

#include "attention/dtype.h"
#include "base/status.h"

namespace gqa {

enum class Isa { kScalar = 0, kSimd = 1 };

/// True if this build has SIMD kernels (wasm SIMD128 or SSE2); the scalar ones always exist.
bool simd_available();
const char* isa_name(Isa isa);

/// One KV head's cached rows as stored: n rows of d elements in `dtype`.
struct KvHeadView {
  Dtype dtype = Dtype::kF32;
  int d = 0;
  const void* k = nullptr;          // [n][d] dtype
  const void* v = nullptr;          // [n][d] dtype
  const float* k_scale = nullptr;   // [n] int8 only: row j is k[j] * k_scale[j]
  const float* v_scale = nullptr;   // [n] int8 only
};

/// Keys per block: a block of K and V (2 x 32 x d floats) stays in L1 while the group uses it.
constexpr int kDecodeBlock = 32;

/// Floats of scratch decode_group needs for m query heads of width d over a cache of `dtype`.
uint64_t decode_scratch_floats(int m, int d, Dtype dtype);

/// out[m][d] = softmax(scale · q[m][d] · K[lo:hi]ᵀ) · V[lo:hi], for the m query heads of one group.
/// Online softmax over blocks of kDecodeBlock keys (running max, running sum, rescaled
/// accumulator), as FlashAttention does. Requires lo < hi. Fails (kOverflow) if a score or the
/// output is not a finite float. If row_max and row_sum are given (m each), they receive each
/// head's max score and Σ exp(score - max): what merge_partials needs to combine key ranges.
Status decode_group(Isa isa, const float* q, int m, const KvHeadView& kv, int64_t lo, int64_t hi,
                    float scale, float* out, float* scratch, float* row_max = nullptr, float* row_sum = nullptr);

/// Attention over disjoint key ranges, combined (the split-K merge llama.cpp uses for parallel
/// decoding): with each part's normalised output o_p, max score m_p and sum s_p per row,
///   out = Σ_p s_p·e^(m_p − M)·o_p / Σ_p s_p·e^(m_p − M),  M = max_p m_p.
/// outs[p] (rows, d); maxes[p], sums[p] (rows,); out (rows, d); out_max, out_sum (rows,) or
/// nullptr: the merged statistics M and Σ_p s_p·e^(m_p − M), as if one range had been attended.
void merge_partials(int parts, int64_t rows, int d, const float* const* outs, const float* const* maxes,
                    const float* const* sums, float* out, float* out_max = nullptr, float* out_sum = nullptr);

/// Ranges decode_ranges attends before each split-K merge: a merge rounds the output to float
/// once, so many ranges are combined this many at a time, in a scratch that does not grow.
constexpr int kMergeParts = 8;

/// Floats of the `parts` scratch decode_ranges needs for m heads of width d over n ranges.
uint64_t decode_ranges_floats(int m, int d, int64_t n);

/// decode_group over the union of n disjoint row ranges of kv, ranges[r] = [lo, hi) with lo < hi,
/// as if they were one range: one range is decode_group itself; more are attended one by one and
/// combined by merge_partials, kMergeParts at a time (a running result joins the next merge).
/// parts: decode_ranges_floats(m, d, n) floats. row_max, row_sum as decode_group's.
Status decode_ranges(Isa isa, const float* q, int m, const KvHeadView& kv, const int64_t (*ranges)[2], int64_t n,
                     float scale, float* out, float* scratch, float* parts, float* row_max = nullptr,
                     float* row_sum = nullptr);

/// Learned sink logits applied after the kernel, from its row statistics: row r of out (rows, d),
/// normalised over its keys with max score maxes[r] and sum sums[r], becomes the output of a
/// softmax with one more logit sinks[r] that has no value: out_r · sink_keep(m, s, sink)
/// (softmax.h). Nothing is added inside the kernel's block loops.
void apply_sink_logits(int64_t rows, int d, const float* maxes, const float* sums, const float* sinks, float* out);

}  // namespace gqa
