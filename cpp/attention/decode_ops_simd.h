// decode_ops_simd.h - the decode kernel's primitives over 128-bit SIMD (simd.h): SimdOps, the
// same contract as ScalarOps (decode_ops_scalar.h, where it is written down), each primitive a
// tiled kernel with a `// leftovers` tail for the last keys or elements.
//
// Included by decode.cpp alone, in an unnamed namespace like ScalarOps (see there).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "attention/decode_ops_scalar.h"
#include "attention/simd.h"

#if GQA_SIMD
// Forces the hot block loops into each kernel: left as calls that the f32 and f16 kernels share
// (as clang chose), V8 ran the step slower (docs/performance.md).
#define GQA_HOT __attribute__((always_inline))
// The relaxed build's clang 19 unrolls the register-tiled loops, which holds more vectors live
// than V8's 15 xmm registers (docs/performance.md); clang 14 (SIMD128) leaves them as written.
#if defined(__wasm_relaxed_simd__)
#define GQA_TILE_LOOP _Pragma("clang loop unroll(disable)")
#else
#define GQA_TILE_LOOP
#endif

namespace gqa {
namespace {

struct SimdOps {
  /// f32 lanes of cached elements: as stored, or widened from halves
  static simd::f32x4 load_row(const float* p) { return simd::load(p); }
  static simd::f32x4 load_row(const uint16_t* p) { return simd::load_f16(p); }

  /// qp (⌈m/4⌉, ⌈d/4⌉, 4, 4) = the group's queries in fours of heads, 4 elements at a time,
  /// zero-padded to a multiple of 4 heads and of 4 elements; returns qp. Once per call.
  static const float* pack_q(float* qp, const float* q, int m, int d) {
    const int c4 = (d + 3) / 4;
    for (int h = 0; h < ((m + 3) & ~3); ++h) {
      float* dst = qp + (h / 4) * c4 * 16 + (h & 3) * 4;
      for (int i = 0; i < 4 * c4; ++i) dst[(i / 4) * 16 + i % 4] = h < m && i < d ? q[h * d + i] : 0.0f;
    }
    return qp;
  }

  /// s[h][j] = scale · q[h]·kb[j], 4 heads x 1 key row straight from the cache, so the K stream
  /// is read front to back (as for MHA) while the heads compute; after each row of the first
  /// four heads, after_row() — s (m, B), qp from pack_q, kb (nb, d) f32 or f16
  template <class T, class AfterRow>
  GQA_HOT static void scores_direct_4x1(float* s, const float* qp, int m, const T* kb, int nb, int d, float scale,
                                        AfterRow&& after_row) {
    using namespace simd;
    const int c4 = (d + 3) / 4, d4 = d & ~3;
    for (int h = 0; h < m; h += 4) {
      const float* qh = qp + (h / 4) * c4 * 16;
      for (int j = 0; j < nb; ++j) {
        const T* k = kb + j * d;
        f32x4 a0 = splat(0), a1 = splat(0), a2 = splat(0), a3 = splat(0);
        const float* qc = qh;
        GQA_TILE_LOOP
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

  /// s[j] = scale · q·kb[j] for one head, 1 key row at a time straight from the cache, read front
  /// to back — s (nb,), q (d,), kb (nb, d) f32 or f16
  template <class T>
  static void scores_direct_1x1(float* s, const float* q, const T* kb, int nb, int d, float scale) {
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

  /// kp (⌈nb/4⌉, ⌈d/4⌉, 4, 4) = keys [j0, j0 + nb) as f32 panels of 4 keys, zero-padded; returns
  /// kp. Each row is read front to back (one stream for the prefetcher); the score loop then
  /// reads one pointer with constant offsets instead of six (V8 computes an address per base
  /// pointer).
  template <class T>
  static const float* stage_k_panels(float* kp, const T* kc, const float*, int64_t j0, int nb, int d) {
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
  /// at a time (8 accumulators + 2 q + 4 k live registers) — s (⌈m/4⌉·4, B): an odd group's
  /// padding head and the padding keys are written, never read; qp from pack_q, kp from
  /// stage_k_panels
  GQA_HOT static void scores_panel_2x4(float* s, const float* qp, int m, const float* kp, int nb, int d,
                                       float scale) {
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
        GQA_TILE_LOOP
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

  /// int8 keys as stored against int16 queries, 2 heads x 4 keys (8 accumulators + 2 q + 1-2 k
  /// live registers; an odd last head, every head in MHA, 1 x 4); the first head pair calls
  /// after_keys for each 4 (or leftover 1) key rows it has read.
  /// Not relaxed SIMD's i32x4.relaxed_dot_i8x16_i7x16_add_s: its result is defined only where
  /// every lane of its second operand is in [0, 127] (x86 engines lower it to pmaddubsw, which
  /// reads that operand as unsigned), and neither operand is: keys are stored in [-127, 127] and
  /// the queries are rounded to int16, not 7 bits (the 2^-15 term of the tolerance).
  /// dot_i16x8_s stays, exact for this value range in every build.
  template <class AfterKeys>
  static void scores_i8_2x4(float* s, const int16_t* qi, const float* qs, int m, const int8_t* kb, const float* ks,
                            int nb, int d, AfterKeys&& after_keys) {
    using namespace simd;
    const int d8 = d & ~7;
    int h = 0;
    for (; h + 2 <= m; h += 2) {  // 2 heads x 4 keys
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

  /// The block's max and its finiteness in one pass: x - x is 0 for every finite x, NaN otherwise
  static bool block_max(float* mx, const float* s, int n) {
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

  /// 1 head x 4 value rows per pass over acc: one load and store of acc per 4 keys
  static void accumulate_1x4(float* acc, const float* p, const float* vb, int nb, int d) {
    using namespace simd;
    const int d4 = d & ~3;
    int j = 0;
    for (; j + 4 <= nb; j += 4) {
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

  /// 2 heads x 1 value row per step, 16 floats of each head's acc held in registers over the
  /// whole block (8 accumulators + 4 v + 2 weights live), so acc is loaded and stored once per
  /// block; an odd last head goes through accumulate_1x4
  GQA_HOT static void accumulate_2x1(float* acc, const float* s, int m, const float* vb, int nb, int d) {
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
        GQA_TILE_LOOP
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
    for (; h < m; ++h) accumulate_1x4(acc + h * d, s + h * B, vb, nb, d);  // an odd last head
  }

  /// 1 head x 1 value row straight from the cache, 16 floats per iteration (loop overhead
  /// amortised)
  template <class T>
  static void accumulate_direct_1x1(float* acc, const float* p, const T* vb, int nb, int d) {
    using namespace simd;
    const int d4 = d & ~3;
    for (int j = 0; j < nb; ++j) {
      const f32x4 pj = splat(p[j]);
      const T* v = vb + j * d;
      int i = 0;
      for (; i + 16 <= d; i += 16) {
        const f32x4 a0 = madd(load(acc + i), pj, load_row(v + i)), a1 = madd(load(acc + i + 4), pj, load_row(v + i + 4));
        const f32x4 a2 = madd(load(acc + i + 8), pj, load_row(v + i + 8)), a3 = madd(load(acc + i + 12), pj, load_row(v + i + 12));
        store(acc + i, a0); store(acc + i + 4, a1); store(acc + i + 8, a2); store(acc + i + 12, a3);
      }
      for (; i < d4; i += 4) store(acc + i, madd(load(acc + i), pj, load_row(v + i)));
      for (; i < d; ++i) acc[i] += p[j] * ScalarOps::elem(v + i);  // leftovers
    }
  }

  /// 1 head x 4 int8 value rows per pass over acc, widened in registers (no staging), each row's
  /// scale folded into its weight
  static void accumulate_i8_1x4(float* acc, const float* p, const int8_t* vb, const float* vs, int nb, int d) {
    using namespace simd;
    const int d8 = d & ~7;
    int j = 0;
    for (; j + 4 <= nb; j += 4) {
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

  static void scale(float* dst, const float* src, int n, float c) {
    using namespace simd;
    const f32x4 vc = splat(c);
    int i = 0;
    for (; i + 4 <= n; i += 4) store(dst + i, mul(load(src + i), vc));
    for (; i < n; ++i) dst[i] = src[i] * c;
  }
  static void copy(float* dst, const float* src, int n) {
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
  static void widen_f16(float* dst, const uint16_t* src, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) simd::widen_f16x8(src + i, dst + i);  // 8 halves per 16-byte load
    for (; i < n; ++i) dst[i] = f16_to_f32(src[i]);
  }
  static void widen_i8(float* dst, const int8_t* src, float sc, int n) {
    const simd::f32x4 vsc = simd::splat(sc);
    int i = 0;
    for (; i + 16 <= n; i += 16) simd::widen_i8x16(src + i, vsc, dst + i);  // 16 int8 per 16-byte load
    for (; i + 4 <= n; i += 4) simd::store(dst + i, simd::mul(simd::load_i8(src + i), vsc));
    for (; i < n; ++i) dst[i] = float(src[i]) * sc;
  }
};

}  // namespace
}  // namespace gqa
#endif  // GQA_SIMD
