#include "fuzz/world_cache.h"

namespace labyrinth::fuzz {

world_cache::entry::entry(const world_config& c) : config(c), pristine(c, pristine_sink, nullptr) {}

world& world_cache::fresh(const world_config& config, report_sink& sink, fi::injector* injector) {
  entry* found = nullptr;
  for (const auto& e : entries_)
    if (e->config == config) found = e.get();
  if (!found) {
    if (entries_.size() >= max_configurations) entries_.erase(entries_.begin());
    entries_.push_back(std::make_unique<entry>(config));
    found = entries_.back().get();
  }
  if (!found->working) {
    found->working = std::make_unique<world>(config, sink, injector);
    return *found->working;  // just built: nothing to restore
  }
  found->working->restore(found->pristine, sink, injector);
  return *found->working;
}

}  // namespace labyrinth::fuzz
