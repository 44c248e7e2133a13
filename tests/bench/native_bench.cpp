// native_bench.cpp - the decode step of the same C++ core built natively, for `npm run bench`.
//
//   native_bench [--reps N] [--probe] H,G,d,T,dtype ...
//
// Prints one JSON object per line: {"H":..,"G":..,"d":..,"T":..,"dtype":"f32","ms":median,
// "kvBytes":..,"out":[H·d floats]} for each config, and with --probe
// {"probe":true,"bytesPerSecond":..,"maddsPerSecond":..}. Inputs are the benchmark's
// deterministic stream (web/lib/bench-data.js), so outputs can be compared with the JS side.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/memory_budget.h"
#include "attention/kv_cache.h"
#include "attention/probes.h"

using namespace gqa;
using Clock = std::chrono::steady_clock;

namespace {

/// mulberry32 in [-1, 1), identical to fillUniform() in web/lib/rng.js.
void fill(float* out, size_t n, uint32_t seed) {
  uint32_t a = seed;
  for (size_t i = 0; i < n; ++i) {
    a += 0x6d2b79f5u;
    uint32_t t = (a ^ (a >> 15)) * (a | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    out[i] = float(double(t ^ (t >> 14)) / 4294967296.0 * 2.0 - 1.0);
  }
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void probe() {
  const uint64_t n = uint64_t(1) << 28;  // 1 GiB of floats: far beyond any cache
  std::vector<float> buf(n);
  for (uint64_t i = 0; i < n; ++i) buf[i] = float(i & 1023) * 1e-3f;
  volatile float sink = 0;
  double best_bw = 1e30, best_madd = 1e30;
  const uint64_t iters = 50000000;
  for (int r = 0; r < 5; ++r) {
    auto t0 = Clock::now();
    sink = sink + probe_stream_sum(buf.data(), n);
    best_bw = std::min(best_bw, seconds_since(t0));
    t0 = Clock::now();
    sink = sink + probe_madd(iters, float(r));
    best_madd = std::min(best_madd, seconds_since(t0));
  }
  std::printf("{\"probe\":true,\"bytesPerSecond\":%.6g,\"maddsPerSecond\":%.6g}\n", double(n) * 4 / best_bw,
              double(probe_madds_per_iter()) * double(iters) / best_madd);
}

int run(int H, int G, int d, int T, const char* dtype_name, int reps) {
  Dtype dtype;
  if (!parse_dtype(dtype_name, &dtype)) { std::fprintf(stderr, "bad dtype %s\n", dtype_name); return 2; }
  const uint32_t seed = uint32_t(H) * 7919u + uint32_t(G) * 104729u + uint32_t(d) * 1299709u + uint32_t(T);
  std::vector<float> q(size_t(H) * d), k(size_t(T) * G * d), v(size_t(T) * G * d), out(size_t(H) * d);
  fill(q.data(), q.size(), seed);
  fill(k.data(), k.size(), seed + 1);
  fill(v.data(), v.size(), seed + 2);
  KvCache cache;
  Status st = cache.init({G, d, T, dtype});
  if (st.is_ok()) st = cache.append(k.data(), v.data(), T);
  for (int i = 0; st.is_ok() && i < 3; ++i) st = cache.attend(q.data(), 1, H, false, 0, 0, Isa::kSimd, out.data());
  if (!st.is_ok()) { std::fprintf(stderr, "%s\n", st.message().c_str()); return 1; }
  std::vector<double> times;
  const auto start = Clock::now();
  while (int(times.size()) < reps || (times.size() < 200 && seconds_since(start) < 0.3)) {
    const auto t0 = Clock::now();
    cache.attend(q.data(), 1, H, false, 0, 0, Isa::kSimd, out.data());
    times.push_back(seconds_since(t0));
  }
  std::sort(times.begin(), times.end());
  std::printf("{\"H\":%d,\"G\":%d,\"d\":%d,\"T\":%d,\"dtype\":\"%s\",\"ms\":%.6g,\"kvBytes\":%llu,\"out\":[", H, G, d, T,
              dtype_name, times[times.size() / 2] * 1e3, (unsigned long long)cache.bytes());
  for (size_t i = 0; i < out.size(); ++i) std::printf(i ? ",%.9g" : "%.9g", double(out[i]));
  std::printf("]}\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 7;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) { reps = std::atoi(argv[++i]); continue; }
    if (std::strcmp(argv[i], "--probe") == 0) { probe(); continue; }
    int H, G, d, T;
    char dtype[8];
    if (std::sscanf(argv[i], "%d,%d,%d,%d,%7s", &H, &G, &d, &T, dtype) != 5) {
      std::fprintf(stderr, "usage: native_bench [--reps N] [--probe] H,G,d,T,dtype ...\n");
      return 2;
    }
    if (int rc = run(H, G, d, T, dtype, reps)) return rc;
    std::fflush(stdout);
  }
  return 0;
}
