#pragma once
// Event queue: a radix heap over the 128-bit key (time << 64 | sequence).
//
// Why a radix heap: simulated time never goes backwards, so the queue is monotone and a radix heap gives
// O(1) push and amortised O(log C) pop independent of the number of pending events (a binary heap degrades
// from ~18 M to ~1 M events/s between 10^2 and 10^6 pending events on this class of machine; design §8).
// Why 128-bit keys: same-time events must leave in insertion order (the documented tie-break), and the
// pair (time, sequence) packed this way stays monotone because every new sequence number exceeds every
// earlier one. Buckets are vectors that keep their capacity, so a warm queue allocates nothing.
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/sim_time.hpp"

namespace wattsim {

template <class Payload>
class EventQueue {
 public:
  struct Event {
    SimTime time;
    Payload payload;
  };

  // Schedules payload at time; time must not precede the last popped event.
  void push(SimTime time, Payload payload) {
    assert(time >= last_time());
    const Key key = (static_cast<Key>(static_cast<std::uint64_t>(time)) << 64) | next_sequence_++;
    buckets_[bucket_of(key)].push_back(Entry{key, payload});
    ++size_;
  }

  // Removes and returns the earliest event; among equal times, the one pushed first.
  Event pop() {
    assert(size_ > 0);
    if (buckets_[0].empty()) refill_bucket_zero();
    Entry entry = buckets_[0].back();
    buckets_[0].pop_back();
    --size_;
    return Event{static_cast<SimTime>(static_cast<std::uint64_t>(entry.key >> 64)), entry.payload};
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  SimTime last_time() const { return static_cast<SimTime>(static_cast<std::uint64_t>(last_ >> 64)); }

  // Forgets all events and restarts the clock at zero, keeping bucket capacity.
  void clear() {
    for (auto& bucket : buckets_) bucket.clear();
    size_ = 0;
    last_ = 0;
    next_sequence_ = 0;
  }

 private:
  __extension__ using Key = unsigned __int128;
  struct Entry {
    Key key;
    Payload payload;
  };

  static int leading_zeros(Key x) {
    const auto high = static_cast<std::uint64_t>(x >> 64);
    if (high != 0) return __builtin_clzll(high);
    const auto low = static_cast<std::uint64_t>(x);
    return low == 0 ? 128 : 64 + __builtin_clzll(low);
  }
  std::size_t bucket_of(Key key) const { return static_cast<std::size_t>(128 - leading_zeros(key ^ last_)); }

  // Moves the smallest key into bucket 0 by redistributing the first non-empty bucket around it.
  void refill_bucket_zero() {
    std::size_t i = 1;
    while (buckets_[i].empty()) ++i;
    auto& source = buckets_[i];
    Key smallest = source.front().key;
    for (const Entry& e : source) smallest = e.key < smallest ? e.key : smallest;
    last_ = smallest;
    for (const Entry& e : source) buckets_[bucket_of(e.key)].push_back(e);
    source.clear();
  }

  std::array<std::vector<Entry>, 129> buckets_;
  Key last_ = 0;
  std::uint64_t next_sequence_ = 0;
  std::size_t size_ = 0;
};

}  // namespace wattsim
