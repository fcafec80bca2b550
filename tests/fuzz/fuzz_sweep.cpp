// libFuzzer target: the sweep-file reader and the points it makes. Any input must either load or raise
// InputError; its first points must be made, written as scenarios and read back (InputError allowed)
// without any other exception, crash, leak or sanitizer report. Simulations are not run (too slow to fuzz).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/model_catalog.hpp"
#include "io/scenario_reader.hpp"
#include "sweep/sweep_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const wattsim::ModelCatalog catalog(WATTSIM_FUZZ_MODELS_DIR);
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const wattsim::SweepSpec spec = wattsim::SweepSpec::parse(text, "fuzz/sweep.yaml", catalog);
    for (std::size_t i = 0; i < std::min<std::size_t>(spec.size(), 3); ++i) {
      const wattsim::SweepPoint p = spec.point(i);
      (void)spec.describe(p);
      try {
        wattsim::parse_scenario(spec.scenario_text(p), spec.scenario_file(), catalog);
      } catch (const wattsim::InputError&) {
      }
    }
  } catch (const wattsim::InputError&) {
  }
  return 0;
}
