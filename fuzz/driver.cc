// The network-driver client of the client harness, as machine operations:
// rx_refill (task), napi_poll (softirq), recvmsg (task), tx_send (task),
// tx_complete (hardirq or softirq).
#include <cerrno>

#include "fuzz/machine.h"

namespace labyrinth::fuzz::detail {


// The RX ring holds posted buffers; the device fills them in ring order.
// Locks: rx_lock (softirq-safe) guards the ring and the backlog; tx_lock
// (hardirq-safe) guards the transmit queue.

bool machine::ring_post(const page_handle& h) {
  for (unsigned i = 0; i < ring_size; ++i) {
    page_handle& entry = ring_[(ring_next_ + i) % ring_size];
    if (!entry) {
      entry = h;
      return true;
    }
  }
  return false;
}

page_handle machine::ring_take() {
  for (unsigned i = 0; i < ring_size; ++i) {
    unsigned index = (ring_next_ + i) % ring_size;
    if (ring_[index]) {
      page_handle h = ring_[index];
      ring_[index] = {};
      ring_next_ = (index + 1) % ring_size;
      return h;
    }
  }
  return {};
}

// Task context tops the ring up with GFP_KERNEL buffers, allocated outside
// the lock (they may sleep), posted under spin_lock_bh.
int64_t machine::rx_refill(unsigned count) {
  const unsigned order = program_.rx_order;
  int64_t posted = 0;
  for (unsigned i = 0; i < count; ++i) {
    page* p = w_.alloc_pages(GFP_KERNEL, order);
    if (!p) break;
    w_.spin_lock_bh(locks_[lock_rx]);
    bool ok = ring_post({p, order, -1, 0});
    w_.interrupt_point(irq_point::lock_section);
    w_.spin_unlock_bh(locks_[lock_rx]);
    if (!ok) {  // the softirq filled the ring meanwhile
      release({p, order, -1, 0});
      break;
    }
    ++posted;
  }
  return posted;
}

// NAPI poll in softirq context: for each received buffer, allocate its
// replacement with GFP_ATOMIC; if that fails, drop the packet and put the
// buffer back (drivers recycle rather than leave a hole in the ring).
int64_t machine::napi_poll(unsigned budget) {
  const unsigned order = program_.rx_order;
  int64_t received = 0;
  for (unsigned i = 0; i < budget; ++i) {
    w_.spin_lock(locks_[lock_rx]);
    page_handle packet = ring_take();
    w_.spin_unlock(locks_[lock_rx]);
    if (!packet) break;
    fill(packet, ++packet_sequence_);  // the device wrote the packet
    page* fresh = w_.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, order);
    page_handle dropped, spare;
    w_.spin_lock(locks_[lock_rx]);
    if (!fresh) {
      if (!ring_post(packet)) dropped = packet;  // (the ring has room: we just took from it)
      ++result_.packets_dropped;
    } else {
      if (!ring_post({fresh, order, -1, 0})) spare = {fresh, order, -1, 0};
      if (backlog_.full()) {
        dropped = packet;
        ++result_.packets_dropped;
      } else {
        backlog_.push(packet);
        ++result_.packets_received;
        ++received;
      }
    }
    w_.interrupt_point(irq_point::lock_section);
    w_.spin_unlock(locks_[lock_rx]);
    release(dropped);
    release(spare);
  }
  return received;
}

// The process reads packets: off the backlog under the lock, freed after.
int64_t machine::recvmsg(unsigned count) {
  page_handle taken[max_count];
  unsigned n = 0;
  w_.spin_lock_bh(locks_[lock_rx]);
  while (n < count && n < max_count && !backlog_.empty()) taken[n++] = backlog_.pop();
  w_.spin_unlock_bh(locks_[lock_rx]);
  for (unsigned i = 0; i < n; ++i) release(taken[i]);
  return n;
}

int64_t machine::tx_send(unsigned order) {
  page* p = w_.alloc_pages(GFP_KERNEL, order);
  if (!p) return -ENOMEM;
  page_handle h{p, order, -1, 0};
  fill(h, static_cast<uint8_t>(0x50 + order));
  irq_flags_t flags = w_.spin_lock_irqsave(locks_[lock_tx]);
  bool queued = !tx_queue_.full();
  if (queued) tx_queue_.push(h);
  w_.spin_unlock_irqrestore(locks_[lock_tx], flags);
  if (!queued) release(h);
  return queued ? w_.page_to_pfn(p) : -ENOBUFS;
}

// Transmit completion, in hardirq (irqs already off) or softirq.
int64_t machine::tx_complete(unsigned count) {
  page_handle done[max_count];
  unsigned n = 0;
  bool irqs_off = w_.irqs_disabled();
  irq_flags_t flags = 0;
  if (irqs_off)
    w_.spin_lock(locks_[lock_tx]);
  else
    flags = w_.spin_lock_irqsave(locks_[lock_tx]);
  while (n < count && n < max_count && !tx_queue_.empty()) done[n++] = tx_queue_.pop();
  if (irqs_off)
    w_.spin_unlock(locks_[lock_tx]);
  else
    w_.spin_unlock_irqrestore(locks_[lock_tx], flags);
  for (unsigned i = 0; i < n; ++i) release(done[i]);
  return n;
}

// ---- running lists ----------------------------------------------------------


}  // namespace labyrinth::fuzz::detail
