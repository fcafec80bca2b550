#pragma once
// The energy meter: every GPU's power integrated exactly, piece by piece. A GPU's power is constant
// between state changes (a kernel or collective starting or ending, a clock change), so the step simulator
// tells the meter at each change (update, then set_power: SimGrid's energy plugin has the same shape) and
// the energy is the exact sum of P·Δt over the pieces. Each piece is split three ways: memory (β·P_mem),
// busy (the rest, while a kernel runs) and wait (the rest, while none runs).
//
// Per-layer attribution. Energy of a step is charged to (layer, direction) slots, 2·layer + (0 forward,
// 1 backward), so that every joule lands in exactly one slot and the slots sum to the step's energy:
//  - a GPU's energy from its previous charge to the end of a kernel (the wait for the kernel's inputs, then
//    the kernel) goes to the kernel's slot; what follows its last kernel, to that kernel's slot;
//  - a collective's link energy goes to its slot;
//  - host and switch power, drawn for the step's wall time, is shared in proportion to the rest.
#include <cstdint>
#include <vector>

#include "engine/sim_time.hpp"
#include "hardware/power_model.hpp"

namespace wattsim {

// One piece of a GPU's power trace: constant watts at one clock from t0 to t1.
struct PowerSegment {
  std::uint32_t gpu;
  double t0_s, t1_s;
  double watts;
  double clock_mhz;
  bool operator==(const PowerSegment&) const = default;
};

// Receives every integrated piece, when a power trace is recorded.
class PowerListener {
 public:
  virtual ~PowerListener() = default;
  virtual void power(const PowerSegment& segment) = 0;
};

using LayerEnergy = std::vector<double>;

// Energy of one step, every simulated GPU weighted by the GPUs it stands for.
struct StepEnergy {
  double gpu_busy_j = 0;
  double gpu_wait_j = 0;
  double memory_j = 0;
  double links_j = 0;  // bytes moved over links and NICs
  double peak_gpu_w = 0;
};

// The meter's state of one GPU. It is attached to the GPU's own state (the step simulator keeps it
// beside the GPU's clock and activity, as SimGrid attaches its energy plugin's state to a host), so a state
// change touches one record.
struct GpuEnergy {
  SimTime since = 0;  // the last update
  double watts = 0;
  double memory_w = 0;
  double clock_mhz = 0;  // for the power trace
  // For the power-limit controller: whether the present piece runs at the controller's ceiling (its clock
  // follows the limit) and its α; over those pieces ∫dt, ∫α dt and the memory energy, over the others
  // (held below the ceiling by a planned clock) the energy.
  bool governed = false;
  double activity = 0;
  double governed_s = 0, governed_activity_s = 0, governed_memory_j = 0, free_j = 0;
  double energy_j = 0;
  double busy_j = 0;
  double wait_j = 0;
  double memory_j = 0;
  double attributed_j = 0;  // energy already charged to a slot
  std::uint32_t last_slot = 0;
  double step_busy_j = 0, step_wait_j = 0, step_memory_j = 0;  // at the start of the step
};

class EnergyMeter {
 public:
  // Starts a run: every slot empty (each GPU's record starts at its default).
  void reset(std::size_t layer_slots);

  // Integrates GPU g's power from its last update to `now`; busy if a kernel ran on it meanwhile.
  void update(GpuEnergy& s, std::uint32_t g, SimTime now, bool busy) {
    const SimTime dt = now - s.since;
    if (dt <= 0) return;
    const double seconds = to_seconds(dt);
    const double joules = s.watts * seconds;
    const double memory = s.memory_w * seconds;
    s.energy_j += joules;
    s.memory_j += memory;
    if (s.governed) {
      s.governed_s += seconds;
      s.governed_activity_s += s.activity * seconds;
      s.governed_memory_j += memory;
    } else {
      s.free_j += joules;
    }
    (busy ? s.busy_j : s.wait_j) += joules - memory;
    peak_w_ = std::max(peak_w_, s.watts);
    if (listener_) listener_->power({g, to_seconds(s.since), to_seconds(now), s.watts, s.clock_mhz});
    s.since = now;
  }
  // The power the GPU draws from its last update on, at a clock and an activity α; governed if that clock
  // is the power controller's ceiling.
  static void set_power(GpuEnergy& s, const PowerDraw& draw, double clock_mhz, double activity,
                        bool governed) {
    s.watts = draw.total_w;
    s.memory_w = draw.memory_w;
    s.clock_mhz = clock_mhz;
    s.activity = activity;
    s.governed = governed;
  }

  // Charges the GPU's energy since its last charge to `slot`, times the GPUs it stands for.
  void charge_layer(GpuEnergy& s, std::uint32_t slot, double multiplicity) {
    layer_j_[slot] += multiplicity * (s.energy_j - s.attributed_j);
    s.attributed_j = s.energy_j;
    s.last_slot = slot;
  }
  // Energy of bytes moved over the links, charged to `slot`.
  void charge_links(std::uint32_t slot, double joules) {
    links_j_ += joules;
    layer_j_[slot] += joules;
  }

  // Receives every piece from now on (nullptr: none).
  void listen(PowerListener* listener) { listener_ = listener; }
  // A step begins: its energy is counted from here (call for the step, then for every GPU).
  void begin_step();
  void begin_step(GpuEnergy& s) const;
  // The step ends, every GPU updated to its end: the step's link energy and peak, then each GPU's part
  // (its remainder goes to its last kernel's slot; its energy, weighted by the GPUs it stands for, to the
  // step).
  StepEnergy end_step() const;
  void add_gpu_step(GpuEnergy& s, double multiplicity, StepEnergy& step);
  // Energy per slot since reset.
  const LayerEnergy& layers() const { return layer_j_; }

 private:
  LayerEnergy layer_j_;
  double links_j_ = 0, step_start_links_j_ = 0;
  double peak_w_ = 0;
  PowerListener* listener_ = nullptr;
};

}  // namespace wattsim
