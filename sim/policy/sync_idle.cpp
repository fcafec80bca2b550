// Low-power synchronisation waits: kernels keep the top clock, but a GPU that has been idle for the hold
// time (waiting in a pipeline bubble, for a collective or for a peer) drops to a low clock, and the next
// kernel pays the clock-transition latency to come back (EnvPipe, S61, places bubbles to lower the clock
// into them; Perseus' comm-wait power, S31/S33, is what an idle GPU draws). The saving is the idle time
// spent at the low clock times the wait-power difference between the two clocks, less the stalls.
#include "policy/policy.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    param::quantity("idle_clock", Dimension::Frequency, "the SM clock an idle GPU drops to",
                    param::derived("the lowest supported"), 1e6, 1e10),
    param::quantity("hold", Dimension::Time, "idle time before the drop",
                    param::derived("twice the clock-transition latency"), 0, 3600),
};

class SyncIdlePolicy final : public Policy {
 public:
  SyncIdlePolicy(ClockIndex idle, SimTime hold) : idle_(idle), hold_(hold) {}
  ClockPlan plan(const PlanningContext& context) const override {
    ClockPlan p = max_clock_plan(context.gpu, context.program);
    p.wait_clock.assign(p.wait_clock.size(), idle_);
    p.wait_hold = hold_ >= 0 ? hold_ : 2 * context.gpu.profile().clock_transition_ns;
    p.notes.emplace_back("idle_clock_mhz", context.gpu.profile().clock_at(idle_));
    p.notes.emplace_back("hold_s", to_seconds(p.wait_hold));
    return p;
  }

 private:
  ClockIndex idle_;
  SimTime hold_;  // < 0: the default
};

std::unique_ptr<Policy> make(const ParamValues& v, const GpuProfile& gpu) {
  const SimTime hold = v.has("hold") ? seconds_to_time(v.number_or("hold", 0)) : -1;
  return std::make_unique<SyncIdlePolicy>(clock_parameter(v, "idle_clock", gpu, 0), hold);
}

void check(const ParamValues& v, const GpuProfile& gpu, Issues& issues) {
  check_supported_clock(v, "idle_clock", gpu, issues);
}

}  // namespace

void register_sync_idle_policy(PolicyRegistry& registry) {
  registry.add({"sync-idle", "top clock for kernels; idle GPUs drop to a low clock after a hold time",
                kParameters, make, check});
}

}  // namespace wattsim
