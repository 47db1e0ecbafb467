// Finding BPF global variables through the object's BTF.
//
// A `const volatile` global in BPF C lands in the .rodata section (writable globals in .data
// or .bss); libbpf turns each such section into an internal array map whose single value is
// the section image. BTF describes each section as a DATASEC whose members (VARs) give every
// variable's name, offset and size -- libbpf fixes the offsets up at open time. This is what
// a bpftool-generated skeleton hard-codes as struct fields; without a skeleton (we are in JS)
// we resolve names at run time instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct bpf_object;
struct bpf_map;

namespace ipcdump {

struct GlobalVar {
  std::string name;
  std::string section;  // ".rodata", ".data", ".bss", ".data.foo", ...
  struct bpf_map* map;  // the internal map holding the section
  uint32_t offset;
  uint32_t size;
};

// Every variable of every data section (.rodata*, .data*, .bss*), in BTF order.
// Extern sections (.kconfig, .ksyms) are skipped: libbpf fills those itself.
std::vector<GlobalVar> ListGlobals(struct bpf_object* obj);

}  // namespace ipcdump
