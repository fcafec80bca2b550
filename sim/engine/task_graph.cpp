#include "engine/task_graph.hpp"

#include <stdexcept>
#include <string>

namespace wattsim {

StreamId TaskGraphBuilder::add_stream() {
  stream_tasks_.emplace_back();
  return static_cast<StreamId>(stream_tasks_.size() - 1);
}

TaskId TaskGraphBuilder::add_task(std::span<const StreamId> streams) {
  if (streams.empty()) throw std::logic_error("task graph: a task must occupy at least one stream");
  const auto id = static_cast<TaskId>(task_streams_.size());
  task_streams_.emplace_back(streams.begin(), streams.end());
  for (StreamId s : streams) stream_tasks_.at(s).push_back(id);
  return id;
}

void TaskGraphBuilder::add_dependency(TaskId before, TaskId after) {
  if (before >= task_count() || after >= task_count() || before == after)
    throw std::logic_error("task graph: bad dependency " + std::to_string(before) + " -> " +
                           std::to_string(after));
  edges_.emplace_back(before, after);
}

TaskGraph TaskGraphBuilder::build() const {
  TaskGraph g;
  const std::size_t n = task_streams_.size();
  g.initial_need_.assign(n, 0);
  g.successor_begin_.assign(n + 1, 0);
  for (auto [from, to] : edges_) {
    ++g.successor_begin_[from + 1];
    ++g.initial_need_[to];
  }
  for (std::size_t i = 0; i < n; ++i) g.successor_begin_[i + 1] += g.successor_begin_[i];
  g.successors_.resize(edges_.size());
  std::vector<std::uint32_t> fill(g.successor_begin_.begin(), g.successor_begin_.end() - 1);
  for (auto [from, to] : edges_) g.successors_[fill[from]++] = to;

  g.task_stream_begin_.assign(1, 0);
  for (std::size_t t = 0; t < n; ++t) {
    g.initial_need_[t] += static_cast<std::uint32_t>(task_streams_[t].size());
    g.task_streams_.insert(g.task_streams_.end(), task_streams_[t].begin(), task_streams_[t].end());
    g.task_stream_begin_.push_back(static_cast<std::uint32_t>(g.task_streams_.size()));
  }
  g.stream_begin_.assign(1, 0);
  for (const auto& tasks : stream_tasks_) {
    g.stream_tasks_.insert(g.stream_tasks_.end(), tasks.begin(), tasks.end());
    g.stream_begin_.push_back(static_cast<std::uint32_t>(g.stream_tasks_.size()));
  }

  // Kahn's algorithm over dependency edges plus stream-order edges: a cycle means a deadlock at run time.
  std::vector<std::pair<TaskId, TaskId>> order_edges(edges_);
  for (const auto& tasks : stream_tasks_)
    for (std::size_t i = 1; i < tasks.size(); ++i) order_edges.emplace_back(tasks[i - 1], tasks[i]);
  std::vector<std::uint32_t> begin(n + 1, 0), indegree(n, 0);
  for (auto [from, to] : order_edges) {
    ++begin[from + 1];
    ++indegree[to];
  }
  for (std::size_t i = 0; i < n; ++i) begin[i + 1] += begin[i];
  std::vector<TaskId> next(order_edges.size());
  std::vector<std::uint32_t> cursor(begin.begin(), begin.end() - 1);
  for (auto [from, to] : order_edges) next[cursor[from]++] = to;
  std::vector<TaskId> ready;
  for (std::size_t t = 0; t < n; ++t)
    if (indegree[t] == 0) ready.push_back(static_cast<TaskId>(t));
  std::size_t visited = 0;
  while (!ready.empty()) {
    const TaskId t = ready.back();
    ready.pop_back();
    ++visited;
    for (std::uint32_t e = begin[t]; e < begin[t + 1]; ++e)
      if (--indegree[next[e]] == 0) ready.push_back(next[e]);
  }
  if (visited != n) throw std::logic_error("task graph: dependencies and stream order form a cycle");
  return g;
}

}  // namespace wattsim
