// Goal: the decoder is total and the four representations agree.  Method:
// fixed-seed random byte strings and hand-made edge cases through
// decode -> print -> parse -> encode -> decode for every harness layout,
// plus hand-written texts whose parse errors must name the line.
#include <gtest/gtest.h>

#include "fuzz/decoder.h"
#include "fuzz/encoder.h"
#include "fuzz/harness.h"
#include "fuzz/parser.h"
#include "fuzz/printer.h"
#include "fuzz/tests/test_inputs.h"

namespace labyrinth::fuzz {
namespace {

std::vector<layout> all_layouts() {
  std::vector<layout> layouts;
  for (const harness& h : harnesses()) layouts.push_back(h.program_layout);
  return layouts;
}

std::string describe(const layout& l) {
  return std::string(op_set_name(l.set)) + (l.handlers ? "+handlers" : "") + (l.decisions ? "+decisions" : "");
}

// decode -> print -> parse -> encode -> decode, and print idempotent.
void expect_round_trip(const std::vector<uint8_t>& bytes, const layout& l, const std::string& what) {
  program decoded = decode(bytes, l);
  ASSERT_EQ(program_problem(decoded, l), "") << what << ": the decoder produced an incorrect client";
  std::string text = print_program(decoded, l);
  parse_result parsed = parse_program(text, l);
  ASSERT_TRUE(parsed.ok()) << what << ": the printer's text does not parse: " << parsed.error << "\n" << text;
  ASSERT_EQ(parsed.value, decoded) << what << ": parse(print(p)) != p\n" << text;
  EXPECT_EQ(print_program(parsed.value, l), text) << what << ": print(parse(text)) != text";
  encode_result encoded = encode(parsed.value, l);
  ASSERT_TRUE(encoded.ok()) << what << ": " << encoded.error << "\n" << text;
  program again = decode(encoded.bytes, l);
  EXPECT_EQ(again, decoded) << what << ": decode(encode(p)) != p\nexpected:\n"
                            << text << "seen:\n" << print_program(again, l);
}

TEST(codec, random_inputs_round_trip_in_every_layout) {
  for (const layout& l : all_layouts())
    for (uint64_t seed = 1; seed <= 1500; ++seed) {
      expect_round_trip(testing::random_input(seed), l, "seed " + std::to_string(seed) + " layout " + describe(l));
      if (::testing::Test::HasFatalFailure()) return;
    }
}

TEST(codec, edge_inputs_decode_and_round_trip) {
  std::vector<std::vector<uint8_t>> inputs = {{}, {0}, {0xff}, std::vector<uint8_t>(4096, 0),
                                              std::vector<uint8_t>(4096, 0xff), std::vector<uint8_t>(4096, 0x3b)};
  for (unsigned b = 0; b < 256; ++b) inputs.push_back({0, static_cast<uint8_t>(b)});
  for (unsigned b = 0; b < 256; ++b) inputs.push_back(std::vector<uint8_t>(300, static_cast<uint8_t>(b)));
  for (const layout& l : all_layouts())
    for (size_t i = 0; i < inputs.size(); ++i) {
      expect_round_trip(inputs[i], l, "edge input " + std::to_string(i) + " layout " + describe(l));
      if (::testing::Test::HasFatalFailure()) return;
    }
}

TEST(codec, decoding_is_bounded) {
  for (const layout& l : all_layouts()) {
    program p = decode(std::vector<uint8_t>(100000, 0x01), l);
    EXPECT_LE(p.at(list_id::task).size(), task_capacity);
    for (unsigned i = 1; i < list_count; ++i) EXPECT_LE(p.lists[i].size(), handler_capacity);
  }
}

// Decisions are read from the back: changing a program byte does not change
// what the decision bytes say, only how many there are.
TEST(codec, decisions_are_read_from_the_end) {
  const layout l = find_harness("irq")->program_layout;
  std::vector<uint8_t> bytes = {0, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0xa1, 0xb2, 0xc3};
  program p = decode(bytes, l);
  ASSERT_EQ(p.decisions, (std::vector<uint8_t>{0xc3, 0xb2, 0xa1})) << print_program(p, l);
  bytes.insert(bytes.begin() + 1, {static_cast<uint8_t>(opcode_value(l.set, context_base::task, op_code::free)), 1});
  program q = decode(bytes, l);
  EXPECT_EQ(q.decisions, p.decisions) << print_program(q, l);
  EXPECT_EQ(q.at(list_id::task).size(), 1u) << print_program(q, l);
}

TEST(codec, blocking_alloc_in_atomic_context_decodes_to_atomic) {
  const layout l = find_harness("ops")->program_layout;
  int lock_value = opcode_value(l.set, context_base::task, op_code::spin_lock_irqsave);
  int alloc_value = opcode_value(l.set, context_base::task, op_code::alloc);
  ASSERT_GE(lock_value, 0);
  ASSERT_GE(alloc_value, 0);
  // header, spin_lock_irqsave lock=tx_lock, alloc slot=1 GFP_KERNEL|__GFP_ZERO order=0
  std::vector<uint8_t> bytes = {0, static_cast<uint8_t>(lock_value), 2, static_cast<uint8_t>(alloc_value), 1, 0x10, 0, 0};
  program p = decode(bytes, l);
  const auto& task = p.at(list_id::task);
  ASSERT_EQ(task.size(), 3u) << print_program(p, l);
  EXPECT_EQ(format_op(task[1]), "alloc slot=1 GFP_ATOMIC|__GFP_ZERO order=0");
  EXPECT_EQ(format_op(task[2]), "spin_unlock_irqrestore lock=tx_lock") << "the decoder closes what is left open";
}

TEST(codec, parser_reads_what_the_printer_wrote_with_comments) {
  const layout l = find_harness("irq")->program_layout;
  const char* text =
      "# a hardirq allocates while the task holds nothing\n"
      "config pcp=irqsave rx_order=1\n"
      "task:\n"
      "  alloc slot=3 GFP_KERNEL|__GFP_ZERO order=2   # trailing comment\n"
      "  spin_lock_bh lock=rx_lock\n"
      "    alloc slot=4 GFP_NOWAIT order=0\n"
      "  spin_unlock_bh lock=rx_lock\n"
      "hardirq[1]:\n"
      "  alloc slot=0 GFP_ATOMIC order=1\n"
      "  give slot=0 to=softirq\n"
      "softirq[0]:\n"
      "  consume\n"
      "decisions: 00*5 ff 3c\n";
  parse_result parsed = parse_program(text, l);
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_TRUE(parsed.value.pcp_irqsave);
  EXPECT_EQ(parsed.value.rx_order, 1);
  EXPECT_EQ(parsed.value.at(list_id::task).size(), 4u);
  EXPECT_EQ(parsed.value.at(list_id::hardirq1).size(), 2u);
  EXPECT_EQ(parsed.value.decisions, (std::vector<uint8_t>{0, 0, 0, 0, 0, 0xff, 0x3c}));
  encode_result encoded = encode(parsed.value, l);
  ASSERT_TRUE(encoded.ok()) << encoded.error;
  EXPECT_EQ(decode(encoded.bytes, l), parsed.value);
}

struct bad_text {
  const char* text;
  const char* expected_error;
};

TEST(codec, parser_errors_name_the_line_and_the_rule) {
  const layout irq = find_harness("irq")->program_layout;
  const bad_text cases[] = {
      {"task:\n  spin_lock lock=client_lock\n  alloc slot=0 GFP_KERNEL order=0\n  spin_unlock lock=client_lock\n",
       "line 3: a blocking allocation in atomic context"},
      {"task:\n  spin_lock_irqsave lock=tx_lock\n", "line 2: task: section opened here is never closed"},
      {"task:\n  preempt_disable\n  rcu_read_unlock\n", "line 3: the innermost open section is closed by preempt_enable"},
      {"task:\n  frobnicate slot=1\n", "line 2: unknown operation 'frobnicate'"},
      {"task:\n  spin_lock_irqsave lock=tx_lock\n  spin_lock_bh lock=rx_lock\n",
       "line 3: rx_lock taken while holding tx_lock"},
      {"task:\n  spin_lock lock=rx_lock\n", "line 2: plain spin_lock of the softirq-safe rx_lock"},
      {"hardirq[0]:\n  spin_lock_irq lock=tx_lock\n", "line 2: spin_lock_irq is not allowed in hardirq context"},
      {"nmi:\n  alloc slot=0 GFP_ATOMIC order=0\n", "line 2: alloc is not allowed in nmi context"},
      {"task:\n  alloc slot=16 GFP_KERNEL order=0\n", "line 2: slot=16 out of range 0..15"},
      {"task:\n  alloc slot=1 GFP_KERNEL|__GFP_NOFAIL order=2\n", "line 2: __GFP_NOFAIL with order > 1"},
      {"task:\n  free slot=1 order=2\n", "line 2: free takes no argument 'order=2'"},
      {"task:\n  alloc slot=1 order=2\n", "line 2: alloc needs gfp flags"},
      {"  free slot=1\n", "line 1: operation outside a list"},
      {"task:\n  end\n", "line 2: `end` is the decoder's word"},
      {"task:\ntask:\n", "line 2: task appears twice"},
      {"config pcp=fast\n", "line 1: bad config setting 'pcp=fast'"},
      {"decisions: 0g\n", "line 1: decision bytes are two hex digits each"},
      {"task:\n  rx_refill count=2\n", "line 2: rx_refill is not in this harness's op set (generic)"},
  };
  for (const bad_text& c : cases) {
    parse_result parsed = parse_program(c.text, irq);
    EXPECT_FALSE(parsed.ok()) << "expected an error for:\n" << c.text;
    EXPECT_EQ(parsed.error.rfind(c.expected_error, 0), 0u)
        << "expected an error starting with \"" << c.expected_error << "\", seen \"" << parsed.error << "\"";
  }
  parse_result no_handlers = parse_program("softirq[0]:\n  consume\n", find_harness("ops")->program_layout);
  EXPECT_EQ(no_handlers.error, "line 1: this harness has no handler programs (softirq[0])");
}

// A full list: the decoder stops reading when the closers it owes would not
// fit, and the encoder writes nothing for the closers it will append.
TEST(codec, capacity_with_open_sections_round_trips) {
  const layout l = find_harness("ops")->program_layout;
  program p;
  auto& task = p.at(list_id::task);
  op lock;
  lock.code = op_code::preempt_disable;
  op alloc;
  alloc.code = op_code::alloc;
  alloc.args = {0, GFP_ATOMIC, 0};
  for (unsigned i = 0; i < 3; ++i) task.push_back(lock);
  while (task.size() < task_capacity - 3) task.push_back(alloc);
  for (unsigned i = 0; i < 3; ++i) task.push_back(op{op_code::preempt_enable, {}});
  ASSERT_EQ(program_problem(p, l), "");
  encode_result encoded = encode(p, l);
  ASSERT_TRUE(encoded.ok()) << encoded.error;
  EXPECT_EQ(decode(encoded.bytes, l), p);
  // And the same bytes followed by more operations: the list is full.
  std::vector<uint8_t> longer = encoded.bytes;
  longer.insert(longer.end(), 40, 0x05);
  EXPECT_EQ(decode(longer, l).at(list_id::task), task);
}

}  // namespace
}  // namespace labyrinth::fuzz
