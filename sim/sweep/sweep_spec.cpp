#include "sweep/sweep_spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <utility>

#include "config/scenario_schema.hpp"
#include "io/input_file.hpp"
#include "io/map_reader.hpp"
#include "io/yaml_document.hpp"
#include "policy/policy.hpp"
#include "util/hash.hpp"
#include "util/text.hpp"

namespace wattsim {

namespace {

// Points are addressed by a double-safe index: far beyond any sweep that could run.
constexpr double kMaxPoints = 9.0e15;
constexpr std::size_t kMaxRandomSamples = 100'000'000;

const ParamSpec kSweepKeys[] = {
    param::text("name", "the sweep's name", param::derived("the file's name")),
    param::text("description", "one line on what the sweep studies", ""),
    param::text("base", "the base scenario file, relative to the sweep file", param::kNoDefault),
    param::section("scenario", "the base scenario inline (instead of base)", "give base or scenario"),
    param::integer("seed", "seed of the random samples and of each point's scenario", 1, 0, 9.0e15),
    param::section("grid", "key path: [values]: each key path its own axis of the product", "no grid"),
    param::section("zip", "key path: [values] advancing together (or a list of such groups)", "no zip"),
    param::list("points", "explicit points: a list of {key path: value}", "no explicit points"),
    param::section("random",
                   "samples: N, seed: S, axes: {key path: {uniform|log_uniform|integer: [low, high]} "
                   "or {choice: [values]}}",
                   "no random samples"),
    param::section("derived", "key path: expression of the other values", "nothing derived"),
    param::list("constraints", "expressions every point must satisfy, or {require: expression, reason: text}",
                "no constraints"),
};

const ParamSpec kRandomKeys[] = {
    param::integer("samples", "how many samples", 1, 1, static_cast<double>(kMaxRandomSamples)),
    param::integer("seed", "seed of the samples (default: the sweep's)", 0, 0, 9.0e15),
    param::section("axes", "key path: distribution"),
};

std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::vector<std::string> split_path(const std::string& path) {
  const std::vector<std::string_view> parts = split(path, '.');
  return {parts.begin(), parts.end()};
}

std::string flow_text(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

// A value as written in the sweep file: plain scalars that read as numbers are numbers.
SweepCell cell_of(const YAML::Node& node) {
  SweepCell cell{{}, node};
  if (!node.IsScalar()) {
    cell.value = SweepValue::of(flow_text(node));
    return cell;
  }
  const std::string& s = node.Scalar();
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  const bool number = node.Tag() != "!" && !s.empty() && end == s.c_str() + s.size() && std::isfinite(v);
  cell.value = number ? SweepValue::of(v) : SweepValue::of(s);
  return cell;
}

// Sets `path` in a scenario document. `policies.<name>.<parameter>` finds the policy in the list (a name
// becomes `name: {parameter: value}`) or adds it.
void set_path(YAML::Node root, const std::string& path, const YAML::Node& value) {
  const std::vector<std::string> parts = split_path(path);
  if (parts.size() == 3 && parts[0] == "policies") {
    YAML::Node list = root["policies"];
    if (!list.IsSequence()) {
      root["policies"] = YAML::Load("[static, pass-dvfs]");  // the reader's default list
      list.reset(root["policies"]);
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      YAML::Node entry = list[i];
      if (entry.IsScalar() && entry.Scalar() == parts[1]) {
        YAML::Node replaced(YAML::NodeType::Map);
        replaced[parts[1]][parts[2]] = value;
        list[i] = replaced;
        return;
      }
      if (entry.IsMap() && std::as_const(entry)[parts[1]]) {  // const: a lookup must not add the key
        YAML::Node params = entry[parts[1]];
        if (!params.IsMap()) entry[parts[1]] = YAML::Node(YAML::NodeType::Map);
        entry[parts[1]][parts[2]] = value;
        return;
      }
    }
    YAML::Node added(YAML::NodeType::Map);
    added[parts[1]][parts[2]] = value;
    list.push_back(added);
    return;
  }
  YAML::Node node = root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!node[parts[i]].IsMap()) node[parts[i]] = YAML::Node(YAML::NodeType::Map);
    YAML::Node child = node[parts[i]];
    node.reset(child);  // rebinds; `node = child` would overwrite the parent's value (yaml-cpp semantics)
  }
  node[parts.back()] = value;
}

// Every scalar key path the base scenario writes: what expressions may read besides the columns.
void scalar_paths(const YAML::Node& node, const std::string& prefix,
                  std::vector<std::pair<std::string, SweepValue>>& out) {
  if (node.IsScalar()) {
    out.emplace_back(prefix, cell_of(node).value);
    return;
  }
  if (node.IsMap())
    for (const auto& kv : node)
      if (kv.first.IsScalar())
        scalar_paths(kv.second, prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar(), out);
  if (node.IsSequence() && prefix == "policies")
    for (const auto& entry : node)
      if (entry.IsMap() && entry.size() == 1)
        scalar_paths(entry.begin()->second, "policies." + entry.begin()->first.Scalar(), out);
}

// The declared defaults, as expressions may read them (`parallelism.tp` is 1 unless set).
std::vector<std::pair<std::string, SweepValue>> declared_defaults() {
  std::vector<std::pair<std::string, SweepValue>> out;
  auto add = [&](const std::string& prefix, std::span<const ParamSpec> specs) {
    for (const ParamSpec& s : specs) {
      if (s.presence != Presence::Default) continue;
      const std::string path = prefix + std::string(s.key);
      if (s.type == ParamType::String)
        out.emplace_back(path, SweepValue::of(std::string(s.default_text)));
      else if (s.type != ParamType::Map && s.type != ParamType::List && s.type != ParamType::MapOrString)
        out.emplace_back(path, SweepValue::of(s.default_number));
    }
  };
  for (const SchemaSection& section : scenario_sections())
    if (section.name != "variation.stragglers[]")
      add(section.name == "(top level)" ? "" : section.name + ".", section.parameters);
  for (const PolicyInfo& p : PolicyRegistry::instance().all()) add("policies." + p.name + ".", p.parameters);
  return out;
}

}  // namespace

// Reads a sweep file into a SweepSpec, collecting every problem at its position.
class SweepReader {
 public:
  SweepReader(SweepSpec& spec, Diagnostics& d) : s_(spec), d_(d) {}

  void read(const YAML::Node& doc, const ModelCatalog& catalog) {
    (void)catalog;
    MapReader root(doc, "sweep", kSweepKeys, d_, YAML::Mark::null_mark(), "");
    s_.name_ = root.string_or("name", std::filesystem::path(s_.file_).stem().string());
    read_base(root);
    // The factors in the order the file lists them: the first varies slowest.
    const std::uint64_t seed = static_cast<std::uint64_t>(root.integer("seed"));
    for (const auto& kv : doc) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (key == "grid") read_grid(kv.second);
      if (key == "zip") read_zip(kv.second);
      if (key == "points") read_points(kv.second);
      if (key == "random") read_random(kv.second, seed);
    }
    if (s_.factors_.empty() && d_.empty())
      d_.error(doc, "a sweep needs values: give grid, zip, points or random (docs/sweeps.md)");
    if (root.has("derived")) read_derived(root.node("derived"));
    if (root.has("constraints")) read_constraints(root.node("constraints"));
    s_.base_seed_ = root.has("seed") ? seed : base_seed();
    for (std::size_t c = 0; c < s_.columns_.size(); ++c)
      if (s_.columns_[c] == "seed") s_.seed_column_ = static_cast<int>(c);
    double total = 1;
    for (const SweepSpec::Factor& f : s_.factors_) total *= static_cast<double>(f.size());
    if (total > kMaxPoints) d_.error(doc, "the sweep has " + std::to_string(total) + " points; at most 9e15");
    s_.total_ = s_.factors_.empty() || total > kMaxPoints ? 0 : static_cast<std::size_t>(total);
  }

 private:
  SweepSpec& s_;
  Diagnostics& d_;
  std::vector<std::pair<std::string, SweepValue>> base_values_, defaults_;

  std::uint64_t base_seed() const {
    const YAML::Node seed = s_.base_["seed"];
    return seed && seed.IsScalar() ? std::strtoull(seed.Scalar().c_str(), nullptr, 10) : 1;
  }

  void read_base(MapReader& root) {
    if (root.has("base") == root.has("scenario")) {
      d_.error(root.map_mark(),
               "give the base scenario as `base: FILE` or inline as `scenario: {...}`, one of them");
      return;
    }
    if (root.has("base")) {
      const std::filesystem::path file =
          std::filesystem::path(s_.file_).parent_path() / root.string_or("base", "");
      s_.scenario_file_ = file.string();
      try {
        s_.base_text_ = read_input_file(file.string(), "base scenario");
      } catch (const InputError& e) {
        for (const Diagnostic& x : e.diagnostics()) root.error("base", x.message);
        return;
      }
      Diagnostics base(file.string());
      s_.base_ = load_yaml_string(s_.base_text_, base);
      d_.merge(base.all());
    } else {
      s_.scenario_file_ = s_.file_;
      const YAML::Node inline_base = root.node("scenario");
      if (!inline_base.IsMap()) {
        root.error("scenario", "scenario must be a mapping: the base scenario written inline");
        return;
      }
      s_.base_ = YAML::Clone(inline_base);
      YAML::Emitter out;
      out << s_.base_;
      s_.base_text_ = out.c_str();
    }
    if (d_.empty() && !s_.base_.IsMap()) d_.error(root.mark("base"), "the base scenario is not a mapping");
    if (s_.base_.IsMap()) scalar_paths(s_.base_, "", base_values_);
    defaults_ = declared_defaults();
  }

  // "" if `path` names a scenario parameter a point can set, else what is wrong.
  static std::string path_problem(const std::string& path) {
    const std::vector<std::string> parts = split_path(path);
    if (parts.size() == 1) {
      const auto root = scenario_schema().root;
      if (find_spec(root, parts[0])) return "";
      const std::string near = nearest_key(parts[0], root);
      return "unknown key path '" + path + "'" + (near.empty() ? "" : "; did you mean '" + near + "'?");
    }
    if (parts[0] == "policies") {
      const PolicyInfo* p = PolicyRegistry::instance().find(parts[1]);
      if (!p)
        return "unknown policy '" + parts[1] + "' in '" + path +
               "'; known: " + PolicyRegistry::instance().names();
      if (parts.size() != 3)
        return "'" + path + "' names no parameter: a policy's key path is policies.<policy>.<parameter>";
      if (find_spec(p->parameters, parts[2])) return "";
      const std::string near = nearest_key(parts[2], p->parameters);
      return "policy " + parts[1] + " has no parameter '" + parts[2] + "'" +
             (near.empty() ? "" : "; did you mean '" + near + "'?");
    }
    // An inline model's fields are checked where the point's scenario is read.
    if (parts.size() >= 3 && parts[0] == "workload" && parts[1] == "model") return "";
    for (const SchemaSection& section : scenario_sections()) {
      if (section.name != parts[0]) continue;
      if (parts.size() == 2 && find_spec(section.parameters, parts[1])) return "";
      const std::string near = nearest_key(parts[1], section.parameters);
      return "unknown key path '" + path + "'" +
             (near.empty() ? "" : "; did you mean '" + parts[0] + "." + near + "'?");
    }
    return "unknown key path '" + path +
           "': it names no section (hardware, workload, parallelism, framework, "
           "network, training, energy, limits, variation) nor policies.<policy>.<parameter>";
  }

  // A new column for `path` (written at `key`); nullopt, reported, if it is invalid or set twice.
  std::optional<std::size_t> column(const YAML::Node& key) {
    const std::string path = key.IsScalar() ? key.Scalar() : "";
    if (const std::string problem = path.empty() ? "a key path must be a string" : path_problem(path);
        !problem.empty()) {
      d_.error(key, problem);
      return std::nullopt;
    }
    if (std::find(s_.columns_.begin(), s_.columns_.end(), path) != s_.columns_.end()) {
      d_.error(key, "'" + path + "' is set twice in the sweep; each key path may be set by one factor");
      return std::nullopt;
    }
    s_.columns_.push_back(path);
    return s_.columns_.size() - 1;
  }

  std::vector<SweepCell> values(const YAML::Node& list, const std::string& path) {
    std::vector<SweepCell> out;
    if (!list.IsSequence()) {
      d_.error(list, path + " must be given a list of values, e.g. [1, 2, 4]");
      return out;
    }
    if (list.size() == 0) d_.error(list, "empty axis: " + path + " has no values");
    for (const auto& v : list) out.push_back(cell_of(v));
    return out;
  }

  void read_grid(const YAML::Node& grid) {
    if (!grid.IsMap()) return d_.error(grid, "grid must map key paths to lists of values");
    for (const auto& kv : grid) {
      const std::optional<std::size_t> c = column(kv.first);
      if (!c) continue;
      SweepSpec::Factor f;
      f.columns = {*c};
      for (SweepCell& v : values(kv.second, s_.columns_[*c])) f.rows.push_back({std::move(v)});
      if (!f.rows.empty()) s_.factors_.push_back(std::move(f));
    }
  }

  void read_zip_group(const YAML::Node& group) {
    if (!group.IsMap()) return d_.error(group, "a zip group must map key paths to lists of equal length");
    SweepSpec::Factor f;
    std::vector<std::vector<SweepCell>> lists;
    std::string first_path;
    for (const auto& kv : group) {
      const std::optional<std::size_t> c = column(kv.first);
      if (!c) continue;
      std::vector<SweepCell> list = values(kv.second, s_.columns_[*c]);
      if (!lists.empty() && list.size() != lists.front().size()) {
        d_.error(kv.second, "zip of unequal lengths: " + s_.columns_[*c] + " has " +
                                std::to_string(list.size()) + " values, " + first_path + " has " +
                                std::to_string(lists.front().size()));
        continue;
      }
      if (lists.empty()) first_path = s_.columns_[*c];
      f.columns.push_back(*c);
      lists.push_back(std::move(list));
    }
    if (lists.empty() || lists.front().empty()) return;
    for (std::size_t r = 0; r < lists.front().size(); ++r) {
      std::vector<SweepCell> row;
      for (auto& list : lists) row.push_back(list[r]);
      f.rows.push_back(std::move(row));
    }
    s_.factors_.push_back(std::move(f));
  }

  void read_zip(const YAML::Node& zip) {
    if (zip.IsSequence()) {
      for (const auto& group : zip) read_zip_group(group);
    } else {
      read_zip_group(zip);
    }
  }

  void read_points(const YAML::Node& points) {
    if (!points.IsSequence() || points.size() == 0)
      return d_.error(points, "points must be a non-empty list of {key path: value} mappings");
    SweepSpec::Factor f;
    for (const auto& point : points) {
      if (!point.IsMap()) {
        d_.error(point, "each point is a mapping {key path: value}");
        return;
      }
      if (f.columns.empty() && f.rows.empty()) {
        for (const auto& kv : point)
          if (const std::optional<std::size_t> c = column(kv.first)) f.columns.push_back(*c);
        if (f.columns.size() != point.size()) return;
      }
      std::vector<SweepCell> row;
      for (std::size_t c : f.columns) {
        const YAML::Node v = point[s_.columns_[c]];
        if (!v) {
          d_.error(point,
                   "this point does not set " + s_.columns_[c] + "; every point sets the same key paths");
          return;
        }
        row.push_back(cell_of(v));
      }
      if (point.size() != f.columns.size()) {
        d_.error(point, "this point sets key paths the first point does not; every point sets the same ones");
        return;
      }
      f.rows.push_back(std::move(row));
    }
    s_.factors_.push_back(std::move(f));
  }

  void read_random(const YAML::Node& node, std::uint64_t sweep_seed) {
    MapReader random(node, "random", kRandomKeys, d_, node.Mark(), "random");
    SweepSpec::Factor f;
    f.samples = static_cast<std::size_t>(random.integer("samples"));
    f.seed = random.has("seed") ? static_cast<std::uint64_t>(random.integer("seed")) : sweep_seed;
    const YAML::Node axes = random.node("axes");
    if (!axes.IsMap() || axes.size() == 0) {
      if (axes) d_.error(axes, "random.axes must map key paths to distributions, e.g. {uniform: [0, 0.1]}");
      return;
    }
    for (const auto& kv : axes) {
      const std::optional<std::size_t> c = column(kv.first);
      if (!c) continue;
      const YAML::Node& dist = kv.second;
      const char* usage =
          "a distribution is {uniform: [low, high]}, {log_uniform: [low, high]}, {integer: "
          "[low, high]} or {choice: [values]}";
      if (!dist.IsMap() || dist.size() != 1) {
        d_.error(dist, usage);
        continue;
      }
      const std::string kind = dist.begin()->first.Scalar();
      const YAML::Node args = dist.begin()->second;
      SweepSpec::Distribution d;
      if (kind == "choice") {
        d.kind = SweepSpec::Distribution::Kind::Choice;
        d.choices = values(args, s_.columns_[*c]);
      } else if (kind == "uniform" || kind == "log_uniform" || kind == "integer") {
        d.kind = kind == "uniform"       ? SweepSpec::Distribution::Kind::Uniform
                 : kind == "log_uniform" ? SweepSpec::Distribution::Kind::LogUniform
                                         : SweepSpec::Distribution::Kind::Integer;
        const std::vector<SweepCell> bounds = values(args, s_.columns_[*c]);
        if (bounds.size() != 2 || bounds[0].value.is_text || bounds[1].value.is_text ||
            !(bounds[0].value.number < bounds[1].value.number)) {
          d_.error(args, kind + " takes [low, high], two numbers with low < high");
          continue;
        }
        d.low = bounds[0].value.number;
        d.high = bounds[1].value.number;
        if (kind == "log_uniform" && d.low <= 0) {
          d_.error(args, "log_uniform needs low > 0");
          continue;
        }
      } else {
        d_.error(dist.begin()->first, "unknown distribution '" + kind + "'; " + usage);
        continue;
      }
      f.columns.push_back(*c);
      f.random.push_back(std::move(d));
    }
    if (!f.columns.empty() && f.columns.size() == axes.size()) s_.factors_.push_back(std::move(f));
  }

  // Resolves an expression's names: a column (by key path, or its last part if only one column ends so),
  // else a value the base scenario writes, else a declared default.
  std::vector<SweepSpec::Operand> operands(const Expression& e, const YAML::Node& where,
                                           std::size_t columns_visible) {
    std::vector<SweepSpec::Operand> out;
    auto matches = [](const std::string& path, const std::string& name) {
      return path == name ||
             (path.size() > name.size() && path.compare(path.size() - name.size(), name.size(), name) == 0 &&
              path[path.size() - name.size() - 1] == '.');
    };
    for (const std::string& name : e.names()) {
      std::vector<std::size_t> hits;
      for (std::size_t c = 0; c < s_.columns_.size(); ++c)
        if (matches(s_.columns_[c], name)) hits.push_back(c);
      if (hits.size() > 1) {
        std::string list;
        for (std::size_t c : hits) list += (list.empty() ? "" : ", ") + s_.columns_[c];
        d_.error(where, "'" + name + "' is ambiguous in '" + e.text() + "': it may be " + list +
                            "; write the key path");
        out.push_back({});
        continue;
      }
      if (hits.size() == 1) {
        if (hits[0] >= columns_visible)
          d_.error(where,
                   "'" + e.text() + "' reads " + s_.columns_[hits[0]] +
                       ", which is derived after it; list the derived values in the order they depend");
        out.push_back({hits[0], {}});
        continue;
      }
      bool found = false;
      for (const auto* table : {&base_values_, &defaults_}) {
        std::vector<const SweepValue*> values;
        for (const auto& [path, value] : *table)
          if (matches(path, name)) values.push_back(&value);
        if (values.size() == 1 || (!values.empty() && name.find('.') != std::string::npos)) {
          out.push_back({std::nullopt, *values.front()});
          found = true;
          break;
        }
      }
      if (!found) {
        d_.error(where, "'" + name + "' in '" + e.text() +
                            "' is neither swept nor set in the base scenario (nor has a declared default)");
        out.push_back({});
      }
    }
    return out;
  }

  std::optional<Expression> compile(const YAML::Node& node) {
    if (!node.IsScalar() || node.Scalar().empty()) {
      d_.error(node, "an expression is a string, e.g. \"hardware.gpus / parallelism.tp\"");
      return std::nullopt;
    }
    try {
      return Expression(node.Scalar());
    } catch (const ExpressionError& e) {
      YAML::Mark at = node.Mark();
      at.column += static_cast<int>(e.offset()) + (node.Tag() == "!" ? 1 : 0);
      d_.error(at, std::string("expression error: ") + e.what() + " in '" + node.Scalar() + "'");
      return std::nullopt;
    }
  }

  void read_derived(const YAML::Node& derived) {
    if (!derived.IsMap()) return d_.error(derived, "derived must map key paths to expressions");
    for (const auto& kv : derived) {
      const std::optional<std::size_t> c = column(kv.first);
      std::optional<Expression> e = compile(kv.second);
      if (!c || !e) continue;
      std::vector<SweepSpec::Operand> ops = operands(*e, kv.second, *c);
      s_.derived_.push_back({*c, std::move(*e), std::move(ops)});
    }
  }

  void read_constraints(const YAML::Node& constraints) {
    if (!constraints.IsSequence())
      return d_.error(constraints, "constraints must be a list of expressions or {require, reason}");
    for (const auto& item : constraints) {
      YAML::Node expression = item;
      std::string reason;
      if (item.IsMap()) {
        // Looked up before rebinding: a missing key is an invalid node, which reset() refuses (found by
        // fuzzing).
        const YAML::Node require = item["require"];
        if (!require) {
          d_.error(item, "a constraint mapping needs `require: expression` (and optionally `reason: text`)");
          continue;
        }
        expression.reset(require);
        if (item["reason"]) reason = item["reason"].as<std::string>("");
        for (const auto& kv : item)
          if (kv.first.Scalar() != "require" && kv.first.Scalar() != "reason")
            d_.error(kv.first,
                     "unknown key '" + kv.first.Scalar() + "' in a constraint; it takes require and reason");
      }
      std::optional<Expression> e = compile(expression);
      if (!e) continue;
      std::vector<SweepSpec::Operand> ops = operands(*e, expression, s_.columns_.size());
      if (reason.empty()) reason = "breaks the constraint " + e->text();
      s_.constraints_.push_back({std::move(*e), std::move(ops), std::move(reason)});
    }
  }
};

SweepSpec SweepSpec::parse(const std::string& text, const std::string& file, const ModelCatalog& catalog) {
  Diagnostics d(file);
  const YAML::Node doc = load_yaml_string(text, d);
  if (!doc.IsMap()) {
    if (d.empty())
      d.error(doc, "a sweep file is a mapping with base (or scenario) and grid, zip, points or random");
    d.throw_if_any();
  }
  SweepSpec spec;
  spec.file_ = file;
  spec.text_ = text;
  SweepReader(spec, d).read(doc, catalog);
  d.throw_if_any();
  spec.fingerprint_ = fnv1a(spec.base_text_, fnv1a(text));
  spec.id_order_.resize(spec.columns_.size());
  for (std::size_t c = 0; c < spec.id_order_.size(); ++c) spec.id_order_[c] = c;
  std::sort(spec.id_order_.begin(), spec.id_order_.end(),
            [&](std::size_t a, std::size_t b) { return spec.columns_[a] < spec.columns_[b]; });
  return spec;
}

SweepSpec SweepSpec::load(const std::string& file, const ModelCatalog& catalog) {
  return parse(read_input_file(file, "sweep file"), file, catalog);
}

SweepValue SweepSpec::evaluate(const Expression& e, const std::vector<Operand>& operands,
                               const std::vector<SweepCell>& values) const {
  std::vector<SweepValue> args;
  args.reserve(operands.size());
  for (const Operand& o : operands) args.push_back(o.column ? values[*o.column].value : o.constant);
  return e.evaluate(args);
}

SweepPoint SweepSpec::point(std::size_t index) const {
  SweepPoint p;
  p.index = index;
  p.values.resize(columns_.size());
  std::size_t rest = index;
  for (std::size_t k = factors_.size(); k-- > 0;) {  // the last factor varies fastest
    const Factor& f = factors_[k];
    const std::size_t i = rest % f.size();
    rest /= f.size();
    if (f.random.empty()) {
      for (std::size_t c = 0; c < f.columns.size(); ++c) p.values[f.columns[c]] = f.rows[i][c];
      continue;
    }
    for (std::size_t c = 0; c < f.columns.size(); ++c) {
      const Distribution& d = f.random[c];
      const std::uint64_t bits = splitmix64(hash_mix(hash_mix(f.seed, i), f.columns[c]));
      const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;  // [0, 1)
      SweepCell& cell = p.values[f.columns[c]];
      switch (d.kind) {
        case Distribution::Kind::Uniform:
          cell.value = SweepValue::of(d.low + u * (d.high - d.low));
          break;
        case Distribution::Kind::LogUniform:
          cell.value = SweepValue::of(std::exp(std::log(d.low) + u * (std::log(d.high) - std::log(d.low))));
          break;
        case Distribution::Kind::Integer:
          cell.value = SweepValue::of(std::floor(d.low) +
                                      std::floor(u * (std::floor(d.high) - std::floor(d.low) + 1)));
          break;
        case Distribution::Kind::Choice:
          cell = d.choices[static_cast<std::size_t>(u * static_cast<double>(d.choices.size()))];
          break;
      }
    }
  }
  // An expression that cannot be evaluated at this point (a division by zero) rejects the point, with why.
  for (const Derived& d : derived_) {
    try {
      p.values[d.column].value = evaluate(d.expression, d.operands, p.values);
    } catch (const ExpressionError& e) {
      p.values[d.column].value = SweepValue::of(std::string("?"));
      if (p.rejected.empty())
        p.rejected = columns_[d.column] + ": " + e.what() + " in '" + d.expression.text() + "'";
    }
  }
  for (const Constraint& c : constraints_) {
    if (!p.rejected.empty()) break;
    try {
      const SweepValue ok = evaluate(c.expression, c.operands, p.values);
      if (ok.is_text || ok.number == 0) p.rejected = c.reason;
    } catch (const ExpressionError& e) {
      p.rejected = std::string(e.what()) + " in the constraint '" + c.expression.text() + "'";
    }
  }
  // The id: the key paths and values, sorted by key path, so that it does not depend on the file's order.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t c : id_order_) h = fnv1a(columns_[c] + "=" + p.values[c].value.str() + "\n", h);
  char id[20];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(h));
  p.id = id;
  return p;
}

std::string SweepSpec::scenario_text(const SweepPoint& point) const {
  YAML::Node doc = YAML::Clone(base_);
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    const SweepCell& cell = point.values[c];
    set_path(doc, columns_[c], cell.node.IsNull() ? YAML::Node(cell.value.str()) : YAML::Clone(cell.node));
  }
  if (seed_column_ < 0) {
    const std::uint64_t id = std::strtoull(point.id.c_str(), nullptr, 16);
    doc["seed"] = std::to_string(hash_mix(base_seed_, id) >> 12);  // below the seed's 9e15 bound
  }
  YAML::Emitter out;
  out << YAML::Comment("point " + point.id + " of sweep " + name_ + ": " + describe(point)) << YAML::Newline
      << doc;
  return std::string(out.c_str()) + "\n";
}

std::string SweepSpec::describe(const std::vector<SweepValue>& values) const {
  std::string out;
  for (std::size_t c = 0; c < columns_.size() && c < values.size(); ++c)
    out += (c ? ", " : "") + columns_[c] + "=" + values[c].str();
  return out;
}

std::string SweepSpec::describe(const SweepPoint& point) const {
  std::vector<SweepValue> values;
  for (const SweepCell& cell : point.values) values.push_back(cell.value);
  return describe(values);
}

std::optional<std::size_t> SweepSpec::find(const std::string& id) const {
  for (std::size_t i = 0; i < total_; ++i)
    if (point(i).id == id) return i;
  return std::nullopt;
}

}  // namespace wattsim
