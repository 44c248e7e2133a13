// KV-cache sizes against published figures, exact 64-bit arithmetic, the catalog and the solver.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "attention/attention.h"
#include "attention/attention_kind.h"
#include "sizing/budget_solver.h"
#include "sizing/memory_model.h"
#include "sizing/model_cache.h"
#include "sizing/model_catalog.h"
#include "sizing/model_spec.h"

using namespace gqa;

static uint64_t per_token_f16(const char* id) {
  const ModelSpec* m = find_model(id);
  REQUIRE(m != nullptr);
  KvSize s;
  REQUIRE(kv_cache_size({m->layers, m->n_kv_heads, m->head_dim, 1, 1, CacheDtype::kF16, kv_factor(*m)}, &s).is_ok());
  return s.total_bytes;
}

/// A solver query for `model` on an H100 (80 GB, 3350 GB/s) at `tokens` per sequence.
static SolverQuery h100_query(const ModelSpec& model, int64_t tokens) {
  SolverQuery q;
  q.model = model;
  q.memory_bytes = 80e9;
  q.bandwidth = 3350e9;
  q.tokens = tokens;
  return q;
}

TEST_CASE("per-token KV cache at fp16 matches published figures", "[memory]") {
  REQUIRE(per_token_f16("llama-2-70b") == 320 * 1024);  // 320 KiB
  REQUIRE(per_token_f16("llama-2-7b") == 512 * 1024);   // 512 KiB
  REQUIRE(per_token_f16("falcon-7b") == 8 * 1024);      // 8 KiB
  REQUIRE(per_token_f16("gemma-7b") == 448 * 1024);     // 448 KiB
  REQUIRE(per_token_f16("deepseek-v3") == 61 * 576 * 2);  // one 576-wide latent per layer
}

TEST_CASE("sizes are exact in 64 bits and overflow is an error", "[memory]") {
  KvSize s;
  // Llama-3.1-70B, 131072 tokens x batch 64, fp16: 2.75 TB exactly
  REQUIRE(kv_cache_size({80, 8, 128, 131072, 64, CacheDtype::kF16, 2}, &s).is_ok());
  REQUIRE(s.total_bytes == 2748779069440ull);
  REQUIRE(s.scale_bytes == 0);
  // int8 adds one f32 scale per token per KV head for K and for V, per layer
  REQUIRE(kv_cache_size({80, 8, 128, 131072, 64, CacheDtype::kInt8, 2}, &s).is_ok());
  REQUIRE(s.data_bytes == 1374389534720ull);
  REQUIRE(s.scale_bytes == 2ull * 80 * 8 * 131072 * 64 * 4);
  // int4: half a byte per element, rounded up for an odd count
  REQUIRE(kv_cache_size({1, 1, 3, 1, 1, CacheDtype::kInt4, 1}, &s).is_ok());
  REQUIRE(s.data_bytes == 2);
  // every dtype's element size
  const uint64_t per_elem_bits[] = {32, 16, 16, 8, 8, 4};
  for (int t = 0; t < kCacheDtypeCount; ++t) {
    REQUIRE(kv_cache_size({2, 4, 64, 1000, 3, CacheDtype(t), 2}, &s).is_ok());
    REQUIRE(s.data_bytes == 2ull * 2 * 4 * 64 * 1000 * 3 * per_elem_bits[t] / 8);
  }
  Status st = kv_cache_size({kMaxLayers, kMaxHeads, kMaxHeadDim, kMaxModelTokens, kMaxBatch, CacheDtype::kF32, 2}, &s);
  REQUIRE(st.code() == StatusCode::kOverflow);
  REQUIRE(kv_cache_size({0, 8, 128, 1, 1, CacheDtype::kF16, 2}, &s).message() == "layers (0) must be an integer from 1 to 100000");
  REQUIRE(kv_cache_size({8, 8, 128, 1, 0, CacheDtype::kF16, 2}, &s).message().find("batch (0)") == 0);
}

TEST_CASE("the catalog holds the published shapes", "[memory][catalog]") {
  struct Row { const char* id; int layers, h, g, d; int64_t ctx; const char* kind; };
  const Row rows[] = {
      {"gpt-2", 12, 12, 12, 64, 1024, "MHA"},           {"llama-2-7b", 32, 32, 32, 128, 4096, "MHA"},
      {"llama-2-13b", 40, 40, 40, 128, 4096, "MHA"},     {"llama-2-70b", 80, 64, 8, 128, 4096, "GQA"},
      {"llama-3.1-8b", 32, 32, 8, 128, 131072, "GQA"},   {"llama-3.1-70b", 80, 64, 8, 128, 131072, "GQA"},
      {"llama-3.1-405b", 126, 128, 8, 128, 131072, "GQA"}, {"mistral-7b", 32, 32, 8, 128, 32768, "GQA"},
      {"mixtral-8x7b", 32, 32, 8, 128, 32768, "GQA"},    {"falcon-7b", 32, 71, 1, 64, 2048, "MQA"},
      {"falcon-40b", 60, 128, 8, 64, 2048, "GQA"},       {"gemma-2b", 18, 8, 1, 256, 8192, "MQA"},
      {"gemma-7b", 28, 16, 16, 256, 8192, "MHA"},        {"qwen2.5-7b", 28, 28, 4, 128, 32768, "GQA"},
      {"qwen3-8b", 36, 32, 8, 128, 40960, "GQA"},        {"starcoder", 40, 48, 1, 128, 8192, "MQA"},
      {"deepseek-v3", 61, 128, 1, 576, 163840, "MLA"},
  };
  for (const Row& r : rows) {
    INFO(r.id);
    const ModelSpec* m = find_model(r.id);
    REQUIRE(m != nullptr);
    REQUIRE(m->layers == r.layers);
    REQUIRE(m->n_heads == r.h);
    REQUIRE(m->n_kv_heads == r.g);
    REQUIRE(m->head_dim == r.d);
    REQUIRE(m->max_context == r.ctx);
    REQUIRE(std::string(attention_kind(*m)) == r.kind);
    REQUIRE(std::string(m->source).size() > 20);
  }
  REQUIRE(find_model("mistral-7b")->pattern.kinds == "S");
  REQUIRE(find_model("mistral-7b")->pattern.window == 4096);
  size_t n = 0;
  const ModelSpec* all = model_catalog(&n);
  REQUIRE(n >= 45);
  for (size_t i = 0; i < n; ++i) {
    INFO(all[i].id);
    REQUIRE(check_model(all[i], "model").message() == "");
    REQUIRE(all[i].params > 0);
    for (size_t j = 0; j < i; ++j) REQUIRE(all[j].id != all[i].id);
  }
  REQUIRE(find_model("llama-9") == nullptr);
  REQUIRE(find_device("h100-80gb")->bandwidth_gbs == 3350);
}

TEST_CASE("budget solver: max context, max batch and a roofline estimate", "[memory][solver]") {
  SolverQuery q;
  q.model = *find_model("llama-3.1-8b");
  q.memory_bytes = 80e9;  // H100 80 GB
  q.bandwidth = 3350e9;
  q.weight_bits = 16;
  q.kv_dtype = CacheDtype::kF16;
  q.reserve = 0.1;
  q.tokens = 8192;
  q.batch = 8;
  SolverResult r;
  REQUIRE(solve_budget(q, &r).is_ok());
  const double weights = 8.03e9 * 2, budget = 72e9 - weights, per_token = 2.0 * 32 * 8 * 128 * 2;
  REQUIRE(r.weights_fit);
  REQUIRE(r.weight_bytes == Approx(weights));
  REQUIRE(r.kv_bytes_per_token == 131072);
  REQUIRE(r.max_context == int64_t(std::floor(budget / 8 / per_token)));  // memory binds at batch 8
  REQUIRE(r.max_context_memory_bound);
  REQUIRE(r.max_batch == int64_t(std::floor(budget / (per_token * 8192))));
  REQUIRE(r.request_fits);
  REQUIRE(r.step_seconds == Approx((weights + 8 * per_token * 8192) / 3350e9));
  REQUIRE(r.aggregate_tokens_per_second == Approx(8 / r.step_seconds));

  q.batch = 1;  // at batch 1 the model's own 128K limit binds, not memory
  REQUIRE(solve_budget(q, &r).is_ok());
  REQUIRE(r.max_context == 131072);
  REQUIRE_FALSE(r.max_context_memory_bound);

  q.model.n_kv_heads = 32;  // what-if MHA: 4x the cache
  REQUIRE(solve_budget(q, &r).is_ok());
  REQUIRE(r.kv_bytes_per_token == 4 * 131072);

  q.model = *find_model("llama-3.1-405b");  // weights alone do not fit on an RTX 4090
  q.memory_bytes = 24e9;
  REQUIRE(solve_budget(q, &r).is_ok());
  REQUIRE_FALSE(r.weights_fit);
  REQUIRE(r.max_context == 0);
  REQUIRE(r.max_batch == 0);
  REQUIRE_FALSE(r.request_fits);

  q.model = *find_model("mistral-7b");  // the sliding window caps the cache at 4096 tokens
  q.memory_bytes = 24e9;
  q.tokens = 32768;
  REQUIRE(solve_budget(q, &r).is_ok());
  REQUIRE(r.cached_tokens == 4096);
  REQUIRE(r.kv_bytes_per_sequence == 4096ull * 2 * 32 * 8 * 128 * 2);
  REQUIRE(r.max_context == 32768);

  q.reserve = 1.5;
  REQUIRE(solve_budget(q, &r).message() == "reserve (1.5) must be a fraction from 0 to below 1");
  q.reserve = 0.1;
  q.model.n_kv_heads = 5;
  REQUIRE(solve_budget(q, &r).message() == "model.nKvHeads (5) must divide nHeads (32)");
}

#include "sizing/cost_model.h"

TEST_CASE("cost model: projection parameters, decode-step cost, tensor-parallel K/V", "[memory][cost]") {
  ProjectionParams p;
  REQUIRE(projection_params(2048, 16, 4, 128, &p).is_ok());
  REQUIRE(p.query == 2048ull * 2048);            // 4.19 M: unchanged by G
  REQUIRE(p.key_value == 2ull * 2048 * 512);     // 2.10 M (8.39 M for MHA)
  REQUIRE(projection_params(2048, 16, 16, 128, &p).is_ok());
  REQUIRE(p.key_value == 2ull * 2048 * 2048);
  REQUIRE(projection_params(2048, 16, 3, 128, &p).message() == "nHeads (16) must be a multiple of nKvHeads (3)");

  DecodeStepCost c;
  REQUIRE(decode_step_cost(1, 32, 8, 128, 8192, CacheDtype::kF32, &c).is_ok());
  REQUIRE(c.kv_bytes == 2ull * 8 * 128 * 8192 * 4);
  REQUIRE(c.multiply_adds == 2ull * 32 * 8192 * 128);
  REQUIRE(c.intensity == Approx(32.0 / (8 * 4)));  // H / (G · bytes)

  TensorParallelKv t;
  REQUIRE(tensor_parallel_kv(8, 4, &t).is_ok());
  REQUIRE((t.heads_per_device == 2 && t.replication == 1));
  REQUIRE(tensor_parallel_kv(8, 16, &t).is_ok());
  REQUIRE((t.heads_per_device == 1 && t.replication == 2));
  REQUIRE(tensor_parallel_kv(1, 8, &t).is_ok());
  REQUIRE(t.replication == 8);
  REQUIRE(tensor_parallel_kv(8, 3, &t).message() == "tp (3) must divide nKvHeads (8) to split the heads evenly");
}

TEST_CASE("attention_kind: G = H is MHA, G = 1 is MQA, between is GQA; a bad pair names the field", "[memory][catalog]") {
  REQUIRE(std::string(attention_kind(8, 8)) == "MHA");
  REQUIRE(std::string(attention_kind(1, 1)) == "MHA");
  REQUIRE(std::string(attention_kind(8, 1)) == "MQA");
  REQUIRE(std::string(attention_kind(8, 2)) == "GQA");
  REQUIRE(std::string(attention_kind(71, 1)) == "MQA");
  const char* kind = nullptr;
  REQUIRE(checked_attention_kind(64, 8, &kind).is_ok());
  REQUIRE(std::string(kind) == "GQA");
  REQUIRE(checked_attention_kind(8, 3, &kind).message() == "nHeads (8) must be a multiple of nKvHeads (3)");
  REQUIRE(checked_attention_kind(0, 1, &kind).message() == "nHeads (0) must be an integer from 1 to 1024");
  REQUIRE(checked_attention_kind(8, 2048, &kind).message() == "nKvHeads (2048) must be an integer from 1 to 1024");
  // the catalog's kind is the same function, plus MLA
  ModelSpec what_if = *find_model("llama-3.1-70b");
  what_if.n_kv_heads = 64;
  REQUIRE(std::string(attention_kind(what_if)) == "MHA");
  what_if.n_kv_heads = 1;
  REQUIRE(std::string(attention_kind(what_if)) == "MQA");
}

TEST_CASE("model_kv_cache: the sliding window caps the cache once, uncapped beside it", "[memory][catalog]") {
  const ModelSpec& mistral = *find_model("mistral-7b");  // window 4096, 32 layers, 8 K/V heads of 128
  LayerGroup g[kLayerKindCount];
  REQUIRE(layer_groups(mistral, g) == 1);
  REQUIRE(group_cached_tokens(g[0], 1000) == 1000);
  REQUIRE(group_cached_tokens(g[0], 4096) == 4096);
  REQUIRE(group_cached_tokens(g[0], 32768) == 4096);
  REQUIRE(layer_groups(*find_model("llama-3.1-8b"), g) == 1);
  REQUIRE(group_cached_tokens(g[0], 131072) == 131072);  // no window
  const uint64_t per_token = 2 * 32 * 8 * 128 * 2;
  ModelCache c;
  REQUIRE(model_kv_cache({mistral, 32768, 3, CacheDtype::kF16}, &c).is_ok());
  REQUIRE(c.cached_tokens == 4096);
  REQUIRE(c.per_token == per_token);
  REQUIRE(c.per_sequence == per_token * 4096);
  REQUIRE(c.total == per_token * 4096 * 3);
  REQUIRE(c.uncapped_per_sequence == per_token * 32768);
  REQUIRE(c.uncapped_total == per_token * 32768 * 3);
  // int8 adds one f32 scale per token per K/V head, K and V, per layer
  REQUIRE(model_kv_cache({mistral, 100, 1, CacheDtype::kInt8}, &c).is_ok());
  REQUIRE(c.per_sequence == 100 * (2 * 32 * 8 * 128 + 2 * 32 * 8 * 4));
  // the solver reads the same figures
  SolverResult r;
  REQUIRE(solve_budget(h100_query(mistral, 32768), &r).is_ok());
  REQUIRE(r.cached_tokens == 4096);
  REQUIRE(r.kv_bytes_per_sequence == per_token * 4096);
  ModelSpec bad = mistral;
  bad.n_kv_heads = 3;
  REQUIRE(model_kv_cache({bad, 10, 1, CacheDtype::kF16}, &c).message() == "model.nKvHeads (3) must divide nHeads (32)");
  REQUIRE(model_kv_cache({mistral, 0, 1, CacheDtype::kF16}, &c).message() == "tokens (0) must be an integer from 1 to 1099511627776");
}

TEST_CASE("kv_variants: MHA, as published, the what-if, MQA, each G once; MLA against its MHA baseline", "[memory][catalog]") {
  KvVariant v[kKvVariantRows];
  int count = 0, g = 0;
  const auto rows = [&] {
    std::string s;
    for (int i = 0; i < count; ++i) s += std::string(kv_variant_row_name(v[i].row)) + "=" + std::to_string(v[i].n_kv_heads) + " ";
    return s;
  };
  const ModelSpec& llama = *find_model("llama-3.1-70b");  // 64 heads, 8 K/V heads
  REQUIRE(kv_variants(llama, false, 0, v, &count, &g).is_ok());
  CHECK(rows() == "mha=64 published=8 mqa=1 ");
  CHECK(g == 8);
  REQUIRE(kv_variants(llama, true, 16, v, &count, &g).is_ok());
  CHECK(rows() == "mha=64 published=8 whatIf=16 mqa=1 ");
  CHECK(g == 16);
  REQUIRE(kv_variants(llama, true, 64, v, &count, &g).is_ok());  // the what-if is MHA: listed once
  CHECK(rows() == "mha=64 published=8 mqa=1 ");
  CHECK(g == 64);
  REQUIRE(kv_variants(*find_model("falcon-7b"), false, 0, v, &count, &g).is_ok());  // published MQA
  CHECK(rows() == "mha=71 published=1 ");
  REQUIRE(kv_variants(*find_model("deepseek-v3"), false, 0, v, &count, &g).is_ok());  // MLA: its MHA baseline only
  CHECK(rows() == "mha=128 published=1 ");
  CHECK(kv_variants(*find_model("deepseek-v3"), true, 2, v, &count, &g).message() ==
        "nKvHeads: deepseek-v3 uses MLA (one cached latent), so a K/V-head what-if does not apply");
  CHECK(kv_variants(llama, true, 3, v, &count, &g).message() == "nKvHeads (3) must divide llama-3.1-70b's 64 query heads");
  CHECK(kv_variants(llama, true, 0, v, &count, &g).message() == "nKvHeads (0) must be an integer from 1 to 64");
}

TEST_CASE("MLA: DeepSeek-V3 caches a 576-wide latent per layer; its MHA baseline is 128 heads of 192-wide keys and 128-wide values", "[memory][catalog][mla]") {
  const ModelSpec& ds = *find_model("deepseek-v3");
  // config.json: kv_lora_rank 512, qk_rope_head_dim 64, qk_nope_head_dim 128, v_head_dim 128, 128 heads, 61 layers
  REQUIRE(is_mla(ds));
  CHECK(ds.mla.kv_lora_rank == 512);
  CHECK(ds.mla.qk_rope_head_dim == 64);
  CHECK(ds.mla.qk_nope_head_dim == 128);
  CHECK(ds.mla.v_head_dim == 128);
  CHECK(!is_mla(*find_model("llama-3.1-70b")));
  // hand-computed at f16: latent 61 layers × 576 × 2 B; baseline 61 × 128 heads × (192 + 128) × 2 B
  const uint64_t latent = 61 * 576 * 2, baseline = 61 * 128 * (192 + 128) * 2;
  REQUIRE(latent == 70272);
  REQUIRE(baseline == 4997120);
  ModelCache c;
  REQUIRE(model_kv_cache({ds, 8192, 2, CacheDtype::kF16}, &c).is_ok());
  CHECK(c.per_token == latent);
  CHECK(c.total == latent * 8192 * 2);
  const ModelSpec mha = mha_baseline(ds);
  CHECK(std::string(attention_kind(mha)) == "MHA");
  CHECK(mha.n_kv_heads == 128);
  CHECK(mha.head_dim == 192);  // qk_nope 128 + qk_rope 64
  CHECK(mha.value_dim == 128);
  REQUIRE(model_kv_cache({mha, 8192, 2, CacheDtype::kF16}, &c).is_ok());
  CHECK(c.per_token == baseline);
  CHECK(c.total == baseline * 8192 * 2);
  // int8: one f32 scale per token per head for the key and for the value, per layer
  REQUIRE(model_kv_cache({mha, 1, 1, CacheDtype::kInt8}, &c).is_ok());
  CHECK(c.per_token == 61 * 128 * (192 + 128) + 2 * 61 * 128 * 4);
  // the rows the calculator, the page and the solver size: the baseline, then the latent
  KvVariant v[kKvVariantRows];
  int count = 0, g = 0;
  REQUIRE(kv_variants(ds, false, 0, v, &count, &g).is_ok());
  REQUIRE(count == 2);
  REQUIRE(model_kv_cache({variant_model(ds, v[0]), 1, 1, CacheDtype::kF16}, &c).is_ok());
  CHECK(c.per_token == baseline);
  REQUIRE(model_kv_cache({variant_model(ds, v[1]), 1, 1, CacheDtype::kF16}, &c).is_ok());
  CHECK(c.per_token == latent);
  // a non-MLA model's baseline is its G = H copy
  const ModelSpec llama = mha_baseline(*find_model("llama-3.1-70b"));
  CHECK(llama.n_kv_heads == 64);
  CHECK(llama.head_dim == 128);
  CHECK(llama.value_dim == 0);
  // the solver reads the same per-token figures
  SolverResult r;
  REQUIRE(solve_budget(h100_query(mha, 4096), &r).is_ok());
  CHECK(r.kv_bytes_per_token == baseline);
  REQUIRE(solve_budget(h100_query(ds, 4096), &r).is_ok());
  CHECK(r.kv_bytes_per_token == latent);
  // an MLA model caches one latent: another G is refused, and so is a value width without K and V
  ModelSpec two = ds;
  two.n_kv_heads = 2;
  CHECK(model_kv_cache({two, 1, 1, CacheDtype::kF16}, &c).message() ==
        "model: an MLA model caches one latent: nKvHeads (2) must be 1 and headDim (576) kvLoraRank + qkRopeHeadDim (576)");
  KvSize s;
  CHECK(kv_cache_size({1, 1, 576, 1, 1, CacheDtype::kF16, 1, 128}, &s).message() == "valueDim (128) needs kvFactor 2 (a K and a V vector), not 1");
  REQUIRE(kv_cache_size({1, 1, 192, 1, 1, CacheDtype::kF16, 2, 128}, &s).is_ok());
  CHECK(s.total_bytes == (192 + 128) * 2);
}
