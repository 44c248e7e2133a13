// bindings.cpp - the Embind table and the small adapters behind it. The only file in cpp/ that
// knows about Emscripten. Tensors cross as typed arrays in one bulk copy each way; a refused
// request comes back as { error, name } and the JS face (web/core/core.js) throws it.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "attention/attention.h"
#include "base/memory_budget.h"
#include "sizing/budget_solver.h"
#include "lab/conversion.h"
#include "sizing/cost_model.h"
#include "attention/decode.h"
#include "attention/kv_cache.h"
#include "sizing/memory_model.h"
#include "sizing/model_catalog.h"
#include "attention/probes.h"
#include "lab/trainer.h"

using emscripten::val;
using namespace gqa;

namespace {

/// The best kernels this variant has: SIMD in the -msimd128 build, the scalar reference otherwise.
const Isa kIsa = simd_available() ? Isa::kSimd : Isa::kScalar;

val error_value(const Status& st) {
  val e = val::object();
  e.set("error", st.message());
  e.set("name", std::string(st.js_error_name()));
  return e;
}

/// One bulk copy of a JS Float32Array of n elements into dst.
void copy_in(const val& array, float* dst, uint64_t n) {
  val(emscripten::typed_memory_view(size_t(n), dst)).call<void>("set", array);
}

/// A fresh Float32Array holding a copy of src[0..n) (never a view into the heap).
val copy_out(const float* src, uint64_t n) {
  return val(emscripten::typed_memory_view(size_t(n), src)).call<val>("slice");
}

/// A float buffer of n elements, or the Status saying why not.
Status alloc(Buffer<float>* b, uint64_t n, const char* what) { return b->allocate(n, what); }

struct AttentionArgs {
  double tq, tk, nHeads, nKvHeads, headDim, window, scale;
  bool causal, hasScale, returnWeights, returnScores;
};

val attention(const AttentionArgs& a, val q, val k, val v) {
  AttentionShape s{int64_t(a.tq), int64_t(a.tk), int64_t(a.nHeads), int64_t(a.nKvHeads), int64_t(a.headDim)};
  AttentionOptions o;
  o.causal = a.causal;
  o.window = int64_t(a.window);
  o.has_scale = a.hasScale;
  o.scale = float(a.scale);
  Status st = validate_attention(s, o);
  if (!st.is_ok()) return error_value(st);
  const uint64_t nq = uint64_t(s.tq) * s.n_heads * s.head_dim;
  const uint64_t nk = uint64_t(s.tk) * s.n_kv_heads * s.head_dim;
  const uint64_t nw = uint64_t(s.n_heads) * s.tq * s.tk;
  Buffer<float> qb, kb, vb, out, scores, weights;
  if (!(st = alloc(&qb, nq, "q")).is_ok() || !(st = alloc(&kb, nk, "k")).is_ok() ||
      !(st = alloc(&vb, nk, "v")).is_ok() || !(st = alloc(&out, nq, "the output")).is_ok() ||
      (a.returnScores && !(st = alloc(&scores, nw, "the returned scores")).is_ok()) ||
      (a.returnWeights && !(st = alloc(&weights, nw, "the returned weights")).is_ok())) {
    return error_value(st);
  }
  copy_in(q, qb.data(), nq);
  copy_in(k, kb.data(), nk);
  copy_in(v, vb.data(), nk);
  if (!(st = check_finite(qb.data(), nq, "q")).is_ok() || !(st = check_finite(kb.data(), nk, "k")).is_ok() ||
      !(st = check_finite(vb.data(), nk, "v")).is_ok()) {
    return error_value(st);
  }
  st = attention_prefill(s, o, qb.data(), kb.data(), vb.data(), out.data(),
                         a.returnScores ? scores.data() : nullptr, a.returnWeights ? weights.data() : nullptr);
  if (!st.is_ok()) return error_value(st);
  val r = val::object();
  r.set("out", copy_out(out.data(), nq));
  if (a.returnWeights) r.set("weights", copy_out(weights.data(), nw));
  if (a.returnScores) r.set("scores", copy_out(scores.data(), nw));
  return r;
}

struct CacheArgs {
  double nKvHeads, headDim, capacity;
  std::string dtype;
};

struct AttendArgs {
  double tq, nHeads, window, scale;
  bool hasScale;
};

/// The KV cache as JS sees it: a class with one owner and one delete().
class KvCacheJs {
 public:
  val init(const CacheArgs& a) {
    KvCacheConfig c{int64_t(a.nKvHeads), int64_t(a.headDim), int64_t(a.capacity), Dtype::kF32};
    if (!parse_dtype(a.dtype.c_str(), &c.dtype)) {
      return error_value(Status::error(StatusCode::kOutOfRange, "dtype ('%s') must be 'f32', 'f16' or 'int8'",
                                       a.dtype.c_str()));
    }
    Status st = cache_.init(c);
    return st.is_ok() ? val::undefined() : error_value(st);
  }
  val append(val k, val v, double n) {
    const uint64_t count = uint64_t(n) * cache_.n_kv_heads() * cache_.head_dim();
    Buffer<float> kb, vb;
    Status st;
    if (!(st = alloc(&kb, count, "k")).is_ok() || !(st = alloc(&vb, count, "v")).is_ok()) return error_value(st);
    copy_in(k, kb.data(), count);
    copy_in(v, vb.data(), count);
    st = cache_.append(kb.data(), vb.data(), int64_t(n));
    return st.is_ok() ? val::undefined() : error_value(st);
  }
  val attend(val q, const AttendArgs& a) { return run_attend(q, a, false); }
  /// attend plus each row's softmax statistics: { out, max, sum }, for merging key ranges.
  val attend_partial(val q, const AttendArgs& a) { return run_attend(q, a, true); }
  void clear() { cache_.clear(); }
  double length() const { return double(cache_.length()); }
  double capacity() const { return double(cache_.capacity()); }
  double bytes() const { return double(cache_.bytes()); }
  std::string dtype() const { return dtype_name(cache_.dtype()); }

 private:
  /// out (tq, H, d) as a Float32Array, or with_stats: { out, max, sum } (max and sum (tq, H)).
  val run_attend(val q, const AttendArgs& a, bool with_stats) {
    const int64_t tq = int64_t(a.tq), h = int64_t(a.nHeads);
    Status st = validate_heads(h, cache_.n_kv_heads(), cache_.head_dim());
    if (!st.is_ok()) return error_value(st);
    if (tq < 1 || tq > cache_.length()) {  // the kernel checks too; this bounds the buffers below
      return error_value(cache_.attend(nullptr, tq, h, a.hasScale, float(a.scale), int64_t(a.window), kIsa, nullptr));
    }
    const uint64_t n = uint64_t(tq) * h * cache_.head_dim(), rows = uint64_t(tq) * h;
    Buffer<float> qb, out, mx, sm;
    if (!(st = alloc(&qb, n, "q")).is_ok() || !(st = alloc(&out, n, "the output")).is_ok() ||
        (with_stats && (!(st = alloc(&mx, rows, "the row maxima")).is_ok() || !(st = alloc(&sm, rows, "the row sums")).is_ok()))) {
      return error_value(st);
    }
    copy_in(q, qb.data(), n);
    st = cache_.attend(qb.data(), tq, h, a.hasScale, float(a.scale), int64_t(a.window), kIsa, out.data(), mx.data(), sm.data());
    if (!st.is_ok()) return error_value(st);
    if (!with_stats) return copy_out(out.data(), n);
    val r = val::object();
    r.set("out", copy_out(out.data(), n));
    r.set("max", copy_out(mx.data(), rows));
    r.set("sum", copy_out(sm.data(), rows));
    return r;
  }

  KvCache cache_;
};

/// Merges attention over disjoint key ranges: parts is an array of { out, max, sum } (checked by
/// the JS face: rows · d, rows and rows floats each).
val merge_attention(val parts, double rows, double d) {
  const int n = parts["length"].as<int>();
  const uint64_t r = uint64_t(rows), dd = uint64_t(d);
  std::vector<Buffer<float>> outs(n), maxes(n), sums(n);
  std::vector<const float*> o(n), m(n), s(n);
  Status st;
  for (int p = 0; p < n; ++p) {
    if (!(st = alloc(&outs[p], r * dd, "a part's output")).is_ok() || !(st = alloc(&maxes[p], r, "a part's maxima")).is_ok() ||
        !(st = alloc(&sums[p], r, "a part's sums")).is_ok()) {
      return error_value(st);
    }
    val part = parts[p];
    copy_in(part["out"], outs[p].data(), r * dd);
    copy_in(part["max"], maxes[p].data(), r);
    copy_in(part["sum"], sums[p].data(), r);
    o[p] = outs[p].data(); m[p] = maxes[p].data(); s[p] = sums[p].data();
  }
  Buffer<float> out;
  if (!(st = alloc(&out, r * dd, "the merged output")).is_ok()) return error_value(st);
  merge_partials(n, int64_t(r), int(dd), o.data(), m.data(), s.data(), out.data());
  return copy_out(out.data(), r * dd);
}

// ---- memory model, catalogs, budget solver ---------------------------------------------------

constexpr double kMaxExactDouble = 9007199254740992.0;  // 2^53: JS numbers are exact below

/// A uint64 byte count as a JS number, refused if it cannot be exact.
Status exact_number(uint64_t bytes, double* out) {
  if (double(bytes) > kMaxExactDouble) {
    return Status::error(StatusCode::kOutOfRange,
                         "the result (%.4g bytes) exceeds 2^53, beyond what a JavaScript number holds exactly",
                         double(bytes));
  }
  *out = double(bytes);
  return Status::ok();
}

Status parse_cache_dtype_field(const char* field, const std::string& s, CacheDtype* t) {
  if (parse_cache_dtype(s.c_str(), t)) return Status::ok();
  return Status::error(StatusCode::kOutOfRange, "%s ('%s') must be 'f32', 'f16', 'bf16', 'fp8', 'int8' or 'int4'",
                       field, s.c_str());
}

struct KvSizeArgs {
  double layers, nKvHeads, headDim, tokens, batch, kvFactor;
  std::string dtype;
};

val kv_cache_size_js(const KvSizeArgs& a) {
  KvSizeQuery q{int64_t(a.layers), int64_t(a.nKvHeads), int64_t(a.headDim), int64_t(a.tokens), int64_t(a.batch),
                CacheDtype::kF16, int64_t(a.kvFactor)};
  Status st = parse_cache_dtype_field("dtype", a.dtype, &q.dtype);
  KvSize size;
  if (st.is_ok()) st = kv_cache_size(q, &size);
  double data = 0, scales = 0, total = 0;
  if (st.is_ok()) st = exact_number(size.total_bytes, &total);
  if (!st.is_ok()) return error_value(st);
  exact_number(size.data_bytes, &data);
  exact_number(size.scale_bytes, &scales);
  val r = val::object();
  r.set("dataBytes", data);
  r.set("scaleBytes", scales);
  r.set("totalBytes", total);
  r.set("bitsPerElement", cache_dtype_bits(q.dtype));
  r.set("quantized", cache_dtype_quantized(q.dtype));
  return r;
}

val model_value(const ModelSpec& m) {
  val o = val::object();
  o.set("id", std::string(m.id));
  o.set("name", std::string(m.name));
  o.set("family", std::string(m.family));
  o.set("layers", m.layers);
  o.set("nHeads", m.n_heads);
  o.set("nKvHeads", m.n_kv_heads);
  o.set("headDim", m.head_dim);
  o.set("maxContext", double(m.max_context));
  o.set("params", m.params);
  o.set("activeParams", m.active_params);
  if (m.sliding_window > 0) o.set("slidingWindow", double(m.sliding_window));
  o.set("attention", std::string(attention_kind(m)));
  o.set("kvFactor", kv_factor(m));
  o.set("source", std::string(m.source));
  return o;
}

val models_js() {
  size_t n = 0;
  const ModelSpec* ms = model_catalog(&n);
  val arr = val::array();
  for (size_t i = 0; i < n; ++i) arr.call<void>("push", model_value(ms[i]));
  return arr;
}

val devices_js() {
  size_t n = 0;
  const DeviceSpec* ds = device_catalog(&n);
  val arr = val::array();
  for (size_t i = 0; i < n; ++i) {
    val o = val::object();
    o.set("id", std::string(ds[i].id));
    o.set("name", std::string(ds[i].name));
    o.set("memoryGB", ds[i].memory_gb);
    o.set("bandwidthGBs", ds[i].bandwidth_gbs);
    arr.call<void>("push", o);
  }
  return arr;
}

struct SolverArgs {
  std::string model, weightDtype, kvDtype;
  double nKvHeads, memoryBytes, bandwidth, reserve, tokens, batch;
};

val solve_budget_js(const SolverArgs& a) {
  const ModelSpec* m = find_model(a.model.c_str());
  if (!m) return error_value(Status::error(StatusCode::kOutOfRange, "model ('%s') is not in the catalog", a.model.c_str()));
  SolverQuery q;
  q.model = *m;
  if (a.nKvHeads > 0) q.model.n_kv_heads = int(a.nKvHeads);
  q.memory_bytes = a.memoryBytes;
  q.bandwidth = a.bandwidth;
  q.reserve = a.reserve;
  q.tokens = int64_t(a.tokens);
  q.batch = int64_t(a.batch);
  CacheDtype wt;
  Status st = parse_cache_dtype_field("weightDtype", a.weightDtype, &wt);
  if (st.is_ok()) st = parse_cache_dtype_field("kvDtype", a.kvDtype, &q.kv_dtype);
  q.weight_bits = cache_dtype_bits(wt);
  SolverResult r;
  if (st.is_ok()) st = solve_budget(q, &r);
  if (!st.is_ok()) return error_value(st);
  val o = val::object();
  o.set("nKvHeads", q.model.n_kv_heads);
  o.set("attention", std::string(attention_kind(q.model)));
  o.set("weightBytes", r.weight_bytes);
  o.set("usableBytes", r.usable_bytes);
  o.set("kvBudgetBytes", r.kv_budget_bytes);
  o.set("weightsFit", r.weights_fit);
  o.set("kvBytesPerToken", double(r.kv_bytes_per_token));
  o.set("cachedTokens", double(r.cached_tokens));
  o.set("kvBytesPerSequence", double(r.kv_bytes_per_sequence));
  o.set("maxContext", double(r.max_context));
  o.set("maxContextMemoryBound", r.max_context_memory_bound);
  o.set("maxBatch", double(r.max_batch));
  o.set("requestFits", r.request_fits);
  o.set("bytesPerStep", r.bytes_per_step);
  o.set("stepSeconds", r.step_seconds);
  o.set("tokensPerSecond", r.tokens_per_second);
  o.set("aggregateTokensPerSecond", r.aggregate_tokens_per_second);
  return o;
}

val projection_params_js(double d_model, double n_heads, double n_kv_heads, double head_dim) {
  ProjectionParams p;
  Status st = projection_params(int64_t(d_model), int64_t(n_heads), int64_t(n_kv_heads), int64_t(head_dim), &p);
  if (!st.is_ok()) return error_value(st);
  val o = val::object();
  o.set("query", double(p.query));
  o.set("keyValue", double(p.key_value));
  o.set("output", double(p.output));
  return o;
}

val decode_step_cost_js(double layers, double n_heads, double n_kv_heads, double head_dim, double tokens,
                        const std::string& dtype) {
  CacheDtype t;
  Status st = parse_cache_dtype_field("dtype", dtype, &t);
  DecodeStepCost c;
  if (st.is_ok()) st = decode_step_cost(int64_t(layers), int64_t(n_heads), int64_t(n_kv_heads), int64_t(head_dim),
                                        int64_t(tokens), t, &c);
  double kv = 0, madds = 0;
  if (st.is_ok()) st = exact_number(c.kv_bytes, &kv);
  if (st.is_ok()) st = exact_number(c.multiply_adds, &madds);
  if (!st.is_ok()) return error_value(st);
  val o = val::object();
  o.set("kvBytes", kv);
  o.set("multiplyAdds", madds);
  o.set("intensity", c.intensity);
  return o;
}

val tensor_parallel_kv_js(double n_kv_heads, double tp) {
  TensorParallelKv r;
  Status st = tensor_parallel_kv(int64_t(n_kv_heads), int64_t(tp), &r);
  if (!st.is_ok()) return error_value(st);
  val o = val::object();
  o.set("headsPerDevice", double(r.heads_per_device));
  o.set("replication", double(r.replication));
  return o;
}

// ---- the quality lab ----------------------------------------------------------------------------

struct ConvertArgs {
  double dModel, nHeads, headDim, nKvHeads, seed;
  std::string method;
};

Status parse_method(const std::string& name, ConvertMethod* m) {
  if (parse_convert_method(name.c_str(), m)) return Status::ok();
  return Status::error(StatusCode::kOutOfRange, "method ('%s') must be 'mean', 'first' or 'random'", name.c_str());
}

/// wk and wv (H·d, D) → { wk, wv } (G·d, D), nn.Linear layout.
val convert_kv_heads(const ConvertArgs& a, val wk, val wv) {
  const ConvertShape s{int64_t(a.dModel), int64_t(a.nHeads), int64_t(a.headDim), int64_t(a.nKvHeads)};
  ConvertMethod method;
  Status st = parse_method(a.method, &method);
  if (st.is_ok()) st = validate_convert(s);
  if (!st.is_ok()) return error_value(st);
  const uint64_t n_in = uint64_t(s.n_heads) * s.head_dim * s.d_model, n_out = uint64_t(s.n_kv_heads) * s.head_dim * s.d_model;
  Buffer<float> kin, vin, kout, vout;
  if (!(st = alloc(&kin, n_in, "wk")).is_ok() || !(st = alloc(&vin, n_in, "wv")).is_ok() ||
      !(st = alloc(&kout, n_out, "the converted wk")).is_ok() || !(st = alloc(&vout, n_out, "the converted wv")).is_ok()) {
    return error_value(st);
  }
  copy_in(wk, kin.data(), n_in);
  copy_in(wv, vin.data(), n_in);
  if (!(st = check_finite(kin.data(), n_in, "wk")).is_ok() || !(st = check_finite(vin.data(), n_in, "wv")).is_ok()) {
    return error_value(st);
  }
  const uint64_t seed = uint64_t(a.seed);
  convert_projection(s, method, seed * 2, kin.data(), kout.data());
  convert_projection(s, method, seed * 2 + 1, vin.data(), vout.data());
  val r = val::object();
  r.set("wk", copy_out(kout.data(), n_out));
  r.set("wv", copy_out(vout.data(), n_out));
  return r;
}

struct ConversionArgs {
  double dModel, nHeads, headDim, seqLen, samples, similarity, seed;
};

/// [{ nKvHeads, mean, first, random }] for every divisor G of H, G ascending.
val conversion_error_js(const ConversionArgs& a) {
  ConversionExperiment e{int64_t(a.dModel), int64_t(a.nHeads), int64_t(a.headDim), int64_t(a.seqLen),
                         int64_t(a.samples), a.similarity, uint64_t(a.seed)};
  std::vector<ConversionPoint> points;
  Status st = conversion_error(e, &points);
  if (!st.is_ok()) return error_value(st);
  val out = val::array();
  for (const auto& p : points) {
    val o = val::object();
    o.set("nKvHeads", double(p.n_kv_heads));
    for (int m = 0; m < 3; ++m) o.set(convert_method_name(ConvertMethod(m)), p.error[m]);
    out.call<void>("push", o);
  }
  return out;
}

struct RecallArgs {
  double keyVocab, valueVocab, pairs, queries;            // the task
  double dModel, nHeads, nKvHeads, headDim, dFf;          // the model
  double batch, lr, clip, evalSequences, seed;            // training
};

val stats_value(const RecallStats& s) {
  val o = val::object();
  o.set("loss", s.loss);
  o.set("accuracy", s.asked ? double(s.correct) / double(s.asked) : 0.0);
  o.set("correct", double(s.correct));
  o.set("asked", double(s.asked));
  return o;
}

/// The recall trainer as JS sees it: one owner, one delete().
class RecallTrainerJs {
 public:
  val init(const RecallArgs& a) {
    const RecallTask task{int64_t(a.keyVocab), int64_t(a.valueVocab), int64_t(a.pairs), int64_t(a.queries)};
    RecallModelShape m;
    m.d_model = int64_t(a.dModel);
    m.n_heads = int64_t(a.nHeads);
    m.n_kv_heads = int64_t(a.nKvHeads);
    m.head_dim = int64_t(a.headDim);
    m.d_ff = int64_t(a.dFf);
    TrainOptions o;
    o.batch = int64_t(a.batch);
    o.lr = a.lr;
    o.clip = a.clip;
    o.eval_sequences = int64_t(a.evalSequences);
    o.seed = uint64_t(a.seed);
    Status st = t_.init(task, m, o);
    return st.is_ok() ? val::undefined() : error_value(st);
  }
  /// This trainer becomes `from` with its K/V heads converted (uptraining starts here).
  val init_converted(const RecallTrainerJs& from, double n_kv_heads, const std::string& method, double seed) {
    ConvertMethod m;
    Status st = parse_method(method, &m);
    if (st.is_ok()) st = t_.init_converted(from.t_, int64_t(n_kv_heads), m, uint64_t(seed));
    return st.is_ok() ? val::undefined() : error_value(st);
  }
  /// `steps` Adam steps → Float32Array of their training losses.
  val train(double steps) {
    std::vector<float> losses;
    Status st = t_.train(int64_t(steps), &losses);
    if (!st.is_ok()) return error_value(st);
    return copy_out(losses.data(), losses.size());
  }
  val evaluate() const { return stats_value(t_.evaluate()); }
  double steps_done() const { return double(t_.steps_done()); }
  double parameter_count() { return double(t_.parameter_count()); }
  double n_kv_heads() const { return double(t_.shape().n_kv_heads); }

 private:
  RecallTrainer t_;
};

// ---- probes for the benchmark's roofline -----------------------------------------------------

/// Best-of-`reps` streaming read bandwidth over a buffer of `bytes`: { bytesPerSecond, bytes }.
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

/// Best-of-`reps` multiply-add throughput: { maddsPerSecond }.
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

/// Debug only (core.debug.abort() with loadCore({ debug: true })): trap the instance the way a
/// bug would, so the JS face's recovery can be tested.
void debug_abort() { __builtin_trap(); }

val build_info() {
  val info = val::object();
  info.set("isa", std::string(isa_name(kIsa)));
  info.set("simd", simd_available());
  info.set("maxRequestBytes", double(kMaxRequestBytes));
  info.set("maxMemoryBytes", double(kWasmMaxMemoryBytes));
  info.set("maxHeads", double(kMaxHeads));
  info.set("maxHeadDim", double(kMaxHeadDim));
  info.set("maxTokens", double(kMaxTokens));
  return info;
}

}  // namespace

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
      .field("dtype", &CacheArgs::dtype);
  value_object<AttendArgs>("AttendArgs")
      .field("tq", &AttendArgs::tq)
      .field("nHeads", &AttendArgs::nHeads)
      .field("window", &AttendArgs::window)
      .field("scale", &AttendArgs::scale)
      .field("hasScale", &AttendArgs::hasScale);
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
      .field("weightDtype", &SolverArgs::weightDtype)
      .field("kvDtype", &SolverArgs::kvDtype)
      .field("nKvHeads", &SolverArgs::nKvHeads)
      .field("memoryBytes", &SolverArgs::memoryBytes)
      .field("bandwidth", &SolverArgs::bandwidth)
      .field("reserve", &SolverArgs::reserve)
      .field("tokens", &SolverArgs::tokens)
      .field("batch", &SolverArgs::batch);
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
  function("attention", &attention);
  function("kvCacheSize", &kv_cache_size_js);
  function("models", &models_js);
  function("devices", &devices_js);
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
      .function("capacity", &KvCacheJs::capacity)
      .function("bytes", &KvCacheJs::bytes)
      .function("dtype", &KvCacheJs::dtype);
}
