// Misuse probes (op.h LABYRINTH_FUZZ_PROBES): the one place a program misuses
// the API, deliberately, on a fresh page of its own, to check that the model
// answers as the kernel would.  While the misuse runs the sink collects (an
// aborting sink would stop at the expected report); afterwards the reports it
// drew are checked:
//  - the expected kind is there: those reports are marked expected (they do
//    not count as bugs of the run);
//  - it is missing, or another kind came too: the probe reports that, as a
//    bug ("BUG: misuse not reported: ..."), through the run's real sink.
// So a model that accepts a misuse (a planted free_mapped_accepted, say) is
// caught by a correct-client harness.
#include <cerrno>
#include <cstdio>

#include "fuzz/machine.h"

namespace labyrinth::fuzz::detail {

page_handle machine::probe_page(gfp_t gfp, unsigned order) {
  page* p = w_.alloc_pages(gfp | __GFP_NOWARN, order);
  return p ? page_handle{p, order, -1, 0} : page_handle{};
}

// The reports since `first` must be of kind `expected` (at least one); with
// expected == warning, there must be none at all.
void machine::expect_reports(size_t first, report_kind expected, probe_kind kind) {
  const std::vector<report>& reports = w_.sink().reports();
  bool want_one = expected != report_kind::warning;
  size_t matched = 0;
  std::string unexpected;
  for (size_t i = first; i < reports.size(); ++i) {
    if (want_one && reports[i].kind == expected) {
      result_.expected_reports.push_back(i);
      ++expected_bugs_;
      ++matched;
    } else if (!report_kind_verdict(reports[i].kind)) {
      unexpected += "  " + reports[i].title + "\n";
    }
  }
  if (want_one && matched == 0)
    w_.report(report_kind::warning,
              std::string("BUG: misuse not reported: probe ") + probe_name(kind) + " expected \"" +
                  report_kind_title(expected) + "\"",
              std::string("the model accepted a misuse the kernel reports (") + probe_expected(kind) + ")\n");
  if (!unexpected.empty())
    w_.report(report_kind::warning, std::string("BUG: misuse probe ") + probe_name(kind) + " drew other reports",
              "expected: " + std::string(probe_expected(kind)) + "\nseen:\n" + unexpected);
}

int64_t machine::probe(probe_kind kind) {
  report_sink& sink = w_.sink();
  const sink_mode mode = sink.mode();
  size_t first = 0;
  int64_t result = 0;
  switch (kind) {
    case probe_kind::free_mapped: {
      // The mapping's reference is dropped without unmapping, so the free
      // finds mapcount 0: free_pages_prepare must refuse the page.
      page_handle h = probe_page(GFP_HIGHUSER_MOVABLE, 0);
      if (!h || w_.map_anon_page(0, h.p, false) != 0) {
        release(h);
        return -1;
      }
      first = sink.reports().size();
      sink.set_mode(sink_mode::collect);
      w_.put_page(h.p);
      w_.__free_pages(h.p, 0);
      sink.set_mode(mode);
      expect_reports(first, report_kind::bad_page_state, kind);
      return w_.page_to_pfn(h.p);
    }
    case probe_kind::double_free: {
      // With irqs off no interrupt can take the page between the two frees.
      irq_flags_t flags = w_.local_irq_save();
      page_handle h = probe_page(GFP_ATOMIC, 0);
      if (h) {
        w_.__free_pages(h.p, 0);
        first = sink.reports().size();
        sink.set_mode(sink_mode::collect);
        w_.__free_pages(h.p, 0);
        sink.set_mode(mode);
      }
      w_.local_irq_restore(flags);
      if (!h) return -1;
      expect_reports(first, report_kind::double_free, kind);
      return w_.page_to_pfn(h.p);
    }
    case probe_kind::exclusive_twice: {
      page_handle h = probe_page(GFP_HIGHUSER_MOVABLE, 0);
      if (!h) return -1;
      if (w_.map_anon_page(0, h.p, true) == 0) {
        first = sink.reports().size();
        sink.set_mode(sink_mode::collect);
        result = w_.map_anon_page(1, h.p, true);
        sink.set_mode(mode);
        expect_reports(first, report_kind::warning, kind);
        if (result != -EBUSY)
          w_.report(report_kind::warning,
                    "BUG: misuse not refused: probe exclusive_twice: map_anon_page(exclusive) of a mapped page returned " +
                        std::to_string(result) + ", expected -EBUSY");
      }
      release(h);  // unmaps whatever is mapped
      return result;
    }
    case probe_kind::sleep_in_atomic: {
      w_.spin_lock(locks_[0]);
      first = sink.reports().size();
      sink.set_mode(sink_mode::collect);
      page* p = w_.alloc_pages(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, 0);
      sink.set_mode(mode);
      if (p) w_.__free_pages(p, 0);
      w_.spin_unlock(locks_[0]);
      expect_reports(first, report_kind::sleep_in_atomic, kind);
      return p ? w_.page_to_pfn(p) : -1;
    }
    case probe_kind::order_mismatch: {
      page_handle h = probe_page(GFP_KERNEL, 0);
      if (!h) return -1;
      first = sink.reports().size();
      sink.set_mode(sink_mode::collect);
      w_.__free_pages(h.p, 1);
      sink.set_mode(mode);
      expect_reports(first, report_kind::bad_page_state, kind);
      return w_.page_to_pfn(h.p);
    }
    case probe_kind::count: break;
  }
  return -1;
}

}  // namespace labyrinth::fuzz::detail
