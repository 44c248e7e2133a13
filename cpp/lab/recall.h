// recall.h - a tiny attention model and the task it learns: multi-query associative recall.
//
// The task (after Arora et al. 2023, "Zoology"): a sequence shows P key→value pairs, then asks
// for the values of Q of those keys. Each context position holds one whole pair (the sum of the
// key's and the value's embeddings), each query position a key and a query marker, so a single
// attention layer can answer: the query head matches the key, the value head carries the value
// back. Recall needs the K/V heads to tell P keys apart and to carry their values, which is what
// sharing K/V heads takes away; the experiment measures how much.
//
// The model (one pre-norm transformer block, causal, no positions: recall needs none):
//   x0 = E[first] + E[second]                         (N, D)    N = sequences · (P + Q)
//   x1 = x0 + Wo · attention(Wq u, Wk u, Wv u)        u = rmsnorm(x0) ⊙ g1
//   x2 = x1 + W2 · relu(W1 · (rmsnorm(x1) ⊙ g2) + b1) + b2
//   logits = Wout · (rmsnorm(x2) ⊙ g3) + bout         at query positions only (V_out classes)
//   loss = mean cross-entropy of the logits against the asked values
// with H query heads and G K/V heads of head_dim each; query head h reads K/V head h / (H/G).
// Every matrix uses nn.Linear's [out][in] layout. The gradient of the loss with respect to every
// parameter is written out by hand (recall.cpp) and checked against finite differences in
// float64 by the tests; templated on the scalar for that reason.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "lab/rng.h"
#include "base/status.h"

namespace gqa {

// ---- the task ------------------------------------------------------------------------------------

/// Limits of the task and the model (heads and head_dim: attention.h's).
constexpr int64_t kMaxVocab = 4096;  // keys, and values
constexpr int64_t kMaxPairs = 1024;  // key→value pairs per sequence
constexpr int64_t kMaxWidth = 4096;  // d_model and d_ff

struct RecallTask {
  int64_t key_vocab = 64;    // distinct keys
  int64_t value_vocab = 64;  // distinct values (the output classes)
  int64_t pairs = 16;        // P, key→value pairs per sequence (distinct keys)
  int64_t queries = 8;       // Q, distinct keys asked for, among the P
  int64_t seq_len() const { return pairs + queries; }
  /// Embedding rows: keys, then values, then the query marker.
  int64_t vocab() const { return key_vocab + value_vocab + 1; }
};

/// A batch of sequences, token by token (n_seq · seq_len entries each).
struct RecallBatch {
  int64_t n_seq = 0;
  int64_t seq_len = 0;
  std::vector<int32_t> first;   // embedding row of the key
  std::vector<int32_t> second;  // embedding row of the value, or of the query marker
  std::vector<int32_t> target;  // value asked for at a query position (0 .. value_vocab-1), else -1
};

Status validate_recall_task(const RecallTask& t);
void make_recall_batch(const RecallTask& t, int64_t n_seq, Rng* rng, RecallBatch* out);

// ---- the model -----------------------------------------------------------------------------------

struct RecallModelShape {
  int64_t d_model = 64;    // D
  int64_t n_heads = 8;     // H
  int64_t n_kv_heads = 8;  // G
  int64_t head_dim = 8;    // d
  int64_t d_ff = 128;      // F, MLP hidden width
  int64_t vocab = 0;       // embedding rows (RecallTask::vocab())
  int64_t n_out = 0;       // output classes (RecallTask::value_vocab)
};

Status validate_recall_model(const RecallModelShape& m);

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class T>
struct RecallParams {
  Matrix<T> emb;   // (vocab, D)
  Matrix<T> g1;    // (1, D)      RMSNorm gain before attention
  Matrix<T> wq;    // (H·d, D)
  Matrix<T> wk;    // (G·d, D)
  Matrix<T> wv;    // (G·d, D)
  Matrix<T> wo;    // (D, H·d)
  Matrix<T> g2;    // (1, D)      RMSNorm gain before the MLP
  Matrix<T> w1;    // (F, D)
  Matrix<T> b1;    // (1, F)
  Matrix<T> w2;    // (D, F)
  Matrix<T> b2;    // (1, D)
  Matrix<T> g3;    // (1, D)      RMSNorm gain before the output
  Matrix<T> wout;  // (n_out, D)
  Matrix<T> bout;  // (1, n_out)

  static constexpr int kCount = 14;
  /// Every parameter with its name, in a fixed order (optimizer state, gradient checks, counts).
  std::array<std::pair<const char*, Matrix<T>*>, kCount> list();
  /// Shapes for `m`, all zero.
  void resize(const RecallModelShape& m);
  /// nn.Linear-style init: weights uniform in ±1/sqrt(fan_in), biases 0, gains 1, embeddings
  /// N(0, 1). Each parameter draws from its own stream of `seed`, so models that differ only in
  /// G start from the same Wq, Wo, MLP and embeddings.
  void init(const RecallModelShape& m, uint64_t seed);
  int64_t count();
};

struct RecallStats {
  double loss = 0;      // mean cross-entropy over the query positions
  int64_t correct = 0;  // query positions whose arg-max is the asked value
  int64_t asked = 0;    // query positions
  int64_t key_hits = 0;    // (query position, query head) whose largest attention weight is on the asked pair
  int64_t head_reads = 0;  // (query position, query head): asked · H
};

/// What the model did on a batch, for looking inside: every head's attention at the query
/// positions and the answers it gave.
template <class T>
struct RecallTrace {
  std::vector<Matrix<T>> weights;  // per sequence s and query head h, at s·H + h: (query positions of s, S),
                                   // row a the softmax over keys 0..i (i that query's position), 0 after
  std::vector<int32_t> predicted;  // per query position, in token order: the arg-max class
};

/// The position of the context pair whose key query position `i` asks for (-1 if none): the
/// earlier position with the same key and no target.
int64_t recall_answer_position(const RecallBatch& b, int64_t i);

/// Forward pass over a batch; with `grad` (same shapes as p, overwritten) also the backward pass;
/// with `trace`, the attention weights and answers (recall.h's RecallTrace).
template <class T>
RecallStats recall_forward_backward(const RecallModelShape& m, const RecallParams<T>& p, const RecallBatch& b,
                                    RecallParams<T>* grad, RecallTrace<T>* trace = nullptr);

}  // namespace gqa
