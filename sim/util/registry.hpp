#pragma once
// A named registry: the way policies, model families (and later topologies and collective algorithms)
// make themselves known. Entries carry a name and a one-line description, are listed in registration
// order by `wattsim list`, and are looked up by name; nothing dispatches on names with if/else chains.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wattsim {

template <class Entry>  // Entry has `std::string name` and `std::string description`
class Registry {
 public:
  void add(Entry entry) {
    if (find(entry.name)) throw std::logic_error("registered twice: " + entry.name);
    entries_.push_back(std::move(entry));
  }
  const Entry* find(const std::string& name) const {
    for (const Entry& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }
  const std::vector<Entry>& all() const { return entries_; }
  // The names in registration order: what a parameter naming an entry may be.
  std::vector<std::string_view> name_list() const {
    std::vector<std::string_view> names;
    for (const Entry& e : entries_) names.emplace_back(e.name);
    return names;
  }
  // "a, b, c": for error messages that list what is known.
  std::string names() const {
    std::string s;
    for (const Entry& e : entries_) s += (s.empty() ? "" : ", ") + e.name;
    return s;
  }

 private:
  std::vector<Entry> entries_;
};

}  // namespace wattsim
