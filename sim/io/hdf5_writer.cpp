#include "io/hdf5_writer.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace wattsim {

namespace {

// Owns an HDF5 identifier and closes it with the matching function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const char* what) : id_(id), close_(close) {
    if (id_ < 0) throw std::runtime_error(std::string("HDF5: cannot create ") + what);
  }
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  operator hid_t() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void check(herr_t status, const char* what) {
  if (status < 0) throw std::runtime_error(std::string("HDF5: cannot ") + what);
}

Handle group(hid_t parent, const std::string& name) {
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                name.c_str());
}

Handle string_type(std::size_t length) {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  check(H5Tset_size(t, std::max<std::size_t>(length, 1)), "size string type");
  check(H5Tset_strpad(t, H5T_STR_NULLPAD), "pad string type");
  return t;
}

void attribute(hid_t object, const std::string& name, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "scalar space");
  Handle attr(H5Acreate2(object, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              name.c_str());
  check(H5Awrite(attr, H5T_NATIVE_DOUBLE, &value), "write attribute");
}

void attribute(hid_t object, const std::string& name, const std::string& value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "scalar space");
  Handle type = string_type(value.size());
  Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              name.c_str());
  check(H5Awrite(attr, type, value.data()), "write attribute");
}

void string_list_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::vector<char> buffer(values.size() * width, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) values[i].copy(buffer.data() + i * width, width);
  const hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose, "list space");
  Handle type = string_type(width);
  Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              name.c_str());
  if (n > 0) check(H5Awrite(attr, type, buffer.data()), "write list attribute");
}

struct Field {
  const char* name;
  std::size_t offset;
  hid_t memory_type;  // native type in memory; stored as the matching little-endian type
};

// A table: one compound dataset of `rows` records of `row_size` bytes, chunked and deflated.
hid_t write_table(hid_t parent, const char* name, const void* data, std::size_t rows, std::size_t row_size,
                  std::initializer_list<Field> fields) {
  Handle type(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose, "compound type");
  for (const Field& f : fields) check(H5Tinsert(type, f.name, f.offset, f.memory_type), "insert field");
  // Stored packed: the struct's padding bytes (indeterminate in memory) never reach the file, so equal
  // results give byte-identical datasets.
  Handle file_type(H5Tcopy(type), H5Tclose, "file type");
  check(H5Tpack(file_type), "pack compound type");
  const hsize_t dims = rows;
  const hsize_t max_dims = H5S_UNLIMITED;
  Handle space(H5Screate_simple(1, &dims, &max_dims), H5Sclose, "table space");
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "dataset properties");
  const hsize_t chunk = std::clamp<hsize_t>(rows, 1, 1 << 14);
  check(H5Pset_chunk(plist, 1, &chunk), "set chunk");
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    check(H5Pset_shuffle(plist), "set shuffle");
    check(H5Pset_deflate(plist, 4), "set deflate");
  }
  const hid_t dataset = H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
  if (dataset < 0) throw std::runtime_error(std::string("HDF5: cannot create dataset ") + name);
  if (rows > 0) check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write table");
  return dataset;
}

void write_text_dataset(hid_t parent, const char* name, const std::string& text) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "scalar space");
  Handle type = string_type(text.size());
  Handle dataset(H5Dcreate2(parent, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
                 name);
  check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()), "write text");
}

void write_policy(hid_t policies, const PolicyResult& p, TraceDetail detail) {
  Handle g = group(policies, p.name);
  {
    Handle summary = group(g, "summary");
    for (const Metric& m : p.summary) attribute(summary, m.name, m.value);
  }
  {  // energy per layer and direction: of the steady step and of the whole run (sums to energy_j)
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
      std::snprintf(row.name, sizeof row.name, "%s",
                    l < p.layer_names.size() ? p.layer_names[l].c_str() : "");
      rows.push_back(row);
    }
    Handle name_type = string_type(sizeof(LayerRecord::name));
    Handle layers(write_table(g, "layers", rows.data(), rows.size(), sizeof(LayerRecord),
                              {{"layer", HOFFSET(LayerRecord, layer), H5T_NATIVE_UINT32},
                               {"name", HOFFSET(LayerRecord, name), name_type},
                               {"forward_step_j", HOFFSET(LayerRecord, forward_step_j), H5T_NATIVE_DOUBLE},
                               {"backward_step_j", HOFFSET(LayerRecord, backward_step_j), H5T_NATIVE_DOUBLE},
                               {"forward_run_j", HOFFSET(LayerRecord, forward_run_j), H5T_NATIVE_DOUBLE},
                               {"backward_run_j", HOFFSET(LayerRecord, backward_run_j), H5T_NATIVE_DOUBLE}}),
                  H5Dclose, "layers");
  }
  if (!p.schedule.empty()) {
    Handle schedule(write_table(g, "schedule", p.schedule.data(), p.schedule.size(), sizeof(ScheduleSegment),
                                {{"t0_s", HOFFSET(ScheduleSegment, t0_s), H5T_NATIVE_DOUBLE},
                                 {"t1_s", HOFFSET(ScheduleSegment, t1_s), H5T_NATIVE_DOUBLE},
                                 {"clock", HOFFSET(ScheduleSegment, clock), H5T_NATIVE_INT32},
                                 {"steps", HOFFSET(ScheduleSegment, steps), H5T_NATIVE_DOUBLE}}),
                    H5Dclose, "schedule");
  }
  if (detail == TraceDetail::Summary) return;
  Handle steps(write_table(g, "steps", p.steps.data(), p.steps.size(), sizeof(StepRecord),
                           {{"step", HOFFSET(StepRecord, step), H5T_NATIVE_UINT32},
                            {"t_start_s", HOFFSET(StepRecord, t_start_s), H5T_NATIVE_DOUBLE},
                            {"time_s", HOFFSET(StepRecord, time_s), H5T_NATIVE_DOUBLE},
                            {"energy_j", HOFFSET(StepRecord, energy_j), H5T_NATIVE_DOUBLE},
                            {"gpu_busy_j", HOFFSET(StepRecord, gpu_busy_j), H5T_NATIVE_DOUBLE},
                            {"gpu_wait_j", HOFFSET(StepRecord, gpu_wait_j), H5T_NATIVE_DOUBLE},
                            {"memory_j", HOFFSET(StepRecord, memory_j), H5T_NATIVE_DOUBLE},
                            {"network_j", HOFFSET(StepRecord, network_j), H5T_NATIVE_DOUBLE},
                            {"host_j", HOFFSET(StepRecord, host_j), H5T_NATIVE_DOUBLE},
                            {"avg_power_w", HOFFSET(StepRecord, avg_power_w), H5T_NATIVE_DOUBLE},
                            {"peak_gpu_power_w", HOFFSET(StepRecord, peak_gpu_power_w), H5T_NATIVE_DOUBLE},
                            {"events", HOFFSET(StepRecord, events), H5T_NATIVE_UINT64},
                            {"clock_changes", HOFFSET(StepRecord, clock_changes), H5T_NATIVE_UINT64}}),
               H5Dclose, "steps");
  if (detail != TraceDetail::Full) return;
  Handle power(write_table(g, "power", p.trace.power.data(), p.trace.power.size(), sizeof(PowerSegment),
                           {{"gpu", HOFFSET(PowerSegment, gpu), H5T_NATIVE_UINT32},
                            {"t0_s", HOFFSET(PowerSegment, t0_s), H5T_NATIVE_DOUBLE},
                            {"t1_s", HOFFSET(PowerSegment, t1_s), H5T_NATIVE_DOUBLE},
                            {"watts", HOFFSET(PowerSegment, watts), H5T_NATIVE_DOUBLE},
                            {"clock_mhz", HOFFSET(PowerSegment, clock_mhz), H5T_NATIVE_DOUBLE}}),
               H5Dclose, "power");
  Handle events(write_table(g, "events", p.trace.events.data(), p.trace.events.size(), sizeof(TraceEvent),
                            {{"gpu", HOFFSET(TraceEvent, gpu), H5T_NATIVE_UINT32},
                             {"step", HOFFSET(TraceEvent, step), H5T_NATIVE_UINT32},
                             {"t0_s", HOFFSET(TraceEvent, t0_s), H5T_NATIVE_DOUBLE},
                             {"t1_s", HOFFSET(TraceEvent, t1_s), H5T_NATIVE_DOUBLE},
                             {"kind", HOFFSET(TraceEvent, kind), H5T_NATIVE_UINT8},
                             {"pass", HOFFSET(TraceEvent, pass), H5T_NATIVE_UINT8},
                             {"layer", HOFFSET(TraceEvent, layer), H5T_NATIVE_UINT16},
                             {"label", HOFFSET(TraceEvent, label), H5T_NATIVE_UINT16},
                             {"clock_mhz", HOFFSET(TraceEvent, clock_mhz), H5T_NATIVE_DOUBLE},
                             {"energy_j", HOFFSET(TraceEvent, energy_j), H5T_NATIVE_DOUBLE}}),
                H5Dclose, "events");
  string_list_attribute(events, "kind_names", {std::begin(kEventKindNames), std::end(kEventKindNames)});
  string_list_attribute(events, "pass_names", {std::begin(kPassNames), std::end(kPassNames)});
}

struct ComparisonRecord {
  char policy[48];
  double energy_saving_pct;
  double time_overhead_pct;
  double co2e_saving_pct;
  double avg_power_change_pct;
  double e2a_improvement_pct;
};

void write_file(const std::string& path, const Scenario& s, const RunResult& r, const OutputInfo& info) {
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, path.c_str());
  attribute(file, "wattsim_version", info.version);
  attribute(file, "created", info.created);
  attribute(file, "scenario_name", s.name);
  attribute(file, "seed", static_cast<double>(s.seed));
  attribute(file, "trace", std::string(to_string(s.trace)));
  write_text_dataset(file, "scenario_yaml", s.text);
  {
    Handle policies = group(file, "policies");
    for (const PolicyResult& p : r.policies) write_policy(policies, p, s.trace);
  }
  std::vector<ComparisonRecord> rows(r.comparison.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ComparisonRecord& c = rows[i];
    std::snprintf(c.policy, sizeof c.policy, "%s", r.comparison[i].policy.c_str());
    c.energy_saving_pct = r.comparison[i].energy_saving_pct;
    c.time_overhead_pct = r.comparison[i].time_overhead_pct;
    c.co2e_saving_pct = r.comparison[i].co2e_saving_pct;
    c.avg_power_change_pct = r.comparison[i].avg_power_change_pct;
    c.e2a_improvement_pct = r.comparison[i].e2a_improvement_pct;
  }
  Handle policy_name = string_type(sizeof(ComparisonRecord::policy));
  Handle comparison(
      write_table(
          file, "comparison", rows.data(), rows.size(), sizeof(ComparisonRecord),
          {{"policy", HOFFSET(ComparisonRecord, policy), policy_name},
           {"energy_saving_pct", HOFFSET(ComparisonRecord, energy_saving_pct), H5T_NATIVE_DOUBLE},
           {"time_overhead_pct", HOFFSET(ComparisonRecord, time_overhead_pct), H5T_NATIVE_DOUBLE},
           {"co2e_saving_pct", HOFFSET(ComparisonRecord, co2e_saving_pct), H5T_NATIVE_DOUBLE},
           {"avg_power_change_pct", HOFFSET(ComparisonRecord, avg_power_change_pct), H5T_NATIVE_DOUBLE},
           {"e2a_improvement_pct", HOFFSET(ComparisonRecord, e2a_improvement_pct), H5T_NATIVE_DOUBLE}}),
      H5Dclose, "comparison");
  attribute(comparison, "baseline", std::string("static"));
  // Which GPU of the cluster each traced GPU is, and how many identical GPUs it stands for.
  struct GpuRecord {
    std::uint32_t gpu;
    std::int32_t rank;
    double multiplicity;
  };
  std::vector<GpuRecord> gpus;
  for (std::size_t g = 0; g < r.gpu_rank.size(); ++g)
    gpus.push_back({static_cast<std::uint32_t>(g), r.gpu_rank[g], r.gpu_multiplicity[g]});
  Handle gpu_table(write_table(file, "gpus", gpus.data(), gpus.size(), sizeof(GpuRecord),
                               {{"gpu", HOFFSET(GpuRecord, gpu), H5T_NATIVE_UINT32},
                                {"rank", HOFFSET(GpuRecord, rank), H5T_NATIVE_INT32},
                                {"multiplicity", HOFFSET(GpuRecord, multiplicity), H5T_NATIVE_DOUBLE}}),
                   H5Dclose, "gpus");
  if (!r.labels.empty()) {
    Handle labels_holder(H5Gopen2(file, "policies", H5P_DEFAULT), H5Gclose, "policies");
    string_list_attribute(labels_holder, "kernel_labels", r.labels);
  }
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush file");
}

}  // namespace

void write_results_hdf5(const std::string& path, const Scenario& scenario, const RunResult& result,
                        const OutputInfo& info) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions with our own messages
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path temp =
      target.parent_path() / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()));
  try {
    write_file(temp.string(), scenario, result, info);
    // Make the bytes durable before the rename publishes them.
    if (FILE* f = std::fopen(temp.c_str(), "rb")) {
      ::fsync(fileno(f));
      std::fclose(f);
    }
    fs::rename(temp, target);
  } catch (...) {
    std::error_code ec;
    fs::remove(temp, ec);
    throw;
  }
}

}  // namespace wattsim
