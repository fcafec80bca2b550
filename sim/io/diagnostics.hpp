#pragma once
// Errors in user input, collected (not thrown one by one) so that a file's every problem is reported at
// once, each as `file:line:col: message` with 1-based positions (yaml-cpp marks are 0-based).
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "util/issues.hpp"

namespace wattsim {

// `text` with control characters and bytes that are not UTF-8 escaped (\x1b), cut after max_bytes.
std::string printable(std::string_view text, std::size_t max_bytes);

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the position is unknown
  int column = 0;  // 1-based
  std::string message;
  std::string str() const;
};

class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

class Diagnostics {
 public:
  // A file with more problems than this is listed up to here, then counted.
  static constexpr std::size_t kMaxDiagnostics = 100;

  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  void error(const YAML::Mark& mark, std::string message);
  void error(const YAML::Node& node, std::string message) { error(node.Mark(), std::move(message)); }
  void error(std::string message) { error(YAML::Mark::null_mark(), std::move(message)); }
  void merge(const std::vector<Diagnostic>& other);

  // Where each key path of the file was written ("" the root, "parallelism.tp"), recorded as it is read.
  void record(std::string path, const YAML::Mark& mark);
  // The position of `path`, or of its nearest recorded parent ("parallelism" for "parallelism.tp" not
  // written); null if none is recorded.
  YAML::Mark position_of(std::string_view path) const;
  // Reports the issues a rule found, each at the position of its path.
  void report(const Issues& issues);

  bool empty() const { return list_.empty(); }
  std::size_t count() const { return list_.size(); }
  const std::vector<Diagnostic>& all() const { return list_; }
  // Throws InputError carrying every error collected so far, if any.
  void throw_if_any() const;

 private:
  std::string file_;
  std::vector<Diagnostic> list_;
  std::size_t dropped_ = 0;
  std::vector<std::pair<std::string, YAML::Mark>> positions_;
};

}  // namespace wattsim
