#include "workload/step_program.hpp"

#include <stdexcept>

namespace wattsim {

void add_adam_optimizer(Workload& workload, double parameters) {
  // Mixed-precision Adam (Micikevicius et al. 2018; Kingma & Ba 2015): per parameter it reads the fp32
  // master weight, both moments and the gradient, and writes the three fp32 states and the 16-bit weight:
  // 4·3 + 4 reads, 4·3 + 2 writes = 30 bytes and ~12 FLOPs. A gradient-norm pass for clipping reads the
  // gradients once more (Megatron and most trainers clip at 1.0).
  const std::uint16_t layer = static_cast<std::uint16_t>(workload.layers.size());
  Kernel norm;
  norm.work = KernelWork{2.0 * parameters, 4.0 * parameters, KernelKind::Reduction};
  norm.pass = Pass::Optimizer;
  norm.layer = layer;
  norm.label = workload.label_id("optimizer.grad_norm");
  Kernel adam;
  adam.work = KernelWork{12.0 * parameters, 30.0 * parameters, KernelKind::Elementwise};
  adam.pass = Pass::Optimizer;
  adam.layer = layer;
  adam.label = workload.label_id("optimizer.adam");
  workload.optimizer = {norm, adam};
}

StepProgram build_data_parallel_step(const Workload& w, const DataParallelPlan& plan) {
  if (plan.dp < 1 || plan.microbatches < 1)
    throw std::invalid_argument("data parallel plan: dp and microbatches >= 1");
  StepProgram p;
  p.gpus = plan.dp;
  p.microbatches = plan.microbatches;
  p.labels = w.labels;
  p.samples_per_step = w.samples_per_microbatch * plan.microbatches * plan.dp;
  p.tokens_per_step = p.samples_per_step * w.tokens_per_sample;
  p.model_flops_per_step = w.model_flops_per_sample * p.samples_per_step;

  // Distinct kernels: each layer's forward list, each layer's backward list, then the optimizer.
  std::vector<std::uint32_t> forward_begin, backward_begin;
  for (const Layer& layer : w.layers) {
    forward_begin.push_back(static_cast<std::uint32_t>(p.kernels.size()));
    p.kernels.insert(p.kernels.end(), layer.forward.begin(), layer.forward.end());
  }
  for (const Layer& layer : w.layers) {
    backward_begin.push_back(static_cast<std::uint32_t>(p.kernels.size()));
    p.kernels.insert(p.kernels.end(), layer.backward.begin(), layer.backward.end());
  }
  const auto optimizer_begin = static_cast<std::uint32_t>(p.kernels.size());
  p.kernels.insert(p.kernels.end(), w.optimizer.begin(), w.optimizer.end());

  // Gradient buckets, filled in backward order (last layer first) as DDP does; each bucket's all-reduce
  // may start once the last microbatch's backward pass has produced every gradient in it.
  struct Bucket {
    double bytes = 0;
    std::size_t last_layer = 0;  // the layer whose backward completes the bucket
  };
  std::vector<Bucket> buckets;
  if (plan.dp > 1) {
    Bucket open;
    for (std::size_t l = w.layers.size(); l-- > 0;) {
      open.bytes += w.layers[l].parameters * plan.gradient_bytes_per_parameter;
      open.last_layer = l;
      if (open.bytes >= plan.bucket_bytes) {
        buckets.push_back(open);
        open = Bucket{};
      }
    }
    if (open.bytes > 0) buckets.push_back(open);
  }

  TaskGraphBuilder g;
  std::vector<StreamId> compute(plan.dp), comm(plan.dp);
  for (int r = 0; r < plan.dp; ++r) {
    compute[r] = g.add_stream();
    comm[r] = g.add_stream();
  }
  auto add_kernel = [&](int gpu, int microbatch, std::uint32_t kernel) {
    const TaskId id = g.add_task(compute[gpu]);
    p.tasks.push_back(StepTask{TaskType::Kernel, static_cast<std::uint16_t>(gpu),
                               static_cast<std::uint16_t>(microbatch), kernel});
    return id;
  };

  // Layer l's last backward task on each GPU in the last microbatch, for bucket dependencies.
  std::vector<std::vector<TaskId>> layer_done(w.layers.size(), std::vector<TaskId>(plan.dp));
  for (int r = 0; r < plan.dp; ++r) {
    for (int mb = 0; mb < plan.microbatches; ++mb) {
      for (std::size_t l = 0; l < w.layers.size(); ++l)
        for (std::uint32_t k = 0; k < w.layers[l].forward.size(); ++k)
          add_kernel(r, mb, forward_begin[l] + k);
      for (std::size_t l = w.layers.size(); l-- > 0;) {
        TaskId last = 0;
        for (std::uint32_t k = 0; k < w.layers[l].backward.size(); ++k)
          last = add_kernel(r, mb, backward_begin[l] + k);
        layer_done[l][r] = last;
      }
    }
  }

  TaskId last_collective = 0;
  for (std::size_t b = 0; b < buckets.size(); ++b) {
    Collective c;
    c.kind = CollectiveKind::AllReduce;
    c.bytes = buckets[b].bytes;
    c.bucket = static_cast<std::uint16_t>(b);
    for (int r = 0; r < plan.dp; ++r) c.gpus.push_back(static_cast<std::uint16_t>(r));
    last_collective = g.add_task(comm);
    p.tasks.push_back(StepTask{TaskType::Collective, 0, static_cast<std::uint16_t>(plan.microbatches - 1),
                               static_cast<std::uint32_t>(p.collectives.size())});
    p.collectives.push_back(std::move(c));
    for (int r = 0; r < plan.dp; ++r) g.add_dependency(layer_done[buckets[b].last_layer][r], last_collective);
  }

  for (int r = 0; r < plan.dp; ++r) {
    for (std::uint32_t k = 0; k < w.optimizer.size(); ++k) {
      const TaskId id = add_kernel(r, plan.microbatches - 1, optimizer_begin + k);
      if (k == 0 && !buckets.empty()) g.add_dependency(last_collective, id);
    }
  }
  p.graph = g.build();
  return p;
}

}  // namespace wattsim
