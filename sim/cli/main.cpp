// wattsim: command-line entry point. Exit codes: 0 success, 2 bad input, 1 simulation failure.
#include <signal.h>
#include <chrono>

#include <csignal>
#include <ctime>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "config/scenario_schema.hpp"
#include "hardware/gpu_model.hpp"
#include "io/hdf5_sink.hpp"
#include "io/model_catalog.hpp"
#include "io/output_file.hpp"
#include "io/report.hpp"
#include "io/scenario_reader.hpp"
#include "network/fabric.hpp"
#include "network/network_backend.hpp"
#include "network/network_model.hpp"
#include "policy/policy.hpp"
#include "run/runner.hpp"
#include "util/interrupt.hpp"
#include "workload/model_family.hpp"

#ifndef WATTSIM_VERSION
#define WATTSIM_VERSION "0.0.0"
#endif

namespace po = boost::program_options;
using namespace wattsim;

namespace {

constexpr int kOk = 0;
constexpr int kSimulationFailure = 1;
constexpr int kBadInput = 2;

const char* kUsage =
    "usage: wattsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO [-o OUT.h5] [--summary table|json]   simulate every policy of a scenario\n"
    "  validate SCENARIO... [-o OUT.h5]                  check scenarios (and an output path), report every "
    "error\n"
    "  list gpus|nodes|fabrics|workloads|families|algorithms|fidelities|policies|parameters\n"
    "\n"
    "options:\n"
    "  -h, --help       this text (or `wattsim <command> --help`)\n"
    "  --version        print the version\n"
    "  --models DIR     hardware and model definitions (default: $WATTSIM_MODELS or the built-in models/)\n";

std::string now_iso8601() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Parses a subcommand's options; returns false when --help was asked for (and printed).
bool parse(const std::vector<std::string>& args, po::options_description& opts, const char* positional,
           int positional_count, po::variables_map& vm) {
  opts.add_options()("help,h", "this text")("models", po::value<std::string>(), "models directory");
  po::positional_options_description pos;
  pos.add(positional, positional_count);
  po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) std::cout << opts;
  return !vm.count("help");
}

ModelCatalog catalog_for(const po::variables_map& vm) {
  return ModelCatalog(vm.count("models") ? vm["models"].as<std::string>() : ModelCatalog::default_dir());
}

void report_input_error(const InputError& e) {
  for (const Diagnostic& d : e.diagnostics()) std::cerr << d.str() << "\n";
  std::cerr << e.diagnostics().size() << (e.diagnostics().size() == 1 ? " error" : " errors")
            << "; nothing written\n";
}

int command_run(const std::vector<std::string>& args) {
  po::options_description opts("wattsim run SCENARIO");
  opts.add_options()("output,o", po::value<std::string>(), "HDF5 file to write")(
      "summary", po::value<std::string>()->default_value("table"), "summary on stdout: table | json | none")(
      "scenario", po::value<std::string>(), "scenario file");
  po::variables_map vm;
  if (!parse(args, opts, "scenario", 1, vm)) return kOk;
  if (!vm.count("scenario")) throw po::error("run needs a scenario file");
  const std::string summary = vm["summary"].as<std::string>();
  if (summary != "table" && summary != "json" && summary != "none")
    throw po::error("--summary must be table, json or none");
  const Scenario scenario = load_scenario(vm["scenario"].as<std::string>(), catalog_for(vm));
  if (vm.count("output")) check_output_path(vm["output"].as<std::string>(), scenario.input_files());
  SinkList sinks;
  std::optional<Hdf5Sink> file;
  if (vm.count("output")) {
    file.emplace(vm["output"].as<std::string>(), scenario, OutputInfo{WATTSIM_VERSION, now_iso8601()});
    sinks.add(*file);
  }
  SummaryPrinter printer(std::cout, scenario,
                         summary == "json" ? SummaryPrinter::Format::Json : SummaryPrinter::Format::Table);
  if (summary != "none") sinks.add(printer);
  run_scenario(scenario, sinks);
  if (vm.count("output") && summary == "table")
    std::cout << "wrote " << vm["output"].as<std::string>() << "\n";
  return kOk;
}

int command_validate(const std::vector<std::string>& args) {
  po::options_description opts("wattsim validate SCENARIO... [-o OUT.h5]");
  opts.add_options()("scenario", po::value<std::vector<std::string>>(), "scenario files")(
      "output,o", po::value<std::string>(), "also check that `run` could write this output");
  po::variables_map vm;
  if (!parse(args, opts, "scenario", -1, vm)) return kOk;
  if (!vm.count("scenario")) throw po::error("validate needs at least one scenario file");
  const ModelCatalog catalog = catalog_for(vm);
  int status = kOk;
  for (const auto& file : vm["scenario"].as<std::vector<std::string>>()) {
    try {
      const Scenario s = load_scenario(file, catalog);
      if (vm.count("output")) check_output_path(vm["output"].as<std::string>(), s.input_files());
      std::cout << file << ": ok (" << s.model.name << " on " << s.cluster_gpus() << " x " << s.gpu.name
                << ", " << s.policies.size() << " policies)\n";
    } catch (const InputError& e) {
      report_input_error(e);
      status = kBadInput;
    }
  }
  return status;
}

void print_entries(const std::vector<CatalogEntry>& entries) {
  for (const auto& e : entries) std::printf("  %-22s %s\n", e.name.c_str(), e.description.c_str());
}

template <class Registry>
void print_registry(const Registry& registry) {
  for (const auto& e : registry.all()) std::printf("  %-22s %s\n", e.name.c_str(), e.description.c_str());
}

void print_gpus(const ModelCatalog& catalog) {
  for (const auto& e : catalog.gpus()) {
    try {
      const GpuProfile p = load_gpu_profile(e.file);
      std::printf(
          "  %-18s %s\n  %-18s %.0f-%.0f MHz, TDP %.0f W, idle %.0f W; power model P_base %.1f W, "
          "k_leak %.1f W/V, C_eff %.1f W/(V^2 GHz), P_mem %.1f W, wait activity %.3f\n",
          p.name.c_str(), p.description.c_str(), "", p.clock_min_mhz, p.clock_max_mhz, p.tdp_w, p.idle_w,
          p.power.base_w, p.power.leakage_w_per_v, p.power.dynamic_w_per_v2_ghz, p.power.memory_w,
          p.power.wait_activity);
    } catch (const InputError& err) {
      std::printf("  %-18s (invalid: %s)\n", e.name.c_str(), err.what());
    }
  }
}

// The type column of the reference: the type, and the allowed values where they are listed.
std::string type_text(const ParamSpec& s) {
  const std::string choices = choices_text(s);
  return choices.empty() ? std::string(type_name(s)) : "one of: " + choices;
}

void print_parameter_rows(std::span<const ParamSpec> parameters, bool markdown) {
  for (const ParamSpec& s : parameters) {
    const std::string type = type_text(s), def = default_description(s);
    if (markdown)
      std::printf("| `%s` | %s | %s | %s |\n", std::string(s.key).c_str(), type.c_str(), def.c_str(),
                  std::string(s.help).c_str());
    else
      std::printf("  %-18s %-24s default %-22s %s\n", std::string(s.key).c_str(), type.c_str(), def.c_str(),
                  std::string(s.help).c_str());
  }
}

// The scenario reference, section by section, then each policy's parameters, then the definition files.
void print_parameters(bool markdown) {
  std::vector<SchemaSection> sections = scenario_sections();
  for (const PolicyInfo& p : PolicyRegistry::instance().all())
    if (!p.parameters.empty()) sections.push_back({"policies: " + p.name, p.parameters});
  for (SchemaSection& s : definition_sections()) sections.push_back(std::move(s));
  for (const SchemaSection& section : sections) {
    if (markdown)
      std::printf("\n### %s\n\n| key | type | default | meaning |\n|---|---|---|---|\n",
                  section.name.c_str());
    else
      std::printf("%s\n", section.name.c_str());
    print_parameter_rows(section.parameters, markdown);
  }
}

void print_policies() {
  for (const PolicyInfo& p : PolicyRegistry::instance().all()) {
    std::printf("  %-22s %s\n", p.name.c_str(), p.description.c_str());
    for (const ParamSpec& s : p.parameters)
      std::printf("  %-22s   %s (%s, default %s): %s\n", "", std::string(s.key).c_str(), type_text(s).c_str(),
                  default_description(s).c_str(), std::string(s.help).c_str());
  }
}

int command_list(const std::vector<std::string>& args) {
  po::options_description opts("wattsim list WHAT");
  opts.add_options()("what", po::value<std::string>(), "what to list")(
      "markdown", "parameters: as the Markdown reference of docs/scenario.md");
  po::variables_map vm;
  if (!parse(args, opts, "what", 1, vm)) return kOk;
  const std::string what = vm.count("what") ? vm["what"].as<std::string>() : "";
  const ModelCatalog catalog = catalog_for(vm);
  const std::vector<std::pair<std::string, std::function<void()>>> listings = {
      {"gpus", [&] { print_gpus(catalog); }},
      {"nodes", [&] { print_entries(catalog.nodes()); }},
      {"fabrics",
       [&] {
         std::printf("fabric kinds (hardware.fabric):\n");
         print_registry(FabricRegistry::instance());
         std::printf("fabric profiles (hardware.fabric_profile):\n");
         print_entries(catalog.fabrics());
       }},
      {"workloads", [&] { print_entries(catalog.workloads()); }},
      {"families", [] { print_registry(ModelFamilyRegistry::instance()); }},
      {"algorithms", [] { print_registry(CollectiveAlgorithmRegistry::instance()); }},
      {"fidelities", [] { print_registry(NetworkBackendRegistry::instance()); }},
      {"policies", print_policies},
      {"parameters", [&] { print_parameters(vm.count("markdown") > 0); }},
  };
  for (const auto& [name, print] : listings)
    if (name == what) {
      print();
      return kOk;
    }
  std::string names;
  for (const auto& listing : listings) names += (names.empty() ? "" : ", ") + listing.first;
  throw po::error("list takes one of: " + names);
}

}  // namespace

extern "C" void on_stop_signal(int signal) {
  request_stop(signal);
}

// SIGINT (a user's Ctrl-C) and SIGTERM (what batch schedulers send first) stop the run within a bounded
// time: the request is checked wherever wattsim spends time, everything unwinds, temporary files go.
void handle_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGINT, SIGTERM}) sigaction(signal, &action, nullptr);
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  handle_stop_signals();
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      std::cout << kUsage;
      return args.empty() ? kBadInput : kOk;
    }
    if (args[0] == "--version") {
      std::cout << "wattsim " << WATTSIM_VERSION << "\n";
      return kOk;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    if (command == "run") return command_run(args);
    if (command == "validate") return command_validate(args);
    if (command == "list") return command_list(args);
    std::cerr << "wattsim: unknown command '" << command << "'\n" << kUsage;
    return kBadInput;
  } catch (const InputError& e) {
    report_input_error(e);
    return kBadInput;
  } catch (const Interrupted& e) {
    std::cerr << "wattsim: interrupted by " << (e.signal() == SIGTERM ? "SIGTERM" : "SIGINT")
              << "; nothing written\n";
    return 128 + e.signal();  // the shell's convention: 130 for SIGINT, 143 for SIGTERM
  } catch (const OutputError& e) {
    std::cerr << "wattsim: cannot write the output: " << e.what() << "; nothing written\n";
    return kSimulationFailure;
  } catch (const po::error& e) {
    std::cerr << "wattsim: " << e.what() << "\n(see wattsim --help)\n";
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "wattsim: simulation failed: " << e.what() << "\n";
    return kSimulationFailure;
  }
}
