// recall.cpp - the recall task's data, and the tiny model's forward and hand-written backward pass.
#include "lab/recall.h"

#include <algorithm>
#include <cmath>

#include "attention/attention.h"
#include "base/memory_budget.h"

namespace gqa {

namespace {
constexpr double kRmsEps = 1e-5;
}  // namespace

// ---- the task ------------------------------------------------------------------------------------

Status validate_recall_task(const RecallTask& t) {
  GQA_RETURN_IF_ERROR(check_range("keyVocab", t.key_vocab, 1, kMaxVocab));
  GQA_RETURN_IF_ERROR(check_range("valueVocab", t.value_vocab, 2, kMaxVocab));
  // the keys of a sequence are distinct, and each query asks for a distinct one of them
  GQA_RETURN_IF_ERROR(check_range("pairs", t.pairs, 1, std::min(t.key_vocab, kMaxPairs)));
  GQA_RETURN_IF_ERROR(check_range("queries", t.queries, 1, t.pairs));
  return Status::ok();
}

void make_recall_batch(const RecallTask& t, int64_t n_seq, Rng* rng, RecallBatch* out) {
  const int64_t S = t.seq_len();
  out->n_seq = n_seq;
  out->seq_len = S;
  out->first.resize(size_t(n_seq * S));
  out->second.resize(size_t(n_seq * S));
  out->target.assign(size_t(n_seq * S), -1);
  std::vector<int32_t> keys(size_t(t.key_vocab)), values(size_t(t.pairs)), order(size_t(t.pairs));
  const int32_t value_row = int32_t(t.key_vocab), marker_row = int32_t(t.key_vocab + t.value_vocab);
  for (int64_t s = 0; s < n_seq; ++s) {
    // P distinct keys: a partial Fisher-Yates shuffle of all keys; each gets a random value.
    for (int64_t i = 0; i < t.key_vocab; ++i) keys[i] = int32_t(i);
    for (int64_t i = 0; i < t.pairs; ++i) {
      std::swap(keys[i], keys[i + int64_t(rng->below(uint64_t(t.key_vocab - i)))]);
      values[i] = int32_t(rng->below(uint64_t(t.value_vocab)));
    }
    // Q distinct pairs to ask about, in random order.
    for (int64_t i = 0; i < t.pairs; ++i) order[i] = int32_t(i);
    for (int64_t i = 0; i < t.queries; ++i) std::swap(order[i], order[i + int64_t(rng->below(uint64_t(t.pairs - i)))]);
    const int64_t base = s * S;
    for (int64_t i = 0; i < t.pairs; ++i) {
      out->first[base + i] = keys[i];
      out->second[base + i] = value_row + values[i];
    }
    for (int64_t i = 0; i < t.queries; ++i) {
      const int64_t pos = base + t.pairs + i;
      out->first[pos] = keys[order[i]];
      out->second[pos] = marker_row;
      out->target[pos] = values[order[i]];
    }
  }
}

// ---- the model -----------------------------------------------------------------------------------

Status validate_recall_model(const RecallModelShape& m) {
  GQA_RETURN_IF_ERROR(check_range("dModel", m.d_model, 1, kMaxWidth));
  GQA_RETURN_IF_ERROR(validate_heads(m.n_heads, m.n_kv_heads, m.head_dim));
  GQA_RETURN_IF_ERROR(check_range("dFf", m.d_ff, 1, kMaxWidth));
  GQA_RETURN_IF_ERROR(check_range("vocab", m.vocab, 2, 3 * kMaxVocab));
  GQA_RETURN_IF_ERROR(check_range("valueVocab", m.n_out, 2, kMaxVocab));
  // Parameter count in 64 bits (each exact below 2^63 given the limits above).
  const uint64_t D = uint64_t(m.d_model), hd = uint64_t(m.n_heads * m.head_dim);
  const uint64_t n = uint64_t(m.vocab) * D + 3 * D + 2 * hd * D + 2 * uint64_t(m.n_kv_heads * m.head_dim) * D +
                     2 * uint64_t(m.d_ff) * D + uint64_t(m.d_ff) + D + uint64_t(m.n_out) * (D + 1);
  return check_budget(n * 4 * sizeof(double), "the model (parameters, gradients and Adam's two moments)");
}

template <class T>
std::array<std::pair<const char*, Matrix<T>*>, RecallParams<T>::kCount> RecallParams<T>::list() {
  return {{{"emb", &emb}, {"g1", &g1}, {"wq", &wq}, {"wk", &wk}, {"wv", &wv}, {"wo", &wo}, {"g2", &g2},
           {"w1", &w1}, {"b1", &b1}, {"w2", &w2}, {"b2", &b2}, {"g3", &g3}, {"wout", &wout}, {"bout", &bout}}};
}

template <class T>
void RecallParams<T>::resize(const RecallModelShape& m) {
  const int64_t D = m.d_model, hd = m.n_heads * m.head_dim, kvd = m.n_kv_heads * m.head_dim;
  emb.setZero(m.vocab, D);
  g1.setZero(1, D);
  wq.setZero(hd, D);
  wk.setZero(kvd, D);
  wv.setZero(kvd, D);
  wo.setZero(D, hd);
  g2.setZero(1, D);
  w1.setZero(m.d_ff, D);
  b1.setZero(1, m.d_ff);
  w2.setZero(D, m.d_ff);
  b2.setZero(1, D);
  g3.setZero(1, D);
  wout.setZero(m.n_out, D);
  bout.setZero(1, m.n_out);
}

template <class T>
void RecallParams<T>::init(const RecallModelShape& m, uint64_t seed) {
  resize(m);
  auto all = list();
  for (int i = 0; i < kCount; ++i) {
    const char* name = all[i].first;
    Matrix<T>& w = *all[i].second;
    Rng rng(seed, uint64_t(i) + 1);
    if (name[0] == 'g') {
      w.setOnes();
    } else if (name[0] == 'b') {
      w.setZero();
    } else if (w.data() == emb.data()) {
      for (int64_t j = 0; j < w.size(); ++j) w.data()[j] = T(rng.normal());
    } else {
      const double bound = 1.0 / std::sqrt(double(w.cols()));  // fan_in
      for (int64_t j = 0; j < w.size(); ++j) w.data()[j] = T(rng.uniform(bound));
    }
  }
}

template <class T>
int64_t RecallParams<T>::count() {
  int64_t n = 0;
  for (auto& e : list()) n += e.second->size();
  return n;
}

namespace {

/// y = x / rms(x) ⊙ g per row; inv_r[i] = 1 / sqrt(mean(x_i²) + eps).
template <class T>
void rms_forward(const Matrix<T>& x, const Matrix<T>& g, Matrix<T>* y, std::vector<T>* inv_r) {
  y->resize(x.rows(), x.cols());
  inv_r->resize(size_t(x.rows()));
  for (int64_t i = 0; i < x.rows(); ++i) {
    const T ir = T(1) / std::sqrt(x.row(i).squaredNorm() / T(x.cols()) + T(kRmsEps));
    (*inv_r)[i] = ir;
    y->row(i) = x.row(i).cwiseProduct(g) * ir;
  }
}

/// dx += ∂loss/∂x and dg += ∂loss/∂g for y = rmsnorm(x) ⊙ g, given dy:
///   x̂ = x·ir;  dg += dy ⊙ x̂;  dx += ir · (dy⊙g − x̂ · mean((dy⊙g) ⊙ x̂))
template <class T>
void rms_backward(const Matrix<T>& x, const Matrix<T>& g, const std::vector<T>& inv_r, const Matrix<T>& dy,
                  Matrix<T>* dx, Matrix<T>* dg) {
  for (int64_t i = 0; i < x.rows(); ++i) {
    const T ir = inv_r[size_t(i)];
    const auto xhat = x.row(i) * ir;
    const auto dxhat = dy.row(i).cwiseProduct(g);
    *dg += dy.row(i).cwiseProduct(xhat);
    const T mean = dxhat.cwiseProduct(xhat).sum() / T(x.cols());
    dx->row(i) += (dxhat - xhat * mean) * ir;
  }
}

}  // namespace

int64_t recall_answer_position(const RecallBatch& b, int64_t i) {
  const int64_t base = i - i % b.seq_len;
  for (int64_t j = base; j < i; ++j) {
    if (b.target[size_t(j)] < 0 && b.first[size_t(j)] == b.first[size_t(i)]) return j - base;
  }
  return -1;
}

template <class T>
RecallStats recall_forward_backward(const RecallModelShape& m, const RecallParams<T>& p, const RecallBatch& b,
                                    RecallParams<T>* grad, RecallTrace<T>* trace) {
  const int64_t S = b.seq_len, N = b.n_seq * S, d = m.head_dim, H = m.n_heads, D = m.d_model;
  const int64_t group = m.n_heads / m.n_kv_heads;
  const T scale = T(1) / std::sqrt(T(d));

  // Only the asked positions reach the loss, and with one block nothing after attention at other
  // positions reaches them: keys and values are computed for every token, everything from the
  // queries on only for the R asked rows (a third of the tokens in the default task).
  std::vector<int64_t> asked;                    // token index of each asked row
  std::vector<int64_t> first_row(size_t(b.n_seq + 1));  // sequence s owns rows first_row[s] ..
  for (int64_t s = 0; s < b.n_seq; ++s) {
    first_row[size_t(s)] = int64_t(asked.size());
    for (int64_t i = 0; i < S; ++i) {
      if (b.target[size_t(s * S + i)] >= 0) asked.push_back(s * S + i);
    }
  }
  const int64_t R = int64_t(asked.size());
  first_row[size_t(b.n_seq)] = R;
  std::vector<int64_t> answer(static_cast<size_t>(R));  // position in its sequence of the pair each row asks for
  for (int64_t r = 0; r < R; ++r) answer[size_t(r)] = recall_answer_position(b, asked[size_t(r)]);
  int64_t key_hits = 0;
  auto gather = [&](const Matrix<T>& all) {  // (N, c) -> (R, c)
    Matrix<T> rows(R, all.cols());
    for (int64_t r = 0; r < R; ++r) rows.row(r) = all.row(asked[size_t(r)]);
    return rows;
  };

  // ---- forward
  Matrix<T> x0(N, D);  // (N, D)
  for (int64_t t = 0; t < N; ++t) x0.row(t) = p.emb.row(b.first[t]) + p.emb.row(b.second[t]);
  Matrix<T> u1, u2, u3;
  std::vector<T> ir1, ir2, ir3;
  rms_forward(x0, p.g1, &u1, &ir1);            // (N, D)
  const Matrix<T> k = u1 * p.wk.transpose();   // (N, G·d)
  const Matrix<T> v = u1 * p.wv.transpose();   // (N, G·d)
  const Matrix<T> u1r = gather(u1);            // (R, D)
  const Matrix<T> q = u1r * p.wq.transpose();  // (R, H·d)
  Matrix<T> o = Matrix<T>::Zero(R, H * d);     // (R, H·d)
  std::vector<Matrix<T>> probs(size_t(b.n_seq * H));  // (rows of s, S) per sequence and head, 0 past the row's position
  for (int64_t s = 0; s < b.n_seq; ++s) {
    const int64_t r0 = first_row[size_t(s)], nr = first_row[size_t(s + 1)] - r0;
    if (nr == 0) continue;
    for (int64_t h = 0; h < H; ++h) {
      const int64_t kv = h / group;
      Matrix<T> w = scale * q.block(r0, h * d, nr, d) * k.block(s * S, kv * d, S, d).transpose();
      for (int64_t a = 0; a < nr; ++a) {  // causal softmax over keys 0..i, i the row's position
        const int64_t i = asked[size_t(r0 + a)] - s * S;
        const T mx = w.row(a).head(i + 1).maxCoeff();
        T sum = 0;
        for (int64_t j = 0; j <= i; ++j) sum += (w(a, j) = std::exp(w(a, j) - mx));
        w.row(a).head(i + 1) /= sum;
        w.row(a).tail(S - i - 1).setZero();
      }
      o.block(r0, h * d, nr, d) = w * v.block(s * S, kv * d, S, d);
      for (int64_t a = 0; a < nr; ++a) {  // does the head look where the answer is?
        Eigen::Index top = 0;
        w.row(a).maxCoeff(&top);
        key_hits += top == answer[size_t(r0 + a)];
      }
      probs[size_t(s * H + h)] = std::move(w);
    }
  }
  const Matrix<T> x1 = gather(x0) + o * p.wo.transpose();  // (R, D)
  rms_forward(x1, p.g2, &u2, &ir2);
  Matrix<T> pre = u2 * p.w1.transpose();           // (R, F)
  pre.rowwise() += p.b1.row(0);
  const Matrix<T> act = pre.cwiseMax(T(0));
  Matrix<T> x2 = x1 + act * p.w2.transpose();      // (R, D)
  x2.rowwise() += p.b2.row(0);
  rms_forward(x2, p.g3, &u3, &ir3);                // (R, D)

  Matrix<T> z = u3 * p.wout.transpose();  // (R, n_out) logits, then probabilities
  z.rowwise() += p.bout.row(0);
  RecallStats st;
  st.asked = R;
  st.key_hits = key_hits;
  st.head_reads = R * H;
  if (trace) trace->predicted.assign(size_t(R), -1);
  double loss = 0;
  for (int64_t r = 0; r < R; ++r) {
    const int32_t y = b.target[size_t(asked[size_t(r)])];
    Eigen::Index best = 0;
    const T mx = z.row(r).maxCoeff(&best);
    st.correct += best == y;
    if (trace) trace->predicted[size_t(r)] = int32_t(best);
    const double logit = double(z(r, y) - mx);  // <= 0; kept before exp() can underflow it
    z.row(r) = (z.row(r).array() - mx).exp().matrix();
    const T sum = z.row(r).sum();                // >= 1: the arg-max term is exactly 1
    loss += std::log(double(sum)) - logit;
    z.row(r) /= sum;
  }
  st.loss = R ? loss / double(R) : 0.0;
  if (trace) trace->weights = probs;
  if (!grad || R == 0) {
    if (grad) grad->resize(m);
    return st;
  }

  // ---- backward (every line mirrors one forward line, in reverse)
  RecallParams<T>& g = *grad;
  g.resize(m);
  Matrix<T> dz = z;  // softmax - onehot, averaged over the asked rows
  for (int64_t r = 0; r < R; ++r) dz(r, b.target[size_t(asked[size_t(r)])]) -= T(1);
  dz /= T(R);
  g.wout = dz.transpose() * u3;
  g.bout = dz.colwise().sum();
  const Matrix<T> du3 = dz * p.wout;  // (R, D)

  Matrix<T> dx2 = Matrix<T>::Zero(R, D);
  rms_backward(x2, p.g3, ir3, du3, &dx2, &g.g3);
  Matrix<T> dx1 = dx2;  // residual
  g.w2 = dx2.transpose() * act;
  g.b2 = dx2.colwise().sum();
  Matrix<T> dpre = (dx2 * p.w2).cwiseProduct((pre.array() > T(0)).template cast<T>().matrix());
  g.w1 = dpre.transpose() * u2;
  g.b1 = dpre.colwise().sum();
  rms_backward(x1, p.g2, ir2, Matrix<T>(dpre * p.w1), &dx1, &g.g2);

  g.wo = dx1.transpose() * o;
  const Matrix<T> dout = dx1 * p.wo;  // (R, H·d)
  Matrix<T> dq = Matrix<T>::Zero(R, H * d);
  Matrix<T> dk = Matrix<T>::Zero(N, m.n_kv_heads * d), dv = Matrix<T>::Zero(N, m.n_kv_heads * d);
  for (int64_t s = 0; s < b.n_seq; ++s) {
    const int64_t r0 = first_row[size_t(s)], nr = first_row[size_t(s + 1)] - r0;
    if (nr == 0) continue;
    for (int64_t h = 0; h < H; ++h) {
      const int64_t kv = h / group;  // the K/V head this query head shares: its gradients add up
      const Matrix<T>& w = probs[size_t(s * H + h)];
      const auto dos = dout.block(r0, h * d, nr, d);
      dv.block(s * S, kv * d, S, d) += w.transpose() * dos;
      Matrix<T> dw = dos * v.block(s * S, kv * d, S, d).transpose();  // ∂loss/∂weights (nr, S)
      for (int64_t a = 0; a < nr; ++a) {  // through the softmax: ds = w ⊙ (dw - Σ w·dw)
        const T dot = w.row(a).dot(dw.row(a));
        dw.row(a) = w.row(a).cwiseProduct((dw.row(a).array() - dot).matrix());
      }
      dq.block(r0, h * d, nr, d) = scale * dw * k.block(s * S, kv * d, S, d);
      dk.block(s * S, kv * d, S, d) += scale * dw.transpose() * q.block(r0, h * d, nr, d);
    }
  }
  g.wq = dq.transpose() * u1r;
  g.wk = dk.transpose() * u1;
  g.wv = dv.transpose() * u1;
  Matrix<T> du1 = dk * p.wk + dv * p.wv;  // (N, D)
  const Matrix<T> du1r = dq * p.wq;       // (R, D)
  Matrix<T> dx0 = Matrix<T>::Zero(N, D);
  for (int64_t r = 0; r < R; ++r) {
    du1.row(asked[size_t(r)]) += du1r.row(r);
    dx0.row(asked[size_t(r)]) = dx1.row(r);  // residual
  }
  rms_backward(x0, p.g1, ir1, du1, &dx0, &g.g1);
  for (int64_t t = 0; t < N; ++t) {
    g.emb.row(b.first[t]) += dx0.row(t);
    g.emb.row(b.second[t]) += dx0.row(t);
  }
  return st;
}

template struct RecallParams<float>;
template struct RecallParams<double>;
template RecallStats recall_forward_backward<float>(const RecallModelShape&, const RecallParams<float>&,
                                                    const RecallBatch&, RecallParams<float>*, RecallTrace<float>*);
template RecallStats recall_forward_backward<double>(const RecallModelShape&, const RecallParams<double>&,
                                                     const RecallBatch&, RecallParams<double>*, RecallTrace<double>*);

}  // namespace gqa
