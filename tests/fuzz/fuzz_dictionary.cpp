// Writes a libFuzzer dictionary per input format into the directory given: every declared key (as
// "key:"), every allowed value of a choice, the registries' names, and the units quantities take, so
// mutations reach past "unknown key" into the readers and rules.
#include <fstream>
#include <set>
#include <string>

#include "config/quantity.hpp"
#include "config/scenario_schema.hpp"
#include "io/model_catalog.hpp"
#include "policy/policy.hpp"

namespace {

void add_section(std::set<std::string>& words, std::span<const wattsim::ParamSpec> specs) {
  for (const wattsim::ParamSpec& s : specs) {
    words.insert(std::string(s.key) + ":");
    if (s.choices)
      for (std::string_view c : s.choices()) words.insert(std::string(c));
    if (s.type == wattsim::ParamType::Quantity) {
      const std::string example(wattsim::dimension_example(s.dimension));
      words.insert(example.substr(example.find(' ') + 1));
    }
  }
}

void write(const std::string& dir, const std::string& name, const std::set<std::string>& words) {
  std::ofstream out(dir + "/" + name + ".dict");
  for (const std::string& w : words) {
    out << '"';
    for (char c : w) {
      if (c == '"' || c == '\\')
        out << '\\' << c;
      else if (static_cast<unsigned char>(c) < 0x20)
        out << "\\x"
            << "0123456789ABCDEF"[c >> 4] << "0123456789ABCDEF"[c & 0xF];
      else
        out << c;
    }
    out << "\"\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string dir = argv[1];
  std::set<std::string> scenario = {"- ", "{", "}", "[", "]", ": ", "&a ", "*a", "~", "---", "\"", "'"};
  for (const wattsim::SchemaSection& s : wattsim::scenario_sections()) add_section(scenario, s.parameters);
  for (const wattsim::PolicyInfo& p : wattsim::PolicyRegistry::instance().all()) {
    scenario.insert(p.name);
    add_section(scenario, p.parameters);
  }
  write(dir, "scenario", scenario);
  // Sweep files: their own keys, the distributions, expression syntax, and every scenario key as a key path.
  std::set<std::string> sweep = {"- ",
                                 "{",
                                 "}",
                                 "[",
                                 "]",
                                 ": ",
                                 "&a ",
                                 "*a",
                                 "~",
                                 "\"",
                                 "'",
                                 "`",
                                 "grid:",
                                 "zip:",
                                 "points:",
                                 "random:",
                                 "derived:",
                                 "constraints:",
                                 "base:",
                                 "scenario:",
                                 "samples:",
                                 "axes:",
                                 "seed:",
                                 "uniform:",
                                 "log_uniform:",
                                 "integer:",
                                 "choice:",
                                 "require:",
                                 "reason:",
                                 "//",
                                 "**",
                                 "%",
                                 "==",
                                 "<=",
                                 " and ",
                                 " or ",
                                 "not ",
                                 "min(",
                                 "max(",
                                 "log2(",
                                 "sqrt(",
                                 "gpus / tp",
                                 "policies.pass-dvfs.slowdown_budget"};
  for (const wattsim::SchemaSection& s : wattsim::scenario_sections())
    for (const wattsim::ParamSpec& p : s.parameters)
      sweep.insert((s.name == "(top level)" ? std::string() : s.name + ".") + std::string(p.key) + ":");
  write(dir, "sweep", sweep);
  for (const char* kind : {"gpu", "node", "fabric", "model"}) {
    std::set<std::string> words = {"- ", "{", "}", "[", "]", ": ", "&a ", "*a", "~", "---"};
    for (const wattsim::SchemaSection& s : wattsim::definition_sections())
      if (s.name.rfind(kind == std::string("gpu") ? "GPU" : kind, 0) == 0) add_section(words, s.parameters);
    write(dir, kind, words);
  }
  write(dir, "csv",
        {"time (h)", "time (s)", "(g/kWh)", "(kg/kWh)", ",", "\n", "#", "1e-12", "-5", "nan", "inf"});
  return 0;
}
