#pragma once
// A stop request (SIGINT), checked by the run level between simulated steps. Setting it is
// async-signal-safe: a lock-free atomic store.
#include <atomic>
#include <stdexcept>

namespace wattsim {

class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};

inline std::atomic<bool>& stop_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}
inline void request_stop() {
  stop_flag().store(true, std::memory_order_relaxed);
}
// Throws Interrupted if a stop was requested.
inline void check_stop() {
  if (stop_flag().load(std::memory_order_relaxed)) throw Interrupted();
}

}  // namespace wattsim
