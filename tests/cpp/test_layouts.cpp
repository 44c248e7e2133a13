// Per-layer layouts against hand-computed sums for every layer kind, the catalog's subtle layouts
// (which layers are global), config.json interpretation, hostile configs, and the JSON reader.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/json_reader.h"
#include "sizing/budget_solver.h"
#include "sizing/model_cache.h"
#include "sizing/model_catalog.h"
#include "sizing/model_config.h"
#include "sizing/model_spec.h"

using namespace gqa;

static const ModelSpec& catalog(const char* id) {
  const ModelSpec* m = find_model(id);
  REQUIRE(m != nullptr);
  return *m;
}

/// The layers of kind `k`, by index.
static std::vector<int> layers_of(const ModelSpec& m, LayerKind k) {
  std::vector<int> out;
  for (int i = 0; i < m.layers; ++i) {
    if (layer_kind(m, i) == k) out.push_back(i);
  }
  return out;
}

static ModelCache sized(const ModelSpec& m, int64_t tokens, int64_t batch = 1, CacheDtype dtype = CacheDtype::kF16) {
  ModelCache c;
  Status st = model_kv_cache({m, tokens, batch, dtype}, &c);
  INFO(st.message());
  REQUIRE(st.is_ok());
  return c;
}

TEST_CASE("layouts: which layers are global, sliding, chunked, linear", "[layout]") {
  // Gemma 2: even layers slide (HF: is_sliding = not layer_idx % 2)
  const ModelSpec& g2 = catalog("gemma-2-9b");
  CHECK(layers_of(g2, LayerKind::kSliding).size() == 21);
  CHECK(layers_of(g2, LayerKind::kSliding).front() == 0);
  CHECK(layers_of(g2, LayerKind::kFull).front() == 1);
  CHECK(layers_of(g2, LayerKind::kFull).back() == 41);
  // Gemma 3: global iff (i + 1) % 6 == 0
  CHECK(layers_of(catalog("gemma-3-27b"), LayerKind::kFull) == std::vector<int>{5, 11, 17, 23, 29, 35, 41, 47, 53, 59});
  CHECK(layers_of(catalog("gemma-3-1b"), LayerKind::kFull) == std::vector<int>{5, 11, 17, 23});
  CHECK(catalog("gemma-3-1b").pattern.window == 512);
  CHECK(catalog("gemma-3-4b").pattern.window == 1024);
  // gpt-oss: layer 0 slides (128), then alternating
  const ModelSpec& oss = catalog("gpt-oss-20b");
  CHECK(layer_kind(oss, 0) == LayerKind::kSliding);
  CHECK(layer_kind(oss, 23) == LayerKind::kFull);
  CHECK(oss.pattern.window == 128);
  // Llama 4: every 4th layer global (NoPE), the rest chunked 8192
  const std::vector<int> global4 = layers_of(catalog("llama-4-scout"), LayerKind::kFull);
  CHECK(global4.size() == 12);
  CHECK(global4.front() == 3);
  CHECK(global4.back() == 47);
  CHECK(layers_of(catalog("llama-4-maverick"), LayerKind::kChunked).size() == 36);
  // Qwen3-Next: full attention on layers 3, 7, ..., 47; Gated DeltaNet elsewhere
  const ModelSpec& next = catalog("qwen3-next-80b-a3b");
  CHECK(layers_of(next, LayerKind::kFull).size() == 12);
  CHECK(layers_of(next, LayerKind::kFull).front() == 3);
  CHECK(linear_state_elements(next.linear) == 32 * 128 * 128 + (2 * 16 * 128 + 32 * 128) * 3);
  CHECK(linear_state_elements(next.linear) == 548864);
}

TEST_CASE("model_kv_cache sums each layer kind exactly (hand-computed)", "[layout]") {
  SECTION("full + sliding: Gemma 3 27B at 128K, against the uniform formula") {
    const uint64_t layer_token = 2 * 16 * 128 * 2;  // K and V, 16 heads of 128, f16: 8192 B
    const ModelCache c = sized(catalog("gemma-3-27b"), 131072);
    REQUIRE(c.kind_count == 2);
    CHECK(c.kinds[0].group.kind == LayerKind::kFull);
    CHECK(c.kinds[0].per_sequence == 10 * layer_token * 131072);  // 10,737,418,240
    CHECK(c.kinds[1].group.kind == LayerKind::kSliding);
    CHECK(c.kinds[1].cached_tokens == 1024);
    CHECK(c.kinds[1].per_sequence == 52 * layer_token * 1024);  // 436,207,616
    CHECK(c.per_sequence == 11173625856ull);
    CHECK(c.per_token == 62 * layer_token);
    CHECK(c.cached_tokens == 131072);
    CHECK(c.uncapped_per_sequence == 62 * layer_token * 131072);  // 66,571,993,088: 5.96x too much
  }
  SECTION("alternating: gpt-oss-120b and Gemma 2 9B") {
    const ModelCache oss = sized(catalog("gpt-oss-120b"), 131072, 4);
    const uint64_t lt = 2 * 8 * 64 * 2;
    CHECK(oss.total == 4 * (18 * lt * 131072 + 18 * lt * 128));
    const ModelCache g2 = sized(catalog("gemma-2-9b"), 8192);
    CHECK(g2.per_sequence == 21ull * 8192 * 8192 + 21ull * 8192 * 4096);  // 2·8·256·2 = 8192 B per layer per token
  }
  SECTION("chunked: Llama 4 Scout") {
    const ModelCache c = sized(catalog("llama-4-scout"), 1000000);
    const uint64_t lt = 2 * 8 * 128 * 2;
    CHECK(c.kinds[0].group.kind == LayerKind::kFull);
    CHECK(c.kinds[1].group.kind == LayerKind::kChunked);
    CHECK(c.kinds[1].cached_tokens == 8192);
    CHECK(c.per_sequence == 12 * lt * 1000000 + 36 * lt * 8192);
    CHECK(sized(catalog("llama-4-scout"), 5000).per_sequence == 48 * lt * 5000);  // below a chunk, every layer holds it all
  }
  SECTION("linear: Qwen3-Next keeps a constant state") {
    const uint64_t state = 36ull * 548864 * 2;  // 39,518,208 B at f16
    const ModelCache a = sized(catalog("qwen3-next-80b-a3b"), 1);
    const ModelCache b = sized(catalog("qwen3-next-80b-a3b"), 262144, 2);
    CHECK(a.kinds[1].group.kind == LayerKind::kLinear);
    CHECK(a.kinds[1].per_sequence == state);
    CHECK(a.kinds[1].per_token == 0);
    CHECK(a.per_token == 12 * 2 * 2 * 256 * 2);
    CHECK(b.total == 2 * (12ull * 2048 * 262144 + state));
    CHECK(b.uncapped_per_sequence == 48ull * 2048 * 262144);  // the uniform formula: linear layers as attention
    CHECK(sized(catalog("qwen3-next-80b-a3b"), 1, 1, CacheDtype::kF32).kinds[1].per_sequence == 2 * state);
  }
  SECTION("mla: DeepSeek-V2-Lite and Kimi K2 cache a latent per layer") {
    CHECK(sized(catalog("deepseek-v2-lite"), 32768).per_sequence == 27ull * 576 * 2 * 32768);
    CHECK(sized(catalog("kimi-k2"), 1).per_token == 61 * 576 * 2);
    CHECK(sized(mha_baseline(catalog("kimi-k2")), 1).per_token == 61 * 64 * (192 + 128) * 2);
  }
  SECTION("what-ifs change G in every attention layer; windows stay") {
    ModelSpec mqa = catalog("gemma-3-27b");
    mqa.n_kv_heads = 1;
    CHECK(sized(mqa, 131072).per_sequence == 11173625856ull / 16);
    const ModelCache mha = sized(mha_baseline(catalog("gemma-3-27b")), 131072);
    CHECK(mha.per_sequence == 11173625856ull * 2);  // 32 heads instead of 16
  }
}

TEST_CASE("budget solver: max context follows each layer group's cap", "[layout][solver]") {
  SolverQuery q;
  q.model = catalog("gemma-3-27b");
  q.memory_bytes = 80e9;
  q.bandwidth = 3350e9;
  q.tokens = 131072;
  q.batch = 1;
  SolverResult r;
  REQUIRE(solve_budget(q, &r).is_ok());
  CHECK(r.max_context == 131072);  // 11.2 GB of cache fits beside 54.0 GB of weights (27.0B text parameters at bf16)
  CHECK_FALSE(r.max_context_memory_bound);
  q.batch = 2;
  REQUIRE(solve_budget(q, &r).is_ok());
  REQUIRE(r.max_context_memory_bound);
  // the answer is the longest context that fits: one more token does not
  const double budget = r.kv_budget_bytes;
  CHECK(2.0 * double(sized(q.model, r.max_context).per_sequence) <= budget);
  CHECK(2.0 * double(sized(q.model, r.max_context + 1).per_sequence) > budget);
  // a linear state alone can exhaust memory: the weights fit, 20 MB is left, the 39.5 MB state does not
  q.model = catalog("qwen3-next-80b-a3b");
  q.batch = 1;
  q.memory_bytes = (160e9 + 20e6) / 0.9;
  REQUIRE(solve_budget(q, &r).is_ok());
  CHECK(r.weights_fit);
  CHECK(r.max_context == 0);
  CHECK(r.max_context_memory_bound);
}

TEST_CASE("check_model refuses inconsistent layouts, naming the field", "[layout]") {
  ModelSpec m = catalog("gemma-3-27b");
  m.pattern.window = 0;
  CHECK(check_model(m, "model").message() == "model.window (0) must be an integer from 1 to 1099511627776");
  m = catalog("llama-3.1-8b");
  m.pattern.window = 4096;
  CHECK(check_model(m, "model").message() == "model.window (4096) is set, but no layer slides");
  m.pattern = {"FX"};
  CHECK(check_model(m, "model").message() ==
        "model.layerPattern[1] ('X') must be one of F (full), S (sliding), C (chunked), M (mla), L (linear)");
  m.pattern = {"L"};
  CHECK(check_model(m, "model").message() == "model.linear: linear-attention widths are missing, but layerPattern has linear layers");
  m = catalog("deepseek-v3");
  m.pattern = {"MF"};
  CHECK(check_model(m, "model").message().find("mla layers cannot be mixed") != std::string::npos);
}

// ---- config.json --------------------------------------------------------------------------------

static ModelSpec from_config(const std::string& json) {
  ModelSpec m;
  Status st = model_from_config(json, &m);
  INFO(json << "\n-> " << st.message());
  REQUIRE(st.is_ok());
  return m;
}

static std::string refusal(const std::string& json) {
  ModelSpec m;
  Status st = model_from_config(json, &m);
  INFO(json);
  REQUIRE_FALSE(st.is_ok());
  return st.message();
}

TEST_CASE("model_from_config: each architecture's rule", "[config]") {
  // head_dim: stated wins over hidden / heads (Mistral-Nemo: 128, not 160)
  ModelSpec m = from_config(R"({"model_type": "mistral", "num_hidden_layers": 40, "num_attention_heads": 32,
    "num_key_value_heads": 8, "head_dim": 128, "hidden_size": 5120, "max_position_embeddings": 1024000, "sliding_window": null})");
  CHECK(m.head_dim == 128);
  CHECK(m.pattern.kinds == "F");
  CHECK(m.n_kv_heads == 8);
  // Mistral v0.1 slides every layer
  m = from_config(R"({"model_type": "mistral", "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
    "hidden_size": 4096, "max_position_embeddings": 32768, "sliding_window": 4096})");
  CHECK(m.pattern.kinds == "S");
  CHECK(m.pattern.window == 4096);
  CHECK(m.head_dim == 128);
  // Gemma 3 nested under text_config, pattern 6
  m = from_config(R"({"model_type": "gemma3", "text_config": {"model_type": "gemma3_text", "num_hidden_layers": 48,
    "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 256, "sliding_window": 1024,
    "sliding_window_pattern": 6, "max_position_embeddings": 131072}})");
  CHECK(m.pattern.kinds == "SSSSSF");
  CHECK(m.pattern.window == 1024);
  // Llama 4: an explicit no_rope_layers list
  m = from_config(R"({"model_type": "llama4", "text_config": {"num_hidden_layers": 4, "num_attention_heads": 40,
    "num_key_value_heads": 8, "head_dim": 128, "attention_chunk_size": 8192, "no_rope_layers": [1, 0, 1, 0],
    "max_position_embeddings": 1048576}})");
  CHECK(m.pattern.kinds == "CF");
  CHECK(m.pattern.chunk == 8192);
  // Qwen3-Next
  m = from_config(R"({"model_type": "qwen3_next", "num_hidden_layers": 8, "num_attention_heads": 16, "num_key_value_heads": 2,
    "head_dim": 256, "max_position_embeddings": 262144, "full_attention_interval": 4, "linear_num_key_heads": 16,
    "linear_num_value_heads": 32, "linear_key_head_dim": 128, "linear_value_head_dim": 128, "linear_conv_kernel_dim": 4})");
  CHECK(m.pattern.kinds == "LLLF");
  CHECK(linear_state_elements(m.linear) == 548864);
  // Qwen2 with use_sliding_window: layers from max_window_layers on slide
  m = from_config(R"({"model_type": "qwen2", "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2,
    "hidden_size": 256, "max_position_embeddings": 4096, "use_sliding_window": true, "max_window_layers": 2, "sliding_window": 512})");
  CHECK(m.pattern.kinds == "FFSS");
  // gpt-oss with layer_types; Falcon's multi_query; DeepSeek's MLA
  m = from_config(R"({"model_type": "gpt_oss", "num_hidden_layers": 4, "num_attention_heads": 64, "num_key_value_heads": 8,
    "head_dim": 64, "max_position_embeddings": 131072, "sliding_window": 128,
    "layer_types": ["sliding_attention", "full_attention", "sliding_attention", "full_attention"]})");
  CHECK(m.pattern.kinds == "SF");
  m = from_config(R"({"model_type": "falcon", "num_hidden_layers": 32, "num_attention_heads": 71, "hidden_size": 4544, "multi_query": true})");
  CHECK(m.n_kv_heads == 1);
  CHECK(m.head_dim == 64);
  CHECK(m.max_context == 2048);  // FalconConfig's default
  m = from_config(R"({"model_type": "deepseek_v3", "num_hidden_layers": 61, "num_attention_heads": 128, "num_key_value_heads": 128,
    "kv_lora_rank": 512, "qk_rope_head_dim": 64, "qk_nope_head_dim": 128, "v_head_dim": 128, "max_position_embeddings": 163840})");
  CHECK(m.pattern.kinds == "M");
  CHECK(m.n_kv_heads == 1);
  CHECK(m.head_dim == 576);
  CHECK(m.params == 0);  // a config.json states none
}

TEST_CASE("model_from_config: hostile and broken configs are refused, naming the field", "[config]") {
  const std::string llama = R"("num_hidden_layers": 32, "num_attention_heads": 32, "hidden_size": 4096, "max_position_embeddings": 4096)";
  CHECK(refusal(R"({"model_type": "mamba", )" + llama + "}").find("config.model_type ('mamba') is not an architecture this reader knows") == 0);
  CHECK(refusal("{" + llama + "}").find("config.model_type is missing") == 0);
  CHECK(refusal(R"({"model_type": "llama", "num_attention_heads": 32, "hidden_size": 4096, "max_position_embeddings": 4096})") ==
        "config.num_hidden_layers is missing (an integer from 1 to 4096)");
  CHECK(refusal(R"({"model_type": "llama", "n_layer": 12, )" + llama + "}") == "config.n_layer (12) contradicts config.num_hidden_layers (32)");
  CHECK(refusal(R"({"model_type": "llama", "num_hidden_layers": 1e9, "num_attention_heads": 32, "hidden_size": 4096})") ==
        "config.num_hidden_layers (1000000000) must be an integer from 1 to 4096");
  CHECK(refusal(R"({"model_type": "llama", "num_hidden_layers": "32", "num_attention_heads": 32})") ==
        "config.num_hidden_layers ('32') must be an integer from 1 to 4096");
  CHECK(refusal(R"({"model_type": "llama", "num_hidden_layers": 32.5, "num_attention_heads": 32})") ==
        "config.num_hidden_layers (32.5) must be an integer from 1 to 4096");
  CHECK(refusal(R"({"model_type": "llama", "num_key_value_heads": 5, )" + llama + "}") ==
        "config.num_key_value_heads (5) must divide config.num_attention_heads (32)");
  CHECK(refusal(R"({"model_type": "llama", "num_hidden_layers": 32, "num_attention_heads": 30, "hidden_size": 4096, "max_position_embeddings": 4096})") ==
        "config.hidden_size (4096) is not a multiple of config.num_attention_heads (30), and head_dim is not stated");
  CHECK(refusal(R"({"model_type": "llama", "num_hidden_layers": 32, "num_attention_heads": 32, "hidden_size": 4096})") ==
        "config.max_position_embeddings is missing (the model's context length)");
  CHECK(refusal(R"({"model_type": "gemma2", )" + llama + "}") == "config.sliding_window is missing (an integer from 1 to 1099511627776)");
  CHECK(refusal(R"({"model_type": "llama", "kv_lora_rank": 512, )" + llama + "}") ==
        "config.kv_lora_rank is set, but model_type 'llama' has no multi-head latent attention");
  CHECK(refusal(R"({"model_type": "deepseek_v2", "kv_lora_rank": 512, )" + llama + "}") ==
        "config.qk_rope_head_dim is missing (an integer from 1 to 4096)");
  CHECK(refusal(R"({"model_type": "llama", "layer_types": ["full_attention"], )" + llama + "}") ==
        "config.layer_types has 1 entries, but num_hidden_layers is 32");
  CHECK(refusal(R"({"model_type": "gpt_oss", "num_hidden_layers": 2, "num_attention_heads": 8, "head_dim": 64, "sliding_window": 128,
    "max_position_embeddings": 4096, "layer_types": ["full_attention", "full_attention"]})") ==
        "config.layer_types[0] ('full_attention') contradicts the architecture's other fields, which make layer 0 sliding");
  CHECK(refusal(R"({"model_type": "gpt_oss", "num_hidden_layers": 2, "num_attention_heads": 8, "head_dim": 64, "sliding_window": 128,
    "max_position_embeddings": 4096, "layer_types": ["sliding_attention", "mamba"]})").find("config.layer_types[1] ('mamba') must be") == 0);
  CHECK(refusal(R"({"model_type": "llama", "__proto__": {"num_hidden_layers": 1}, )" + llama + "}") ==
        "config.__proto__: a key named '__proto__' is refused (it is not data in JavaScript)");
  CHECK(refusal(R"({"model_type": "llama", "num_hidden_layers": 32, )" + llama + "}") == "config.num_hidden_layers appears twice");
  CHECK(refusal(R"({"model_type": "llama", "text_config": 3, )" + llama + "}") == "config.text_config (3) must be an object");
  CHECK(refusal("[1, 2]") == "config (an array) must be a JSON object");
  CHECK(refusal(std::string(2 << 20, ' ')) == "config (2097152 bytes) is over the limit of 1048576 bytes");
  CHECK(refusal("{\"name\": \"" + std::string(100000, 'x') + "\"}") == "config.name: a string is longer than 65536 bytes");
  CHECK(refusal(std::string(100, '[') + std::string(100, ']')).find("is nested deeper than 32 levels") != std::string::npos);
  CHECK(refusal(R"({"model_type": "llama", "rope_theta": NaN})").find("config.rope_theta is not valid JSON at byte 38 (line 1, column 39): expected a value") == 0);
  CHECK(refusal(R"({"model_type": "llama",})").find("config is not valid JSON at byte 23 (line 1, column 24): expected a key") == 0);
  CHECK(refusal(R"({"x": 1e999})") == "config.x (1e999) is beyond a double's range");
}

TEST_CASE("json_reader: strings, escapes and numbers", "[config][json]") {
  JsonValue v;
  REQUIRE(parse_json(R"({"a": "\u00e9\ud83d\ude00\n", "b": [true, false, null, -0.5e2], "c": {}})", "x", JsonLimits{}, &v).is_ok());
  CHECK(v.find("a")->text == "\xC3\xA9\xF0\x9F\x98\x80\n");
  CHECK(v.find("b")->items.size() == 4);
  CHECK(v.find("b")->items[3].number == -50);
  CHECK(v.find("c")->is_object());
  CHECK(parse_json(R"("\ud83d")", "x", JsonLimits{}, &v).message().find("expected the low surrogate") != std::string::npos);
  CHECK(parse_json("01", "x", JsonLimits{}, &v).message().find("expected nothing after the value") != std::string::npos);
  CHECK(parse_json("\"a\tb\"", "x", JsonLimits{}, &v).message().find("no control character") != std::string::npos);
  CHECK(!parse_json("", "x", JsonLimits{}, &v).is_ok());
}

TEST_CASE("model_from_record: a record's layout must be what its fields imply", "[config]") {
  const std::string base = R"("id": "g", "name": "G", "layers": 12, "nHeads": 8, "nKvHeads": 4, "headDim": 256, "maxContext": 131072,
    "params": 4e9, "activeParams": 4e9, "layerPattern": "SSSSSF")";
  ModelSpec m;
  REQUIRE(model_from_record("{" + base + R"(, "layout": [{"kind": "full", "layers": 2, "nKvHeads": 4, "headDim": 256},
    {"kind": "sliding", "layers": 10, "nKvHeads": 4, "headDim": 256, "window": 1024}]})", &m).is_ok());
  CHECK(m.pattern.window == 1024);
  CHECK(sized(m, 4096).per_sequence == 2ull * 4 * 256 * 2 * (2 * 4096 + 10 * 1024));
  CHECK(model_from_record("{" + base + R"(, "layout": [{"kind": "full", "layers": 2, "nKvHeads": 2, "headDim": 256},
    {"kind": "sliding", "layers": 10, "nKvHeads": 4, "headDim": 256, "window": 1024}]})", &m).message() ==
        "model.layout[0].nKvHeads (2) must be 4, as the model's other fields say");
  CHECK(model_from_record("{" + base + R"(, "layout": [{"kind": "full", "layers": 12, "nKvHeads": 4, "headDim": 256}]})", &m).message() ==
        "model.window (0) must be an integer from 1 to 1099511627776");
  CHECK(model_from_record("{" + base + "}", &m).message() == "model.layout is missing (an array of layer groups)");
}

TEST_CASE("model_from_config: what a Gemma 3 config.json leaves out is Gemma3TextConfig's default", "[config]") {
  // google/gemma-3-4b-it's text_config states only these (transformers fills in 8 heads, 4 K/V heads,
  // head_dim 256, sliding_window 4096, pattern 6, 131072 positions)
  ModelSpec m = from_config(R"({"model_type": "gemma3", "text_config": {"model_type": "gemma3_text", "num_hidden_layers": 34,
    "hidden_size": 2560, "sliding_window": 1024}})");
  CHECK(m.n_heads == 8);
  CHECK(m.n_kv_heads == 4);
  CHECK(m.head_dim == 256);  // not 2560 / 8 = 320
  CHECK(m.max_context == 131072);
  CHECK(m.pattern.kinds == "SSSSSF");
  CHECK(m.pattern.window == 1024);
  // nothing stated: every default, the window 4096
  m = from_config(R"({"model_type": "gemma3_text", "num_hidden_layers": 26})");
  CHECK(m.pattern.window == 4096);
  CHECK(m.n_kv_heads == 4);
  // a stated value still wins, and is still checked
  m = from_config(R"({"model_type": "gemma3_text", "num_hidden_layers": 26, "num_attention_heads": 2, "num_key_value_heads": 1})");
  CHECK(m.n_heads == 2);
  CHECK(m.n_kv_heads == 1);
  CHECK(refusal(R"({"model_type": "gemma3_text", "num_hidden_layers": 26, "num_attention_heads": 6})").find("num_key_value_heads") != std::string::npos);
}
