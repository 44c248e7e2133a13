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
  if (!(m.params > 0)) {
    return Status::error(StatusCode::kInvalidArgument, "params (%g) of %s is unknown (a config.json does not state it): "
                         "give the parameter count to size the weights", m.params, m.id.c_str());
  }

  r->weight_bytes = m.params * q.weight_bits / 8.0;
  r->usable_bytes = q.memory_bytes * (1.0 - q.reserve);
  r->kv_budget_bytes = r->usable_bytes - r->weight_bytes;
  r->weights_fit = r->kv_budget_bytes > 0;
  r->kv_bytes_per_token = one.per_token;
  r->cached_tokens = one.cached_tokens;
  r->kv_bytes_per_sequence = one.per_sequence;

  const double budget = r->weights_fit ? r->kv_budget_bytes : 0.0;
  // max context per sequence at `batch`: the longest T whose cache (every layer group's own cap, a
  // linear state's constant) fits; the cache grows with T, so a bisection finds it exactly
  auto fits = [&](int64_t tokens, bool* ok) {
    ModelCache c;
    GQA_RETURN_IF_ERROR(model_kv_cache({m, tokens, 1, q.kv_dtype}, &c));
    *ok = double(c.per_sequence) * double(q.batch) <= budget;
    return Status::ok();
  };
  bool ok = false;
  GQA_RETURN_IF_ERROR(fits(m.max_context, &ok));
  if (ok && r->weights_fit) {
    r->max_context = m.max_context;
    r->max_context_memory_bound = false;
  } else {
    int64_t lo = 0, hi = m.max_context;  // fits(lo) (0: nothing), !fits(hi)
    while (r->weights_fit && hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      GQA_RETURN_IF_ERROR(fits(mid, &ok));
      (ok ? lo : hi) = mid;
    }
    r->max_context = r->weights_fit ? lo : 0;
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
