#include "io/schema.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

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

std::string format_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
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

MapReader::MapReader(const YAML::Node& map, std::string section, std::span<const ParamSpec> specs,
                     Diagnostics& d, const YAML::Mark& where)
    : map_(map), section_(std::move(section)), specs_(specs), diagnostics_(&d), map_mark_(where) {
  if (map.IsDefined() && !map.IsNull()) map_mark_ = map.Mark();
  if (!map.IsDefined() || map.IsNull()) {
    map_ = YAML::Node(YAML::NodeType::Map);
  } else if (!map.IsMap()) {
    d.error(map_mark_, section_ + " must be a mapping of key: value");
    return;
  }
  valid_ = true;
  for (const auto& entry : map_) {
    const std::string key = entry.first.Scalar();
    const bool known =
        std::any_of(specs.begin(), specs.end(), [&](const ParamSpec& s) { return s.key == key; });
    if (known) continue;
    std::string message = "unknown key '" + key + "' in " + section_;
    const std::string suggestion = nearest_key(key, specs);
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    d.error(entry.first, message);
  }
  for (const ParamSpec& s : specs)
    if (s.default_text.empty() && !s.optional && !has(s.key))
      d.error(map_mark_, section_ + " is missing required key '" + std::string(s.key) + "' (" +
                             std::string(s.help) + ")");
}

const ParamSpec& MapReader::spec(std::string_view key) const {
  for (const ParamSpec& s : specs_)
    if (s.key == key) return s;
  throw std::logic_error("parameter not declared: " + section_ + "." + std::string(key));
}

bool MapReader::has(std::string_view key) const {
  if (!valid_) return false;
  for (const auto& entry : map_)
    if (entry.first.Scalar() == key) return true;
  return false;
}

YAML::Node MapReader::node(std::string_view key) const {
  // A default-constructed YAML::Node is a defined null; absence must be an undefined node.
  const YAML::Node absent(YAML::NodeType::Undefined);
  if (!valid_) return absent;
  for (const auto& entry : map_)  // first occurrence, like yaml-cpp's lookup
    if (entry.first.Scalar() == key) return entry.second;
  return absent;
}

YAML::Mark MapReader::mark(std::string_view key) const {
  const YAML::Node n = node(key);
  return n.IsDefined() ? n.Mark() : map_mark_;
}

std::string MapReader::where(std::string_view key) const {
  return section_ + "." + std::string(key);
}

void MapReader::error(std::string_view key, const std::string& message) {
  diagnostics_->error(mark(key), message);
}

bool MapReader::check_range(std::string_view key, double value) {
  const ParamSpec& s = spec(key);
  if (value >= s.min && value <= s.max) return true;
  std::string range;
  if (std::isfinite(s.min) && std::isfinite(s.max))
    range = "between " + format_number(s.min) + " and " + format_number(s.max);
  else if (std::isfinite(s.min))
    range = "at least " + format_number(s.min);
  else
    range = "at most " + format_number(s.max);
  error(key, where(key) + " = " + format_number(value) + " is out of range: must be " + range);
  return false;
}

std::optional<double> MapReader::read_number(std::string_view key, const char* what) {
  const YAML::Node n = node(key);
  if (!n.IsDefined()) return std::nullopt;
  const std::string shown = n.IsScalar() ? n.Scalar() : n.IsMap() ? "a mapping" : "a list";
  double v = 0;
  try {
    v = n.as<double>();
  } catch (const YAML::Exception&) {
    error(key, where(key) + " must be " + what + ", got '" + shown + "'");
    return std::nullopt;
  }
  if (!std::isfinite(v)) {
    error(key, where(key) + " must be a finite number, got '" + shown + "'");
    return std::nullopt;
  }
  return v;
}

std::int64_t MapReader::integer(std::string_view key, std::int64_t fallback) {
  const std::optional<double> v = read_number(key, "an integer");
  if (!v) return fallback;
  if (*v != std::floor(*v) || std::abs(*v) > 9.0e15) {
    error(key, where(key) + " must be an integer, got '" + node(key).Scalar() + "'");
    return fallback;
  }
  return check_range(key, *v) ? static_cast<std::int64_t>(*v) : fallback;
}

double MapReader::number(std::string_view key, double fallback) {
  const std::optional<double> v = read_number(key, "a number");
  return v && check_range(key, *v) ? *v : fallback;
}

double MapReader::quantity(std::string_view key, double fallback_si) {
  const YAML::Node n = node(key);
  if (!n.IsDefined()) return fallback_si;
  const ParamSpec& s = spec(key);
  if (!n.IsScalar()) {
    error(key, where(key) + " must be a " + std::string(dimension_name(s.dimension)) + " such as '" +
                   std::string(dimension_example(s.dimension)) + "'");
    return fallback_si;
  }
  const QuantityResult q = parse_quantity(n.Scalar(), s.dimension);
  if (!q.value) {
    error(key, where(key) + ": " + q.error);
    return fallback_si;
  }
  return check_range(key, *q.value) ? *q.value : fallback_si;
}

std::string MapReader::string(std::string_view key, std::string fallback) {
  const YAML::Node n = node(key);
  if (!n.IsDefined()) return fallback;
  if (!n.IsScalar()) {
    error(key, where(key) + " must be a string");
    return fallback;
  }
  const ParamSpec& s = spec(key);
  if (!s.choices.empty()) {
    std::string_view rest = s.choices;
    bool ok = false;
    while (!rest.empty()) {
      const auto bar = rest.find('|');
      if (rest.substr(0, bar) == n.Scalar()) ok = true;
      rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    }
    if (!ok) {
      std::string choices(s.choices);
      std::replace(choices.begin(), choices.end(), '|', ',');
      error(key, where(key) + " = '" + n.Scalar() + "' is not one of: " + choices);
      return fallback;
    }
  }
  return n.Scalar();
}

bool MapReader::boolean(std::string_view key, bool fallback) {
  const YAML::Node n = node(key);
  if (!n.IsDefined()) return fallback;
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    error(key, where(key) + " must be true or false");
    return fallback;
  }
}

}  // namespace wattsim
