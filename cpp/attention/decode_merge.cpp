// decode_merge.cpp - the split-K merge: attention over disjoint key ranges, combined from each
// range's output and softmax statistics (see merge_partials in decode.h), and the sink logits
// applied to a finished row from the same statistics.
#include "attention/decode.h"

#include <cmath>

#include "attention/softmax.h"

namespace gqa {

void merge_partials(int parts, int64_t rows, int d, const float* const* outs, const float* const* maxes,
                    const float* const* sums, float* out, float* out_max, float* out_sum) {
  for (int64_t r = 0; r < rows; ++r) {
    float M = -INFINITY;
    for (int p = 0; p < parts; ++p) M = maxes[p][r] > M ? maxes[p][r] : M;
    double denom = 0;
    for (int p = 0; p < parts; ++p) denom += double(sums[p][r]) * std::exp(double(maxes[p][r]) - M);
    for (int i = 0; i < d; ++i) {
      double num = 0;
      for (int p = 0; p < parts; ++p) num += double(sums[p][r]) * std::exp(double(maxes[p][r]) - M) * outs[p][r * d + i];
      out[r * d + i] = float(num / denom);
    }
    if (out_max) out_max[r] = M;
    if (out_sum) out_sum[r] = float(denom);
  }
}

void apply_sink_logits(int64_t rows, int d, const float* maxes, const float* sums, const float* sinks, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float keep = float(sink_keep(maxes[r], sums[r], sinks[r]));
    for (int i = 0; i < d; ++i) out[r * d + i] *= keep;
  }
}

}  // namespace gqa
