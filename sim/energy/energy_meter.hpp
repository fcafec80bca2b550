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

class EnergyMeter {
 public:
  // Starts a run: every GPU at zero energy and no power, every slot empty.
  void reset(std::size_t gpus, std::size_t layer_slots);

  // Integrates GPU g's power from its last update to `now`.
  void update(std::uint32_t g, SimTime now) {
    Gpu& s = gpus_[g];
    const SimTime dt = now - s.since;
    if (dt <= 0) return;
    const double seconds = to_seconds(dt);
    const double joules = s.watts * seconds;
    const double memory = s.memory_w * seconds;
    s.energy_j += joules;
    s.memory_j += memory;
    (s.busy ? s.busy_j : s.wait_j) += joules - memory;
    peak_w_ = std::max(peak_w_, s.watts);
    if (listener_) listener_->power({g, to_seconds(s.since), to_seconds(now), s.watts, s.clock_mhz});
    s.since = now;
  }
  // The power GPU g draws from its last update on; busy while a kernel runs on it.
  void set_power(std::uint32_t g, const PowerDraw& draw, bool busy, double clock_mhz) {
    Gpu& s = gpus_[g];
    s.watts = draw.total_w;
    s.memory_w = draw.memory_w;
    s.busy = busy;
    s.clock_mhz = clock_mhz;
  }
  double energy_j(std::uint32_t g) const { return gpus_[g].energy_j; }

  // Charges GPU g's energy since its last charge to `slot`, times the GPUs it stands for.
  void charge_layer(std::uint32_t g, std::uint32_t slot, double multiplicity) {
    Gpu& s = gpus_[g];
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
  // A step begins: its energy is counted from here.
  void begin_step();
  // The step ends at `now`: integrates every GPU to it, charges what follows each GPU's last kernel to
  // that kernel's slot, and returns the step's energy (per-GPU parts weighted by multiplicity).
  StepEnergy end_step(SimTime now, const std::vector<double>& multiplicity);
  // Energy per slot since reset.
  const LayerEnergy& layers() const { return layer_j_; }

 private:
  struct Gpu {
    SimTime since = 0;
    double watts = 0;
    double memory_w = 0;
    double clock_mhz = 0;
    bool busy = false;
    double energy_j = 0;
    double busy_j = 0;
    double wait_j = 0;
    double memory_j = 0;
    double attributed_j = 0;  // energy already charged to a slot
    std::uint32_t last_slot = 0;
  };
  struct StepStart {
    double busy_j, wait_j, memory_j;
  };
  std::vector<Gpu> gpus_;
  std::vector<StepStart> step_start_;
  LayerEnergy layer_j_;
  double links_j_ = 0, step_start_links_j_ = 0;
  double peak_w_ = 0;
  PowerListener* listener_ = nullptr;
};

}  // namespace wattsim
