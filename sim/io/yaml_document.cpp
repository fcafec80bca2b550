#include "io/yaml_document.hpp"

#include <yaml-cpp/depthguard.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

#include "io/input_file.hpp"

namespace wattsim {

namespace {

// The byte offset of a mark in the text.
std::size_t offset_of(const std::string& text, const YAML::Mark& mark) {
  return mark.pos >= 0 ? static_cast<std::size_t>(mark.pos) : text.size();
}

// A quoted scalar whose closing quote never comes: yaml-cpp takes the rest of the file as its value.
bool runs_to_the_end(const std::string& text, const YAML::Mark& mark) {
  std::size_t at = offset_of(text, mark);
  if (at >= text.size() || (text[at] != '"' && text[at] != '\'')) return false;
  const char quote = text[at];
  for (++at; at < text.size(); ++at) {
    if (quote == '"' && text[at] == '\\') {
      ++at;
    } else if (text[at] == quote) {
      if (quote == '\'' && at + 1 < text.size() && text[at + 1] == '\'') {
        ++at;  // '' is a quote inside a single-quoted string
        continue;
      }
      return false;
    }
  }
  return true;
}

class Walk {
 public:
  Walk(const std::string& text, Diagnostics& d) : text_(text), d_(d) {}

  // Returns false once a bound is hit or a string runs to the end (then nothing else in the file can be
  // trusted, and the rest is not walked).
  bool visit(const YAML::Node& node, int depth) {
    if (++values_ > kMaxYamlValues) {
      d_.error(node, "the document expands to more than " + std::to_string(kMaxYamlValues) +
                         " values: aliases that repeat other aliases? (wattsim files hold a few hundred)");
      return false;
    }
    if (depth > kMaxYamlDepth) {
      d_.error(node, "the document nests deeper than " + std::to_string(kMaxYamlDepth) +
                         " levels here: an alias that contains itself?");
      return false;
    }
    if (node.IsScalar() && node.Tag() == "!" && runs_to_the_end(text_, node.Mark())) {
      d_.error(node, "this quoted string is never closed: it runs to the end of the file");
      return false;
    }
    if (node.IsMap()) {
      std::set<std::string> seen;
      for (const auto& entry : node) {
        if (entry.first.IsScalar() && !seen.insert(entry.first.Scalar()).second)
          d_.error(entry.first, "duplicate key '" + entry.first.Scalar() + "'");
        if (!visit(entry.first, depth + 1) || !visit(entry.second, depth + 1)) return false;
      }
    } else if (node.IsSequence()) {
      for (const auto& item : node)
        if (!visit(item, depth + 1)) return false;
    }
    return true;
  }

 private:
  const std::string& text_;
  Diagnostics& d_;
  std::size_t values_ = 0;
};

// The line (0-based) where a second document begins, or -1. Document markers ("---", "...") stand at column 0
// by YAML's grammar (block scalars are indented), so lines tell it. (yaml-cpp 0.7's LoadAll loops forever
// on some two-byte inputs, such as ",:", so it is not asked.)
int second_document_line(const std::string& text) {
  bool content = false, ended = false;
  int line = 0;
  for (std::size_t at = 0; at < text.size(); ++line) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view row(text.data() + at, end - at);
    at = end + 1;
    const auto marker = [&](std::string_view m) {
      return row.substr(0, 3) == m && (row.size() == 3 || row[3] == ' ' || row[3] == '\t' || row[3] == '\r');
    };
    const std::size_t first = row.find_first_not_of(" \t\r");
    if (marker("---")) {
      if (content || ended) return line;
      continue;
    }
    if (marker("...")) {
      ended = content;
      continue;
    }
    if (first == std::string_view::npos || row[first] == '#') continue;
    if (ended) return line;
    content = true;
  }
  return -1;
}

}  // namespace

YAML::Node load_yaml_string(const std::string& text, Diagnostics& diagnostics) {
  YAML::Node document;
  try {
    document = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    diagnostics.error(e.mark, "the document nests deeper than yaml-cpp reads (" + std::to_string(e.depth()) +
                                  " levels); wattsim files nest a few levels");
    return YAML::Node();
  } catch (const YAML::ParserException& e) {
    diagnostics.error(e.mark, "YAML syntax error: " + e.msg);
    return YAML::Node();
  }
  if (const int line = second_document_line(text); line >= 0) {
    YAML::Mark mark;
    mark.line = line;
    mark.column = 0;
    diagnostics.error(mark, "a second YAML document (after '---'): a file holds one document");
    return YAML::Node();
  }
  if (!Walk(text, diagnostics).visit(document, 0)) return YAML::Node();
  return document;
}

YAML::Node load_yaml_file(const std::string& path, Diagnostics& diagnostics) {
  return load_yaml_string(read_input_file(path), diagnostics);
}

}  // namespace wattsim
