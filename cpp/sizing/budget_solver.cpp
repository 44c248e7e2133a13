// budget_solver.cpp - see budget_solver.h.
#include "sizing/budget_solver.h"

#include <cmath>

#include "sizing/model_cache.h"

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
  // one sequence; the batch multiplies below, in doubles, so a huge batch is an answer, not an overflow
  ModelCache one;
  GQA_RETURN_IF_ERROR(model_kv_cache({m, q.tokens, 1, q.kv_dtype}, &one));
  GQA_RETURN_IF_ERROR(check_range("batch", q.batch, 1, kMaxBatch));
  const int64_t window = m.sliding_window;

  r->weight_bytes = m.params * q.weight_bits / 8.0;
  r->usable_bytes = q.memory_bytes * (1.0 - q.reserve);
  r->kv_budget_bytes = r->usable_bytes - r->weight_bytes;
  r->weights_fit = r->kv_budget_bytes > 0;
  r->kv_bytes_per_token = one.per_token;
  r->cached_tokens = one.cached_tokens;
  r->kv_bytes_per_sequence = one.per_sequence;

  const double budget = r->weights_fit ? r->kv_budget_bytes : 0.0;
  // max context per sequence at `batch`: memory binds until the window (if any) caps the cache
  const double fit_tokens = std::floor(budget / double(q.batch) / double(one.per_token));
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
  const double fit_batch = std::floor(budget / double(one.per_sequence));
  r->max_batch = fit_batch >= double(kMaxBatch) ? kMaxBatch : int64_t(fit_batch);  // the model's limit on batch
  r->request_fits = r->weights_fit && double(one.per_sequence) * double(q.batch) <= budget;

  r->bytes_per_step = m.active_params * q.weight_bits / 8.0 + double(q.batch) * double(one.per_sequence);
  r->step_seconds = r->bytes_per_step / q.bandwidth;
  r->tokens_per_second = 1.0 / r->step_seconds;
  r->aggregate_tokens_per_second = double(q.batch) / r->step_seconds;
  return Status::ok();
}

}  // namespace gqa
