// Critical-path frequency planning (Perseus, Chung et al. SOSP'24, S48/S49): work that is not on the
// iteration's critical path has slack, and slowing it into that slack saves energy without lengthening the
// iteration. Slack comes from pipeline stages with less work than others ("intrinsic" bloat), from waits
// before collectives, and from a straggler that everyone else waits for ("extrinsic" bloat).
//
// Algorithm.
//  1. Units: runs of kernels that follow one another with nothing else to wait for (one microbatch's
//     forward or backward on a stage, say), joined across a TP group by its tensor-parallel collectives,
//     form one block planned at one clock; every other task is a unit of its own with a fixed duration.
//     The units and their dependencies (task edges and stream order) form a Boost Graph DAG.
//  2. Forward pass in topological order with every block at the top clock: earliest start ES(u).
//  3. Reverse pass from the deadline D: a unit's latest finish LF(u) is the least latest start of its
//     successors; a block takes the clock f minimising E_u(f) − (1 − m)·n_u·P_wait·t_u(f) (its n_u GPUs
//     would otherwise wait that time; m ≥ 0 prices slack so that it spreads over a chain, m ∈ {0, ½, 1, 2}
//     tried) among those with ES(u) + t_u(f) + 2τ ≤ LF(u) (τ the clock-transition latency,
//     paid entering and leaving the block). Predecessors are planned later against LS(u) = LF(u) − t_u(f), so
//     every unit still finishes by its LF when all run as early as they can: the step ends by D.
//  4. The plan is simulated; the block model may differ from the task-level schedule (a collective that
//     follows a layer inside a block is modelled as following the block), so if the step came out longer
//     than allowed, D is pulled in by the excess and the plan redone (at most a few times), and if
//     it still is, static clocks are kept: the policy never lengthens the iteration beyond its budget.
#include <algorithm>
#include <limits>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>

#include "policy/adaptive_policies.hpp"
#include "policy/kernel_costs.hpp"
#include "policy/plan_search.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    param::number("slowdown_budget", "allowed step-time increase over static, as a fraction", "0", 0, 1),
};

using UnitGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

struct Units {
  std::vector<std::uint32_t> of_task;              // task -> unit
  std::vector<std::vector<TaskId>> block_kernels;  // per unit: its kernel tasks (empty: fixed unit)
  std::vector<double> fixed_s;                     // per unit: duration of its collectives
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

// Blocks: a kernel or tensor-parallel collective whose only arrivals are its stream predecessors joins
// their blocks (unless one of them has a dependent elsewhere, such as a layer's last gradient kernel that a
// data-parallel reduction waits for: a block ends there, so the model does not delay the reduction) when all
// are kernels or tensor-parallel collectives of the same microbatch and pass. A TP collective thus joins the
// blocks of all its ranks: a TP group, which runs in lockstep, gets one clock. With `across_gpus` false,
// collectives stay units of their own (blocks never span GPUs).
void build_units(const PlanningContext& context, bool across_gpus, Units& u) {
  const StepProgram& program = context.program;
  const TaskGraph& g = program.graph;
  const std::uint32_t n = g.task_count();
  std::vector<TaskId> stream_last(g.stream_count(), std::numeric_limits<TaskId>::max());
  std::vector<std::uint32_t> parent(n);
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  // Task ids follow program order, so every task's stream predecessors come before it.
  for (TaskId t = 0; t < n; ++t) {
    parent[t] = t;
    const StepTask& task = program.tasks[t];
    const auto streams = g.streams_of(t);
    bool join = blockable(program, task) && g.initial_need(t) == streams.size() &&
                (across_gpus || task.type == TaskType::Kernel);
    for (StreamId s : streams) {
      const TaskId before = stream_last[s];
      join = join && before != std::numeric_limits<TaskId>::max() && g.successors(before).empty() &&
             blockable(program, program.tasks[before]) &&
             (across_gpus || program.tasks[before].type == TaskType::Kernel) &&
             block_class(program, program.tasks[before]) == block_class(program, task);
    }
    if (join)
      for (StreamId s : streams) parent[find(stream_last[s])] = find(t);
    for (StreamId s : streams) stream_last[s] = t;
  }
  u.of_task.assign(n, 0);
  std::vector<std::uint32_t> unit_of_root(n, std::numeric_limits<std::uint32_t>::max());
  for (TaskId t = 0; t < n; ++t) {
    std::uint32_t& unit = unit_of_root[find(t)];
    if (unit == std::numeric_limits<std::uint32_t>::max()) {
      unit = static_cast<std::uint32_t>(u.block_kernels.size());
      u.block_kernels.emplace_back();
      u.fixed_s.push_back(0.0);
    }
    u.of_task[t] = unit;
    const StepTask& task = program.tasks[t];
    if (task.type == TaskType::Kernel)
      u.block_kernels[unit].push_back(t);
    else
      u.fixed_s[unit] += to_seconds(context.collective_time[task.index]);
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

class CriticalPathPolicy final : public Policy {
 public:
  explicit CriticalPathPolicy(double budget) : budget_(budget) {}

  ClockPlan plan(const PlanningContext& context) const override {
    const StepProgram& program = context.program;
    const GpuProfile& profile = context.gpu.profile();
    const KernelCostTable costs(context.gpu, program);
    const int clocks = costs.clocks();
    const ClockStep top = top_clock_step(context.gpu);
    // Blocks that span TP groups, unless that joins blocks into a cycle; then blocks of one GPU each.
    Units group_blocks, gpu_blocks;
    build_units(context, true, group_blocks);
    const Units* chosen = &group_blocks;
    std::vector<std::size_t> reverse_topological;
    try {
      boost::topological_sort(group_blocks.graph, std::back_inserter(reverse_topological));
    } catch (const boost::not_a_dag&) {
      // Blocks of one GPU cannot form a cycle: only a block's first task waits on anything outside it.
      build_units(context, false, gpu_blocks);
      chosen = &gpu_blocks;
      reverse_topological.clear();
      boost::topological_sort(gpu_blocks.graph, std::back_inserter(reverse_topological));
    }
    const Units& units = *chosen;
    const std::size_t n = units.block_kernels.size();
    // Block time and energy per clock: the GPUs of a block run side by side (a TP group), so its kernel
    // time is the longest of theirs (each scaled by its GPU's variation factor); its energy is the sum.
    std::vector<double> time(n * static_cast<std::size_t>(clocks), 0.0), energy(time.size(), 0.0);
    std::vector<double> per_gpu(static_cast<std::size_t>(program.gpus) * clocks, 0.0);
    std::vector<std::uint32_t> touched;
    std::vector<double> gpus_in(n, 0.0);  // GPUs a block keeps busy, multiplicity counted
    for (std::size_t v = 0; v < n; ++v) {
      for (TaskId t : units.block_kernels[v]) {
        const std::uint32_t gpu = program.tasks[t].gpu;
        const double factor = context.gpu_time_factor.empty() ? 1.0 : context.gpu_time_factor[gpu];
        double* row = &per_gpu[static_cast<std::size_t>(gpu) * clocks];
        if (std::all_of(row, row + clocks, [](double x) { return x == 0.0; })) touched.push_back(gpu);
        for (int f = 0; f < clocks; ++f) {
          const KernelCost& c = costs.at(program.tasks[t].index, static_cast<ClockStep>(f));
          row[f] += c.time_s * factor;
          energy[v * clocks + f] += c.energy_j * program.gpu_multiplicity[gpu];
        }
      }
      for (std::uint32_t gpu : touched) {
        gpus_in[v] += program.gpu_multiplicity[gpu];
        double* row = &per_gpu[static_cast<std::size_t>(gpu) * clocks];
        for (int f = 0; f < clocks; ++f) {
          time[v * clocks + f] = std::max(time[v * clocks + f], row[f]);
          row[f] = 0.0;
        }
      }
      touched.clear();
    }
    auto duration = [&](std::size_t v, int f) {
      return units.fixed_s[v] + (units.block_kernels[v].empty() ? 0.0 : time[v * clocks + f]);
    };
    std::vector<double> earliest(n, 0.0);
    double makespan = 0;
    for (auto it = reverse_topological.rbegin(); it != reverse_topological.rend(); ++it) {
      const double end = earliest[*it] + duration(*it, top);
      makespan = std::max(makespan, end);
      for (auto [e, last] = boost::out_edges(*it, units.graph); e != last; ++e)
        earliest[boost::target(*e, units.graph)] = std::max(earliest[boost::target(*e, units.graph)], end);
    }
    const double wait_w = context.gpu.power().wait(profile.clock_max_mhz).total_w;
    const double transition_s = to_seconds(profile.clock_transition_ns);
    BestPlan best(context, budget_limit(context.baseline, budget_));
    // The reverse pass hands the slack of a chain to its last blocks first. A price on time, a share m
    // of the wait power the slowed GPUs would otherwise draw, makes each block take less and leaves slack
    // for the blocks before it (energy falls fastest over the first steps down from the top clock). A few
    // prices are tried, each plan simulated, and the best kept.
    int slowed = 0, best_slowed = 0;
    for (double price : {0.0, 0.5, 1.0, 2.0}) {
      double deadline = std::min(makespan, to_seconds(best.limit()));
      for (int attempt = 0; attempt < 4; ++attempt) {
        std::vector<double> latest_start(n, deadline);
        // A GPU that goes idle moves at once to its next kernel's clock, so the transition out of a slowed
        // block overlaps whatever the next unit waits for (the 2τ charged to the block covers it anyway).
        ClockPlan plan = max_clock_plan(context.gpu, program);
        plan.wait_hold = ClockPlan::kNextKernelClock;
        slowed = 0;
        for (std::size_t v : reverse_topological) {
          double latest_finish = deadline;
          for (auto [e, last] = boost::out_edges(v, units.graph); e != last; ++e)
            latest_finish = std::min(latest_finish, latest_start[boost::target(*e, units.graph)]);
          int chosen = top;
          if (!units.block_kernels[v].empty()) {
            const double time_w = (price - 1.0) * wait_w * gpus_in[v];
            double lowest = energy[v * clocks + top] + time_w * time[v * clocks + top];
            for (int f = 0; f < top; ++f) {
              const double cost = energy[v * clocks + f] + time_w * time[v * clocks + f];
              if (cost < lowest && earliest[v] + duration(v, f) + 2 * transition_s <= latest_finish) {
                lowest = cost;
                chosen = f;
              }
            }
            if (chosen != top) {
              ++slowed;
              for (TaskId t : units.block_kernels[v]) plan.task_clock[t] = static_cast<ClockStep>(chosen);
            }
          }
          latest_start[v] = latest_finish - duration(v, chosen) - (chosen != top ? 2 * transition_s : 0.0);
        }
        const double before = best.outcome().energy_j;
        const StepOutcome o = best.consider(plan);
        if (best.outcome().energy_j < before) best_slowed = slowed;
        if (o.time <= best.limit()) break;
        deadline -= to_seconds(o.time - best.limit());
      }
    }
    slowed = best_slowed;
    try_low_wait_clock(best, context.gpu);
    ClockPlan plan = best.plan();
    plan.notes.emplace_back("slowdown_budget", budget_);
    plan.notes.emplace_back("blocks", static_cast<double>(n));
    plan.notes.emplace_back("blocks_slowed", slowed);
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
       kParameters, [](MapReader& r, const GpuProfile&) {
         return std::make_unique<CriticalPathPolicy>(r.number("slowdown_budget", 0.0));
       }});
}

}  // namespace wattsim
