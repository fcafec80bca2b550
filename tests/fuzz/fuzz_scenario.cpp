// libFuzzer target: the scenario loader. Any input must either load or raise InputError; any other
// exception, crash, leak or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/model_catalog.hpp"
#include "io/scenario_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const wattsim::ModelCatalog catalog(WATTSIM_FUZZ_MODELS_DIR);
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    wattsim::parse_scenario(text, "fuzz.yaml", catalog);
  } catch (const wattsim::InputError&) {
  }
  return 0;
}
