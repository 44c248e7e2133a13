// trainer.h - training the recall model (recall.h) with Adam, evaluating it, and uptraining:
// converting a trained MHA model's K/V heads (conversion.h) and training on.
//
// Deterministic for a seed: initialisation, training batches and the held-out set each draw
// from their own stream of the seed, so runs that differ only in G see the same data in the
// same order and start from the same Wq, Wo, MLP and embeddings.
#pragma once

#include <cstdint>
#include <vector>

#include "lab/conversion.h"
#include "lab/recall.h"
#include "lab/rng.h"
#include "base/status.h"

namespace gqa {

/// Limits of training.
constexpr int64_t kMaxTrainBatch = 1024;        // sequences per step
constexpr int64_t kMaxEvalSequences = 65536;    // the held-out set
constexpr int64_t kMaxTrainSteps = 1000000;     // steps per train() call

struct TrainOptions {
  int64_t batch = 32;             // sequences per step
  double lr = 3e-3;               // Adam step size
  double clip = 1.0;              // clip the global gradient norm to this; 0 turns clipping off
  int64_t eval_sequences = 256;   // size of the fixed held-out set
  uint64_t seed = 1;
};

Status validate_train_options(const TrainOptions& o);

class RecallTrainer {
 public:
  /// A fresh model for `task` (shape.vocab and shape.n_out are filled in from it).
  Status init(const RecallTask& task, const RecallModelShape& shape, const TrainOptions& opt);
  /// This trainer becomes a copy of `from` (model, data stream, step count) with its K/V heads
  /// converted to n_kv_heads by `method`; Adam's moments start again from zero. n_kv_heads must
  /// divide from's K/V heads (H for MHA; a GQA model pools further).
  Status init_converted(const RecallTrainer& from, int64_t n_kv_heads, ConvertMethod method, uint64_t seed);
  /// `steps` Adam steps; each step's training-batch loss is appended to *losses. Refuses if the
  /// loss stops being finite (the model is then left at the last finite step).
  Status train(int64_t steps, std::vector<float>* losses);
  /// Loss and accuracy over the held-out set.
  RecallStats evaluate() const;
  /// Held-out sequence `index` (*seq: one sequence) and what the model does on it (*trace).
  Status trace_held_out(int64_t index, RecallBatch* seq, RecallTrace<float>* trace, RecallStats* stats) const;

  bool ready() const { return ready_; }
  const RecallTask& task() const { return task_; }
  const RecallModelShape& shape() const { return shape_; }
  const TrainOptions& options() const { return opt_; }
  int64_t steps_done() const { return steps_; }
  int64_t parameter_count() { return params_.count(); }
  /// The live parameters (read-only use: tests and inspection).
  RecallParams<float>& params() { return params_; }

 private:
  Status check_activations() const;
  void adam_step(RecallParams<float>& grad);

  RecallTask task_;
  RecallModelShape shape_;
  TrainOptions opt_;
  RecallParams<float> params_, m1_, m2_;  // parameters and Adam's first and second moments
  Rng data_{0};                            // training batches
  RecallBatch held_out_;
  int64_t steps_ = 0;
  int64_t adam_t_ = 0;  // steps since the moments were last reset
  bool ready_ = false;
};

// ---- the load sweep -------------------------------------------------------------------------------

/// The load sweep: one recall model per (load, G), the same model and steps at every load, the
/// load being the pairs per sequence. Its model is the lab's with head_dim 4 instead of 8 (H·d =
/// 32 < d_model), 16 queries per sequence and lr 1e-2: at head_dim 8 one K/V head holds 64
/// pairs apart given enough steps, so a gap there is only MQA learning slower; at head_dim 4 MHA
/// still learns every load while MQA stalls at the hardest (docs/quality-lab.md has the numbers).
struct RecallSweep {
  RecallTask task{64, 64, 16, 16};  // pairs: set per load, from task.queries to task.key_vocab
  RecallModelShape shape{64, 8, 8, 4, 128, 0, 0};
  TrainOptions train{32, 1e-2, 1.0, 256, 1};
  int64_t steps = 200;
  std::vector<int64_t> loads{16, 32, 48, 64};
};

/// The trainer of cell (pairs, n_kv_heads) of `sweep` with `seed`; refuses a load out of range.
Status init_sweep_cell(const RecallSweep& sweep, int64_t pairs, int64_t n_kv_heads, uint64_t seed, RecallTrainer* t);

}  // namespace gqa
