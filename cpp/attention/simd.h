// simd.h - the thin 128-bit SIMD layer the kernels are written against (4 x f32 lanes).
//
// One mapping per ISA: WebAssembly SIMD128 (wasm_simd128.h) when built with -msimd128, SSE2
// (plus SSE4.1 where enabled) natively so the same kernels can be tested under sanitizers and
// benchmarked at 128-bit width. Without either, GQA_SIMD is 0 and only the scalar reference
// kernels exist. Define GQA_NO_SIMD to force that. With -mrelaxed-simd (WASM) or -mfma (x86),
// madd() is one fused multiply-add; nothing else changes.
#pragma once

#include <cstdint>
#include <cstring>

#if !defined(GQA_NO_SIMD) && defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define GQA_SIMD 1
#if defined(__wasm_relaxed_simd__)
#define GQA_SIMD_ISA "relaxed"
#else
#define GQA_SIMD_ISA "simd128"
#endif
#elif !defined(GQA_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64))
#include <emmintrin.h>
#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif
#if defined(__FMA__)
#include <immintrin.h>
#define GQA_SIMD_ISA "sse2+fma"
#else
#define GQA_SIMD_ISA "sse2"
#endif
#define GQA_SIMD 1
#else
#define GQA_SIMD 0
#define GQA_SIMD_ISA "none"
#endif

#if GQA_SIMD
namespace gqa::simd {

#if defined(__wasm_simd128__)
typedef v128_t f32x4;
inline f32x4 load(const float* p) { return wasm_v128_load(p); }
inline void store(float* p, f32x4 v) { wasm_v128_store(p, v); }
inline f32x4 splat(float x) { return wasm_f32x4_splat(x); }
inline f32x4 add(f32x4 a, f32x4 b) { return wasm_f32x4_add(a, b); }
inline f32x4 sub(f32x4 a, f32x4 b) { return wasm_f32x4_sub(a, b); }
inline f32x4 mul(f32x4 a, f32x4 b) { return wasm_f32x4_mul(a, b); }
inline f32x4 max(f32x4 a, f32x4 b) { return wasm_f32x4_pmax(a, b); }  // pmax: one instruction
inline f32x4 round_nearest(f32x4 a) { return wasm_f32x4_nearest(a); }
/// 2^n for whole-number lanes n in [-126, 127]
inline f32x4 exp2i(f32x4 n) {
  return wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
}
/// (sum a, sum b, sum c, sum d): four horizontal sums in one vector
inline f32x4 hsum4(f32x4 a, f32x4 b, f32x4 c, f32x4 d) {
  f32x4 ab = add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  f32x4 cd = add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}
inline float hsum(f32x4 a) {
  f32x4 t = add(a, wasm_i32x4_shuffle(a, a, 2, 3, 0, 1));
  return wasm_f32x4_extract_lane(t, 0) + wasm_f32x4_extract_lane(t, 1);
}
inline float hmax(f32x4 a) {
  f32x4 t = max(a, wasm_i32x4_shuffle(a, a, 2, 3, 0, 1));
  t = max(t, wasm_i32x4_shuffle(t, t, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(t, 0);
}
/// 4 halves in the high 16 bits of u32 lanes -> 4 floats (finite halves): an arithmetic shift
/// by 3 lines the exponent and mantissa up with a float's, the mask keeps the sign, and
/// multiplying by 2^112 rebiases the exponent (15 -> 127), subnormal halves included (see half.h)
inline f32x4 f16_high_bits_to_f32(v128_t x) {
  const v128_t bits = wasm_v128_and(wasm_i32x4_shr(x, 3), wasm_i32x4_splat(int32_t(0x8fffe000u)));
  return wasm_f32x4_mul(bits, wasm_i32x4_splat(0x77800000));
}
/// halves 0-3 (lo) or 4-7 (hi) of h, each moved into the high half of a u32 lane
inline v128_t f16_lo_high_bits(v128_t h) { return wasm_i16x8_shuffle(wasm_i32x4_splat(0), h, 0, 8, 1, 9, 2, 10, 3, 11); }
inline v128_t f16_hi_high_bits(v128_t h) { return wasm_i16x8_shuffle(wasm_i32x4_splat(0), h, 4, 12, 5, 13, 6, 14, 7, 15); }
/// Small integers (|x| < 2^22) in i32 lanes -> 4 floats, exactly. Not f32x4.convert_i32x4 on a
/// sign extension: clang 14 folds the extension into the conversion and then lowers it lane by
/// lane (4 extracts, 4 scalar converts, 4 inserts; docs/performance.md has its cost). Adding x to
/// the bits of 1.5·2^23 and subtracting 1.5·2^23 as a float stays two vector instructions.
inline f32x4 small_i32_to_f32(v128_t x) {
  return wasm_f32x4_sub(wasm_i32x4_add(x, wasm_i32x4_splat(0x4b400000)), wasm_f32x4_splat(12582912.0f));
}
/// 4 IEEE halves -> 4 floats
inline f32x4 load_f16(const uint16_t* p) { return f16_high_bits_to_f32(f16_lo_high_bits(wasm_v128_load64_zero(p))); }
/// 4 int8 -> 4 floats
inline f32x4 load_i8(const int8_t* p) {
  v128_t b = wasm_v128_load32_zero(p);
  return small_i32_to_f32(wasm_i32x4_extend_low_i16x8(wasm_i16x8_extend_low_i8x16(b)));
}
// Wide conversions store straight to memory: clang 14 keeps arrays of v128 (and values passed
// out through pointers) in linear memory, which costs more than the conversion itself.
/// dst[0..16) = 16 int8 at p, times sc: one load
inline void widen_i8x16(const int8_t* p, f32x4 sc, float* dst) {
  const v128_t b = wasm_v128_load(p);
  const v128_t lo = wasm_i16x8_extend_low_i8x16(b), hi = wasm_i16x8_extend_high_i8x16(b);
  wasm_v128_store(dst, wasm_f32x4_mul(small_i32_to_f32(wasm_i32x4_extend_low_i16x8(lo)), sc));
  wasm_v128_store(dst + 4, wasm_f32x4_mul(small_i32_to_f32(wasm_i32x4_extend_high_i16x8(lo)), sc));
  wasm_v128_store(dst + 8, wasm_f32x4_mul(small_i32_to_f32(wasm_i32x4_extend_low_i16x8(hi)), sc));
  wasm_v128_store(dst + 12, wasm_f32x4_mul(small_i32_to_f32(wasm_i32x4_extend_high_i16x8(hi)), sc));
}
/// dst[0..8) = 8 finite halves at p: one load
inline void widen_f16x8(const uint16_t* p, float* dst) {
  const v128_t h = wasm_v128_load(p);
  wasm_v128_store(dst, f16_high_bits_to_f32(f16_lo_high_bits(h)));
  wasm_v128_store(dst + 4, f16_high_bits_to_f32(f16_hi_high_bits(h)));
}
// Integer lanes for the int8 K scores: int16 q against int8 keys, exact int32 sums.
typedef v128_t i32x4;  // also holds 8 x int16
inline i32x4 zero_i32() { return wasm_i32x4_splat(0); }
inline i32x4 load_i16x8(const int16_t* p) { return wasm_v128_load(p); }
/// 8 int8 at p sign-extended to 8 x int16: one instruction (v128.load8x8_s)
inline i32x4 load_i8x8_i16(const int8_t* p) { return wasm_i16x8_load8x8(p); }
/// lane k: a[2k]·b[2k] + a[2k+1]·b[2k+1] (i32x4.dot_i16x8_s)
inline i32x4 dot_i16(i32x4 a, i32x4 b) { return wasm_i32x4_dot_i16x8(a, b); }
inline i32x4 add_i32(i32x4 a, i32x4 b) { return wasm_i32x4_add(a, b); }
inline i32x4 load_i32(const int32_t* p) { return wasm_v128_load(p); }
inline f32x4 to_f32(i32x4 a) { return wasm_f32x4_convert_i32x4(a); }
/// the low / high 4 of 8 x int16 as floats
inline f32x4 i16_low_to_f32(i32x4 a) { return small_i32_to_f32(wasm_i32x4_extend_low_i16x8(a)); }
inline f32x4 i16_high_to_f32(i32x4 a) { return small_i32_to_f32(wasm_i32x4_extend_high_i16x8(a)); }
inline i32x4 hsum4_i32(i32x4 a, i32x4 b, i32x4 c, i32x4 d) {
  i32x4 ab = add_i32(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  i32x4 cd = add_i32(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return add_i32(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}
#else  // SSE2
typedef __m128 f32x4;
inline f32x4 load(const float* p) { return _mm_loadu_ps(p); }
inline void store(float* p, f32x4 v) { _mm_storeu_ps(p, v); }
inline f32x4 splat(float x) { return _mm_set1_ps(x); }
inline f32x4 add(f32x4 a, f32x4 b) { return _mm_add_ps(a, b); }
inline f32x4 sub(f32x4 a, f32x4 b) { return _mm_sub_ps(a, b); }
inline f32x4 mul(f32x4 a, f32x4 b) { return _mm_mul_ps(a, b); }
inline f32x4 max(f32x4 a, f32x4 b) { return _mm_max_ps(a, b); }
inline f32x4 round_nearest(f32x4 a) { return _mm_cvtepi32_ps(_mm_cvtps_epi32(a)); }  // MXCSR: nearest-even
inline f32x4 exp2i(f32x4 n) {
  return _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(_mm_cvttps_epi32(n), _mm_set1_epi32(127)), 23));
}
inline f32x4 hsum4(f32x4 a, f32x4 b, f32x4 c, f32x4 d) {
  f32x4 ab = add(_mm_unpacklo_ps(a, b), _mm_unpackhi_ps(a, b));
  f32x4 cd = add(_mm_unpacklo_ps(c, d), _mm_unpackhi_ps(c, d));
  return add(_mm_movelh_ps(ab, cd), _mm_movehl_ps(cd, ab));
}
inline float hsum(f32x4 a) {
  f32x4 t = add(a, _mm_movehl_ps(a, a));
  return _mm_cvtss_f32(add(t, _mm_shuffle_ps(t, t, 1)));
}
inline float hmax(f32x4 a) {
  f32x4 t = max(a, _mm_movehl_ps(a, a));
  return _mm_cvtss_f32(max(t, _mm_shuffle_ps(t, t, 1)));
}
/// as the wasm version: halves in the high 16 bits of u32 lanes, shift, mask, times 2^112
inline f32x4 f16_high_bits_to_f32(__m128i x) {
  const __m128i bits = _mm_and_si128(_mm_srai_epi32(x, 3), _mm_set1_epi32(int32_t(0x8fffe000u)));
  return _mm_mul_ps(_mm_castsi128_ps(bits), _mm_castsi128_ps(_mm_set1_epi32(0x77800000)));
}
inline f32x4 load_f16(const uint16_t* p) {
  return f16_high_bits_to_f32(_mm_unpacklo_epi16(_mm_setzero_si128(), _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}
/// as the wasm version (here cvtdq2ps is one instruction; x86 has no lane-by-lane fallback)
inline f32x4 small_i32_to_f32(__m128i x) { return _mm_cvtepi32_ps(x); }
inline f32x4 load_i8(const int8_t* p) {
  int32_t w;
  std::memcpy(&w, p, 4);
  __m128i b = _mm_cvtsi32_si128(w);
#if defined(__SSE4_1__)
  return _mm_cvtepi32_ps(_mm_cvtepi8_epi32(b));
#else
  __m128i x = _mm_unpacklo_epi8(b, b);                    // each byte twice
  return _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(x, x), 24));  // sign-extend
#endif
}
inline void widen_i8x16(const int8_t* p, f32x4 sc, float* dst) {
  for (int c = 0; c < 4; ++c) store(dst + 4 * c, mul(load_i8(p + 4 * c), sc));
}
inline void widen_f16x8(const uint16_t* p, float* dst) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  store(dst, f16_high_bits_to_f32(_mm_unpacklo_epi16(_mm_setzero_si128(), h)));
  store(dst + 4, f16_high_bits_to_f32(_mm_unpackhi_epi16(_mm_setzero_si128(), h)));
}
typedef __m128i i32x4;
inline i32x4 zero_i32() { return _mm_setzero_si128(); }
inline i32x4 load_i16x8(const int16_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline i32x4 load_i8x8_i16(const int8_t* p) {
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
#if defined(__SSE4_1__)
  return _mm_cvtepi8_epi16(b);
#else
  return _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8);  // each byte twice, then sign-extend
#endif
}
inline i32x4 dot_i16(i32x4 a, i32x4 b) { return _mm_madd_epi16(a, b); }
inline i32x4 add_i32(i32x4 a, i32x4 b) { return _mm_add_epi32(a, b); }
inline i32x4 load_i32(const int32_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline f32x4 to_f32(i32x4 a) { return _mm_cvtepi32_ps(a); }
inline f32x4 i16_low_to_f32(i32x4 a) { return _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(a, a), 16)); }
inline f32x4 i16_high_to_f32(i32x4 a) { return _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(a, a), 16)); }
inline i32x4 hsum4_i32(i32x4 a, i32x4 b, i32x4 c, i32x4 d) {
  i32x4 ab = add_i32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
  i32x4 cd = add_i32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
  return add_i32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
}
#endif

/// a + b * c: one fused multiply-add with relaxed SIMD (f32x4.relaxed_madd, which V8 emits as
/// vfmadd where the CPU has FMA, else as a multiply and an add) or x86 FMA; SIMD128 and SSE2 have
/// none, so a multiply, then an add that waits for it. Fused, the product is not rounded: the
/// kernels' results move by an ulp or so, within every tolerance against the float64 reference.
#if defined(__wasm_relaxed_simd__)
inline f32x4 madd(f32x4 a, f32x4 b, f32x4 c) { return wasm_f32x4_relaxed_madd(b, c, a); }
#elif defined(__FMA__) && !defined(__wasm_simd128__)
inline f32x4 madd(f32x4 a, f32x4 b, f32x4 c) { return _mm_fmadd_ps(b, c, a); }
#else
inline f32x4 madd(f32x4 a, f32x4 b, f32x4 c) { return add(a, mul(b, c)); }
#endif

/// exp(x) for lanes x <= 0: range reduction to r in [-ln2/2, ln2/2], degree-6 Taylor polynomial
/// (relative error < 2e-7), 2^n from the exponent bits. Lanes below -87 give ~1e-38 instead of
/// a smaller number, which no softmax sum can notice.
inline f32x4 exp_nonpositive(f32x4 x) {
  x = max(x, splat(-87.0f));
  f32x4 n = round_nearest(mul(x, splat(1.44269504f)));
  f32x4 r = sub(sub(x, mul(n, splat(0.693145752f))), mul(n, splat(1.42860677e-6f)));
  f32x4 p = splat(1.0f / 720);
  p = madd(splat(1.0f / 120), p, r);
  p = madd(splat(1.0f / 24), p, r);
  p = madd(splat(1.0f / 6), p, r);
  p = madd(splat(0.5f), p, r);
  p = madd(splat(1.0f), p, r);
  p = madd(splat(1.0f), p, r);
  return mul(p, exp2i(n));
}

}  // namespace gqa::simd
#endif  // GQA_SIMD
