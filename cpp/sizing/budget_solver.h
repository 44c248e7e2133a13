// budget_solver.h - what fits on one accelerator, and a roofline estimate of decode speed.
//
// An estimate, stated as one: decoding a token reads every weight once (MoE: the active
// experts) plus the whole KV cache, so a step takes at least bytes / memory bandwidth.
#pragma once

#include <cstdint>

#include "sizing/memory_model.h"
#include "sizing/model_spec.h"
#include "base/status.h"

namespace gqa {

struct SolverQuery {
  ModelSpec model{};          // as published, or a what-if copy with another n_kv_heads
  double memory_bytes = 0;    // accelerator memory
  double bandwidth = 0;       // bytes per second
  int weight_bits = 16;       // per parameter
  CacheDtype kv_dtype = CacheDtype::kF16;
  double reserve = 0.1;       // fraction of memory kept free (activations, fragmentation)
  int64_t tokens = 0;         // context per sequence for the max-batch and speed answers
  int64_t batch = 1;          // sequences for the max-context answer
};

struct SolverResult {
  double weight_bytes = 0;     // params · weight_bits / 8
  double usable_bytes = 0;     // memory · (1 - reserve)
  double kv_budget_bytes = 0;  // usable - weights (may be negative)
  bool weights_fit = false;
  uint64_t kv_bytes_per_token = 0;   // one token of one sequence, all layers, scales included
  int64_t cached_tokens = 0;         // the most tokens any layer keeps (model_cache.h)
  uint64_t kv_bytes_per_sequence = 0;
  int64_t max_context = 0;           // per sequence at `batch`, capped at the model's context
  bool max_context_memory_bound = false;  // false: the model's own limit binds, not memory
  int64_t max_batch = 0;             // at `tokens`, at most kMaxBatch
  bool request_fits = false;         // batch sequences of tokens each
  double bytes_per_step = 0;         // active weights + batch · kv_bytes_per_sequence
  double step_seconds = 0;
  double tokens_per_second = 0;      // per sequence
  double aggregate_tokens_per_second = 0;
};

Status solve_budget(const SolverQuery& q, SolverResult* out);

}  // namespace gqa
