// reference.h - float64 attention written independently of the kernels, plus test helpers.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace ref {

/// Deterministic test data: uniform in [-amp, amp].
inline std::vector<float> random_vec(size_t n, uint32_t seed, float amp = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-amp, amp);
  std::vector<float> x(n);
  for (auto& e : x) e = dist(rng);
  return x;
}

struct Result {
  std::vector<double> out;      // (tq, H, d)
  std::vector<double> weights;  // (H, tq, tk), 0 where masked
  std::vector<double> scores;   // (H, tq, tk), -inf where masked
  std::vector<double> tol;      // (tq, H): float32 error budget per output row
};

/// Grouped attention in double. Query head h uses K/V head h / (H / G). Query i sits at
/// position i + tk - tq; causal hides keys after it, a window hides keys window or more before it.
inline Result attention(int tq, int tk, int H, int G, int d, const float* q, const float* k, const float* v,
                        bool causal, int window, double scale) {
  Result r;
  r.out.assign(size_t(tq) * H * d, 0.0);
  r.weights.assign(size_t(H) * tq * tk, 0.0);
  r.scores.assign(size_t(H) * tq * tk, -INFINITY);
  r.tol.assign(size_t(tq) * H, 0.0);
  const int group = H / G;
  const double eps = std::ldexp(1.0, -24);
  for (int h = 0; h < H; ++h) {
    const int g = h / group;
    for (int i = 0; i < tq; ++i) {
      const int pos = i + tk - tq;
      std::vector<double> s(tk, -INFINITY);
      double mx = -INFINITY, smag = 0.0, vmax = 0.0;
      for (int j = 0; j < tk; ++j) {
        const bool visible = (!causal || j <= pos) && (window <= 0 || j > pos - window);
        if (!visible) continue;
        double dot = 0.0, mag = 0.0;
        for (int c = 0; c < d; ++c) {
          const double a = q[(size_t(i) * H + h) * d + c], b = k[(size_t(j) * G + g) * d + c];
          dot += a * b;
          mag += std::fabs(a * b);
        }
        s[j] = dot * scale;
        mx = std::max(mx, s[j]);
        smag = std::max(smag, mag * std::fabs(scale));
        for (int c = 0; c < d; ++c) vmax = std::max(vmax, std::fabs(double(v[(size_t(j) * G + g) * d + c])));
      }
      double sum = 0.0;
      for (int j = 0; j < tk; ++j) sum += std::isinf(s[j]) ? 0.0 : std::exp(s[j] - mx);
      for (int j = 0; j < tk; ++j) {
        const double w = std::isinf(s[j]) ? 0.0 : std::exp(s[j] - mx) / sum;
        r.scores[(size_t(h) * tq + i) * tk + j] = s[j];
        r.weights[(size_t(h) * tq + i) * tk + j] = w;
        for (int c = 0; c < d; ++c) r.out[(size_t(i) * H + h) * d + c] += w * v[(size_t(j) * G + g) * d + c];
      }
      // float32 error budget: a score is off by ~eps*sqrt(d)*smag, which moves the output by
      // about twice that times max|v|; the weighted sum adds ~eps*sqrt(tk)*max|v|.
      r.tol[size_t(i) * H + h] = vmax * eps * (8.0 * std::sqrt(double(d)) * (smag + 1.0) + 8.0 * std::sqrt(double(tk)) + 16.0);
    }
  }
  return r;
}

/// max over elements of |got - want| / tol(row); <= 1 passes. Rows are groups of d elements.
inline double worst_ratio(const float* got, const std::vector<double>& want, const std::vector<double>& tol, int d) {
  double worst = 0.0;
  for (size_t e = 0; e < want.size(); ++e) {
    const double t = tol[e / d] > 0 ? tol[e / d] : 1e-30;
    worst = std::max(worst, std::fabs(double(got[e]) - want[e]) / t);
  }
  return worst;
}

}  // namespace ref
