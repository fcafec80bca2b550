// The event queue and the task-DAG executor: ordering, determinism, stream and dependency semantics.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "engine/event_queue.hpp"
#include "engine/executor.hpp"

namespace wattsim {
namespace {

TEST(EventQueue, PopsInTimeThenPayloadOrder) {
  EventQueue<unsigned> q;
  q.push(30, 0);
  q.push(10, 1);
  q.push(20, 2);
  q.push(10, 3);
  q.push(10, 4);
  std::vector<std::pair<SimTime, unsigned>> out;
  while (!q.empty()) {
    auto e = q.pop();
    out.emplace_back(e.time, e.payload);
  }
  const std::vector<std::pair<SimTime, unsigned>> expected = {{10, 1}, {10, 3}, {10, 4}, {20, 2}, {30, 0}};
  EXPECT_EQ(out, expected);
}

TEST(EventQueue, SameTimeOrderDoesNotDependOnInsertionOrder) {
  for (bool reversed : {false, true}) {
    EventQueue<unsigned> q;
    q.push(1, 99);
    q.pop();  // the clock is now at 1: pushes at 1 go straight to the current-time heap
    const unsigned payloads[] = {7, 3, 5};
    for (int i = 0; i < 3; ++i) q.push(reversed ? 5 : 1, payloads[reversed ? 2 - i : i]);
    q.push(reversed ? 5 : 1, 4);
    std::vector<unsigned> out;
    while (!q.empty()) out.push_back(q.pop().payload);
    EXPECT_EQ(out, (std::vector<unsigned>{3, 4, 5, 7}));
  }
}

TEST(EventQueue, MatchesAStableSortUnderRandomHoldModel) {
  // Hold model: pop the earliest, push a new event at a random later time; compare with a reference that
  // keeps (time, payload) pairs sorted. Payloads are unique, delays small, so equal times are frequent.
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<SimTime> delay(0, 1000);  // many equal times on purpose
  EventQueue<std::uint64_t> q;
  std::vector<std::pair<SimTime, std::uint64_t>> reference;
  std::uniform_int_distribution<std::uint64_t> payload(0, 1u << 30);
  std::uint64_t next = 0;
  for (int i = 0; i < 500; ++i) {
    const SimTime t = delay(rng);
    const std::uint64_t p = payload(rng) * 1000 + next++;  // unique, in random order
    q.push(t, p);
    reference.emplace_back(t, p);
  }
  SimTime now = 0;
  for (int i = 0; i < 20000; ++i) {
    std::sort(reference.begin(), reference.end());
    const auto expected = reference.front();
    reference.erase(reference.begin());
    const auto e = q.pop();
    ASSERT_EQ(e.time, expected.first);
    ASSERT_EQ(e.payload, expected.second);
    ASSERT_GE(e.time, now);
    now = e.time;
    const SimTime t = now + delay(rng) / 10;
    const std::uint64_t p = payload(rng) * 1000 + (next++ % 1000);
    q.push(t, p);
    reference.emplace_back(t, p);
  }
  EXPECT_EQ(q.size(), reference.size());
}

TEST(EventQueue, ClearRestartsTheClock) {
  EventQueue<unsigned> q;
  q.push(100, 1);
  q.pop();
  q.clear();
  q.push(5, 2);
  EXPECT_EQ(q.pop().time, 5);
}

// A handler with fixed durations that records start and finish times.
struct FixedDurations {
  std::vector<SimTime> duration;
  std::vector<SimTime> started, finished;
  std::vector<TaskId> start_order;
  explicit FixedDurations(std::vector<SimTime> d)
      : duration(std::move(d)), started(duration.size(), -1), finished(duration.size(), -1) {}
  SimTime start(TaskId t, SimTime now) {
    started[t] = now;
    start_order.push_back(t);
    return duration[t];
  }
  void finish(TaskId t, SimTime now) { finished[t] = now; }
};

TEST(Executor, StreamsRunInOrderAndOverlapEachOther) {
  TaskGraphBuilder b;
  const StreamId compute = b.add_stream();
  const StreamId comm = b.add_stream();
  const TaskId k0 = b.add_task(compute);
  const TaskId k1 = b.add_task(compute);
  const TaskId c0 = b.add_task(comm);
  b.add_dependency(k0, c0);  // communication needs k0's output but overlaps k1
  const TaskGraph g = b.build();
  FixedDurations h({10, 10, 15});
  Executor ex;
  const auto stats = ex.run(g, h);
  EXPECT_EQ(h.started[k0], 0);
  EXPECT_EQ(h.started[k1], 10);
  EXPECT_EQ(h.started[c0], 10);
  EXPECT_EQ(h.finished[c0], 25);
  EXPECT_EQ(stats.end_time, 25);
}

TEST(Executor, MultiStreamTaskWaitsForEveryParticipant) {
  // A collective on two GPUs' comm streams starts when the later participant reaches it.
  TaskGraphBuilder b;
  const StreamId a = b.add_stream();
  const StreamId c = b.add_stream();
  const TaskId slow = b.add_task(a);
  const TaskId fast = b.add_task(c);
  const StreamId both[] = {a, c};
  const TaskId collective = b.add_task(both);
  const TaskGraph g = b.build();
  FixedDurations h({50, 5, 7});
  Executor ex;
  ex.run(g, h);
  EXPECT_EQ(h.started[collective], 50);
  EXPECT_EQ(h.finished[collective], 57);
  (void)slow;
  (void)fast;
}

TEST(Executor, StartOffsetShiftsEverything) {
  TaskGraphBuilder b;
  const StreamId s = b.add_stream();
  b.add_task(s);
  b.add_task(s);
  const TaskGraph g = b.build();
  FixedDurations h({3, 4});
  Executor ex;
  EXPECT_EQ(ex.run(g, h, 1000).end_time, 1007);
  EXPECT_EQ(h.started[0], 1000);
}

TEST(Executor, SameTimeStartsAreDeterministic) {
  auto run_once = [] {
    TaskGraphBuilder b;
    std::vector<StreamId> streams;
    for (int i = 0; i < 16; ++i) streams.push_back(b.add_stream());
    const TaskId root = b.add_task(streams[0]);
    for (int i = 1; i < 16; ++i) b.add_dependency(root, b.add_task(streams[i]));
    FixedDurations h(std::vector<SimTime>(16, 5));
    Executor ex;
    ex.run(b.build(), h);
    return h.start_order;
  };
  EXPECT_EQ(run_once(), run_once());
}

TEST(TaskGraph, RejectsCycles) {
  TaskGraphBuilder b;
  const StreamId s = b.add_stream();
  const TaskId first = b.add_task(s);
  const TaskId second = b.add_task(s);
  b.add_dependency(second, first);  // contradicts the stream order
  EXPECT_THROW(b.build(), std::logic_error);
}

TEST(TaskGraph, RejectsTasksOnNoStream) {
  TaskGraphBuilder b;
  EXPECT_THROW(b.add_task(std::span<const StreamId>()), std::logic_error);
}

}  // namespace
}  // namespace wattsim

namespace wattsim {
namespace {

// peek() must not disturb the queue: a push after it, earlier than the peeked event but not earlier
// than the last pop, still comes out first.
TEST(EventQueue, PeekDoesNotMoveTheClock) {
  EventQueue<unsigned> q;
  q.push(10, 1);
  q.pop();
  q.push(1000, 2);
  EXPECT_EQ(q.peek().time, 1000);
  q.push(20, 3);
  EXPECT_EQ(q.peek().payload, 3u);
  EXPECT_EQ(q.pop().time, 20);
  EXPECT_EQ(q.pop().time, 1000);
}

}  // namespace
}  // namespace wattsim
