// wattsim: command-line entry point. Exit codes: 0 success, 2 bad input, 1 simulation failure.
#include <signal.h>
#include <chrono>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
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
#include "sweep/sweep_runner.hpp"
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
    "  sweep SWEEP -o OUT.h5 [-j N] [--shard i/N]       run every point of a sweep file (resumes; under "
    "mpirun,\n"
    "                                                    across ranks)\n"
    "  merge PART.h5... -o OUT.h5                        join the results of a sweep's shards\n"
    "  list gpus|nodes|fabrics|workloads|families|algorithms|fidelities|policies|parameters\n"
    "\n"
    "options:\n"
    "  -h, --help       this text (or `wattsim <command> --help`)\n"
    "  --version        print the version\n"
    "  --models DIR     hardware and model definitions (default: $WATTSIM_MODELS or the built-in models/)\n";

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

// "i/N" with 0 <= i < N.
std::pair<std::size_t, std::size_t> parse_shard(const std::string& text) {
  std::size_t i = 0, n = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%zu/%zu%c", &i, &n, &extra) != 2 || n == 0 || i >= n)
    throw po::error("--shard takes i/N with 0 <= i < N, e.g. --shard 3/16 (got '" + text + "')");
  return {i, n};
}

// A SLURM job array's task: its shard of the sweep, counted from the array's first task id.
std::optional<std::pair<std::size_t, std::size_t>> slurm_shard() {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  if (!id || !count) return std::nullopt;
  const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
  const long i = std::atol(id) - (min ? std::atol(min) : 0), n = std::atol(count);
  if (n <= 0 || i < 0 || i >= n)
    throw po::error("SLURM_ARRAY_TASK_ID=" + std::string(id) + " is outside the array of " + count +
                    " tasks; give --shard i/N");
  return std::pair<std::size_t, std::size_t>(static_cast<std::size_t>(i), static_cast<std::size_t>(n));
}

// A shard's own output: `{shard}` in the name replaced by its number, else "-shard-i-of-N" before the
// extension, so that shards never write one file.
std::string shard_output(const std::string& output, std::size_t shard, std::size_t shards) {
  if (shards == 1) return output;
  const std::string number = std::to_string(shard);
  if (const std::size_t at = output.find("{shard}"); at != std::string::npos)
    return output.substr(0, at) + number + output.substr(at + 7);
  std::filesystem::path p(output);
  const std::string ext = p.extension().string();
  return (p.parent_path() / (p.stem().string() + "-shard-" + number + "-of-" + std::to_string(shards) + ext))
      .string();
}

void print_points(const SweepSpec& spec, std::size_t limit) {
  std::printf("%-8s %-16s %s\n", "index", "id", "values");
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const SweepPoint p = spec.point(i);
    dropped += !p.rejected.empty();
    if (i < limit)
      std::printf("%-8zu %-16s %s%s\n", i, p.id.c_str(), spec.describe(p).c_str(),
                  p.rejected.empty() ? "" : ("  [dropped: " + p.rejected + "]").c_str());
  }
  std::printf("%zu points, %zu dropped by constraints\n", spec.size(), dropped);
}

void report_dropped(const SweepOutcome& outcome, const SweepSpec& spec, const std::string& output) {
  constexpr std::size_t kShown = 20;
  std::size_t shown = 0, infeasible = 0, failed = 0;
  for (const PointResult& r : outcome.dropped) (r.status == PointStatus::Failed ? failed : infeasible)++;
  if (infeasible) std::cerr << infeasible << " point(s) infeasible (dropped, with the reason):\n";
  for (const PointStatus status : {PointStatus::Infeasible, PointStatus::Failed}) {
    if (status == PointStatus::Failed && failed)
      std::cerr << failed << " point(s) failed (a rerun retries them):\n";
    for (const PointResult& r : outcome.dropped) {
      if (r.status != status) continue;
      if (shown++ == kShown) std::cerr << "  ...\n";
      if (shown > kShown) continue;
      std::cerr << "  " << r.id << " (" << spec.describe(r.parameters) << "): " << r.reason << "\n";
    }
  }
  if (shown > kShown) std::cerr << "(every one in /infeasible and /failed of " << output << ")\n";
}

int command_sweep(const std::vector<std::string>& args) {
  po::options_description opts("wattsim sweep SWEEP -o OUT.h5");
  opts.add_options()("sweep", po::value<std::string>(), "sweep file")(
      "output,o", po::value<std::string>(), "HDF5 file of results (a rerun resumes it)")(
      "jobs,j", po::value<unsigned>()->default_value(0), "threads (default: every core)")(
      "shard", po::value<std::string>(),
      "i/N: run the points whose index is i modulo N (default: "
      "SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT when set)")("csv",
                                                                 "also write the /points table as OUT.csv")(
      "traces", po::value<std::string>(),
      "also write each point's full run (as `wattsim run -o`) into DIR/ID.h5")(
      "checkpoint", po::value<double>()->default_value(10),
      "seconds between rewrites of OUT (at least 20 times the last rewrite's time)")(
      "progress", po::value<double>()->default_value(10),
      "seconds between progress lines when stderr is no terminal")(
      "list", "print the points (index, id, values, whether a constraint drops them) and stop")(
      "point", po::value<std::string>(), "print the scenario of the point with this id (or index) and stop");
  po::variables_map vm;
  if (!parse(args, opts, "sweep", 1, vm)) return kOk;
  if (!vm.count("sweep")) throw po::error("sweep needs a sweep file");
  const ModelCatalog catalog = catalog_for(vm);
  const SweepSpec spec = SweepSpec::load(vm["sweep"].as<std::string>(), catalog);
  if (vm.count("list")) {
    print_points(spec, 100000);
    return kOk;
  }
  if (vm.count("point")) {
    const std::string which = vm["point"].as<std::string>();
    std::optional<std::size_t> index = spec.find(which);
    if (!index && !which.empty() && which.find_first_not_of("0123456789") == std::string::npos &&
        std::stoull(which) < spec.size())
      index = std::stoull(which);
    if (!index) throw po::error("the sweep has no point " + which + " (see --list)");
    std::cout << spec.scenario_text(spec.point(*index));
    return kOk;
  }
  if (!vm.count("output")) throw po::error("sweep needs -o OUT.h5");
  SweepOptions options;
  options.threads = vm["jobs"].as<unsigned>();
  std::tie(options.shard, options.shards) = vm.count("shard") ? parse_shard(vm["shard"].as<std::string>())
                                                              : slurm_shard().value_or(std::pair{0, 1});
  options.output = shard_output(vm["output"].as<std::string>(), options.shard, options.shards);
  options.csv = vm.count("csv") > 0;
  if (vm.count("traces")) options.trace_dir = vm["traces"].as<std::string>();
  options.terminal = isatty(STDERR_FILENO) != 0;
  options.checkpoint_interval_s = vm["checkpoint"].as<double>();
  options.report_interval_s = vm["progress"].as<double>();
  options.version = WATTSIM_VERSION;
  check_output_path(options.output, {spec.file(), spec.scenario_file()});
  if (!options.trace_dir.empty() && !std::filesystem::is_directory(options.trace_dir))
    throw po::error("--traces " + options.trace_dir + " is not a directory");
  drain_on_signal = true;
  std::optional<SweepOutcome> outcome;
  if (mpi_launched()) {
    outcome = run_sweep_mpi(spec, catalog, options, std::cerr);
    if (!outcome && std::getenv("OMPI_COMM_WORLD_SIZE") && std::atoi(std::getenv("OMPI_COMM_WORLD_SIZE")) > 1)
      throw po::error(
          "this wattsim was built without MPI, so ranks would each run the whole sweep; rebuild "
          "with libopenmpi-dev installed, or run shards with --shard i/N");
  }
  if (!outcome) outcome = run_sweep(spec, catalog, options, std::cerr);
  if (!outcome->writer) return kOk;
  report_dropped(*outcome, spec, options.output);
  if (outcome->interrupted) {
    std::cerr << "wattsim: stopped after the points in flight: " << outcome->points - outcome->remaining
              << " of " << outcome->points << " points finished and written to " << options.output
              << "; run the same command again to resume\n";
    return 128 + (drain_requested() ? drain_signal_received.load() : stop_signal().load());
  }
  std::cerr << "wrote " << options.output << (options.csv ? " (and its .csv)" : "") << ": "
            << outcome->points - outcome->remaining << " of " << outcome->points << " points finished ("
            << outcome->done << " simulated now, " << outcome->finished_before << " before)\n";
  if (outcome->failed > 0) {
    std::cerr << outcome->failed << " point(s) failed; run the same command again to retry them\n";
    return kSimulationFailure;
  }
  return kOk;
}

int command_merge(const std::vector<std::string>& args) {
  po::options_description opts("wattsim merge PART.h5... -o OUT.h5");
  opts.add_options()("parts", po::value<std::vector<std::string>>(), "shard results")(
      "output,o", po::value<std::string>(), "merged HDF5 file")("csv", "also write OUT.csv");
  po::variables_map vm;
  if (!parse(args, opts, "parts", -1, vm)) return kOk;
  if (!vm.count("parts") || !vm.count("output")) throw po::error("merge needs parts and -o OUT.h5");
  const MergeReport report =
      merge_sweep_files(vm["parts"].as<std::vector<std::string>>(), vm["output"].as<std::string>(),
                        vm.count("csv") > 0, WATTSIM_VERSION, std::cerr);
  std::cerr << "wrote " << vm["output"].as<std::string>() << "\n";
  return report.missing > 0 || report.conflicting > 0 ? kSimulationFailure : kOk;
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
  on_signal(signal);
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
#ifdef WATTSIM_WITH_MPI
      std::cout << "wattsim " << WATTSIM_VERSION << " (with mpi sweeps)\n";
#else
      std::cout << "wattsim " << WATTSIM_VERSION << " (without MPI)\n";
#endif
      return kOk;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    if (command == "run") return command_run(args);
    if (command == "validate") return command_validate(args);
    if (command == "list") return command_list(args);
    if (command == "sweep") return command_sweep(args);
    if (command == "merge") return command_merge(args);
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
