// Properties of attention that hold for any input, checked on random cases: weights are a
// distribution, permuting the keys permutes the weights and leaves the output unchanged, the
// output lies in the convex hull of the visible values, and scaling V scales the output.
#include <catch2/catch.hpp>
#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "attention/attention.h"
#include "attention/kv_cache.h"
#include "reference.h"
#include "attention/softmax.h"

using namespace gqa;

namespace {
struct Case { int tq, tk, H, G, d; };
const Case kCases[] = {{1, 9, 8, 2, 16}, {4, 4, 6, 3, 5}, {3, 17, 12, 1, 33}, {2, 40, 8, 8, 64}};
}  // namespace

TEST_CASE("weights are a distribution and the output is in the convex hull of V", "[properties]") {
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    for (bool causal : {false, true}) {
      auto q = ref::random_vec(size_t(c.tq) * c.H * c.d, seed++, 3.0f);
      auto k = ref::random_vec(size_t(c.tk) * c.G * c.d, seed++);
      auto v = ref::random_vec(size_t(c.tk) * c.G * c.d, seed++, 5.0f);
      AttentionOptions o;
      o.causal = causal;
      std::vector<float> out(q.size()), w(size_t(c.H) * c.tq * c.tk);
      REQUIRE(attention_prefill({c.tq, c.tk, c.H, c.G, c.d}, o, q.data(), k.data(), v.data(), out.data(), nullptr, w.data()).is_ok());
      for (int h = 0; h < c.H; ++h) {
        const int g = h * c.G / c.H;
        for (int i = 0; i < c.tq; ++i) {
          double sum = 0;
          for (int j = 0; j < c.tk; ++j) {
            const float x = w[(size_t(h) * c.tq + i) * c.tk + j];
            REQUIRE((x >= 0.0f && x <= 1.0f));
            sum += x;
          }
          REQUIRE(sum == Approx(1.0).margin(1e-5));
          int64_t lo, hi;
          visible_keys(i, c.tq, c.tk, causal, 0, &lo, &hi);
          for (int e = 0; e < c.d; ++e) {
            float mn = INFINITY, mx = -INFINITY;
            for (int64_t j = lo; j < hi; ++j) { mn = std::min(mn, v[(j * c.G + g) * c.d + e]); mx = std::max(mx, v[(j * c.G + g) * c.d + e]); }
            const float y = out[(size_t(i) * c.H + h) * c.d + e];
            REQUIRE((y >= mn - 1e-5f && y <= mx + 1e-5f));
          }
        }
      }
    }
  }
}

TEST_CASE("permuting the cached tokens permutes the weights and leaves the output unchanged", "[properties]") {
  std::mt19937 rng(42);
  uint32_t seed = 100;
  for (const Case& c : kCases) {
    auto q = ref::random_vec(size_t(c.tq) * c.H * c.d, seed++);
    auto k = ref::random_vec(size_t(c.tk) * c.G * c.d, seed++);
    auto v = ref::random_vec(size_t(c.tk) * c.G * c.d, seed++);
    std::vector<int> perm(c.tk);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<float> kp(k.size()), vp(v.size());
    for (int j = 0; j < c.tk; ++j) {
      std::copy_n(k.begin() + size_t(perm[j]) * c.G * c.d, c.G * c.d, kp.begin() + size_t(j) * c.G * c.d);
      std::copy_n(v.begin() + size_t(perm[j]) * c.G * c.d, c.G * c.d, vp.begin() + size_t(j) * c.G * c.d);
    }
    AttentionOptions o;  // no mask: attention over a set
    std::vector<float> a(q.size()), b(q.size()), wa(size_t(c.H) * c.tq * c.tk), wb(wa.size());
    REQUIRE(attention_prefill({c.tq, c.tk, c.H, c.G, c.d}, o, q.data(), k.data(), v.data(), a.data(), nullptr, wa.data()).is_ok());
    REQUIRE(attention_prefill({c.tq, c.tk, c.H, c.G, c.d}, o, q.data(), kp.data(), vp.data(), b.data(), nullptr, wb.data()).is_ok());
    for (size_t e = 0; e < a.size(); ++e) REQUIRE(b[e] == Approx(a[e]).margin(1e-5));
    for (int r = 0; r < c.H * c.tq; ++r)
      for (int j = 0; j < c.tk; ++j) REQUIRE(wb[size_t(r) * c.tk + j] == Approx(wa[size_t(r) * c.tk + perm[j]]).margin(1e-6));
  }
}

TEST_CASE("scaling V by a power of two scales the output exactly, in prefill and in the cache", "[properties]") {
  uint32_t seed = 200;
  for (const Case& c : kCases) {
    auto q = ref::random_vec(size_t(c.tk) * c.H * c.d, seed++);
    auto k = ref::random_vec(size_t(c.tk) * c.G * c.d, seed++);
    auto v = ref::random_vec(size_t(c.tk) * c.G * c.d, seed++);
    auto v4 = v;
    for (float& x : v4) x *= 4.0f;
    AttentionOptions o;
    o.causal = true;
    std::vector<float> a(q.size()), b(q.size());
    REQUIRE(attention_prefill({c.tk, c.tk, c.H, c.G, c.d}, o, q.data(), k.data(), v.data(), a.data(), nullptr, nullptr).is_ok());
    REQUIRE(attention_prefill({c.tk, c.tk, c.H, c.G, c.d}, o, q.data(), k.data(), v4.data(), b.data(), nullptr, nullptr).is_ok());
    for (size_t e = 0; e < a.size(); ++e) REQUIRE(b[e] == 4.0f * a[e]);
    for (Isa isa : {Isa::kScalar, Isa::kSimd}) {
      KvCache c1, c2;
      REQUIRE(c1.init({c.G, c.d, c.tk, Dtype::kF32}).is_ok());
      REQUIRE(c2.init({c.G, c.d, c.tk, Dtype::kF32}).is_ok());
      REQUIRE(c1.append(k.data(), v.data(), c.tk).is_ok());
      REQUIRE(c2.append(k.data(), v4.data(), c.tk).is_ok());
      REQUIRE(c1.attend(q.data(), c.tk, c.H, false, 0, 0, isa, a.data()).is_ok());
      REQUIRE(c2.attend(q.data(), c.tk, c.H, false, 0, 0, isa, b.data()).is_ok());
      for (size_t e = 0; e < a.size(); ++e) REQUIRE(b[e] == 4.0f * a[e]);
    }
  }
}
