// paged_kv_cache.cpp - see paged_kv_cache.h.
#include "attention/paged_kv_cache.h"

#include <algorithm>
#include <cstdio>

#include "attention/attention.h"

namespace gqa {

Status PagedKvCache::init(const PagedKvCacheConfig& c) {
  GQA_RETURN_IF_ERROR(check_range("nKvHeads", c.n_kv_heads, 1, kMaxHeads));
  GQA_RETURN_IF_ERROR(check_range("headDim", c.head_dim, 1, kMaxHeadDim));
  GQA_RETURN_IF_ERROR(check_range("blockSize", c.block_size, 1, kMaxTokens));
  GQA_RETURN_IF_ERROR(check_range("numBlocks", c.num_blocks, 1, kMaxTokens));
  const int64_t tokens = c.num_blocks * c.block_size;  // both <= 2^24: no overflow in 64 bits
  if (tokens > kMaxTokens) {
    return Status::error(StatusCode::kOutOfRange,
                         "numBlocks · blockSize (%lld · %lld = %lld tokens) must be at most %lld tokens",
                         (long long)c.num_blocks, (long long)c.block_size, (long long)tokens, (long long)kMaxTokens);
  }
  KvStore store;
  Buffer<uint32_t> refs;
  Buffer<int32_t> free_list;
  GQA_RETURN_IF_ERROR(store.init(c.n_kv_heads, tokens, c.head_dim, c.dtype, "the paged KV cache"));
  GQA_RETURN_IF_ERROR(refs.allocate(uint64_t(c.num_blocks), "the block reference counts"));
  GQA_RETURN_IF_ERROR(free_list.allocate(uint64_t(c.num_blocks), "the free block list"));
  // block 0 on top: a new sequence takes blocks 0, 1, 2, ..., one run of storage rows
  for (int64_t i = 0; i < c.num_blocks; ++i) free_list[uint64_t(i)] = int32_t(c.num_blocks - 1 - i);
  cfg_ = c;
  store_ = std::move(store);
  refs_ = std::move(refs);
  free_ = std::move(free_list);
  n_free_ = c.num_blocks;
  shared_ = 0;
  table_entries_ = 0;
  next_id_ = 0;
  seqs_.clear();
  return Status::ok();
}

Status PagedKvCache::find(int64_t id, const Sequence** seq) const {
  if (cfg_.num_blocks == 0) return Status::error(StatusCode::kInvalidArgument, "the paged KV cache is not initialised");
  const auto it = seqs_.find(id);
  if (it != seqs_.end()) {
    *seq = &it->second;
    return Status::ok();
  }
  return Status::error(StatusCode::kOutOfRange,
                       "id (%lld) %s: expected the id of a live sequence, from addSequence() or fork()",
                       (long long)id, id >= 0 && id < next_id_ ? "is a sequence that was freed" : "is no sequence of this cache");
}

Status PagedKvCache::check_tables(uint64_t more) const {
  return check_budget((table_entries_ + more) * sizeof(int32_t), "the block tables");
}

int32_t PagedKvCache::take_block() {
  const int32_t b = free_[uint64_t(--n_free_)];
  refs_[uint64_t(b)] = 1;
  return b;
}

void PagedKvCache::retain(int32_t b) {
  if (refs_[uint64_t(b)] == 1) ++shared_;
  ++refs_[uint64_t(b)];
}

void PagedKvCache::release(int32_t b) {
  if (refs_[uint64_t(b)] == 2) --shared_;
  if (--refs_[uint64_t(b)] == 0) free_[uint64_t(n_free_++)] = b;
}

Status PagedKvCache::add_sequence(int64_t* id) {
  if (cfg_.num_blocks == 0) return Status::error(StatusCode::kInvalidArgument, "the paged KV cache is not initialised");
  if (sequences() >= kMaxSequences) {
    return Status::error(StatusCode::kOutOfRange,
                         "the cache holds %lld live sequences, the most it can: free one before adding another",
                         (long long)kMaxSequences);
  }
  *id = next_id_++;
  seqs_[*id] = Sequence();
  return Status::ok();
}

Status PagedKvCache::fork(int64_t parent, int64_t* id) {
  const Sequence* p = nullptr;
  GQA_RETURN_IF_ERROR(find(parent, &p));
  if (sequences() >= kMaxSequences) {
    return Status::error(StatusCode::kOutOfRange,
                         "the cache holds %lld live sequences, the most it can: free one before forking",
                         (long long)kMaxSequences);
  }
  GQA_RETURN_IF_ERROR(check_tables(p->blocks.size()));
  Sequence child = *p;
  for (int32_t b : child.blocks) retain(b);
  table_entries_ += child.blocks.size();
  *id = next_id_++;
  seqs_[*id] = std::move(child);
  return Status::ok();
}

Status PagedKvCache::append(int64_t id, const float* k, const float* v, int64_t n) {
  const Sequence* found = nullptr;
  GQA_RETURN_IF_ERROR(find(id, &found));
  Sequence& s = seqs_[id];
  if (n < 1 || n > kMaxTokens) {
    return Status::error(StatusCode::kOutOfRange, "n (%lld) must be from 1 to %lld tokens", (long long)n,
                         (long long)kMaxTokens);
  }
  const int64_t G = cfg_.n_kv_heads, d = cfg_.head_dim, B = cfg_.block_size;
  const uint64_t count = uint64_t(n) * uint64_t(G) * uint64_t(d);
  GQA_RETURN_IF_ERROR(check_storable(cfg_.dtype, k, count, "k"));
  GQA_RETURN_IF_ERROR(check_storable(cfg_.dtype, v, count, "v"));
  // every block this needs, counted before anything changes
  const int64_t filled = s.length % B;  // rows used in the last block; 0: it is full, or there is none
  const int64_t room = filled == 0 ? 0 : B - filled;
  const bool copy = filled != 0 && refs_[uint64_t(s.blocks.back())] > 1;  // shared and partly filled
  const int64_t fresh = n > room ? (n - room + B - 1) / B : 0;
  const int64_t need = fresh + (copy ? 1 : 0);
  if (need > n_free_) {
    return Status::error(StatusCode::kOutOfRange,
                         "out of blocks: appending %lld tokens to sequence %lld needs %lld free blocks%s, and %lld of "
                         "%lld are free",
                         (long long)n, (long long)id, (long long)need,
                         copy ? " (one to copy its shared last block)" : "", (long long)n_free_,
                         (long long)cfg_.num_blocks);
  }
  GQA_RETURN_IF_ERROR(check_tables(uint64_t(fresh)));
  s.blocks.reserve(s.blocks.size() + size_t(fresh));
  if (copy) {  // copy on write: the rows so far into a block of its own
    const int32_t shared = s.blocks.back(), own = take_block();
    store_.copy_rows(int64_t(own) * B, int64_t(shared) * B, filled);
    release(shared);
    s.blocks.back() = own;
  }
  for (int64_t t = 0; t < n; ++t) {
    const int64_t pos = s.length + t;
    if (pos % B == 0) s.blocks.push_back(take_block());
    const int64_t row = int64_t(s.blocks[size_t(pos / B)]) * B + pos % B;
    store_.store_token(row, k + t * G * d, v + t * G * d);  // input is (n, G, d)
  }
  s.length += n;
  table_entries_ += uint64_t(fresh);
  return Status::ok();
}

Status PagedKvCache::attend(int64_t id, const float* q, int64_t tq, int64_t n_heads, bool has_scale, float scale,
                            int64_t window, Isa isa, float* out, float* row_max, float* row_sum,
                            const float* sink_logits) const {
  const Sequence* s = nullptr;
  GQA_RETURN_IF_ERROR(find(id, &s));
  // one run of storage rows per block, consecutive blocks joined
  const int64_t B = cfg_.block_size;
  Buffer<RowSegment> segs;
  GQA_RETURN_IF_ERROR(segs.allocate(uint64_t(s->blocks.size()), "the sequence's row runs"));
  int64_t n = 0;
  for (size_t b = 0; b < s->blocks.size(); ++b) {
    const int64_t token = int64_t(b) * B, row = int64_t(s->blocks[b]) * B, count = std::min(B, s->length - token);
    if (n > 0 && segs[uint64_t(n - 1)].row + segs[uint64_t(n - 1)].count == row) {
      segs[uint64_t(n - 1)].count += count;
    } else {
      segs[uint64_t(n++)] = RowSegment{token, row, count};
    }
  }
  char what[48];
  std::snprintf(what, sizeof what, "sequence %lld", (long long)id);
  return attend_segments(store_, segs.data(), n, s->length, what, "the sequence's length", q, tq, n_heads, has_scale,
                         scale, window, isa, out, row_max, row_sum, sink_logits);
}

Status PagedKvCache::free_sequence(int64_t id) {
  const Sequence* s = nullptr;
  GQA_RETURN_IF_ERROR(find(id, &s));
  // last block first, so the free list hands the blocks out again in table order
  for (auto b = s->blocks.rbegin(); b != s->blocks.rend(); ++b) release(*b);
  table_entries_ -= s->blocks.size();
  seqs_.erase(id);
  return Status::ok();
}

Status PagedKvCache::length(int64_t id, int64_t* n) const {
  const Sequence* s = nullptr;
  GQA_RETURN_IF_ERROR(find(id, &s));
  *n = s->length;
  return Status::ok();
}

Status PagedKvCache::block_table(int64_t id, const std::vector<int32_t>** table) const {
  const Sequence* s = nullptr;
  GQA_RETURN_IF_ERROR(find(id, &s));
  *table = &s->blocks;
  return Status::ok();
}

PagedStats PagedKvCache::stats() const {
  PagedStats st;
  st.free_blocks = n_free_;
  st.used_blocks = cfg_.num_blocks - n_free_;
  st.shared_blocks = shared_;
  return st;
}

}  // namespace gqa
