#pragma once
// One training step of a 3D-parallel plan (data × tensor × pipeline, Megatron-style) as a task DAG over
// GPU streams, plus the tables the models need to time each task.
//
// Streams: every simulated GPU has a compute stream (kernels and the tensor-parallel collectives, which
// block compute as in Megatron) and a communication stream (data-parallel gradient reduction and ZeRO
// gathers, which overlap compute); every pipeline edge has a stream per direction for activation and
// gradient transfers. Kernels are stored once per distinct kernel; tasks refer to them.
//
// Symmetry: with `symmetric`, one GPU per pipeline stage is simulated, standing for its tp × dp peers.
// TP ranks run in lockstep (same kernels, collectives among themselves) and DP replicas are identical, so
// this gives the same step as simulating every GPU (a test checks it); collectives still know every rank
// (the network model sees all the concurrent copies).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/sim_time.hpp"
#include "engine/task_graph.hpp"
#include "network/collective.hpp"
#include "workload/kernel.hpp"
#include "workload/parallel_plan.hpp"

namespace wattsim {

// A collective of the step: the network's operation (what moves among which ranks) plus where it sits in
// the program, for timing and energy attribution.
struct StepCollective : Collective {
  CommGroup group = CommGroup::Data;
  std::vector<std::uint32_t> gpus;  // simulated GPUs taking part
  std::uint16_t layer = 0;          // tensor-parallel collectives: the layer and pass they belong to
  Pass pass = Pass::Communication;
};

enum class TaskType : std::uint8_t { Kernel, Collective };

struct StepTask {
  TaskType type = TaskType::Kernel;
  std::uint32_t gpu = 0;  // kernels: the simulated GPU; collectives: the first participant
  std::uint16_t microbatch = 0;
  std::uint32_t index = 0;  // into StepProgram::kernels or ::collectives
};

struct PipelineOp {
  bool forward;
  int chunk;
  int microbatch;
};

// The order in which pipeline stage `stage` runs its forward and backward passes (GPipe, 1F1B, or
// Megatron's interleaved 1F1B; Narayanan et al. SC'21).
std::vector<PipelineOp> pipeline_schedule(const ParallelPlan& plan, int stage);

struct StepProgram {
  TaskGraph graph;
  std::vector<StepTask> tasks;
  std::vector<Kernel> kernels;
  std::vector<StepCollective> collectives;
  std::vector<std::string> labels;
  std::vector<std::string> layer_names;  // by Kernel::layer; the last is the optimizer step
  std::vector<int> gpu_rank;             // global rank of each simulated GPU
  std::vector<double> gpu_multiplicity;  // GPUs each simulated GPU stands for
  int gpus = 0;                          // simulated GPUs
  int total_gpus = 0;
  int microbatches = 0;
  double samples_per_step = 0;
  double tokens_per_step = 0;
  double model_flops_per_step = 0;
  double executed_gemm_flops_per_step = 0;  // every GEMM run, recomputation included, all GPUs
  // The host's time to issue one kernel (framework.launch; 0: the host is never behind). The host issues
  // each GPU's kernels in order from the step's start, where the previous step's end synchronised it.
  SimTime host_launch = 0;
  // The host input pipeline's time to deliver one node's samples of a step (0: never the bottleneck). It
  // loads ahead of the GPUs, so a step lasts at least this long, the GPUs waiting for data at its end.
  SimTime input_time = 0;
};

// The kernel tasks of each simulated GPU, in the order its compute stream runs them.
std::vector<std::vector<TaskId>> gpu_kernel_sequences(const StepProgram& program);

// Appends the optimizer step for `parameters` parameters held by one GPU to the workload.
void add_adam_optimizer(Workload& workload, double parameters);

// Builds the step. `workload` holds one tensor-parallel rank's layers for one microbatch (embedding
// first, head last); its optimizer is ignored (built here per stage, for the stage's parameters).
StepProgram build_step(const Workload& workload, const ParallelPlan& plan);

// Which layers each (stage, chunk) holds: layer indices [first, last).
struct LayerRange {
  std::size_t first, last;
};
LayerRange chunk_layers(std::size_t layer_count, const ParallelPlan& plan, int stage, int chunk);

}  // namespace wattsim
