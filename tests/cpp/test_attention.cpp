// Prefill attention against the float64 reference, GQA == repeated-KV MHA, and refused input.
#include <catch2/catch.hpp>
#include <vector>

#include "attention/attention.h"
#include "reference.h"

using namespace gqa;

namespace {

struct Case {
  int tq, tk, H, G, d;
  bool causal;
  int window;
  bool has_scale;
  float scale;
  float q_amp;
};

void check_case(const Case& c, uint32_t seed) {
  auto q = ref::random_vec(size_t(c.tq) * c.H * c.d, seed, c.q_amp);
  auto k = ref::random_vec(size_t(c.tk) * c.G * c.d, seed + 1);
  auto v = ref::random_vec(size_t(c.tk) * c.G * c.d, seed + 2);
  AttentionShape s{c.tq, c.tk, c.H, c.G, c.d};
  AttentionOptions o;
  o.causal = c.causal;
  o.window = c.window;
  o.has_scale = c.has_scale;
  o.scale = c.scale;
  std::vector<float> out(q.size()), scores(size_t(c.H) * c.tq * c.tk), weights(scores.size());
  Status st = attention_prefill(s, o, q.data(), k.data(), v.data(), out.data(), scores.data(), weights.data());
  INFO("tq=" << c.tq << " tk=" << c.tk << " H=" << c.H << " G=" << c.G << " d=" << c.d << " causal=" << c.causal
             << " window=" << c.window << " " << st.message());
  REQUIRE(st.is_ok());
  const double scale = c.has_scale ? c.scale : 1.0 / std::sqrt(double(c.d));
  auto r = ref::attention(c.tq, c.tk, c.H, c.G, c.d, q.data(), k.data(), v.data(), c.causal, c.window, scale);
  const double worst = ref::worst_ratio(out.data(), r.out, r.tol, c.d);
  INFO("worst |out - ref| / tolerance = " << worst);
  REQUIRE(worst <= 1.0);
  for (size_t e = 0; e < weights.size(); ++e) {
    if (std::isinf(r.scores[e])) {
      REQUIRE(std::isinf(scores[e]));
      REQUIRE(scores[e] < 0);
      REQUIRE(weights[e] == 0.0f);
    } else {
      REQUIRE(std::fabs(scores[e] - r.scores[e]) <= 1e-5 * (1.0 + std::fabs(r.scores[e])) * std::sqrt(double(c.d)));
      REQUIRE(std::fabs(weights[e] - r.weights[e]) <= 1e-5 * (1.0 + std::fabs(r.scores[e])));
    }
  }
}

}  // namespace

TEST_CASE("prefill matches float64 for every head_dim and head layout", "[attention]") {
  const int dims[] = {1, 3, 4, 5, 8, 13, 63, 64, 128};
  const int heads[][2] = {{8, 8}, {8, 2}, {8, 1}, {9, 3}, {32, 8}};
  uint32_t seed = 100;
  for (int d : dims) {
    for (auto hg : heads) {
      check_case({1, 7, hg[0], hg[1], d, false, 0, false, 0, 1}, seed++);   // tq = 1 (decode)
      check_case({6, 6, hg[0], hg[1], d, true, 0, false, 0, 1}, seed++);    // tq = tk causal
      check_case({3, 9, hg[0], hg[1], d, true, 0, false, 0, 1}, seed++);    // tq < tk causal
    }
  }
}

TEST_CASE("prefill: non-causal, sliding window, custom scale, large logits", "[attention]") {
  check_case({5, 5, 8, 2, 16, false, 0, false, 0, 1}, 1);
  check_case({9, 9, 8, 2, 16, true, 3, false, 0, 1}, 2);
  check_case({4, 12, 8, 4, 8, true, 5, false, 0, 1}, 3);
  check_case({4, 12, 8, 4, 8, false, 2, false, 0, 1}, 4);   // window without causal: lower bound only
  check_case({6, 6, 8, 8, 32, true, 0, true, 0.5f, 1}, 5);
  check_case({6, 6, 8, 1, 32, true, 0, true, -2.0f, 1}, 6);
  check_case({8, 8, 8, 2, 64, true, 0, false, 0, 100}, 7);  // q x 100: scores in the hundreds
  check_case({2, 40, 4, 2, 64, false, 0, false, 0, 300}, 8);
}

TEST_CASE("GQA equals MHA with each K/V head repeated for its group", "[attention]") {
  const int tq = 5, tk = 11, H = 12, d = 24;
  for (int G : {1, 2, 3, 4, 6, 12}) {
    auto q = ref::random_vec(size_t(tq) * H * d, 11);
    auto k = ref::random_vec(size_t(tk) * G * d, 12);
    auto v = ref::random_vec(size_t(tk) * G * d, 13);
    std::vector<float> krep(size_t(tk) * H * d), vrep(krep.size());
    for (int t = 0; t < tk; ++t)
      for (int h = 0; h < H; ++h)
        for (int c = 0; c < d; ++c) {
          krep[(size_t(t) * H + h) * d + c] = k[(size_t(t) * G + h / (H / G)) * d + c];
          vrep[(size_t(t) * H + h) * d + c] = v[(size_t(t) * G + h / (H / G)) * d + c];
        }
    AttentionOptions o;
    o.causal = true;
    std::vector<float> a(q.size()), b(q.size());
    REQUIRE(attention_prefill({tq, tk, H, G, d}, o, q.data(), k.data(), v.data(), a.data(), nullptr, nullptr).is_ok());
    REQUIRE(attention_prefill({tq, tk, H, H, d}, o, q.data(), krep.data(), vrep.data(), b.data(), nullptr, nullptr).is_ok());
    double worst = 0;
    for (size_t e = 0; e < a.size(); ++e) worst = std::max(worst, double(std::fabs(a[e] - b[e])));
    INFO("G=" << G << " max |GQA - repeated MHA| = " << worst);
    REQUIRE(worst == 0.0);  // the same arithmetic in the same order
  }
}

TEST_CASE("prefill refuses bad shapes and values with a message naming the field", "[attention][errors]") {
  std::vector<float> q(64, 0.1f), k(64, 0.1f), v(64, 0.1f), out(64);
  AttentionOptions o;
  auto msg = [&](AttentionShape s, AttentionOptions opt) {
    return attention_prefill(s, opt, q.data(), k.data(), v.data(), out.data(), nullptr, nullptr).message();
  };
  REQUIRE(msg({1, 1, 8, 3, 4}, o) == "nHeads (8) must be a multiple of nKvHeads (3)");
  REQUIRE(msg({1, 1, 0, 1, 4}, o).find("nHeads (0)") == 0);
  REQUIRE(msg({1, 1, 2, 2, 0}, o).find("headDim (0)") == 0);
  REQUIRE(msg({0, 1, 2, 2, 4}, o).find("tq (0)") == 0);
  AttentionOptions causal;
  causal.causal = true;
  REQUIRE(msg({4, 2, 2, 2, 4}, causal).find("tq (4) must not exceed tk (2) when causal") == 0);
  AttentionOptions bad_scale;
  bad_scale.has_scale = true;
  bad_scale.scale = INFINITY;
  REQUIRE(msg({1, 1, 2, 2, 4}, bad_scale).find("scale (Infinity)") == 0);
  // overflow: finite inputs whose scores exceed float32
  std::vector<float> big(8, 3e19f);
  Status st = attention_prefill({1, 1, 1, 1, 8}, o, big.data(), big.data(), v.data(), out.data(), nullptr, nullptr);
  REQUIRE(st.code() == StatusCode::kOverflow);
  // and a valid call right after works
  REQUIRE(attention_prefill({1, 1, 2, 2, 4}, o, q.data(), k.data(), v.data(), out.data(), nullptr, nullptr).is_ok());
  REQUIRE(out[0] == Approx(0.1f));
}
