// model_config.h - a model from a Hugging Face config.json, and from a model record the JS face
// hands back.
//
// A config.json is untrusted text. It is read with the strict, bounded reader (base/json_reader.h),
// then interpreted as the model's architecture does (HF transformers' configuration classes):
//
//   shape      num_hidden_layers | n_layer, num_attention_heads | n_head, num_key_value_heads
//              (falcon: num_kv_heads with new_decoder_architecture, else multi_query; gpt_bigcode:
//              multi_query), head_dim when stated, else hidden_size | n_embd divided by the heads
//              (exactly, or refused), max_position_embeddings | n_positions; under text_config when
//              the config nests one (Gemma 3, Llama 4)
//   layout     layer_types when given (full_attention, sliding_attention, chunked_attention,
//              linear_attention); else the architecture's rule: Gemma 2 and gpt-oss alternate (layer 0
//              slides), Gemma 3 slides except every sliding_window_pattern-th layer (6), Llama 4 chunks
//              attention_chunk_size on RoPE layers (no_rope_layers, default every 4th layer global),
//              Qwen3-Next is linear except every full_attention_interval-th layer (4), Mistral, Mixtral
//              and Phi-3 slide every layer when sliding_window is set, Qwen2/3 slide layers from
//              max_window_layers on when use_sliding_window; DeepSeek-V2/V3 and Kimi K2 cache an MLA
//              latent (kv_lora_rank, qk_rope_head_dim, qk_nope_head_dim, v_head_dim); a rule and a
//              layer_types that disagree are refused
//   linear     linear_num_key_heads, linear_num_value_heads, linear_key_head_dim,
//              linear_value_head_dim, linear_conv_kernel_dim (model_spec.h: linear_state_elements)
//
// Unknown architectures (model_type), missing, mistyped or contradictory fields and absurd sizes are
// refused with a message naming the field; nothing is guessed. A config.json states no parameter
// count: the model's params are 0 (unknown).
#pragma once

#include <string_view>

#include "base/json_reader.h"
#include "base/status.h"
#include "sizing/model_spec.h"

namespace gqa {

/// The limits a config.json is read with: 1 MiB, 32 levels deep, strings of 64 KiB.
JsonLimits config_json_limits();

/// The model a config.json describes, checked (check_model). Messages name the field as
/// "config.text_config.num_hidden_layers".
Status model_from_config(std::string_view json, ModelSpec* out);

/// The model a record describes: the JSON of the object core.model(id) or core.modelFromConfig
/// returns (camelCase: id, name, family, layers, nHeads, nKvHeads, headDim, maxContext, params,
/// activeParams, layerPattern, layout, mla, linear, source). Its layout must be the one its
/// fields imply, group by group; attention and kvFactor, when present, must match too. Checked
/// (check_model); messages name the field as "model.layout[1].window".
Status model_from_record(std::string_view json, ModelSpec* out);

}  // namespace gqa
