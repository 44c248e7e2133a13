// decode_ops_scalar.h - the decode kernel's primitives, scalar reference (ScalarOps), and the
// block staging both primitive sets share (block_f32).
//
// The contract, shared with SimdOps (decode_ops_simd.h). decode.cpp's algorithm is written once
// over either set; the two must agree to rounding, and the tests hold them to it.
//   - Arguments: outputs first (written, or read and updated in place: acc, s), then inputs, then
//     sizes and constants, then a callback if any. A primitive that returns a pointer returns its
//     first argument, or the input itself when no copy was needed (pack_q in ScalarOps).
//   - B = kDecodeBlock. Scores and weights s are (m, B): head h's row starts at s + h * B.
//   - q (m, d) f32; kb, vb (nb, d) cached rows as stored: T = float, uint16_t (IEEE half), or
//     int8_t with one f32 scale per row (ks, vs (nb,)); nb <= B.
//   - Names say the tile: heads x K or V rows per step. `direct` reads rows straight from the cache,
//     `panel` reads K staged as 4-key panels by stage_k_panels.
//   - The scalar twin of a tiled kernel computes the same sums with plain loops over (h, j, i); it
//     calls the callback the same number of times with the same arguments, in its own order.
//
// Included by decode.cpp alone: the primitives stay in an unnamed namespace so that, as when they
// were written in decode.cpp, they have internal linkage and the compiler inlines them as before.
#pragma once

#include <cmath>
#include <cstdint>

#include "attention/decode.h"
#include "attention/half.h"
#include "attention/softmax.h"

namespace gqa {
namespace {

constexpr int B = kDecodeBlock;

// ---- staging a block (Ops supplies copy, widen_f16, widen_i8) -------------------------------

/// tmp (nb, d) = rows [j0, j0 + nb) of one K or V head as f32; returns tmp. The block stays in
/// L1 while the whole group uses it. Read front to back in one sweep (a copy for f32, a widening
/// for f16 and int8), so the hardware prefetcher streams it: the value loop then walks every row
/// of the block per 16 columns, which reads DRAM far slower (docs/performance.md).
template <class Ops>
const float* block_f32(float* tmp, const float* base, const float*, int64_t j0, int nb, int d) {
  Ops::copy(tmp, base + j0 * d, nb * d);
  return tmp;
}
template <class Ops>
const float* block_f32(float* tmp, const uint16_t* base, const float*, int64_t j0, int nb, int d) {
  Ops::widen_f16(tmp, base + j0 * d, nb * d);
  return tmp;
}
template <class Ops>
const float* block_f32(float* tmp, const int8_t* base, const float* row_scale, int64_t j0, int nb, int d) {
  for (int j = 0; j < nb; ++j) {
    const int8_t* row = base + (j0 + j) * d;
    Ops::widen_i8(tmp + j * d, row, row_scale[j0 + j], d);
  }
  return tmp;
}

// ---- scalar reference primitives -------------------------------------------------------------

struct ScalarOps {
  static float elem(const float* p) { return *p; }
  static float elem(const uint16_t* p) { return f16_to_f32(*p); }

  /// The queries as the score loops read them: q (m, d) as given, no copy
  static const float* pack_q(float*, const float* q, int, int) { return q; }

  /// s[h][j] = scale · q[h]·kb[j] — s (m, B), q (m, d), kb (nb, d) f32 or f16 as stored; then
  /// after_row() once per key row (the twin of SimdOps' 4 heads x 1 row)
  template <class T, class AfterRow>
  static void scores_direct_4x1(float* s, const float* q, int m, const T* kb, int nb, int d, float scale,
                                AfterRow&& after_row) {
    for (int h = 0; h < m; ++h) scores_direct_1x1(s + h * B, q + h * d, kb, nb, d, scale);
    for (int j = 0; j < nb; ++j) after_row();
  }

  /// s[j] = scale · q·kb[j] for one head — s (nb,), q (d,), kb (nb, d) f32 or f16 as stored
  template <class T>
  static void scores_direct_1x1(float* s, const float* q, const T* kb, int nb, int d, float scale) {
    for (int j = 0; j < nb; ++j) {
      float dot = 0.0f;
      for (int i = 0; i < d; ++i) dot += q[i] * elem(kb + j * d + i);
      s[j] = dot * scale;
    }
  }

  /// kf (nb, d) = keys [j0, j0 + nb) as f32 rows (SimdOps lays them out as panels); returns kf
  template <class T>
  static const float* stage_k_panels(float* kf, const T* kc, const float* ks, int64_t j0, int nb, int d) {
    return block_f32<ScalarOps>(kf, kc, ks, j0, nb, d);
  }

  /// s[h][j] = scale · q[h]·kf[j] — s (m, B), q from pack_q, kf from stage_k_panels
  static void scores_panel_2x4(float* s, const float* q, int m, const float* kf, int nb, int d, float scale) {
    for (int h = 0; h < m; ++h) {
      for (int j = 0; j < nb; ++j) {
        float dot = 0.0f;
        for (int i = 0; i < d; ++i) dot += q[h * d + i] * kf[j * d + i];
        s[h * B + j] = dot * scale;
      }
    }
  }

  /// s[h][j] = float(Σ_i qi[h][i] · kb[j][i]) · (qs[h] · ks[j]), the integer sum exact — s (m, B),
  /// qi (m, d) int16 from quantise_q, qs (m,), kb (nb, d) int8, ks (nb,); for m >= 2, then
  /// after_keys(j, n) for key rows [j, j + n), covering every row once
  template <class AfterKeys>
  static void scores_i8_2x4(float* s, const int16_t* qi, const float* qs, int m, const int8_t* kb, const float* ks,
                            int nb, int d, AfterKeys&& after_keys) {
    for (int h = 0; h < m; ++h) {
      for (int j = 0; j < nb; ++j) s[h * B + j] = float(dot_i8(qi + h * d, kb + j * d, d)) * (qs[h] * ks[j]);
    }
    if (m >= 2) after_keys(0, nb);
  }

  /// Σ_i a[i] · b[i] in int32 — a (d,) int16, b (d,) int8
  static int32_t dot_i8(const int16_t* a, const int8_t* b, int d) {
    int32_t r = 0;
    for (int i = 0; i < d; ++i) r += int32_t(a[i]) * int32_t(b[i]);
    return r;
  }

  /// *mx = max_j s[j]; returns false if any s[j] is not finite — s (n,)
  static bool block_max(float* mx, const float* s, int n) {
    float m = -INFINITY;
    bool finite = true;
    for (int j = 0; j < n; ++j) { finite &= is_finite(s[j]); m = s[j] > m ? s[j] : m; }
    *mx = m;
    return finite;
  }

  /// s[j] = exp(s[j] - mx); returns Σ_j s[j] — s (n,)
  static float exp_shift(float* s, int n, float mx) {
    float sum = 0.0f;
    for (int j = 0; j < n; ++j) { s[j] = std::exp(s[j] - mx); sum += s[j]; }
    return sum;
  }

  /// acc += Σ_j p[j] · vb[j] — acc (d,), p (nb,), vb (nb, d) staged f32
  static void accumulate_1x4(float* acc, const float* p, const float* vb, int nb, int d) {
    for (int j = 0; j < nb; ++j) {
      for (int i = 0; i < d; ++i) acc[i] += p[j] * vb[j * d + i];
    }
  }

  /// acc[h] += Σ_j s[h][j] · vb[j] for all m heads — acc (m, d), s (m, B), vb (nb, d) staged f32
  static void accumulate_2x1(float* acc, const float* s, int m, const float* vb, int nb, int d) {
    for (int h = 0; h < m; ++h) accumulate_1x4(acc + h * d, s + h * B, vb, nb, d);
  }

  /// acc += Σ_j p[j] · vb[j] for one head — acc (d,), p (nb,), vb (nb, d) f32 or f16 as stored
  template <class T>
  static void accumulate_direct_1x1(float* acc, const float* p, const T* vb, int nb, int d) {
    for (int j = 0; j < nb; ++j) {
      for (int i = 0; i < d; ++i) acc[i] += p[j] * elem(vb + j * d + i);
    }
  }

  /// acc += Σ_j (p[j] · vs[j]) · vb[j] for one head — acc (d,), p (nb,), vb (nb, d) int8, vs (nb,)
  static void accumulate_i8_1x4(float* acc, const float* p, const int8_t* vb, const float* vs, int nb, int d) {
    for (int j = 0; j < nb; ++j) {
      const float w = p[j] * vs[j];
      for (int i = 0; i < d; ++i) acc[i] += w * float(vb[j * d + i]);
    }
  }

  /// dst = c · src — (n,); dst may be src
  static void scale(float* dst, const float* src, int n, float c) {
    for (int i = 0; i < n; ++i) dst[i] = src[i] * c;
  }
  /// dst = src — (n,)
  static void copy(float* dst, const float* src, int n) {
    for (int i = 0; i < n; ++i) dst[i] = src[i];
  }
  /// dst = float(src) — (n,) halves
  static void widen_f16(float* dst, const uint16_t* src, int n) {
    for (int i = 0; i < n; ++i) dst[i] = f16_to_f32(src[i]);
  }
  /// dst = float(src) · sc — (n,) int8
  static void widen_i8(float* dst, const int8_t* src, float sc, int n) {
    for (int i = 0; i < n; ++i) dst[i] = float(src[i]) * sc;
  }
};

}  // namespace
}  // namespace gqa
