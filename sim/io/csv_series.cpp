#include "io/csv_series.hpp"

#include "io/input_file.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace wattsim {

namespace {

// Bounds on a series, so that no series makes a run's carbon accounting hang or a schedule explode:
// grid data comes at 5 minutes to an hour; one second between rows, a century in all, are far beyond it.
constexpr std::size_t kMaxRows = 1'000'000;
constexpr double kMinRowSpacingS = 1.0;
constexpr double kMaxTimeS = 100 * 365.25 * 86400.0;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct Cell {
  std::string_view text;
  int column;  // 1-based
};

std::vector<Cell> split(std::string_view line) {
  std::vector<Cell> cells;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    const std::string_view raw =
        line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const std::string_view cell = trim(raw);
    // The column of the cell's first character (after leading blanks), for messages.
    const auto column = static_cast<int>(start + (cell.empty() ? 0 : cell.data() - raw.data())) + 1;
    cells.push_back({cell, column});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return cells;
}

// The unit in "name (unit)", converted with the quantity parser: its factor to SI.
bool header_unit(const Cell& cell, Dimension dim, double& factor, std::string& error) {
  const std::size_t open = cell.text.rfind('('), close = cell.text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    error = "column header '" + std::string(cell.text) + "' must name its unit in parentheses, e.g. '" +
            std::string(dimension_example(dim)).substr(std::string(dimension_example(dim)).find(' ') + 1) +
            "'";
    return false;
  }
  const std::string unit(cell.text.substr(open + 1, close - open - 1));
  const QuantityResult q = parse_quantity("1 " + unit, dim);
  if (!q.value) {
    error = "column '" + std::string(cell.text) + "': " + q.error;
    return false;
  }
  factor = *q.value;
  return true;
}

}  // namespace

TimeSeries parse_csv_series(const std::string& text, const std::string& file, Dimension value_dimension) {
  Diagnostics d(file);
  auto error = [&](int line, int column, const std::string& message) {
    YAML::Mark mark;
    mark.line = line - 1;
    mark.column = column - 1;
    d.error(mark, message);
  };
  TimeSeries series;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  double time_factor = 1, value_factor = 1;
  bool header = false;
  while (std::getline(in, line)) {
    ++number;
    const std::string_view row = trim(line);
    if (row.empty() || row.front() == '#') continue;
    const std::vector<Cell> cells = split(row);
    const bool first = !header;
    header = true;
    if (cells.size() != 2) {
      const bool semicolons = cells.size() == 1 && row.find(';') != std::string_view::npos;
      error(number, 1,
            "expected 2 columns (time, value) separated by ',', found " + std::to_string(cells.size()) +
                (semicolons ? " (this file separates them with ';')" : ""));
      if (semicolons) break;  // every row would say the same
      continue;
    }
    if (first) {
      std::string message;
      if (!header_unit(cells[0], Dimension::Time, time_factor, message))
        error(number, cells[0].column, message);
      if (!header_unit(cells[1], value_dimension, value_factor, message))
        error(number, cells[1].column, message);
      continue;
    }
    double v[2];
    bool ok = true;
    for (int c = 0; c < 2; ++c) {
      const std::string_view s = cells[static_cast<std::size_t>(c)].text;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v[c]);
      if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v[c])) {
        error(number, cells[static_cast<std::size_t>(c)].column,
              "'" + std::string(s) + "' is not a finite number");
        ok = false;
      }
    }
    if (!ok) continue;
    const double t = v[0] * time_factor, value = v[1] * value_factor;
    if (t < 0 || t > kMaxTimeS) {
      error(number, cells[0].column, "time " + std::string(cells[0].text) + " is outside 0 to 100 years");
      continue;
    }
    if (!series.time_s.empty() && t <= series.time_s.back()) {
      error(number, cells[0].column, "times must increase strictly from row to row");
      continue;
    }
    if (!series.time_s.empty() && t - series.time_s.back() < kMinRowSpacingS) {
      error(
          number, cells[0].column,
          "rows are less than 1 s apart; a series has at most one row a second (grid data comes at minutes)");
      continue;
    }
    if (value < 0) {
      error(number, cells[1].column,
            "'" + std::string(cells[1].text) + "' is negative; values must be 0 or more");
      continue;
    }
    if (series.time_s.size() >= kMaxRows) {
      error(number, 1, "more than " + std::to_string(kMaxRows) + " rows");
      break;
    }
    series.time_s.push_back(t);
    series.value.push_back(value);
  }
  if (!header)
    error(1, 1, "empty file: expected a header such as 'time (h), carbon intensity (g/kWh)'");
  else if (series.time_s.empty() && d.empty())
    error(number, 1, "no data rows after the header");
  d.throw_if_any();
  return series;
}

TimeSeries load_csv_series(const std::string& file, Dimension value_dimension) {
  return parse_csv_series(read_input_file(file), file, value_dimension);
}

}  // namespace wattsim
