// Anonymous mappings (mm/rmap.c, reduced): mapcount, the address spaces
// mapping a page, and PageAnonExclusive.  An exclusive mapping requires an
// unmapped page; a shared mapping of an exclusive page is refused (the
// kernel unshares it first).  The exclusivity oracle checks the result
// independently of those checks.
#include <cerrno>
#include <cstdio>

#include "alloc/world.h"
#include "faultinject/plant.h"

namespace labyrinth {

int world::map_anon_page(unsigned mm, page* p, bool exclusive) {
  if (mm >= max_mm || !(p->flags & PG_allocated) || p->refcount <= 0) return -EINVAL;
  uint32_t bit = 1u << mm;
  if (p->mapped_mms & bit) return -EEXIST;
  if (exclusive) {
    if constexpr (!planted(plant::exclusive_no_mapcount_check)) {
      if (p->mapcount >= 0) return -EBUSY;
    }
    p->flags |= PG_anon_exclusive;
  } else if (p->flags & PG_anon_exclusive) {
    return -EBUSY;
  }
  counter_add_return(p->mapcount, 1);
  p->mapped_mms |= bit;
  counter_add_return(p->refcount, 1);  // the mapping holds a reference
  if (config_.checks != check_level::none && (p->flags & PG_anon_exclusive) && p->mapcount != 0) {
    char title[160];
    std::snprintf(title, sizeof title, "BUG: exclusive page mapped twice pfn:%05x (%d mappings)", page_to_pfn(p),
                  p->mapcount + 1);
    report(report_kind::exclusive_mapped_twice, title, page_dump(p));
  }
  return 0;
}

int world::page_remove_rmap(unsigned mm, page* p) {
  uint32_t bit = mm < max_mm ? 1u << mm : 0;
  if (!bit || !(p->mapped_mms & bit) || !(p->flags & PG_allocated)) return -EINVAL;
  p->mapped_mms &= ~bit;
  counter_add_return(p->mapcount, -1);
  if (p->mapcount < 0) p->flags &= ~PG_anon_exclusive;
  return 0;
}

int world::unmap_page(unsigned mm, page* p) {
  if (int error = page_remove_rmap(mm, p)) return error;
  put_page(p);
  return 0;
}

}  // namespace labyrinth
