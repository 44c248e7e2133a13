// decode_merge.cpp - the split-K merge: attention over disjoint key ranges, combined from each
// range's output and softmax statistics (see merge_partials in decode.h), the kernel over any
// number of ranges built on it (decode_ranges), and the sink logits applied to a finished row
// from the same statistics.
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

uint64_t decode_ranges_floats(int m, int d, int64_t n) {
  if (n <= 1) return 0;
  // (slots, m, d + 2): a part's (m, d) output, then its (m,) max and (m,) sum; two slots more
  // for the running result, read by one merge while the next is written
  const uint64_t slots = uint64_t(n < kMergeParts ? n : kMergeParts) + 2;
  return slots * uint64_t(m) * (uint64_t(d) + 2);
}

Status decode_ranges(Isa isa, const float* q, int m, const KvHeadView& kv, const int64_t (*ranges)[2], int64_t n,
                     float scale, float* out, float* scratch, float* parts, float* row_max, float* row_sum) {
  if (n == 1) return decode_group(isa, q, m, kv, ranges[0][0], ranges[0][1], scale, out, scratch, row_max, row_sum);
  const int64_t d = kv.d, slot = int64_t(m) * (d + 2);
  float* acc = parts;          // the running result of the merges so far
  float* next = parts + slot;  // where the next running result goes
  float* part = parts + 2 * slot;
  const float *po[kMergeParts + 1], *pm[kMergeParts + 1], *ps[kMergeParts + 1];
  int k = 0;      // entries of po, pm, ps
  int fresh = 0;  // ranges attended since the last merge
  for (int64_t r = 0; r < n; ++r) {
    float* o = part + fresh * slot;  // (m, d) output, then (m,) max, (m,) sum
    GQA_RETURN_IF_ERROR(decode_group(isa, q, m, kv, ranges[r][0], ranges[r][1], scale, o, scratch, o + m * d,
                                     o + m * d + m));
    po[k] = o; pm[k] = o + m * d; ps[k] = o + m * d + m;
    ++k;
    ++fresh;
    const bool last = r == n - 1;
    if (!last && fresh < kMergeParts) continue;
    float* dst = last ? out : next;
    merge_partials(k, m, int(d), po, pm, ps, dst, last ? row_max : next + m * d, last ? row_sum : next + m * d + m);
    if (last) break;
    float* t = acc; acc = next; next = t;  // the merged result is the first part of the next merge
    po[0] = acc; pm[0] = acc + m * d; ps[0] = acc + m * d + m;
    k = 1;
    fresh = 0;
  }
  return Status::ok();
}

void apply_sink_logits(int64_t rows, int d, const float* maxes, const float* sums, const float* sinks, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float keep = float(sink_keep(maxes[r], sums[r], sinks[r]));
    for (int i = 0; i < d; ++i) out[r * d + i] *= keep;
  }
}

}  // namespace gqa
