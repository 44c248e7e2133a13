// decode.cpp - the decode kernel, written once over two sets of primitives:
// ScalarOps (the reference) and SimdOps (simd.h), in the manner of ggml's vec.h.
#include "decode.h"

#include <cmath>

#include "half.h"
#include "simd.h"
#include "softmax.h"

namespace gqa {

namespace {

constexpr int B = kDecodeBlock;

// ---- scalar reference primitives -------------------------------------------------------------

struct ScalarOps {
  /// s[h][j] = scale · q[h]·kb[j]  — q (m, d), kb (nb, d), s (m, B)
  static void scores(const float* q, int m, const float* kb, int nb, int d, float scale, float* s) {
    for (int h = 0; h < m; ++h) {
      for (int j = 0; j < nb; ++j) {
        float dot = 0.0f;
        for (int i = 0; i < d; ++i) dot += q[h * d + i] * kb[j * d + i];
        s[h * B + j] = dot * scale;
      }
    }
  }
  /// s[j] = exp(s[j] - mx), returns Σ s[j]  — s (n,)
  static float exp_shift(float* s, int n, float mx) {
    float sum = 0.0f;
    for (int j = 0; j < n; ++j) { s[j] = std::exp(s[j] - mx); sum += s[j]; }
    return sum;
  }
  /// acc += Σ_j p[j] · vb[j]  — acc (d,), p (nb,), vb (nb, d)
  static void accumulate(float* acc, const float* p, const float* vb, int nb, int d) {
    for (int j = 0; j < nb; ++j) {
      for (int i = 0; i < d; ++i) acc[i] += p[j] * vb[j * d + i];
    }
  }
  /// dst = c · src  — (n,)
  static void scale(float* dst, const float* src, int n, float c) {
    for (int i = 0; i < n; ++i) dst[i] = src[i] * c;
  }
  static void copy(const float* src, float* dst, int n) {
    for (int i = 0; i < n; ++i) dst[i] = src[i];
  }
  static void widen_f16(const uint16_t* src, float* dst, int n) {
    for (int i = 0; i < n; ++i) dst[i] = f16_to_f32(src[i]);
  }
  static void widen_i8(const int8_t* src, float sc, float* dst, int n) {
    for (int i = 0; i < n; ++i) dst[i] = float(src[i]) * sc;
  }
};

// ---- SIMD primitives (same contracts) ---------------------------------------------------------

#if GQA_SIMD
struct SimdOps {
  static void scores(const float* q, int m, const float* kb, int nb, int d, float scale, float* s) {
    using namespace simd;
    const int d4 = d & ~3;
    const f32x4 vscale = splat(scale);
    int h = 0;
    for (; h + 2 <= m; h += 2) {  // 2 heads x 4 keys: 8 accumulators + 2 q + 4 k live registers
      const float* q0 = q + h * d;
      const float* q1 = q0 + d;
      int j = 0;
      for (; j + 4 <= nb; j += 4) {
        const float* k0 = kb + j * d;
        const float* k1 = k0 + d;
        const float* k2 = k1 + d;
        const float* k3 = k2 + d;
        f32x4 a0 = splat(0), a1 = splat(0), a2 = splat(0), a3 = splat(0);
        f32x4 b0 = splat(0), b1 = splat(0), b2 = splat(0), b3 = splat(0);
        for (int i = 0; i < d4; i += 4) {
          const f32x4 x = load(q0 + i), y = load(q1 + i);
          f32x4 kv = load(k0 + i); a0 = madd(a0, x, kv); b0 = madd(b0, y, kv);
          kv = load(k1 + i); a1 = madd(a1, x, kv); b1 = madd(b1, y, kv);
          kv = load(k2 + i); a2 = madd(a2, x, kv); b2 = madd(b2, y, kv);
          kv = load(k3 + i); a3 = madd(a3, x, kv); b3 = madd(b3, y, kv);
        }
        f32x4 r0 = hsum4(a0, a1, a2, a3), r1 = hsum4(b0, b1, b2, b3);
        if (d4 < d) {  // leftovers: the last d % 4 elements
          float t0[4] = {0, 0, 0, 0}, t1[4] = {0, 0, 0, 0};
          for (int i = d4; i < d; ++i) {
            for (int c = 0; c < 4; ++c) { t0[c] += q0[i] * kb[(j + c) * d + i]; t1[c] += q1[i] * kb[(j + c) * d + i]; }
          }
          r0 = add(r0, load(t0));
          r1 = add(r1, load(t1));
        }
        store(s + h * B + j, mul(r0, vscale));
        store(s + (h + 1) * B + j, mul(r1, vscale));
      }
      for (; j < nb; ++j) {  // leftover keys
        s[h * B + j] = dot(q0, kb + j * d, d) * scale;
        s[(h + 1) * B + j] = dot(q1, kb + j * d, d) * scale;
      }
    }
    for (; h < m; ++h) {  // an odd last head: 1 x 4
      const float* q0 = q + h * d;
      int j = 0;
      for (; j + 4 <= nb; j += 4) {
        const float* k0 = kb + j * d;
        f32x4 a0 = splat(0), a1 = splat(0), a2 = splat(0), a3 = splat(0);
        for (int i = 0; i < d4; i += 4) {
          const f32x4 x = load(q0 + i);
          a0 = madd(a0, x, load(k0 + i));
          a1 = madd(a1, x, load(k0 + d + i));
          a2 = madd(a2, x, load(k0 + 2 * d + i));
          a3 = madd(a3, x, load(k0 + 3 * d + i));
        }
        f32x4 r0 = hsum4(a0, a1, a2, a3);
        if (d4 < d) {
          float t0[4] = {0, 0, 0, 0};
          for (int i = d4; i < d; ++i) {
            for (int c = 0; c < 4; ++c) t0[c] += q0[i] * kb[(j + c) * d + i];
          }
          r0 = add(r0, load(t0));
        }
        store(s + h * B + j, mul(r0, vscale));
      }
      for (; j < nb; ++j) s[h * B + j] = dot(q0, kb + j * d, d) * scale;
    }
  }
  static float dot(const float* a, const float* b, int d) {
    using namespace simd;
    f32x4 acc = splat(0);
    int i = 0;
    for (; i + 4 <= d; i += 4) acc = madd(acc, load(a + i), load(b + i));
    float r = hsum(acc);
    for (; i < d; ++i) r += a[i] * b[i];  // leftovers
    return r;
  }
  static float exp_shift(float* s, int n, float mx) {
    using namespace simd;
    const f32x4 vmx = splat(mx);
    f32x4 vsum = splat(0);
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      const f32x4 e = exp_nonpositive(sub(load(s + j), vmx));
      store(s + j, e);
      vsum = add(vsum, e);
    }
    float sum = hsum(vsum);
    for (; j < n; ++j) { s[j] = std::exp(s[j] - mx); sum += s[j]; }  // leftovers
    return sum;
  }
  static void accumulate(float* acc, const float* p, const float* vb, int nb, int d) {
    using namespace simd;
    const int d4 = d & ~3;
    int j = 0;
    for (; j + 4 <= nb; j += 4) {  // 4 value rows per pass over acc: one load/store of acc per 4 keys
      const f32x4 p0 = splat(p[j]), p1 = splat(p[j + 1]), p2 = splat(p[j + 2]), p3 = splat(p[j + 3]);
      const float* v0 = vb + j * d;
      for (int i = 0; i < d4; i += 4) {
        f32x4 a = load(acc + i);
        a = madd(a, p0, load(v0 + i));
        a = madd(a, p1, load(v0 + d + i));
        a = madd(a, p2, load(v0 + 2 * d + i));
        a = madd(a, p3, load(v0 + 3 * d + i));
        store(acc + i, a);
      }
      for (int i = d4; i < d; ++i) {
        acc[i] += p[j] * v0[i] + p[j + 1] * v0[d + i] + p[j + 2] * v0[2 * d + i] + p[j + 3] * v0[3 * d + i];
      }
    }
    for (; j < nb; ++j) {  // leftover keys
      const f32x4 pj = splat(p[j]);
      const float* vj = vb + j * d;
      int i = 0;
      for (; i < d4; i += 4) store(acc + i, madd(load(acc + i), pj, load(vj + i)));
      for (; i < d; ++i) acc[i] += p[j] * vj[i];
    }
  }
  static void scale(float* dst, const float* src, int n, float c) {
    using namespace simd;
    const f32x4 vc = splat(c);
    int i = 0;
    for (; i + 4 <= n; i += 4) store(dst + i, mul(load(src + i), vc));
    for (; i < n; ++i) dst[i] = src[i] * c;
  }
  static void copy(const float* src, float* dst, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16) {
      const simd::f32x4 a = simd::load(src + i), b = simd::load(src + i + 4), c = simd::load(src + i + 8),
                        e = simd::load(src + i + 12);
      simd::store(dst + i, a);
      simd::store(dst + i + 4, b);
      simd::store(dst + i + 8, c);
      simd::store(dst + i + 12, e);
    }
    for (; i < n; ++i) dst[i] = src[i];
  }
  static void widen_f16(const uint16_t* src, float* dst, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) simd::widen_f16x8(src + i, dst + i);  // 8 halves per 16-byte load
    for (; i < n; ++i) dst[i] = f16_to_f32(src[i]);
  }
  static void widen_i8(const int8_t* src, float sc, float* dst, int n) {
    const simd::f32x4 vsc = simd::splat(sc);
    int i = 0;
    for (; i + 16 <= n; i += 16) simd::widen_i8x16(src + i, vsc, dst + i);  // 16 int8 per 16-byte load
    for (; i + 4 <= n; i += 4) simd::store(dst + i, simd::mul(simd::load_i8(src + i), vsc));
    for (; i < n; ++i) dst[i] = float(src[i]) * sc;
  }
};
#endif

// ---- the algorithm, once ----------------------------------------------------------------------

/// Rows [j0, j0 + nb) of one K or V head as f32 in `tmp` (nb, d), which stays in L1 while the
/// whole group uses it. Reading the block front to back in one sweep (a copy for f32, a widening
/// for f16 and int8) lets the hardware prefetcher stream it; the compute loops then walk four
/// rows at a time, which straight from DRAM ran at a third of the bandwidth.
template <class Ops>
const float* block_f32(const KvHeadView& kv, const void* base, const float* row_scale, int64_t j0, int nb,
                       float* tmp) {
  const int d = kv.d;
  switch (kv.dtype) {
    case Dtype::kF32: Ops::copy(static_cast<const float*>(base) + j0 * d, tmp, nb * d); return tmp;
    case Dtype::kF16: Ops::widen_f16(static_cast<const uint16_t*>(base) + j0 * d, tmp, nb * d); return tmp;
    case Dtype::kInt8:
      for (int j = 0; j < nb; ++j) {
        Ops::widen_i8(static_cast<const int8_t*>(base) + (j0 + j) * d, row_scale[j0 + j], tmp + j * d, d);
      }
      return tmp;
  }
  return nullptr;
}

// [lesson:decode-kernel] (the page shows these lines, pulled from here at build time)
template <class Ops>
Status decode_group_impl(const float* q, int m, const KvHeadView& kv, int64_t lo, int64_t hi, float scale,
                         float* out, float* scratch, float* row_max, float* row_sum) {
  const int d = kv.d;
  float* kf = scratch;        // (B, d)  current K block as f32
  float* vf = kf + B * d;     // (B, d)  current V block as f32
  float* s = vf + B * d;      // (m, B)  scores, then unnormalised weights
  float* acc = s + m * B;     // (m, d)  Σ weight · value, rescaled as the max moves
  float* mx = acc + m * d;    // (m,)    running max score
  float* sum = mx + m;        // (m,)    running Σ exp(score - max)
  for (int i = 0; i < m * d; ++i) acc[i] = 0.0f;
  for (int h = 0; h < m; ++h) { mx[h] = -INFINITY; sum[h] = 0.0f; }

  for (int64_t j0 = lo; j0 < hi; j0 += B) {
    const int nb = int(hi - j0 < B ? hi - j0 : B);
    const float* kb = block_f32<Ops>(kv, kv.k, kv.k_scale, j0, nb, kf);
    const float* vb = block_f32<Ops>(kv, kv.v, kv.v_scale, j0, nb, vf);
    // pass 1: scores of every head in the group against this key block (K read once)
    Ops::scores(q, m, kb, nb, d, scale, s);
    for (int h = 0; h < m; ++h) {
      float* sh = s + h * B;
      // pass 2: online softmax - new max, rescale what was accumulated under the old one
      float bm = -INFINITY;
      bool finite = true;
      for (int j = 0; j < nb; ++j) { finite &= is_finite(sh[j]); bm = sh[j] > bm ? sh[j] : bm; }
      if (!finite) {
        return Status::error(StatusCode::kOverflow,
                             "attention scores overflow float32 (query head %d of the group, keys %lld..%lld): "
                             "scale * |q|*|k| is too large", h, (long long)j0, (long long)(j0 + nb - 1));
      }
      if (bm > mx[h]) {
        const float alpha = std::exp(mx[h] - bm);  // 0 on the first block (mx = -inf)
        Ops::scale(acc + h * d, acc + h * d, d, alpha);
        sum[h] *= alpha;
        mx[h] = bm;
      }
      sum[h] += Ops::exp_shift(sh, nb, mx[h]);
      // pass 3: accumulate the weighted values (V block read once for the group)
      Ops::accumulate(acc + h * d, sh, vb, nb, d);
    }
  }
  // pass 4: normalise (and hand out the softmax statistics when a merge will follow)
  for (int h = 0; h < m; ++h) Ops::scale(out + h * d, acc + h * d, d, 1.0f / sum[h]);
  if (row_max && row_sum) {
    for (int h = 0; h < m; ++h) { row_max[h] = mx[h]; row_sum[h] = sum[h]; }
  }
  for (int i = 0; i < m * d; ++i) {
    if (!is_finite(out[i])) {
      return Status::error(StatusCode::kOverflow, "attention output overflows float32 (element %d of the group)", i);
    }
  }
  return Status::ok();
}
// [/lesson:decode-kernel]

}  // namespace

bool simd_available() { return GQA_SIMD != 0; }

const char* isa_name(Isa isa) { return isa == Isa::kSimd ? GQA_SIMD_ISA : "scalar"; }

uint64_t decode_scratch_floats(int m, int d) {
  return uint64_t(2) * B * d + uint64_t(m) * B + uint64_t(m) * d + 2 * uint64_t(m);
}

Status decode_group(Isa isa, const float* q, int m, const KvHeadView& kv, int64_t lo, int64_t hi, float scale,
                    float* out, float* scratch, float* row_max, float* row_sum) {
  if (lo >= hi) return Status::error(StatusCode::kOutOfRange, "decode_group: empty key range [%lld, %lld)",
                                     (long long)lo, (long long)hi);
#if GQA_SIMD
  if (isa == Isa::kSimd) return decode_group_impl<SimdOps>(q, m, kv, lo, hi, scale, out, scratch, row_max, row_sum);
#endif
  return decode_group_impl<ScalarOps>(q, m, kv, lo, hi, scale, out, scratch, row_max, row_sum);
}

void merge_partials(int parts, int64_t rows, int d, const float* const* outs, const float* const* maxes,
                    const float* const* sums, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    float M = -INFINITY;
    for (int p = 0; p < parts; ++p) M = maxes[p][r] > M ? maxes[p][r] : M;
    double denom = 0;
    for (int p = 0; p < parts; ++p) denom += double(sums[p][r]) * std::exp(double(maxes[p][r]) - M);
    for (int i = 0; i < d; ++i) {
      double num = 0;
      for (int p = 0; p < parts; ++p) num += double(sums[p][r]) * std::exp(double(maxes[p][r]) - M) * outs[p][r * d + i];
      out[r * d + i] = float(num / denom);
    }
  }
}

}  // namespace gqa
