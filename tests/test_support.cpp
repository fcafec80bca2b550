#include "test_support.hpp"

namespace wattsim::test {

std::string tiny_gpt_yaml(int gpus, const std::string& extra) {
  const bool own_hardware = extra.find("hardware:") != std::string::npos;
  return "name: tiny\n" +
         (own_hardware ? std::string()
                       : "hardware: {gpu: H100-SXM5-80GB, gpus: " + std::to_string(gpus) + "}\n") +
         "workload:\n"
         "  model: {family: gpt, layers: 2, hidden: 512, heads: 8, vocab: 8192, seq_len: 512}\n"
         "  global_batch: " +
         std::to_string(8 * gpus) +
         "\n"
         "  micro_batch: 4\n" +
         std::string(extra.find("training:") == std::string::npos ? "training: {steps: 100}\n" : "") + extra;
}

}  // namespace wattsim::test
