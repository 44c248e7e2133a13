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
  Status st;
  if (!(st = alloc(&kb, count, "k")).is_ok() || !(st = alloc(&vb, count, "v")).is_ok()) return error_value(st);
  copy_in(k, kb.data(), count);
  copy_in(v, vb.data(), count);
  return status_value(cache_.append(kb.data(), vb.data(), int64_t(n)));
}

std::string KvCacheJs::dtype() const { return dtype_name(cache_.dtype()); }

/// out (tq, H, d) as a Float32Array, or with_stats: { out, max, sum } (max and sum (tq, H)).
val KvCacheJs::run_attend(val q, const AttendArgs& a, bool with_stats, val sinks) {
  const int64_t tq = int64_t(a.tq), h = int64_t(a.nHeads);
  Status st = validate_heads(h, cache_.n_kv_heads(), cache_.head_dim());
  if (!st.is_ok()) return error_value(st);
  if (tq < 1 || tq > cache_.length()) {  // the kernel checks too; this bounds the buffers below
    return error_value(cache_.attend(nullptr, tq, h, a.hasScale, float(a.scale), int64_t(a.window), kIsa, nullptr));
  }
  const uint64_t n = uint64_t(tq) * h * cache_.head_dim(), rows = uint64_t(tq) * h;
  Buffer<float> qb, out, mx, sm, sb;
  const float* sink_logits = nullptr;
  if (!(st = optional_in(sinks, uint64_t(h), &sb, &sink_logits, "sinkLogits")).is_ok() ||
      !(st = alloc(&qb, n, "q")).is_ok() || !(st = alloc(&out, n, "the output")).is_ok() ||
      (with_stats && (!(st = alloc(&mx, rows, "the row maxima")).is_ok() || !(st = alloc(&sm, rows, "the row sums")).is_ok()))) {
    return error_value(st);
  }
  copy_in(q, qb.data(), n);
  st = cache_.attend(qb.data(), tq, h, a.hasScale, float(a.scale), int64_t(a.window), kIsa, out.data(),
                     with_stats ? mx.data() : nullptr, with_stats ? sm.data() : nullptr, sink_logits);
  if (!st.is_ok()) return error_value(st);
  if (!with_stats) return copy_out(out.data(), n);
  val r = val::object();
  r.set("out", copy_out(out.data(), n));
  r.set("max", copy_out(mx.data(), rows));
  r.set("sum", copy_out(sm.data(), rows));
  return r;
}

}  // namespace gqa::js
