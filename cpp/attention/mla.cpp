// mla.cpp - multi-head latent attention, explicit and absorbed (see mla.h).
#include "attention/mla.h"

#include <Eigen/Core>
#include <cmath>

#include "attention/attention.h"
#include "attention/half.h"
#include "attention/kv_store.h"
#include "attention/softmax.h"

namespace gqa {

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMat = Eigen::Map<const RowMat>;
using ConstStrided = Eigen::Map<const RowMat, 0, Eigen::OuterStride<>>;
using Mat = Eigen::Map<RowMat>;
using Strided = Eigen::Map<RowMat, 0, Eigen::OuterStride<>>;
using ConstVec = Eigen::Map<const Eigen::VectorXf>;
using Vec = Eigen::Map<Eigen::VectorXf>;

float mla_scale(const MlaShape& s, const MlaOptions& o) {
  return o.has_scale ? o.scale : float(1.0 / std::sqrt(double(s.qk_nope_head_dim + s.qk_rope_head_dim)));
}

/// The query-side widths and heads (shared by mla_attention and MlaCache::attend).
Status validate_query(const MlaShape& s) {
  GQA_RETURN_IF_ERROR(check_range("nHeads", s.n_heads, 1, kMaxHeads));
  GQA_RETURN_IF_ERROR(check_range("qkNopeHeadDim", s.qk_nope_head_dim, 1, kMaxHeadDim));
  GQA_RETURN_IF_ERROR(check_range("vHeadDim", s.v_head_dim, 1, kMaxHeadDim));
  return Status::ok();
}

/// The cached row's widths: r, dr, and r + dr (the decode kernel's row).
Status validate_latent(int64_t r, int64_t dr) {
  GQA_RETURN_IF_ERROR(check_range("kvLoraRank", r, 1, kMaxHeadDim));
  GQA_RETURN_IF_ERROR(check_range("qkRopeHeadDim", dr, 1, kMaxHeadDim));
  return check_range("kvLoraRank + qkRopeHeadDim", r + dr, 2, kMaxHeadDim);
}

Status check_output(const float* out, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    if (!is_finite(out[i])) {
      return Status::error(StatusCode::kOverflow, "MLA output[%llu] overflows float32", (unsigned long long)i);
    }
  }
  return Status::ok();
}

/// The explicit path: every head's keys and values rebuilt from the latents, then attention.
Status mla_explicit(const MlaShape& s, const MlaOptions& o, const float* q_nope, const float* q_rope,
                    const float* latent, const float* k_rope, const float* w_uk, const float* w_uv, float* out) {
  const int64_t tq = s.tq, tk = s.tk, H = s.n_heads, r = s.kv_lora_rank, dr = s.qk_rope_head_dim,
                dn = s.qk_nope_head_dim, dv = s.v_head_dim;
  const float scale = mla_scale(s, o);
  Buffer<float> kn, v, p;
  GQA_RETURN_IF_ERROR(kn.allocate(uint64_t(tk) * uint64_t(dn), "the rebuilt keys of one head"));
  GQA_RETURN_IF_ERROR(v.allocate(uint64_t(tk) * uint64_t(dv), "the rebuilt values of one head"));
  GQA_RETURN_IF_ERROR(p.allocate(uint64_t(tq) * uint64_t(tk), "the attention weights of one head"));
  const ConstMat C(latent, tk, r);    // (tk, r)
  const ConstMat Kr(k_rope, tk, dr);  // (tk, dr)
  for (int64_t h = 0; h < H; ++h) {
    const ConstMat Wuk(w_uk + h * dn * r, dn, r);  // (dn, r)
    const ConstMat Wuv(w_uv + h * dv * r, dv, r);  // (dv, r)
    Mat Kn(kn.data(), tk, dn), V(v.data(), tk, dv), P(p.data(), tq, tk);
    // pass 1: this head's keys and values, kn[t] = Wuk·c[t], v[t] = Wuv·c[t]
    Kn.noalias() = C * Wuk.transpose();
    V.noalias() = C * Wuv.transpose();
    // pass 2: scores (qn·kn + qr·kr)·scale
    const ConstStrided Qn(q_nope + h * dn, tq, dn, Eigen::OuterStride<>(H * dn));  // (tq, dn)
    const ConstStrided Qr(q_rope + h * dr, tq, dr, Eigen::OuterStride<>(H * dr));  // (tq, dr)
    P.noalias() = (Qn * Kn.transpose() + Qr * Kr.transpose()) * scale;
    // pass 3: mask and softmax, row by row
    for (int64_t i = 0; i < tq; ++i) {
      float* row = p.data() + i * tk;
      for (int64_t j = 0; j < tk; ++j) {
        if (!is_finite(row[j])) {
          return Status::error(StatusCode::kOverflow,
                               "MLA score (head %lld, query %lld, key %lld) overflows float32", (long long)h,
                               (long long)i, (long long)j);
        }
      }
      int64_t lo, hi;
      visible_keys(i, tq, tk, o.causal, 0, &lo, &hi);
      for (int64_t j = 0; j < lo; ++j) row[j] = -INFINITY;
      for (int64_t j = hi; j < tk; ++j) row[j] = -INFINITY;
      softmax_row(row, tk, row);
    }
    // pass 4: o[h] = P · V
    Strided O(out + h * dv, tq, dv, Eigen::OuterStride<>(H * dv));
    O.noalias() = P * V;
  }
  return check_output(out, uint64_t(tq) * uint64_t(H) * uint64_t(dv));
}

/// The absorbed path over cached rows [c | kr] (rows.d = r + dr): per query row, q̃ = Wukᵀ·qn for
/// every head, one MQA decode over the rows (the decode kernel), then o = Wuv·õ.
Status mla_absorbed(const MlaShape& s, float scale, bool causal, Isa isa, const float* q_nope,
                    const float* q_rope, const KvHeadView& rows, const float* w_uk, const float* w_uv, float* out) {
  const int64_t tq = s.tq, tk = s.tk, H = s.n_heads, r = s.kv_lora_rank, dr = s.qk_rope_head_dim,
                dn = s.qk_nope_head_dim, dv = s.v_head_dim, w = r + dr;
  Buffer<float> qt, ot, scratch;
  GQA_RETURN_IF_ERROR(qt.allocate(uint64_t(H) * uint64_t(w), "the absorbed queries"));
  GQA_RETURN_IF_ERROR(ot.allocate(uint64_t(H) * uint64_t(w), "the latent outputs"));
  GQA_RETURN_IF_ERROR(scratch.allocate(decode_scratch_floats(int(H), int(w), rows.dtype), "the decode scratch"));
  for (int64_t i = 0; i < tq; ++i) {
    // pass 1: absorb Wuk into each head's query: [q̃[h] | qr[h]] (H, r + dr)
    for (int64_t h = 0; h < H; ++h) {
      const ConstMat Wuk(w_uk + h * dn * r, dn, r);
      Vec(qt.data() + h * w, r).noalias() = Wuk.transpose() * ConstVec(q_nope + (i * H + h) * dn, dn);
      Vec(qt.data() + h * w + r, dr) = ConstVec(q_rope + (i * H + h) * dr, dr);
    }
    // pass 2: every head over the same rows, keys and values alike: õ[h] in ot[h][0, r)
    int64_t lo, hi;
    visible_keys(i, tq, tk, causal, 0, &lo, &hi);
    GQA_RETURN_IF_ERROR(decode_group(isa, qt.data(), int(H), rows, lo, hi, scale, ot.data(), scratch.data()));
    // pass 3: o[h] = Wuv[h]·õ[h]
    for (int64_t h = 0; h < H; ++h) {
      const ConstMat Wuv(w_uv + h * dv * r, dv, r);
      Vec(out + (i * H + h) * dv, dv).noalias() = Wuv * ConstVec(ot.data() + h * w, r);
    }
  }
  return check_output(out, uint64_t(tq) * uint64_t(H) * uint64_t(dv));
}

/// Every query-side input finite (the core never lets NaN or Infinity in).
Status check_queries(const MlaShape& s, const float* q_nope, const float* q_rope, const float* w_uk,
                     const float* w_uv) {
  const uint64_t rows = uint64_t(s.tq) * uint64_t(s.n_heads), H = uint64_t(s.n_heads), r = uint64_t(s.kv_lora_rank);
  GQA_RETURN_IF_ERROR(check_finite(q_nope, rows * uint64_t(s.qk_nope_head_dim), "qNope"));
  GQA_RETURN_IF_ERROR(check_finite(q_rope, rows * uint64_t(s.qk_rope_head_dim), "qRope"));
  GQA_RETURN_IF_ERROR(check_finite(w_uk, H * uint64_t(s.qk_nope_head_dim) * r, "wUk"));
  return check_finite(w_uv, H * uint64_t(s.v_head_dim) * r, "wUv");
}

}  // namespace

Status validate_mla(const MlaShape& s, const MlaOptions& o) {
  GQA_RETURN_IF_ERROR(validate_query(s));
  GQA_RETURN_IF_ERROR(validate_latent(s.kv_lora_rank, s.qk_rope_head_dim));
  GQA_RETURN_IF_ERROR(validate_tokens(s.tq, s.tk, o.causal));
  if (o.has_scale && !is_finite(o.scale)) {
    return Status::error(StatusCode::kOutOfRange, "scale (%s) must be a finite number", js_nonfinite(o.scale));
  }
  return Status::ok();
}

Status mla_attention(const MlaShape& s, const MlaOptions& o, Isa isa, const float* q_nope, const float* q_rope,
                     const float* latent, const float* k_rope, const float* w_uk, const float* w_uv, float* out) {
  GQA_RETURN_IF_ERROR(validate_mla(s, o));
  GQA_RETURN_IF_ERROR(check_queries(s, q_nope, q_rope, w_uk, w_uv));
  GQA_RETURN_IF_ERROR(check_finite(latent, uint64_t(s.tk) * uint64_t(s.kv_lora_rank), "latent"));
  GQA_RETURN_IF_ERROR(check_finite(k_rope, uint64_t(s.tk) * uint64_t(s.qk_rope_head_dim), "kRope"));
  if (!o.absorb) return mla_explicit(s, o, q_nope, q_rope, latent, k_rope, w_uk, w_uv, out);
  // the rows the cache would hold, [c | kr] (tk, r + dr) in f32
  const int64_t r = s.kv_lora_rank, dr = s.qk_rope_head_dim, w = r + dr;
  Buffer<float> rows;
  GQA_RETURN_IF_ERROR(rows.allocate(uint64_t(s.tk) * uint64_t(w), "the latent rows"));
  Mat(rows.data(), s.tk, w).leftCols(r) = ConstMat(latent, s.tk, r);
  Mat(rows.data(), s.tk, w).rightCols(dr) = ConstMat(k_rope, s.tk, dr);
  KvHeadView view;
  view.dtype = Dtype::kF32;
  view.d = int(w);
  view.k = view.v = rows.data();
  return mla_absorbed(s, mla_scale(s, o), o.causal, isa, q_nope, q_rope, view, w_uk, w_uv, out);
}

Status MlaCache::init(const MlaCacheConfig& c) {
  GQA_RETURN_IF_ERROR(validate_latent(c.kv_lora_rank, c.qk_rope_head_dim));
  GQA_RETURN_IF_ERROR(check_range("capacity", c.capacity, 1, kMaxTokens));
  if (c.dtype != Dtype::kF32 && c.dtype != Dtype::kF16) {
    return Status::error(StatusCode::kOutOfRange, "dtype ('%s') must be 'f32' or 'f16' for an MLA cache",
                         dtype_name(c.dtype));
  }
  uint64_t bytes = 0;
  if (!checked_mul(uint64_t(c.capacity), uint64_t(c.kv_lora_rank + c.qk_rope_head_dim) * dtype_bytes(c.dtype),
                   &bytes)) {
    return Status::error(StatusCode::kOverBudget, "the MLA cache size overflows 64 bits");
  }
  Buffer<uint8_t> rows;
  GQA_RETURN_IF_ERROR(rows.allocate(bytes, "the MLA cache"));
  cfg_ = c;
  length_ = 0;
  bytes_ = bytes;
  rows_ = std::move(rows);
  return Status::ok();
}

Status MlaCache::append(const float* latent, const float* k_rope, int64_t n) {
  if (cfg_.capacity == 0) return Status::error(StatusCode::kInvalidArgument, "the MLA cache is not initialised");
  if (n < 1) return Status::error(StatusCode::kOutOfRange, "n (%lld) must be at least 1 token", (long long)n);
  if (n > cfg_.capacity - length_) {
    return Status::error(StatusCode::kOutOfRange,
                         "appending %lld tokens to a cache holding %lld would exceed its capacity (%lld)",
                         (long long)n, (long long)length_, (long long)cfg_.capacity);
  }
  const int64_t r = cfg_.kv_lora_rank, dr = cfg_.qk_rope_head_dim, w = r + dr;
  GQA_RETURN_IF_ERROR(check_storable(cfg_.dtype, latent, uint64_t(n) * uint64_t(r), "latent"));
  GQA_RETURN_IF_ERROR(check_storable(cfg_.dtype, k_rope, uint64_t(n) * uint64_t(dr), "kRope"));
  const uint64_t row_bytes = uint64_t(w) * dtype_bytes(cfg_.dtype);
  for (int64_t t = 0; t < n; ++t) {
    uint8_t* row = rows_.data() + uint64_t(length_ + t) * row_bytes;  // [c | kr]
    encode_row(cfg_.dtype, row, latent + t * r, r);
    encode_row(cfg_.dtype, row + uint64_t(r) * dtype_bytes(cfg_.dtype), k_rope + t * dr, dr);
  }
  length_ += n;
  return Status::ok();
}

Status MlaCache::attend(const MlaShape& q, const MlaOptions& o, Isa isa, const float* q_nope, const float* q_rope,
                        const float* w_uk, const float* w_uv, float* out) const {
  if (cfg_.capacity == 0) return Status::error(StatusCode::kInvalidArgument, "the MLA cache is not initialised");
  if (length_ == 0) return Status::error(StatusCode::kOutOfRange, "the MLA cache is empty: append tokens before attend");
  MlaShape s = q;
  s.tk = length_;
  s.kv_lora_rank = cfg_.kv_lora_rank;
  s.qk_rope_head_dim = cfg_.qk_rope_head_dim;
  GQA_RETURN_IF_ERROR(validate_query(s));
  if (s.tq < 1 || s.tq > length_) {
    return Status::error(StatusCode::kOutOfRange,
                         "tq (%lld) must be from 1 to the cache length (%lld): the queries are those of the last "
                         "tq appended tokens", (long long)s.tq, (long long)length_);
  }
  MlaOptions causal = o;
  causal.causal = true;
  GQA_RETURN_IF_ERROR(validate_mla(s, causal));
  GQA_RETURN_IF_ERROR(check_queries(s, q_nope, q_rope, w_uk, w_uv));
  KvHeadView view;
  view.dtype = cfg_.dtype;
  view.d = int(cfg_.kv_lora_rank + cfg_.qk_rope_head_dim);
  view.k = view.v = rows_.data();
  return mla_absorbed(s, mla_scale(s, o), true, isa, q_nope, q_rope, view, w_uk, w_uv, out);
}

}  // namespace gqa
