#pragma once
// A stop request from a signal (SIGINT, SIGTERM), honoured within a bounded time wherever wattsim spends
// time: loading, planning (each policy's loops), simulating (every kStopCheckEvents events), writing. The
// code that checks throws Interrupted, so everything unwinds and outputs remove their temporary files.
// Setting the request is async-signal-safe: a lock-free atomic store.
#include <atomic>
#include <stdexcept>

namespace wattsim {

class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal) : std::runtime_error("interrupted"), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

// The signal that asked to stop, 0 while none has. A constant-initialised global, so reading it is one
// relaxed load: cheap enough to check at every simulated event.
inline std::atomic<int> stop_signal_received{0};
static_assert(std::atomic<int>::is_always_lock_free);
inline std::atomic<int>& stop_signal() {
  return stop_signal_received;
}
inline void request_stop(int signal) {
  stop_signal().store(signal, std::memory_order_relaxed);
}
inline bool stop_requested() {
  return stop_signal().load(std::memory_order_relaxed) != 0;
}
// A sweep drains instead of stopping on the first signal: the points in flight finish and are kept, no new
// one starts; a second signal stops as above. `drain_on_signal` says which the signal handler does.
inline std::atomic<int> drain_signal_received{0};
inline std::atomic<bool> drain_on_signal{false};
inline bool drain_requested() {
  return drain_signal_received.load(std::memory_order_relaxed) != 0;
}
// What the signal handler does with SIGINT or SIGTERM (async-signal-safe: lock-free atomics only).
inline void on_signal(int signal) {
  if (drain_on_signal.load(std::memory_order_relaxed) && !drain_requested())
    drain_signal_received.store(signal, std::memory_order_relaxed);
  else
    request_stop(signal);
}

// Throws Interrupted if a stop was requested.
inline void check_stop() {
  if (const int signal = stop_signal().load(std::memory_order_relaxed)) throw Interrupted(signal);
}

}  // namespace wattsim
