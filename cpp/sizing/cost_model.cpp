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
