// Every nondeterministic decision of a run goes through one decision_source.
//
// The injector (injector.h) asks; a source answers; the injector records the
// question and the answer in the trace.  Sources: bytes from a fuzz input
// (bytes_source.h), a seeded PRNG (prng_source.h), an explicit plan
// (plan_source.h) and a recorded trace (replay_source.h).
//
// Layer rule: faultinject/ includes nothing from alloc/ (it is the layer below).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace labyrinth::fi {

// What is being decided.
//   random    : a draw in [0, bound) for a fault attribute's probability test
//   outcome   : after a fault fired, which failure outcome (e.g. reclaim none/partial)
//   interrupt : after the interrupt site fired, which deliverable interrupt
//   schedule  : at an interleaving point of the SMP scheduler (alloc/smp/),
//               which runnable CPU task runs next; answer 0 is the current
//               task when it can go on (no preemption), so the quiet answer
//               never preempts.  The subject is unused (0); context.point is
//               the kind of interleaving point.
enum class decision_kind : uint8_t { random, outcome, interrupt, schedule };

const char* decision_kind_name(decision_kind kind);

// Where the question is asked from: filled in by alloc/ from its context model.
struct decision_context {
  uint32_t cpu = 0;
  uint32_t preempt_count = 0;
  bool in_task = true;       // !(NMI|HARDIRQ|SOFTIRQ_OFFSET)
  bool in_interrupt = false; // NMI|HARDIRQ|SOFTIRQ masks
  uint64_t op_index = 0;     // caller operation index (page_owner-style)
  uint16_t point = 0;        // interrupt point id for interrupt decisions, interleaving point kind for schedule ones, else 0
};

struct decision_request {
  decision_kind kind = decision_kind::random;
  uint16_t subject = 0;  // fault_site value
  uint32_t bound = 1;    // answer is in [0, bound); bound >= 1
  uint32_t quiet = 0;    // the uneventful answer (used when a byte source is exhausted)
  decision_context context;
};

struct decision_record {
  uint64_t sequence = 0;
  decision_request request;
  uint32_t answer = 0;
};

class decision_source {
 public:
  virtual ~decision_source() = default;
  // Returns a value in [0, request.bound).  Must be deterministic given the
  // sequence of requests it has seen.
  virtual uint32_t decide(const decision_request& request) = 0;
  virtual const char* name() const = 0;
};

// Readable one-line rendering of a record, e.g.
//   "#12 op 7 cpu0 pc=0x10000 random fail_page_alloc bound=100 -> 3"
// An interrupt decision also names its interrupt point: "... point=4 ...".
std::string format_decision(const decision_record& record);
// The question alone, e.g. "random fail_page_alloc bound=100 (op 7 cpu0 pc=0x10000)".
std::string format_request(const decision_request& request);
// One format_decision line per record, each ending in '\n'.
std::string format_trace(const std::vector<decision_record>& trace);

// The source of a run with nothing to inject: every answer is the quiet one.
class quiet_source final : public decision_source {
 public:
  uint32_t decide(const decision_request& request) override { return request.quiet; }
  const char* name() const override { return "quiet"; }
};

}  // namespace labyrinth::fi
