#include "energy/node_power.hpp"

#include <algorithm>
#include <cmath>

namespace wattsim {

NodePower::NodePower(const NodeProfile& node, int gpus_used, double gpu_max_w)
    : fans_(node.fans), psu_(node.psu) {
  const NodeProfile::Host& h = node.host;
  const double busy = std::min(1.0, h.busy_cores_per_gpu * gpus_used / std::max(1, h.cpu_cores));
  host_w_ =
      h.cpu_sockets * (h.cpu_idle_w + (h.cpu_tdp_w - h.cpu_idle_w) * busy) + h.dram_w + h.nics * h.nic_w;
  switches_w_ = node.switch_count * node.switch_w;
  heat_max_w_ = node.gpus_per_node * gpu_max_w + h.cpu_sockets * h.cpu_tdp_w + h.dram_w + h.nics * h.nic_w +
                switches_w_ + node.fans.max_w;
}

double NodePower::fans_w(double heat_w) const {
  if (fans_.max_w <= 0 || heat_max_w_ <= 0) return 0.0;
  const double speed = std::clamp(heat_w / heat_max_w_, fans_.min_speed, 1.0);
  return fans_.max_w * speed * speed * speed;
}

double NodePower::psu_efficiency(double dc_w) const {
  if (psu_.rating_w <= 0) return 1.0;
  static constexpr double kLoad[] = {0.1, 0.2, 0.5, 1.0};
  const auto& eta = psu_.efficiency;
  const double load = dc_w / (psu_.count * psu_.rating_w);
  if (load <= kLoad[0]) return eta[0];
  for (int i = 1; i < 4; ++i)
    if (load <= kLoad[i])
      return eta[i - 1] + (eta[i] - eta[i - 1]) * (load - kLoad[i - 1]) / (kLoad[i] - kLoad[i - 1]);
  return eta[3];
}

NodePower::Draw NodePower::draw(double gpu_w) const {
  Draw d;
  d.host_w = host_w_;
  d.switches_w = switches_w_;
  const double heat = gpu_w + host_w_ + switches_w_;
  d.fans_w = fans_w(heat);
  const double dc = heat + d.fans_w;
  d.wall_w = wall_w(dc);
  d.psu_loss_w = d.wall_w - dc;
  return d;
}

double NodePower::peak_wall_w(double gpu_w, double average_gpu_w) const {
  return wall_w(gpu_w + host_w_ + switches_w_ + fans_w(average_gpu_w + host_w_ + switches_w_));
}

}  // namespace wattsim
