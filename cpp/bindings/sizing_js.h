// sizing_js.h - the memory model, the catalogs, the model cache, the budget solver and the cost
// model as JS calls them. Byte counts come back as exact JS numbers or a refusal.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "sizing/cost_model.h"

namespace gqa::js {

using emscripten::val;

struct KvSizeArgs {
  double layers, nKvHeads, headDim, tokens, batch, kvFactor;
  std::string dtype;
};
/// { dataBytes, scaleBytes, totalBytes, bitsPerElement, quantized }
val kv_cache_size_js(const KvSizeArgs& a);

/// The model catalog and the accelerators, fresh objects on every call.
val models_js();
val devices_js();
/// The model record a config.json describes (model_config.h), or the refusal naming the field.
val model_from_config_js(const std::string& json);
/// The record of `model` (a catalog id or a record's JSON), as the core reads it, or the refusal.
val model_record_js(const std::string& model);

// `model` below: a catalog id, or a model record's JSON ('{...}', model_config.h's model_from_record).
struct ModelCacheArgs {
  std::string model, row, dtype;   // row: which of kvVariants' rows ('published', 'mha', 'whatIf', 'mqa')
  double nKvHeads, tokens, batch;  // nKvHeads: the G of a 'whatIf' or 'mqa' row
};
/// { nKvHeads, attention, cachedTokens, perToken, perSequence, total, uncapped: { perSequence, total },
///   byKind: [{ kind, layers, cachedTokens, perToken, perSequence, total }] }
val model_kv_cache_js(const ModelCacheArgs& a);

/// The rows a model is compared at: { nKvHeads (the one asked about), variants: [{ row ('mha' |
/// 'published' | 'whatIf' | 'mqa'), nKvHeads, attention }] }, or the refusal of the what-if.
/// An MLA model's rows are 'mha' (its MHA baseline) and 'published'.
val kv_variants_js(const std::string& model, bool has_what_if, double what_if);

struct SolverArgs {
  std::string model, row, weightDtype, kvDtype;  // row as in ModelCacheArgs
  double nKvHeads, memoryBytes, bandwidth, reserve, tokens, batch, gpus, blockTokens, sharedPrefix;
};
/// What fits and the roofline estimate, per device (SolverResult's fields, camelCase).
val solve_budget_js(const SolverArgs& a);

/// { query, keyValue, output }
val projection_params_js(double d_model, double n_heads, double n_kv_heads, double head_dim);
/// { kvBytes, multiplyAdds, intensity }
val decode_step_cost_js(double layers, double n_heads, double n_kv_heads, double head_dim, double tokens,
                        const std::string& dtype);
/// { headsPerDevice, replication }
/// A decode step's cost as JS sees it, { kvBytes, multiplyAdds, intensity }, or the refusal of a count
/// past 2^53 (decode_step_cost_js and mla_decode_step_cost_js).
val step_cost_value(const DecodeStepCost& c);

val tensor_parallel_kv_js(double n_kv_heads, double tp);

}  // namespace gqa::js
