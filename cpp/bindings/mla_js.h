// mla_js.h - multi-head latent attention as JS calls it: mlaAttention (both paths) and the MLA
// cache class. Arguments arrive as doubles the JS face has checked to be finite, safe integers;
// the core checks every range, and the JS face has checked each array's length against them.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "attention/mla.h"

namespace gqa::js {

using emscripten::val;

struct MlaArgs {
  double tq, tk, nHeads, kvLoraRank, qkRopeHeadDim, qkNopeHeadDim, vHeadDim, scale;
  bool causal, hasScale, absorb;
};

/// qNope (tq, H, dn), qRope (tq, H, dr), latent (tk, r), kRope (tk, dr), wUk (H, dn, r),
/// wUv (H, dv, r) → { out (tq, H, dv) }.
val mla_attention_js(const MlaArgs& a, val q_nope, val q_rope, val latent, val k_rope, val w_uk, val w_uv);

/// undefined if the core accepts these widths and heads, else the refusal naming the field: the JS
/// face asks before it checks array lengths computed from them.
val validate_mla_widths_js(double n_heads, double kv_lora_rank, double qk_rope_head_dim, double qk_nope_head_dim,
                           double v_head_dim);

/// One absorbed decode step over `tokens` latents in an MLA cache of `dtype`, one layer:
/// { kvBytes, multiplyAdds, intensity } (cost_model.h).
val mla_decode_step_cost_js(double n_heads, double kv_lora_rank, double qk_rope_head_dim, double qk_nope_head_dim,
                            double v_head_dim, double tokens, const std::string& dtype);

struct MlaCacheArgs {
  double kvLoraRank, qkRopeHeadDim, capacity;
  std::string dtype;
};

struct MlaAttendArgs {
  double tq, nHeads, qkNopeHeadDim, vHeadDim, scale;
  bool hasScale;
};

/// The MLA cache as JS sees it: one owner, one delete().
class MlaCacheJs {
 public:
  val init(const MlaCacheArgs& a);
  /// Appends n tokens: latent (n, r), kRope (n, dr).
  val append(val latent, val k_rope, double n);
  /// The queries of the last tq tokens → out (tq, H, dv), by the absorbed path.
  val attend(val q_nope, val q_rope, val w_uk, val w_uv, const MlaAttendArgs& a);
  void clear() { cache_.clear(); }
  double length() const { return double(cache_.length()); }
  double capacity() const { return double(cache_.capacity()); }
  double bytes() const { return double(cache_.bytes()); }
  std::string dtype() const;

 private:
  MlaCache cache_;
};

}  // namespace gqa::js
