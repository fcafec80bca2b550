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

#include "engine/task_graph.hpp"
#include "network/collective.hpp"
#include "workload/kernel.hpp"

namespace wattsim {

enum class PipelineSchedule : std::uint8_t { GPipe, OneFOneB, Interleaved };
enum class CommGroup : std::uint8_t { Tensor, Data, Pipeline };

struct Collective {
  CollectiveKind kind = CollectiveKind::AllReduce;
  CommGroup group = CommGroup::Data;
  double bytes = 0;                 // all-reduce: the buffer; reduce-scatter / all-gather: the whole tensor
  std::vector<int> ranks;           // global ranks of one group, in ring order
  std::vector<int> copy_offsets;    // the same collective runs at once on ranks + offset (symmetric peers)
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

struct ParallelPlan {
  int tp = 1;
  int pp = 1;
  int dp = 1;
  int microbatches = 1;    // per pipeline per optimizer step
  int virtual_stages = 1;  // model chunks per pipeline stage (interleaved 1F1B)
  PipelineSchedule schedule = PipelineSchedule::OneFOneB;
  Recompute recompute = Recompute::None;
  int zero_stage = 0;
  double bucket_bytes = 25.0 * (1 << 20);   // PyTorch DDP's default bucket_cap_mb = 25
  double gradient_bytes_per_parameter = 4;  // gradients reduced in fp32 (mixed precision)
  double weight_bytes_per_parameter = 2;    // what ZeRO gathers
  bool overlap_grad_reduce = true;
  bool tp_comm_overlap = false;  // TP collectives overlap their GEMMs (Megatron-Core --tp-comm-overlap)
  bool symmetric = true;
  double activation_bytes = 0;  // one microbatch's activation at a stage boundary (b·s·h·e)
  // Global rank of (tensor rank t, pipeline stage p, data rank d). Default order: t fastest, then p, then d
  // ("tp-pp-dp"), so a TP group sits inside a node.
  bool data_before_pipeline = false;  // "tp-dp-pp": t fastest, then d, then p
  int rank(int t, int p, int d) const {
    return data_before_pipeline ? t + tp * (d + dp * p) : t + tp * (p + pp * d);
  }
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
  std::vector<Collective> collectives;
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
