// lab_js.cpp - conversion, the conversion-error experiment and the recall trainer for JS (see lab_js.h).
#include "bindings/lab_js.h"

#include <vector>

#include "attention/attention.h"
#include "bindings/js_values.h"
#include "lab/conversion.h"

namespace gqa::js {

namespace {

Status parse_method(const std::string& name, ConvertMethod* m) {
  return parse_choice("method", name, kConvertMethodCount, [](int i) { return convert_method_name(ConvertMethod(i)); }, m);
}

}  // namespace

val convert_kv_heads(const ConvertArgs& a, val wk, val wv) {
  const ConvertShape s{int64_t(a.dModel), int64_t(a.nHeads), int64_t(a.headDim), int64_t(a.nKvHeads)};
  ConvertMethod method;
  Status st = parse_method(a.method, &method);
  if (st.is_ok()) st = validate_convert(s);
  if (!st.is_ok()) return error_value(st);
  const uint64_t n_in = uint64_t(s.n_heads) * s.head_dim * s.d_model, n_out = uint64_t(s.n_kv_heads) * s.head_dim * s.d_model;
  Buffer<float> kin, vin, kout, vout;
  if (!(st = alloc(&kin, n_in, "wk")).is_ok() || !(st = alloc(&vin, n_in, "wv")).is_ok() ||
      !(st = alloc(&kout, n_out, "the converted wk")).is_ok() || !(st = alloc(&vout, n_out, "the converted wv")).is_ok()) {
    return error_value(st);
  }
  copy_in(wk, kin.data(), n_in);
  copy_in(wv, vin.data(), n_in);
  if (!(st = check_finite(kin.data(), n_in, "wk")).is_ok() || !(st = check_finite(vin.data(), n_in, "wv")).is_ok()) {
    return error_value(st);
  }
  const uint64_t seed = uint64_t(a.seed);
  convert_projection(s, method, seed * 2, kin.data(), kout.data());
  convert_projection(s, method, seed * 2 + 1, vin.data(), vout.data());
  val r = val::object();
  r.set("wk", copy_out(kout.data(), n_out));
  r.set("wv", copy_out(vout.data(), n_out));
  return r;
}

val conversion_error_js(const ConversionArgs& a) {
  ConversionExperiment e{int64_t(a.dModel), int64_t(a.nHeads), int64_t(a.headDim), int64_t(a.seqLen),
                         int64_t(a.samples), a.similarity, uint64_t(a.seed)};
  std::vector<ConversionPoint> points;
  Status st = conversion_error(e, &points);
  if (!st.is_ok()) return error_value(st);
  val out = val::array();
  for (const auto& p : points) {
    val o = val::object();
    o.set("nKvHeads", double(p.n_kv_heads));
    for (int m = 0; m < kConvertMethodCount; ++m) o.set(convert_method_name(ConvertMethod(m)), p.error[m]);
    out.call<void>("push", o);
  }
  return out;
}

namespace {

val stats_value(const RecallStats& s) {
  val o = val::object();
  o.set("loss", s.loss);
  o.set("accuracy", s.asked ? double(s.correct) / double(s.asked) : 0.0);
  o.set("correct", double(s.correct));
  o.set("asked", double(s.asked));
  o.set("keyHits", double(s.key_hits));
  o.set("headReads", double(s.head_reads));
  return o;
}

}  // namespace

val RecallTrainerJs::init(const RecallArgs& a) {
  const RecallTask task{int64_t(a.keyVocab), int64_t(a.valueVocab), int64_t(a.pairs), int64_t(a.queries)};
  RecallModelShape m;
  m.d_model = int64_t(a.dModel);
  m.n_heads = int64_t(a.nHeads);
  m.n_kv_heads = int64_t(a.nKvHeads);
  m.head_dim = int64_t(a.headDim);
  m.d_ff = int64_t(a.dFf);
  TrainOptions o;
  o.batch = int64_t(a.batch);
  o.lr = a.lr;
  o.clip = a.clip;
  o.eval_sequences = int64_t(a.evalSequences);
  o.seed = uint64_t(a.seed);
  return status_value(t_.init(task, m, o));
}

val RecallTrainerJs::init_sweep(double pairs, double n_kv_heads, double seed) {
  return status_value(init_sweep_cell(RecallSweep{}, int64_t(pairs), int64_t(n_kv_heads), uint64_t(seed), &t_));
}

val recall_sweep_info() {
  const RecallSweep w;
  val o = val::object();
  o.set("keyVocab", double(w.task.key_vocab));
  o.set("valueVocab", double(w.task.value_vocab));
  o.set("queries", double(w.task.queries));
  o.set("dModel", double(w.shape.d_model));
  o.set("nHeads", double(w.shape.n_heads));
  o.set("headDim", double(w.shape.head_dim));
  o.set("dFf", double(w.shape.d_ff));
  o.set("batch", double(w.train.batch));
  o.set("lr", w.train.lr);
  o.set("clip", w.train.clip);
  o.set("evalSequences", double(w.train.eval_sequences));
  o.set("seed", double(w.train.seed));
  o.set("steps", double(w.steps));
  val loads = val::array();
  for (int64_t p : w.loads) loads.call<void>("push", double(p));
  o.set("loads", loads);
  return o;
}

val RecallTrainerJs::init_converted(const RecallTrainerJs& from, double n_kv_heads, const std::string& method, double seed) {
  ConvertMethod m;
  Status st = parse_method(method, &m);
  if (st.is_ok()) st = t_.init_converted(from.t_, int64_t(n_kv_heads), m, uint64_t(seed));
  return status_value(st);
}

val RecallTrainerJs::train(double steps) {
  std::vector<float> losses;
  Status st = t_.train(int64_t(steps), &losses);
  if (!st.is_ok()) return error_value(st);
  return copy_out(losses.data(), losses.size());
}

val RecallTrainerJs::evaluate() const { return stats_value(t_.evaluate()); }

val RecallTrainerJs::trace(double index) const {
  RecallBatch seq;
  RecallTrace<float> tr;
  RecallStats stats;
  const Status st = t_.trace_held_out(int64_t(index), &seq, &tr, &stats);
  if (!st.is_ok()) return error_value(st);
  const int64_t S = seq.seq_len, H = t_.shape().n_heads;
  std::vector<int32_t> positions, answers;
  for (int64_t i = 0; i < S; ++i) {
    if (seq.target[size_t(i)] < 0) continue;
    positions.push_back(int32_t(i));
    answers.push_back(int32_t(recall_answer_position(seq, i)));
  }
  const int64_t Q = int64_t(positions.size());
  std::vector<float> weights(size_t(H * Q * S));  // (H, Q, S): the model's (Q, S) map per head, one sequence
  for (int64_t h = 0; h < H && Q > 0; ++h) {
    Eigen::Map<Matrix<float>>(weights.data() + h * Q * S, Q, S) = tr.weights[size_t(h)];
  }
  val r = val::object();
  r.set("first", copy_out(seq.first.data(), seq.first.size()));
  r.set("second", copy_out(seq.second.data(), seq.second.size()));
  r.set("target", copy_out(seq.target.data(), seq.target.size()));
  r.set("positions", copy_out(positions.data(), positions.size()));
  r.set("answers", copy_out(answers.data(), answers.size()));
  r.set("predicted", copy_out(tr.predicted.data(), tr.predicted.size()));
  r.set("weights", copy_out(weights.data(), weights.size()));
  r.set("stats", stats_value(stats));
  return r;
}

}  // namespace gqa::js
