#include "native_error.h"

#include <cstring>

#include <bpf/libbpf.h>

namespace ipcdump {
namespace {

// libbpf_strerror also knows libbpf's own codes (LIBBPF_ERRNO__FORMAT = 4001, ...).
std::string ErrorText(int err) {
  char buf[256];
  if (libbpf_strerror(err, buf, sizeof(buf)) != 0) return std::strerror(err);
  return buf;
}

}  // namespace

Napi::Error MakeNativeError(Napi::Env env, const std::string& op, int err, const LogCapture* log) {
  if (err < 0) err = -err;
  std::string text = ErrorText(err);
  Napi::Error e = Napi::Error::New(env, op + ": " + text);
  e.Set("op", Napi::String::New(env, op));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("strerror", Napi::String::New(env, text));
  if (log != nullptr) e.Set("libbpfLog", static_cast<napi_value>(log->ToJs(env)));
  return e;
}

Napi::Error MakeUsageError(Napi::Env env, const std::string& message, int err) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("op", Napi::String::New(env, "usage"));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("strerror", Napi::String::New(env, ErrorText(err)));
  return e;
}

}  // namespace ipcdump
