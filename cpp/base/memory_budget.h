// memory_budget.h - sizes in 64-bit arithmetic, checked against a memory budget before allocating.
//
// In WASM size_t is 32 bits and a failed operator new aborts the whole instance, so every
// buffer size is computed here in uint64_t, compared with kMaxRequestBytes, and only then
// allocated with malloc (which returns nullptr instead of aborting).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <limits>

#include "base/status.h"

namespace gqa {

/// The WASM module may grow to 2 GiB (-sMAXIMUM_MEMORY in CMakeLists.txt); one request may
/// take at most half.
constexpr uint64_t kWasmMaxMemoryBytes = uint64_t(1) << 31;
constexpr uint64_t kMaxRequestBytes = kWasmMaxMemoryBytes / 2;

/// a * b * c ... in 64 bits; returns false (and leaves *out untouched) on uint64 overflow.
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return false;
  *out = a * b;
  return true;
}

/// Refuses `bytes` (for `what`) if it is over the budget, with the figure in the message.
inline Status check_budget(uint64_t bytes, const char* what) {
  if (bytes > kMaxRequestBytes) {
    return Status::error(StatusCode::kOverBudget,
                         "%s needs %llu bytes (%.2f GiB), over the memory budget of %llu bytes (%.0f GiB)",
                         what, (unsigned long long)bytes, double(bytes) / double(1 << 30),
                         (unsigned long long)kMaxRequestBytes, double(kMaxRequestBytes) / double(1 << 30));
  }
  return Status::ok();
}

/// A malloc'd buffer with one owner. Use after check_budget; a nullptr result is an error.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr; o.n_ = 0; }
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) { std::free(p_); p_ = o.p_; n_ = o.n_; o.p_ = nullptr; o.n_ = 0; }
    return *this;
  }
  ~Buffer() { std::free(p_); }

  /// Allocates n zeroed elements; the caller has checked n * sizeof(T) against the budget.
  Status allocate(uint64_t n, const char* what) {
    uint64_t bytes = 0;
    if (!checked_mul(n, sizeof(T), &bytes)) {
      return Status::error(StatusCode::kOverBudget, "%s: size overflows 64 bits", what);
    }
    GQA_RETURN_IF_ERROR(check_budget(bytes, what));
    T* p = n ? static_cast<T*>(std::calloc(size_t(n), sizeof(T))) : nullptr;
    if (n && !p) {
      return Status::error(StatusCode::kOutOfMemory, "%s: out of memory allocating %llu bytes", what,
                           (unsigned long long)bytes);
    }
    std::free(p_);
    p_ = p;
    n_ = n;
    return Status::ok();
  }
  T* data() { return p_; }
  const T* data() const { return p_; }
  uint64_t size() const { return n_; }
  T& operator[](uint64_t i) { return p_[i]; }
  const T& operator[](uint64_t i) const { return p_[i]; }

 private:
  T* p_ = nullptr;
  uint64_t n_ = 0;
};

}  // namespace gqa
