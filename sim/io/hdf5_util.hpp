#pragma once
// The small layer over the HDF5 C API that wattsim's outputs share: identifiers that close themselves,
// errors as OutputError, attributes, text datasets, and tables of equal-width columns (numbers and UTF-8
// strings) written and read column by column.
#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wattsim::hdf5 {

// Owns an HDF5 identifier and closes it with the matching function.
class Handle {
 public:
  Handle() = default;
  // Throws OutputError naming `what` if `id` is invalid.
  Handle(hid_t id, herr_t (*close)(hid_t), const char* what);
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  operator hid_t() const { return id_; }
  void reset();

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// Throws OutputError if an HDF5 call failed.
void check(herr_t status, const char* what);
// Errors become exceptions with wattsim's own messages; the library's exit handler is turned off (a file
// whose flush failed would crash it at exit). Idempotent.
void quiet_library();

Handle group(hid_t parent, const std::string& name);
Handle string_type(std::size_t length);  // fixed length, null-padded
Handle utf8_string_type();               // variable length, UTF-8

void attribute(hid_t object, const std::string& name, double value);
void attribute(hid_t object, const std::string& name, const std::string& value);
void string_list_attribute(hid_t object, const std::string& name, const std::vector<std::string>& values);
void write_text_dataset(hid_t parent, const char* name, const std::string& text);

// Reading back (sweep results, for resume and merge): nullopt when absent.
std::optional<std::string> read_string_attribute(hid_t object, const std::string& name);
std::optional<double> read_number_attribute(hid_t object, const std::string& name);
std::optional<std::string> read_text_dataset(hid_t parent, const char* name);
// What string_list_attribute wrote; empty if absent.
std::vector<std::string> read_string_list_attribute(hid_t object, const std::string& name);

// A table of columns, each 8 bytes a row in memory: a double, an unsigned 64-bit integer or a UTF-8
// string (char*), stored as one compound dataset so that `pandas.DataFrame(file["name"][()])` loads it.
// Every column carries its unit in the dataset's `units` attribute (one string per column, in order).
struct Column {
  enum class Kind { Number, Index, Text } kind;
  std::string name;
  std::string unit;
  std::vector<double> numbers;         // Number
  std::vector<std::uint64_t> indices;  // Index
  std::vector<std::string> texts;      // Text
  std::size_t size() const;
};
void write_columns(hid_t parent, const char* name, const std::vector<Column>& columns);
// The column's values if the dataset has it: numbers (of a Number or Index column) or texts.
std::optional<std::vector<double>> read_number_column(hid_t dataset, const std::string& name);
std::optional<std::vector<std::string>> read_text_column(hid_t dataset, const std::string& name);
// The names of a compound dataset's columns, in order.
std::vector<std::string> column_names(hid_t dataset);

}  // namespace wattsim::hdf5
