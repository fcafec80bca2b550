#include "io/hdf5_sink.hpp"

#include "io/hdf5_util.hpp"
#include "io/output_file.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

namespace wattsim {

namespace {

using namespace hdf5;

template <class Names>
std::vector<std::string> names_of(const Names& names) {
  return {std::begin(names), std::end(names)};
}

struct Field {
  const char* name;
  std::size_t offset;
  hid_t memory_type;  // native type in memory; stored as the matching little-endian type
};

// A table: one compound dataset of records of `row_size` bytes, chunked and deflated, that grows as rows
// are appended.
class Table {
 public:
  Table(hid_t parent, const char* name, std::size_t row_size, const std::vector<Field>& fields,
        hsize_t chunk_rows)
      : type_(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose, "compound type") {
    for (const Field& f : fields) check(H5Tinsert(type_, f.name, f.offset, f.memory_type), "insert field");
    // Stored packed: the struct's padding bytes (indeterminate in memory) never reach the file, so equal
    // results give byte-identical datasets.
    Handle file_type(H5Tcopy(type_), H5Tclose, "file type");
    check(H5Tpack(file_type), "pack compound type");
    const hsize_t dims = 0, max_dims = H5S_UNLIMITED;
    Handle space(H5Screate_simple(1, &dims, &max_dims), H5Sclose, "table space");
    Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "dataset properties");
    const hsize_t chunk = std::clamp<hsize_t>(chunk_rows, 1, 1 << 14);
    check(H5Pset_chunk(plist, 1, &chunk), "set chunk");
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
      check(H5Pset_shuffle(plist), "set shuffle");
      check(H5Pset_deflate(plist, 4), "set deflate");
    }
    dataset_ =
        Handle(H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT, plist, H5P_DEFAULT), H5Dclose, name);
  }
  void append(const void* rows, std::size_t count) {
    if (count == 0) return;
    const hsize_t start = rows_, n = count;
    rows_ += n;
    check(H5Dset_extent(dataset_, &rows_), "extend table");
    Handle file_space(H5Dget_space(dataset_), H5Sclose, "table space");
    check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, nullptr, &n, nullptr), "select rows");
    Handle memory_space(H5Screate_simple(1, &n, nullptr), H5Sclose, "row space");
    check(H5Dwrite(dataset_, type_, memory_space, file_space, H5P_DEFAULT, rows), "write table");
  }
  hid_t id() const { return dataset_; }

 private:
  Handle type_;
  Handle dataset_;
  hsize_t rows_ = 0;
};

template <class Row>
void write_table(hid_t parent, const char* name, const std::vector<Row>& rows,
                 const std::vector<Field>& fields, std::optional<Table>* keep = nullptr) {
  Table t(parent, name, sizeof(Row), fields, rows.size());
  t.append(rows.data(), rows.size());
  if (keep) keep->emplace(std::move(t));
}

constexpr std::size_t kTraceChunkRows = 1 << 14;

Table power_table(hid_t parent) {
  return Table(parent, "power", sizeof(PowerSegment),
               {{"gpu", HOFFSET(PowerSegment, gpu), H5T_NATIVE_UINT32},
                {"t0_s", HOFFSET(PowerSegment, t0_s), H5T_NATIVE_DOUBLE},
                {"t1_s", HOFFSET(PowerSegment, t1_s), H5T_NATIVE_DOUBLE},
                {"watts", HOFFSET(PowerSegment, watts), H5T_NATIVE_DOUBLE},
                {"clock_mhz", HOFFSET(PowerSegment, clock_mhz), H5T_NATIVE_DOUBLE}},
               kTraceChunkRows);
}

Table event_table(hid_t parent) {
  return Table(parent, "events", sizeof(TraceEvent),
               {{"gpu", HOFFSET(TraceEvent, gpu), H5T_NATIVE_UINT32},
                {"step", HOFFSET(TraceEvent, step), H5T_NATIVE_UINT32},
                {"t0_s", HOFFSET(TraceEvent, t0_s), H5T_NATIVE_DOUBLE},
                {"t1_s", HOFFSET(TraceEvent, t1_s), H5T_NATIVE_DOUBLE},
                {"kind", HOFFSET(TraceEvent, kind), H5T_NATIVE_UINT8},
                {"pass", HOFFSET(TraceEvent, pass), H5T_NATIVE_UINT8},
                {"layer", HOFFSET(TraceEvent, layer), H5T_NATIVE_UINT16},
                {"label", HOFFSET(TraceEvent, label), H5T_NATIVE_UINT16},
                {"clock_mhz", HOFFSET(TraceEvent, clock_mhz), H5T_NATIVE_DOUBLE},
                {"energy_j", HOFFSET(TraceEvent, energy_j), H5T_NATIVE_DOUBLE}},
               kTraceChunkRows);
}

void write_summary(hid_t policy, const PolicyResult& p) {
  Handle summary = group(policy, "summary");
  for (const MetricField& f : metric_fields())
    if (const std::optional<double> v = f.get(p.metrics)) attribute(summary, std::string(f.name), *v);
  for (const auto& [name, value] : p.notes) attribute(summary, name, value);
}

// Energy per layer and direction: of the steady step and of the whole run (sums to energy_j).
void write_layers(hid_t policy, const PolicyResult& p) {
  struct LayerRecord {
    std::uint32_t layer;
    char name[48];
    double forward_step_j, backward_step_j, forward_run_j, backward_run_j;
  };
  std::vector<LayerRecord> rows;
  for (std::size_t l = 0; 2 * l + 1 < p.layer_run_j.size(); ++l) {
    LayerRecord row{static_cast<std::uint32_t>(l), {},
                    p.layer_step_j[2 * l],         p.layer_step_j[2 * l + 1],
                    p.layer_run_j[2 * l],          p.layer_run_j[2 * l + 1]};
    std::snprintf(row.name, sizeof row.name, "%s", l < p.layer_names.size() ? p.layer_names[l].c_str() : "");
    rows.push_back(row);
  }
  Handle name_type = string_type(sizeof(LayerRecord::name));
  write_table(policy, "layers", rows,
              {{"layer", HOFFSET(LayerRecord, layer), H5T_NATIVE_UINT32},
               {"name", HOFFSET(LayerRecord, name), name_type},
               {"forward_step_j", HOFFSET(LayerRecord, forward_step_j), H5T_NATIVE_DOUBLE},
               {"backward_step_j", HOFFSET(LayerRecord, backward_step_j), H5T_NATIVE_DOUBLE},
               {"forward_run_j", HOFFSET(LayerRecord, forward_run_j), H5T_NATIVE_DOUBLE},
               {"backward_run_j", HOFFSET(LayerRecord, backward_run_j), H5T_NATIVE_DOUBLE}});
}

void write_schedule(hid_t policy, const PolicyResult& p) {
  if (p.schedule.empty()) return;
  write_table(policy, "schedule", p.schedule,
              {{"t0_s", HOFFSET(ScheduleSegment, t0_s), H5T_NATIVE_DOUBLE},
               {"t1_s", HOFFSET(ScheduleSegment, t1_s), H5T_NATIVE_DOUBLE},
               {"clock", HOFFSET(ScheduleSegment, clock), H5T_NATIVE_INT32},
               {"steps", HOFFSET(ScheduleSegment, steps), H5T_NATIVE_DOUBLE}});
}

void write_steps(hid_t policy, const PolicyResult& p) {
  write_table(policy, "steps", p.steps,
              {{"step", HOFFSET(StepRecord, step), H5T_NATIVE_UINT32},
               {"t_start_s", HOFFSET(StepRecord, t_start_s), H5T_NATIVE_DOUBLE},
               {"time_s", HOFFSET(StepRecord, time_s), H5T_NATIVE_DOUBLE},
               {"energy_j", HOFFSET(StepRecord, energy_j), H5T_NATIVE_DOUBLE},
               {"gpu_busy_j", HOFFSET(StepRecord, gpu_busy_j), H5T_NATIVE_DOUBLE},
               {"gpu_wait_j", HOFFSET(StepRecord, gpu_wait_j), H5T_NATIVE_DOUBLE},
               {"memory_j", HOFFSET(StepRecord, memory_j), H5T_NATIVE_DOUBLE},
               {"network_j", HOFFSET(StepRecord, network_j), H5T_NATIVE_DOUBLE},
               {"host_j", HOFFSET(StepRecord, host_j), H5T_NATIVE_DOUBLE},
               {"fans_j", HOFFSET(StepRecord, fans_j), H5T_NATIVE_DOUBLE},
               {"psu_loss_j", HOFFSET(StepRecord, psu_loss_j), H5T_NATIVE_DOUBLE},
               {"avg_power_w", HOFFSET(StepRecord, avg_power_w), H5T_NATIVE_DOUBLE},
               {"peak_gpu_power_w", HOFFSET(StepRecord, peak_gpu_power_w), H5T_NATIVE_DOUBLE},
               {"peak_window_power_w", HOFFSET(StepRecord, peak_window_power_w), H5T_NATIVE_DOUBLE},
               {"avg_node_power_w", HOFFSET(StepRecord, avg_node_power_w), H5T_NATIVE_DOUBLE},
               {"peak_node_power_w", HOFFSET(StepRecord, peak_node_power_w), H5T_NATIVE_DOUBLE},
               {"events", HOFFSET(StepRecord, events), H5T_NATIVE_UINT64},
               {"clock_changes", HOFFSET(StepRecord, clock_changes), H5T_NATIVE_UINT64}});
}

void write_comparison(hid_t file, const RunResult& r) {
  struct ComparisonRecord {
    char policy[48];
    double energy_saving_pct;
    double time_overhead_pct;
    double co2e_saving_pct;
    double avg_power_change_pct;
    double e2a_improvement_pct;
  };
  std::vector<ComparisonRecord> rows(r.comparison.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ComparisonRow& from = r.comparison[i];
    ComparisonRecord& c = rows[i];
    std::snprintf(c.policy, sizeof c.policy, "%s", from.policy.c_str());
    c.energy_saving_pct = from.energy_saving_pct;
    c.time_overhead_pct = from.time_overhead_pct;
    c.co2e_saving_pct = from.co2e_saving_pct;
    c.avg_power_change_pct = from.avg_power_change_pct;
    c.e2a_improvement_pct = from.e2a_improvement_pct.value_or(0.0);
  }
  Handle policy_name = string_type(sizeof(ComparisonRecord::policy));
  std::vector<Field> fields = {
      {"policy", HOFFSET(ComparisonRecord, policy), policy_name},
      {"energy_saving_pct", HOFFSET(ComparisonRecord, energy_saving_pct), H5T_NATIVE_DOUBLE},
      {"time_overhead_pct", HOFFSET(ComparisonRecord, time_overhead_pct), H5T_NATIVE_DOUBLE},
      {"co2e_saving_pct", HOFFSET(ComparisonRecord, co2e_saving_pct), H5T_NATIVE_DOUBLE},
      {"avg_power_change_pct", HOFFSET(ComparisonRecord, avg_power_change_pct), H5T_NATIVE_DOUBLE}};
  // Energy to accuracy only where the workload has a convergence model: no column of NaN otherwise.
  if (!r.comparison.empty() && r.comparison.front().e2a_improvement_pct)
    fields.push_back(
        {"e2a_improvement_pct", HOFFSET(ComparisonRecord, e2a_improvement_pct), H5T_NATIVE_DOUBLE});
  std::optional<Table> table;
  write_table(file, "comparison", rows, fields, &table);
  attribute(table->id(), "baseline", std::string("static"));
}

// Which GPU of the cluster each traced GPU is, and how many identical GPUs it stands for.
void write_gpus(hid_t file, const RunResult& r) {
  struct GpuRecord {
    std::uint32_t gpu;
    std::int32_t rank;
    double multiplicity;
  };
  std::vector<GpuRecord> gpus;
  for (std::size_t g = 0; g < r.gpu_rank.size(); ++g)
    gpus.push_back({static_cast<std::uint32_t>(g), r.gpu_rank[g], r.gpu_multiplicity[g]});
  write_table(file, "gpus", gpus,
              {{"gpu", HOFFSET(GpuRecord, gpu), H5T_NATIVE_UINT32},
               {"rank", HOFFSET(GpuRecord, rank), H5T_NATIVE_INT32},
               {"multiplicity", HOFFSET(GpuRecord, multiplicity), H5T_NATIVE_DOUBLE}});
}

}  // namespace

std::string now_iso8601() {
  const std::time_t t = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&t, &utc);  // not std::gmtime: sweeps write traces from several threads
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

struct Hdf5Sink::File {
  explicit File(const std::string& path) : output(path) {}
  AtomicOutput output;  // declared first: removed after every handle is closed
  TraceDetail detail;
  Handle file;
  Handle policies;
  Handle policy;  // the policy being simulated
  std::optional<Table> power, events;
  std::vector<PowerSegment> power_rows;
  std::vector<TraceEvent> event_rows;

  void flush_trace() {
    if (power) power->append(power_rows.data(), power_rows.size());
    if (events) events->append(event_rows.data(), event_rows.size());
    power_rows.clear();
    event_rows.clear();
  }
  void close() {
    events.reset();
    power.reset();
    policy.reset();
    policies.reset();
    file.reset();
  }
};

Hdf5Sink::Hdf5Sink(const std::string& path, const Scenario& s, const OutputInfo& info)
    : file_(std::make_unique<File>(path)) {
  // A file whose flush failed (a full disk) stays open inside the library, and HDF5's own exit handler
  // then crashes trying to flush it again. The sink closes what it can and removes the file itself, so
  // the library is told not to clean up at exit (a no-op if it is already initialised).
  quiet_library();
  File& f = *file_;
  f.detail = s.trace;
  // H5F_ACC_EXCL: the private directory is new, so nothing may be there already.
  f.file = Handle(H5Fcreate(f.output.path().c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
                  path.c_str());
  attribute(f.file, "wattsim_version", info.version);
  attribute(f.file, "created", info.created);
  attribute(f.file, "scenario_name", s.name);
  attribute(f.file, "seed", static_cast<double>(s.seed));
  attribute(f.file, "trace", std::string(to_string(s.trace)));
  write_text_dataset(f.file, "scenario_yaml", s.text);
  f.policies = group(f.file, "policies");
}

Hdf5Sink::~Hdf5Sink() {
  file_->close();  // then the temporary directory goes with file_, unless committed
}

bool Hdf5Sink::wants_trace() const {
  return file_->detail == TraceDetail::Full;
}

void Hdf5Sink::begin_policy(const std::string& name) {
  File& f = *file_;
  f.policy = group(f.policies, name);
  if (!wants_trace()) return;
  f.power.emplace(power_table(f.policy));
  f.events.emplace(event_table(f.policy));
  f.power_rows.reserve(kTraceChunkRows + 1);
  f.event_rows.reserve(kTraceChunkRows);
}

void Hdf5Sink::power(const PowerSegment& segment) {
  File& f = *file_;
  if (!f.power_rows.empty() && extend_segment(f.power_rows.back(), segment)) return;
  if (f.power_rows.size() > kTraceChunkRows) {  // keep the last row: the next piece may extend it
    const PowerSegment last = f.power_rows.back();
    f.power->append(f.power_rows.data(), f.power_rows.size() - 1);
    f.power_rows.assign(1, last);
  }
  f.power_rows.push_back(segment);
}

void Hdf5Sink::event(const TraceEvent& event) {
  File& f = *file_;
  f.event_rows.push_back(event);
  if (f.event_rows.size() == kTraceChunkRows) {
    f.events->append(f.event_rows.data(), f.event_rows.size());
    f.event_rows.clear();
  }
}

void Hdf5Sink::end_policy(const PolicyResult& p) {
  File& f = *file_;
  f.flush_trace();
  if (f.events) {
    string_list_attribute(f.events->id(), "kind_names", names_of(kEventKindNames.names));
    string_list_attribute(f.events->id(), "pass_names", names_of(kPassNames.names));
  }
  write_summary(f.policy, p);
  write_layers(f.policy, p);
  write_schedule(f.policy, p);
  if (f.detail != TraceDetail::Summary) write_steps(f.policy, p);
  f.events.reset();
  f.power.reset();
  f.policy.reset();
}

void Hdf5Sink::end_run(const RunResult& r) {
  File& f = *file_;
  write_comparison(f.file, r);
  write_gpus(f.file, r);
  if (!r.labels.empty()) string_list_attribute(f.policies, "kernel_labels", r.labels);
  check(H5Fflush(f.file, H5F_SCOPE_GLOBAL), "flush file");
  f.close();
  f.output.commit();
}

}  // namespace wattsim
