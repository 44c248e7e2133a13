// libFuzzer target: random sequences of add / fork / append / attend / free on a paged KV cache
// of each dtype and block size, ids live, freed and never issued. After every operation the block
// accounting adds up (used + free = numBlocks; the blocks the tables hold, and those held by more
// than one, are the used and shared counts; each table has ⌈length / blockSize⌉ distinct blocks).
// An append is refused exactly when the blocks it needs (one more to copy a shared partly filled
// last block) are not free or a value cannot be stored, and a refusal changes nothing. An attend
// over ordinary values equals float64 attention over the sequence's own tokens as stored.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <vector>

#include "../cpp/reference.h"
#include "attention/half.h"
#include "attention/paged_kv_cache.h"
#include "fuzz_input.h"

using namespace gqa;

#define CHECK(cond) do { if (!(cond)) { std::fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); std::abort(); } } while (0)

namespace {

/// What the target knows of a live sequence: its tokens' k and v (n, G, d) as appended.
struct Seq {
  std::vector<float> k, v;
  bool wild = false;  // holds a value past ±8: scores may overflow, so no reference comparison
};

/// Everything a refused call must leave as it was.
struct Snapshot {
  PagedStats stats;
  std::map<int64_t, std::vector<int32_t>> tables;
  std::map<int64_t, int64_t> lengths;
  bool operator==(const Snapshot& o) const {
    return stats.used_blocks == o.stats.used_blocks && stats.free_blocks == o.stats.free_blocks &&
           stats.shared_blocks == o.stats.shared_blocks && tables == o.tables && lengths == o.lengths;
  }
};

Snapshot snapshot(const PagedKvCache& c, const std::map<int64_t, Seq>& seqs) {
  Snapshot s;
  s.stats = c.stats();
  for (const auto& [id, seq] : seqs) {
    const std::vector<int32_t>* t = nullptr;
    CHECK(c.block_table(id, &t).is_ok());
    s.tables[id] = *t;
    CHECK(c.length(id, &s.lengths[id]).is_ok());
  }
  return s;
}

/// The accounting the tables imply, against the cache's own counts and the target's lengths.
void check_accounting(const PagedKvCache& c, const std::map<int64_t, Seq>& seqs) {
  const Snapshot s = snapshot(c, seqs);
  const int64_t row = c.n_kv_heads() * c.head_dim(), B = c.block_size();
  std::map<int32_t, int> holders;
  for (const auto& [id, t] : s.tables) {
    CHECK(s.lengths.at(id) == int64_t(seqs.at(id).k.size()) / row);
    CHECK(int64_t(t.size()) == (s.lengths.at(id) + B - 1) / B);
    CHECK(std::set<int32_t>(t.begin(), t.end()).size() == t.size());
    for (int32_t b : t) {
      CHECK(b >= 0 && b < c.num_blocks());
      ++holders[b];
    }
  }
  int64_t shared = 0;
  for (const auto& [b, n] : holders) shared += n > 1;
  CHECK(s.stats.used_blocks + s.stats.free_blocks == c.num_blocks());
  CHECK(s.stats.used_blocks == int64_t(holders.size()));
  CHECK(s.stats.shared_blocks == shared);
}

/// x (n, G, d) as the pool stores and reads it back (f16 rounding, int8 with a scale per row).
std::vector<float> as_stored(const PagedKvCache& c, const std::vector<float>& x) {
  const int64_t G = c.n_kv_heads(), d = c.head_dim();
  KvStore one;
  CHECK(one.init(G, 1, d, c.dtype(), "a row").is_ok());
  std::vector<float> out(x.size());
  for (size_t t = 0; t < x.size() / size_t(G * d); ++t) {
    one.store_token(0, x.data() + t * G * d, x.data() + t * G * d);
    for (int64_t g = 0; g < G; ++g) one.read_row(g, 0, false, out.data() + (t * G + g) * d);
  }
  return out;
}

/// An id the target picks: mostly a live one, sometimes a freed or never issued one.
int64_t pick(FuzzInput& in, const std::map<int64_t, Seq>& seqs, int64_t issued) {
  const uint8_t r = in.u8();
  if (seqs.empty() || r % 8 == 0) return int64_t((r >> 3) % 4) - 1 + (r & 128 ? issued : 0);  // -1 .. 2, issued - 1 .. issued + 2
  auto it = seqs.begin();
  std::advance(it, in.u8() % seqs.size());
  return it->first;
}

bool refused_for_id(const Status& st, int64_t id, const std::map<int64_t, Seq>& seqs) {
  if (seqs.count(id)) return false;
  CHECK(!st.is_ok() && st.message().find("id (") == 0);
  return true;
}

void attend(FuzzInput& in, const PagedKvCache& c, const std::map<int64_t, Seq>& seqs, int64_t id) {
  const int64_t G = c.n_kv_heads(), d = c.head_dim(), H = G * (1 + in.u8() % 3), tq = 1 + in.u8() % 4;
  const int64_t window = in.u8() % 6;
  std::vector<float> q(size_t(tq * H * d)), a(q.size()), b(q.size());
  for (float& x : q) x = float(int8_t(in.u8())) / 32.0f;
  std::vector<float> sinks;
  if (in.bit()) { sinks.resize(size_t(H)); for (float& x : sinks) x = in.value(false); }
  const float* sp = sinks.empty() ? nullptr : sinks.data();
  const Status sa = c.attend(id, q.data(), tq, H, false, 0, window, Isa::kScalar, a.data(), nullptr, nullptr, sp);
  const Status sb = c.attend(id, q.data(), tq, H, false, 0, window, Isa::kSimd, b.data(), nullptr, nullptr, sp);
  if (refused_for_id(sa, id, seqs)) { CHECK(sb.message() == sa.message()); return; }
  const Seq& s = seqs.at(id);
  const int64_t T = int64_t(s.k.size()) / (G * d);
  if (T == 0 || tq > T) { CHECK(!sa.is_ok() && !sb.is_ok()); return; }
  if (s.wild) {  // at the edge of float32 one kernel may overflow where the other fits
    for (const auto* out : {&a, &b}) if ((out == &a ? sa : sb).is_ok()) for (float x : *out) CHECK(std::isfinite(x));
    return;
  }
  CHECK(sa.is_ok() && sb.is_ok());
  const auto k = as_stored(c, s.k), v = as_stored(c, s.v);
  auto r = ref::attention(int(tq), int(T), int(H), int(G), int(d), q.data(), k.data(), v.data(), true, int(window),
                          1.0 / std::sqrt(double(d)), sp);
  if (c.dtype() == Dtype::kInt8) {
    // the int8 score kernel rounds q to int16: each score moves by at most scale · s_q / 2 · Σ|k|
    double qmax = 0, kmax = 0, vmax = 0;
    for (float x : q) qmax = std::max(qmax, double(std::fabs(x)));
    for (size_t j = 0; j < k.size(); j += size_t(d)) {
      double sum = 0;
      for (int64_t e = 0; e < d; ++e) sum += std::fabs(k[j + size_t(e)]);
      kmax = std::max(kmax, sum);
    }
    for (float x : v) vmax = std::max(vmax, double(std::fabs(x)));
    const double delta = qmax / 32767 / 2 * kmax / std::sqrt(double(d));
    for (double& t : r.tol) t += vmax * (std::exp(2 * delta) - 1) + 1e-30;
  }
  CHECK(ref::worst_ratio(a.data(), r.out, r.tol, int(d)) <= 1.0);
  CHECK(ref::worst_ratio(b.data(), r.out, r.tol, int(d)) <= 1.0);
}

void append(FuzzInput& in, PagedKvCache& c, std::map<int64_t, Seq>& seqs, int64_t id) {
  const int64_t G = c.n_kv_heads(), d = c.head_dim(), B = c.block_size(), n = 1 + in.u8() % 12;
  const bool any = in.bit();  // any float (NaN, ±inf, FLT_MAX, past the f16 range), else ±4
  std::vector<float> k(size_t(n * G * d)), v(k.size());
  bool wild = false, storable = true;
  for (auto* x : {&k, &v}) for (float& e : *x) {
    e = any ? in.value() : float(int8_t(in.u8())) / 32.0f;
    wild = wild || !(std::fabs(e) <= 8.0f);
    storable = storable && std::isfinite(e) && (c.dtype() != Dtype::kF16 || std::fabs(e) < kHalfOverflow);
  }
  const Snapshot before = snapshot(c, seqs);
  const Status st = c.append(id, k.data(), v.data(), n);
  if (refused_for_id(st, id, seqs)) { CHECK(snapshot(c, seqs) == before); return; }
  // the blocks it needs, from the tables: fresh ones past the last block's room, one more to copy
  // a shared partly filled last block
  const auto& table = before.tables.at(id);
  const int64_t length = before.lengths.at(id), filled = length % B, room = filled ? B - filled : 0;
  bool shared_last = false;
  for (const auto& [other, t] : before.tables) {
    if (other != id && filled && std::find(t.begin(), t.end(), table.back()) != t.end()) shared_last = true;
  }
  const int64_t need = (n > room ? (n - room + B - 1) / B : 0) + (shared_last ? 1 : 0);
  // refused exactly when a value cannot be stored (named first) or the blocks are not free
  CHECK(st.is_ok() == (storable && need <= before.stats.free_blocks));
  if (!st.is_ok()) {
    CHECK(snapshot(c, seqs) == before);
    CHECK(st.message().find(storable ? "out of blocks" : "") == 0);
    CHECK(storable || st.message()[0] == 'k' || st.message()[0] == 'v');
    return;
  }
  CHECK(before.stats.free_blocks - c.stats().free_blocks == need);
  const Snapshot after = snapshot(c, seqs);
  const auto& now = after.tables.at(id);
  const size_t kept = table.size() - (shared_last ? 1 : 0);  // blocks it still shares with what it had
  CHECK(std::equal(table.begin(), table.begin() + long(kept), now.begin()));
  for (const auto& [other, t] : before.tables) if (other != id) CHECK(after.tables.at(other) == t);
  Seq& s = seqs[id];
  s.k.insert(s.k.end(), k.begin(), k.end());
  s.v.insert(s.v.end(), v.begin(), v.end());
  s.wild = s.wild || wild;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const int64_t G = 1 + in.u8() % 3, d = 1 + in.u8() % 16, B = 1 + in.u8() % 8, blocks = 1 + in.u8() % 24;
  const Dtype dtype = Dtype(in.u8() % 3);
  PagedKvCache c;
  CHECK(c.init(PagedKvCacheConfig{G, d, B, blocks, dtype}).is_ok());
  std::map<int64_t, Seq> seqs;
  int64_t issued = 0;  // ids handed out so far: 0 .. issued - 1
  for (int op = 0; op < 48 && !in.empty(); ++op) {
    switch (in.u8() % 6) {
      case 0: {  // add
        int64_t id = -1;
        CHECK(c.add_sequence(&id).is_ok() && id == issued++);
        seqs[id] = Seq();
        break;
      }
      case 1: {  // fork: shares every block, takes none
        const int64_t parent = pick(in, seqs, issued);
        const PagedStats before = c.stats();
        int64_t id = -1;
        const Status st = c.fork(parent, &id);
        if (refused_for_id(st, parent, seqs)) break;
        CHECK(st.is_ok() && id == issued++);
        CHECK(c.stats().used_blocks == before.used_blocks);
        seqs[id] = seqs[parent];
        break;
      }
      case 2:
      case 3:
        append(in, c, seqs, pick(in, seqs, issued));
        break;
      case 4:
        attend(in, c, seqs, pick(in, seqs, issued));
        break;
      case 5: {  // free
        const int64_t id = pick(in, seqs, issued);
        const Status st = c.free_sequence(id);
        if (refused_for_id(st, id, seqs)) break;
        CHECK(st.is_ok());
        seqs.erase(id);
        break;
      }
    }
    check_accounting(c, seqs);
  }
  return 0;
}
