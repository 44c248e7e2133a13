// The streaming cache (StreamingLLM): after 1x, 3x and 10x its capacity, with 0, 1 and 4 sinks,
// attend equals plain attention over exactly the kept tokens (the first `sinks` and the last
// capacity - sinks appended), SIMD and scalar, f32 against float64, f16 and int8 exact on their
// stored rows; memory stays at capacity; refusals.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "attention/attention.h"
#include "attention/decode.h"
#include "attention/kv_cache.h"
#include "isas.h"
#include "reference.h"

using namespace gqa;

namespace {

/// The rows a streaming cache of `cap` with `sinks` keeps after `seen` tokens of x (seen, G, d).
std::vector<float> kept(const std::vector<float>& x, int seen, int cap, int sinks, int G, int d) {
  const size_t row = size_t(G) * d;
  if (seen <= cap) return std::vector<float>(x.begin(), x.begin() + seen * row);
  std::vector<float> out(x.begin(), x.begin() + sinks * row);
  out.insert(out.end(), x.begin() + (seen - (cap - sinks)) * row, x.begin() + seen * row);
  return out;
}

}  // namespace

TEST_CASE("a streaming cache attends exactly over its sinks and its most recent tokens (f32)", "[streaming]") {
  const int H = 8, G = 2, cap = 21;
  uint32_t seed = 1200;
  for (int d : {3, 16}) for (int sinks : {0, 1, 4}) for (int times : {1, 3, 10}) {
    const int total = cap * times;
    auto k = ref::random_vec(size_t(total) * G * d, seed++), v = ref::random_vec(size_t(total) * G * d, seed++);
    auto q = ref::random_vec(size_t(5) * H * d, seed++, 2.0f);
    std::vector<float> sink_logits = ref::random_vec(H, seed++, 2.0f);
    KvCache cache;
    REQUIRE(cache.init(KvCacheConfig{G, d, cap, Dtype::kF32, true, sinks}).is_ok());
    const uint64_t bytes = cache.bytes();
    // appends of 1 to 9 tokens, and one longer than the whole cache
    int seen = 0, step = 0;
    while (seen < total) {
      int n = step == 3 ? cap + 5 : 1 + (step * 7) % 9;
      n = std::min(n, total - seen);
      REQUIRE(cache.append(k.data() + size_t(seen) * G * d, v.data() + size_t(seen) * G * d, n).is_ok());
      seen += n;
      ++step;
      REQUIRE(cache.seen() == seen);
      REQUIRE(cache.length() == std::min(seen, cap));
      REQUIRE(cache.bytes() == bytes);
      // one decode step after every append (the newest token's query)
      auto kk = kept(k, seen, cap, sinks, G, d), vk = kept(v, seen, cap, sinks, G, d);
      const int T = int(cache.length());
      auto r = ref::attention(1, T, H, G, d, q.data(), kk.data(), vk.data(), true, 0, 1.0 / std::sqrt(double(d)));
      for (Isa isa : isas()) {
        std::vector<float> out(size_t(H) * d);
        REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, isa, out.data()).is_ok());
        const double worst = ref::worst_ratio(out.data(), r.out, r.tol, d);
        INFO(isa_name(isa) << " d=" << d << " sinks=" << sinks << " seen=" << seen << " worst/tol=" << worst);
        REQUIRE(worst <= 1.0);
      }
    }
    // several queries, a window, sink logits, and the partial statistics merged by hand
    auto kk = kept(k, seen, cap, sinks, G, d), vk = kept(v, seen, cap, sinks, G, d);
    const int T = int(cache.length()), tq = 5;
    for (int window : {0, 6}) for (bool with_sinks : {false, true}) {
      const float* sl = with_sinks ? sink_logits.data() : nullptr;
      auto r = ref::attention(tq, T, H, G, d, q.data(), kk.data(), vk.data(), true, window, 0.25, sl);
      for (Isa isa : isas()) {
        std::vector<float> out(size_t(tq) * H * d);
        REQUIRE(cache.attend(q.data(), tq, H, true, 0.25f, window, isa, out.data(), nullptr, nullptr, sl).is_ok());
        const double worst = ref::worst_ratio(out.data(), r.out, r.tol, d);
        INFO(isa_name(isa) << " d=" << d << " sinks=" << sinks << " x" << times << " window=" << window
                           << " sink logits=" << with_sinks << " worst/tol=" << worst);
        REQUIRE(worst <= 1.0);
      }
    }
    cache.clear();
    REQUIRE(cache.seen() == 0);
    REQUIRE(cache.length() == 0);
  }
}

TEST_CASE("a streaming f16 or int8 cache is exact on its kept stored rows", "[streaming]") {
  const int H = 8, G = 2, d = 24, cap = 19, total = 3 * cap + 4;
  for (Dtype t : {Dtype::kF16, Dtype::kInt8}) for (int sinks : {0, 4}) {
    auto k = ref::random_vec(size_t(total) * G * d, 71), v = ref::random_vec(size_t(total) * G * d, 72);
    auto q = ref::random_vec(size_t(H) * d, 73);
    KvCache cache;
    REQUIRE(cache.init(KvCacheConfig{G, d, cap, t, true, sinks}).is_ok());
    for (int s = 0; s < total; s += 5) {
      REQUIRE(cache.append(k.data() + size_t(s) * G * d, v.data() + size_t(s) * G * d, std::min(5, total - s)).is_ok());
    }
    // the kept rows as stored, in order, and their distance from the rows appended (f16: 2^-11
    // relative; int8: max|row| / 254, as in test_kv_cache)
    auto kk = kept(k, total, cap, sinks, G, d), vk = kept(v, total, cap, sinks, G, d);
    std::vector<float> kq(kk.size()), vq(vk.size());
    for (int i = 0; i < cap; ++i) for (int g = 0; g < G; ++g) {
      const size_t off = (size_t(i) * G + g) * d;
      cache.read_row(g, cache.storage_row(i), false, kq.data() + off);
      cache.read_row(g, cache.storage_row(i), true, vq.data() + off);
      for (int c = 0; c < d; ++c) {
        REQUIRE(std::fabs(kq[off + c] - kk[off + c]) <= (t == Dtype::kF16 ? std::fabs(kk[off + c]) / 2048 : 1.0001 / 254));
        REQUIRE(std::fabs(vq[off + c] - vk[off + c]) <= (t == Dtype::kF16 ? std::fabs(vk[off + c]) / 2048 : 1.0001 / 254));
      }
    }
    auto r = ref::attention(1, cap, H, G, d, q.data(), kq.data(), vq.data(), true, 0, 1.0 / std::sqrt(double(d)));
    // int8 scores use q rounded to int16 (test_kv_cache derives the bound): generous 1e-3 here
    for (double& x : r.tol) x += t == Dtype::kInt8 ? 1e-3 : 0.0;
    for (Isa isa : isas()) {
      std::vector<float> out(q.size());
      REQUIRE(cache.attend(q.data(), 1, H, false, 0, 0, isa, out.data()).is_ok());
      INFO(dtype_name(t) << " " << isa_name(isa) << " sinks=" << sinks);
      REQUIRE(ref::worst_ratio(out.data(), r.out, r.tol, d) <= 1.0);
    }
  }
}

TEST_CASE("streaming refusals: sinks out of range; a plain cache still refuses past its capacity", "[streaming]") {
  KvCache c;
  Status st = c.init(KvCacheConfig{2, 4, 8, Dtype::kF32, true, 8});
  REQUIRE(st.code() == StatusCode::kOutOfRange);
  REQUIRE(st.message() == "streaming.sinks (8) must be an integer from 0 to 7");
  REQUIRE(c.init(KvCacheConfig{2, 4, 8, Dtype::kF32, true, -1}).message() ==
          "streaming.sinks (-1) must be an integer from 0 to 7");
  KvCache plain;
  REQUIRE(plain.init(KvCacheConfig{2, 4, 8, Dtype::kF32}).is_ok());
  auto k = ref::random_vec(9 * 2 * 4, 5);
  REQUIRE(plain.append(k.data(), k.data(), 9).message().find("appending 9 tokens to a cache holding 0 would exceed its capacity (8)") == 0);
  REQUIRE(plain.length() == 0);
  KvCache s;
  REQUIRE(s.init(KvCacheConfig{2, 4, 8, Dtype::kF32, true, 7}).is_ok());  // a ring of one token
  REQUIRE(s.append(k.data(), k.data(), 9).is_ok());
  REQUIRE(s.length() == 8);
  REQUIRE(s.seen() == 9);
  REQUIRE(s.storage_row(7) == 7);
}
