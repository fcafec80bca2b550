#include "sweep/expression.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace wattsim {

std::string SweepValue::str() const {
  if (is_text) return text;
  char buf[32];
  if (number == std::floor(number) && std::fabs(number) < 9.007199254740992e15)
    std::snprintf(buf, sizeof buf, "%.0f", number);
  else  // the shortest text that reads back as the same double (1.1, not 1.1000000000000001)
    for (int digits = 15; digits <= 17; ++digits) {
      std::snprintf(buf, sizeof buf, "%.*g", digits, number);
      if (std::strtod(buf, nullptr) == number) break;
    }
  return buf;
}

namespace {

// One argument's functions, by name; min and max take any number and fold.
struct Function {
  std::string_view name;
  int min_args, max_args;
  double (*apply)(double);         // of one argument
  double (*fold)(double, double);  // of several: min, max
};
constexpr std::array<Function, 9> kFunctions = {{
    {"min", 1, 64, nullptr, [](double a, double b) { return std::min(a, b); }},
    {"max", 1, 64, nullptr, [](double a, double b) { return std::max(a, b); }},
    {"abs", 1, 1, [](double x) { return std::fabs(x); }, nullptr},
    {"floor", 1, 1, [](double x) { return std::floor(x); }, nullptr},
    {"ceil", 1, 1, [](double x) { return std::ceil(x); }, nullptr},
    {"round", 1, 1, [](double x) { return std::round(x); }, nullptr},
    {"sqrt", 1, 1, [](double x) { return std::sqrt(x); }, nullptr},
    {"log2", 1, 1, [](double x) { return std::log2(x); }, nullptr},
    {"log10", 1, 1, [](double x) { return std::log10(x); }, nullptr},
}};

std::string function_names() {
  std::string out;
  for (const Function& f : kFunctions) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

}  // namespace

// Recursive descent over the text, emitting postfix instructions; precedence from low to high:
// or, and, not, comparison, + -, * / // %, unary -, **.
class ExpressionParser {
 public:
  explicit ExpressionParser(Expression& e) : e_(e), s_(e.text_) {}

  void parse() {
    if (s_.size() > kMaxExpressionLength)
      throw ExpressionError(kMaxExpressionLength, "the expression is longer than " +
                                                      std::to_string(kMaxExpressionLength) + " characters");
    skip();
    if (pos_ == s_.size()) throw ExpressionError(0, "the expression is empty");
    disjunction();
    skip();
    if (pos_ != s_.size()) throw ExpressionError(pos_, "unexpected '" + std::string(1, s_[pos_]) + "'");
  }

 private:
  using Op = Expression::Op;
  Expression& e_;
  std::string_view s_;
  std::size_t pos_ = 0;
  int depth_ = 0;

  // Nesting is bounded, so that no input can exhaust the stack of the recursive descent.
  struct Nested {
    ExpressionParser& p;
    explicit Nested(ExpressionParser& parser) : p(parser) {
      if (++p.depth_ > kMaxExpressionDepth)
        throw ExpressionError(
            p.pos_, "the expression nests deeper than " + std::to_string(kMaxExpressionDepth) + " levels");
    }
    ~Nested() { --p.depth_; }
  };

  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool accept(std::string_view token) {
    skip();
    if (s_.substr(pos_, token.size()) != token) return false;
    // A word operator must not run into a name (`order` is not `or` + `der`).
    if (name_start(token[0]) && pos_ + token.size() < s_.size() && name_char(s_[pos_ + token.size()]))
      return false;
    pos_ += token.size();
    return true;
  }
  void emit(Op op, std::size_t at, double number = 0, std::size_t index = 0) {
    e_.code_.push_back({op, at, number, index});
  }

  void disjunction() {
    const Nested nested(*this);
    conjunction();
    for (std::size_t at = pos_; accept("or"); at = pos_) conjunction(), emit(Op::Or, at);
  }
  void conjunction() {
    negation();
    for (std::size_t at = pos_; accept("and"); at = pos_) negation(), emit(Op::And, at);
  }
  void negation() {
    const std::size_t at = pos_;
    if (accept("not")) {
      const Nested nested(*this);
      negation();
      emit(Op::Not, at);
    } else {
      comparison();
    }
  }
  void comparison() {
    sum();
    static constexpr std::pair<std::string_view, Op> kComparisons[] = {
        {"==", Op::Eq}, {"!=", Op::Ne}, {"<=", Op::Le}, {">=", Op::Ge}, {"<", Op::Lt}, {">", Op::Gt}};
    skip();
    const std::size_t at = pos_;
    for (const auto& [token, op] : kComparisons)
      if (accept(token)) {
        sum();
        emit(op, at);
        return;
      }
  }
  void sum() {
    product();
    for (;;) {
      skip();
      const std::size_t at = pos_;
      if (accept("+")) {
        product(), emit(Op::Add, at);
      } else if (accept("-")) {
        product(), emit(Op::Sub, at);
      } else {
        return;
      }
    }
  }
  void product() {
    unary();
    for (;;) {
      skip();
      const std::size_t at = pos_;
      if (s_.substr(pos_, 2) == "**") return;  // binds tighter: handled by power()
      if (accept("//")) {
        unary(), emit(Op::FloorDiv, at);
      } else if (accept("*")) {
        unary(), emit(Op::Mul, at);
      } else if (accept("/")) {
        unary(), emit(Op::Div, at);
      } else if (accept("%")) {
        unary(), emit(Op::Mod, at);
      } else {
        return;
      }
    }
  }
  void unary() {
    skip();
    const std::size_t at = pos_;
    if (accept("-")) {
      const Nested nested(*this);
      unary();
      emit(Op::Neg, at);
    } else if (accept("+")) {
      const Nested nested(*this);
      unary();
    } else {
      power();
    }
  }
  void power() {
    primary();
    skip();
    const std::size_t at = pos_;
    if (accept("**")) {
      const Nested nested(*this);
      unary();  // right-associative, and 2 ** -1 is allowed
      emit(Op::Pow, at);
    }
  }
  void primary() {
    skip();
    const std::size_t at = pos_;
    if (pos_ == s_.size()) throw ExpressionError(at, "the expression ends where a value was expected");
    const char c = s_[pos_];
    if (accept("(")) {
      disjunction();
      if (!accept(")")) throw ExpressionError(pos_, "missing ')'");
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const std::string rest(s_.substr(pos_));
      char* end = nullptr;
      const double v = std::strtod(rest.c_str(), &end);
      if (end == rest.c_str()) throw ExpressionError(at, "not a number");
      pos_ += static_cast<std::size_t>(end - rest.c_str());
      emit(Op::Number, at, v);
    } else if (c == '"' || c == '\'') {
      const std::size_t close = s_.find(c, pos_ + 1);
      if (close == std::string_view::npos) throw ExpressionError(at, "a string that is never closed");
      e_.texts_.emplace_back(s_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
      emit(Op::Text, at, 0, e_.texts_.size() - 1);
    } else if (c == '`') {
      const std::size_t close = s_.find('`', pos_ + 1);
      if (close == std::string_view::npos) throw ExpressionError(at, "a `name` that is never closed");
      name(s_.substr(pos_ + 1, close - pos_ - 1), at);
      pos_ = close + 1;
    } else if (name_start(c)) {
      std::size_t end = pos_;
      while (end < s_.size() && name_char(s_[end])) ++end;
      const std::string_view word = s_.substr(pos_, end - pos_);
      pos_ = end;
      if (accept("(")) {
        call(word, at);
      } else if (word == "true" || word == "false") {
        emit(Op::Number, at, word == "true" ? 1 : 0);
      } else {
        name(word, at);
      }
    } else {
      throw ExpressionError(at, "unexpected '" + std::string(1, c) + "'");
    }
  }
  void name(std::string_view word, std::size_t at) {
    if (word.empty()) throw ExpressionError(at, "an empty name");
    std::size_t index = 0;
    while (index < e_.names_.size() && e_.names_[index] != word) ++index;
    if (index == e_.names_.size()) e_.names_.emplace_back(word);
    emit(Op::Name, at, 0, index);
  }
  void call(std::string_view word, std::size_t at) {
    std::size_t function = 0;
    while (function < kFunctions.size() && kFunctions[function].name != word) ++function;
    if (function == kFunctions.size())
      throw ExpressionError(at, "unknown function '" + std::string(word) + "'; known: " + function_names());
    int args = 0;
    if (!accept(")")) {
      do {
        disjunction();
        ++args;
      } while (accept(","));
      if (!accept(")"))
        throw ExpressionError(pos_, "missing ')' after the arguments of " + std::string(word));
    }
    const Function& f = kFunctions[function];
    if (args < f.min_args || args > f.max_args)
      throw ExpressionError(at, std::string(word) + " takes " +
                                    (f.min_args == f.max_args ? std::to_string(f.min_args)
                                                              : "at least " + std::to_string(f.min_args)) +
                                    " argument(s), not " + std::to_string(args));
    emit(Op::Call, at, args, function);
  }
};

Expression::Expression(std::string text) : text_(std::move(text)) {
  ExpressionParser(*this).parse();
}

SweepValue Expression::evaluate(const std::vector<SweepValue>& values) const {
  std::vector<SweepValue> stack;
  stack.reserve(code_.size());
  auto number = [&](const SweepValue& v, std::size_t at) {
    if (v.is_text) throw ExpressionError(at, "'" + v.text + "' is a string where a number is needed");
    return v.number;
  };
  for (const Instruction& in : code_) {
    switch (in.op) {
      case Op::Number:
        stack.push_back(SweepValue::of(in.number));
        continue;
      case Op::Text:
        stack.push_back(SweepValue::of(texts_[in.index]));
        continue;
      case Op::Name:
        stack.push_back(values.at(in.index));
        continue;
      case Op::Neg:
        stack.back() = SweepValue::of(-number(stack.back(), in.offset));
        continue;
      case Op::Not:
        stack.back() = SweepValue::of(number(stack.back(), in.offset) == 0 ? 1.0 : 0.0);
        continue;
      case Op::Call: {
        const std::size_t n = static_cast<std::size_t>(in.number);
        std::vector<double> args;
        for (std::size_t i = stack.size() - n; i < stack.size(); ++i)
          args.push_back(number(stack[i], in.offset));
        stack.resize(stack.size() - n);
        const Function& f = kFunctions[in.index];
        double r = args[0];
        if (f.fold)
          for (double x : args) r = f.fold(r, x);
        else
          r = f.apply(r);
        if (!std::isfinite(r)) throw ExpressionError(in.offset, "the result is not a finite number");
        stack.push_back(SweepValue::of(r));
        continue;
      }
      default:
        break;
    }
    const SweepValue b = std::move(stack.back());
    stack.pop_back();
    SweepValue& a = stack.back();
    if (in.op == Op::Eq || in.op == Op::Ne) {
      const bool equal = a == b;
      a = SweepValue::of((in.op == Op::Eq) == equal ? 1.0 : 0.0);
      continue;
    }
    if (in.op == Op::Add && a.is_text && b.is_text) {
      a = SweepValue::of(a.text + b.text);
      continue;
    }
    const double x = number(a, in.offset), y = number(b, in.offset);
    double r = 0;
    switch (in.op) {
      case Op::Add:
        r = x + y;
        break;
      case Op::Sub:
        r = x - y;
        break;
      case Op::Mul:
        r = x * y;
        break;
      case Op::Div:
      case Op::FloorDiv:
      case Op::Mod:
        if (y == 0) throw ExpressionError(in.offset, "division by zero");
        r = in.op == Op::Div ? x / y : in.op == Op::FloorDiv ? std::floor(x / y) : x - y * std::floor(x / y);
        break;
      case Op::Pow:
        r = std::pow(x, y);
        break;
      case Op::Lt:
        r = x < y;
        break;
      case Op::Le:
        r = x <= y;
        break;
      case Op::Gt:
        r = x > y;
        break;
      case Op::Ge:
        r = x >= y;
        break;
      case Op::And:
        r = x != 0 && y != 0;
        break;
      default:  // Or
        r = x != 0 || y != 0;
    }
    if (!std::isfinite(r)) throw ExpressionError(in.offset, "the result is not a finite number");
    a = SweepValue::of(r);
  }
  return std::move(stack.back());
}

}  // namespace wattsim
