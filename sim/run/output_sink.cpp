#include "run/output_sink.hpp"

#include <algorithm>
#include <stdexcept>

namespace wattsim {

const MemorySink::Trace& MemorySink::trace(const std::string& policy) const {
  for (const Trace& t : traces_)
    if (t.policy == policy) return t;
  throw std::out_of_range("no trace of policy " + policy);
}

bool SinkList::wants_trace() const {
  return std::any_of(sinks_.begin(), sinks_.end(), [](const OutputSink* s) { return s->wants_trace(); });
}
void SinkList::begin_policy(const std::string& name) {
  for (OutputSink* s : sinks_) s->begin_policy(name);
}
void SinkList::power(const PowerSegment& segment) {
  for (OutputSink* s : sinks_)
    if (s->wants_trace()) s->power(segment);
}
void SinkList::event(const TraceEvent& e) {
  for (OutputSink* s : sinks_)
    if (s->wants_trace()) s->event(e);
}
void SinkList::end_policy(const PolicyResult& r) {
  for (OutputSink* s : sinks_) s->end_policy(r);
}
void SinkList::end_run(const RunResult& r) {
  for (OutputSink* s : sinks_) s->end_run(r);
}

}  // namespace wattsim
