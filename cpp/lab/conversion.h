// conversion.h - turning a multi-head checkpoint into a grouped-query one, as in the GQA paper
// (Ainslie et al. 2023, section 2.1): the key and value projections of the H heads are pooled
// into G heads; the query and output projections stay as they are.
//
// Weights use PyTorch's nn.Linear layout, [out features][in features], row-major:
//   in   (H·d, D)   the rows of head h are h·d .. h·d + d - 1
//   out  (G·d, D)   K/V head g takes over the query heads g·(H/G) .. (g+1)·(H/G) - 1
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"

namespace gqa {

/// Limits of the conversion inputs (heads and head_dim: attention.h's) and of the experiment.
constexpr int64_t kMaxDModel = 4096;            // D, input features
constexpr int64_t kMaxExperimentHeads = 256;    // H of the synthetic layer
constexpr int64_t kMaxExperimentHeadDim = 1024; // d of the synthetic layer
constexpr int64_t kMaxSeqLen = 4096;            // tokens per held-out sequence
constexpr int64_t kMaxSamples = 1024;           // held-out sequences

enum class ConvertMethod {
  kMean,    // mean-pool the heads of each group (the paper's choice)
  kFirst,   // keep the first head of each group, drop the others
  kRandom,  // forget the checkpoint: fresh nn.Linear-style init, uniform in ±1/sqrt(D)
};
constexpr int kConvertMethodCount = 3;

bool parse_convert_method(const char* s, ConvertMethod* m);
const char* convert_method_name(ConvertMethod m);

struct ConvertShape {
  int64_t d_model = 0;     // D, input features
  int64_t n_heads = 0;     // H, heads in the checkpoint
  int64_t head_dim = 0;    // d
  int64_t n_kv_heads = 0;  // G, heads after conversion; H % G == 0
};

/// Checks the shape; the message names the field.
Status validate_convert(const ConvertShape& s);

/// One projection (H·d, D) → (G·d, D). `rng_seed` feeds kRandom only. Mean-pooling sums in double.
template <class T>
void convert_projection(const ConvertShape& s, ConvertMethod m, uint64_t rng_seed, const T* in, T* out);

// ---- the conversion-error experiment ----------------------------------------------------------
//
// A synthetic MHA layer whose K and V heads resemble each other by a knob s in [0, 1]:
//   W_h = sqrt(s) · B + sqrt(1 - s) · N_h     (per head h; B shared, N_h its own)
// with every entry of B and N_h drawn from N(0, 1/D), so each head has the same scale for any s
// and two heads' weights correlate by s. Wq's heads are independent draws of the same scale.
// Inputs are x ~ N(0, 1) in D dimensions, causal self-attention over seq_len tokens.
// For every divisor G of H and each method, the error is the relative Frobenius distance of the
// attention output (all heads, before the output projection) to the original MHA output,
// ||O_G - O_H|| / ||O_H||, over `samples` held-out sequences.

struct ConversionExperiment {
  int64_t d_model = 64;
  int64_t n_heads = 8;
  int64_t head_dim = 8;
  int64_t seq_len = 32;
  int64_t samples = 16;
  double similarity = 0.5;  // s
  uint64_t seed = 1;
};

struct ConversionPoint {
  int64_t n_kv_heads = 0;
  double error[kConvertMethodCount] = {};  // indexed by ConvertMethod
};

Status conversion_error(const ConversionExperiment& e, std::vector<ConversionPoint>* points);

}  // namespace gqa
