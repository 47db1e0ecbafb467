// Module init for ipcdump_native: the only code in ipcdump that calls libbpf.
// JS-facing surface (typed in src/runtime/native.ts):
//   class BpfObject   -- bpf_object.cc
//   class RingBuffer  -- ring_buffer.cc
//   libbpfVersion()   -- "1.1" etc., for diagnostics
#include <napi.h>

#include <string>

#include <bpf/libbpf.h>

#include "bpf_object.h"
#include "libbpf_log.h"
#include "ring_buffer.h"

namespace ipcdump {
namespace {

Napi::Value LibbpfVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), std::to_string(libbpf_major_version()) + "." +
                                           std::to_string(libbpf_minor_version()));
}

}  // namespace

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  InstallLibbpfPrint();
  exports.Set("BpfObject", BpfObject::Init(env));
  exports.Set("RingBuffer", RingBuffer::Init(env));
  exports.Set("libbpfVersion", Napi::Function::New<LibbpfVersion>(env, "libbpfVersion"));
  return exports;
}

}  // namespace ipcdump

// NODE_API_MODULE pastes the init function's name into an identifier: no "::" allowed.
static Napi::Object InitIpcdumpNative(Napi::Env env, Napi::Object exports) {
  return ipcdump::InitModule(env, exports);
}

NODE_API_MODULE(ipcdump_native, InitIpcdumpNative)
