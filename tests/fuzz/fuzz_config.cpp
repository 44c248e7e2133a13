// libFuzzer target: config.json and model records, as untrusted text. Either refused with a
// message or a model that passes check_model, whose layer groups add up to its layers, whose cache
// sizes are refused or consistent (per-kind sums, the uniform formula never below the layout's for
// full/sliding/chunked models), and which a record written from it reads back as the same model.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "sizing/model_cache.h"
#include "sizing/model_config.h"
#include "sizing/model_spec.h"

using namespace gqa;

#define CHECK(cond) do { if (!(cond)) { std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); std::abort(); } } while (0)

/// The record the JS face would hand back for `m` (sizing_js.cpp's model_value), as JSON.
static std::string record_json(const ModelSpec& m) {
  auto q = [](const std::string& s) {
    std::string o = "\"";
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') { o += '\\'; o += char(c); }
      else if (c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); o += b; }
      else o += char(c);
    }
    return o + "\"";
  };
  char num[64];
  auto n = [&](double x) { std::snprintf(num, sizeof num, "%.17g", x); return std::string(num); };
  std::string s = "{\"id\":" + q(m.id) + ",\"name\":" + q(m.name) + ",\"family\":" + q(m.family) + ",\"source\":" + q(m.source) +
                  ",\"layers\":" + n(m.layers) + ",\"nHeads\":" + n(m.n_heads) + ",\"nKvHeads\":" + n(m.n_kv_heads) +
                  ",\"headDim\":" + n(m.head_dim) + ",\"maxContext\":" + n(double(m.max_context)) + ",\"params\":" + n(m.params) +
                  ",\"activeParams\":" + n(m.active_params) + ",\"layerPattern\":" + q(m.pattern.kinds) + ",\"layout\":[";
  LayerGroup g[kLayerKindCount];
  const int count = layer_groups(m, g);
  for (int i = 0; i < count; ++i) {
    s += std::string(i ? "," : "") + "{\"kind\":\"" + layer_kind_name(g[i].kind) + "\",\"layers\":" + n(g[i].layers) +
         ",\"nKvHeads\":" + n(g[i].n_kv_heads) + ",\"headDim\":" + n(g[i].head_dim);
    if (g[i].kind == LayerKind::kSliding) s += ",\"window\":" + n(double(g[i].span));
    if (g[i].kind == LayerKind::kChunked) s += ",\"chunk\":" + n(double(g[i].span));
    s += "}";
  }
  s += "]";
  if (is_mla(m)) {
    s += ",\"mla\":{\"kvLoraRank\":" + n(m.mla.kv_lora_rank) + ",\"qkRopeHeadDim\":" + n(m.mla.qk_rope_head_dim) +
         ",\"qkNopeHeadDim\":" + n(m.mla.qk_nope_head_dim) + ",\"vHeadDim\":" + n(m.mla.v_head_dim) + "}";
  }
  if (m.linear.num_value_heads > 0) {
    s += ",\"linear\":{\"numKeyHeads\":" + n(m.linear.num_key_heads) + ",\"numValueHeads\":" + n(m.linear.num_value_heads) +
         ",\"keyHeadDim\":" + n(m.linear.key_head_dim) + ",\"valueHeadDim\":" + n(m.linear.value_head_dim) +
         ",\"convKernelDim\":" + n(m.linear.conv_kernel_dim) + "}";
  }
  return s + "}";
}

static bool same(const ModelSpec& a, const ModelSpec& b) {
  return a.id == b.id && a.layers == b.layers && a.n_heads == b.n_heads && a.n_kv_heads == b.n_kv_heads &&
         a.head_dim == b.head_dim && a.max_context == b.max_context && a.pattern.kinds == b.pattern.kinds &&
         a.pattern.window == b.pattern.window && a.pattern.chunk == b.pattern.chunk &&
         a.mla.kv_lora_rank == b.mla.kv_lora_rank && a.mla.v_head_dim == b.mla.v_head_dim &&
         a.linear.num_value_heads == b.linear.num_value_heads && a.linear.conv_kernel_dim == b.linear.conv_kernel_dim;
}

static void check_model_sizes(const ModelSpec& m, int64_t tokens, int64_t batch) {
  CHECK(check_model(m, "model").is_ok());
  LayerGroup g[kLayerKindCount];
  const int count = layer_groups(m, g);
  int sum = 0;
  for (int i = 0; i < count; ++i) sum += g[i].layers;
  CHECK(sum == m.layers);
  CHECK(m.pattern.kinds.size() <= size_t(m.layers));
  ModelCache c;
  Status st = model_kv_cache({m, tokens, batch, CacheDtype::kF16}, &c);
  if (!st.is_ok()) { CHECK(!st.message().empty()); return; }
  uint64_t total = 0, per_sequence = 0;
  bool linear = false;
  for (int i = 0; i < c.kind_count; ++i) {
    total += c.kinds[i].total;
    per_sequence += c.kinds[i].per_sequence;
    CHECK(c.kinds[i].cached_tokens <= tokens);
    linear = linear || c.kinds[i].group.kind == LayerKind::kLinear;
  }
  CHECK(total == c.total && per_sequence == c.per_sequence);
  CHECK(c.cached_tokens <= tokens);
  if (!linear) CHECK(c.uncapped_per_sequence >= c.per_sequence);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // the last 2 bytes pick a context and a batch; the rest is the text
  FuzzInput tail(size >= 2 ? data + size - 2 : data, size >= 2 ? 2 : 0);
  const int64_t tokens = int64_t(1) << (tail.u8() % 41), batch = 1 + tail.u8();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool record : {false, true}) {
    ModelSpec m;
    Status st = record ? model_from_record(text, &m) : model_from_config(text, &m);
    if (!st.is_ok()) {
      CHECK(!st.message().empty());
      continue;
    }
    check_model_sizes(m, tokens, batch);
    // a record written from the model reads back as the same model
    ModelSpec back;
    const std::string json = record_json(m);
    st = model_from_record(json, &back);
    if (!st.is_ok()) std::fprintf(stderr, "%s\n%s\n", json.c_str(), st.message().c_str());
    CHECK(st.is_ok());
    CHECK(same(m, back));
  }
  return 0;
}
