// kv_cache.cpp - see kv_cache.h.
#include "attention/kv_cache.h"

#include <algorithm>

#include "attention/attention.h"

namespace gqa {

bool kv_cache_storage_bytes(const KvCacheConfig& c, uint64_t* bytes) {
  return kv_rows_bytes(c.n_kv_heads, c.capacity, c.head_dim, c.dtype, bytes);
}

Status KvCache::init(const KvCacheConfig& c) {
  GQA_RETURN_IF_ERROR(check_range("nKvHeads", c.n_kv_heads, 1, kMaxHeads));
  GQA_RETURN_IF_ERROR(check_range("headDim", c.head_dim, 1, kMaxHeadDim));
  GQA_RETURN_IF_ERROR(check_range("capacity", c.capacity, 1, kMaxTokens));
  if (c.streaming) GQA_RETURN_IF_ERROR(check_range("streaming.sinks", c.sinks, 0, c.capacity - 1));
  GQA_RETURN_IF_ERROR(store_.init(c.n_kv_heads, c.capacity, c.head_dim, c.dtype, "the KV cache"));
  cfg_ = c;
  if (!c.streaming) cfg_.sinks = 0;
  length_ = 0;
  seen_ = 0;
  return Status::ok();
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
    store_.store_token(row_of_token(token), k + t * G * d, v + t * G * d);  // input is (n, G, d)
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

int KvCache::segments(RowSegment* segs) const {
  int n = 0;
  const int64_t sinks = std::min(cfg_.sinks, length_);
  if (sinks > 0) segs[n++] = RowSegment{0, 0, sinks};  // sinks: storage rows are the kept indices
  for (int64_t i = sinks; i < length_;) {  // the ring: contiguous up to its end, then from its start
    const int64_t row = storage_row(i), take = std::min(length_ - i, cfg_.capacity - row);
    if (n > 0 && segs[n - 1].row + segs[n - 1].count == row) {
      segs[n - 1].count += take;  // not wrapped yet: one run, as in a plain cache
    } else {
      segs[n++] = RowSegment{i, row, take};
    }
    i += take;
  }
  return n;
}

Status KvCache::attend(const float* q, int64_t tq, int64_t n_heads, bool has_scale, float scale, int64_t window,
                       Isa isa, float* out, float* row_max, float* row_sum, const float* sink_logits) const {
  if (cfg_.capacity == 0) return Status::error(StatusCode::kInvalidArgument, "the KV cache is not initialised");
  RowSegment segs[3];
  const int n = segments(segs);
  return attend_segments(store_, segs, n, length_, "the KV cache", "the cache length", q, tq, n_heads, has_scale,
                         scale, window, isa, out, row_max, row_sum, sink_logits);
}

}  // namespace gqa
