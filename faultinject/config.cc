// The LABYRINTH_FAULTS parser and printer.
#include "faultinject/config.h"

#include <array>
#include <charconv>
#include <cstdlib>
#include <vector>

namespace labyrinth::fi {
namespace {

struct fault_key_info {
  const char* name;
  const char* kernel_name;
  bool page_alloc_only;
  const char* help;
};

constexpr std::array<fault_key_info, fault_key_count> fault_key_table = {{
#define LABYRINTH_X(id, key, kernel, page_alloc_only, help) {key, kernel, page_alloc_only, help},
    LABYRINTH_FAULT_KEYS(LABYRINTH_X)
#undef LABYRINTH_X
}};

constexpr long long int32_max = 2147483647;

const fault_key_info& info(fault_key key) {
  const auto index = static_cast<unsigned>(key);
  return fault_key_table[index < fault_key_count ? index : 0];
}

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// Splits at every separator; n separators give n + 1 pieces (empty ones kept).
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  for (size_t index = 0; index <= text.size(); ++index) {
    if (index == text.size() || text[index] == separator) {
      pieces.push_back(text.substr(start, index - start));
      start = index + 1;
    }
  }
  return pieces;
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string range_text(long long min, long long max) {
  return std::to_string(min) + ".." + std::to_string(max);
}

// Returns empty, or what is wrong with `text`.
std::string parse_integer(std::string_view text, long long min, long long max, long long& out) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, out);
  if (error == std::errc::result_out_of_range) return "out of range " + range_text(min, max);
  if (text.empty() || error != std::errc() || stop != end) {
    return "expected an integer in " + range_text(min, max);
  }
  if (out < min || out > max) return "out of range " + range_text(min, max);
  return "";
}

std::string parse_boolean(std::string_view text, bool& out) {
  if (text == "Y" || text == "y" || text == "1") {
    out = true;
    return "";
  }
  if (text == "N" || text == "n" || text == "0") {
    out = false;
    return "";
  }
  return "expected Y, N, 1 or 0";
}

template <typename field_type>
std::string set_integer(std::string_view text, long long min, long long max, field_type& field) {
  long long value = 0;
  std::string error = parse_integer(text, min, max, value);
  if (error.empty()) field = static_cast<field_type>(value);
  return error;
}

std::string set_contexts(std::string_view text, context_filter& field) {
  const std::optional<context_filter> filter = parse_context_filter(text);
  if (!filter) return "expected kernel, any, task or interrupt";
  field = *filter;
  return "";
}

std::string known_sites() {
  std::string names;
  for (unsigned index = 0; index < fault_site_count; ++index) {
    if (index > 0) names += ", ";
    names += fault_site_name(static_cast<fault_site>(index));
  }
  return names;
}

std::string known_keys(fault_site site) {
  std::string names;
  for (unsigned index = 0; index < fault_key_count; ++index) {
    const auto key = static_cast<fault_key>(index);
    if (!fault_key_applies(key, site)) continue;
    if (!names.empty()) names += ", ";
    names += fault_key_name(key);
  }
  return names;
}

using keys_seen = std::array<bool, fault_key_count>;

std::string parse_setting(std::string_view setting, fault_site site, keys_seen& seen,
                          fault_attr_config& attr) {
  const std::string site_name = quoted(fault_site_name(site));
  if (setting.empty()) return "empty setting for site " + site_name + " (stray ',')";
  const size_t equals = setting.find('=');
  if (equals == std::string_view::npos) {
    return "setting " + quoted(setting) + " for site " + site_name +
           " has no value (expected key=value)";
  }
  const std::string_view key_name = trim(setting.substr(0, equals));
  const std::string_view value = trim(setting.substr(equals + 1));
  if (key_name.empty()) {
    return "setting " + quoted(setting) + " for site " + site_name + " has no key";
  }
  const std::optional<fault_key> key = parse_fault_key(key_name);
  if (!key) {
    return "unknown key " + quoted(key_name) + " for site " + site_name + " (known: " +
           known_keys(site) + ")";
  }
  if (!fault_key_applies(*key, site)) {
    return "key " + quoted(key_name) + " applies only to site 'fail_page_alloc', not to " +
           site_name;
  }
  bool& key_seen = seen[static_cast<unsigned>(*key)];
  if (key_seen) return "duplicate key " + quoted(key_name) + " for site " + site_name;
  key_seen = true;
  const std::string problem = set_fault_key(*key, value, attr);
  if (problem.empty()) return "";
  return "bad value " + quoted(value) + " for key " + quoted(key_name) + " of site " + site_name +
         ": " + problem;
}

using sites_seen = std::array<bool, fault_site_count>;

std::string parse_site_entry(std::string_view entry, size_t number, sites_seen& seen,
                             fault_config& config) {
  if (entry.empty()) return "empty site entry #" + std::to_string(number) + " (stray ';')";
  const size_t colon = entry.find(':');
  if (colon == std::string_view::npos) {
    return "expected 'site:key=value,...' but got " + quoted(entry);
  }
  const std::string_view site_name = trim(entry.substr(0, colon));
  const std::optional<fault_site> site = parse_fault_site(site_name);
  if (!site) {
    return "unknown fault site " + quoted(site_name) + " (known: " + known_sites() + ")";
  }
  bool& site_seen = seen[static_cast<unsigned>(*site)];
  if (site_seen) return "duplicate site " + quoted(site_name) + " (name each site once)";
  site_seen = true;
  const std::string_view settings = trim(entry.substr(colon + 1));
  if (settings.empty()) {
    return "site " + quoted(site_name) + " has no settings (expected '" +
           std::string(site_name) + ":key=value,...')";
  }
  keys_seen keys{};
  for (const std::string_view setting : split(settings, ',')) {
    std::string error = parse_setting(trim(setting), *site, keys, config[*site]);
    if (!error.empty()) return error;
  }
  return "";
}

}  // namespace

const char* fault_key_name(fault_key key) { return info(key).name; }
const char* fault_key_kernel_name(fault_key key) { return info(key).kernel_name; }
const char* fault_key_help(fault_key key) { return info(key).help; }

bool fault_key_applies(fault_key key, fault_site site) {
  return !info(key).page_alloc_only || site == fault_site::page_alloc;
}

std::optional<fault_key> parse_fault_key(std::string_view name) {
  for (unsigned index = 0; index < fault_key_count; ++index) {
    if (name == fault_key_table[index].name) return static_cast<fault_key>(index);
  }
  return std::nullopt;
}

std::string fault_key_value(fault_key key, const fault_attr_config& attr) {
  const auto boolean = [](bool value) { return std::string(value ? "Y" : "N"); };
  switch (key) {
    case fault_key::probability: return std::to_string(attr.probability);
    case fault_key::interval: return std::to_string(attr.interval);
    case fault_key::times: return std::to_string(attr.times);
    case fault_key::space: return std::to_string(attr.space);
    case fault_key::verbose: return std::to_string(attr.verbose);
    case fault_key::task_filter: return boolean(attr.task_filter);
    case fault_key::fail_nth: return std::to_string(attr.fail_nth);
    case fault_key::fail_nth_sticky: return boolean(attr.fail_nth_sticky);
    case fault_key::contexts: return context_filter_name(attr.contexts);
    case fault_key::min_order: return std::to_string(attr.min_order);
    case fault_key::ignore_gfp_wait: return boolean(attr.ignore_gfp_wait);
    case fault_key::ignore_gfp_highmem: return boolean(attr.ignore_gfp_highmem);
  }
  return "?";
}

std::string set_fault_key(fault_key key, std::string_view value, fault_attr_config& attr) {
  switch (key) {
    case fault_key::probability: return set_integer(value, 0, 100, attr.probability);
    case fault_key::interval: return set_integer(value, 1, 4294967295LL, attr.interval);
    case fault_key::times: return set_integer(value, -1, int32_max, attr.times);
    case fault_key::space: return set_integer(value, 0, int32_max, attr.space);
    case fault_key::verbose: return set_integer(value, 0, 2, attr.verbose);
    case fault_key::task_filter: return parse_boolean(value, attr.task_filter);
    case fault_key::fail_nth: return set_integer(value, 0, int32_max, attr.fail_nth);
    case fault_key::fail_nth_sticky: return parse_boolean(value, attr.fail_nth_sticky);
    case fault_key::contexts: return set_contexts(value, attr.contexts);
    case fault_key::min_order: return set_integer(value, 0, 63, attr.min_order);
    case fault_key::ignore_gfp_wait: return parse_boolean(value, attr.ignore_gfp_wait);
    case fault_key::ignore_gfp_highmem: return parse_boolean(value, attr.ignore_gfp_highmem);
  }
  return "unknown key";
}

fault_config_result parse_fault_config(std::string_view text, const fault_config& base) {
  fault_config_result result{base, ""};
  if (trim(text).empty()) return result;
  sites_seen seen{};
  const std::vector<std::string_view> entries = split(text, ';');
  for (size_t index = 0; index < entries.size(); ++index) {
    std::string error = parse_site_entry(trim(entries[index]), index + 1, seen, result.config);
    if (!error.empty()) {
      result.config = base;
      result.error = std::string(fault_config_env) + ": " + error;
      return result;
    }
  }
  return result;
}

std::string format_fault_config(const fault_config& config) {
  const fault_attr_config defaults;
  std::string text;
  for (unsigned site_index = 0; site_index < fault_site_count; ++site_index) {
    const auto site = static_cast<fault_site>(site_index);
    std::string settings;
    for (unsigned key_index = 0; key_index < fault_key_count; ++key_index) {
      const auto key = static_cast<fault_key>(key_index);
      if (!fault_key_applies(key, site)) continue;
      const std::string value = fault_key_value(key, config[site]);
      if (value == fault_key_value(key, defaults)) continue;
      if (!settings.empty()) settings += ',';
      settings += std::string(fault_key_name(key)) + "=" + value;
    }
    if (settings.empty()) continue;
    if (!text.empty()) text += ';';
    text += std::string(fault_site_name(site)) + ":" + settings;
  }
  return text;
}

fault_config_result fault_config_from_env() {
  const char* text = std::getenv(fault_config_env);
  return parse_fault_config(text == nullptr ? "" : text);
}

}  // namespace labyrinth::fi
