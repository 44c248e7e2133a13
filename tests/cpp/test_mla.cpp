// Multi-head latent attention: both paths against the float64 explicit formula, explicit = absorbed,
// the MLA cache against mla_attention, f16 storage within its bound, refusals naming the field.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "attention/mla.h"
#include "sizing/cost_model.h"
#include "isas.h"
#include "reference.h"

using namespace gqa;

namespace {

/// One problem's inputs: q_nope, q_rope (tq, H, ·), latent (tk, r), k_rope (tk, dr), w_uk (H, dn, r)
/// and w_uv (H, dv, r) scaled by 1/sqrt(r) so rebuilt keys and values stay of unit size.
struct Problem {
  MlaShape s;
  std::vector<float> qn, qr, c, kr, wuk, wuv;
  Problem(MlaShape shape, uint32_t seed, float amp = 1.0f) : s(shape) {
    const size_t rows = size_t(s.tq) * s.n_heads;
    const float w = 1.0f / std::sqrt(float(s.kv_lora_rank));
    qn = ref::random_vec(rows * s.qk_nope_head_dim, seed, amp);
    qr = ref::random_vec(rows * s.qk_rope_head_dim, seed + 1, amp);
    c = ref::random_vec(size_t(s.tk) * s.kv_lora_rank, seed + 2);
    kr = ref::random_vec(size_t(s.tk) * s.qk_rope_head_dim, seed + 3);
    wuk = ref::random_vec(size_t(s.n_heads) * s.qk_nope_head_dim * s.kv_lora_rank, seed + 4, w);
    wuv = ref::random_vec(size_t(s.n_heads) * s.v_head_dim * s.kv_lora_rank, seed + 5, w);
  }
  double scale() const { return 1.0 / std::sqrt(double(s.qk_nope_head_dim + s.qk_rope_head_dim)); }
  ref::MlaResult reference(bool causal) const {
    return ref::mla(int(s.tq), int(s.tk), int(s.n_heads), int(s.kv_lora_rank), int(s.qk_rope_head_dim),
                    int(s.qk_nope_head_dim), int(s.v_head_dim), qn.data(), qr.data(), c.data(), kr.data(),
                    wuk.data(), wuv.data(), causal, scale());
  }
  Status run(bool causal, bool absorb, Isa isa, std::vector<float>* out) const {
    out->assign(size_t(s.tq) * s.n_heads * s.v_head_dim, 0.0f);
    MlaOptions o;
    o.causal = causal;
    o.absorb = absorb;
    return mla_attention(s, o, isa, qn.data(), qr.data(), c.data(), kr.data(), wuk.data(), wuv.data(), out->data());
  }
};

MlaShape shape(int tq, int tk, int H, int r, int dr, int dn, int dv) {
  MlaShape s;
  s.tq = tq; s.tk = tk; s.n_heads = H; s.kv_lora_rank = r; s.qk_rope_head_dim = dr; s.qk_nope_head_dim = dn;
  s.v_head_dim = dv;
  return s;
}

}  // namespace

TEST_CASE("MLA, explicit and absorbed, match the float64 explicit formula", "[mla]") {
  // widths that are not multiples of 4 (the SIMD leftovers), one block and more of keys, 1-16 heads
  const int widths[][4] = {{7, 3, 5, 6}, {13, 5, 8, 3}, {32, 4, 16, 16}, {1, 1, 1, 1}};
  uint32_t seed = 1;
  for (auto w : widths) {
    for (int H : {1, 3, 16}) {
      for (int tq : {1, 4}) {
        for (int tk : {1, 5, 33, 257}) {
          for (bool causal : {false, true}) {
            if (causal && tq > tk) continue;
            Problem p(shape(tq, tk, H, w[0], w[1], w[2], w[3]), seed += 10);
            const auto want = p.reference(causal);
            std::vector<float> got;
            REQUIRE(p.run(causal, false, Isa::kScalar, &got).is_ok());
            double worst = ref::worst_ratio(got.data(), want.out, want.tol, w[3]);
            INFO("explicit H=" << H << " r=" << w[0] << " dr=" << w[1] << " dn=" << w[2] << " dv=" << w[3]
                 << " tq=" << tq << " tk=" << tk << " causal=" << causal << " worst/tol=" << worst);
            REQUIRE(worst <= 1.0);
            for (Isa isa : isas()) {
              REQUIRE(p.run(causal, true, isa, &got).is_ok());
              worst = ref::worst_ratio(got.data(), want.out, want.tol, w[3]);
              INFO("absorbed " << isa_name(isa) << " worst/tol=" << worst);
              REQUIRE(worst <= 1.0);
            }
          }
        }
      }
    }
  }
}

TEST_CASE("MLA: explicit = absorbed, and DeepSeek-V3's widths", "[mla]") {
  // r = 512, dr = 64, dn = 128, dv = 128 as published, with 8 of its 128 heads
  Problem p(shape(2, 70, 8, 512, 64, 128, 128), 77);
  std::vector<float> a, b;
  REQUIRE(p.run(true, false, Isa::kScalar, &a).is_ok());
  const auto want = p.reference(true);
  for (Isa isa : isas()) {
    REQUIRE(p.run(true, true, isa, &b).is_ok());
    double worst = 0, largest = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      worst = std::max(worst, double(std::fabs(a[i] - b[i])));
      largest = std::max(largest, std::fabs(want.out[i]));
    }
    INFO(isa_name(isa) << ": max |explicit - absorbed| = " << worst << ", max |out| = " << largest);
    REQUIRE(worst > 0.0);          // two different orders of the same sums
    REQUIRE(worst <= 1e-5 * largest + 1e-6);
    REQUIRE(ref::worst_ratio(b.data(), want.out, want.tol, 128) <= 1.0);
  }
}

TEST_CASE("MLA cache: append token by token and attend equals mla_attention", "[mla][cache]") {
  const int T = 41, H = 6, r = 11, dr = 5, dn = 7, dv = 9;
  Problem p(shape(T, T, H, r, dr, dn, dv), 300);
  for (Isa isa : isas()) {
    MlaCache cache;
    REQUIRE(cache.init({r, dr, T, Dtype::kF32}).is_ok());
    REQUIRE(cache.bytes() == uint64_t(T) * (r + dr) * 4);
    std::vector<float> whole;
    REQUIRE(p.run(true, true, isa, &whole).is_ok());
    const auto want = p.reference(true);
    std::vector<float> out(size_t(H) * dv);
    for (int t = 0; t < T; ++t) {
      REQUIRE(cache.append(p.c.data() + size_t(t) * r, p.kr.data() + size_t(t) * dr, 1).is_ok());
      MlaShape q = shape(1, 0, H, 0, 0, dn, dv);
      REQUIRE(cache.attend(q, MlaOptions{}, isa, p.qn.data() + size_t(t) * H * dn, p.qr.data() + size_t(t) * H * dr,
                           p.wuk.data(), p.wuv.data(), out.data()).is_ok());
      for (int e = 0; e < H * dv; ++e) REQUIRE(out[e] == whole[size_t(t) * H * dv + e]);  // the same kernel calls
    }
    REQUIRE(cache.length() == T);
    // all T queries at once, against the float64 reference
    std::vector<float> all(size_t(T) * H * dv);
    REQUIRE(cache.attend(shape(T, 0, H, 0, 0, dn, dv), MlaOptions{}, isa, p.qn.data(), p.qr.data(), p.wuk.data(),
                         p.wuv.data(), all.data()).is_ok());
    REQUIRE(ref::worst_ratio(all.data(), want.out, want.tol, dv) <= 1.0);
  }
}

TEST_CASE("MLA cache in f16: within the bound its rounding allows", "[mla][cache][f16]") {
  const int T = 50, H = 4, r = 24, dr = 6, dn = 8, dv = 8;
  Problem p(shape(1, T, H, r, dr, dn, dv), 900);
  const auto want = p.reference(true);  // the last token's query over the f32 latents
  MlaCache cache;
  REQUIRE(cache.init({r, dr, T, Dtype::kF16}).is_ok());
  REQUIRE(cache.bytes() == uint64_t(T) * (r + dr) * 2);
  REQUIRE(cache.append(p.c.data(), p.kr.data(), T).is_ok());
  // Each stored element moves by at most 2^-11 of itself (max 1 here): a score by
  // δ = scale · (Σ|q̃| + Σ|qr|) · 2^-11, the latent output õ by max|c| · (e^{2δ} - 1) + 2^-11,
  // the output o = Wuv·õ by Σ_b |Wuv[a][b]| times that.
  const double scale = p.scale(), dc = std::ldexp(1.0, -11);
  for (Isa isa : isas()) {
    std::vector<float> out(size_t(H) * dv);
    REQUIRE(cache.attend(shape(1, 0, H, 0, 0, dn, dv), MlaOptions{}, isa, p.qn.data(), p.qr.data(), p.wuk.data(),
                         p.wuv.data(), out.data()).is_ok());
    double worst_excess = -1;
    bool changed = false;
    for (int h = 0; h < H; ++h) {
      double qsum = 0;
      for (int b = 0; b < r; ++b) {
        double x = 0;
        for (int a = 0; a < dn; ++a) x += double(p.qn[h * dn + a]) * p.wuk[(size_t(h) * dn + a) * r + b];
        qsum += std::fabs(x);
      }
      for (int a = 0; a < dr; ++a) qsum += std::fabs(p.qr[h * dr + a]);
      const double delta = scale * qsum * dc, dlatent = std::expm1(2 * delta) + dc;
      for (int a = 0; a < dv; ++a) {
        double wsum = 0;
        for (int b = 0; b < r; ++b) wsum += std::fabs(p.wuv[(size_t(h) * dv + a) * r + b]);
        const double bound = wsum * dlatent + 1e-5;
        const double err = std::fabs(out[h * dv + a] - want.out[h * dv + a]);
        worst_excess = std::max(worst_excess, err - bound);
        changed |= err > 1e-7;
      }
    }
    INFO(isa_name(isa) << ": worst error minus bound " << worst_excess);
    REQUIRE(worst_excess <= 0);
    REQUIRE(changed);  // f16 rounding must show
  }
}

TEST_CASE("MLA refuses bad shapes, values and requests with a message naming the field", "[mla][errors]") {
  Problem p(shape(2, 3, 2, 5, 3, 4, 4), 5);
  std::vector<float> out(64);
  MlaOptions o;
  auto message = [&](MlaShape s, MlaOptions opt) {
    return mla_attention(s, opt, Isa::kScalar, p.qn.data(), p.qr.data(), p.c.data(), p.kr.data(), p.wuk.data(),
                         p.wuv.data(), out.data()).message();
  };
  CHECK(message(shape(2, 3, 2, 0, 3, 4, 4), o) == "kvLoraRank (0) must be an integer from 1 to 4096");
  CHECK(message(shape(2, 3, 2, 5, 0, 4, 4), o) == "qkRopeHeadDim (0) must be an integer from 1 to 4096");
  CHECK(message(shape(2, 3, 2, 5, 3, 0, 4), o) == "qkNopeHeadDim (0) must be an integer from 1 to 4096");
  CHECK(message(shape(2, 3, 2, 5, 3, 4, 0), o) == "vHeadDim (0) must be an integer from 1 to 4096");
  CHECK(message(shape(2, 3, 0, 5, 3, 4, 4), o) == "nHeads (0) must be an integer from 1 to 1024");
  CHECK(message(shape(2, 3, 2, 4000, 100, 4, 4), o) == "kvLoraRank + qkRopeHeadDim (4100) must be an integer from 2 to 4096");
  MlaOptions causal;
  causal.causal = true;
  CHECK(message(shape(4, 3, 2, 5, 3, 4, 4), causal) ==
        "tq (4) must not exceed tk (3) when causal: the first queries would see no key");
  p.c[7] = NAN;
  CHECK(message(shape(2, 3, 2, 5, 3, 4, 4), o) == "latent[7] (NaN) must be a finite number");
  p.c[7] = 0;
  p.wuv[3] = INFINITY;
  CHECK(message(shape(2, 3, 2, 5, 3, 4, 4), o) == "wUv[3] (Infinity) must be a finite number");
  p.wuv[3] = 0;
  p.qr[0] = 1e30f;  // scores overflow float32
  p.kr[0] = 1e10f;
  o.absorb = false;
  CHECK(mla_attention(shape(2, 3, 2, 5, 3, 4, 4), o, Isa::kScalar, p.qn.data(), p.qr.data(), p.c.data(), p.kr.data(),
                      p.wuk.data(), p.wuv.data(), out.data()).code() == StatusCode::kOverflow);
  o.absorb = true;
  for (Isa isa : isas()) {
    CHECK(mla_attention(shape(2, 3, 2, 5, 3, 4, 4), o, isa, p.qn.data(), p.qr.data(), p.c.data(), p.kr.data(),
                        p.wuk.data(), p.wuv.data(), out.data()).code() == StatusCode::kOverflow);
  }

  p.qr[0] = p.kr[0] = 0.5f;

  MlaCache cache;
  CHECK(cache.init({5, 3, 4, Dtype::kInt8}).message() == "dtype ('int8') must be 'f32' or 'f16' for an MLA cache");
  CHECK(cache.init({5, 3, 0, Dtype::kF32}).message() == "capacity (0) must be an integer from 1 to 16777216");
  CHECK(cache.init({1 << 12, 1, 1 << 24, Dtype::kF32}).code() == StatusCode::kOutOfRange);  // r + dr over 4096
  CHECK(cache.init({4000, 64, 1 << 24, Dtype::kF32}).code() == StatusCode::kOverBudget);
  REQUIRE(cache.init({5, 3, 4, Dtype::kF16}).is_ok());
  CHECK(cache.attend(shape(1, 0, 2, 0, 0, 4, 4), MlaOptions{}, Isa::kScalar, p.qn.data(), p.qr.data(), p.wuk.data(),
                     p.wuv.data(), out.data()).message() == "the MLA cache is empty: append tokens before attend");
  std::vector<float> big(5, 70000.0f), kr(3, 0.5f);
  CHECK(cache.append(big.data(), kr.data(), 1).message() ==
        "latent[0] (70000) is outside the f16 range of a cache with dtype 'f16' (|x| <= 65504)");
  REQUIRE(cache.length() == 0);  // a refused append changes nothing
  REQUIRE(cache.append(p.c.data(), p.kr.data(), 3).is_ok());
  CHECK(cache.append(p.c.data(), p.kr.data(), 2).message() ==
        "appending 2 tokens to a cache holding 3 would exceed its capacity (4)");
  CHECK(cache.attend(shape(4, 0, 2, 0, 0, 4, 4), MlaOptions{}, Isa::kScalar, p.qn.data(), p.qr.data(), p.wuk.data(),
                     p.wuv.data(), out.data()).message() ==
        "tq (4) must be from 1 to the cache length (3): the queries are those of the last tq appended tokens");
  REQUIRE(cache.attend(shape(2, 0, 2, 0, 0, 4, 4), MlaOptions{}, Isa::kScalar, p.qn.data(), p.qr.data(), p.wuk.data(),
                       p.wuv.data(), out.data()).is_ok());  // still usable
}

TEST_CASE("MLA decode-step cost: the absorbed step's bytes and multiply-adds, hand-counted", "[mla][cost]") {
  // DeepSeek-V3's widths (r 512, dr 64, dn 128, dv 128, 128 heads), 4096 cached tokens, f16 rows
  MlaShape s{1, 4096, 128, 512, 64, 128, 128};
  DecodeStepCost c;
  REQUIRE(mla_decode_step_cost(s, Dtype::kF16, &c).is_ok());
  REQUIRE(c.kv_bytes == 4096ull * 576 * 2);  // 4,718,592: one latent row per token, read once
  // per head: q̃ = Wukᵀ·qn (128·512), scores and weighted rows (2·4096·576), o = Wuv·õ (128·512)
  REQUIRE(c.multiply_adds == 128ull * (65536 + 4718592 + 65536));  // 620,756,992
  REQUIRE(c.intensity == Approx(620756992.0 / 4718592.0));
  // odd widths, f32
  REQUIRE(mla_decode_step_cost(MlaShape{1, 7, 3, 5, 3, 2, 6}, Dtype::kF32, &c).is_ok());
  REQUIRE(c.kv_bytes == 7ull * 8 * 4);
  REQUIRE(c.multiply_adds == 3ull * (2 * 5 + 2 * 7 * 8 + 6 * 5));
  REQUIRE(mla_decode_step_cost(s, Dtype::kInt8, &c).message() == "dtype ('int8') must be 'f32' or 'f16' for an MLA cache");
  REQUIRE(mla_decode_step_cost(MlaShape{2, 4096, 128, 512, 64, 128, 128}, Dtype::kF16, &c).message() ==
          "tq (2) must be 1: a decode step adds one token");
  REQUIRE(mla_decode_step_cost(MlaShape{1, 0, 128, 512, 64, 128, 128}, Dtype::kF16, &c).message() ==
          "tokens (0) must be an integer from 1 to 16777216");
  REQUIRE(mla_decode_step_cost(MlaShape{1, 4096, 128, 4090, 64, 128, 128}, Dtype::kF16, &c).message() ==
          "kvLoraRank + qkRopeHeadDim (4154) must be an integer from 2 to 4096");
}
