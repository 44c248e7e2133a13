// The paged cache (PagedAttention): forks share blocks, appends copy a shared partly filled last
// block before writing, and every sequence attends exactly as plain attention over its own tokens
// (float64 reference, SIMD and scalar, every dtype, windows, sink logits); block counts checked
// against hand-computed tables; running out of blocks changes nothing; use after free; the budget.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "attention/attention.h"
#include "attention/decode.h"
#include "attention/half.h"
#include "attention/paged_kv_cache.h"
#include "isas.h"
#include "reference.h"

using namespace gqa;

namespace {

double g_worst_ratio = 0, g_worst_abs = 0;  // over every comparison, printed at the end

/// x (n, G, d) as the cache stores and reads it back: rounded to f16, or int8 with a scale per row.
std::vector<float> as_stored(Dtype t, const std::vector<float>& x, int d) {
  std::vector<float> out(x.size());
  std::vector<uint8_t> row(size_t(d) * 4);
  for (size_t r = 0; r < x.size() / d; ++r) {
    const float scale = encode_row(t, row.data(), x.data() + r * d, d);
    for (int c = 0; c < d; ++c) {
      out[r * d + c] = t == Dtype::kF32 ? reinterpret_cast<const float*>(row.data())[c]
                       : t == Dtype::kF16 ? f16_to_f32(reinterpret_cast<const uint16_t*>(row.data())[c])
                                          : float(reinterpret_cast<const int8_t*>(row.data())[c]) * scale;
    }
  }
  return out;
}

/// The test's own record of what each live sequence holds: its tokens' k and v (n, G, d).
struct Shadow {
  std::map<int64_t, std::vector<float>> k, v;
};

/// Sequence id attended by both kernels, the queries of its last tq tokens, against float64
/// attention over its own tokens (as stored); int8 adds its query-rounding term (test_kv_cache).
void check_sequence(const PagedKvCache& c, const Shadow& sh, int64_t id, int H, int tq, int window,
                    const float* sinks, uint32_t seed) {
  const int G = int(c.n_kv_heads()), d = int(c.head_dim());
  const auto kk = as_stored(c.dtype(), sh.k.at(id), d), vv = as_stored(c.dtype(), sh.v.at(id), d);
  const int T = int(kk.size() / (size_t(G) * d));
  tq = std::min(tq, T);
  const auto q = ref::random_vec(size_t(tq) * H * d, seed, 2.0f);
  auto r = ref::attention(tq, T, H, G, d, q.data(), kk.data(), vv.data(), true, window, 1.0 / std::sqrt(double(d)), sinks);
  if (c.dtype() == Dtype::kInt8) for (double& x : r.tol) x += 1e-3;
  for (Isa isa : isas()) {
    std::vector<float> out(q.size());
    REQUIRE(c.attend(id, q.data(), tq, H, false, 0, window, isa, out.data(), nullptr, nullptr, sinks).is_ok());
    const double worst = ref::worst_ratio(out.data(), r.out, r.tol, d);
    for (size_t e = 0; e < out.size(); ++e) g_worst_abs = std::max(g_worst_abs, std::fabs(out[e] - r.out[e]));
    g_worst_ratio = std::max(g_worst_ratio, worst);
    INFO(dtype_name(c.dtype()) << " " << isa_name(isa) << " sequence " << id << " T=" << T << " tq=" << tq
                               << " window=" << window << " sinks=" << (sinks != nullptr) << " worst/tol=" << worst);
    REQUIRE(worst <= 1.0);
  }
}

std::vector<int32_t> table(const PagedKvCache& c, int64_t id) {
  const std::vector<int32_t>* t = nullptr;
  REQUIRE(c.block_table(id, &t).is_ok());
  return *t;
}

void require_stats(const PagedKvCache& c, int64_t used, int64_t free, int64_t shared) {
  const PagedStats st = c.stats();
  INFO("used " << st.used_blocks << " free " << st.free_blocks << " shared " << st.shared_blocks);
  REQUIRE(st.used_blocks == used);
  REQUIRE(st.free_blocks == free);
  REQUIRE(st.shared_blocks == shared);
}

/// Appends n fresh tokens to sequence id, in the cache and in the shadow.
Status append(PagedKvCache& c, Shadow& sh, int64_t id, int n, uint32_t seed) {
  const size_t row = size_t(c.n_kv_heads()) * c.head_dim();
  const auto k = ref::random_vec(n * row, seed), v = ref::random_vec(n * row, seed + 7777);
  Status st = c.append(id, k.data(), v.data(), n);
  if (st.is_ok()) {
    sh.k[id].insert(sh.k[id].end(), k.begin(), k.end());
    sh.v[id].insert(sh.v[id].end(), v.begin(), v.end());
  }
  return st;
}

int64_t fork(PagedKvCache& c, Shadow& sh, int64_t parent) {
  int64_t id = -1;
  REQUIRE(c.fork(parent, &id).is_ok());
  sh.k[id] = sh.k[parent];
  sh.v[id] = sh.v[parent];
  return id;
}

int64_t add(PagedKvCache& c, Shadow& sh) {
  int64_t id = -1;
  REQUIRE(c.add_sequence(&id).is_ok());
  sh.k[id].clear();
  sh.v[id].clear();
  return id;
}

void release(PagedKvCache& c, Shadow& sh, int64_t id) {
  REQUIRE(c.free_sequence(id).is_ok());
  sh.k.erase(id);
  sh.v.erase(id);
}

/// Every live sequence against the reference: one decode query, then three with a window and sinks.
void check_all(const PagedKvCache& c, const Shadow& sh, int H, uint32_t seed) {
  const auto sinks = ref::random_vec(size_t(H), seed + 1, 2.0f);
  for (const auto& [id, k] : sh.k) {
    if (k.empty()) continue;
    check_sequence(c, sh, id, H, 1, 0, nullptr, seed + uint32_t(id));
    check_sequence(c, sh, id, H, 3, 5, sinks.data(), seed + 100 + uint32_t(id));
  }
}

/// The accounting the tables imply: blocks held, blocks held by several, each table's length.
void check_accounting(const PagedKvCache& c, const Shadow& sh) {
  std::map<int32_t, int> holders;
  for (const auto& [id, k] : sh.k) {
    const auto t = table(c, id);
    int64_t n = 0;
    REQUIRE(c.length(id, &n).is_ok());
    REQUIRE(n == int64_t(k.size() / (size_t(c.n_kv_heads()) * c.head_dim())));
    REQUIRE(int64_t(t.size()) == (n + c.block_size() - 1) / c.block_size());
    REQUIRE(std::set<int32_t>(t.begin(), t.end()).size() == t.size());  // no block twice in one table
    for (int32_t b : t) ++holders[b];
  }
  int64_t shared = 0;
  for (const auto& [b, count] : holders) shared += count > 1;
  require_stats(c, int64_t(holders.size()), c.num_blocks() - int64_t(holders.size()), shared);
}

}  // namespace

TEST_CASE("forks share blocks, appends copy a shared partly filled last block, counts as computed by hand", "[paged]") {
  const int H = 8, G = 2, d = 5;
  PagedKvCache c;
  REQUIRE(c.init(PagedKvCacheConfig{G, d, 4, 16, Dtype::kF32}).is_ok());
  REQUIRE(c.bytes() == 2ull * G * 16 * 4 * d * 4);
  Shadow sh;
  require_stats(c, 0, 16, 0);
  const int64_t a = add(c, sh);
  REQUIRE(a == 0);
  REQUIRE(append(c, sh, a, 6, 1).is_ok());  // blocks 0 (4 tokens) and 1 (2 of 4)
  REQUIRE(table(c, a) == std::vector<int32_t>{0, 1});
  require_stats(c, 2, 14, 0);
  const int64_t b = fork(c, sh, a);  // shares 0 and 1
  REQUIRE(b == 1);
  REQUIRE(table(c, b) == std::vector<int32_t>{0, 1});
  require_stats(c, 2, 14, 2);
  check_all(c, sh, H, 10);

  // COW: b writes into a copy of block 1 (block 2); a's attention is unchanged bit for bit
  const auto qa = ref::random_vec(size_t(H) * d, 3);
  std::vector<float> before(qa.size()), after(qa.size());
  REQUIRE(c.attend(a, qa.data(), 1, H, false, 0, 0, Isa::kScalar, before.data()).is_ok());
  REQUIRE(append(c, sh, b, 1, 2).is_ok());
  REQUIRE(table(c, b) == std::vector<int32_t>{0, 2});
  REQUIRE(table(c, a) == std::vector<int32_t>{0, 1});
  require_stats(c, 3, 13, 1);
  REQUIRE(c.attend(a, qa.data(), 1, H, false, 0, 0, Isa::kScalar, after.data()).is_ok());
  REQUIRE(before == after);
  check_all(c, sh, H, 20);

  // a's block 1 is its own again: written in place, then a fresh block 3 past the boundary
  REQUIRE(append(c, sh, a, 5, 3).is_ok());
  REQUIRE(table(c, a) == std::vector<int32_t>{0, 1, 3});
  require_stats(c, 4, 12, 1);
  const int64_t cc = fork(c, sh, b);  // 0 held by three, 2 by two
  require_stats(c, 4, 12, 2);
  REQUIRE(append(c, sh, cc, 1, 4).is_ok());  // copies block 2 (3 tokens) into block 4
  REQUIRE(table(c, cc) == std::vector<int32_t>{0, 4});
  require_stats(c, 5, 11, 1);
  REQUIRE(append(c, sh, b, 1, 5).is_ok());  // block 2 is b's alone now: in place
  REQUIRE(table(c, b) == std::vector<int32_t>{0, 2});
  const int64_t e = fork(c, sh, b);
  require_stats(c, 5, 11, 2);
  REQUIRE(append(c, sh, e, 1, 6).is_ok());  // the shared last block is full: no copy, block 5
  REQUIRE(table(c, e) == std::vector<int32_t>{0, 2, 5});
  REQUIRE(table(c, b) == std::vector<int32_t>{0, 2});
  require_stats(c, 6, 10, 2);
  check_all(c, sh, H, 30);
  check_accounting(c, sh);

  release(c, sh, b);  // 2 is e's alone, 0 still held by a, c and e
  require_stats(c, 6, 10, 1);
  release(c, sh, e);  // 5 and 2 go back to the pool
  require_stats(c, 4, 12, 1);
  check_all(c, sh, H, 40);
  // the blocks freed last are handed out first, in their table order: 2, 5, then 6
  const int64_t f = add(c, sh);
  REQUIRE(f == 4);
  REQUIRE(append(c, sh, f, 9, 7).is_ok());
  REQUIRE(table(c, f) == std::vector<int32_t>{2, 5, 6});
  require_stats(c, 7, 9, 1);
  check_all(c, sh, H, 50);
  check_accounting(c, sh);
}

TEST_CASE("random forks and appends across block boundaries: every sequence equals plain attention over its tokens", "[paged]") {
  const int shapes[][3] = {{8, 2, 5}, {3, 3, 16}, {4, 1, 24}};  // H, G, d
  uint32_t seed = 5000;
  for (Dtype t : {Dtype::kF32, Dtype::kF16, Dtype::kInt8}) for (int bs : {1, 3, 16}) for (auto s : shapes) {
    const int H = s[0], G = s[1], d = s[2];
    PagedKvCache c;
    REQUIRE(c.init(PagedKvCacheConfig{G, d, bs, 160 / bs + 8, t}).is_ok());
    Shadow sh;
    std::vector<int64_t> live{add(c, sh)};
    std::mt19937 rng(seed);
    for (int op = 0; op < 24; ++op) {
      const int64_t id = live[rng() % live.size()];
      const uint32_t kind = rng() % 8;
      if (kind == 0 && live.size() < 6) {
        live.push_back(fork(c, sh, id));
      } else if (kind == 1 && live.size() > 1) {
        release(c, sh, id);
        live.erase(std::find(live.begin(), live.end(), id));
      } else {
        const Status st = append(c, sh, id, 1 + int(rng() % 9), seed++);
        REQUIRE((st.is_ok() || st.message().find("out of blocks") == 0));
      }
      check_accounting(c, sh);
    }
    INFO(dtype_name(t) << " blockSize=" << bs << " H=" << H << " G=" << G << " d=" << d);
    check_all(c, sh, H, seed++);
  }
}

TEST_CASE("interleaved appends fragment the tables: more runs than one merge takes", "[paged]") {
  const int H = 4, G = 2, d = 8;
  for (int bs : {1, 2}) {
    PagedKvCache c;
    REQUIRE(c.init(PagedKvCacheConfig{G, d, bs, 200, Dtype::kF32}).is_ok());
    Shadow sh;
    const int64_t a = add(c, sh), b = add(c, sh);
    for (int i = 0; i < 40; ++i) {  // a takes every other block: 40 / bs runs of one block each
      REQUIRE(append(c, sh, a, bs, 100 + i).is_ok());
      REQUIRE(append(c, sh, b, bs, 200 + i).is_ok());
    }
    const auto t = table(c, a);
    REQUIRE(int(t.size()) == 40);
    REQUIRE(t[1] == t[0] + 2);
    const int64_t f = fork(c, sh, a);
    REQUIRE(append(c, sh, f, 3, 7).is_ok());
    check_all(c, sh, H, 60 + bs);
    for (int window : {1, 2, 7, 33}) check_sequence(c, sh, a, H, 4, window, nullptr, 70 + window);
  }
}

TEST_CASE("running out of blocks is refused, changes nothing, and the cache keeps working", "[paged][errors]") {
  const int H = 4, G = 1, d = 4;
  PagedKvCache c;
  REQUIRE(c.init(PagedKvCacheConfig{G, d, 2, 3, Dtype::kF32}).is_ok());
  Shadow sh;
  const int64_t a = add(c, sh);
  Status st = append(c, sh, a, 7, 1);
  REQUIRE(st.code() == StatusCode::kOutOfRange);
  REQUIRE(st.message() == "out of blocks: appending 7 tokens to sequence 0 needs 4 free blocks, and 3 of 3 are free");
  int64_t n = -1;
  REQUIRE(c.length(a, &n).is_ok());
  REQUIRE(n == 0);
  require_stats(c, 0, 3, 0);
  REQUIRE(append(c, sh, a, 5, 2).is_ok());  // [0, 1, 2], the last one half full
  const int64_t b = fork(c, sh, a);
  require_stats(c, 3, 0, 3);
  const auto q = ref::random_vec(size_t(H) * d, 4);
  std::vector<float> before(q.size()), after(q.size());
  REQUIRE(c.attend(a, q.data(), 1, H, false, 0, 0, Isa::kScalar, before.data()).is_ok());
  // one token needs a copy of the shared last block, and none is free: for either sequence
  st = append(c, sh, b, 1, 5);
  REQUIRE(st.message() ==
          "out of blocks: appending 1 tokens to sequence 1 needs 1 free blocks (one to copy its shared last block), "
          "and 0 of 3 are free");
  REQUIRE(append(c, sh, a, 1, 6).message().find("out of blocks: appending 1 tokens to sequence 0 needs 1 free") == 0);
  require_stats(c, 3, 0, 3);
  REQUIRE(table(c, a) == std::vector<int32_t>{0, 1, 2});
  REQUIRE(table(c, b) == std::vector<int32_t>{0, 1, 2});
  REQUIRE(c.length(b, &n).is_ok());
  REQUIRE(n == 5);
  REQUIRE(c.attend(a, q.data(), 1, H, false, 0, 0, Isa::kScalar, after.data()).is_ok());
  REQUIRE(before == after);
  check_all(c, sh, H, 7);
  // a refused value changes nothing either
  std::vector<float> bad(size_t(G) * d, 0.5f);
  bad[2] = NAN;
  REQUIRE(c.append(a, bad.data(), bad.data(), 1).message() == "k[2] (NaN) must be a finite number");
  require_stats(c, 3, 0, 3);
  // freeing b leaves every block a's alone: one token fits in place, the next needs a block
  release(c, sh, b);
  require_stats(c, 3, 0, 0);
  REQUIRE(append(c, sh, a, 1, 8).is_ok());
  REQUIRE(append(c, sh, a, 1, 9).message() == "out of blocks: appending 1 tokens to sequence 0 needs 1 free blocks, and 0 of 3 are free");
  check_all(c, sh, H, 11);
  release(c, sh, a);
  require_stats(c, 0, 3, 0);
  const int64_t d2 = add(c, sh);
  REQUIRE(append(c, sh, d2, 6, 12).is_ok());
  REQUIRE(table(c, d2) == std::vector<int32_t>{0, 1, 2});
  check_all(c, sh, H, 13);
}

TEST_CASE("unknown and freed ids are refused by every operation; the rest keep working", "[paged][errors]") {
  PagedKvCache c;
  std::vector<float> k(8, 0.5f), q(16, 0.1f), out(16);
  int64_t id = -1, n = 0;
  const std::vector<int32_t>* t = nullptr;
  REQUIRE(c.add_sequence(&id).message() == "the paged KV cache is not initialised");
  REQUIRE(c.init(PagedKvCacheConfig{2, 4, 4, 4, Dtype::kF16}).is_ok());
  REQUIRE(c.add_sequence(&id).is_ok());
  REQUIRE(c.attend(id, q.data(), 1, 4, false, 0, 0, Isa::kScalar, out.data()).message() ==
          "sequence 0 is empty: append tokens before attend");
  REQUIRE(c.append(id, k.data(), k.data(), 1).is_ok());
  REQUIRE(c.attend(id, q.data(), 2, 4, false, 0, 0, Isa::kScalar, out.data()).message().find(
              "tq (2) must be from 1 to the sequence's length (1)") == 0);
  REQUIRE(c.attend(id, q.data(), 1, 3, false, 0, 0, Isa::kScalar, out.data()).message() ==
          "nHeads (3) must be a multiple of nKvHeads (2)");
  REQUIRE(c.free_sequence(id).is_ok());
  const std::string freed = "id (0) is a sequence that was freed: expected the id of a live sequence, from addSequence() or fork()";
  REQUIRE(c.free_sequence(id).message() == freed);
  REQUIRE(c.append(id, k.data(), k.data(), 1).message() == freed);
  REQUIRE(c.attend(id, q.data(), 1, 4, false, 0, 0, Isa::kScalar, out.data()).message() == freed);
  REQUIRE(c.fork(id, &n).message() == freed);
  REQUIRE(c.length(id, &n).message() == freed);
  REQUIRE(c.block_table(id, &t).message() == freed);
  REQUIRE(c.length(7, &n).message() == "id (7) is no sequence of this cache: expected the id of a live sequence, from addSequence() or fork()");
  REQUIRE(c.length(-1, &n).code() == StatusCode::kOutOfRange);
  require_stats(c, 0, 4, 0);
  REQUIRE(c.add_sequence(&id).is_ok());
  REQUIRE(id == 1);  // never reused
  std::vector<float> big(8, 70000.0f);
  REQUIRE(c.append(id, big.data(), k.data(), 1).message().find("k[0] (70000) is outside the f16 range") == 0);
  REQUIRE(c.append(id, k.data(), k.data(), 1).is_ok());
  REQUIRE(c.attend(id, q.data(), 1, 4, false, 0, 0, Isa::kScalar, out.data()).is_ok());
  // at most kMaxSequences live sequences: adding or forking past them is refused; freeing one makes room
  while (c.sequences() < kMaxSequences) REQUIRE(c.add_sequence(&n).is_ok());
  REQUIRE(c.add_sequence(&n).message() ==
          "the cache holds 65536 live sequences, the most it can: free one before adding another");
  REQUIRE(c.fork(id, &n).message() == "the cache holds 65536 live sequences, the most it can: free one before forking");
  REQUIRE(c.free_sequence(id + 1).is_ok());
  REQUIRE(c.fork(id, &n).is_ok());
  require_stats(c, 1, 3, 1);
}

TEST_CASE("the pool is checked against its limits and the memory budget before anything is allocated", "[paged][errors]") {
  PagedKvCache c;
  REQUIRE(c.init(PagedKvCacheConfig{2, 4, 0, 8, Dtype::kF32}).message() == "blockSize (0) must be an integer from 1 to 16777216");
  REQUIRE(c.init(PagedKvCacheConfig{2, 4, 4, 0, Dtype::kF32}).message() == "numBlocks (0) must be an integer from 1 to 16777216");
  REQUIRE(c.init(PagedKvCacheConfig{2, 4, 4096, 8192, Dtype::kF32}).message() ==
          "numBlocks · blockSize (8192 · 4096 = 33554432 tokens) must be at most 16777216 tokens");
  // 64 heads of 128, 2^20 tokens, f32: 2 · 64 · 128 · 2^20 · 4 = 64 GiB, far over the budget
  Status st = c.init(PagedKvCacheConfig{64, 128, 16, 65536, Dtype::kF32});
  REQUIRE(st.code() == StatusCode::kOverBudget);
  REQUIRE(st.message().find("the paged KV cache needs 68719476736 bytes (64.00 GiB), over the memory budget") == 0);
  for (Dtype t : {Dtype::kF32, Dtype::kF16, Dtype::kInt8}) {
    REQUIRE(c.init(PagedKvCacheConfig{3, 10, 4, 5, t}).is_ok());
    const uint64_t per = t == Dtype::kF32 ? 4 : t == Dtype::kF16 ? 2 : 1;
    REQUIRE(c.bytes() == 2ull * 3 * 20 * 10 * per + (t == Dtype::kInt8 ? 2ull * 3 * 20 * 4 : 0));
  }
}

TEST_CASE("paged attention: the figures", "[paged]") {
  // run last in this file: the worst ratio and |Δ| over every comparison above
  std::printf("paged: worst |Δ|/tol %.3g, worst |Δ| %.3g over every comparison\n", g_worst_ratio, g_worst_abs);
  REQUIRE(g_worst_ratio <= 1.0);
}
