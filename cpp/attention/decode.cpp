// decode.cpp - the decode kernel, written once over two sets of primitives:
// ScalarOps (the reference) and SimdOps (simd.h), in the manner of ggml's vec.h.
#include "attention/decode.h"

#include <cmath>
#include <cstring>
#include <type_traits>

#include "attention/half.h"
#include "attention/quantize.h"
#include "attention/simd.h"
#include "attention/softmax.h"

namespace gqa {

namespace {

constexpr int B = kDecodeBlock;

// ---- staging a block (Ops supplies copy, widen_f16, widen_i8) -------------------------------

/// Rows [j0, j0 + nb) of one K or V head as f32 in `tmp` (nb, d), which stays in L1 while the
/// whole group uses it (SimdOps::stage_k lays keys out as panels instead). Reading the block
/// front to back in one sweep (a copy for f32, a widening for f16 and int8) lets the hardware
/// prefetcher stream it; the value loop then walks every row of the block per 16 columns, which
/// straight from DRAM ran at a third of the bandwidth.
template <class Ops>
const float* block_f32(const float* base, const float*, int64_t j0, int nb, int d, float* tmp) {
  Ops::copy(base + j0 * d, tmp, nb * d);
  return tmp;
}
template <class Ops>
const float* block_f32(const uint16_t* base, const float*, int64_t j0, int nb, int d, float* tmp) {
  Ops::widen_f16(base + j0 * d, tmp, nb * d);
  return tmp;
}
template <class Ops>
const float* block_f32(const int8_t* base, const float* row_scale, int64_t j0, int nb, int d, float* tmp) {
  for (int j = 0; j < nb; ++j) Ops::widen_i8(base + (j0 + j) * d, row_scale[j0 + j], tmp + j * d, d);
  return tmp;
}

// ---- scalar reference primitives -------------------------------------------------------------

struct ScalarOps {
  static float elem(const float* p) { return *p; }
  static float elem(const uint16_t* p) { return f16_to_f32(*p); }
  /// The queries as the score loop reads them: (m, d) as given
  static const float* pack_q(const float* q, int, int, float*) { return q; }
  /// s[h][j] = scale · q[h]·kb[j], rows used as stored — q (m, d), kb (nb, d), s (m, B); calls
  /// after_row() once per row, as SimdOps does (the caller's work is the same either way)
  template <class T, class AfterRow>
  static void scores_direct(const float* q, int m, const T* kb, int nb, int d, float scale, float* s,
                            AfterRow&& after_row) {
    for (int h = 0; h < m; ++h) scores_rows(q + h * d, kb, nb, d, scale, s + h * B);
    for (int j = 0; j < nb; ++j) after_row();
  }
  /// Keys [j0, j0 + nb) as f32 rows: kf (nb, d)
  template <class T>
  static const float* stage_k(const T* kc, const float* ks, int64_t j0, int nb, int d, float* kf) {
    return block_f32<ScalarOps>(kc, ks, j0, nb, d, kf);
  }
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
  /// *mx = max_j s[j]; false if any s[j] is not finite  — s (n,)
  static bool block_max(const float* s, int n, float* mx) {
    float m = -INFINITY;
    bool finite = true;
    for (int j = 0; j < n; ++j) { finite &= is_finite(s[j]); m = s[j] > m ? s[j] : m; }
    *mx = m;
    return finite;
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
  /// s[j] = scale · q·kb[j] for one head, rows used as stored — q (d,), kb (nb, d) f32 or f16
  template <class T>
  static void scores_rows(const float* q, const T* kb, int nb, int d, float scale, float* s) {
    for (int j = 0; j < nb; ++j) {
      float dot = 0.0f;
      for (int i = 0; i < d; ++i) dot += q[i] * elem(kb + j * d + i);
      s[j] = dot * scale;
    }
  }
  /// acc += Σ_j p[j] · vb[j], rows used as stored — acc (d,), p (nb,), vb (nb, d) f32 or f16
  template <class T>
  static void accumulate_rows(float* acc, const float* p, const T* vb, int nb, int d) {
    for (int j = 0; j < nb; ++j) {
      for (int i = 0; i < d; ++i) acc[i] += p[j] * elem(vb + j * d + i);
    }
  }
  /// acc[h] += Σ_j s[h][j] · vb[j] for all m heads — acc (m, d), s (m, B), vb (nb, d)
  static void accumulate_group(float* acc, int m, const float* s, const float* vb, int nb, int d) {
    for (int h = 0; h < m; ++h) accumulate(acc + h * d, s + h * B, vb, nb, d);
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
  /// s[h][j] = float(Σ qi[h]·kb[j]) · (qs[h] · ks[j])  — int8 keys against int16 queries
  /// (quantise_q), the integer sum exact — qi (m, d), qs (m,), kb (nb, d), ks (nb,), s (m, B);
  /// for m >= 2 calls after_keys(j, n) once for each key, as SimdOps does
  template <class AfterKeys>
  static void scores_i8(const int16_t* qi, const float* qs, int m, const int8_t* kb, const float* ks, int nb, int d,
                        float* s, AfterKeys&& after_keys) {
    for (int h = 0; h < m; ++h) {
      for (int j = 0; j < nb; ++j) s[h * B + j] = float(dot_i8(qi + h * d, kb + j * d, d)) * (qs[h] * ks[j]);
    }
    if (m >= 2) after_keys(0, nb);
  }
  /// acc += Σ_j (p[j] · vs[j]) · vb[j]  — int8 value rows with their scales vs (nb,)
  static void accumulate_i8(float* acc, const float* p, const float* vs, const int8_t* vb, int nb, int d) {
    for (int j = 0; j < nb; ++j) {
      const float w = p[j] * vs[j];
      for (int i = 0; i < d; ++i) acc[i] += w * float(vb[j * d + i]);
    }
  }
  static int32_t dot_i8(const int16_t* a, const int8_t* b, int d) {
    int32_t r = 0;
    for (int i = 0; i < d; ++i) r += int32_t(a[i]) * int32_t(b[i]);
    return r;
  }
};

// ---- SIMD primitives (same contracts) ---------------------------------------------------------

#if GQA_SIMD
// The two block loops are inlined into each kernel: left as calls shared by the f32 and f16
// kernels (as clang chose), the step took 1.04-1.2x longer in V8.
#define GQA_HOT __attribute__((always_inline))
struct SimdOps {
  /// f32 lanes of cached elements: as stored, or widened from halves
  static simd::f32x4 load_row(const float* p) { return simd::load(p); }
  static simd::f32x4 load_row(const uint16_t* p) { return simd::load_f16(p); }
  /// The group's queries in fours of heads, 4 elements at a time, zero-padded to a multiple of 4
  /// heads and of 4 elements: qp (⌈m/4⌉, ⌈d/4⌉, 4, 4). Once per call.
  static const float* pack_q(const float* q, int m, int d, float* qp) {
    const int c4 = (d + 3) / 4;
    for (int h = 0; h < ((m + 3) & ~3); ++h) {
      float* dst = qp + (h / 4) * c4 * 16 + (h & 3) * 4;
      for (int i = 0; i < 4 * c4; ++i) dst[(i / 4) * 16 + i % 4] = h < m && i < d ? q[h * d + i] : 0.0f;
    }
    return qp;
  }
  /// Four heads against one key row at a time, straight from the cache (the K stream is read
  /// front to back, as for MHA, while the heads compute): s[h][j] = scale · q[h]·kb[j]; after
  /// each row of the first four heads, after_row() — qp from pack_q, kb (nb, d) f32 or f16,
  /// s (m, B)
  template <class T, class AfterRow>
  GQA_HOT static void scores_direct(const float* qp, int m, const T* kb, int nb, int d, float scale, float* s,
                                    AfterRow&& after_row) {
    using namespace simd;
    const int c4 = (d + 3) / 4, d4 = d & ~3;
    for (int h = 0; h < m; h += 4) {
      const float* qh = qp + (h / 4) * c4 * 16;
      for (int j = 0; j < nb; ++j) {
        const T* k = kb + j * d;
        f32x4 a0 = splat(0), a1 = splat(0), a2 = splat(0), a3 = splat(0);
        const float* qc = qh;
        for (const T* kk = k; kk != k + d4; kk += 4, qc += 16) {  // 4 heads x 1 key: 4 chains
          const f32x4 x = load_row(kk);
          a0 = madd(a0, load(qc), x);
          a1 = madd(a1, load(qc + 4), x);
          a2 = madd(a2, load(qc + 8), x);
          a3 = madd(a3, load(qc + 12), x);
        }
        float r[4];
        store(r, hsum4(a0, a1, a2, a3));
        for (int i = d4; i < d; ++i) {  // leftovers: the last d % 4 elements
          const float x = ScalarOps::elem(k + i);
          for (int c = 0; c < 4; ++c) r[c] += qc[4 * c + (i - d4)] * x;
        }
        for (int c = 0; c < 4 && h + c < m; ++c) s[(h + c) * B + j] = r[c] * scale;
        if (h == 0) after_row();  // once per row: the first four heads read it first
      }
    }
  }
  /// Keys [j0, j0 + nb) as f32 panels of 4 keys: kp (⌈nb/4⌉, ⌈d/4⌉, 4, 4), zero-padded. Each row
  /// is read front to back (one stream for the prefetcher); the score loop then reads one
  /// pointer with constant offsets instead of six (V8 computes an address per base pointer).
  template <class T>
  static const float* stage_k(const T* kc, const float*, int64_t j0, int nb, int d, float* kp) {
    using namespace simd;
    const int c4 = (d + 3) / 4, d4 = d & ~3;
    for (int j = 0; j < ((nb + 3) & ~3); ++j) {
      float* dst = kp + (j / 4) * c4 * 16 + (j & 3) * 4;  // then + c * 16
      if (j >= nb) {  // padding keys: scored, never used
        for (int c = 0; c < c4; ++c) store(dst + c * 16, splat(0));
        continue;
      }
      const T* row = kc + (j0 + j) * d;
      for (int i = 0; i < d4; i += 4) store(dst + i * 4, load_row(row + i));
      if (d4 < d) {  // leftovers: the last d % 4 elements, then zeros
        float t[4] = {0, 0, 0, 0};
        for (int i = d4; i < d; ++i) t[i - d4] = ScalarOps::elem(row + i);
        store(dst + d4 * 4, load(t));
      }
    }
    return kp;
  }
  /// s[h][j] = scale · q[h]·k[j] for the group's heads against one staged block, 2 heads x 4 keys
  /// at a time (8 accumulators + 2 q + 4 k live registers) — qp from pack_q, kp from stage_k,
  /// s (⌈m/4⌉·4, B): an odd group's padding head and the padding keys are written, never read
  GQA_HOT static void scores(const float* qp, int m, const float* kp, int nb, int d, float scale, float* s) {
    using namespace simd;
    const int c4 = (d + 3) / 4;
    const f32x4 vscale = splat(scale);
    for (int h = 0; h < m; h += 2) {
      const float* qh = qp + (h / 4) * c4 * 16 + (h & 2) * 4;  // heads h, h + 1 of their four
      for (int j = 0; j < nb; j += 4) {
        const float* kq = kp + (j / 4) * c4 * 16;
        f32x4 a0 = splat(0), a1 = splat(0), a2 = splat(0), a3 = splat(0);
        f32x4 b0 = splat(0), b1 = splat(0), b2 = splat(0), b3 = splat(0);
        const float* qc = qh;
        for (const float* kk = kq; kk != kq + c4 * 16; kk += 16, qc += 16) {  // pointers, not an index: V8 computes no address
          const f32x4 x = load(qc), y = load(qc + 4);
          f32x4 kv = load(kk); a0 = madd(a0, x, kv); b0 = madd(b0, y, kv);
          kv = load(kk + 4); a1 = madd(a1, x, kv); b1 = madd(b1, y, kv);
          kv = load(kk + 8); a2 = madd(a2, x, kv); b2 = madd(b2, y, kv);
          kv = load(kk + 12); a3 = madd(a3, x, kv); b3 = madd(b3, y, kv);
        }
        store(s + h * B + j, mul(hsum4(a0, a1, a2, a3), vscale));
        store(s + (h + 1) * B + j, mul(hsum4(b0, b1, b2, b3), vscale));
      }
    }
  }
  /// One head against one key row at a time, straight from the cache: s[j] = scale · q·kb[j]
  /// — q (d,), kb (nb, d) f32 or f16, s (nb,)
  template <class T>
  static void scores_rows(const float* q, const T* kb, int nb, int d, float scale, float* s) {
    using namespace simd;
    const int d16 = d & ~15;
    for (int j = 0; j < nb; ++j) {
      const T* k = kb + j * d;
      f32x4 a0 = splat(0), a1 = splat(0), a2 = splat(0), a3 = splat(0);
      for (int i = 0; i < d16; i += 16) {  // 4 chains: the row is read front to back
        a0 = madd(a0, load(q + i), load_row(k + i));
        a1 = madd(a1, load(q + i + 4), load_row(k + i + 4));
        a2 = madd(a2, load(q + i + 8), load_row(k + i + 8));
        a3 = madd(a3, load(q + i + 12), load_row(k + i + 12));
      }
      float r = hsum(add(add(a0, a1), add(a2, a3)));
      for (int i = d16; i < d; ++i) r += q[i] * ScalarOps::elem(k + i);  // leftovers
      s[j] = r * scale;
    }
  }
  /// acc += Σ_j p[j] · vb[j], one value row at a time — acc (d,), p (nb,), vb (nb, d) f32 or f16
  template <class T>
  static void accumulate_rows(float* acc, const float* p, const T* vb, int nb, int d) {
    using namespace simd;
    const int d4 = d & ~3;
    for (int j = 0; j < nb; ++j) {
      const f32x4 pj = splat(p[j]);
      const T* v = vb + j * d;
      int i = 0;
      for (; i + 16 <= d; i += 16) {  // 16 floats per iteration: loop overhead amortised
        const f32x4 a0 = madd(load(acc + i), pj, load_row(v + i)), a1 = madd(load(acc + i + 4), pj, load_row(v + i + 4));
        const f32x4 a2 = madd(load(acc + i + 8), pj, load_row(v + i + 8)), a3 = madd(load(acc + i + 12), pj, load_row(v + i + 12));
        store(acc + i, a0); store(acc + i + 4, a1); store(acc + i + 8, a2); store(acc + i + 12, a3);
      }
      for (; i < d4; i += 4) store(acc + i, madd(load(acc + i), pj, load_row(v + i)));
      for (; i < d; ++i) acc[i] += p[j] * ScalarOps::elem(v + i);  // leftovers
    }
  }
  static bool block_max(const float* s, int n, float* mx) {
    using namespace simd;
    f32x4 vm = splat(-INFINITY), z = splat(0);  // z stays 0 while every x - x is 0 (x finite)
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      const f32x4 x = load(s + j);
      vm = max(vm, x);
      z = add(z, sub(x, x));
    }
    float m = hmax(vm);
    bool finite = hsum(z) == 0.0f;
    for (; j < n; ++j) { finite &= is_finite(s[j]); m = s[j] > m ? s[j] : m; }  // leftovers
    *mx = m;
    return finite;
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
  /// acc[h] += Σ_j s[h][j] · vb[j] for all m heads: 2 heads x 16 floats of acc stay in
  /// registers over the whole block (8 accumulators + 4 v + 2 weights live), so acc is loaded
  /// and stored once per block — acc (m, d), s (m, B), vb (nb, d)
  GQA_HOT static void accumulate_group(float* acc, int m, const float* s, const float* vb, int nb, int d) {
    using namespace simd;
    const int d16 = d & ~15;
    int h = 0;
    for (; h + 2 <= m; h += 2) {
      float* a = acc + h * d;
      float* b = a + d;
      const float* pa = s + h * B;
      const float* pb = pa + B;
      for (int i = 0; i < d16; i += 16) {
        f32x4 a0 = load(a + i), a1 = load(a + i + 4), a2 = load(a + i + 8), a3 = load(a + i + 12);
        f32x4 b0 = load(b + i), b1 = load(b + i + 4), b2 = load(b + i + 8), b3 = load(b + i + 12);
        const float* v = vb + i;
        const float* qb = pb;
        for (const float* qa = pa; qa != pa + nb; ++qa, ++qb, v += d) {  // pointers: V8 computes no address
          const f32x4 wa = splat(*qa), wb = splat(*qb);
          f32x4 x = load(v); a0 = madd(a0, wa, x); b0 = madd(b0, wb, x);
          x = load(v + 4); a1 = madd(a1, wa, x); b1 = madd(b1, wb, x);
          x = load(v + 8); a2 = madd(a2, wa, x); b2 = madd(b2, wb, x);
          x = load(v + 12); a3 = madd(a3, wa, x); b3 = madd(b3, wb, x);
        }
        store(a + i, a0); store(a + i + 4, a1); store(a + i + 8, a2); store(a + i + 12, a3);
        store(b + i, b0); store(b + i + 4, b1); store(b + i + 8, b2); store(b + i + 12, b3);
      }
      for (int i = d16; i < d; ++i) {  // leftovers: the last d % 16 elements
        for (int j = 0; j < nb; ++j) { a[i] += pa[j] * vb[j * d + i]; b[i] += pb[j] * vb[j * d + i]; }
      }
    }
    for (; h < m; ++h) accumulate(acc + h * d, s + h * B, vb, nb, d);  // an odd last head
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
  template <class AfterKeys>
  static void scores_i8(const int16_t* qi, const float* qs, int m, const int8_t* kb, const float* ks, int nb, int d,
                        float* s, AfterKeys&& after_keys) {
    using namespace simd;
    const int d8 = d & ~7;
    int h = 0;
    for (; h + 2 <= m; h += 2) {  // 2 heads x 4 keys: 8 accumulators + 2 q + 1-2 k live registers
      const int16_t* q0 = qi + h * d;
      const int16_t* q1 = q0 + d;
      const f32x4 c0 = splat(qs[h]), c1 = splat(qs[h + 1]);
      int j = 0;
      for (; j + 4 <= nb; j += 4) {
        const int8_t* k0 = kb + j * d;
        i32x4 a0 = zero_i32(), a1 = zero_i32(), a2 = zero_i32(), a3 = zero_i32();
        i32x4 b0 = zero_i32(), b1 = zero_i32(), b2 = zero_i32(), b3 = zero_i32();
        for (int i = 0; i < d8; i += 8) {
          const i32x4 x = load_i16x8(q0 + i), y = load_i16x8(q1 + i);
          i32x4 kv = load_i8x8_i16(k0 + i); a0 = add_i32(a0, dot_i16(x, kv)); b0 = add_i32(b0, dot_i16(y, kv));
          kv = load_i8x8_i16(k0 + d + i); a1 = add_i32(a1, dot_i16(x, kv)); b1 = add_i32(b1, dot_i16(y, kv));
          kv = load_i8x8_i16(k0 + 2 * d + i); a2 = add_i32(a2, dot_i16(x, kv)); b2 = add_i32(b2, dot_i16(y, kv));
          kv = load_i8x8_i16(k0 + 3 * d + i); a3 = add_i32(a3, dot_i16(x, kv)); b3 = add_i32(b3, dot_i16(y, kv));
        }
        i32x4 r0 = hsum4_i32(a0, a1, a2, a3), r1 = hsum4_i32(b0, b1, b2, b3);
        if (d8 < d) {  // leftovers: the last d % 8 elements
          int32_t t0[4] = {0, 0, 0, 0}, t1[4] = {0, 0, 0, 0};
          for (int i = d8; i < d; ++i) {
            for (int c = 0; c < 4; ++c) { t0[c] += int32_t(q0[i]) * k0[c * d + i]; t1[c] += int32_t(q1[i]) * k0[c * d + i]; }
          }
          r0 = add_i32(r0, load_i32(t0));
          r1 = add_i32(r1, load_i32(t1));
        }
        const f32x4 kscale = load(ks + j);
        store(s + h * B + j, mul(to_f32(r0), mul(c0, kscale)));
        store(s + (h + 1) * B + j, mul(to_f32(r1), mul(c1, kscale)));
        if (h == 0) after_keys(j, 4);  // the first pair reads each key row first
      }
      for (; j < nb; ++j) {  // leftover keys
        s[h * B + j] = float(dot_i8(q0, kb + j * d, d)) * (qs[h] * ks[j]);
        s[(h + 1) * B + j] = float(dot_i8(q1, kb + j * d, d)) * (qs[h + 1] * ks[j]);
        if (h == 0) after_keys(j, 1);
      }
    }
    for (; h < m; ++h) {  // an odd last head (every head in MHA): 1 x 4
      const int16_t* q0 = qi + h * d;
      const f32x4 c0 = splat(qs[h]);
      int j = 0;
      for (; j + 4 <= nb; j += 4) {
        const int8_t* k0 = kb + j * d;
        i32x4 a0 = zero_i32(), a1 = zero_i32(), a2 = zero_i32(), a3 = zero_i32();
        for (int i = 0; i < d8; i += 8) {
          const i32x4 x = load_i16x8(q0 + i);
          a0 = add_i32(a0, dot_i16(x, load_i8x8_i16(k0 + i)));
          a1 = add_i32(a1, dot_i16(x, load_i8x8_i16(k0 + d + i)));
          a2 = add_i32(a2, dot_i16(x, load_i8x8_i16(k0 + 2 * d + i)));
          a3 = add_i32(a3, dot_i16(x, load_i8x8_i16(k0 + 3 * d + i)));
        }
        i32x4 r0 = hsum4_i32(a0, a1, a2, a3);
        if (d8 < d) {
          int32_t t0[4] = {0, 0, 0, 0};
          for (int i = d8; i < d; ++i) {
            for (int c = 0; c < 4; ++c) t0[c] += int32_t(q0[i]) * k0[c * d + i];
          }
          r0 = add_i32(r0, load_i32(t0));
        }
        store(s + h * B + j, mul(to_f32(r0), mul(c0, load(ks + j))));
      }
      for (; j < nb; ++j) s[h * B + j] = float(dot_i8(q0, kb + j * d, d)) * (qs[h] * ks[j]);
    }
  }
  static void accumulate_i8(float* acc, const float* p, const float* vs, const int8_t* vb, int nb, int d) {
    using namespace simd;
    const int d8 = d & ~7;
    int j = 0;
    for (; j + 4 <= nb; j += 4) {  // 4 rows per pass over acc, widened in registers (no staging)
      const f32x4 w0 = splat(p[j] * vs[j]), w1 = splat(p[j + 1] * vs[j + 1]), w2 = splat(p[j + 2] * vs[j + 2]),
                  w3 = splat(p[j + 3] * vs[j + 3]);
      const int8_t* v0 = vb + j * d;
      for (int i = 0; i < d8; i += 8) {
        f32x4 lo = load(acc + i), hi = load(acc + i + 4);
        i32x4 x = load_i8x8_i16(v0 + i);
        lo = madd(lo, w0, i16_low_to_f32(x)); hi = madd(hi, w0, i16_high_to_f32(x));
        x = load_i8x8_i16(v0 + d + i);
        lo = madd(lo, w1, i16_low_to_f32(x)); hi = madd(hi, w1, i16_high_to_f32(x));
        x = load_i8x8_i16(v0 + 2 * d + i);
        lo = madd(lo, w2, i16_low_to_f32(x)); hi = madd(hi, w2, i16_high_to_f32(x));
        x = load_i8x8_i16(v0 + 3 * d + i);
        lo = madd(lo, w3, i16_low_to_f32(x)); hi = madd(hi, w3, i16_high_to_f32(x));
        store(acc + i, lo);
        store(acc + i + 4, hi);
      }
      for (int c = 0; c < 4; ++c) {  // leftovers: the last d % 8 elements
        const float w = p[j + c] * vs[j + c];
        for (int i = d8; i < d; ++i) acc[i] += w * float(v0[c * d + i]);
      }
    }
    for (; j < nb; ++j) {  // leftover keys
      const float w = p[j] * vs[j];
      const f32x4 wj = splat(w);
      const int8_t* vj = vb + j * d;
      int i = 0;
      for (; i < d8; i += 8) {
        const i32x4 x = load_i8x8_i16(vj + i);
        store(acc + i, madd(load(acc + i), wj, i16_low_to_f32(x)));
        store(acc + i + 4, madd(load(acc + i + 4), wj, i16_high_to_f32(x)));
      }
      for (; i < d; ++i) acc[i] += w * float(vj[i]);
    }
  }
  static int32_t dot_i8(const int16_t* a, const int8_t* b, int d) {
    using namespace simd;
    i32x4 acc = zero_i32();
    int i = 0;
    for (; i + 8 <= d; i += 8) acc = add_i32(acc, dot_i16(load_i16x8(a + i), load_i8x8_i16(b + i)));
    int32_t t[4];
    std::memcpy(t, &acc, sizeof t);
    int32_t r = t[0] + t[1] + t[2] + t[3];
    for (; i < d; ++i) r += int32_t(a[i]) * int32_t(b[i]);  // leftovers
    return r;
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

/// The int16 query range for int8 keys of width d: every partial sum of d products
/// |q̂_i · k_i| <= qmax · 127 stays below 2^31, so the int32 lanes never wrap (32767 for d <= 516).
inline int32_t q_int16_max(int d) {
  const int64_t cap = int64_t(2147483647) / (int64_t(127) * d);
  return int32_t(cap < 32767 ? cap : 32767);
}

/// For int8 keys, once per call: each head's q as int16, q̂ = round(q / s_q) with
/// s_q = max|q| / qmax, and qs[h] = scale · s_q (in float, rounded once: quantize.h). Then scale · q·k̂ is
/// float(Σ q̂·k_int8) · (qs · k_scale) up to |q_i - s_q q̂_i| <= s_q / 2 per element: the
/// score error scale · s_q / 2 · Σ|k̂| documented with the int8 tolerance (docs/architecture.md).
void quantise_q(const float* q, int m, int d, float scale, int16_t* qi, float* qs) {
  const int32_t qmax = q_int16_max(d);
  for (int h = 0; h < m; ++h) qs[h] = quantize_row_symmetric(qi + h * d, q + h * d, d, qmax, double(scale));
}

// [lesson:decode-kernel] (the page shows these lines, pulled from here at build time)
/// T: how the cache stores an element (float, uint16_t half, int8_t with a scale per row).
template <class Ops, class T>
Status decode_group_impl(const float* q, int m, const KvHeadView& kv, int64_t lo, int64_t hi, float scale,
                         float* out, float* scratch, float* row_max, float* row_sum) {
  constexpr bool kInt8 = std::is_same<T, int8_t>::value;
  const int d = kv.d;
  const T* kc = static_cast<const T*>(kv.k);  // (T, d) this KV head's keys as stored
  const T* vc = static_cast<const T*>(kv.v);  // (T, d) its values
  const int mp = (m + 3) & ~3, d4 = (d + 3) & ~3;  // heads padded to fours, d to 4 lanes
  float* kf = scratch;        // (B, d4) current K block as f32, as Ops::stage_k lays it out
  float* vf = kf + B * d4;    // (B, d)  current V block as f32
  float* s = vf + B * d;      // (mp, B) scores, then unnormalised weights
  float* acc = s + mp * B;    // (m, d)  Σ weight · value, rescaled as the max moves
  float* mx = acc + m * d;    // (m,)    running max score
  float* sum = mx + m;        // (m,)    running Σ exp(score - max)
  float* qs = sum + m;        // (m,)    int8 K: scale · s_q per head
  float* qp = qs + m;         // (mp, d4) q as Ops::pack_q lays it out
  int16_t* qi = reinterpret_cast<int16_t*>(qp + mp * d4);  // (m, d) int8 K: q quantised to int16
  for (int i = 0; i < m * d; ++i) acc[i] = 0.0f;
  for (int h = 0; h < m; ++h) { mx[h] = -INFINITY; sum[h] = 0.0f; }
  // MHA (one head per group) has nothing to share a staged block with: its f32 and f16 rows
  // are used straight from the cache, one row at a time, front to back (wasm, d = 128,
  // T = 8192: 1.2x faster than staging; two rows at a time was 1.2x slower again). int8 V
  // likewise for MHA, four rows at a time with the scale folded into the weight (1.4x
  // faster than staging; m = 2 was 1.09x and m = 4 1.2x slower).
  const bool rows = m == 1;
  // Small groups score their keys straight from the cache too, four heads against one row at a
  // time, and stage each V row as its K row is scored (below). Timed both ways round in wasm at
  // T = 8192 against staging the K block as panels: 4 heads f32 0.89-0.95x the time at d = 128,
  // 0.95-0.98x at 64, f16 unchanged; 8 heads f32 0.83-0.95x (with the V rows streamed), f16
  // 1.03-1.08x (each row widened twice); MQA's 32 1.08x. Larger groups stage K as panels.
  constexpr int direct_heads = std::is_same<T, float>::value ? 8 : 4;
  if constexpr (kInt8) quantise_q(q, m, d, scale, qi, qs);
  const float* qg = kInt8 || rows ? q : Ops::pack_q(q, m, d, qp);

  for (int64_t j0 = lo; j0 < hi; j0 += B) {
    const int nb = int(hi - j0 < B ? hi - j0 : B);
    // pass 1: scores of every head in the group against this key block (K read once; int8 keys
    // are used as stored, against the int16 q: i32x4.dot_i16x8_s), and a group's values staged
    // as f32 in vb (nb, d)
    const float* vb = nullptr;
    if constexpr (kInt8) {
      // a group's V rows are widened as the first head pair scores their K rows, as for f32 below
      // (int8 GQA-8 and GQA-4, timed both ways round: 0.93-1.00x the time)
      Ops::scores_i8(qi, qs, m, kc + j0 * d, kv.k_scale + j0, nb, d, s,
                     [&](int j, int n) { block_f32<Ops>(vc, kv.v_scale, j0 + j, n, d, vf + j * d); });
      if (!rows) vb = vf;
    } else if (rows) {
      Ops::scores_rows(q, kc + j0 * d, nb, d, scale, s);
    } else if (m <= direct_heads) {
      // each V row is staged after its K row is scored, so both stream from memory while the
      // heads compute; staged in one sweep after the scores, memory idled while they ran
      // (wasm, GQA-8, timed both ways round: f32 0.83-0.86x the time, f16 0.95x)
      const T* vrow = vc + j0 * d;
      float* vdst = vf;
      Ops::scores_direct(qg, m, kc + j0 * d, nb, d, scale, s, [&] {
        block_f32<Ops>(vrow, nullptr, 0, 1, d, vdst);
        vrow += d;
        vdst += d;
      });
      vb = vf;
    } else {
      Ops::scores(qg, m, Ops::stage_k(kc, kv.k_scale, j0, nb, d, kf), nb, d, scale, s);
      vb = block_f32<Ops>(vc, kv.v_scale, j0, nb, d, vf);
    }
    for (int h = 0; h < m; ++h) {
      float* sh = s + h * B;
      // pass 2: online softmax - new max, rescale what was accumulated under the old one
      float bm;
      if (!Ops::block_max(sh, nb, &bm)) {
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
      // pass 3 (MHA): accumulate the weighted values
      if (rows) {
        if constexpr (kInt8) {
          Ops::accumulate_i8(acc + h * d, sh, kv.v_scale + j0, vc + j0 * d, nb, d);
        } else {
          Ops::accumulate_rows(acc + h * d, sh, vc + j0 * d, nb, d);
        }
      }
    }
    // pass 3 (a group of heads): accumulate the weighted values, the V block read once
    if (!rows) Ops::accumulate_group(acc, m, s, vb, nb, d);
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

uint64_t decode_scratch_floats(int m, int d, Dtype dtype) {
  // kf, vf, s, acc, mx, sum, qs, qp (decode_group_impl's layout); int8 adds m·d int16 for qi
  const uint64_t mp = (uint64_t(m) + 3) & ~uint64_t(3), d4 = (uint64_t(d) + 3) & ~uint64_t(3);
  const uint64_t base = B * d4 + uint64_t(B) * d + mp * B + uint64_t(m) * d + 3 * uint64_t(m) + mp * d4;
  return dtype == Dtype::kInt8 ? base + (uint64_t(m) * d + 1) / 2 : base;
}

namespace {
using Kernel = Status (*)(const float* q, int m, const KvHeadView& kv, int64_t lo, int64_t hi, float scale,
                          float* out, float* scratch, float* row_max, float* row_sum);
/// The kernel per ISA and cache dtype, called through this table rather than a switch: each
/// stays its own WebAssembly function. Inlined into one (binaryen inlines a function with one
/// caller, whatever its size), V8 kept loop accumulators and counters on the stack.
template <class Ops>
constexpr Kernel kKernels[3] = {decode_group_impl<Ops, float>, decode_group_impl<Ops, uint16_t>,
                                decode_group_impl<Ops, int8_t>};
static_assert(int(Dtype::kF32) == 0 && int(Dtype::kF16) == 1 && int(Dtype::kInt8) == 2, "kKernels order");
}  // namespace

Status decode_group(Isa isa, const float* q, int m, const KvHeadView& kv, int64_t lo, int64_t hi, float scale,
                    float* out, float* scratch, float* row_max, float* row_sum) {
  if (lo >= hi) return Status::error(StatusCode::kOutOfRange, "decode_group: empty key range [%lld, %lld)",
                                     (long long)lo, (long long)hi);
  const int t = int(kv.dtype);
  if (t < 0 || t > 2) return Status::error(StatusCode::kInvalidArgument, "decode_group: unknown cache dtype %d", t);
#if GQA_SIMD
  if (isa == Isa::kSimd) return kKernels<SimdOps>[t](q, m, kv, lo, hi, scale, out, scratch, row_max, row_sum);
#endif
  return kKernels<ScalarOps>[t](q, m, kv, lo, hi, scale, out, scratch, row_max, row_sum);
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
