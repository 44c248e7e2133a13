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
/// sinks (H,) or nullptr: head h's softmax gets one more logit sinks[h] with no value, so
/// w_j = e^(s_j − M) / (Σ_k e^(s_k − M) + e^(sink − M)) with M the max over the scores and the sink.
inline Result attention(int tq, int tk, int H, int G, int d, const float* q, const float* k, const float* v,
                        bool causal, int window, double scale, const float* sinks = nullptr) {
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
      const double top = sinks ? std::max(mx, double(sinks[h])) : mx;
      double sum = sinks ? std::exp(double(sinks[h]) - top) : 0.0;
      for (int j = 0; j < tk; ++j) sum += std::isinf(s[j]) ? 0.0 : std::exp(s[j] - top);
      for (int j = 0; j < tk; ++j) {
        const double w = std::isinf(s[j]) ? 0.0 : std::exp(s[j] - top) / sum;
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

struct MlaResult {
  std::vector<double> out;  // (tq, H, dv)
  std::vector<double> tol;  // (tq, H): float32 error budget per output row
};

/// Multi-head latent attention in double, the explicit formula (mla.h): every head's keys and
/// values rebuilt from the latents, then softmax attention with a bottom-right causal mask.
inline MlaResult mla(int tq, int tk, int H, int r, int dr, int dn, int dv, const float* qn, const float* qr,
                     const float* c, const float* kr, const float* wuk, const float* wuv, bool causal, double scale) {
  MlaResult res;
  res.out.assign(size_t(tq) * H * dv, 0.0);
  res.tol.assign(size_t(tq) * H, 0.0);
  const double eps = std::ldexp(1.0, -24);
  std::vector<double> kn(size_t(tk) * dn), v(size_t(tk) * dv), s(tk);
  for (int h = 0; h < H; ++h) {
    double vmax = 0.0;
    for (int t = 0; t < tk; ++t) {
      for (int a = 0; a < dn; ++a) {
        double x = 0.0;
        for (int b = 0; b < r; ++b) x += double(wuk[(size_t(h) * dn + a) * r + b]) * c[size_t(t) * r + b];
        kn[size_t(t) * dn + a] = x;
      }
      for (int a = 0; a < dv; ++a) {
        double x = 0.0;
        for (int b = 0; b < r; ++b) x += double(wuv[(size_t(h) * dv + a) * r + b]) * c[size_t(t) * r + b];
        v[size_t(t) * dv + a] = x;
        vmax = std::max(vmax, std::fabs(x));
      }
    }
    for (int i = 0; i < tq; ++i) {
      const int pos = i + tk - tq;
      double mx = -INFINITY, smag = 0.0;
      for (int t = 0; t < tk; ++t) {
        s[t] = -INFINITY;
        if (causal && t > pos) continue;
        double dot = 0.0, mag = 0.0;
        for (int a = 0; a < dn; ++a) {
          const double x = qn[(size_t(i) * H + h) * dn + a] * kn[size_t(t) * dn + a];
          dot += x;
          mag += std::fabs(x);
        }
        for (int a = 0; a < dr; ++a) {
          const double x = double(qr[(size_t(i) * H + h) * dr + a]) * kr[size_t(t) * dr + a];
          dot += x;
          mag += std::fabs(x);
        }
        s[t] = dot * scale;
        mx = std::max(mx, s[t]);
        smag = std::max(smag, mag * std::fabs(scale));
      }
      double sum = 0.0;
      for (int t = 0; t < tk; ++t) sum += std::isinf(s[t]) ? 0.0 : std::exp(s[t] - mx);
      for (int t = 0; t < tk; ++t) {
        if (std::isinf(s[t])) continue;
        const double w = std::exp(s[t] - mx) / sum;
        for (int a = 0; a < dv; ++a) res.out[(size_t(i) * H + h) * dv + a] += w * v[size_t(t) * dv + a];
      }
      // as attention()'s budget, with each score and value a sum of r more products (the
      // up-projections, or the absorbed query and the latent output): sqrt(r) more rounding
      const double width = std::sqrt(double(dn + dr)) + std::sqrt(double(r));
      res.tol[size_t(i) * H + h] =
          vmax * eps * (8.0 * width * std::sqrt(double(r)) * (smag + 1.0) + 8.0 * std::sqrt(double(tk)) + 16.0);
    }
  }
  return res;
}

}  // namespace ref
