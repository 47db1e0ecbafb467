// RingBuffer: consumer of a BPF_MAP_TYPE_RINGBUF map, delivering records to JS in batches.
//
// libbpf's ring_buffer__consume() does the parsing (record headers, busy/discard bits,
// consumer position); everything around it follows the measured design in
// shared/reference/node-bpf-runtime.md:
//   * Wait on our OWN epoll fd holding the map fd with EPOLLET, watched by a uv_poll_t.
//     Readiness of a ringbuf fd means "some data pending", so a level-triggered wait
//     busy-loops on tiny batches once the consumer trails the producer (libbpf's own epoll fd
//     is level-triggered, hence not used).
//   * Acknowledge the edge with epoll_wait(epfd, .., 0) BEFORE draining, so a wake-up that
//     arrives during the drain re-arms the fd.
//   * After every drain: a full fence, then one more consume. libbpf 1.1 publishes
//     consumer_pos with a release store and then loads the next record header; without a
//     full fence that load can pass the store, the kernel sees a lagging consumer, skips the
//     wake-up, and the edge never comes (a permanent stall, reproduced in 5 of 10 runs of
//     the intervalMs-0 test with the fence removed).
//   * A uv_timer drains every intervalMs: the BPF side (bpf/include/ringbuf.h) only wakes us
//     when pending data crosses a threshold, so a trickle of events is picked up by the timer.
//     While ticks find nothing its period doubles, up to 4 x intervalMs; the first delivery
//     brings it back (an idle tracer wakes ~25 times a second, not 100).
//   * A batch is capped at maxBatchBytes by returning a negative value from the sample
//     callback (libbpf 1.1 has no ring_buffer__consume_n); the rest is drained from a 0 ms
//     timer so the event loop gets a turn between big batches.
//   * ONE Buffer and ONE MakeCallback per batch. Framing inside the Buffer:
//     repeated [u32 len (LE)][u32 0][payload][zero pad to a multiple of 8].
#pragma once

#include <napi.h>

namespace ipcdump {

class RingConsumer;

class RingBuffer : public Napi::ObjectWrap<RingBuffer> {
 public:
  static Napi::Function Init(Napi::Env env);

  // new RingBuffer(mapFd, onBatch(batch, nrecords), intervalMs, maxBatchBytes)
  explicit RingBuffer(const Napi::CallbackInfo& info);
  ~RingBuffer() override;

 private:
  void Drain(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  void Ref(const Napi::CallbackInfo& info);
  void Unref(const Napi::CallbackInfo& info);

  RingConsumer* consumer_ = nullptr;  // owned by itself once closed (freed after uv_close)
};

}  // namespace ipcdump
