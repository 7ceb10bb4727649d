// Name tables for the fault sites and context filters, from the X-macro.
#include "faultinject/fault_site.h"

#include <array>

namespace labyrinth::fi {
namespace {

struct fault_site_info {
  const char* name;
  const char* kernel_name;
  unsigned outcomes;
  const char* help;
};

constexpr std::array<fault_site_info, fault_site_count> fault_site_table = {{
#define LABYRINTH_X(id, name, kernel, outcomes, help) {name, kernel, outcomes, help},
    LABYRINTH_FAULT_SITES(LABYRINTH_X)
#undef LABYRINTH_X
}};

constexpr std::array<const char*, 4> context_filter_names = {"kernel", "any", "task", "interrupt"};

const fault_site_info& info(fault_site site) {
  const auto index = static_cast<unsigned>(site);
  // An out-of-range enumerator is a caller bug; answer with the first entry
  // rather than read past the table.
  return fault_site_table[index < fault_site_count ? index : 0];
}

}  // namespace

const char* fault_site_name(fault_site site) { return info(site).name; }
const char* fault_site_kernel_name(fault_site site) { return info(site).kernel_name; }
const char* fault_site_help(fault_site site) { return info(site).help; }
unsigned fault_site_outcomes(fault_site site) { return info(site).outcomes; }

std::optional<fault_site> parse_fault_site(std::string_view name) {
  for (unsigned index = 0; index < fault_site_count; ++index) {
    if (name == fault_site_table[index].name) return static_cast<fault_site>(index);
  }
  return std::nullopt;
}

const char* context_filter_name(context_filter filter) {
  const auto index = static_cast<unsigned>(filter);
  return index < context_filter_names.size() ? context_filter_names[index] : "?";
}

std::optional<context_filter> parse_context_filter(std::string_view name) {
  for (unsigned index = 0; index < context_filter_names.size(); ++index) {
    if (name == context_filter_names[index]) return static_cast<context_filter>(index);
  }
  return std::nullopt;
}

}  // namespace labyrinth::fi
