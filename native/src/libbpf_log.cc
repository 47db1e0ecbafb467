#include "libbpf_log.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <bpf/libbpf.h>

namespace ipcdump {
namespace {

// libbpf calls the print callback on the thread that called into libbpf; all our libbpf calls
// happen on a JS thread, so a thread_local capture keeps worker threads independent.
thread_local LogCapture* current_capture = nullptr;

bool DebugToStderr() {
  const char* v = std::getenv("IPCDUMP_LIBBPF_DEBUG");
  return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
}

int PrintCallback(enum libbpf_print_level level, const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int needed = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (needed < 0) return 0;

  std::string message(static_cast<size_t>(needed) + 1, '\0');
  std::vsnprintf(&message[0], message.size(), format, args);
  message.resize(static_cast<size_t>(needed));

  if (DebugToStderr()) std::fputs(message.c_str(), stderr);
  if (current_capture != nullptr) current_capture->Append(static_cast<int>(level), std::move(message));
  return needed;
}

const char* LevelName(int level) {
  switch (level) {
    case LIBBPF_WARN: return "warn";
    case LIBBPF_INFO: return "info";
    default: return "debug";
  }
}

}  // namespace

void InstallLibbpfPrint() { libbpf_set_print(PrintCallback); }

LogCapture::LogCapture() : previous_(current_capture) { current_capture = this; }

LogCapture::~LogCapture() { current_capture = previous_; }

void LogCapture::Append(int level, std::string message) {
  entries_.push_back(LogEntry{level, std::move(message)});
}

Napi::Array LogCapture::ToJs(Napi::Env env) const {
  Napi::Array out = Napi::Array::New(env, entries_.size());
  for (size_t i = 0; i < entries_.size(); i++) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("level", LevelName(entries_[i].level));
    e.Set("message", entries_[i].message);
    out.Set(static_cast<uint32_t>(i), e);
  }
  return out;
}

}  // namespace ipcdump
