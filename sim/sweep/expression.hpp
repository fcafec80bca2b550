#pragma once
// The small expression language of sweep files: derived values (`parallelism.dp: gpus / (tp * pp)`) and
// constraints (`workload.global_batch % (dp * micro_batch) == 0`). Numbers and strings; + - * / // % **;
// comparisons; and, or, not; min, max, abs, floor, ceil, round, sqrt, log2, log10. Names are scenario key
// paths (`hardware.gpus`), the last part of one when that is unambiguous (`gpus`), or any key path in
// backquotes when it holds a hyphen (`policies.pass-dvfs.slowdown_budget`). An expression is compiled once
// to postfix and evaluated per point without allocating for numbers.
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wattsim {

// Far above any real expression, far below what exhausts the parser's stack.
inline constexpr std::size_t kMaxExpressionLength = 4096;
inline constexpr int kMaxExpressionDepth = 64;

// A value of a sweep: a number (integers are exact up to 2^53) or a string.
struct SweepValue {
  double number = 0;
  std::string text;
  bool is_text = false;

  static SweepValue of(double v) { return {v, {}, false}; }
  static SweepValue of(std::string s) { return {0, std::move(s), true}; }
  bool operator==(const SweepValue& o) const {
    return is_text == o.is_text && (is_text ? text == o.text : number == o.number);
  }
  // As a scenario file would write it: whole numbers without a decimal point, others to 17 digits.
  std::string str() const;
};

// What went wrong, and where in the expression's text (0-based offset).
class ExpressionError : public std::runtime_error {
 public:
  ExpressionError(std::size_t offset, const std::string& message)
      : std::runtime_error(message), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

class Expression {
 public:
  // Throws ExpressionError for a syntax error or an unknown function.
  explicit Expression(std::string text);

  const std::string& text() const { return text_; }
  // The names the expression reads, as written, in order of first use.
  const std::vector<std::string>& names() const { return names_; }
  // Evaluates with each name's value (indexed as names()); throws ExpressionError for a type error,
  // a division by zero or a result that is not finite.
  SweepValue evaluate(const std::vector<SweepValue>& values) const;

 private:
  enum class Op : unsigned char {
    Number,
    Text,
    Name,
    Neg,
    Not,
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Call
  };
  struct Instruction {
    Op op;
    std::size_t offset;     // in the text, for errors
    double number = 0;      // Number; Call: the argument count
    std::size_t index = 0;  // Text: into texts_; Name: into names_; Call: the function
  };
  std::string text_;
  std::vector<Instruction> code_;
  std::vector<std::string> names_, texts_;

  friend class ExpressionParser;
};

}  // namespace wattsim
