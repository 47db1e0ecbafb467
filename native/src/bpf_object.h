// BpfObject: one ELF BPF object (struct bpf_object) plus the links attaching its programs.
//
// Mirrors libbpf's object lifecycle: open (parse ELF + BTF, nothing in the kernel yet) ->
// tweak (globals, map sizes, autoload, attach targets) -> load (create maps, CO-RE relocate,
// verify and load programs) -> attach (bpf_links: one per SEC() target, or any number per
// program when targets are chosen at run time) -> close (destroy links, then the object;
// the kernel frees programs and maps once no fd or link refers to them).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <napi.h>

struct bpf_object;
struct bpf_program;
struct bpf_map;
struct bpf_link;

namespace ipcdump {

class BpfObject : public Napi::ObjectWrap<BpfObject> {
 public:
  static Napi::Function Init(Napi::Env env);

  explicit BpfObject(const Napi::CallbackInfo& info);
  ~BpfObject() override;

 private:
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Programs(const Napi::CallbackInfo& info);
  Napi::Value Maps(const Napi::CallbackInfo& info);
  Napi::Value Globals(const Napi::CallbackInfo& info);
  void SetGlobal(const Napi::CallbackInfo& info);
  void SetMapMaxEntries(const Napi::CallbackInfo& info);
  void SetAutoload(const Napi::CallbackInfo& info);
  void Load(const Napi::CallbackInfo& info);
  void SetAttachTarget(const Napi::CallbackInfo& info);
  Napi::Value Attach(const Napi::CallbackInfo& info);
  Napi::Value AttachRawTracepoint(const Napi::CallbackInfo& info);
  Napi::Value AttachKprobe(const Napi::CallbackInfo& info);
  Napi::Value AttachKprobeMulti(const Napi::CallbackInfo& info);
  Napi::Value Detach(const Napi::CallbackInfo& info);
  Napi::Value ProgramFd(const Napi::CallbackInfo& info);
  Napi::Value ProgramMisses(const Napi::CallbackInfo& info);
  Napi::Value MapFd(const Napi::CallbackInfo& info);
  Napi::Value MapLookup(const Napi::CallbackInfo& info);
  void MapUpdate(const Napi::CallbackInfo& info);
  Napi::Value MapDelete(const Napi::CallbackInfo& info);
  Napi::Value MapKeys(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  struct bpf_object* Object(Napi::Env env) const;  // throws once closed
  struct bpf_program* FindProgram(Napi::Env env, const std::string& name) const;
  struct bpf_map* FindMap(Napi::Env env, const std::string& name) const;
  void Destroy();

  // One attachment of a program. `kind` says how it was made ("sec" = bpf_program__attach
  // with the SEC() target, "raw_tp", "kprobe", "kretprobe", "kprobe.multi",
  // "kretprobe.multi"); `target` is what it hooks (the section name for "sec", the tracepoint
  // or function name, or the comma-joined symbols of a multi link). (kind, target) is unique
  // per program: attaching the same pair again is a no-op.
  struct Link {
    std::string kind;
    std::string target;
    struct bpf_link* link;
  };
  bool HasLink(const std::string& program, const std::string& kind,
               const std::string& target) const;

  struct bpf_object* obj_ = nullptr;
  std::map<std::string, std::vector<Link>> links_;  // program name -> its links
};

}  // namespace ipcdump
