#pragma once
// Reading an input file safely: only regular files (a directory, a FIFO or a device is an error with the
// path, never a read that blocks or runs forever), and at most kMaxInputBytes of them, checked before
// anything is read.
#include <cstddef>
#include <string>

namespace wattsim {

// Scenario, definition and series files are kilobytes; 16 MiB leaves room for a year of a grid series at
// one-minute resolution while keeping every parse and every diagnostic bounded.
inline constexpr std::size_t kMaxInputBytes = 16u << 20;

// The whole text of an input file; throws InputError naming the path and what is wrong with it ("cannot
// open <what>", "not a regular file (a FIFO)", "is 20 MB; an input file may have at most 16 MiB").
std::string read_input_file(const std::string& path, const std::string& what = "file");

// Whether `path` is a regular file (following links), without opening it.
bool is_regular_input(const std::string& path);

}  // namespace wattsim
