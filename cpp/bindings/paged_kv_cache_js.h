// paged_kv_cache_js.h - the paged KV cache (PagedAttention) as JS calls it: one class, its
// sequences named by the integer ids it hands out. Arguments arrive as doubles the JS face has
// checked to be safe integers; the core checks every range and every id.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "attention/paged_kv_cache.h"
#include "bindings/attention_js.h"

namespace gqa::js {

using emscripten::val;

struct PagedCacheArgs {
  double nKvHeads, headDim, blockSize, numBlocks;
  std::string dtype;
};

/// The paged cache as JS sees it: one owner, one delete().
class PagedKvCacheJs {
 public:
  val init(const PagedCacheArgs& a);
  /// A new empty sequence's id.
  val add_sequence();
  /// A new sequence sharing every block of `id`: its id.
  val fork(double id);
  /// Appends n tokens to sequence id: k and v (n, G, d).
  val append(double id, val k, val v, double n);
  /// q (tq, H, d) of sequence id's last tq tokens, sink logits (H,) or undefined → out (tq, H, d).
  val attend(double id, val q, const AttendArgs& a, val sinks);
  /// Sequence id's physical block ids as an Int32Array.
  val block_table(double id) const;
  val length(double id) const;
  /// Ends sequence id (its blocks lose a reference).
  val free(double id);
  /// { usedBlocks, freeBlocks, sharedBlocks }
  val stats() const;
  double block_size() const { return double(cache_.block_size()); }
  double num_blocks() const { return double(cache_.num_blocks()); }
  double bytes() const { return double(cache_.bytes()); }
  std::string dtype() const;

 private:
  PagedKvCache cache_;
};

}  // namespace gqa::js
