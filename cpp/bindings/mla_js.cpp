// mla_js.cpp - multi-head latent attention for JS (see mla_js.h).
#include "bindings/mla_js.h"

#include <iterator>

#include "attention/dtype.h"
#include "bindings/js_values.h"
#include "bindings/machine_js.h"
#include "bindings/sizing_js.h"

namespace gqa::js {

namespace {

/// The query side's element counts: qNope, qRope, wUk, wUv.
struct QueryCounts {
  uint64_t qn, qr, wuk, wuv;
  explicit QueryCounts(const MlaShape& s)
      : qn(uint64_t(s.tq) * s.n_heads * s.qk_nope_head_dim), qr(uint64_t(s.tq) * s.n_heads * s.qk_rope_head_dim),
        wuk(uint64_t(s.n_heads) * s.qk_nope_head_dim * s.kv_lora_rank),
        wuv(uint64_t(s.n_heads) * s.v_head_dim * s.kv_lora_rank) {}
};

/// The query side copied into the heap: { qn, qr, wuk, wuv }, or the Status saying why not.
struct QueryBuffers {
  Buffer<float> qn, qr, wuk, wuv;
  Status fill(const QueryCounts& n, const val& q_nope, const val& q_rope, const val& w_uk, const val& w_uv) {
    Status st;
    if (!(st = alloc(&qn, n.qn, "qNope")).is_ok() || !(st = alloc(&qr, n.qr, "qRope")).is_ok() ||
        !(st = alloc(&wuk, n.wuk, "wUk")).is_ok() || !(st = alloc(&wuv, n.wuv, "wUv")).is_ok()) {
      return st;
    }
    copy_in(q_nope, qn.data(), n.qn);
    copy_in(q_rope, qr.data(), n.qr);
    copy_in(w_uk, wuk.data(), n.wuk);
    copy_in(w_uv, wuv.data(), n.wuv);
    return Status::ok();
  }
};

/// The `dtype` option: one of kDtypes by name (the MLA cache then refuses int8, naming both).
Status parse_dtype(const std::string& dtype, Dtype* out) {
  return parse_choice("dtype", dtype, int(std::size(kDtypes)), [](int i) { return dtype_name(kDtypes[i]); }, out);
}

/// The shape from the JS face's doubles (checked there to be safe integers).
MlaShape shape_of(double tq, double tk, double n_heads, double r, double dr, double dn, double dv) {
  MlaShape s;
  s.tq = int64_t(tq);
  s.tk = int64_t(tk);
  s.n_heads = int64_t(n_heads);
  s.kv_lora_rank = int64_t(r);
  s.qk_rope_head_dim = int64_t(dr);
  s.qk_nope_head_dim = int64_t(dn);
  s.v_head_dim = int64_t(dv);
  return s;
}

}  // namespace

val mla_attention_js(const MlaArgs& a, val q_nope, val q_rope, val latent, val k_rope, val w_uk, val w_uv) {
  const MlaShape s = shape_of(a.tq, a.tk, a.nHeads, a.kvLoraRank, a.qkRopeHeadDim, a.qkNopeHeadDim, a.vHeadDim);
  MlaOptions o;
  o.causal = a.causal;
  o.has_scale = a.hasScale;
  o.scale = float(a.scale);
  o.absorb = a.absorb;
  Status st = validate_mla(s, o);
  if (!st.is_ok()) return error_value(st);
  const QueryCounts n(s);
  const uint64_t nc = uint64_t(s.tk) * s.kv_lora_rank, nkr = uint64_t(s.tk) * s.qk_rope_head_dim,
                 nout = uint64_t(s.tq) * s.n_heads * s.v_head_dim;
  QueryBuffers q;
  Buffer<float> c, kr, out;
  if (!(st = q.fill(n, q_nope, q_rope, w_uk, w_uv)).is_ok() || !(st = alloc(&c, nc, "latent")).is_ok() ||
      !(st = alloc(&kr, nkr, "kRope")).is_ok() || !(st = alloc(&out, nout, "the output")).is_ok()) {
    return error_value(st);
  }
  copy_in(latent, c.data(), nc);
  copy_in(k_rope, kr.data(), nkr);
  st = mla_attention(s, o, kIsa, q.qn.data(), q.qr.data(), c.data(), kr.data(), q.wuk.data(), q.wuv.data(), out.data());
  if (!st.is_ok()) return error_value(st);
  val r = val::object();
  r.set("out", copy_out(out.data(), nout));
  return r;
}

val validate_mla_widths_js(double n_heads, double kv_lora_rank, double qk_rope_head_dim, double qk_nope_head_dim,
                           double v_head_dim) {
  // the widths alone: the real call checks tq and tk
  const MlaShape s = shape_of(1, 1, n_heads, kv_lora_rank, qk_rope_head_dim, qk_nope_head_dim, v_head_dim);
  return status_value(validate_mla(s, MlaOptions{}));
}

val mla_decode_step_cost_js(double n_heads, double kv_lora_rank, double qk_rope_head_dim, double qk_nope_head_dim,
                            double v_head_dim, double tokens, const std::string& dtype) {
  const MlaShape s = shape_of(1, tokens, n_heads, kv_lora_rank, qk_rope_head_dim, qk_nope_head_dim, v_head_dim);
  Dtype t = Dtype::kF32;
  Status st = parse_dtype(dtype, &t);
  DecodeStepCost c;
  if (st.is_ok()) st = mla_decode_step_cost(s, t, &c);
  if (!st.is_ok()) return error_value(st);
  return step_cost_value(c);
}

val MlaCacheJs::init(const MlaCacheArgs& a) {
  MlaCacheConfig c{int64_t(a.kvLoraRank), int64_t(a.qkRopeHeadDim), int64_t(a.capacity), Dtype::kF32};
  Status st = parse_dtype(a.dtype, &c.dtype);
  if (st.is_ok()) st = cache_.init(c);
  return status_value(st);
}

val MlaCacheJs::append(val latent, val k_rope, double n) {
  const uint64_t nc = uint64_t(n) * cache_.kv_lora_rank(), nkr = uint64_t(n) * cache_.qk_rope_head_dim();
  Buffer<float> c, kr;
  const Status st = copy_pair_in(latent, nc, "latent", &c, k_rope, nkr, "kRope", &kr);
  if (!st.is_ok()) return error_value(st);
  return status_value(cache_.append(c.data(), kr.data(), int64_t(n)));
}

val MlaCacheJs::attend(val q_nope, val q_rope, val w_uk, val w_uv, const MlaAttendArgs& a) {
  const MlaShape s = shape_of(a.tq, double(cache_.length()), a.nHeads, double(cache_.kv_lora_rank()),
                             double(cache_.qk_rope_head_dim()), a.qkNopeHeadDim, a.vHeadDim);
  MlaOptions o;
  o.has_scale = a.hasScale;
  o.scale = float(a.scale);
  o.causal = true;
  // the core's refusals (empty cache, tq past the length, widths) before any buffer is sized
  Status st = s.tq >= 1 && s.tq <= s.tk ? validate_mla(s, o)
                                        : cache_.attend(s, o, kIsa, nullptr, nullptr, nullptr, nullptr, nullptr);
  if (!st.is_ok()) return error_value(st);
  const QueryCounts n(s);
  const uint64_t nout = uint64_t(s.tq) * s.n_heads * s.v_head_dim;
  QueryBuffers q;
  Buffer<float> out;
  if (!(st = q.fill(n, q_nope, q_rope, w_uk, w_uv)).is_ok() || !(st = alloc(&out, nout, "the output")).is_ok()) {
    return error_value(st);
  }
  st = cache_.attend(s, o, kIsa, q.qn.data(), q.qr.data(), q.wuk.data(), q.wuv.data(), out.data());
  if (!st.is_ok()) return error_value(st);
  return copy_out(out.data(), nout);
}

std::string MlaCacheJs::dtype() const { return dtype_name(cache_.dtype()); }

}  // namespace gqa::js
