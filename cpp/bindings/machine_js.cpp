// machine_js.cpp - probes, build info and the debug trap for JS (see machine_js.h).
#include "bindings/machine_js.h"

#include <emscripten/emscripten.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "attention/attention.h"
#include "attention/dtype.h"
#include "attention/paged_kv_cache.h"
#include "attention/probes.h"
#include "base/memory_budget.h"
#include "bindings/js_values.h"
#include "bindings/lab_js.h"
#include "lab/conversion.h"
#include "lab/recall.h"
#include "lab/trainer.h"
#include "sizing/budget_solver.h"
#include "sizing/cost_model.h"
#include "sizing/memory_model.h"
#include "sizing/model_config.h"
#include "sizing/model_spec.h"

namespace gqa::js {

val probe_bandwidth(double bytes, double reps) {
  Buffer<float> buf;
  Status st = buf.allocate(uint64_t(bytes) / 4, "the bandwidth probe buffer");
  if (!st.is_ok()) return error_value(st);
  for (uint64_t i = 0; i < buf.size(); ++i) buf[i] = float(i & 1023) * 1e-3f;  // touch every page
  double best = 1e30;
  volatile float sink = 0;
  for (int r = 0; r < int(reps); ++r) {
    const double t0 = emscripten_get_now();
    sink = sink + probe_stream_sum(buf.data(), buf.size());
    best = std::min(best, (emscripten_get_now() - t0) / 1e3);
  }
  val o = val::object();
  o.set("bytesPerSecond", double(buf.size()) * 4 / best);
  o.set("bytes", double(buf.size()) * 4);
  return o;
}

val probe_madd_throughput(double iters, double reps) {
  double best = 1e30;
  volatile float sink = 0;
  for (int r = 0; r < int(reps); ++r) {
    const double t0 = emscripten_get_now();
    sink = sink + probe_madd(uint64_t(iters), float(r));
    best = std::min(best, (emscripten_get_now() - t0) / 1e3);
  }
  val o = val::object();
  o.set("maddsPerSecond", double(probe_madds_per_iter()) * iters / best);
  return o;
}

namespace {

/// Every limit the core checks, by the name the JS face uses (index.d.ts CoreLimits).
val limits_value() {
  val l = val::object();
  // attention and the KV cache (attention.h)
  l.set("heads", double(kMaxHeads));
  l.set("headDim", double(kMaxHeadDim));
  l.set("tokens", double(kMaxTokens));
  l.set("sequences", double(kMaxSequences));  // paged_kv_cache.h
  // the memory model and the cost model (memory_model.h, cost_model.h)
  l.set("layers", double(kMaxLayers));
  l.set("modelTokens", double(kMaxModelTokens));
  l.set("batch", double(kMaxBatch));
  l.set("kvFactor", double(kMaxKvFactor));
  l.set("modelWidth", double(kMaxModelWidth));
  l.set("tensorParallel", double(kMaxTensorParallel));
  l.set("blockTokens", double(kMaxBlockTokens));
  // a model's shape and a config.json (model_spec.h, model_config.h)
  l.set("modelLayers", double(kMaxModelLayers));
  l.set("configBytes", double(config_json_limits().max_bytes));
  // the memory budget (memory_budget.h)
  l.set("requestBytes", double(kMaxRequestBytes));
  l.set("memoryBytes", double(kWasmMaxMemoryBytes));
  // the quality lab (conversion.h, recall.h, trainer.h)
  l.set("dModel", double(kMaxDModel));
  l.set("experimentHeads", double(kMaxExperimentHeads));
  l.set("experimentHeadDim", double(kMaxExperimentHeadDim));
  l.set("seqLen", double(kMaxSeqLen));
  l.set("samples", double(kMaxSamples));
  l.set("vocab", double(kMaxVocab));
  l.set("pairs", double(kMaxPairs));
  l.set("width", double(kMaxWidth));
  l.set("trainBatch", double(kMaxTrainBatch));
  l.set("evalSequences", double(kMaxEvalSequences));
  l.set("steps", double(kMaxTrainSteps));
  return l;
}

}  // namespace

val build_info() {
  val info = val::object();
  info.set("isa", std::string(isa_name(kIsa)));
  info.set("simd", simd_available());
  info.set("maxRequestBytes", double(kMaxRequestBytes));
  info.set("maxMemoryBytes", double(kWasmMaxMemoryBytes));
  info.set("maxHeads", double(kMaxHeads));
  info.set("maxHeadDim", double(kMaxHeadDim));
  info.set("maxTokens", double(kMaxTokens));
  info.set("limits", limits_value());
  info.set("defaultBlockTokens", double(kDefaultBlockTokens));
  val dtypes = val::object();
  dtypes.set("cache", name_list(int(std::size(kDtypes)), [](int i) { return dtype_name(kDtypes[i]); }));
  dtypes.set("memory", name_list(kCacheDtypeCount, [](int i) { return cache_dtype_name(CacheDtype(i)); }));
  info.set("dtypes", dtypes);
  info.set("recallSweep", recall_sweep_info());
  info.set("layerKinds", name_list(kLayerKindCount, [](int i) { return layer_kind_name(LayerKind(i)); }));
  info.set("convertMethods", name_list(kConvertMethodCount, [](int i) { return convert_method_name(ConvertMethod(i)); }));
  return info;
}

void debug_abort() { __builtin_trap(); }

}  // namespace gqa::js
