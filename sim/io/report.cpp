#include "io/report.hpp"

#include <cmath>
#include <cstdio>
#include <string>

namespace wattsim {

namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += format("\\u%04x", static_cast<unsigned char>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  return std::isfinite(v) ? format("%.17g", v) : "null";
}

}  // namespace

void print_table(std::ostream& out, const Scenario& s, const RunResult& r) {
  const ParallelPlan& p = s.plan;
  out << "scenario " << s.name << ": " << s.model.name << " on " << s.cluster_gpus() << " x " << s.gpu.name;
  if (s.nodes > 1) out << " (" << s.nodes << " nodes)";
  out << "\n  " << to_string(s.precision) << ", global batch " << s.global_batch << ", " << s.microbatches()
      << " microbatch(es) of " << s.micro_batch << " per pipeline; tp " << p.tp << ", pp " << p.pp << ", dp "
      << p.dp / p.cp;
  if (p.cp > 1) out << ", cp " << p.cp;
  if (p.ep > 1) out << ", ep " << p.ep;
  out << "\n";
  const PolicyResult& base = r.policies.front();
  out << "run of " << base.metrics.steps_total << " steps, " << base.metrics.steps_simulated
      << " simulated event by event (" << r.tasks_per_step << " tasks per step)\n\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-19s %12s %14s %11s %7s %13s %9s %9s %9s %9s\n", "policy", "step time",
                "energy/step", "GPU power", "MFU", "run energy", "saving", "overhead", "E2A", "CO2e");
  out << line;
  for (std::size_t i = 0; i < r.policies.size(); ++i) {
    const PolicyResult& p = r.policies[i];
    const ComparisonRow& c = r.comparison[i];
    char e2a[16] = "n/a";
    if (c.e2a_improvement_pct) std::snprintf(e2a, sizeof e2a, "%.2f%%", *c.e2a_improvement_pct);
    std::snprintf(line, sizeof line,
                  "%-19s %10.4f s %12.1f J %9.1f W %6.1f%% %9.1f kWh %8.2f%% %8.2f%% %9s %8.2f%%\n",
                  p.name.c_str(), p.metrics.step_time_s, p.metrics.energy_per_step_j,
                  p.metrics.avg_gpu_power_w, 100.0 * p.metrics.mfu, p.metrics.energy_j / 3.6e6,
                  c.energy_saving_pct, c.time_overhead_pct, e2a, c.co2e_saving_pct);
    out << line;
  }
  if (base.metrics.avg_node_power_w > 0) {
    std::snprintf(line, sizeof line, "\n%-19s %12s %12s %11s\n", ("node " + s.node.name).c_str(), "average",
                  "peak", "GPU share");
    out << line;
    for (const PolicyResult& p : r.policies) {
      std::snprintf(line, sizeof line, "%-19s %9.2f kW %9.2f kW %10.1f%%\n", p.name.c_str(),
                    p.metrics.avg_node_power_w / 1e3, p.metrics.peak_node_power_w / 1e3,
                    100.0 * p.metrics.gpu_share_of_node_energy);
      out << line;
    }
    out << "(at the wall: GPUs, CPUs, DRAM, NICs, NVSwitches, fans and power-supply loss)\n";
  }
  for (const PolicyResult& p : r.policies)
    for (const auto& [name, value] : p.notes)
      if (name == "chosen_clock_mhz") out << "\n" << p.name << " chose " << value << " MHz";
  out << "\n";
}

void print_json(std::ostream& out, const Scenario& s, const RunResult& r) {
  out << "{\n  \"scenario\": " << json_string(s.name) << ",\n  \"gpu\": " << json_string(s.gpu.name)
      << ",\n  \"gpus\": " << s.gpus_per_node_used << ",\n  \"model\": " << json_string(s.model.name)
      << ",\n  \"policies\": {";
  for (std::size_t i = 0; i < r.policies.size(); ++i) {
    const PolicyResult& p = r.policies[i];
    out << (i ? "," : "") << "\n    " << json_string(p.name) << ": {";
    const char* separator = "";
    for (const MetricField& f : metric_fields())
      if (const std::optional<double> v = f.get(p.metrics)) {
        out << separator << json_string(std::string(f.name)) << ": " << json_number(*v);
        separator = ", ";
      }
    for (const auto& [name, value] : p.notes) out << ", " << json_string(name) << ": " << json_number(value);
    char fingerprint[24];
    std::snprintf(fingerprint, sizeof fingerprint, "%016llx", static_cast<unsigned long long>(p.fingerprint));
    out << ", \"fingerprint\": " << json_string(fingerprint) << "}";
  }
  out << "\n  },\n  \"comparison\": [";
  for (std::size_t i = 0; i < r.comparison.size(); ++i) {
    const ComparisonRow& c = r.comparison[i];
    out << (i ? "," : "") << "\n    {\"policy\": " << json_string(c.policy)
        << ", \"energy_saving_pct\": " << json_number(c.energy_saving_pct)
        << ", \"time_overhead_pct\": " << json_number(c.time_overhead_pct)
        << ", \"co2e_saving_pct\": " << json_number(c.co2e_saving_pct)
        << ", \"avg_power_change_pct\": " << json_number(c.avg_power_change_pct)
        << ", \"e2a_improvement_pct\": "
        << (c.e2a_improvement_pct ? json_number(*c.e2a_improvement_pct) : std::string("null")) << "}";
  }
  out << "\n  ]\n}\n";
}

}  // namespace wattsim
