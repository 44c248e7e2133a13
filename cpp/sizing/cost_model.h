// cost_model.h - what sharing K/V changes besides the cache: projection parameters, the work
// and bytes of one decode step, and how K/V heads spread over tensor-parallel devices.
#pragma once

#include <cstdint>

#include "attention/attention.h"
#include "attention/dtype.h"
#include "attention/mla.h"
#include "base/status.h"
#include "sizing/memory_model.h"

namespace gqa {

/// The widest d_model projection_params takes: every head at the widest head_dim.
constexpr int64_t kMaxModelWidth = kMaxHeads * kMaxHeadDim;

/// Weights of one attention layer's projections (no biases), d_model -> heads.
struct ProjectionParams {
  uint64_t query = 0;      // d_model · H · d
  uint64_t key_value = 0;  // 2 · d_model · G · d
  uint64_t output = 0;     // H · d · d_model
};
Status projection_params(int64_t d_model, int64_t n_heads, int64_t n_kv_heads, int64_t head_dim, ProjectionParams* out);

/// One decode step (one new token per sequence) over a cache of `tokens`, all layers.
struct DecodeStepCost {
  uint64_t kv_bytes = 0;       // K and V read: 2 · L · G · d · T · bytes (scales included)
  uint64_t multiply_adds = 0;  // q·k and weight·v: 2 · L · H · T · d, the same for every G
  double intensity = 0;        // multiply-adds per K/V byte read = H / (G · bytes per element)
};
Status decode_step_cost(int64_t layers, int64_t n_heads, int64_t n_kv_heads, int64_t head_dim, int64_t tokens,
                        CacheDtype dtype, DecodeStepCost* out);

/// One absorbed MLA decode step (mla.h) over s.tk cached tokens, one layer, with the cache rows in
/// `dtype` (f32 or f16, as MlaCache stores them). Every head reads the same rows [c | kr]:
///   kv_bytes       tk · (r + dr) · bytes, read once (MQA over the latent)
///   multiply_adds  H · (dn·r + 2·tk·(r + dr) + dv·r): absorb the query, score and weight the rows
///                  (the decode kernel weights whole rows, kr included), up-project õ
/// s.tq must be 1 (one new token).
Status mla_decode_step_cost(const MlaShape& s, Dtype dtype, DecodeStepCost* out);

/// K/V heads on each of `tp` tensor-parallel devices. With tp <= G each device holds G / tp heads
/// (tp must divide G); with tp > G each head must be copied to tp / G devices (G must divide tp).
constexpr int64_t kMaxTensorParallel = 4096;  // tp, devices
struct TensorParallelKv {
  int64_t heads_per_device = 0;
  int64_t replication = 1;  // copies of each K/V head across the devices
};
Status tensor_parallel_kv(int64_t n_kv_heads, int64_t tp, TensorParallelKv* out);

}  // namespace gqa
