// conversion.cpp - MHA → GQA checkpoint conversion and the conversion-error experiment.
#include "lab/conversion.h"

#include <Eigen/Core>
#include <cmath>
#include <cstring>

#include "attention/attention.h"
#include "base/memory_budget.h"
#include "lab/rng.h"

namespace gqa {

namespace {
constexpr const char* kMethodNames[kConvertMethodCount] = {"mean", "first", "random"};
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}  // namespace

bool parse_convert_method(const char* s, ConvertMethod* m) {
  for (int i = 0; i < kConvertMethodCount; ++i) {
    if (std::strcmp(s, kMethodNames[i]) == 0) {
      *m = ConvertMethod(i);
      return true;
    }
  }
  return false;
}

const char* convert_method_name(ConvertMethod m) { return kMethodNames[int(m)]; }

Status validate_convert(const ConvertShape& s) {
  GQA_RETURN_IF_ERROR(validate_heads(s.n_heads, s.n_kv_heads, s.head_dim));
  GQA_RETURN_IF_ERROR(check_range("dModel", s.d_model, 1, kMaxDModel));
  uint64_t n = 0;
  if (!checked_mul(uint64_t(s.n_heads) * uint64_t(s.head_dim), uint64_t(s.d_model), &n) || !checked_mul(n, 4, &n)) {
    return Status::error(StatusCode::kOverBudget, "the projection (nHeads·headDim·dModel) overflows 64 bits");
  }
  return check_budget(n, "the projection weights (nHeads·headDim·dModel floats)");
}

template <class T>
void convert_projection(const ConvertShape& s, ConvertMethod m, uint64_t rng_seed, const T* in, T* out) {
  const int64_t group = s.n_heads / s.n_kv_heads;     // query heads per K/V head
  const int64_t row = s.d_model;                      // one output feature = D weights
  const int64_t head = s.head_dim * row;              // one head's block of rows
  switch (m) {
    case ConvertMethod::kMean:
      if (group == 1) {  // the mean of one head is that head, bit for bit (-0 and NaN payloads too)
        std::memcpy(out, in, sizeof(T) * size_t(s.n_kv_heads * head));
        break;
      }
      for (int64_t g = 0; g < s.n_kv_heads; ++g) {
        for (int64_t e = 0; e < head; ++e) {
          double sum = double(in[g * group * head + e]);  // from the first head: -0 averages to -0
          for (int64_t j = 1; j < group; ++j) sum += double(in[(g * group + j) * head + e]);
          out[g * head + e] = T(sum / double(group));
        }
      }
      break;
    case ConvertMethod::kFirst:
      for (int64_t g = 0; g < s.n_kv_heads; ++g) {
        std::memcpy(out + g * head, in + g * group * head, sizeof(T) * size_t(head));
      }
      break;
    case ConvertMethod::kRandom: {
      Rng rng(rng_seed);
      const double bound = 1.0 / std::sqrt(double(s.d_model));
      for (int64_t e = 0; e < s.n_kv_heads * head; ++e) out[e] = T(rng.uniform(bound));
      break;
    }
  }
}

template void convert_projection<float>(const ConvertShape&, ConvertMethod, uint64_t, const float*, float*);
template void convert_projection<double>(const ConvertShape&, ConvertMethod, uint64_t, const double*, double*);

// ---- the conversion-error experiment -----------------------------------------------------------

namespace {

/// (rows, D) with entries N(0, 1/D).
RowMat gaussian(int64_t rows, int64_t d_model, Rng* rng) {
  RowMat m(rows, d_model);
  const double sd = 1.0 / std::sqrt(double(d_model));
  for (int64_t i = 0; i < m.size(); ++i) m.data()[i] = float(rng->normal() * sd);
  return m;
}

/// (H·d, D): per head sqrt(s)·B + sqrt(1-s)·N_h, B shared by all heads.
RowMat similar_heads(const ConversionExperiment& e, Rng* rng) {
  const RowMat base = gaussian(e.head_dim, e.d_model, rng);
  RowMat w = gaussian(e.n_heads * e.head_dim, e.d_model, rng);
  const float a = float(std::sqrt(e.similarity)), b = float(std::sqrt(1.0 - e.similarity));
  for (int64_t h = 0; h < e.n_heads; ++h) {
    w.middleRows(h * e.head_dim, e.head_dim) = a * base + b * w.middleRows(h * e.head_dim, e.head_dim);
  }
  return w;
}

}  // namespace

Status conversion_error(const ConversionExperiment& e, std::vector<ConversionPoint>* points) {
  GQA_RETURN_IF_ERROR(check_range("nHeads", e.n_heads, 1, kMaxExperimentHeads));
  GQA_RETURN_IF_ERROR(check_range("headDim", e.head_dim, 1, kMaxExperimentHeadDim));
  GQA_RETURN_IF_ERROR(validate_convert({e.d_model, e.n_heads, e.head_dim, 1}));
  GQA_RETURN_IF_ERROR(check_range("seqLen", e.seq_len, 1, kMaxSeqLen));
  GQA_RETURN_IF_ERROR(check_range("samples", e.samples, 1, kMaxSamples));
  if (!(e.similarity >= 0.0 && e.similarity <= 1.0)) {
    return Status::error(StatusCode::kOutOfRange, "similarity (%g) must be a number from 0 to 1", e.similarity);
  }
  // Weights (3 projections), one sequence's inputs and outputs, and the attention scratch.
  const uint64_t hd = uint64_t(e.n_heads) * e.head_dim;
  const uint64_t floats = 3 * hd * e.d_model + uint64_t(e.seq_len) * (e.d_model + 6 * hd) +
                          uint64_t(e.n_heads) * e.seq_len * e.seq_len;
  GQA_RETURN_IF_ERROR(check_budget(floats * 4, "the conversion experiment"));

  Rng rng(e.seed, 0);
  const RowMat wq = gaussian(int64_t(hd), e.d_model, &rng);
  const RowMat wk = similar_heads(e, &rng);
  const RowMat wv = similar_heads(e, &rng);
  Rng data(e.seed, 1);
  std::vector<RowMat> xs;
  for (int64_t i = 0; i < e.samples; ++i) {
    RowMat x(e.seq_len, e.d_model);
    for (int64_t j = 0; j < x.size(); ++j) x.data()[j] = float(data.normal());
    xs.push_back(std::move(x));
  }

  AttentionOptions causal;
  causal.causal = true;
  // out (T, H·d) = attention(x Wqᵀ, x Wkᵀ, x Wvᵀ) with G K/V heads
  auto attend = [&](const RowMat& x, const RowMat& k_proj, const RowMat& v_proj, int64_t g, RowMat* out) {
    const RowMat q = x * wq.transpose(), k = x * k_proj.transpose(), v = x * v_proj.transpose();
    out->resize(e.seq_len, int64_t(hd));
    return attention_prefill({e.seq_len, e.seq_len, e.n_heads, g, e.head_dim}, causal, q.data(), k.data(), v.data(),
                             out->data(), nullptr, nullptr);
  };
  std::vector<RowMat> reference(size_t(e.samples));
  double ref_sq = 0;
  for (int64_t i = 0; i < e.samples; ++i) {
    GQA_RETURN_IF_ERROR(attend(xs[i], wk, wv, e.n_heads, &reference[i]));
    ref_sq += reference[i].cast<double>().squaredNorm();
  }

  points->clear();
  for (int64_t g = 1; g <= e.n_heads; ++g) {
    if (e.n_heads % g != 0) continue;
    ConversionPoint p;
    p.n_kv_heads = g;
    const ConvertShape shape{e.d_model, e.n_heads, e.head_dim, g};
    for (int m = 0; m < 3; ++m) {
      RowMat ck(g * e.head_dim, e.d_model), cv(g * e.head_dim, e.d_model);
      const uint64_t seed = e.seed * 1000003u + uint64_t(g);
      convert_projection(shape, ConvertMethod(m), seed * 2, wk.data(), ck.data());
      convert_projection(shape, ConvertMethod(m), seed * 2 + 1, wv.data(), cv.data());
      double diff_sq = 0;
      RowMat out;
      for (int64_t i = 0; i < e.samples; ++i) {
        GQA_RETURN_IF_ERROR(attend(xs[i], ck, cv, g, &out));
        diff_sq += (out - reference[i]).cast<double>().squaredNorm();
      }
      p.error[m] = std::sqrt(diff_sq / ref_sq);
    }
    points->push_back(p);
  }
  return Status::ok();
}

}  // namespace gqa
