// kv_cache_js.cpp - the KV cache class for JS (see attention_js.h).
#include <iterator>

#include "attention/attention.h"
#include "attention/dtype.h"
#include "bindings/attention_js.h"
#include "bindings/js_values.h"
#include "bindings/machine_js.h"

namespace gqa::js {

val KvCacheJs::init(const CacheArgs& a) {
  KvCacheConfig c{int64_t(a.nKvHeads), int64_t(a.headDim), int64_t(a.capacity), Dtype::kF32, a.streaming,
                  int64_t(a.sinks)};
  Status st = parse_choice("dtype", a.dtype, int(std::size(kDtypes)), [](int i) { return dtype_name(kDtypes[i]); },
                           &c.dtype);
  if (st.is_ok()) st = cache_.init(c);
  return status_value(st);
}

val KvCacheJs::append(val k, val v, double n) {
  const uint64_t count = uint64_t(n) * cache_.n_kv_heads() * cache_.head_dim();
  Buffer<float> kb, vb;
  const Status st = copy_pair_in(k, count, "k", &kb, v, count, "v", &vb);
  if (!st.is_ok()) return error_value(st);
  return status_value(cache_.append(kb.data(), vb.data(), int64_t(n)));
}

std::string KvCacheJs::dtype() const { return dtype_name(cache_.dtype()); }

val KvCacheJs::run_attend(val q, const AttendArgs& a, bool with_stats, val sinks) {
  return attend_js(q, a, with_stats, sinks, cache_.n_kv_heads(), cache_.head_dim(), cache_.length(),
                   [&](const float* qb, float* out, float* mx, float* sm, const float* sl) {
                     return cache_.attend(qb, int64_t(a.tq), int64_t(a.nHeads), a.hasScale, float(a.scale),
                                          int64_t(a.window), kIsa, out, mx, sm, sl);
                   });
}

}  // namespace gqa::js
