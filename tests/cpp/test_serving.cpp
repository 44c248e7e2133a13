// test_serving.cpp - the budget solver as models are served: tensor parallelism over t devices,
// paged KV blocks, a shared prefix. Every figure is worked out by hand from the published configs.
#include <catch2/catch.hpp>

#include "sizing/budget_solver.h"
#include "sizing/model_catalog.h"

using namespace gqa;

namespace {

SolverQuery on_h100(const char* id, int64_t gpus) {
  const ModelSpec* m = find_model(id);
  REQUIRE(m != nullptr);
  SolverQuery q;
  q.model = *m;
  q.memory_bytes = 80e9;
  q.bandwidth = 3350e9;
  q.weight_bits = 16;  // bf16
  q.tokens = 8192;
  q.gpus = gpus;
  return q;
}

SolverResult solved(const SolverQuery& q) {
  SolverResult r;
  const Status st = solve_budget(q, &r);
  INFO(st.message());
  REQUIRE(st.is_ok());
  return r;
}

}  // namespace

TEST_CASE("tensor parallel: Llama-3.1-70B on 4 × H100 splits weights and K/V heads", "[solver][serving]") {
  SolverResult one_gpu = solved(on_h100("llama-3.1-70b", 1));
  CHECK_FALSE(one_gpu.weights_fit);  // 141.2 GB of bf16 weights on one 80 GB device
  const SolverResult r = solved(on_h100("llama-3.1-70b", 4));
  CHECK(r.weight_bytes == 70.6e9 * 2 / 4);        // 35.3 GB per device
  CHECK(r.kv_heads_per_device == 2);              // G = 8 over 4 devices
  CHECK(r.kv_replication == 1);
  CHECK(r.kv_bytes_per_token == 2ull * 80 * 2 * 128 * 2);  // K and V, 80 layers, 2 heads, 128 wide, 2 bytes: 81,920 B
  CHECK(r.weights_fit);
  CHECK(r.max_context == 131072);                 // the model's own limit binds at batch 1
  CHECK_FALSE(r.max_context_memory_bound);
  const double budget = 80e9 * 0.9 - 35.3e9;     // 36.7 GB for the cache on each device
  CHECK(r.kv_budget_bytes == Approx(budget));
  CHECK(r.max_batch == int64_t(budget / (81920.0 * 8192)));  // 54 sequences of 8192 tokens
  CHECK(r.max_batch == 54);
  // the roofline step reads each device's share: 35.3 GB of weights + one sequence's 8192 tokens
  CHECK(r.bytes_per_step == Approx(35.3e9 + 81920.0 * 8192));

  SECTION("more devices than K/V heads: each head is copied") {
    const SolverResult w = solved(on_h100("llama-3.1-70b", 16));
    CHECK(w.kv_heads_per_device == 1);
    CHECK(w.kv_replication == 2);
    CHECK(w.kv_bytes_per_token == 2ull * 80 * 1 * 128 * 2);
    CHECK(w.weight_bytes == 70.6e9 * 2 / 16);
  }
  SECTION("t must split or copy the heads evenly, named in the refusal") {
    SolverResult bad;
    CHECK(solve_budget(on_h100("llama-3.1-70b", 3), &bad).message() ==
          "gpus (3) must divide llama-3.1-70b's nKvHeads (8) or be a multiple of it");
    CHECK(solve_budget(on_h100("llama-3.1-70b", 0), &bad).message() == "gpus (0) must be an integer from 1 to 4096");
  }
}

TEST_CASE("tensor parallel: an MLA latent is on every device; a linear state splits with its heads", "[solver][serving]") {
  SolverQuery q = on_h100("deepseek-v3", 8);
  q.weight_bits = 8;  // fp8, as DeepSeek serves it
  const SolverResult r = solved(q);
  CHECK(r.weight_bytes == 671e9 / 8);
  CHECK(r.kv_heads_per_device == 1);
  CHECK(r.kv_replication == 8);
  CHECK(r.kv_bytes_per_token == 61ull * 576 * 2);  // the whole latent, 70,272 B, on each device
  CHECK(solved(on_h100("deepseek-v3", 1)).kv_bytes_per_token == r.kv_bytes_per_token);

  // Qwen3-Next: 12 full layers (G = 2, head_dim 256) and 36 Gated DeltaNet layers
  const SolverResult two = solved(on_h100("qwen3-next-80b-a3b", 2));
  CHECK(two.kv_heads_per_device == 1);
  // state per linear layer on each of 2 devices: 16·128·128 + (2·8·128 + 16·128)·3 = 274,432 numbers
  CHECK(two.kv_bytes_per_sequence == 12ull * 2 * 256 * 2 * 8192 + 36ull * 274432 * 2);
  const SolverResult four = solved(on_h100("qwen3-next-80b-a3b", 4));
  CHECK(four.kv_replication == 2);  // 4 devices, 2 K/V heads
  CHECK(four.kv_bytes_per_sequence == 12ull * 2 * 256 * 2 * 8192 + 36ull * (8 * 128 * 128 + (2 * 4 * 128 + 8 * 128) * 3) * 2);
}

TEST_CASE("paged KV rounds each sequence up to whole blocks; a shared prefix is stored once", "[solver][serving]") {
  SolverQuery q = on_h100("llama-3.1-8b", 1);
  const uint64_t per_token = 2ull * 32 * 8 * 128 * 2;  // 131,072 B
  q.tokens = 1000;
  q.batch = 4;
  q.block_tokens = 16;
  SolverResult r = solved(q);
  CHECK(r.kv_bytes_per_sequence == 1008 * per_token);  // 63 blocks of 16
  CHECK(r.request_exact_kv_bytes == 4.0 * 1000 * per_token);
  CHECK(r.paged_waste_bytes == 4.0 * 8 * per_token);
  CHECK(r.shared_prefix_bytes == 0);

  // a 600-token system prompt: 37 whole blocks (592 tokens) shared; tokens 592..999 are each sequence's
  q.shared_prefix = 600;
  r = solved(q);
  CHECK(r.shared_prefix_bytes == 592 * per_token);
  CHECK(r.kv_bytes_per_sequence == 416 * per_token);  // 408 tokens in 26 blocks
  CHECK(r.request_kv_bytes == double(592 + 4 * 416) * per_token);
  CHECK(r.request_exact_kv_bytes == double(600 + 4 * 400) * per_token);
  CHECK(r.paged_waste_bytes == double(56) * per_token);
  CHECK(r.unshared_kv_bytes == 4.0 * 1000 * per_token);
  const double budget = 80e9 * 0.9 - 8.03e9 * 2;
  CHECK(r.max_batch == int64_t((budget - 592.0 * per_token) / (416.0 * per_token)));

  // block 1 is the exact cache
  q.block_tokens = 1;
  r = solved(q);
  CHECK(r.paged_waste_bytes == 0);
  CHECK(r.request_kv_bytes == double(600 + 4 * 400) * per_token);

  SolverResult bad;
  q.shared_prefix = 1001;
  CHECK(solve_budget(q, &bad).message() == "sharedPrefix (1001) must be an integer from 0 to 1000");
  q.shared_prefix = 0;
  q.block_tokens = 0;
  CHECK(solve_budget(q, &bad).message() == "blockTokens (0) must be an integer from 1 to 1048576");
}

TEST_CASE("a shared prefix helps only the layers that still keep it", "[solver][serving]") {
  // Gemma 3 27B: 10 full layers keep the prefix; 52 sliding layers (window 1024) at 4096 tokens keep
  // only the last 1024, none of a 2000-token prefix
  SolverQuery q = on_h100("gemma-3-27b", 1);
  q.tokens = 4096;
  q.shared_prefix = 2000;
  q.batch = 2;
  q.block_tokens = 1;
  const SolverResult r = solved(q);
  const uint64_t full = 10ull * 2 * 16 * 128 * 2, sliding = 52ull * 2 * 16 * 128 * 2;
  CHECK(r.shared_prefix_bytes == 2000 * full);
  CHECK(r.kv_bytes_per_sequence == 2096 * full + 1024 * sliding);
  // the cache grows with the context from the prefix on: the answer is the longest that fits
  q.batch = 64;
  const SolverResult m = solved(q);
  REQUIRE(m.max_context_memory_bound);
  SolverQuery at = q;
  at.tokens = m.max_context;
  CHECK(solved(at).request_kv_bytes <= m.kv_budget_bytes);
  at.tokens = m.max_context + 1;
  CHECK(solved(at).request_kv_bytes > m.kv_budget_bytes);
}
