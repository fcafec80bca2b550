#include "workload/feasibility.hpp"

#include <numeric>
#include <sstream>
#include <string>

#include "workload/memory_footprint.hpp"

namespace wattsim {

void check_layout(const ParallelPlan& p, bool sequence_parallel, Issues& issues) {
  if (p.virtual_stages > 1 && p.schedule != PipelineSchedule::Interleaved)
    issues.push_back(
        {"parallelism.virtual_stages", "parallelism.virtual_stages > 1 needs schedule: interleaved"});
  if (p.schedule == PipelineSchedule::Interleaved && p.pp < 2)
    issues.push_back({"parallelism.schedule", "the interleaved schedule needs pp >= 2"});
  if (sequence_parallel && p.tp < 2)
    issues.push_back({"parallelism.sequence_parallel", "sequence parallelism needs tp > 1"});
  if (!p.symmetric && p.zero_stage == 3)
    issues.push_back(
        {"parallelism.symmetric", "ZeRO-3 is simulated with symmetric replicas only; set symmetric: true"});
  if (p.cp > 1) {
    if (p.dp % p.cp != 0)
      issues.push_back({"parallelism.cp", "cp = " + std::to_string(p.cp) + " must divide the data ranks (" +
                                              std::to_string(p.dp) + ")"});
    if (!p.symmetric)
      issues.push_back(
          {"parallelism.symmetric",
           "context parallelism is simulated with symmetric replicas only; set symmetric: true"});
    if (p.ep > 1)
      issues.push_back(
          {"parallelism.cp", "context and expert parallelism together are not modelled; use one"});
  }
}

void check_model_split(const ModelSpec& m, const ModelFamily& family, const ParallelPlan& p, Issues& issues) {
  const std::string tp = std::to_string(p.tp);
  if (m.experts > 0 && family.name != "gpt")
    issues.push_back({"workload.model", "mixture-of-experts layers are built for the gpt family only"});
  if (p.ep > 1) {
    const std::string ep = std::to_string(p.ep);
    if (m.experts == 0)
      issues.push_back(
          {"parallelism.ep", "expert parallelism needs a mixture-of-experts model (experts > 0)"});
    else if (m.experts % p.ep != 0)
      issues.push_back({"parallelism.ep",
                        "ep = " + ep + " must divide the model's " + std::to_string(m.experts) + " experts"});
    if (p.dp % p.ep != 0)
      issues.push_back(
          {"parallelism.ep", "ep = " + ep + " must divide dp = " + std::to_string(p.dp) +
                                 " (the expert-parallel group lies inside the data-parallel one)"});
    if (!p.symmetric)
      issues.push_back({"parallelism.symmetric",
                        "expert parallelism is simulated with symmetric replicas only; set symmetric: true"});
  }
  if (p.schedule == PipelineSchedule::Interleaved && p.microbatches % p.pp != 0) {
    issues.push_back({"parallelism", "the interleaved schedule needs microbatches per pipeline (" +
                                         std::to_string(p.microbatches) + ") to be a multiple of pp (" +
                                         std::to_string(p.pp) + ")"});
    return;
  }
  if (family.sample_unit == "image") {
    if (p.tp > 1)
      issues.push_back({"parallelism",
                        "tensor parallelism splits transformer layers; " + m.name + " is a CNN: use tp: 1"});
    const int blocks = std::accumulate(m.stage_blocks.begin(), m.stage_blocks.end(), 0);
    if (p.pp * p.virtual_stages > blocks)
      issues.push_back({"parallelism", "pp × virtual_stages = " + std::to_string(p.pp * p.virtual_stages) +
                                           " exceeds the " + std::to_string(blocks) + " blocks of " +
                                           m.name});
    return;
  }
  if (m.heads % p.tp != 0)
    issues.push_back({"parallelism", "tp = " + tp + " does not divide the " + std::to_string(m.heads) +
                                         " attention heads of " + m.name +
                                         ": each TP rank must hold whole heads"});
  else if (m.kv_heads % p.tp != 0)
    issues.push_back({"parallelism", "tp = " + tp + " does not divide the " + std::to_string(m.kv_heads) +
                                         " key/value heads of " + m.name});
  if (m.ffn_hidden % p.tp != 0)
    issues.push_back(
        {"parallelism", "tp = " + tp + " does not divide the FFN size " + std::to_string(m.ffn_hidden)});
  const int chunks = p.pp * p.virtual_stages;
  if (!p.stage_layers.empty()) {
    const int listed = std::accumulate(p.stage_layers.begin(), p.stage_layers.end(), 0);
    if (static_cast<int>(p.stage_layers.size()) != chunks)
      issues.push_back(
          {"parallelism.stage_layers", "stage_layers lists " + std::to_string(p.stage_layers.size()) +
                                           " stages but pp × virtual_stages = " + std::to_string(chunks)});
    else if (listed != m.layers)
      issues.push_back({"parallelism.stage_layers", "stage_layers add up to " + std::to_string(listed) +
                                                        " blocks but " + m.name + " has " +
                                                        std::to_string(m.layers)});
  } else if (p.embedding_as_layer) {
    if ((m.layers + 2) % chunks != 0)
      issues.push_back({"parallelism", std::to_string(m.layers) + " blocks plus the embedding and the head " +
                                           "do not split evenly over pp × virtual_stages = " +
                                           std::to_string(chunks) + " pipeline chunks"});
  } else if (m.layers % chunks != 0) {
    issues.push_back(
        {"parallelism", std::to_string(m.layers) + " layers do not split evenly over pp × virtual_stages = " +
                            std::to_string(chunks) + " pipeline chunks; list them with stage_layers"});
  }
}

void check_stage_memory(const Workload& w, const ParallelPlan& p, double gpu_memory_bytes,
                        std::string_view gpu_name, std::string_view model_name, Issues& issues) {
  for (int stage = 0; stage < p.pp; ++stage) {
    const MemoryFootprint f = stage_footprint(w, p, stage);
    if (f.total_bytes() <= gpu_memory_bytes) continue;
    std::ostringstream msg;
    msg << std::fixed;
    msg.precision(1);
    const double gib = 1024.0 * 1024.0 * 1024.0;
    msg << model_name << " does not fit in " << gpu_name << " memory (" << gpu_memory_bytes / gib << " GiB)";
    if (p.pp > 1) msg << " on pipeline stage " << stage << " of " << p.pp;
    msg << ": over by " << (f.total_bytes() - gpu_memory_bytes) / gib << " GiB: " << f.describe()
        << "; lower workload.micro_batch, recompute activations, raise tp or pp, or use zero_stage";
    issues.push_back({"workload", msg.str()});
    return;
  }
}

double estimated_tasks_per_step(const Workload& w, const ParallelPlan& p) {
  // Per microbatch, every layer's forward and backward kernels on one GPU of its stage, and its forward
  // again under full recomputation; each simulated GPU of a stage runs them.
  double per_microbatch = 0;
  for (const Layer& layer : w.layers) {
    per_microbatch += static_cast<double>(layer.forward.size() + layer.backward.size());
    if (p.recompute == Recompute::Full) per_microbatch += static_cast<double>(layer.forward.size());
  }
  const double replicas = p.symmetric ? 1.0 : static_cast<double>(p.tp) * p.dp;
  return per_microbatch * p.microbatches * replicas;
}

}  // namespace wattsim
