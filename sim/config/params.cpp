#include "config/params.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "util/enum_names.hpp"

namespace wattsim {

std::string_view type_name(const ParamSpec& spec) {
  switch (spec.type) {
    case ParamType::Integer:
      return "integer";
    case ParamType::Number:
      return "number";
    case ParamType::Quantity:
      return dimension_name(spec.dimension);
    case ParamType::String:
      return "string";
    case ParamType::Boolean:
      return "boolean";
    case ParamType::Map:
      return "mapping";
    case ParamType::List:
      return "list";
    case ParamType::MapOrString:
      return "name or mapping";
  }
  return "value";
}

std::string default_description(const ParamSpec& spec) {
  switch (spec.presence) {
    case Presence::Required:
      return "required";
    case Presence::Optional:
      return "—";
    case Presence::Derived:
      return std::string(spec.default_text);
    case Presence::Default:
      break;
  }
  std::ostringstream s;
  switch (spec.type) {
    case ParamType::Quantity:
      return format_quantity(spec.default_number, spec.dimension);
    case ParamType::Boolean:
      return spec.default_number != 0 ? "true" : "false";
    case ParamType::String:
      return spec.default_text.empty() ? "\"\"" : std::string(spec.default_text);
    default:
      s << spec.default_number;
      return s.str();
  }
}

std::string choices_text(const ParamSpec& spec) {
  return spec.choices ? join_names(spec.choices()) : "";
}

const ParamSpec* find_spec(std::span<const ParamSpec> specs, std::string_view key) {
  for (const ParamSpec& s : specs)
    if (s.key == key) return &s;
  return nullptr;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string nearest_key(std::string_view key, std::span<const ParamSpec> specs) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (const ParamSpec& s : specs) {
    const std::size_t d = edit_distance(key, s.key);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(s.key);
    }
  }
  return best;
}

const ParamSpec& ParamValues::spec(std::string_view key) const {
  if (const ParamSpec* s = find_spec(specs_, key)) return *s;
  throw std::logic_error("parameter not declared: " + std::string(key));
}

const ParamValues::Given* ParamValues::given(std::string_view key) const {
  for (const Given& g : given_)
    if (g.key == key) return &g;
  return nullptr;
}

bool ParamValues::has(std::string_view key) const {
  spec(key);
  return given(key) != nullptr;
}

double ParamValues::number(std::string_view key) const {
  const ParamSpec& s = spec(key);
  if (const Given* g = given(key)) return g->number;
  if (s.presence != Presence::Default)
    throw std::logic_error("parameter " + std::string(key) + " is absent and has no declared default");
  return s.default_number;
}

std::int64_t ParamValues::integer(std::string_view key) const {
  return static_cast<std::int64_t>(number(key));
}

bool ParamValues::flag(std::string_view key) const {
  return number(key) != 0;
}

std::string ParamValues::text(std::string_view key) const {
  const ParamSpec& s = spec(key);
  if (const Given* g = given(key)) return g->text;
  if (s.presence != Presence::Default)
    throw std::logic_error("parameter " + std::string(key) + " is absent and has no declared default");
  return std::string(s.default_text);
}

double ParamValues::number_or(std::string_view key, double fallback) const {
  const ParamSpec& s = spec(key);
  if (s.presence == Presence::Default)
    throw std::logic_error("parameter " + std::string(key) +
                           " has a declared default; read it with number()");
  const Given* g = given(key);
  return g ? g->number : fallback;
}

void ParamValues::set_number(std::string_view key, double value) {
  spec(key);
  for (Given& g : given_)
    if (g.key == key) {
      g.number = value;
      return;
    }
  given_.push_back({std::string(key), value, {}});
}

void ParamValues::set_text(std::string_view key, std::string value) {
  spec(key);
  for (Given& g : given_)
    if (g.key == key) {
      g.text = std::move(value);
      return;
    }
  given_.push_back({std::string(key), 0, std::move(value)});
}

}  // namespace wattsim
