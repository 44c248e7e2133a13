// paged_kv_cache_js.cpp - the paged KV cache class for JS (see paged_kv_cache_js.h).
#include "bindings/paged_kv_cache_js.h"

#include <iterator>

#include "attention/dtype.h"
#include "bindings/js_values.h"
#include "bindings/machine_js.h"

namespace gqa::js {

val PagedKvCacheJs::init(const PagedCacheArgs& a) {
  PagedKvCacheConfig c{int64_t(a.nKvHeads), int64_t(a.headDim), int64_t(a.blockSize), int64_t(a.numBlocks),
                       Dtype::kF32};
  Status st = parse_choice("dtype", a.dtype, int(std::size(kDtypes)), [](int i) { return dtype_name(kDtypes[i]); },
                           &c.dtype);
  if (st.is_ok()) st = cache_.init(c);
  return status_value(st);
}

val PagedKvCacheJs::add_sequence() {
  int64_t id = 0;
  const Status st = cache_.add_sequence(&id);
  return st.is_ok() ? val(double(id)) : error_value(st);
}

val PagedKvCacheJs::fork(double parent) {
  int64_t id = 0;
  const Status st = cache_.fork(int64_t(parent), &id);
  return st.is_ok() ? val(double(id)) : error_value(st);
}

val PagedKvCacheJs::append(double id, val k, val v, double n) {
  const uint64_t count = uint64_t(n) * cache_.n_kv_heads() * cache_.head_dim();
  int64_t length = 0;
  Status st = cache_.length(int64_t(id), &length);  // an unknown id before any buffer
  if (!st.is_ok()) return error_value(st);
  Buffer<float> kb, vb;
  if (!(st = copy_pair_in(k, count, "k", &kb, v, count, "v", &vb)).is_ok()) return error_value(st);
  return status_value(cache_.append(int64_t(id), kb.data(), vb.data(), int64_t(n)));
}

val PagedKvCacheJs::attend(double id, val q, const AttendArgs& a, val sinks) {
  int64_t length = 0;
  const Status st = cache_.length(int64_t(id), &length);
  if (!st.is_ok()) return error_value(st);
  return attend_js(q, a, false, sinks, cache_.n_kv_heads(), cache_.head_dim(), length,
                   [&](const float* qb, float* out, float* mx, float* sm, const float* sl) {
                     return cache_.attend(int64_t(id), qb, int64_t(a.tq), int64_t(a.nHeads), a.hasScale,
                                          float(a.scale), int64_t(a.window), kIsa, out, mx, sm, sl);
                   });
}

val PagedKvCacheJs::block_table(double id) const {
  const std::vector<int32_t>* table = nullptr;
  const Status st = cache_.block_table(int64_t(id), &table);
  if (!st.is_ok()) return error_value(st);
  return val(emscripten::typed_memory_view(table->size(), table->data())).call<val>("slice");
}

val PagedKvCacheJs::length(double id) const {
  int64_t n = 0;
  const Status st = cache_.length(int64_t(id), &n);
  return st.is_ok() ? val(double(n)) : error_value(st);
}

val PagedKvCacheJs::free(double id) { return status_value(cache_.free_sequence(int64_t(id))); }

val PagedKvCacheJs::stats() const {
  const PagedStats s = cache_.stats();
  val o = val::object();
  o.set("usedBlocks", double(s.used_blocks));
  o.set("freeBlocks", double(s.free_blocks));
  o.set("sharedBlocks", double(s.shared_blocks));
  return o;
}

std::string PagedKvCacheJs::dtype() const { return dtype_name(cache_.dtype()); }

}  // namespace gqa::js
