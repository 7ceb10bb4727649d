#include "fuzz/parser.h"

#include <charconv>
#include <optional>
#include <vector>

#include "alloc/gfp.h"

namespace labyrinth::fuzz {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  for (size_t guard = 0, bound = text.size(); guard <= bound; ++guard) {
    text = trim(text);
    if (text.empty()) break;
    size_t end = text.find_first_of(" \t");
    words.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end);
  }
  return words;
}

std::optional<uint32_t> parse_number(std::string_view text) {
  uint32_t value = 0;
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

template <size_t N>
std::optional<uint32_t> parse_name(std::string_view text, const char* const (&names)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (text == names[i]) return static_cast<uint32_t>(i);
  return std::nullopt;
}

constexpr const char* mode_names[] = {"exclusive", "shared"};
constexpr const char* lock_names[] = {"client_lock", "rx_lock", "tx_lock"};
constexpr const char* cache_kind_names[] = {"clean", "dirty", "swapbacked"};
constexpr const char* context_names[] = {"task", "softirq", "hardirq"};

// The value of `key=value` for an argument kind; the range is checked later.
std::optional<uint32_t> parse_arg_value(arg_kind kind, std::string_view value) {
  switch (kind) {
    case arg_kind::mode: return parse_name(value, mode_names);
    case arg_kind::lock: return parse_name(value, lock_names);
    case arg_kind::cache_kind: return parse_name(value, cache_kind_names);
    case arg_kind::to: return parse_name(value, context_names);
    case arg_kind::probe:
      for (unsigned i = 0; i < probe_count; ++i)
        if (value == probe_name(static_cast<probe_kind>(i))) return i;
      return std::nullopt;
    default: return parse_number(value);
  }
}

std::optional<list_id> parse_list_header(std::string_view word) {
  for (unsigned i = 0; i < list_count; ++i)
    if (word == std::string(list_name(static_cast<list_id>(i))) + ":") return static_cast<list_id>(i);
  return std::nullopt;
}

class parser {
 public:
  explicit parser(const layout& l) : layout_(l) {}
  parse_result run(std::string_view text);

 private:
  std::string line_error(const std::string& what) const { return "line " + std::to_string(line_) + ": " + what; }
  std::string config_line(const std::vector<std::string_view>& words);
  std::string decisions_line(const std::vector<std::string_view>& words);
  std::string op_line(const std::vector<std::string_view>& words);
  std::string open_list(list_id list);
  std::string close_list();

  layout layout_;
  program program_;
  unsigned line_ = 0;
  std::optional<list_id> list_;
  std::optional<section_state> state_;
  std::vector<unsigned> open_lines_;  // line of each open section
  bool seen_[list_count] = {};
};

std::string parser::config_line(const std::vector<std::string_view>& words) {
  for (size_t i = 1; i < words.size(); ++i) {
    std::string_view word = words[i];
    size_t eq = word.find('=');
    std::string_view key = word.substr(0, eq), value = eq == std::string_view::npos ? "" : word.substr(eq + 1);
    if (key == "pcp" && (value == "trylock" || value == "irqsave")) {
      program_.pcp_irqsave = value == "irqsave";
    } else if (key == "world" && (value == "small" || value == "large")) {
      program_.large_world = value == "large";
    } else if (key == "rx_order" && (value == "0" || value == "1")) {
      program_.rx_order = static_cast<uint8_t>(value[0] - '0');
    } else {
      return line_error("bad config setting '" + std::string(word) + "' (known: pcp=trylock|irqsave, world=small|large, rx_order=0|1)");
    }
  }
  return "";
}

std::string parser::decisions_line(const std::vector<std::string_view>& words) {
  if (!layout_.decisions) return line_error("this harness takes no decision bytes");
  for (size_t i = 1; i < words.size(); ++i) {
    std::string_view word = words[i];
    size_t star = word.find('*');
    std::string_view byte_text = word.substr(0, star);
    uint32_t repeat = 1;
    if (star != std::string_view::npos) {
      auto count = parse_number(word.substr(star + 1));
      if (!count || *count == 0 || *count > 65536) return line_error("bad repeat count in '" + std::string(word) + "'");
      repeat = *count;
    }
    uint32_t value = 0;
    auto [end, error] = std::from_chars(byte_text.data(), byte_text.data() + byte_text.size(), value, 16);
    if (byte_text.size() != 2 || error != std::errc() || end != byte_text.data() + byte_text.size())
      return line_error("decision bytes are two hex digits each, optionally *count: '" + std::string(word) + "'");
    if (program_.decisions.size() + repeat > (1u << 20)) return line_error("too many decision bytes");
    program_.decisions.insert(program_.decisions.end(), repeat, static_cast<uint8_t>(value));
  }
  return "";
}

std::string parser::open_list(list_id list) {
  if (std::string why = close_list(); !why.empty()) return why;
  unsigned index = static_cast<unsigned>(list);
  if (seen_[index]) return line_error(std::string(list_name(list)) + " appears twice");
  if (list != list_id::task && !layout_.handlers)
    return line_error(std::string("this harness has no handler programs (") + list_name(list) + ")");
  seen_[index] = true;
  list_ = list;
  state_.emplace(list);
  open_lines_.clear();
  return "";
}

std::string parser::close_list() {
  if (!list_ || state_->depth() == 0) return "";
  return "line " + std::to_string(open_lines_.back()) + ": " + list_name(*list_) + ": section opened here is never closed";
}

std::string parser::op_line(const std::vector<std::string_view>& words) {
  if (!list_) return line_error("operation outside a list (start with 'task:')");
  auto code = parse_op_name(words[0]);
  if (!code) return line_error("unknown operation '" + std::string(words[0]) + "'");
  op o;
  o.code = *code;
  bool given[max_op_args] = {};
  for (size_t w = 1; w < words.size(); ++w) {
    std::string_view word = words[w];
    size_t eq = word.find('=');
    bool matched = false;
    for (unsigned i = 0; i < max_op_args && !matched; ++i) {
      arg_kind kind = op_arg(o.code, i);
      if (kind == arg_kind::none) break;
      if (kind == arg_kind::gfp) {
        if (eq != std::string_view::npos) continue;
        auto gfp = parse_gfp(word);
        if (!gfp) return line_error("bad gfp flags '" + std::string(word) + "'");
        if (given[i]) return line_error("gfp flags given twice");
        o.args[i] = *gfp;
      } else {
        if (eq == std::string_view::npos || word.substr(0, eq) != arg_key(kind)) continue;
        auto value = parse_arg_value(kind, word.substr(eq + 1));
        if (!value) return line_error("bad value in '" + std::string(word) + "'");
        if (given[i]) return line_error(std::string(arg_key(kind)) + " given twice");
        o.args[i] = *value;
      }
      given[i] = matched = true;
    }
    if (!matched) return line_error(std::string(op_name(o.code)) + " takes no argument '" + std::string(word) + "'");
  }
  for (unsigned i = 0; i < max_op_args; ++i) {
    arg_kind kind = op_arg(o.code, i);
    if (kind != arg_kind::none && !given[i])
      return line_error(std::string(op_name(o.code)) + " needs " + (kind == arg_kind::gfp ? "gfp flags" : arg_key(kind)));
  }
  std::string why = state_->problem(o);
  if (why.empty() && op_weight(o.code, layout_.set) == 0 && !is_closer(o.code))
    why = std::string(op_name(o.code)) + " is not in this harness's op set (" + op_set_name(layout_.set) + ")";
  if (!why.empty()) return line_error(why);
  auto& ops = program_.at(*list_);
  if (ops.size() >= list_capacity(*list_))
    return line_error(std::string(list_name(*list_)) + " holds at most " + std::to_string(list_capacity(*list_)) +
                      " operations");
  section_kind kind;
  if (opens_section(o.code, &kind)) open_lines_.push_back(line_);
  if (is_closer(o.code) && !open_lines_.empty()) open_lines_.pop_back();
  ops.push_back(o);
  state_->apply(o);
  return "";
}

parse_result parser::run(std::string_view text) {
  parse_result result;
  for (unsigned guard = 0; guard < (1u << 20) && !text.empty(); ++guard) {
    ++line_;
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> words = split_words(line);
    if (words.empty()) continue;
    std::string why;
    if (words[0] == "config") {
      why = config_line(words);
    } else if (words[0] == "decisions:") {
      why = decisions_line(words);
    } else if (auto list = parse_list_header(words[0])) {
      why = words.size() > 1 ? line_error("text after the list header") : open_list(*list);
    } else {
      why = op_line(words);
    }
    if (!why.empty()) {
      result.error = why;
      return result;
    }
  }
  result.error = close_list();
  if (result.ok()) result.value = program_;
  return result;
}

}  // namespace

parse_result parse_program(std::string_view text, const layout& l) { return parser(l).run(text); }

}  // namespace labyrinth::fuzz
