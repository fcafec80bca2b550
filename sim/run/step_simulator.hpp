#pragma once
// Simulates training steps of a StepProgram under a ClockPlan: the executor's handler that times each task
// on the GPU and network models and integrates every GPU's power exactly, piece by piece.
//
// Energy accounting. A GPU's power is constant between state changes (a kernel or collective starting or
// ending, a clock change), so its energy is the exact sum of P·Δt over those pieces. Each piece is split:
// memory (β·P_mem), busy (the rest, while a compute kernel runs) and wait (the rest, while none runs).
// Links are charged per byte moved, NVSwitches and the host for the step's wall time, both in proportion
// to the node's GPUs in use. Total = busy + wait + memory + network + host, by construction and by test.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/executor.hpp"
#include "hardware/gpu_model.hpp"
#include "io/scenario.hpp"
#include "network/flow_network.hpp"
#include "network/network_model.hpp"
#include "network/node_profile.hpp"
#include "policy/clock_plan.hpp"
#include "run/trace.hpp"
#include "workload/step_program.hpp"

namespace wattsim {

// Power drawn by the cluster outside the GPUs, for the step's wall time.
struct ClusterPower {
  double host_w = 0;      // host share of every node in use
  double switches_w = 0;  // NVSwitches of those nodes and the fabric's switches
  static ClusterPower of(const Scenario& s, const Topology& topology);
};

// How one simulated GPU differs from its profile: chips of one model spread in speed and power, and a
// straggler (thermal throttling, a bad link to its host, a noisy neighbour) runs slower from some step on.
struct GpuVariation {
  double time_factor = 1;   // kernel durations × this
  double power_factor = 1;  // board power × this
  double straggler_factor = 1;
  std::uint32_t straggler_from_step = 0;
};

// Energy of one step per (layer, direction), index 2·layer + (0 forward, 1 backward). Every joule of the
// step is charged to exactly one entry, so the entries sum to the step's energy:
//  - a GPU's energy from the end of its previous kernel to the end of this one (the wait for this kernel's
//    inputs, then the kernel) goes to the kernel's layer; what follows its last kernel, to that kernel;
//  - a collective's link energy goes to its layer;
//  - host and switch power, drawn for the step's wall time, is shared in proportion to the GPU energy.
// Backward takes recomputation, gradient reduction and (on the optimizer's row) the optimizer step.
using LayerEnergy = std::vector<double>;
inline std::size_t layer_slot(std::uint16_t layer, Pass pass) {
  return 2u * layer + (pass == Pass::Forward ? 0u : 1u);
}

class StepSimulator {
 public:
  StepSimulator(const StepProgram& program, const GpuModel& gpu, const NetworkModel& network,
                ClusterPower cluster, NetworkFidelity fidelity = NetworkFidelity::Analytical);

  // Prepares the per-task timings for a plan and resets time and GPU state to the start of a run.
  void reset(const ClockPlan& plan);
  // Per simulated GPU; empty for identical GPUs. Kept across resets.
  void set_variation(std::vector<GpuVariation> variation);
  // Simulates one more step after the previous ones; trace and layers may be null.
  StepRecord run_step(Trace* trace, LayerEnergy* layers = nullptr);
  SimTime now() const { return now_; }
  // A hash of every (time, task id) completion since reset, in order: equal fingerprints mean the same
  // schedule, so a change to the engine or the models that moves any task shows up in the golden outputs.
  std::uint64_t fingerprint() const { return fingerprint_; }
  // Per collective: its analytical duration (alone on the network).
  std::span<const SimTime> collective_times() const { return collective_time_; }

  // Executor handler interface.
  SimTime start(TaskId task, SimTime now);
  void finish(TaskId task, SimTime now);
  void wakeup(SimTime now);

 private:
  struct GpuState {
    SimTime since = 0;
    double watts = 0;
    double memory_w = 0;
    double energy_j = 0;
    double busy_j = 0;
    double wait_j = 0;
    double memory_j = 0;
    double kernel_start_energy_j = 0;
    double attributed_j = 0;  // energy already charged to a layer
    std::uint32_t last_slot = 0;
    SimTime kernel_start = 0;
    SimTime idle_since = 0;
    SimTime changed_at = 0;  // when the last clock transition began
    float activity = 0;
    float memory_utilisation = 0;
    int comm_active = 0;
    bool computing = false;
    ClockStep clock = 0;      // the clock it runs at (after the power cap)
    ClockStep requested = 0;  // the clock the policy set; changing it costs the transition latency
  };
  struct ClockTable {  // per clock step: the pieces of P = static + α·dynamic + β·P_mem
    double static_w;
    double dynamic_w;
  };
  struct TaskTiming {
    SimTime duration;
    float activity;
    float memory_utilisation;
    ClockStep clock;      // effective, after the cap
    ClockStep requested;  // as planned
  };

  void schedule_wakeup();                      // asks the executor to call wakeup() at the next flow event
  void advance(std::uint32_t g, SimTime now);  // integrates power up to now
  void integrate(std::uint32_t g, SimTime now);
  void set_power(std::uint32_t g);  // recomputes power from the state
  void emit_event(std::uint32_t gpu, SimTime t0, SimTime t1, EventKind kind, const Kernel* k,
                  double clock_mhz, double energy_j, std::uint16_t layer = 0,
                  Pass pass = Pass::Communication);

  const StepProgram* program_;
  const GpuModel* gpu_;
  const NetworkModel* network_;
  ClusterPower cluster_;
  std::unique_ptr<FlowNetwork> flows_;  // flow fidelity only
  std::vector<std::uint32_t> finished_;
  std::vector<SimTime> collective_start_;
  std::vector<std::vector<Phase>> phase_table_;   // distinct collectives' flow phases
  std::vector<std::uint32_t> collective_phases_;  // per collective: index into phase_table_
  SimTime next_wakeup_ = -1;
  std::vector<ClockTable> clocks_;
  std::vector<TaskTiming> timing_;        // per task
  std::vector<TaskTiming> timing_cache_;  // per (distinct kernel, clock step), kept between resets
  std::vector<SimTime> collective_time_;  // per collective
  std::vector<double> collective_link_j_;
  std::vector<ClockStep> wait_clock_;  // per GPU, as planned (idle_clock_ gives it after the cap)
  std::vector<ClockStep> idle_clock_;  // per clock step: where an idle GPU asked for it settles
  SimTime wait_hold_ = 0;
  static constexpr TaskId kNoTask = ~TaskId{0};
  std::vector<TaskId> next_kernel_;  // per kernel task: the next kernel on its GPU (cyclic over the step)
  std::vector<GpuVariation> variation_;
  std::vector<double> slowdown_;  // per GPU, this step's kernel-time factor; empty if all are 1
  LayerEnergy layer_j_;           // since reset
  std::size_t layer_slots_ = 0;   // entries of a LayerEnergy for this program
  std::vector<GpuState> state_;
  Executor executor_;
  SimTime now_ = 0;
  double cap_w_ = 0;  // the power limit in force: the hardware's, or a policy's lower one
  SimTime transition_;
  double network_j_ = 0;
  double peak_w_ = 0;
  std::uint64_t clock_changes_ = 0;
  std::uint32_t step_index_ = 0;
  std::uint64_t fingerprint_ = 0;
  Trace* trace_ = nullptr;
};

}  // namespace wattsim
