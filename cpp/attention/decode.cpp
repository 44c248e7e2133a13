// decode.cpp - the decode kernel's algorithm, written once over two sets of primitives:
// ScalarOps (the reference, decode_ops_scalar.h) and SimdOps (decode_ops_simd.h), in the manner
// of ggml's vec.h. Why each path is chosen, with the timings: docs/performance.md.
#include "attention/decode.h"

#include <cmath>
#include <type_traits>

#include "attention/decode_ops_scalar.h"
#include "attention/decode_ops_simd.h"
#include "attention/quantize.h"
#include "attention/softmax.h"

namespace gqa {

namespace {

/// The int16 query range for int8 keys of width d: every partial sum of d products
/// |q̂_i · k_i| <= qmax · 127 stays below 2^31, so the int32 lanes never wrap (32767 for d <= 516).
inline int32_t q_int16_max(int d) {
  const int64_t cap = int64_t(2147483647) / (int64_t(127) * d);
  return int32_t(cap < 32767 ? cap : 32767);
}

/// For int8 keys, once per call: qi (m, d) = each head's q as int16, q̂ = round(q / s_q) with
/// s_q = max|q| / qmax, and qs (m,) = scale · s_q. Then scale · q·k̂ is
/// float(Σ q̂·k_int8) · (qs · k_scale) up to |q_i - s_q q̂_i| <= s_q / 2 per element: the
/// score error scale · s_q / 2 · Σ|k̂| documented with the int8 tolerance (docs/architecture.md).
void quantise_q(int16_t* qi, float* qs, const float* q, int m, int d, float scale) {
  const int32_t qmax = q_int16_max(d);
  for (int h = 0; h < m; ++h) qs[h] = quantize_row_symmetric(qi + h * d, q + h * d, d, qmax, double(scale));
}

// [lesson:decode-kernel] (the page shows these lines, pulled from here at build time)
/// The kernel's buffers, carved in order from its scratch. One layout for two readers: the kernel
/// (P = float*: pointers from the scratch, int offsets) and decode_scratch_floats (P = uint64_t:
/// a count of floats from 0, in 64 bits so that no m, d overflows). mp: heads padded to fours;
/// d4: d padded to 4 lanes.
template <class P>
struct DecodeScratch {
  using I = std::conditional_t<std::is_pointer<P>::value, int, uint64_t>;
  P kf, vf, s, acc, mx, sum, qs, qp, qi, end;
  DecodeScratch(P base, int m, int d, Dtype dtype) {
    const I mp = (I(m) + 3) & ~I(3), d4 = (I(d) + 3) & ~I(3);
    kf = base;               // (B, d4)  current K block as f32, as Ops::stage_k_panels lays it out
    vf = kf + B * d4;        // (B, d)   current V block as f32
    s = vf + B * I(d);       // (mp, B)  scores, then unnormalised weights
    acc = s + mp * B;        // (m, d)   Σ weight · value, rescaled as the max moves
    mx = acc + I(m) * d;     // (m,)     running max score
    sum = mx + m;            // (m,)     running Σ exp(score - max)
    qs = sum + m;            // (m,)     int8 K: scale · s_q per head
    qp = qs + m;             // (mp, d4) q as Ops::pack_q lays it out
    qi = qp + mp * d4;       // (m, d)   int8 K: q quantised to int16, two to a float
    end = dtype == Dtype::kInt8 ? qi + (I(m) * d + 1) / 2 : qi;
  }
};

/// T: how the cache stores an element (float, uint16_t half, int8_t with a scale per row).
template <class Ops, class T>
Status decode_group_impl(const float* q, int m, const KvHeadView& kv, int64_t lo, int64_t hi, float scale,
                         float* out, float* scratch, float* row_max, float* row_sum) {
  constexpr bool kInt8 = std::is_same<T, int8_t>::value;
  constexpr Dtype kDtype = kInt8 ? Dtype::kInt8 : std::is_same<T, float>::value ? Dtype::kF32 : Dtype::kF16;
  const int d = kv.d;
  const T* kc = static_cast<const T*>(kv.k);  // (n, d) this KV head's keys as stored
  const T* vc = static_cast<const T*>(kv.v);  // (n, d) its values
  const DecodeScratch<float*> at(scratch, m, d, kDtype);
  float *kf = at.kf, *vf = at.vf, *s = at.s, *acc = at.acc, *mx = at.mx, *sum = at.sum, *qs = at.qs, *qp = at.qp;
  int16_t* qi = reinterpret_cast<int16_t*>(at.qi);
  for (int i = 0; i < m * d; ++i) acc[i] = 0.0f;
  for (int h = 0; h < m; ++h) { mx[h] = -INFINITY; sum[h] = 0.0f; }
  // MHA: one query head per KV head, nothing to share a staged block with. Its rows are used
  // straight from the cache, front to back: f32 and f16 one row at a time, int8 V four rows at a
  // time with the row scale folded into the weight.
  const bool one_head = m == 1;
  // Small groups score K straight from the cache too, four heads against one row at a time, and
  // stage each V row as its K row is scored; larger groups stage K as 4-key panels.
  constexpr int direct_heads = std::is_same<T, float>::value ? 8 : 4;
  if constexpr (kInt8) quantise_q(qi, qs, q, m, d, scale);
  const float* qg = kInt8 || one_head ? q : Ops::pack_q(qp, q, m, d);

  for (int64_t j0 = lo; j0 < hi; j0 += B) {
    const int nb = int(hi - j0 < B ? hi - j0 : B);
    // pass 1: scores of every head in the group against this key block (K read once; int8 keys
    // are used as stored, against the int16 q: i32x4.dot_i16x8_s), and a group's values staged
    // as f32 in vb (nb, d)
    const float* vb = nullptr;
    if constexpr (kInt8) {
      // a group's V rows are widened as the first head pair scores their K rows, as for f32 below
      Ops::scores_i8_2x4(s, qi, qs, m, kc + j0 * d, kv.k_scale + j0, nb, d,
                         [&](int j, int n) { block_f32<Ops>(vf + j * d, vc, kv.v_scale, j0 + j, n, d); });
      if (!one_head) vb = vf;
    } else if (one_head) {
      Ops::scores_direct_1x1(s, q, kc + j0 * d, nb, d, scale);
    } else if (m <= direct_heads) {
      // each V row is staged right after its K row is scored, so both stream from memory while
      // the heads compute (staged in one sweep after the scores, memory would idle meanwhile)
      const T* vrow = vc + j0 * d;
      float* vdst = vf;
      Ops::scores_direct_4x1(s, qg, m, kc + j0 * d, nb, d, scale, [&] {
        block_f32<Ops>(vdst, vrow, nullptr, 0, 1, d);
        vrow += d;
        vdst += d;
      });
      vb = vf;
    } else {
      Ops::scores_panel_2x4(s, qg, m, Ops::stage_k_panels(kf, kc, kv.k_scale, j0, nb, d), nb, d, scale);
      vb = block_f32<Ops>(vf, vc, kv.v_scale, j0, nb, d);
    }
    for (int h = 0; h < m; ++h) {
      float* sh = s + h * B;
      // pass 2: online softmax - new max, rescale what was accumulated under the old one
      float bm;
      if (!Ops::block_max(&bm, sh, nb)) {
        return Status::error(StatusCode::kOverflow,
                             "attention scores overflow float32 (query head %d of the group, keys %lld..%lld): "
                             "scale * |q|*|k| is too large", h, (long long)j0, (long long)(j0 + nb - 1));
      }
      if (bm > mx[h]) {
        const float alpha = std::exp(mx[h] - bm);  // 0 on the first block (mx = -inf)
        Ops::scale(acc + h * d, acc + h * d, d, alpha);
        sum[h] *= alpha;
        mx[h] = bm;
      }
      sum[h] += Ops::exp_shift(sh, nb, mx[h]);
      // pass 3 (MHA): accumulate the weighted values
      if (one_head) {
        if constexpr (kInt8) {
          Ops::accumulate_i8_1x4(acc + h * d, sh, vc + j0 * d, kv.v_scale + j0, nb, d);
        } else {
          Ops::accumulate_direct_1x1(acc + h * d, sh, vc + j0 * d, nb, d);
        }
      }
    }
    // pass 3 (a group of heads): accumulate the weighted values, the V block read once
    if (!one_head) Ops::accumulate_2x1(acc, s, m, vb, nb, d);
  }
  // pass 4: normalise (and hand out the softmax statistics when a merge will follow)
  for (int h = 0; h < m; ++h) Ops::scale(out + h * d, acc + h * d, d, 1.0f / sum[h]);
  if (row_max && row_sum) {
    for (int h = 0; h < m; ++h) { row_max[h] = mx[h]; row_sum[h] = sum[h]; }
  }
  for (int i = 0; i < m * d; ++i) {
    if (!is_finite(out[i])) {
      return Status::error(StatusCode::kOverflow, "attention output overflows float32 (element %d of the group)", i);
    }
  }
  return Status::ok();
}
// [/lesson:decode-kernel]

using Kernel = Status (*)(const float* q, int m, const KvHeadView& kv, int64_t lo, int64_t hi, float scale,
                          float* out, float* scratch, float* row_max, float* row_sum);
/// The kernel per ISA and cache dtype, called through this table rather than a switch: each
/// stays its own WebAssembly function. Inlined into one (binaryen inlines a function with one
/// caller, whatever its size), V8 kept loop accumulators and counters on the stack.
template <class Ops>
constexpr Kernel kKernels[3] = {decode_group_impl<Ops, float>, decode_group_impl<Ops, uint16_t>,
                                decode_group_impl<Ops, int8_t>};
static_assert(int(Dtype::kF32) == 0 && int(Dtype::kF16) == 1 && int(Dtype::kInt8) == 2, "kKernels order");

}  // namespace

bool simd_available() { return GQA_SIMD != 0; }

const char* isa_name(Isa isa) { return isa == Isa::kSimd ? GQA_SIMD_ISA : "scalar"; }

uint64_t decode_scratch_floats(int m, int d, Dtype dtype) { return DecodeScratch<uint64_t>(0, m, d, dtype).end; }

Status decode_group(Isa isa, const float* q, int m, const KvHeadView& kv, int64_t lo, int64_t hi, float scale,
                    float* out, float* scratch, float* row_max, float* row_sum) {
  if (lo >= hi) return Status::error(StatusCode::kOutOfRange, "decode_group: empty key range [%lld, %lld)",
                                     (long long)lo, (long long)hi);
  const int t = int(kv.dtype);
  if (t < 0 || t > 2) return Status::error(StatusCode::kInvalidArgument, "decode_group: unknown cache dtype %d", t);
#if GQA_SIMD
  if (isa == Isa::kSimd) return kKernels<SimdOps>[t](q, m, kv, lo, hi, scale, out, scratch, row_max, row_sum);
#endif
  return kKernels<ScalarOps>[t](q, m, kv, lo, hi, scale, out, scratch, row_max, row_sum);
}

}  // namespace gqa
