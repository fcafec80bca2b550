#pragma once
// A task DAG laid over in-order streams, in compressed (CSR) arrays.
//
// A task occupies one or more streams (a kernel: one GPU's compute stream; a collective: the communication
// stream of every participant) and may depend on other tasks. It starts when it is at the head of each of
// its streams and all its dependencies have finished, which is how CUDA streams and NCCL collectives behave.
// The engine knows nothing else about a task: what it is and how long it takes belong to the models.
#include <cstdint>
#include <span>
#include <vector>

namespace wattsim {

using TaskId = std::uint32_t;
using StreamId = std::uint32_t;

class TaskGraph {
 public:
  std::uint32_t task_count() const { return static_cast<std::uint32_t>(initial_need_.size()); }
  std::uint32_t stream_count() const { return static_cast<std::uint32_t>(stream_begin_.size() - 1); }

  std::span<const TaskId> successors(TaskId t) const {
    return {successors_.data() + successor_begin_[t], successors_.data() + successor_begin_[t + 1]};
  }
  std::span<const StreamId> streams_of(TaskId t) const {
    return {task_streams_.data() + task_stream_begin_[t], task_streams_.data() + task_stream_begin_[t + 1]};
  }
  std::span<const TaskId> stream_tasks(StreamId s) const {
    return {stream_tasks_.data() + stream_begin_[s], stream_tasks_.data() + stream_begin_[s + 1]};
  }
  // Dependencies plus streams: the number of arrivals a task waits for before it may start.
  std::uint32_t initial_need(TaskId t) const { return initial_need_[t]; }

 private:
  friend class TaskGraphBuilder;
  std::vector<std::uint32_t> initial_need_;
  std::vector<std::uint32_t> successor_begin_;
  std::vector<TaskId> successors_;
  std::vector<std::uint32_t> task_stream_begin_;
  std::vector<StreamId> task_streams_;
  std::vector<std::uint32_t> stream_begin_;
  std::vector<TaskId> stream_tasks_;
};

class TaskGraphBuilder {
 public:
  StreamId add_stream();
  // Appends a task to the end of each listed stream.
  TaskId add_task(std::span<const StreamId> streams);
  TaskId add_task(StreamId stream) { return add_task(std::span<const StreamId>(&stream, 1)); }
  void add_dependency(TaskId before, TaskId after);
  std::uint32_t task_count() const { return static_cast<std::uint32_t>(task_streams_.size()); }
  // Checks that the dependencies and stream orders admit a schedule, then freezes the graph.
  TaskGraph build() const;

 private:
  std::vector<std::vector<StreamId>> task_streams_;
  std::vector<std::vector<TaskId>> stream_tasks_;
  std::vector<std::pair<TaskId, TaskId>> edges_;
};

}  // namespace wattsim
