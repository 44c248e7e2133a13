// status.h - how the core reports a refused request without exceptions.
//
// The WASM build has no exception support, so every public entry point returns a Status
// (or fills one) instead of throwing. The message names the field, the value and what was
// expected; the JS face turns it into a thrown Error with that text.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

namespace gqa {

enum class StatusCode { kOk = 0, kInvalidArgument, kOutOfRange, kOverBudget, kOutOfMemory, kOverflow };

class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  /// printf-style constructor: Status::error(kInvalidArgument, "nHeads (%d) must be ...", h)
  static Status error(StatusCode code, const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    Status s;
    s.code_ = code;
    s.message_ = buf;
    return s;
  }
  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

/// How JavaScript prints a number that is not finite: "NaN", "Infinity", "-Infinity".
inline const char* js_nonfinite(double x) { return x != x ? "NaN" : x > 0 ? "Infinity" : "-Infinity"; }

/// "field (v) must be an integer from lo to hi" unless lo <= v <= hi: the one range message the
/// JS face and the core share.
inline Status check_range(const char* field, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    return Status::error(StatusCode::kOutOfRange, "%s (%lld) must be an integer from %lld to %lld", field,
                         (long long)v, (long long)lo, (long long)hi);
  }
  return Status::ok();
}

#define GQA_RETURN_IF_ERROR(expr)      \
  do {                                 \
    ::gqa::Status _st = (expr);        \
    if (!_st.is_ok()) return _st;      \
  } while (0)

}  // namespace gqa
