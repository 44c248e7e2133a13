// isas.h - the decode kernels a test runs: scalar always, SIMD where the build has it.
#pragma once

#include <vector>

#include "attention/decode.h"

inline std::vector<gqa::Isa> isas() {
  std::vector<gqa::Isa> v{gqa::Isa::kScalar};
  if (gqa::simd_available()) v.push_back(gqa::Isa::kSimd);
  return v;
}
