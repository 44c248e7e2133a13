// paged_kv_cache.h - a paged KV cache with shared prefixes (vLLM's PagedAttention, Kwon et al. 2023).
//
// One pool of num_blocks blocks of block_size tokens holds every sequence's K and V. A sequence
// is a block table: its token i is row i % B of block table[i / B] (B = block_size). A fork
// shares every block of its parent (a reference count per block), so a prompt prefilled once
// serves many continuations; a sequence that appends to a shared, partly filled last block first
// copies it into a fresh one (copy on write), and a full last block is left shared.
//
// Storage (kv_store.h) is the plain cache's with capacity num_blocks · B, so block b is rows
// [b·B, (b+1)·B) of every KV head:
//   k, v  (G, num_blocks · B, d) in dtype      k_scale, v_scale  (G, num_blocks · B), int8 only
// A sequence's tokens are then one run of storage rows per block (runs of consecutive blocks
// joined), attended by the unchanged kernel and combined by the split-K merge (attend_segments),
// as the streaming cache's ring is: no attention code of its own.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "attention/decode.h"
#include "attention/dtype.h"
#include "attention/kv_store.h"
#include "base/memory_budget.h"
#include "base/status.h"

namespace gqa {

/// Live sequences one paged cache holds at most (each one's block table is its own memory).
constexpr int64_t kMaxSequences = 65536;

struct PagedKvCacheConfig {
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t block_size = 0;  // tokens per block
  int64_t num_blocks = 0;  // num_blocks · block_size <= kMaxTokens
  Dtype dtype = Dtype::kF32;
};

struct PagedStats {
  int64_t used_blocks = 0;    // held by at least one sequence
  int64_t free_blocks = 0;    // used + free = num_blocks
  int64_t shared_blocks = 0;  // held by more than one sequence (reference count > 1)
};

class PagedKvCache {
 public:
  /// Validates the config, checks the pool's bytes against the memory budget, then allocates.
  /// A refusal leaves the cache as it was.
  Status init(const PagedKvCacheConfig& c);

  /// A new, empty sequence: *id. Ids count up from 0 and are never reused.
  Status add_sequence(int64_t* id);
  /// A new sequence sharing every block (and token) of `parent`: *id. Takes no block.
  Status fork(int64_t parent, int64_t* id);
  /// Appends n tokens to sequence `id`: k, v (n, G, d) f32. All or nothing: a refusal (out of
  /// blocks, a value the dtype cannot hold) changes nothing.
  Status append(int64_t id, const float* k, const float* v, int64_t n);
  /// out (tq, H, d) = attention of q (tq, H, d), the queries of sequence id's last tq tokens, over
  /// its tokens in order: as KvCache::attend (causal, window, scale, row statistics, sink logits).
  Status attend(int64_t id, const float* q, int64_t tq, int64_t n_heads, bool has_scale, float scale,
                int64_t window, Isa isa, float* out, float* row_max = nullptr, float* row_sum = nullptr,
                const float* sink_logits = nullptr) const;
  /// Ends sequence id: each of its blocks loses a reference; a block no sequence holds is free.
  Status free_sequence(int64_t id);

  /// Sequence id's tokens.
  Status length(int64_t id, int64_t* n) const;
  /// Sequence id's block table: physical block ids, ⌈length / block_size⌉ of them.
  Status block_table(int64_t id, const std::vector<int32_t>** table) const;
  PagedStats stats() const;
  /// Live sequences.
  int64_t sequences() const { return int64_t(seqs_.size()); }

  int64_t n_kv_heads() const { return cfg_.n_kv_heads; }
  int64_t head_dim() const { return cfg_.head_dim; }
  int64_t block_size() const { return cfg_.block_size; }
  int64_t num_blocks() const { return cfg_.num_blocks; }
  Dtype dtype() const { return cfg_.dtype; }
  /// The pool's K and V (int8 scales included): num_blocks · block_size tokens, exactly.
  uint64_t bytes() const { return store_.bytes(); }
  /// The pool's rows: token i of a sequence is row table[i / B] · B + i % B.
  const KvStore& store() const { return store_; }

 private:
  struct Sequence {
    int64_t length = 0;
    std::vector<int32_t> blocks;  // (⌈length / B⌉,) physical block ids
  };
  /// The live sequence `id`, or the refusal saying it was freed or never existed.
  Status find(int64_t id, const Sequence** seq) const;
  /// Refuses block-table entries past the memory budget (they live outside the pool).
  Status check_tables(uint64_t more) const;
  /// Pops a free block with one reference.
  int32_t take_block();
  void retain(int32_t b);
  /// Drops one reference; a block left with none goes back to the free list.
  void release(int32_t b);

  PagedKvCacheConfig cfg_;
  KvStore store_;           // (G, num_blocks · B, d) rows
  Buffer<uint32_t> refs_;   // (num_blocks,) sequences holding each block
  Buffer<int32_t> free_;    // (num_blocks,) a stack: free_[0, n_free_) are the free blocks, top last
  int64_t n_free_ = 0;
  int64_t shared_ = 0;      // blocks with refs_ > 1
  uint64_t table_entries_ = 0;  // Σ block table lengths over live sequences
  int64_t next_id_ = 0;
  std::unordered_map<int64_t, Sequence> seqs_;
};

}  // namespace gqa
