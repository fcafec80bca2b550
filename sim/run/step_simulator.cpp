#include "run/step_simulator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

#include "util/hash.hpp"

namespace wattsim {

ClusterPower ClusterPower::of(const Scenario& s, const Topology& topology) {
  // A partly used single node is charged its share; multi-node clusters use whole nodes.
  const double nodes = static_cast<double>(s.gpus) / s.node.gpus_per_node * s.nodes;
  return {s.node.host_w * nodes, s.node.switch_count * s.node.switch_w * nodes + topology.switch_power_w()};
}

namespace {

// Collectives of one kind over the same ranks and bytes cost the same: time each signature once.
struct CollectiveKey {
  CollectiveKind kind;
  double bytes;
  int first, size, stride, last;
  std::size_t copies;
  bool operator==(const CollectiveKey&) const = default;
};
struct CollectiveKeyHash {
  std::size_t operator()(const CollectiveKey& k) const {
    std::uint64_t h = std::hash<double>()(k.bytes);
    for (std::uint64_t v : {static_cast<std::size_t>(k.kind), static_cast<std::size_t>(k.first),
                          static_cast<std::size_t>(k.size), static_cast<std::size_t>(k.stride),
                          static_cast<std::size_t>(k.last), k.copies})
      h = hash_mix(h, v);
    return h;
  }
};

}  // namespace

StepSimulator::StepSimulator(const StepProgram& program, const GpuModel& gpu, const NetworkModel& network,
                             ClusterPower cluster, NetworkFidelity fidelity)
    : program_(&program),
      gpu_(&gpu),
      network_(&network),
      cluster_(cluster),
      flows_(fidelity == NetworkFidelity::Flow ? std::make_unique<FlowNetwork>(network.topology()) : nullptr),
      collective_start_(program.collectives.size(), 0),
      transition_(gpu.profile().clock_transition_ns) {
  const GpuProfile& p = gpu.profile();
  for (int i = 0; i < p.clock_steps(); ++i) {
    const double f = p.clock_at_step(i);
    const double v = gpu.power().voltage_v(f);
    clocks_.push_back(
        {p.power.base_w + p.power.leakage_w_per_v * v, p.power.dynamic_w_per_v2_ghz * v * v * f * 1e-3});
  }
  layer_slots_ = 2 * program.layer_names.size();
  for (const Kernel& k : program.kernels)
    layer_slots_ = std::max(layer_slots_, layer_slot(k.layer, k.pass) + 1);
  for (const Collective& c : program.collectives)
    layer_slots_ = std::max(layer_slots_, layer_slot(c.layer, c.pass) + 1);
  // Each kernel's successor on its GPU, for plans that ready the next kernel's clock while the GPU idles;
  // after its last kernel a GPU readies the next step's first.
  next_kernel_.assign(program.tasks.size(), kNoTask);
  for (const std::vector<TaskId>& sequence : gpu_kernel_sequences(program))
    for (std::size_t i = 0; i < sequence.size(); ++i)
      next_kernel_[sequence[i]] = sequence[(i + 1) % sequence.size()];
  std::unordered_map<CollectiveKey, std::pair<SimTime, double>, CollectiveKeyHash> cache;
  std::unordered_map<CollectiveKey, std::uint32_t, CollectiveKeyHash> phases_of;
  for (const Collective& c : program.collectives) {
    const int size = static_cast<int>(c.ranks.size());
    const CollectiveKey key{c.kind,
                            c.bytes,
                            c.ranks.front(),
                            size,
                            size > 1 ? c.ranks[1] - c.ranks[0] : 0,
                            c.ranks.back(),
                            c.copy_offsets.size()};
    auto it = cache.find(key);
    if (it == cache.end())
      it = cache.emplace(key, std::pair{seconds_to_time(network.analytical_seconds(c)), network.energy_j(c)})
               .first;
    collective_time_.push_back(it->second.first);
    collective_link_j_.push_back(it->second.second);
    if (flows_) {  // the flow phases, computed once per distinct collective
      auto [p, fresh] = phases_of.emplace(key, static_cast<std::uint32_t>(phase_table_.size()));
      if (fresh) phase_table_.push_back(network.phases(c));
      collective_phases_.push_back(p->second);
    }
  }
}

void StepSimulator::reset(const ClockPlan& plan) {
  const GpuProfile& p = gpu_->profile();
  const int steps = p.clock_steps();
  cap_w_ = plan.power_cap_w > 0 ? std::min(plan.power_cap_w, gpu_->power_cap_w()) : gpu_->power_cap_w();
  // Kernels repeat across microbatches and GPUs: time each distinct (kernel, clock) once.
  auto& cache = timing_cache_;
  cache.assign(program_->kernels.size() * static_cast<std::size_t>(steps), TaskTiming{-1, 0, 0, 0, 0});
  // A kernel's clock is set by its own power against the cap. Communication that overlaps it adds power
  // for a while; the GPU's power controller, which averages over milliseconds, holds the total at the cap
  // (set_power clamps it), and the brief slowdown that costs the kernel is not modelled.
  const bool overlaps_comm = !program_->collectives.empty();
  const double overlap_activity = overlaps_comm ? p.power.comm_activity : 0.0;
  const double overlap_memory = overlaps_comm ? p.power.comm_memory_utilisation : 0.0;
  timing_.assign(program_->tasks.size(), TaskTiming{0, 0, 0, 0, 0});
  for (std::size_t t = 0; t < program_->tasks.size(); ++t) {
    const StepTask& task = program_->tasks[t];
    if (task.type != TaskType::Kernel) continue;
    const ClockStep requested = plan.task_clock[t];
    TaskTiming& cached = cache[task.index * static_cast<std::size_t>(steps) + requested];
    if (cached.duration < 0) {
      const KernelRun run =
          gpu_->run_capped_at(program_->kernels[task.index].work, p.clock_at_step(requested), cap_w_);
      cached = TaskTiming{
          run.duration, static_cast<float>(run.activity), static_cast<float>(run.memory_utilisation),
          static_cast<ClockStep>(std::lround((run.clock_mhz - p.clock_min_mhz) / p.clock_step_mhz)),
          requested};
    }
    timing_[t] = cached;
  }
  idle_clock_.resize(static_cast<std::size_t>(steps));
  for (int i = 0; i < steps; ++i) {
    const double f = gpu_->capped_wait_clock_at(p.clock_at_step(i), cap_w_, overlap_activity, overlap_memory);
    idle_clock_[static_cast<std::size_t>(i)] =
        static_cast<ClockStep>(std::lround((f - p.clock_min_mhz) / p.clock_step_mhz));
  }
  wait_hold_ = plan.wait_hold;
  wait_clock_.assign(plan.wait_clock.begin(), plan.wait_clock.end());
  state_.assign(static_cast<std::size_t>(program_->gpus), GpuState{});
  for (std::uint32_t g = 0; g < state_.size(); ++g) {
    state_[g].clock = idle_clock_[wait_clock_[g]];
    state_[g].requested = plan.wait_clock[g];
    state_[g].changed_at = -transition_;
    set_power(g);
  }
  layer_j_.assign(layer_slots_, 0.0);
  now_ = 0;
  if (flows_) flows_->reset();
  next_wakeup_ = -1;
  network_j_ = 0;
  peak_w_ = 0;
  clock_changes_ = 0;
  step_index_ = 0;
  fingerprint_ = 0;
}

void StepSimulator::set_power(std::uint32_t g) {
  GpuState& s = state_[g];
  const PowerCoefficients& c = gpu_->profile().power;
  double alpha = s.computing ? s.activity : c.wait_activity;
  double beta = s.computing ? s.memory_utilisation : 0.0;
  if (s.comm_active > 0) {
    alpha += c.comm_activity;
    beta += c.comm_memory_utilisation;
  }
  alpha = std::min(alpha, 1.0);
  beta = std::min(beta, 1.0);
  const ClockTable& ct = clocks_[s.clock];
  const double scale = variation_.empty() ? 1.0 : variation_[g].power_factor;
  s.memory_w = beta * c.memory_w * scale;
  s.watts = std::min((ct.static_w + alpha * ct.dynamic_w) * scale + s.memory_w, cap_w_);
}

void StepSimulator::set_variation(std::vector<GpuVariation> variation) {
  if (!variation.empty() && variation.size() != static_cast<std::size_t>(program_->gpus))
    throw std::invalid_argument("GPU variation: one entry per simulated GPU expected");
  variation_ = std::move(variation);
}

void StepSimulator::advance(std::uint32_t g, SimTime now) {
  GpuState& s = state_[g];
  // An idle GPU whose clock is not its wait clock moves there once it has been idle for the hold time:
  // its power changes at that instant, so the interval is integrated in two pieces.
  if (!s.computing && wait_hold_ >= 0 && s.requested != wait_clock_[g] && now > s.idle_since + wait_hold_) {
    integrate(g, s.idle_since + wait_hold_);
    s.changed_at = s.idle_since + wait_hold_;
    s.requested = wait_clock_[g];
    s.clock = idle_clock_[s.requested];
    ++clock_changes_;
    set_power(g);
  }
  integrate(g, now);
}

void StepSimulator::integrate(std::uint32_t g, SimTime now) {
  GpuState& s = state_[g];
  const SimTime dt = now - s.since;
  if (dt <= 0) return;
  const double seconds = to_seconds(dt);
  const double joules = s.watts * seconds;
  const double memory = s.memory_w * seconds;
  s.energy_j += joules;
  s.memory_j += memory;
  (s.computing ? s.busy_j : s.wait_j) += joules - memory;
  peak_w_ = std::max(peak_w_, s.watts);
  if (trace_ && trace_->keep_power) {
    const double clock = gpu_->profile().clock_at_step(s.clock);
    auto& segments = trace_->power;
    if (!segments.empty() && segments.back().gpu == g && segments.back().watts == s.watts &&
        segments.back().clock_mhz == clock && segments.back().t1_s == to_seconds(s.since)) {
      segments.back().t1_s = to_seconds(now);
    } else {
      segments.push_back({g, to_seconds(s.since), to_seconds(now), s.watts, clock});
    }
  }
  s.since = now;
}

void StepSimulator::emit_event(std::uint32_t gpu, SimTime t0, SimTime t1, EventKind kind, const Kernel* k,
                               double clock_mhz, double energy_j, std::uint16_t layer, Pass pass) {
  TraceEvent e{};
  e.gpu = gpu;
  e.t0_s = to_seconds(t0);
  e.t1_s = to_seconds(t1);
  e.kind = static_cast<std::uint8_t>(kind);
  e.pass = static_cast<std::uint8_t>(k ? k->pass : pass);
  e.layer = k ? k->layer : layer;
  e.label = k ? k->label : 0;
  e.step = step_index_;
  e.clock_mhz = clock_mhz;
  e.energy_j = energy_j;
  trace_->events.push_back(e);
}

SimTime StepSimulator::start(TaskId task, SimTime now) {
  const StepTask& t = program_->tasks[task];
  if (t.type == TaskType::Kernel) {
    GpuState& s = state_[t.gpu];
    advance(t.gpu, now);
    const TaskTiming& tt = timing_[task];
    SimTime duration = tt.duration;
    if (!slowdown_.empty())
      duration = static_cast<SimTime>(std::llround(static_cast<double>(duration) * slowdown_[t.gpu]));
    // A policy's clock change takes the profile's transition latency τ, during which no kernel runs: a
    // kernel that needs another clock stalls for τ (after any transition still under way), and one that
    // arrives within τ of a change made while the GPU idled waits for the rest of it. The power cap's own
    // throttling acts within the power-management loop and costs no stall.
    const SimTime ready = std::max(now, s.changed_at + transition_);
    if (s.requested != tt.requested) {
      s.changed_at = ready;
      duration += ready + transition_ - now;
      ++clock_changes_;
      s.requested = tt.requested;
    } else {
      duration += ready - now;
    }
    s.clock = tt.clock;
    s.computing = true;
    s.activity = tt.activity;
    s.memory_utilisation = tt.memory_utilisation;
    s.kernel_start = now;
    s.kernel_start_energy_j = s.energy_j;
    set_power(t.gpu);
    return duration;
  }
  for (std::uint16_t g : program_->collectives[t.index].gpus) {
    advance(g, now);
    ++state_[g].comm_active;
    set_power(g);
  }
  network_j_ += collective_link_j_[t.index];
  const Collective& started = program_->collectives[t.index];
  layer_j_[layer_slot(started.layer, started.pass)] += collective_link_j_[t.index];
  collective_start_[t.index] = now;
  if (!flows_) return collective_time_[t.index];
  // Flow fidelity: the collective ends when its last phase does, whatever else shares its links.
  const Collective& c = program_->collectives[t.index];
  flows_->start(task, phase_table_[collective_phases_[t.index]], c.copy_offsets, now);
  schedule_wakeup();
  return Executor::kDeferred;
}

void StepSimulator::schedule_wakeup() {
  const SimTime next = flows_->next_event();
  if (next >= 0 && next != next_wakeup_) {
    executor_.wake_at(next);
    next_wakeup_ = next;
  }
}

void StepSimulator::wakeup(SimTime now) {
  if (now == next_wakeup_) next_wakeup_ = -1;
  finished_.clear();
  flows_->advance(now, finished_);
  for (std::uint32_t task : finished_) executor_.complete(task, now);
  schedule_wakeup();
}

void StepSimulator::finish(TaskId task, SimTime now) {
  fingerprint_ = hash_mix(hash_mix(fingerprint_, static_cast<std::uint64_t>(now)), task);
  const StepTask& t = program_->tasks[task];
  const GpuProfile& p = gpu_->profile();
  if (t.type == TaskType::Kernel) {
    GpuState& s = state_[t.gpu];
    advance(t.gpu, now);
    s.computing = false;
    s.idle_since = now;
    const Kernel& k = program_->kernels[t.index];
    if (trace_ && trace_->keep_events)
      emit_event(t.gpu, s.kernel_start, now, static_cast<EventKind>(k.work.kind), &k,
                 p.clock_at_step(s.clock), s.energy_j - s.kernel_start_energy_j);
    s.last_slot = static_cast<std::uint32_t>(layer_slot(k.layer, k.pass));
    layer_j_[s.last_slot] += program_->gpu_multiplicity[t.gpu] * (s.energy_j - s.attributed_j);
    s.attributed_j = s.energy_j;
    // A planned clock change starts as soon as the GPU is idle (it needs the GPU's clocks to itself).
    if (wait_hold_ == ClockPlan::kNextKernelClock && next_kernel_[task] != kNoTask &&
        timing_[next_kernel_[task]].requested != s.requested) {
      s.changed_at = std::max(now, s.changed_at + transition_);
      s.requested = timing_[next_kernel_[task]].requested;
      ++clock_changes_;
    }
    // Power management lifts a cap's throttling at once; a policy's wait clock waits out the hold.
    s.clock = idle_clock_[s.requested];
    set_power(t.gpu);
    return;
  }
  const Collective& c = program_->collectives[t.index];
  const SimTime began = collective_start_[t.index];
  for (std::uint16_t g : c.gpus) {
    advance(g, now);
    --state_[g].comm_active;
    set_power(g);
    if (trace_ && trace_->keep_events)
      emit_event(g, began, now, EventKind::Collective, nullptr, p.clock_at_step(state_[g].clock),
                 collective_link_j_[t.index] / static_cast<double>(c.gpus.size()), c.layer, c.pass);
  }
}

StepRecord StepSimulator::run_step(Trace* trace, LayerEnergy* layers) {
  trace_ = trace;
  std::vector<GpuState> before = state_;
  const LayerEnergy layers_before = layers ? layer_j_ : LayerEnergy{};
  slowdown_.clear();
  if (!variation_.empty()) {
    for (const GpuVariation& v : variation_)
      slowdown_.push_back(v.time_factor * (step_index_ >= v.straggler_from_step ? v.straggler_factor : 1.0));
    if (std::all_of(slowdown_.begin(), slowdown_.end(), [](double f) { return f == 1.0; })) slowdown_.clear();
  }
  const double network_before = network_j_;
  const std::uint64_t changes_before = clock_changes_;
  peak_w_ = 0;
  const SimTime start_time = now_;
  if (flows_) {  // every collective of the last step has ended: start the network afresh
    flows_->reset();
    next_wakeup_ = -1;
  }
  const ExecutionStats stats = executor_.run(program_->graph, *this, start_time);
  now_ = stats.end_time;
  StepRecord r;
  for (std::uint32_t g = 0; g < state_.size(); ++g) {
    advance(g, now_);
    const double m = program_->gpu_multiplicity[g];  // the GPUs this one stands for
    layer_j_[state_[g].last_slot] += m * (state_[g].energy_j - state_[g].attributed_j);
    state_[g].attributed_j = state_[g].energy_j;
    r.gpu_busy_j += m * (state_[g].busy_j - before[g].busy_j);
    r.gpu_wait_j += m * (state_[g].wait_j - before[g].wait_j);
    r.memory_j += m * (state_[g].memory_j - before[g].memory_j);
  }
  r.step = step_index_++;
  r.t_start_s = to_seconds(start_time);
  r.time_s = to_seconds(now_ - start_time);
  r.network_j = (network_j_ - network_before) + cluster_.switches_w * r.time_s;
  r.host_j = cluster_.host_w * r.time_s;
  r.energy_j = r.gpu_busy_j + r.gpu_wait_j + r.memory_j + r.network_j + r.host_j;
  r.avg_power_w = r.time_s > 0 ? r.energy_j / r.time_s : 0.0;
  r.peak_gpu_power_w = peak_w_;
  r.events = stats.events;
  r.clock_changes = clock_changes_ - changes_before;
  if (layers) {
    layers->resize(layer_j_.size());
    double gpu_and_links = 0;
    for (std::size_t i = 0; i < layer_j_.size(); ++i)
      gpu_and_links += (*layers)[i] = layer_j_[i] - layers_before[i];
    const double shared = r.host_j + cluster_.switches_w * r.time_s;
    if (gpu_and_links > 0)
      for (double& e : *layers) e += shared * (e / gpu_and_links);
  }
  trace_ = nullptr;
  return r;
}

}  // namespace wattsim
