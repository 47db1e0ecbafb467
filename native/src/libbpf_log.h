// Capturing libbpf's log output (libbpf_set_print).
//
// libbpf reports everything useful about a failure -- most importantly the kernel verifier
// log of a rejected program -- only through its print callback, never through return values.
// We install one process-wide callback that appends messages to the LogCapture active on the
// calling thread (if any), so each open/load/attach call can attach exactly its own messages
// to the error it throws. Nothing is printed unless IPCDUMP_LIBBPF_DEBUG=1, in which case
// every message (all levels) also goes to stderr.
#pragma once

#include <string>
#include <vector>

#include <napi.h>

namespace ipcdump {

struct LogEntry {
  int level;            // enum libbpf_print_level: 0 warn, 1 info, 2 debug
  std::string message;  // as formatted by libbpf, usually "libbpf: ...\n"
};

// Installs the print callback. Call once at module init.
void InstallLibbpfPrint();

// RAII: while alive, libbpf messages emitted on this thread are collected here.
// Captures nest; the innermost one receives the messages.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  const std::vector<LogEntry>& entries() const { return entries_; }
  void Append(int level, std::string message);

  // [{ level: 'warn'|'info'|'debug', message }]
  Napi::Array ToJs(Napi::Env env) const;

 private:
  std::vector<LogEntry> entries_;
  LogCapture* previous_;
};

}  // namespace ipcdump
