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
  collectives_.clear();
  free_collectives_.clear();
  timers_ = {};
  active_ = 0;
}

void FlowNetwork::start(std::uint32_t token, std::vector<Phase> phases, const std::vector<int>& copy_offsets,
                        SimTime now) {
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
  c.phases = std::move(phases);
  c.copies.assign(1, 0);
  c.copies.insert(c.copies.end(), copy_offsets.begin(), copy_offsets.end());
  c.phase = 0;
  c.live = true;
  start_phase(id, now);
}

void FlowNetwork::start_phase(std::uint32_t collective, SimTime now) {
  Running& c = collectives_[collective];
  const Phase& phase = c.phases[c.phase];
  c.flows_left = 0;
  std::vector<std::uint32_t> seeds;
  for (int offset : c.copies)
    for (const Flow& f : phase.flows) {
      const Route& route = topology_->route(f.src + offset, f.dst + offset);
      if (route.links.empty() || f.bytes <= 0) continue;
      add_flow(route, f.bytes, collective, now);
      seeds.insert(seeds.end(), route.links.begin(), route.links.end());
      ++collectives_[collective].flows_left;
    }
  if (collectives_[collective].flows_left == 0)
    timers_.push({now + seconds_to_time(phase.latency_s), collective, kPhaseEnd});
  else
    rebalance(seeds, now);
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
    timers_.push({now + seconds_to_time(c.phases[c.phase].latency_s), f.collective, kPhaseEnd});
  rebalance(f.links, now);
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
  std::vector<std::uint32_t> stack(seed_links.begin(), seed_links.end());
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
    share = std::max(share, 0.0);
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
    f.finish = now + static_cast<SimTime>(std::ceil(f.remaining / f.rate * 1e9));
    ++f.version;
    timers_.push({f.finish, id, f.version});
  }
}

void FlowNetwork::advance(SimTime now, std::vector<std::uint32_t>& finished) {
  while (!timers_.empty() && timers_.top().time <= now) {
    const Timer t = timers_.top();
    timers_.pop();
    if (t.version == kPhaseEnd) {
      Running& c = collectives_[t.id];
      if (++c.phase == c.phases.size()) {
        finished.push_back(c.token);
        c.live = false;
        free_collectives_.push_back(t.id);
      } else {
        start_phase(t.id, t.time);
      }
      continue;
    }
    FlowState& f = flows_[t.id];
    if (!f.active || f.version != t.version) continue;  // superseded by a later rate change
    drain(f, t.time);
    end_flow(t.id, t.time);
  }
}

SimTime FlowNetwork::next_event() const {
  // Stale flow timers may sit on top; they only cause an early, empty wakeup.
  return timers_.empty() ? -1 : timers_.top().time;
}

}  // namespace wattsim
