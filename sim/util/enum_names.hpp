#pragma once
// One name table per enumeration. The input reader, to_string, the allowed-values text of error messages
// and the generated reference all read the same table, so a name is written once. Enumerators must be
// 0, 1, 2, ... in table order.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wattsim {

template <class Enum, std::size_t N>
struct EnumNames {
  std::array<std::string_view, N> names;

  constexpr std::string_view operator()(Enum value) const { return names[static_cast<std::size_t>(value)]; }
  constexpr std::optional<Enum> parse(std::string_view name) const {
    for (std::size_t i = 0; i < N; ++i)
      if (names[i] == name) return static_cast<Enum>(i);
    return std::nullopt;
  }
  std::vector<std::string_view> list() const { return {names.begin(), names.end()}; }
};

// The names of a table as a function, the form parameter declarations take their allowed values in.
template <const auto& Table>
std::vector<std::string_view> names_of() {
  return Table.list();
}

// "a, b, c", for messages that list what is allowed.
inline std::string join_names(const std::vector<std::string_view>& names, std::string_view separator = ", ") {
  std::string s;
  for (std::string_view n : names) {
    if (!s.empty()) s += separator;
    s += n;
  }
  return s;
}

}  // namespace wattsim
