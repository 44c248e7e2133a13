// f16 conversion: exact round trip of every half, correct rounding against double arithmetic.
#include <catch2/catch.hpp>
#include <cmath>

#include "attention/half.h"
#include "reference.h"
#include "attention/simd.h"

using namespace gqa;

/// The value of a half computed from its fields in double (independent of half.h).
static double half_value(uint16_t h) {
  const int sign = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  double mag = e == 0 ? std::ldexp(double(m), -24) : std::ldexp(1.0 + m / 1024.0, e - 15);
  return sign ? -mag : mag;
}

TEST_CASE("f16_to_f32 is exact for every finite half, and f32_to_f16 inverts it", "[half]") {
  for (uint32_t h = 0; h < 65536; ++h) {
    if (((h >> 10) & 31) == 31) continue;  // inf / NaN
    const float f = f16_to_f32(uint16_t(h));
    REQUIRE(double(f) == half_value(uint16_t(h)));
    REQUIRE(f32_to_f16(f) == uint16_t(h));
  }
  REQUIRE(std::isinf(f16_to_f32(0x7c00)));
  REQUIRE(f32_to_f16(65520.0f) == 0x7c00);   // rounds to infinity
  REQUIRE(f32_to_f16(65519.0f) == 0x7bff);   // largest finite half, 65504
}

TEST_CASE("f32_to_f16 rounds to the nearest half, ties to even", "[half]") {
  auto x = ref::random_vec(200000, 7, 70000.0f);
  auto small = ref::random_vec(200000, 8, 1.0f / 8192);  // around the subnormal range
  x.insert(x.end(), small.begin(), small.end());
  for (float f : x) {
    if (std::fabs(f) >= 65520.0f) continue;
    const uint16_t h = f32_to_f16(f);
    const double got = half_value(h), err = std::fabs(got - double(f));
    // neighbours one unit either side must not be closer
    for (int delta : {-1, 1}) {
      const uint16_t n = uint16_t(h + delta);
      if (((n >> 10) & 31) == 31 || (h & 0x7fff) == 0) continue;
      const double nerr = std::fabs(half_value(n) - double(f));
      REQUIRE(err <= nerr);
      if (err == nerr) REQUIRE((h & 1) == 0);
    }
  }
  REQUIRE(f32_to_f16(1.0f + 1.0f / 2048) == 0x3c00);  // tie -> even (1.0)
  REQUIRE(f32_to_f16(1.0f + 3.0f / 2048) == 0x3c02);  // tie -> even (1 + 2/1024)
}

#if GQA_SIMD
TEST_CASE("SIMD f16 and int8 loads match the scalar conversions", "[half][simd]") {
  for (uint32_t base = 0; base < 65536; base += 4) {
    uint16_t h[4];
    for (int c = 0; c < 4; ++c) {
      h[c] = uint16_t(base + c);
      if (((h[c] >> 10) & 31) == 31) h[c] = 0x3c00;
    }
    float out[4];
    simd::store(out, simd::load_f16(h));
    for (int c = 0; c < 4; ++c) REQUIRE(out[c] == f16_to_f32(h[c]));
  }
  for (uint32_t base = 0; base < 65536; base += 8) {  // the 8-wide staging conversion
    uint16_t h[8];
    for (int c = 0; c < 8; ++c) {
      h[c] = uint16_t(base + c);
      if (((h[c] >> 10) & 31) == 31) h[c] = 0xbc00;
    }
    float out[8];
    simd::widen_f16x8(h, out);
    for (int c = 0; c < 8; ++c) REQUIRE(out[c] == f16_to_f32(h[c]));
  }
  for (int32_t v = -(1 << 22); v < (1 << 22); v += v < -32768 || v >= 32768 ? 4093 : 4) {  // all of int16, then a sparse sweep
    int32_t x[4] = {v, v + 1, v + 2, v + 3};
    float out[4];
    simd::store(out, simd::small_i32_to_f32(simd::load_i32(x)));
    for (int c = 0; c < 4; ++c) REQUIRE(out[c] == float(x[c]));
  }
  for (int v = -128; v < 128; v += 4) {
    int8_t b[4] = {int8_t(v), int8_t(v + 1), int8_t(v + 2), int8_t(v + 3)};
    float out[4];
    simd::store(out, simd::load_i8(b));
    for (int c = 0; c < 4; ++c) REQUIRE(out[c] == float(v + c));
  }
}

TEST_CASE("SIMD exp matches std::exp on [-100, 0]", "[simd]") {
  double worst = 0.0;
  for (int i = 0; i <= 400000; i += 4) {
    float x[4], y[4];
    for (int c = 0; c < 4; ++c) x[c] = -100.0f * float(i + c) / 400000.0f;
    simd::store(y, simd::exp_nonpositive(simd::load(x)));
    for (int c = 0; c < 4; ++c) {
      const double want = std::exp(double(x[c]));
      if (x[c] >= -87.0f) worst = std::max(worst, std::fabs(y[c] - want) / want);
      else REQUIRE(y[c] <= 1e-37f);
    }
  }
  INFO("max relative error " << worst);
  REQUIRE(worst < 4e-7);
}
#endif
