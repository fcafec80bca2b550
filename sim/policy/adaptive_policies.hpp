#pragma once
// Factories the combined energy-proportional policy uses to plan clocks after its structural choice.
#include <memory>

#include "policy/policy.hpp"

namespace wattsim {

std::unique_ptr<Policy> make_kernel_dvfs_policy(double budget);
std::unique_ptr<Policy> make_critical_path_policy(double budget);

}  // namespace wattsim
