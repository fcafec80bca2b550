#include "run/step_simulator.hpp"

#include "hardware/power_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

#include "network/network_backend.hpp"
#include "network/network_model.hpp"
#include "run/output_sink.hpp"
#include "util/hash.hpp"
#include "util/interrupt.hpp"

namespace wattsim {

StepSimulator::StepSimulator(const StepProgram& program, const GpuModel& gpu, const NetworkModel& network,
                             ClusterPower cluster, const std::string& network_backend)
    : program_(&program),
      gpu_(&gpu),
      cluster_(cluster),
      collective_start_(program.collectives.size(), 0),
      kernel_ceiling_(program.tasks.size(), 0) {
  const GpuProfile& p = gpu.profile();
  for (int i = 0; i < p.clock_count(); ++i)
    clocks_.push_back({gpu.power().terms(p.clock_at(i)), p.clock_at(i)});
  for (const ClockPower& from : clocks_)
    for (const ClockPower& to : clocks_) transition_.push_back(gpu.transition_ns(from.mhz, to.mhz));
  activity_ = p.power;
  layer_slots_ = 2 * program.layer_names.size();
  for (const Kernel& k : program.kernels)
    layer_slots_ = std::max(layer_slots_, layer_slot(k.layer, k.pass) + 1);
  for (const StepCollective& c : program.collectives)
    layer_slots_ = std::max(layer_slots_, layer_slot(c.layer, c.pass) + 1);
  // Each kernel's successor on its GPU, for plans that ready the next kernel's clock while the GPU idles;
  // after its last kernel a GPU readies the next step's first.
  next_kernel_.assign(program.tasks.size(), kNoTask);
  if (program.host_launch > 0) {
    issue_.assign(program.tasks.size(), 0);
    held_.reserve(program.tasks.size());
  }
  for (const std::vector<TaskId>& sequence : gpu_kernel_sequences(program))
    for (std::size_t i = 0; i < sequence.size(); ++i) {
      next_kernel_[sequence[i]] = sequence[(i + 1) % sequence.size()];
      if (!issue_.empty()) issue_[sequence[i]] = static_cast<SimTime>(i + 1) * program.host_launch;
    }
  // Collectives of one kind over the same ranks and bytes cost the same: time each signature once.
  std::unordered_map<CollectiveSignature, std::pair<SimTime, double>, CollectiveSignatureHash> cost;
  std::vector<const Collective*> collectives;
  for (const StepCollective& c : program.collectives) {
    auto it = cost.find(CollectiveSignature::of(c));
    if (it == cost.end())
      it = cost.emplace(CollectiveSignature::of(c),
                        std::pair{seconds_to_time(network.analytical_seconds(c)), network.energy_j(c)})
               .first;
    collective_time_.push_back(it->second.first);
    collective_link_j_.push_back(it->second.second);
    collectives.push_back(&c);
  }
  const NetworkBackendKind* kind = NetworkBackendRegistry::instance().find(network_backend);
  if (!kind) throw std::invalid_argument("unknown network fidelity " + network_backend);
  network_ = kind->make(network, collectives, collective_time_);
}

StepSimulator::~StepSimulator() = default;

void StepSimulator::reset(const ClockPlan& plan) {
  const GpuProfile& p = gpu_->profile();
  cap_w_ = plan.power_cap_w > 0 ? std::min(plan.power_cap_w, gpu_->power_cap_w()) : gpu_->power_cap_w();
  // Kernels repeat across microbatches and GPUs: each distinct (kernel, clock) is timed once, when first
  // run, and kept across plans (the controller, not the timing, applies the limit).
  if (timing_cache_.empty())
    timing_cache_.assign(program_->kernels.size() * clocks_.size(), KernelTiming{-1, 0, 0});
  task_clock_.assign(plan.task_clock.begin(), plan.task_clock.end());
  // The controller runs only where the limit can bind: where the most a GPU can draw (a GEMM moving data
  // at full bandwidth beside NCCL, at the top clock) exceeds it.
  const PowerCoefficients& c = p.power;
  double most_scale = 1;
  for (const GpuVariation& v : variation_) most_scale = std::max(most_scale, v.power_factor);
  const double most =
      PowerModel::draw(clocks_.back().terms, 1.0 + c.memory_activity + c.comm_activity, 1.0, most_scale)
          .total_w;
  window_ = most > cap_w_ ? p.control_window_ns : 0;
  guard_ = p.control_guard;
  next_tick_ = window_;
  wait_hold_ = plan.wait_hold;
  wait_clock_.assign(plan.wait_clock.begin(), plan.wait_clock.end());
  state_.assign(static_cast<std::size_t>(program_->gpus), GpuState{});
  meter_.reset(layer_slots_);
  // Where the limit binds, a GPU enters the run as from a window of dense GEMMs: at the clock they sustain
  // under the limit (the controller raises it as soon as a window's mix allows).
  const double gemm_memory = PowerAnchors{}.gemm_memory_utilisation;
  for (std::uint32_t g = 0; g < state_.size(); ++g) {
    GpuState& s = state_[g];
    s.ceiling = window_ > 0 ? ceiling_for(g, cap_w_ * (1.0 - guard_), 1.0 + c.memory_activity * gemm_memory,
                                          gemm_memory)
                            : static_cast<ClockIndex>(clocks_.size() - 1);
    s.requested = plan.wait_clock[g];
    s.from = s.requested;
    s.limit = s.ceiling;
    s.clock = std::min(s.requested, s.limit);
    update_power(g);
  }
  now_ = 0;
  network_->reset();
  next_wakeup_ = -1;
  changes_.clear();
  clock_changes_ = 0;
  step_index_ = 0;
  fingerprint_ = 0;
}

const StepSimulator::KernelTiming& StepSimulator::timing(std::uint32_t kernel, ClockIndex clock) {
  KernelTiming& t = timing_cache_[kernel * clocks_.size() + clock];
  if (t.duration < 0) {
    const KernelRun run = gpu_->run_at(program_->kernels[kernel].work, clocks_[clock].mhz);
    t = {run.duration, static_cast<float>(run.activity), static_cast<float>(run.memory_utilisation)};
  }
  return t;
}

ClockIndex StepSimulator::ceiling_for(std::uint32_t g, double target_w, double activity,
                                      double memory_utilisation) const {
  // The highest clock at which the governed work's mix draws at most target_w; power rises with the clock,
  // so a bisection over the clock table.
  const double scale = variation_.empty() ? 1.0 : variation_[g].power_factor;
  auto fits = [&](std::size_t c) {
    return PowerModel::draw(clocks_[c].terms, activity, memory_utilisation, scale).total_w <= target_w;
  };
  if (fits(clocks_.size() - 1)) return static_cast<ClockIndex>(clocks_.size() - 1);
  std::size_t lo = 0, hi = clocks_.size() - 1;  // fits(hi) is false; lo is the answer if nothing fits
  while (hi - lo > 1) {
    const std::size_t mid = (lo + hi) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return static_cast<ClockIndex>(lo);
}

void StepSimulator::control(SimTime now) {
  const double seconds = to_seconds(window_);
  double node_j = 0;  // Σ over GPUs of multiplicity × the window's energy
  for (std::uint32_t g = 0; g < state_.size(); ++g) {
    advance(g, now);
    GpuState& s = state_[g];
    const GpuEnergy& e = s.energy;
    peak_window_w_ = std::max(peak_window_w_, (e.energy_j - s.window.energy_j) / seconds);
    node_j += program_->gpu_multiplicity[g] * (e.energy_j - s.window.energy_j);
    // Work held below the ceiling by its planned clock draws what it draws whatever the ceiling; the rest
    // (at the ceiling) gets what is left of the window's budget, at the highest clock that budget allows for
    // its mix of activity and memory traffic.
    const double governed_s = e.governed_s - s.window.governed_s;
    if (governed_s > 0) {
      const double scale = variation_.empty() ? 1.0 : variation_[g].power_factor;
      const double budget_j = cap_w_ * (1.0 - guard_) * seconds - (e.free_j - s.window.free_j);
      const double activity = (e.governed_activity_s - s.window.governed_activity_s) / governed_s;
      const double memory = (e.governed_memory_j - s.window.governed_memory_j) /
                            (governed_s * gpu_->profile().power.memory_w * scale);
      s.ceiling = ceiling_for(g, budget_j / governed_s, activity, memory);
    } else {
      s.ceiling = static_cast<ClockIndex>(clocks_.size() - 1);
    }
    s.window = e;
    // A running kernel keeps its clock to its end; an idle GPU follows the ceiling at once.
    if (!s.computing) s.limit = s.ceiling;
    if (!s.computing && s.clock != std::min(planned_clock_at(s, now), s.limit)) {
      s.clock = std::min(planned_clock_at(s, now), s.limit);
      update_power(g);
    }
  }
  peak_node_gpu_w_ =
      std::max(peak_node_gpu_w_, node_j / (seconds * program_->total_gpus) * cluster_.gpus_per_node);
  next_tick_ = now + window_;
  executor_.wake_at(next_tick_);
}

ClockIndex StepSimulator::brake(std::uint32_t g, std::uint32_t kernel, SimTime now) {
  // The window's overshoot so far (energy above the target rate, negative when the GPU has drawn less)
  // plus this kernel's overshoot until the window ends must not be positive: what follows is assumed to
  // average the target, as the ceiling intends. A kernel that runs into the next window may carry at most
  // the guard band's energy into it. The ceiling if it fits, else the clocks below it.
  const GpuState& s = state_[g];
  const double target = cap_w_ * (1.0 - guard_);
  const double window_s = to_seconds(window_);
  const double remaining_s = to_seconds(next_tick_ - now);
  const double debt_j = (s.energy.energy_j - s.window.energy_j) - target * (window_s - remaining_s);
  const double carry_j = (cap_w_ - target) * window_s;
  const double scale = variation_.empty() ? 1.0 : variation_[g].power_factor;
  const double slowdown = slowdown_.empty() ? 1.0 : slowdown_[g];
  const double comm_activity = s.comm_active > 0 ? activity_.comm_activity : 0.0;
  const double comm_memory = s.comm_active > 0 ? activity_.comm_memory_utilisation : 0.0;
  for (ClockIndex c = s.ceiling;; --c) {
    const KernelTiming& k = timing(kernel, c);
    const double over_w = PowerModel::draw(clocks_[c].terms, k.activity + comm_activity,
                                           k.memory_utilisation + comm_memory, scale)
                              .total_w -
                          target;
    const double seconds = to_seconds(k.duration) * slowdown;
    if (c == 0 || over_w <= 0 ||
        (debt_j + over_w * std::min(seconds, remaining_s) <= 0 &&
         over_w * std::max(0.0, seconds - remaining_s) <= carry_j))
      return c;
  }
}

void StepSimulator::begin_run(SimTime now) {
  step_start_ = now;
  held_.clear();
  if (window_ > 0) executor_.wake_at(std::max(now, next_tick_));
}

void StepSimulator::update_power(std::uint32_t g) {
  GpuState& s = state_[g];
  const PowerCoefficients& c = activity_;
  double alpha = s.computing ? s.activity : c.wait_activity;
  double beta = s.computing ? s.memory_utilisation : 0.0;
  if (s.comm_active > 0) {
    alpha += c.comm_activity;
    beta += c.comm_memory_utilisation;
  }
  const ClockPower& clock = clocks_[s.clock];
  PowerDraw draw =
      PowerModel::draw(clock.terms, alpha, beta, variation_.empty() ? 1.0 : variation_[g].power_factor);
  EnergyMeter::set_power(s.energy, draw, clock.mhz, alpha, s.clock == s.limit);
}

void StepSimulator::set_variation(std::vector<GpuVariation> variation) {
  if (!variation.empty() && variation.size() != static_cast<std::size_t>(program_->gpus))
    throw std::invalid_argument("GPU variation: one entry per simulated GPU expected");
  variation_ = std::move(variation);
}

void StepSimulator::begin_change(std::uint32_t g, ClockIndex to, SimTime at, SimTime now) {
  GpuState& s = state_[g];
  s.from = planned_clock_at(s, at);
  s.requested = to;
  s.change_done = at + transition_[s.from * clocks_.size() + to];
  ++clock_changes_;
  if (s.change_done > now) {  // one that ended already (a lazily integrated hold) is settled by the caller
    changes_.emplace_back(s.change_done, g);
    std::push_heap(changes_.begin(), changes_.end(), std::greater<>());
    executor_.wake_at(s.change_done);
  }
}

void StepSimulator::complete_changes(SimTime now) {
  while (!changes_.empty() && changes_.front().first <= now) {
    const auto [done, g] = changes_.front();
    std::pop_heap(changes_.begin(), changes_.end(), std::greater<>());
    changes_.pop_back();
    GpuState& s = state_[g];
    if (s.change_done != done) continue;  // superseded by a later change
    advance(g, done);
    if (s.computing && !s.switch_pending) continue;  // the kernel ends before the change does
    if (s.switch_pending) {
      s.activity = s.after_activity;
      s.memory_utilisation = s.after_memory_utilisation;
      s.switch_pending = false;
    }
    s.clock = std::min(s.requested, s.limit);
    update_power(g);
  }
}

void StepSimulator::advance(std::uint32_t g, SimTime now) {
  GpuState& s = state_[g];
  // An idle GPU whose clock is not its wait clock moves there once it has been idle for the hold time; if
  // the change has ended by now, the power switches at its end, so the interval is integrated in pieces.
  if (!s.computing && wait_hold_ >= 0 && s.requested != wait_clock_[g] && now > s.idle_since + wait_hold_) {
    const SimTime at = s.idle_since + wait_hold_;
    meter_.update(s.energy, g, at, false);
    begin_change(g, wait_clock_[g], at, now);
    if (s.change_done <= now) {
      meter_.update(s.energy, g, s.change_done, false);
      s.clock = std::min(s.requested, s.limit);
      update_power(g);
    }
  }
  meter_.update(s.energy, g, now, s.computing);
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
  trace_->event(e);
}

namespace {
// Orders the held kernels' heap earliest issue first (then lowest task id: deterministic).
constexpr auto kIssuedLater = [](const std::pair<SimTime, TaskId>& a, const std::pair<SimTime, TaskId>& b) {
  return a > b;
};
}  // namespace

void StepSimulator::release_issued(SimTime now) {
  while (!held_.empty() && held_.front().first <= now) {
    std::pop_heap(held_.begin(), held_.end(), kIssuedLater);
    const TaskId task = held_.back().second;
    held_.pop_back();
    executor_.complete(task, now + start_kernel(task, now));
  }
}

SimTime StepSimulator::start(TaskId task, SimTime now) {
  const StepTask& t = program_->tasks[task];
  if (t.type == TaskType::Kernel) {
    if (!issue_.empty() && now < step_start_ + issue_[task]) {
      // Ready before the host has issued it: the GPU waits for the launch (S94).
      held_.emplace_back(step_start_ + issue_[task], task);
      std::push_heap(held_.begin(), held_.end(), kIssuedLater);
      executor_.wake_at(step_start_ + issue_[task]);
      return Executor::kDeferred;
    }
    return start_kernel(task, now);
  }
  for (std::uint16_t g : program_->collectives[t.index].gpus) {
    advance(g, now);
    ++state_[g].comm_active;
    update_power(g);
  }
  const StepCollective& c = program_->collectives[t.index];
  meter_.charge_links(static_cast<std::uint32_t>(layer_slot(c.layer, c.pass)), collective_link_j_[t.index]);
  collective_start_[t.index] = now;
  const SimTime duration = network_->start(task, t.index, now);
  if (duration == Executor::kDeferred) schedule_wakeup();
  return duration;
}

SimTime StepSimulator::start_kernel(TaskId task, SimTime now) {
  const StepTask& t = program_->tasks[task];
  GpuState& s = state_[t.gpu];
  advance(t.gpu, now);
  const ClockIndex planned = task_clock_[task];
  if (planned != s.requested) begin_change(t.gpu, planned, now, now);
  // A change under way goes on while the kernel runs: the kernel runs at the old clock until the change
  // ends, then at the new one (work continues during a transition, S88).
  s.limit = window_ > 0 ? brake(t.gpu, t.index, now) : s.ceiling;
  kernel_ceiling_[task] = s.limit;
  const ClockIndex before = std::min(planned_clock_at(s, now), s.limit);
  const ClockIndex after = std::min(s.requested, s.limit);
  const KernelTiming& tb = timing(t.index, before);
  const double slowdown = slowdown_.empty() ? 1.0 : slowdown_[t.gpu];
  const double t_before = static_cast<double>(tb.duration) * slowdown;
  SimTime duration = std::llround(t_before);
  s.switch_pending = false;
  if (before != after && static_cast<double>(s.change_done - now) < t_before) {
    const KernelTiming& ta = timing(t.index, after);
    const double done = static_cast<double>(s.change_done - now);
    duration = std::llround(done + (1.0 - done / t_before) * static_cast<double>(ta.duration) * slowdown);
    s.switch_pending = true;
    s.after_activity = ta.activity;
    s.after_memory_utilisation = ta.memory_utilisation;
  }
  s.clock = before;
  s.activity = tb.activity;
  s.memory_utilisation = tb.memory_utilisation;
  s.computing = true;
  s.kernel_start = now;
  s.kernel_start_energy_j = s.energy.energy_j;
  update_power(t.gpu);
  return duration;
}

void StepSimulator::schedule_wakeup() {
  const SimTime next = network_->next_event();
  if (next >= 0 && next != next_wakeup_) {
    executor_.wake_at(next);
    next_wakeup_ = next;
  }
}

void StepSimulator::wakeup(SimTime now) {
  check_stop();
  complete_changes(now);
  if (window_ > 0 && now == next_tick_) control(now);
  release_issued(now);
  if (now == next_wakeup_) next_wakeup_ = -1;
  finished_.clear();
  network_->advance(now, finished_);
  for (std::uint32_t task : finished_) executor_.complete(task, now);
  schedule_wakeup();
}

void StepSimulator::finish(TaskId task, SimTime now) {
  check_stop();  // one relaxed load: a stop request is honoured within one event
  if (fingerprinting_) fingerprint_ = hash_mix(hash_mix(fingerprint_, static_cast<std::uint64_t>(now)), task);
  const StepTask& t = program_->tasks[task];
  const GpuProfile& p = gpu_->profile();
  if (t.type == TaskType::Kernel) {
    GpuState& s = state_[t.gpu];
    advance(t.gpu, now);
    s.computing = false;
    s.idle_since = now;
    const Kernel& k = program_->kernels[t.index];
    if (trace_)
      emit_event(t.gpu, s.kernel_start, now, static_cast<EventKind>(k.work.kind), &k, p.clock_at(s.clock),
                 s.energy.energy_j - s.kernel_start_energy_j);
    meter_.charge_layer(s.energy, static_cast<std::uint32_t>(layer_slot(k.layer, k.pass)),
                        program_->gpu_multiplicity[t.gpu]);
    // A planned clock change starts as soon as the GPU is idle (it needs the GPU's clocks to itself).
    if (wait_hold_ == ClockPlan::kNextKernelClock && next_kernel_[task] != kNoTask &&
        task_clock_[next_kernel_[task]] != s.requested)
      begin_change(t.gpu, task_clock_[next_kernel_[task]], now, now);
    // An idle GPU runs at its clock under the ceiling (the old one while a change is under way); a
    // policy's wait clock waits out the hold.
    s.switch_pending = false;
    s.limit = s.ceiling;
    s.clock = std::min(planned_clock_at(s, now), s.limit);
    update_power(t.gpu);
    return;
  }
  const StepCollective& c = program_->collectives[t.index];
  const SimTime began = collective_start_[t.index];
  for (std::uint16_t g : c.gpus) {
    advance(g, now);
    --state_[g].comm_active;
    update_power(g);
    if (trace_)
      emit_event(g, began, now, EventKind::Collective, nullptr, p.clock_at(state_[g].clock),
                 collective_link_j_[t.index] / static_cast<double>(c.gpus.size()), c.layer, c.pass);
  }
}

StepRecord StepSimulator::run_step(const StepOutputs& outputs) {
  trace_ = outputs.trace;
  fingerprinting_ = outputs.fingerprint;
  LayerEnergy* layers = outputs.layers;
  meter_.listen(trace_);
  const LayerEnergy layers_before = layers ? meter_.layers() : LayerEnergy{};
  slowdown_.clear();
  if (!variation_.empty()) {
    for (const GpuVariation& v : variation_)
      slowdown_.push_back(v.time_factor * (step_index_ >= v.straggler_from_step ? v.straggler_factor : 1.0));
    if (std::all_of(slowdown_.begin(), slowdown_.end(), [](double f) { return f == 1.0; })) slowdown_.clear();
  }
  const std::uint64_t changes_before = clock_changes_;
  meter_.begin_step();
  for (GpuState& s : state_) meter_.begin_step(s.energy);
  const SimTime start_time = now_;
  network_->reset();  // every collective of the last step has ended: start the network afresh
  next_wakeup_ = -1;
  peak_window_w_ = 0;
  peak_node_gpu_w_ = 0;
  const ExecutionStats stats = executor_.run(program_->graph, *this, start_time);
  now_ = std::max(stats.end_time, start_time + program_->input_time);
  for (std::uint32_t g = 0; g < state_.size(); ++g) advance(g, now_);
  StepEnergy energy = meter_.end_step();
  for (std::uint32_t g = 0; g < state_.size(); ++g)
    meter_.add_gpu_step(state_[g].energy, program_->gpu_multiplicity[g], energy);
  StepRecord r;
  r.gpu_busy_j = energy.gpu_busy_j;
  r.gpu_wait_j = energy.gpu_wait_j;
  r.memory_j = energy.memory_j;
  r.step = step_index_++;
  r.t_start_s = to_seconds(start_time);
  r.time_s = to_seconds(now_ - start_time);
  // A node's parts beyond its GPUs, from the mean GPU's power over the step (fans follow the average).
  const double gpu_j = r.gpu_busy_j + r.gpu_wait_j + r.memory_j;
  const double node_gpu_w =
      r.time_s > 0 ? gpu_j / (r.time_s * program_->total_gpus) * cluster_.gpus_per_node : 0.0;
  const NodePower::Draw node = cluster_.node.draw(node_gpu_w);
  const double node_s = cluster_.nodes * r.time_s;
  r.network_j = energy.links_j + (node.switches_w * cluster_.nodes + cluster_.fabric_switches_w) * r.time_s;
  r.host_j = node.host_w * node_s;
  r.fans_j = node.fans_w * node_s;
  r.psu_loss_j = node.psu_loss_w * node_s;
  r.energy_j = r.gpu_busy_j + r.gpu_wait_j + r.memory_j + r.network_j + r.host_j + r.fans_j + r.psu_loss_j;
  r.avg_power_w = r.time_s > 0 ? r.energy_j / r.time_s : 0.0;
  r.peak_gpu_power_w = energy.peak_gpu_w;
  r.peak_window_power_w = peak_window_w_;
  if (cluster_.nodes > 0) {
    r.avg_node_power_w = node.wall_w;
    r.peak_node_power_w = cluster_.node.peak_wall_w(std::max(peak_node_gpu_w_, node_gpu_w), node_gpu_w);
  }
  r.events = stats.events;
  r.clock_changes = clock_changes_ - changes_before;
  if (layers) {
    const LayerEnergy& now_layers = meter_.layers();
    layers->resize(now_layers.size());
    double gpu_and_links = 0;
    for (std::size_t i = 0; i < now_layers.size(); ++i)
      gpu_and_links += (*layers)[i] = now_layers[i] - layers_before[i];
    const double shared = r.host_j + r.fans_j + r.psu_loss_j +
                          (node.switches_w * cluster_.nodes + cluster_.fabric_switches_w) * r.time_s;
    if (gpu_and_links > 0)
      for (double& e : *layers) e += shared * (e / gpu_and_links);
  }
  meter_.listen(nullptr);
  trace_ = nullptr;
  return r;
}

}  // namespace wattsim
