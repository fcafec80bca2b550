#include "run/step_simulator.hpp"

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
      transition_(gpu.profile().clock_transition_ns) {
  const GpuProfile& p = gpu.profile();
  for (int i = 0; i < p.clock_count(); ++i)
    clocks_.push_back({gpu.power().terms(p.clock_at(i)), p.clock_at(i)});
  activity_ = p.power;
  layer_slots_ = 2 * program.layer_names.size();
  for (const Kernel& k : program.kernels)
    layer_slots_ = std::max(layer_slots_, layer_slot(k.layer, k.pass) + 1);
  for (const StepCollective& c : program.collectives)
    layer_slots_ = std::max(layer_slots_, layer_slot(c.layer, c.pass) + 1);
  // Each kernel's successor on its GPU, for plans that ready the next kernel's clock while the GPU idles;
  // after its last kernel a GPU readies the next step's first.
  next_kernel_.assign(program.tasks.size(), kNoTask);
  for (const std::vector<TaskId>& sequence : gpu_kernel_sequences(program))
    for (std::size_t i = 0; i < sequence.size(); ++i)
      next_kernel_[sequence[i]] = sequence[(i + 1) % sequence.size()];
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
  const int clocks = p.clock_count();
  cap_w_ = plan.power_cap_w > 0 ? std::min(plan.power_cap_w, gpu_->power_cap_w()) : gpu_->power_cap_w();
  // Kernels repeat across microbatches and GPUs: time each distinct (kernel, clock) once.
  auto& cache = timing_cache_;
  cache.assign(program_->kernels.size() * static_cast<std::size_t>(clocks), TaskTiming{-1, 0, 0, 0, 0});
  // A kernel's clock is set by its own power against the cap. Communication that overlaps it adds power
  // for a while; the GPU's power controller, which averages over milliseconds, holds the total at the cap
  // (update_power clamps it), and the brief slowdown that costs the kernel is not modelled.
  const bool overlaps_comm = !program_->collectives.empty();
  const double overlap_activity = overlaps_comm ? p.power.comm_activity : 0.0;
  const double overlap_memory = overlaps_comm ? p.power.comm_memory_utilisation : 0.0;
  timing_.assign(program_->tasks.size(), TaskTiming{0, 0, 0, 0, 0});
  for (std::size_t t = 0; t < program_->tasks.size(); ++t) {
    const StepTask& task = program_->tasks[t];
    if (task.type != TaskType::Kernel) continue;
    const ClockIndex requested = plan.task_clock[t];
    TaskTiming& cached = cache[task.index * static_cast<std::size_t>(clocks) + requested];
    if (cached.duration < 0) {
      const KernelRun run =
          gpu_->run_capped_at(program_->kernels[task.index].work, p.clock_at(requested), cap_w_);
      cached = TaskTiming{run.duration, static_cast<float>(run.activity),
                          static_cast<float>(run.memory_utilisation),
                          static_cast<ClockIndex>(p.index_of(run.clock_mhz)), requested};
    }
    timing_[t] = cached;
  }
  idle_clock_.resize(static_cast<std::size_t>(clocks));
  for (int i = 0; i < clocks; ++i) {
    const double f = gpu_->capped_wait_clock_at(p.clock_at(i), cap_w_, overlap_activity, overlap_memory);
    idle_clock_[static_cast<std::size_t>(i)] = static_cast<ClockIndex>(p.index_of(f));
  }
  wait_hold_ = plan.wait_hold;
  wait_clock_.assign(plan.wait_clock.begin(), plan.wait_clock.end());
  state_.assign(static_cast<std::size_t>(program_->gpus), GpuState{});
  meter_.reset(layer_slots_);
  for (std::uint32_t g = 0; g < state_.size(); ++g) {
    state_[g].clock = idle_clock_[wait_clock_[g]];
    state_[g].requested = plan.wait_clock[g];
    state_[g].changed_at = -transition_;
    update_power(g);
  }
  now_ = 0;
  network_->reset();
  next_wakeup_ = -1;
  clock_changes_ = 0;
  step_index_ = 0;
  fingerprint_ = 0;
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
  draw.total_w = std::min(draw.total_w, cap_w_);
  EnergyMeter::set_power(s.energy, draw, clock.mhz);
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
    meter_.update(s.energy, g, s.idle_since + wait_hold_, false);
    s.changed_at = s.idle_since + wait_hold_;
    s.requested = wait_clock_[g];
    s.clock = idle_clock_[s.requested];
    ++clock_changes_;
    update_power(g);
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
    s.kernel_start_energy_j = s.energy.energy_j;
    update_power(t.gpu);
    return duration;
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

void StepSimulator::schedule_wakeup() {
  const SimTime next = network_->next_event();
  if (next >= 0 && next != next_wakeup_) {
    executor_.wake_at(next);
    next_wakeup_ = next;
  }
}

void StepSimulator::wakeup(SimTime now) {
  check_stop();
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
        timing_[next_kernel_[task]].requested != s.requested) {
      s.changed_at = std::max(now, s.changed_at + transition_);
      s.requested = timing_[next_kernel_[task]].requested;
      ++clock_changes_;
    }
    // Power management lifts a cap's throttling at once; a policy's wait clock waits out the hold.
    s.clock = idle_clock_[s.requested];
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
  const ExecutionStats stats = executor_.run(program_->graph, *this, start_time);
  now_ = stats.end_time;
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
  r.network_j = energy.links_j + cluster_.switches_w * r.time_s;
  r.host_j = cluster_.host_w * r.time_s;
  r.energy_j = r.gpu_busy_j + r.gpu_wait_j + r.memory_j + r.network_j + r.host_j;
  r.avg_power_w = r.time_s > 0 ? r.energy_j / r.time_s : 0.0;
  r.peak_gpu_power_w = energy.peak_gpu_w;
  r.events = stats.events;
  r.clock_changes = clock_changes_ - changes_before;
  if (layers) {
    const LayerEnergy& now_layers = meter_.layers();
    layers->resize(now_layers.size());
    double gpu_and_links = 0;
    for (std::size_t i = 0; i < now_layers.size(); ++i)
      gpu_and_links += (*layers)[i] = now_layers[i] - layers_before[i];
    const double shared = r.host_j + cluster_.switches_w * r.time_s;
    if (gpu_and_links > 0)
      for (double& e : *layers) e += shared * (e / gpu_and_links);
  }
  meter_.listen(nullptr);
  trace_ = nullptr;
  return r;
}

}  // namespace wattsim
