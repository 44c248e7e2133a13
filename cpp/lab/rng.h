// rng.h - a small deterministic random source for the quality lab (conversion, training data,
// initialisation). SplitMix64: the same seed gives the same stream on every platform, which
// std::mt19937's distributions do not promise. Floating-point draws are made in double.
#pragma once

#include <cmath>
#include <cstdint>

namespace gqa {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  /// A stream of its own for (seed, stream): different streams do not overlap in practice.
  Rng(uint64_t seed, uint64_t stream) : state_(seed) { state_ = next() ^ (stream * 0xd1b54a32d192ed03ULL); }

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1), 53 random bits.
  double uniform() { return double(next() >> 11) * 0x1p-53; }
  /// Uniform in [-bound, bound).
  double uniform(double bound) { return (2.0 * uniform() - 1.0) * bound; }
  /// Standard normal (Box-Muller; one of the pair is used).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  /// Uniform integer in [0, n) for 1 <= n <= 2^32 (multiply-shift of 32 random bits; the bias is
  /// below n / 2^32, far under anything the experiments can see).
  uint64_t below(uint64_t n) { return ((next() >> 32) * n) >> 32; }

 private:
  uint64_t state_;
};

}  // namespace gqa
