// Learned sink logits (gpt-oss): one extra logit per head with no value, in prefill and in the
// cache (SIMD and scalar), against the float64 reference; sinks far above and far below every
// score; weights that sum to less than 1; refusals.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "attention/attention.h"
#include "attention/decode.h"
#include "attention/kv_cache.h"
#include "isas.h"
#include "reference.h"

using namespace gqa;

namespace {

/// H sink logits: moderate ones, and (when H >= 4) one far above every score and one far below.
std::vector<float> sink_logits(int H, uint32_t seed) {
  std::vector<float> s = ref::random_vec(size_t(H), seed, 3.0f);
  if (H >= 4) {
    s[1] = 1000.0f;   // far above: the head attends to nothing, its output is 0
    s[2] = -1000.0f;  // far below: plain softmax
  }
  return s;
}

}  // namespace

TEST_CASE("prefill with sink logits matches the float64 reference; weights sum to less than 1", "[sinks]") {
  const int heads[][2] = {{8, 8}, {8, 2}, {8, 1}, {6, 3}};
  uint32_t seed = 900;
  for (int d : {1, 3, 5, 64}) for (auto hg : heads) for (bool causal : {false, true}) {
    const int H = hg[0], G = hg[1], tq = 9, tk = 37;
    auto q = ref::random_vec(size_t(tq) * H * d, seed++, 2.0f);
    auto k = ref::random_vec(size_t(tk) * G * d, seed++);
    auto v = ref::random_vec(size_t(tk) * G * d, seed++);
    auto sinks = sink_logits(H, seed++);
    AttentionShape s{tq, tk, H, G, d};
    AttentionOptions o;
    o.causal = causal;
    o.sink_logits = sinks.data();
    std::vector<float> out(q.size()), w(size_t(H) * tq * tk);
    REQUIRE(attention_prefill(s, o, q.data(), k.data(), v.data(), out.data(), nullptr, w.data()).is_ok());
    auto r = ref::attention(tq, tk, H, G, d, q.data(), k.data(), v.data(), causal, 0, 1.0 / std::sqrt(double(d)),
                            sinks.data());
    const double worst = ref::worst_ratio(out.data(), r.out, r.tol, d);
    INFO("H=" << H << " G=" << G << " d=" << d << " causal=" << causal << " worst/tol=" << worst);
    REQUIRE(worst <= 1.0);
    for (int h = 0; h < H; ++h) for (int i = 0; i < tq; ++i) {
      double sum = 0, want = 0;
      for (int j = 0; j < tk; ++j) {
        sum += w[(size_t(h) * tq + i) * tk + j];
        want += r.weights[(size_t(h) * tq + i) * tk + j];
        REQUIRE(std::fabs(w[(size_t(h) * tq + i) * tk + j] - r.weights[(size_t(h) * tq + i) * tk + j]) <= 1e-6);
      }
      INFO("head " << h << " query " << i << " sink " << sinks[h] << " Σw = " << sum << " (want " << want << ")");
      REQUIRE(std::fabs(sum - want) <= 1e-5);
      if (sinks[h] > 100) REQUIRE(sum == 0.0);  // attends to nothing
      else if (sinks[h] > -100) REQUIRE(sum < 1.0);
    }
  }
}

TEST_CASE("cache attend with sink logits matches the reference, SIMD and scalar, every dtype", "[sinks][kv_cache]") {
  const int heads[][2] = {{8, 8}, {8, 2}, {8, 1}, {16, 2}};
  uint32_t seed = 950;
  for (Isa isa : isas()) for (int d : {1, 5, 64}) for (auto hg : heads) for (int window : {0, 9}) {
    const int H = hg[0], G = hg[1], T = 70, tq = 3;
    auto q = ref::random_vec(size_t(tq) * H * d, seed++, 2.0f);
    auto k = ref::random_vec(size_t(T) * G * d, seed++);
    auto v = ref::random_vec(size_t(T) * G * d, seed++);
    auto sinks = sink_logits(H, seed++);
    auto r = ref::attention(tq, T, H, G, d, q.data(), k.data(), v.data(), true, window, 1.0 / std::sqrt(double(d)),
                            sinks.data());
    KvCache cache;
    REQUIRE(cache.init(KvCacheConfig{G, d, T, Dtype::kF32}).is_ok());
    REQUIRE(cache.append(k.data(), v.data(), T).is_ok());
    std::vector<float> out(q.size());
    REQUIRE(cache.attend(q.data(), tq, H, false, 0, window, isa, out.data(), nullptr, nullptr, sinks.data()).is_ok());
    const double worst = ref::worst_ratio(out.data(), r.out, r.tol, d);
    INFO(isa_name(isa) << " H=" << H << " G=" << G << " d=" << d << " window=" << window << " worst/tol=" << worst);
    REQUIRE(worst <= 1.0);
    for (int i = 0; i < tq; ++i) for (int c = 0; c < d; ++c) REQUIRE(out[(size_t(i) * H + 1) * d + c] == 0.0f);
  }
  // f16 and int8 with sinks: SIMD equals scalar (their tolerances against float64 are in test_kv_cache)
  if (simd_available()) {
    for (Dtype t : {Dtype::kF16, Dtype::kInt8}) {
      const int H = 8, G = 2, d = 20, T = 40;
      auto q = ref::random_vec(size_t(H) * d, 31), k = ref::random_vec(size_t(T) * G * d, 32);
      auto v = ref::random_vec(size_t(T) * G * d, 33);
      auto sinks = sink_logits(H, 34);
      KvCache cache;
      REQUIRE(cache.init(KvCacheConfig{G, d, T, t}).is_ok());
      REQUIRE(cache.append(k.data(), v.data(), T).is_ok());
      std::vector<float> a(q.size()), b(q.size());
      REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, Isa::kScalar, a.data(), nullptr, nullptr, sinks.data()).is_ok());
      REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, Isa::kSimd, b.data(), nullptr, nullptr, sinks.data()).is_ok());
      for (size_t e = 0; e < a.size(); ++e) REQUIRE(std::fabs(a[e] - b[e]) <= 2e-6);
    }
  }
}

TEST_CASE("sink logits that are not finite, or beside row statistics, are refused", "[sinks]") {
  const int H = 4, G = 2, d = 4, T = 5;
  auto q = ref::random_vec(size_t(H) * d, 1), k = ref::random_vec(size_t(T) * G * d, 2);
  std::vector<float> sinks{0.5f, 0.0f, NAN, 1.0f}, out(q.size()), mx(H), sm(H);
  AttentionShape s{1, T, H, G, d};
  AttentionOptions o;
  o.sink_logits = sinks.data();
  Status st = attention_prefill(s, o, q.data(), k.data(), k.data(), out.data(), nullptr, nullptr);
  REQUIRE(st.code() == StatusCode::kOutOfRange);
  REQUIRE(st.message() == "sinkLogits[2] (NaN) must be a finite number");
  KvCache cache;
  REQUIRE(cache.init(KvCacheConfig{G, d, T, Dtype::kF32}).is_ok());
  REQUIRE(cache.append(k.data(), k.data(), T).is_ok());
  REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, Isa::kScalar, out.data(), nullptr, nullptr, sinks.data()).message() ==
          "sinkLogits[2] (NaN) must be a finite number");
  sinks[2] = 0.0f;
  REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, Isa::kScalar, out.data(), mx.data(), sm.data(), sinks.data())
              .message()
              .find("sinkLogits cannot be applied to a partial result") == 0);
  // the cache stays usable, and a merge of partial results with the sinks applied after it equals attend
  REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, Isa::kScalar, out.data(), mx.data(), sm.data()).is_ok());
  apply_sink_logits(H, d, mx.data(), sm.data(), sinks.data(), out.data());
  std::vector<float> direct(q.size());
  REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, Isa::kScalar, direct.data(), nullptr, nullptr, sinks.data()).is_ok());
  for (size_t e = 0; e < out.size(); ++e) REQUIRE(out[e] == direct[e]);
}
