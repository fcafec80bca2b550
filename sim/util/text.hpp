#pragma once
// Splitting text at a separator: key paths at '.', journal lines at tabs.
#include <string_view>
#include <vector>

namespace wattsim {

// The pieces between separators, empty ones included ("a..b" gives "a", "", "b"); views into `text`.
inline std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t at; (at = text.find(separator, start)) != std::string_view::npos; start = at + 1)
    out.push_back(text.substr(start, at - start));
  out.push_back(text.substr(start));
  return out;
}

}  // namespace wattsim
