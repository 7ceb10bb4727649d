#include "alloc/gfp.h"

#include <charconv>

namespace labyrinth {
namespace {

struct gfp_name {
  const char* name;
  gfp_t value;
};

constexpr gfp_name composites[] = {
#define LABYRINTH_X(name, value) {#name, name},
    LABYRINTH_GFP_COMPOSITES(LABYRINTH_X)
#undef LABYRINTH_X
};

constexpr gfp_name bits[] = {
#define LABYRINTH_X(name, value) {#name, name},
    LABYRINTH_GFP_BITS(LABYRINTH_X)
#undef LABYRINTH_X
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

std::optional<gfp_t> parse_term(std::string_view term) {
  for (const auto& entry : composites)
    if (term == entry.name) return entry.value;
  for (const auto& entry : bits)
    if (term == entry.name) return entry.value;
  if (term == "__GFP_RECLAIM") return __GFP_RECLAIM;
  unsigned value = 0;
  int base = 10;
  if (term.size() > 2 && term[0] == '0' && (term[1] == 'x' || term[1] == 'X')) {
    term.remove_prefix(2);
    base = 16;
  }
  auto [end, error] = std::from_chars(term.data(), term.data() + term.size(), value, base);
  if (error != std::errc() || end != term.data() + term.size() || term.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string format_gfp(gfp_t gfp) {
  std::string text;
  text.reserve(96);  // one allocation: the longest common masks are ~80 characters
  append_gfp(text, gfp);
  return text;
}

void append_gfp(std::string& out, gfp_t gfp) {
  const size_t start = out.size();
  auto append = [&out, start](std::string_view name) {
    if (out.size() > start) out += '|';
    out += name;
  };
  gfp_t rest = gfp;
  for (const auto& entry : composites) {
    if ((rest & entry.value) == entry.value && entry.value != 0) {
      append(entry.name);
      rest &= ~entry.value;
      break;  // one composite, as %pGg prints
    }
  }
  for (const auto& entry : bits) {
    if (rest & entry.value) {
      append(entry.name);
      rest &= ~entry.value;
    }
  }
  if (rest) {
    char buffer[16];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, rest, 16);
    append("0x");
    out.append(buffer, end);
  }
  if (out.size() == start) out += '0';
}

std::optional<gfp_t> parse_gfp(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  gfp_t gfp = 0;
  while (true) {
    size_t bar = text.find('|');
    auto term = parse_term(trim(text.substr(0, bar)));
    if (!term) return std::nullopt;
    gfp |= *term;
    if (bar == std::string_view::npos) return gfp;
    text.remove_prefix(bar + 1);
  }
}

}  // namespace labyrinth
