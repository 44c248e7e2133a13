// model_spec.cpp - see model_spec.h.
#include "sizing/model_spec.h"

#include <cmath>

#include "attention/attention.h"
#include "attention/attention_kind.h"
#include "sizing/memory_model.h"

namespace gqa {

namespace {
constexpr const char* kKindNames[kLayerKindCount] = {"full", "sliding", "chunked", "mla", "linear"};
constexpr char kKindLetters[kLayerKindCount + 1] = "FSCML";

int kind_of_letter(char c) {
  for (int k = 0; k < kLayerKindCount; ++k) {
    if (kKindLetters[k] == c) return k;
  }
  return -1;
}

constexpr size_t kMaxIdBytes = 128, kMaxNameBytes = 256, kMaxSourceBytes = 4096;

Status check_text(const char* what, const char* field, const std::string& s, size_t lo, size_t hi) {
  if (s.size() < lo || s.size() > hi) {
    return Status::error(StatusCode::kOutOfRange, "%s.%s ('%.40s%s', %llu bytes) must be %llu to %llu bytes long", what, field,
                         s.c_str(), s.size() > 40 ? "..." : "", (unsigned long long)s.size(), (unsigned long long)lo,
                         (unsigned long long)hi);
  }
  return Status::ok();
}

/// check_range with the field named "what.field".
Status check_field(const char* what, const char* field, int64_t v, int64_t lo, int64_t hi) {
  const std::string name = std::string(what) + "." + field;
  return check_range(name.c_str(), v, lo, hi);
}
}  // namespace

const char* layer_kind_name(LayerKind k) { return kKindNames[int(k)]; }
char layer_kind_letter(LayerKind k) { return kKindLetters[int(k)]; }

int64_t linear_state_elements(const LinearWidths& w) {
  const int64_t recurrent = int64_t(w.num_value_heads) * w.key_head_dim * w.value_head_dim;
  const int64_t conv_channels = 2 * int64_t(w.num_key_heads) * w.key_head_dim + int64_t(w.num_value_heads) * w.value_head_dim;
  return recurrent + conv_channels * (w.conv_kernel_dim - 1);
}

LayerKind layer_kind(const ModelSpec& m, int i) {
  return LayerKind(kind_of_letter(m.pattern.kinds[size_t(i) % m.pattern.kinds.size()]));
}

int layer_groups(const ModelSpec& m, LayerGroup out[kLayerKindCount]) {
  int counts[kLayerKindCount] = {};
  for (int i = 0; i < m.layers; ++i) ++counts[int(layer_kind(m, i))];
  int n = 0;
  for (int k = 0; k < kLayerKindCount; ++k) {
    if (counts[k] == 0) continue;
    LayerGroup g;
    g.kind = LayerKind(k);
    g.layers = counts[k];
    if (g.kind == LayerKind::kLinear) {
      g.kv_factor = 0;
      g.state_elements = linear_state_elements(m.linear);
    } else {
      g.n_kv_heads = m.n_kv_heads;
      g.head_dim = m.head_dim;
      g.value_dim = m.value_dim;
      g.kv_factor = g.kind == LayerKind::kMla ? 1 : 2;
      g.span = g.kind == LayerKind::kSliding ? m.pattern.window : g.kind == LayerKind::kChunked ? m.pattern.chunk : 0;
    }
    out[n++] = g;
  }
  return n;
}

Status check_model(const ModelSpec& m, const char* what) {
  GQA_RETURN_IF_ERROR(check_text(what, "id", m.id, 1, kMaxIdBytes));
  GQA_RETURN_IF_ERROR(check_text(what, "name", m.name, 1, kMaxNameBytes));
  GQA_RETURN_IF_ERROR(check_text(what, "family", m.family, 0, kMaxNameBytes));
  GQA_RETURN_IF_ERROR(check_text(what, "source", m.source, 0, kMaxSourceBytes));
  GQA_RETURN_IF_ERROR(check_field(what, "layers", m.layers, 1, kMaxModelLayers));
  GQA_RETURN_IF_ERROR(check_field(what, "nHeads", m.n_heads, 1, kMaxHeads));
  GQA_RETURN_IF_ERROR(check_field(what, "nKvHeads", m.n_kv_heads, 1, m.n_heads));
  if (m.n_heads % m.n_kv_heads != 0) {
    return Status::error(StatusCode::kOutOfRange, "%s.nKvHeads (%d) must divide nHeads (%d)", what, m.n_kv_heads, m.n_heads);
  }
  GQA_RETURN_IF_ERROR(check_field(what, "headDim", m.head_dim, 1, kMaxHeadDim));
  GQA_RETURN_IF_ERROR(check_field(what, "valueDim", m.value_dim, 0, kMaxHeadDim));
  GQA_RETURN_IF_ERROR(check_field(what, "maxContext", m.max_context, 1, kMaxModelTokens));
  if (!(m.params >= 0 && std::isfinite(m.params)) || !(m.active_params >= 0 && m.active_params <= m.params)) {
    return Status::error(StatusCode::kOutOfRange, "%s.params (%g) and activeParams (%g) must be finite, with 0 <= activeParams <= params",
                         what, m.params, m.active_params);
  }
  // the pattern: letters, at most one per layer, and the shape each kind needs
  const std::string& kinds = m.pattern.kinds;
  GQA_RETURN_IF_ERROR(check_text(what, "layerPattern", kinds, 1, size_t(m.layers)));
  bool has[kLayerKindCount] = {};
  for (size_t i = 0; i < kinds.size(); ++i) {
    const int k = kind_of_letter(kinds[i]);
    if (k < 0) {
      return Status::error(StatusCode::kInvalidArgument, "%s.layerPattern[%llu] ('%c') must be one of F (full), S (sliding), "
                           "C (chunked), M (mla), L (linear)", what, (unsigned long long)i, kinds[i] >= 32 && kinds[i] < 127 ? kinds[i] : '?');
    }
    has[k] = true;
  }
  const bool sliding = has[int(LayerKind::kSliding)], chunked = has[int(LayerKind::kChunked)];
  const bool mla = has[int(LayerKind::kMla)], linear = has[int(LayerKind::kLinear)];
  if (sliding) GQA_RETURN_IF_ERROR(check_field(what, "window", m.pattern.window, 1, kMaxModelTokens));
  if (!sliding && m.pattern.window != 0) {
    return Status::error(StatusCode::kInvalidArgument, "%s.window (%lld) is set, but no layer slides", what, (long long)m.pattern.window);
  }
  if (chunked) GQA_RETURN_IF_ERROR(check_field(what, "chunk", m.pattern.chunk, 1, kMaxModelTokens));
  if (!chunked && m.pattern.chunk != 0) {
    return Status::error(StatusCode::kInvalidArgument, "%s.chunk (%lld) is set, but no layer is chunked", what, (long long)m.pattern.chunk);
  }
  if (mla != is_mla(m)) {
    return Status::error(StatusCode::kInvalidArgument, "%s.mla: MLA widths %s, but %s", what, is_mla(m) ? "are given" : "are missing",
                         mla ? "layerPattern has mla layers" : "no layer is mla");
  }
  if (mla) {
    if (has[int(LayerKind::kFull)] || sliding || chunked) {
      return Status::error(StatusCode::kInvalidArgument, "%s.layerPattern ('%.40s'): mla layers cannot be mixed with full, sliding or "
                           "chunked ones (G and head_dim are one integer each)", what, kinds.c_str());
    }
    GQA_RETURN_IF_ERROR(check_field(what, "mla.kvLoraRank", m.mla.kv_lora_rank, 1, kMaxHeadDim));
    GQA_RETURN_IF_ERROR(check_field(what, "mla.qkRopeHeadDim", m.mla.qk_rope_head_dim, 1, kMaxHeadDim));
    GQA_RETURN_IF_ERROR(check_field(what, "mla.qkNopeHeadDim", m.mla.qk_nope_head_dim, 1, kMaxHeadDim));
    GQA_RETURN_IF_ERROR(check_field(what, "mla.vHeadDim", m.mla.v_head_dim, 1, kMaxHeadDim));
    if (m.n_kv_heads != 1 || m.head_dim != m.mla.kv_lora_rank + m.mla.qk_rope_head_dim) {
      return Status::error(StatusCode::kInvalidArgument, "%s: an MLA model caches one latent: nKvHeads (%d) must be 1 and headDim (%d) "
                           "kvLoraRank + qkRopeHeadDim (%d)", what, m.n_kv_heads, m.head_dim, m.mla.kv_lora_rank + m.mla.qk_rope_head_dim);
    }
  }
  const LinearWidths& w = m.linear;
  const bool linear_set = w.num_key_heads || w.num_value_heads || w.key_head_dim || w.value_head_dim || w.conv_kernel_dim;
  if (linear != linear_set) {
    return Status::error(StatusCode::kInvalidArgument, "%s.linear: linear-attention widths %s, but %s", what,
                         linear_set ? "are given" : "are missing", linear ? "layerPattern has linear layers" : "no layer is linear");
  }
  if (linear) {
    GQA_RETURN_IF_ERROR(check_field(what, "linear.numKeyHeads", w.num_key_heads, 1, kMaxLinearWidth));
    GQA_RETURN_IF_ERROR(check_field(what, "linear.numValueHeads", w.num_value_heads, 1, kMaxLinearWidth));
    GQA_RETURN_IF_ERROR(check_field(what, "linear.keyHeadDim", w.key_head_dim, 1, kMaxLinearWidth));
    GQA_RETURN_IF_ERROR(check_field(what, "linear.valueHeadDim", w.value_head_dim, 1, kMaxLinearWidth));
    GQA_RETURN_IF_ERROR(check_field(what, "linear.convKernelDim", w.conv_kernel_dim, 1, kMaxLinearWidth));
  }
  return Status::ok();
}

const char* attention_kind(const ModelSpec& m) { return is_mla(m) ? "MLA" : attention_kind(m.n_heads, m.n_kv_heads); }

ModelSpec mha_baseline(const ModelSpec& m) {
  ModelSpec b = m;
  b.n_kv_heads = m.n_heads;
  if (is_mla(m)) {
    b.head_dim = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim;  // a full key per head, RoPE part included
    b.value_dim = m.mla.v_head_dim;
    b.mla = {};
    for (char& c : b.pattern.kinds) {
      if (c == layer_kind_letter(LayerKind::kMla)) c = layer_kind_letter(LayerKind::kFull);
    }
  }
  return b;
}

ModelSpec uniform_model(const ModelSpec& m) {
  ModelSpec u = m;
  u.pattern = {std::string(1, layer_kind_letter(is_mla(m) ? LayerKind::kMla : LayerKind::kFull)), 0, 0};
  u.linear = {};
  return u;
}

}  // namespace gqa
