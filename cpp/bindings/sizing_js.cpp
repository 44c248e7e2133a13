// sizing_js.cpp - the memory model, catalogs, model cache, solver and cost model for JS (see sizing_js.h).
#include "bindings/sizing_js.h"

#include "bindings/js_values.h"
#include "sizing/budget_solver.h"
#include "sizing/cost_model.h"
#include "sizing/memory_model.h"
#include "sizing/model_cache.h"
#include "sizing/model_catalog.h"
#include "sizing/model_config.h"

namespace gqa::js {

namespace {

/// A memory-model dtype option, or the refusal listing memory_model's dtypes.
Status parse_cache_dtype_field(const char* field, const std::string& s, CacheDtype* t) {
  return parse_choice(field, s, kCacheDtypeCount, [](int i) { return cache_dtype_name(CacheDtype(i)); }, t);
}

/// The model `model` names: a catalog id, or a record's JSON (it starts with '{'; the JS face
/// serialises a record object so), read by model_from_record.
Status resolve_model(const std::string& model, ModelSpec* out) {
  if (!model.empty() && model[0] == '{') return model_from_record(model, out);
  const ModelSpec* m = find_model(model.c_str());
  if (!m) return Status::error(StatusCode::kOutOfRange, "model ('%.60s') is not in the catalog", model.c_str());
  *out = *m;
  return Status::ok();
}

/// The model `model` as row `row` of its comparison (kv_variants: 'mha' is its MHA baseline,
/// 'published' the model itself, 'whatIf' and 'mqa' copies with G = nKvHeads), or the refusal.
Status model_field(const std::string& model, const std::string& row, double n_kv_heads, ModelSpec* out) {
  ModelSpec m;
  GQA_RETURN_IF_ERROR(resolve_model(model, &m));
  KvVariantRow r;
  GQA_RETURN_IF_ERROR(parse_choice("row", row, kKvVariantRows, [](int i) { return kv_variant_row_name(KvVariantRow(i)); }, &r));
  *out = variant_model(m, {r, r == KvVariantRow::kPublished ? m.n_kv_heads : int(n_kv_heads)});
  return Status::ok();
}

/// One layer group: { kind, layers, nKvHeads, headDim, valueDim?, window? | chunk?, stateElements?,
/// layerIndices? (when the model has more than one kind: which layers these are) }.
val group_value(const ModelSpec& m, const LayerGroup& g, bool indices) {
  val o = val::object();
  o.set("kind", std::string(layer_kind_name(g.kind)));
  o.set("layers", g.layers);
  o.set("nKvHeads", g.n_kv_heads);
  o.set("headDim", g.head_dim);
  if (g.value_dim > 0) o.set("valueDim", g.value_dim);
  if (g.kind == LayerKind::kSliding) o.set("window", double(g.span));
  if (g.kind == LayerKind::kChunked) o.set("chunk", double(g.span));
  if (g.kind == LayerKind::kLinear) o.set("stateElements", double(g.state_elements));
  if (indices) {
    std::vector<int> which;
    for (int i = 0; i < m.layers; ++i) {
      if (layer_kind(m, i) == g.kind) which.push_back(i);
    }
    o.set("layerIndices", val::array(which));
  }
  return o;
}

val model_value(const ModelSpec& m) {
  val o = val::object();
  o.set("id", m.id);
  o.set("name", m.name);
  o.set("family", m.family);
  o.set("layers", m.layers);
  o.set("nHeads", m.n_heads);
  o.set("nKvHeads", m.n_kv_heads);
  o.set("headDim", m.head_dim);
  o.set("maxContext", double(m.max_context));
  // a config.json states no parameter count: null, not 0
  o.set("params", m.params > 0 ? val(m.params) : val::null());
  o.set("activeParams", m.params > 0 ? val(m.active_params) : val::null());
  o.set("attention", std::string(attention_kind(m)));
  o.set("kvFactor", kv_factor(m));
  o.set("layerPattern", m.pattern.kinds);
  LayerGroup groups[kLayerKindCount];
  const int n = layer_groups(m, groups);
  val layout = val::array();
  for (int i = 0; i < n; ++i) layout.call<void>("push", group_value(m, groups[i], n > 1));
  o.set("layout", layout);
  if (is_mla(m)) {
    val mla = val::object();
    mla.set("kvLoraRank", m.mla.kv_lora_rank);
    mla.set("qkRopeHeadDim", m.mla.qk_rope_head_dim);
    mla.set("qkNopeHeadDim", m.mla.qk_nope_head_dim);
    mla.set("vHeadDim", m.mla.v_head_dim);
    o.set("mla", mla);
  }
  if (m.linear.num_value_heads > 0) {
    val lin = val::object();
    lin.set("numKeyHeads", m.linear.num_key_heads);
    lin.set("numValueHeads", m.linear.num_value_heads);
    lin.set("keyHeadDim", m.linear.key_head_dim);
    lin.set("valueHeadDim", m.linear.value_head_dim);
    lin.set("convKernelDim", m.linear.conv_kernel_dim);
    o.set("linear", lin);
  }
  o.set("source", m.source);
  return o;
}

}  // namespace

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

val models_js() {
  size_t n = 0;
  const ModelSpec* ms = model_catalog(&n);
  val arr = val::array();
  for (size_t i = 0; i < n; ++i) arr.call<void>("push", model_value(ms[i]));
  return arr;
}

val model_from_config_js(const std::string& json) {
  ModelSpec m;
  Status st = model_from_config(json, &m);
  if (!st.is_ok()) return error_value(st);
  return model_value(m);
}

val model_record_js(const std::string& model) {
  ModelSpec m;
  Status st = resolve_model(model, &m);
  if (!st.is_ok()) return error_value(st);
  return model_value(m);
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

val model_kv_cache_js(const ModelCacheArgs& a) {
  ModelCacheQuery q;
  q.tokens = int64_t(a.tokens);
  q.batch = int64_t(a.batch);
  Status st = model_field(a.model, a.row, a.nKvHeads, &q.model);
  if (st.is_ok()) st = parse_cache_dtype_field("dtype", a.dtype, &q.dtype);
  ModelCache c;
  if (st.is_ok()) st = model_kv_cache(q, &c);
  double per_token = 0, per_sequence = 0, total = 0, uncapped_per_sequence = 0, uncapped_total = 0;
  auto exact = [&st](uint64_t bytes, double* out) { if (st.is_ok()) st = exact_number(bytes, out); };
  exact(c.per_token, &per_token);
  exact(c.per_sequence, &per_sequence);
  exact(c.total, &total);
  exact(c.uncapped_per_sequence, &uncapped_per_sequence);
  exact(c.uncapped_total, &uncapped_total);
  val by_kind = val::array();
  for (int i = 0; i < c.kind_count && st.is_ok(); ++i) {
    const KindCache& k = c.kinds[i];
    double kt = 0, ks = 0, kb = 0;
    exact(k.per_token, &kt);
    exact(k.per_sequence, &ks);
    exact(k.total, &kb);
    val o = val::object();
    o.set("kind", std::string(layer_kind_name(k.group.kind)));
    o.set("layers", k.group.layers);
    o.set("cachedTokens", double(k.cached_tokens));
    o.set("perToken", kt);
    o.set("perSequence", ks);
    o.set("total", kb);
    by_kind.call<void>("push", o);
  }
  if (!st.is_ok()) return error_value(st);
  val o = val::object();
  o.set("nKvHeads", q.model.n_kv_heads);
  o.set("attention", std::string(attention_kind(q.model)));
  o.set("cachedTokens", double(c.cached_tokens));
  o.set("perToken", per_token);
  o.set("perSequence", per_sequence);
  o.set("total", total);
  val uncapped = val::object();
  uncapped.set("perSequence", uncapped_per_sequence);
  uncapped.set("total", uncapped_total);
  o.set("uncapped", uncapped);
  o.set("byKind", by_kind);
  return o;
}

val kv_variants_js(const std::string& model, bool has_what_if, double what_if) {
  ModelSpec m;
  Status st = model_field(model, kv_variant_row_name(KvVariantRow::kPublished), 0, &m);
  KvVariant rows[kKvVariantRows];
  int count = 0, n_kv_heads = 0;
  if (st.is_ok()) st = kv_variants(m, has_what_if, int64_t(what_if), rows, &count, &n_kv_heads);
  if (!st.is_ok()) return error_value(st);
  val variants = val::array();
  for (int i = 0; i < count; ++i) {
    const ModelSpec v = variant_model(m, rows[i]);
    val o = val::object();
    o.set("row", std::string(kv_variant_row_name(rows[i].row)));
    o.set("nKvHeads", rows[i].n_kv_heads);
    o.set("attention", std::string(attention_kind(v)));
    variants.call<void>("push", o);
  }
  val r = val::object();
  r.set("nKvHeads", n_kv_heads);
  r.set("variants", variants);
  return r;
}

val solve_budget_js(const SolverArgs& a) {
  SolverQuery q;
  Status st = model_field(a.model, a.row, a.nKvHeads, &q.model);
  q.memory_bytes = a.memoryBytes;
  q.bandwidth = a.bandwidth;
  q.reserve = a.reserve;
  q.tokens = int64_t(a.tokens);
  q.batch = int64_t(a.batch);
  q.gpus = int64_t(a.gpus);
  q.block_tokens = int64_t(a.blockTokens);
  q.shared_prefix = int64_t(a.sharedPrefix);
  CacheDtype wt = CacheDtype::kF16;
  if (st.is_ok()) st = parse_cache_dtype_field("weightDtype", a.weightDtype, &wt);
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
  o.set("sharedPrefixBytes", double(r.shared_prefix_bytes));
  o.set("requestKvBytes", r.request_kv_bytes);
  o.set("requestExactKvBytes", r.request_exact_kv_bytes);
  o.set("pagedWasteBytes", r.paged_waste_bytes);
  o.set("unsharedKvBytes", r.unshared_kv_bytes);
  o.set("kvHeadsPerDevice", r.kv_heads_per_device);
  o.set("kvReplication", r.kv_replication);
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
  if (!st.is_ok()) return error_value(st);
  return step_cost_value(c);
}

val step_cost_value(const DecodeStepCost& c) {
  double kv = 0, madds = 0;
  Status st = exact_number(c.kv_bytes, &kv);
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

}  // namespace gqa::js
