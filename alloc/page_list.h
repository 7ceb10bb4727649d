// Intrusive doubly linked lists threaded through struct page's lru links
// (include/linux/list.h), with CONFIG_DEBUG_LIST-style O(1) link checks.
// A node is a page frame number; values >= nr_pages name list heads.
#pragma once

#include <cstdint>
#include <vector>

#include "alloc/page.h"

namespace labyrinth {

class page_list_store {
 public:
  void reset(page* pages, uint32_t nr_pages) {
    pages_ = pages;
    nr_pages_ = nr_pages;
    heads_.clear();
  }
  // Point at another copy of the same pages (a copied world's own).
  void rebind(page* pages) { pages_ = pages; }
  // A new empty list; returns its head id.
  uint32_t new_head() {
    uint32_t id = nr_pages_ + static_cast<uint32_t>(heads_.size());
    heads_.push_back({id, id});
    return id;
  }
  bool is_head(uint32_t node) const { return node >= nr_pages_; }
  bool empty(uint32_t head) const { return links(head).next == head; }
  uint32_t first(uint32_t head) const { return links(head).next; }
  uint32_t last(uint32_t head) const { return links(head).prev; }
  uint32_t next(uint32_t node) const { return links(node).next; }

  // __list_add_valid(): false (and nothing linked) if the neighbours disagree.
  bool add(uint32_t node, uint32_t head) { return insert(node, head, links(head).next); }
  bool add_tail(uint32_t node, uint32_t head) { return insert(node, links(head).prev, head); }
  // __list_del_entry_valid(): false (and nothing unlinked) if the links are broken.
  bool del(uint32_t node) {
    list_links& entry = links(node);
    if (!valid(entry.prev) || !valid(entry.next)) return false;
    if (links(entry.prev).next != node || links(entry.next).prev != node) return false;
    links(entry.prev).next = entry.next;
    links(entry.next).prev = entry.prev;
    entry.next = entry.prev = poison;
    return true;
  }
  static constexpr uint32_t poison = 0xdead4ead;  // LIST_POISON-like
  bool valid(uint32_t node) const { return node < nr_pages_ + heads_.size(); }
  list_links& links(uint32_t node) { return node < nr_pages_ ? pages_[node].lru : heads_[node - nr_pages_]; }
  const list_links& links(uint32_t node) const {
    return node < nr_pages_ ? pages_[node].lru : heads_[node - nr_pages_];
  }

 private:
  bool insert(uint32_t node, uint32_t prev, uint32_t next) {
    if (!valid(prev) || !valid(next) || node >= nr_pages_) return false;
    if (links(next).prev != prev || links(prev).next != next || node == prev || node == next) return false;
    links(next).prev = node;
    links(node).next = next;
    links(node).prev = prev;
    links(prev).next = node;
    return true;
  }
  page* pages_ = nullptr;
  uint32_t nr_pages_ = 0;
  std::vector<list_links> heads_;
};

}  // namespace labyrinth
