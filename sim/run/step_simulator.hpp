#pragma once
// Simulates training steps of a StepProgram under a ClockPlan: the executor's handler. It times each task
// (kernels on the GPU model at their clock; collectives on the network backend), keeps each GPU's clock
// state (transitions, waits, the power limit's controller), and tells the energy meter the power of every
// GPU at each change of state.
//
// The power limit is a controller, as on the hardware: every control window it sets one clock ceiling per
// GPU for all the work of the next window, the highest clock at which the last window's mix of activity
// would average to the limit less a guard band. A kernel runs at min(planned clock, ceiling). Within a
// window the power is held at the limit (the fast power brake), never above. Host and switch power are drawn
// for the step's wall time, in proportion to the node's GPUs in use. Step energy = busy + wait + memory +
// network + host, by construction and by test.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "energy/energy_meter.hpp"
#include "energy/node_power.hpp"
#include "engine/executor.hpp"
#include "hardware/gpu_model.hpp"
#include "policy/clock_plan.hpp"
#include "run/step_record.hpp"
#include "workload/step_program.hpp"

namespace wattsim {

class NetworkModel;
class NetworkBackend;
class OutputSink;

// Power drawn by the cluster outside the GPUs: its nodes' hosts, NVSwitches, fans and power supplies
// (energy/node_power.hpp), and the fabric's switches. Default: none.
struct ClusterPower {
  NodePower node;         // one node, as if all its GPUs ran this job
  double nodes = 0;       // the job's share of nodes (4 GPUs of an 8-GPU node: 0.5)
  int gpus_per_node = 1;  // GPUs of a node, for a node's GPU power from the mean GPU's
  double fabric_switches_w = 0;
};

// How one simulated GPU differs from its profile: chips of one model spread in speed and power, and a
// straggler (thermal throttling, a bad link to its host, a noisy neighbour) runs slower from some step on.
struct GpuVariation {
  double time_factor = 1;   // kernel durations × this
  double power_factor = 1;  // board power × this
  double straggler_factor = 1;
  std::uint32_t straggler_from_step = 0;
};

inline std::size_t layer_slot(std::uint16_t layer, Pass pass) {
  return 2u * layer + (pass == Pass::Forward ? 0u : 1u);
}

// What a simulated step reports besides its record.
struct StepOutputs {
  OutputSink* trace = nullptr;    // every power piece and event
  LayerEnergy* layers = nullptr;  // the step's energy per (layer, direction) slot (energy_meter.hpp)
  bool fingerprint = false;       // fold the step's completion sequence into fingerprint()
};

class StepSimulator {
 public:
  // `network_backend` names a registered fidelity (network/network_backend.hpp).
  StepSimulator(const StepProgram& program, const GpuModel& gpu, const NetworkModel& network,
                ClusterPower cluster, const std::string& network_backend = "analytical");
  ~StepSimulator();

  // Prepares the per-task timings for a plan and resets time and GPU state to the start of a run.
  void reset(const ClockPlan& plan);
  // Per simulated GPU; empty for identical GPUs. Kept across resets.
  void set_variation(std::vector<GpuVariation> variation);
  // Simulates one more step after the previous ones.
  StepRecord run_step(const StepOutputs& outputs = {});
  SimTime now() const { return now_; }
  // Per collective: its analytical duration (alone on the network).
  std::span<const SimTime> collective_times() const { return collective_time_; }
  // Per task: the power controller's ceiling when each kernel of the last step started.
  std::span<const ClockIndex> kernel_ceilings() const { return kernel_ceiling_; }
  // A hash of every (time, task id) completion of the steps simulated with outputs.fingerprint since reset,
  // in order: equal fingerprints mean the same schedule, so a change to the engine or the models that
  // moves any task shows up in the golden outputs.
  std::uint64_t fingerprint() const { return fingerprint_; }

  // Executor handler interface.
  void begin_run(SimTime now);
  SimTime start(TaskId task, SimTime now);
  void finish(TaskId task, SimTime now);
  void wakeup(SimTime now);

 private:
  // A GPU's clock, what runs on it, and the meter's record of its energy.
  struct GpuState {
    GpuEnergy energy;  // the meter's record of this GPU
    SimTime kernel_start = 0;
    double kernel_start_energy_j = 0;
    SimTime idle_since = 0;
    SimTime change_done = 0;  // when the latest clock change completes; until then the GPU runs at `from`
    ClockIndex from = 0;      // the clock before the latest change
    // A kernel that straddles the end of a change runs at the new clock from change_done: its timing there.
    bool switch_pending = false;
    float after_activity = 0, after_memory_utilisation = 0;
    float activity = 0;
    float memory_utilisation = 0;
    int comm_active = 0;
    bool computing = false;
    ClockIndex clock = 0;      // the clock it runs at (the planned one, under the controller's ceiling)
    ClockIndex requested = 0;  // the clock the policy set; changing it costs the transition latency
    ClockIndex ceiling = 0;    // the power controller's, for this window
    ClockIndex limit = 0;      // what the limit allows the present piece: the ceiling, or below it (brake)
    GpuEnergy window;          // the meter's record at the window's start
  };
  struct KernelTiming {  // a kernel alone at one clock (duration < 0: not computed yet)
    SimTime duration;
    float activity;
    float memory_utilisation;
  };

  void schedule_wakeup();  // a wakeup() at the network's next event
  SimTime start_kernel(TaskId task, SimTime now);
  void release_issued(SimTime now);  // starts the held kernels the host has issued by now
  const KernelTiming& timing(std::uint32_t kernel, ClockIndex clock);
  // The power controller at the end of a window: each GPU's ceiling for the next.
  void control(SimTime now);
  // The highest clock up to the ceiling at which kernel `kernel` starting now on GPU g keeps the window's
  // average within the limit.
  ClockIndex brake(std::uint32_t g, std::uint32_t kernel, SimTime now);
  // A policy's clock change on GPU g to `to`, beginning at `at` ≤ now (it takes transition_[from][to]).
  void begin_change(std::uint32_t g, ClockIndex to, SimTime at, SimTime now);
  // The planned clock GPU g runs at at time t (the old one until a change completes).
  ClockIndex planned_clock_at(const GpuState& s, SimTime t) const {
    return t < s.change_done ? s.from : s.requested;
  }
  void complete_changes(SimTime now);  // the changes that end now: clocks and power switch
  ClockIndex ceiling_for(std::uint32_t g, double target_w, double activity, double memory_utilisation) const;
  // Integrates GPU g to now, first moving an idle GPU to its wait clock once it has waited the hold time.
  void advance(std::uint32_t g, SimTime now);
  void update_power(std::uint32_t g);
  void emit_event(std::uint32_t gpu, SimTime t0, SimTime t1, EventKind kind, const Kernel* k,
                  double clock_mhz, double energy_j, std::uint16_t layer = 0,
                  Pass pass = Pass::Communication);

  const StepProgram* program_;
  const GpuModel* gpu_;
  ClusterPower cluster_;
  std::unique_ptr<NetworkBackend> network_;
  EnergyMeter meter_;
  std::vector<std::uint32_t> finished_;
  std::vector<SimTime> collective_start_;
  SimTime next_wakeup_ = -1;
  struct ClockPower {  // at each supported clock: the power law's parts, and the clock in MHz
    PowerTerms terms;
    double mhz;
  };
  std::vector<ClockPower> clocks_;
  PowerCoefficients activity_;              // the profile's wait and communication activities
  std::vector<ClockIndex> task_clock_;      // per task, as planned
  std::vector<ClockIndex> kernel_ceiling_;  // per task, the ceiling it started under
  std::vector<KernelTiming> timing_cache_;  // per (distinct kernel, clock), kept between resets
  std::vector<SimTime> collective_time_;    // per collective
  std::vector<double> collective_link_j_;
  std::vector<ClockIndex> wait_clock_;  // per GPU, as planned
  SimTime wait_hold_ = 0;
  static constexpr TaskId kNoTask = ~TaskId{0};
  std::vector<TaskId> next_kernel_;  // per kernel task: the next kernel on its GPU (cyclic over the step)
  // The host launch bound (StepProgram::host_launch): a kernel starts no earlier than the host issues it.
  std::vector<SimTime> issue_;  // per task: its kernel's issue time after the step's start (empty: none)
  SimTime step_start_ = 0;
  std::vector<std::pair<SimTime, TaskId>> held_;  // kernels ready before issued: (issue time, task), a heap
  std::vector<GpuVariation> variation_;
  std::vector<double> slowdown_;  // per GPU, this step's kernel-time factor; empty if all are 1
  std::size_t layer_slots_ = 0;   // entries of a LayerEnergy for this program
  std::vector<GpuState> state_;
  Executor executor_;
  SimTime now_ = 0;
  double cap_w_ = 0;                 // the power limit in force: the hardware's, or a policy's lower one
  SimTime window_ = 0;               // the controller's window; 0 while the limit cannot bind
  double guard_ = 0;                 // the share of the limit the controller keeps in reserve
  SimTime next_tick_ = 0;            // the end of the present window
  double peak_window_w_ = 0;         // the highest average power of one GPU over one window, this step
  double peak_node_gpu_w_ = 0;       // the highest over a window of a node's GPUs (mean GPU × GPUs per node)
  std::vector<SimTime> transition_;  // [from · clocks + to]
  // Changes still under way on a GPU whose power must switch when they end: (end, GPU), earliest first.
  std::vector<std::pair<SimTime, std::uint32_t>> changes_;
  std::uint64_t clock_changes_ = 0;
  std::uint32_t step_index_ = 0;
  std::uint64_t fingerprint_ = 0;
  bool fingerprinting_ = false;
  OutputSink* trace_ = nullptr;
};

}  // namespace wattsim
