// model_catalog.h - published models, each checked against its config.json, and accelerators to fit them on.
//
// The catalog is data, in model_catalog.cpp: one row per model with its attention shape, its layer
// pattern (model_spec.h) and its source. head_dim is what each config states (Gemma-7B: 256, not
// hidden/heads = 192; Mistral-Nemo: 128, not 160). tests/js/model-config.test.mjs checks every row
// against what modelFromConfig makes of the published config.json kept in tests/fixtures/configs/.
#pragma once

#include <cstddef>

#include "sizing/model_spec.h"

namespace gqa {

/// The catalog, in its order; *count rows.
const ModelSpec* model_catalog(size_t* count);
/// The catalog model `id`, or nullptr.
const ModelSpec* find_model(const char* id);

struct DeviceSpec {
  const char* id;
  const char* name;
  double memory_gb;      // 1 GB = 1e9 bytes
  double bandwidth_gbs;  // GB/s
};

const DeviceSpec* device_catalog(size_t* count);
const DeviceSpec* find_device(const char* id);

}  // namespace gqa
