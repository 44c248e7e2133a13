// attention_js.h - the attention core as JS calls it: prefill attention, the split-K merge, the
// name of an (H, G) pair, and the KV cache class. Arguments arrive as doubles the JS face has
// checked to be finite, safe integers where they must be; the core checks every range.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "attention/attention.h"
#include "attention/kv_cache.h"
#include "bindings/js_values.h"

namespace gqa::js {

using emscripten::val;

struct AttentionArgs {
  double tq, tk, nHeads, nKvHeads, headDim, window, scale;
  bool causal, hasScale, returnWeights, returnScores;
};

/// q (tq, H, d), k and v (tk, G, d), sinks (H,) or undefined → { out (tq, H, d), weights?, scores? (H, tq, tk) }.
val attention(const AttentionArgs& a, val q, val k, val v, val sinks);

/// Merges attention over disjoint key ranges: parts is an array of { out, max, sum } (checked by
/// the JS face: rows · d, rows and rows floats each); sinks (n_heads,) or undefined: sink logits
/// applied once to the merged rows (rows are (tq, n_heads)).
val merge_attention(val parts, double rows, double d, val sinks, double n_heads);

/// 'MHA' | 'GQA' | 'MQA' for (nHeads, nKvHeads), or the refusal naming the field.
val attention_kind_js(double n_heads, double n_kv_heads);

/// undefined if validate_heads accepts (nHeads, nKvHeads, headDim), else the refusal: the JS face
/// asks before it checks array lengths computed from the shape.
val validate_heads_js(double n_heads, double n_kv_heads, double head_dim);

struct CacheArgs {
  double nKvHeads, headDim, capacity, sinks;  // sinks: with streaming only
  std::string dtype;
  bool streaming;
};

struct AttendArgs {
  double tq, nHeads, window, scale;
  bool hasScale;
};

/// One attend across the boundary, for any cache: the heads and tq checked before buffers are
/// sized by them (a refusal comes from attend itself, called without buffers), q and the sink
/// logits (H,) or undefined copied in → out (tq, H, d), or with_stats { out, max, sum } (max and
/// sum (tq, H)). attend(q, out, max, sum, sinks) runs the cache's own attend on the buffers.
template <class Attend>
val attend_js(val q, const AttendArgs& a, bool with_stats, val sinks, int64_t n_kv_heads, int64_t head_dim,
              int64_t length, Attend attend) {
  const int64_t tq = int64_t(a.tq), h = int64_t(a.nHeads);
  if (!validate_heads(h, n_kv_heads, head_dim).is_ok() || tq < 1 || tq > length) {
    return error_value(attend(nullptr, nullptr, nullptr, nullptr, nullptr));
  }
  const uint64_t n = uint64_t(tq) * h * head_dim, rows = uint64_t(tq) * h;
  Buffer<float> qb, out, mx, sm, sb;
  const float* sink_logits = nullptr;
  Status st;
  if (!(st = optional_in(sinks, uint64_t(h), &sb, &sink_logits, "sinkLogits")).is_ok() ||
      !(st = alloc(&qb, n, "q")).is_ok() || !(st = alloc(&out, n, "the output")).is_ok() ||
      (with_stats && (!(st = alloc(&mx, rows, "the row maxima")).is_ok() || !(st = alloc(&sm, rows, "the row sums")).is_ok()))) {
    return error_value(st);
  }
  copy_in(q, qb.data(), n);
  st = attend(qb.data(), out.data(), with_stats ? mx.data() : nullptr, with_stats ? sm.data() : nullptr, sink_logits);
  if (!st.is_ok()) return error_value(st);
  if (!with_stats) return copy_out(out.data(), n);
  val r = val::object();
  r.set("out", copy_out(out.data(), n));
  r.set("max", copy_out(mx.data(), rows));
  r.set("sum", copy_out(sm.data(), rows));
  return r;
}

/// The KV cache as JS sees it: a class with one owner and one delete().
class KvCacheJs {
 public:
  val init(const CacheArgs& a);
  /// Appends n tokens: k and v (n, G, d).
  val append(val k, val v, double n);
  /// q (tq, H, d) of the last tq tokens, sink logits (H,) or undefined → out (tq, H, d).
  val attend(val q, const AttendArgs& a, val sinks) { return run_attend(q, a, false, sinks); }
  /// attend plus each row's softmax statistics: { out, max, sum }, for merging key ranges (no
  /// sinks: they apply once, after the merge).
  val attend_partial(val q, const AttendArgs& a) { return run_attend(q, a, true, val::undefined()); }
  void clear() { cache_.clear(); }
  double length() const { return double(cache_.length()); }
  double seen() const { return double(cache_.seen()); }
  double capacity() const { return double(cache_.capacity()); }
  double bytes() const { return double(cache_.bytes()); }
  std::string dtype() const;

 private:
  val run_attend(val q, const AttendArgs& a, bool with_stats, val sinks);

  KvCache cache_;
};

}  // namespace gqa::js
