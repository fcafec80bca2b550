#pragma once
// Whether a parallel plan can run a model: the rules of the layout itself (schedules, sequence parallelism,
// ZeRO-3), the splits of the model (whole attention heads per TP rank, whole layers per pipeline chunk,
// CNN blocks), the memory of every pipeline stage, and the size of the step program the simulator would
// hold. Each rule appends what it finds, keyed by the scenario path it is about.
#include <string_view>

#include "util/issues.hpp"
#include "workload/kernel.hpp"
#include "workload/model_family.hpp"
#include "workload/parallel_plan.hpp"

namespace wattsim {

// Schedule and layout rules that need no model: interleaving, virtual stages, sequence parallelism,
// ZeRO-3 with symmetric replicas.
void check_layout(const ParallelPlan& plan, bool sequence_parallel, Issues& issues);

// The model divides over the plan: TP splits whole heads, KV heads and FFN columns; pipeline chunks hold
// whole layers (transformers) or blocks (CNNs, which take no TP); interleaving needs microbatches in
// multiples of pp.
void check_model_split(const ModelSpec& model, const ModelFamily& family, const ParallelPlan& plan,
                       Issues& issues);

// Every pipeline stage fits in the GPU's memory (memory_footprint.hpp); the first that does not is
// reported with its breakdown and what would shrink it.
void check_stage_memory(const Workload& workload, const ParallelPlan& plan, double gpu_memory_bytes,
                        std::string_view gpu_name, std::string_view model_name, Issues& issues);

// Tasks in one step's program for this plan (every kernel and collective of every simulated GPU), from
// the workload's own kernel counts, and the memory the simulator holds per task: the task graph's entries,
// the per-task timing and bookkeeping (~96 bytes, measured on the GPT-3 175B example).
double estimated_tasks_per_step(const Workload& workload, const ParallelPlan& plan);
inline constexpr double kSimulatorBytesPerTask = 96;

}  // namespace wattsim
