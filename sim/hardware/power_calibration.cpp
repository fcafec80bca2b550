#include "hardware/power_calibration.hpp"

#include <stdexcept>

#include "hardware/power_model.hpp"

namespace wattsim {

void calibrate_power(GpuProfile& p, const PowerAnchors& a) {
  if (p.vf_table.empty()) throw std::invalid_argument(p.name + ": empty voltage-frequency table");
  const PowerModel model(p);
  const double v_min = p.vf_table.front().voltage_v;
  const double v_max = p.vf_table.back().voltage_v;
  const double v_gemm = model.voltage_v(p.gemm_sustained_clock_mhz);
  PowerCoefficients& c = p.power;
  c.memory_w = p.memory_bandwidth_bps * 8.0 * a.memory_energy_j_per_bit;
  c.leakage_w_per_v = a.leakage_share_of_idle * p.idle_w / v_min;
  c.base_w = p.idle_w - c.leakage_w_per_v * v_min;
  // TDP: a dense GEMM (α = 1 + α_mem·β_g) at its sustained clock.
  const double static_at_gemm = c.base_w + c.leakage_w_per_v * v_gemm;
  const double gemm_activity = 1.0 + c.memory_activity * a.gemm_memory_utilisation;
  const double gemm_dynamic = p.tdp_w - static_at_gemm - a.gemm_memory_utilisation * c.memory_w;
  if (gemm_dynamic <= 0) throw std::invalid_argument(p.name + ": TDP leaves no dynamic power for a GEMM");
  c.dynamic_w_per_v2_ghz =
      gemm_dynamic / (gemm_activity * v_gemm * v_gemm * p.gemm_sustained_clock_mhz * 1e-3);
  // Blocked in a collective at the top clock.
  const double static_at_max = c.base_w + c.leakage_w_per_v * v_max;
  const double dynamic_at_max = c.dynamic_w_per_v2_ghz * v_max * v_max * p.clock_max_mhz * 1e-3;
  c.wait_activity = (p.comm_wait_w - static_at_max) / dynamic_at_max;
  if (c.wait_activity < 0 || c.wait_activity > 1)
    throw std::invalid_argument(p.name +
                                ": blocked-in-collective power must lie between the static power at the "
                                "top clock and the TDP");
}

}  // namespace wattsim
