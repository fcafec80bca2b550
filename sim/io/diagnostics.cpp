#include "io/diagnostics.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace wattsim {

std::string Diagnostic::str() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {
std::string join(const std::vector<Diagnostic>& list) {
  std::string s;
  for (const auto& d : list) s += (s.empty() ? "" : "\n") + d.str();
  return s;
}

void check_duplicate_keys(const YAML::Node& node, Diagnostics& diagnostics) {
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& entry : node) {
      if (entry.first.IsScalar()) {
        const std::string key = entry.first.Scalar();
        if (!seen.insert(key).second) diagnostics.error(entry.first, "duplicate key '" + key + "'");
      }
      check_duplicate_keys(entry.second, diagnostics);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) check_duplicate_keys(item, diagnostics);
  }
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
  list_.push_back(std::move(d));
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
  for (const Issue& i : issues) error(position_of(i.path), i.message);
}

void Diagnostics::throw_if_any() const {
  if (!list_.empty()) throw InputError(list_);
}

YAML::Node load_yaml_string(const std::string& text, Diagnostics& diagnostics) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    diagnostics.error(e.mark, "YAML syntax error: " + e.msg);
    return YAML::Node();
  }
  check_duplicate_keys(root, diagnostics);
  return root;
}

std::string read_input_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({Diagnostic{path, 0, 0, "cannot open " + what}});
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

YAML::Node load_yaml_file(const std::string& path, Diagnostics& diagnostics) {
  return load_yaml_string(read_input_file(path), diagnostics);
}

}  // namespace wattsim
