#include "btf_globals.h"

#include <cstring>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

namespace ipcdump {

std::vector<GlobalVar> ListGlobals(struct bpf_object* obj) {
  std::vector<GlobalVar> out;
  const struct btf* btf = bpf_object__btf(obj);
  if (btf == nullptr) return out;

  struct bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    if (!bpf_map__is_internal(map)) continue;
    // For internal maps libbpf records the section's DATASEC as the map's BTF value type.
    __u32 type_id = bpf_map__btf_value_type_id(map);
    if (type_id == 0) continue;
    const struct btf_type* sec = btf__type_by_id(btf, type_id);
    if (sec == nullptr || !btf_is_datasec(sec)) continue;
    const char* sec_name = btf__name_by_offset(btf, sec->name_off);
    if (sec_name == nullptr || std::strcmp(sec_name, ".kconfig") == 0 ||
        std::strcmp(sec_name, ".ksyms") == 0)
      continue;

    const struct btf_var_secinfo* vsi = btf_var_secinfos(sec);
    for (unsigned i = 0; i < btf_vlen(sec); i++, vsi++) {
      const struct btf_type* var = btf__type_by_id(btf, vsi->type);
      if (var == nullptr || !btf_is_var(var)) continue;
      const char* var_name = btf__name_by_offset(btf, var->name_off);
      if (var_name == nullptr || var_name[0] == '\0') continue;
      out.push_back(GlobalVar{var_name, sec_name, map, vsi->offset, vsi->size});
    }
  }
  return out;
}

}  // namespace ipcdump
