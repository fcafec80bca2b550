#pragma once
// One training step of a parallel plan as a task DAG over GPU streams, plus the tables the models need to
// time each task. Every GPU has a compute stream and a communication stream, so gradient all-reduces
// overlap the rest of the backward pass as they do with PyTorch DDP and Megatron.
//
// Kernels are stored once per distinct kernel (one replica, one microbatch); tasks refer to them, so the
// cost of timing a kernel at a clock is paid per distinct kernel, not per task.
#include <cstdint>
#include <vector>

#include "engine/task_graph.hpp"
#include "network/collective.hpp"
#include "workload/kernel.hpp"

namespace wattsim {

struct Collective {
  CollectiveKind kind = CollectiveKind::AllReduce;
  double bytes = 0;  // message size per rank
  std::vector<std::uint16_t> gpus;
  std::uint16_t bucket = 0;
};

enum class TaskType : std::uint8_t { Kernel, Collective };

struct StepTask {
  TaskType type = TaskType::Kernel;
  std::uint16_t gpu = 0;  // kernels: the GPU; collectives: the first participant
  std::uint16_t microbatch = 0;
  std::uint32_t index = 0;  // into StepProgram::kernels or ::collectives
};

struct StepProgram {
  TaskGraph graph;
  std::vector<StepTask> tasks;
  std::vector<Kernel> kernels;
  std::vector<Collective> collectives;
  std::vector<std::string> labels;
  int gpus = 0;
  int microbatches = 0;
  double samples_per_step = 0;
  double tokens_per_step = 0;
  double model_flops_per_step = 0;
};

struct DataParallelPlan {
  int dp = 1;
  int microbatches = 1;                     // gradient-accumulation steps per optimizer step
  double bucket_bytes = 25.0 * (1 << 20);   // PyTorch DDP's default bucket_cap_mb = 25
  double gradient_bytes_per_parameter = 4;  // gradients reduced in fp32 (mixed precision)
};

// Appends the optimizer step for `parameters` parameters held by one GPU to the workload.
void add_adam_optimizer(Workload& workload, double parameters);

StepProgram build_data_parallel_step(const Workload& workload, const DataParallelPlan& plan);

}  // namespace wattsim
