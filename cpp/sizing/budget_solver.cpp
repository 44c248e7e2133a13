// budget_solver.cpp - see budget_solver.h.
#include "sizing/budget_solver.h"

#include <cmath>


namespace gqa {

Status solve_budget(const SolverQuery& q, SolverResult* r) {
  const ModelSpec& m = q.model;
  if (!(q.memory_bytes > 0) || !std::isfinite(q.memory_bytes)) {
    return Status::error(StatusCode::kOutOfRange, "memory (%g bytes) must be a positive number", q.memory_bytes);
  }
  if (!(q.bandwidth > 0) || !std::isfinite(q.bandwidth)) {
    return Status::error(StatusCode::kOutOfRange, "bandwidth (%g bytes/s) must be a positive number", q.bandwidth);
  }
  if (!(q.reserve >= 0 && q.reserve < 1)) {
    return Status::error(StatusCode::kOutOfRange, "reserve (%g) must be a fraction from 0 to below 1", q.reserve);
  }
  if (m.n_kv_heads < 1 || m.n_heads % m.n_kv_heads != 0) {
    return Status::error(StatusCode::kOutOfRange, "nKvHeads (%d) must divide the model's %d query heads",
                         m.n_kv_heads, m.n_heads);
  }
  // one token, one sequence
  KvSize per_token;
  GQA_RETURN_IF_ERROR(kv_cache_size({m.layers, m.n_kv_heads, m.head_dim, 1, 1, q.kv_dtype, kv_factor(m)}, &per_token));
  const int64_t window = m.sliding_window;
  const int64_t cached = window > 0 && q.tokens > window ? window : q.tokens;
  KvSize per_seq;
  GQA_RETURN_IF_ERROR(kv_cache_size({m.layers, m.n_kv_heads, m.head_dim, cached, 1, q.kv_dtype, kv_factor(m)}, &per_seq));
  if (q.batch < 1 || q.batch > kMaxBatch) {
    return Status::error(StatusCode::kOutOfRange, "batch (%lld) must be an integer from 1 to %lld", (long long)q.batch,
                         (long long)kMaxBatch);
  }

  r->weight_bytes = m.params * q.weight_bits / 8.0;
  r->usable_bytes = q.memory_bytes * (1.0 - q.reserve);
  r->kv_budget_bytes = r->usable_bytes - r->weight_bytes;
  r->weights_fit = r->kv_budget_bytes > 0;
  r->kv_bytes_per_token = per_token.total_bytes;
  r->cached_tokens = cached;
  r->kv_bytes_per_sequence = per_seq.total_bytes;

  const double budget = r->weights_fit ? r->kv_budget_bytes : 0.0;
  // max context per sequence at `batch`: memory binds until the window (if any) caps the cache
  const double fit_tokens = std::floor(budget / double(q.batch) / double(per_token.total_bytes));
  if (!r->weights_fit || fit_tokens < 1) {
    r->max_context = 0;
    r->max_context_memory_bound = true;
  } else if ((window > 0 && fit_tokens >= double(window)) || fit_tokens >= double(m.max_context)) {
    r->max_context = m.max_context;
    r->max_context_memory_bound = false;
  } else {
    r->max_context = int64_t(fit_tokens);
    r->max_context_memory_bound = true;
  }
  const double fit_batch = std::floor(budget / double(per_seq.total_bytes));
  r->max_batch = fit_batch >= double(kMaxBatch) ? kMaxBatch : int64_t(fit_batch);  // the model's limit on batch
  r->request_fits = r->weights_fit && double(per_seq.total_bytes) * double(q.batch) <= budget;

  r->bytes_per_step = m.active_params * q.weight_bits / 8.0 + double(q.batch) * double(per_seq.total_bytes);
  r->step_seconds = r->bytes_per_step / q.bandwidth;
  r->tokens_per_second = 1.0 / r->step_seconds;
  r->aggregate_tokens_per_second = double(q.batch) / r->step_seconds;
  return Status::ok();
}

}  // namespace gqa
