// model_catalog.cpp - the catalog data. Each row: id, name, family, layers, query heads,
// KV heads, head_dim, context, params, active params, sliding window, MLA widths ({} if none), source.
#include "sizing/model_catalog.h"

#include <cstring>

#include "attention/attention_kind.h"

namespace gqa {

namespace {

// clang-format off
constexpr ModelSpec kModels[] = {
  {"gpt-2", "GPT-2 (124M)", "GPT-2", 12, 12, 12, 64, 1024, 124e6, 124e6, 0, {},
   "openai-community/gpt2 config.json: n_layer 12, n_head 12, n_embd 768 (head_dim 768/12), n_positions 1024"},
  {"llama-2-7b", "Llama 2 7B", "Llama 2", 32, 32, 32, 128, 4096, 6.74e9, 6.74e9, 0, {},
   "meta-llama/Llama-2-7b-hf config.json: 32 layers, 32 heads, hidden 4096, max_position_embeddings 4096"},
  {"llama-2-13b", "Llama 2 13B", "Llama 2", 40, 40, 40, 128, 4096, 13.0e9, 13.0e9, 0, {},
   "meta-llama/Llama-2-13b-hf config.json: 40 layers, 40 heads, hidden 5120"},
  {"llama-2-70b", "Llama 2 70B", "Llama 2", 80, 64, 8, 128, 4096, 69.0e9, 69.0e9, 0, {},
   "meta-llama/Llama-2-70b-hf config.json: 80 layers, 64 heads, num_key_value_heads 8, hidden 8192"},
  {"llama-3.1-8b", "Llama 3.1 8B", "Llama 3.1", 32, 32, 8, 128, 131072, 8.03e9, 8.03e9, 0, {},
   "meta-llama/Llama-3.1-8B config.json: 32 layers, 32 heads, 8 KV heads, hidden 4096, max_position_embeddings 131072"},
  {"llama-3.1-70b", "Llama 3.1 70B", "Llama 3.1", 80, 64, 8, 128, 131072, 70.6e9, 70.6e9, 0, {},
   "meta-llama/Llama-3.1-70B config.json: 80 layers, 64 heads, 8 KV heads, hidden 8192"},
  {"llama-3.1-405b", "Llama 3.1 405B", "Llama 3.1", 126, 128, 8, 128, 131072, 405.9e9, 405.9e9, 0, {},
   "meta-llama/Llama-3.1-405B config.json: 126 layers, 128 heads, 8 KV heads (early configs said 16, duplicated for 16-way sharding), hidden 16384"},
  {"llama-3.2-1b", "Llama 3.2 1B", "Llama 3.2", 16, 32, 8, 64, 131072, 1.24e9, 1.24e9, 0, {},
   "meta-llama/Llama-3.2-1B config.json: 16 layers, 32 heads, 8 KV heads, head_dim 64, hidden 2048"},
  {"llama-3.2-3b", "Llama 3.2 3B", "Llama 3.2", 28, 24, 8, 128, 131072, 3.21e9, 3.21e9, 0, {},
   "meta-llama/Llama-3.2-3B config.json: 28 layers, 24 heads, 8 KV heads, head_dim 128, hidden 3072"},
  {"mistral-7b", "Mistral 7B (v0.1)", "Mistral", 32, 32, 8, 128, 32768, 7.24e9, 7.24e9, 4096, {},
   "mistralai/Mistral-7B-v0.1 config.json: 32 layers, 32 heads, 8 KV heads, hidden 4096, sliding_window 4096"},
  {"mixtral-8x7b", "Mixtral 8x7B", "Mistral", 32, 32, 8, 128, 32768, 46.7e9, 12.9e9, 0, {},
   "mistralai/Mixtral-8x7B-v0.1 config.json: 32 layers, 32 heads, 8 KV heads, hidden 4096, sliding_window null; 2 of 8 experts per token (12.9B active)"},
  {"falcon-7b", "Falcon 7B", "Falcon", 32, 71, 1, 64, 2048, 7.22e9, 7.22e9, 0, {},
   "tiiuae/falcon-7b config.json: 32 layers, 71 heads, multi_query true (one K/V head; a stray num_kv_heads is ignored), hidden 4544 (head_dim 4544/71), 2048 context"},
  {"falcon-40b", "Falcon 40B", "Falcon", 60, 128, 8, 64, 2048, 41.8e9, 41.8e9, 0, {},
   "tiiuae/falcon-40b config.json: 60 layers, 128 heads, num_kv_heads 8, hidden 8192"},
  {"gemma-2b", "Gemma 2B", "Gemma", 18, 8, 1, 256, 8192, 2.51e9, 2.51e9, 0, {},
   "google/gemma-2b config.json: 18 layers, 8 heads, 1 KV head, head_dim 256, hidden 2048"},
  {"gemma-7b", "Gemma 7B", "Gemma", 28, 16, 16, 256, 8192, 8.54e9, 8.54e9, 0, {},
   "google/gemma-7b config.json: 28 layers, 16 heads, 16 KV heads, head_dim 256 (not hidden 3072 / 16 = 192)"},
  {"qwen2.5-7b", "Qwen2.5 7B", "Qwen", 28, 28, 4, 128, 32768, 7.61e9, 7.61e9, 0, {},
   "Qwen/Qwen2.5-7B-Instruct config.json: 28 layers, 28 heads, 4 KV heads, hidden 3584, max_position_embeddings 32768 (the base model's config states 131072)"},
  {"qwen3-8b", "Qwen3 8B", "Qwen", 36, 32, 8, 128, 40960, 8.19e9, 8.19e9, 0, {},
   "Qwen/Qwen3-8B config.json: 36 layers, 32 heads, 8 KV heads, head_dim 128, max_position_embeddings 40960"},
  {"starcoder", "StarCoder (15.5B)", "StarCoder", 40, 48, 1, 128, 8192, 15.5e9, 15.5e9, 0, {},
   "bigcode/starcoder config.json: n_layer 40, n_head 48, multi_query true, n_embd 6144, n_positions 8192"},
  {"deepseek-v3", "DeepSeek-V3", "DeepSeek", 61, 128, 1, 512 + 64, 163840, 671e9, 37e9, 0, {512, 64, 128, 128},
   "deepseek-ai/DeepSeek-V3 config.json: 61 layers, 128 heads; MLA: kv_lora_rank 512, qk_rope_head_dim 64 (cached: 576 per token per layer), qk_nope_head_dim 128, v_head_dim 128; max_position_embeddings 163840; 671B total, 37B active"},
};

constexpr DeviceSpec kDevices[] = {
  {"rtx-4090", "NVIDIA RTX 4090 24 GB", 24, 1008},
  {"l4", "NVIDIA L4 24 GB", 24, 300},
  {"a100-40gb", "NVIDIA A100 40 GB", 40, 1555},
  {"a100-80gb", "NVIDIA A100 80 GB", 80, 2039},
  {"h100-80gb", "NVIDIA H100 SXM 80 GB", 80, 3350},
  {"h200", "NVIDIA H200 141 GB", 141, 4800},
  {"mi300x", "AMD Instinct MI300X 192 GB", 192, 5300},
};
// clang-format on

/// An MLA row's head_dim is the width it caches: the latent and the RoPE key.
constexpr bool mla_widths_consistent() {
  for (const ModelSpec& m : kModels) {
    if (m.mla.kv_lora_rank > 0 && m.head_dim != m.mla.kv_lora_rank + m.mla.qk_rope_head_dim) return false;
  }
  return true;
}
static_assert(mla_widths_consistent(), "an MLA model's head_dim must be kv_lora_rank + qk_rope_head_dim");

}  // namespace

const char* attention_kind(const ModelSpec& m) { return is_mla(m) ? "MLA" : attention_kind(m.n_heads, m.n_kv_heads); }

ModelSpec mha_baseline(const ModelSpec& m) {
  ModelSpec b = m;
  b.n_kv_heads = m.n_heads;
  if (is_mla(m)) {
    b.head_dim = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim;  // a full key per head, RoPE part included
    b.value_dim = m.mla.v_head_dim;
    b.mla = {};
  }
  return b;
}

const ModelSpec* model_catalog(size_t* count) {
  *count = sizeof kModels / sizeof kModels[0];
  return kModels;
}

const ModelSpec* find_model(const char* id) {
  for (const ModelSpec& m : kModels) {
    if (std::strcmp(m.id, id) == 0) return &m;
  }
  return nullptr;
}

const DeviceSpec* device_catalog(size_t* count) {
  *count = sizeof kDevices / sizeof kDevices[0];
  return kDevices;
}

const DeviceSpec* find_device(const char* id) {
  for (const DeviceSpec& d : kDevices) {
    if (std::strcmp(d.id, id) == 0) return &d;
  }
  return nullptr;
}

}  // namespace gqa
