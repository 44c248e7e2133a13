// bindings.cpp - the Embind table, nothing else: every name JS sees, mapped to an adapter.
// The adapters live one file per concern beside it (attention_js, kv_cache_js, paged_kv_cache_js,
// mla_js, sizing_js, lab_js, machine_js; js_values.h says how values cross). A refused request comes back as
// { error, name } and the JS face (web/core/) throws it.
#include <emscripten/bind.h>

#include "bindings/attention_js.h"
#include "bindings/lab_js.h"
#include "bindings/machine_js.h"
#include "bindings/mla_js.h"
#include "bindings/paged_kv_cache_js.h"
#include "bindings/sizing_js.h"

using namespace gqa::js;

EMSCRIPTEN_BINDINGS(gqa_core) {
  using namespace emscripten;
  value_object<AttentionArgs>("AttentionArgs")
      .field("tq", &AttentionArgs::tq)
      .field("tk", &AttentionArgs::tk)
      .field("nHeads", &AttentionArgs::nHeads)
      .field("nKvHeads", &AttentionArgs::nKvHeads)
      .field("headDim", &AttentionArgs::headDim)
      .field("window", &AttentionArgs::window)
      .field("scale", &AttentionArgs::scale)
      .field("causal", &AttentionArgs::causal)
      .field("hasScale", &AttentionArgs::hasScale)
      .field("returnWeights", &AttentionArgs::returnWeights)
      .field("returnScores", &AttentionArgs::returnScores);
  value_object<CacheArgs>("CacheArgs")
      .field("nKvHeads", &CacheArgs::nKvHeads)
      .field("headDim", &CacheArgs::headDim)
      .field("capacity", &CacheArgs::capacity)
      .field("dtype", &CacheArgs::dtype)
      .field("streaming", &CacheArgs::streaming)
      .field("sinks", &CacheArgs::sinks);
  value_object<PagedCacheArgs>("PagedCacheArgs")
      .field("nKvHeads", &PagedCacheArgs::nKvHeads)
      .field("headDim", &PagedCacheArgs::headDim)
      .field("blockSize", &PagedCacheArgs::blockSize)
      .field("numBlocks", &PagedCacheArgs::numBlocks)
      .field("dtype", &PagedCacheArgs::dtype);
  value_object<AttendArgs>("AttendArgs")
      .field("tq", &AttendArgs::tq)
      .field("nHeads", &AttendArgs::nHeads)
      .field("window", &AttendArgs::window)
      .field("scale", &AttendArgs::scale)
      .field("hasScale", &AttendArgs::hasScale);
  value_object<MlaArgs>("MlaArgs")
      .field("tq", &MlaArgs::tq)
      .field("tk", &MlaArgs::tk)
      .field("nHeads", &MlaArgs::nHeads)
      .field("kvLoraRank", &MlaArgs::kvLoraRank)
      .field("qkRopeHeadDim", &MlaArgs::qkRopeHeadDim)
      .field("qkNopeHeadDim", &MlaArgs::qkNopeHeadDim)
      .field("vHeadDim", &MlaArgs::vHeadDim)
      .field("scale", &MlaArgs::scale)
      .field("causal", &MlaArgs::causal)
      .field("hasScale", &MlaArgs::hasScale)
      .field("absorb", &MlaArgs::absorb);
  value_object<MlaCacheArgs>("MlaCacheArgs")
      .field("kvLoraRank", &MlaCacheArgs::kvLoraRank)
      .field("qkRopeHeadDim", &MlaCacheArgs::qkRopeHeadDim)
      .field("capacity", &MlaCacheArgs::capacity)
      .field("dtype", &MlaCacheArgs::dtype);
  value_object<MlaAttendArgs>("MlaAttendArgs")
      .field("tq", &MlaAttendArgs::tq)
      .field("nHeads", &MlaAttendArgs::nHeads)
      .field("qkNopeHeadDim", &MlaAttendArgs::qkNopeHeadDim)
      .field("vHeadDim", &MlaAttendArgs::vHeadDim)
      .field("scale", &MlaAttendArgs::scale)
      .field("hasScale", &MlaAttendArgs::hasScale);
  value_object<KvSizeArgs>("KvSizeArgs")
      .field("layers", &KvSizeArgs::layers)
      .field("nKvHeads", &KvSizeArgs::nKvHeads)
      .field("headDim", &KvSizeArgs::headDim)
      .field("tokens", &KvSizeArgs::tokens)
      .field("batch", &KvSizeArgs::batch)
      .field("kvFactor", &KvSizeArgs::kvFactor)
      .field("dtype", &KvSizeArgs::dtype);
  value_object<SolverArgs>("SolverArgs")
      .field("model", &SolverArgs::model)
      .field("row", &SolverArgs::row)
      .field("weightDtype", &SolverArgs::weightDtype)
      .field("kvDtype", &SolverArgs::kvDtype)
      .field("nKvHeads", &SolverArgs::nKvHeads)
      .field("memoryBytes", &SolverArgs::memoryBytes)
      .field("bandwidth", &SolverArgs::bandwidth)
      .field("reserve", &SolverArgs::reserve)
      .field("tokens", &SolverArgs::tokens)
      .field("batch", &SolverArgs::batch)
      .field("gpus", &SolverArgs::gpus)
      .field("blockTokens", &SolverArgs::blockTokens)
      .field("sharedPrefix", &SolverArgs::sharedPrefix);
  value_object<ConvertArgs>("ConvertArgs")
      .field("dModel", &ConvertArgs::dModel)
      .field("nHeads", &ConvertArgs::nHeads)
      .field("headDim", &ConvertArgs::headDim)
      .field("nKvHeads", &ConvertArgs::nKvHeads)
      .field("seed", &ConvertArgs::seed)
      .field("method", &ConvertArgs::method);
  value_object<ConversionArgs>("ConversionArgs")
      .field("dModel", &ConversionArgs::dModel)
      .field("nHeads", &ConversionArgs::nHeads)
      .field("headDim", &ConversionArgs::headDim)
      .field("seqLen", &ConversionArgs::seqLen)
      .field("samples", &ConversionArgs::samples)
      .field("similarity", &ConversionArgs::similarity)
      .field("seed", &ConversionArgs::seed);
  value_object<RecallArgs>("RecallArgs")
      .field("keyVocab", &RecallArgs::keyVocab)
      .field("valueVocab", &RecallArgs::valueVocab)
      .field("pairs", &RecallArgs::pairs)
      .field("queries", &RecallArgs::queries)
      .field("dModel", &RecallArgs::dModel)
      .field("nHeads", &RecallArgs::nHeads)
      .field("nKvHeads", &RecallArgs::nKvHeads)
      .field("headDim", &RecallArgs::headDim)
      .field("dFf", &RecallArgs::dFf)
      .field("batch", &RecallArgs::batch)
      .field("lr", &RecallArgs::lr)
      .field("clip", &RecallArgs::clip)
      .field("evalSequences", &RecallArgs::evalSequences)
      .field("seed", &RecallArgs::seed);
  value_object<ModelCacheArgs>("ModelCacheArgs")
      .field("model", &ModelCacheArgs::model)
      .field("row", &ModelCacheArgs::row)
      .field("dtype", &ModelCacheArgs::dtype)
      .field("nKvHeads", &ModelCacheArgs::nKvHeads)
      .field("tokens", &ModelCacheArgs::tokens)
      .field("batch", &ModelCacheArgs::batch);
  function("attention", &attention);
  function("attentionKind", &attention_kind_js);
  function("mlaAttention", &mla_attention_js);
  function("validateMlaWidths", &validate_mla_widths_js);
  function("mlaDecodeStepCost", &mla_decode_step_cost_js);
  function("validateHeads", &validate_heads_js);
  function("kvCacheSize", &kv_cache_size_js);
  function("modelKvCache", &model_kv_cache_js);
  function("kvVariants", &kv_variants_js);
  function("models", &models_js);
  function("devices", &devices_js);
  function("modelFromConfig", &model_from_config_js);
  function("modelRecord", &model_record_js);
  function("solveBudget", &solve_budget_js);
  function("projectionParams", &projection_params_js);
  function("decodeStepCost", &decode_step_cost_js);
  function("tensorParallelKv", &tensor_parallel_kv_js);
  function("probeBandwidth", &probe_bandwidth);
  function("probeMaddThroughput", &probe_madd_throughput);
  function("buildInfo", &build_info);
  function("mergeAttention", &merge_attention);
  function("debugAbort", &debug_abort);
  function("convertKvHeads", &convert_kv_heads);
  function("conversionError", &conversion_error_js);
  class_<RecallTrainerJs>("RecallTrainer")
      .constructor<>()
      .function("init", &RecallTrainerJs::init)
      .function("initConverted", &RecallTrainerJs::init_converted)
      .function("initSweep", &RecallTrainerJs::init_sweep)
      .function("trace", &RecallTrainerJs::trace)
      .function("train", &RecallTrainerJs::train)
      .function("evaluate", &RecallTrainerJs::evaluate)
      .function("stepsDone", &RecallTrainerJs::steps_done)
      .function("parameterCount", &RecallTrainerJs::parameter_count)
      .function("nKvHeads", &RecallTrainerJs::n_kv_heads);
  class_<KvCacheJs>("KvCache")
      .constructor<>()
      .function("init", &KvCacheJs::init)
      .function("append", &KvCacheJs::append)
      .function("attend", &KvCacheJs::attend)
      .function("attendPartial", &KvCacheJs::attend_partial)
      .function("clear", &KvCacheJs::clear)
      .function("length", &KvCacheJs::length)
      .function("seen", &KvCacheJs::seen)
      .function("capacity", &KvCacheJs::capacity)
      .function("bytes", &KvCacheJs::bytes)
      .function("dtype", &KvCacheJs::dtype);
  class_<PagedKvCacheJs>("PagedKvCache")
      .constructor<>()
      .function("init", &PagedKvCacheJs::init)
      .function("addSequence", &PagedKvCacheJs::add_sequence)
      .function("fork", &PagedKvCacheJs::fork)
      .function("append", &PagedKvCacheJs::append)
      .function("attend", &PagedKvCacheJs::attend)
      .function("blockTable", &PagedKvCacheJs::block_table)
      .function("length", &PagedKvCacheJs::length)
      .function("free", &PagedKvCacheJs::free)
      .function("stats", &PagedKvCacheJs::stats)
      .function("blockSize", &PagedKvCacheJs::block_size)
      .function("numBlocks", &PagedKvCacheJs::num_blocks)
      .function("bytes", &PagedKvCacheJs::bytes)
      .function("dtype", &PagedKvCacheJs::dtype);
  class_<MlaCacheJs>("MlaCache")
      .constructor<>()
      .function("init", &MlaCacheJs::init)
      .function("append", &MlaCacheJs::append)
      .function("attend", &MlaCacheJs::attend)
      .function("clear", &MlaCacheJs::clear)
      .function("length", &MlaCacheJs::length)
      .function("capacity", &MlaCacheJs::capacity)
      .function("bytes", &MlaCacheJs::bytes)
      .function("dtype", &MlaCacheJs::dtype);
}
