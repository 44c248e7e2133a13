// half.h - IEEE 754 binary16 <-> binary32, bit-exact, no hardware support needed.
#pragma once

#include <cstdint>
#include <cstring>

namespace gqa {

inline uint32_t f32_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
inline float f32_from_bits(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

/// The largest finite half is 65504; anything with |x| >= 65520 rounds to infinity.
constexpr float kHalfMax = 65504.0f;
constexpr float kHalfOverflow = 65520.0f;

/// f32 -> f16 with round-to-nearest-even (NaN -> quiet NaN, overflow -> infinity).
inline uint16_t f32_to_f16(float f) {
  uint32_t u = f32_bits(f);
  const uint32_t sign = (u >> 16) & 0x8000u;
  u &= 0x7fffffffu;
  if (u >= 0x47800000u) {                       // |f| >= 65536, infinity or NaN
    return uint16_t(sign | (u > 0x7f800000u ? 0x7e00u : 0x7c00u));
  }
  if (u < 0x38800000u) {                        // |f| < 2^-14: the half is subnormal or zero
    // Adding 0.5 (exponent 126) lines the half's 2^-24 unit up with the float's last mantissa
    // bit, so the FPU's own round-to-nearest-even does the rounding.
    const float magic = f32_from_bits(126u << 23);
    return uint16_t(sign | (f32_bits(f32_from_bits(u) + magic) - f32_bits(magic)));
  }
  // Normal: rebias the exponent (127 -> 15), round the 13 dropped mantissa bits to even.
  const uint32_t odd = (u >> 13) & 1u;
  u += (uint32_t(15 - 127) << 23) + 0xfffu + odd;
  return uint16_t(sign | (u >> 13));           // a carry into the exponent (up to inf) is right
}

/// f16 -> f32, exact. Normal and subnormal halves share one path: shift the exponent and
/// mantissa into float position and multiply by 2^112 to move the bias from 15 to 127.
inline float f16_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t em = h & 0x7fffu;
  if (em >= 0x7c00u) return f32_from_bits(sign | 0x7f800000u | ((em & 0x3ffu) << 13));
  const float mag = f32_from_bits(em << 13) * f32_from_bits(0x77800000u);  // * 2^112
  return f32_from_bits(f32_bits(mag) | sign);
}

}  // namespace gqa
