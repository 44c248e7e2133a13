// attention_js.h - the attention core as JS calls it: prefill attention, the split-K merge, the
// name of an (H, G) pair, and the KV cache class. Arguments arrive as doubles the JS face has
// checked to be finite, safe integers where they must be; the core checks every range.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "attention/kv_cache.h"

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
