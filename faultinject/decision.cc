// Rendering of decisions and traces.
#include "faultinject/decision.h"

#include <cinttypes>
#include <cstdio>

#include "faultinject/fault_site.h"

namespace labyrinth::fi {
namespace {

std::string subject_name(uint16_t subject) {
  if (subject < fault_site_count) return fault_site_name(static_cast<fault_site>(subject));
  return "site#" + std::to_string(subject);
}

std::string format_context(const decision_context& context) {
  char text[96];
  std::snprintf(text, sizeof text, "op %" PRIu64 " cpu%" PRIu32 " pc=0x%" PRIx32, context.op_index,
                context.cpu, context.preempt_count);
  return text;
}

std::string format_question(const decision_request& request) {
  std::string text = decision_kind_name(request.kind);
  if (request.kind == decision_kind::schedule) {
    return text + " point=" + std::to_string(request.context.point) + " bound=" + std::to_string(request.bound);
  }
  text += ' ';
  text += subject_name(request.subject);
  if (request.kind == decision_kind::interrupt) {
    text += " point=" + std::to_string(request.context.point);
  }
  text += " bound=" + std::to_string(request.bound);
  return text;
}

}  // namespace

const char* decision_kind_name(decision_kind kind) {
  switch (kind) {
    case decision_kind::random: return "random";
    case decision_kind::outcome: return "outcome";
    case decision_kind::interrupt: return "interrupt";
    case decision_kind::schedule: return "schedule";
  }
  return "?";
}

std::string format_decision(const decision_record& record) {
  return "#" + std::to_string(record.sequence) + " " + format_context(record.request.context) +
         " " + format_question(record.request) + " -> " + std::to_string(record.answer);
}

std::string format_request(const decision_request& request) {
  return format_question(request) + " (" + format_context(request.context) + ")";
}

std::string format_trace(const std::vector<decision_record>& trace) {
  std::string text;
  for (const decision_record& record : trace) {
    text += format_decision(record);
    text += '\n';
  }
  return text;
}

}  // namespace labyrinth::fi
