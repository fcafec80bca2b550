// The flow fidelity as a network backend: each collective's phases are computed once per distinct
// collective (kind, bytes, ranks), and the FlowNetwork runs them with every copy of a symmetric group.
#include <unordered_map>

#include "network/flow_network.hpp"
#include "network/network_backend.hpp"

namespace wattsim {

namespace {

class FlowBackend final : public NetworkBackend {
 public:
  FlowBackend(const NetworkModel& network, std::span<const Collective* const> collectives)
      : flows_(network.topology()) {
    std::unordered_map<CollectiveSignature, std::uint32_t, CollectiveSignatureHash> phases_of;
    for (const Collective* c : collectives) {
      auto [it, fresh] =
          phases_of.emplace(CollectiveSignature::of(*c), static_cast<std::uint32_t>(phase_table_.size()));
      if (fresh) phase_table_.push_back(network.phases(*c));
      phases_.push_back(it->second);
      copies_.push_back(&c->copy_offsets);
    }
  }
  void reset() override { flows_.reset(); }
  SimTime start(std::uint32_t token, std::uint32_t index, SimTime now) override {
    flows_.start(token, phase_table_[phases_[index]], *copies_[index], now);
    return Executor::kDeferred;
  }
  SimTime next_event() const override { return flows_.next_event(); }
  void advance(SimTime now, std::vector<std::uint32_t>& finished) override { flows_.advance(now, finished); }

 private:
  FlowNetwork flows_;
  std::vector<std::vector<Phase>> phase_table_;  // distinct collectives' flow phases
  std::vector<std::uint32_t> phases_;            // per collective: index into phase_table_
  std::vector<const std::vector<int>*> copies_;  // per collective: its symmetric copies' rank offsets
};

}  // namespace

std::unique_ptr<NetworkBackend> make_flow_backend(const NetworkModel& network,
                                                  std::span<const Collective* const> collectives) {
  return std::make_unique<FlowBackend>(network, collectives);
}

}  // namespace wattsim
