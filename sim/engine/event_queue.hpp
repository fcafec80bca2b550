#pragma once
// Event queue: a monotone radix heap on integer time; events at equal times leave in increasing payload
// order. The executor's payload is the task id, assigned in program order when the step is built, so the
// order of same-time events is a property of the program, not of the order they happened to be inserted.
//
// Why a radix heap: simulated time never goes backwards, so the queue is monotone and a radix heap gives
// O(1) push and amortised O(log T) pop whatever the number of pending events (a binary heap falls from
// ~20 M to ~2.5 M events/s between 10^2 and 10^6 pending events on this class of machine; see bench/).
// Bucket b > 0 holds events whose time first differs from the last popped time in bit b−1; bucket 0 holds
// the events at exactly the last popped time, sorted by payload and consumed from a head index (an event
// pushed at the current time, i.e. a zero-length task, is inserted in order). Entries are 16 bytes and the
// buckets keep their capacity, so a warm queue allocates nothing.
#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/sim_time.hpp"

namespace wattsim {

template <std::unsigned_integral Payload>
class EventQueue {
 public:
  struct Event {
    SimTime time;
    Payload payload;
  };

  // Schedules payload at time; time must not precede the last popped event.
  void push(SimTime time, Payload payload) {
    if (time < static_cast<SimTime>(last_))
      throw std::logic_error("event queue: time went backwards " + std::to_string(time) + " < " +
                             std::to_string(last_));
    const Entry e{static_cast<std::uint64_t>(time), payload};
    const std::size_t b = bucket_of(e.time);
    if (b > 0) {
      buckets_[b].push_back(e);
      occupied_ |= std::uint64_t{1} << (b - 1);
    } else {
      auto& zero = buckets_[0];
      zero.insert(
          std::upper_bound(zero.begin() + static_cast<std::ptrdiff_t>(head_), zero.end(), e, kEarlierPayload),
          e);
    }
    ++size_;
  }

  // Removes and returns the earliest event; among equal times, the smallest payload.
  Event pop() {
    assert(size_ > 0);
    if (head_ == buckets_[0].size()) refill_bucket_zero();
    const Entry e = buckets_[0][head_++];
    --size_;
    return Event{static_cast<SimTime>(e.time), e.payload};
  }

  // The earliest event, without removing it (the queue must not be empty). Leaves the queue as it is:
  // refilling here would move the heap's base to that event's time, and a later push of an earlier
  // (but still >= last popped) time would break the radix invariant.
  Event peek() const {
    assert(size_ > 0);
    if (head_ < buckets_[0].size()) return Event{static_cast<SimTime>(last_), buckets_[0][head_].payload};
    const auto& first = buckets_[static_cast<std::size_t>(std::countr_zero(occupied_)) + 1];
    const Entry* best = &first.front();
    for (const Entry& e : first)
      if (e.time < best->time || (e.time == best->time && e.payload < best->payload)) best = &e;
    return Event{static_cast<SimTime>(best->time), best->payload};
  }
  SimTime next_time() const { return peek().time; }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  SimTime last_time() const { return static_cast<SimTime>(last_); }

  // Forgets all events and restarts the clock at zero, keeping bucket capacity.
  void clear() {
    for (auto& bucket : buckets_) bucket.clear();
    head_ = 0;
    occupied_ = 0;
    size_ = 0;
    last_ = 0;
  }

 private:
  struct Entry {
    std::uint64_t time;
    Payload payload;
  };
  static constexpr auto kEarlierPayload = [](const Entry& a, const Entry& b) {
    return a.payload < b.payload;
  };

  std::size_t bucket_of(std::uint64_t time) const {
    return time == last_ ? 0 : static_cast<std::size_t>(64 - std::countl_zero(time ^ last_));
  }

  // Bucket 0 is exhausted: move the smallest time into it by redistributing the first non-empty bucket.
  void refill_bucket_zero() {
    buckets_[0].clear();
    head_ = 0;
    const std::size_t i = static_cast<std::size_t>(std::countr_zero(occupied_)) + 1;
    auto& source = buckets_[i];
    std::uint64_t smallest = source.front().time;
    for (const Entry& e : source) smallest = std::min(smallest, e.time);
    last_ = smallest;
    occupied_ &= ~(std::uint64_t{1} << (i - 1));
    for (const Entry& e : source) {
      const std::size_t b = bucket_of(e.time);  // always below i
      buckets_[b].push_back(e);
      if (b > 0) occupied_ |= std::uint64_t{1} << (b - 1);
    }
    source.clear();
    if (buckets_[0].size() > 1) std::sort(buckets_[0].begin(), buckets_[0].end(), kEarlierPayload);
  }

  std::array<std::vector<Entry>, 65> buckets_;
  std::size_t head_ = 0;        // next entry of bucket 0 to pop
  std::uint64_t occupied_ = 0;  // bit b−1 set when bucket b > 0 is non-empty
  std::uint64_t last_ = 0;
  std::size_t size_ = 0;
};

}  // namespace wattsim
