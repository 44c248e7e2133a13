// lab_js.h - the quality lab as JS calls it: checkpoint conversion, the conversion-error
// experiment, and the recall trainer class.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "lab/trainer.h"

namespace gqa::js {

using emscripten::val;

struct ConvertArgs {
  double dModel, nHeads, headDim, nKvHeads, seed;
  std::string method;
};
/// wk and wv (H·d, D) → { wk, wv } (G·d, D), nn.Linear layout.
val convert_kv_heads(const ConvertArgs& a, val wk, val wv);

struct ConversionArgs {
  double dModel, nHeads, headDim, seqLen, samples, similarity, seed;
};
/// [{ nKvHeads, mean, first, random }] for every divisor G of H, G ascending.
val conversion_error_js(const ConversionArgs& a);

struct RecallArgs {
  double keyVocab, valueVocab, pairs, queries;            // the task
  double dModel, nHeads, nKvHeads, headDim, dFf;          // the model
  double batch, lr, clip, evalSequences, seed;            // training
};

/// The load sweep's settings (trainer.h's RecallSweep) for core.info.recallSweep.
val recall_sweep_info();

/// The recall trainer as JS sees it: one owner, one delete().
class RecallTrainerJs {
 public:
  val init(const RecallArgs& a);
  /// Cell (pairs, nKvHeads) of the load sweep (trainer.h's RecallSweep) with `seed`.
  val init_sweep(double pairs, double n_kv_heads, double seed);
  /// This trainer becomes `from` with its K/V heads converted (uptraining starts here).
  val init_converted(const RecallTrainerJs& from, double n_kv_heads, const std::string& method, double seed);
  /// `steps` Adam steps → Float32Array of their training losses.
  val train(double steps);
  /// { loss, accuracy, correct, asked } on the held-out set.
  val evaluate() const;
  /// Held-out sequence `index` and the model on it: { first, second, target (Int32Array per
  /// position), positions, answers, predicted (Int32Array per query position), weights
  /// (Float32Array (H, queries, S)), stats }.
  val trace(double index) const;
  double steps_done() const { return double(t_.steps_done()); }
  double parameter_count() { return double(t_.parameter_count()); }
  double n_kv_heads() const { return double(t_.shape().n_kv_heads); }

 private:
  RecallTrainer t_;
};

}  // namespace gqa::js
