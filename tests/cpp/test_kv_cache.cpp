// The KV cache and decode kernel: token-by-token decoding equals full causal attention,
// SIMD equals scalar, f16/int8 within their documented tolerances, byte accounting, errors.
#include <catch2/catch.hpp>
#include <cfloat>
#include <vector>

#include "attention/attention.h"
#include "attention/decode.h"
#include "attention/kv_cache.h"
#include "isas.h"
#include "reference.h"

using namespace gqa;

namespace {

KvCache make_cache(int G, int d, int cap, Dtype t) {
  KvCache c;
  KvCacheConfig cfg{G, d, cap, t};
  REQUIRE(c.init(cfg).is_ok());
  return c;
}

}  // namespace

TEST_CASE("decoding token by token through the cache equals full causal attention (f32)", "[kv_cache]") {
  const int dims[] = {1, 3, 4, 5, 8, 13, 63, 64, 128};
  const int heads[][2] = {{8, 8}, {8, 2}, {8, 1}, {9, 3}, {32, 8}};
  uint32_t seed = 500;
  for (Isa isa : isas()) {
    for (int d : dims) {
      for (auto hg : heads) {
        const int H = hg[0], G = hg[1], T = 37;  // 37: one full block of 32 plus a ragged tail
        auto q = ref::random_vec(size_t(T) * H * d, seed++);
        auto k = ref::random_vec(size_t(T) * G * d, seed++);
        auto v = ref::random_vec(size_t(T) * G * d, seed++);
        auto r = ref::attention(T, T, H, G, d, q.data(), k.data(), v.data(), true, 0, 1.0 / std::sqrt(double(d)));
        KvCache cache = make_cache(G, d, T, Dtype::kF32);
        std::vector<float> out(size_t(T) * H * d);
        for (int t = 0; t < T; ++t) {
          REQUIRE(cache.append(k.data() + size_t(t) * G * d, v.data() + size_t(t) * G * d, 1).is_ok());
          Status st = cache.attend(q.data() + size_t(t) * H * d, 1, H, false, 0, 0, isa, out.data() + size_t(t) * H * d);
          REQUIRE(st.is_ok());
        }
        const double worst = ref::worst_ratio(out.data(), r.out, r.tol, d);
        INFO(isa_name(isa) << " H=" << H << " G=" << G << " d=" << d << " worst/tol=" << worst);
        REQUIRE(worst <= 1.0);
      }
    }
  }
}

TEST_CASE("cache attend with several queries, a window and a custom scale matches the reference", "[kv_cache]") {
  const int H = 8, G = 2, d = 20, T = 75, tq = 6;
  auto q = ref::random_vec(size_t(tq) * H * d, 1, 3.0f);
  auto k = ref::random_vec(size_t(T) * G * d, 2);
  auto v = ref::random_vec(size_t(T) * G * d, 3);
  for (Isa isa : isas()) {
    for (int window : {0, 1, 7, 40, 200}) {
      KvCache cache = make_cache(G, d, 100, Dtype::kF32);
      REQUIRE(cache.append(k.data(), v.data(), T).is_ok());
      std::vector<float> out(q.size());
      REQUIRE(cache.attend(q.data(), tq, H, true, 0.3f, window, isa, out.data()).is_ok());
      auto r = ref::attention(tq, T, H, G, d, q.data(), k.data(), v.data(), true, window, 0.3f);
      INFO("window " << window);
      REQUIRE(ref::worst_ratio(out.data(), r.out, r.tol, d) <= 1.0);
    }
  }
}

TEST_CASE("large logits stay finite and accurate in the online softmax", "[kv_cache]") {
  const int H = 4, G = 1, d = 64, T = 300;
  auto q = ref::random_vec(size_t(H) * d, 9, 100.0f);
  auto k = ref::random_vec(size_t(T) * G * d, 10);
  auto v = ref::random_vec(size_t(T) * G * d, 11);
  auto r = ref::attention(1, T, H, G, d, q.data(), k.data(), v.data(), true, 0, 1.0 / 8);
  for (Isa isa : isas()) {
    KvCache cache = make_cache(G, d, T, Dtype::kF32);
    REQUIRE(cache.append(k.data(), v.data(), T).is_ok());
    std::vector<float> out(q.size());
    REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, isa, out.data()).is_ok());
    REQUIRE(ref::worst_ratio(out.data(), r.out, r.tol, d) <= 1.0);
  }
}

TEST_CASE("SIMD and scalar kernels agree", "[kv_cache][simd]") {
  if (!simd_available()) return;
  // groups of 1 (MHA: rows straight from the cache), 2, 3 and 4 heads (keys straight from the
  // cache, four heads at a time), 5 and 8 (f32: the same in two fours, the second part-empty;
  // f16: keys staged as panels, heads in pairs, one left over; int8: heads in pairs throughout)
  const int heads[][2] = {{16, 4}, {4, 4}, {6, 3}, {6, 2}, {10, 2}, {16, 2}};
  for (Dtype t : {Dtype::kF32, Dtype::kF16, Dtype::kInt8}) {
    for (int d : {1, 5, 64, 127}) for (auto hg : heads) {
      const int H = hg[0], G = hg[1], T = 70;
      auto q = ref::random_vec(size_t(H) * d, 21);
      auto k = ref::random_vec(size_t(T) * G * d, 22);
      auto v = ref::random_vec(size_t(T) * G * d, 23);
      KvCache cache = make_cache(G, d, T, t);
      REQUIRE(cache.append(k.data(), v.data(), T).is_ok());
      std::vector<float> a(q.size()), b(q.size());
      REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, Isa::kScalar, a.data()).is_ok());
      REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, Isa::kSimd, b.data()).is_ok());
      double worst = 0;
      for (size_t e = 0; e < a.size(); ++e) worst = std::max(worst, double(std::fabs(a[e] - b[e])));
      INFO(dtype_name(t) << " H=" << H << " G=" << G << " d=" << d << " max |simd - scalar| = " << worst);
      REQUIRE(worst <= 2e-6);
    }
  }
}

TEST_CASE("a decode score that overflows float32 is an error wherever it falls in a block", "[kv_cache]") {
  // row 45 falls in a full vector of its block's scores, row 69 among the last block's leftovers
  const int H = 8, d = 8, T = 70;
  const int G = GENERATE(8, 2);  // MHA (rows straight from the cache) and groups of 4 (four heads a row)
  const int row = GENERATE(45, 69);
  std::vector<float> q(size_t(H) * d, 1e20f), k(size_t(T) * G * d, 1e-3f), v(size_t(T) * G * d, 1.0f);
  for (int g = 0; g < G; ++g) for (int i = 0; i < d; ++i) k[(size_t(row) * G + g) * d + i] = 1e20f;
  for (Isa isa : isas()) {
    KvCache cache = make_cache(G, d, T, Dtype::kF32);
    REQUIRE(cache.append(k.data(), v.data(), T).is_ok());
    std::vector<float> out(q.size());
    const Status st = cache.attend(q.data(), 1, H, true, 1.0f, 0, isa, out.data());
    INFO(isa_name(isa) << " G=" << G << " row " << row);
    REQUIRE(st.code() == StatusCode::kOverflow);
  }
}

TEST_CASE("f16 and int8 caches: exact kernels on the stored values, documented quantisation error", "[kv_cache]") {
  const int H = 8, d = 64, T = 50;
  const int G = GENERATE(1, 2, 8);  // groups of 8 and 4 heads, and MHA (three kernel paths)
  auto q = ref::random_vec(size_t(H) * d, 31);
  auto k = ref::random_vec(size_t(T) * G * d, 32);
  auto v = ref::random_vec(size_t(T) * G * d, 33);
  const double scale = 1.0 / 8;
  auto exact = ref::attention(1, T, H, G, d, q.data(), k.data(), v.data(), true, 0, scale);
  for (Dtype t : {Dtype::kF16, Dtype::kInt8}) {
    KvCache cache = make_cache(G, d, T, t);
    REQUIRE(cache.append(k.data(), v.data(), T).is_ok());
    // the rows as stored, widened back: the kernel must be float32-exact on these
    std::vector<float> kq(k.size()), vq(v.size());
    double kerr = 0, verr = 0;
    for (int tok = 0; tok < T; ++tok) {
      for (int g = 0; g < G; ++g) {
        const size_t off = (size_t(tok) * G + g) * d;
        cache.read_row(g, tok, false, kq.data() + off);
        cache.read_row(g, tok, true, vq.data() + off);
        double amax_k = 0, amax_v = 0;
        for (int c = 0; c < d; ++c) { amax_k = std::max(amax_k, double(std::fabs(k[off + c]))); amax_v = std::max(amax_v, double(std::fabs(v[off + c]))); }
        for (int c = 0; c < d; ++c) {
          // per element: f16 relative error <= 2^-11; int8 absolute error <= max|row| / 254
          const double bk = t == Dtype::kF16 ? std::fabs(k[off + c]) * std::ldexp(1.0, -11) : amax_k / 254 * 1.0001;
          const double bv = t == Dtype::kF16 ? std::fabs(v[off + c]) * std::ldexp(1.0, -11) : amax_v / 254 * 1.0001;
          REQUIRE(std::fabs(kq[off + c] - k[off + c]) <= bk);
          REQUIRE(std::fabs(vq[off + c] - v[off + c]) <= bv);
          kerr = std::max(kerr, double(std::fabs(kq[off + c] - k[off + c])));
          verr = std::max(verr, double(std::fabs(vq[off + c] - v[off + c])));
        }
      }
    }
    auto stored = ref::attention(1, T, H, G, d, q.data(), kq.data(), vq.data(), true, 0, scale);
    if (t == Dtype::kInt8) {
      // int8 K scores use q rounded to int16 per head (decode.cpp quantise_q): |Δq_i| <= s_q / 2,
      // s_q = max|q_h| / 32767 (d <= 516), so each score moves by <= δ = scale · s_q / 2 · Σ_i|k̂_i|,
      // and the softmax weights by a factor within e^(±2δ): |Δout| <= max|v̂| · (e^(2δ) - 1).
      double ksum = 0, vmax = 0;
      for (size_t r = 0; r < kq.size() / d; ++r) {
        double a = 0;
        for (int c = 0; c < d; ++c) a += std::fabs(kq[r * d + c]);
        ksum = std::max(ksum, a);
      }
      for (float x : vq) vmax = std::max(vmax, double(std::fabs(x)));
      for (int h = 0; h < H; ++h) {
        double qmax = 0;
        for (int c = 0; c < d; ++c) qmax = std::max(qmax, double(std::fabs(q[size_t(h) * d + c])));
        stored.tol[h] += vmax * std::expm1(2 * scale * qmax / 32767 / 2 * ksum);
      }
    }
    for (Isa isa : isas()) {
      std::vector<float> out(q.size());
      REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, isa, out.data()).is_ok());
      REQUIRE(ref::worst_ratio(out.data(), stored.out, stored.tol, d) <= 1.0);
      // documented end-to-end tolerance against the unquantised f32 attention:
      // |Δout| <= max|v| * (2 * scale * Σ|q| * max|Δk| + max|Δv| / max|v|), plus float32 rounding
      double qsum_max = 0;
      for (int h = 0; h < H; ++h) {
        double s = 0;
        for (int c = 0; c < d; ++c) s += std::fabs(q[size_t(h) * d + c]);
        qsum_max = std::max(qsum_max, s);
      }
      const double bound = 1.0 * (2 * scale * qsum_max * kerr) + verr + 1e-5;
      double worst = 0;
      for (size_t e = 0; e < out.size(); ++e) worst = std::max(worst, std::fabs(out[e] - exact.out[e]));
      INFO(dtype_name(t) << " " << isa_name(isa) << " max |Δout| vs f32 = " << worst << " bound " << bound);
      REQUIRE(worst <= bound);
    }
  }
}

TEST_CASE("byte accounting is exact for every dtype", "[kv_cache]") {
  for (Dtype t : {Dtype::kF32, Dtype::kF16, Dtype::kInt8}) {
    KvCache c = make_cache(3, 10, 7, t);
    const uint64_t per = t == Dtype::kF32 ? 4 : t == Dtype::kF16 ? 2 : 1;
    const uint64_t want = 2ull * 3 * 7 * 10 * per + (t == Dtype::kInt8 ? 2ull * 3 * 7 * 4 : 0);
    REQUIRE(c.bytes() == want);
  }
  uint64_t bytes = 0;
  KvCacheConfig huge{1024, 4096, int64_t(1) << 24, Dtype::kF32};
  REQUIRE(kv_cache_storage_bytes(huge, &bytes));
  REQUIRE(bytes == 2ull * 1024 * 4096 * (1ull << 24) * 4);  // 2^62 exactly, no wrap
}

TEST_CASE("the cache refuses bad requests, changes nothing, and keeps working", "[kv_cache][errors]") {
  KvCache c;
  REQUIRE(c.init({2, 4, 3, Dtype::kF32}).is_ok());
  std::vector<float> k(2 * 4 * 4, 0.5f), v(2 * 4 * 4, 0.25f), q(8 * 4, 0.1f), out(8 * 4);
  REQUIRE(c.attend(q.data(), 1, 8, false, 0, 0, Isa::kScalar, out.data()).message().find("the KV cache is empty") == 0);
  REQUIRE(c.append(k.data(), v.data(), 4).message() ==
          "appending 4 tokens to a cache holding 0 would exceed its capacity (3)");
  REQUIRE(c.length() == 0);
  k[5] = NAN;
  REQUIRE(c.append(k.data(), v.data(), 1).message() == "k[5] (NaN) must be a finite number");
  REQUIRE(c.length() == 0);
  k[5] = 0.5f;
  REQUIRE(c.append(k.data(), v.data(), 2).is_ok());
  REQUIRE(c.attend(q.data(), 1, 7, false, 0, 0, Isa::kScalar, out.data()).message() ==
          "nHeads (7) must be a multiple of nKvHeads (2)");
  REQUIRE(c.attend(q.data(), 3, 8, false, 0, 0, Isa::kScalar, out.data()).message().find("tq (3) must be from 1 to the cache length (2)") == 0);
  REQUIRE(c.attend(q.data(), 1, 8, false, 0, 0, Isa::kScalar, out.data()).is_ok());
  REQUIRE(out[0] == Approx(0.25f));
  c.clear();
  REQUIRE(c.length() == 0);
  REQUIRE(c.append(k.data(), v.data(), 3).is_ok());

  KvCache f16;
  REQUIRE(f16.init({1, 4, 2, Dtype::kF16}).is_ok());
  std::vector<float> big(4, 70000.0f);
  REQUIRE(f16.append(big.data(), big.data(), 1).message().find("k[0] (70000) is outside the f16 range") == 0);

  KvCache over;
  Status st = over.init({64, 128, 1 << 20, Dtype::kF32});
  REQUIRE(st.code() == StatusCode::kOverBudget);
  REQUIRE(st.message().find("the KV cache needs 68719476736 bytes (64.00 GiB), over the memory budget") == 0);
}

TEST_CASE("int8 rows of subnormal values quantise without overflow (fuzz finding)", "[kv_cache][int8]") {
  KvCache c;
  REQUIRE(c.init({1, 4, 1, Dtype::kInt8}).is_ok());
  const float k[4] = {1e-40f, 0.0f, -1e-40f, 5e-41f};
  REQUIRE(c.append(k, k, 1).is_ok());
  float row[4];
  c.read_row(0, 0, false, row);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(std::isfinite(row[i]));
    // max|row| / 254, plus the rounding of a subnormal scale: up to 127 subnormal steps (1.4e-45)
    REQUIRE(std::fabs(double(row[i]) - double(k[i])) <= 1e-40 / 254 * 1.01 + 127 * 1.5e-45);
  }
  const float q[4] = {1, 1, 1, 1};
  float out[4];
  REQUIRE(c.attend(q, 1, 1, false, 0, 0, Isa::kScalar, out).is_ok());
  REQUIRE(std::isfinite(out[0]));
}

TEST_CASE("splitting the cache along T and merging the partial softmaxes equals one pass", "[kv_cache][split]") {
  const int H = 8, G = 2, d = 24, T = 97;
  auto q = ref::random_vec(size_t(H) * d, 71, 2.0f);
  auto k = ref::random_vec(size_t(T) * G * d, 72);
  auto v = ref::random_vec(size_t(T) * G * d, 73);
  auto want = ref::attention(1, T, H, G, d, q.data(), k.data(), v.data(), true, 0, 1.0 / std::sqrt(double(d)));
  for (int parts : {1, 2, 3, 7}) {
    std::vector<std::vector<float>> outs(parts, std::vector<float>(size_t(H) * d)), mx(parts, std::vector<float>(H)),
        sm(parts, std::vector<float>(H));
    for (int p = 0; p < parts; ++p) {
      const int t0 = T * p / parts, t1 = T * (p + 1) / parts;
      KvCache c = make_cache(G, d, t1 - t0, Dtype::kF32);
      REQUIRE(c.append(k.data() + size_t(t0) * G * d, v.data() + size_t(t0) * G * d, t1 - t0).is_ok());
      // the query sits after the whole sequence: every key of the slice is visible
      REQUIRE(c.attend(q.data(), 1, H, false, 0, 0, Isa::kSimd, outs[p].data(), mx[p].data(), sm[p].data()).is_ok());
    }
    std::vector<const float*> o, m, s;
    for (int p = 0; p < parts; ++p) { o.push_back(outs[p].data()); m.push_back(mx[p].data()); s.push_back(sm[p].data()); }
    std::vector<float> merged(size_t(H) * d);
    merge_partials(parts, H, d, o.data(), m.data(), s.data(), merged.data());
    INFO(parts << " parts");
    REQUIRE(ref::worst_ratio(merged.data(), want.out, want.tol, d) <= 1.0);
  }
}

TEST_CASE("values near FLT_MAX: the decode sum overflows and says so where prefill's normalised sum fits (fuzz finding)",
          "[kv_cache]") {
  // four equal scores over values of FLT_MAX: prefill averages them (FLT_MAX), while the kernel adds
  // four unnormalised terms before dividing by the softmax's sum, past float32's range
  const int T = 4;
  std::vector<float> k(T, 0.5f), v(T, FLT_MAX), q(1, 0.0f), out(1);
  AttentionShape s{1, T, 1, 1, 1};
  AttentionOptions o;
  o.causal = true;
  REQUIRE(attention_prefill(s, o, q.data(), k.data(), v.data(), out.data(), nullptr, nullptr).is_ok());
  REQUIRE(out[0] == FLT_MAX);
  for (Isa isa : isas()) {
    KvCache cache = make_cache(1, 1, T, Dtype::kF32);
    REQUIRE(cache.append(k.data(), v.data(), T).is_ok());
    const Status st = cache.attend(q.data(), 1, 1, false, 0, 0, isa, out.data());
    INFO(isa_name(isa) << ": " << st.message());
    REQUIRE(st.code() == StatusCode::kOverflow);
    REQUIRE(cache.attend(q.data(), 1, 1, false, 0, 1, isa, out.data()).is_ok());  // one value: no sum to overflow
    REQUIRE(out[0] == FLT_MAX);
  }
}
