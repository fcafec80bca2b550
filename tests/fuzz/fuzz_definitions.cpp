// libFuzzer target: one kind of definition file (WATTSIM_FUZZ_KIND: gpu, node, fabric or model), read
// from a file as wattsim reads it. Any input must load or raise InputError; anything else is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "io/model_catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/wattsim-fuzz-" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  constexpr std::string_view kind = WATTSIM_FUZZ_KIND;
  try {
    if constexpr (kind == "gpu") wattsim::load_gpu_profile(path);
    if constexpr (kind == "node") wattsim::load_node_profile(path);
    if constexpr (kind == "fabric") wattsim::load_fabric_profile(path);
    if constexpr (kind == "model") wattsim::load_model_spec(path);
  } catch (const wattsim::InputError&) {
  }
  return 0;
}
