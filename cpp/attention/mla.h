// mla.h - multi-head latent attention (DeepSeek-V2/V3, Kimi K2): each token caches one latent,
// from which every head's keys and values are rebuilt by up-projection. Computed both ways.
//
// Per cached token t: a latent c[t] (r = kv_lora_rank) and a rotary key part kr[t] (dr, shared by
// all heads). Per query head h: qn[h] (dn) and qr[h] (dr); up-projections Wuk[h] (dn, r) and
// Wuv[h] (dv, r).
//   explicit  kn[t,h] = Wuk[h]·c[t],  v[t,h] = Wuv[h]·c[t]
//             s[h,t] = (qn[h]·kn[t,h] + qr[h]·kr[t])·scale,  o[h] = Σ_t softmax(s[h])_t · v[t,h]
//   absorbed  q̃[h] = Wuk[h]ᵀ·qn[h] (r),  s[h,t] = (q̃[h]·c[t] + qr[h]·kr[t])·scale
//             õ[h] = Σ_t softmax(s[h])_t · c[t] (r),  o[h] = Wuv[h]·õ[h]
// scale defaults to 1/√(dn + dr); the causal mask is bottom-right aligned as in attention.h.
//
// The absorbed form is MQA over rows [c[t] | kr[t]] of width r + dr: every query head [q̃[h] | qr[h]]
// reads the same rows. It runs on the decode kernel (decode.h, SIMD with its scalar reference)
// with that row as both key and value; the first r outputs are õ[h], then the up-projection.
#pragma once

#include <cstdint>

#include "attention/decode.h"
#include "attention/dtype.h"
#include "base/memory_budget.h"
#include "base/status.h"

namespace gqa {

struct MlaShape {
  int64_t tq = 0;                // query positions
  int64_t tk = 0;                // cached tokens
  int64_t n_heads = 0;           // H
  int64_t kv_lora_rank = 0;      // r, the latent's width
  int64_t qk_rope_head_dim = 0;  // dr, the rotary key part (shared by the heads)
  int64_t qk_nope_head_dim = 0;  // dn, each head's key width without RoPE
  int64_t v_head_dim = 0;        // dv, each head's value width
};

struct MlaOptions {
  bool causal = false;     // bottom-right aligned: query i sees keys j <= i + tk - tq
  bool has_scale = false;  // false: scale = 1 / sqrt(dn + dr)
  float scale = 0.0f;
  bool absorb = true;      // the absorbed path (false: rebuild every head's K and V)
};

/// Checks the widths (each 1 .. kMaxHeadDim, r + dr too), heads, tq, tk and options.
Status validate_mla(const MlaShape& s, const MlaOptions& o);

/// out (tq, H, dv) by the path o.absorb picks; isa picks the decode kernel of the absorbed path.
///   q_nope (tq, H, dn), q_rope (tq, H, dr), latent (tk, r), k_rope (tk, dr),
///   w_uk (H, dn, r), w_uv (H, dv, r): row-major. Every input must be finite.
Status mla_attention(const MlaShape& s, const MlaOptions& o, Isa isa, const float* q_nope, const float* q_rope,
                     const float* latent, const float* k_rope, const float* w_uk, const float* w_uv, float* out);

struct MlaCacheConfig {
  int64_t kv_lora_rank = 0;      // r
  int64_t qk_rope_head_dim = 0;  // dr
  int64_t capacity = 0;          // tokens
  Dtype dtype = Dtype::kF32;     // f32 or f16
};

/// The MLA cache: one row [c | kr] of r + dr elements per token, (capacity, r + dr) in dtype.
class MlaCache {
 public:
  /// Validates the config, checks its bytes against the memory budget, then allocates.
  Status init(const MlaCacheConfig& c);
  /// Appends n tokens: latent (n, r), k_rope (n, dr). All or nothing.
  Status append(const float* latent, const float* k_rope, int64_t n);
  /// out (tq, H, dv) for the queries of the last tq appended tokens (causal), absorbed path.
  /// s.tq, s.n_heads, s.qk_nope_head_dim, s.v_head_dim are the query's; the rest come from here.
  Status attend(const MlaShape& s, const MlaOptions& o, Isa isa, const float* q_nope, const float* q_rope,
                const float* w_uk, const float* w_uv, float* out) const;

  void clear() { length_ = 0; }
  int64_t length() const { return length_; }
  int64_t capacity() const { return cfg_.capacity; }
  int64_t kv_lora_rank() const { return cfg_.kv_lora_rank; }
  int64_t qk_rope_head_dim() const { return cfg_.qk_rope_head_dim; }
  Dtype dtype() const { return cfg_.dtype; }
  /// capacity · (r + dr) · bytes per element, exactly what is held.
  uint64_t bytes() const { return bytes_; }

 private:
  MlaCacheConfig cfg_;
  int64_t length_ = 0;
  uint64_t bytes_ = 0;
  Buffer<uint8_t> rows_;  // (capacity, r + dr) in dtype
};

}  // namespace gqa
