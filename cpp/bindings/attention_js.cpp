// attention_js.cpp - prefill attention, the split-K merge and attention_kind for JS (see attention_js.h).
#include "bindings/attention_js.h"

#include <vector>

#include "attention/attention.h"
#include "attention/attention_kind.h"
#include "attention/decode.h"
#include "bindings/js_values.h"

namespace gqa::js {

val attention(const AttentionArgs& a, val q, val k, val v, val sinks) {
  AttentionShape s{int64_t(a.tq), int64_t(a.tk), int64_t(a.nHeads), int64_t(a.nKvHeads), int64_t(a.headDim)};
  AttentionOptions o;
  o.causal = a.causal;
  o.window = int64_t(a.window);
  o.has_scale = a.hasScale;
  o.scale = float(a.scale);
  Status st = validate_attention(s, o);
  if (!st.is_ok()) return error_value(st);
  const uint64_t nq = uint64_t(s.tq) * s.n_heads * s.head_dim;
  const uint64_t nk = uint64_t(s.tk) * s.n_kv_heads * s.head_dim;
  const uint64_t nw = uint64_t(s.n_heads) * s.tq * s.tk;
  Buffer<float> qb, kb, vb, out, scores, weights, sb;
  if (!(st = optional_in(sinks, uint64_t(s.n_heads), &sb, &o.sink_logits, "sinkLogits")).is_ok() ||
      !(st = alloc(&qb, nq, "q")).is_ok() || !(st = alloc(&kb, nk, "k")).is_ok() ||
      !(st = alloc(&vb, nk, "v")).is_ok() || !(st = alloc(&out, nq, "the output")).is_ok() ||
      (a.returnScores && !(st = alloc(&scores, nw, "the returned scores")).is_ok()) ||
      (a.returnWeights && !(st = alloc(&weights, nw, "the returned weights")).is_ok())) {
    return error_value(st);
  }
  copy_in(q, qb.data(), nq);
  copy_in(k, kb.data(), nk);
  copy_in(v, vb.data(), nk);
  if (!(st = check_finite(qb.data(), nq, "q")).is_ok() || !(st = check_finite(kb.data(), nk, "k")).is_ok() ||
      !(st = check_finite(vb.data(), nk, "v")).is_ok()) {
    return error_value(st);
  }
  st = attention_prefill(s, o, qb.data(), kb.data(), vb.data(), out.data(),
                         a.returnScores ? scores.data() : nullptr, a.returnWeights ? weights.data() : nullptr);
  if (!st.is_ok()) return error_value(st);
  val r = val::object();
  r.set("out", copy_out(out.data(), nq));
  if (a.returnWeights) r.set("weights", copy_out(weights.data(), nw));
  if (a.returnScores) r.set("scores", copy_out(scores.data(), nw));
  return r;
}

val merge_attention(val parts, double rows, double d, val sinks, double n_heads) {
  const int n = parts["length"].as<int>();
  const uint64_t r = uint64_t(rows), dd = uint64_t(d);
  std::vector<Buffer<float>> outs(n), maxes(n), sums(n);
  std::vector<const float*> o(n), m(n), s(n);
  Status st;
  for (int p = 0; p < n; ++p) {
    if (!(st = alloc(&outs[p], r * dd, "a part's output")).is_ok() || !(st = alloc(&maxes[p], r, "a part's maxima")).is_ok() ||
        !(st = alloc(&sums[p], r, "a part's sums")).is_ok()) {
      return error_value(st);
    }
    val part = parts[p];
    copy_in(part["out"], outs[p].data(), r * dd);
    copy_in(part["max"], maxes[p].data(), r);
    copy_in(part["sum"], sums[p].data(), r);
    o[p] = outs[p].data(); m[p] = maxes[p].data(); s[p] = sums[p].data();
  }
  Buffer<float> out, mx, sm, sb, row_sinks;
  const float* sink_logits = nullptr;
  const uint64_t h = uint64_t(n_heads);
  if (!(st = alloc(&out, r * dd, "the merged output")).is_ok() ||
      !(st = optional_in(sinks, h, &sb, &sink_logits, "sinkLogits")).is_ok() ||
      (sink_logits && (!(st = check_finite(sink_logits, h, "sinkLogits")).is_ok() || !(st = alloc(&mx, r, "the merged maxima")).is_ok() ||
                       !(st = alloc(&sm, r, "the merged sums")).is_ok() || !(st = alloc(&row_sinks, r, "sinkLogits per row")).is_ok()))) {
    return error_value(st);
  }
  merge_partials(n, int64_t(r), int(dd), o.data(), m.data(), s.data(), out.data(), mx.data(), sm.data());
  if (sink_logits) {  // row i·H + h is query i's head h
    for (uint64_t i = 0; i < r; ++i) row_sinks.data()[i] = sink_logits[i % h];
    apply_sink_logits(int64_t(r), int(dd), mx.data(), sm.data(), row_sinks.data(), out.data());
  }
  return copy_out(out.data(), r * dd);
}

val attention_kind_js(double n_heads, double n_kv_heads) {
  const char* kind = nullptr;
  Status st = checked_attention_kind(int64_t(n_heads), int64_t(n_kv_heads), &kind);
  return st.is_ok() ? val(std::string(kind)) : error_value(st);
}

val validate_heads_js(double n_heads, double n_kv_heads, double head_dim) {
  return status_value(validate_heads(int64_t(n_heads), int64_t(n_kv_heads), int64_t(head_dim)));
}

}  // namespace gqa::js
