// libFuzzer target: prefill attention on random shapes and values, checked against its
// invariants (finite outputs, rows of weights summing to 1, masked weights 0, every output
// inside the range of the visible values), and against the KV-cache decode path.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "attention/attention.h"
#include "fuzz_input.h"
#include "attention/kv_cache.h"
#include "attention/softmax.h"

using namespace gqa;

#define CHECK(cond) do { if (!(cond)) { std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); std::abort(); } } while (0)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  AttentionShape s;
  s.n_kv_heads = 1 + in.u8() % 6;
  s.n_heads = in.bit() ? s.n_kv_heads * (1 + in.u8() % 4) : 1 + in.u8() % 24;  // sometimes not a multiple
  s.head_dim = 1 + in.u8() % 33;
  s.tq = 1 + in.u8() % 9;
  s.tk = 1 + in.u8() % 40;
  AttentionOptions o;
  o.causal = in.bit();
  o.window = in.u8() % 6;
  o.has_scale = in.bit();
  o.scale = o.has_scale ? in.value() : 0.0f;
  const bool finite_only = in.bit();
  std::vector<float> q(s.tq * s.n_heads * s.head_dim), k(s.tk * s.n_kv_heads * s.head_dim), v(k.size());
  for (auto* buf : {&q, &k, &v}) for (float& x : *buf) x = in.value(!finite_only);
  std::vector<float> out(q.size()), scores(s.n_heads * s.tq * s.tk), weights(scores.size());

  Status st = validate_attention(s, o);
  if (st.is_ok()) st = check_finite(q.data(), q.size(), "q");
  if (st.is_ok()) st = check_finite(k.data(), k.size(), "k");
  if (st.is_ok()) st = check_finite(v.data(), v.size(), "v");
  if (st.is_ok()) st = attention_prefill(s, o, q.data(), k.data(), v.data(), out.data(), scores.data(), weights.data());
  if (!st.is_ok()) {
    CHECK(!st.message().empty());
    return 0;
  }
  const int64_t H = s.n_heads, G = s.n_kv_heads, d = s.head_dim;
  for (int64_t h = 0; h < H; ++h) {
    const int64_t g = h * G / H;
    for (int64_t i = 0; i < s.tq; ++i) {
      int64_t lo, hi;
      visible_keys(i, s.tq, s.tk, o.causal, o.window, &lo, &hi);
      CHECK(lo < hi);
      double sum = 0;
      for (int64_t j = 0; j < s.tk; ++j) {
        const float w = weights[(h * s.tq + i) * s.tk + j];
        CHECK(w >= 0.0f && w <= 1.0f);
        if (j < lo || j >= hi) CHECK(w == 0.0f && std::isinf(scores[(h * s.tq + i) * s.tk + j]));
        sum += w;
      }
      CHECK(std::fabs(sum - 1.0) < 1e-4);
      for (int64_t c = 0; c < d; ++c) {
        float vmin = INFINITY, vmax = -INFINITY;
        for (int64_t j = lo; j < hi; ++j) {
          vmin = std::min(vmin, v[(j * G + g) * d + c]);
          vmax = std::max(vmax, v[(j * G + g) * d + c]);
        }
        const float x = out[(i * H + h) * d + c];
        const float slack = 1e-4f * std::max(std::fabs(vmin), std::fabs(vmax)) + 1e-30f;
        CHECK(std::isfinite(x));
        CHECK(x >= vmin - slack && x <= vmax + slack);
      }
    }
  }
  // the decode path must agree when the mask is the cache's (causal) and the values are moderate
  float amax = 0;
  for (auto* buf : {&q, &k, &v}) for (float x : *buf) amax = std::max(amax, std::fabs(x));
  // (only where softmax is well conditioned: scores up to ~50, else summation order matters)
  const double max_score = double(amax) * amax * d * (o.has_scale ? std::fabs(o.scale) : 1.0 / std::sqrt(double(d)));
  if (o.causal && max_score <= 50.0) {
    KvCache cache;
    CHECK(cache.init({G, d, s.tk, Dtype::kF32}).is_ok());
    CHECK(cache.append(k.data(), v.data(), s.tk).is_ok());
    std::vector<float> dec(q.size());
    // the kernel sums weight · value before it divides by the softmax's sum (online softmax), so
    // values near FLT_MAX may overflow there (and it says so) where prefill's normalised sum fits
    float vmax = 0;
    for (float x : v) vmax = std::max(vmax, std::fabs(x));
    for (Isa isa : {Isa::kScalar, Isa::kSimd}) {
      const Status st = cache.attend(q.data(), s.tq, H, o.has_scale, o.scale, o.window, isa, dec.data());
      if (!st.is_ok()) {
        CHECK(st.code() == StatusCode::kOverflow && double(vmax) * double(s.tk) > double(FLT_MAX));
        continue;
      }
      for (size_t e = 0; e < dec.size(); ++e) CHECK(std::fabs(dec[e] - out[e]) <= 1e-3f * (1.0f + amax));
    }
  }
  return 0;
}
