// Planted bugs: one compile-time switch, zero cost and no code when off.
// The catalogue is plants.def; the generated labyrinth_plant_config.h defines
// LABYRINTH_PLANT_NAME=<name> when the CMake cache variable LABYRINTH_PLANT
// names one.  Only this header includes it, so a planted build recompiles only
// the files that include plant.h.
#pragma once

#include <cstdint>

#include "labyrinth_plant_config.h"

namespace labyrinth {

enum class plant : uint8_t {
  none,
#define X(name, description) name,
#include "faultinject/plants.def"
#undef X
};

#ifdef LABYRINTH_PLANT_NAME
inline constexpr plant active_plant = plant::LABYRINTH_PLANT_NAME;
#else
inline constexpr plant active_plant = plant::none;
#endif

// Use as: if constexpr (planted(plant::expand_loses_half)) { ... }
constexpr bool planted(plant p) { return active_plant == p; }

struct plant_info {
  const char* name;
  const char* description;
};

inline constexpr plant_info plant_catalogue[] = {
    {"none", "no planted bug"},
#define X(name, description) {#name, description},
#include "faultinject/plants.def"
#undef X
};

constexpr const char* plant_name(plant p) { return plant_catalogue[static_cast<unsigned>(p)].name; }
constexpr const char* plant_description(plant p) {
  return plant_catalogue[static_cast<unsigned>(p)].description;
}

}  // namespace labyrinth
