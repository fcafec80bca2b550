#include "io/diagnostics.hpp"

#include <algorithm>

namespace wattsim {

namespace {

// The length of the UTF-8 sequence starting at s[i], or 0 if it is not a valid one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  return n;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (out.size() >= max_bytes) return out + "…";
    const std::size_t n = utf8_length(text, i);
    const auto c = static_cast<unsigned char>(text[i]);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F))) {
      static const char* const kHex = "0123456789abcdef";
      out += c == '\n'   ? std::string("\\n")
             : c == '\t' ? std::string("\\t")
                         : std::string{'\\', 'x', kHex[c >> 4], kHex[c & 0xF]};
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string Diagnostic::str() const {
  // Messages quote the input: control characters and bytes that are not UTF-8 are escaped, and a message
  // that quotes a huge value is cut, so no input reaches the terminal raw.
  const std::string shown = printable(message, 1000);
  if (line <= 0) return printable(file, 1000) + ": " + shown;
  return printable(file, 1000) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + shown;
}

namespace {
std::string join(const std::vector<Diagnostic>& list) {
  std::string s;
  for (const auto& d : list) s += (s.empty() ? "" : "\n") + d.str();
  return s;
}

}  // namespace

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void Diagnostics::error(const YAML::Mark& mark, std::string message) {
  Diagnostic d;
  d.file = file_;
  if (!mark.is_null() && mark.line >= 0) {
    d.line = mark.line + 1;
    d.column = mark.column + 1;
  }
  d.message = std::move(message);
  if (list_.size() < kMaxDiagnostics)
    list_.push_back(std::move(d));
  else
    ++dropped_;
}

void Diagnostics::merge(const std::vector<Diagnostic>& other) {
  list_.insert(list_.end(), other.begin(), other.end());
}

void Diagnostics::record(std::string path, const YAML::Mark& mark) {
  positions_.emplace_back(std::move(path), mark);
}

YAML::Mark Diagnostics::position_of(std::string_view path) const {
  for (;;) {
    for (const auto& [recorded, mark] : positions_)
      if (recorded == path) return mark;
    if (path.empty()) return YAML::Mark::null_mark();
    const auto dot = path.rfind('.');
    path = dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
  }
}

void Diagnostics::report(const Issues& issues) {
  for (const Issue& i : issues) {
    std::string message = i.message;
    if (const YAML::Mark other = position_of(i.related); !i.related.empty() && !other.is_null())
      message += " (see " + std::to_string(other.line + 1) + ":" + std::to_string(other.column + 1) + ")";
    error(position_of(i.path), message);
  }
}

void Diagnostics::throw_if_any() const {
  if (list_.empty()) return;
  std::vector<Diagnostic> all = list_;
  if (dropped_ > 0)
    all.push_back({file_, 0, 0,
                   "and " + std::to_string(dropped_) + " more errors (the first " +
                       std::to_string(kMaxDiagnostics) + " are listed)"});
  throw InputError(std::move(all));
}

}  // namespace wattsim
