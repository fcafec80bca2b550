// GPU physics: V–F interpolation, the power law, its calibration against published figures, the roofline
// kernel time and the power cap.
#include <gtest/gtest.h>

#include <cmath>

#include "hardware/gpu_model.hpp"
#include "test_support.hpp"

namespace wattsim {
namespace {

const char* kGpus[] = {"V100-SXM2-32GB", "A100-SXM4-40GB", "A100-SXM4-80GB", "H100-SXM5-80GB",
                       "H200-SXM-141GB"};

TEST(PowerModel, VoltageInterpolatesAndClamps) {
  GpuProfile p = test::gpu("A100-SXM4-80GB");
  PowerModel pm(p);
  EXPECT_DOUBLE_EQ(pm.voltage_v(100), p.vf_table.front().voltage_v);
  EXPECT_DOUBLE_EQ(pm.voltage_v(5000), p.vf_table.back().voltage_v);
  const VfPoint a = p.vf_table[p.vf_table.size() - 2], b = p.vf_table.back();
  EXPECT_NEAR(pm.voltage_v((a.clock_mhz + b.clock_mhz) / 2), (a.voltage_v + b.voltage_v) / 2, 1e-12);
}

TEST(PowerModel, PowerRisesWithClockAtEveryActivity) {
  for (const char* name : kGpus) {
    const GpuProfile p = test::gpu(name);
    const PowerModel pm(p);
    for (double alpha : {0.0, 0.05, 0.3, 1.0})
      for (double beta : {0.0, 0.5}) {
        double previous = -1;
        for (int i = 0; i < p.clock_count(); ++i) {
          const double w = pm.draw(p.clock_at(i), alpha, beta).total_w;
          if (alpha > 0)
            EXPECT_GT(w, previous) << name << " at " << p.clock_at(i) << " MHz";
          else
            EXPECT_GE(w, previous) << name;
          previous = w;
        }
      }
  }
}

// The profiles carry the published figures (tests/data/published/hardware.yaml), and the calibrated power
// model reproduces the three anchors exactly: idle at the lowest clock, blocked-in-collective at the top
// clock, and a dense GEMM at the TDP at the clock it sustains there.
TEST(PowerModel, ProfilesMatchPublishedFiguresAndAnchors) {
  const YAML::Node published = test::published("hardware.yaml")["gpus"];
  const std::map<std::string, std::string> key = {{"V100-SXM2-32GB", "V100-SXM2"},
                                                  {"A100-SXM4-40GB", "A100-SXM4-40GB"},
                                                  {"A100-SXM4-80GB", "A100-SXM4-80GB"},
                                                  {"H100-SXM5-80GB", "H100-SXM5-80GB"},
                                                  {"H200-SXM-141GB", "H200-SXM-141GB"}};
  for (const char* name : kGpus) {
    const GpuProfile p = test::gpu(name);
    const YAML::Node ref = published[key.at(name)];
    ASSERT_TRUE(ref.IsMap()) << name;
    EXPECT_DOUBLE_EQ(p.tdp_w, ref["tdp_w"].as<double>()) << name;
    EXPECT_DOUBLE_EQ(p.idle_w, ref["idle_w"].as<double>()) << name;
    EXPECT_DOUBLE_EQ(p.comm_wait_w, ref["comm_wait_w"].as<double>()) << name;
    EXPECT_DOUBLE_EQ(p.clock_min_mhz, ref["sm_clock_mhz"]["min"].as<double>()) << name;
    EXPECT_DOUBLE_EQ(p.clock_max_mhz, ref["sm_clock_mhz"]["max"].as<double>()) << name;
    EXPECT_DOUBLE_EQ(p.memory_bandwidth_bps, ref["hbm_bw_gbps"].as<double>() * 1e9) << name;
    EXPECT_DOUBLE_EQ(p.nvlink_bandwidth_bps * 2, ref["nvlink_bw_gbps"].as<double>() * 1e9) << name;
    const double tensor_key = ref["peak_bf16_tensor_tflops"] ? ref["peak_bf16_tensor_tflops"].as<double>()
                                                             : ref["peak_fp16_tensor_tflops"].as<double>();
    EXPECT_DOUBLE_EQ(p.tensor_peak_flops[static_cast<int>(Precision::FP16)], tensor_key * 1e12) << name;

    const PowerModel pm(p);
    EXPECT_NEAR(pm.draw(p.clock_min_mhz, 0, 0).total_w, p.idle_w, 1e-9) << name;
    EXPECT_NEAR(pm.wait(p.clock_max_mhz).total_w, p.comm_wait_w, 1e-9) << name;
    // A dense GEMM moving 30% of peak bandwidth draws the TDP at its sustained clock, and more at the top
    // one: GEMMs are power-limited at default settings (S85, S96).
    const double gemm_activity = 1.0 + p.power.memory_activity * 0.3;
    EXPECT_LT(p.gemm_sustained_clock_mhz, p.clock_max_mhz) << name;
    EXPECT_NEAR(pm.draw(p.gemm_sustained_clock_mhz, gemm_activity, 0.3).total_w, p.tdp_w, 1e-9) << name;
    EXPECT_GT(pm.draw(p.clock_max_mhz, gemm_activity, 0.3).total_w, 1.05 * p.tdp_w) << name;
  }
}

// Shape of power against clock (power.yaml, S34/S35): A100 power for three workloads at six clocks, linear
// below the 810 MHz knee and steeper above. Fitting one number per workload (its activity, at the top
// clock) the model must predict the other five clocks within 10%: a test of the V–F table and of
// P = static(V) + α·C·V²·f, not of the fit.
TEST(PowerModel, A100PowerCurveMatchesPublishedShape) {
  const YAML::Node curve = test::published("power.yaml")["a100_power_vs_clock_w"];
  const auto clocks = curve["clock_mhz"].as<std::vector<double>>();
  const GpuProfile p = test::gpu("A100-SXM4-80GB");
  const PowerModel pm(p);
  for (const char* workload : {"small_workload", "medium_workload", "large_workload"}) {
    const auto watts = curve[workload].as<std::vector<double>>();
    const double top = clocks.back();
    const double static_top = pm.draw(top, 0, 0).total_w;
    const double alpha = (watts.back() - static_top) / (pm.draw(top, 1, 0).total_w - static_top);
    for (std::size_t i = 0; i + 1 < clocks.size(); ++i) {
      const double predicted = pm.draw(clocks[i], alpha, 0).total_w;
      EXPECT_NEAR(predicted / watts[i], 1.0, 0.10) << workload << " at " << clocks[i] << " MHz: " << predicted
                                                   << " W vs " << watts[i] << " W published";
    }
  }
}

TEST(Roofline, ComputeBoundTimeScalesAsInverseClock) {
  const GpuProfile p = test::gpu("A100-SXM4-80GB");
  const GpuModel gpu(p, Precision::BF16, p.tdp_w);
  const KernelWork gemm{2.0 * 8192 * 8192 * 8192, 3.0 * 8192 * 8192 * 2, KernelKind::TensorGemm};
  const double overhead = static_cast<double>(p.efficiency.kernel_overhead_ns);
  const double t_max = static_cast<double>(gpu.run_at(gemm, p.clock_max_mhz).duration) - overhead;
  const double t_half = static_cast<double>(gpu.run_at(gemm, p.clock_max_mhz / 2).duration) - overhead;
  EXPECT_NEAR(t_half / t_max, 2.0, 1e-6);
  // And it equals W / (η·R_peak) at the top clock.
  EXPECT_NEAR(t_max * 1e-9, gemm.flops / (p.efficiency.tensor * 312e12), 1e-9);
}

TEST(Roofline, MemoryBoundTimeIgnoresClock) {
  const GpuProfile p = test::gpu("H100-SXM5-80GB");
  const GpuModel gpu(p, Precision::BF16, p.tdp_w);
  const KernelWork copy{1e8, 4e9, KernelKind::Elementwise};  // 0.025 FLOP/byte
  const SimTime at_max = gpu.run_at(copy, p.clock_max_mhz).duration;
  const SimTime at_low = gpu.run_at(copy, 600).duration;
  EXPECT_EQ(at_max, at_low);
  EXPECT_NEAR(to_seconds(at_max), 4e9 / (p.efficiency.memory * 3350e9) + 2e-6, 1e-9);
  // Memory utilisation is the achieved fraction of peak bandwidth.
  EXPECT_NEAR(gpu.run_at(copy, p.clock_max_mhz).memory_utilisation, p.efficiency.memory, 1e-3);
}

TEST(GpuProfile, ClockGridIncludesBothEnds) {
  for (const char* name : kGpus) {
    const GpuProfile p = test::gpu(name);
    EXPECT_DOUBLE_EQ(p.clock_at(0), p.clock_min_mhz);
    EXPECT_DOUBLE_EQ(p.clock_at(p.clock_count() - 1), p.clock_max_mhz) << name;
    EXPECT_TRUE(p.supports_clock(p.clock_max_mhz));
    EXPECT_FALSE(p.supports_clock(p.clock_min_mhz + p.clock_step_mhz / 2));
  }
}

}  // namespace
}  // namespace wattsim
