#include "energy/energy_meter.hpp"

namespace wattsim {

void EnergyMeter::reset(std::size_t layer_slots) {
  layer_j_.assign(layer_slots, 0.0);
  links_j_ = 0;
  peak_w_ = 0;
}

void EnergyMeter::begin_step() {
  step_start_links_j_ = links_j_;
  peak_w_ = 0;
}

void EnergyMeter::begin_step(GpuEnergy& s) const {
  s.step_busy_j = s.busy_j;
  s.step_wait_j = s.wait_j;
  s.step_memory_j = s.memory_j;
}

void EnergyMeter::add_gpu_step(GpuEnergy& s, double multiplicity, StepEnergy& step) {
  charge_layer(s, s.last_slot, multiplicity);
  step.gpu_busy_j += multiplicity * (s.busy_j - s.step_busy_j);
  step.gpu_wait_j += multiplicity * (s.wait_j - s.step_wait_j);
  step.memory_j += multiplicity * (s.memory_j - s.step_memory_j);
}

StepEnergy EnergyMeter::end_step() const {
  StepEnergy step;
  step.links_j = links_j_ - step_start_links_j_;
  step.peak_gpu_w = peak_w_;
  return step;
}

}  // namespace wattsim
