// Critical-path frequency planning (Perseus, Chung et al. SOSP'24, S48/S49): work that is not on the
// iteration's critical path has slack, and slowing it into that slack saves energy without lengthening the
// iteration. Slack comes from pipeline stages with less work than others ("intrinsic" bloat), from waits
// before collectives, and from a straggler that everyone else waits for ("extrinsic" bloat).
//
// Algorithm.
//  1. Units: runs of kernels that follow one another with nothing else to wait for (one microbatch's
//     forward or backward on a stage, say), joined across a TP group and across overlapped TP
//     communication by the tensor-parallel collectives, form one block planned at one clock, whose time is
//     the longest path through it; every other task is a unit of its own with a fixed duration. The units
//     and their dependencies (task edges and stream order) form a Boost Graph DAG.
//  2. Forward pass in topological order with every block at the top clock: earliest start ES(u).
//  3. Reverse pass from the deadline D: a unit's latest finish LF(u) is the least latest start of its
//     successors; a block takes the clock f minimising E_u(f) − (1 − m)·n_u·P_wait·t_u(f) (its n_u GPUs
//     would otherwise wait that time; m ≥ 0 prices slack so that it spreads over a chain, m ∈ {0, ½, 1, 2}
//     tried) among those with ES(u) + t_u(f) + τ(top, f) + τ(f, top) ≤ LF(u) (τ the simulation's
//     clock-transition latency, paid entering and leaving the block). Predecessors are planned later against
//     LS(u) = LF(u) − t_u(f), so every unit still finishes by its LF when all run as early as they can: the
//     step ends by D.
//  4. The plan is simulated; the block model may differ from the task-level schedule (a collective that
//     follows a layer inside a block is modelled as following the block), so if the step came out longer
//     than allowed, D is pulled in by the excess (4× deeper each retry) and the plan redone (at most a few
//     times), and if it still is, static clocks are kept: the policy never lengthens the iteration beyond its
//     budget.
#include <algorithm>
#include <limits>
#include <span>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>

#include "policy/adaptive_policies.hpp"
#include "policy/kernel_costs.hpp"
#include "policy/plan_search.hpp"
#include "util/interrupt.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    slowdown_budget_parameter(0),
};

using UnitGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

struct Units {
  std::vector<std::uint32_t> of_task;              // task -> unit
  std::vector<std::vector<TaskId>> tasks;          // per unit: its tasks, in id (program) order
  std::vector<std::vector<TaskId>> block_kernels;  // per unit: its kernel tasks (empty: fixed unit)
  UnitGraph graph;
};

// The class a task's clock block is formed within: its microbatch and whether it is forward work.
std::pair<std::uint32_t, bool> block_class(const StepProgram& program, const StepTask& task) {
  const Pass pass =
      task.type == TaskType::Kernel ? program.kernels[task.index].pass : program.collectives[task.index].pass;
  return {task.microbatch, pass == Pass::Forward};
}

bool blockable(const StepProgram& program, const StepTask& task) {
  return task.type == TaskType::Kernel || program.collectives[task.index].group == CommGroup::Tensor;
}

// Every task's predecessors: the task before it on each of its streams, and its dependencies.
struct Predecessors {
  std::vector<std::uint32_t> begin;
  std::vector<TaskId> list;
  std::span<const TaskId> of(TaskId t) const { return {list.data() + begin[t], list.data() + begin[t + 1]}; }

  explicit Predecessors(const TaskGraph& g) {
    const std::uint32_t n = g.task_count();
    std::vector<std::vector<TaskId>> preds(n);
    for (TaskId t = 0; t < n; ++t)
      for (TaskId next : g.successors(t)) preds[next].push_back(t);
    for (StreamId s = 0; s < g.stream_count(); ++s) {
      const auto tasks = g.stream_tasks(s);
      for (std::size_t i = 1; i < tasks.size(); ++i) preds[tasks[i]].push_back(tasks[i - 1]);
    }
    begin.push_back(0);
    for (auto& p : preds) {
      list.insert(list.end(), p.begin(), p.end());
      begin.push_back(static_cast<std::uint32_t>(list.size()));
    }
  }
};

// Blocks. A kernel or tensor-parallel collective joins the blocks of all its predecessors when every one
// of them is a kernel or TP collective of the same microbatch and pass whose dependents are all such tasks
// too. A block therefore ends where another kind of task depends on it, such as a layer's last gradient
// kernel that a data-parallel reduction waits for, so the model does not delay the reduction. A TP
// collective joins the blocks of all its ranks (a TP group, in lockstep, gets one clock), and an overlapped
// one (tp_comm_overlap) the GEMMs on either side of it. With `across_gpus` false, blocks are runs of one
// GPU's kernels that wait on nothing but each other.
void build_units(const PlanningContext& context, const Predecessors& preds, bool across_gpus, Units& u) {
  const StepProgram& program = context.program;
  const TaskGraph& g = program.graph;
  const std::uint32_t n = g.task_count();
  std::vector<std::uint32_t> parent(n);
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  auto same_block_kind = [&](TaskId a, TaskId b) {
    return blockable(program, program.tasks[a]) &&
           block_class(program, program.tasks[a]) == block_class(program, program.tasks[b]);
  };
  auto dependents_join = [&](TaskId p) {
    for (TaskId next : g.successors(p))
      if (!across_gpus || !same_block_kind(next, p)) return false;
    return true;
  };
  for (TaskId t = 0; t < n; ++t) parent[t] = t;
  for (TaskId t = 0; t < n; ++t) {
    const StepTask& task = program.tasks[t];
    const auto before = preds.of(t);
    bool join = blockable(program, task) && !before.empty() && (across_gpus || task.type == TaskType::Kernel);
    for (TaskId p : before)
      join = join && same_block_kind(p, t) && dependents_join(p) &&
             (across_gpus || (program.tasks[p].type == TaskType::Kernel && p < t &&
                              g.initial_need(t) == g.streams_of(t).size()));
    if (join)
      for (TaskId p : before) parent[find(p)] = find(t);
  }
  u.of_task.assign(n, 0);
  std::vector<std::uint32_t> unit_of_root(n, std::numeric_limits<std::uint32_t>::max());
  for (TaskId t = 0; t < n; ++t) {
    std::uint32_t& unit = unit_of_root[find(t)];
    if (unit == std::numeric_limits<std::uint32_t>::max()) {
      unit = static_cast<std::uint32_t>(u.block_kernels.size());
      u.block_kernels.emplace_back();
      u.tasks.emplace_back();
    }
    u.of_task[t] = unit;
    u.tasks[unit].push_back(t);
    if (program.tasks[t].type == TaskType::Kernel) u.block_kernels[unit].push_back(t);
  }
  for (std::size_t v = 0; v < u.block_kernels.size(); ++v) boost::add_vertex(u.graph);
  auto link = [&](TaskId a, TaskId b) {
    if (u.of_task[a] != u.of_task[b]) boost::add_edge(u.of_task[a], u.of_task[b], u.graph);
  };
  for (TaskId t = 0; t < n; ++t)
    for (TaskId next : g.successors(t)) link(t, next);
  for (StreamId s = 0; s < g.stream_count(); ++s) {
    const auto tasks = g.stream_tasks(s);
    for (std::size_t i = 1; i < tasks.size(); ++i) link(tasks[i - 1], tasks[i]);
  }
}

// The units of a step, in reverse topological order: blocks that span TP groups, unless that joins blocks
// into a cycle; then blocks of one GPU each, which cannot form one (only a block's first task waits on
// anything outside it).
struct OrderedUnits {
  Units group_blocks, gpu_blocks;
  const Units* used = &group_blocks;
  std::vector<std::size_t> reverse_topological;
  const Units& units() const { return *used; }
};
void order_units(const PlanningContext& context, const Predecessors& preds, OrderedUnits& o) {
  build_units(context, preds, true, o.group_blocks);
  try {
    boost::topological_sort(o.group_blocks.graph, std::back_inserter(o.reverse_topological));
  } catch (const boost::not_a_dag&) {
    build_units(context, preds, false, o.gpu_blocks);
    o.used = &o.gpu_blocks;
    o.reverse_topological.clear();
    boost::topological_sort(o.gpu_blocks.graph, std::back_inserter(o.reverse_topological));
  }
}

// Per unit and clock: its time, the longest path through its tasks (kernels at that clock, scaled by their
// GPU's variation factor; collectives at their analytical time), so GPUs of a TP group side by side and
// communication overlapped with GEMMs count once; its energy, the sum over its kernels; and the GPUs it
// keeps busy, multiplicity counted.
struct UnitCosts {
  int clocks = 0;
  std::vector<double> time, energy;  // [unit · clocks + clock]
  std::vector<double> gpus;
  std::vector<double> round_trip_s;  // per clock f: τ(top → f) + τ(f → top), into a block and out of it
  double duration(std::size_t unit, int clock) const { return time[unit * clocks + clock]; }
};
UnitCosts unit_costs(const PlanningContext& context, const Units& units, const Predecessors& preds,
                     const KernelCostTable& costs) {
  const StepProgram& program = context.program;
  const std::size_t n = units.block_kernels.size();
  UnitCosts c;
  c.clocks = costs.clocks();
  c.time.assign(n * static_cast<std::size_t>(c.clocks), 0.0);
  c.energy.assign(c.time.size(), 0.0);
  c.gpus.assign(n, 0.0);
  const auto top = static_cast<ClockIndex>(c.clocks - 1);
  for (int f = 0; f < c.clocks; ++f) {
    const auto clock = static_cast<ClockIndex>(f);
    c.round_trip_s.push_back(f == top ? 0.0
                                      : costs.transition_s(top, clock) + costs.transition_s(clock, top));
  }
  std::vector<double> finish(program.tasks.size(), 0.0);
  std::vector<std::uint32_t> seen_gpus;
  for (std::size_t v = 0; v < n; ++v) {
    if (v % 4096 == 0) check_stop();
    seen_gpus.clear();
    for (TaskId t : units.block_kernels[v]) {
      const std::uint32_t gpu = program.tasks[t].gpu;
      if (std::find(seen_gpus.begin(), seen_gpus.end(), gpu) == seen_gpus.end()) {
        seen_gpus.push_back(gpu);
        c.gpus[v] += program.gpu_multiplicity[gpu];
      }
      for (int f = 0; f < c.clocks; ++f)
        c.energy[v * c.clocks + f] +=
            costs.for_task(t, static_cast<ClockIndex>(f)).energy_j * program.gpu_multiplicity[gpu];
    }
    for (int f = 0; f < c.clocks; ++f) {
      double longest = 0;
      for (TaskId t : units.tasks[v]) {  // id order is a topological order within a block
        double start = 0;
        for (TaskId p : preds.of(t))
          if (units.of_task[p] == v) start = std::max(start, finish[p]);
        const StepTask& task = program.tasks[t];
        const double d = task.type == TaskType::Kernel
                             ? costs.for_task(t, static_cast<ClockIndex>(f)).time_s *
                                   (context.gpu_time_factor.empty() ? 1.0 : context.gpu_time_factor[task.gpu])
                             : to_seconds(context.collective_time[task.index]);
        finish[t] = start + d;
        longest = std::max(longest, finish[t]);
      }
      c.time[v * c.clocks + f] = longest;
    }
  }
  return c;
}

// The forward pass with every block at the top clock: each unit's earliest start; returns the makespan.
double earliest_starts(const OrderedUnits& o, const UnitCosts& costs, int top,
                       std::vector<double>& earliest) {
  const UnitGraph& graph = o.units().graph;
  earliest.assign(o.units().block_kernels.size(), 0.0);
  double makespan = 0;
  for (auto it = o.reverse_topological.rbegin(); it != o.reverse_topological.rend(); ++it) {
    const double end = earliest[*it] + costs.duration(*it, top);
    makespan = std::max(makespan, end);
    for (auto [e, last] = boost::out_edges(*it, graph); e != last; ++e)
      earliest[boost::target(*e, graph)] = std::max(earliest[boost::target(*e, graph)], end);
  }
  return makespan;
}

// The reverse pass from the deadline: each block takes the clock minimising E + (price − 1)·P_wait·n·t
// that still finishes by its latest finish with τ(top, f) + τ(f, top) for the transitions in and out. Counts
// the blocks slowed.
ClockPlan assign_clocks(const PlanningContext& context, const OrderedUnits& o, const UnitCosts& costs,
                        const std::vector<double>& earliest, double deadline, double time_w_per_gpu,
                        int& slowed) {
  const Units& units = o.units();
  const UnitGraph& graph = units.graph;
  const int top = top_clock(context.gpu), clocks = costs.clocks;
  std::vector<double> latest_start(units.block_kernels.size(), deadline);
  // A GPU that goes idle moves at once to its next kernel's clock, so the transition out of a slowed
  // block overlaps whatever the next unit waits for (the round trip charged to the block covers it anyway).
  ClockPlan plan = max_clock_plan(context.gpu, context.program);
  plan.wait_hold = ClockPlan::kNextKernelClock;
  slowed = 0;
  for (std::size_t v : o.reverse_topological) {
    double latest_finish = deadline;
    for (auto [e, last] = boost::out_edges(v, graph); e != last; ++e)
      latest_finish = std::min(latest_finish, latest_start[boost::target(*e, graph)]);
    int chosen = top;
    if (!units.block_kernels[v].empty()) {
      const double time_w = time_w_per_gpu * costs.gpus[v];
      double lowest = costs.energy[v * clocks + top] + time_w * costs.duration(v, top);
      for (int f = 0; f < top; ++f) {
        const double cost = costs.energy[v * clocks + f] + time_w * costs.duration(v, f);
        if (cost < lowest && earliest[v] + costs.duration(v, f) + costs.round_trip_s[f] <= latest_finish) {
          lowest = cost;
          chosen = f;
        }
      }
      if (chosen != top) {
        ++slowed;
        for (TaskId t : units.block_kernels[v]) plan.task_clock[t] = static_cast<ClockIndex>(chosen);
      }
    }
    latest_start[v] = latest_finish - costs.duration(v, chosen) - costs.round_trip_s[chosen];
  }
  return plan;
}

class CriticalPathPolicy final : public Policy {
 public:
  explicit CriticalPathPolicy(double budget) : budget_(budget) {}

  ClockPlan plan(const PlanningContext& context) const override {
    const Predecessors preds(context.program.graph);
    OrderedUnits units;
    order_units(context, preds, units);
    const UnitCosts costs = unit_costs(context, units.units(), preds,
                                       KernelCostTable(context.gpu, context.program, context.task_ceiling));
    std::vector<double> earliest;
    const double makespan = earliest_starts(units, costs, top_clock(context.gpu), earliest);
    const double wait_w = context.gpu.power().wait(context.gpu.profile().clock_max_mhz).total_w;
    BestPlan best(context, budget_limit(context.baseline, budget_));
    // The reverse pass hands the slack of a chain to its last blocks first. A price on time, a share m
    // of the wait power the slowed GPUs would otherwise draw, makes each block take less and leaves slack
    // for the blocks before it (energy falls fastest over the first steps down from the top clock). A few
    // prices are tried, each plan simulated, and the best kept; a plan that came out longer than allowed
    // (the block model is coarser than the simulated step) is redone with the deadline pulled in.
    int slowed = 0, best_slowed = 0;
    for (double price : {0.0, 0.5, 1.0, 2.0}) {
      double deadline = std::min(makespan, to_seconds(best.limit()));
      for (int attempt = 0; attempt < 4; ++attempt) {
        const ClockPlan plan =
            assign_clocks(context, units, costs, earliest, deadline, (price - 1.0) * wait_w, slowed);
        const double before = best.outcome().energy_j;
        const StepOutcome o = best.consider(plan);
        if (best.outcome().energy_j < before) best_slowed = slowed;
        if (o.time <= best.limit()) break;
        // The excess comes back smaller than the cut when the controller's ceilings moved with the plan:
        // each retry cuts four times deeper.
        deadline -= to_seconds(o.time - best.limit()) * static_cast<double>(1 << (2 * attempt));
      }
    }
    try_low_wait_clock(best, context.gpu);
    ClockPlan plan = best.plan();
    plan.notes.emplace_back("slowdown_budget", budget_);
    plan.notes.emplace_back("blocks", static_cast<double>(costs.gpus.size()));
    plan.notes.emplace_back("blocks_slowed", best_slowed);
    plan.notes.emplace_back("critical_path_s", makespan);
    return plan;
  }

 private:
  double budget_;
};

}  // namespace

std::unique_ptr<Policy> make_critical_path_policy(double budget) {
  return std::make_unique<CriticalPathPolicy>(budget);
}

void register_critical_path_policy(PolicyRegistry& registry) {
  registry.add(
      {"critical-path",
       "Perseus-style: slow work off the iteration's critical path into its slack (DAG, Boost Graph)",
       kParameters, [](const ParamValues& v, const GpuProfile&) {
         return std::make_unique<CriticalPathPolicy>(v.number("slowdown_budget"));
       }});
}

}  // namespace wattsim
