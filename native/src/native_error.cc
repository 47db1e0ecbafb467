#include "native_error.h"

#include <cstring>

namespace ipcdump {

Napi::Error MakeNativeError(Napi::Env env, const std::string& op, int err, const LogCapture* log) {
  if (err < 0) err = -err;
  Napi::Error e = Napi::Error::New(env, op + ": " + std::strerror(err));
  e.Set("op", Napi::String::New(env, op));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("strerror", Napi::String::New(env, std::strerror(err)));
  if (log != nullptr) e.Set("libbpfLog", static_cast<napi_value>(log->ToJs(env)));
  return e;
}

Napi::Error MakeUsageError(Napi::Env env, const std::string& message, int err) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("op", Napi::String::New(env, "usage"));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("strerror", Napi::String::New(env, std::strerror(err)));
  return e;
}

}  // namespace ipcdump
