#include "fuzz/smp_program.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>

#include "alloc/smp/strategy.h"
#include "faultinject/bytes_source.h"
#include "faultinject/config.h"
#include "faultinject/prng_source.h"
#include "faultinject/replay_source.h"

namespace labyrinth::fuzz {
namespace {

constexpr const char* code_names[] = {
#define LABYRINTH_X(name, help) #name,
    LABYRINTH_SMP_OPS(LABYRINTH_X)
#undef LABYRINTH_X
};
constexpr const char* cache_kinds[] = {"clean", "dirty", "swapbacked"};

// The argument byte in canonical form for its operation.
uint8_t canonical_arg(smp_code code, uint8_t arg, unsigned cpus) {
  switch (code) {
    case smp_code::alloc: return arg & 0x3f;
    case smp_code::free:
    case smp_code::irq_section:
    case smp_code::lock_section: return arg & 7;
    case smp_code::give: return static_cast<uint8_t>((arg & 7) | ((((arg >> 3) & 7) % cpus) << 3));
    case smp_code::cache_add: return arg % 3;
    default: return 0;
  }
}

std::string op_text(const smp_op& o) {
  unsigned slot = o.arg & 7;
  char text[96];
  switch (o.code) {
    case smp_code::alloc:
      std::snprintf(text, sizeof text, "alloc slot=%u order=%u gfp=%s", slot, (o.arg >> 3) & 3,
                    (o.arg & 0x20) ? "atomic" : "kernel");
      return text;
    case smp_code::free:
    case smp_code::irq_section:
    case smp_code::lock_section:
      std::snprintf(text, sizeof text, "%s slot=%u", smp_code_name(o.code), slot);
      return text;
    case smp_code::give:
      std::snprintf(text, sizeof text, "give slot=%u to=%u", slot, (o.arg >> 3) & 7);
      return text;
    case smp_code::cache_add: return std::string("cache_add kind=") + cache_kinds[o.arg % 3];
    default: return smp_code_name(o.code);
  }
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// "key=value" words of an operation -> value, or -1.
long word_value(const std::vector<std::string>& words, const std::string& key) {
  for (const std::string& w : words)
    if (w.rfind(key + "=", 0) == 0) {
      std::string v = w.substr(key.size() + 1);
      if (v == "kernel" || v == "no" || v == "trylock") return 0;
      if (v == "atomic" || v == "yes" || v == "irqsave") return 1;
      for (unsigned k = 0; k < 3; ++k)
        if (v == cache_kinds[k]) return k;
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      return end && *end == 0 && !v.empty() ? n : -1;
    }
  return -1;
}

std::optional<smp_op> parse_op(const std::string& text, unsigned cpus, std::string* error) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) {
    *error = "empty operation";
    return std::nullopt;
  }
  for (unsigned c = 0; c < smp_code_count; ++c) {
    if (words[0] != code_names[c]) continue;
    smp_op o{static_cast<smp_code>(c), 0};
    long slot = word_value(words, "slot");
    bool needs_slot = o.code == smp_code::alloc || o.code == smp_code::free || o.code == smp_code::give ||
                      o.code == smp_code::irq_section || o.code == smp_code::lock_section;
    if (needs_slot && (slot < 0 || slot >= static_cast<long>(smp_slots))) {
      *error = "'" + text + "': slot=0..7 needed";
      return std::nullopt;
    }
    if (o.code == smp_code::alloc) {
      long order = word_value(words, "order"), gfp = word_value(words, "gfp");
      if (order < 0 || order > 3 || gfp < 0) {
        *error = "'" + text + "': order=0..3 gfp=kernel|atomic needed";
        return std::nullopt;
      }
      o.arg = static_cast<uint8_t>(slot | (order << 3) | (gfp << 5));
    } else if (o.code == smp_code::give) {
      long to = word_value(words, "to");
      if (to < 0 || to >= static_cast<long>(cpus)) {
        *error = "'" + text + "': to=<cpu> below cpus needed";
        return std::nullopt;
      }
      o.arg = static_cast<uint8_t>(slot | (to << 3));
    } else if (o.code == smp_code::cache_add) {
      long kind = word_value(words, "kind");
      if (kind < 0 || kind > 2) {
        *error = "'" + text + "': kind=clean|dirty|swapbacked needed";
        return std::nullopt;
      }
      o.arg = static_cast<uint8_t>(kind);
    } else if (needs_slot) {
      o.arg = static_cast<uint8_t>(slot);
    }
    return o;
  }
  *error = "unknown operation '" + words[0] + "'";
  return std::nullopt;
}

}  // namespace

const char* smp_code_name(smp_code code) { return code_names[static_cast<unsigned>(code)]; }

smp_program smp_decode(std::span<const uint8_t> input) {
  smp_program p;
  size_t at = 0;
  uint8_t header = input.empty() ? 0 : input[at++];
  p.pcp_irqsave = header & 1;
  p.cpus = smp_min_cpus + ((header >> 1) & 3);
  p.kswapd = header & 8;
  for (unsigned cpu = 0; cpu < p.cpus; ++cpu) {
    unsigned count = at < input.size() ? input[at++] % (smp_max_ops + 1) : 0;
    for (unsigned i = 0; i < count && at + 1 < input.size(); ++i, at += 2) {
      smp_code code = static_cast<smp_code>(input[at] % smp_code_count);
      p.lists[cpu].push_back({code, canonical_arg(code, input[at + 1], p.cpus)});
    }
  }
  if (at < input.size()) p.decisions.assign(input.begin() + static_cast<long>(at), input.end());
  return p;
}

std::vector<uint8_t> smp_encode(const smp_program& p) {
  std::vector<uint8_t> out;
  out.push_back(static_cast<uint8_t>((p.pcp_irqsave ? 1 : 0) | ((p.cpus - smp_min_cpus) << 1) | (p.kswapd ? 8 : 0)));
  for (unsigned cpu = 0; cpu < p.cpus; ++cpu) {
    out.push_back(static_cast<uint8_t>(p.lists[cpu].size()));
    for (const smp_op& o : p.lists[cpu]) {
      out.push_back(static_cast<uint8_t>(o.code));
      out.push_back(o.arg);
    }
  }
  out.insert(out.end(), p.decisions.begin(), p.decisions.end());
  return out;
}

std::string smp_print(const smp_program& p) {
  std::string text = "smp cpus=" + std::to_string(p.cpus) + " pcp=" + (p.pcp_irqsave ? "irqsave" : "trylock") +
                     " kswapd=" + (p.kswapd ? "yes" : "no") + "\n";
  for (unsigned cpu = 0; cpu < p.cpus; ++cpu) {
    text += "cpu " + std::to_string(cpu) + ":";
    for (size_t i = 0; i < p.lists[cpu].size(); ++i) text += (i ? "; " : " ") + op_text(p.lists[cpu][i]);
    text += "\n";
  }
  text += "decisions:";
  char hex[4];
  for (uint8_t b : p.decisions) {
    std::snprintf(hex, sizeof hex, " %02x", b);
    text += hex;
  }
  return text + "\n";
}

std::optional<smp_program> smp_parse(const std::string& text, std::string* error) {
  smp_program p;
  std::istringstream in(text);
  std::string line;
  unsigned number = 0;
  bool header = false;
  auto fail = [&](const std::string& what) {
    *error = "line " + std::to_string(number) + ": " + what;
    return std::nullopt;
  };
  while (std::getline(in, line) && number < 4096) {
    ++number;
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    if (line.rfind("smp", 0) == 0) {
      std::istringstream words_in(line);
      std::vector<std::string> words;
      for (std::string w; words_in >> w;) words.push_back(w);
      long cpus = word_value(words, "cpus"), pcp = word_value(words, "pcp"), kswapd = word_value(words, "kswapd");
      if (cpus < smp_min_cpus || cpus > smp_max_cpus || pcp < 0 || kswapd < 0)
        return fail("expected 'smp cpus=4..7 pcp=trylock|irqsave kswapd=yes|no'");
      p.cpus = static_cast<unsigned>(cpus);
      p.pcp_irqsave = pcp == 1;
      p.kswapd = kswapd == 1;
      header = true;
    } else if (line.rfind("cpu ", 0) == 0) {
      if (!header) return fail("the 'smp' header comes first");
      size_t colon = line.find(':');
      char* end = nullptr;
      long cpu = std::strtol(line.c_str() + 4, &end, 10);
      if (colon == std::string::npos || cpu < 0 || cpu >= static_cast<long>(p.cpus)) return fail("expected 'cpu N: ops'");
      std::string ops = line.substr(colon + 1);
      size_t start = 0;
      while (start <= ops.size()) {
        size_t semi = ops.find(';', start);
        std::string op = trim(ops.substr(start, semi == std::string::npos ? std::string::npos : semi - start));
        if (!op.empty()) {
          std::string what;
          auto parsed = parse_op(op, p.cpus, &what);
          if (!parsed) return fail(what);
          if (p.lists[cpu].size() >= smp_max_ops) return fail("more than 24 operations on one CPU");
          p.lists[cpu].push_back(*parsed);
        }
        if (semi == std::string::npos) break;
        start = semi + 1;
      }
    } else if (line.rfind("decisions:", 0) == 0) {
      std::istringstream bytes(line.substr(10));
      for (std::string b; bytes >> b;) {
        char* end = nullptr;
        unsigned long v = std::strtoul(b.c_str(), &end, 16);
        if (!end || *end || v > 255) return fail("decision bytes are two hex digits each");
        p.decisions.push_back(static_cast<uint8_t>(v));
      }
    } else {
      return fail("expected 'smp ...', 'cpu N: ...' or 'decisions: ...'");
    }
  }
  if (!header) return fail("no 'smp' header");
  return p;
}

// ---- running -----------------------------------------------------------------

size_t smp_run_result::bug_count() const {
  size_t n = 0;
  for (const report& r : reports) n += report_kind_verdict(r.kind) ? 0 : 1;
  return n;
}

smp_run_options smp_harness_options(sink_mode mode) {
  smp_run_options options;
  options.world.zones = {{ZONE_DMA32, 1024}, {ZONE_NORMAL, 1024}};
  options.world.page_bytes = 16;
  options.world.oom_victim_pages = 16;
  options.world.checks = check_level::incremental;
  options.world.slowpath_loop_limit = 32;
  auto parsed = fi::parse_fault_config("irq:probability=20,times=-1,verbose=0");
  options.faults = parsed.config;
  options.mode = mode;
  return options;
}

namespace {

// The client state of one run: per-CPU page slots, the queues pages are
// handed through, the two client locks.
struct smp_client final : interrupt_handler {
  smp_client(world& w, unsigned cpus)
      : w(w), slots(cpus), queues(cpus), queue_lock(w.make_lock("smp_queue_lock")),
        irq_lock(w.make_lock("smp_irq_lock")) {}

  struct slot {
    page* p = nullptr;
    unsigned order = 0;
  };

  // Every interrupt (not NMI): a GFP_ATOMIC page, the irq-safe lock, freed.
  void handle(world& world, interrupt_kind kind, irq_point) override {
    if (kind == interrupt_kind::nmi) return;
    page* p = world.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);
    irq_flags_t flags = world.spin_lock_irqsave(irq_lock);
    world.spin_unlock_irqrestore(irq_lock, flags);
    if (p) world.__free_pages(p, 0);
  }

  void release(slot& s) {
    if (s.p) w.__free_pages(s.p, s.order);
    s = slot{};
  }

  void into_slot(slot& s, page* p, unsigned order) {
    release(s);
    s.p = p;
    s.order = order;
  }

  void run_op(unsigned cpu, const smp_op& o) {
    slot& s = slots[cpu][o.arg & 7];
    switch (o.code) {
      case smp_code::alloc: {
        unsigned order = (o.arg >> 3) & 3;
        gfp_t gfp = ((o.arg & 0x20) ? GFP_ATOMIC : GFP_KERNEL) | __GFP_NOWARN;
        release(s);
        into_slot(s, w.alloc_pages(gfp, order), order);
        break;
      }
      case smp_code::free: release(s); break;
      case smp_code::give: {
        if (!s.p) break;
        w.spin_lock(queue_lock);
        queues[(o.arg >> 3) & 7].push_back(s);
        w.spin_unlock(queue_lock);
        s = slot{};
        break;
      }
      case smp_code::take: {
        w.spin_lock(queue_lock);
        slot taken;
        if (!queues[cpu].empty()) {
          taken = queues[cpu].back();
          queues[cpu].pop_back();
        }
        w.spin_unlock(queue_lock);
        release(taken);
        break;
      }
      case smp_code::drain_local: w.drain_local_pages(); break;
      case smp_code::drain_all: w.drain_all_pages(); break;
      case smp_code::cache_add: w.add_to_page_cache(GFP_KERNEL | __GFP_NOWARN, static_cast<page_cache_kind>(o.arg % 3)); break;
      case smp_code::irq_section: {
        irq_flags_t flags = w.local_irq_save();
        page* p = w.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);
        w.local_irq_restore(flags);
        into_slot(s, p, 0);
        break;
      }
      case smp_code::lock_section: {
        irq_flags_t flags = w.spin_lock_irqsave(irq_lock);
        page* p = w.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);
        w.spin_unlock_irqrestore(irq_lock, flags);
        into_slot(s, p, 0);
        break;
      }
      case smp_code::schedule: w.cond_resched(__FILE__, __LINE__); break;
      case smp_code::count: break;
    }
  }

  void run_cpu(smp_scheduler& sched, unsigned cpu, const std::vector<smp_op>& ops) {
    for (const smp_op& o : ops) {
      w.begin_operation();
      run_op(cpu, o);
      w.interrupt_point(irq_point::between_ops);
      w.end_operation();
      w.check_quiescent();
      sched.between_ops();
    }
  }

  std::vector<std::pair<uint32_t, unsigned>> held() const {
    std::vector<std::pair<uint32_t, unsigned>> blocks;
    for (const auto& cpu_slots : slots)
      for (const slot& s : cpu_slots)
        if (s.p) blocks.emplace_back(w.page_to_pfn(s.p), s.order);
    for (const auto& queue : queues)
      for (const slot& s : queue)
        if (s.p) blocks.emplace_back(w.page_to_pfn(s.p), s.order);
    return blocks;
  }

  void release_everything() {
    for (auto& cpu_slots : slots)
      for (slot& s : cpu_slots) release(s);
    for (auto& queue : queues)
      for (slot& s : queue) release(s);
  }

  world& w;
  std::vector<std::array<slot, smp_slots>> slots;
  std::vector<std::vector<slot>> queues;
  spinlock_t queue_lock;
  spinlock_t irq_lock;
};

}  // namespace

smp_run_result run_smp(const smp_program& p, const smp_run_options& options) {
  world_config config = options.world;
  config.nr_cpus = p.cpus;
  config.pcp = p.pcp_irqsave ? pcp_discipline::irqsave : pcp_discipline::trylock;
  std::unique_ptr<fi::decision_source> owned;
  fi::decision_source* source = options.strategy;
  fi::replay_source* replay = nullptr;
  if (options.replay) {
    auto r = std::make_unique<fi::replay_source>(*options.replay);
    replay = r.get();
    owned = std::move(r);
  } else if (!source && options.decision_seed) {
    owned = std::make_unique<fi::prng_source>(*options.decision_seed);
  } else if (!source) {
    owned = std::make_unique<fi::bytes_source>(p.decisions);
  }
  if (owned) source = owned.get();
  report_sink sink(options.mode);
  fi::injector injector(options.faults, *source);
  smp_run_result result;
  {
    world w(config, sink, &injector);
    smp_client client(w, p.cpus);
    sink.on_abort = [&] {
      // The sink leaves the printing to this hook: the report first (the
      // "== reports:" block ci/lib.sh's lab_crash_title reads), then the rest.
      const report& first = sink.reports().back();
      std::fprintf(stderr, "== reports: 1 bug(s)\n%s\n", first.text().c_str());
      std::fprintf(stderr, "==== smp program (replay: fuzz_smp FILE)\n%s==== decision trace (%zu decisions)\n%s",
                   smp_print(p).c_str(), injector.trace().size(), fi::format_trace(injector.trace()).c_str());
      return true;
    };
    w.set_interrupt_handler(&client);
    smp_scheduler sched(w, options.strategy);
    for (unsigned cpu = 0; cpu < p.cpus; ++cpu)
      sched.add_cpu_task(cpu, [&client, &sched, &p, cpu] { client.run_cpu(sched, cpu, p.lists[cpu]); });
    if (p.kswapd) sched.add_kswapd(p.cpus - 1);
    result.sched = sched.run();
    if (!result.sched.halted) {
      try {
        if (options.at_quiescence) options.at_quiescence(w, client.held());
        w.set_interrupt_handler(nullptr);
        client.release_everything();
        w.check_full();
        w.teardown_check();
      } catch (const run_halted&) {
      }
    }
    result.stats = w.stats();
    sink.on_abort = nullptr;
  }
  result.reports = sink.reports();
  result.trace = injector.trace();
  if (replay) result.replay_problem = replay->problem();
  return result;
}

}  // namespace labyrinth::fuzz
