// dtype.h - the storage types a KV cache can hold, and their names at the boundary.
#pragma once

#include <cstdint>
#include <cstring>

namespace gqa {

enum class Dtype : int { kF32 = 0, kF16 = 1, kInt8 = 2 };
/// Every Dtype, in order (the names the JS face lists come from here).
constexpr Dtype kDtypes[] = {Dtype::kF32, Dtype::kF16, Dtype::kInt8};

/// Bytes per stored element (int8's per-token scales are counted separately).
inline uint64_t dtype_bytes(Dtype t) { return t == Dtype::kF32 ? 4 : t == Dtype::kF16 ? 2 : 1; }

inline const char* dtype_name(Dtype t) {
  return t == Dtype::kF32 ? "f32" : t == Dtype::kF16 ? "f16" : "int8";
}

/// "f32" | "f16" | "int8" -> Dtype; false for anything else.
inline bool parse_dtype(const char* s, Dtype* out) {
  for (Dtype t : kDtypes) {
    if (std::strcmp(s, dtype_name(t)) == 0) { *out = t; return true; }
  }
  return false;
}

}  // namespace gqa
