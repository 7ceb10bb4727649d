// Goal: faultinject's injector evaluates the kernel's fault attributes
// exactly as lib/fault-inject.c and mm/fail_page_alloc.c do (with the
// model's documented extensions).  Method: rapidcheck generates a random
// attribute set for every fault site (probability, interval, times, space,
// verbose, task-filter, fail-nth, sticky, contexts, min-order, the two ignore
// filters) and a random sequence of calls (page allocations with random
// order and GFP bits, other sites with sizes, interrupt arrivals, failure
// outcomes, in task or interrupt context); the injector over a prng_source
// and the reference evaluator of fault_attr_reference.h over a prng_source
// with the same seed must give the same answer to every call, inject the
// same faults for the same reasons, draw the same number of random numbers
// and print the same number of FAULT_INJECTION messages.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <sstream>

#include "faultinject/config.h"
#include "faultinject/injector.h"
#include "faultinject/prng_source.h"
#include "props/fault_attr_reference.h"
#include "props/property.h"

namespace labyrinth::props {

enum class call_kind : uint8_t { alloc_page, site, interrupt };

struct fault_call {
  call_kind kind = call_kind::alloc_page;
  fi::fault_site site = fi::fault_site::page_alloc;
  fi::page_alloc_request request;
  uint64_t size = 1;
  unsigned deliverable = 1;
  bool ask_outcome = false;
  bool in_task = true;
};

std::ostream& operator<<(std::ostream& os, const fault_call& call) {
  switch (call.kind) {
    case call_kind::alloc_page:
      os << "should_fail_alloc_page(order " << call.request.order << (call.request.nofail ? " NOFAIL" : "")
         << (call.request.highmem ? " HIGHMEM" : "") << (call.request.direct_reclaim ? " DIRECT_RECLAIM" : "")
         << (call.request.nowarn ? " NOWARN" : "") << ")";
      break;
    case call_kind::site:
      os << "should_fail(" << fi::fault_site_name(call.site) << ", " << call.size << ")"
         << (call.ask_outcome ? " + failure_outcome" : "");
      break;
    case call_kind::interrupt: os << "interrupt_at(" << call.deliverable << ")"; break;
  }
  return os << (call.in_task ? " in task" : " in interrupt");
}

struct attribute_set {
  fi::fault_config config;
};

std::ostream& operator<<(std::ostream& os, const attribute_set& set) {
  return os << "LABYRINTH_FAULTS=\"" << fi::format_fault_config(set.config) << "\"";
}

namespace {

rc::Gen<fi::fault_attr_config> gen_attr() {
  return rc::gen::exec([] {
    fi::fault_attr_config attr;
    attr.probability = *rc::gen::oneOf(rc::gen::element(0ul, 100ul), uniform_in(1ul, 100ul));
    attr.interval = *uniform_in(1ul, 5ul);
    attr.times = *rc::gen::oneOf(rc::gen::just(-1L), uniform_in(0L, 5L));
    attr.space = *rc::gen::oneOf(rc::gen::just(0L), uniform_in(0L, 24L));
    attr.verbose = *rc::gen::element(0ul, 1ul, 2ul);
    attr.task_filter = *rc::gen::arbitrary<bool>();
    attr.fail_nth = *rc::gen::oneOf(rc::gen::just(0u), uniform_in(1u, 7u));
    attr.fail_nth_sticky = *rc::gen::arbitrary<bool>();
    attr.contexts = *rc::gen::element(fi::context_filter::kernel, fi::context_filter::any, fi::context_filter::task,
                                      fi::context_filter::interrupt);
    attr.min_order = *uniform_in(0u, 4u);
    attr.ignore_gfp_wait = *rc::gen::arbitrary<bool>();
    attr.ignore_gfp_highmem = *rc::gen::arbitrary<bool>();
    return attr;
  });
}

rc::Gen<attribute_set> gen_attribute_set() {
  return rc::gen::exec([] {
    attribute_set set;
    for (fi::fault_attr_config& attr : set.config.sites) attr = *gen_attr();
    return set;
  });
}

rc::Gen<fault_call> gen_call() {
  return rc::gen::exec([] {
    fault_call call;
    call.kind = *rc::gen::weightedElement<call_kind>(
        {{3, call_kind::alloc_page}, {3, call_kind::site}, {1, call_kind::interrupt}});
    call.in_task = *rc::gen::weightedElement<bool>({{3, true}, {1, false}});
    call.site = *rc::gen::element(fi::fault_site::reclaim, fi::fault_site::kswapd, fi::fault_site::pcp_refill,
                                  fi::fault_site::oom);
    call.request.order = *uniform_in(0u, 11u);
    call.request.nofail = *rc::gen::weightedElement<bool>({{5, false}, {1, true}});
    call.request.highmem = *rc::gen::arbitrary<bool>();
    call.request.direct_reclaim = *rc::gen::arbitrary<bool>();
    call.request.nowarn = *rc::gen::arbitrary<bool>();
    call.size = *rc::gen::element(uint64_t{1}, uint64_t{2}, uint64_t{8}, uint64_t{32});
    call.deliverable = *uniform_in(1u, 4u);
    call.ask_outcome = *rc::gen::arbitrary<bool>();
    return call;
  });
}

fi::decision_context context_of(const fault_call& call) {
  fi::decision_context context;
  context.in_task = call.in_task;
  context.in_interrupt = !call.in_task;
  context.preempt_count = call.in_task ? 0 : 0x10000;
  return context;
}

// One call on both sides; returns a description of any disagreement.
std::string compare_call(const fault_call& call, fi::injector& injector, fault_attr_reference& reference) {
  std::ostringstream out;
  const fi::decision_context context = context_of(call);
  switch (call.kind) {
    case call_kind::alloc_page: {
      const bool model = injector.should_fail_alloc_page(call.request, context);
      const bool expected = reference.should_fail_alloc_page(call.request, call.in_task);
      if (model != expected) out << "failed " << model << ", reference " << expected;
      break;
    }
    case call_kind::site: {
      const bool model = injector.should_fail(call.site, call.size, context);
      const bool expected = reference.should_fail(call.site, call.size, call.in_task);
      if (model != expected) out << "failed " << model << ", reference " << expected;
      if (model && expected && call.ask_outcome) {
        const unsigned model_outcome = injector.failure_outcome(call.site, context);
        const unsigned expected_outcome = reference.failure_outcome(call.site);
        if (model_outcome != expected_outcome) out << "outcome " << model_outcome << ", reference " << expected_outcome;
      }
      break;
    }
    case call_kind::interrupt: {
      const unsigned model = injector.interrupt_at(call.deliverable, context);
      const unsigned expected = reference.interrupt_at(call.deliverable, call.in_task);
      if (model != expected) out << "interrupt " << model << ", reference " << expected;
      break;
    }
  }
  return out.str();
}

}  // namespace

LABYRINTH_PROP(fault_attr, injector_matches_the_reference_evaluator, 2000, 100, ()) {
  const attribute_set set = *gen_attribute_set();
  const auto calls = *rc::gen::container<std::vector<fault_call>>(gen_call());
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  fi::prng_source source(seed);
  fi::injector injector(set.config, source);
  fault_attr_reference reference(set.config, seed);
  for (size_t index = 0; index < calls.size(); ++index) {
    const std::string difference = compare_call(calls[index], injector, reference);
    if (!difference.empty()) {
      std::ostringstream out;
      out << "call " << index << " (" << calls[index] << "): " << difference;
      RC_FAIL(out.str());
    }
  }
  std::vector<reference_fault> model_faults;
  for (const fi::fault_event& event : injector.faults()) model_faults.push_back({event.site, event.reason});
  RC_ASSERT(model_faults == reference.faults());
  RC_ASSERT(injector.trace().size() == reference.draws());
  RC_ASSERT(injector.messages().size() == reference.messages());
  RC_TAG(reference.faults().empty() ? "no fault" : reference.faults().size() == 1 ? "one fault" : "several faults");
}

}  // namespace labyrinth::props
