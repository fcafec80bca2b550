#pragma once
// Every input parameter is declared once: key, type, unit, its one typed default (or the rule that derives
// it), valid range, allowed values and help. The same declaration validates input (io/map_reader.hpp),
// supplies the default to the code that reads the value (ParamValues, MapReader), and documents it
// (`wattsim list parameters`, docs/scenario.md), so the three cannot drift apart.
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/quantity.hpp"

namespace wattsim {

enum class ParamType { Integer, Number, Quantity, String, Boolean, Map, List, MapOrString };

// What happens when a parameter is absent.
enum class Presence : std::uint8_t {
  Required,  // an error
  Optional,  // nothing: the reader asks has() (a deadline that, when absent, comes from a slack)
  Default,   // the declared typed default
  Derived,   // a value that follows from other input (the GPU profile's TDP); default_text says which
};

struct ParamSpec {
  std::string_view key;
  ParamType type;
  std::string_view help;
  Presence presence = Presence::Required;
  double default_number = 0;      // Integer, Number, Quantity (SI base unit) and Boolean (0 or 1) defaults
  std::string_view default_text;  // String defaults; for Derived and sections, how the default comes about
  Dimension dimension = Dimension::Power;  // for quantities
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string_view> (*choices)() = nullptr;  // allowed strings; null: any
};

std::string_view type_name(const ParamSpec& spec);
// The default as the reference shows it: "0.01", "25 MiB", "true", "1f1b", the derivation rule, "required"
// or "—".
std::string default_description(const ParamSpec& spec);
// "gpipe, 1f1b, interleaved", or "" when any string is allowed.
std::string choices_text(const ParamSpec& spec);

// Constructors that name what each field means at the declaration site. The default argument is either a
// typed value or one of kRequired, kNoDefault, derived("...").
namespace param {
inline constexpr double kNoLimit = std::numeric_limits<double>::infinity();
struct DefaultRule {
  Presence presence;
  std::string_view text;
};
inline constexpr DefaultRule kRequired{Presence::Required, ""};
inline constexpr DefaultRule kNoDefault{Presence::Optional, ""};
constexpr DefaultRule derived(std::string_view how) {
  return {Presence::Derived, how};
}

constexpr ParamSpec basic(std::string_view key, ParamType type, std::string_view help, double min = -kNoLimit,
                          double max = kNoLimit, Dimension dimension = Dimension::Power) {
  ParamSpec spec{};
  spec.key = key;
  spec.type = type;
  spec.help = help;
  spec.dimension = dimension;
  spec.min = min;
  spec.max = max;
  return spec;
}
constexpr ParamSpec with_rule(ParamSpec spec, DefaultRule rule) {
  spec.presence = rule.presence;
  spec.default_text = rule.text;
  return spec;
}
constexpr ParamSpec with_value(ParamSpec spec, double value) {
  spec.presence = Presence::Default;
  spec.default_number = value;
  return spec;
}

constexpr ParamSpec integer(std::string_view key, std::string_view help, long long def, double min,
                            double max) {
  return with_value(basic(key, ParamType::Integer, help, min, max), static_cast<double>(def));
}
constexpr ParamSpec integer(std::string_view key, std::string_view help, DefaultRule def, double min,
                            double max) {
  return with_rule(basic(key, ParamType::Integer, help, min, max), def);
}
constexpr ParamSpec number(std::string_view key, std::string_view help, double def, double min, double max) {
  return with_value(basic(key, ParamType::Number, help, min, max), def);
}
constexpr ParamSpec number(std::string_view key, std::string_view help, DefaultRule def, double min,
                           double max) {
  return with_rule(basic(key, ParamType::Number, help, min, max), def);
}
// def in the SI base unit of dim (bytes, seconds, watts...).
constexpr ParamSpec quantity(std::string_view key, Dimension dim, std::string_view help, double def,
                             double min, double max) {
  return with_value(basic(key, ParamType::Quantity, help, min, max, dim), def);
}
constexpr ParamSpec quantity(std::string_view key, Dimension dim, std::string_view help, DefaultRule def,
                             double min, double max) {
  return with_rule(basic(key, ParamType::Quantity, help, min, max, dim), def);
}
// Strings are names, paths and one-line descriptions: at most this long (they end up in HDF5 attributes
// and terminal messages), declared as the string's `max`.
inline constexpr double kMaxTextLength = 1024;

constexpr ParamSpec text(std::string_view key, std::string_view help, std::string_view def) {
  ParamSpec spec = basic(key, ParamType::String, help, 0, kMaxTextLength);
  spec.presence = Presence::Default;
  spec.default_text = def;
  return spec;
}
constexpr ParamSpec text(std::string_view key, std::string_view help, DefaultRule def) {
  return with_rule(basic(key, ParamType::String, help, 0, kMaxTextLength), def);
}
// A string that must be one of `choices` (an enumeration's name table, or a registry's names).
constexpr ParamSpec choice(std::string_view key, std::string_view help, std::string_view def,
                           std::vector<std::string_view> (*choices)()) {
  ParamSpec spec = text(key, help, def);
  spec.choices = choices;
  return spec;
}
constexpr ParamSpec choice(std::string_view key, std::string_view help, DefaultRule def,
                           std::vector<std::string_view> (*choices)()) {
  ParamSpec spec = text(key, help, def);
  spec.choices = choices;
  return spec;
}
constexpr ParamSpec flag(std::string_view key, std::string_view help, bool def) {
  return with_value(basic(key, ParamType::Boolean, help), def ? 1.0 : 0.0);
}
// A name or an inline mapping (a model), read by its own code.
constexpr ParamSpec name_or_mapping(std::string_view key, std::string_view help) {
  return basic(key, ParamType::MapOrString, help);
}
// A nested mapping or a list, read by its own code; `absent` says what leaving it out means.
constexpr ParamSpec section(std::string_view key, std::string_view help, std::string_view absent = "") {
  return with_rule(basic(key, ParamType::Map, help),
                   absent.empty() ? kRequired : DefaultRule{Presence::Derived, absent});
}
constexpr ParamSpec list(std::string_view key, std::string_view help, std::string_view absent = "") {
  return with_rule(basic(key, ParamType::List, help),
                   absent.empty() ? kRequired : DefaultRule{Presence::Derived, absent});
}
}  // namespace param

const ParamSpec* find_spec(std::span<const ParamSpec> specs, std::string_view key);
// The valid key nearest to `key` by edit distance, or "" if none is close.
std::string nearest_key(std::string_view key, std::span<const ParamSpec> specs);

// Values of declared parameters, as given (typed, units converted to SI) or, where absent, as declared:
// what a policy or a sweep point is configured with, free of any file format.
class ParamValues {
 public:
  ParamValues() = default;
  explicit ParamValues(std::span<const ParamSpec> specs) : specs_(specs) {}

  std::span<const ParamSpec> specs() const { return specs_; }
  bool has(std::string_view key) const;  // given explicitly

  // The value given, or the declared default. Throws std::logic_error for an undeclared key or an absent
  // one without a typed default (ask has() first, or use the _or form for derived defaults).
  double number(std::string_view key) const;
  std::int64_t integer(std::string_view key) const;
  bool flag(std::string_view key) const;
  std::string text(std::string_view key) const;
  // For Optional and Derived parameters: the value given, else `fallback`.
  double number_or(std::string_view key, double fallback) const;

  void set_number(std::string_view key, double value);
  void set_text(std::string_view key, std::string value);

 private:
  struct Given {
    std::string key;
    double number = 0;
    std::string text;
  };
  const ParamSpec& spec(std::string_view key) const;
  const Given* given(std::string_view key) const;

  std::span<const ParamSpec> specs_;
  std::vector<Given> given_;
};

}  // namespace wattsim
