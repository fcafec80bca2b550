// GEMM efficiency from shape (wave and tile quantisation, pipeline depth) and fused attention efficiency
// against closed forms worked by hand and against the published kernel measurements they are calibrated on
// (../shared/data/kernels.yaml: S80, S83, S85).
#include <gtest/gtest.h>

#include <string>

#include "hardware/gpu_model.hpp"
#include "hardware/tensor_efficiency.hpp"
#include "test_support.hpp"

namespace wattsim {
namespace {

double depth_factor(double k) {
  return k / (k + kTilePipelineDepth);
}

// The shipped profiles do not yet declare their SM counts and shape constants: turned on alone, kernel-
// calibrated GEMMs make whole training steps ~19% faster than published (docs/validation.md would go from a
// 4.6% to a 16.8% median), because the framework overheads of issue 12 are not modelled yet and the old
// single efficiency absorbs them. These are the calibrations the profiles take when they are:
//   η_mma: S83's best BF16 shape at gemm_sustained_clock (A100: 0.859·1410/1275/0.970 ≈ 0.98, S85's 8192³
//   gives 0.95: 0.96; H100: 0.801·1830/1635/0.976 = 0.92);
//   fused attention: S80's FlashAttention-2 fwd+bwd, d = 128, causal, fitted as η_attn·s/(s + s_½).
GpuProfile calibrated(const std::string& name) {
  GpuProfile p = test::gpu(name);
  const bool hopper = name.rfind("H100", 0) == 0;
  p.sm_count = hopper ? 132 : 108;  // S13, S84
  p.efficiency.tensor = hopper ? 0.92 : 0.96;
  p.efficiency.attention = hopper ? 0.34 : 0.62;
  p.efficiency.attention_half_sequence = hopper ? 530 : 480;
  return p;
}

TEST(TensorEfficiency, ShippedProfilesDeclareTheModel) {
  // Every shipped profile declares its SMs: a GEMM of 6912 × 16384 outputs fills the A100's 108 SMs in
  // exactly 64 waves of 128×128 tiles, leaving only the depth term (K = 2048, K_0 = 64) below eta_mma 0.73.
  const GpuProfile a100 = test::gpu("A100-SXM4-80GB");
  EXPECT_NEAR(tensor_efficiency({6912, 16384, 2048}, a100), 0.73 * 2048.0 / (2048 + 64), 1e-12);
  // Fused attention: FlashAttention-2 on A100 (0.62, 480 tokens), the FA3 class on Hopper (0.56, 575).
  TensorShape fused;
  fused.attention_sequence = 4096;
  EXPECT_NEAR(tensor_efficiency(fused, a100), 0.62 * 4096 / (4096 + 480), 1e-12);
  EXPECT_NEAR(tensor_efficiency(fused, test::gpu("H100-SXM5-80GB")), 0.56 * 4096 / (4096 + 575), 1e-12);
  for (const char* name : {"V100-SXM2-32GB", "A40", "H200-SXM-141GB"}) EXPECT_GT(test::gpu(name).sm_count, 0);
}

TEST(TensorEfficiency, WaveQuantisationClosedForm) {
  const GpuProfile a100 = calibrated("A100-SXM4-80GB");  // 108 SMs
  // 2048 × 2048 outputs: 128 tiles of 256×128 (two waves, 128/216) or 256 of 128×128 (three waves,
  // 256/324); the better one is taken. Depth 8192 is long enough that split-K never pays.
  const double eta = tensor_efficiency({2048, 2048, 8192}, a100);
  EXPECT_NEAR(eta, a100.efficiency.tensor * (256.0 / 324.0) * depth_factor(8192), 1e-12);
  // 6912 × 16384 with 128×128 tiles: 6912 tiles, exactly 64 waves.
  EXPECT_NEAR(tensor_efficiency({6912, 16384, 2048}, a100), a100.efficiency.tensor * depth_factor(2048),
              1e-12);
}

TEST(TensorEfficiency, TileOverhangAndSplitK) {
  const GpuProfile h100 = calibrated("H100-SXM5-80GB");  // 132 SMs
  // One row more than whole tiles costs a nearly empty row of tiles (on A100, whose 108 SMs 8192² fills
  // in 38 nearly whole waves; on H100 the extra tiles fill its 32nd wave, a real quirk of quantisation).
  const GpuProfile a100 = calibrated("A100-SXM4-80GB");
  const double whole = tensor_efficiency({8192, 8192, 4096}, a100);
  const double overhang = tensor_efficiency({8193, 8192, 4096}, a100);
  EXPECT_LT(overhang, 0.99 * whole);
  // 256 × 256 outputs by a depth of 65536: 4 tiles of 128×128 would idle 128 of 132 SMs; split-K 16
  // gives 64 tiles of depth 4096 in one wave (64/132).
  EXPECT_NEAR(tensor_efficiency({256, 256, 65536}, h100),
              h100.efficiency.tensor * (64.0 / 132.0) * depth_factor(4096), 1e-12);
  // Batched products count every product's tiles.
  EXPECT_GT(tensor_efficiency({256, 256, 4096, 33}, h100), tensor_efficiency({256, 256, 4096, 1}, h100));
  for (double m : {64.0, 100.0, 1000.0, 5000.0, 12345.0})
    EXPECT_LE(tensor_efficiency({m, m, m}, h100), h100.efficiency.tensor);
}

// A GEMM at the clock the power limit leaves it (gemm_sustained_clock), against the measured rate.
double sustained_tflops(const GpuProfile& gpu, double m, double n, double k) {
  const GpuModel model(gpu, Precision::BF16, gpu.tdp_w);
  KernelWork w{2 * m * n * k, 2 * (m * k + k * n + m * n), KernelKind::TensorGemm, {m, n, k}};
  const KernelRun run = model.run_at(w, gpu.gemm_sustained_clock_mhz);
  return w.flops / (to_seconds(run.duration)) * 1e-12;
}

TEST(TensorEfficiency, PublishedGemmRates) {
  // S83: the best BF16 shape of a sweep; S85: 8192³ on random data. Tolerance 4%.
  const GpuProfile h100 = calibrated("H100-SXM5-80GB");
  EXPECT_NEAR(sustained_tflops(h100, 6144, 17920, 2816), 792.1, 0.04 * 792.1);
  const GpuProfile a100 = calibrated("A100-SXM4-80GB");
  EXPECT_NEAR(sustained_tflops(a100, 6912, 16384, 2048), 267.9, 0.04 * 267.9);
  EXPECT_NEAR(sustained_tflops(a100, 8192, 8192, 8192), 258.0, 0.06 * 258.0);  // measured at 1228 MHz
}

TEST(TensorEfficiency, FlashAttentionAgainstPublished) {
  // S80: FlashAttention-2 forward+backward on A100, d = 128, causal, TFLOP/s at the top clock; within 2%.
  const GpuProfile a100 = calibrated("A100-SXM4-80GB");
  const double seq[] = {512, 1024, 2048, 4096, 8192, 16384};
  const double published[] = {99, 133, 155, 173, 182, 189};
  for (int i = 0; i < 6; ++i) {
    TensorShape s;
    s.attention_sequence = seq[i];
    EXPECT_NEAR(tensor_efficiency(s, a100) * 312, published[i], 0.02 * published[i]) << seq[i];
  }
}

}  // namespace
}  // namespace wattsim
