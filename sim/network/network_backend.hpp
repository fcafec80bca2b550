#pragma once
// How a collective takes time once it starts: the network fidelity, one interface for every kind
// (ASTRA-sim's network API has the same shape), chosen by name from a registry, so the step simulator
// holds no branch per fidelity and a new one is a new file plus one registry line.
//  - analytical: each collective takes its closed-form α–β time alone on the network (fast, for sweeps);
//  - flow: the flows of every collective in flight share links max-min fairly (flow_network.hpp), so a
//    collective's end is known only as the others come and go.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/executor.hpp"
#include "engine/sim_time.hpp"
#include "network/collective.hpp"
#include "util/registry.hpp"

namespace wattsim {

class NetworkModel;

class NetworkBackend {
 public:
  virtual ~NetworkBackend() = default;
  // Forgets every collective in flight (between steps).
  virtual void reset() = 0;
  // Starts collective `index` of the program at `now`; `token` is the caller's id for it. Returns its
  // duration when no other traffic changes it, else Executor::kDeferred: advance() reports its end.
  virtual SimTime start(std::uint32_t token, std::uint32_t index, SimTime now) = 0;
  // The next time something happens inside the network, or -1 when nothing is in flight.
  virtual SimTime next_event() const = 0;
  // Moves to `now` and appends the tokens of the collectives that ended at or before it.
  virtual void advance(SimTime now, std::vector<std::uint32_t>& finished) = 0;
};

struct NetworkBackendKind {
  std::string name;
  std::string description;
  // For one step program: its collectives in program order, and each one's analytical time.
  std::function<std::unique_ptr<NetworkBackend>(const NetworkModel& network,
                                                std::span<const Collective* const> collectives,
                                                std::span<const SimTime> analytical_time)>
      make;
};

class NetworkBackendRegistry : public Registry<NetworkBackendKind> {
 public:
  static const NetworkBackendRegistry& instance();
};

}  // namespace wattsim
