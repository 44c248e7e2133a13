// budget_solver.h - what fits on one accelerator (or each of t tensor-parallel ones), and a
// roofline estimate of decode speed.
//
// An estimate, stated as one: decoding a token reads every weight once (MoE: the active
// experts) plus the whole KV cache, so a step takes at least bytes / memory bandwidth.
//
// Served as engines serve it:
//   tensor parallelism  each of t devices holds weights / t and, per attention layer, G / t K/V
//                       heads while t <= G (tensor_parallel_kv: copies past G); an MLA latent is
//                       on every device; a linear layer's state splits with its heads
//   paged KV            each sequence's cache is allocated in blocks of block_tokens (vLLM: 16),
//                       per layer group, so a sequence rounds up to whole blocks: the waste
//   shared prefix       the first shared_prefix tokens (a system prompt) are stored once for the
//                       batch, in whole blocks; a partial last block is each sequence's own
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
  int64_t gpus = 1;           // t tensor-parallel devices; memory_bytes and bandwidth are each one's
  int64_t block_tokens = 1;   // paged KV block (1: every token exactly; kDefaultBlockTokens as vLLM)
  int64_t shared_prefix = 0;  // tokens at the start of every sequence stored once (<= tokens)
};

constexpr int64_t kDefaultBlockTokens = 16;  // vLLM's default block size
constexpr int64_t kMaxBlockTokens = 1 << 20;

/// Every byte below is one device's (with gpus = 1, the whole model's).
struct SolverResult {
  double weight_bytes = 0;     // params · weight_bits / 8 / gpus
  double usable_bytes = 0;     // memory · (1 - reserve)
  double kv_budget_bytes = 0;  // usable - weights (may be negative)
  bool weights_fit = false;
  uint64_t kv_bytes_per_token = 0;   // one token of one sequence, all layers, scales included
  int64_t cached_tokens = 0;         // the most tokens any layer keeps (model_cache.h)
  uint64_t kv_bytes_per_sequence = 0;  // one sequence's own blocks at `tokens` (the shared prefix apart)
  uint64_t shared_prefix_bytes = 0;    // the prefix's whole blocks, stored once
  // the request (batch sequences of tokens), in doubles so a huge batch is an answer, not an overflow
  double request_kv_bytes = 0;         // shared_prefix_bytes + batch · kv_bytes_per_sequence
  double request_exact_kv_bytes = 0;   // the same tokens unpaged: the prefix once + batch · own tokens
  double paged_waste_bytes = 0;        // request_kv_bytes - request_exact_kv_bytes
  double unshared_kv_bytes = 0;        // batch · one whole sequence, unpaged, no prefix shared
  int kv_heads_per_device = 0;         // G / t (at least 1); an MLA latent: 1
  int kv_replication = 1;              // devices holding each K/V head (MLA: every one, t)
  int64_t max_context = 0;           // per sequence at `batch`, capped at the model's context
  bool max_context_memory_bound = false;  // false: the model's own limit binds, not memory
  int64_t max_batch = 0;             // at `tokens`, at most kMaxBatch
  bool request_fits = false;         // batch sequences of tokens each
  double bytes_per_step = 0;         // active weights / gpus + request_kv_bytes
  double step_seconds = 0;
  double tokens_per_second = 0;      // per sequence
  double aggregate_tokens_per_second = 0;
};

/// Checks the query (the message names the field) and answers it.
Status solve_budget(const SolverQuery& q, SolverResult* out);

/// The model one of `gpus` tensor-parallel devices holds the cache of: G / t K/V heads (1 past G,
/// *replication copies of each), a linear layer's heads / t; an MLA model unchanged (its latent is
/// replicated, *replication = gpus). Refused unless t divides G (or G divides t), and the linear heads.
Status device_model(const ModelSpec& m, int64_t gpus, ModelSpec* out, int* replication);

}  // namespace gqa
