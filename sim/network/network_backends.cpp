// The registered network fidelities. The analytical one lives here; the flow one in flow_backend.cpp.
#include "network/network_backend.hpp"

namespace wattsim {

std::unique_ptr<NetworkBackend> make_flow_backend(const NetworkModel& network,
                                                  std::span<const Collective* const> collectives);

namespace {

class AnalyticalBackend final : public NetworkBackend {
 public:
  explicit AnalyticalBackend(std::span<const SimTime> time) : time_(time.begin(), time.end()) {}
  void reset() override {}
  SimTime start(std::uint32_t, std::uint32_t index, SimTime) override { return time_[index]; }
  SimTime next_event() const override { return -1; }
  void advance(SimTime, std::vector<std::uint32_t>&) override {}

 private:
  std::vector<SimTime> time_;
};

}  // namespace

const NetworkBackendRegistry& NetworkBackendRegistry::instance() {
  static const NetworkBackendRegistry registry = [] {
    NetworkBackendRegistry r;
    r.add({"analytical", "closed-form α–β time of each collective alone on the network",
           [](const NetworkModel&, std::span<const Collective* const>, std::span<const SimTime> time) {
             return std::make_unique<AnalyticalBackend>(time);
           }});
    r.add({"flow", "flows of every collective in flight share links max-min fairly",
           [](const NetworkModel& network, std::span<const Collective* const> collectives,
              std::span<const SimTime>) { return make_flow_backend(network, collectives); }});
    return r;
  }();
  return registry;
}

}  // namespace wattsim
