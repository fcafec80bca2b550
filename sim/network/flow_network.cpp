#include "network/flow_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wattsim {

FlowNetwork::FlowNetwork(const Topology& topology) : topology_(&topology) {
  const std::size_t links = topology.links().size();
  link_flows_.resize(links);
  link_stamp_.assign(links, 0);
  capacity_.assign(links, 0.0);
  unfrozen_count_.assign(links, 0);
}

void FlowNetwork::reset() {
  flows_.clear();
  free_flows_.clear();
  for (auto& l : link_flows_) l.clear();
  ended_links_.clear();
  collectives_.clear();
  free_collectives_.clear();
  timers_.clear();
  timer_info_.clear();
  active_ = 0;
}

void FlowNetwork::push_timer(SimTime time, std::uint32_t id, std::uint32_t version) {
  timers_.push(time, static_cast<std::uint32_t>(timer_info_.size()));
  timer_info_.push_back({id, version});
}

void FlowNetwork::start(std::uint32_t token, const std::vector<Phase>& phases,
                        const std::vector<int>& copy_offsets, SimTime now) {
  std::uint32_t id;
  if (free_collectives_.empty()) {
    id = static_cast<std::uint32_t>(collectives_.size());
    collectives_.emplace_back();
  } else {
    id = free_collectives_.back();
    free_collectives_.pop_back();
  }
  Running& c = collectives_[id];
  c.token = token;
  c.phases = &phases;
  c.copies = &copy_offsets;
  c.phase = 0;
  start_phase(id, now);
}

void FlowNetwork::start_phase(std::uint32_t collective, SimTime now) {
  Running& c = collectives_[collective];
  const Phase& phase = (*c.phases)[c.phase];
  c.flows_left = 0;
  seeds_.clear();
  auto launch = [&](int src, int dst, double bytes) {
    const Route& route = topology_->route(src, dst);
    if (route.links.empty() || bytes <= 0) return;
    add_flow(route, bytes, collective, now);
    seeds_.insert(seeds_.end(), route.links.begin(), route.links.end());
    ++c.flows_left;
  };
  for (const Flow& f : phase.flows) launch(f.src, f.dst, f.bytes);
  for (int offset : *c.copies)
    for (const Flow& f : phase.flows)
      if (topology_->node_of(f.src) != topology_->node_of(f.dst))
        launch(f.src + offset, f.dst + offset, f.bytes);
  if (c.flows_left == 0)
    push_timer(now + seconds_to_time(phase.latency_s), collective, kPhaseEnd);
  else
    rebalance(seeds_, now);
}

std::uint32_t FlowNetwork::add_flow(const Route& route, double bytes, std::uint32_t collective, SimTime now) {
  std::uint32_t id;
  if (free_flows_.empty()) {
    id = static_cast<std::uint32_t>(flows_.size());
    flows_.emplace_back();
    flow_stamp_.push_back(0);
  } else {
    id = free_flows_.back();
    free_flows_.pop_back();
  }
  FlowState& f = flows_[id];
  f.links.assign(route.links.begin(), route.links.end());
  f.remaining = bytes;
  f.rate = 0;
  f.since = now;
  f.collective = collective;
  f.active = true;
  ++f.version;
  for (std::uint32_t l : f.links) link_flows_[l].push_back(id);
  ++active_;
  return id;
}

void FlowNetwork::end_flow(std::uint32_t id, SimTime now) {
  FlowState& f = flows_[id];
  for (std::uint32_t l : f.links) {
    auto& on_link = link_flows_[l];
    auto it = std::find(on_link.begin(), on_link.end(), id);
    *it = on_link.back();
    on_link.pop_back();
  }
  f.active = false;
  ++f.version;
  free_flows_.push_back(id);
  --active_;
  Running& c = collectives_[f.collective];
  if (--c.flows_left == 0)
    push_timer(now + seconds_to_time((*c.phases)[c.phase].latency_s), f.collective, kPhaseEnd);
  // Rates are recomputed once for all the flows that end at this instant (identical copies of a
  // collective end together): see advance().
  ended_links_.insert(ended_links_.end(), f.links.begin(), f.links.end());
  ended_at_ = now;
}

void FlowNetwork::rebalance_after_ends() {
  if (ended_links_.empty()) return;
  rebalance(ended_links_, ended_at_);
  ended_links_.clear();
}

void FlowNetwork::drain(FlowState& f, SimTime now) {
  f.remaining = std::max(0.0, f.remaining - f.rate * to_seconds(now - f.since));
  f.since = now;
}

void FlowNetwork::rebalance(const std::vector<std::uint32_t>& seed_links, SimTime now) {
  // The connected component: flows reachable from the seed links through shared links.
  ++stamp_;
  component_flows_.clear();
  component_links_.clear();
  stack_.assign(seed_links.begin(), seed_links.end());
  auto& stack = stack_;
  while (!stack.empty()) {
    const std::uint32_t l = stack.back();
    stack.pop_back();
    if (link_stamp_[l] == stamp_) continue;
    link_stamp_[l] = stamp_;
    component_links_.push_back(l);
    for (std::uint32_t id : link_flows_[l]) {
      if (flow_stamp_[id] == stamp_) continue;
      flow_stamp_[id] = stamp_;
      component_flows_.push_back(id);
      for (std::uint32_t k : flows_[id].links)
        if (link_stamp_[k] != stamp_) stack.push_back(k);
    }
  }
  if (component_flows_.empty()) return;
  for (std::uint32_t id : component_flows_) drain(flows_[id], now);
  // Progressive filling: raise every unfrozen flow's rate together; the link that saturates first fixes
  // the rate of the flows crossing it, which are then frozen; repeat.
  const auto& links = topology_->links();
  for (std::uint32_t l : component_links_) {
    capacity_[l] = links[l].bandwidth_bps;
    unfrozen_count_[l] = static_cast<std::uint32_t>(link_flows_[l].size());
  }
  const std::uint32_t frozen = ++stamp_;  // flows frozen in this round carry this stamp
  std::size_t left = component_flows_.size();
  while (left > 0) {
    double share = std::numeric_limits<double>::infinity();
    std::uint32_t bottleneck = 0;
    for (std::uint32_t l : component_links_)
      if (unfrozen_count_[l] > 0 && capacity_[l] / unfrozen_count_[l] < share) {
        share = capacity_[l] / unfrozen_count_[l];
        bottleneck = l;
      }
    share = std::max(share, 1.0);  // never zero: every active flow makes progress (1 B/s floor)
    for (std::uint32_t id : link_flows_[bottleneck]) {
      if (flow_stamp_[id] == frozen) continue;
      flow_stamp_[id] = frozen;
      flows_[id].rate = share;
      --left;
      for (std::uint32_t k : flows_[id].links) {
        capacity_[k] -= share;
        --unfrozen_count_[k];
      }
    }
  }
  for (std::uint32_t id : component_flows_) {
    FlowState& f = flows_[id];
    // Rounding can leave a saturated link a hair below zero capacity; a flow with nothing left ends now.
    f.finish = f.remaining <= 0 || f.rate <= 0
                   ? now
                   : now + static_cast<SimTime>(std::ceil(f.remaining / f.rate * 1e9));
    ++f.version;
    push_timer(f.finish, id, f.version);
  }
}

void FlowNetwork::advance(SimTime now, std::vector<std::uint32_t>& finished) {
  while (!timers_.empty()) {
    const SimTime next = timers_.next_time();
    if (!ended_links_.empty() && next > ended_at_) {  // everything at that instant has ended
      rebalance_after_ends();
      continue;
    }
    if (next > now) break;
    const auto event = timers_.pop();
    const Timer t = timer_info_[event.payload];
    const SimTime time = event.time;
    if (t.version == kPhaseEnd) {
      rebalance_after_ends();
      Running& c = collectives_[t.id];
      if (++c.phase == c.phases->size()) {
        finished.push_back(c.token);
        free_collectives_.push_back(t.id);
      } else {
        start_phase(t.id, time);
      }
      continue;
    }
    FlowState& f = flows_[t.id];
    if (!f.active || f.version != t.version) continue;  // superseded by a later rate change
    drain(f, time);
    end_flow(t.id, time);
  }
  rebalance_after_ends();
  if (timers_.empty()) timer_info_.clear();  // all indices are free again
}

SimTime FlowNetwork::next_event() const {
  // The earliest timer may be stale (superseded by a later rate change): it then costs an empty wakeup.
  // It must not be popped here, ahead of time: the queue is monotone, and popping a future timer would
  // forbid timers for earlier moments that flows starting before it still need.
  return timers_.empty() ? -1 : timers_.next_time();
}

}  // namespace wattsim
