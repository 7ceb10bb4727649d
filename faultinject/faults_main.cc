// labyrinth-faults: the fault sites, the LABYRINTH_FAULTS vocabulary and its
// defaults, and a checker for LABYRINTH_FAULTS strings.
//   labyrinth-faults sites              the named fault sites
//   labyrinth-faults defaults           every key with its kernel default
//   labyrinth-faults check ["..."]      validate a string (default: $LABYRINTH_FAULTS)
// (The sweep command lives with the program runtime in fuzz/.)
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "faultinject/config.h"
#include "faultinject/fault_site.h"

namespace {

using namespace labyrinth::fi;

void print_sites() {
  std::printf("%-15s  %-42s  %-8s  %s\n", "site", "kernel analogue", "outcomes", "help");
  for (unsigned index = 0; index < fault_site_count; ++index) {
    const auto site = static_cast<fault_site>(index);
    std::printf("%-15s  %-42s  %-8u  %s\n", fault_site_name(site), fault_site_kernel_name(site),
                fault_site_outcomes(site), fault_site_help(site));
  }
}

void print_defaults() {
  const fault_attr_config defaults;
  std::printf("%-18s  %-7s  %-42s  %s\n", "key", "default", "kernel", "meaning");
  for (unsigned index = 0; index < fault_key_count; ++index) {
    const auto key = static_cast<fault_key>(index);
    const bool page_alloc_only = !fault_key_applies(key, fault_site::reclaim);
    std::printf("%-18s  %-7s  %-42s  %s%s\n", fault_key_name(key),
                fault_key_value(key, defaults).c_str(), fault_key_kernel_name(key),
                page_alloc_only ? "(fail_page_alloc only) " : "", fault_key_help(key));
  }
}

int check(const std::optional<std::string>& text) {
  const fault_config_result result =
      text ? parse_fault_config(*text) : fault_config_from_env();
  if (!result.ok()) {
    std::fprintf(stderr, "%s\n", result.error.c_str());
    return 1;
  }
  const std::string normalized = format_fault_config(result.config);
  std::printf("ok: %s\n", normalized.empty() ? "(defaults: nothing injected)" : normalized.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Labyrinth fault sites and the LABYRINTH_FAULTS vocabulary"};
  app.require_subcommand(1);
  CLI::App* sites = app.add_subcommand("sites", "List the named fault sites");
  CLI::App* defaults = app.add_subcommand("defaults", "List every key with its kernel default");
  CLI::App* check_command =
      app.add_subcommand("check", "Validate a LABYRINTH_FAULTS string (default: the environment)");
  std::string text;
  CLI::Option* text_option = check_command->add_option(
      "faults", text, "e.g. \"fail_page_alloc:probability=10;reclaim:fail-nth=2\"");
  CLI11_PARSE(app, argc, argv);
  if (sites->parsed()) print_sites();
  if (defaults->parsed()) print_defaults();
  if (check_command->parsed()) {
    return check(text_option->count() > 0 ? std::optional<std::string>(text) : std::nullopt);
  }
  return 0;
}
