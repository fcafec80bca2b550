#pragma once
// Flow-level network: point-to-point flows routed on the topology share every link max-min fairly
// (progressive filling, Bertsekas & Gallager, Data Networks §6.5.2). Rates are recomputed when a flow
// starts or ends, over the connected component of flows that share links with it (flows elsewhere keep
// their rates), so cost follows the contention, not the cluster size.
//
// Collectives run as phases of flows (network_model.hpp): a phase's flows start together; when the last
// one ends, the phase's latency passes, then the next phase starts. `copies` of a symmetric collective run
// their flows at the same time, so the contention between identical groups is simulated. A copy's flows
// that stay inside one node are left out: they cross only that node's NVLink links, where by symmetry
// they meet exactly what the original meets in its own node, so they would change nothing.
#include <cstdint>
#include <vector>

#include "engine/event_queue.hpp"
#include "engine/sim_time.hpp"
#include "network/network_model.hpp"

namespace wattsim {

class FlowNetwork {
 public:
  explicit FlowNetwork(const Topology& topology);

  // Forgets every flow and collective (between runs).
  void reset();
  // Starts collective `token` (the caller's id) at `now` with the given phases; copy offsets shift ranks.
  void start(std::uint32_t token, const std::vector<Phase>& phases, const std::vector<int>& copy_offsets,
             SimTime now);
  // Moves to `now` and appends the tokens of collectives that ended at or before it.
  void advance(SimTime now, std::vector<std::uint32_t>& finished);
  // The next time something happens (a flow or a phase ends), or -1 when idle.
  SimTime next_event() const;
  std::size_t active_flows() const { return active_; }

 private:
  struct FlowState {
    std::vector<std::uint32_t> links;
    double remaining = 0;  // bytes, at `since`
    double rate = 0;       // bytes per second
    SimTime since = 0;
    SimTime finish = 0;
    std::uint32_t version = 0;
    std::uint32_t collective = 0;
    bool active = false;
  };
  struct Running {  // a collective in progress
    std::uint32_t token = 0;
    const std::vector<Phase>* phases = nullptr;
    const std::vector<int>* copies = nullptr;
    std::size_t phase = 0;
    std::size_t flows_left = 0;
  };
  struct Timer {  // a flow's expected end (checked against its version) or a phase's end
    std::uint32_t id;
    std::uint32_t version;  // flows: the version it was computed for; phases: kPhaseEnd
  };
  static constexpr std::uint32_t kPhaseEnd = ~std::uint32_t{0};

  void start_phase(std::uint32_t collective, SimTime now);
  std::uint32_t add_flow(const Route& route, double bytes, std::uint32_t collective, SimTime now);
  void end_flow(std::uint32_t flow, SimTime now);
  // Max-min fair rates for the flows connected to `seeds` (flow ids) through shared links.
  void rebalance(const std::vector<std::uint32_t>& seed_links, SimTime now);
  void drain(FlowState& f, SimTime now);
  void rebalance_after_ends();
  std::vector<std::uint32_t> ended_links_;  // links of flows that ended at ended_at_, not yet rebalanced
  SimTime ended_at_ = 0;

  const Topology* topology_;
  std::vector<FlowState> flows_;
  std::vector<std::uint32_t> free_flows_;
  std::vector<std::vector<std::uint32_t>> link_flows_;  // active flows on each link
  std::vector<Running> collectives_;
  std::vector<std::uint32_t> free_collectives_;
  void push_timer(SimTime time, std::uint32_t id, std::uint32_t version);
  EventQueue<std::uint32_t> timers_;  // payload: index into timer_info_ (insertion order breaks ties)
  std::vector<Timer> timer_info_;
  std::size_t active_ = 0;
  // Scratch for rebalance, kept to avoid allocation per event.
  std::vector<std::uint32_t> component_flows_, component_links_, link_stamp_, flow_stamp_, seeds_, stack_;
  std::vector<double> capacity_;
  std::vector<std::uint32_t> unfrozen_count_;
  std::uint32_t stamp_ = 0;
};

}  // namespace wattsim
