// libFuzzer target: multi-head latent attention on random widths and extreme values. mla_attention
// either refuses with a message or returns finite outputs, the explicit and absorbed paths and the
// two kernels agreeing where softmax is well conditioned; random sequences of MLA cache appends and
// attends: a refused call changes nothing, and attend equals mla_attention over what was kept.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "attention/mla.h"
#include "fuzz_input.h"

using namespace gqa;

#define CHECK(cond) do { if (!(cond)) { std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); std::abort(); } } while (0)

namespace {

float max_abs(const std::vector<float>& x) {
  float m = 0;
  for (float v : x) m = std::max(m, std::fabs(v));
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  MlaShape s;
  s.n_heads = 1 + in.u8() % 6;
  s.kv_lora_rank = 1 + in.u8() % 20;
  s.qk_rope_head_dim = 1 + in.u8() % 6;
  s.qk_nope_head_dim = 1 + in.u8() % 9;
  s.v_head_dim = 1 + in.u8() % 9;
  s.tk = 1 + in.u8() % 40;
  s.tq = 1 + in.u8() % 4;
  const int64_t H = s.n_heads, r = s.kv_lora_rank, dr = s.qk_rope_head_dim, dn = s.qk_nope_head_dim,
                dv = s.v_head_dim;
  // the token-side inputs: finite unless the byte says otherwise, for the refusal paths
  const bool finite = in.u8() % 8 != 0;
  auto fill = [&](size_t n, bool allow_nonfinite) {
    std::vector<float> x(n);
    for (float& v : x) v = in.value(allow_nonfinite);
    return x;
  };
  auto qn = fill(size_t(s.tq * H * dn), !finite), qr = fill(size_t(s.tq * H * dr), !finite);
  auto wuk = fill(size_t(H * dn * r), false), wuv = fill(size_t(H * dv * r), false);
  auto c = fill(size_t(s.tk * r), !finite), kr = fill(size_t(s.tk * dr), false);
  MlaOptions o;
  o.causal = in.bit() && s.tq <= s.tk;
  std::vector<float> outs[3];  // explicit, absorbed scalar, absorbed SIMD
  Status st[3];
  for (int p = 0; p < 3; ++p) {
    outs[p].assign(size_t(s.tq * H * dv), 0.0f);
    o.absorb = p > 0;
    st[p] = mla_attention(s, o, p == 2 ? Isa::kSimd : Isa::kScalar, qn.data(), qr.data(), c.data(), kr.data(),
                          wuk.data(), wuv.data(), outs[p].data());
    if (!st[p].is_ok()) CHECK(!st[p].message().empty());
    if (st[p].is_ok()) for (float x : outs[p]) CHECK(std::isfinite(x));
  }
  // the paths sum in different orders: at the edge of float32 one may overflow (and say so) where
  // another fits; any other disagreement in acceptance is a bug
  for (int p = 1; p < 3; ++p) {
    if (st[p].is_ok() != st[0].is_ok()) CHECK((st[p].is_ok() ? st[0] : st[p]).code() == StatusCode::kOverflow);
  }
  // agreement where softmax is well conditioned: scores bounded by ~50 and values of unit scale
  const double score = double(max_abs(qn)) * max_abs(wuk) * max_abs(c) * r * dn + double(max_abs(qr)) * max_abs(kr) * dr;
  const double value = double(max_abs(wuv)) * max_abs(c) * r;
  if (st[0].is_ok() && st[1].is_ok() && st[2].is_ok() && score <= 50.0) {
    for (size_t i = 0; i < outs[0].size(); ++i) {
      CHECK(std::fabs(outs[0][i] - outs[1][i]) <= 1e-3 * value + 1e-30);
      CHECK(std::fabs(outs[1][i] - outs[2][i]) <= 1e-3 * value + 1e-30);
    }
  }

  // the cache: appends (some refused) then attend of the last token's queries
  MlaCache cache;
  const int64_t cap = 1 + in.u8() % 48;
  if (!cache.init({r, dr, cap, in.bit() ? Dtype::kF16 : Dtype::kF32}).is_ok()) return 0;
  std::vector<float> kept_c, kept_kr;
  for (int op = 0; op < 8 && !in.empty(); ++op) {
    const int64_t n = 1 + in.u8() % 8, before = cache.length();
    auto lc = fill(size_t(n * r), true), lkr = fill(size_t(n * dr), true);
    const Status a = cache.append(lc.data(), lkr.data(), n);
    CHECK(cache.length() == (a.is_ok() ? before + n : before));
    if (!a.is_ok()) continue;
    kept_c.insert(kept_c.end(), lc.begin(), lc.end());
    kept_kr.insert(kept_kr.end(), lkr.begin(), lkr.end());
  }
  if (cache.length() == 0 || cache.dtype() != Dtype::kF32) return 0;
  MlaShape q = s;
  q.tq = 1;
  q.tk = cache.length();
  std::vector<float> a(size_t(H * dv)), b(a.size());
  const Status sa = cache.attend(q, MlaOptions{}, Isa::kSimd, qn.data(), qr.data(), wuk.data(), wuv.data(), a.data());
  o.causal = true;
  o.absorb = true;
  const Status sb = mla_attention(q, o, Isa::kSimd, qn.data(), qr.data(), kept_c.data(), kept_kr.data(), wuk.data(),
                                  wuv.data(), b.data());
  CHECK(sa.is_ok() == sb.is_ok());
  if (sa.is_ok()) for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == b[i]);  // f32 rows: the same kernel calls
  return 0;
}
