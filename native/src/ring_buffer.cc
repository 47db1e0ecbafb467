#include "ring_buffer.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <uv.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libbpf_log.h"
#include "native_error.h"

namespace ipcdump {

// Owns everything with a lifetime tied to the uv loop rather than to the JS wrapper: the uv
// handles must stay allocated until their close callbacks ran, which is always a later loop
// turn than close(). It deletes itself after the last handle closed.
class RingConsumer {
 public:
  RingConsumer(Napi::Env env, int map_fd, Napi::Function on_batch, Napi::Object owner,
               uint32_t interval_ms, size_t max_batch_bytes);

  void Start();             // throws Napi::Error
  void DrainSync();         // from JS: drain(); exceptions from onBatch propagate to the caller
  void Close();             // idempotent; safe inside onBatch
  void SetRef(bool ref);
  bool closed() const { return closed_; }

 private:
  ~RingConsumer();

  static int OnSample(void* ctx, void* data, size_t size);
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnTimer(uv_timer_t* handle);
  static void OnInterval(uv_timer_t* handle);
  void SetInterval(uint32_t ms);
  static void OnHandleClosed(uv_handle_t* handle);
  static void OnEnvCleanup(napi_async_cleanup_hook_handle handle, void* arg);

  void DrainAsync();
  void Drain(bool yield_on_cap);
  bool ConsumeBatch();  // returns true if the batch hit the byte cap
  void Deliver();
  void ScheduleRedrain();
  void Finish();  // after the last handle closed: release everything, delete this

  napi_env env_;
  int map_fd_;  // our own dup of the map fd: independent of the BpfObject's lifetime
  int epoll_fd_ = -1;
  struct ring_buffer* rb_ = nullptr;
  uint32_t interval_ms_;
  // Idle back-off: the drain timer's period doubles after each tick that delivered nothing,
  // up to idle_max_ms_ (4 x interval_ms_), and drops back to interval_ms_ as soon as records
  // are delivered. An idle tracer wakes ~25 times a second instead of 100 (eight idle
  // tracers on a one-vCPU guest took a large part of its CPU). Not further: a burst that
  // starts while the timer is long and whose threshold wake-up comes late must not overrun
  // a small ring before the next tick (100 ms lost records of a 200k burst into a 4 MiB
  // ring on a loaded host; 40 ms did not).
  uint32_t current_ms_ = 0;
  uint32_t idle_max_ms_ = 0;
  bool delivered_ = false;
  size_t max_batch_bytes_;

  Napi::FunctionReference on_batch_;
  Napi::ObjectReference owner_;  // keeps the JS wrapper alive while open
  napi_async_context async_context_ = nullptr;
  napi_async_cleanup_hook_handle cleanup_hook_ = nullptr;

  uv_poll_t poll_;
  uv_timer_t interval_timer_;
  uv_timer_t redrain_timer_;
  int open_handles_ = 0;

  std::vector<uint8_t> staging_;
  uint32_t staged_records_ = 0;
  bool capped_ = false;
  bool closed_ = false;
  bool started_ = false;
};

RingConsumer::RingConsumer(Napi::Env env, int map_fd, Napi::Function on_batch, Napi::Object owner,
                           uint32_t interval_ms, size_t max_batch_bytes)
    : env_(env),
      map_fd_(map_fd),
      interval_ms_(interval_ms),
      max_batch_bytes_(max_batch_bytes),
      on_batch_(Napi::Persistent(on_batch)),
      owner_(Napi::Persistent(owner)) {
  poll_.data = interval_timer_.data = redrain_timer_.data = this;
}

RingConsumer::~RingConsumer() {
  if (rb_ != nullptr) ring_buffer__free(rb_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (map_fd_ >= 0) close(map_fd_);
}

void RingConsumer::Start() {
  Napi::Env env(env_);
  LogCapture log;
  errno = 0;
  rb_ = ring_buffer__new(map_fd_, &RingConsumer::OnSample, this, nullptr);
  if (rb_ == nullptr) throw MakeNativeError(env, "ring_buffer__new", errno ? errno : EINVAL, &log);

  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw MakeNativeError(env, "epoll_create1", errno);
  struct epoll_event ev;
  std::memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN | EPOLLET;
  ev.data.fd = map_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, map_fd_, &ev) < 0)
    throw MakeNativeError(env, "epoll_ctl", errno);

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env_, &loop) != napi_ok || loop == nullptr)
    throw MakeNativeError(env, "napi_get_uv_event_loop", EINVAL);
  int err = uv_poll_init(loop, &poll_, epoll_fd_);
  if (err) throw MakeNativeError(env, "uv_poll_init", -err);
  open_handles_++;
  uv_timer_init(loop, &interval_timer_);
  open_handles_++;
  uv_timer_init(loop, &redrain_timer_);
  open_handles_++;
  started_ = true;

  napi_value resource_name = Napi::String::New(env, "ipcdump:RingBuffer");
  napi_async_init(env_, owner_.Value(), resource_name, &async_context_);
  napi_add_async_cleanup_hook(env_, &RingConsumer::OnEnvCleanup, this, &cleanup_hook_);

  err = uv_poll_start(&poll_, UV_READABLE, &RingConsumer::OnPoll);
  if (err) throw MakeNativeError(env, "uv_poll_start", -err);
  idle_max_ms_ = interval_ms_ * 4;
  if (interval_ms_ > 0) SetInterval(interval_ms_);
  // Records committed before we started waiting produced no edge we could see.
  ScheduleRedrain();
}

void RingConsumer::SetRef(bool ref) {
  if (!started_ || closed_) return;
  uv_handle_t* handles[] = {reinterpret_cast<uv_handle_t*>(&poll_),
                            reinterpret_cast<uv_handle_t*>(&interval_timer_),
                            reinterpret_cast<uv_handle_t*>(&redrain_timer_)};
  for (uv_handle_t* h : handles) ref ? uv_ref(h) : uv_unref(h);
}

void RingConsumer::Close() {
  if (closed_) return;
  closed_ = true;
  // Drop the strong references now so the wrapper and callback can be collected.
  on_batch_.Reset();
  owner_.Reset();
  // Stop waiting now; the ring, the epoll fd and the map fd are freed once every handle is
  // closed -- a later loop turn, so never under a drain further up the stack. Closed handles
  // no longer keep the event loop alive.
  uv_handle_t* handles[] = {reinterpret_cast<uv_handle_t*>(&poll_),
                            reinterpret_cast<uv_handle_t*>(&interval_timer_),
                            reinterpret_cast<uv_handle_t*>(&redrain_timer_)};
  int initialised = open_handles_;
  for (int i = 0; i < initialised; i++) uv_close(handles[i], &RingConsumer::OnHandleClosed);
  if (initialised == 0) Finish();
}

void RingConsumer::Finish() {
  if (async_context_ != nullptr) napi_async_destroy(env_, async_context_);
  if (cleanup_hook_ != nullptr) napi_remove_async_cleanup_hook(cleanup_hook_);
  delete this;
}

void RingConsumer::OnHandleClosed(uv_handle_t* handle) {
  auto* self = static_cast<RingConsumer*>(handle->data);
  if (--self->open_handles_ == 0) self->Finish();
}

// Environment teardown (process exit, worker termination) while still open: close the
// handles; node waits until napi_remove_async_cleanup_hook() is called from OnHandleClosed.
void RingConsumer::OnEnvCleanup(napi_async_cleanup_hook_handle, void* arg) {
  static_cast<RingConsumer*>(arg)->Close();
}

// Sample callback of ring_buffer__consume: append one framed record to the staging area.
// Returning a negative value makes libbpf stop right after this (already consumed) record.
int RingConsumer::OnSample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingConsumer*>(ctx);
  size_t offset = self->staging_.size();
  size_t padded = (size + 7) & ~static_cast<size_t>(7);
  self->staging_.resize(offset + 8 + padded);  // value-initialises: padding bytes are zero
  uint8_t* out = self->staging_.data() + offset;
  uint32_t header[2] = {static_cast<uint32_t>(size), 0};
  std::memcpy(out, header, sizeof(header));  // host order == LE on our targets
  std::memcpy(out + 8, data, size);
  self->staged_records_++;
  if (self->staging_.size() >= self->max_batch_bytes_) {
    self->capped_ = true;
    return -1;
  }
  return 0;
}

bool RingConsumer::ConsumeBatch() {
  staging_.clear();
  staged_records_ = 0;
  capped_ = false;
  ring_buffer__consume(rb_);  // only our own cap makes it return < 0 in libbpf 1.1
  return capped_;
}

// One Buffer, one MakeCallback. The staging area is copied out first, so onBatch may call
// drain() (nested) or close() freely.
void RingConsumer::Deliver() {
  if (staged_records_ == 0) return;
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  Napi::Buffer<uint8_t> batch = Napi::Buffer<uint8_t>::Copy(env, staging_.data(), staging_.size());
  Napi::Number nrecords = Napi::Number::New(env, staged_records_);
  staging_.clear();
  staged_records_ = 0;
  delivered_ = true;
  on_batch_.MakeCallback(env.Global(), {batch, nrecords}, async_context_);
}

// Deliver what is pending now: consume until a batch is not capped, then a full fence and
// one more consume (see the header for the lost-wake-up race this closes). With
// yield_on_cap (event-loop callers) a capped batch ends this turn and the rest continues
// from a 0 ms timer; drain() from JS continues synchronously.
//
// We deliberately stop after that one extra consume even if it found records: re-consuming
// until empty would chase a busy producer with a stream of tiny batches (one JS call each)
// and starve the event loop -- the busy-looping the batched design exists to avoid.
// Whatever arrives meanwhile comes with the next wake-up or timer tick. Without a timer
// (intervalMs 0) nothing else would come back for records the extra consume raced with, so
// then a 0 ms re-drain repeats the fence + consume on the next loop turn until it comes up
// empty.
void RingConsumer::Drain(bool yield_on_cap) {
  bool fenced = false;
  for (;;) {
    if (closed_) return;
    bool capped = ConsumeBatch();
    bool had_records = staged_records_ > 0;
    Deliver();
    if (closed_) return;
    if (capped) {
      if (yield_on_cap) {
        ScheduleRedrain();
        return;
      }
      fenced = false;
      continue;
    }
    if (fenced) {
      if (had_records && interval_ms_ == 0) ScheduleRedrain();
      return;
    }
    std::atomic_thread_fence(std::memory_order_seq_cst);
    fenced = true;
  }
}

void RingConsumer::DrainSync() {
  if (closed_) return;
  try {
    Drain(false);
  } catch (...) {
    // onBatch threw: the rest waits for the next loop turn; the exception goes to drain()'s
    // caller.
    ScheduleRedrain();
    throw;
  }
}

void RingConsumer::DrainAsync() {
  if (closed_) return;
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  try {
    Drain(true);
  } catch (const Napi::Error& e) {
    // No JS frame to throw into: report it like any throwing event callback would be
    // reported ('uncaughtException'); undelivered records wait for the next loop turn.
    ScheduleRedrain();
    napi_fatal_exception(env_, e.Value());
  }
}

void RingConsumer::ScheduleRedrain() {
  if (closed_ || !started_) return;
  uv_timer_start(&redrain_timer_, &RingConsumer::OnTimer, 0, 0);
}

void RingConsumer::OnPoll(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<RingConsumer*>(handle->data);
  if (self->closed_) return;
  if (status == 0) {
    // Acknowledge the edge first (EPOLLET: reported once, then re-armed by the next wake-up).
    struct epoll_event events[4];
    while (epoll_wait(self->epoll_fd_, events, 4, 0) > 0) {
    }
  }
  self->DrainAsync();
  // Records are flowing: back to the short period.
  if (!self->closed_ && self->delivered_ && self->interval_ms_ > 0) self->SetInterval(self->interval_ms_);
}

void RingConsumer::OnTimer(uv_timer_t* handle) {
  static_cast<RingConsumer*>(handle->data)->DrainAsync();
}

void RingConsumer::SetInterval(uint32_t ms) {
  if (ms == current_ms_) return;
  current_ms_ = ms;
  uv_timer_start(&interval_timer_, &RingConsumer::OnInterval, ms, ms);
}

void RingConsumer::OnInterval(uv_timer_t* handle) {
  auto* self = static_cast<RingConsumer*>(handle->data);
  self->delivered_ = false;
  self->DrainAsync();
  if (self->closed_) return;
  uint32_t doubled = self->current_ms_ * 2;
  self->SetInterval(self->delivered_ ? self->interval_ms_ : (doubled < self->idle_max_ms_ ? doubled : self->idle_max_ms_));
}

// ---- JS wrapper -------------------------------------------------------------------------

Napi::Function RingBuffer::Init(Napi::Env env) {
  return DefineClass(env, "RingBuffer",
                     {
                         InstanceMethod<&RingBuffer::Drain>("drain"),
                         InstanceMethod<&RingBuffer::Close>("close"),
                         InstanceMethod<&RingBuffer::Ref>("ref"),
                         InstanceMethod<&RingBuffer::Unref>("unref"),
                     });
}

RingBuffer::RingBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingBuffer>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsFunction() || !info[2].IsNumber() ||
      !info[3].IsNumber())
    throw MakeUsageError(env, "RingBuffer(mapFd, onBatch, intervalMs, maxBatchBytes): bad arguments",
                         EINVAL);
  int fd = info[0].As<Napi::Number>().Int32Value();
  int64_t interval_ms = info[2].As<Napi::Number>().Int64Value();
  int64_t max_batch = info[3].As<Napi::Number>().Int64Value();
  if (interval_ms < 0 || interval_ms > 0x7fffffff || max_batch < 8)
    throw MakeUsageError(env, "RingBuffer: intervalMs must be >= 0 and maxBatchBytes >= 8", EINVAL);

  struct bpf_map_info map_info;
  std::memset(&map_info, 0, sizeof(map_info));
  __u32 len = sizeof(map_info);
  int err = bpf_obj_get_info_by_fd(fd, &map_info, &len);
  if (err) throw MakeNativeError(env, "bpf_obj_get_info_by_fd", err);
  if (map_info.type != BPF_MAP_TYPE_RINGBUF)
    throw MakeUsageError(env, std::string("map '") + map_info.name + "' is not a ring buffer", EINVAL);

  int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (dup_fd < 0) throw MakeNativeError(env, "fcntl(F_DUPFD_CLOEXEC)", errno);

  auto* consumer = new RingConsumer(env, dup_fd, info[1].As<Napi::Function>(), info.This().As<Napi::Object>(),
                                    static_cast<uint32_t>(interval_ms), static_cast<size_t>(max_batch));
  try {
    consumer->Start();
  } catch (...) {
    consumer->Close();  // frees itself (now or after its handles closed)
    throw;
  }
  consumer_ = consumer;
}

// Only reached after close() (the consumer holds a strong reference to us while open) or at
// environment teardown, where the consumer's cleanup hook closes it.
RingBuffer::~RingBuffer() {}

void RingBuffer::Drain(const Napi::CallbackInfo&) {
  if (consumer_ != nullptr) consumer_->DrainSync();
}

void RingBuffer::Close(const Napi::CallbackInfo&) {
  if (consumer_ == nullptr) return;
  RingConsumer* c = consumer_;
  consumer_ = nullptr;
  c->Close();
}

void RingBuffer::Ref(const Napi::CallbackInfo&) {
  if (consumer_ != nullptr) consumer_->SetRef(true);
}

void RingBuffer::Unref(const Napi::CallbackInfo&) {
  if (consumer_ != nullptr) consumer_->SetRef(false);
}

}  // namespace ipcdump
