// libFuzzer target: the memory model and the budget solver on arbitrary 64-bit inputs. Sizes
// are either refused or exact (checked in 128-bit arithmetic); the solver never crashes and its
// answers are consistent with each other.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "sizing/budget_solver.h"
#include "sizing/cost_model.h"
#include "fuzz_input.h"
#include "sizing/memory_model.h"
#include "sizing/model_catalog.h"

using namespace gqa;

#define CHECK(cond) do { if (!(cond)) { std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); std::abort(); } } while (0)

static int64_t pick(FuzzInput& in) {
  switch (in.u8() % 4) {
    case 0: return int64_t(in.u64());                 // anything, negative included
    case 1: return int64_t(in.u8());
    case 2: return int64_t(in.u32() % 100000);
    default: return int64_t(1) << (in.u8() % 63);
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  KvSizeQuery q;
  q.layers = pick(in); q.n_kv_heads = pick(in); q.head_dim = pick(in); q.tokens = pick(in); q.batch = pick(in);
  q.dtype = CacheDtype(in.u8() % kCacheDtypeCount);
  q.kv_factor = 1 + in.u8() % 3;
  if (in.bit()) q.value_dim = pick(in);  // values narrower or wider than keys (an MLA model's MHA baseline)
  KvSize s;
  Status st = kv_cache_size(q, &s);
  if (st.is_ok()) {
    CHECK(q.value_dim == 0 || q.kv_factor == 2);
    const unsigned __int128 vectors = (unsigned __int128)q.layers * q.n_kv_heads * q.tokens * q.batch;
    const unsigned __int128 rows = vectors * q.kv_factor;
    const unsigned __int128 width = q.value_dim > 0 ? q.head_dim + q.value_dim : q.kv_factor * q.head_dim;
    const unsigned __int128 bits = vectors * width * cache_dtype_bits(q.dtype);
    CHECK(s.data_bytes == (uint64_t)((bits + 7) / 8));
    CHECK(s.scale_bytes == (cache_dtype_quantized(q.dtype) ? (uint64_t)(rows * 4) : 0));
    CHECK(s.total_bytes == s.data_bytes + s.scale_bytes);
  } else {
    CHECK(!st.message().empty());
  }

  size_t n = 0;
  const ModelSpec* models = model_catalog(&n);
  SolverQuery sq;
  sq.model = models[in.u8() % n];
  if (in.bit()) sq.model = mha_baseline(sq.model);
  if (in.bit()) sq.model.n_kv_heads = int(in.u8());
  double mem, bw;
  uint64_t a = in.u64(), b = in.u64();
  std::memcpy(&mem, &a, 8);
  std::memcpy(&bw, &b, 8);
  sq.memory_bytes = in.bit() ? mem : double(in.u32()) * 1e6;
  sq.bandwidth = in.bit() ? bw : double(in.u32()) * 1e6;
  sq.weight_bits = cache_dtype_bits(CacheDtype(in.u8() % kCacheDtypeCount));
  sq.kv_dtype = CacheDtype(in.u8() % kCacheDtypeCount);
  sq.reserve = double(in.u8()) / 200.0;
  sq.tokens = pick(in);
  sq.batch = pick(in);
  SolverResult r;
  st = solve_budget(sq, &r);
  if (st.is_ok()) {
    CHECK(r.max_context >= 0 && r.max_batch >= 0);
    CHECK(!r.request_fits || r.weights_fit);
    CHECK(r.max_context <= sq.model.max_context);
    CHECK(r.cached_tokens <= sq.tokens);
    if (!r.weights_fit) CHECK(r.max_context == 0 && r.max_batch == 0);
    CHECK(r.step_seconds > 0);
  }
  TensorParallelKv t;
  if (tensor_parallel_kv(pick(in), pick(in), &t).is_ok()) CHECK(t.heads_per_device >= 1 && t.replication >= 1);
  return 0;
}
