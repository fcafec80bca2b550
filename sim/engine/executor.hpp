#pragma once
// Runs a TaskGraph to completion. The executor owns the clock and the event queue; everything else is the
// Handler's: how long a task takes once it starts, and what its start and end change (power, traces).
//
// The handler is a template parameter, not a virtual interface, so the per-event calls inline.
//   SimTime Handler::start(TaskId, SimTime now)   -> the task's duration (>= 0), or kDeferred
//   void    Handler::finish(TaskId, SimTime now)
//   void    Handler::wakeup(SimTime now)          (optional) called at times asked for with wake_at()
//   void    Handler::begin_run(SimTime now)       (optional) called as a run starts, to ask for wakeups
// A deferred task's end is not known when it starts (a flow whose rate changes as others come and go);
// the handler ends it later with complete(), typically from wakeup().
// Determinism: completions at equal times are processed in task-id order (event_queue.hpp), and tasks
// that become ready at one instant start in the order those completions release them; task ids follow
// program order, so a step's schedule depends only on its program.
//
// Same-time order, in full: the queue orders events by (time, payload), and the payloads that are not
// tasks are the largest values, so at one instant every task completion (in task-id order) comes first,
// then the handler's wakeup (kWakeup), then the start marker (kStartMarker, pushed only at a run's start
// time, when nothing else is queued). A wakeup thus sees every completion of its instant already done.
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "engine/event_queue.hpp"
#include "engine/task_graph.hpp"

namespace wattsim {

struct ExecutionStats {
  SimTime end_time = 0;
  std::uint64_t events = 0;
};

class Executor {
 public:
  static constexpr SimTime kDeferred = -1;

  // During run(): ask for a wakeup() call at `time` (>= now), or end a deferred task now.
  void wake_at(SimTime time) { queue_.push(time, kWakeup); }
  void complete(TaskId task, SimTime now) { queue_.push(now, task); }

  // Runs every task of graph, starting at time start; returns when the last one finishes.
  template <class Handler>
  ExecutionStats run(const TaskGraph& graph, Handler& handler, SimTime start = 0) {
    const std::uint32_t n = graph.task_count();
    need_.resize(n);
    for (TaskId t = 0; t < n; ++t) need_[t] = graph.initial_need(t);
    cursor_.assign(graph.stream_count(), 0);
    queue_.clear();
    ExecutionStats stats;
    stats.end_time = start;
    std::uint32_t finished = 0;

    auto arrive = [&](TaskId t, SimTime now) {
      if (--need_[t] == 0) {
        const SimTime duration = handler.start(t, now);
        if (duration != kDeferred) queue_.push(now + duration, t);
      }
    };
    if (start > 0)
      queue_.push(start, kStartMarker);  // lifts the queue's clock to the start time
    else
      begin(graph, handler, arrive, start);

    // Stops at the last task's end: what may be left are wakeups the handler no longer needs, and
    // serving them would move the handler's clock past the end of the run.
    while (!queue_.empty() && finished < n) {
      const auto event = queue_.pop();
      ++stats.events;
      if (event.payload == kStartMarker) {
        begin(graph, handler, arrive, event.time);
        continue;
      }
      if (event.payload == kWakeup) {
        if constexpr (requires { handler.wakeup(event.time); }) handler.wakeup(event.time);
        continue;
      }
      const TaskId t = event.payload;
      handler.finish(t, event.time);
      ++finished;
      stats.end_time = event.time;
      for (StreamId s : graph.streams_of(t)) {
        auto tasks = graph.stream_tasks(s);
        if (++cursor_[s] < tasks.size()) arrive(tasks[cursor_[s]], event.time);
      }
      for (TaskId next : graph.successors(t)) arrive(next, event.time);
    }
    if (finished != n) throw std::logic_error("executor: tasks left unfinished (deadlock)");
    return stats;
  }

 private:
  // Payloads that are not tasks, named by their place in the same-time order (after every task).
  static constexpr TaskId kWakeup = ~TaskId{0} - 1;
  static constexpr TaskId kStartMarker = ~TaskId{0};

  template <class Handler, class Arrive>
  void begin(const TaskGraph& graph, Handler& handler, Arrive& arrive, SimTime now) {
    if constexpr (requires { handler.begin_run(now); }) handler.begin_run(now);
    // Every task sits on at least one stream (the builder enforces it), so each stream's head gets one
    // arrival and the rest follow from completions.
    for (StreamId s = 0; s < graph.stream_count(); ++s) {
      auto tasks = graph.stream_tasks(s);
      if (!tasks.empty()) arrive(tasks[0], now);
    }
  }

  std::vector<std::uint32_t> need_;
  std::vector<std::uint32_t> cursor_;
  EventQueue<TaskId> queue_;
};

}  // namespace wattsim
