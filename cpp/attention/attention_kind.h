// attention_kind.h - the name of an (H, G) pair: one integer, three names.
//
// G = n_kv_heads: G == H is multi-head attention (MHA), G == 1 multi-query attention (MQA), any
// G between that divides H grouped-query attention (GQA). The catalog adds MLA (model_catalog.h).
#pragma once

#include <cstdint>

#include "attention/attention.h"
#include "base/status.h"

namespace gqa {

/// "MHA" (G == H), "MQA" (G == 1) or "GQA" (between); for a pair validate_heads accepts.
inline const char* attention_kind(int64_t n_heads, int64_t n_kv_heads) {
  if (n_kv_heads == n_heads) return "MHA";
  if (n_kv_heads == 1) return "MQA";
  return "GQA";
}

/// attention_kind after checking the pair (both in range, G divides H); the message names the field.
inline Status checked_attention_kind(int64_t n_heads, int64_t n_kv_heads, const char** kind) {
  GQA_RETURN_IF_ERROR(validate_heads(n_heads, n_kv_heads, 1));
  *kind = attention_kind(n_heads, n_kv_heads);
  return Status::ok();
}

}  // namespace gqa
