// model_config.cpp - see model_config.h.
#include "sizing/model_config.h"

#include <cmath>
#include <cstring>
#include <initializer_list>

#include "attention/attention.h"
#include "sizing/memory_model.h"

namespace gqa {

namespace {

// ---- reading typed fields, each error naming its path ----------------------------------------------

/// How a value reads in a message: 32, 'text', true, null, an array.
std::string describe(const JsonValue& v) {
  char buf[64];
  switch (v.type) {
    case JsonValue::Type::kNumber: std::snprintf(buf, sizeof buf, "%.17g", v.number); return buf;
    case JsonValue::Type::kString: return "'" + v.text.substr(0, 40) + (v.text.size() > 40 ? "...'" : "'");
    case JsonValue::Type::kBool: return v.boolean ? "true" : "false";
    default: return json_type_name(v.type);
  }
}

/// An object's fields under a path ("config.text_config").
class Fields {
 public:
  Fields(const JsonValue& obj, std::string path) : obj_(obj), path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  std::string name(const char* key) const { return path_ + "." + key; }
  /// The member, or nullptr when it is absent or null (HF treats both as "not set").
  const JsonValue* get(const char* key) const {
    const JsonValue* v = obj_.find(key);
    return v && !v->is_null() ? v : nullptr;
  }

  /// An integer from lo to hi; *present false (and *out untouched) when absent or null.
  Status integer(const char* key, int64_t lo, int64_t hi, int64_t* out, bool* present = nullptr) const {
    if (present) *present = false;
    const JsonValue* v = get(key);
    if (!v) return Status::ok();
    GQA_RETURN_IF_ERROR(integer_value(name(key), *v, lo, hi, out));
    if (present) *present = true;
    return Status::ok();
  }

  /// The first of `keys` present (HF's aliases: num_hidden_layers | n_layer); two that disagree are refused.
  Status integer_alias(std::initializer_list<const char*> keys, int64_t lo, int64_t hi, int64_t* out, bool* present) const {
    *present = false;
    const char* first = nullptr;
    for (const char* key : keys) {
      int64_t x = 0;
      bool here = false;
      GQA_RETURN_IF_ERROR(integer(key, lo, hi, &x, &here));
      if (!here) continue;
      if (*present && x != *out) {
        return Status::error(StatusCode::kInvalidArgument, "%s (%lld) contradicts %s (%lld)", name(key).c_str(), (long long)x,
                             name(first).c_str(), (long long)*out);
      }
      if (!*present) first = key;
      *out = x;
      *present = true;
    }
    return Status::ok();
  }

  /// A required integer (any alias).
  Status required(std::initializer_list<const char*> keys, int64_t lo, int64_t hi, int64_t* out) const {
    bool present = false;
    GQA_RETURN_IF_ERROR(integer_alias(keys, lo, hi, out, &present));
    if (!present) return Status::error(StatusCode::kInvalidArgument, "%s is missing (an integer from %lld to %lld)",
                                       name(*keys.begin()).c_str(), (long long)lo, (long long)hi);
    return Status::ok();
  }

  Status boolean(const char* key, bool fallback, bool* out) const {
    const JsonValue* v = get(key);
    if (!v) { *out = fallback; return Status::ok(); }
    if (v->type != JsonValue::Type::kBool) {
      return Status::error(StatusCode::kInvalidArgument, "%s (%s) must be true or false", name(key).c_str(), describe(*v).c_str());
    }
    *out = v->boolean;
    return Status::ok();
  }

  Status string(const char* key, bool* present, std::string* out) const {
    const JsonValue* v = get(key);
    *present = v != nullptr;
    if (!v) return Status::ok();
    if (v->type != JsonValue::Type::kString) {
      return Status::error(StatusCode::kInvalidArgument, "%s (%s) must be a string", name(key).c_str(), describe(*v).c_str());
    }
    *out = v->text;
    return Status::ok();
  }

  /// A finite number >= 0; absent or null reads as 0.
  Status nonnegative(const char* key, double* out) const {
    const JsonValue* v = get(key);
    *out = 0;
    if (!v) return Status::ok();
    if (v->type != JsonValue::Type::kNumber || !(v->number >= 0)) {
      return Status::error(StatusCode::kInvalidArgument, "%s (%s) must be a number >= 0", name(key).c_str(), describe(*v).c_str());
    }
    *out = v->number;
    return Status::ok();
  }

  /// An array member, or nullptr when absent or null.
  Status array(const char* key, const JsonValue** out) const {
    *out = get(key);
    if (*out && (*out)->type != JsonValue::Type::kArray) {
      return Status::error(StatusCode::kInvalidArgument, "%s (%s) must be an array", name(key).c_str(), describe(**out).c_str());
    }
    return Status::ok();
  }

  /// An object member, or nullptr when absent or null.
  Status object(const char* key, const JsonValue** out) const {
    *out = get(key);
    if (*out && !(*out)->is_object()) {
      return Status::error(StatusCode::kInvalidArgument, "%s (%s) must be an object", name(key).c_str(), describe(**out).c_str());
    }
    return Status::ok();
  }

  static Status integer_value(const std::string& field, const JsonValue& v, int64_t lo, int64_t hi, int64_t* out) {
    if (v.type != JsonValue::Type::kNumber || v.number != std::floor(v.number)) {
      return Status::error(StatusCode::kInvalidArgument, "%s (%s) must be an integer from %lld to %lld", field.c_str(),
                           describe(v).c_str(), (long long)lo, (long long)hi);
    }
    if (!(v.number >= double(lo) && v.number <= double(hi))) {
      return Status::error(StatusCode::kOutOfRange, "%s (%s) must be an integer from %lld to %lld", field.c_str(),
                           describe(v).c_str(), (long long)lo, (long long)hi);
    }
    *out = int64_t(v.number);
    return Status::ok();
  }

 private:
  const JsonValue& obj_;
  std::string path_;
};

Status parse_object(std::string_view json, const char* what, JsonValue* root) {
  GQA_RETURN_IF_ERROR(parse_json(json, what, config_json_limits(), root));
  if (!root->is_object()) {
    return Status::error(StatusCode::kInvalidArgument, "%s (%s) must be a JSON object", what, json_type_name(root->type));
  }
  return Status::ok();
}

// ---- architectures -------------------------------------------------------------------------------

/// How an architecture lays out its layers when the config has no layer_types (HF's defaults).
enum class Rule {
  kFull,            // every layer full attention
  kSlidingWhenSet,  // every layer slides when sliding_window is set (Mistral, Mixtral, Phi-3)
  kQwenWindow,      // with use_sliding_window, layers from max_window_layers on slide (Qwen2, Qwen3)
  kAlternate,       // layer 0 slides, then alternating (Gemma 2, gpt-oss)
  kGemma3,          // global iff (i + 1) % sliding_window_pattern == 0, else sliding
  kLlama4,          // chunked on RoPE layers (no_rope_layers, default (i + 1) % 4 != 0), else full
  kQwen3Next,       // full iff (i + 1) % full_attention_interval == 0, else linear
  kMla,             // every layer an MLA latent
};
/// Where an architecture's K/V-head count comes from.
enum class KvRule {
  kStated,      // num_key_value_heads, else the query heads
  kFalcon,      // new_decoder_architecture: num_kv_heads; else multi_query (default true): 1, else the heads
  kMultiQuery,  // multi_query (default true): 1, else the heads (gpt_bigcode)
};

/// What the architecture's transformers config class fills in for a key the config.json leaves out
/// (0: nothing; the key is then required, or derived as the comments above say).
struct ClassDefaults {
  int64_t heads;     // num_attention_heads
  int64_t kv_heads;  // num_key_value_heads (0: the query heads)
  int64_t head_dim;  // head_dim (0: hidden_size / heads)
  int64_t window;    // sliding_window
};
/// Gemma3TextConfig (transformers configuration_gemma3.py): google/gemma-3-4b-it's config.json
/// states only num_hidden_layers, hidden_size and sliding_window in its text_config.
constexpr ClassDefaults kGemma3Defaults{8, 4, 256, 4096};
constexpr ClassDefaults kNoDefaults{0, 0, 0, 0};

struct Architecture {
  const char* model_type;
  const char* family;
  Rule rule;
  KvRule kv;
  int64_t default_context;  // when the config states none (FalconConfig's 2048); 0: required
  const ClassDefaults& defaults = kNoDefaults;
};

// clang-format off
constexpr Architecture kArchitectures[] = {
  {"gpt2",            "GPT-2",     Rule::kFull,           KvRule::kStated,     0},
  {"gpt_bigcode",     "StarCoder", Rule::kFull,           KvRule::kMultiQuery, 0},
  {"falcon",          "Falcon",    Rule::kFull,           KvRule::kFalcon,     2048},
  {"RefinedWebModel", "Falcon",    Rule::kFull,           KvRule::kFalcon,     2048},
  {"RefinedWeb",      "Falcon",    Rule::kFull,           KvRule::kFalcon,     2048},
  {"llama",           "Llama",     Rule::kFull,           KvRule::kStated,     0},
  {"cohere",          "Cohere",    Rule::kFull,           KvRule::kStated,     0},
  {"gemma",           "Gemma",     Rule::kFull,           KvRule::kStated,     0},
  {"mistral",         "Mistral",   Rule::kSlidingWhenSet, KvRule::kStated,     0},
  {"mixtral",         "Mistral",   Rule::kSlidingWhenSet, KvRule::kStated,     0},
  {"phi3",            "Phi",       Rule::kSlidingWhenSet, KvRule::kStated,     0},
  {"qwen2",           "Qwen",      Rule::kQwenWindow,     KvRule::kStated,     0},
  {"qwen2_moe",       "Qwen",      Rule::kQwenWindow,     KvRule::kStated,     0},
  {"qwen3",           "Qwen",      Rule::kQwenWindow,     KvRule::kStated,     0},
  {"qwen3_moe",       "Qwen",      Rule::kQwenWindow,     KvRule::kStated,     0},
  {"gemma2",          "Gemma 2",   Rule::kAlternate,      KvRule::kStated,     0},
  {"gpt_oss",         "gpt-oss",   Rule::kAlternate,      KvRule::kStated,     0},
  {"gemma3",          "Gemma 3",   Rule::kGemma3,         KvRule::kStated,     131072, kGemma3Defaults},
  {"gemma3_text",     "Gemma 3",   Rule::kGemma3,         KvRule::kStated,     131072, kGemma3Defaults},
  {"llama4",          "Llama 4",   Rule::kLlama4,         KvRule::kStated,     0},
  {"llama4_text",     "Llama 4",   Rule::kLlama4,         KvRule::kStated,     0},
  {"qwen3_next",      "Qwen",      Rule::kQwen3Next,      KvRule::kStated,     0},
  {"deepseek_v2",     "DeepSeek",  Rule::kMla,            KvRule::kStated,     0},
  {"deepseek_v3",     "DeepSeek",  Rule::kMla,            KvRule::kStated,     0},
  {"kimi_k2",         "Kimi",      Rule::kMla,            KvRule::kStated,     0},
};
// clang-format on

std::string known_model_types() {
  std::string s;
  for (const Architecture& a : kArchitectures) s += std::string(s.empty() ? "" : ", ") + a.model_type;
  return s;
}

/// layer_types' names, by kind.
constexpr const char* kLayerTypeNames[kLayerKindCount] = {"full_attention", "sliding_attention", "chunked_attention", nullptr,
                                                          "linear_attention"};

char letter(LayerKind k) { return layer_kind_letter(k); }
/// The kind a pattern letter stands for (the letters rule_layout writes).
LayerKind kind_of(char c) {
  int k = 0;
  while (k + 1 < kLayerKindCount && layer_kind_letter(LayerKind(k)) != c) ++k;
  return LayerKind(k);
}

/// The shortest prefix of `kinds` that repeats to make it: "SFSFSF" -> "SF".
std::string shortest_period(const std::string& kinds) {
  for (size_t p = 1; p < kinds.size(); ++p) {
    bool repeats = true;
    for (size_t i = p; i < kinds.size() && repeats; ++i) repeats = kinds[i] == kinds[i - p];
    if (repeats) return kinds.substr(0, p);
  }
  return kinds;
}

/// The layout the architecture's rule gives, one letter per layer.
Status rule_layout(const Architecture& arch, const Fields& f, int64_t layers, std::string* kinds) {
  kinds->assign(size_t(layers), letter(LayerKind::kFull));
  auto each = [&](auto kind_of) { for (int64_t i = 0; i < layers; ++i) (*kinds)[size_t(i)] = letter(kind_of(i)); };
  switch (arch.rule) {
    case Rule::kFull: break;
    case Rule::kSlidingWhenSet: {
      if (f.get("sliding_window")) each([](int64_t) { return LayerKind::kSliding; });
      break;
    }
    case Rule::kQwenWindow: {
      bool use = false;
      GQA_RETURN_IF_ERROR(f.boolean("use_sliding_window", false, &use));
      if (!use) break;
      int64_t from = 0;
      GQA_RETURN_IF_ERROR(f.required({"max_window_layers"}, 0, layers, &from));
      each([&](int64_t i) { return i >= from ? LayerKind::kSliding : LayerKind::kFull; });
      break;
    }
    case Rule::kAlternate: each([](int64_t i) { return i % 2 == 0 ? LayerKind::kSliding : LayerKind::kFull; }); break;
    case Rule::kGemma3: {
      int64_t p = 6;  // Gemma3TextConfig's default
      GQA_RETURN_IF_ERROR(f.integer("sliding_window_pattern", 1, kMaxModelLayers, &p));
      each([&](int64_t i) { return (i + 1) % p == 0 ? LayerKind::kFull : LayerKind::kSliding; });
      break;
    }
    case Rule::kLlama4: {
      const JsonValue* no_rope = nullptr;
      GQA_RETURN_IF_ERROR(f.array("no_rope_layers", &no_rope));
      if (no_rope && !no_rope->items.empty()) {  // HF: an empty list means the default
        if (int64_t(no_rope->items.size()) != layers) {
          return Status::error(StatusCode::kInvalidArgument, "%s has %llu entries, but there are %lld layers",
                               f.name("no_rope_layers").c_str(), (unsigned long long)no_rope->items.size(), (long long)layers);
        }
        for (int64_t i = 0; i < layers; ++i) {
          int64_t rope = 0;
          GQA_RETURN_IF_ERROR(Fields::integer_value(f.name("no_rope_layers") + "[" + std::to_string(i) + "]",
                                                    no_rope->items[size_t(i)], 0, 1, &rope));
          (*kinds)[size_t(i)] = letter(rope ? LayerKind::kChunked : LayerKind::kFull);  // 1: RoPE, chunked; 0: NoPE, global
        }
      } else {
        int64_t interval = 4;  // Llama4TextConfig's no_rope_layer_interval
        GQA_RETURN_IF_ERROR(f.integer("no_rope_layer_interval", 1, kMaxModelLayers, &interval));
        each([&](int64_t i) { return (i + 1) % interval != 0 ? LayerKind::kChunked : LayerKind::kFull; });
      }
      break;
    }
    case Rule::kQwen3Next: {
      int64_t interval = 4;  // Qwen3NextConfig's full_attention_interval
      GQA_RETURN_IF_ERROR(f.integer("full_attention_interval", 1, kMaxModelLayers, &interval));
      each([&](int64_t i) { return (i + 1) % interval == 0 ? LayerKind::kFull : LayerKind::kLinear; });
      break;
    }
    case Rule::kMla: each([](int64_t) { return LayerKind::kMla; }); break;
  }
  return Status::ok();
}

/// layer_types, if the config gives it, checked against the rule's layout.
Status check_layer_types(const Fields& f, const std::string& kinds) {
  const JsonValue* types = nullptr;
  GQA_RETURN_IF_ERROR(f.array("layer_types", &types));
  if (!types) return Status::ok();
  if (types->items.size() != kinds.size()) {
    return Status::error(StatusCode::kInvalidArgument, "%s has %llu entries, but num_hidden_layers is %llu",
                         f.name("layer_types").c_str(), (unsigned long long)types->items.size(), (unsigned long long)kinds.size());
  }
  for (size_t i = 0; i < kinds.size(); ++i) {
    const JsonValue& t = types->items[i];
    const std::string field = f.name("layer_types") + "[" + std::to_string(i) + "]";
    int kind = -1;
    for (int k = 0; k < kLayerKindCount && t.type == JsonValue::Type::kString; ++k) {
      if (kLayerTypeNames[k] && t.text == kLayerTypeNames[k]) kind = k;
    }
    if (kind < 0) {
      return Status::error(StatusCode::kInvalidArgument, "%s (%s) must be 'full_attention', 'sliding_attention', "
                           "'chunked_attention' or 'linear_attention'", field.c_str(), describe(t).c_str());
    }
    if (letter(LayerKind(kind)) != kinds[i]) {
      return Status::error(StatusCode::kInvalidArgument, "%s (%s) contradicts the architecture's other fields, which make "
                           "layer %llu %s", field.c_str(), describe(t).c_str(), (unsigned long long)i,
                           layer_kind_name(kind_of(kinds[i])));
    }
  }
  return Status::ok();
}

}  // namespace

JsonLimits config_json_limits() { return JsonLimits{}; }

Status model_from_config(std::string_view json, ModelSpec* out) {
  JsonValue root;
  GQA_RETURN_IF_ERROR(parse_object(json, "config", &root));
  const Fields top(root, "config");
  const JsonValue* text = nullptr;
  GQA_RETURN_IF_ERROR(top.object("text_config", &text));
  const Fields f = text ? Fields(*text, "config.text_config") : top;

  // the architecture, by model_type (the top level's; a nested config's own when the top has none)
  std::string model_type;
  bool present = false;
  GQA_RETURN_IF_ERROR(top.string("model_type", &present, &model_type));
  if (!present) GQA_RETURN_IF_ERROR(f.string("model_type", &present, &model_type));
  if (!present) {
    return Status::error(StatusCode::kInvalidArgument, "config.model_type is missing: it names the architecture, one of %s",
                         known_model_types().c_str());
  }
  const Architecture* arch = nullptr;
  for (const Architecture& a : kArchitectures) {
    if (model_type == a.model_type) arch = &a;
  }
  if (!arch) {
    return Status::error(StatusCode::kInvalidArgument, "config.model_type ('%.40s') is not an architecture this reader knows "
                         "(its layer layout could be anything): one of %s", model_type.c_str(), known_model_types().c_str());
  }

  ModelSpec m;
  m.id = std::string("config-") + arch->model_type;
  m.family = arch->family;
  m.name = std::string(arch->family) + " (" + arch->model_type + " config.json)";
  int64_t layers = 0, heads = 0, kv = 0, head_dim = 0, hidden = 0, context = 0;
  GQA_RETURN_IF_ERROR(f.required({"num_hidden_layers", "n_layer"}, 1, kMaxModelLayers, &layers));
  const ClassDefaults& defaults = arch->defaults;
  if (defaults.heads) {
    bool stated_heads = false;
    heads = defaults.heads;
    GQA_RETURN_IF_ERROR(f.integer_alias({"num_attention_heads", "n_head"}, 1, kMaxHeads, &heads, &stated_heads));
  } else {
    GQA_RETURN_IF_ERROR(f.required({"num_attention_heads", "n_head"}, 1, kMaxHeads, &heads));
  }

  // K/V heads
  kv = defaults.kv_heads && defaults.kv_heads <= heads ? defaults.kv_heads : heads;
  switch (arch->kv) {
    case KvRule::kStated: GQA_RETURN_IF_ERROR(f.integer("num_key_value_heads", 1, heads, &kv)); break;
    case KvRule::kFalcon: {
      bool new_arch = false, multi_query = true;
      GQA_RETURN_IF_ERROR(f.boolean("new_decoder_architecture", false, &new_arch));
      GQA_RETURN_IF_ERROR(f.boolean("multi_query", true, &multi_query));
      if (new_arch) GQA_RETURN_IF_ERROR(f.integer("num_kv_heads", 1, heads, &kv));
      else kv = multi_query ? 1 : heads;
      break;
    }
    case KvRule::kMultiQuery: {
      bool multi_query = true;
      GQA_RETURN_IF_ERROR(f.boolean("multi_query", true, &multi_query));
      kv = multi_query ? 1 : heads;
      break;
    }
  }
  if (heads % kv != 0) {
    return Status::error(StatusCode::kInvalidArgument, "%s (%lld) must divide %s (%lld)", f.name("num_key_value_heads").c_str(),
                         (long long)kv, f.name("num_attention_heads").c_str(), (long long)heads);
  }

  // head_dim: as stated, else hidden / heads exactly
  bool stated = false, has_hidden = false;
  GQA_RETURN_IF_ERROR(f.integer("head_dim", 1, kMaxHeadDim, &head_dim, &stated));
  GQA_RETURN_IF_ERROR(f.integer_alias({"hidden_size", "n_embd"}, 1, kMaxHeads * kMaxHeadDim, &hidden, &has_hidden));
  if (!stated && defaults.head_dim) {
    head_dim = defaults.head_dim;
  } else if (!stated && arch->rule != Rule::kMla) {
    if (!has_hidden) return Status::error(StatusCode::kInvalidArgument, "%s is missing, and so is head_dim", f.name("hidden_size").c_str());
    if (hidden % heads != 0) {
      return Status::error(StatusCode::kInvalidArgument, "%s (%lld) is not a multiple of %s (%lld), and head_dim is not stated",
                           f.name("hidden_size").c_str(), (long long)hidden, f.name("num_attention_heads").c_str(), (long long)heads);
    }
    head_dim = hidden / heads;
    GQA_RETURN_IF_ERROR(check_range(f.name("hidden_size / num_attention_heads").c_str(), head_dim, 1, kMaxHeadDim));
  }

  // context
  bool has_context = false;
  GQA_RETURN_IF_ERROR(f.integer_alias({"max_position_embeddings", "n_positions"}, 1, kMaxModelTokens, &context, &has_context));
  if (!has_context && text) GQA_RETURN_IF_ERROR(top.integer("max_position_embeddings", 1, kMaxModelTokens, &context, &has_context));
  if (!has_context) {
    if (arch->default_context == 0) {
      return Status::error(StatusCode::kInvalidArgument, "%s is missing (the model's context length)",
                           f.name("max_position_embeddings").c_str());
    }
    context = arch->default_context;
  }

  // MLA widths: required by an MLA architecture, refused elsewhere
  if (arch->rule == Rule::kMla) {
    int64_t r = 0, dr = 0, dn = 0, dv = 0;
    GQA_RETURN_IF_ERROR(f.required({"kv_lora_rank"}, 1, kMaxHeadDim, &r));
    GQA_RETURN_IF_ERROR(f.required({"qk_rope_head_dim"}, 1, kMaxHeadDim, &dr));
    GQA_RETURN_IF_ERROR(f.required({"qk_nope_head_dim"}, 1, kMaxHeadDim, &dn));
    GQA_RETURN_IF_ERROR(f.required({"v_head_dim"}, 1, kMaxHeadDim, &dv));
    GQA_RETURN_IF_ERROR(check_range(f.name("kv_lora_rank + qk_rope_head_dim").c_str(), r + dr, 1, kMaxHeadDim));
    m.mla = {int(r), int(dr), int(dn), int(dv)};
    kv = 1;  // one latent, whatever num_key_value_heads says (the heads it is expanded to)
    head_dim = r + dr;
  } else if (f.get("kv_lora_rank")) {
    return Status::error(StatusCode::kInvalidArgument, "%s is set, but model_type '%s' has no multi-head latent attention",
                         f.name("kv_lora_rank").c_str(), arch->model_type);
  }

  // the layout
  std::string kinds;
  GQA_RETURN_IF_ERROR(rule_layout(*arch, f, layers, &kinds));
  GQA_RETURN_IF_ERROR(check_layer_types(f, kinds));
  if (kinds.find(letter(LayerKind::kSliding)) != std::string::npos) {
    if (defaults.window) {
      m.pattern.window = defaults.window;
      GQA_RETURN_IF_ERROR(f.integer("sliding_window", 1, kMaxModelTokens, &m.pattern.window));
    } else {
      GQA_RETURN_IF_ERROR(f.required({"sliding_window"}, 1, kMaxModelTokens, &m.pattern.window));
    }
  }
  if (kinds.find(letter(LayerKind::kChunked)) != std::string::npos) {
    GQA_RETURN_IF_ERROR(f.required({"attention_chunk_size"}, 1, kMaxModelTokens, &m.pattern.chunk));
  }
  if (kinds.find(letter(LayerKind::kLinear)) != std::string::npos) {
    int64_t w[5] = {};
    const char* keys[5] = {"linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim", "linear_value_head_dim",
                           "linear_conv_kernel_dim"};
    for (int i = 0; i < 5; ++i) GQA_RETURN_IF_ERROR(f.required({keys[i]}, 1, kMaxLinearWidth, &w[i]));
    m.linear = {int(w[0]), int(w[1]), int(w[2]), int(w[3]), int(w[4])};
  }
  m.pattern.kinds = shortest_period(kinds);

  m.layers = int(layers);
  m.n_heads = int(heads);
  m.n_kv_heads = int(kv);
  m.head_dim = int(head_dim);
  m.max_context = context;
  char src[160];
  std::snprintf(src, sizeof src, "config.json (model_type %s): %lld layers, %lld heads, %lld K/V heads, head_dim %lld, context %lld",
                arch->model_type, (long long)layers, (long long)heads, (long long)kv, (long long)head_dim, (long long)context);
  m.source = src;
  GQA_RETURN_IF_ERROR(check_model(m, "config"));
  *out = std::move(m);
  return Status::ok();
}

Status model_from_record(std::string_view json, ModelSpec* out) {
  JsonValue root;
  GQA_RETURN_IF_ERROR(parse_object(json, "model", &root));
  const Fields f(root, "model");
  ModelSpec m;
  bool present = false;
  GQA_RETURN_IF_ERROR(f.string("id", &present, &m.id));
  GQA_RETURN_IF_ERROR(f.string("name", &present, &m.name));
  if (!present) m.name = m.id;
  GQA_RETURN_IF_ERROR(f.string("family", &present, &m.family));
  GQA_RETURN_IF_ERROR(f.string("source", &present, &m.source));
  GQA_RETURN_IF_ERROR(f.string("layerPattern", &present, &m.pattern.kinds));
  if (!present) return Status::error(StatusCode::kInvalidArgument, "model.layerPattern is missing (a string such as 'F' or 'SSSSSF')");
  int64_t layers = 0, heads = 0, kv = 0, head_dim = 0;
  GQA_RETURN_IF_ERROR(f.required({"layers"}, 1, kMaxModelLayers, &layers));
  GQA_RETURN_IF_ERROR(f.required({"nHeads"}, 1, kMaxHeads, &heads));
  GQA_RETURN_IF_ERROR(f.required({"nKvHeads"}, 1, kMaxHeads, &kv));
  GQA_RETURN_IF_ERROR(f.required({"headDim"}, 1, kMaxHeadDim, &head_dim));
  GQA_RETURN_IF_ERROR(f.required({"maxContext"}, 1, kMaxModelTokens, &m.max_context));
  m.layers = int(layers);
  m.n_heads = int(heads);
  m.n_kv_heads = int(kv);
  m.head_dim = int(head_dim);
  GQA_RETURN_IF_ERROR(f.nonnegative("params", &m.params));
  GQA_RETURN_IF_ERROR(f.nonnegative("activeParams", &m.active_params));

  const JsonValue* mla = nullptr;
  GQA_RETURN_IF_ERROR(f.object("mla", &mla));
  if (mla) {
    const Fields g(*mla, "model.mla");
    int64_t w[4] = {};
    const char* keys[4] = {"kvLoraRank", "qkRopeHeadDim", "qkNopeHeadDim", "vHeadDim"};
    for (int i = 0; i < 4; ++i) GQA_RETURN_IF_ERROR(g.required({keys[i]}, 1, kMaxHeadDim, &w[i]));
    m.mla = {int(w[0]), int(w[1]), int(w[2]), int(w[3])};
  }
  const JsonValue* linear = nullptr;
  GQA_RETURN_IF_ERROR(f.object("linear", &linear));
  if (linear) {
    const Fields g(*linear, "model.linear");
    int64_t w[5] = {};
    const char* keys[5] = {"numKeyHeads", "numValueHeads", "keyHeadDim", "valueHeadDim", "convKernelDim"};
    for (int i = 0; i < 5; ++i) GQA_RETURN_IF_ERROR(g.required({keys[i]}, 1, kMaxLinearWidth, &w[i]));
    m.linear = {int(w[0]), int(w[1]), int(w[2]), int(w[3]), int(w[4])};
  }

  // the layout: the window and chunk are read from it; every group must be what the fields imply
  const JsonValue* layout = nullptr;
  GQA_RETURN_IF_ERROR(f.array("layout", &layout));
  if (!layout) return Status::error(StatusCode::kInvalidArgument, "model.layout is missing (an array of layer groups)");
  for (size_t i = 0; i < layout->items.size() && i < size_t(kLayerKindCount); ++i) {
    const JsonValue& item = layout->items[i];
    const std::string path = "model.layout[" + std::to_string(i) + "]";
    if (!item.is_object()) return Status::error(StatusCode::kInvalidArgument, "%s (%s) must be an object", path.c_str(), describe(item).c_str());
    const Fields g(item, path);
    GQA_RETURN_IF_ERROR(g.integer("window", 1, kMaxModelTokens, &m.pattern.window));
    GQA_RETURN_IF_ERROR(g.integer("chunk", 1, kMaxModelTokens, &m.pattern.chunk));
  }
  GQA_RETURN_IF_ERROR(check_model(m, "model"));

  LayerGroup groups[kLayerKindCount];
  const int n = layer_groups(m, groups);
  if (layout->items.size() != size_t(n)) {
    return Status::error(StatusCode::kInvalidArgument, "model.layout has %llu groups, but layerPattern '%.40s' over %d layers makes %d",
                         (unsigned long long)layout->items.size(), m.pattern.kinds.c_str(), m.layers, n);
  }
  for (int i = 0; i < n; ++i) {
    const LayerGroup& want = groups[i];
    const Fields g(layout->items[size_t(i)], "model.layout[" + std::to_string(i) + "]");
    std::string kind;
    GQA_RETURN_IF_ERROR(g.string("kind", &present, &kind));
    if (kind != layer_kind_name(want.kind)) {
      return Status::error(StatusCode::kInvalidArgument, "%s ('%.20s') must be '%s', as layerPattern says", g.name("kind").c_str(),
                           kind.c_str(), layer_kind_name(want.kind));
    }
    const struct { const char* key; int64_t value; } expect[] = {
        {"layers", want.layers}, {"nKvHeads", want.n_kv_heads}, {"headDim", want.head_dim}};
    for (const auto& e : expect) {
      int64_t got = 0;
      GQA_RETURN_IF_ERROR(g.integer(e.key, 0, kMaxHeadDim + kMaxModelLayers, &got, &present));
      if (!present || got != e.value) {
        return Status::error(StatusCode::kInvalidArgument, "%s (%s) must be %lld, as the model's other fields say", g.name(e.key).c_str(),
                             present ? std::to_string(got).c_str() : "missing", (long long)e.value);
      }
    }
  }
  std::string text;
  GQA_RETURN_IF_ERROR(f.string("attention", &present, &text));
  if (present && text != attention_kind(m)) {
    return Status::error(StatusCode::kInvalidArgument, "model.attention ('%.20s') must be '%s' for nHeads %d, nKvHeads %d",
                         text.c_str(), attention_kind(m), m.n_heads, m.n_kv_heads);
  }
  int64_t factor = 0;
  GQA_RETURN_IF_ERROR(f.integer("kvFactor", 1, 2, &factor, &present));
  if (present && factor != kv_factor(m)) {
    return Status::error(StatusCode::kInvalidArgument, "model.kvFactor (%lld) must be %d", (long long)factor, kv_factor(m));
  }
  *out = std::move(m);
  return Status::ok();
}

}  // namespace gqa
