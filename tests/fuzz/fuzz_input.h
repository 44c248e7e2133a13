// fuzz_input.h - turns libFuzzer's bytes into shapes and values, ordinary and extreme.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  bool empty() const { return n_ == 0; }
  uint8_t u8() {
    if (!n_) return 0;
    --n_;
    return *p_++;
  }
  uint32_t u32() { return uint32_t(u8()) | uint32_t(u8()) << 8 | uint32_t(u8()) << 16 | uint32_t(u8()) << 24; }
  uint64_t u64() { return uint64_t(u32()) | uint64_t(u32()) << 32; }
  bool bit() { return u8() & 1; }
  /// Mostly ordinary values, sometimes large, tiny, subnormal, or (when allowed) not finite.
  float value(bool allow_nonfinite = true) {
    const uint8_t kind = u8();
    const float x = float(int8_t(u8())) / 32.0f;
    switch (kind % 16) {
      case 0: return x * 1e30f;
      case 1: return x * 1e-40f;                      // subnormal
      case 2: return kind & 16 ? FLT_MAX : -FLT_MAX;
      case 3: return 0.0f;
      case 4: return allow_nonfinite ? (kind & 16 ? INFINITY : NAN) : x;
      case 5: return x * 60000.0f;                     // around the f16 limit
      case 6: { float f; uint32_t b = u32(); std::memcpy(&f, &b, 4); return allow_nonfinite || std::isfinite(f) ? f : x; }
      default: return x;
    }
  }

 private:
  const uint8_t* p_;
  size_t n_;
};
