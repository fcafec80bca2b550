#include "energy/energy_meter.hpp"

namespace wattsim {

void EnergyMeter::reset(std::size_t gpus, std::size_t layer_slots) {
  gpus_.assign(gpus, Gpu{});
  layer_j_.assign(layer_slots, 0.0);
  links_j_ = 0;
  peak_w_ = 0;
}

void EnergyMeter::begin_step() {
  step_start_.resize(gpus_.size());
  for (std::size_t g = 0; g < gpus_.size(); ++g)
    step_start_[g] = {gpus_[g].busy_j, gpus_[g].wait_j, gpus_[g].memory_j};
  step_start_links_j_ = links_j_;
  peak_w_ = 0;
}

StepEnergy EnergyMeter::end_step(SimTime now, const std::vector<double>& multiplicity) {
  StepEnergy e;
  for (std::uint32_t g = 0; g < gpus_.size(); ++g) {
    update(g, now);
    const double m = multiplicity[g];  // the GPUs this one stands for
    charge_layer(g, gpus_[g].last_slot, m);
    e.gpu_busy_j += m * (gpus_[g].busy_j - step_start_[g].busy_j);
    e.gpu_wait_j += m * (gpus_[g].wait_j - step_start_[g].wait_j);
    e.memory_j += m * (gpus_[g].memory_j - step_start_[g].memory_j);
  }
  e.links_j = links_j_ - step_start_links_j_;
  e.peak_gpu_w = peak_w_;
  return e;
}

}  // namespace wattsim
