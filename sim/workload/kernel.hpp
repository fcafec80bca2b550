#pragma once
// A kernel of a training step as the workload describes it: the work the GPU does, plus where it sits in
// the model (layer, pass) and a label for traces.
#include <cstdint>
#include <string>
#include <vector>

#include "hardware/kernel_work.hpp"
#include "network/collective.hpp"
#include "util/enum_names.hpp"

namespace wattsim {

// Activation recomputation (Korthikanti et al. 2022): none, the attention core only, or whole layers.
enum class Recompute : std::uint8_t { None, Selective, Full };
inline constexpr EnumNames<Recompute, 3> kRecomputeNames{{"none", "selective", "full"}};

enum class Pass : std::uint8_t { Forward, Backward, Optimizer, Communication, Recompute };

// The group of ranks a collective runs over: the tensor-parallel group, the data-parallel group, the two
// stages of a pipeline edge, or a block of consecutive data ranks: the expert-parallel group (ep ranks)
// or the context-parallel group (cp ranks).
enum class CommGroup : std::uint8_t { Tensor, Data, Pipeline, Expert, Context };
inline constexpr EnumNames<Pass, 5> kPassNames{
    {"forward", "backward", "optimizer", "communication", "recompute"}};

struct Kernel {
  KernelWork work;
  Pass pass = Pass::Forward;
  std::uint16_t layer = 0;
  std::uint16_t label = 0;  // index into Workload::labels
  // A collective in place of GPU work, blocking the compute stream: over the tensor-parallel group
  // (Megatron's f/g operators) or the expert-parallel group (MoE dispatch and combine).
  bool is_collective = false;
  CommGroup group = CommGroup::Tensor;
  CollectiveKind collective = CollectiveKind::AllReduce;
  double message_bytes = 0;  // the whole tensor; each rank holds 1/t of it after a reduce-scatter
  // Recomputed in the backward pass under selective recomputation (the attention core's s² work).
  bool attention_core = false;
  // Run in the first microbatch's forward only, its result kept for the step (an FP8 weight cast).
  bool first_microbatch_only = false;
};

// The kernels of one layer for one microbatch on one GPU.
struct Layer {
  std::string name;
  double parameters = 0;        // held by one GPU (replicated ones counted in full)
  double model_parameters = 0;  // this layer's share of the model's parameter count
  double model_gemm_flops = 0;  // forward GEMM FLOPs of the whole layer (all TP ranks, no duplicates)
  // Activation bytes one microbatch leaves in memory until its backward, per recompute mode.
  double activation_bytes[3] = {0, 0, 0};
  std::vector<Kernel> forward;
  std::vector<Kernel> backward;
  double expert_parameters = 0;  // of `parameters`: expert weights, replicated over the expert-DP group
};

// One model-parallel replica's work for one microbatch, plus its optimizer step.
struct Workload {
  std::vector<Layer> layers;
  std::vector<Kernel> optimizer;  // once per step, after the gradients are reduced
  std::vector<std::string> labels;
  double parameters = 0;  // total model parameters
  double samples_per_microbatch = 0;
  double tokens_per_sample = 1;       // 1 for images
  double model_flops_per_sample = 0;  // forward + backward, no recomputation (MFU's numerator)

  std::uint16_t label_id(const std::string& label);
  // Sets the totals (parameters, model FLOPs per sample) from the layers once they are built.
  void finalize();
};

}  // namespace wattsim
