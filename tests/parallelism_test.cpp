// 3D parallelism: pipeline schedules against their closed-form bubbles, symmetric simulation against the
// full one, executed FLOPs against Megatron's formula, and plans rejected with their reason.
#include <gtest/gtest.h>

#include <map>

#include "hardware/gpu_model.hpp"
#include "io/model_catalog.hpp"
#include "run/runner.hpp"
#include "run/step_simulator.hpp"
#include "test_support.hpp"
#include "workload/memory_footprint.hpp"
#include "workload/model_family.hpp"

namespace wattsim {
namespace {

// A model of `blocks` identical compute-only layers (one GEMM forward, two backward), with no parameters
// and no communication, so a pipeline's step time is pure schedule.
Workload compute_only_model(int blocks, double flops) {
  Workload w;
  w.samples_per_microbatch = 1;
  w.layers.resize(static_cast<std::size_t>(blocks) + 2);  // empty embedding and head
  for (int i = 1; i <= blocks; ++i) {
    Kernel f;
    f.work = KernelWork{flops, 0, KernelKind::TensorGemm};
    Kernel b = f;
    b.work.flops = 2 * flops;
    b.pass = Pass::Backward;
    w.layers[static_cast<std::size_t>(i)].forward = {f};
    w.layers[static_cast<std::size_t>(i)].backward = {b};
  }
  return w;
}

// H100s of one node to time step programs on, with a power limit that never binds: the schedule alone sets
// the step (under the TDP the first and last stages, idle longer, would hold higher clocks than the middle
// ones).
struct TinyCluster {
  explicit TinyCluster(int gpus)
      : scenario(test::scenario_from_text(test::tiny_gpt_yaml(gpus))),
        gpu(scenario.gpu, Precision::BF16, 1e6),
        topology(build_cluster_topology(scenario)),
        network(topology, "ring") {}
  TinyCluster(const TinyCluster&) = delete;
  TinyCluster& operator=(const TinyCluster&) = delete;

  // One step of `program`; `collective_s`, if given, receives each collective's time alone, in order.
  double step_s(const StepProgram& program, std::vector<double>* collective_s = nullptr) const {
    StepSimulator sim(program, gpu, network, ClusterPower{});
    sim.reset(max_clock_plan(gpu, program));
    const double seconds = sim.run_step().time_s;
    if (collective_s)
      for (SimTime t : sim.collective_times()) collective_s->push_back(to_seconds(t));
    return seconds;
  }

  Scenario scenario;
  GpuModel gpu;
  Topology topology;
  NetworkModel network;
};

double simulate_step_s(const Workload& w, const ParallelPlan& plan) {
  return TinyCluster(1).step_s(build_step(w, plan));
}

// Bubble fractions (Narayanan et al. SC'21): (p−1)/m for GPipe and 1F1B, (p−1)/(v·m) interleaved.
TEST(Pipeline, BubbleFractionsMatchClosedForms) {
  const int blocks = 16;
  const double flops = 2e12;  // ~8 ms per layer forward on an H100: overheads and latencies negligible
  ParallelPlan one;
  one.microbatches = 8;
  one.symmetric = false;
  const double ideal = simulate_step_s(compute_only_model(blocks, flops), one);  // p = 1: no bubble
  for (auto schedule : {PipelineSchedule::GPipe, PipelineSchedule::OneFOneB, PipelineSchedule::Interleaved}) {
    for (int p : {2, 4}) {
      ParallelPlan plan = one;
      plan.pp = p;
      plan.schedule = schedule;
      plan.virtual_stages = schedule == PipelineSchedule::Interleaved ? 2 : 1;
      // With p stages each stage does 1/p of the work: the ideal step is ideal/p.
      const double t = simulate_step_s(compute_only_model(blocks, flops), plan);
      const double bubble = t / (ideal / p) - 1.0;
      const double expected = (p - 1.0) / (plan.virtual_stages * plan.microbatches);
      EXPECT_NEAR(bubble, expected, 0.002) << "schedule " << static_cast<int>(schedule) << " p " << p;
    }
  }
}

TEST(Pipeline, EveryStageRunsEveryOpOnceAndBoundsInFlightMicrobatches) {
  for (auto schedule : {PipelineSchedule::GPipe, PipelineSchedule::OneFOneB, PipelineSchedule::Interleaved}) {
    ParallelPlan plan;
    plan.pp = 4;
    plan.microbatches = 8;
    plan.schedule = schedule;
    plan.virtual_stages = schedule == PipelineSchedule::Interleaved ? 2 : 1;
    for (int s = 0; s < plan.pp; ++s) {
      std::map<std::tuple<bool, int, int>, int> seen;
      int live = 0, peak = 0;
      for (const PipelineOp& op : pipeline_schedule(plan, s)) {
        ++seen[{op.forward, op.chunk, op.microbatch}];
        live += op.forward ? 1 : -1;
        peak = std::max(peak, live);
        ASSERT_GE(live, 0);
      }
      EXPECT_EQ(seen.size(), static_cast<std::size_t>(2 * plan.virtual_stages * plan.microbatches));
      for (const auto& [key, count] : seen) EXPECT_EQ(count, 1);
      if (schedule == PipelineSchedule::OneFOneB) {
        EXPECT_EQ(peak, plan.pp - s);  // 1F1B's memory bound
      }
      if (schedule == PipelineSchedule::GPipe) {
        EXPECT_EQ(peak, plan.microbatches);
      }
    }
  }
}

// Simulating one GPU per stage for its identical TP and DP peers gives the same step as simulating them all.
TEST(Symmetry, OneGpuPerStageEqualsTheFullSimulation) {
  const std::string base =
      "name: sym\nhardware: {gpu: H100-SXM5-80GB, gpus: 8}\n"
      "workload:\n  model: {family: gpt, layers: 4, hidden: 1024, heads: 16, vocab: 8192, seq_len: 1024}\n"
      "  global_batch: 16\n  micro_batch: 2\n"
      "parallelism: {tp: 2, pp: 2, dp: 2, zero_stage: 1, recompute: selective, symmetric: ";
  const RunResult sym = run_scenario(test::scenario_from_text(base + "true}\n"));
  const RunResult full = run_scenario(test::scenario_from_text(base + "false}\n"));
  for (std::size_t i = 0; i < sym.policies.size(); ++i)
    for (const char* metric : {"step_time_s", "energy_per_step_j", "energy_gpu_busy_j", "energy_gpu_wait_j",
                               "energy_memory_j", "energy_network_j"}) {
      const double a = *find_metric(metric)->get(sym.policies[i].metrics),
                   b = *find_metric(metric)->get(full.policies[i].metrics);
      EXPECT_NEAR(a, b, 1e-9 * std::abs(b)) << sym.policies[i].name << " " << metric;
    }
}

// Executed GEMM FLOPs per step, with full recomputation, against Narayanan et al.'s Eq. 3:
// 96·B·s·l·h²·(1 + s/6h + V/16lh).
TEST(Megatron, ExecutedFlopsWithRecomputationMatchEquation3) {
  const Scenario s = test::scenario_from_text(
      "name: m\nhardware: {gpu: A100-SXM4-80GB, gpus: 8}\n"
      "workload:\n  model: {family: gpt, layers: 8, hidden: 2048, heads: 16, vocab: 51200, seq_len: 2048}\n"
      "  global_batch: 16\n  micro_batch: 2\n  flash_attention: false\n"
      "parallelism: {tp: 2, pp: 2, dp: 2, recompute: full, symmetric: false}\n");
  const StepProgram program = build_step_program(s);
  double executed = 0;
  for (const StepTask& t : program.tasks)
    if (t.type == TaskType::Kernel && program.kernels[t.index].work.kind == KernelKind::TensorGemm)
      executed += program.kernels[t.index].work.flops;
  const double B = 16, seq = 2048, l = 8, h = 2048, V = 51200;
  const double eq3 = 96 * B * seq * l * h * h * (1 + seq / (6 * h) + V / (16 * l * h));
  EXPECT_NEAR(executed / eq3, 1.0, 1e-9);
}

TEST(Feasibility, ImpossiblePlansAreRejectedWithTheirReason) {
  const std::string head = "name: x\nhardware: {gpu: A100-SXM4-80GB, nodes: 2}\n";
  EXPECT_NE(test::rejection(
                head + "workload: {model: gpt-1.3b, global_batch: 16}\nparallelism: {tp: 3, dp: 5, pp: 1}\n")
                .find("tp × pp × dp = 3 × 1 × 5 = 15 but the cluster has 16 GPUs"),
            std::string::npos);
  EXPECT_NE(
      test::rejection(
          head +
          "workload:\n  model: {name: odd, family: gpt, layers: 4, hidden: 1536, heads: 12, vocab: 1000, "
          "seq_len: 128}\n  global_batch: 16\nparallelism: {tp: 8, pp: 1, dp: 2}\n")
          .find("tp = 8 does not divide the 12 attention heads of odd"),
      std::string::npos);
  EXPECT_NE(test::rejection(
                head + "workload: {model: gpt-1.3b, global_batch: 16}\nparallelism: {tp: 1, pp: 16, dp: 1}\n")
                .find("24 layers do not split evenly over pp × virtual_stages = 16"),
            std::string::npos);
  const std::string oom = test::rejection(
      head + "workload: {model: gpt3-175b, global_batch: 16}\nparallelism: {tp: 8, pp: 2, dp: 1}\n");
  EXPECT_NE(oom.find("does not fit in A100-SXM4-80GB memory (74.5 GiB) on pipeline stage 0 of 2: over by"),
            std::string::npos)
      << oom;
  EXPECT_NE(
      test::rejection(head + "workload: {model: gpt-1.3b, global_batch: 24, micro_batch: 1}\n"
                             "parallelism: {tp: 1, pp: 4, dp: 4, schedule: interleaved, virtual_stages: 2}\n")
          .find("needs microbatches per pipeline (6) to be a multiple of pp (4)"),
      std::string::npos);
  EXPECT_NE(
      test::rejection(
          head + "workload: {model: resnet-50, precision: fp16, global_batch: 64}\nparallelism: {tp: 2}\n")
          .find("resnet-50 is a CNN"),
      std::string::npos);
}

// ZeRO shards optimizer states (1), gradients (2) and weights (3) over the data-parallel group
// (Rajbhandari et al. 2020): per-GPU model-state bytes 2+4+12, 2+4+12/d, 2+(4+12)/d, (2+4+12)/d.
TEST(Memory, ZeroStagesShardModelStates) {
  Workload w = compute_only_model(4, 1e9);
  for (auto& l : w.layers) l.parameters = 1e9;
  ParallelPlan plan;
  plan.dp = 8;
  const double per = 6e9;  // all six layers on the single stage
  const double expected[] = {18 * per, (6 + 12.0 / 8) * per, (2 + 16.0 / 8) * per, 18.0 / 8 * per};
  for (int z = 0; z <= 3; ++z) {
    plan.zero_stage = z;
    const MemoryFootprint m = stage_footprint(w, plan, 0);
    EXPECT_NEAR(m.weights_bytes + m.gradients_bytes + m.optimizer_bytes, expected[z], 1e-6 * expected[z])
        << z;
  }
}

// Gradients kept and reduced in 16 bits (Megatron-LM's --grad-reduce-in-bf16) move half the bytes of fp32
// main gradients over the DP group and take half their memory; the weights' all-gather (ZeRO-1) is unchanged.
TEST(Memory, GradientsReducedInBf16HalveTheirBytes) {
  Workload w = compute_only_model(4, 1e9);
  for (auto& l : w.layers) l.parameters = 1e8;
  ParallelPlan fp32;
  fp32.dp = 8;
  fp32.zero_stage = 1;
  ParallelPlan bf16 = fp32;
  bf16.grad_reduce = GradReducePrecision::Bf16;
  auto bytes = [&](const ParallelPlan& plan, CollectiveKind kind) {
    double total = 0;
    for (const StepCollective& c : build_step(w, plan).collectives)
      if (c.group == CommGroup::Data && c.kind == kind) total += c.bytes;
    return total;
  };
  EXPECT_NEAR(bytes(fp32, CollectiveKind::ReduceScatter), 4 * 6e8, 1);
  EXPECT_NEAR(bytes(bf16, CollectiveKind::ReduceScatter), 2 * 6e8, 1);
  EXPECT_DOUBLE_EQ(bytes(bf16, CollectiveKind::AllGather), bytes(fp32, CollectiveKind::AllGather));
  EXPECT_DOUBLE_EQ(stage_footprint(w, bf16, 0).gradients_bytes,
                   0.5 * stage_footprint(w, fp32, 0).gradients_bytes);
}

// The distributed optimizer's parameter all-gather (ZeRO-1, Megatron-Core --overlap-param-gather) runs
// bucket by bucket ahead of the forward that needs the weights. Each layer here is one bucket whose gather
// is far shorter than a layer's forward, so every gather but the first hides behind compute: the step is
// the unoverlapped one (gathers after the optimizer, fully exposed) minus every gather but the first.
TEST(Overlap, HiddenParameterGatherCostsNoTime) {
  Workload w = compute_only_model(8, 2e12);  // ~8 ms per layer forward
  for (std::size_t l = 1; l + 1 < w.layers.size(); ++l) w.layers[l].parameters = 5e7;  // 100 MB of bf16 each
  ParallelPlan plan;
  plan.dp = 4;
  plan.microbatches = 2;
  plan.zero_stage = 1;
  plan.overlap_grad_reduce = false;  // gradient reduction after the backward, out of the gathers' way
  const TinyCluster cluster(4);
  struct Timed {
    double step_s;
    std::vector<double> gather_s;  // in program order
  };
  auto run = [&](const ParallelPlan& p) {
    const StepProgram program = build_step(w, p);
    std::vector<double> collective_s;
    Timed t{cluster.step_s(program, &collective_s), {}};
    for (std::size_t c = 0; c < program.collectives.size(); ++c)
      if (program.collectives[c].kind == CollectiveKind::AllGather) t.gather_s.push_back(collective_s[c]);
    return t;
  };
  const Timed exposed = run(plan);
  plan.overlap_param_gather = true;
  const Timed overlapped = run(plan);
  ASSERT_EQ(exposed.gather_s.size(), 1u);     // one gather of the whole stage after the optimizer
  ASSERT_EQ(overlapped.gather_s.size(), 8u);  // one per layer (100 MB > the 25 MB bucket)
  double hidden = 0;
  for (std::size_t i = 1; i < overlapped.gather_s.size(); ++i) hidden += overlapped.gather_s[i];
  EXPECT_GT(hidden, 1e-3);  // enough to see (NVLink: ~0.2 ms per 100 MB)
  EXPECT_LT(overlapped.step_s, exposed.step_s);
  EXPECT_NEAR(overlapped.step_s, exposed.step_s - exposed.gather_s[0] + overlapped.gather_s[0], 2e-6);
}

// Overlap never lengthens a step: for every schedule and ZeRO stage that gathers, with gradient
// reduction overlapped or not.
TEST(Overlap, ParameterGatherOverlapNeverLengthensAStep) {
  Workload w = compute_only_model(8, 2e11);
  for (std::size_t l = 1; l + 1 < w.layers.size(); ++l) w.layers[l].parameters = 2e8;  // gathers ~ compute
  const TinyCluster cluster(8);
  auto step = [&](const ParallelPlan& p) { return cluster.step_s(build_step(w, p)); };
  for (int pp : {1, 2})
    for (int zero : {1, 2})
      for (bool overlap_grad : {false, true}) {
        ParallelPlan plan;
        plan.pp = pp;
        plan.dp = 4;
        plan.microbatches = 4;
        plan.zero_stage = zero;
        plan.overlap_grad_reduce = overlap_grad;
        const double base = step(plan);
        plan.overlap_param_gather = true;
        EXPECT_LE(step(plan), base * (1 + 1e-12)) << pp << " " << zero << " " << overlap_grad;
      }
}

// The host launch bound (framework.launch): the host issues a GPU's kernels one every L from the step's
// start. Kernels shorter than L run one every L, the GPU waiting between them (S94); kernels much longer
// than L let the host run ahead, so only the first waits.
TEST(HostLaunch, ShortKernelsRunAtTheLaunchRateLongOnesHideIt) {
  const TinyCluster cluster(1);
  auto step = [&](const Workload& w, SimTime launch) {
    StepProgram program = build_step(w, ParallelPlan{});
    program.host_launch = launch;
    return cluster.step_s(program);
  };
  const int blocks = 50;
  const double kernels = 2 * blocks + 2;  // a forward and a backward per block, then two optimizer kernels
  const SimTime launch = 5000;            // 5 us, longer than the 2 us an empty kernel takes
  const Workload tiny = compute_only_model(blocks, 0);
  EXPECT_NEAR(step(tiny, 0), kernels * 2e-6, 1e-12);  // back to back, each its overhead
  // The last kernel (issued at kernels·L) still takes its 2 us.
  EXPECT_NEAR(step(tiny, launch), kernels * 5e-6 + 2e-6, 1e-12);
  const Workload large = compute_only_model(blocks, 2e10);  // ~40 us each
  EXPECT_NEAR(step(large, launch), step(large, 0) + 5e-6, 1e-12);
}

// Expert parallelism (ep = 4 of dp = 8): the MoE all-to-alls run over 4 consecutive data ranks, and the
// expert weights' gradients are reduced over the 2 ranks that hold the same experts, the rest over all 8;
// together they move each weight's gradient once.
TEST(ExpertParallel, AllToAllsOverTheExpertGroupGradientsOverTheirReplicas) {
  ModelSpec m = test::zoo_model("mixtral-8x7b");
  m.layers = 2;
  MicrobatchShape shape;
  shape.seq_len = 512;
  shape.ep = 4;
  const Workload w = test::build_workload(m, shape);
  ParallelPlan plan;
  plan.dp = 8;
  plan.ep = 4;
  plan.overlap_grad_reduce = false;
  const StepProgram program = build_step(w, plan);
  double expert_bytes = 0, dense_bytes = 0;
  int all_to_alls = 0;
  for (const StepCollective& c : program.collectives) {
    if (c.kind == CollectiveKind::AllToAll) {
      ++all_to_alls;
      EXPECT_EQ(c.group, CommGroup::Expert);
      EXPECT_EQ(c.ranks, (std::vector<int>{0, 1, 2, 3}));
      EXPECT_EQ(c.copy_offsets, std::vector<int>{4});  // the other block of four
    } else if (c.group == CommGroup::Data) {
      (c.ranks.size() == 2 ? expert_bytes : dense_bytes) += c.bytes;
      if (c.ranks.size() == 2) {
        EXPECT_EQ(c.ranks, (std::vector<int>{0, 4}));
      }
    }
  }
  EXPECT_EQ(all_to_alls, 4 * 2);  // dispatch and combine, forward and backward, in each block
  double experts = 0, all = 0;
  for (const Layer& l : w.layers) {
    experts += l.expert_parameters;
    all += l.parameters;
  }
  EXPECT_NEAR(expert_bytes, 4 * experts, 1);  // fp32 gradients
  EXPECT_NEAR(dense_bytes, 4 * (all - experts), 1);
  plan.symmetric = false;
  EXPECT_THROW(build_step(w, plan), std::invalid_argument);
}

// Context parallelism (cp = 2): each rank holds half of every sequence, so its GEMMs, norms and activation
// memory halve; its queries still meet every key, so attention halves too, with the K and V of the whole
// sequence all-gathered around the ring (e·b·s·2·kv·d bytes, twice in the backward). Model FLOPs per sample
// and the samples of a step do not change.
TEST(ContextParallel, HalvesEachRanksWorkAndRingsKeysAndValues) {
  ModelSpec m = test::zoo_model("llama3-8b");
  m.layers = 2;
  const ModelFamily& gpt = *ModelFamilyRegistry::instance().find("gpt");
  MicrobatchShape shape;
  shape.micro_batch = 1;
  shape.seq_len = 8192;
  const Workload whole = gpt.build(m, shape);
  shape.cp = 2;
  const Workload half = gpt.build(m, shape);
  auto executed = [](const Workload& w) {
    double flops = 0;
    for (const Layer& l : w.layers)
      for (const Kernel& k : l.forward) flops += k.is_collective ? 0.0 : k.work.flops;
    return flops;
  };
  EXPECT_NEAR(executed(half), executed(whole) / 2, 1e-9 * executed(whole));
  EXPECT_NEAR(half.model_flops_per_sample, whole.model_flops_per_sample, 1e-9 * whole.model_flops_per_sample);
  EXPECT_NEAR(half.layers[1].activation_bytes[0], whole.layers[1].activation_bytes[0] / 2, 1);
  const double kv = 2.0 * 8192 * 2 * m.kv_heads * (m.hidden / m.heads);  // bf16 K and V of the sequence
  double forward = 0, backward = 0;
  for (const Kernel& k : half.layers[1].forward)
    if (k.is_collective && k.group == CommGroup::Context) forward += k.message_bytes;
  for (const Kernel& k : half.layers[1].backward)
    if (k.is_collective && k.group == CommGroup::Context) backward += k.message_bytes;
  EXPECT_DOUBLE_EQ(forward, kv);
  EXPECT_DOUBLE_EQ(backward, 2 * kv);
  ParallelPlan plan;
  plan.dp = 4;  // two replicas of two context-parallel ranks
  plan.cp = 2;
  plan.microbatches = 2;
  EXPECT_DOUBLE_EQ(build_step(half, plan).samples_per_step, 4.0);  // 2 replicas × 2 microbatches of 1
}

// The ring's transfers overlap the attention they feed: at a long sequence, where attention outlasts
// them, a step with the ring is as long as one whose ring moves nothing.
TEST(ContextParallel, RingHidesBehindAttention) {
  ModelSpec m = test::zoo_model("llama3-8b");
  m.layers = 2;
  MicrobatchShape shape;
  shape.seq_len = 32768;
  shape.cp = 2;
  Workload w = test::build_workload(m, shape);
  const TinyCluster cluster(4);
  ParallelPlan plan;
  plan.dp = 2;
  plan.cp = 2;
  auto step = [&](const Workload& work) { return cluster.step_s(build_step(work, plan)); };
  const double with_ring = step(w);
  for (Layer& l : w.layers)
    for (auto* kernels : {&l.forward, &l.backward})
      for (Kernel& k : *kernels)
        if (k.is_collective && k.group == CommGroup::Context) k.message_bytes = 0;
  EXPECT_NEAR(with_ring, step(w), 1e-9);
}

// Uneven pipeline layouts. BLOOM-176B's (Megatron-DeepSpeed, 70 blocks over 12 stages counting the
// embedding and the head as layers): 6 layers a stage, so the first holds the embedding and 5 blocks and
// the last 5 blocks and the head. A listed layout puts exactly its counts on each stage.
TEST(Pipeline, UnevenLayoutsPlaceTheirLayers) {
  ParallelPlan bloom;
  bloom.pp = 12;
  bloom.embedding_as_layer = true;
  const std::size_t layers = 70 + 2;
  EXPECT_EQ(chunk_layers(layers, bloom, 0, 0).first, 0u);
  EXPECT_EQ(chunk_layers(layers, bloom, 0, 0).last, 6u);  // embedding + blocks 1-5
  for (int s = 1; s < 11; ++s)
    EXPECT_EQ(chunk_layers(layers, bloom, s, 0).last - chunk_layers(layers, bloom, s, 0).first, 6u) << s;
  EXPECT_EQ(chunk_layers(layers, bloom, 11, 0).first, 66u);  // blocks 66-70 + head
  EXPECT_EQ(chunk_layers(layers, bloom, 11, 0).last, layers);
  ParallelPlan listed;
  listed.pp = 4;
  listed.stage_layers = {3, 5, 5, 3};
  const std::size_t bounds[] = {0, 4, 9, 14, 18};
  for (int s = 0; s < 4; ++s) {
    EXPECT_EQ(chunk_layers(18, listed, s, 0).first, bounds[s]) << s;
    EXPECT_EQ(chunk_layers(18, listed, s, 0).last, bounds[s + 1]) << s;
  }
  // A layout that loads one stage more than the others lengthens a pipelined step.
  ParallelPlan even;
  even.pp = 2;
  even.microbatches = 8;
  even.symmetric = false;
  ParallelPlan skewed = even;
  skewed.stage_layers = {1, 3};
  const Workload w = compute_only_model(4, 2e12);
  EXPECT_GT(simulate_step_s(w, skewed), 1.2 * simulate_step_s(w, even));
  EXPECT_NE(test::rejection(test::tiny_gpt_yaml(2, "parallelism: {pp: 2, stage_layers: [1, 2]}\n"))
                .find("stage_layers add up to 3 blocks but inline has 2"),
            std::string::npos);
}

// ZeRO-3 prefetch (parallelism.prefetch_layers): with one layer of prefetch each weight gather runs beside
// the layer before it and only the first is exposed; with none, every gather (forward and backward) waits
// for the layer before and all are exposed; deeper prefetch cannot do better than hiding them all.
TEST(Overlap, Zero3PrefetchHidesAllButTheFirstGather) {
  Workload w = compute_only_model(8, 2e12);  // ~8 ms per layer forward
  for (std::size_t l = 1; l + 1 < w.layers.size(); ++l) w.layers[l].parameters = 5e7;
  const TinyCluster cluster(4);
  ParallelPlan plan;
  plan.dp = 4;
  plan.zero_stage = 3;
  plan.overlap_grad_reduce = false;
  double gather_s = 0;
  int gathers = 0;
  auto step = [&](int prefetch) {
    plan.prefetch_layers = prefetch;
    const StepProgram program = build_step(w, plan);
    std::vector<double> collective_s;
    const double t = cluster.step_s(program, &collective_s);
    gathers = 0;
    for (std::size_t c = 0; c < program.collectives.size(); ++c)
      if (program.collectives[c].kind == CollectiveKind::AllGather) {
        gather_s = collective_s[c];
        ++gathers;
      }
    return t;
  };
  const double none = step(0), one = step(1), deep = step(100);
  EXPECT_EQ(gathers, 16);  // 8 blocks, forward and backward
  EXPECT_NEAR(none - one, (gathers - 1) * gather_s, 1e-6);
  EXPECT_NEAR(deep, one, 1e-9);
}

}  // namespace
}  // namespace wattsim
