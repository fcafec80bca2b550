#pragma once
// A problem with a configuration, found by a rule of the domain (a divisibility, a memory bound, a fabric's
// capacity) and keyed by the scenario path it is about ("parallelism.tp", "workload"). The rules know
// nothing of files; the input reader maps each path back to the file:line:col it came from.
#include <string>
#include <vector>

namespace wattsim {

struct Issue {
  std::string path;
  std::string message;
  std::string related = "";  // another path the problem involves (the first of two duplicates), if any
};
using Issues = std::vector<Issue>;

}  // namespace wattsim
