#include "bpf_object.h"

#include <cerrno>
#include <csignal>
#include <pthread.h>
#include <cstring>
#include <vector>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "btf_globals.h"
#include "libbpf_log.h"
#include "native_error.h"

namespace ipcdump {
namespace {

std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsString())
    throw MakeUsageError(info.Env(), std::string(what) + " must be a string", EINVAL);
  return info[i].As<Napi::String>().Utf8Value();
}

Napi::Buffer<uint8_t> BufferArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsBuffer())
    throw MakeUsageError(info.Env(), std::string(what) + " must be a Buffer", EINVAL);
  return info[i].As<Napi::Buffer<uint8_t>>();
}

// Optional boolean argument (undefined/absent = false).
bool OptBoolArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || info[i].IsUndefined()) return false;
  if (!info[i].IsBoolean())
    throw MakeUsageError(info.Env(), std::string(what) + " must be a boolean", EINVAL);
  return info[i].As<Napi::Boolean>().Value();
}

std::vector<std::string> StringArrayArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsArray())
    throw MakeUsageError(info.Env(), std::string(what) + " must be an array of strings", EINVAL);
  Napi::Array arr = info[i].As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::Value v = arr.Get(k);
    if (!v.IsString())
      throw MakeUsageError(info.Env(), std::string(what) + " must be an array of strings", EINVAL);
    out.push_back(v.As<Napi::String>().Utf8Value());
  }
  return out;
}

uint32_t U32Arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw MakeUsageError(info.Env(), std::string(what) + " must be a number", EINVAL);
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= 4294967295.0) || v != static_cast<double>(static_cast<uint32_t>(v)))
    throw MakeUsageError(info.Env(), std::string(what) + " must be an integer in [0, 2^32)", EINVAL);
  return static_cast<uint32_t>(v);
}

bool IsPerCpu(enum bpf_map_type t) {
  return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
         t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

// Size of the value buffer the map syscalls read/write: per-CPU maps transfer one slot per
// possible CPU, each rounded up to 8 bytes (kernel ABI, see bpf_map_value_size()).
size_t ValueBufferSize(Napi::Env env, const struct bpf_map* map) {
  size_t value_size = bpf_map__value_size(map);
  if (!IsPerCpu(bpf_map__type(map))) return value_size;
  int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0) throw MakeNativeError(env, "libbpf_num_possible_cpus", -ncpus);
  return static_cast<size_t>(ncpus) * ((value_size + 7) & ~static_cast<size_t>(7));
}

void CheckKey(Napi::Env env, const struct bpf_map* map, const Napi::Buffer<uint8_t>& key) {
  if (key.Length() != bpf_map__key_size(map))
    throw MakeUsageError(env,
                         std::string("key for map '") + bpf_map__name(map) + "' must be " +
                             std::to_string(bpf_map__key_size(map)) + " bytes, got " +
                             std::to_string(key.Length()),
                         EINVAL);
}

}  // namespace

Napi::Function BpfObject::Init(Napi::Env env) {
  return DefineClass(env, "BpfObject",
                     {
                         InstanceMethod<&BpfObject::Name>("name"),
                         InstanceMethod<&BpfObject::Programs>("programs"),
                         InstanceMethod<&BpfObject::Maps>("maps"),
                         InstanceMethod<&BpfObject::Globals>("globals"),
                         InstanceMethod<&BpfObject::SetGlobal>("setGlobal"),
                         InstanceMethod<&BpfObject::SetMapMaxEntries>("setMapMaxEntries"),
                         InstanceMethod<&BpfObject::SetAutoload>("setAutoload"),
                         InstanceMethod<&BpfObject::Load>("load"),
                         InstanceMethod<&BpfObject::SetAttachTarget>("setAttachTarget"),
                         InstanceMethod<&BpfObject::Attach>("attach"),
                         InstanceMethod<&BpfObject::AttachRawTracepoint>("attachRawTracepoint"),
                         InstanceMethod<&BpfObject::AttachKprobe>("attachKprobe"),
                         InstanceMethod<&BpfObject::AttachKprobeMulti>("attachKprobeMulti"),
                         InstanceMethod<&BpfObject::Detach>("detach"),
                         InstanceMethod<&BpfObject::ProgramFd>("programFd"),
                         InstanceMethod<&BpfObject::ProgramMisses>("programMisses"),
                         InstanceMethod<&BpfObject::MapFd>("mapFd"),
                         InstanceMethod<&BpfObject::MapLookup>("mapLookup"),
                         InstanceMethod<&BpfObject::MapUpdate>("mapUpdate"),
                         InstanceMethod<&BpfObject::MapDelete>("mapDelete"),
                         InstanceMethod<&BpfObject::MapKeys>("mapKeys"),
                         InstanceMethod<&BpfObject::Close>("close"),
                     });
}

// new BpfObject(path): bpf_object__open_file. Parses the ELF and BTF; nothing reaches the
// kernel yet, so globals, map sizes and autoload can still be changed.
BpfObject::BpfObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObject>(info) {
  std::string path = StringArg(info, 0, "path");
  LogCapture log;
  errno = 0;
  obj_ = bpf_object__open_file(path.c_str(), nullptr);
  if (obj_ == nullptr) {
    int err = errno != 0 ? errno : EINVAL;
    throw MakeNativeError(info.Env(), "bpf_object__open_file", err, &log);
  }
}

BpfObject::~BpfObject() { Destroy(); }

void BpfObject::Destroy() {
  // Links first: destroying a link detaches the program from its hook. Then the object,
  // which closes program and map fds; the kernel frees them once nothing else holds them.
  for (auto& entry : links_)
    for (Link& l : entry.second) bpf_link__destroy(l.link);
  links_.clear();
  if (obj_ != nullptr) {
    bpf_object__close(obj_);
    obj_ = nullptr;
  }
}

struct bpf_object* BpfObject::Object(Napi::Env env) const {
  if (obj_ == nullptr) throw MakeUsageError(env, "BPF object is closed", EBADF);
  return obj_;
}

bool BpfObject::HasLink(const std::string& program, const std::string& kind,
                        const std::string& target) const {
  auto it = links_.find(program);
  if (it == links_.end()) return false;
  for (const Link& l : it->second)
    if (l.kind == kind && l.target == target) return true;
  return false;
}

struct bpf_program* BpfObject::FindProgram(Napi::Env env, const std::string& name) const {
  struct bpf_program* prog = bpf_object__find_program_by_name(Object(env), name.c_str());
  if (prog == nullptr) throw MakeUsageError(env, "no BPF program named '" + name + "'", ENOENT);
  return prog;
}

// Accepts both libbpf's map name and, for internal maps, the section name (".rodata"):
// bpf_object__find_map_by_name matches either.
struct bpf_map* BpfObject::FindMap(Napi::Env env, const std::string& name) const {
  struct bpf_map* map = bpf_object__find_map_by_name(Object(env), name.c_str());
  if (map == nullptr) throw MakeUsageError(env, "no BPF map named '" + name + "'", ENOENT);
  return map;
}

Napi::Value BpfObject::Name(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), bpf_object__name(Object(info.Env())));
}

Napi::Value BpfObject::Programs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  struct bpf_program* prog;
  uint32_t i = 0;
  bpf_object__for_each_program(prog, Object(env)) {
    Napi::Object p = Napi::Object::New(env);
    const char* name = bpf_program__name(prog);
    p.Set("name", name);
    p.Set("section", bpf_program__section_name(prog));
    p.Set("autoload", bpf_program__autoload(prog));
    p.Set("loaded", bpf_program__fd(prog) >= 0);
    auto it = links_.find(name);
    size_t nlinks = it == links_.end() ? 0 : it->second.size();
    p.Set("attached", nlinks != 0);
    p.Set("links", static_cast<double>(nlinks));
    out.Set(i++, p);
  }
  return out;
}

Napi::Value BpfObject::Maps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  struct bpf_map* map;
  uint32_t i = 0;
  bpf_object__for_each_map(map, Object(env)) {
    Napi::Object m = Napi::Object::New(env);
    enum bpf_map_type type = bpf_map__type(map);
    const char* type_name = libbpf_bpf_map_type_str(type);
    m.Set("name", bpf_map__name(map));
    m.Set("type", static_cast<double>(type));
    m.Set("typeName", type_name != nullptr ? type_name : "unknown");
    m.Set("keySize", bpf_map__key_size(map));
    m.Set("valueSize", bpf_map__value_size(map));
    m.Set("maxEntries", bpf_map__max_entries(map));
    m.Set("internal", bpf_map__is_internal(map));
    m.Set("perCpu", IsPerCpu(type));
    out.Set(i++, m);
  }
  return out;
}

Napi::Value BpfObject::Globals(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<GlobalVar> vars = ListGlobals(Object(env));
  Napi::Array out = Napi::Array::New(env, vars.size());
  for (size_t i = 0; i < vars.size(); i++) {
    Napi::Object g = Napi::Object::New(env);
    g.Set("name", vars[i].name);
    g.Set("section", vars[i].section);
    g.Set("offset", vars[i].offset);
    g.Set("size", vars[i].size);
    out.Set(static_cast<uint32_t>(i), g);
  }
  return out;
}

// setGlobal(name, bytes): patch one variable in its section's initial image. libbpf 1.1's
// bpf_map__initial_value() is read-only, so: copy the image, patch, bpf_map__set_initial_value.
// libbpf copies the image into the map at load time (and freezes .rodata).
void BpfObject::SetGlobal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "name");
  Napi::Buffer<uint8_t> value = BufferArg(info, 1, "value");

  for (const GlobalVar& var : ListGlobals(Object(env))) {
    if (var.name != name) continue;
    if (value.Length() != var.size)
      throw MakeUsageError(env,
                           "global '" + name + "' is " + std::to_string(var.size) +
                               " bytes, got " + std::to_string(value.Length()),
                           EINVAL);
    size_t image_size = 0;
    const void* image = bpf_map__initial_value(var.map, &image_size);
    if (image == nullptr || static_cast<size_t>(var.offset) + var.size > image_size)
      throw MakeNativeError(env, "bpf_map__initial_value", EINVAL);
    std::vector<uint8_t> patched(static_cast<const uint8_t*>(image),
                                 static_cast<const uint8_t*>(image) + image_size);
    std::memcpy(patched.data() + var.offset, value.Data(), var.size);
    LogCapture log;
    int err = bpf_map__set_initial_value(var.map, patched.data(), patched.size());
    if (err) throw MakeNativeError(env, "bpf_map__set_initial_value", err, &log);
    return;
  }
  throw MakeUsageError(env, "no global variable named '" + name + "'", ENOENT);
}

void BpfObject::SetMapMaxEntries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_map* map = FindMap(env, StringArg(info, 0, "map"));
  uint32_t n = U32Arg(info, 1, "maxEntries");
  LogCapture log;
  int err = bpf_map__set_max_entries(map, n);
  if (err) throw MakeNativeError(env, "bpf_map__set_max_entries", err, &log);
}

void BpfObject::SetAutoload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_program* prog = FindProgram(env, StringArg(info, 0, "program"));
  if (info.Length() < 2 || !info[1].IsBoolean())
    throw MakeUsageError(env, "autoload flag must be a boolean", EINVAL);
  LogCapture log;
  int err = bpf_program__set_autoload(prog, info[1].As<Napi::Boolean>().Value());
  if (err) throw MakeNativeError(env, "bpf_program__set_autoload", err, &log);
}

// load(): bpf_object__load. On failure the thrown error carries every libbpf message of this
// call, including the verifier log ("-- BEGIN PROG LOAD LOG --") libbpf prints for a
// rejected program; TS extracts the failing programs and the log's tail from it.
void BpfObject::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_object* obj = Object(env);
  LogCapture log;
  // The verifier gives up with EAGAIN whenever a signal is pending for the loading thread
  // (kernel/bpf/verifier.c checks signal_pending()), and libbpf retries only a few times. A
  // profiler's SIGPROF or a terminal's SIGWINCH can then make a valid program fail to load.
  // Block signals on this thread for the load; pending ones are delivered right after.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &saved);
  int err = bpf_object__load(obj);
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  if (err) throw MakeNativeError(env, "bpf_object__load", err, &log);
}

// setAttachTarget(program, name): bpf_program__set_attach_target(prog, 0, name), before load.
// For BTF-based programs (fentry/fexit, tp_btf, ...) declared without a target (or with a
// placeholder one) whose kernel function or tracepoint is only known at run time. libbpf
// resolves `name` in the kernel's BTF right away, so an unknown name fails here (ESRCH).
void BpfObject::SetAttachTarget(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_program* prog = FindProgram(env, StringArg(info, 0, "program"));
  std::string target = StringArg(info, 1, "target");
  LogCapture log;
  int err = bpf_program__set_attach_target(prog, 0, target.c_str());
  if (err) throw MakeNativeError(env, "bpf_program__set_attach_target", err, &log);
}

// attach(program): bpf_program__attach picks the attach type from the SEC() name
// (tp_btf/..., raw_tp/..., tracepoint/...). Returns false if it was already attached so.
Napi::Value BpfObject::Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "program");
  struct bpf_program* prog = FindProgram(env, name);
  std::string section = bpf_program__section_name(prog);
  if (HasLink(name, "sec", section)) return Napi::Boolean::New(env, false);
  LogCapture log;
  errno = 0;
  struct bpf_link* link = bpf_program__attach(prog);
  if (link == nullptr) {
    int err = errno != 0 ? errno : EINVAL;
    throw MakeNativeError(env, "bpf_program__attach", err, &log);
  }
  links_[name].push_back({"sec", section, link});
  return Napi::Boolean::New(env, true);
}

// attachRawTracepoint(program, tracepoint): bpf_program__attach_raw_tracepoint. The same
// program may be attached to any number of tracepoints, one link each. Returns false if it
// is already attached to this one.
Napi::Value BpfObject::AttachRawTracepoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "program");
  struct bpf_program* prog = FindProgram(env, name);
  std::string tp = StringArg(info, 1, "tracepoint");
  if (HasLink(name, "raw_tp", tp)) return Napi::Boolean::New(env, false);
  LogCapture log;
  errno = 0;
  struct bpf_link* link = bpf_program__attach_raw_tracepoint(prog, tp.c_str());
  if (link == nullptr) {
    int err = errno != 0 ? errno : EINVAL;
    throw MakeNativeError(env, "bpf_program__attach_raw_tracepoint", err, &log);
  }
  links_[name].push_back({"raw_tp", tp, link});
  return Napi::Boolean::New(env, true);
}

// attachKprobe(program, function, retprobe): bpf_program__attach_kprobe_opts, one link
// (a perf-event kprobe) per function. Returns false if already attached to it so.
Napi::Value BpfObject::AttachKprobe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "program");
  struct bpf_program* prog = FindProgram(env, name);
  std::string func = StringArg(info, 1, "function");
  bool retprobe = OptBoolArg(info, 2, "retprobe");
  const char* kind = retprobe ? "kretprobe" : "kprobe";
  if (HasLink(name, kind, func)) return Napi::Boolean::New(env, false);
  LIBBPF_OPTS(bpf_kprobe_opts, opts, .retprobe = retprobe);
  LogCapture log;
  errno = 0;
  struct bpf_link* link = bpf_program__attach_kprobe_opts(prog, func.c_str(), &opts);
  if (link == nullptr) {
    int err = errno != 0 ? errno : EINVAL;
    throw MakeNativeError(env, "bpf_program__attach_kprobe_opts", err, &log);
  }
  links_[name].push_back({kind, func, link});
  return Napi::Boolean::New(env, true);
}

// attachKprobeMulti(program, symbols, retprobe): bpf_program__attach_kprobe_multi_opts with
// opts.syms/cnt: ONE link (BPF_LINK_TYPE_KPROBE_MULTI, fprobe-based) hooks every symbol, which
// is far cheaper to set up and tear down than one kprobe per function. The link's target is
// the comma-joined symbol list. Returns false if the same list is already attached.
Napi::Value BpfObject::AttachKprobeMulti(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "program");
  struct bpf_program* prog = FindProgram(env, name);
  std::vector<std::string> syms = StringArrayArg(info, 1, "symbols");
  if (syms.empty()) throw MakeUsageError(env, "symbols must not be empty", EINVAL);
  bool retprobe = OptBoolArg(info, 2, "retprobe");
  const char* kind = retprobe ? "kretprobe.multi" : "kprobe.multi";
  std::string target;
  std::vector<const char*> ptrs;
  ptrs.reserve(syms.size());
  for (const std::string& sym : syms) {
    if (!target.empty()) target += ',';
    target += sym;
    ptrs.push_back(sym.c_str());
  }
  if (HasLink(name, kind, target)) return Napi::Boolean::New(env, false);
  LIBBPF_OPTS(bpf_kprobe_multi_opts, opts, .syms = ptrs.data(), .cnt = ptrs.size(),
              .retprobe = retprobe);
  LogCapture log;
  errno = 0;
  struct bpf_link* link = bpf_program__attach_kprobe_multi_opts(prog, nullptr, &opts);
  if (link == nullptr) {
    int err = errno != 0 ? errno : EINVAL;
    throw MakeNativeError(env, "bpf_program__attach_kprobe_multi_opts", err, &log);
  }
  links_[name].push_back({kind, target, link});
  return Napi::Boolean::New(env, true);
}

// detach(program[, target]): bpf_link__destroy on every link of the program, or only on
// those whose target is `target` (all kinds: a kprobe and a kretprobe on one function both
// go). Returns how many links were destroyed.
Napi::Value BpfObject::Detach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = StringArg(info, 0, "program");
  FindProgram(env, name);
  bool all = info.Length() < 2 || info[1].IsUndefined();
  std::string target = all ? std::string() : StringArg(info, 1, "target");
  auto it = links_.find(name);
  if (it == links_.end()) return Napi::Number::New(env, 0);
  std::vector<Link>& links = it->second;
  size_t destroyed = 0;
  for (auto l = links.begin(); l != links.end();) {
    if (all || l->target == target) {
      bpf_link__destroy(l->link);
      l = links.erase(l);
      destroyed++;
    } else {
      ++l;
    }
  }
  if (links.empty()) links_.erase(it);
  return Napi::Number::New(env, static_cast<double>(destroyed));
}

Napi::Value BpfObject::ProgramFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, bpf_program__fd(FindProgram(env, StringArg(info, 0, "program"))));
}

// Runs of the program the kernel skipped because it was already running on that CPU
// (bpf_prog_info.recursion_misses, Linux 5.12+; 0 before). On kernels that run tracepoint
// programs preemptibly this counts real misses, so tools report them as lost events.
Napi::Value BpfObject::ProgramMisses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = bpf_program__fd(FindProgram(env, StringArg(info, 0, "program")));
  if (fd < 0) return Napi::Number::New(env, 0);
  struct bpf_prog_info pinfo = {};
  __u32 len = sizeof(pinfo);
  if (bpf_obj_get_info_by_fd(fd, &pinfo, &len) != 0) return Napi::Number::New(env, 0);
  return Napi::Number::New(env, static_cast<double>(pinfo.recursion_misses));
}

Napi::Value BpfObject::MapFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, bpf_map__fd(FindMap(env, StringArg(info, 0, "map"))));
}

Napi::Value BpfObject::MapLookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_map* map = FindMap(env, StringArg(info, 0, "map"));
  Napi::Buffer<uint8_t> key = BufferArg(info, 1, "key");
  CheckKey(env, map, key);
  std::vector<uint8_t> value(ValueBufferSize(env, map));
  int err = bpf_map__lookup_elem(map, key.Data(), key.Length(), value.data(), value.size(), 0);
  if (err == -ENOENT) return env.Null();
  if (err) throw MakeNativeError(env, "bpf_map_lookup_elem", err);
  return Napi::Buffer<uint8_t>::Copy(env, value.data(), value.size());
}

void BpfObject::MapUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_map* map = FindMap(env, StringArg(info, 0, "map"));
  Napi::Buffer<uint8_t> key = BufferArg(info, 1, "key");
  Napi::Buffer<uint8_t> value = BufferArg(info, 2, "value");
  uint32_t flags = info.Length() > 3 && !info[3].IsUndefined() ? U32Arg(info, 3, "flags") : 0;
  CheckKey(env, map, key);
  size_t want = ValueBufferSize(env, map);
  if (value.Length() != want)
    throw MakeUsageError(env,
                         std::string("value for map '") + bpf_map__name(map) + "' must be " +
                             std::to_string(want) + " bytes, got " + std::to_string(value.Length()),
                         EINVAL);
  int err = bpf_map__update_elem(map, key.Data(), key.Length(), value.Data(), value.Length(), flags);
  if (err) throw MakeNativeError(env, "bpf_map_update_elem", err);
}

Napi::Value BpfObject::MapDelete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_map* map = FindMap(env, StringArg(info, 0, "map"));
  Napi::Buffer<uint8_t> key = BufferArg(info, 1, "key");
  CheckKey(env, map, key);
  int err = bpf_map__delete_elem(map, key.Data(), key.Length(), 0);
  if (err == -ENOENT) return Napi::Boolean::New(env, false);
  if (err) throw MakeNativeError(env, "bpf_map_delete_elem", err);
  return Napi::Boolean::New(env, true);
}

// mapKeys(map): walk with BPF_MAP_GET_NEXT_KEY starting from "no key". Bounded by
// max_entries because a concurrent delete makes the kernel restart the walk from the first
// key, which could otherwise loop forever on a busy hash map.
Napi::Value BpfObject::MapKeys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_map* map = FindMap(env, StringArg(info, 0, "map"));
  size_t key_size = bpf_map__key_size(map);
  uint64_t limit = bpf_map__max_entries(map);
  Napi::Array out = Napi::Array::New(env);
  std::vector<uint8_t> prev(key_size), next(key_size);
  const void* cursor = nullptr;
  for (uint32_t n = 0; n < limit; n++) {
    int err = bpf_map__get_next_key(map, cursor, next.data(), key_size);
    if (err == -ENOENT) break;
    if (err) throw MakeNativeError(env, "bpf_map_get_next_key", err);
    out.Set(n, Napi::Buffer<uint8_t>::Copy(env, next.data(), key_size));
    prev.swap(next);
    cursor = prev.data();
  }
  return out;
}

void BpfObject::Close(const Napi::CallbackInfo&) { Destroy(); }

}  // namespace ipcdump
