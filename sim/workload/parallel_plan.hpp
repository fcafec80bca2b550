#pragma once
// How a training step is split over GPUs: tensor (TP), pipeline (PP) and data (DP) parallel degrees, the
// pipeline schedule, ZeRO sharding, activation recomputation, and how ranks map to GPUs.
#include <cstdint>
#include <vector>

#include "util/enum_names.hpp"
#include "workload/kernel.hpp"

namespace wattsim {

// GPipe, 1F1B (PipeDream-Flush), and Megatron's interleaved 1F1B (Narayanan et al. SC'21).
enum class PipelineSchedule : std::uint8_t { GPipe, OneFOneB, Interleaved };
inline constexpr EnumNames<PipelineSchedule, 3> kPipelineScheduleNames{{"gpipe", "1f1b", "interleaved"}};

// How global ranks map to (tensor rank, pipeline stage, data rank), fastest-varying first. The default
// puts a TP group inside a node.
enum class RankOrder : std::uint8_t { TpPpDp, TpDpPp };
inline constexpr EnumNames<RankOrder, 2> kRankOrderNames{{"tp-pp-dp", "tp-dp-pp"}};

// The precision gradients are kept and reduced in across the DP group: fp32 main gradients (what
// Megatron-LM forces for bf16 training) or 16 bits (its --grad-reduce-in-bf16).
enum class GradReducePrecision : std::uint8_t { Fp32, Bf16 };
inline constexpr EnumNames<GradReducePrecision, 2> kGradReducePrecisionNames{{"fp32", "bf16"}};

struct ParallelPlan {
  int tp = 1;
  int pp = 1;
  int dp = 1;
  int microbatches = 1;    // per pipeline per optimizer step
  int virtual_stages = 1;  // model chunks per pipeline stage (interleaved 1F1B)
  // How the blocks split over the pp · v virtual stages (workload/step_program.hpp, chunk_layers): evenly;
  // evenly counting the embedding and the head as one layer each (Megatron-DeepSpeed's BLOOM layout); or
  // as listed, blocks per virtual stage c · pp + s.
  bool embedding_as_layer = false;
  std::vector<int> stage_layers;
  // Expert parallelism: an MoE layer's experts are spread over ep consecutive data ranks (Megatron's
  // expert-parallel group inside the data-parallel one); expert weights are replicated over dp / ep.
  int ep = 1;
  // Context parallelism: each sequence split over cp consecutive data ranks, attention as a ring over
  // them (Megatron-Core's CP). `dp` counts data ranks including them: dp / cp replicas of the batch.
  int cp = 1;
  PipelineSchedule schedule = PipelineSchedule::OneFOneB;
  Recompute recompute = Recompute::None;
  int zero_stage = 0;
  double bucket_bytes = 25.0 * (1 << 20);  // PyTorch DDP's default bucket_cap_mb = 25
  GradReducePrecision grad_reduce = GradReducePrecision::Fp32;
  double weight_bytes_per_parameter = 2;  // what ZeRO gathers
  bool overlap_grad_reduce = true;
  // ZeRO-1/2: the updated weights are all-gathered bucket by bucket ahead of the next forward through them
  // (Megatron-Core --overlap-param-gather), not after the optimizer step with nothing beside them.
  bool overlap_param_gather = false;
  // ZeRO-3: how many layers ahead of compute a layer's weights may be gathered (FSDP's one-unit prefetch
  // and limit on all-gathers in flight; DeepSpeed's prefetch bucket). 0: gathered when reached.
  int prefetch_layers = 1;
  bool tp_comm_overlap = false;  // TP collectives overlap their GEMMs (Megatron-Core --tp-comm-overlap)
  bool symmetric = true;
  double activation_bytes = 0;  // one microbatch's activation at a stage boundary (b·s·h·e)
  RankOrder rank_order = RankOrder::TpPpDp;
  // Bytes per parameter of the gradients as kept and reduced.
  double gradient_bytes_per_parameter() const { return grad_reduce == GradReducePrecision::Fp32 ? 4.0 : 2.0; }
  // Global rank of (tensor rank t, pipeline stage p, data rank d).
  int rank(int t, int p, int d) const {
    return rank_order == RankOrder::TpDpPp ? t + tp * (d + dp * p) : t + tp * (p + pp * d);
  }
};

}  // namespace wattsim
