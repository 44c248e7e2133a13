// json_reader.cpp - see json_reader.h. A recursive-descent parser over the text, one pass.
#include "base/json_reader.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace gqa {

const JsonValue* JsonValue::find(std::string_view key) const {
  if (type != Type::kObject) return nullptr;
  for (const auto& m : members) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

const char* json_type_name(JsonValue::Type t) {
  constexpr const char* kNames[] = {"null", "true or false", "a number", "a string", "an array", "an object"};
  return kNames[int(t)];
}

namespace {

/// Keys a JavaScript object would not keep as plain data.
bool reserved_key(const std::string& k) { return k == "__proto__" || k == "constructor" || k == "prototype"; }

class Parser {
 public:
  Parser(std::string_view text, const JsonLimits& limits) : s_(text), limits_(limits) {}

  Status document(const char* what, JsonValue* out) {
    if (s_.size() > limits_.max_bytes) {
      return Status::error(StatusCode::kOutOfRange, "%s (%llu bytes) is over the limit of %llu bytes", what,
                           (unsigned long long)s_.size(), (unsigned long long)limits_.max_bytes);
    }
    GQA_RETURN_IF_ERROR(value(what, 0, out));
    skip_space();
    if (i_ != s_.size()) return syntax(what, "nothing after the value");
    return Status::ok();
  }

 private:
  /// The text is not JSON at byte i_: its line and column, and what was expected.
  Status syntax(const std::string& path, const char* expected) const {
    size_t line = 1, col = 1;
    for (size_t k = 0; k < i_ && k < s_.size(); ++k) {
      if (s_[k] == '\n') { ++line; col = 1; } else { ++col; }
    }
    return Status::error(StatusCode::kInvalidArgument, "%s is not valid JSON at byte %llu (line %llu, column %llu): expected %s",
                         path.c_str(), (unsigned long long)i_, (unsigned long long)line, (unsigned long long)col, expected);
  }

  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  bool literal(const char* word) {
    const size_t n = std::strlen(word);
    if (s_.substr(i_, n) != word) return false;
    i_ += n;
    return true;
  }

  Status value(const std::string& path, int depth, JsonValue* out) {
    if (++values_ > limits_.max_values) {
      return Status::error(StatusCode::kOutOfRange, "%s: the text holds more than %llu values", path.c_str(),
                           (unsigned long long)limits_.max_values);
    }
    skip_space();
    if (i_ >= s_.size()) return syntax(path, "a value");
    const char c = s_[i_];
    if (c == '{' || c == '[') {
      if (depth >= limits_.max_depth) {
        return Status::error(StatusCode::kOutOfRange, "%s is nested deeper than %d levels", path.c_str(), limits_.max_depth);
      }
      return c == '{' ? object(path, depth + 1, out) : array(path, depth + 1, out);
    }
    if (c == '"') {
      out->type = JsonValue::Type::kString;
      return string(path, &out->text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(path, out);
    if (literal("true")) { out->type = JsonValue::Type::kBool; out->boolean = true; return Status::ok(); }
    if (literal("false")) { out->type = JsonValue::Type::kBool; out->boolean = false; return Status::ok(); }
    if (literal("null")) { out->type = JsonValue::Type::kNull; return Status::ok(); }
    return syntax(path, "a value (an object, array, string, number, true, false or null)");
  }

  Status object(const std::string& path, int depth, JsonValue* out) {
    out->type = JsonValue::Type::kObject;
    ++i_;  // '{'
    skip_space();
    if (i_ < s_.size() && s_[i_] == '}') { ++i_; return Status::ok(); }
    for (;;) {
      skip_space();
      if (i_ >= s_.size() || s_[i_] != '"') return syntax(path, "a key in double quotes");
      std::string key;
      GQA_RETURN_IF_ERROR(string(path, &key));
      const std::string child = path + "." + key;
      if (reserved_key(key)) {
        return Status::error(StatusCode::kInvalidArgument, "%s: a key named '%s' is refused (it is not data in JavaScript)",
                             child.c_str(), key.c_str());
      }
      if (out->find(key)) return Status::error(StatusCode::kInvalidArgument, "%s appears twice", child.c_str());
      skip_space();
      if (i_ >= s_.size() || s_[i_] != ':') return syntax(child, "':'");
      ++i_;
      out->members.emplace_back(std::move(key), JsonValue());
      GQA_RETURN_IF_ERROR(value(child, depth, &out->members.back().second));
      skip_space();
      if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
      if (i_ < s_.size() && s_[i_] == '}') { ++i_; return Status::ok(); }
      return syntax(path, "',' or '}'");
    }
  }

  Status array(const std::string& path, int depth, JsonValue* out) {
    out->type = JsonValue::Type::kArray;
    ++i_;  // '['
    skip_space();
    if (i_ < s_.size() && s_[i_] == ']') { ++i_; return Status::ok(); }
    for (;;) {
      out->items.emplace_back();
      GQA_RETURN_IF_ERROR(value(path + "[" + std::to_string(out->items.size() - 1) + "]", depth, &out->items.back()));
      skip_space();
      if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
      if (i_ < s_.size() && s_[i_] == ']') { ++i_; return Status::ok(); }
      return syntax(path, "',' or ']'");
    }
  }

  /// Four hex digits at i_ (after "\u"), or -1.
  int hex4() {
    if (s_.size() - i_ < 4) return -1;
    int v = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_ + k];
      const int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    i_ += 4;
    return v;
  }

  static void put_utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(char(cp));
    } else if (cp < 0x800) {
      out->push_back(char(0xC0 | cp >> 6));
      out->push_back(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(char(0xE0 | cp >> 12));
      out->push_back(char(0x80 | (cp >> 6 & 0x3F)));
      out->push_back(char(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(char(0xF0 | cp >> 18));
      out->push_back(char(0x80 | (cp >> 12 & 0x3F)));
      out->push_back(char(0x80 | (cp >> 6 & 0x3F)));
      out->push_back(char(0x80 | (cp & 0x3F)));
    }
  }

  Status string(const std::string& path, std::string* out) {
    ++i_;  // '"'
    out->clear();
    for (;;) {
      if (out->size() > limits_.max_string) {
        return Status::error(StatusCode::kOutOfRange, "%s: a string is longer than %llu bytes", path.c_str(),
                             (unsigned long long)limits_.max_string);
      }
      if (i_ >= s_.size()) return syntax(path, "the closing '\"' of a string");
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') { ++i_; return Status::ok(); }
      if (c < 0x20) return syntax(path, "no control character inside a string");
      if (c != '\\') { out->push_back(char(c)); ++i_; continue; }
      ++i_;
      if (i_ >= s_.size()) return syntax(path, "an escape after '\\'");
      const char e = s_[i_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          int cp = hex4();
          if (cp < 0) return syntax(path, "four hex digits after '\\u'");
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half
            if (!literal("\\u")) return syntax(path, "the low surrogate of a \\u pair");
            const int lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) return syntax(path, "the low surrogate of a \\u pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return syntax(path, "a high surrogate before a low one");
          }
          put_utf8(uint32_t(cp), out);
          break;
        }
        default: --i_; return syntax(path, "an escape: one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
      }
    }
  }

  Status number(const std::string& path, JsonValue* out) {
    const size_t start = i_;
    auto digits = [&] { size_t n = 0; while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') { ++i_; ++n; } return n; };
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      return syntax(path, "a digit");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return syntax(path, "a digit after '.'");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return syntax(path, "a digit in the exponent");
    }
    if (i_ - start > 64) return Status::error(StatusCode::kOutOfRange, "%s: a number is written in more than 64 characters", path.c_str());
    char buf[72];
    std::memcpy(buf, s_.data() + start, i_ - start);
    buf[i_ - start] = '\0';
    const double x = std::strtod(buf, nullptr);
    if (!std::isfinite(x)) return Status::error(StatusCode::kOutOfRange, "%s (%s) is beyond a double's range", path.c_str(), buf);
    out->type = JsonValue::Type::kNumber;
    out->number = x;
    return Status::ok();
  }

  std::string_view s_;
  const JsonLimits& limits_;
  size_t i_ = 0;
  size_t values_ = 0;
};

}  // namespace

Status parse_json(std::string_view text, const char* what, const JsonLimits& limits, JsonValue* out) {
  *out = JsonValue();
  return Parser(text, limits).document(what, out);
}

}  // namespace gqa
