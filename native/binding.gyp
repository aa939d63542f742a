{
  "targets": [
    {
      "target_name": "tmu_native",
      "sources": ["src/addon.cc", "src/caching_cpu_allocator.cc", "src/malloc_tuning.cc", "src/runtime.cc", "src/helpers.cc", "src/torch_files.cc", "src/generated/ops.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node libtorch-flags.mjs include)"
      ],
      "libraries": ["<!@(node libtorch-flags.mjs libs)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"]
    }
  ]
}
