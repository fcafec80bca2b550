#include "io/hdf5_util.hpp"

#include <algorithm>
#include <cstring>

#include "io/output_file.hpp"

namespace wattsim::hdf5 {

Handle::Handle(hid_t id, herr_t (*close)(hid_t), const char* what) : id_(id), close_(close) {
  if (id_ < 0) throw OutputError(std::string("HDF5 could not create ") + what);
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    close_ = other.close_;
    other.id_ = -1;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0) close_(id_);
  id_ = -1;
}

void check(herr_t status, const char* what) {
  if (status < 0)
    throw OutputError(std::string("HDF5 could not ") + what +
                      " (is the disk full, or the file larger than its filesystem allows?)");
}

void quiet_library() {
  static const bool once = [] {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)once;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // per thread where the library keeps a stack per thread
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

Handle utf8_string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  check(H5Tset_size(t, H5T_VARIABLE), "size string type");
  check(H5Tset_cset(t, H5T_CSET_UTF8), "set UTF-8");
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

void write_text_dataset(hid_t parent, const char* name, const std::string& text) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "scalar space");
  Handle type = string_type(text.size());
  Handle dataset(H5Dcreate2(parent, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
                 name);
  check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()), "write text");
}

namespace {

std::optional<std::string> read_fixed_string(hid_t object, hid_t type_source, bool attribute) {
  Handle type(attribute ? H5Aget_type(type_source) : H5Dget_type(type_source), H5Tclose, "type");
  if (H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) > 0) return std::nullopt;
  std::string value(H5Tget_size(type), '\0');
  Handle memory = string_type(value.size());
  const herr_t status = attribute ? H5Aread(object, memory, value.data())
                                  : H5Dread(object, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, value.data());
  if (status < 0) return std::nullopt;
  value.resize(std::strlen(value.c_str()));
  return value;
}

}  // namespace

std::optional<std::string> read_string_attribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) return std::nullopt;
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, name.c_str());
  return read_fixed_string(attr, attr, true);
}

std::optional<double> read_number_attribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) return std::nullopt;
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, name.c_str());
  double value = 0;
  if (H5Aread(attr, H5T_NATIVE_DOUBLE, &value) < 0) return std::nullopt;
  return value;
}

std::optional<std::string> read_text_dataset(hid_t parent, const char* name) {
  if (H5Lexists(parent, name, H5P_DEFAULT) <= 0) return std::nullopt;
  Handle dataset(H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose, name);
  return read_fixed_string(dataset, dataset, false);
}

std::vector<std::string> read_string_list_attribute(hid_t object, const std::string& name) {
  std::vector<std::string> out;
  if (H5Aexists(object, name.c_str()) <= 0) return out;
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, name.c_str());
  Handle type(H5Aget_type(attr), H5Tclose, "type");
  Handle space(H5Aget_space(attr), H5Sclose, "space");
  if (H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) > 0) return out;
  const std::size_t width = H5Tget_size(type);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  std::vector<char> buffer(width * n + 1, '\0');
  if (n == 0 || H5Aread(attr, type, buffer.data()) < 0) return out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view cell(buffer.data() + i * width, width);
    out.emplace_back(cell.substr(0, std::min(cell.find('\0'), width)));
  }
  return out;
}

std::size_t Column::size() const {
  return kind == Kind::Number ? numbers.size() : kind == Kind::Index ? indices.size() : texts.size();
}

void write_columns(hid_t parent, const char* name, const std::vector<Column>& columns) {
  const std::size_t rows = columns.empty() ? 0 : columns.front().size();
  const std::size_t width = 8 * columns.size();
  Handle text = utf8_string_type();
  Handle memory(H5Tcreate(H5T_COMPOUND, std::max<std::size_t>(width, 8)), H5Tclose, "compound type");
  Handle file(H5Tcreate(H5T_COMPOUND, std::max<std::size_t>(width, 8)), H5Tclose, "compound type");
  std::vector<std::string> units;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const Column& col = columns[c];
    const hid_t in_memory = col.kind == Column::Kind::Number  ? H5T_NATIVE_DOUBLE
                            : col.kind == Column::Kind::Index ? H5T_NATIVE_UINT64
                                                              : hid_t(text);
    const hid_t on_disk = col.kind == Column::Kind::Number  ? H5T_IEEE_F64LE
                          : col.kind == Column::Kind::Index ? H5T_STD_U64LE
                                                            : hid_t(text);
    check(H5Tinsert(memory, col.name.c_str(), 8 * c, in_memory), "insert column");
    check(H5Tinsert(file, col.name.c_str(), 8 * c, on_disk), "insert column");
    units.push_back(col.unit);
  }
  // Row-major buffer of 8-byte cells; strings point into the columns' own storage.
  std::vector<unsigned char> buffer(rows * width);
  for (std::size_t c = 0; c < columns.size(); ++c)
    for (std::size_t r = 0; r < rows; ++r) {
      unsigned char* cell = buffer.data() + r * width + 8 * c;
      const Column& col = columns[c];
      if (col.kind == Column::Kind::Number) {
        std::memcpy(cell, &col.numbers[r], 8);
      } else if (col.kind == Column::Kind::Index) {
        std::memcpy(cell, &col.indices[r], 8);
      } else {
        const char* p = col.texts[r].c_str();
        std::memcpy(cell, &p, sizeof p);
      }
    }
  const hsize_t n = rows, max_rows = H5S_UNLIMITED;
  Handle space(H5Screate_simple(1, &n, &max_rows), H5Sclose, "table space");
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "dataset properties");
  const hsize_t chunk = std::clamp<hsize_t>(rows, 1, 4096);
  check(H5Pset_chunk(plist, 1, &chunk), "set chunk");
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) check(H5Pset_deflate(plist, 4), "set deflate");
  Handle dataset(H5Dcreate2(parent, name, file, space, H5P_DEFAULT, plist, H5P_DEFAULT), H5Dclose, name);
  if (rows > 0) check(H5Dwrite(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "write table");
  string_list_attribute(dataset, "units", units);
}

std::vector<std::string> column_names(hid_t dataset) {
  Handle type(H5Dget_type(dataset), H5Tclose, "type");
  std::vector<std::string> names;
  if (H5Tget_class(type) != H5T_COMPOUND) return names;
  for (int i = 0, n = H5Tget_nmembers(type); i < n; ++i) {
    char* name = H5Tget_member_name(type, static_cast<unsigned>(i));
    names.emplace_back(name);
    H5free_memory(name);
  }
  return names;
}

namespace {

hsize_t row_count(hid_t dataset) {
  Handle space(H5Dget_space(dataset), H5Sclose, "space");
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  return n;
}

}  // namespace

std::optional<std::vector<double>> read_number_column(hid_t dataset, const std::string& name) {
  const std::vector<std::string> names = column_names(dataset);
  if (std::find(names.begin(), names.end(), name) == names.end()) return std::nullopt;
  Handle memory(H5Tcreate(H5T_COMPOUND, sizeof(double)), H5Tclose, "column type");
  check(H5Tinsert(memory, name.c_str(), 0, H5T_NATIVE_DOUBLE), "insert column");
  std::vector<double> values(row_count(dataset));
  if (!values.empty() && H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    return std::nullopt;
  return values;
}

std::optional<std::vector<std::string>> read_text_column(hid_t dataset, const std::string& name) {
  const std::vector<std::string> names = column_names(dataset);
  if (std::find(names.begin(), names.end(), name) == names.end()) return std::nullopt;
  Handle text = utf8_string_type();
  Handle memory(H5Tcreate(H5T_COMPOUND, sizeof(char*)), H5Tclose, "column type");
  check(H5Tinsert(memory, name.c_str(), 0, text), "insert column");
  const hsize_t n = row_count(dataset);
  std::vector<char*> pointers(n, nullptr);
  if (n > 0 && H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0)
    return std::nullopt;
  std::vector<std::string> values;
  values.reserve(n);
  for (char* p : pointers) values.emplace_back(p ? p : "");
  if (n > 0) {
    Handle space(H5Dget_space(dataset), H5Sclose, "space");
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(memory, space, H5P_DEFAULT, pointers.data());
#else
    H5Dvlen_reclaim(memory, space, H5P_DEFAULT, pointers.data());  // Debian 12's HDF5 1.10
#endif
  }
  return values;
}

}  // namespace wattsim::hdf5
