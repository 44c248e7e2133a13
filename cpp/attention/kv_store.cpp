// kv_store.cpp - see kv_store.h.
#include "attention/kv_store.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "attention/attention.h"
#include "attention/half.h"
#include "attention/quantize.h"
#include "attention/softmax.h"

namespace gqa {

float encode_row(Dtype dtype, void* dst, const float* x, int64_t d) {
  switch (dtype) {
    case Dtype::kF32:
      std::memcpy(dst, x, size_t(d) * sizeof(float));
      return 1.0f;
    case Dtype::kF16: {
      uint16_t* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < d; ++i) h[i] = f32_to_f16(x[i]);
      return 1.0f;
    }
    case Dtype::kInt8:  // x ≈ q · scale, scale = max|x| / 127
      return quantize_row_symmetric(static_cast<int8_t*>(dst), x, int(d), 127);
  }
  return 1.0f;
}

Status check_storable(Dtype dtype, const float* x, uint64_t n, const char* field) {
  GQA_RETURN_IF_ERROR(check_finite(x, n, field));
  if (dtype != Dtype::kF16) return Status::ok();
  for (uint64_t i = 0; i < n; ++i) {
    if (std::fabs(x[i]) >= kHalfOverflow) {
      return Status::error(StatusCode::kOutOfRange,
                           "%s[%llu] (%g) is outside the f16 range of a cache with dtype 'f16' (|x| <= %g)", field,
                           (unsigned long long)i, double(x[i]), double(kHalfMax));
    }
  }
  return Status::ok();
}

bool kv_rows_bytes(int64_t n_kv_heads, int64_t rows, int64_t head_dim, Dtype dtype, uint64_t* bytes) {
  uint64_t head_rows = 0, elems = 0, data = 0, scales = 0;
  if (!checked_mul(uint64_t(n_kv_heads), uint64_t(rows), &head_rows)) return false;
  if (!checked_mul(head_rows, uint64_t(head_dim), &elems)) return false;
  if (!checked_mul(elems, 2 * dtype_bytes(dtype), &data)) return false;
  if (dtype == Dtype::kInt8 && !checked_mul(head_rows, 2 * sizeof(float), &scales)) return false;
  if (data + scales < data) return false;
  *bytes = data + scales;
  return true;
}

Status KvStore::init(int64_t n_kv_heads, int64_t rows, int64_t head_dim, Dtype dtype, const char* what) {
  uint64_t bytes = 0;
  if (!kv_rows_bytes(n_kv_heads, rows, head_dim, dtype, &bytes)) {
    return Status::error(StatusCode::kOverBudget, "%s size overflows 64 bits", what);
  }
  GQA_RETURN_IF_ERROR(check_budget(bytes, what));
  const uint64_t head_rows = uint64_t(n_kv_heads) * uint64_t(rows);
  const uint64_t elems = head_rows * uint64_t(head_dim);
  Buffer<uint8_t> k, v;
  Buffer<float> ks, vs;
  GQA_RETURN_IF_ERROR(k.allocate(elems * dtype_bytes(dtype), "the KV cache keys"));
  GQA_RETURN_IF_ERROR(v.allocate(elems * dtype_bytes(dtype), "the KV cache values"));
  if (dtype == Dtype::kInt8) {
    GQA_RETURN_IF_ERROR(ks.allocate(head_rows, "the KV cache key scales"));
    GQA_RETURN_IF_ERROR(vs.allocate(head_rows, "the KV cache value scales"));
  }
  g_ = n_kv_heads;
  rows_ = rows;
  d_ = head_dim;
  dtype_ = dtype;
  bytes_ = bytes;
  k_ = std::move(k);
  v_ = std::move(v);
  k_scale_ = std::move(ks);
  v_scale_ = std::move(vs);
  return Status::ok();
}

void KvStore::store_token(int64_t t, const float* k, const float* v) {
  const uint64_t row_bytes = uint64_t(d_) * dtype_bytes(dtype_);
  for (int64_t g = 0; g < g_; ++g) {
    const int64_t row = g * rows_ + t;  // (G, rows) index; the input is (G, d)
    const float ks = encode_row(dtype_, k_.data() + uint64_t(row) * row_bytes, k + g * d_, d_);
    const float vs = encode_row(dtype_, v_.data() + uint64_t(row) * row_bytes, v + g * d_, d_);
    if (dtype_ == Dtype::kInt8) {
      k_scale_[row] = ks;
      v_scale_[row] = vs;
    }
  }
}

void KvStore::copy_rows(int64_t dst, int64_t src, int64_t n) {
  const uint64_t row_bytes = uint64_t(d_) * dtype_bytes(dtype_);
  for (int64_t g = 0; g < g_; ++g) {
    const uint64_t to = uint64_t(g * rows_ + dst), from = uint64_t(g * rows_ + src);
    std::memcpy(k_.data() + to * row_bytes, k_.data() + from * row_bytes, size_t(uint64_t(n) * row_bytes));
    std::memcpy(v_.data() + to * row_bytes, v_.data() + from * row_bytes, size_t(uint64_t(n) * row_bytes));
    if (dtype_ == Dtype::kInt8) {
      std::memcpy(k_scale_.data() + to, k_scale_.data() + from, size_t(n) * sizeof(float));
      std::memcpy(v_scale_.data() + to, v_scale_.data() + from, size_t(n) * sizeof(float));
    }
  }
}

KvHeadView KvStore::head(int64_t g) const {
  KvHeadView view;
  view.dtype = dtype_;
  view.d = int(d_);
  const uint64_t offset = uint64_t(g) * uint64_t(rows_) * uint64_t(d_) * dtype_bytes(dtype_);
  view.k = k_.data() + offset;
  view.v = v_.data() + offset;
  if (dtype_ == Dtype::kInt8) {
    view.k_scale = k_scale_.data() + g * rows_;
    view.v_scale = v_scale_.data() + g * rows_;
  }
  return view;
}

void KvStore::read_row(int64_t g, int64_t t, bool value, float* dst) const {
  const KvHeadView h = head(g);
  const void* base = value ? h.v : h.k;
  for (int64_t i = 0; i < d_; ++i) {
    switch (dtype_) {
      case Dtype::kF32: dst[i] = static_cast<const float*>(base)[t * d_ + i]; break;
      case Dtype::kF16: dst[i] = f16_to_f32(static_cast<const uint16_t*>(base)[t * d_ + i]); break;
      case Dtype::kInt8:
        dst[i] = float(static_cast<const int8_t*>(base)[t * d_ + i]) * (value ? h.v_scale : h.k_scale)[t];
        break;
    }
  }
}

namespace {

/// Kept tokens [lo, hi) as storage row ranges, in order, from the segments covering them;
/// returns how many (at most n_segs: segments are never contiguous in storage with each other).
int64_t clip_segments(const RowSegment* segs, int64_t n_segs, int64_t lo, int64_t hi, int64_t (*ranges)[2]) {
  int64_t n = 0;
  for (int64_t s = 0; s < n_segs; ++s) {
    const int64_t a = std::max(lo, segs[s].token), b = std::min(hi, segs[s].token + segs[s].count);
    if (a >= b) continue;
    ranges[n][0] = segs[s].row + (a - segs[s].token);
    ranges[n][1] = segs[s].row + (b - segs[s].token);
    ++n;
  }
  return n;
}

}  // namespace

Status attend_segments(const KvStore& kv, const RowSegment* segs, int64_t n_segs, int64_t length, const char* what,
                       const char* length_name, const float* q, int64_t tq, int64_t n_heads, bool has_scale,
                       float scale, int64_t window, Isa isa, float* out, float* row_max, float* row_sum,
                       const float* sink_logits) {
  GQA_RETURN_IF_ERROR(validate_heads(n_heads, kv.n_kv_heads(), kv.head_dim()));
  if (length == 0) return Status::error(StatusCode::kOutOfRange, "%s is empty: append tokens before attend", what);
  if (tq < 1 || tq > length) {
    return Status::error(StatusCode::kOutOfRange,
                         "tq (%lld) must be from 1 to %s (%lld): the queries are those of the last tq appended "
                         "tokens", (long long)tq, length_name, (long long)length);
  }
  AttentionOptions o;
  o.window = window;
  o.has_scale = has_scale;
  o.scale = scale;
  GQA_RETURN_IF_ERROR(validate_options(o));
  const int64_t H = n_heads, G = kv.n_kv_heads(), d = kv.head_dim(), m = H / G;
  GQA_RETURN_IF_ERROR(check_finite(q, uint64_t(tq) * uint64_t(H) * uint64_t(d), "q"));
  if (sink_logits) {
    if (row_max || row_sum) {
      return Status::error(StatusCode::kInvalidArgument,
                           "sinkLogits cannot be applied to a partial result: merge the parts, then apply the sinks");
    }
    GQA_RETURN_IF_ERROR(check_finite(sink_logits, uint64_t(H), "sinkLogits"));
  }
  const float sc = effective_scale(o, d);
  // stats: a group's row max and sum (m each) when only the sinks need them; ranges: the visible
  // tokens as storage row ranges (n_segs, 2); parts: the partial results decode_ranges merges
  Buffer<float> scratch, stats, parts;
  Buffer<int64_t> ranges;
  GQA_RETURN_IF_ERROR(scratch.allocate(decode_scratch_floats(int(m), int(d), kv.dtype()), "the decode scratch"));
  if (sink_logits) GQA_RETURN_IF_ERROR(stats.allocate(uint64_t(2 * m), "the softmax statistics"));
  GQA_RETURN_IF_ERROR(ranges.allocate(2 * uint64_t(n_segs), "the storage row ranges"));
  GQA_RETURN_IF_ERROR(parts.allocate(decode_ranges_floats(int(m), int(d), n_segs), "the partial results"));
  int64_t (*rows)[2] = reinterpret_cast<int64_t (*)[2]>(ranges.data());
  // [lesson:group-loop]
  for (int64_t i = 0; i < tq; ++i) {
    int64_t lo, hi;
    visible_keys(i, tq, length, /*causal=*/true, window, &lo, &hi);
    const int64_t n = clip_segments(segs, n_segs, lo, hi, rows);  // where the visible tokens are stored
    for (int64_t g = 0; g < G; ++g) {
      const int64_t off = (i * H + g * m) * d;  // the group's m query heads are adjacent in (H, d)
      const int64_t stat = i * H + g * m;  // (tq, H) index of the group's first head
      float* mx = sink_logits ? stats.data() : row_max ? row_max + stat : nullptr;
      float* sm = sink_logits ? stats.data() + m : row_sum ? row_sum + stat : nullptr;
      GQA_RETURN_IF_ERROR(decode_ranges(isa, q + off, int(m), kv.head(g), rows, n, sc, out + off, scratch.data(),
                                        parts.data(), mx, sm));
      if (sink_logits) apply_sink_logits(m, int(d), mx, sm, sink_logits + g * m, out + off);
    }
  }
  // [/lesson:group-loop]
  return Status::ok();
}

}  // namespace gqa
