#include "sweep/sweep_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "io/diagnostics.hpp"
#include "io/hdf5_util.hpp"
#include "io/output_file.hpp"

namespace wattsim {

using namespace hdf5;

namespace {

const char* kStatusTables[] = {"points", "infeasible", "failed"};

// A parameter column: numbers if every value in the table is one, else the values as text.
Column parameter_column(const std::string& name, const std::vector<const PointResult*>& rows, std::size_t c) {
  const bool numeric = std::all_of(rows.begin(), rows.end(), [&](const PointResult* r) {
    return c < r->parameters.size() && !r->parameters[c].is_text;
  });
  Column col{numeric ? Column::Kind::Number : Column::Kind::Text, name, "", {}, {}, {}};
  for (const PointResult* r : rows) {
    const SweepValue v = c < r->parameters.size() ? r->parameters[c] : SweepValue::of(std::string());
    if (numeric)
      col.numbers.push_back(v.number);
    else
      col.texts.push_back(v.str());
  }
  return col;
}

// The rows of one table: a row per (point, policy) for points, a row per point for the others.
std::vector<Column> table_columns(const SweepFile& file, PointStatus status) {
  std::vector<const PointResult*> rows;
  std::vector<std::size_t> policy_of_row;
  for (const PointResult& r : file.results) {
    if (r.status != status) continue;
    const std::size_t n = status == PointStatus::Done ? r.rows.size() : 1;
    for (std::size_t p = 0; p < n; ++p) {
      rows.push_back(&r);
      policy_of_row.push_back(p);
    }
  }
  std::vector<Column> columns;
  Column index{Column::Kind::Index, "point_index", "1", {}, {}, {}};
  Column id{Column::Kind::Text, "point_id", "", {}, {}, {}};
  for (const PointResult* r : rows) {
    index.indices.push_back(r->index);
    id.texts.push_back(r->id);
  }
  columns.push_back(std::move(index));
  columns.push_back(std::move(id));
  if (status == PointStatus::Done) {
    Column policy{Column::Kind::Text, "policy", "", {}, {}, {}};
    for (std::size_t i = 0; i < rows.size(); ++i)
      policy.texts.push_back(rows[i]->rows[policy_of_row[i]].policy);
    columns.push_back(std::move(policy));
  }
  for (std::size_t c = 0; c < file.parameters.size(); ++c)
    columns.push_back(parameter_column(file.parameters[c], rows, c));
  if (status == PointStatus::Done) {
    const std::vector<ResultColumn>& metrics = result_columns();
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      Column col{Column::Kind::Number, metrics[m].name, metrics[m].unit, {}, {}, {}};
      for (std::size_t i = 0; i < rows.size(); ++i)
        col.numbers.push_back(rows[i]->rows[policy_of_row[i]].values[m]);
      columns.push_back(std::move(col));
    }
  } else {
    Column reason{Column::Kind::Text, status == PointStatus::Infeasible ? "reason" : "error", "", {}, {}, {}};
    for (const PointResult* r : rows) reason.texts.push_back(r->reason);
    columns.push_back(std::move(reason));
  }
  return columns;
}

[[noreturn]] void unreadable(const std::string& path, const std::string& why) {
  throw InputError({Diagnostic{path, 0, 0, why}});
}

// A parameter column read back as values (numbers, or text).
std::vector<SweepValue> read_parameter(hid_t table, const std::string& name, std::size_t rows) {
  std::vector<SweepValue> out;
  if (const auto numbers = read_number_column(table, name)) {
    for (double v : *numbers) out.push_back(SweepValue::of(v));
  } else if (const auto texts = read_text_column(table, name)) {
    for (const std::string& v : *texts) out.push_back(SweepValue::of(v));
  }
  out.resize(rows, SweepValue::of(std::string()));
  return out;
}

void read_table(hid_t file, const std::string& path, PointStatus status, SweepFile& out) {
  const char* name = kStatusTables[static_cast<int>(status)];
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return;
  Handle table(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose, name);
  const auto index = read_number_column(table, "point_index");
  const auto id = read_text_column(table, "point_id");
  if (!index || !id) unreadable(path, std::string("/") + name + " lacks point_index or point_id");
  const std::size_t rows = index->size();
  std::vector<std::vector<SweepValue>> parameters;
  for (const std::string& p : out.parameters) parameters.push_back(read_parameter(table, p, rows));
  if (status != PointStatus::Done) {
    const auto reason = read_text_column(table, status == PointStatus::Infeasible ? "reason" : "error");
    for (std::size_t r = 0; r < rows; ++r) {
      PointResult result{
          static_cast<std::size_t>((*index)[r]), (*id)[r], status, reason ? (*reason)[r] : "", {}, {}};
      for (const auto& column : parameters) result.parameters.push_back(column[r]);
      out.results.push_back(std::move(result));
    }
    return;
  }
  const auto policy = read_text_column(table, "policy");
  if (!policy) unreadable(path, "/points lacks the policy column");
  std::vector<std::vector<double>> metrics;
  for (const ResultColumn& m : result_columns())
    metrics.push_back(read_number_column(table, m.name).value_or(std::vector<double>(rows, std::nan(""))));
  for (std::size_t r = 0; r < rows; ++r) {
    const auto point = static_cast<std::size_t>((*index)[r]);
    if (out.results.empty() || out.results.back().index != point ||
        out.results.back().status != PointStatus::Done) {
      PointResult result{point, (*id)[r], PointStatus::Done, {}, {}, {}};
      for (const auto& column : parameters) result.parameters.push_back(column[r]);
      out.results.push_back(std::move(result));
    }
    PolicyRow row{(*policy)[r], {}};
    for (const auto& column : metrics) row.values.push_back(column[r]);
    out.results.back().rows.push_back(std::move(row));
  }
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

void sort_by_point(std::vector<PointResult>& results) {
  std::stable_sort(results.begin(), results.end(),
                   [](const PointResult& a, const PointResult& b) { return a.index < b.index; });
}

std::string fingerprint_text(std::uint64_t fingerprint) {
  char text[20];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(fingerprint));
  return text;
}

void write_sweep_file(const std::string& path, const SweepFile& file, bool complete) {
  quiet_library();
  AtomicOutput output(path);
  {
    Handle h5(H5Fcreate(output.path().c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
              path.c_str());
    attribute(h5, "format", std::string("wattsim-sweep"));
    attribute(h5, "format_version", 1.0);
    attribute(h5, "wattsim_version", file.version);
    attribute(h5, "sweep_name", file.name);
    attribute(h5, "sweep_fingerprint", file.fingerprint);
    attribute(h5, "points_total", static_cast<double>(file.total));
    attribute(h5, "shard", file.shard);
    attribute(h5, "complete", complete ? 1.0 : 0.0);
    string_list_attribute(h5, "parameters", file.parameters);
    write_text_dataset(h5, "sweep_yaml", file.sweep_text);
    write_text_dataset(h5, "base_scenario_yaml", file.base_text);
    for (PointStatus status : {PointStatus::Done, PointStatus::Infeasible, PointStatus::Failed})
      write_columns(h5, kStatusTables[static_cast<int>(status)], table_columns(file, status));
    check(H5Fflush(h5, H5F_SCOPE_GLOBAL), "flush file");
  }
  output.commit();
}

void write_sweep_csv(const std::string& path, const SweepFile& file) {
  AtomicOutput output(path);
  {
    std::ofstream out(output.path());
    const std::vector<Column> columns = table_columns(file, PointStatus::Done);
    for (std::size_t c = 0; c < columns.size(); ++c) out << (c ? "," : "") << csv_field(columns[c].name);
    out << "\n";
    const std::size_t rows = columns.front().size();
    char number[32];
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const Column& col = columns[c];
        if (c) out << ",";
        if (col.kind == Column::Kind::Index) {
          out << col.indices[r];
        } else if (col.kind == Column::Kind::Text) {
          out << csv_field(col.texts[r]);
        } else if (std::isfinite(col.numbers[r])) {
          std::snprintf(number, sizeof number, "%.17g", col.numbers[r]);
          out << number;
        }
      }
      out << "\n";
    }
    out.flush();
    if (!out) throw OutputError("could not write " + path);
  }
  output.commit();
}

SweepFile read_sweep_file(const std::string& path) {
  quiet_library();
  if (H5Fis_hdf5(path.c_str()) <= 0) unreadable(path, "not an HDF5 file");
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) unreadable(path, "cannot open it as HDF5");
  Handle h5(id, H5Fclose, path.c_str());
  SweepFile out;
  if (read_string_attribute(h5, "format").value_or("") != "wattsim-sweep")
    unreadable(path, "not a wattsim sweep result (no format = wattsim-sweep attribute)");
  out.name = read_string_attribute(h5, "sweep_name").value_or("");
  out.fingerprint = read_string_attribute(h5, "sweep_fingerprint").value_or("");
  out.total = static_cast<std::size_t>(read_number_attribute(h5, "points_total").value_or(0));
  out.shard = read_string_attribute(h5, "shard").value_or("");
  out.version = read_string_attribute(h5, "wattsim_version").value_or("");
  out.sweep_text = read_text_dataset(h5, "sweep_yaml").value_or("");
  out.base_text = read_text_dataset(h5, "base_scenario_yaml").value_or("");
  out.parameters = read_string_list_attribute(h5, "parameters");
  for (PointStatus status : {PointStatus::Done, PointStatus::Infeasible, PointStatus::Failed})
    read_table(h5, path, status, out);
  sort_by_point(out.results);
  return out;
}

}  // namespace wattsim
