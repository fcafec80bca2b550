#pragma once
// Writes a run to HDF5 in the layout of docs/hdf5-format.md, as it happens: each policy's power pieces and
// events are appended in chunks while its steps are simulated (a full trace is never held in memory), its
// summary, steps and layers when it finishes, the comparison at the end. The file is written under a
// temporary name in the destination directory and renamed over the destination only when complete and
// closed, so a crash or a kill leaves either no file or the previous complete one; a sink destroyed before
// the run ended removes its temporary file.
#include <memory>
#include <string>

#include "config/scenario.hpp"
#include "run/output_sink.hpp"

namespace wattsim {

struct OutputInfo {
  std::string version;
  std::string created;  // ISO-8601 timestamp (an attribute; datasets stay bit-identical across runs)
};
// The present time as `created` takes it: 2026-12-02T18:00:00Z.
std::string now_iso8601();

class Hdf5Sink final : public OutputSink {
 public:
  // Opens the temporary file; throws std::runtime_error if it cannot.
  Hdf5Sink(const std::string& path, const Scenario& scenario, const OutputInfo& info);
  ~Hdf5Sink() override;

  bool wants_trace() const override;
  void begin_policy(const std::string& name) override;
  void power(const PowerSegment& segment) override;
  void event(const TraceEvent& event) override;
  void end_policy(const PolicyResult& result) override;
  // Writes the comparison, closes the file and renames it into place.
  void end_run(const RunResult& result) override;

 private:
  struct File;
  std::unique_ptr<File> file_;
};

}  // namespace wattsim
