// Compiled twice by the build's own layering tests (tests/CMakeLists.txt): as part of a target that links
// the run layer it builds; as part of one that links only the hardware layer it must not, because run/ is
// above hardware/ and its headers are not on that layer's include path (docs/architecture.md).
#include "run/runner.hpp"
