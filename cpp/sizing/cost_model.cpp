// cost_model.cpp - see cost_model.h.
#include "sizing/cost_model.h"

#include "attention/attention.h"
#include "base/memory_budget.h"

namespace gqa {

Status projection_params(int64_t d_model, int64_t n_heads, int64_t n_kv_heads, int64_t head_dim, ProjectionParams* out) {
  GQA_RETURN_IF_ERROR(validate_heads(n_heads, n_kv_heads, head_dim));
  GQA_RETURN_IF_ERROR(check_range("dModel", d_model, 1, kMaxModelWidth));
  const uint64_t dm = uint64_t(d_model), hd = uint64_t(head_dim);
  out->query = dm * uint64_t(n_heads) * hd;
  out->key_value = 2 * dm * uint64_t(n_kv_heads) * hd;
  out->output = out->query;
  return Status::ok();
}

Status decode_step_cost(int64_t layers, int64_t n_heads, int64_t n_kv_heads, int64_t head_dim, int64_t tokens,
                        CacheDtype dtype, DecodeStepCost* out) {
  GQA_RETURN_IF_ERROR(validate_heads(n_heads, n_kv_heads, head_dim));
  KvSize kv;
  GQA_RETURN_IF_ERROR(kv_cache_size({layers, n_kv_heads, head_dim, tokens, 1, dtype, 2}, &kv));
  uint64_t madds = 2;
  if (!(checked_mul(madds, uint64_t(layers), &madds) && checked_mul(madds, uint64_t(n_heads), &madds) &&
        checked_mul(madds, uint64_t(tokens), &madds) && checked_mul(madds, uint64_t(head_dim), &madds))) {
    return Status::error(StatusCode::kOverflow, "the multiply-add count overflows 64 bits");
  }
  out->kv_bytes = kv.total_bytes;
  out->multiply_adds = madds;
  out->intensity = double(madds) / double(kv.total_bytes);
  return Status::ok();
}

Status mla_decode_step_cost(const MlaShape& s, Dtype dtype, DecodeStepCost* out) {
  GQA_RETURN_IF_ERROR(check_range("tokens", s.tk, 1, kMaxTokens));  // validate_mla would call them tk
  GQA_RETURN_IF_ERROR(validate_mla(s, MlaOptions{}));
  if (s.tq != 1) {
    return Status::error(StatusCode::kOutOfRange, "tq (%lld) must be 1: a decode step adds one token", (long long)s.tq);
  }
  if (dtype != Dtype::kF32 && dtype != Dtype::kF16) {
    return Status::error(StatusCode::kOutOfRange, "dtype ('%s') must be 'f32' or 'f16' for an MLA cache", dtype_name(dtype));
  }
  // H <= 2^10, tk <= 2^24, widths <= 2^12 (validate_mla): every product below is under 2^48
  const uint64_t H = uint64_t(s.n_heads), T = uint64_t(s.tk), r = uint64_t(s.kv_lora_rank);
  const uint64_t row = r + uint64_t(s.qk_rope_head_dim);
  out->kv_bytes = T * row * dtype_bytes(dtype);
  out->multiply_adds = H * (uint64_t(s.qk_nope_head_dim) * r + 2 * T * row + uint64_t(s.v_head_dim) * r);
  out->intensity = double(out->multiply_adds) / double(out->kv_bytes);
  return Status::ok();
}

Status tensor_parallel_kv(int64_t n_kv_heads, int64_t tp, TensorParallelKv* out) {
  GQA_RETURN_IF_ERROR(check_range("nKvHeads", n_kv_heads, 1, kMaxHeads));
  GQA_RETURN_IF_ERROR(check_range("tp", tp, 1, kMaxTensorParallel));
  if (tp <= n_kv_heads) {
    if (n_kv_heads % tp != 0) {
      return Status::error(StatusCode::kOutOfRange, "tp (%lld) must divide nKvHeads (%lld) to split the heads evenly",
                           (long long)tp, (long long)n_kv_heads);
    }
    out->heads_per_device = n_kv_heads / tp;
    out->replication = 1;
  } else {
    if (tp % n_kv_heads != 0) {
      return Status::error(StatusCode::kOutOfRange, "tp (%lld) must be a multiple of nKvHeads (%lld) to replicate them evenly",
                           (long long)tp, (long long)n_kv_heads);
    }
    out->heads_per_device = 1;
    out->replication = tp / n_kv_heads;
  }
  return Status::ok();
}

}  // namespace gqa
