// js_values.h - how values cross the boundary, for every adapter: a refusal as { error, name },
// typed arrays in and out in one bulk copy, exact JS numbers, and option strings parsed with a
// message that lists the choices from the core's own tables.
#pragma once

#include <emscripten/val.h>

#include <string>

#include "base/memory_budget.h"
#include "base/status.h"

namespace gqa::js {

using emscripten::val;

/// The JS Error a Status stands for: "TypeError" for wrong kinds of values, "RangeError" for values
/// out of range or over the budget, else "Error".
inline const char* js_error_name(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument: return "TypeError";
    case StatusCode::kOutOfRange: return "RangeError";
    case StatusCode::kOverBudget: return "RangeError";
    default: return "Error";
  }
}

/// { error, name }: the JS face (web/core/validate.js unwrap) throws it.
inline val error_value(const Status& st) {
  val e = val::object();
  e.set("error", st.message());
  e.set("name", std::string(js_error_name(st.code())));
  return e;
}

/// undefined for ok, else the refusal.
inline val status_value(const Status& st) { return st.is_ok() ? val::undefined() : error_value(st); }

/// One bulk copy of a JS Float32Array of n elements into dst.
inline void copy_in(const val& array, float* dst, uint64_t n) {
  val(emscripten::typed_memory_view(size_t(n), dst)).call<void>("set", array);
}

/// A fresh Float32Array (Int32Array for int32_t) holding a copy of src[0..n) (never a view into the heap).
template <class T>
inline val copy_out(const T* src, uint64_t n) {
  return val(emscripten::typed_memory_view(size_t(n), src)).call<val>("slice");
}

/// A float buffer of n elements, or the Status saying why not.
inline Status alloc(Buffer<float>* b, uint64_t n, const char* what) { return b->allocate(n, what); }

/// Two Float32Arrays (a cache append's k and v, or latent and kRope), of na and nb elements,
/// copied into fresh buffers named `what_a` and `what_b` in a refusal.
inline Status copy_pair_in(const val& a, uint64_t na, const char* what_a, Buffer<float>* ab, const val& b, uint64_t nb,
                           const char* what_b, Buffer<float>* bb) {
  GQA_RETURN_IF_ERROR(alloc(ab, na, what_a));
  GQA_RETURN_IF_ERROR(alloc(bb, nb, what_b));
  copy_in(a, ab->data(), na);
  copy_in(b, bb->data(), nb);
  return Status::ok();
}

constexpr double kMaxExactDouble = 9007199254740992.0;  // 2^53: JS numbers are exact below

/// An optional Float32Array of n elements (undefined: absent) copied into *b; *data is b's
/// floats, or nullptr when absent. The JS face has checked the length.
inline Status optional_in(const val& array, uint64_t n, Buffer<float>* b, const float** data, const char* what) {
  *data = nullptr;
  if (array.isUndefined() || array.isNull()) return Status::ok();
  GQA_RETURN_IF_ERROR(alloc(b, n, what));
  copy_in(array, b->data(), n);
  *data = b->data();
  return Status::ok();
}

/// A uint64 count as a JS number, refused if it cannot be exact.
inline Status exact_number(uint64_t bytes, double* out) {
  if (double(bytes) > kMaxExactDouble) {
    return Status::error(StatusCode::kOutOfRange,
                         "the result (%.4g bytes) exceeds 2^53, beyond what a JavaScript number holds exactly",
                         double(bytes));
  }
  *out = double(bytes);
  return Status::ok();
}

/// "'a', 'b' or 'c'": the n names name(0) .. name(n - 1), for a message.
template <class NameOf>
std::string choices(int n, NameOf name) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += i == 0 ? "" : i == n - 1 ? " or " : ", ";
    s += std::string("'") + name(i) + "'";
  }
  return s;
}

/// Parses option `field` (value s) among the n names name(i) into *out = T(i), or says what was expected.
template <class T, class NameOf>
Status parse_choice(const char* field, const std::string& s, int n, NameOf name, T* out) {
  for (int i = 0; i < n; ++i) {
    if (s == name(i)) {
      *out = T(i);
      return Status::ok();
    }
  }
  return Status::error(StatusCode::kOutOfRange, "%s ('%s') must be %s", field, s.c_str(), choices(n, name).c_str());
}

/// A JS array of the n names name(0) .. name(n - 1).
template <class NameOf>
val name_list(int n, NameOf name) {
  val arr = val::array();
  for (int i = 0; i < n; ++i) arr.call<void>("push", std::string(name(i)));
  return arr;
}

}  // namespace gqa::js
