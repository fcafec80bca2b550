#include "workload/step_program.hpp"

#include <algorithm>
#include <stdexcept>

#include "util/interrupt.hpp"

namespace wattsim {

std::vector<std::vector<TaskId>> gpu_kernel_sequences(const StepProgram& program) {
  std::vector<std::vector<TaskId>> sequences(static_cast<std::size_t>(program.gpus));
  for (StreamId s = 0; s < program.graph.stream_count(); ++s)
    for (TaskId t : program.graph.stream_tasks(s))
      if (program.tasks[t].type == TaskType::Kernel) sequences[program.tasks[t].gpu].push_back(t);
  return sequences;
}

void add_adam_optimizer(Workload& workload, double parameters) {
  // Mixed-precision Adam (Micikevicius et al. 2018; Kingma & Ba 2015): per parameter it reads the fp32
  // master weight, both moments and the gradient, and writes the three fp32 states and the 16-bit weight:
  // 4·3 + 4 reads, 4·3 + 2 writes = 30 bytes and ~12 FLOPs. A gradient-norm pass for clipping reads the
  // gradients once more (Megatron and most trainers clip at 1.0).
  const auto layer = static_cast<std::uint16_t>(workload.layers.size());
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

std::vector<PipelineOp> pipeline_schedule(const ParallelPlan& plan, int stage) {
  const int p = plan.pp, m = plan.microbatches, v = plan.virtual_stages;
  std::vector<PipelineOp> ops;
  if (plan.schedule == PipelineSchedule::GPipe) {
    for (int i = 0; i < m; ++i) ops.push_back({true, 0, i});
    for (int i = 0; i < m; ++i) ops.push_back({false, 0, i});
    return ops;
  }
  // 1F1B (PipeDream-Flush) and its interleaved form: a warm-up of forwards, then one forward and one
  // backward in turn, then the remaining backwards. With v chunks, forward op k runs chunk
  // (k mod p·v) / p on microbatch (k / p·v)·p + k mod p; backward op k the mirror chunk (Megatron-LM).
  const int total = m * v;
  auto op = [&](int k, bool forward) {
    const int chunk = v == 1 ? 0 : (k % (p * v)) / p;
    const int microbatch = v == 1 ? k : (k / (p * v)) * p + k % p;
    return PipelineOp{forward, forward ? chunk : v - 1 - chunk, microbatch};
  };
  const int warmup = std::min(total, v == 1 ? p - stage - 1 : (p - stage - 1) * 2 + (v - 1) * p);
  const int steady = total - warmup;
  for (int k = 0; k < warmup; ++k) ops.push_back(op(k, true));
  for (int k = 0; k < steady; ++k) {
    ops.push_back(op(warmup + k, true));
    ops.push_back(op(k, false));
  }
  for (int k = steady; k < total; ++k) ops.push_back(op(k, false));
  return ops;
}

LayerRange chunk_layers(std::size_t layer_count, const ParallelPlan& plan, int stage, int chunk) {
  // Layer 0 is the embedding (or stem) and the last is the head; the blocks between are split over the
  // p·v virtual stages, virtual stage c·p + s living on stage s as chunk c: evenly, or evenly with the
  // embedding and the head counted as layers, or as plan.stage_layers lists.
  const std::size_t blocks = layer_count - 2;
  const std::size_t chunks = static_cast<std::size_t>(plan.pp * plan.virtual_stages);
  const std::size_t vs = static_cast<std::size_t>(chunk * plan.pp + stage);
  std::size_t first = 1 + vs * blocks / chunks;
  std::size_t last = 1 + (vs + 1) * blocks / chunks;
  if (plan.stage_layers.size() == chunks) {
    first = 1;
    for (std::size_t i = 0; i < vs; ++i) first += static_cast<std::size_t>(plan.stage_layers[i]);
    last = first + static_cast<std::size_t>(plan.stage_layers[vs]);
  } else if (plan.embedding_as_layer) {
    first = vs * layer_count / chunks;
    last = (vs + 1) * layer_count / chunks;
  }
  if (vs == 0) first = 0;
  if (vs + 1 == chunks) last = layer_count;
  return {first, last};
}

namespace {

// Builds the DAG; one instance per call of build_step.
class StepBuilder {
 public:
  StepBuilder(const Workload& w, const ParallelPlan& plan) : w_(w), plan_(plan) {}

  StepProgram build() {
    setup_program();
    setup_kernel_table();
    setup_gpus_and_streams();
    setup_param_gather_buckets();
    for (int d = 0; d < sim_dp_; ++d)
      for (int s = 0; s < plan_.pp; ++s) {
        check_stop();
        run_schedule(s, d);
      }
    for (const Link& link : links_) add_transfers(link);
    for (int s = 0; s < plan_.pp; ++s) gradient_sync_and_optimizer(s);
    for (const StepTask& t : p_.tasks)
      if (t.type == TaskType::Kernel && p_.kernels[t.index].work.kind == KernelKind::TensorGemm)
        p_.executed_gemm_flops_per_step += p_.kernels[t.index].work.flops * p_.gpu_multiplicity[t.gpu];
    p_.graph = g_.build();
    return std::move(p_);
  }

 private:
  struct Op {  // the first and last task of one pipeline op, as seen from TP rank 0
    TaskId first = 0, last = 0;
    bool built = false;
  };
  struct Link {  // a pipeline transfer from one op into another
    int from_stage, from_chunk, to_stage, d;
    PipelineOp op;
  };

  void setup_program() {
    if (plan_.tp < 1 || plan_.pp < 1 || plan_.dp < 1 || plan_.microbatches < 1 || plan_.virtual_stages < 1)
      throw std::invalid_argument("parallel plan: every degree must be at least 1");
    if (w_.layers.size() < 2) throw std::invalid_argument("workload needs an embedding and a head layer");
    if (!plan_.symmetric && plan_.zero_stage == 3)
      throw std::invalid_argument("ZeRO-3 is simulated with symmetric replicas only");
    if (plan_.ep < 1 || plan_.dp % plan_.ep != 0)
      throw std::invalid_argument("parallel plan: ep must divide dp");
    if (!plan_.symmetric && plan_.ep > 1)
      throw std::invalid_argument("expert parallelism is simulated with symmetric replicas only");
    if (plan_.cp < 1 || plan_.dp % plan_.cp != 0 || (!plan_.symmetric && plan_.cp > 1))
      throw std::invalid_argument("parallel plan: cp must divide dp, with symmetric replicas");
    p_.labels = w_.labels;
    for (const Layer& layer : w_.layers) p_.layer_names.push_back(layer.name);
    p_.layer_names.push_back("optimizer");  // add_adam_optimizer's layer index
    p_.microbatches = plan_.microbatches;
    p_.total_gpus = plan_.tp * plan_.pp * plan_.dp;
    p_.samples_per_step = w_.samples_per_microbatch * plan_.microbatches * plan_.dp;
    p_.tokens_per_step = p_.samples_per_step * w_.tokens_per_sample;
    p_.model_flops_per_step = w_.model_flops_per_sample * p_.samples_per_step;
    sim_tp_ = plan_.symmetric ? 1 : plan_.tp;
    sim_dp_ = plan_.symmetric ? 1 : plan_.dp;
  }

  void setup_kernel_table() {
    for (const Layer& layer : w_.layers) {
      forward_begin_.push_back(static_cast<std::uint32_t>(p_.kernels.size()));
      p_.kernels.insert(p_.kernels.end(), layer.forward.begin(), layer.forward.end());
      backward_begin_.push_back(static_cast<std::uint32_t>(p_.kernels.size()));
      p_.kernels.insert(p_.kernels.end(), layer.backward.begin(), layer.backward.end());
      recompute_begin_.push_back(static_cast<std::uint32_t>(p_.kernels.size()));
      for (Kernel k : layer.forward) {
        k.pass = Pass::Recompute;
        p_.kernels.push_back(k);
      }
    }
    // Per-stage optimizer kernels, sized for the stage's parameters (sharded over DP with ZeRO >= 1).
    for (int s = 0; s < plan_.pp; ++s) {
      double params = 0;
      for (int c = 0; c < plan_.virtual_stages; ++c) {
        const LayerRange r = chunk_layers(w_.layers.size(), plan_, s, c);
        for (std::size_t l = r.first; l < r.last; ++l) params += w_.layers[l].parameters;
      }
      stage_parameters_.push_back(params);
      Workload opt;
      opt.labels = p_.labels;
      opt.layers.resize(w_.layers.size());
      add_adam_optimizer(opt, plan_.zero_stage >= 1 ? params / plan_.dp : params);
      p_.labels = opt.labels;
      optimizer_begin_.push_back(static_cast<std::uint32_t>(p_.kernels.size()));
      p_.kernels.insert(p_.kernels.end(), opt.optimizer.begin(), opt.optimizer.end());
      optimizer_count_ = static_cast<std::uint32_t>(opt.optimizer.size());
    }
  }

  int sim_gpu(int t, int s, int d) const { return (d * plan_.pp + s) * sim_tp_ + t; }

  void setup_gpus_and_streams() {
    p_.gpus = sim_tp_ * plan_.pp * sim_dp_;
    const double multiplicity = plan_.symmetric ? static_cast<double>(plan_.tp) * plan_.dp : 1.0;
    for (int d = 0; d < sim_dp_; ++d)
      for (int s = 0; s < plan_.pp; ++s)
        for (int t = 0; t < sim_tp_; ++t) {
          p_.gpu_rank.push_back(plan_.rank(t, s, d));
          p_.gpu_multiplicity.push_back(multiplicity);
          compute_.push_back(g_.add_stream());
          comm_.push_back(g_.add_stream());
          tp_comm_.push_back(plan_.tp_comm_overlap || plan_.cp > 1 ? g_.add_stream() : 0);
        }
    // Pipeline transfer streams: per (data rank, TP rank, edge, direction); edge e joins stage e to e+1,
    // the last one (stage p−1 back to 0) serving interleaved chunks.
    transfer_.resize(static_cast<std::size_t>(sim_dp_ * sim_tp_ * plan_.pp * 2));
    for (auto& s : transfer_) s = g_.add_stream();
    ops_.assign(static_cast<std::size_t>(sim_dp_ * plan_.pp * plan_.virtual_stages * plan_.microbatches * 2),
                {});
    layer_done_.assign(static_cast<std::size_t>(sim_dp_) * w_.layers.size(), 0);
    stage_last_.assign(static_cast<std::size_t>(sim_dp_ * plan_.pp), 0);
  }

  StreamId transfer_stream(int d, int t, int edge, bool forward) const {
    return transfer_[static_cast<std::size_t>(((d * sim_tp_ + t) * plan_.pp + edge) * 2 + (forward ? 0 : 1))];
  }
  Op& op_record(int d, int s, int chunk, int mb, bool forward) {
    return ops_[static_cast<std::size_t>(
        (((d * plan_.pp + s) * plan_.virtual_stages + chunk) * plan_.microbatches + mb) * 2 +
        (forward ? 0 : 1))];
  }
  // Kernels of TP ranks are consecutive tasks; a collective is one task for the whole group.
  TaskId for_rank(TaskId id, int t) const {
    return p_.tasks[id].type == TaskType::Collective ? id : id + static_cast<TaskId>(t);
  }

  TaskId add_kernel(int gpu, int mb, std::uint32_t kernel) {
    const TaskId id = g_.add_task(compute_[static_cast<std::size_t>(gpu)]);
    p_.tasks.push_back(
        {TaskType::Kernel, static_cast<std::uint32_t>(gpu), static_cast<std::uint16_t>(mb), kernel});
    return id;
  }

  TaskId add_collective(StepCollective c, const std::vector<StreamId>& streams, int mb) {
    const TaskId id = g_.add_task(streams);
    p_.tasks.push_back({TaskType::Collective, c.gpus.front(), static_cast<std::uint16_t>(mb),
                        static_cast<std::uint32_t>(p_.collectives.size())});
    p_.collectives.push_back(std::move(c));
    return id;
  }

  // Offsets of the ranks that mirror rank (0, s, 0) in symmetric mode: every TP rank (over_t) at data
  // ranks 0, d_step, 2·d_step, ... below d_end.
  std::vector<int> copies(bool over_t, int d_end, int d_step = 1) const {
    std::vector<int> offsets;
    if (!plan_.symmetric) return offsets;
    for (int d = 0; d < d_end; d += d_step)
      for (int t = 0; t < (over_t ? plan_.tp : 1); ++t)
        if (t || d) offsets.push_back(plan_.rank(t, 0, d) - plan_.rank(0, 0, 0));
    return offsets;
  }

  int group_size(CommGroup group) const {
    return group == CommGroup::Expert ? plan_.ep : group == CommGroup::Context ? plan_.cp : plan_.tp;
  }

  // A collective in place of a kernel, over the TP group of (s, d) or a block of consecutive data ranks
  // from (0, s, d): the expert- or context-parallel group (simulated with symmetric replicas only).
  TaskId tensor_collective(const Kernel& k, int s, int d, int mb, bool overlapped) {
    StepCollective c;
    c.kind = k.collective;
    c.group = k.group;
    c.bytes = k.message_bytes;
    c.layer = k.layer;
    c.pass = k.pass;
    if (k.group == CommGroup::Expert || k.group == CommGroup::Context) {
      const int size = group_size(k.group);
      for (int e = 0; e < size; ++e) c.ranks.push_back(plan_.rank(0, s, d + e));
      c.copy_offsets = copies(true, plan_.dp, size);  // every TP rank's and every block's group
    } else {
      for (int t = 0; t < plan_.tp; ++t) c.ranks.push_back(plan_.rank(t, s, d));
      c.copy_offsets = copies(false, plan_.dp);  // every data-parallel replica's TP group, at the same moment
    }
    std::vector<StreamId> streams;
    for (int t = 0; t < sim_tp_; ++t) {
      c.gpus.push_back(static_cast<std::uint32_t>(sim_gpu(t, s, d)));
      const auto g = static_cast<std::size_t>(sim_gpu(t, s, d));
      streams.push_back(overlapped ? tp_comm_[g] : compute_[g]);
    }
    return add_collective(std::move(c), streams, mb);
  }

  // The data-parallel group of TP rank t at stage s: one task over every simulated replica's comm stream.
  // With a stride, every stride-th data rank: the expert-DP group that holds the same experts (expert
  // parallelism runs with symmetric replicas only, so the others are its copies).
  TaskId data_collective(CollectiveKind kind, double bytes, int s, int t, int mb, int stride = 1) {
    StepCollective c;
    c.kind = kind;
    c.group = CommGroup::Data;
    c.bytes = bytes;
    for (int d = 0; d < plan_.dp; d += stride) c.ranks.push_back(plan_.rank(t, s, d));
    c.copy_offsets = copies(true, stride);  // the other TP ranks' (and data positions') groups, at once
    std::vector<StreamId> streams;
    for (int d = 0; d < sim_dp_; d += stride) {
      c.gpus.push_back(static_cast<std::uint32_t>(sim_gpu(t, s, d)));
      streams.push_back(comm_[static_cast<std::size_t>(sim_gpu(t, s, d))]);
    }
    return add_collective(std::move(c), streams, mb);
  }

  // Appends kernels [begin, begin + n) of one layer for the TP group of (s, d), extending `op`.
  //
  // TP collectives block the compute stream (Megatron's default). With tp_comm_overlap (Megatron-Core's
  // --tp-comm-overlap, Wang et al. 2023 "Overlap communication with dependent computation"), each one
  // runs on its own stream alongside the GEMM it feeds or drains, chunk by chunk: it starts with that
  // GEMM, and what comes after the GEMM waits for both.
  void add_kernels(Op& op, int s, int d, int mb, std::uint32_t begin, std::size_t n,
                   bool only_attention_core) {
    TaskId pending = 0;    // an overlapped collective that the next non-partner kernel must wait for
    int pending_skip = 0;  // GEMMs to let pass before waiting (1: the collective feeds the next GEMM)
    bool has_pending = false;
    TaskId before_last_gemm = 0;  // the task before the most recent GEMM of this op
    bool last_was_gemm = false, have_before_gemm = false;
    for (std::size_t i = 0; i < n; ++i) {
      const Kernel& k = p_.kernels[begin + i];
      if (only_attention_core && !k.attention_core) continue;
      if (k.first_microbatch_only && (mb > 0 || k.pass == Pass::Recompute)) continue;
      if (k.is_collective && group_size(k.group) == 1) continue;
      TaskId id = 0;
      const bool overlapped =
          k.group == CommGroup::Context || (k.group == CommGroup::Tensor && plan_.tp_comm_overlap);
      if (k.is_collective && overlapped && op.built) {
        // A TP collective right after a GEMM drains it (the reduce-scatter after the output projection);
        // the CP ring always feeds the attention after it.
        const bool drains_previous = last_was_gemm && k.group == CommGroup::Tensor;
        id = tensor_collective(k, s, d, mb, true);
        const TaskId after = drains_previous ? before_last_gemm : op.last;
        if (!drains_previous || have_before_gemm)
          for (int t = 0; t < sim_tp_; ++t) g_.add_dependency(for_rank(after, t), id);
        pending = id;
        has_pending = true;
        pending_skip = drains_previous ? 0 : 1;
        op.last = id;  // what follows the op (a transfer) waits for it too
        last_was_gemm = false;
        continue;
      }
      if (k.is_collective) {
        id = tensor_collective(k, s, d, mb, false);
      } else {
        id = add_kernel(sim_gpu(0, s, d), mb, begin + static_cast<std::uint32_t>(i));
        for (int t = 1; t < sim_tp_; ++t)
          add_kernel(sim_gpu(t, s, d), mb, begin + static_cast<std::uint32_t>(i));
      }
      const bool gemm = !k.is_collective && k.work.kind == KernelKind::TensorGemm;
      if (has_pending) {
        if (gemm && pending_skip > 0) {
          --pending_skip;
        } else {
          for (int t = 0; t < sim_tp_; ++t) g_.add_dependency(pending, for_rank(id, t));
          has_pending = false;
        }
      }
      if (gemm) {
        before_last_gemm = op.last;
        have_before_gemm = op.built;
      }
      last_was_gemm = gemm;
      if (!op.built) op.first = id;
      op.built = true;
      op.last = id;
    }
    // A collective still pending here is op.last, so whatever follows the op waits for it.
  }

  // Weights gathered from the DP group on the communication stream before the compute that needs them, so
  // gathers run ahead of it. ZeRO-3 (Rajbhandari et al. 2020) gathers a layer's weights before each use.
  // With overlap_param_gather (Megatron-Core's distributed optimizer, ZeRO-1/2), the weights the previous
  // step's optimizer updated are gathered bucket by bucket ahead of this step's first forward through
  // them: a steady-state step from one optimizer step to the next, only the first bucket exposed.
  void add_layer(Op& op, int s, int d, int mb, std::uint32_t begin, std::size_t n, bool only_attention_core,
                 std::size_t layer, bool forward) {
    double bytes = 0;
    if (plan_.dp > 1 && !only_attention_core) {
      if (plan_.zero_stage == 3)
        bytes = w_.layers[layer].parameters * plan_.weight_bytes_per_parameter;
      else if (overlapped_param_gather() && forward && mb == 0)
        bytes = param_gather_bucket_[layer];
    }
    if (bytes > 0)
      for (int t = 0; t < (plan_.zero_stage == 3 ? 1 : sim_tp_); ++t) {
        const TaskId gather = data_collective(CollectiveKind::AllGather, bytes, s, t, mb);
        gathers_waiting_.push_back(gather);
        // ZeRO-3 prefetches at most prefetch_layers layers ahead (FSDP's limit, DeepSpeed's prefetch
        // bucket): the gather starts once the layer that many before this one may start, that is once
        // the layer before that one has finished (with 0, once the layer before this one has).
        if (plan_.zero_stage != 3) continue;
        const std::size_t behind = static_cast<std::size_t>(plan_.prefetch_layers) + 1;
        if (layers_run_.size() >= behind)
          g_.add_dependency(for_rank(layers_run_[layers_run_.size() - behind], t), gather);
      }
    const auto first_new = static_cast<TaskId>(g_.task_count());
    add_kernels(op, s, d, mb, begin, n, only_attention_core);
    if (g_.task_count() == first_new) return;  // a layer with no kernels: the next layer's first waits
    layers_run_.push_back(op.last);
    for (std::size_t t = 0; t < gathers_waiting_.size(); ++t)
      g_.add_dependency(gathers_waiting_[t], for_rank(first_new, static_cast<int>(t)));
    gathers_waiting_.clear();
  }

  bool overlapped_param_gather() const {
    return plan_.overlap_param_gather && plan_.dp > 1 && (plan_.zero_stage == 1 || plan_.zero_stage == 2);
  }

  // The distributed optimizer's parameter buckets: each (stage, chunk)'s layers in forward order, filled
  // up to the bucket size; the bucket's bytes sit at its first layer, 0 elsewhere.
  void setup_param_gather_buckets() {
    param_gather_bucket_.assign(w_.layers.size(), 0.0);
    if (!overlapped_param_gather()) return;
    for (int s = 0; s < plan_.pp; ++s)
      for (int c = 0; c < plan_.virtual_stages; ++c) {
        const LayerRange r = chunk_layers(w_.layers.size(), plan_, s, c);
        std::size_t head = r.first;
        for (std::size_t l = r.first; l < r.last; ++l) {
          if (param_gather_bucket_[head] >= plan_.bucket_bytes) head = l;
          param_gather_bucket_[head] += w_.layers[l].parameters * plan_.weight_bytes_per_parameter;
        }
      }
  }

  void run_schedule(int s, int d) {
    layers_run_.clear();
    for (const PipelineOp& pop : pipeline_schedule(plan_, s)) {
      const LayerRange r = chunk_layers(w_.layers.size(), plan_, s, pop.chunk);
      Op op;
      const int mb = pop.microbatch;
      if (pop.forward) {
        for (std::size_t l = r.first; l < r.last; ++l)
          add_layer(op, s, d, mb, forward_begin_[l], w_.layers[l].forward.size(), false, l, true);
      } else {
        // Full recomputation re-runs the forward of the chunk's blocks (not the embedding or the head,
        // whose inputs are kept), as Megatron's checkpointed transformer layers do.
        if (plan_.recompute == Recompute::Full)
          for (std::size_t l = std::max<std::size_t>(r.first, 1); l < std::min(r.last, w_.layers.size() - 1);
               ++l)
            add_layer(op, s, d, mb, recompute_begin_[l], w_.layers[l].forward.size(), false, l, false);
        for (std::size_t l = r.last; l-- > r.first;) {
          if (plan_.recompute == Recompute::Selective)
            add_kernels(op, s, d, mb, recompute_begin_[l], w_.layers[l].forward.size(), true);
          add_layer(op, s, d, mb, backward_begin_[l], w_.layers[l].backward.size(), false, l, false);
          if (mb == last_backward_microbatch(s, pop.chunk))
            layer_done_[static_cast<std::size_t>(d) * w_.layers.size() + l] = op.last;
        }
      }
      if (!op.built) continue;
      op_record(d, s, pop.chunk, mb, pop.forward) = op;
      stage_last_[static_cast<std::size_t>(d * plan_.pp + s)] = op.last;
      // The transfer into this op from the stage before it (forward) or after it (backward).
      if (pop.forward) {
        if (s > 0)
          links_.push_back({s - 1, pop.chunk, s, d, pop});
        else if (pop.chunk > 0)
          links_.push_back({plan_.pp - 1, pop.chunk - 1, s, d, pop});
      } else {
        if (s < plan_.pp - 1)
          links_.push_back({s + 1, pop.chunk, s, d, pop});
        else if (pop.chunk < plan_.virtual_stages - 1)
          links_.push_back({0, pop.chunk + 1, s, d, pop});
      }
    }
  }

  // The microbatch whose backward is the stage's last for that chunk: gradients are final after it.
  int last_backward_microbatch(int s, int chunk) {
    if (last_backward_.empty()) {
      last_backward_.assign(static_cast<std::size_t>(plan_.pp * plan_.virtual_stages), -1);
      for (int st = 0; st < plan_.pp; ++st)
        for (const PipelineOp& op : pipeline_schedule(plan_, st))
          if (!op.forward)
            last_backward_[static_cast<std::size_t>(st * plan_.virtual_stages + op.chunk)] = op.microbatch;
    }
    return last_backward_[static_cast<std::size_t>(s * plan_.virtual_stages + chunk)];
  }

  void add_transfers(const Link& link) {
    // Point-to-point activation (forward) or gradient (backward) transfer between the GPUs of the two
    // stages with the same TP and data rank; its own stream per pipeline edge and direction.
    const Op& from = op_record(link.d, link.from_stage, link.from_chunk, link.op.microbatch, link.op.forward);
    const Op& to = op_record(link.d, link.to_stage, link.op.chunk, link.op.microbatch, link.op.forward);
    const bool forward = link.op.forward;
    const int edge = forward ? link.from_stage : link.to_stage;  // edge e joins stage e and e+1 (mod p)
    for (int t = 0; t < sim_tp_; ++t) {
      StepCollective c;
      c.kind = CollectiveKind::SendRecv;
      c.group = CommGroup::Pipeline;
      c.bytes = plan_.activation_bytes;
      c.ranks = {plan_.rank(t, link.from_stage, link.d), plan_.rank(t, link.to_stage, link.d)};
      c.copy_offsets = copies(true, plan_.dp);
      c.gpus = {static_cast<std::uint32_t>(sim_gpu(t, link.from_stage, link.d)),
                static_cast<std::uint32_t>(sim_gpu(t, link.to_stage, link.d))};
      const TaskId transfer =
          add_collective(std::move(c), {transfer_stream(link.d, t, edge, forward)}, link.op.microbatch);
      g_.add_dependency(for_rank(from.last, t), transfer);
      g_.add_dependency(transfer, for_rank(to.first, t));
    }
  }

  void gradient_sync_and_optimizer(int s) {
    std::vector<TaskId> done(static_cast<std::size_t>(sim_tp_), 0);  // last gradient collective per TP rank
    bool any = false;
    const int last_mb = plan_.microbatches - 1;
    for (int t = 0; t < sim_tp_ && plan_.dp > 1; ++t) {
      bool experts = false;  // the bucket pass of the expert weights, over their expert-DP group
      auto add = [&](CollectiveKind kind, double bytes, const std::vector<std::size_t>& layers) {
        const TaskId c = data_collective(kind, bytes, s, t, last_mb, experts ? plan_.ep : 1);
        for (int d = 0; d < sim_dp_; ++d) {
          if (plan_.overlap_grad_reduce)
            for (std::size_t l : layers)
              g_.add_dependency(for_rank(layer_done_[static_cast<std::size_t>(d) * w_.layers.size() + l], t),
                                c);
          else  // the reduction waits for the whole backward pass
            g_.add_dependency(for_rank(stage_last_[static_cast<std::size_t>(d * plan_.pp + s)], t), c);
        }
        done[static_cast<std::size_t>(t)] = c;
        any = true;
      };
      // Buckets filled in backward order (chunks from last to first, layers from last to first), as DDP;
      // ZeRO-3 reduce-scatters each layer's gradients on their own. Expert weights are replicated over
      // dp / ep ranks only, and reduced there in buckets of their own (Megatron-Core's expert-DP group).
      const CollectiveKind kind =
          plan_.zero_stage >= 1 ? CollectiveKind::ReduceScatter : CollectiveKind::AllReduce;
      const double cap = plan_.zero_stage == 3 ? 0.0 : plan_.bucket_bytes;
      for (bool expert_pass : {false, true}) {
        experts = expert_pass;
        if (experts && plan_.dp / plan_.ep < 2) break;
        double bucket = 0;
        std::vector<std::size_t> members;
        for (int c = plan_.virtual_stages - 1; c >= 0; --c) {
          const LayerRange r = chunk_layers(w_.layers.size(), plan_, s, c);
          for (std::size_t l = r.last; l-- > r.first;) {
            const Layer& layer = w_.layers[l];
            const double params =
                experts ? layer.expert_parameters : layer.parameters - layer.expert_parameters;
            if (params <= 0) continue;
            bucket += params * plan_.gradient_bytes_per_parameter();
            members.push_back(l);
            if (bucket >= cap) {
              add(kind, bucket, members);
              bucket = 0;
              members.clear();
            }
          }
        }
        if (!members.empty() && bucket > 0) add(kind, bucket, members);
      }
    }
    for (int t = 0; t < sim_tp_; ++t) {
      std::vector<TaskId> optimizer_last;
      for (int d = 0; d < sim_dp_; ++d) {
        TaskId last = 0;
        for (std::uint32_t k = 0; k < optimizer_count_; ++k) {
          last = add_kernel(sim_gpu(t, s, d), last_mb, optimizer_begin_[static_cast<std::size_t>(s)] + k);
          if (k == 0 && any) g_.add_dependency(done[static_cast<std::size_t>(t)], last);
        }
        optimizer_last.push_back(last);
      }
      if (plan_.dp > 1 && plan_.zero_stage >= 1 && plan_.zero_stage < 3 && !overlapped_param_gather()) {
        // ZeRO-1/2: each rank updated 1/dp of the weights; the updated weights are gathered back.
        const TaskId gather = data_collective(
            CollectiveKind::AllGather,
            stage_parameters_[static_cast<std::size_t>(s)] * plan_.weight_bytes_per_parameter, s, t, last_mb);
        for (TaskId o : optimizer_last) g_.add_dependency(o, gather);
      }
    }
  }

  const Workload& w_;
  const ParallelPlan& plan_;
  StepProgram p_;
  TaskGraphBuilder g_;
  int sim_tp_ = 1, sim_dp_ = 1;
  std::vector<std::uint32_t> forward_begin_, backward_begin_, recompute_begin_, optimizer_begin_;
  std::uint32_t optimizer_count_ = 0;
  std::vector<double> stage_parameters_;
  std::vector<double> param_gather_bucket_;  // by layer
  std::vector<TaskId> gathers_waiting_;      // per TP rank: gathers the next kernel added must wait for
  std::vector<TaskId> layers_run_;           // the last task of each of this GPU's layers so far
  std::vector<StreamId> compute_, comm_, tp_comm_, transfer_;
  std::vector<Op> ops_;
  std::vector<TaskId> layer_done_, stage_last_;
  std::vector<int> last_backward_;
  std::vector<Link> links_;
};

}  // namespace

StepProgram build_step(const Workload& workload, const ParallelPlan& plan) {
  return StepBuilder(workload, plan).build();
}

}  // namespace wattsim
