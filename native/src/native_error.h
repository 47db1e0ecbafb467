// Errors thrown by the addon.
//
// The addon only reports facts: which libbpf call failed, the errno, and the libbpf log lines
// captured during that call. The TypeScript layer (src/runtime/errors.ts) turns them into
// typed errors with user-facing messages, so all wording lives in one place.
#pragma once

#include <string>

#include <napi.h>

#include "libbpf_log.h"

namespace ipcdump {

// Builds an Error with message "<op>: <strerror(err)>" and properties
// { op, errno, strerror, libbpfLog? }. `err` is an errno value (sign ignored).
Napi::Error MakeNativeError(Napi::Env env, const std::string& op, int err,
                            const LogCapture* log = nullptr);

// For API misuse caught in C++ (wrong argument types, unknown names): an Error
// with the given message and { op: "usage", errno, strerror } so TS can map it.
Napi::Error MakeUsageError(Napi::Env env, const std::string& message, int err);

}  // namespace ipcdump
