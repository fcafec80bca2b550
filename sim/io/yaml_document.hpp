#pragma once
// Parsing a YAML input: one document, bounded, with the problems yaml-cpp 0.7 lets through reported at
// their position. yaml-cpp accepts duplicate keys silently (keeping the first), a quoted string left open
// to the end of the file, and a second document after `---`; it expands aliases lazily, so an alias that
// contains itself nests forever and a few aliases of aliases expand to billions of values. Every input is
// therefore walked once, within kMaxYamlDepth levels and kMaxYamlValues values (aliases expanded), before
// anything reads it.
#include <cstddef>
#include <string>

#include <yaml-cpp/yaml.h>

#include "io/diagnostics.hpp"

namespace wattsim {

// wattsim files nest four or five levels; the limits are far above any real file and far below what
// exhausts a stack or the memory.
inline constexpr int kMaxYamlDepth = 64;
inline constexpr std::size_t kMaxYamlValues = 100'000;

// Errors go to diagnostics; returns a null node if the text cannot be used at all (a syntax error, a
// bound, a string never closed), so that no reader reports what follows from it.
YAML::Node load_yaml_string(const std::string& text, Diagnostics& diagnostics);
// Reads the file (input_file.hpp: regular files only, bounded in size), then as above.
YAML::Node load_yaml_file(const std::string& path, Diagnostics& diagnostics);

}  // namespace wattsim
