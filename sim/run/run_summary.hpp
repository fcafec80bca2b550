#pragma once
// From simulated steps to a run: the steady state extrapolated to the run's length, or a policy's schedule
// laid out over wall-clock time; and the run's metrics.
#include <vector>

#include "config/scenario.hpp"
#include "energy/grid_intensity.hpp"
#include "hardware/gpu_model.hpp"
#include "policy/clock_plan.hpp"
#include "policy/policy.hpp"
#include "run/run_metrics.hpp"
#include "run/step_record.hpp"
#include "run/step_simulator.hpp"
#include "workload/step_program.hpp"

namespace wattsim {

// A policy's run as a whole.
struct RunTotals {
  StepRecord run;  // sums over the run (time_s, energy_j and its parts)
  double co2e_kg = 0;
  double steps = 0;
};

// Back-to-back steps from t = 0: the simulated steps as simulated, the rest as the last one.
RunTotals extrapolated_run(const std::vector<StepRecord>& steps, const std::vector<LayerEnergy>& step_layers,
                           double run_steps, const GridIntensity& grid, double pue, LayerEnergy& run_layers);

// Laid out by a schedule: each segment's steps at its clock's steady step (one simulated step per
// distinct clock), paused segments drawing nothing, wall time to the end of the last segment.
RunTotals scheduled_run(StepSimulator& sim, const StepProgram& program,
                        const std::vector<ScheduleSegment>& schedule, const GridIntensity& grid, double pue,
                        LayerEnergy& run_layers);

RunMetrics summarise(const Scenario& scenario, const StepProgram& program, const GpuModel& gpu,
                     const std::vector<StepRecord>& steps, const ClockPlan& plan, const RunTotals& totals,
                     const ClusterPower& cluster);

}  // namespace wattsim
