// Goal: the oracles are exact: silent on every correct program, and a
// program with one planted violation draws exactly the matching report.
// Method: rapidcheck generates client programs (client_program.h: task steps
// mixing every GFP family, lock and bh sections, the page cache, mappings,
// memalloc scopes, drains; a seeded decision source delivering hardirqs,
// softirqs and NMIs at every interrupt point and injecting faults at every
// site; handlers that allocate and free).  A correct program must finish,
// teardown check included, without a report.  For each violation kind, the
// same programs with the violation planted at a generated step must draw at
// least one report of the matching kind and no bug report of any other kind.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <sstream>

#include "props/client_program.h"
#include "props/generators.h"
#include "props/property.h"

namespace labyrinth::props {
namespace {

rc::Gen<client_step> gen_step() {
  return rc::gen::exec([] {
    client_step step;
    step.kind = *rc::gen::weightedElement<step_kind>({{4, step_kind::allocate_blocking},
                                                      {2, step_kind::allocate_atomic},
                                                      {3, step_kind::free_one},
                                                      {1, step_kind::atomic_under_irqsave_lock},
                                                      {1, step_kind::atomic_in_bh_section},
                                                      {2, step_kind::page_cache},
                                                      {2, step_kind::map_or_unmap},
                                                      {1, step_kind::memalloc_scope},
                                                      {1, step_kind::drain},
                                                      {1, step_kind::get_and_put},
                                                      {1, step_kind::schedule}});
    step.choice = *rc::gen::arbitrary<uint8_t>();
    step.order = *uniform_in<uint8_t>(0, 6);
    step.pick = *rc::gen::arbitrary<uint16_t>();
    return step;
  });
}

rc::Gen<client_program> gen_program(pcp_discipline discipline) {
  return rc::gen::exec([discipline] {
    client_program program;
    program.discipline = discipline;
    program.seed = *rc::gen::arbitrary<uint64_t>();
    program.irq_percent = *rc::gen::element(0u, 8u, 30u);
    program.fault_percent = *rc::gen::element(0u, 3u, 10u);
    program.steps = *rc::gen::container<std::vector<client_step>>(gen_step());
    return program;
  });
}

std::string reports_text(const std::vector<report>& reports) {
  std::string text;
  for (const report& r : reports) text += r.text();
  return text;
}

void check_correct_program(pcp_discipline discipline) {
  const client_program program = *gen_program(discipline);
  const program_outcome outcome = run_program(program, violation::none, 0);
  std::string bugs;
  for (const report& r : outcome.reports)
    if (!report_kind_verdict(r.kind)) bugs += r.text();
  if (!bugs.empty()) RC_FAIL("a correct program drew reports:\n" + bugs);
  RC_TAG(outcome.interrupts > 0 ? "interrupts arrived" : "no interrupt");
  RC_TAG(outcome.halted ? "ended by a livelock verdict" : "ran to the teardown check");
}

LABYRINTH_PROP(oracles, correct_programs_are_silent_trylock, 300, 300, ()) {
  check_correct_program(pcp_discipline::trylock);
}

LABYRINTH_PROP(oracles, correct_programs_are_silent_irqsave, 300, 300, ()) {
  check_correct_program(pcp_discipline::irqsave);
}

void check_planted(violation planted) {
  const client_program program = *gen_program(*rc::gen::element(pcp_discipline::trylock, pcp_discipline::irqsave));
  const size_t position = *uniform_in<size_t>(0, program.steps.size() + 1);
  const program_outcome outcome = run_program(program, planted, position);
  RC_PRE(outcome.planted);  // e.g. no order-0 page could be had for it
  const report_kind expected = violation_report(planted);
  size_t matching = 0;
  std::string others;
  for (const report& r : outcome.reports) {
    if (r.kind == expected) ++matching;
    else if (!report_kind_verdict(r.kind) && !violation_allows(planted, r.kind)) others += r.text();
  }
  RC_LOG() << "planted " << violation_name(planted) << " (" << violation_description(planted) << ") before step "
           << position << "\n";
  if (matching == 0)
    RC_FAIL(std::string("expected a ") + report_kind_name(expected) + " report, saw:\n" + reports_text(outcome.reports));
  if (!others.empty())
    RC_FAIL(std::string("expected only ") + report_kind_name(expected) + " reports, also saw:\n" + others);
}

#define LABYRINTH_X(name, kind, description) \
  LABYRINTH_PROP(oracles, planted_##name##_draws_exactly_its_report, 60, 150, ()) { check_planted(violation::name); }
LABYRINTH_VIOLATIONS(LABYRINTH_X)
#undef LABYRINTH_X

}  // namespace
}  // namespace labyrinth::props
