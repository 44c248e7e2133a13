// The quality lab: checkpoint conversion on hand examples, the conversion-error experiment, the
// recall task's data, the recall model's hand-written gradients against float64 finite
// differences, and the trainer (determinism, learning, uptraining, refused input).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "lab/conversion.h"
#include "lab/recall.h"
#include "lab/trainer.h"

using namespace gqa;

namespace {

/// A recall model of width D, H query heads and G K/V heads of d, MLP F; sized for `task` if given.
RecallModelShape model_shape(int64_t D, int64_t H, int64_t G, int64_t d, int64_t F, const RecallTask* task = nullptr) {
  RecallModelShape m;
  m.d_model = D;
  m.n_heads = H;
  m.n_kv_heads = G;
  m.head_dim = d;
  m.d_ff = F;
  if (task) {
    m.vocab = task->vocab();
    m.n_out = task->value_vocab;
  }
  return m;
}

}  // namespace

// ---- conversion ----------------------------------------------------------------------------------

TEST_CASE("conversion: mean-pool and first-head on a hand example", "[quality]") {
  // H = 4 heads of d = 2 rows over D = 3 inputs; row r of head h holds 100h + 10r + column.
  const ConvertShape s{3, 4, 2, 2};
  std::vector<double> in(4 * 2 * 3);
  for (int h = 0; h < 4; ++h)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) in[(h * 2 + r) * 3 + c] = 100.0 * h + 10.0 * r + c;
  std::vector<double> out(2 * 2 * 3);

  convert_projection(s, ConvertMethod::kMean, 0, in.data(), out.data());
  // group 0 = heads {0, 1}: mean 50 + 10r + c; group 1 = heads {2, 3}: 250 + 10r + c
  for (int g = 0; g < 2; ++g)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) CHECK(out[(g * 2 + r) * 3 + c] == 50.0 + 200.0 * g + 10.0 * r + c);

  convert_projection(s, ConvertMethod::kFirst, 0, in.data(), out.data());
  // group g keeps head 2g
  for (int g = 0; g < 2; ++g)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) CHECK(out[(g * 2 + r) * 3 + c] == 200.0 * g + 10.0 * r + c);

  // MQA: the mean of all four heads
  const ConvertShape mqa{3, 4, 2, 1};
  std::vector<double> one(2 * 3);
  convert_projection(mqa, ConvertMethod::kMean, 0, in.data(), one.data());
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) CHECK(one[r * 3 + c] == 150.0 + 10.0 * r + c);
}

TEST_CASE("conversion: G = H keeps the checkpoint; random ignores it, deterministically", "[quality]") {
  const ConvertShape s{5, 3, 4, 3};
  std::vector<float> in(3 * 4 * 5);
  for (size_t i = 0; i < in.size(); ++i) in[i] = float(std::sin(0.37 * double(i)) * 3.0);
  std::vector<float> out(in.size()), again(in.size());
  convert_projection(s, ConvertMethod::kMean, 0, in.data(), out.data());
  CHECK(out == in);
  convert_projection(s, ConvertMethod::kFirst, 0, in.data(), out.data());
  CHECK(out == in);
  // bit for bit, -0 included (a fuzz finding: the mean once started from +0)
  in[0] = -0.0f;
  convert_projection(s, ConvertMethod::kMean, 0, in.data(), out.data());
  CHECK(std::memcmp(out.data(), in.data(), in.size() * sizeof(float)) == 0);
  // pooling heads that are all -0 gives -0
  const ConvertShape pooled{5, 3, 4, 1};
  std::vector<float> zeros(in.size(), -0.0f), one(4 * 5);
  convert_projection(pooled, ConvertMethod::kMean, 0, zeros.data(), one.data());
  CHECK(std::signbit(one[0]));

  convert_projection(s, ConvertMethod::kRandom, 7, in.data(), out.data());
  convert_projection(s, ConvertMethod::kRandom, 7, in.data(), again.data());
  CHECK(out == again);
  const double bound = 1.0 / std::sqrt(5.0);
  for (float x : out) CHECK(std::fabs(x) <= bound);
  convert_projection(s, ConvertMethod::kRandom, 8, in.data(), again.data());
  CHECK(out != again);
}

TEST_CASE("conversion: method names and refused shapes", "[quality]") {
  ConvertMethod m;
  REQUIRE(parse_convert_method("mean", &m));
  CHECK(m == ConvertMethod::kMean);
  REQUIRE(parse_convert_method("random", &m));
  CHECK(std::string(convert_method_name(m)) == "random");
  CHECK_FALSE(parse_convert_method("median", &m));
  CHECK_FALSE(parse_convert_method("", &m));

  Status st = validate_convert({64, 8, 8, 3});
  REQUIRE_FALSE(st.is_ok());
  CHECK(std::string(st.message()).find("3") != std::string::npos);
  CHECK_FALSE(validate_convert({0, 8, 8, 8}).is_ok());
  CHECK_FALSE(validate_convert({64, 8, 0, 8}).is_ok());
  CHECK(validate_convert({64, 8, 8, 2}).is_ok());
}

TEST_CASE("conversion error: zero at G = H except random, and the paper's ordering", "[quality]") {
  ConversionExperiment e;  // D 64, H 8, d 8, 32 tokens, 16 sequences, similarity 0.5
  std::vector<ConversionPoint> points;
  REQUIRE(conversion_error(e, &points).is_ok());
  REQUIRE(points.size() == 4);  // G = 1, 2, 4, 8
  CHECK(points[0].n_kv_heads == 1);
  CHECK(points[3].n_kv_heads == 8);
  const ConversionPoint& mha = points[3];
  CHECK(mha.error[int(ConvertMethod::kMean)] == 0.0);
  CHECK(mha.error[int(ConvertMethod::kFirst)] == 0.0);
  CHECK(mha.error[int(ConvertMethod::kRandom)] > 0.1);
  for (const auto& p : points) {
    if (p.n_kv_heads == 8) continue;
    INFO("G = " << p.n_kv_heads << ": mean " << p.error[0] << ", first " << p.error[1] << ", random " << p.error[2]);
    CHECK(p.error[0] > 0.0);
    CHECK(p.error[0] < p.error[1]);  // Ainslie et al. 2023, table/figure on conversion methods
    CHECK(p.error[1] < p.error[2]);
  }
  // Fewer K/V heads lose more: mean-pool error grows as G shrinks.
  CHECK(points[0].error[0] > points[1].error[0]);
  CHECK(points[1].error[0] > points[2].error[0]);

  // Identical heads (similarity 1) pool without loss; deterministic for a seed.
  e.similarity = 1.0;
  std::vector<ConversionPoint> same, again;
  REQUIRE(conversion_error(e, &same).is_ok());
  REQUIRE(conversion_error(e, &again).is_ok());
  for (size_t i = 0; i < same.size(); ++i) {
    CHECK(same[i].error[0] < 1e-5);
    CHECK(same[i].error[1] < 1e-5);
    for (int m = 0; m < 3; ++m) CHECK(same[i].error[m] == again[i].error[m]);
  }

  e.similarity = 1.5;
  CHECK_FALSE(conversion_error(e, &points).is_ok());
  e.similarity = 0.5;
  e.n_heads = 0;
  CHECK_FALSE(conversion_error(e, &points).is_ok());
}

// ---- the recall task -----------------------------------------------------------------------------

TEST_CASE("recall task: distinct keys, queries among them, targets are their values", "[quality]") {
  const RecallTask t{20, 7, 6, 4};
  Rng rng(3);
  RecallBatch b;
  make_recall_batch(t, 50, &rng, &b);
  REQUIRE(b.seq_len == 10);
  const int32_t value_row = 20, marker = 27;
  for (int s = 0; s < 50; ++s) {
    std::set<int32_t> keys, asked;
    for (int i = 0; i < 6; ++i) {
      const int32_t k = b.first[s * 10 + i], v = b.second[s * 10 + i];
      CHECK(k >= 0);
      CHECK(k < 20);
      CHECK(v >= value_row);
      CHECK(v < marker);
      CHECK(b.target[s * 10 + i] == -1);
      keys.insert(k);
    }
    CHECK(keys.size() == 6);
    for (int i = 6; i < 10; ++i) {
      const int32_t k = b.first[s * 10 + i];
      CHECK(b.second[s * 10 + i] == marker);
      asked.insert(k);
      int found = -1;
      for (int j = 0; j < 6; ++j)
        if (b.first[s * 10 + j] == k) found = j;
      REQUIRE(found >= 0);
      CHECK(b.target[s * 10 + i] == b.second[s * 10 + found] - value_row);
    }
    CHECK(asked.size() == 4);
  }
  CHECK_FALSE(validate_recall_task({5, 4, 6, 2}).is_ok());  // more pairs than keys
  CHECK_FALSE(validate_recall_task({5, 4, 3, 4}).is_ok());  // more queries than pairs
  CHECK_FALSE(validate_recall_task({5, 1, 3, 2}).is_ok());  // one value class
  CHECK(validate_recall_task({5, 4, 5, 5}).is_ok());
}

// ---- gradients -----------------------------------------------------------------------------------

namespace {

/// Central differences in float64 for every entry of every parameter, against the backward pass.
void check_gradients(int64_t n_kv_heads) {
  const RecallTask task{5, 4, 3, 2};
  const RecallModelShape m = model_shape(6, 4, n_kv_heads, 3, 5, &task);
  REQUIRE(validate_recall_model(m).is_ok());
  RecallParams<double> p, grad;
  p.init(m, 11);
  // Gains and biases start at 1 and 0; move them so their gradients are exercised in general.
  Rng jitter(12);
  for (auto& e : p.list())
    if (e.first[0] == 'g' || e.first[0] == 'b')
      for (int64_t i = 0; i < e.second->size(); ++i) e.second->data()[i] += 0.3 * jitter.normal();
  Rng data(13);
  RecallBatch b;
  make_recall_batch(task, 2, &data, &b);

  const RecallStats base = recall_forward_backward<double>(m, p, b, &grad);
  REQUIRE(std::isfinite(base.loss));
  CHECK(base.asked == 4);
  auto params = p.list();
  auto grads = grad.list();
  const double h = 1e-6;
  int checked = 0;
  for (int i = 0; i < RecallParams<double>::kCount; ++i) {
    Matrix<double>& w = *params[i].second;
    const Matrix<double>& g = *grads[i].second;
    REQUIRE(g.rows() == w.rows());
    REQUIRE(g.cols() == w.cols());
    for (int64_t j = 0; j < w.size(); ++j) {
      const double keep = w.data()[j];
      w.data()[j] = keep + h;
      const double up = recall_forward_backward<double>(m, p, b, nullptr).loss;
      w.data()[j] = keep - h;
      const double down = recall_forward_backward<double>(m, p, b, nullptr).loss;
      w.data()[j] = keep;
      const double numeric = (up - down) / (2 * h);
      const double analytic = g.data()[j];
      INFO("G = " << n_kv_heads << ", " << params[i].first << "[" << j << "]: analytic " << analytic << ", numeric "
                  << numeric);
      CHECK(std::fabs(analytic - numeric) <= 1e-6 + 1e-5 * std::fabs(numeric));
      ++checked;
    }
  }
  CHECK(checked == p.count());
}

}  // namespace

TEST_CASE("recall model: every gradient entry matches float64 finite differences", "[quality]") {
  SECTION("MHA, G = H = 4") { check_gradients(4); }
  SECTION("GQA, G = 2") { check_gradients(2); }
  SECTION("MQA, G = 1") { check_gradients(1); }
}

TEST_CASE("recall model: the loss and accuracy of a known output", "[quality]") {
  // With Wout zero the logits are bout, whatever the input.
  const RecallTask task{8, 5, 4, 3};
  const RecallModelShape m = model_shape(8, 2, 1, 4, 8, &task);
  RecallParams<double> p;
  p.init(m, 1);
  p.wout.setZero();
  p.bout.setZero();
  p.bout(0, 2) = 1.0;  // class 2 now wins everywhere
  Rng data(2);
  RecallBatch b;
  make_recall_batch(task, 10, &data, &b);
  const RecallStats s = recall_forward_backward<double>(m, p, b, nullptr);
  CHECK(s.asked == 30);
  int64_t twos = 0;
  for (int32_t t : b.target) twos += t == 2;
  CHECK(s.correct == twos);
  // log-softmax: class 2 gets 1 - log(4 + e), the other four -log(4 + e)
  const double expected = std::log(4.0 + std::exp(1.0)) - double(twos) / 30.0;
  CHECK(s.loss == Approx(expected).epsilon(1e-12));
}

// ---- training ------------------------------------------------------------------------------------

namespace {

RecallModelShape small_model(int64_t g) { return model_shape(32, 8, g, 4, 64); }

TrainOptions small_options() {
  TrainOptions o;
  o.batch = 16;
  o.lr = 3e-3;
  o.eval_sequences = 64;
  o.seed = 5;
  return o;
}

double mean(const std::vector<float>& v, size_t from, size_t to) {
  double s = 0;
  for (size_t i = from; i < to; ++i) s += v[i];
  return s / double(to - from);
}

}  // namespace

TEST_CASE("trainer: the same seed gives the same run, bit for bit", "[quality]") {
  const RecallTask task{16, 16, 6, 3};
  RecallTrainer a, b, c;
  REQUIRE(a.init(task, small_model(2), small_options()).is_ok());
  REQUIRE(b.init(task, small_model(2), small_options()).is_ok());
  TrainOptions other = small_options();
  other.seed = 6;
  REQUIRE(c.init(task, small_model(2), other).is_ok());
  std::vector<float> la, lb, lc;
  REQUIRE(a.train(8, &la).is_ok());
  REQUIRE(b.train(5, &lb).is_ok());
  REQUIRE(b.train(3, &lb).is_ok());  // in two calls: the same as one
  REQUIRE(c.train(8, &lc).is_ok());
  REQUIRE(la.size() == 8);
  CHECK(la == lb);
  CHECK(la != lc);
  CHECK(a.params().wk == b.params().wk);
  CHECK(a.params().emb == b.params().emb);
  CHECK(a.evaluate().loss == b.evaluate().loss);
  CHECK(a.steps_done() == 8);
}

TEST_CASE("trainer: models that differ only in G start from the same weights elsewhere", "[quality]") {
  const RecallTask task{16, 16, 6, 3};
  RecallTrainer mha, mqa;
  REQUIRE(mha.init(task, small_model(8), small_options()).is_ok());
  REQUIRE(mqa.init(task, small_model(1), small_options()).is_ok());
  CHECK(mha.params().wq == mqa.params().wq);
  CHECK(mha.params().wo == mqa.params().wo);
  CHECK(mha.params().emb == mqa.params().emb);
  CHECK(mha.params().wk.rows() == 32);
  CHECK(mqa.params().wk.rows() == 4);
  CHECK(mha.parameter_count() - mqa.parameter_count() == 2 * (32 - 4) * 32);
}

TEST_CASE("trainer: on a short run the loss goes down for every G", "[quality]") {
  const RecallTask task{16, 16, 6, 3};
  for (int64_t g : {8, 4, 2, 1}) {
    RecallTrainer t;
    REQUIRE(t.init(task, small_model(g), small_options()).is_ok());
    const double before = t.evaluate().loss;
    std::vector<float> losses;
    REQUIRE(t.train(60, &losses).is_ok());
    const double after = t.evaluate().loss;
    INFO("G = " << g << ": held-out loss " << before << " -> " << after << ", training loss " << mean(losses, 0, 10)
                << " -> " << mean(losses, 50, 60));
    CHECK(std::fabs(before - std::log(16.0)) < 0.5);  // near chance at the start
    CHECK(after < before - 0.1);
    CHECK(mean(losses, 50, 60) < mean(losses, 0, 10) - 0.1);
  }
}

TEST_CASE("trainer: uptraining converts the K/V heads and trains on", "[quality]") {
  const RecallTask task{16, 16, 6, 3};
  RecallTrainer mha;
  REQUIRE(mha.init(task, small_model(8), small_options()).is_ok());
  std::vector<float> losses;
  REQUIRE(mha.train(20, &losses).is_ok());

  // G = H by mean-pool is the same model.
  RecallTrainer same;
  REQUIRE(same.init_converted(mha, 8, ConvertMethod::kMean, 1).is_ok());
  CHECK(same.evaluate().loss == mha.evaluate().loss);

  RecallTrainer gqa;
  REQUIRE(gqa.init_converted(mha, 2, ConvertMethod::kMean, 1).is_ok());
  CHECK(gqa.shape().n_kv_heads == 2);
  CHECK(gqa.steps_done() == 20);
  CHECK(gqa.params().wq == mha.params().wq);
  // K/V head 1 takes query heads 4..7: row r of it is the mean of rows r of those heads.
  const int64_t d = 4;
  for (int64_t r = 0; r < d; ++r)
    for (int64_t c = 0; c < 32; ++c) {
      double s = 0;
      for (int64_t h = 4; h < 8; ++h) s += mha.params().wv(h * d + r, c);
      CHECK(gqa.params().wv(d + r, c) == Approx(s / 4).margin(1e-6));
    }
  REQUIRE(gqa.train(5, &losses).is_ok());
  CHECK(gqa.steps_done() == 25);

  // Pooling again: 8 → 2 → 1 is the mean of all 8 heads, as 8 → 1 is.
  RecallTrainer mqa, twice;
  REQUIRE(mqa.init_converted(mha, 1, ConvertMethod::kMean, 1).is_ok());
  RecallTrainer gqa2;
  REQUIRE(gqa2.init_converted(mha, 2, ConvertMethod::kMean, 1).is_ok());
  REQUIRE(twice.init_converted(gqa2, 1, ConvertMethod::kMean, 1).is_ok());
  CHECK(twice.params().wk.isApprox(mqa.params().wk, 1e-6f));
  Status up = twice.init_converted(gqa2, 4, ConvertMethod::kMean, 1);  // 2 heads cannot become 4
  REQUIRE_FALSE(up.is_ok());
  CHECK(std::string(up.message()) == "nKvHeads (4) must divide the model's current K/V heads (2)");

  RecallTrainer bad;
  CHECK_FALSE(bad.init_converted(mha, 3, ConvertMethod::kMean, 1).is_ok());
  RecallTrainer empty;
  CHECK_FALSE(bad.init_converted(empty, 2, ConvertMethod::kMean, 1).is_ok());
}

TEST_CASE("trainer: refused options name the field", "[quality]") {
  const RecallTask task{16, 16, 6, 3};
  RecallTrainer t;
  TrainOptions o = small_options();
  o.lr = std::nan("");
  Status st = t.init(task, small_model(2), o);
  REQUIRE_FALSE(st.is_ok());
  CHECK(std::string(st.message()).find("lr") != std::string::npos);
  CHECK_FALSE(t.ready());
  o = small_options();
  o.batch = 0;
  CHECK_FALSE(t.init(task, small_model(2), o).is_ok());
  CHECK_FALSE(t.init(task, small_model(3), small_options()).is_ok());  // 8 % 3
  CHECK_FALSE(t.init({4, 16, 6, 3}, small_model(2), small_options()).is_ok());
  std::vector<float> losses;
  CHECK_FALSE(t.train(1, &losses).is_ok());  // not initialised
}

// ---- the load sweep and what the heads attend to ---------------------------------------------------

TEST_CASE("trace: a held-out sequence's attention, answers and key hits, recomputed from the weights", "[quality]") {
  const RecallTask task{16, 16, 6, 3};
  RecallTrainer t;
  REQUIRE(t.init(task, small_model(2), small_options()).is_ok());
  std::vector<float> losses;
  REQUIRE(t.train(20, &losses).is_ok());
  RecallBatch seq;
  RecallTrace<float> trace;
  RecallStats st;
  REQUIRE(t.trace_held_out(3, &seq, &trace, &st).is_ok());
  const int64_t S = task.seq_len(), H = 8;
  REQUIRE(seq.n_seq == 1);
  REQUIRE(int64_t(seq.first.size()) == S);
  REQUIRE(int64_t(trace.weights.size()) == H);
  REQUIRE(int64_t(trace.predicted.size()) == task.queries);
  CHECK(st.asked == task.queries);
  CHECK(st.head_reads == task.queries * H);
  int64_t hits = 0, correct = 0;
  for (int64_t a = 0; a < task.queries; ++a) {
    const int64_t i = task.pairs + a;  // the query positions follow the pairs
    const int64_t answer = recall_answer_position(seq, i);
    REQUIRE(answer >= 0);
    CHECK(answer < task.pairs);
    CHECK(seq.first[size_t(answer)] == seq.first[size_t(i)]);
    CHECK(seq.second[size_t(answer)] - task.key_vocab == seq.target[size_t(i)]);
    correct += trace.predicted[size_t(a)] == seq.target[size_t(i)];
    for (int64_t h = 0; h < H; ++h) {
      const Matrix<float>& w = trace.weights[size_t(h)];
      REQUIRE(w.rows() == task.queries);
      REQUIRE(w.cols() == S);
      CHECK(std::fabs(w.row(a).sum() - 1.0f) < 1e-5f);               // a distribution over keys 0..i
      if (i + 1 < S) CHECK(w.row(a).tail(S - i - 1).cwiseAbs().maxCoeff() == 0.0f);  // nothing after the query
      int64_t top = 0;
      for (int64_t j = 1; j <= i; ++j) if (w(a, j) > w(a, top)) top = j;
      hits += top == answer;
    }
  }
  CHECK(st.key_hits == hits);
  CHECK(st.correct == correct);
  // the held-out set's statistics are the sum over its sequences
  RecallStats sum;
  for (int64_t s = 0; s < small_options().eval_sequences; ++s) {
    REQUIRE(t.trace_held_out(s, &seq, &trace, &st).is_ok());
    sum.key_hits += st.key_hits;
    sum.correct += st.correct;
  }
  const RecallStats all = t.evaluate();
  CHECK(all.key_hits == sum.key_hits);
  CHECK(all.correct == sum.correct);
  CHECK(!t.trace_held_out(small_options().eval_sequences, &seq, &trace, &st).is_ok());
  CHECK(t.trace_held_out(-1, &seq, &trace, &st).message() == "sequence (-1) must be an integer from 0 to " +
                                                                  std::to_string(small_options().eval_sequences - 1));
}

TEST_CASE("sweep: a cell is deterministic for a seed, and its load is checked", "[quality]") {
  const RecallSweep sweep;
  REQUIRE(sweep.loads.front() == sweep.task.queries);
  REQUIRE(sweep.loads.back() == sweep.task.key_vocab);
  auto run = [&](int64_t pairs, int64_t g, uint64_t seed) {
    RecallTrainer t;
    REQUIRE(init_sweep_cell(sweep, pairs, g, seed, &t).is_ok());
    CHECK(t.task().pairs == pairs);
    CHECK(t.shape().n_kv_heads == g);
    CHECK(t.shape().head_dim == sweep.shape.head_dim);
    std::vector<float> losses;
    REQUIRE(t.train(4, &losses).is_ok());
    return std::make_pair(losses, t.evaluate().loss);
  };
  CHECK(run(16, 2, 7) == run(16, 2, 7));
  CHECK(run(16, 2, 7) != run(16, 2, 8));
  RecallTrainer t;
  CHECK(init_sweep_cell(sweep, 15, 8, 1, &t).message() == "pairs (15) must be an integer from 16 to 64");
  CHECK(init_sweep_cell(sweep, 65, 8, 1, &t).message() == "pairs (65) must be an integer from 16 to 64");
  CHECK(!init_sweep_cell(sweep, 32, 3, 1, &t).is_ok());
}

TEST_CASE("sweep: at the hardest default load one K/V head recalls far less than eight", "[quality][slow]") {
  // Measured with seed 1 after the default 200 steps at 64 pairs: G = 8 recalls 98.3–98.5 % of the
  // held-out queries and G = 1 71.1–72.8 % (native and the WASM builds round differently), a gap of
  // 25.5–27.4 points (docs/quality-lab.md); the assertion leaves room for that rounding.
  const RecallSweep sweep;
  const int64_t hardest = sweep.loads.back();
  double accuracy[2];
  for (int i = 0; i < 2; ++i) {
    RecallTrainer t;
    REQUIRE(init_sweep_cell(sweep, hardest, i == 0 ? sweep.shape.n_heads : 1, sweep.train.seed, &t).is_ok());
    std::vector<float> losses;
    REQUIRE(t.train(sweep.steps, &losses).is_ok());
    const RecallStats st = t.evaluate();
    accuracy[i] = double(st.correct) / double(st.asked);
  }
  INFO("G = H: " << accuracy[0] << ", G = 1: " << accuracy[1]);
  CHECK(accuracy[0] > 0.95);
  CHECK(accuracy[0] - accuracy[1] > 0.15);
}
