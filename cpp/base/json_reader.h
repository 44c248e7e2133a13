// json_reader.h - a small, strict JSON reader for untrusted text (a pasted config.json).
//
// RFC 8259 and nothing more: no comments, NaN, Infinity or trailing commas. Bounded: the text's
// size, the nesting depth, every string's length and the count of values are limited, so a
// hostile input is refused before it costs much; the depth bound keeps the recursive descent
// off the stack's end. A key that appears twice in one object is refused (which one would count
// is not obvious), and so are keys that mean something else to JavaScript (__proto__,
// constructor, prototype). Errors name the path of the value ("config.text_config.head_dim")
// or the byte, line and column where the text stops being JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace gqa {

struct JsonLimits {
  size_t max_bytes = size_t(1) << 20;   // the whole text: 1 MiB (a config.json is a few KiB)
  int max_depth = 32;                   // nested arrays and objects
  size_t max_string = size_t(1) << 16;  // one string or key, in bytes after unescaping
  size_t max_values = size_t(1) << 17;  // every value, containers included
};

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;                                       // kNumber (finite)
  std::string text;                                        // kString
  std::vector<JsonValue> items;                            // kArray
  std::vector<std::pair<std::string, JsonValue>> members;  // kObject, in the text's order

  bool is_null() const { return type == Type::kNull; }
  bool is_object() const { return type == Type::kObject; }
  /// The member `key` of an object, or nullptr (also for a non-object).
  const JsonValue* find(std::string_view key) const;
};

/// "null", "true", "a number", "a string", "an array", "an object": for messages.
const char* json_type_name(JsonValue::Type t);

/// Parses `text` as one JSON value (whitespace around it allowed). `what` names the root in
/// messages ("config"). On error *out is unspecified.
Status parse_json(std::string_view text, const char* what, const JsonLimits& limits, JsonValue* out);

}  // namespace gqa
