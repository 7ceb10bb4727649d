#include "alloc/kernel_api.h"

#include <cassert>

namespace labyrinth {
namespace {
thread_local world* current = nullptr;
}

world& current_world() {
  assert(current && "no current world: wrap the run in a current_world_scope");
  return *current;
}

current_world_scope::current_world_scope(world& w) : previous_(current) { current = &w; }
current_world_scope::~current_world_scope() { current = previous_; }

}  // namespace labyrinth
