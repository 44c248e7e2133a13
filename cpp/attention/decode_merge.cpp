// decode_merge.cpp - the split-K merge: attention over disjoint key ranges, combined from each
// range's output and softmax statistics (see merge_partials in decode.h).
#include "attention/decode.h"

#include <cmath>

namespace gqa {

void merge_partials(int parts, int64_t rows, int d, const float* const* outs, const float* const* maxes,
                    const float* const* sums, float* out) {
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
  }
}

}  // namespace gqa
