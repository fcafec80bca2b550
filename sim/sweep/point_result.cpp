#include "sweep/point_result.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include "io/diagnostics.hpp"
#include "io/hdf5_sink.hpp"
#include "io/scenario_reader.hpp"
#include "run/runner.hpp"
#include "util/interrupt.hpp"
#include "util/text.hpp"

namespace wattsim {

namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

const char* kComparison[] = {"energy_saving_pct", "time_overhead_pct", "co2e_saving_pct",
                             "avg_power_change_pct", "e2a_improvement_pct"};

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char c = text[++i];
    out += c == 't' ? '\t' : c == 'n' ? '\n' : c;
  }
  return out;
}

// Why a scenario was refused, without the positions (they are in the generated text, not the user's file).
std::string reasons(const InputError& e) {
  std::string out;
  for (const Diagnostic& d : e.diagnostics()) out += (out.empty() ? "" : "; ") + d.message;
  return out;
}

}  // namespace

const std::vector<ResultColumn>& result_columns() {
  static const std::vector<ResultColumn> columns = [] {
    std::vector<ResultColumn> out;
    for (const MetricField& f : metric_fields()) out.push_back({std::string(f.name), std::string(f.unit)});
    for (const char* name : kComparison) out.push_back({name, "%"});
    return out;
  }();
  return columns;
}

PointResult point_result(std::size_t index, const std::string& id, const RunResult& run) {
  PointResult out{index, id, PointStatus::Done, {}, {}, {}};
  for (std::size_t p = 0; p < run.policies.size(); ++p) {
    PolicyRow row{run.policies[p].name, {}};
    for (const MetricField& f : metric_fields())
      row.values.push_back(f.get(run.policies[p].metrics).value_or(kMissing));
    const ComparisonRow& c = run.comparison[p];
    row.values.insert(row.values.end(), {c.energy_saving_pct, c.time_overhead_pct, c.co2e_saving_pct,
                                         c.avg_power_change_pct, c.e2a_improvement_pct.value_or(kMissing)});
    out.rows.push_back(std::move(row));
  }
  return out;
}

PointResult run_point(const SweepSpec& spec, std::size_t index, const ModelCatalog& catalog,
                      const TraceOutput& traces) {
  const SweepPoint point = spec.point(index);
  PointResult out{index, point.id, PointStatus::Infeasible, point.rejected, {}, {}};
  for (const SweepCell& cell : point.values) out.parameters.push_back(cell.value);
  if (!point.rejected.empty()) return out;
  try {
    const Scenario scenario = parse_scenario(spec.scenario_text(point), spec.scenario_file(), catalog);
    PointResult done;
    if (traces.dir.empty()) {
      done = point_result(index, point.id, run_scenario(scenario));
    } else {
      Hdf5Sink trace((std::filesystem::path(traces.dir) / (point.id + ".h5")).string(), scenario,
                     OutputInfo{traces.version, now_iso8601()});
      done = point_result(index, point.id, run_scenario(scenario, trace));
    }
    done.parameters = std::move(out.parameters);
    return done;
  } catch (const InputError& e) {
    out.reason = reasons(e);
  } catch (const Interrupted&) {
    throw;
  } catch (const std::exception& e) {
    out.status = PointStatus::Failed;
    out.reason = e.what();
  }
  return out;
}

std::string encode(const PointResult& r) {
  static const char* kStatus[] = {"done", "infeasible", "failed"};
  std::string line = std::to_string(r.index) + "\t" + r.id + "\t" + kStatus[static_cast<int>(r.status)] +
                     "\t" + escape(r.reason) + "\t" + std::to_string(r.rows.size());
  char number[32];
  for (const PolicyRow& row : r.rows) {
    line += "\t" + escape(row.policy);
    for (double v : row.values) {
      std::snprintf(number, sizeof number, "%.17g", v);
      line += "\t";
      line += number;
    }
  }
  return line;
}

std::optional<PointResult> decode(std::string_view line) {
  const std::vector<std::string_view> f = split(line, '\t');
  if (f.size() < 5) return std::nullopt;
  PointResult r;
  const auto whole = [](std::string_view s, std::size_t& v) {
    return !s.empty() && std::from_chars(s.data(), s.data() + s.size(), v).ptr == s.data() + s.size();
  };
  std::size_t policies = 0;
  if (!whole(f[0], r.index) || !whole(f[4], policies) || f[1].size() != 16) return std::nullopt;
  r.id = f[1];
  if (f[2] == "done")
    r.status = PointStatus::Done;
  else if (f[2] == "infeasible")
    r.status = PointStatus::Infeasible;
  else if (f[2] == "failed")
    r.status = PointStatus::Failed;
  else
    return std::nullopt;
  r.reason = unescape(f[3]);
  const std::size_t width = 1 + result_columns().size();
  if (f.size() != 5 + policies * width) return std::nullopt;
  for (std::size_t p = 0; p < policies; ++p) {
    PolicyRow row{unescape(f[5 + p * width]), {}};
    for (std::size_t c = 1; c < width; ++c) {
      const std::string text(f[5 + p * width + c]);
      char* end = nullptr;
      row.values.push_back(std::strtod(text.c_str(), &end));
      if (end != text.c_str() + text.size()) return std::nullopt;
    }
    r.rows.push_back(std::move(row));
  }
  return r;
}

}  // namespace wattsim
