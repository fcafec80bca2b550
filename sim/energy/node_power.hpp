#pragma once
// Power of a node beyond its GPU boards, and the conversion from the wall (docs/physics.md, "Node power").
//
//   CPUs:  sockets · (P_idle + (P_TDP − P_idle) · u),  u = busy cores / cores, each GPU keeping
//          busy_cores_per_gpu cores spinning (its training-loop thread and NCCL's proxy thread)
//   DRAM, NICs, NVSwitches: constant while the node is up (bytes moved are charged to the links)
//   fans:  P_max · s³ with s = max(s_min, Q / Q_max): airflow, hence fan speed, follows the heat load Q at a
//          fixed temperature rise, and fan power goes as the cube of speed (the fan affinity laws); Q_max is
//          the node's DC power with every part at its rating
//   PSUs:  P_wall = P_DC / η(P_DC / (n · rating)), η interpolated between the 80 PLUS Titanium points
//          (10, 20, 50, 100% load) unless the node states its own
// Fans respond to heat over seconds, so they follow the step's average load, not its peaks.
#include "network/node_profile.hpp"

namespace wattsim {

class NodePower {
 public:
  NodePower() = default;
  // gpus_used: the GPUs of the node the job runs on; gpu_max_w: one GPU board at its limit.
  NodePower(const NodeProfile& node, int gpus_used, double gpu_max_w);

  double host_w() const { return host_w_; }          // CPUs, DRAM, NICs
  double switches_w() const { return switches_w_; }  // NVSwitches
  double fans_w(double heat_w) const;
  double psu_efficiency(double dc_w) const;
  double wall_w(double dc_w) const { return dc_w / psu_efficiency(dc_w); }

  // A node whose GPUs draw gpu_w on average: its wall power, and the parts.
  struct Draw {
    double host_w = 0, switches_w = 0, fans_w = 0, psu_loss_w = 0, wall_w = 0;
  };
  Draw draw(double gpu_w) const;
  // The wall power at a moment when the GPUs draw gpu_w, the fans still at the average load's speed.
  double peak_wall_w(double gpu_w, double average_gpu_w) const;

 private:
  NodeProfile::Fans fans_{0, 0};
  NodeProfile::Psu psu_{1, 0, {1, 1, 1, 1}};  // no conversion
  double host_w_ = 0, switches_w_ = 0, heat_max_w_ = 0;
};

}  // namespace wattsim
