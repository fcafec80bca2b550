#pragma once
// Where a run's results go. The run level streams them to a sink as they are made: per policy, the power
// pieces and events of its simulated steps (when the sink keeps a trace), then its result; at the end, the
// comparison. A sink writes them (HDF5 file, a summary on stdout), keeps them (tests), or drops them
// (sweeps), so a full trace never has to be held in memory to be written.
#include <memory>
#include <string>
#include <vector>

#include "energy/energy_meter.hpp"
#include "run/run_result.hpp"
#include "run/step_record.hpp"

namespace wattsim {

// The base sink records nothing: a null sink.
class OutputSink : public PowerListener {
 public:
  // Whether the simulated steps' power pieces and events are wanted (a full trace).
  virtual bool wants_trace() const { return false; }
  virtual void begin_policy(const std::string& name) { (void)name; }
  void power(const PowerSegment& segment) override { (void)segment; }
  virtual void event(const TraceEvent& event) { (void)event; }
  virtual void end_policy(const PolicyResult& result) { (void)result; }
  virtual void end_run(const RunResult& result) { (void)result; }
};

// Consecutive pieces of one GPU at the same power and clock are one segment of the trace: returns whether
// `next` extended `last`.
inline bool extend_segment(PowerSegment& last, const PowerSegment& next) {
  if (last.gpu != next.gpu || last.watts != next.watts || last.clock_mhz != next.clock_mhz ||
      last.t1_s != next.t0_s)
    return false;
  last.t1_s = next.t1_s;
  return true;
}

// Keeps the trace in memory, per policy (tests, small runs).
class MemorySink final : public OutputSink {
 public:
  struct Trace {
    std::string policy;
    std::vector<PowerSegment> power;
    std::vector<TraceEvent> events;
  };
  bool wants_trace() const override { return true; }
  void begin_policy(const std::string& name) override { traces_.push_back({name, {}, {}}); }
  void power(const PowerSegment& s) override {
    auto& power = traces_.back().power;
    if (power.empty() || !extend_segment(power.back(), s)) power.push_back(s);
  }
  void event(const TraceEvent& e) override { traces_.back().events.push_back(e); }
  const std::vector<Trace>& traces() const { return traces_; }
  const Trace& trace(const std::string& policy) const;

 private:
  std::vector<Trace> traces_;
};

// Sends everything to each of its sinks, in order.
class SinkList final : public OutputSink {
 public:
  void add(OutputSink& sink) { sinks_.push_back(&sink); }
  bool wants_trace() const override;
  void begin_policy(const std::string& name) override;
  void power(const PowerSegment& s) override;
  void event(const TraceEvent& e) override;
  void end_policy(const PolicyResult& r) override;
  void end_run(const RunResult& r) override;

 private:
  std::vector<OutputSink*> sinks_;
};

}  // namespace wattsim
