// kv_cache.cpp - see kv_cache.h.
#include "attention/kv_cache.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "attention/attention.h"
#include "attention/half.h"
#include "attention/quantize.h"
#include "attention/softmax.h"

namespace gqa {

bool kv_cache_storage_bytes(const KvCacheConfig& c, uint64_t* bytes) {
  uint64_t rows = 0, elems = 0, data = 0, scales = 0;
  if (!checked_mul(uint64_t(c.n_kv_heads), uint64_t(c.capacity), &rows)) return false;
  if (!checked_mul(rows, uint64_t(c.head_dim), &elems)) return false;
  if (!checked_mul(elems, 2 * dtype_bytes(c.dtype), &data)) return false;
  if (c.dtype == Dtype::kInt8 && !checked_mul(rows, 2 * sizeof(float), &scales)) return false;
  if (data + scales < data) return false;
  *bytes = data + scales;
  return true;
}

Status KvCache::init(const KvCacheConfig& c) {
  GQA_RETURN_IF_ERROR(check_range("nKvHeads", c.n_kv_heads, 1, kMaxHeads));
  GQA_RETURN_IF_ERROR(check_range("headDim", c.head_dim, 1, kMaxHeadDim));
  GQA_RETURN_IF_ERROR(check_range("capacity", c.capacity, 1, kMaxTokens));
  if (c.streaming) GQA_RETURN_IF_ERROR(check_range("streaming.sinks", c.sinks, 0, c.capacity - 1));
  uint64_t bytes = 0;
  if (!kv_cache_storage_bytes(c, &bytes)) {
    return Status::error(StatusCode::kOverBudget, "the KV cache size overflows 64 bits");
  }
  GQA_RETURN_IF_ERROR(check_budget(bytes, "the KV cache"));
  const uint64_t elems = uint64_t(c.n_kv_heads) * uint64_t(c.capacity) * uint64_t(c.head_dim);
  const uint64_t rows = uint64_t(c.n_kv_heads) * uint64_t(c.capacity);
  Buffer<uint8_t> k, v;
  Buffer<float> ks, vs;
  GQA_RETURN_IF_ERROR(k.allocate(elems * dtype_bytes(c.dtype), "the KV cache keys"));
  GQA_RETURN_IF_ERROR(v.allocate(elems * dtype_bytes(c.dtype), "the KV cache values"));
  if (c.dtype == Dtype::kInt8) {
    GQA_RETURN_IF_ERROR(ks.allocate(rows, "the KV cache key scales"));
    GQA_RETURN_IF_ERROR(vs.allocate(rows, "the KV cache value scales"));
  }
  cfg_ = c;
  if (!c.streaming) cfg_.sinks = 0;
  length_ = 0;
  seen_ = 0;
  bytes_ = bytes;
  k_ = std::move(k);
  v_ = std::move(v);
  k_scale_ = std::move(ks);
  v_scale_ = std::move(vs);
  return Status::ok();
}

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

void KvCache::store_row(uint8_t* base, float* scales, int64_t g, int64_t t, const float* x) {
  const int64_t d = cfg_.head_dim;
  const int64_t row = g * cfg_.capacity + t;  // (G, capacity) index
  const float scale = encode_row(cfg_.dtype, base + uint64_t(row) * uint64_t(d) * dtype_bytes(cfg_.dtype), x, d);
  if (cfg_.dtype == Dtype::kInt8) scales[row] = scale;
}

Status KvCache::append(const float* k, const float* v, int64_t n) {
  if (cfg_.capacity == 0) return Status::error(StatusCode::kInvalidArgument, "the KV cache is not initialised");
  if (n < 1 || n > kMaxTokens) {
    return Status::error(StatusCode::kOutOfRange, "n (%lld) must be from 1 to %lld tokens", (long long)n,
                         (long long)kMaxTokens);
  }
  if (!cfg_.streaming && n > cfg_.capacity - length_) {
    return Status::error(StatusCode::kOutOfRange,
                         "appending %lld tokens to a cache holding %lld would exceed its capacity (%lld)",
                         (long long)n, (long long)length_, (long long)cfg_.capacity);
  }
  const int64_t G = cfg_.n_kv_heads, d = cfg_.head_dim;
  const uint64_t count = uint64_t(n) * uint64_t(G) * uint64_t(d);
  GQA_RETURN_IF_ERROR(check_storable(cfg_.dtype, k, count, "k"));
  GQA_RETURN_IF_ERROR(check_storable(cfg_.dtype, v, count, "v"));
  // streaming: of a batch longer than the ring, only tokens that survive it are stored
  const int64_t ring = cfg_.capacity - cfg_.sinks;
  for (int64_t t = 0; t < n; ++t) {
    const int64_t token = seen_ + t;
    if (token >= cfg_.sinks && n - t > ring) continue;  // overwritten later in this same batch
    const int64_t row = row_of_token(token);
    for (int64_t g = 0; g < G; ++g) {
      const int64_t src = (t * G + g) * d;  // input is (n, G, d)
      store_row(k_.data(), k_scale_.data(), g, row, k + src);
      store_row(v_.data(), v_scale_.data(), g, row, v + src);
    }
  }
  seen_ += n;
  length_ = seen_ < cfg_.capacity ? seen_ : cfg_.capacity;
  return Status::ok();
}

int64_t KvCache::row_of_token(int64_t t) const {
  return t < cfg_.sinks ? t : cfg_.sinks + (t - cfg_.sinks) % (cfg_.capacity - cfg_.sinks);
}

int64_t KvCache::storage_row(int64_t i) const {
  // kept token i is a sink, or the (i − sinks)-th of the last length − sinks appended
  return i < cfg_.sinks ? i : row_of_token(seen_ - length_ + i);
}

int KvCache::storage_ranges(int64_t lo, int64_t hi, int64_t (*ranges)[2]) const {
  int n = 0;
  const int64_t s = cfg_.sinks;
  if (lo < s) {  // sinks: storage rows are the kept indices
    ranges[n][0] = lo;
    ranges[n][1] = hi < s ? hi : s;
    ++n;
    lo = s;
  }
  while (lo < hi) {  // the ring: contiguous up to its end, then again from its start
    const int64_t row = storage_row(lo), take = std::min(hi - lo, cfg_.capacity - row);
    if (n > 0 && ranges[n - 1][1] == row) {
      ranges[n - 1][1] += take;  // not wrapped yet: one range, as in a plain cache
    } else {
      ranges[n][0] = row;
      ranges[n][1] = row + take;
      ++n;
    }
    lo += take;
  }
  return n;
}

KvHeadView KvCache::head(int64_t g) const {
  KvHeadView view;
  view.dtype = cfg_.dtype;
  view.d = int(cfg_.head_dim);
  const uint64_t offset = uint64_t(g) * uint64_t(cfg_.capacity) * uint64_t(cfg_.head_dim) * dtype_bytes(cfg_.dtype);
  view.k = k_.data() + offset;
  view.v = v_.data() + offset;
  if (cfg_.dtype == Dtype::kInt8) {
    view.k_scale = k_scale_.data() + g * cfg_.capacity;
    view.v_scale = v_scale_.data() + g * cfg_.capacity;
  }
  return view;
}

void KvCache::read_row(int64_t g, int64_t t, bool value, float* dst) const {
  const KvHeadView h = head(g);
  const void* base = value ? h.v : h.k;
  const int64_t d = cfg_.head_dim;
  for (int64_t i = 0; i < d; ++i) {
    switch (cfg_.dtype) {
      case Dtype::kF32: dst[i] = static_cast<const float*>(base)[t * d + i]; break;
      case Dtype::kF16: dst[i] = f16_to_f32(static_cast<const uint16_t*>(base)[t * d + i]); break;
      case Dtype::kInt8:
        dst[i] = float(static_cast<const int8_t*>(base)[t * d + i]) * (value ? h.v_scale : h.k_scale)[t];
        break;
    }
  }
}

Status KvCache::attend(const float* q, int64_t tq, int64_t n_heads, bool has_scale, float scale, int64_t window,
                       Isa isa, float* out, float* row_max, float* row_sum, const float* sink_logits) const {
  if (cfg_.capacity == 0) return Status::error(StatusCode::kInvalidArgument, "the KV cache is not initialised");
  GQA_RETURN_IF_ERROR(validate_heads(n_heads, cfg_.n_kv_heads, cfg_.head_dim));
  if (length_ == 0) return Status::error(StatusCode::kOutOfRange, "the KV cache is empty: append tokens before attend");
  if (tq < 1 || tq > length_) {
    return Status::error(StatusCode::kOutOfRange,
                         "tq (%lld) must be from 1 to the cache length (%lld): the queries are those of the last "
                         "tq appended tokens", (long long)tq, (long long)length_);
  }
  AttentionOptions o;
  o.window = window;
  o.has_scale = has_scale;
  o.scale = scale;
  GQA_RETURN_IF_ERROR(validate_options(o));
  const int64_t H = n_heads, G = cfg_.n_kv_heads, d = cfg_.head_dim, m = H / G;
  GQA_RETURN_IF_ERROR(check_finite(q, uint64_t(tq) * uint64_t(H) * uint64_t(d), "q"));
  if (sink_logits) {
    if (row_max || row_sum) {
      return Status::error(StatusCode::kInvalidArgument,
                           "sinkLogits cannot be applied to a partial result: merge the parts, then apply the sinks");
    }
    GQA_RETURN_IF_ERROR(check_finite(sink_logits, uint64_t(H), "sinkLogits"));
  }
  const float sc = effective_scale(o, d);
  // stats: a group's row max and sum (m each) when only the sinks need them; parts: when the kept
  // keys are several storage ranges (streaming), each range's output (3, m, d), max and sum (3, m)
  Buffer<float> scratch, stats, parts;
  GQA_RETURN_IF_ERROR(scratch.allocate(decode_scratch_floats(int(m), int(d), cfg_.dtype), "the decode scratch"));
  if (sink_logits) GQA_RETURN_IF_ERROR(stats.allocate(uint64_t(2 * m), "the softmax statistics"));
  if (cfg_.streaming) GQA_RETURN_IF_ERROR(parts.allocate(uint64_t(3 * m * (d + 2)), "the streaming partial results"));
  // [lesson:group-loop]
  for (int64_t i = 0; i < tq; ++i) {
    int64_t lo, hi;
    visible_keys(i, tq, length_, /*causal=*/true, window, &lo, &hi);
    for (int64_t g = 0; g < G; ++g) {
      const int64_t off = (i * H + g * m) * d;  // the group's m query heads are adjacent in (H, d)
      const int64_t stat = i * H + g * m;  // (tq, H) index of the group's first head
      float* mx = sink_logits ? stats.data() : row_max ? row_max + stat : nullptr;
      float* sm = sink_logits ? stats.data() + m : row_sum ? row_sum + stat : nullptr;
      int64_t ranges[3][2];
      const int n = storage_ranges(lo, hi, ranges);
      if (n == 1) {
        GQA_RETURN_IF_ERROR(decode_group(isa, q + off, int(m), head(g), ranges[0][0], ranges[0][1], sc, out + off,
                                         scratch.data(), mx, sm));
      } else {  // attention over each storage range, combined by the split-K merge
        const float *po[3], *pm[3], *ps[3];
        for (int p = 0; p < n; ++p) {
          float* o = parts.data() + p * m * (d + 2);  // (m, d) output, then (m,) max, (m,) sum
          GQA_RETURN_IF_ERROR(decode_group(isa, q + off, int(m), head(g), ranges[p][0], ranges[p][1], sc, o,
                                           scratch.data(), o + m * d, o + m * d + m));
          po[p] = o; pm[p] = o + m * d; ps[p] = o + m * d + m;
        }
        merge_partials(n, m, int(d), po, pm, ps, out + off, mx, sm);
      }
      if (sink_logits) apply_sink_logits(m, int(d), mx, sm, sink_logits + g * m, out + off);
    }
  }
  // [/lesson:group-loop]
  return Status::ok();
}

}  // namespace gqa
