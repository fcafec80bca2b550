#pragma once
// A kernel of a training step as the workload describes it: the work the GPU does, plus where it sits in
// the model (layer, pass) and a label for traces.
#include <cstdint>
#include <string>
#include <vector>

#include "hardware/kernel_work.hpp"

namespace wattsim {

enum class Pass : std::uint8_t { Forward, Backward, Optimizer, Communication };
inline constexpr const char* kPassNames[] = {"forward", "backward", "optimizer", "communication"};

struct Kernel {
  KernelWork work;
  Pass pass = Pass::Forward;
  std::uint16_t layer = 0;
  std::uint16_t label = 0;  // index into Workload::labels
};

// The kernels of one layer for one microbatch on one GPU.
struct Layer {
  std::string name;
  double parameters = 0;  // this layer's parameters held by one GPU
  std::vector<Kernel> forward;
  std::vector<Kernel> backward;
};

// One model-parallel replica's work for one microbatch, plus its optimizer step.
struct Workload {
  std::vector<Layer> layers;
  std::vector<Kernel> optimizer;  // once per step, after the gradients are reduced
  std::vector<std::string> labels;
  double parameters = 0;  // total model parameters
  double samples_per_microbatch = 0;
  double tokens_per_sample = 1;       // 1 for images
  double model_flops_per_sample = 0;  // forward + backward, no recomputation (MFU's numerator)
  double activation_bytes_per_microbatch = 0;

  std::uint16_t label_id(const std::string& label);
  // Sets the totals (parameters, model FLOPs per sample) from the layers once they are built.
  void finalize(int tensor_parallel);
};

}  // namespace wattsim
