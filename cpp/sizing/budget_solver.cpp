// budget_solver.cpp - see budget_solver.h.
#include "sizing/budget_solver.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/memory_budget.h"
#include "sizing/cost_model.h"
#include "sizing/model_cache.h"

namespace gqa {

namespace {

/// t devices split `heads` evenly (t divides them) or copy them evenly (they divide t).
Status split_heads(const char* field, int64_t heads, int64_t gpus, const std::string& id, TensorParallelKv* out) {
  if (gpus <= heads ? heads % gpus != 0 : gpus % heads != 0) {
    return Status::error(StatusCode::kOutOfRange, "gpus (%lld) must divide %s's %s (%lld) or be a multiple of it",
                         (long long)gpus, id.c_str(), field, (long long)heads);
  }
  return tensor_parallel_kv(heads, gpus, out);
}

/// a · b, or the overflow refusal.
Status mul(uint64_t a, uint64_t b, uint64_t* out) {
  if (!checked_mul(a, b, out)) return Status::error(StatusCode::kOverflow, "the KV cache size overflows 64 bits");
  return Status::ok();
}

/// One device's cache for sequences of `tokens` sharing `prefix`, paged in `block` tokens, exact
/// in 64 bits per sequence (the batch multiplies in doubles). `unit` is the device model's cache at
/// one token: each kind's per_token, a linear layer's state.
struct Served {
  uint64_t own = 0;           // one sequence's own blocks
  uint64_t shared = 0;        // the prefix's whole blocks, once
  uint64_t exact_own = 0;     // unpaged: one sequence's tokens outside the prefix
  uint64_t exact_shared = 0;  // unpaged: the prefix's tokens, once
  uint64_t whole = 0;         // one sequence, unpaged and unshared
  double request(int64_t batch) const { return double(shared) + double(batch) * double(own); }
  double exact(int64_t batch) const { return double(exact_shared) + double(batch) * double(exact_own); }
};
Status serve(const ModelCache& unit, int64_t tokens, int64_t prefix, int64_t block, Served* out) {
  Served s;
  for (int i = 0; i < unit.kind_count; ++i) {
    const KindCache& k = unit.kinds[i];
    if (k.group.kind == LayerKind::kLinear) {  // a state per sequence: nothing to page or share
      s.own += k.per_sequence;
      s.exact_own += k.per_sequence;
      s.whole += k.per_sequence;
      continue;
    }
    // the layer keeps the last c tokens; those of them in the prefix are shared, in whole blocks
    const int64_t c = group_cached_tokens(k.group, tokens);
    const int64_t in_prefix = std::max<int64_t>(0, prefix - (tokens - c));
    const int64_t shared_tokens = in_prefix / block * block, own = c - shared_tokens;
    const int64_t own_tokens = (own / block + (own % block ? 1 : 0)) * block;
    uint64_t b[5];
    GQA_RETURN_IF_ERROR(mul(k.per_token, uint64_t(own_tokens), &b[0]));
    GQA_RETURN_IF_ERROR(mul(k.per_token, uint64_t(shared_tokens), &b[1]));
    GQA_RETURN_IF_ERROR(mul(k.per_token, uint64_t(c - in_prefix), &b[2]));
    GQA_RETURN_IF_ERROR(mul(k.per_token, uint64_t(in_prefix), &b[3]));
    GQA_RETURN_IF_ERROR(mul(k.per_token, uint64_t(c), &b[4]));
    s.own += b[0];
    s.shared += b[1];
    s.exact_own += b[2];
    s.exact_shared += b[3];
    s.whole += b[4];
  }
  *out = s;
  return Status::ok();
}

}  // namespace

Status device_model(const ModelSpec& m, int64_t gpus, ModelSpec* out, int* replication) {
  GQA_RETURN_IF_ERROR(check_range("gpus", gpus, 1, kMaxTensorParallel));
  ModelSpec d = m;
  *replication = 1;
  if (is_mla(m)) {
    *replication = int(gpus);  // one latent serves every head, so each device keeps all of it
  } else {
    TensorParallelKv kv;
    GQA_RETURN_IF_ERROR(split_heads("nKvHeads", m.n_kv_heads, gpus, m.id, &kv));
    d.n_kv_heads = int(kv.heads_per_device);
    *replication = int(kv.replication);
  }
  if (m.linear.num_key_heads > 0) {
    TensorParallelKv keys, values;
    GQA_RETURN_IF_ERROR(split_heads("linear.numKeyHeads", m.linear.num_key_heads, gpus, m.id, &keys));
    GQA_RETURN_IF_ERROR(split_heads("linear.numValueHeads", m.linear.num_value_heads, gpus, m.id, &values));
    d.linear.num_key_heads = int(keys.heads_per_device);
    d.linear.num_value_heads = int(values.heads_per_device);
  }
  *out = d;
  return Status::ok();
}

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
  GQA_RETURN_IF_ERROR(check_range("blockTokens", q.block_tokens, 1, kMaxBlockTokens));
  GQA_RETURN_IF_ERROR(check_range("sharedPrefix", q.shared_prefix, 0, q.tokens));
  if (!(m.params > 0)) {
    return Status::error(StatusCode::kInvalidArgument, "params (%g) of %s is unknown (a config.json does not state it): "
                         "give the parameter count to size the weights", m.params, m.id.c_str());
  }
  ModelSpec dm;
  int replication = 1;
  GQA_RETURN_IF_ERROR(device_model(m, q.gpus, &dm, &replication));
  ModelCache unit;  // one device, one token: each kind's bytes per token (a linear layer's state)
  GQA_RETURN_IF_ERROR(model_kv_cache({dm, 1, 1, q.kv_dtype}, &unit));
  const double t = double(q.gpus);

  r->weight_bytes = m.params * q.weight_bits / 8.0 / t;
  r->usable_bytes = q.memory_bytes * (1.0 - q.reserve);
  r->kv_budget_bytes = r->usable_bytes - r->weight_bytes;
  r->weights_fit = r->kv_budget_bytes > 0;
  r->kv_bytes_per_token = unit.per_token;
  r->cached_tokens = one.cached_tokens;
  r->kv_heads_per_device = dm.n_kv_heads;
  r->kv_replication = replication;
  Served s;
  GQA_RETURN_IF_ERROR(serve(unit, q.tokens, q.shared_prefix, q.block_tokens, &s));
  r->kv_bytes_per_sequence = s.own;
  r->shared_prefix_bytes = s.shared;
  r->request_kv_bytes = s.request(q.batch);
  r->request_exact_kv_bytes = s.exact(q.batch);
  r->paged_waste_bytes = r->request_kv_bytes - r->request_exact_kv_bytes;
  r->unshared_kv_bytes = double(q.batch) * double(s.whole);

  const double budget = r->weights_fit ? r->kv_budget_bytes : 0.0;
  // max context per sequence at `batch`: the longest T whose cache (every layer group's own cap, a
  // linear state's constant, whole blocks, the prefix once) fits; the cache grows with T from the
  // prefix on, so a bisection finds it exactly
  auto fits = [&](int64_t tokens, bool* ok) {
    Served c;
    GQA_RETURN_IF_ERROR(serve(unit, tokens, q.shared_prefix, q.block_tokens, &c));
    *ok = c.request(q.batch) <= budget;
    return Status::ok();
  };
  bool ok = false;
  GQA_RETURN_IF_ERROR(fits(m.max_context, &ok));
  if (ok && r->weights_fit) {
    r->max_context = m.max_context;
    r->max_context_memory_bound = false;
  } else {
    const int64_t first = std::max<int64_t>(1, q.shared_prefix);  // every sequence holds the prefix
    bool first_fits = false;
    if (r->weights_fit && first <= m.max_context) GQA_RETURN_IF_ERROR(fits(first, &first_fits));
    int64_t lo = first_fits ? first : 0, hi = m.max_context;  // fits(lo) (0: nothing), !fits(hi)
    while (first_fits && hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      GQA_RETURN_IF_ERROR(fits(mid, &ok));
      (ok ? lo : hi) = mid;
    }
    r->max_context = lo;
    r->max_context_memory_bound = true;
  }
  const double fit_batch = s.own > 0 ? std::floor((budget - double(s.shared)) / double(s.own)) : double(kMaxBatch);
  r->max_batch = fit_batch >= double(kMaxBatch) ? kMaxBatch : fit_batch > 0 ? int64_t(fit_batch) : 0;  // the model's limit on batch
  r->request_fits = r->weights_fit && s.request(q.batch) <= budget;

  r->bytes_per_step = m.active_params * q.weight_bits / 8.0 / t + s.request(q.batch);
  r->step_seconds = r->bytes_per_step / q.bandwidth;
  r->tokens_per_second = 1.0 / r->step_seconds;
  r->aggregate_tokens_per_second = double(q.batch) / r->step_seconds;
  return Status::ok();
}

}  // namespace gqa
