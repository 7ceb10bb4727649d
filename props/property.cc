#include "props/property.h"

#include <cstdlib>
#include <string_view>

namespace labyrinth::props {

bool rc_params_names(std::string_view key) {
  const char* text = std::getenv("RC_PARAMS");
  if (!text) return false;
  std::string_view params(text);
  for (size_t start = 0; start < params.size();) {
    size_t end = params.find(' ', start);
    if (end == std::string_view::npos) end = params.size();
    std::string_view pair = params.substr(start, end - start);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=') return true;
    start = end + 1;
  }
  return false;
}

rc::detail::TestParams property_params(int default_max_success, int default_max_size) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  if (!rc_params_names("seed")) params.seed = props_default_seed;
  if (!rc_params_names("max_success")) params.maxSuccess = default_max_success;
  if (!rc_params_names("max_size")) params.maxSize = default_max_size;
  return params;
}

}  // namespace labyrinth::props
