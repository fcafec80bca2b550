#pragma once
// What a simulated step leaves behind: its record (time, energy and its parts), and, when a trace is kept,
// one event per kernel and collective on each GPU (power pieces are the energy meter's PowerSegment).
// Output sinks (output_sink.hpp) decide what is kept and where.
#include <cstdint>
#include <vector>

#include "util/enum_names.hpp"

namespace wattsim {

enum class EventKind : std::uint8_t { TensorGemm, Elementwise, Reduction, Collective };
inline constexpr EnumNames<EventKind, 4> kEventKindNames{
    {"tensor_gemm", "elementwise", "reduction", "collective"}};

struct TraceEvent {
  std::uint32_t gpu;
  double t0_s, t1_s;
  std::uint8_t kind;  // EventKind
  std::uint8_t pass;  // Pass
  std::uint16_t layer;
  std::uint16_t label;
  std::uint32_t step;
  double clock_mhz;
  double energy_j;  // kernels: the GPU's energy over the kernel; collectives: link energy per rank
  bool operator==(const TraceEvent&) const = default;
};

struct StepRecord {
  std::uint32_t step = 0;
  double t_start_s = 0;
  double time_s = 0;
  double energy_j = 0;
  double gpu_busy_j = 0;
  double gpu_wait_j = 0;
  double memory_j = 0;
  double network_j = 0;
  double host_j = 0;  // CPUs, DRAM, NICs
  double fans_j = 0;
  double psu_loss_j = 0;  // power-supply conversion
  double avg_power_w = 0;
  double peak_gpu_power_w = 0;     // instantaneous: a GEMM may exceed the limit until the controller acts
  double avg_node_power_w = 0;     // one node at the wall, its GPUs at the step's mean power
  double peak_node_power_w = 0;    // one node at the wall, its GPUs at their highest window
  double peak_window_power_w = 0;  // the power limit's measure: one GPU's average over a control window
  std::uint64_t events = 0;
  std::uint64_t clock_changes = 0;
};

}  // namespace wattsim
