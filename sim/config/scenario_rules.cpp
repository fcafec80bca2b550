#include "config/scenario_rules.hpp"

#include <algorithm>
#include <sstream>
#include <string>

#include "network/fabric.hpp"
#include "network/topology.hpp"
#include "workload/feasibility.hpp"
#include "workload/model_family.hpp"

namespace wattsim {

MicrobatchShape microbatch_shape(const Scenario& s) {
  MicrobatchShape shape;
  shape.micro_batch = s.micro_batch;
  shape.seq_len = s.seq_len;
  shape.bytes_per_element = bytes_per_element(s.precision);
  shape.flash_attention = s.flash_attention;
  shape.tp = s.plan.tp;
  shape.sequence_parallel = s.sequence_parallel;
  shape.structured_sparsity = s.structured_sparsity;
  shape.fp8_linear = s.precision == Precision::FP8;
  shape.ep = s.plan.ep;
  shape.cp = s.plan.cp;
  return shape;
}

std::vector<std::string> Scenario::input_files() const {
  std::vector<std::string> files;
  for (const std::string* f : {&file, &gpu.file, &node.file, &fabric.file, &model.file, &carbon_series_file})
    if (!f->empty()) files.push_back(*f);
  return files;
}

namespace {

// The node's GPUs: a single node may use some of them; a cluster uses every GPU of each node.
void check_gpu_count(const Scenario& s, Issues& issues) {
  const int node_gpus = s.node.gpus_per_node;
  if (s.gpus_per_node_used > node_gpus)
    issues.push_back({"hardware.gpus", "hardware.gpus = " + std::to_string(s.gpus_per_node_used) +
                                           " exceeds the " + std::to_string(node_gpus) + " GPUs of a " +
                                           s.node.name + " node"});
  else if (s.nodes > 1 && s.gpus_per_node_used != node_gpus)
    issues.push_back(
        {"hardware.gpus", "a multi-node cluster uses every GPU of each node: hardware.gpus must be " +
                              std::to_string(node_gpus) + " or left out"});
  if (const std::string why = power_cap_problem(s.gpu, s.power_cap_w); !why.empty())
    issues.push_back({"hardware.power_cap", "hardware.power_cap = " + why});
}

void check_layout_fills_cluster(const Scenario& s, Issues& issues) {
  const ParallelPlan& p = s.plan;
  if (static_cast<long long>(p.tp) * p.pp * p.dp != s.cluster_gpus())
    issues.push_back(
        {"parallelism", "parallelism: tp × pp × " + std::string(p.cp > 1 ? "cp × " : "") +
                            "dp = " + std::to_string(p.tp) + " × " + std::to_string(p.pp) + " × " +
                            (p.cp > 1 ? std::to_string(p.cp) + " × " : "") + std::to_string(p.dp / p.cp) +
                            " = " + std::to_string(static_cast<long long>(p.tp) * p.pp * p.dp) +
                            " but the cluster has " + std::to_string(s.cluster_gpus()) + " GPUs"});
}

void check_variation(const Scenario& s, Issues& issues) {
  for (std::size_t i = 0; i < s.stragglers.size(); ++i) {
    const int gpu = s.stragglers[i].gpu;
    if (gpu >= s.cluster_gpus())
      issues.push_back({"variation.stragglers[" + std::to_string(i) + "].gpu",
                        "straggler gpu " + std::to_string(gpu) + " is not one of the " +
                            std::to_string(s.cluster_gpus()) + " GPUs (ranks 0 to " +
                            std::to_string(s.cluster_gpus() - 1) + ")"});
  }
  for (std::size_t j = 0; j < s.stragglers.size(); ++j)
    for (std::size_t i = 0; i < j; ++i)
      if (s.stragglers[i].gpu == s.stragglers[j].gpu) {
        issues.push_back({"variation.stragglers[" + std::to_string(j) + "].gpu",
                          "gpu " + std::to_string(s.stragglers[j].gpu) +
                              " is listed as a straggler twice; give each GPU one entry",
                          "variation.stragglers[" + std::to_string(i) + "].gpu"});
        break;
      }
  if ((s.speed_spread > 0 || s.power_spread > 0 || !s.stragglers.empty()) && s.plan.symmetric)
    issues.push_back({"variation",
                      "per-GPU variation and stragglers make GPUs differ, so every GPU must be simulated: "
                      "set parallelism.symmetric: false"});
}

// The batch splits into dp replicas of whole micro-batches; fills in the micro-batch and the count.
bool split_batch(Scenario& s, Issues& issues) {
  ParallelPlan& p = s.plan;
  const int replicas = p.dp / p.cp;  // context-parallel ranks share their samples
  if (s.micro_batch == 0) s.micro_batch = std::max(1, s.global_batch / replicas);
  const long long replica_batch = static_cast<long long>(replicas) * s.micro_batch;
  if (s.global_batch % replica_batch != 0) {
    issues.push_back({"workload", "workload.global_batch = " + std::to_string(s.global_batch) +
                                      " is not a multiple of dp × micro_batch = " + std::to_string(replicas) +
                                      " × " + std::to_string(s.micro_batch)});
    return false;
  }
  p.microbatches = s.microbatches();
  return true;
}

// The step program must fit in the memory the run may use (limits.memory).
bool check_program_size(const Scenario& s, const Workload& w, Issues& issues) {
  const double tasks = estimated_tasks_per_step(w, s.plan);
  const double bytes = kSimulatorBytesPerTask * tasks;
  if (bytes <= s.memory_limit_bytes) return true;
  std::ostringstream m;
  m.precision(3);
  m << "this run needs about " << bytes / (1 << 30) << " GiB (" << tasks << " tasks per step) but may use "
    << s.memory_limit_bytes / (1 << 30) << " GiB (limits.memory)";
  if (!s.plan.symmetric) m << "; use parallelism.symmetric: true";
  m << "; or fewer microbatches per step";
  issues.push_back({"workload", m.str()});
  return false;
}

bool check_fabric(const Scenario& s, Issues& issues) {
  if (s.nodes <= 1) return true;
  const FabricKind* kind = FabricRegistry::instance().find(s.fabric_choice.kind);
  if (!kind) return true;  // reported where it was read
  const std::string why =
      fabric_capacity_problem(*kind, s.fabric, s.fabric_choice, s.nodes, s.node.compute_nics());
  if (!why.empty()) {
    issues.push_back({"hardware", "hardware: " + why});
    return false;
  }
  // What a run would find only when it starts: the fabric builds, and its farthest GPUs have a route.
  try {
    const Topology topology = build_topology(s.node, s.gpu, s.nodes, s.fabric, s.fabric_choice);
    topology.route(0, topology.gpu_count() - 1);
    topology.route(topology.gpu_count() - 1, 0);
  } catch (const std::exception& e) {
    issues.push_back({"hardware", std::string("hardware: this fabric cannot join the cluster: ") + e.what()});
    return false;
  }
  return true;
}

}  // namespace

Issues check_structure(const Scenario& s) {
  Issues issues;
  check_gpu_count(s, issues);
  check_layout_fills_cluster(s, issues);
  check_layout(s.plan, s.sequence_parallel, issues);
  check_variation(s, issues);
  return issues;
}

Issues check_feasibility(Scenario& s) {
  Issues issues;
  if (!split_batch(s, issues)) return issues;
  if (!s.gpu.supports(s.precision)) {
    issues.push_back({"workload", s.gpu.name + " has no " + std::string(to_string(s.precision)) +
                                      " tensor-core rate; choose another workload.precision"});
    return issues;
  }
  const ModelFamily* family = ModelFamilyRegistry::instance().find(s.model.family);
  if (!family) return issues;  // reported where the model was read
  if (s.plan.cp > 1) {
    if (family->sample_unit == "image")
      issues.push_back({"parallelism.cp",
                        "context parallelism splits sequences; " + s.model.name + " is a CNN: use cp: 1"});
    else if (!s.flash_attention)
      issues.push_back({"parallelism.cp",
                        "context parallelism runs fused attention over the ring: set "
                        "workload.flash_attention: true"});
    else if (s.seq_len % (2 * s.plan.cp) != 0)
      issues.push_back(
          {"parallelism.cp", "seq_len = " + std::to_string(s.seq_len) + " must be a multiple of 2 × cp = " +
                                 std::to_string(2 * s.plan.cp) + " (each rank holds two mirrored chunks)"});
  }
  if (s.precision == Precision::FP8 && family->sample_unit == "image")
    issues.push_back({"workload.precision",
                      "fp8 training runs a transformer's linear layers in FP8 (Transformer "
                      "Engine); " +
                          s.model.name + " is a CNN: use bf16 or fp16"});
  check_model_split(s.model, *family, s.plan, issues);
  if (!issues.empty() || !check_fabric(s, issues)) return issues;
  const Workload w = family->build(s.model, microbatch_shape(s));
  if (!check_program_size(s, w, issues)) return issues;
  ParallelPlan& p = s.plan;
  p.activation_bytes =
      bytes_per_element(s.precision) * s.micro_batch * std::max(1, s.seq_len) / p.cp * s.model.hidden;
  p.weight_bytes_per_parameter = bytes_per_element(s.precision);
  check_stage_memory(w, p, s.gpu.memory_bytes, s.gpu.name, s.model.name, issues);
  return issues;
}

Issues apply_configuration(Scenario& s, const Configuration& c) {
  s.global_batch = c.global_batch;
  s.micro_batch = c.micro_batch;
  s.plan.tp = c.tp;
  s.plan.pp = c.pp;
  s.plan.dp = c.dp;
  s.plan.zero_stage = c.zero_stage;
  if (c.tp < 2) s.sequence_parallel = false;
  if (c.pp < 2 && s.plan.schedule == PipelineSchedule::Interleaved) {
    s.plan.schedule = PipelineSchedule::OneFOneB;
    s.plan.virtual_stages = 1;
  }
  s.plan.microbatches = 0;
  Issues issues;
  check_layout(s.plan, s.sequence_parallel, issues);
  if (!issues.empty()) return issues;
  return check_feasibility(s);
}

}  // namespace wattsim
