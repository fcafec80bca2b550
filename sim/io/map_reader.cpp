#include "io/map_reader.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace wattsim {

namespace {

std::string format_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

MapReader::MapReader(const YAML::Node& map, std::string name, std::span<const ParamSpec> specs,
                     Diagnostics& d, const YAML::Mark& where, std::optional<std::string> path)
    : map_(map), name_(std::move(name)), specs_(specs), diagnostics_(&d), map_mark_(where) {
  if (map.IsDefined() && !map.IsNull()) map_mark_ = map.Mark();
  const std::string prefix = path.value_or(name_);
  d.record(prefix, map_mark_);
  if (!map.IsDefined() || map.IsNull()) {
    map_ = YAML::Node(YAML::NodeType::Map);
  } else if (!map.IsMap()) {
    d.error(map_mark_, name_ + " must be a mapping of key: value");
    return;
  }
  valid_ = true;
  for (const auto& entry : map_) {
    const std::string key = entry.first.Scalar();
    d.record(prefix.empty() ? key : prefix + "." + key, entry.second.Mark());
    if (find_spec(specs, key)) continue;
    std::string message = "unknown key '" + key + "' in " + name_;
    const std::string suggestion = nearest_key(key, specs);
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    d.error(entry.first, message);
  }
  for (const ParamSpec& s : specs)
    if (s.presence == Presence::Required && !has(s.key))
      d.error(map_mark_,
              name_ + " is missing required key '" + std::string(s.key) + "' (" + std::string(s.help) + ")");
}

const ParamSpec& MapReader::spec(std::string_view key) const {
  if (const ParamSpec* s = find_spec(specs_, key)) return *s;
  throw std::logic_error("parameter not declared: " + name_ + "." + std::string(key));
}

double MapReader::default_number(const ParamSpec& s) const {
  if (s.presence == Presence::Derived || s.presence == Presence::Optional)
    throw std::logic_error("parameter " + name_ + "." + std::string(s.key) +
                           " has no declared default: read it with a fallback");
  return s.default_number;  // 0 for a required key that is missing (already reported)
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
  return name_ + "." + std::string(key);
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
  const std::string shown = n.IsScalar()     ? n.Scalar()
                            : n.IsMap()      ? "a mapping"
                            : n.IsSequence() ? "a list"
                                             : "nothing (null)";
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

std::optional<double> MapReader::read_integer(std::string_view key) {
  const std::optional<double> v = read_number(key, "an integer");
  if (!v) return std::nullopt;
  if (*v != std::floor(*v)) {
    error(key, where(key) + " must be an integer, got '" + node(key).Scalar() + "'");
    return std::nullopt;
  }
  if (std::abs(*v) > 9.0e15) {  // beyond exact integers in a double: say how it is out of range
    if (check_range(key, *v))
      error(key, where(key) + " = " + node(key).Scalar() + " is too large an integer");
    return std::nullopt;
  }
  return check_range(key, *v) ? v : std::nullopt;
}

std::optional<double> MapReader::read_quantity(std::string_view key) {
  const YAML::Node n = node(key);
  if (!n.IsDefined()) return std::nullopt;
  const ParamSpec& s = spec(key);
  if (!n.IsScalar()) {
    error(key, where(key) + " must be a " + std::string(dimension_name(s.dimension)) + " such as '" +
                   std::string(dimension_example(s.dimension)) + "'");
    return std::nullopt;
  }
  const QuantityResult q = parse_quantity(n.Scalar(), s.dimension);
  if (!q.value) {
    error(key, where(key) + ": " + q.error);
    return std::nullopt;
  }
  return check_range(key, *q.value) ? q.value : std::nullopt;
}

std::optional<std::string> MapReader::read_string(std::string_view key) {
  const YAML::Node n = node(key);
  if (!n.IsDefined()) return std::nullopt;
  if (!n.IsScalar()) {
    error(key, where(key) + " must be a string, got " +
                   (n.IsNull()  ? "nothing (~)"
                    : n.IsMap() ? "a mapping"
                                : "a list"));
    return std::nullopt;
  }
  const ParamSpec& s = spec(key);
  if (n.Scalar().size() > s.max) {
    error(key, where(key) + " is " + std::to_string(n.Scalar().size()) + " characters long; at most " +
                   format_number(s.max));
    return std::nullopt;
  }
  if (s.choices) {
    const auto allowed = s.choices();
    if (std::find(allowed.begin(), allowed.end(), n.Scalar()) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ",") + std::string(a);
      error(key, where(key) + " = '" + n.Scalar() + "' is not one of: " + list);
      return std::nullopt;
    }
  }
  return n.Scalar();
}

std::optional<bool> MapReader::read_boolean(std::string_view key) {
  const YAML::Node n = node(key);
  if (!n.IsDefined()) return std::nullopt;
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    error(key, where(key) + " must be true or false");
    return std::nullopt;
  }
}

std::int64_t MapReader::integer(std::string_view key) {
  const std::optional<double> v = read_integer(key);
  return static_cast<std::int64_t>(v ? *v : default_number(spec(key)));
}

std::vector<int> MapReader::integer_list(std::string_view key, int min, int max) {
  std::vector<int> values;
  const YAML::Node list = node(key);
  if (!list.IsDefined()) return values;
  if (!list.IsSequence()) {
    error(key, std::string(key) + " must be a list of integers");
    return values;
  }
  for (const YAML::Node& item : list) {
    long long v = static_cast<long long>(min) - 1;
    try {
      v = item.as<long long>();
    } catch (const YAML::Exception&) {
    }
    if (v < min || v > max)
      diagnostics_->error(item, std::string(key) + " entries must be integers from " + std::to_string(min) +
                                    " to " + std::to_string(max));
    values.push_back(static_cast<int>(std::clamp<long long>(v, min, max)));
  }
  return values;
}

double MapReader::number(std::string_view key) {
  const std::optional<double> v = read_number(key, "a number");
  return v && check_range(key, *v) ? *v : default_number(spec(key));
}

double MapReader::quantity(std::string_view key) {
  const std::optional<double> v = read_quantity(key);
  return v ? *v : default_number(spec(key));
}

std::string MapReader::string(std::string_view key) {
  const std::optional<std::string> v = read_string(key);
  if (v) return *v;
  default_number(spec(key));  // rejects a derived default read without its fallback
  return std::string(spec(key).default_text);
}

bool MapReader::boolean(std::string_view key) {
  const std::optional<bool> v = read_boolean(key);
  return v ? *v : default_number(spec(key)) != 0;
}

std::int64_t MapReader::integer_or(std::string_view key, std::int64_t fallback) {
  const std::optional<double> v = read_integer(key);
  return v ? static_cast<std::int64_t>(*v) : fallback;
}

double MapReader::number_or(std::string_view key, double fallback) {
  const std::optional<double> v = read_number(key, "a number");
  return v && check_range(key, *v) ? *v : fallback;
}

double MapReader::quantity_or(std::string_view key, double fallback_si) {
  const std::optional<double> v = read_quantity(key);
  return v ? *v : fallback_si;
}

std::string MapReader::string_or(std::string_view key, std::string fallback) {
  const std::optional<std::string> v = read_string(key);
  return v ? *v : fallback;
}

ParamValues MapReader::values() {
  ParamValues values(specs_);
  for (const ParamSpec& s : specs_) {
    if (!has(s.key)) continue;
    switch (s.type) {
      case ParamType::Integer:
        if (const auto v = read_integer(s.key)) values.set_number(s.key, *v);
        break;
      case ParamType::Number:
        if (const auto v = read_number(s.key, "a number"); v && check_range(s.key, *v))
          values.set_number(s.key, *v);
        break;
      case ParamType::Quantity:
        if (const auto v = read_quantity(s.key)) values.set_number(s.key, *v);
        break;
      case ParamType::Boolean:
        if (const auto v = read_boolean(s.key)) values.set_number(s.key, *v ? 1.0 : 0.0);
        break;
      case ParamType::String:
        if (const auto v = read_string(s.key)) values.set_text(s.key, *v);
        break;
      case ParamType::Map:
      case ParamType::List:
      case ParamType::MapOrString:
        break;  // read by the caller
    }
  }
  return values;
}

}  // namespace wattsim
