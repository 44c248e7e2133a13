// trainer.cpp - Adam over the recall model, evaluation and uptraining (see trainer.h).
#include "lab/trainer.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "base/memory_budget.h"

namespace gqa {

namespace {
constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kAdamEps = 1e-8;
constexpr uint64_t kInitStream = 1, kDataStream = 2, kHeldOutStream = 3;
}  // namespace

Status validate_train_options(const TrainOptions& o) {
  GQA_RETURN_IF_ERROR(check_range("batch", o.batch, 1, kMaxTrainBatch));
  if (!(o.lr > 0.0 && o.lr <= 1.0)) {
    return Status::error(StatusCode::kOutOfRange, "lr (%g) must be a number above 0 and at most 1", o.lr);
  }
  if (!(o.clip >= 0.0 && o.clip <= 1e6)) {
    return Status::error(StatusCode::kOutOfRange, "clip (%g) must be 0 (off) or a positive number up to 1e6", o.clip);
  }
  GQA_RETURN_IF_ERROR(check_range("evalSequences", o.eval_sequences, 1, kMaxEvalSequences));
  return Status::ok();
}

Status RecallTrainer::check_activations() const {
  // One step's activations and gradients, generously (the limits keep every product far below
  // 2^63): per token ~12 rows of D, 3 of F and 8 of H·d; per sequence and head two (S, S) maps.
  const uint64_t S = uint64_t(task_.seq_len()), N = uint64_t(opt_.batch) * S;
  const uint64_t per_token = 12 * uint64_t(shape_.d_model) + 3 * uint64_t(shape_.d_ff) +
                             8 * uint64_t(shape_.n_heads * shape_.head_dim) + 2 * uint64_t(shape_.n_out);
  const uint64_t floats = N * per_token + 2 * uint64_t(opt_.batch) * uint64_t(shape_.n_heads) * S * S;
  const uint64_t held_out = uint64_t(opt_.eval_sequences) * S * 3 * sizeof(int32_t);
  return check_budget(floats * sizeof(float) + held_out, "one training step (activations and gradients)");
}

Status RecallTrainer::init(const RecallTask& task, const RecallModelShape& shape, const TrainOptions& opt) {
  ready_ = false;
  GQA_RETURN_IF_ERROR(validate_recall_task(task));
  RecallModelShape s = shape;
  s.vocab = task.vocab();
  s.n_out = task.value_vocab;
  GQA_RETURN_IF_ERROR(validate_recall_model(s));
  GQA_RETURN_IF_ERROR(validate_train_options(opt));
  task_ = task;
  shape_ = s;
  opt_ = opt;
  GQA_RETURN_IF_ERROR(check_activations());
  params_.init(shape_, Rng(opt.seed, kInitStream).next());
  m1_.resize(shape_);
  m2_.resize(shape_);
  data_ = Rng(opt.seed, kDataStream);
  Rng held(opt.seed, kHeldOutStream);
  make_recall_batch(task_, opt.eval_sequences, &held, &held_out_);
  steps_ = adam_t_ = 0;
  ready_ = true;
  return Status::ok();
}

Status RecallTrainer::init_converted(const RecallTrainer& from, int64_t n_kv_heads, ConvertMethod method, uint64_t seed) {
  ready_ = false;
  if (!from.ready_) return Status::error(StatusCode::kInvalidArgument, "the model to convert has not been initialised");
  // The source has from.shape_.n_kv_heads K/V heads (H for an MHA model, fewer if it was
  // converted or trained with GQA); they pool into n_kv_heads groups of consecutive heads.
  const int64_t source = from.shape_.n_kv_heads;
  if (n_kv_heads < 1 || n_kv_heads > source || source % n_kv_heads != 0) {
    return Status::error(StatusCode::kOutOfRange, "nKvHeads (%lld) must divide the model's current K/V heads (%lld)",
                         (long long)n_kv_heads, (long long)source);
  }
  const ConvertShape cs{from.shape_.d_model, source, from.shape_.head_dim, n_kv_heads};
  GQA_RETURN_IF_ERROR(validate_convert(cs));
  if (this != &from) {
    task_ = from.task_;
    opt_ = from.opt_;
    params_ = from.params_;
    data_ = from.data_;
    held_out_ = from.held_out_;
    steps_ = from.steps_;
  }
  shape_ = from.shape_;
  const Matrix<float> wk = std::move(params_.wk), wv = std::move(params_.wv);  // the source heads
  shape_.n_kv_heads = n_kv_heads;
  params_.wk.resize(n_kv_heads * shape_.head_dim, shape_.d_model);
  params_.wv.resize(n_kv_heads * shape_.head_dim, shape_.d_model);
  convert_projection(cs, method, seed * 2, wk.data(), params_.wk.data());
  convert_projection(cs, method, seed * 2 + 1, wv.data(), params_.wv.data());
  m1_.resize(shape_);
  m2_.resize(shape_);
  adam_t_ = 0;
  ready_ = true;
  return Status::ok();
}

void RecallTrainer::adam_step(RecallParams<float>& grad) {
  auto gs = grad.list();
  double norm_sq = 0;
  for (auto& e : gs) norm_sq += e.second->template cast<double>().squaredNorm();
  const double norm = std::sqrt(norm_sq);
  const float shrink = opt_.clip > 0 && norm > opt_.clip ? float(opt_.clip / norm) : 1.0f;
  ++adam_t_;
  const double c1 = 1.0 - std::pow(kBeta1, double(adam_t_)), c2 = 1.0 - std::pow(kBeta2, double(adam_t_));
  const float lr_t = float(opt_.lr * std::sqrt(c2) / c1);  // bias corrections folded into the step
  const float eps_t = float(kAdamEps * std::sqrt(c2));
  auto ps = params_.list(), m1 = m1_.list(), m2 = m2_.list();
  for (int i = 0; i < RecallParams<float>::kCount; ++i) {
    float* p = ps[i].second->data();
    float* a = m1[i].second->data();
    float* b = m2[i].second->data();
    const float* g = gs[i].second->data();
    for (int64_t j = 0, n = ps[i].second->size(); j < n; ++j) {
      const float gj = g[j] * shrink;
      a[j] = float(kBeta1) * a[j] + float(1 - kBeta1) * gj;
      b[j] = float(kBeta2) * b[j] + float(1 - kBeta2) * gj * gj;
      p[j] -= lr_t * a[j] / (std::sqrt(b[j]) + eps_t);
    }
  }
}

Status RecallTrainer::train(int64_t steps, std::vector<float>* losses) {
  if (!ready_) return Status::error(StatusCode::kInvalidArgument, "the trainer has not been initialised");
  GQA_RETURN_IF_ERROR(check_range("steps", steps, 1, kMaxTrainSteps));
  RecallBatch batch;
  RecallParams<float> grad;
  for (int64_t i = 0; i < steps; ++i) {
    make_recall_batch(task_, opt_.batch, &data_, &batch);
    const RecallStats st = recall_forward_backward(shape_, params_, batch, &grad);
    if (!std::isfinite(st.loss)) {
      return Status::error(StatusCode::kOutOfRange,
                           "training diverged at step %lld: the loss became %s; try a smaller lr (%g)",
                           (long long)(steps_ + 1), js_nonfinite(st.loss), opt_.lr);
    }
    adam_step(grad);
    ++steps_;
    losses->push_back(float(st.loss));
  }
  return Status::ok();
}

RecallStats RecallTrainer::evaluate() const {
  RecallStats total;
  if (!ready_) return total;
  double loss_sum = 0;
  RecallBatch chunk;
  const int64_t S = held_out_.seq_len;
  for (int64_t s0 = 0; s0 < held_out_.n_seq; s0 += opt_.batch) {
    const int64_t n = std::min(opt_.batch, held_out_.n_seq - s0);
    chunk.n_seq = n;
    chunk.seq_len = S;
    chunk.first.assign(held_out_.first.begin() + s0 * S, held_out_.first.begin() + (s0 + n) * S);
    chunk.second.assign(held_out_.second.begin() + s0 * S, held_out_.second.begin() + (s0 + n) * S);
    chunk.target.assign(held_out_.target.begin() + s0 * S, held_out_.target.begin() + (s0 + n) * S);
    const RecallStats st = recall_forward_backward<float>(shape_, params_, chunk, nullptr);
    loss_sum += st.loss * double(st.asked);
    total.correct += st.correct;
    total.asked += st.asked;
    total.key_hits += st.key_hits;
    total.head_reads += st.head_reads;
  }
  total.loss = total.asked ? loss_sum / double(total.asked) : 0.0;
  return total;
}

Status RecallTrainer::trace_held_out(int64_t index, RecallBatch* seq, RecallTrace<float>* trace, RecallStats* stats) const {
  if (!ready_) return Status::error(StatusCode::kInvalidArgument, "the trainer has not been initialised");
  GQA_RETURN_IF_ERROR(check_range("sequence", index, 0, held_out_.n_seq - 1));
  const int64_t S = held_out_.seq_len;
  seq->n_seq = 1;
  seq->seq_len = S;
  seq->first.assign(held_out_.first.begin() + index * S, held_out_.first.begin() + (index + 1) * S);
  seq->second.assign(held_out_.second.begin() + index * S, held_out_.second.begin() + (index + 1) * S);
  seq->target.assign(held_out_.target.begin() + index * S, held_out_.target.begin() + (index + 1) * S);
  *stats = recall_forward_backward<float>(shape_, params_, *seq, nullptr, trace);
  return Status::ok();
}

Status init_sweep_cell(const RecallSweep& sweep, int64_t pairs, int64_t n_kv_heads, uint64_t seed, RecallTrainer* t) {
  GQA_RETURN_IF_ERROR(check_range("pairs", pairs, sweep.task.queries, sweep.task.key_vocab));
  RecallTask task = sweep.task;
  task.pairs = pairs;
  RecallModelShape shape = sweep.shape;
  shape.n_kv_heads = n_kv_heads;
  TrainOptions opt = sweep.train;
  opt.seed = seed;
  return t->init(task, shape, opt);
}

}  // namespace gqa
