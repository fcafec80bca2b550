// Model families: parameter counts against published ones, and kernel FLOPs against closed forms.
#include <gtest/gtest.h>

#include "io/model_catalog.hpp"
#include "test_support.hpp"
#include "workload/model_family.hpp"
#include "workload/step_program.hpp"

namespace wattsim {
namespace {

double parameters_of(const std::string& model) {
  const ModelSpec m = test::zoo_model(model);
  return ModelFamilyRegistry::instance().find(m.family)->parameter_count(m);
}

// Published counts: torchvision's resnet50 / resnet152 (exact), Hugging Face BertForPreTraining
// bert-large-uncased (336.2M with the MLM and NSP heads; 335.1M for the encoder and pooler alone), GPT-3
// 175B (Brown et al. 2020, "175.0B") and GPT-3 XL ("1.3B", two significant figures, so ±4%).
TEST(ModelZoo, ParameterCountsMatchPublished) {
  EXPECT_NEAR(parameters_of("resnet-50") / 25'557'032.0, 1.0, 0.001);
  EXPECT_NEAR(parameters_of("resnet-152") / 60'192'808.0, 1.0, 0.001);
  EXPECT_NEAR(parameters_of("bert-large") / 336.2e6, 1.0, 0.005);
  EXPECT_NEAR(parameters_of("gpt3-175b") / 175.0e9, 1.0, 0.01);
  EXPECT_NEAR(parameters_of("gpt-1.3b") / 1.3e9, 1.0, 0.04);
  // Meta's model cards / Hugging Face configs: exact counts.
  EXPECT_NEAR(parameters_of("llama2-70b") / 68'976'648'192.0, 1.0, 0.01);
  EXPECT_NEAR(parameters_of("llama3-8b") / 8'030'261'248.0, 1.0, 0.01);
  EXPECT_NEAR(parameters_of("llama3-70b") / 70'553'706'496.0, 1.0, 0.01);
}

double gemm_flops(const Workload& w, Pass pass) {
  double total = 0;
  for (const Layer& l : w.layers)
    for (const Kernel& k : pass == Pass::Forward ? l.forward : l.backward)
      if (k.work.kind == KernelKind::TensorGemm) total += k.work.flops;
  return total;
}

// Narayanan et al. SC'21 Eq. 3 counts 96·B·s·l·h²·(1 + s/6h + V/16lh) with activation recomputation (four
// forward-sized passes); without recomputation it is three passes: 72·B·s·l·h²·(1 + s/6h + V/12lh).
TEST(Transformer, GemmFlopsMatchMegatronFormula) {
  ModelSpec m = test::zoo_model("gpt3-175b");
  m.layers = 4;  // the formula is linear in l; a few layers keep the test fast
  for (int b : {1, 4}) {
    MicrobatchShape shape;
    shape.micro_batch = b;
    shape.seq_len = m.seq_len;
    shape.flash_attention = false;  // Megatron 2021 computes the full s² scores, masked ones included
    const Workload w = test::build_workload(m, shape);
    const double B = b, s = m.seq_len, l = m.layers, h = m.hidden, V = m.vocab;
    const double megatron = 72.0 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
    EXPECT_NEAR((gemm_flops(w, Pass::Forward) + gemm_flops(w, Pass::Backward)) / megatron, 1.0, 1e-9);
    EXPECT_NEAR(w.model_flops_per_sample * B / megatron, 1.0, 1e-9);
    // A causal FlashAttention runs half of the 4·b·s²·h attention products per layer (3 passes), while
    // model FLOPs still count all of them.
    shape.flash_attention = true;
    const Workload flash = test::build_workload(m, shape);
    const double skipped = 0.5 * 3.0 * 4.0 * B * s * s * h * l;
    EXPECT_NEAR((gemm_flops(flash, Pass::Forward) + gemm_flops(flash, Pass::Backward)) / (megatron - skipped),
                1.0, 1e-9);
    EXPECT_NEAR(flash.model_flops_per_sample * B / megatron, 1.0, 1e-9);
  }
}

TEST(ResNet, ForwardFlopsMatchPublished) {
  // ResNet-152 v1.5: 11.5 GMACs per 224×224 image (He et al. report 11.3 G for v1; v1.5's strided 3×3
  // convolutions add ~2%); ResNet-50 v1.5: 4.1 GMACs (NVIDIA DeepLearningExamples).
  for (auto [name, gmacs] : {std::pair{"resnet-152", 11.5}, std::pair{"resnet-50", 4.1}}) {
    const ModelSpec m = test::zoo_model(name);
    MicrobatchShape shape;
    shape.micro_batch = 1;
    const Workload w = ModelFamilyRegistry::instance().find("resnet")->build(m, shape);
    EXPECT_NEAR(gemm_flops(w, Pass::Forward) / 2.0 / (gmacs * 1e9), 1.0, 0.03) << name;
  }
}

TEST(DataParallel, BucketsCoverEveryGradientOnce) {
  const ModelSpec m = test::zoo_model("bert-large");
  MicrobatchShape shape;
  shape.micro_batch = 8;
  shape.seq_len = 128;
  Workload w = ModelFamilyRegistry::instance().find("bert")->build(m, shape);
  ParallelPlan plan;
  plan.dp = 4;
  plan.microbatches = 3;
  plan.symmetric = false;
  const StepProgram p = build_step(w, plan);
  double reduced = 0;
  for (const StepCollective& c : p.collectives) reduced += c.bytes;
  EXPECT_DOUBLE_EQ(reduced, w.parameters * plan.gradient_bytes_per_parameter());
  EXPECT_GT(p.collectives.size(), 5u);
  std::size_t kernel_tasks = 0;
  for (const StepTask& t : p.tasks) kernel_tasks += t.type == TaskType::Kernel;
  std::size_t per_microbatch = 0;
  for (const Layer& l : w.layers) per_microbatch += l.forward.size() + l.backward.size();
  EXPECT_EQ(kernel_tasks, plan.dp * (plan.microbatches * per_microbatch + 2));  // + grad norm and Adam
}

// 2:4 sparsity halves the forward and input-gradient work of weight GEMMs, nothing else.
TEST(Sparsity, HalvesWeightGemmsForwardAndInputGradient) {
  ModelSpec m = test::zoo_model("gpt-1.3b");
  MicrobatchShape shape;
  shape.micro_batch = 2;
  shape.seq_len = 512;
  shape.flash_attention = false;
  const Workload dense = test::build_workload(m, shape);
  shape.structured_sparsity = true;
  const Workload sparse = test::build_workload(m, shape);
  const double B = 2, s = 512, l = m.layers, h = m.hidden, V = m.vocab;
  const double weight = 24 * B * s * l * h * h + 2 * B * s * h * V;  // forward weight-GEMM FLOPs
  EXPECT_NEAR(gemm_flops(dense, Pass::Forward) - gemm_flops(sparse, Pass::Forward), weight / 2,
              1e-6 * weight);
  EXPECT_NEAR(gemm_flops(dense, Pass::Backward) - gemm_flops(sparse, Pass::Backward), weight / 2,
              1e-6 * weight);
  EXPECT_EQ(dense.parameters, sparse.parameters);
}

// FP8 (Transformer Engine's recipe): the blocks' weight GEMMs, forward and both backward, run on FP8
// operands; the attention core, the embedding and the head stay in 16 bits. Each FP8 GEMM's inputs are
// cast with their transposes: per linear layer (m×k)·(k×n) the input (e + 2)·m·k bytes and the output
// gradient (e + 2)·m·n per microbatch, the weights (e + 2)·k·n once per step.
TEST(Fp8, BlocksLinearLayersRunInFp8WithTheirCasts) {
  ModelSpec m = test::zoo_model("gpt-1.3b");
  MicrobatchShape shape;
  shape.micro_batch = 2;
  shape.seq_len = 512;
  const Workload bf16 = test::build_workload(m, shape);
  shape.fp8_linear = true;
  const Workload fp8 = test::build_workload(m, shape);
  EXPECT_DOUBLE_EQ(gemm_flops(fp8, Pass::Forward), gemm_flops(bf16, Pass::Forward));
  EXPECT_DOUBLE_EQ(gemm_flops(fp8, Pass::Backward), gemm_flops(bf16, Pass::Backward));
  const double B = 2, s = 512, l = m.layers, h = m.hidden, f = m.ffn_hidden, e = 2, tokens = B * s;
  double fp8_flops = 0, cast_bytes = 0, weight_cast_bytes = 0;
  for (const Layer& layer : fp8.layers)
    for (const auto* kernels : {&layer.forward, &layer.backward})
      for (const Kernel& k : *kernels) {
        if (k.work.fp8) fp8_flops += k.work.flops;
        const std::string& label = fp8.labels[k.label];
        if (label.find(".fp8_cast") == std::string::npos) continue;
        (k.first_microbatch_only ? weight_cast_bytes : cast_bytes) += k.work.bytes;
        EXPECT_EQ(k.first_microbatch_only, label.ends_with("fp8_cast_weight")) << label;
      }
  // QKV (h → 3h), projection (h → h), FC1 (h → f), FC2 (f → h), three GEMMs each.
  EXPECT_NEAR(fp8_flops, 3 * 2 * tokens * l * (3 * h * h + h * h + 2 * h * f), 1e-9 * fp8_flops);
  const double inputs = tokens * (h + h + h + f), gradients = tokens * (3 * h + h + f + h);
  EXPECT_NEAR(cast_bytes, l * (e + 2) * (inputs + gradients), 1e-9 * cast_bytes);
  EXPECT_NEAR(weight_cast_bytes, l * (e + 2) * (3 * h * h + h * h + 2 * h * f), 1e-9 * weight_cast_bytes);
  for (const Kernel& k : fp8.layers.front().forward) EXPECT_FALSE(k.work.fp8);  // embedding
  for (const Kernel& k : fp8.layers.back().forward) EXPECT_FALSE(k.work.fp8);   // head
}

// The weight casts run once per step, in the first microbatch's forward: a step of 4 microbatches has as
// many as a step of one, and full recomputation re-runs none of them.
TEST(Fp8, WeightCastsRunOncePerStep) {
  ModelSpec m = test::zoo_model("gpt-1.3b");
  MicrobatchShape shape;
  shape.micro_batch = 1;
  shape.seq_len = 256;
  shape.fp8_linear = true;
  const Workload w = test::build_workload(m, shape);
  auto count = [&](int microbatches, Recompute recompute, const std::string& suffix) {
    ParallelPlan plan;
    plan.microbatches = microbatches;
    plan.recompute = recompute;
    const StepProgram program = build_step(w, plan);
    int n = 0;
    for (const StepTask& t : program.tasks)
      if (t.type == TaskType::Kernel && program.labels[program.kernels[t.index].label].ends_with(suffix)) ++n;
    return n;
  };
  const int per_step = 4 * m.layers;  // QKV, projection, FC1, FC2 in each block
  EXPECT_EQ(count(1, Recompute::None, "fp8_cast_weight"), per_step);
  EXPECT_EQ(count(4, Recompute::None, "fp8_cast_weight"), per_step);
  EXPECT_EQ(count(4, Recompute::Full, "fp8_cast_weight"), per_step);
  EXPECT_EQ(count(4, Recompute::None, "fp8_cast_input"), 4 * per_step);
  EXPECT_EQ(count(4, Recompute::Full, "fp8_cast_input"), 8 * per_step);  // recomputed with the forward
}

// Mixtral 8x7B: 46.7B parameters, 12.9B active per token (Jiang et al. 2024). The expert GEMMs of a
// microbatch run top_k · capacity_factor token copies through one expert's FFN each: 2·3·h·f FLOPs a copy
// (SwiGLU), of which the unpadded top_k copies are model FLOPs; dispatch and combine each move
// e·c·k·tokens·h bytes from every rank, forward and backward.
TEST(MixtureOfExperts, MixtralCountsFlopsAndAllToAllsMatchClosedForms) {
  ModelSpec m = test::zoo_model("mixtral-8x7b");
  const ModelFamily& gpt = *ModelFamilyRegistry::instance().find("gpt");
  EXPECT_NEAR(gpt.parameter_count(m), 46.7e9, 0.005 * 46.7e9);
  const double h = m.hidden, f = m.moe_ffn_hidden, l = m.layers, expert = 3 * h * f;
  EXPECT_NEAR(gpt.parameter_count(m) - l * (m.experts - m.top_k) * expert, 12.9e9, 0.005 * 12.9e9);
  m.capacity_factor = 1.25;
  MicrobatchShape shape;
  shape.micro_batch = 2;
  shape.seq_len = 1024;
  shape.ep = 4;
  const Workload w = gpt.build(m, shape);
  const double tokens = 2 * 1024, copies = tokens * m.top_k * m.capacity_factor;
  double expert_flops = 0, model_flops = 0, all_to_all = 0, local_experts = 0;
  int all_to_alls = 0;
  for (std::size_t i = 1; i + 1 < w.layers.size(); ++i) {
    const Layer& layer = w.layers[i];
    model_flops += layer.model_gemm_flops;
    local_experts += layer.expert_parameters / expert;
    for (const Kernel& k : layer.forward) {
      if (w.labels[k.label].starts_with("moe.gate_up") || w.labels[k.label].starts_with("moe.down"))
        expert_flops += k.work.flops;
      if (k.is_collective && k.group == CommGroup::Expert) {
        EXPECT_EQ(k.collective, CollectiveKind::AllToAll);
        all_to_all += k.message_bytes;
        ++all_to_alls;
      }
    }
    for (const Kernel& k : layer.backward) all_to_alls += k.is_collective && k.group == CommGroup::Expert;
  }
  EXPECT_NEAR(expert_flops, l * copies * 2 * expert, 1e-9 * expert_flops);
  EXPECT_NEAR(local_experts, l * m.experts / 4.0, 1e-9);
  EXPECT_EQ(all_to_alls, 4 * m.layers);
  EXPECT_NEAR(all_to_all, l * 2 * 2 * copies * h, 1e-9 * all_to_all);
  // Model FLOPs count each token's top_k experts, not the padding.
  const double attention_and_router =
      l * (2 * tokens * h * (2 * h + 2 * h / 4) + 2 * tokens * h * m.experts + 2 * 2 * tokens * 1024 * h);
  EXPECT_NEAR(model_flops, attention_and_router + l * tokens * m.top_k * 2 * expert, 1e-9 * model_flops);
}

}  // namespace
}  // namespace wattsim
