#pragma once
// Human- and machine-readable summaries of a run on a stream: the policy comparison table, and JSON for
// scripts. Each is an output sink that prints when the run ends.
#include <ostream>

#include "config/scenario.hpp"
#include "run/output_sink.hpp"

namespace wattsim {

void print_table(std::ostream& out, const Scenario& scenario, const RunResult& result);
void print_json(std::ostream& out, const Scenario& scenario, const RunResult& result);

class SummaryPrinter final : public OutputSink {
 public:
  enum class Format { Table, Json };
  SummaryPrinter(std::ostream& out, const Scenario& scenario, Format format)
      : out_(&out), scenario_(&scenario), format_(format) {}
  void end_run(const RunResult& result) override {
    (format_ == Format::Table ? print_table : print_json)(*out_, *scenario_, result);
  }

 private:
  std::ostream* out_;
  const Scenario* scenario_;
  Format format_;
};

}  // namespace wattsim
