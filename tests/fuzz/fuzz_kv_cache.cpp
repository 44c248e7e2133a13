// libFuzzer target: random sequences of init / append / attend / clear on a KV cache of each
// dtype, plain or streaming (any sinks, appends far past the capacity). A refused call must change nothing; an accepted attend must be finite, inside the range
// of the visible (stored) values (and 0, with sink logits, which can take any share of a row),
// and the same for the scalar and SIMD kernels.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "fuzz_input.h"
#include "attention/kv_cache.h"
#include "attention/softmax.h"

using namespace gqa;

#define CHECK(cond) do { if (!(cond)) { std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); std::abort(); } } while (0)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  KvCache cache;
  const int64_t G = 1 + in.u8() % 4, d = 1 + in.u8() % 24, cap = 1 + in.u8() % 48;
  const Dtype dtype = Dtype(in.u8() % 3);
  const bool streaming = in.bit();
  const int64_t sinks = in.u8() % (cap + 1);  // == cap is refused
  if (!cache.init({G, d, cap, dtype, streaming, sinks}).is_ok()) { CHECK(streaming && sinks == cap); return 0; }
  float kmax = 0;  // max |k| appended since the last clear
  for (int op = 0; op < 32 && !in.empty(); ++op) {
    switch (in.u8() % 4) {
      case 0: {  // append
        const int64_t n = 1 + in.u8() % (streaming ? 64 : 8), before = cache.length(), seen = cache.seen();
        std::vector<float> k(n * G * d), v(k.size());
        for (float& x : k) x = in.value();
        for (float& x : v) x = in.value();
        Status st = cache.append(k.data(), v.data(), n);
        if (streaming) {  // never refused for its length; keeps at most cap
          CHECK(cache.length() == (st.is_ok() ? std::min(seen + n, cap) : before));
          CHECK(cache.seen() == (st.is_ok() ? seen + n : seen));
        } else {
          CHECK(cache.length() == (st.is_ok() ? before + n : before));
        }
        if (st.is_ok()) for (float x : k) kmax = std::max(kmax, std::fabs(x));
        break;
      }
      case 1:
      case 3: {  // attend, both kernels
        const int64_t m = 1 + in.u8() % 3, H = in.bit() ? G * m : 1 + in.u8() % 9, tq = 1 + in.u8() % 4;
        const int64_t window = in.u8() % 5;
        std::vector<float> q(tq * H * d), a(q.size()), b(q.size());
        float qmax = 0;
        for (float& x : q) { x = in.value(false); qmax = std::max(qmax, std::fabs(x)); }
        std::vector<float> sinks;  // sometimes learned sink logits, any value (NaN, ±inf are refused)
        if (in.bit()) { sinks.resize(H); for (float& x : sinks) x = in.value(); }
        const float* sp = sinks.empty() ? nullptr : sinks.data();
        // when scores can reach ~50, rounding differences of the two summation orders are
        // amplified by exp(); compare the kernels only where softmax is well conditioned
        const bool comparable = double(qmax) * kmax * std::sqrt(double(d)) <= 50.0;
        Status sa = cache.attend(q.data(), tq, H, false, 0, window, Isa::kScalar, a.data(), nullptr, nullptr, sp);
        Status sb = cache.attend(q.data(), tq, H, false, 0, window, Isa::kSimd, b.data(), nullptr, nullptr, sp);
        // the kernels sum in different orders, so at the edge of float32 one may overflow (and say
        // so) where the other just fits; any other disagreement is a bug
        if (sa.is_ok() != sb.is_ok()) {
          CHECK((sa.is_ok() ? sb : sa).code() == StatusCode::kOverflow);
          break;
        }
        if (!sa.is_ok()) { CHECK(!sa.message().empty()); break; }
        std::vector<float> row(d);
        for (int64_t i = 0; i < tq; ++i) {
          int64_t lo, hi;
          visible_keys(i, tq, cache.length(), true, window, &lo, &hi);
          for (int64_t h = 0; h < H; ++h) {
            const int64_t g = h * G / H;
            std::vector<float> vmin(d, sp ? 0.0f : INFINITY), vmax(d, sp ? 0.0f : -INFINITY);
            for (int64_t j = lo; j < hi; ++j) {
              cache.read_row(g, cache.storage_row(j), true, row.data());
              for (int64_t c = 0; c < d; ++c) { vmin[c] = std::min(vmin[c], row[c]); vmax[c] = std::max(vmax[c], row[c]); }
            }
            for (int64_t c = 0; c < d; ++c) {
              const float slack = 1e-4f * std::max(std::fabs(vmin[c]), std::fabs(vmax[c])) + 1e-30f;
              for (const auto* out : {&a, &b}) {
                const float x = (*out)[(i * H + h) * d + c];
                CHECK(std::isfinite(x) && x >= vmin[c] - slack && x <= vmax[c] + slack);
              }
              const float scale = std::max(std::fabs(vmin[c]), std::fabs(vmax[c]));
              if (comparable) CHECK(std::fabs(a[(i * H + h) * d + c] - b[(i * H + h) * d + c]) <= 1e-3f * scale + 1e-30f);
            }
          }
        }
        break;
      }
      case 2:
        cache.clear();
        kmax = 0;
        CHECK(cache.length() == 0);
        break;
    }
  }
  return 0;
}
