#include "alloc/page_scan.h"

#include "alloc/poison.h"

namespace labyrinth {

namespace {

template <class T>
LABYRINTH_NO_SANITIZE inline T relaxed(const lockless<T>& field) {
  return __atomic_load_n(reinterpret_cast<const T*>(&field), __ATOMIC_RELAXED);
}

}  // namespace

LABYRINTH_NO_SANITIZE uint32_t first_page_in_use(const page* first, uint32_t count, uint32_t flag_mask) {
  for (uint32_t i = 0; i < count; ++i) {
    const page& p = first[i];
    if ((relaxed(p.flags) & flag_mask) || relaxed(p.refcount) != 0 || relaxed(p.mapcount) != -1) return i;
  }
  return count;
}

LABYRINTH_NO_SANITIZE void clear_page_flags(page* first, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i)
    __atomic_store_n(reinterpret_cast<uint32_t*>(&first[i].flags), 0u, __ATOMIC_RELAXED);
}

LABYRINTH_NO_SANITIZE void pages_with_flags(const page* pages, uint32_t nr_pages, uint32_t mask,
                                            std::vector<uint32_t>& out) {
  for (uint32_t pfn = 0; pfn < nr_pages; ++pfn)
    if (relaxed(pages[pfn].flags) & mask) out.push_back(pfn);
}

}  // namespace labyrinth
