// libFuzzer target: the quality lab on arbitrary shapes, options and weights. Checkpoint
// conversion either refuses the shape or converts (G = H by mean or first is the identity, bit
// for bit); the recall trainer either refuses its options or trains, evaluates and converts
// without crashing, with counts that add up and a finite loss.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "lab/conversion.h"
#include "fuzz_input.h"
#include "lab/trainer.h"

using namespace gqa;

#define CHECK(cond) do { if (!(cond)) { std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); std::abort(); } } while (0)

/// Small, sometimes zero or negative, sometimes huge.
static int64_t dim(FuzzInput& in, int64_t small) {
  switch (in.u8() % 8) {
    case 0: return -int64_t(in.u8());
    case 1: return int64_t(in.u64());
    default: return int64_t(in.u8() % small);
  }
}

static void fuzz_conversion(FuzzInput& in) {
  const ConvertShape s{dim(in, 12), dim(in, 9), dim(in, 6), dim(in, 9)};
  const ConvertMethod m = ConvertMethod(in.u8() % 3);
  if (!validate_convert(s).is_ok()) return;
  const uint64_t n_in = uint64_t(s.n_heads * s.head_dim * s.d_model), n_out = uint64_t(s.n_kv_heads * s.head_dim * s.d_model);
  if (n_in > (1u << 16)) return;
  std::vector<float> w(n_in), out(n_out);
  for (auto& x : w) x = in.value();
  convert_projection(s, m, in.u64(), w.data(), out.data());
  if (s.n_kv_heads == s.n_heads && m != ConvertMethod::kRandom) CHECK(std::memcmp(w.data(), out.data(), n_in * 4) == 0);
  if (m == ConvertMethod::kRandom) {
    const double bound = 1.0 / std::sqrt(double(s.d_model));
    for (float x : out) CHECK(std::fabs(x) <= bound);
  }
}

static void fuzz_trainer(FuzzInput& in) {
  const RecallTask task{dim(in, 12), dim(in, 10), dim(in, 8), dim(in, 8)};
  RecallModelShape m;
  m.d_model = dim(in, 10);
  m.n_heads = dim(in, 5);
  m.n_kv_heads = dim(in, 5);
  m.head_dim = dim(in, 5);
  m.d_ff = dim(in, 10);
  TrainOptions o;
  o.batch = dim(in, 5);
  o.lr = in.bit() ? double(in.value()) : 1e-2;
  o.clip = in.bit() ? double(in.value()) : 1.0;
  o.eval_sequences = dim(in, 9);
  o.seed = in.u64();
  RecallTrainer t;
  const Status st = t.init(task, m, o);
  CHECK(st.is_ok() == t.ready());
  if (!st.is_ok()) {
    CHECK(!st.message().empty());
    return;
  }
  std::vector<float> losses;
  const int64_t steps = in.u8() % 4;
  const Status trained = t.train(steps, &losses);
  if (steps == 0) CHECK(!trained.is_ok());  // at least one step
  if (trained.is_ok()) CHECK(int64_t(losses.size()) == steps);
  for (float l : losses) CHECK(std::isfinite(l) && l >= 0);
  const RecallStats e = t.evaluate();
  CHECK(e.asked == o.eval_sequences * task.queries);
  CHECK(e.correct >= 0 && e.correct <= e.asked);
  CHECK(std::isfinite(e.loss) || !trained.is_ok());
  RecallTrainer c;
  const Status cs = c.init_converted(t, dim(in, 5), ConvertMethod(in.u8() % 3), in.u64());
  CHECK(cs.is_ok() == c.ready());
  if (cs.is_ok()) {
    CHECK(c.steps_done() == t.steps_done());
    CHECK(c.evaluate().asked == e.asked);
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  if (in.bit()) fuzz_conversion(in); else fuzz_trainer(in);
  return 0;
}
