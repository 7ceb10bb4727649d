// Goal: the world's execution contexts follow the kernel's preempt_count
// layout and predicates under any nesting of interrupts, bottom halves,
// preemption, RCU and every spinlock flavour.  Method: rapidcheck generates a
// list of layers; each layer that the interrupt discipline allows at that
// point is entered for real (spin_lock_*, local_bh_disable, deliver_interrupt
// whose handler continues the nesting inside the interrupt, ...), and at every
// depth the world's preempt_count, irq flag, context kind, the predicates of
// alloc/preempt.h and deliverable_interrupts() are compared with an
// independent restatement (kernel_facts.h, reference section 7) computed from
// the layers alone.  At the innermost point might_sleep() must report exactly
// when the layers make sleeping invalid.  Unwinding must restore every level.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <functional>
#include <sstream>
#include <vector>

#include "alloc/preempt.h"
#include "alloc/world.h"
#include "props/kernel_facts.h"
#include "props/property.h"

namespace labyrinth::props {

// (Outside the anonymous namespace so that rapidcheck finds operator<< when
// it prints a counterexample.)
enum class layer : uint8_t {
  preempt_disable,
  local_bh_disable,
  spin_lock,
  spin_lock_irq,
  spin_lock_irqsave,
  spin_lock_bh,
  rcu_read_lock,
  local_irq_disable,
  hardirq,
  softirq,
  nmi,
};

const char* layer_name(layer l) {
  switch (l) {
    case layer::preempt_disable: return "preempt_disable";
    case layer::local_bh_disable: return "local_bh_disable";
    case layer::spin_lock: return "spin_lock";
    case layer::spin_lock_irq: return "spin_lock_irq";
    case layer::spin_lock_irqsave: return "spin_lock_irqsave";
    case layer::spin_lock_bh: return "spin_lock_bh";
    case layer::rcu_read_lock: return "rcu_read_lock";
    case layer::local_irq_disable: return "local_irq_disable";
    case layer::hardirq: return "hardirq";
    case layer::softirq: return "softirq";
    case layer::nmi: return "nmi";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, layer l) { return os << layer_name(l); }

}  // namespace labyrinth::props

namespace rc {
template <>
struct Arbitrary<labyrinth::props::layer> {
  static Gen<labyrinth::props::layer> arbitrary() {
    return gen::cast<labyrinth::props::layer>(labyrinth::props::uniform_in<uint8_t>(0, 11));
  }
};
}  // namespace rc

namespace labyrinth::props {
namespace {

constexpr unsigned max_interrupt_frames = 3;  // world_config::max_interrupt_depth
constexpr const char* lock_names[] = {"nest_lock_0", "nest_lock_1", "nest_lock_2", "nest_lock_3", "nest_lock_4",
                                      "nest_lock_5", "nest_lock_6", "nest_lock_7", "nest_lock_8", "nest_lock_9",
                                      "nest_lock_10", "nest_lock_11"};
constexpr unsigned max_layers = sizeof lock_names / sizeof lock_names[0];

// The layers entered so far, and what the reference says they add up to.
struct nesting {
  std::vector<layer> active;
  uint32_t count = 0;          // preempt_count by section 7's offsets
  bool irqs_disabled = false;  // hardware flag
  unsigned rcu_depth = 0;
  unsigned frames = 0;         // interrupt frames on the CPU
};

bool any_active(const nesting& n, layer l) { return std::find(n.active.begin(), n.active.end(), l) != n.active.end(); }

// Whether the discipline lets `l` be entered now (the rest are skipped).
bool may_enter(const nesting& n, layer l) {
  const facts::context_predicates p = facts::predicates_of_count(n.count);
  switch (l) {
    case layer::hardirq: return !n.irqs_disabled && n.frames < max_interrupt_frames;
    // Only where it runs at once: irq_exit runs it if nothing below is in
    // interrupt context or has bottom halves disabled.
    case layer::softirq: return !n.irqs_disabled && n.frames < max_interrupt_frames && !p.in_interrupt;
    case layer::nmi: return !p.in_nmi && n.frames < max_interrupt_frames;
    case layer::spin_lock_irq:
    case layer::local_irq_disable: return !n.irqs_disabled;  // their unlock enables irqs
    case layer::local_bh_disable:
    case layer::spin_lock_bh: return !n.irqs_disabled && !p.in_hardirq;  // local_bh_enable's rules
    default: return true;
  }
}

// What entering `l` does, by the reference's offsets.
nesting entered(nesting n, layer l) {
  n.active.push_back(l);
  switch (l) {
    case layer::preempt_disable:
    case layer::spin_lock: n.count += 1; break;
    case layer::local_bh_disable: n.count += facts::bh_disable_unit; break;
    case layer::spin_lock_irq:
    case layer::spin_lock_irqsave: n.count += 1; n.irqs_disabled = true; break;
    case layer::spin_lock_bh: n.count += facts::bh_disable_unit + 1; break;
    case layer::rcu_read_lock: n.rcu_depth += 1; break;
    case layer::local_irq_disable: n.irqs_disabled = true; break;
    case layer::hardirq: n.count += facts::hardirq_unit; n.irqs_disabled = true; n.frames += 1; break;
    // A softirq runs from the irq_exit() of the hardirq that raised it: both
    // frames are on the CPU while its handler runs.
    case layer::softirq: n.count += facts::serving_softirq_unit; n.irqs_disabled = false; n.frames += 2; break;
    // An NMI handler runs with maskable interrupts off (x86 enters it through
    // an interrupt gate); nmi_exit restores the interrupted flag.
    case layer::nmi: n.count += facts::nmi_unit + facts::hardirq_unit; n.irqs_disabled = true; n.frames += 1; break;
  }
  return n;
}

// The predicates read off the layers themselves, not off any count.
facts::context_predicates predicates_of_layers(const nesting& n) {
  facts::context_predicates p;
  p.in_nmi = any_active(n, layer::nmi);
  p.in_hardirq = p.in_nmi || any_active(n, layer::hardirq);
  p.in_serving_softirq = any_active(n, layer::softirq);
  p.in_softirq = p.in_serving_softirq || any_active(n, layer::local_bh_disable) || any_active(n, layer::spin_lock_bh);
  p.in_interrupt = p.in_hardirq || p.in_softirq;
  p.in_task = !p.in_hardirq && !p.in_serving_softirq;
  p.in_atomic = std::any_of(n.active.begin(), n.active.end(),
                            [](layer l) { return l != layer::rcu_read_lock && l != layer::local_irq_disable; });
  return p;
}

context_kind context_of_layers(const nesting& n) {
  if (any_active(n, layer::nmi)) return context_kind::nmi;
  if (any_active(n, layer::hardirq)) return context_kind::hardirq;
  if (any_active(n, layer::softirq)) return context_kind::softirq;
  return context_kind::task;
}

facts::context_predicates predicates_of_model(uint32_t count) {
  facts::context_predicates p;
  p.in_nmi = in_nmi(count);
  p.in_hardirq = in_hardirq(count);
  p.in_softirq = in_softirq(count);
  p.in_serving_softirq = in_serving_softirq(count);
  p.in_interrupt = in_interrupt(count);
  p.in_task = in_task(count);
  p.in_atomic = in_atomic(count);
  return p;
}

std::string describe(const facts::context_predicates& p) {
  std::ostringstream out;
  out << "nmi " << p.in_nmi << " hardirq " << p.in_hardirq << " softirq " << p.in_softirq << " serving_softirq "
      << p.in_serving_softirq << " interrupt " << p.in_interrupt << " task " << p.in_task << " atomic " << p.in_atomic;
  return out.str();
}

std::string describe(const nesting& n) {
  std::ostringstream out;
  out << "layers:";
  for (layer l : n.active) out << " " << layer_name(l);
  return out.str();
}

class nesting_runner final : public interrupt_handler {
 public:
  explicit nesting_runner(const std::vector<layer>& layers) : layers_(layers), world_(config(), sink_) {
    for (unsigned i = 0; i < max_layers; ++i) locks_[i] = world_.make_lock(lock_names[i]);
    world_.set_interrupt_handler(this);
  }
  ~nesting_runner() override { world_.set_interrupt_handler(nullptr); }

  // Enters layers_[index..] that are allowed, checking every level.
  void descend(size_t index, const nesting& n);
  const std::vector<std::string>& problems() const { return problems_; }
  report_sink& sink() { return sink_; }
  world& w() { return world_; }
  unsigned expected_sleep_reports() const { return expected_sleep_reports_; }
  size_t deepest() const { return deepest_; }
  unsigned interrupts_entered() const { return interrupts_entered_; }

  void handle(world&, interrupt_kind, irq_point) override {
    if (!continuation_) {
      problems_.push_back("an interrupt arrived that the nesting did not deliver");
      return;
    }
    std::function<void()> next = std::move(continuation_);
    continuation_ = nullptr;
    next();
  }

 private:
  static world_config config() {
    world_config c;
    c.zones = {{ZONE_NORMAL, 1024}};
    c.max_interrupt_depth = max_interrupt_frames;
    c.oom_victim_pages = 0;
    return c;
  }
  void check_level(const nesting& n);
  void at_innermost(const nesting& n);
  void enter_and_continue(size_t index, const nesting& n, layer l);

  std::vector<layer> layers_;
  report_sink sink_;
  world world_;
  spinlock_t locks_[max_layers];
  std::function<void()> continuation_;
  std::vector<std::string> problems_;
  unsigned expected_sleep_reports_ = 0;
  size_t deepest_ = 0;
  unsigned interrupts_entered_ = 0;
};

void nesting_runner::check_level(const nesting& n) {
  const uint32_t count = world_.preempt_count();
  std::ostringstream out;
  if (count != n.count) out << "preempt_count " << std::hex << count << ", expected " << n.count << std::dec << "; ";
  if (world_.irqs_disabled() != n.irqs_disabled)
    out << "irqs_disabled " << world_.irqs_disabled() << ", expected " << n.irqs_disabled << "; ";
  const facts::context_predicates by_layers = predicates_of_layers(n);
  if (facts::predicates_of_count(n.count) != by_layers)
    out << "reference predicates of the count {" << describe(facts::predicates_of_count(n.count))
        << "} differ from the layers' {" << describe(by_layers) << "}; ";
  if (predicates_of_model(count) != by_layers)
    out << "alloc/preempt.h predicates {" << describe(predicates_of_model(count)) << "}, expected {"
        << describe(by_layers) << "}; ";
  if (world_.current_context() != context_of_layers(n))
    out << "context " << context_kind_name(world_.current_context()) << ", expected "
        << context_kind_name(context_of_layers(n)) << "; ";
  interrupt_kind deliverable[3];
  const unsigned nr_deliverable = world_.deliverable_interrupts(deliverable);
  unsigned expected_deliverable = 0;
  if (n.frames < max_interrupt_frames) expected_deliverable = (n.irqs_disabled ? 0 : 2) + (by_layers.in_nmi ? 0 : 1);
  if (nr_deliverable != expected_deliverable)
    out << nr_deliverable << " deliverable interrupts, expected " << expected_deliverable << "; ";
  if (!out.str().empty()) problems_.push_back(describe(n) + ": " + out.str());
}

void nesting_runner::at_innermost(const nesting& n) {
  deepest_ = std::max(deepest_, n.active.size());
  const bool sleeping_invalid = n.count != 0 || n.irqs_disabled || n.rcu_depth != 0;
  const size_t before = sink_.count(report_kind::sleep_in_atomic);
  world_.might_sleep(__FILE__, __LINE__);
  const bool reported = sink_.count(report_kind::sleep_in_atomic) > before;
  if (sleeping_invalid) ++expected_sleep_reports_;
  if (reported != sleeping_invalid)
    problems_.push_back(describe(n) + ": might_sleep " + (reported ? "reported" : "was silent") + ", expected " +
                        (sleeping_invalid ? "a report" : "silence"));
}

void nesting_runner::descend(size_t index, const nesting& n) {
  check_level(n);
  for (; index < layers_.size(); ++index)
    if (may_enter(n, layers_[index])) break;
  if (index >= layers_.size()) return at_innermost(n);
  enter_and_continue(index, n, layers_[index]);
  check_level(n);  // unwound to this level
}

void nesting_runner::enter_and_continue(size_t index, const nesting& n, layer l) {
  const nesting inner = entered(n, l);
  spinlock_t& lock = locks_[index];
  world& w = world_;
  auto continue_inside = [this, index, inner] { descend(index + 1, inner); };
  switch (l) {
    case layer::preempt_disable: w.preempt_disable(); continue_inside(); w.preempt_enable(); break;
    case layer::local_bh_disable: w.local_bh_disable(); continue_inside(); w.local_bh_enable(); break;
    case layer::spin_lock: w.spin_lock(lock); continue_inside(); w.spin_unlock(lock); break;
    case layer::spin_lock_irq: w.spin_lock_irq(lock); continue_inside(); w.spin_unlock_irq(lock); break;
    case layer::spin_lock_irqsave: {
      const irq_flags_t flags = w.spin_lock_irqsave(lock);
      continue_inside();
      w.spin_unlock_irqrestore(lock, flags);
      break;
    }
    case layer::spin_lock_bh: w.spin_lock_bh(lock); continue_inside(); w.spin_unlock_bh(lock); break;
    case layer::rcu_read_lock: w.rcu_read_lock(); continue_inside(); w.rcu_read_unlock(); break;
    case layer::local_irq_disable: w.local_irq_disable(); continue_inside(); w.local_irq_enable(); break;
    case layer::hardirq:
    case layer::softirq:
    case layer::nmi: {
      const interrupt_kind kind = l == layer::hardirq   ? interrupt_kind::hardirq
                                  : l == layer::softirq ? interrupt_kind::softirq
                                                        : interrupt_kind::nmi;
      continuation_ = continue_inside;
      ++interrupts_entered_;
      if (!w.deliver_interrupt(kind, irq_point::between_ops))
        problems_.push_back(describe(n) + ": the world refused a " + interrupt_kind_name(kind) + " the reference allows");
      if (continuation_) problems_.push_back(describe(n) + ": the " + std::string(interrupt_kind_name(kind)) + " handler never ran");
      continuation_ = nullptr;
      break;
    }
  }
}

LABYRINTH_PROP(context, predicates_follow_the_nesting, 3000, 100, ()) {
  const auto layers = *rc::gen::resize(12, rc::gen::container<std::vector<layer>>(rc::gen::arbitrary<layer>()));
  RC_PRE(layers.size() <= max_layers);
  nesting_runner runner(layers);
  runner.descend(0, nesting{});
  runner.w().check_quiescent();
  std::string problems;
  for (const std::string& problem : runner.problems()) problems += problem + "\n";
  if (!problems.empty()) RC_FAIL(problems);
  // The only reports: might_sleep where the nesting forbids sleeping.
  const report_sink& sink = runner.sink();
  std::string unexpected;
  for (const report& r : sink.reports())
    if (r.kind != report_kind::sleep_in_atomic) unexpected += r.text();
  if (!unexpected.empty()) RC_FAIL("unexpected reports:\n" + unexpected);
  RC_ASSERT(sink.count(report_kind::sleep_in_atomic) == runner.expected_sleep_reports());
  RC_TAG(runner.deepest() < 3 ? "depth 0-2" : runner.deepest() < 6 ? "depth 3-5" : "depth 6+");
  RC_TAG(runner.interrupts_entered() == 0 ? "no interrupt" : runner.interrupts_entered() == 1 ? "1 interrupt" : "nested interrupts");
}

}  // namespace
}  // namespace labyrinth::props
