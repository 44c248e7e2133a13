// model_spec.h - a model as the memory model sees it: its attention shape and its layer layout.
//
// A model's layers are not all alike. Each layer is one of five kinds, and at T tokens a layer
// keeps:
//
//   kind      keeps                                  examples
//   full      T tokens of G K/V heads                 Llama, Qwen3, every 6th Gemma 3 layer
//   sliding   min(T, window) tokens                   Mistral 7B, Gemma 2 / 3 local layers, gpt-oss
//   chunked   min(T, chunk) tokens (the worst case:   Llama 4's RoPE layers (3 of 4)
//             a whole chunk; its fill is T mod chunk)
//   mla       T latents of kv_lora_rank + qk_rope     DeepSeek-V2/V3, Kimi K2
//   linear    a fixed state, whatever T               Qwen3-Next's Gated DeltaNet layers (3 of 4)
//
// Which layer is which is a pattern of letters (F S C M L), one per layer, repeated from layer 0:
// "F" is a uniform model, "SF" alternates (layer 0 slides), "SSSSSF" is Gemma 3's five local layers
// to one global. G = n_kv_heads and head_dim are one integer each for every attention layer of the
// model (MHA, GQA and MQA are one code path); a what-if changes that one integer.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace gqa {

enum class LayerKind : int { kFull = 0, kSliding, kChunked, kMla, kLinear };
constexpr int kLayerKindCount = 5;
/// "full", "sliding", "chunked", "mla", "linear".
const char* layer_kind_name(LayerKind k);
/// The pattern letter: 'F', 'S', 'C', 'M', 'L'.
char layer_kind_letter(LayerKind k);

/// Multi-head latent attention's widths, named as in DeepSeek-V2/V3's config.json; all 0 for other models.
/// A token caches one latent of kv_lora_rank plus one RoPE key of qk_rope_head_dim per layer; each
/// query head rebuilds from the latent a key of qk_nope_head_dim (+ the shared RoPE key) and a value
/// of v_head_dim.
struct MlaWidths {
  int kv_lora_rank = 0;      // the compressed latent c_KV, cached
  int qk_rope_head_dim = 0;  // the decoupled RoPE key, cached beside the latent, shared by every query head
  int qk_nope_head_dim = 0;  // per query head: the key part rebuilt from the latent
  int v_head_dim = 0;        // per query head: the value rebuilt from the latent
};

/// A linear-attention layer's widths (Gated DeltaNet, Qwen3-Next), named as config.json's linear_* fields.
struct LinearWidths {
  int num_key_heads = 0;    // linear_num_key_heads
  int num_value_heads = 0;  // linear_num_value_heads
  int key_head_dim = 0;     // linear_key_head_dim
  int value_head_dim = 0;   // linear_value_head_dim
  int conv_kernel_dim = 0;  // linear_conv_kernel_dim
};

/// Numbers a linear-attention layer keeps per sequence, whatever the context:
///   recurrent state  num_value_heads · key_head_dim · value_head_dim   (one dk × dv matrix per value head)
/// + conv state       (2 · num_key_heads · key_head_dim + num_value_heads · value_head_dim) · (conv_kernel_dim − 1)
///                    (the causal convolution over q, k and v keeps its last kernel − 1 inputs)
/// Qwen3-Next-80B: 32·128·128 + (2·16·128 + 32·128)·3 = 524,288 + 24,576 = 548,864.
int64_t linear_state_elements(const LinearWidths& w);

struct LayerPattern {
  std::string kinds;   // one letter per layer (F S C M L), repeated from layer 0
  int64_t window = 0;  // sliding layers' window (> 0 iff kinds has an S)
  int64_t chunk = 0;   // chunked layers' chunk (> 0 iff kinds has a C)
};

struct ModelSpec {
  std::string id;
  std::string name;
  std::string family;
  int layers = 0;
  int n_heads = 0;          // query heads
  int n_kv_heads = 0;       // K/V heads of every attention layer (MLA: 1 latent "head")
  int head_dim = 0;         // per head, as the config states it (MLA: the cached width, kv_lora_rank + qk_rope_head_dim)
  int64_t max_context = 0;  // max_position_embeddings
  double params = 0;        // total parameters, a tied LM head counted once (0: unknown, as for a model read from a config.json)
  double active_params = 0; // parameters read per token: params less the routed experts a token does not use; = params if dense
  LayerPattern pattern;     // which layer is which kind
  MlaWidths mla;            // the mla layers' widths; {} if none
  LinearWidths linear;      // the linear layers' widths; {} if none
  std::string source;       // where the figures come from
  int value_dim = 0;        // values' width when it is not head_dim (only mha_baseline of an MLA model); 0: head_dim
};

/// Limits of a model's shape (far beyond any real model; the memory model's own limits still apply).
constexpr int64_t kMaxModelLayers = 4096;
constexpr int64_t kMaxLinearWidth = 65536;  // each linear_* width

/// The kind of layer `i` (0 <= i < layers).
LayerKind layer_kind(const ModelSpec& m, int i);
/// True for a multi-head latent attention model (its layers are mla).
inline bool is_mla(const ModelSpec& m) { return m.mla.kv_lora_rank > 0; }

/// One kind's layers of a model: how many, and their shape.
struct LayerGroup {
  LayerKind kind = LayerKind::kFull;
  int layers = 0;
  int n_kv_heads = 0;          // attention kinds: the model's G (mla: 1); linear: 0
  int head_dim = 0;            // attention kinds: keys' width; linear: 0
  int value_dim = 0;           // values' width when it is not head_dim; 0: head_dim
  int kv_factor = 2;           // vectors per head per token: 2 (K and V), 1 (MLA's latent)
  int64_t span = 0;            // sliding: the window; chunked: the chunk; else 0 (every token)
  int64_t state_elements = 0;  // linear: numbers kept per sequence per layer
};

/// The model's layers grouped by kind, in the order full, sliding, chunked, mla, linear (kinds with
/// no layer left out). Returns the group count.
int layer_groups(const ModelSpec& m, LayerGroup out[kLayerKindCount]);

/// Tokens a layer of group `g` keeps of a sequence of `tokens`: min(tokens, span) (0 for linear).
inline int64_t group_cached_tokens(const LayerGroup& g, int64_t tokens) {
  if (g.kind == LayerKind::kLinear) return 0;
  return g.span > 0 && tokens > g.span ? g.span : tokens;
}

/// Checks a whole model: sizes in range, the pattern's letters, a window iff sliding layers, a
/// chunk iff chunked ones, MLA widths iff mla layers (and then no full/sliding/chunked ones, and
/// G = 1, head_dim = kv_lora_rank + qk_rope_head_dim), linear widths iff linear layers, G divides
/// H. Messages name the field (`what` prefixes them: "model").
Status check_model(const ModelSpec& m, const char* what);

/// "MLA" for an MLA model, else attention_kind(H, G) (attention_kind.h): "MHA", "GQA" or "MQA".
const char* attention_kind(const ModelSpec& m);
/// 2 (a K and a V vector per KV head), or 1 for MLA's single latent.
inline int kv_factor(const ModelSpec& m) { return is_mla(m) ? 1 : 2; }
/// The model with MHA's cache, its baseline: a K/V head per query head in every attention layer.
/// For MLA, the keys (qk_nope_head_dim + qk_rope_head_dim wide) and values (v_head_dim) its heads
/// rebuild from the latent, cached in full: its mla layers become full ones.
ModelSpec mha_baseline(const ModelSpec& m);
/// The model as a uniform formula sees it (2·L·G·d·T): every layer full attention (MLA: a latent).
ModelSpec uniform_model(const ModelSpec& m);

}  // namespace gqa
