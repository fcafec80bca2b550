// libFuzzer target: the GPU, node, fabric and model definition loaders. The first byte picks the loader
// ('g', 'n', 'f', anything else: model); the rest is the file. Loading must succeed or raise InputError.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "io/model_catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::string path = "/tmp/wattsim-fuzz-" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data) + 1, static_cast<std::streamsize>(size - 1));
  }
  try {
    switch (data[0]) {
      case 'g':
        wattsim::load_gpu_profile(path);
        break;
      case 'n':
        wattsim::load_node_profile(path);
        break;
      case 'f':
        wattsim::load_fabric_profile(path);
        break;
      default:
        wattsim::load_model_spec(path);
        break;
    }
  } catch (const wattsim::InputError&) {
  }
  return 0;
}
