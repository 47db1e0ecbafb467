# N-API addon: the only code that talks to libbpf. Built by `npm run build:addon`
# (node-gyp rebuild --nodedir=/usr --directory=native) into build/Release/ipcdump_native.node.
#
# libbpf is linked dynamically (libbpf.so.1 via pkg-config): Debian's libbpf.a is not built
# with -fPIC and cannot go into a shared object. Only the libbpf 1.1 API is used.
{
  "targets": [
    {
      "target_name": "ipcdump_native",
      "sources": [
        "src/addon.cc",
        "src/bpf_object.cc",
        "src/btf_globals.cc",
        "src/libbpf_log.cc",
        "src/native_error.cc",
        "src/ring_buffer.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(pkg-config --cflags-only-I libbpf | sed -e 's/-I//g')"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "libraries": ["<!@(pkg-config --libs libbpf)"]
    }
  ]
}
