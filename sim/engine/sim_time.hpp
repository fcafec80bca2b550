#pragma once
// Simulated time is an integer count of nanoseconds: exact to add, totally ordered, and the reason a
// monotone radix heap can serve as the event queue. User units are converted once, where input is read.
#include <cmath>
#include <cstdint>

namespace wattsim {

using SimTime = std::int64_t;  // nanoseconds since the start of the run

inline constexpr SimTime kNanosecondsPerSecond = 1'000'000'000;

inline constexpr double to_seconds(SimTime t) {
  return static_cast<double>(t) * 1e-9;
}

// Rounds to the nearest nanosecond; durations shorter than half a nanosecond become zero.
inline SimTime seconds_to_time(double seconds) {
  return static_cast<SimTime>(std::llround(seconds * 1e9));
}

}  // namespace wattsim
