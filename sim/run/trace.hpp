#pragma once
// What a simulated step leaves behind for output, buffered in plain arrays and written in blocks. Which
// parts are kept is the trace detail's choice (design §6): the models only emit.
#include <cstdint>
#include <vector>

namespace wattsim {

struct PowerSegment {
  std::uint32_t gpu;
  double t0_s, t1_s;
  double watts;
  double clock_mhz;
  bool operator==(const PowerSegment&) const = default;
};

enum class EventKind : std::uint8_t { TensorGemm, Elementwise, Reduction, Collective };
inline constexpr const char* kEventKindNames[] = {"tensor_gemm", "elementwise", "reduction", "collective"};

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
  double host_j = 0;
  double avg_power_w = 0;
  double peak_gpu_power_w = 0;
  std::uint64_t events = 0;
  std::uint64_t clock_changes = 0;
};

struct Trace {
  bool keep_power = false;
  bool keep_events = false;
  std::vector<PowerSegment> power;
  std::vector<TraceEvent> events;
};

}  // namespace wattsim
